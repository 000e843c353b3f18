import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../src/format/errors.ts";
import {
  byteLengthOf,
  formatShape,
  MAX_NDIM,
  normalizeShape,
  sameShape,
  sizeOf,
  stridesOf,
} from "../src/format/shape.ts";

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe("normalizeShape", () => {
  test("a number is a 1-d shape; arrays are copied", () => {
    assert.deepEqual(normalizeShape(5), [5]);
    assert.deepEqual(normalizeShape(0), [0]);
    const input = [2, 3];
    const out = normalizeShape(input);
    assert.deepEqual(out, [2, 3]);
    assert.notEqual(out, input);
    assert.deepEqual(normalizeShape([]), []);
  });

  test("largest safe dimension is accepted, -0 becomes 0", () => {
    assert.deepEqual(normalizeShape([Number.MAX_SAFE_INTEGER]), [Number.MAX_SAFE_INTEGER]);
    assert.ok(Object.is(normalizeShape([-0])[0], 0));
  });

  test("bad dimensions are named", () => {
    invalid(() => normalizeShape([2, -1]), /shape\[1\] = -1 is not a non-negative integer/);
    invalid(() => normalizeShape([1.5]), /shape\[0\] = 1\.5/);
    invalid(() => normalizeShape([NaN]), /shape\[0\] = NaN/);
    invalid(() => normalizeShape([Infinity]), /shape\[0\] = Infinity/);
    invalid(() => normalizeShape([2 ** 53]), /shape\[0\] = 9007199254740992/);
    invalid(() => normalizeShape(-3), /shape\[0\] = -3/);
    invalid(() => normalizeShape(["3"] as unknown as number[]), /shape\[0\] = "3"/);
    invalid(() => normalizeShape([3n] as unknown as number[]), /shape\[0\] = 3n/);
    invalid(() => normalizeShape([null] as unknown as number[]), /shape\[0\] = null/);
    invalid(() => normalizeShape([Object.create(null)] as unknown as number[]), /shape\[0\]/);
  });

  test("non-array shapes are refused", () => {
    invalid(() => normalizeShape("3" as unknown as number), /must be a number or an array/);
    invalid(() => normalizeShape(undefined as unknown as number), /must be a number or an array/);
    invalid(() => normalizeShape({ length: 1 } as unknown as number[]), /number or an array/);
  });

  test(`at most ${MAX_NDIM} dimensions, as NumPy 2`, () => {
    assert.equal(normalizeShape(new Array(MAX_NDIM).fill(1)).length, 64);
    invalid(() => normalizeShape(new Array(MAX_NDIM + 1).fill(1)), /65 dimensions; at most 64/);
  });
});

describe("sizeOf and byteLengthOf", () => {
  test("element counts", () => {
    assert.equal(sizeOf([]), 1);
    assert.equal(sizeOf([5]), 5);
    assert.equal(sizeOf([2, 3, 4]), 24);
    assert.equal(sizeOf([3, 0]), 0);
    assert.equal(sizeOf([2 ** 40]), 2 ** 40);
  });

  test("byte lengths", () => {
    assert.equal(byteLengthOf([], 8), 8);
    assert.equal(byteLengthOf([3, 4], 8), 96);
    assert.equal(byteLengthOf([0, 4], 8), 0);
    assert.equal(byteLengthOf([5], 0), 0);
  });

  test("overflow beyond 2**53 - 1 is refused", () => {
    invalid(() => sizeOf([2 ** 30, 2 ** 30, 2 ** 30]), /element count of shape .* exceeds 2\*\*53/);
    assert.equal(sizeOf([2 ** 26, 2 ** 26]), 2 ** 52);
    invalid(() => byteLengthOf([2 ** 50], 16), /byte length of shape \(1125899906842624,\)/);
    assert.equal(byteLengthOf([2 ** 49], 8), 2 ** 52);
    // 2**53 itself is not a safe integer, though exactly representable.
    invalid(() => byteLengthOf([2 ** 50], 8), /exceeds/);
  });

  test("a zero dimension does not hide an overflow of the others, as in NumPy", () => {
    invalid(() => sizeOf([0, 2 ** 40, 2 ** 40]), /exceeds/);
    invalid(() => byteLengthOf([2 ** 40, 0, 2 ** 20], 8), /exceeds/);
  });

  test("bad item sizes", () => {
    invalid(() => byteLengthOf([1], -1), /itemsize -1/);
    invalid(() => byteLengthOf([1], 1.5), /itemsize 1\.5/);
  });
});

describe("stridesOf", () => {
  // Expected values are NumPy's strides of np.ndarray(shape, buffer=..., order=...).
  test("C order", () => {
    assert.deepEqual(stridesOf([3, 4], 8, false), [32, 8]);
    assert.deepEqual(stridesOf([2, 3, 4], 2, false), [24, 8, 2]);
    assert.deepEqual(stridesOf([4, 1, 3], 8, false), [24, 24, 8]);
  });

  test("Fortran order", () => {
    assert.deepEqual(stridesOf([3, 4], 8, true), [8, 24]);
    assert.deepEqual(stridesOf([2, 3, 4], 2, true), [2, 4, 12]);
    assert.deepEqual(stridesOf([4, 1, 3], 8, true), [8, 32, 32]);
  });

  test("zero dimensions count as one", () => {
    assert.deepEqual(stridesOf([2, 0, 3], 8, false), [24, 24, 8]);
    assert.deepEqual(stridesOf([2, 0, 3], 8, true), [8, 16, 16]);
  });

  test("0-d and 1-d", () => {
    assert.deepEqual(stridesOf([], 8, false), []);
    assert.deepEqual(stridesOf([5], 4, false), [4]);
    assert.deepEqual(stridesOf([5], 4, true), [4]);
  });
});

describe("formatShape and sameShape", () => {
  test("Python tuple repr", () => {
    assert.equal(formatShape([]), "()");
    assert.equal(formatShape([3]), "(3,)");
    assert.equal(formatShape([2, 3]), "(2, 3)");
    assert.equal(formatShape([2, 3, 4]), "(2, 3, 4)");
    assert.equal(formatShape([2 ** 40]), "(1099511627776,)");
  });

  test("sameShape compares length and every dimension", () => {
    assert.ok(sameShape([], []));
    assert.ok(sameShape([2, 3], [2, 3]));
    assert.ok(!sameShape([2, 3], [3, 2]));
    assert.ok(!sameShape([6], [2, 3]));
    assert.ok(!sameShape([2], [2, 1]));
    assert.ok(!sameShape([], [1]));
  });
});
