/**
 * {@link toNativeArray}: the explicit native-order copy of big-endian, Fortran-order or
 * strided data into a plain TypedArray.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * import { toNativeArray } from "./copy.ts";
 * using m = createSharedArray("m", { shape: [2, 3], dtype: "int16", order: "F" });
 * m.set([0, 1], 5);
 * m.data; // Int16Array [0, 0, 5, 0, 0, 0]: memory order, Fortran here
 * toNativeArray(m); // Int16Array [0, 5, 0, 0, 0, 0]: always C order
 * ```
 * @module
 */
import { parseDType } from "../format/dtype.ts";
import { NotViewableError } from "../format/errors.ts";
import type { TypedArray } from "../format/typed.ts";
import { gather } from "./layout.ts";
import type { NdArray } from "./ndarray.ts";

/**
 * A copy of a numeric (or datetime) array as a TypedArray in this machine's byte order and C
 * order: the explicit way to get big-endian, Fortran-order or strided data into a plain
 * TypedArray. Complex values interleave re/im; float16 gives a Float16Array where the
 * runtime has one, else raw bits in a Uint16Array.
 *
 * @throws {NotViewableError} strings, records and other dtypes no TypedArray holds
 * @example
 * ```ts
 * import { openNpy } from "@npshm/npshm";
 * using a = openNpy("big_endian.npy"); // dtype >f8: a.data throws NotViewableError
 * const values = toNativeArray(a) as Float64Array; // the same numbers, native order
 * ```
 */
export function toNativeArray(array: NdArray): TypedArray {
  const src = array.dtype;
  const native = src.byteOrder === ">" ? parseDType(`<${src.descr.slice(1)}`) : src;
  const view = native.view;
  if (!view || native.fields) {
    throw new NotViewableError(
      `${array}: dtype '${src.descr}' has no TypedArray form; use get() or toArray()`,
    );
  }
  const out = new Uint8Array(array.size * src.itemsize);
  const lane = src.itemsize / view.lanes;
  const swap = src.byteOrder === ">" && lane > 1;
  gather(array, array.buffer, out, (dst, from, at) => {
    if (!swap) return dst.set(from.subarray(at, at + src.itemsize));
    for (let i = 0; i < src.itemsize; i++) {
      dst[i] = from[at + Math.floor(i / lane) * lane + (lane - 1 - (i % lane))];
    }
  });
  return new view.ctor(out.buffer, 0, array.size * view.lanes);
}
