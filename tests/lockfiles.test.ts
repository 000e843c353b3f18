// macOS's lock tokens (issue 10), run here: the shim built with -DNPSHM_LOCKFILES keeps lock
// tokens as macOS does, as flock'ed files in the user's lock directory (native/
// npshm_sync_darwin.c). The whole lock suite runs against that build, then what is its own: the
// directory must be the user's alone, only the segment's owner locks, dead tokens' files go.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { afterAll, runtime, runtimeCommand, sweepLeaks, testFile, uniqueName } from "./_util.ts";

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
  const [cmd, argv] = runtimeCommand("fixtures/lockfile_lock.ts", args);
  const r = spawnSync(cmd, argv, { encoding: "utf8", env: env(tmp), timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** The current runtime's test runner on one test file (compiled to .js in the npm package). */
function testCommand(script: string): [string, string[]] {
  const path = testFile(import.meta.url.endsWith(".js") ? script.replace(/\.ts$/, ".js") : script);
  // --no-check: the parent run has type-checked lock.test.ts already, and the npm package's
  // compiled tests have no @types/node to check against.
  if (runtime === "deno") return [process.execPath, ["test", "-A", "--no-check", "--quiet", path]];
  if (runtime === "bun") return [process.execPath, ["test", "--timeout=120000", path]];
  const [cmd, argv] = runtimeCommand(script);
  return [cmd, ["--test", ...argv]];
}

describe("lock files (macOS's lock tokens, built for Linux)", { skip }, () => {
  test("the lock suite passes against them: owner died, contention, timeouts, Python", () => {
    const tmp = scratch();
    const [cmd, argv] = testCommand("lock.test.ts");
    const r = spawnSync(cmd, argv, { encoding: "utf8", env: env(tmp), timeout: 300_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const dir = statSync(join(tmp, `npshm-${process.geteuid!()}`));
    assert.ok(dir.isDirectory());
    assert.equal(dir.mode & 0o777, 0o700, "made owner-only");
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
