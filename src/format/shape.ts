/**
 * Shape and stride arithmetic, with the limits NumPy 2 enforces (at most 64 dimensions) and
 * the ones JavaScript needs (every count a safe integer).
 *
 * @example
 * ```ts
 * import { byteLengthOf, formatShape, normalizeShape, stridesOf } from "./shape.ts";
 * const shape = normalizeShape([2, 3]);
 * console.log(formatShape(shape), byteLengthOf(shape, 8), stridesOf(shape, 8, false));
 * // "(2, 3)" 48 [24, 8]
 * ```
 * @module
 */

import { InvalidArgumentError } from "./errors.ts";

/** Most dimensions an array may have, as in NumPy 2. */
export const MAX_NDIM = 64;

/**
 * Checks a shape and returns it as a fresh array; a bare number means a 1-d shape. Each
 * dimension must be a safe non-negative integer and there may be at most {@link MAX_NDIM}.
 * Throws {@link InvalidArgumentError} naming the bad dimension.
 *
 * @example
 * ```ts
 * import { normalizeShape } from "./shape.ts";
 * console.log(normalizeShape(5), normalizeShape([2, 3])); // [5] [2, 3]
 * ```
 */
export function normalizeShape(shape: number | readonly number[]): number[] {
  const dims: unknown = typeof shape === "number" ? [shape] : shape;
  if (!Array.isArray(dims)) {
    throw new InvalidArgumentError(
      `shape must be a number or an array of numbers, got ${describe(shape)}`,
    );
  }
  if (dims.length > MAX_NDIM) {
    throw new InvalidArgumentError(
      `shape has ${dims.length} dimensions; at most ${MAX_NDIM} are allowed`,
    );
  }
  return dims.map((d, i) => checkDim(d, i));
}

function checkDim(d: unknown, i: number): number {
  // -0 passes the range test; it is stored as 0 so that Object.is() comparisons agree.
  if (typeof d === "number" && Number.isSafeInteger(d) && d >= 0) return d === 0 ? 0 : d;
  throw new InvalidArgumentError(
    `shape[${i}] = ${describe(d)} is not a non-negative integer (at most 2**53 - 1)`,
  );
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  try {
    return String(v);
  } catch {
    return typeof v;
  }
}

/**
 * Number of elements of a shape (1 for `()`). Throws {@link InvalidArgumentError} when the
 * count of a non-empty array passes `Number.MAX_SAFE_INTEGER`; like NumPy, a zero dimension
 * does not excuse the other dimensions from overflowing.
 *
 * @example
 * ```ts
 * import { sizeOf } from "./shape.ts";
 * console.log(sizeOf([2, 3, 4]), sizeOf([]), sizeOf([3, 0])); // 24 1 0
 * ```
 */
export function sizeOf(shape: readonly number[]): number {
  return productOf(shape, 1, "element count");
}

/**
 * Bytes taken by an array of that shape and item size; throws {@link InvalidArgumentError}
 * when that passes `Number.MAX_SAFE_INTEGER`.
 *
 * @example
 * ```ts
 * import { byteLengthOf } from "./shape.ts";
 * console.log(byteLengthOf([3, 4], 8)); // 96
 * ```
 */
export function byteLengthOf(shape: readonly number[], itemsize: number): number {
  if (!Number.isSafeInteger(itemsize) || itemsize < 0) {
    throw new InvalidArgumentError(`itemsize ${describe(itemsize)} is not a non-negative integer`);
  }
  return productOf(shape, itemsize, "byte length");
}

/** `start` times every non-zero dimension, checked for overflow; 0 if any dimension is 0. */
function productOf(shape: readonly number[], start: number, what: string): number {
  let product = start;
  let empty = false;
  for (const d of shape) {
    if (d === 0) {
      empty = true;
      continue;
    }
    product *= d;
    if (!Number.isSafeInteger(product)) {
      throw new InvalidArgumentError(
        `${what} of shape ${formatShape(shape)} exceeds 2**53 - 1`,
      );
    }
  }
  return empty ? 0 : product;
}

/**
 * Byte strides of a contiguous array, as NumPy computes them for a view on a buffer: each
 * stride is the item size times the later (C) or earlier (Fortran) dimensions, a zero
 * dimension counting as one.
 *
 * @example
 * ```ts
 * import { stridesOf } from "./shape.ts";
 * console.log(stridesOf([2, 3], 8, false), stridesOf([2, 3], 8, true)); // [24, 8] [8, 16]
 * ```
 */
export function stridesOf(
  shape: readonly number[],
  itemsize: number,
  fortranOrder: boolean,
): number[] {
  const strides = new Array<number>(shape.length);
  let step = itemsize;
  for (let k = 0; k < shape.length; k++) {
    const i = fortranOrder ? k : shape.length - 1 - k;
    strides[i] = step;
    if (shape[i] !== 0) step *= shape[i];
  }
  return strides;
}

/**
 * The shape as Python prints a tuple: `()`, `(3,)`, `(2, 3)`.
 *
 * @example
 * ```ts
 * import { formatShape } from "./shape.ts";
 * console.log(formatShape([]), formatShape([3]), formatShape([2, 3])); // () (3,) (2, 3)
 * ```
 */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * Whether two shapes have the same dimensions in the same order.
 *
 * @example
 * ```ts
 * import { sameShape } from "./shape.ts";
 * console.log(sameShape([2, 3], [2, 3]), sameShape([6], [2, 3])); // true false
 * ```
 */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
