/**
 * Filling new arrays: one element's bytes, checked against the dtype, repeated over the data.
 * Shared arrays and new `.npy` files start this way.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { encodeFill, fillPattern } from "./fill.ts";
 * const buffer = new ArrayBuffer(8);
 * fillPattern(buffer, encodeFill(parseDType("<i2"), 1, "demo")!); // four int16 ones
 * ```
 * @module
 */
import type { DType } from "../format/dtype.ts";
import { elementCodec } from "./codec.ts";

/**
 * One element's bytes, or undefined when they are all zero: fresh memory already is. `label`
 * names the array in the error a value that does not fit the dtype gets.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * encodeFill(parseDType("<i2"), 1, "shared array 'x'"); // Uint8Array [1, 0]
 * encodeFill(parseDType("<i2"), 0, "shared array 'x'"); // undefined: nothing to write
 * ```
 */
export function encodeFill(dtype: DType, value: unknown, label: string): Uint8Array | undefined {
  const item = new Uint8Array(dtype.itemsize);
  elementCodec(dtype, item.buffer, true, label).write(0, value);
  return item.some((b) => b !== 0) ? item : undefined;
}

/**
 * Repeats one item's bytes over the whole buffer (doubling copies, not a loop per item).
 *
 * @example
 * ```ts
 * const buffer = new ArrayBuffer(6);
 * fillPattern(buffer, new Uint8Array([1, 0]));
 * new Int16Array(buffer); // Int16Array [1, 1, 1]
 * ```
 */
export function fillPattern(buffer: ArrayBuffer, item: Uint8Array): void {
  const bytes = new Uint8Array(buffer);
  if (bytes.length === 0) return;
  bytes.set(item);
  for (let done = item.length; done < bytes.length; done *= 2) {
    bytes.copyWithin(done, 0, Math.min(done, bytes.length - done));
  }
}
