// listSharedArrays / inspectSharedArray: what exists now, who tracks it, its lock; foreign
// segments skipped; and a second user cannot attach a default (0600) segment.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import {
  attachSharedArray,
  createSharedArray,
  inspectSharedArray,
  listSharedArrays,
  NotFoundError,
  type SharedArrayInfo,
} from "../mod.ts";
import {
  afterAll,
  AS_NOBODY,
  nobodysPython,
  python,
  shmPath,
  sweepLeaks,
  testFile,
  uniqueName,
} from "./_util.ts";
import { kill9, rawSegment, startHolder } from "./_sync_util.ts";
import { parseDType } from "../src/format/dtype.ts";
import { encodeHeader } from "../src/format/header.ts";
import { registeredNames } from "../src/os/registry.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

// Skips a test of Linux's listing on Windows, for `reason`.
function onWindows(reason: string): string | false {
  return process.platform === "win32" ? reason : false;
}

/** The listing's entry for `name`, an npshm float32 (3, 4) array, checked. */
function listedGrid(all: SharedArrayInfo[], name: string): SharedArrayInfo {
  const mine = all.find((x) => x.name === name);
  assert.ok(mine, "listed");
  assert.deepEqual(mine.shape, [3, 4]);
  assert.equal(mine.dtype, "<f4");
  assert.equal(mine.dataBytes, 48);
  assert.equal(mine.npshm, true);
  return mine;
}

describe("listing on Windows: the registry of names", {
  skip: process.platform === "win32" ? false : "Windows only (Linux lists /dev/shm: above)",
}, () => {
  test("lists what npshm processes made or attached; drops names whose mapping is gone", async () => {
    const name = uniqueName("ls-win");
    using a = createSharedArray(name, { shape: [3, 4], dtype: "float32", fill: 1 });
    const closed = uniqueName("ls-win-closed");
    createSharedArray(closed, { shape: [2], dtype: "int8" }).close(); // gone with its handle
    const died = uniqueName("ls-win-died");
    await kill9(await startHolder("create", died)); // its handles went with it
    const raw = uniqueName("ls-win-raw");
    const head = encodeHeader(parseDType("<i2"), [5], false);
    using _raw = rawSegment(raw, head, new Uint8Array(10)); // as Python makes them
    assert.ok(!listSharedArrays().some((x) => x.name === raw), "not listed before an attach");
    attachSharedArray(raw).close();

    const all = listSharedArrays();
    const mine = listedGrid(all, name);
    assert.equal(mine.stale, false);
    assert.equal(mine.lock, "free");
    const python = all.find((x) => x.name === raw)!;
    assert.ok(python, "a foreign NumPy mapping is listed once attached");
    assert.equal(python.npshm, false);
    assert.equal(python.lock, "none");
    assert.deepEqual(python.shape, [5]);
    for (const gone of [closed, died]) {
      assert.ok(!all.some((x) => x.name === gone), `${gone} is not listed`);
      assert.ok(!registeredNames().includes(gone), `${gone}'s entry was dropped`);
    }
    assert.ok(registeredNames().includes(name), "a live entry is kept");

    using guard = a.lock();
    const held = inspectSharedArray(name);
    assert.equal(held.lock, "held");
    assert.equal(held.lockOwner, process.pid);
    guard.unlock();
    assert.equal(inspectSharedArray(name).lock, "free");
    assert.throws(() => inspectSharedArray(closed), NotFoundError);
  });
});

describe("listing", () => {
  test("lists npshm and NumPy segments with shape, dtype, size, time; skips foreign ones", {
    skip: onWindows("foreign segments are files put in /dev/shm; Windows lists by registry"),
  }, () => {
    const name = uniqueName("ls");
    const before = Date.now();
    using a = createSharedArray(name, { shape: [3, 4], dtype: "float32", unlinkOnClose: true });
    const foreign = uniqueName("foreign");
    writeFileSync(shmPath(foreign), "not a numpy array at all");
    const empty = uniqueName("empty");
    writeFileSync(shmPath(empty), "");
    const all = listSharedArrays();
    const mine = listedGrid(all, name);
    assert.ok(mine.createdAt.getTime() >= before - 1 && mine.createdAt.getTime() <= Date.now());
    assert.ok(mine.bytes >= 128 + 48 + 64);
    assert.ok(!all.some((x) => x.name === foreign || x.name === empty), "foreign skipped");
    assert.equal(a.size, 12);
    for (const made of [foreign, empty]) unlinkSync(shmPath(made));
  });

  test("trackers, lock state and staleness", {
    skip: onWindows("a mapping lives as long as its handles: no trackers, nothing stale"),
  }, async () => {
    const name = uniqueName("ls-state");
    using a = createSharedArray(name, { shape: [16], dtype: "int32", unlinkOnClose: true });
    let info = inspectSharedArray(name);
    assert.deepEqual(info.trackers, []);
    assert.equal(info.lock, "free");
    assert.equal(info.stale, false);
    const holder = await startHolder("attach", name);
    info = inspectSharedArray(name);
    assert.deepEqual(info.trackers, [holder.child.pid]);
    assert.equal(info.everTracked, true);
    const locker = await startHolder("lock", name);
    info = inspectSharedArray(name);
    assert.equal(info.lock, "held");
    assert.equal(info.lockOwner, locker.child.pid);
    await kill9(locker);
    assert.equal(inspectSharedArray(name).lock, "abandoned");
    await kill9(holder);
    // The reaper removed the name: a was untracked, the holder was the last tracker.
    await new Promise((r) => setTimeout(r, 200));
    assert.throws(() => inspectSharedArray(name), NotFoundError);
    assert.equal(a.get(1), 0, "a keeps its mapping");
  });

  test("a Python-made segment is listed as NumPy-format, without control block", {
    skip: onWindows("the segment is written as a /dev/shm file"),
  }, () => {
    const name = uniqueName("ls-py");
    python(`
import numpy as np
np.save("/dev/shm/${name}", np.arange(5, dtype="<i2"))
import os; os.rename("/dev/shm/${name}.npy", "/dev/shm/${name}")
`);
    const info = inspectSharedArray(name);
    assert.equal(info.npshm, false);
    assert.equal(info.lock, "none");
    assert.deepEqual(info.shape, [5]);
    using p = attachSharedArray(name, { unlinkOnClose: true });
    assert.equal(p.get(4), 4);
  });
});

describe("permissions", () => {
  const py = nobodysPython();
  test("another user (nobody) cannot attach a default 0600 segment", {
    skip: onWindows("mode bits: a Windows mapping has its default ACL instead") ||
      (py === undefined ? "needs root, setpriv and a python3 outside /root" : false),
  }, () => {
    const name = uniqueName("perm");
    using a = createSharedArray(name, { shape: [4], dtype: "u1", unlinkOnClose: true });
    // nobody may not reach the checkout (a private home, a 0700 temp dir): it gets its own copy
    // of the library in a fresh directory it can read.
    const shared = mkdtempSync(join(tmpdir(), "npshm-nobody-"));
    chmodSync(shared, 0o755);
    const lib = join(shared, "libnpshm.so");
    copyFileSync(testFile(`../native/build/${process.platform}-${process.arch}/libnpshm.so`), lib);
    chmodSync(lib, 0o755);
    const code = `
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
out = (ctypes.c_int64 * 4)()
st = lib.npshm_open(sys.argv[2].encode() + b"\\0", 0, out)
ro = lib.npshm_open(sys.argv[2].encode() + b"\\0", 1, out)
try:
    open("/dev/shm/" + sys.argv[2], "rb")
    raw = "opened"
except PermissionError:
    raw = "denied"
print(st, ro, raw)
`;
    let r;
    try {
      r = spawnSync(AS_NOBODY[0], [...AS_NOBODY.slice(1), py!, "-c", code, lib, name], {
        encoding: "utf8",
        cwd: shared,
      });
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "4 4 denied", "NPSHM_PERMISSION for read-write and read-only");
    assert.equal(a.size, 4);
  });
});
