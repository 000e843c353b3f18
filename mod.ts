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
export {
  type DType,
  type DTypeField,
  parseDType,
  type TypedArrayCtor,
  type ViewInfo,
} from "./src/dtype.ts";
export type {
  ArrayFor,
  Code,
  Complex,
  DTypeArrays,
  FieldValue,
  RecordValue,
  Scalar,
  TypedArray,
} from "./src/types.ts";
export { type LockGuard } from "./src/lock.ts";
export { type MutexOptions, NamedMutex, openMutex } from "./src/mutex.ts";
export { type ScopeOptions, SharedArrayScope } from "./src/scope.ts";
export { notify, wait, type WaitableView, waitAsync, type WaitResult } from "./src/wait.ts";
export {
  inspectSharedArray,
  listSharedArrays,
  removeStaleSharedArrays,
  type SharedArrayInfo,
} from "./src/list.ts";
export { VERSION } from "./src/version.ts";
export * from "./src/errors.ts";
export { type ReadOptions, type ReadResult, readSharedArray } from "./src/npy_read.ts";
export { type SaveOptions, saveSharedArray } from "./src/npy_save.ts";
export {
  createNpy,
  type CreateNpyOptions,
  NpyFile,
  type NpyMode,
  openNpy,
  type OpenNpyOptions,
} from "./src/npy_map.ts";
export type { Progress, Validation } from "./src/npy_file.ts";
export { type Placement, toNativeArray } from "./src/dtype_views.ts";
