// macOS's lock tokens and tracking (issue 10), run here: the shim built with -DNPSHM_LOCKFILES
// keeps lock tokens, gates and tracker slots as macOS does, as flock'ed files in the user's lock
// directory (native/npshm_sync_darwin.c, npshm_track_files.c), and tells segments apart by their
// creation nonce. The lock, track and names suites run against that build, then what is its
// own: the directory must be the user's alone, only the segment's owner locks or tracks, dead
// tokens' files go, an array without a nonce is not tracked.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import {
  afterAll,
  canUnshare,
  denoDir,
  runtime,
  runtimeCommand,
  scriptFile,
  spawnInSmallTmpfs,
  sweepLeaks,
  testFile,
  uniqueName,
} from "./_util.ts";

const lib = testFile(`../native/build/${process.platform}-${process.arch}/lockfiles/libnpshm.so`);
const skip = !existsSync(lib) && "needs native/build.ts's lock-file build (Linux, source tree)";
const root = process.geteuid?.() === 0;
const dirs: string[] = [];
afterAll(() => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  assert.deepEqual(sweepLeaks(), [], "segments left behind");
});

/** A fresh TMPDIR for one run: its lock directory is `<it>/npshm-<uid>`. */
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "npshm-lockfiles-"));
  dirs.push(d);
  return d;
}

function env(tmp: string): NodeJS.ProcessEnv {
  // Without NODE_TEST_CONTEXT: set, it makes a nested `node --test` report to its parent runner
  // instead of running as a runner of its own.
  const { NODE_TEST_CONTEXT: _, ...rest } = process.env;
  return { ...rest, NPSHM_LIB: lib, TMPDIR: tmp, NPSHM_TEST_LOCKFILES: "1" };
}

function child(tmp: string, ...args: string[]): string {
  return childWith({}, tmp, ...args);
}

function childWith(extra: NodeJS.ProcessEnv, tmp: string, ...args: string[]): string {
  const [cmd, argv] = runtimeCommand("fixtures/lockfile_lock.ts", args);
  const r = spawnSync(cmd, argv, {
    encoding: "utf8",
    env: { ...env(tmp), ...extra },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** The current runtime's test runner on one test file (compiled to .js in the npm package). */
function testCommand(script: string): [string, string[]] {
  const path = scriptFile(script);
  // --no-check: the parent run has type-checked lock.test.ts already, and the npm package's
  // compiled tests have no @types/node to check against.
  if (runtime === "deno") return [process.execPath, ["test", "-A", "--no-check", "--quiet", path]];
  if (runtime === "bun") return [process.execPath, ["test", "--timeout=120000", path]];
  const [cmd, argv] = runtimeCommand(script);
  return [cmd, ["--test", ...argv]];
}

// A test suite run against the lock-file build, with a /dev/shm of its own: arrays it tracks
// through lock files look untracked to the OFD build this run's other files use, whose
// `rm --all-stale` (names.test.ts) would reclaim them as stale under the suite's feet.
function runSuite(suite: string, tmp: string): void {
  const [cmd, argv] = testCommand(suite);
  const r = spawnInSmallTmpfs(cmd, argv, "512m", { env: env(tmp), timeout: 300_000 });
  assert.equal(r.status, 0, `${suite}\n${r.stdout}\n${r.stderr}`);
}

const ownShm = !canUnshare && "needs a /dev/shm of its own (unshare -m: root), see runSuite";

describe("lock files (macOS's lock tokens, built for Linux)", { skip }, () => {
  test("the lock suite passes against them: owner died, contention, timeouts, Python", {
    skip: ownShm,
  }, () => {
    const tmp = scratch();
    runSuite("lock.test.ts", tmp);
    const dir = statSync(join(tmp, `npshm-${process.geteuid!()}`));
    assert.ok(dir.isDirectory());
    assert.equal(dir.mode & 0o777, 0o700, "made owner-only");
  });

  test("the tracking suites pass against them, and leave no gate or slot file behind", {
    skip: ownShm,
  }, () => {
    const tmp = scratch();
    for (const suite of ["track.test.ts", "names.test.ts", "lifecycle.test.ts"]) {
      runSuite(suite, tmp);
    }
    const left = readdirSync(join(tmp, `npshm-${process.geteuid!()}`));
    assert.deepEqual(left.filter((f) => /\.(gate|slot-[0-9a-f]{16})$/.test(f)), []);
  });

  test("macOS's listing: trackers from the slot files, stale once all died, then reclaimed", {
    skip: ownShm,
  }, () => {
    const tmp = scratch();
    const name = uniqueName("list-trackers");
    const [cmd, argv] = runtimeCommand("fixtures/lockfile_list.ts", [name]);
    const registry = { HOME: scratch(), DENO_DIR: denoDir(), NPSHM_TEST_REGISTRY: "1" };
    const r = spawnInSmallTmpfs(cmd, argv, "64m", { env: { ...env(tmp), ...registry } });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.deepEqual(got.live, { trackers: [got.holder], everTracked: true, stale: false });
    assert.deepEqual(got.dead, { trackers: [], everTracked: true, stale: true });
    assert.deepEqual([got.removed, got.left], [[name], false]);
  });

  test("a slot taken for a segment not yet named neither keeps another's name alive nor is listed as its tracker", () => {
    // Slots are keyed by the name; a creator takes one before it knows the name is free. The
    // listing (as macOS lists) counts only the named segment's: 1 of the name's 2 slots.
    const registry = { HOME: scratch(), DENO_DIR: denoDir(), NPSHM_TEST_REGISTRY: "1" };
    const name = uniqueName("foreign-slot");
    assert.equal(childWith(registry, scratch(), "foreign-slot", name), "1 2 removed");
  });

  test("removing a name by a handle of a replaced array (unlinkOnClose) spares the new one", () => {
    // By the nonce at the control block's offset; without the offset nothing tells them apart.
    const out = child(scratch(), "unlink-replaced", uniqueName("unlink-replaced"));
    assert.equal(out, "false true true false");
  });

  test("an array without a creation nonce (numpy's) attaches, but cannot be tracked", () => {
    const name = uniqueName("numpy-track");
    assert.equal(child(scratch(), "track-numpy", name), "6 UnsupportedError");
    rmSync(`/dev/shm/${name}`);
  });

  test("only the owner's processes track an array through our lock files", {
    skip: !root && "needs root to give a segment to another user",
  }, () => {
    const name = uniqueName("foreign-track");
    assert.equal(child(scratch(), "track-foreign", name), "PermissionDeniedError");
    rmSync(`/dev/shm/${name}`);
  });

  test("a missing lock directory is made 0700; one that is not the user's alone is refused", () => {
    const uid = process.geteuid!();
    const fresh = scratch();
    assert.equal(child(fresh, "lock", uniqueName("lockdir")), "locked");
    assert.equal(statSync(join(fresh, `npshm-${uid}`)).mode & 0o777, 0o700);
    const squat: [string, (dir: string) => void][] = [
      ["a wider mode", (dir) => mkdirSync(dir, { mode: 0o755 })],
      ["a symlink to a directory of ours", (dir) => symlinkSync(fresh, dir)],
      ["a regular file", (dir) => writeFileSync(dir, "")],
    ];
    if (root) {
      squat.push(["another user's", (dir) => {
        mkdirSync(dir, { mode: 0o700 });
        chownSync(dir, 65534, 65534);
      }]);
    }
    for (const [what, make] of squat) {
      const tmp = scratch();
      make(join(tmp, `npshm-${uid}`));
      assert.equal(child(tmp, "lock", uniqueName("lockdir")), "PermissionDeniedError", what);
    }
  });

  test("a segment another user owns is not locked through our lock files", {
    skip: !root && "needs root to give a segment to another user",
  }, () => {
    assert.equal(child(scratch(), "foreign", uniqueName("foreign")), "PermissionDeniedError");
  });

  test("one file per live token; a closed token's file goes with the next token", () => {
    assert.equal(child(scratch(), "sweep", uniqueName("sweep")), "1 1");
  });
});
