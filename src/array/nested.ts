/**
 * The bound on {@link NdArray.toArray}: nested plain arrays cost JavaScript memory per element
 * (a slot, a boxed number, a string, an object per record, a Uint8Array per void item), so a
 * large shared array — which costs the process nothing until read — could take more heap as a
 * nested copy than the process has, or more elements than a JS array can hold, and the runtime
 * dies. Before building one, its size is estimated from the shape and dtype alone; above
 * {@link NESTED_MAX_BYTES} it is refused with a typed error that says how to read the data
 * instead (`data`, `toNativeArray`, `get`, or `toArray()` of rows and slices).
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { checkNestedCopy } from "./nested.ts";
 * checkNestedCopy([1000, 1000], parseDType("<f8"), "shared array 'x'"); // fine: about 16 MB
 * ```
 * @module
 */
import type { DType } from "../format/dtype.ts";
import { UnsupportedError } from "../format/errors.ts";
import { formatShape } from "../format/shape.ts";

/** The most JavaScript memory a nested copy may take, estimated: 1 GiB. */
export const NESTED_MAX_BYTES = 2 ** 30;

// Bytes of JS heap, measured on V8 (Deno 2.9): an array is ~40 bytes plus 8 per slot; a boxed
// number 8 more than its slot; a bigint 32; {re, im} 80; a string 32 plus its characters; a
// Uint8Array (void items are copied into one each) about 224; a record object 24 plus 8 a field.
const ARRAY = 40;
const SLOT = 8;

/**
 * Estimated bytes of JS memory that nested plain arrays of `shape` with items of `dtype` take.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * nestedBytes([3], parseDType("<f8")); // 40 + 3 * (8 + 8)
 * ```
 */
export function nestedBytes(shape: readonly number[], dtype: DType): number {
  let arrays = 1; // arrays at the current depth
  let bytes = 0;
  for (const extent of shape) {
    bytes += arrays * (ARRAY + SLOT * extent);
    arrays *= extent;
  }
  return bytes + arrays * itemBytes(dtype); // `arrays` is now the number of items
}

function itemBytes(dtype: DType): number {
  if (dtype.fields) {
    return dtype.fields.reduce(
      (sum, f) =>
        sum + (f.shape.length ? nestedBytes(f.shape, f.dtype) : SLOT + itemBytes(f.dtype)),
      24,
    );
  }
  switch (dtype.kind) {
    case "c":
      return 80;
    case "M":
    case "m":
      return 32;
    case "S":
    case "U":
      return 32 + 2 * dtype.itemsize;
    case "V":
      return 224 + dtype.itemsize;
    default:
      return dtype.itemsize === 8 && dtype.kind !== "f" ? 32 : 8; // int64: a bigint
  }
}

/**
 * Throws unless nested plain arrays of `shape` x `dtype` stay within {@link NESTED_MAX_BYTES}.
 * `what` names the array in the message.
 *
 * @throws {UnsupportedError} the copy would be larger
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * checkNestedCopy([1e8], parseDType("i1"), "shared array 'x'"); // throws: about 1.5 GiB
 * ```
 */
export function checkNestedCopy(shape: readonly number[], dtype: DType, what: string): void {
  const bytes = nestedBytes(shape, dtype);
  if (bytes <= NESTED_MAX_BYTES) return;
  const gib = (n: number) => `${(n / 2 ** 30).toPrecision(3)} GiB`;
  throw new UnsupportedError(
    `${what} ${dtype.name} ${formatShape(shape)} is too large for toArray(): as nested arrays ` +
      `it would take about ${gib(bytes)} of JavaScript memory, more than the ${
        gib(NESTED_MAX_BYTES)
      } toArray() allows. Read it in place through data (a zero-copy TypedArray), bytes or ` +
      "get(), copy it with toNativeArray(), or call toArray() on row(i) or slice(start, end)",
  );
}
