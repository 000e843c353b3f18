// The view API beyond NumPy's arithmetic (which views.test.ts checks): get/set forms and their
// typed errors, index syntax errors, reshape/transpose/squeeze errors, data on views, views
// composed through field() and view(), close() and readOnly through every kind of view,
// copy(), and what console.log prints on the runtime running the tests.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  attachSharedArray,
  ClosedError,
  createSharedArray,
  type DType,
  InvalidArgumentError,
  isSharedArray,
  NotViewableError,
  parseDType,
  ReadOnlyError,
} from "../mod.ts";
import {
  afterAll,
  NUMPY_READS_SHM_FILES,
  python,
  runFixture,
  sweepLeaks,
  uniqueName,
} from "./_util.ts";

/** A float64 (3, 4) array holding 0..11, closed with the block. */
function grid(order: "C" | "F" = "C") {
  const a = createSharedArray(uniqueName("api"), {
    shape: [3, 4],
    dtype: "float64",
    order,
    unlinkOnClose: true,
  });
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) a.set(i, j, i * 4 + j);
  return a;
}

const detaches = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === "function";

afterAll(() => assert.deepEqual(sweepLeaks(), []));

describe("view API", () => {
  test("shape and strides are frozen, and no caller's list or other view can change them", () => {
    using a = grid();
    using b = attachSharedArray(a.name);
    using c = attachSharedArray(a.name); // the same header: its layout is shared, never changed
    for (const v of [a, b, c]) {
      assert.ok(Object.isFrozen(v.shape) && Object.isFrozen(v.strides));
      assert.throws(() => (v.shape as number[]).push(1), TypeError);
      assert.deepEqual([b.shape, b.strides], [[3, 4], [32, 8]]);
    }
    const shape = [4, 3];
    const r = b.reshape(shape);
    shape[0] = 2;
    assert.deepEqual(r.shape, [4, 3]);
    assert.ok(Object.isFrozen(r.shape));
  });

  test("get and set take the index as arguments or as one array, negative ones too", () => {
    using a = grid();
    assert.equal(a.get(1, 2), 6);
    assert.equal(a.get([1, 2]), 6);
    assert.equal(a.get(-1, -1), 11);
    a.set(2, -4, 40);
    assert.equal(a.get([2, 0]), 40);
    a.set([0, 3], 30);
    assert.equal(a.get(0, -1), 30);
    const row = a.row(1);
    row.set(0, -5);
    assert.equal(row.get(0), -5);
    assert.equal(a.get(1, 0), -5);
    const scalar = a.slice("2, 1");
    assert.deepEqual(scalar.shape, []);
    assert.equal(scalar.get(), 9);
    assert.equal(scalar.get([]), 9);
    scalar.set(90);
    scalar.set([], 91);
    assert.equal(a.get(2, 1), 91);
  });

  test("a bad index or value is a typed error that names it, and writes nothing", () => {
    using a = grid();
    const before = a.toArray();
    const bad: [() => unknown, RegExp][] = [
      [() => a.get(1), /2 axes; an index needs 2 integers, got 1/],
      [() => a.get(1, 2, 3), /got 3/],
      [() => a.get(3, 0), /index 3 is out of bounds for axis 0 with size 3/],
      [() => a.get(0, -5), /index -5 is out of bounds for axis 1 with size 4/],
      [() => a.get(1.5, 0), /index 1.5 on axis 0 is not an integer/],
      [() => a.get("1" as never, 0), /index "1" on axis 0 is not an integer/],
      [() => a.set(1, 2), /2 axes; an index needs 2 integers, got 1/],
      [() => a.set(0, 4, 1), /out of bounds for axis 1/],
      [() => a.set(0, 0, "x" as never), /cannot store "x" .* expected a number/],
      [() => a.slice("::2").set(0, 0, 1n as never), /expected a number/],
    ];
    for (const [f, message] of bad) {
      assert.throws(f, (e) => e instanceof InvalidArgumentError && message.test(e.message));
    }
    assert.deepEqual(a.toArray(), before);
    using i8 = createSharedArray(uniqueName("api"), {
      shape: [4],
      dtype: "int8",
      unlinkOnClose: true,
    });
    const odd = i8.slice("1::2");
    assert.throws(() => odd.set(0, 128), /out of range/);
    assert.throws(() => odd.set(1, 0.5), /expected an integer/);
    odd.set(1, 5n as never); // a bigint that fits an int8 is taken, as by set on the array
    assert.deepEqual(i8.toArray(), [0, 0, 0, 5]);
  });

  test("index syntax: NumPy's, with typed errors for anything else", () => {
    using a = grid();
    assert.deepEqual(a.slice("").shape, [3, 4]);
    assert.deepEqual(a.slice("1,").shape, [4]);
    assert.deepEqual(a.slice(" -1 , : : -2 ").strides, [-16]);
    assert.deepEqual(a.slice("None:2, None").shape, [2, 1, 4]);
    assert.deepEqual(a.slice("1_0:").shape, [0, 4]);
    assert.deepEqual(a.slice("Ellipsis, np.newaxis").shape, [3, 4, 1]);
    const bad: [string | unknown[], RegExp][] = [
      ["1:2:3:4", /at most two colons/],
      ["a", /'a': basic indexing takes integers/],
      ["1.5", /'1.5'/],
      ["[1]", /'\[1\]'/],
      ["1,,2", /an empty item/],
      ["::0", /step cannot be zero/],
      ["0, 0, 0", /too many indices: the array is 2-dimensional, but 3 were indexed/],
      ["..., ...", /single ellipsis/],
      ["5", /index 5 is out of bounds for axis 0 with size 3/],
      [[{ begin: 1 }], /'begin' is not one of them/],
      [[true], /index item true is not an integer, a slice/],
      [[[1, 2]], /index item an array/],
      [[{ step: 0.5 }], /slice step 0.5 is not an integer/],
    ];
    for (const [index, message] of bad) {
      assert.throws(
        () => a.slice(index as string),
        (e) => e instanceof InvalidArgumentError && message.test(e.message),
        String(index),
      );
    }
  });

  test("reshape, transpose and squeeze errors", () => {
    using a = grid();
    assert.throws(
      () => a.reshape(5, -1),
      /cannot reshape an array of size 12 into shape \(5, -1\)/,
    );
    assert.throws(() => a.reshape(-1, -1), /only specify one unknown dimension/);
    assert.throws(() => a.reshape(2.5, 2), /shape\[0\] = 2.5 is not an integer/);
    assert.throws(() => a.reshape([3, 4], { order: "K" as "C" }), /order must be "C" or "F"/);
    assert.throws(
      () => a.T.reshape(12),
      (e) => e instanceof NotViewableError && /without copying.*copy\(\)/.test(e.message),
    );
    assert.deepEqual(a.T.copy().reshape(12).toArray(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    assert.deepEqual(a.T.reshape([12], { order: "F" }).toArray(), a.reshape(-1).toArray());
    assert.deepEqual(a.reshape([2, 6]).shape, [2, 6]);
    assert.deepEqual(a.reshape(12).strides, [8]);
    assert.throws(() => a.transpose(0, 0), /repeated axis/);
    assert.throws(() => a.transpose(0, 2), /axis 2 is out of bounds for an array of dimension 2/);
    assert.throws(() => a.transpose(0), /needs 2 axes/);
    assert.deepEqual(a.transpose([1, 0]).shape, [4, 3]);
    assert.deepEqual(a.transpose(-1, 0).strides, [8, 32]);
    const column = a.slice(":, 1, None");
    assert.deepEqual(column.squeeze().shape, [3]);
    assert.deepEqual(column.squeeze(-1).shape, [3]);
    assert.throws(() => column.squeeze(0), /cannot squeeze axis 0: its size is 3/);
    assert.throws(() => column.squeeze(1, -1), /repeated axis/);
  });

  test("data and bytes of a view: wherever it is contiguous, zero-copy; else a typed error", () => {
    using a = grid();
    const rows = a.slice("1:");
    assert.deepEqual(Array.from(rows.data), [4, 5, 6, 7, 8, 9, 10, 11]);
    rows.data[0] = -4;
    assert.equal(a.get(1, 0), -4);
    assert.deepEqual(Array.from(a.T.data), Array.from(a.data)); // F-contiguous: memory order
    assert.equal(a.T.bytes.byteLength, 96);
    assert.throws(() => a.slice(":, ::2").data, NotViewableError);
    assert.throws(() => a.slice("::-1").bytes, NotViewableError);
    assert.equal(a.slice("::-1").contiguous, false);
    assert.equal(a.slice("1").contiguous, true);
  });

  test("views compose: a slice of a transpose of a field of a view(dtype), checked by NumPy", {
    skip: NUMPY_READS_SHM_FILES,
  }, () => {
    // y native (read through one Float32Array) and big-endian (through the codec).
    for (const y of ["<f4", ">f4"]) {
      const name = uniqueName("api");
      using raw = createSharedArray(name, { shape: [4, 36], dtype: "uint8", unlinkOnClose: true });
      const descr = `[('x', '<i4'), ('y', '${y}', (2,))]`;
      const records = raw.view({ descr } as DType);
      assert.deepEqual(records.shape, [4, 3]);
      const v = records.field("y").transpose(2, 0, 1).slice("1, ::-1, 1:");
      const numpy = (code: string) =>
        JSON.parse(python(`
import json, numpy as np
a = np.load("/dev/shm/${name}", mmap_mode="r+").view(np.dtype(${descr}))
v = a["y"].transpose(2, 0, 1)[1, ::-1, 1:]
${code}`));
      const want = numpy(`a["y"][...] = np.arange(24).reshape(4, 3, 2) + 0.5
a.flush()
print(json.dumps([v.shape, v.strides, v.tolist()]))`);
      assert.deepEqual([v.shape, v.strides, v.toArray()], want);
      assert.equal(v.get(0, 0), want[2][0][0]);
      v.set(3, 1, -1.25);
      v.set([0, 0], 99);
      assert.deepEqual(numpy("print(json.dumps(v.tolist()))"), v.toArray());
      assert.equal(numpy("print(json.dumps(float(v[3, 1])))"), -1.25);
    }
  });

  test("close() of the owner detaches every view, made before or after", () => {
    const a = grid();
    const views = [a.slice("1:, ::-1"), a.T, a.reshape(6, 2), a.row(0), a.view("int64")];
    const data = a.slice("1").data;
    assert.ok(views.every(isSharedArray));
    a.close();
    views.push(a.slice("0"), a.T);
    for (const v of views) {
      assert.equal(isSharedArray(v), false);
      assert.throws(() => v.get(...v.shape.map(() => 0)), ClosedError);
      assert.throws(() => v.set(...v.shape.map(() => 0), 1 as never), ClosedError);
      assert.throws(() => v.toArray(), ClosedError);
      assert.throws(() => v.copy(), ClosedError);
      assert.throws(() => v.data, ClosedError);
    }
    if (detaches) assert.equal(data.length, 0);
  });

  test("read-only arrays refuse writes through every view and stay unchanged", () => {
    using a = grid();
    using r = attachSharedArray(a.name, { readOnly: true, validateDtype: "float64" });
    for (const v of [r.slice("::2, 1:"), r.T, r.reshape(12), r.row(2)]) {
      assert.throws(() => v.set(...v.shape.map(() => 0), 5), ReadOnlyError);
    }
    assert.equal(a.get(0, 1), 1);
    assert.equal(r.slice("::-1").get(0, 0), 8);
  });

  test("copy() is a C-order array of this process, not shared, same dtype", () => {
    using a = grid("F");
    const strided = a.slice("::-1, ::2");
    const c = strided.copy();
    assert.deepEqual(c.toArray(), strided.toArray());
    assert.deepEqual(c.strides, [16, 8]);
    assert.equal(isSharedArray(c), false);
    assert.equal(c.closed, false);
    c.set(0, 0, -1);
    assert.equal(strided.get(0, 0), 8);
    assert.deepEqual(Array.from(c.data), [-1, 10, 4, 6, 0, 2]);
    using big = createSharedArray(uniqueName("api"), {
      shape: [2],
      dtype: ">f4",
      fill: 1.5,
      unlinkOnClose: true,
    });
    assert.deepEqual(big.slice("::-1").copy().toArray(), [1.5, 1.5]);
    assert.equal(big.copy().dtype.descr, ">f4");
  });

  test("the fast get/set and the codec agree for every kind of dtype and layout", () => {
    const cases: [string, unknown[]][] = [
      ["int8", [-128, 127]],
      ["uint32", [0, 2 ** 32 - 1]],
      ["int64", [-(2n ** 63n), 2n ** 63n - 1n]],
      ["uint64", [0n, 2n ** 64n - 1n]],
      ["float32", [0.5, -2]],
      ["float16", [0.5, -2]],
      ["datetime64[ns]", [-(2n ** 63n), 5n]],
      ["bool", [true, false]],
      ["complex64", [{ re: 1, im: -1 }, { re: 0, im: 2 }]],
      [">i4", [-5, 7]],
    ];
    for (const [dtype, values] of cases) {
      using a = createSharedArray(uniqueName("api"), {
        shape: [2, 3],
        dtype,
        unlinkOnClose: true,
      });
      const v = a.slice("::-1, ::2");
      v.set(0, 1, values[0] as never);
      v.set([1, 0], values[1] as never);
      assert.deepEqual(a.get(1, 2), values[0], dtype);
      assert.deepEqual(a.get([0, 0]), values[1], dtype);
      assert.deepEqual(v.toArray(), [[a.get(1, 0), values[0]], [values[1], a.get(0, 2)]], dtype);
      assert.equal(parseDType(dtype).descr, a.dtype.descr);
    }
  });

  test("console.log shows the name, dtype, shape and the first and last values", () => {
    const name = uniqueName("insp");
    const r = runFixture("fixtures/inspect.ts", [name]);
    assert.equal(r.status, 0, r.stderr);
    const shown = Object.fromEntries(
      r.stdout.split("--- ").slice(1).map((part) => {
        const [label, ...lines] = part.trimEnd().split("\n");
        return [label, lines.join("\n")];
      }),
    );
    assert.equal(
      shown.grid,
      `shared array '${name}-grid': float64 (3, 4)\n` +
        "[[ 0., 0.5,  1., 1.5],\n [ 2., 2.5,  3., 3.5],\n [ 4., 4.5,  5., 5.5]]",
    );
    const big = shown.big.split("\n");
    assert.equal(big[0], `shared array '${name}-big': int32 (40, 50)`);
    assert.equal(big[1], "[[   0,    1,    2, ...,   47,   48,   49],");
    assert.equal(big[4], " ...,");
    assert.equal(big.at(-1), " [1950, 1951, 1952, ..., 1997, 1998, 1999]]");
    assert.equal(big.length, 8);
    assert.equal(
      shown.column,
      `view of shared array '${name}-grid': float64 (3,)\n[0.5, 2.5, 4.5]`,
    );
    assert.equal(shown.complex, `shared array '${name}-z': complex128 (2,)\n[1.-2.j, 1.-2.j]`);
    assert.equal(shown.scalar, `view of shared array '${name}-grid': float64 ()\n5.5`);
    assert.equal(shown.closed, `shared array '${name}-grid': float64 (3, 4) (closed)`);
    assert.doesNotMatch(r.stdout, /mapping|#|Symbol|ArrayBuffer/);
  });
});
