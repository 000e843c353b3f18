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
import process from "node:process";
import { layoutOf } from "./array/layout.ts";
import { CONTROL_SIZE, sameSource, type SourceIdentity, sourceOf } from "./format/control.ts";
import {
  CorruptHeaderError,
  ExistsError,
  InvalidArgumentError,
  ShapeMismatchError,
  StaleError,
} from "./format/errors.ts";
import { encodeHeader, type NpyHeader } from "./format/header.ts";
import { validateName } from "./format/name.ts";
import type { DType } from "./format/dtype.ts";
import type { ArrayFor, ScalarFor } from "./format/typed.ts";
import { checkHeader, expectationOf, type Validation } from "./format/validate.ts";
import { attachSharedArray, makeSharedArray, maxNameBytes } from "./lifecycle.ts";
import { inChunks, type Progress, readFileHeader } from "./npy/file_header.ts";
import { closeFile, copyIntoSegment, filePath, type OpenFile, openFile } from "./os/file.ts";
import { mappingOf } from "./os/mapping.ts";
import { ownerOf, readSegment, statHandle } from "./os/segment.ts";
import type { SharedArray } from "./shared_array.ts";

/**
 * Options of {@link readSharedArray}.
 *
 * @example
 * ```ts
 * const opts: ReadOptions = {
 *   validateDtype: "f8",
 *   acceptExisting: true,
 *   onProgress: (done, total) => console.log(`${done} of ${total} bytes`),
 * };
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
  /**
   * Windows: a created array outlives its last handle, backed by a file of this user's, as
   * `CreateOptions.persistent`. Elsewhere arrays persist anyway. Default `false`.
   */
  persistent?: boolean;
  /** Return `{ array, attached }` instead of the array. Default `false`. */
  returnStatus?: boolean;
  /**
   * What `acceptExisting` does when the existing array was loaded from this file but the file
   * changed since (its size, modification time, inode or device differ from those recorded):
   * `"changed"` (the default) loads the file again into a new array that takes the name over
   * atomically, as `force` does (processes that have the old array keep it; `attached` is
   * `false`); `"error"` throws {@link StaleError}; `"never"` attaches the old array as it is.
   * An array that records no source file (made by `createSharedArray`, or by Python) is
   * attached if it matches the file's header, whatever this says.
   */
  reload?: "changed" | "error" | "never";
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
 * instead — after checking that it belongs to this user (another user's array under the name
 * is an {@link ExistsError}, never taken for the file's data), that its shape, dtype and order
 * are the file's (a mismatch is a {@link ShapeMismatchError} / {@link DTypeMismatchError},
 * never a silent attach), and that the file has not changed since the array was loaded from it
 * (the array records the file's size, modification time, inode and device; see `reload`).
 * Racing loaders of one name end up sharing one array.
 *
 * @throws {NotFoundError} no such file
 * @throws {CorruptHeaderError} not a valid `.npy`, or shorter than its header says
 * @throws {InvalidArgumentError} object dtype
 * @throws {ShapeMismatchError} / {DTypeMismatchError} validation, or an existing array that
 *   differs from the file
 * @throws {ExistsError} the name is taken and `acceptExisting` is `false`, or by another
 *   user's array
 * @throws {StaleError} the array was loaded from an older state of the file (`reload: "error"`)
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
  if (!RELOADS.includes(options.reload)) {
    throw new InvalidArgumentError(
      `readSharedArray: reload must be "changed", "error" or "never", got ${
        String(options.reload)
      }`,
    );
  }
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
  const source = statHandle(f.handle, `file '${f.path}'`);
  for (let attempt = 0;; attempt++) {
    const existing = accept ? attachMatching(name, header, options, f.path, source) : null;
    if (existing instanceof Object) return { array: existing, attached: true };
    try {
      const array = create(f, header, name, options, source, existing === "reload");
      return { array, attached: false };
    } catch (err) {
      // Another process published the name between our attach and our publish: use theirs.
      if (!(err instanceof ExistsError) || !accept || attempt > 3) throw err;
    }
  }
}

/**
 * The existing array of that name, if any, after checking it is the file's array: ours (not
 * another user's), of the file's shape, dtype and order, and not loaded from an older state of
 * the file ("reload": it was, and options.reload says to load the file again).
 */
function attachMatching(
  name: string,
  header: NpyHeader,
  options: ReadOptions,
  path: string,
  source: SourceIdentity,
): SharedArray | "reload" | null {
  const array = attachSharedArray(name, {
    validateShape: header.shape,
    validateDtype: header.dtype,
    readOnly: options.readOnly,
    unlinkOnClose: options.unlinkOnClose,
    raiseOnError: false,
  });
  if (!array) return null;
  try {
    checkOwner(array, path);
    checkOrder(array, header, path);
    if (isStale(array, source, options.reload ?? "changed", path)) {
      array.close();
      return "reload";
    }
  } catch (err) {
    array.close();
    throw err;
  }
  return array;
}

// Another user's segment under the name is never taken for the file's contents. (Windows
// mappings have no owner to ask: their names live in the session's namespace.)
function checkOwner(array: SharedArray, path: string): void {
  if (process.platform === "win32") return;
  const segment = mappingOf(array.buffer)!.segment;
  const owner = ownerOf(segment);
  const me = process.geteuid?.();
  if (owner >= 0 && me !== undefined && owner !== me) {
    throw new ExistsError(
      `shared array '${array.name}' belongs to user ${owner}, not to this user (${me}): ` +
        `it is not attached as the contents of file '${path}'`,
    );
  }
}

function checkOrder(array: SharedArray, header: NpyHeader, path: string): void {
  const expected = layoutOf(header).strides;
  if (array.strides.some((s, i) => array.shape[i] > 1 && s !== expected[i])) {
    const order = (fortran: boolean) => (fortran ? "Fortran" : "C");
    throw new ShapeMismatchError(
      `shared array '${array.name}' is in ${order(!header.fortranOrder)} order, file '${path}' ` +
        `in ${order(header.fortranOrder)} order`,
    );
  }
}

// Whether the array was loaded from an older state of the file (and that calls for a reload).
function isStale(
  array: SharedArray,
  source: SourceIdentity,
  reload: NonNullable<ReadOptions["reload"]>,
  path: string,
): boolean {
  if (reload === "never" || array.controlOffset === undefined) return false;
  const segment = mappingOf(array.buffer)!.segment;
  const recorded = sourceOf(readSegment(segment, array.controlOffset, CONTROL_SIZE));
  if (recorded === undefined || sameSource(recorded, source)) return false;
  if (reload === "error") {
    throw new StaleError(
      `shared array '${array.name}' was loaded from file '${path}', which has changed since ` +
        `(pass reload: "changed" to load it again)`,
    );
  }
  return true;
}

const RELOADS: readonly unknown[] = ["changed", "error", "never", undefined];

/** Makes the array (unnamed until complete) with its data copied in from the file. */
function create(
  f: OpenFile,
  header: NpyHeader,
  name: string,
  options: ReadOptions,
  source: SourceIdentity,
  force: boolean,
): SharedArray {
  const head = encodeHeader(header.dtype, header.shape, header.fortranOrder);
  const length = header.dataLength;
  const spec = {
    head,
    dataLength: length,
    layout: layoutOf(header),
    mode: options.mode ?? 0o600,
    force,
    raiseOnError: true,
    track: false,
    unlinkOnClose: !options.readOnly && (options.unlinkOnClose ?? false),
    persistent: options.persistent,
    source,
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
  if (!options.readOnly) return array;
  // Made read-write to fill it; the caller gets a private read-only mapping, as attach. It is
  // attached before the read-write one closes: on Windows a mapping goes with its last handle.
  try {
    return attachSharedArray(name, {
      validateShape: header.shape,
      validateDtype: header.dtype,
      readOnly: true,
      unlinkOnClose: options.unlinkOnClose,
    });
  } finally {
    array.close();
  }
}
