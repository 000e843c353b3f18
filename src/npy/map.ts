/**
 * Memory-mapped `.npy` files: {@link openNpy} (NumPy's `numpy.load(path, mmap_mode=...)`) and
 * {@link createNpy} (NumPy's `numpy.lib.format.open_memmap(path, "w+", ...)`). The file's
 * pages are the array: nothing is read up front, so files larger than memory work and only
 * the pages touched are loaded.
 *
 * @example
 * ```ts
 * import { createNpy, openNpy } from "./map.ts";
 * using out = createNpy("out.npy", { shape: [1000, 3], dtype: "float32" });
 * out.set([0, 0], 1.5);
 * using again = openNpy("out.npy", { mode: "r" });
 * ```
 * @module
 */
import { encodeFill, fillPattern } from "../array/fill.ts";
import { type Layout, layoutOf } from "../array/layout.ts";
import { NdArray } from "../array/ndarray.ts";
import { type DType, parseDType, refuseObjects } from "../format/dtype.ts";
import { InvalidArgumentError } from "../format/errors.ts";
import { encodeHeader, type NpyHeader } from "../format/header.ts";
import { byteLengthOf, formatShape, normalizeShape } from "../format/shape.ts";
import type { ArrayFor, Scalar, ScalarFor, TypedArray } from "../format/typed.ts";
import { checkHeader, expectationOf, type Validation } from "../format/validate.ts";
import {
  closeFile,
  commitFile,
  createFile,
  discardFile,
  filePath,
  flushMapping,
  mapFile,
  type OpenFile,
  openFile,
  pwriteFile,
  resizeFile,
} from "../os/file.ts";
import { Mapping } from "../os/mapping.ts";
import { readFileHeader } from "./file_header.ts";

/**
 * How {@link openNpy} maps a file, as NumPy's `mmap_mode`.
 *
 * @example
 * ```ts
 * const mode: NpyMode = "c"; // copy-on-write: try changes without touching the file
 * using draft = openNpy("data.npy", { mode });
 * ```
 */
export type NpyMode = "r" | "r+" | "c";

/**
 * A `.npy` file mapped into memory: an {@link NdArray} whose bytes are the file's.
 * `close()` (or `using`) detaches every view and unmaps; in mode `r+` the writes are already
 * in the file (the OS writes them to disk in its own time).
 *
 * @example
 * ```ts
 * using a = openNpy("big.npy", { mode: "r+" });
 * a.set([0], 42);
 * ```
 */
export class NpyFile<T extends TypedArray = TypedArray, S extends Scalar = Scalar>
  extends NdArray<T, S> {
  /** The file's path. */
  readonly path: string;
  /** `r` read-only, `r+` writes reach the file, `c` writes stay in this process. */
  readonly mode: NpyMode;

  #mapping: Mapping;

  /** @internal Use {@link openNpy} / {@link createNpy}. */
  constructor(path: string, mode: NpyMode, mapping: Mapping, layout: Layout) {
    super(mapping, layout);
    this.path = path;
    this.mode = mode;
    this.#mapping = mapping;
  }

  /**
   * Writes changes made through this mapping back to the file and waits until they are there,
   * like numpy's `memmap.flush()`. Nothing to do for `"r"` and `"c"` (private) mappings.
   *
   * @throws {ClosedError} the file was closed
   * @example
   * ```ts
   * using out = createNpy("out.npy", { shape: [1000], dtype: "float64", overwrite: true });
   * out.set(0, 1.5);
   * out.flush(); // on disk now, not only in the page cache
   * ```
   */
  flush(): void {
    void this.#mapping.buffer; // ClosedError after close(): the segment is unmapped
    if (this.mode === "r+") flushMapping(this.#mapping.segment);
  }

  /** Detaches every view, then unmaps the file. Idempotent. */
  close(): void {
    this.#mapping.close();
  }

  /** `using a = openNpy(...)` closes `a` at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Options of {@link openNpy}.
 *
 * @example
 * ```ts
 * const opts: OpenNpyOptions = { mode: "r+", validateDtype: "f8" };
 * ```
 */
export interface OpenNpyOptions<D extends string | DType = string | DType> extends Validation<D> {
  /**
   * `"r"` (default): read-only (`set` throws; stray writes through `data` stay private);
   * `"r+"`: read-write, writes reach the file; `"c"`: copy-on-write, writes stay in this
   * process.
   */
  mode?: NpyMode;
}

/**
 * Opens a `.npy` file as a zero-copy array over its memory-mapped bytes: the JS
 * `numpy.load(path, mmap_mode=mode)`. Any version NumPy writes, C or Fortran order, every
 * dtype but object. Data at an offset not aligned for its dtype (other writers) still
 * works through `get`/`set`; only `data` needs alignment.
 *
 * Like NumPy's memmap, the mapping assumes the file keeps its size: another process that
 * truncates it while it is mapped makes access to the lost pages fail (SIGBUS).
 *
 * @throws {NotFoundError} / {PermissionDeniedError} opening the file
 * @throws {CorruptHeaderError} not a valid `.npy`, or shorter than its header says
 * @throws {InvalidArgumentError} object dtype
 * @throws {ShapeMismatchError} / {DTypeMismatchError} validation failed
 * @example
 * ```ts
 * using a = openNpy("prices.npy"); // read-only
 * console.log(a.shape, a.dtype.name, a.get([0, 0]));
 * ```
 */
export function openNpy<D extends string | DType = string>(
  path: string | URL,
  options: OpenNpyOptions<D> = {},
): NpyFile<ArrayFor<D>, ScalarFor<D>> {
  const mode = options.mode ?? "r";
  if (mode !== "r" && mode !== "r+" && mode !== "c") {
    throw new InvalidArgumentError(`openNpy: mode must be "r", "r+" or "c", got ${String(mode)}`);
  }
  const f = openFile(filePath(path), mode === "r+" ? "write" : "read");
  let header: NpyHeader;
  try {
    header = readFileHeader(f);
    checkHeader(header, expectationOf(options), `file '${f.path}'`);
  } catch (err) {
    closeFile(f);
    throw err;
  }
  return mapNpy(f, header, mode) as NpyFile<ArrayFor<D>, ScalarFor<D>>;
}

/** Maps an open file whose header is known; the mapping owns the file's handle from here. */
function mapNpy(f: OpenFile, header: NpyHeader, mode: NpyMode): NpyFile {
  let segment;
  try {
    segment = mapFile(f, mode !== "r+");
  } catch (err) {
    closeFile(f);
    throw err;
  }
  const label = `npy file '${f.path}'`;
  const mapping = new Mapping(
    segment,
    header.dataOffset,
    header.dataLength,
    mode === "r",
    label,
    false,
  );
  mapping.copyOnWrite = mode !== "r+";
  return new NpyFile(f.path, mode, mapping, layoutOf(header));
}

/**
 * Options of {@link createNpy}.
 *
 * @example
 * ```ts
 * const opts: CreateNpyOptions = { shape: [1 << 20], dtype: "<f8", sparse: true };
 * ```
 */
export interface CreateNpyOptions<D extends string | DType = string | DType> {
  /** Extent of each axis; a number for 1-d, `[]` for 0-d. */
  shape: number | readonly number[];
  /** Element type (any dtype but object). */
  dtype: D;
  /** `"C"` (default) or `"F"`. */
  order?: "C" | "F";
  /** Value every element starts with; default zeros. */
  fill?: unknown;
  /**
   * Replace an existing file, atomically: it stays as it was until the new one is complete
   * (sized, reserved, filled), so a full disk or a crash leaves it untouched. Default `false`:
   * {@link ExistsError}.
   */
  overwrite?: boolean;
  /**
   * Leave the file sparse, as NumPy's `open_memmap` does: no disk space is taken until pages
   * are written, so arrays larger than the disk's free space can be made — but a write to an
   * unallocated page on a full disk then faults (SIGBUS). Default `false`: the blocks are
   * reserved up front (instantly, without writing them) and a full disk is a
   * {@link NoSpaceError} here.
   */
  sparse?: boolean;
  /**
   * Permission bits of the file (POSIX, before the umask). Default: those of the file it
   * replaces (and its owner, where the OS permits), else `0o644`.
   */
  mode?: number;
}

/**
 * Creates a `.npy` file of a given shape and dtype and maps it read-write (mode `r+`): the JS
 * `numpy.lib.format.open_memmap(path, mode="w+", ...)`. Writes go straight to the file.
 *
 * @throws {ExistsError} the file exists (without `overwrite`)
 * @throws {NoSpaceError} not enough disk space (unless `sparse`)
 * @throws {InvalidArgumentError} bad shape, dtype, order or fill
 * @example
 * ```ts
 * using grid = createNpy("grid.npy", { shape: [4096, 4096], dtype: "float32", fill: 0 });
 * grid.set([1, 2], 3.5); // numpy.load("grid.npy")[1, 2] == 3.5
 * ```
 */
export function createNpy<D extends string | DType>(
  path: string | URL,
  options: CreateNpyOptions<D>,
): NpyFile<ArrayFor<D>, ScalarFor<D>> {
  const file = filePath(path);
  const { shape, dtype, fortran } = planNpy(file, options);
  const head = encodeHeader(dtype, shape, fortran);
  const dataLength = byteLengthOf(shape, dtype.itemsize);
  const fill = options.fill === undefined
    ? undefined
    : encodeFill(dtype, options.fill, `npy file '${file}'`);
  const overwrite = options.overwrite ?? false;
  const f = createFile(file, options.mode);
  try {
    resizeFile(f, head.length + dataLength, !options.sparse);
    pwriteFile(f, 0, head);
  } catch (err) {
    discardFile(f, false);
    throw err;
  }
  let array: NpyFile;
  try {
    const header = { dtype, shape, fortranOrder: fortran, dataOffset: head.length, dataLength };
    array = mapNpy(f, { ...header, version: [1, 0] }, "r+");
  } catch (err) {
    discardFile(f, true); // the mapping released the handle
    throw err;
  }
  try {
    if (fill) fillPattern(array.buffer, fill);
    commitFile(f, overwrite, false); // only now does an existing file go
  } catch (err) {
    array.close();
    discardFile(f, true);
    throw err;
  }
  return array as NpyFile<ArrayFor<D>, ScalarFor<D>>;
}

function planNpy(file: string, options: CreateNpyOptions<string | DType>) {
  if (options === null || typeof options !== "object") {
    throw new InvalidArgumentError(`createNpy('${file}'): options { shape, dtype } are required`);
  }
  const shape = normalizeShape(options.shape);
  const dtype = parseDType(options.dtype);
  refuseObjects(dtype, `createNpy('${file}')`);
  const order = options.order ?? "C";
  if (order !== "C" && order !== "F") {
    throw new InvalidArgumentError(`createNpy('${file}'): order must be "C" or "F"`);
  }
  if (!Number.isSafeInteger(byteLengthOf(shape, dtype.itemsize) + 65536)) {
    throw new InvalidArgumentError(`createNpy('${file}'): ${formatShape(shape)} is too large`);
  }
  return { shape, dtype, fortran: order === "F" };
}
