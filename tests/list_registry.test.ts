// Listing through the registry of names (issue 10), as macOS and Windows do: children run with
// NPSHM_TEST_REGISTRY=1 and a HOME of their own, so Linux lists its arrays by the registry in
// $HOME/.cache/npshm/names, with the very code macOS runs (only the folder's place differs,
// and that is userDirFor's, tested here for every platform).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
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
import { CONTROL_SIZE, controlOffset } from "../src/format/control.ts";
import { userDirFor } from "../src/os/registry.ts";
import {
  afterAll,
  denoDir,
  python,
  runtime,
  runtimeCommand,
  shmPath,
  sweepLeaks,
  testFile,
  uniqueName,
} from "./_util.ts";

const skip = process.platform !== "linux" && "the registry is run on Linux here (macOS: natively)";
const dirs: string[] = [];
afterAll(() => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  assert.deepEqual(sweepLeaks(), [], "segments left behind");
});

/** A fresh HOME: its registry is `<it>/.cache/npshm/names`. */
function home(): string {
  const d = mkdtempSync(join(tmpdir(), "npshm-registry-"));
  dirs.push(d);
  return d;
}

const registryOf = (h: string) => join(h, ".cache", "npshm", "names");

/** Runs the steps of tests/fixtures/registry_ops.ts with HOME `h`; their results, parsed. */
function steps(h: string, ...args: string[]): unknown[] {
  const { NODE_TEST_CONTEXT: _, XDG_CACHE_HOME: _x, ...rest } = process.env;
  const env = { ...rest, HOME: h, DENO_DIR: denoDir(), NPSHM_TEST_REGISTRY: "1" };
  const [cmd, argv] = runtimeCommand("fixtures/registry_ops.ts", args);
  const r = spawnSync(cmd, argv, { encoding: "utf8", env, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const [mode, ...results] = r.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(mode, { registry: true }, "the child lists by the registry");
  return results;
}

interface Listed {
  name: string;
  shape: number[];
  dtype: string;
  bytes: number;
  dataBytes: number;
  npshm: boolean;
  trackers: number[];
  stale: boolean;
  lock: string;
}

const find = (list: unknown, name: string) => (list as Listed[]).find((a) => a.name === name);

describe("listing by the registry of names (macOS's way, run on Linux)", { skip }, () => {
  test("a created array is registered and listed with its shape, dtype and bytes", () => {
    const h = home();
    const name = uniqueName("reg");
    const [, list, info] = steps(h, `create:${name}`, "list", `inspect:${name}`);
    const a = find(list, name);
    assert.ok(a, "listed");
    assert.deepEqual(a.shape, [3, 4]);
    assert.equal(a.dtype, "<f4");
    assert.equal(a.dataBytes, 48);
    assert.equal(a.bytes, controlOffset(128, 48) + CONTROL_SIZE);
    assert.equal(a.npshm, true);
    assert.equal(a.lock, "free");
    assert.deepEqual(a.trackers, [], "tracking is not reported on macOS yet");
    assert.equal(a.stale, false);
    assert.deepEqual(info, a, "inspect sees what the listing does");
    const dir = registryOf(h);
    assert.equal(statSync(dir).mode & 0o777, 0o700, "made owner-only");
    assert.equal(readdirSync(dir).length, 1, "one entry");
    rmSync(shmPath(name));
  });

  test("a Python-made array is listed once an npshm process attached it", () => {
    const h = home();
    const name = uniqueName("reg-py");
    python(
      "import numpy as np, sys\n" +
        "from numpy.lib import format as f\n" +
        "a = np.arange(6, dtype='<i2').reshape(2, 3)\n" +
        "h = f.header_data_from_array_1_0(a)\n" +
        `with open('${shmPath(name)}', 'wb') as out:\n` +
        "    f.write_array_header_1_0(out, h); out.write(a.tobytes())\n",
    );
    const [before, , after] = steps(h, "list", `attach:${name}`, "list");
    assert.equal(find(before, name), undefined, "not listed before an npshm process attached it");
    const a = find(after, name);
    assert.ok(a, "listed after the attach");
    assert.deepEqual(a.shape, [2, 3]);
    assert.equal(a.dtype, "<i2");
    assert.equal(a.npshm, false);
    assert.equal(a.lock, "none");
    assert.equal(a.dataBytes, 12);
    rmSync(shmPath(name));
  });

  test("a deleted array's entry is dropped at the next listing; made again, it is listed", () => {
    const h = home();
    const name = uniqueName("reg-gone");
    const [, , kept, , list, left, , again] = steps(
      h,
      `create:${name}`,
      `delete:${name}`,
      "registered",
      `inspect:${name}`,
      "list",
      "registered",
      `create:${name}`,
      "list",
    );
    assert.deepEqual(kept, [name], "deleting leaves the entry to the next listing");
    assert.equal(find(list, name), undefined, "not listed");
    assert.deepEqual(left, [], "its entry was dropped");
    assert.ok(find(again, name), "listed again once made again");
    assert.equal(readdirSync(registryOf(h)).length, 1);
    rmSync(shmPath(name));
  });

  test("inspecting a name that does not exist is a NotFoundError", () => {
    const name = uniqueName("reg-none");
    assert.deepEqual(steps(home(), `inspect:${name}`), [{ error: "NotFoundError" }]);
  });

  test("a registry folder another user could change is not used, and nothing throws", () => {
    const squats: [string, (dir: string) => void][] = [
      ["mode 0777", (dir) => (mkdirSync(dir, { recursive: true }), chmodSync(dir, 0o777))],
      ["mode 0750", (dir) => (mkdirSync(dir, { recursive: true }), chmodSync(dir, 0o750))],
      ["a parent of mode 0777", (dir) => {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chmodSync(join(dir, ".."), 0o777);
      }],
      ["a symlink to a folder of mode 0700", (dir) => {
        const real = mkdtempSync(join(tmpdir(), "npshm-registry-real-"));
        dirs.push(real);
        mkdirSync(join(dir, ".."), { recursive: true });
        symlinkSync(real, dir);
      }],
      ["a file", (dir) => {
        mkdirSync(join(dir, ".."), { recursive: true });
        writeFileSync(dir, "");
      }],
    ];
    if (process.getuid?.() === 0) {
      squats.push(["another user's", (dir) => {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chownSync(dir, 65534, 65534);
      }]);
    }
    for (const [what, squat] of squats) {
      const h = home();
      const dir = registryOf(h);
      squat(dir);
      const name = uniqueName("reg-squat");
      const [, list, registered] = steps(h, `create:${name}`, "list", "registered");
      assert.equal(find(list, name), undefined, `${what}: not used for the listing`);
      assert.deepEqual(registered, [], `${what}: no names read from it`);
      const written = statSync(dir).isDirectory() ? readdirSync(dir) : [];
      assert.deepEqual(written, [], `${what}: nothing written`);
      rmSync(shmPath(name));
    }
  });
});

const inPty = spawnSync("script", ["--version"]).status === 0;
const denoOnly = (runtime !== "deno" || import.meta.url.endsWith(".js")) &&
  "measures Deno's permission prompts (Deno only, from the sources)";

test("on Deno, creating an array never prompts for the registry's permissions", {
  skip: skip || denoOnly || (!inPty && "needs script(1), for a terminal Deno would prompt on"),
}, () => {
  const h = home();
  const name = uniqueName("reg-prompt");
  // A terminal: there Deno asks for a missing permission, and waits for the answer.
  const deno = [process.execPath, "run", "--allow-ffi", "--allow-env", "--allow-sys=uid"];
  const line = [...deno, testFile("fixtures/registry_ops.ts"), `create:${name}`, `delete:${name}`]
    .join(" ");
  const { NODE_TEST_CONTEXT: _, XDG_CACHE_HOME: _x, ...rest } = process.env;
  const env = { ...rest, HOME: h, DENO_DIR: denoDir(), NPSHM_TEST_REGISTRY: "1", NO_COLOR: "1" };
  const r = spawnSync("script", ["-qec", line, "/dev/null"], {
    encoding: "utf8",
    env,
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `no prompt, no error: ${r.stdout}${r.stderr}`);
  assert.doesNotMatch(r.stdout, /Allow\?/);
  assert.deepEqual(readdirSync(h), [], "nothing registered without --allow-read/--allow-write");
});

describe("the registry's folder per platform", () => {
  test("macOS: ~/Library/Caches, never $TMPDIR", () => {
    const at = { home: "/Users/me", tmp: "/var/folders/x/T", xdgCacheHome: "/x" };
    assert.equal(userDirFor("names", "darwin", at), "/Users/me/Library/Caches/npshm/names");
    assert.equal(userDirFor("names", "darwin", { tmp: "/var/folders/x/T" }), undefined);
  });

  test("Windows: %LOCALAPPDATA%, else the user's temp folder", () => {
    const local = "C:\\Users\\me\\AppData\\Local";
    assert.equal(
      userDirFor("names", "win32", { localAppData: local, tmp: "C:\\Temp" }),
      "C:\\Users\\me\\AppData\\Local\\npshm\\names",
    );
    assert.equal(userDirFor("arrays", "win32", { tmp: "C:\\T" }), "C:\\T\\npshm-arrays");
  });

  test("Linux: $XDG_CACHE_HOME if absolute, else ~/.cache", () => {
    const at = { home: "/home/me", tmp: "/tmp" };
    assert.equal(userDirFor("names", "linux", at), "/home/me/.cache/npshm/names");
    assert.equal(
      userDirFor("names", "linux", { ...at, xdgCacheHome: "/cache" }),
      "/cache/npshm/names",
    );
    assert.equal(
      userDirFor("names", "linux", { ...at, xdgCacheHome: "rel" }),
      "/home/me/.cache/npshm/names",
    );
    assert.equal(userDirFor("names", "linux", { tmp: "/tmp" }), undefined);
  });
});
