// Issue 12, items 10 and 11: files on disk under attack. A save killed midway leaves nothing; a
// save over a file keeps its permissions and owner, and works for any valid file name; a
// createNpy that replaces a file on a full disk leaves the old file as it was.
import assert from "node:assert/strict";
import { chownSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { createNpy, createSharedArray, openNpy, saveSharedArray } from "../mod.ts";
import {
  afterAll,
  canUnshare,
  python,
  runInSmallTmpfs,
  startFixture,
  sweepLeaks,
  uniqueName,
  waitForOutput,
} from "./_util.ts";

const dir = mkdtempSync(join(tmpdir(), "npshm-files-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(sweepLeaks(), [], "segments left behind");
});

const root = process.getuid?.() === 0;
const linux = process.platform === "linux";

describe("saveSharedArray", () => {
  test("killed by SIGKILL midway: no file, no temporary file left", {
    skip: !linux && "O_TMPFILE is Linux's; elsewhere a hidden temporary name can stay",
  }, async () => {
    const name = uniqueName("save-kill");
    using a = createSharedArray(name, { shape: [24, 1 << 20], dtype: "u1", unlinkOnClose: true });
    const sub = mkdtempSync(join(dir, "kill-"));
    const file = join(sub, "out.npy");
    const saver = startFixture("adversarial/save_killed.ts", [name, file]);
    await waitForOutput(saver, /^saving$/m);
    saver.child.kill("SIGKILL");
    const r = await saver.done;
    assert.equal(r.signal, "SIGKILL", r.stdout + r.stderr);
    assert.deepEqual(readdirSync(sub), [], "left behind in the directory");
    assert.equal(a.size, 24 << 20);
  });

  test(
    "a file it replaces keeps its permission bits and owner",
    { skip: !linux && "POSIX" },
    () => {
      using a = createSharedArray(uniqueName("save-mode"), {
        shape: [3],
        dtype: "i2",
        fill: 5,
        unlinkOnClose: true,
      });
      const file = join(dir, "private.npy");
      writeFileSync(file, "old", { mode: 0o600 });
      if (root) chownSync(file, 65534, 65534); // nobody's file, replaced by root
      saveSharedArray(a, file);
      const st = statSync(file);
      assert.equal(st.mode & 0o7777, 0o600, `mode ${(st.mode & 0o7777).toString(8)}`);
      if (root) assert.deepEqual([st.uid, st.gid], [65534, 65534], "owner kept");
      assert.equal(python(`import numpy as np; print(np.load("${file}").sum())`).trim(), "15");
      const fresh = join(dir, "fresh.npy");
      saveSharedArray(a, fresh, { mode: 0o640 });
      assert.equal(statSync(fresh).mode & 0o777, 0o640 & ~process.umask());
    },
  );

  test("a valid file name of 244 bytes (or 255) saves", () => {
    using a = createSharedArray(uniqueName("save-long"), {
      shape: [2],
      dtype: "u1",
      fill: 9,
      unlinkOnClose: true,
    });
    for (const length of [244, 255]) {
      const file = join(dir, `${"a".repeat(length - 4)}.npy`);
      saveSharedArray(a, file);
      {
        using back = openNpy(file);
        assert.deepEqual([...back.bytes], [9, 9]);
      } // closed first: Windows cannot remove a mapped file
      rmSync(file);
    }
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes("npshm")), []);
  });
});

describe("createNpy", () => {
  test("overwrite on a full disk: NoSpaceError, the old file untouched", {
    skip: canUnshare ? false : "needs root for unshare -m and mount",
  }, () => {
    const r = runInSmallTmpfs("adversarial/npy_full.ts", [], "1m");
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^replace=NO_SPACE old=300000 all7=true$/m);
  });

  test("overwrite replaces atomically, keeping the mode; without it ExistsError", {
    skip: process.platform === "win32" ? "permission bits: a Windows file has an ACL" : false,
  }, () => {
    const file = join(dir, "grid.npy");
    createNpy(file, { shape: [4], dtype: "f4", fill: 1, mode: 0o600 }).close();
    assert.throws(() => createNpy(file, { shape: [2], dtype: "f4" }), { code: "EXISTS" });
    using b = createNpy(file, { shape: [2, 2], dtype: "<i8", fill: 3, overwrite: true });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    b.set([1, 1], 4n);
    b.flush();
    assert.equal(
      python(`import numpy as np; a = np.load("${file}"); print(a.dtype, a.tolist())`).trim(),
      "int64 [[3, 3], [3, 4]]",
    );
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes("npshm")), []);
  });
});
