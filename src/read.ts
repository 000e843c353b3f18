/**
 * {@link readSharedArray}: a `.npy` file straight into a named shared array — or, with
 * `acceptExisting`, the shared array of that name another process already loaded, checked
 * against the file. Python's `cdxcore.npshm.read_shared_array` in camelCase.
 *
 * @example
 * ```ts
 * import { readSharedArray } from "./read.ts";
 * using prices = readSharedArray("prices.npy", "prices", { readOnly: true });
 * ```
 * @module
 */
import { layoutOf } from "./array/layout.ts";
import { CorruptHeaderError, ExistsError, ShapeMismatchError } from "./format/errors.ts";
import { encodeHeader, type NpyHeader } from "./format/header.ts";
import { validateName } from "./format/name.ts";
import type { DType } from "./format/dtype.ts";
import type { ArrayFor, ScalarFor } from "./format/typed.ts";
import { checkHeader, expectationOf, type Validation } from "./format/validate.ts";
import { attachSharedArray, makeSharedArray, maxNameBytes } from "./lifecycle.ts";
import { inChunks, type Progress, readFileHeader } from "./npy/file_header.ts";
import { closeFile, copyIntoSegment, filePath, type OpenFile, openFile } from "./os/file.ts";
import type { SharedArray } from "./shared_array.ts";

/**
 * Options of {@link readSharedArray}.
 *
 * @example
 * ```ts
 * const opts: ReadOptions = { validateDtype: "f8", acceptExisting: true, onProgress: log };
 * ```
 */
export interface ReadOptions<D extends string | DType = string | DType> extends Validation<D> {
  /** Writes are refused (`set` throws; the mapping is private). Default `false`. */
  readOnly?: boolean;
  /**
   * First attach an existing shared array of that name, checked against the file's shape,
   * dtype and order (a mismatch throws). `false`: the name must be free. Default `true`.
   */
  acceptExisting?: boolean;
  /** Called with bytes done / total while the data is copied. */
  onProgress?: Progress;
  /** Permission bits of a created segment (POSIX). Default `0o600`. */
  mode?: number;
  /** Remove the name when the returned array is closed. Default `false`. */
  unlinkOnClose?: boolean;
  /** Return `{ array, attached }` instead of the array. Default `false`. */
  returnStatus?: boolean;
}

/**
 * What {@link readSharedArray} returns with `returnStatus: true`. Disposable: `using`
 * closes the array.
 *
 * @example
 * ```ts
 * using r = readSharedArray("a.npy", "a", { returnStatus: true });
 * console.log(r.attached ? "attached" : "loaded");
 * ```
 */
export interface ReadResult<A extends SharedArray = SharedArray> {
  /** The shared array. */
  readonly array: A;
  /** `true`: an existing shared array was attached; `false`: it was created from the file. */
  readonly attached: boolean;
  /** Closes the array. */
  [Symbol.dispose](): void;
}

/**
 * Reads a `.npy` file (any version NumPy writes, C or Fortran order, every dtype but object)
 * into a new named shared array. The bytes go from the file to the segment without passing
 * through JavaScript, and the name appears only once the copy is complete: a failure midway
 * (a read error, a file that shrinks, an `onProgress` that throws) leaves nothing under it.
 *
 * With `acceptExisting` (the default) an existing shared array of that name is attached
 * instead — after checking that its shape, dtype and order are the file's; a mismatch is a
 * {@link ShapeMismatchError} / {@link DTypeMismatchError}, never a silent attach. Racing
 * loaders of one name end up sharing one array.
 *
 * @throws {NotFoundError} no such file
 * @throws {CorruptHeaderError} not a valid `.npy`, or shorter than its header says
 * @throws {NotViewableError} object dtype
 * @throws {ShapeMismatchError} / {DTypeMismatchError} validation, or an existing array that
 *   differs from the file
 * @throws {ExistsError} the name is taken and `acceptExisting` is `false`
 * @throws {NoSpaceError} not enough shared memory
 * @example
 * ```ts
 * using table = readSharedArray("table.npy", "table", { validateDtype: "f8" });
 * const r = readSharedArray("table.npy", "table", { returnStatus: true });
 * r.attached; // true: the first call created it
 * ```
 */
export function readSharedArray<D extends string | DType = string>(
  file: string | URL,
  name: string,
  options: ReadOptions<D> & { returnStatus: true },
): ReadResult<SharedArray<ArrayFor<D>, ScalarFor<D>>>;
/** Without `returnStatus`: just the array. */
export function readSharedArray<D extends string | DType = string>(
  file: string | URL,
  name: string,
  options?: ReadOptions<D> & { returnStatus?: false },
): SharedArray<ArrayFor<D>, ScalarFor<D>>;
export function readSharedArray(
  file: string | URL,
  name: string,
  options: ReadOptions = {},
): SharedArray | ReadResult {
  validateName(name, maxNameBytes());
  const f = openFile(filePath(file), "read");
  let result: { array: SharedArray; attached: boolean };
  try {
    const header = readFileHeader(f);
    checkHeader(header, expectationOf(options), `file '${f.path}'`);
    result = load(f, header, name, options);
  } finally {
    closeFile(f);
  }
  if (!options.returnStatus) return result.array;
  return { ...result, [Symbol.dispose]: () => result.array.close() };
}

function load(f: OpenFile, header: NpyHeader, name: string, options: ReadOptions) {
  const accept = options.acceptExisting ?? true;
  for (let attempt = 0;; attempt++) {
    const existing = accept ? attachMatching(name, header, options, f.path) : null;
    if (existing) return { array: existing, attached: true };
    try {
      return { array: create(f, header, name, options), attached: false };
    } catch (err) {
      // Another process published the name between our attach and our publish: use theirs.
      if (!(err instanceof ExistsError) || !accept || attempt > 3) throw err;
    }
  }
}

/** The existing array of that name, if any, after checking it is the file's array. */
function attachMatching(name: string, header: NpyHeader, options: ReadOptions, path: string) {
  const array = attachSharedArray(name, {
    validateShape: header.shape,
    validateDtype: header.dtype,
    readOnly: options.readOnly,
    unlinkOnClose: options.unlinkOnClose,
    raiseOnError: false,
  });
  if (!array) return null;
  const expected = layoutOf(header).strides;
  if (array.strides.some((s, i) => array.shape[i] > 1 && s !== expected[i])) {
    array.close();
    const order = (fortran: boolean) => (fortran ? "Fortran" : "C");
    throw new ShapeMismatchError(
      `shared array '${name}' is in ${order(!header.fortranOrder)} order, file '${path}' ` +
        `in ${order(header.fortranOrder)} order`,
    );
  }
  return array;
}

/** Makes the array (unnamed until complete) with its data copied in from the file. */
function create(f: OpenFile, header: NpyHeader, name: string, options: ReadOptions): SharedArray {
  const head = encodeHeader(header.dtype, header.shape, header.fortranOrder);
  const length = header.dataLength;
  const spec = {
    head,
    dataLength: length,
    layout: layoutOf(header),
    mode: options.mode ?? 0o600,
    force: false,
    raiseOnError: true,
    track: false,
    unlinkOnClose: !options.readOnly && (options.unlinkOnClose ?? false),
  };
  const array = makeSharedArray(name, spec, (buffer, segment) =>
    inChunks(length, (at, n) => {
      const dst = new Uint8Array(buffer, at, n);
      const got = copyIntoSegment(f, header.dataOffset + at, segment, head.length + at, dst);
      if (got < n) {
        throw new CorruptHeaderError(
          `file '${f.path}' ended after ${header.dataOffset + at + got} bytes while being ` +
            `read: it shrank below the ${header.dataOffset + length} bytes its header promises`,
        );
      }
    }, options.onProgress))!;
  if (options.readOnly) {
    // Made read-write to fill it; the caller gets a private read-only mapping, as attach.
    array.close();
    return attachSharedArray(name, {
      validateShape: header.shape,
      validateDtype: header.dtype,
      readOnly: true,
      unlinkOnClose: options.unlinkOnClose,
    });
  }
  return array;
}
