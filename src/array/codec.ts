/**
 * The codec of any dtype: reading and writing one element at a byte offset of a buffer, with
 * the value checks `get`/`set`/`fill` promise. Numbers go to `./numeric.ts`, everything else
 * (datetimes, strings, raw bytes, records) to `./extended.ts`.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { elementCodec } from "./codec.ts";
 * const codec = elementCodec(parseDType("<i4"), new ArrayBuffer(8), true, "demo");
 * codec.write(4, 7);
 * codec.read(4); // 7
 * ```
 * @module
 */
import type { DType } from "../format/dtype.ts";
import { extendedCodec } from "./extended.ts";
import { type ElementCodec, isNumeric, numericCodec } from "./numeric.ts";

export type { ElementCodec } from "./numeric.ts";

/**
 * A codec for `dtype` over `buffer`. `aligned` says whether every offset the caller will pass
 * is aligned for the dtype in memory; `label` names the array in errors.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const codec = elementCodec(parseDType("M8[s]"), new ArrayBuffer(8), true, "shared array 't'");
 * codec.write(0, 1_700_000_000n);
 * codec.read(0); // 1700000000n: a datetime64 is a bigint count of its unit
 * ```
 */
export function elementCodec(
  dtype: DType,
  buffer: ArrayBuffer,
  aligned: boolean,
  label: string,
): ElementCodec {
  if (isNumeric(dtype)) return numericCodec(dtype, buffer, aligned, label);
  return extendedCodec(dtype, buffer, aligned, label, elementCodec);
}
