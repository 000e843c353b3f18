/**
 * npshm: named, zero-copy, N-dimensional typed arrays in shared memory, byte-compatible with
 * NumPy. Every segment is a valid `.npy` byte stream, so Python processes using NumPy open the
 * same memory.
 *
 * @example
 * ```ts
 * import { attachSharedArray, createSharedArray } from "./mod.ts";
 * // process 1
 * using a = createSharedArray("frames", { shape: [10, 3], dtype: "int32", force: true, fill: 0 });
 * // process 2
 * using b = attachSharedArray("frames", { validateShape: [10, 3], validateDtype: "int32" });
 * b.set([0, 1], 7); // a.get([0, 1]) === 7
 * ```
 * @module
 */
export {
  type AttachOptions,
  attachSharedArray,
  type CreateOptions,
  createSharedArray,
  type DeleteOptions,
  deleteSharedArray,
  type DTypeLike,
} from "./src/lifecycle.ts";
export { isSharedArray, SharedArray } from "./src/shared_array.ts";
export { type Layout, NdArray, type NestedArray } from "./src/ndarray.ts";
export { ALIGN } from "./src/header.ts";
export { type DType, parseDType } from "./src/dtype.ts";
export type { ArrayFor, Complex, DTypeArrays, Scalar, TypedArray } from "./src/types.ts";
export * from "./src/errors.ts";
