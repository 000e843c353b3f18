/**
 * npshm: named, zero-copy, N-dimensional typed arrays in shared memory, byte-compatible with
 * NumPy. Every segment is a valid `.npy` byte stream, so Python processes using NumPy open the
 * same memory.
 *
 * @example
 * ```ts
 * import { attachSharedArray, createSharedArray } from "@npshm/npshm";
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
  maxNameBytes,
} from "./src/lifecycle.ts";
export { isSharedArray, SharedArray } from "./src/shared_array.ts";
export {
  type ArrayMemory,
  NdArray,
  type NestedArray,
  type ReshapeOptions,
} from "./src/array/ndarray.ts";
export { type Layout, type Placement } from "./src/array/layout.ts";
export type { IndexItem, SliceItem } from "./src/array/indexing.ts";
export { toNativeArray } from "./src/array/copy.ts";
export { ALIGN } from "./src/format/header.ts";
export {
  type DType,
  type DTypeField,
  parseDType,
  type TypedArrayCtor,
  type ViewInfo,
} from "./src/format/dtype.ts";
export type {
  ArrayFor,
  Code,
  Complex,
  DTypeArrays,
  DTypeCode,
  DTypeElements,
  FieldValue,
  RecordValue,
  Scalar,
  ScalarFor,
  TypedArray,
  TypedArrayMethods,
  ValueFor,
} from "./src/format/typed.ts";
export type { Validation } from "./src/format/validate.ts";
export { VERSION } from "./src/format/version.ts";
export * from "./src/format/errors.ts";
export type { LockAsyncOptions, LockGuard, LockOptions } from "./src/sync/lock.ts";
export { notify, wait, type WaitableView, waitAsync, type WaitResult } from "./src/sync/wait.ts";
export { type MutexOptions, NamedMutex, openMutex } from "./src/mutex.ts";
export { type ScopeOptions, SharedArrayScope } from "./src/scope.ts";
export {
  inspectSharedArray,
  listSharedArrays,
  removeStaleSharedArrays,
  type SharedArrayInfo,
} from "./src/list.ts";
export { type ReadOptions, type ReadResult, readSharedArray } from "./src/read.ts";
export { type SaveOptions, saveSharedArray } from "./src/npy/save.ts";
export {
  createNpy,
  type CreateNpyOptions,
  NpyFile,
  type NpyMode,
  openNpy,
  type OpenNpyOptions,
} from "./src/npy/map.ts";
export type { Progress } from "./src/npy/file_header.ts";
export {
  fetchNativeLibrary,
  type FetchNativeOptions,
  type LibrarySource,
  nativeLibrary,
  type NativeLibraryInfo,
  type NativeSettings,
  nativeSettings,
  nativeTargets,
} from "./src/os/library.ts";
