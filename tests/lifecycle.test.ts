// In-process behaviour of create / attach / delete / close and element access.
import assert from "node:assert/strict";
import { statSync, unlinkSync, writeFileSync } from "node:fs";
import { describe, test } from "node:test";
import {
  attachSharedArray,
  ClosedError,
  CorruptHeaderError,
  createSharedArray,
  deleteSharedArray,
  DTypeMismatchError,
  ExistsError,
  InvalidArgumentError,
  isSharedArray,
  NdArray,
  NoSpaceError,
  NotFoundError,
  NotViewableError,
  ReadOnlyError,
  ShapeMismatchError,
  SharedArray,
} from "../mod.ts";
import { afterAll, notOnWindows, shmExists, shmPath, sweepLeaks, uniqueName } from "./_util.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

const LIVE_NAME = "a mapping lives while any handle has it: force and delete cannot take its name";

describe("create and attach", () => {
  test("attach sees the creator's writes and back, zero-copy", () => {
    const name = uniqueName();
    using a = createSharedArray(name, { shape: [4, 3], dtype: "float64" });
    using b = attachSharedArray(name, { validateShape: [4, 3], validateDtype: "<f8" });
    a.set([1, 2], 2.5);
    assert.equal(b.get([1, 2]), 2.5);
    assert.equal(b.data[5], 2.5);
    b.data[0] = -1;
    assert.equal(a.get([0, 0]), -1);
    assert.ok(a.data instanceof Float64Array);
    assert.deepEqual([...b.shape], [4, 3]);
    assert.deepEqual([...b.strides], [24, 8]);
    assert.equal(b.ndim, 2);
    assert.equal(b.size, 12);
    assert.equal(b.byteLength, 96);
    assert.equal(b.name, name);
    assert.equal(b.dtype.name, "float64");
    deleteSharedArray(name);
  });

  test("fill sets every element; zeros by default", () => {
    const name = uniqueName();
    using a = createSharedArray(name, { shape: [1000], dtype: "int16", fill: -3 });
    assert.ok(a.data.every((v) => v === -3));
    using z = createSharedArray(uniqueName(), {
      shape: [7],
      dtype: "complex64",
      unlinkOnClose: true,
    });
    assert.ok(z.data.every((v) => v === 0));
    using c = createSharedArray(uniqueName(), {
      shape: [3],
      dtype: "complex128",
      fill: { re: 1, im: -2 },
      unlinkOnClose: true,
    });
    assert.deepEqual(c.get(2), { re: 1, im: -2 });
    assert.deepEqual([...c.data], [1, -2, 1, -2, 1, -2]);
    deleteSharedArray(name);
  });

  test("exists: error, null with raiseOnError false, replaced with force", {
    skip: notOnWindows(LIVE_NAME),
  }, () => {
    const name = uniqueName();
    using a = createSharedArray(name, { shape: [2], dtype: "uint8", fill: 1 });
    assert.throws(() => createSharedArray(name, { shape: [2], dtype: "uint8" }), ExistsError);
    assert.equal(
      createSharedArray(name, { shape: [2], dtype: "uint8", raiseOnError: false }),
      null,
    );
    using b = createSharedArray(name, { shape: [5], dtype: "int32", force: true, fill: 9 });
    using c = attachSharedArray(name);
    assert.deepEqual([...c.shape], [5]);
    assert.equal(c.get(4), 9);
    assert.equal(a.get(0), 1, "the old array lives on for those who have it");
    assert.equal(b.get(0), 9);
    deleteSharedArray(name);
  });

  test("not found: error, null with raiseOnError false", () => {
    const name = uniqueName();
    assert.throws(() => attachSharedArray(name), NotFoundError);
    assert.equal(attachSharedArray(name, { raiseOnError: false }), null);
  });

  test("validation mismatches are typed errors", () => {
    const name = uniqueName();
    using _a = createSharedArray(name, { shape: [2, 3], dtype: "int32", unlinkOnClose: true });
    assert.throws(() => attachSharedArray(name, { validateShape: [3, 2] }), ShapeMismatchError);
    assert.throws(() => attachSharedArray(name, { validateDtype: "float32" }), DTypeMismatchError);
    assert.throws(
      () =>
        attachSharedArray(name, {
          validateDtype: "int32",
          validateShape: [6],
          raiseOnError: false,
        }),
      ShapeMismatchError,
    );
    using ok = attachSharedArray(name, { validateShape: [2, 3], validateDtype: "i4" });
    assert.equal(ok.size, 6);
  });

  test("segments are created owner-only (0600) unless asked", {
    skip: notOnWindows("a mapping has an ACL, no mode bits"),
  }, () => {
    const name = uniqueName();
    using _a = createSharedArray(name, { shape: [1], dtype: "u1", unlinkOnClose: true });
    assert.equal(statSync(shmPath(name)).mode & 0o777, 0o600);
    const other = uniqueName();
    using _b = createSharedArray(other, {
      shape: [1],
      dtype: "u1",
      mode: 0o644,
      unlinkOnClose: true,
    });
    assert.equal(statSync(shmPath(other)).mode & 0o777, 0o644);
  });

  test("delete frees the name; true when absent; typed errors for bad names", {
    skip: notOnWindows(LIVE_NAME),
  }, () => {
    const name = uniqueName();
    createSharedArray(name, { shape: [1], dtype: "u1" }).close();
    assert.ok(shmExists(name));
    assert.equal(deleteSharedArray(name), true);
    assert.ok(!shmExists(name));
    assert.equal(deleteSharedArray(name), true);
    assert.throws(() => deleteSharedArray("a/b"), InvalidArgumentError);
    assert.equal(deleteSharedArray("a/b", { raiseOnError: false }), false);
  });

  test("unlinkOnClose removes the name, but not a replacement made with force", {
    skip: notOnWindows(LIVE_NAME),
  }, () => {
    const name = uniqueName();
    const a = createSharedArray(name, { shape: [1], dtype: "u1", unlinkOnClose: true });
    a.close();
    assert.ok(!shmExists(name));
    const old = createSharedArray(name, { shape: [1], dtype: "u1", unlinkOnClose: true });
    using _fresh = createSharedArray(name, { shape: [1], dtype: "u1", force: true });
    old.close();
    assert.ok(shmExists(name), "closing the replaced array must not delete the new one");
    deleteSharedArray(name);
  });

  test("0-d and empty arrays", () => {
    const name = uniqueName();
    using s = createSharedArray(name, {
      shape: [],
      dtype: "float32",
      fill: 1.5,
      unlinkOnClose: true,
    });
    assert.equal(s.get(), 1.5);
    assert.equal(s.size, 1);
    using t = attachSharedArray(name);
    assert.equal(t.get([]), 1.5);
    const e = uniqueName();
    using empty = createSharedArray(e, { shape: [0, 5], dtype: "int64", unlinkOnClose: true });
    assert.equal(empty.data.length, 0);
    assert.equal(empty.size, 0);
    using f = attachSharedArray(e);
    assert.deepEqual([...f.shape], [0, 5]);
    assert.deepEqual(f.toArray(), []);
  });

  test("Fortran order: strides, element access and data in memory order", () => {
    const name = uniqueName();
    using a = createSharedArray(name, {
      shape: [2, 3],
      dtype: "int32",
      order: "F",
      unlinkOnClose: true,
    });
    assert.deepEqual([...a.strides], [4, 8]);
    a.set([1, 0], 7);
    assert.equal(a.data[1], 7, "column-major: [1,0] is the second element in memory");
    using b = attachSharedArray(name);
    assert.deepEqual([...b.strides], [4, 8]);
    assert.equal(b.get([1, 0]), 7);
    assert.throws(() => b.row(1).data, NotViewableError, "a row of an F array is strided");
    assert.deepEqual(b.row(1).toArray(), [7, 0, 0]);
  });
});

describe("element access and views", () => {
  test("rows and slices are zero-copy views sharing the memory", () => {
    using a = createSharedArray(uniqueName(), {
      shape: [4, 2],
      dtype: "uint16",
      unlinkOnClose: true,
    });
    const r = a.row(2);
    assert.ok(r instanceof NdArray);
    r.set(1, 5);
    assert.equal(a.get([2, 1]), 5);
    assert.equal(a.row(-2).get(1), 5);
    const s = a.slice(1, 3);
    assert.deepEqual([...s.shape], [2, 2]);
    s.data[3] = 8; // element [2, 1] of a
    assert.equal(a.get([2, 1]), 8);
    assert.equal(s.data.buffer, a.data.buffer);
    assert.deepEqual([...a.slice(-1).shape], [1, 2]);
    assert.deepEqual([...a.slice(3, 1).shape], [0, 2]);
    assert.deepEqual(a.toArray(), [[0, 0], [0, 0], [0, 8], [0, 0]]);
  });

  test("indices are checked", () => {
    using a = createSharedArray(uniqueName(), {
      shape: [2, 3],
      dtype: "int8",
      unlinkOnClose: true,
    });
    assert.throws(() => a.get([2, 0]), InvalidArgumentError);
    assert.throws(() => a.get([0, -4]), InvalidArgumentError);
    assert.throws(() => a.get([0]), InvalidArgumentError);
    assert.throws(() => a.get([0, 1.5]), InvalidArgumentError);
    assert.throws(() => a.row(2), InvalidArgumentError);
    assert.equal(a.get([-1, -1]), 0);
  });

  test("set checks values against the dtype", () => {
    using i8 = createSharedArray(uniqueName(), { shape: [1], dtype: "int8", unlinkOnClose: true });
    assert.throws(() => i8.set(0, 128), InvalidArgumentError);
    assert.throws(() => i8.set(0, 1.5), InvalidArgumentError);
    // @ts-expect-error: the types refuse it too
    assert.throws(() => i8.set(0, "1"), InvalidArgumentError);
    i8.set(0, -128);
    assert.equal(i8.get(0), -128);
    using u64 = createSharedArray(uniqueName(), {
      shape: [1],
      dtype: "uint64",
      unlinkOnClose: true,
    });
    u64.set(0, 2n ** 64n - 1n);
    assert.equal(u64.get(0), 2n ** 64n - 1n);
    assert.throws(() => u64.set(0, -1n), InvalidArgumentError);
    u64.set(0, 3);
    assert.equal(u64.get(0), 3n);
    using b = createSharedArray(uniqueName(), { shape: [2], dtype: "bool", unlinkOnClose: true });
    b.set(1, true);
    assert.equal(b.get(1), true);
    assert.equal(b.get(0), false);
    // @ts-expect-error: the types refuse it too
    assert.throws(() => b.set(0, 2), InvalidArgumentError);
    assert.throws(
      () => createSharedArray(uniqueName(), { shape: [1], dtype: "uint8", fill: 256 }),
      InvalidArgumentError,
    );
  });

  test("float16 round-trips through get/set", () => {
    using h = createSharedArray(uniqueName(), {
      shape: [3],
      dtype: "float16",
      unlinkOnClose: true,
    });
    h.set(0, 1.5);
    h.set(1, -65504);
    h.set(2, 0.1);
    assert.equal(h.get(0), 1.5);
    assert.equal(h.get(1), -65504);
    assert.equal(h.get(2), 0.0999755859375);
  });
});

describe("close and read-only", () => {
  test("close detaches every view, is idempotent, and later use is a typed error", () => {
    const name = uniqueName();
    const a = createSharedArray(name, {
      shape: [8],
      dtype: "float64",
      fill: 1,
      unlinkOnClose: true,
    });
    const data = a.data;
    const row = a.slice(2, 4);
    const rowData = row.data;
    a.close();
    a.close();
    assert.equal(data.length, 0);
    assert.equal(data[0], undefined);
    assert.equal(rowData.length, 0);
    assert.equal(a.closed, true);
    assert.throws(() => a.data, ClosedError);
    assert.throws(() => a.get(0), ClosedError);
    assert.throws(() => row.set(0, 1), ClosedError);
    assert.equal(isSharedArray(a), false);
  });

  test("set in a compiled loop refuses a closed or detached array, and writes nothing", () => {
    // set's fast path finds a detached buffer by reading the element back: once the loop is
    // compiled, a store into a detached buffer must still end in ClosedError, not vanish.
    const fill = (a: NdArray<Float64Array, number>, b: NdArray<Float64Array, number>) => {
      for (let i = 0; i < 4; i++) {
        a.set(i, i + 0.5);
        for (let j = 0; j < 4; j++) b.set(i, j, i * j);
      }
    };
    const make = (shape: number[]) =>
      createSharedArray(uniqueName(), { shape, dtype: "float64", unlinkOnClose: true });
    using a = make([4]), b = make([4, 4]);
    for (let k = 0; k < 50_000; k++) fill(a, b);
    assert.equal(a.get(3), 3.5);
    assert.equal(b.get(3, 2), 6);
    const closed = make([4]);
    closed.close();
    assert.throws(() => fill(closed, b), ClosedError);
    using c = make([4]);
    const moved = (c.data.buffer as ArrayBuffer).transfer();
    assert.throws(() => fill(c, b), ClosedError);
    assert.equal(new Float64Array(moved)[0], 0, "the write must not reach the moved memory");
    using d = make([4, 4]);
    (d.data.buffer as ArrayBuffer).transfer();
    assert.throws(() => fill(a, d), ClosedError);
  });

  test("close leaves a buffer the user detached alone", () => {
    const a = createSharedArray(uniqueName(), {
      shape: [4],
      dtype: "uint8",
      fill: 3,
      unlinkOnClose: true,
    });
    const moved = (a.data.buffer as ArrayBuffer).transfer();
    a.close();
    assert.equal(new Uint8Array(moved)[3], 3, "memory must still be mapped under the moved buffer");
  });

  test("readOnly never changes the shared data and never crashes", () => {
    const name = uniqueName();
    // 4096 int32 = 4 pages: a write copies only its own page.
    using w = createSharedArray(name, {
      shape: [4096],
      dtype: "int32",
      fill: 5,
      unlinkOnClose: true,
    });
    using r = attachSharedArray(name, { readOnly: true });
    assert.equal(r.readOnly, true);
    assert.throws(() => r.set(0, 1), ReadOnlyError);
    r.data[1] = 99; // private copy-on-write page: stays in this mapping only
    assert.equal(w.get(1), 5);
    using again = attachSharedArray(name);
    assert.equal(again.get(1), 5);
    w.set(4000, 42);
    assert.equal(r.get(4000), 42, "read-only attach still sees live data in untouched pages");
  });

  test("isSharedArray really tells", () => {
    using a = createSharedArray(uniqueName(), {
      shape: [2, 2],
      dtype: "int32",
      unlinkOnClose: true,
    });
    assert.equal(isSharedArray(a), true);
    assert.equal(isSharedArray(a.row(0)), true);
    assert.equal(isSharedArray(a.data), true);
    assert.equal(isSharedArray(a.data.subarray(1)), true);
    assert.equal(isSharedArray(new DataView(a.data.buffer)), true);
    assert.equal(isSharedArray(new Int32Array(4)), false);
    assert.equal(isSharedArray(new Int32Array(new SharedArrayBuffer(16))), false);
    assert.equal(isSharedArray({ shape: [2, 2] }), false);
    assert.equal(isSharedArray(null), false);
    assert.ok(a instanceof SharedArray);
  });
});

describe("bad input gets typed errors", () => {
  const bad: unknown[] = [
    "",
    "a/b",
    "a\0b",
    "x".repeat(256),
    ".",
    "..",
    "back\\slash",
    42,
    undefined,
  ];
  for (const name of bad) {
    test(`name ${JSON.stringify(name)?.slice(0, 20)}`, () => {
      if (name !== undefined) { // createSharedArray(undefined, ...) picks a fresh name
        assert.throws(
          () => createSharedArray(name as string, { shape: [1], dtype: "u1" }),
          InvalidArgumentError,
        );
      }
      assert.throws(() => attachSharedArray(name as string), InvalidArgumentError);
    });
  }

  const shapes: unknown[] = [[-1], [1.5], [NaN], [Infinity], ["3"], [2 ** 53], null, [1, [2]]];
  for (const shape of shapes) {
    test(`shape ${String(shape)}`, () => {
      assert.throws(
        () => createSharedArray(uniqueName(), { shape: shape as number[], dtype: "u1" }),
        InvalidArgumentError,
      );
    });
  }

  test("overflowing shapes", () => {
    for (const shape of [[2 ** 30, 2 ** 30, 2 ** 30], [2 ** 52, 4]]) {
      assert.throws(
        () => createSharedArray(uniqueName(), { shape, dtype: "f8" }),
        InvalidArgumentError,
      );
    }
  });

  test("a huge but representable shape is a no-space error at create, never SIGBUS", () => {
    const name = uniqueName();
    assert.throws(() => createSharedArray(name, { shape: [2 ** 44], dtype: "f8" }), NoSpaceError);
    assert.ok(!shmExists(name), "a failed create leaves nothing behind");
  });

  test("unknown dtypes, bad options", () => {
    for (const dtype of ["float128x", "", "i3", "f9", "object!", 5]) {
      assert.throws(
        () => createSharedArray(uniqueName(), { shape: [1], dtype: dtype as string }),
        InvalidArgumentError,
      );
    }
    assert.throws(
      () => createSharedArray(uniqueName(), { shape: [1], dtype: "O" }),
      InvalidArgumentError,
    );
    assert.throws(
      () => createSharedArray(uniqueName(), { shape: [1], dtype: "u1", mode: -1 }),
      InvalidArgumentError,
    );
    assert.throws(
      () => createSharedArray(uniqueName(), { shape: [1], dtype: "u1", order: "X" as "C" }),
      InvalidArgumentError,
    );
  });

  test("foreign, short, truncated and lying segments are corrupt-header errors", {
    skip: notOnWindows("it writes segments as /dev/shm files; a mapping is no file"),
  }, () => {
    const name = uniqueName();
    const header = (shape: string) => {
      const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
      const bytes = new Uint8Array(128).fill(0x20); // v1.0: 10 bytes + 118 of header
      bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
      for (let i = 0; i < dict.length; i++) bytes[10 + i] = dict.charCodeAt(i);
      bytes[127] = 0x0a;
      return bytes;
    };
    const withData = (head: Uint8Array, dataBytes: number) => {
      const out = new Uint8Array(head.length + dataBytes);
      out.set(head);
      return out;
    };
    const cases: [string, Uint8Array][] = [
      ["empty", new Uint8Array(0)],
      ["five bytes", new Uint8Array(5)],
      ["not npy", new TextEncoder().encode("hello world, not npy at all")],
      ["cut inside the header", header("(2,)").subarray(0, 40)],
      ["claims 1000 doubles, holds 2", withData(header("(1000,)"), 16)],
      ["claims 2**40 doubles", withData(header("(1099511627776,)"), 8)],
    ];
    try {
      for (const [what, bytes] of cases) {
        writeFileSync(shmPath(name), bytes);
        assert.throws(() => attachSharedArray(name), CorruptHeaderError, what);
      }
      writeFileSync(shmPath(name), withData(header("(2,)"), 16));
      using ok = attachSharedArray(name);
      assert.equal(ok.size, 2, "the same header with enough data attaches");
    } finally {
      unlinkSync(shmPath(name));
    }
  });
});
