/**
 * {@link saveSharedArray}: any npshm array (a shared array, a view of one, a memory-mapped
 * `.npy`) to a `.npy` file that `numpy.load` reads, atomically.
 *
 * @example
 * ```ts
 * import { openNpy } from "@npshm/npshm";
 * import { saveSharedArray } from "./save.ts";
 * using genome = openNpy("genome.npy");
 * saveSharedArray(genome.field("pos"), "positions.npy"); // a strided view, saved in C order
 * ```
 * @module
 */
import { gather } from "../array/layout.ts";
import type { NdArray } from "../array/ndarray.ts";
import { encodeHeader } from "../format/header.ts";
import { stridesOf } from "../format/shape.ts";
import {
  closeFile,
  commitFile,
  copySegmentToFile,
  createFile,
  discardFile,
  filePath,
  type OpenFile,
  pwriteFile,
  syncFile,
} from "../os/file.ts";
import { mappingOf } from "../os/mapping.ts";
import type { Segment } from "../os/segment.ts";
import { CHUNK_BYTES, inChunks, type Progress } from "./file_header.ts";

/**
 * Options of {@link saveSharedArray}.
 *
 * @example
 * ```ts
 * const opts: SaveOptions = { durable: false, onProgress: (done, total) => {} };
 * ```
 */
export interface SaveOptions {
  /** Called with bytes done / total while the data is written. */
  onProgress?: Progress;
  /**
   * Flush the file and its directory to disk before returning, so a crash cannot leave a
   * renamed but incomplete file. Default `true`; `false` is as durable as `cp` (and faster).
   */
  durable?: boolean;
  /**
   * Permission bits of the file (POSIX, before the umask). Default: those of the file it
   * replaces (and its owner, where the OS permits), else `0o644`.
   */
  mode?: number;
}

/**
 * Writes `array` to `file` as a `.npy` that `numpy.load` reads: NumPy's own header bytes,
 * the data in the array's order (C, or Fortran for a Fortran-contiguous array; other views
 * are written in C order). The file appears complete or not at all: the bytes go to an unnamed
 * file in its directory (Linux; elsewhere a hidden `.<hex>.npshm-tmp` there), which is flushed
 * (unless `durable: false`) and then takes the name `file`, atomically. On failure, or if the
 * process dies meanwhile, `file` is untouched and (on Linux) nothing is left behind; elsewhere
 * the next save or new file in that folder removes the hidden one. A file it replaces keeps its
 * permission bits and owner.
 *
 * @throws {NoSpaceError} the disk is full; {PermissionDeniedError}; {NotFoundError} no such
 *   directory; {ClosedError} the array was closed
 * @example
 * ```ts
 * import { attachSharedArray } from "@npshm/npshm";
 * using results = attachSharedArray("results");
 * saveSharedArray(results, "results.npy", {
 *   onProgress: (done, total) => console.log(`${Math.round((100 * done) / total)}%`),
 * });
 * // python: numpy.load("results.npy")
 * ```
 */
export function saveSharedArray(array: NdArray, file: string | URL, options: SaveOptions = {}) {
  const durable = options.durable ?? true;
  const f = createFile(filePath(file), options.mode);
  try {
    writeArray(f, array, options.onProgress);
    if (durable) syncFile(f);
    commitFile(f, true, durable);
  } catch (err) {
    discardFile(f, false);
    throw err;
  }
  closeFile(f);
}

function writeArray(f: OpenFile, array: NdArray, onProgress: Progress | undefined): void {
  const fortran = !isC(array) && array.contiguous;
  const head = encodeHeader(array.dtype, array.shape, fortran);
  pwriteFile(f, 0, head);
  const total = array.byteLength;
  if (array.contiguous) {
    const bytes = array.bytes; // zero-copy: the shim writes straight from shared memory
    const source = kernelSource(array);
    inChunks(total, (at, n) => {
      const done = source
        ? copySegmentToFile(source.segment, source.offset + at, f, head.length + at, n)
        : 0;
      if (done < n) pwriteFile(f, head.length + at + done, bytes.subarray(at + done, at + n));
    }, onProgress);
    return;
  }
  // Strided views: gathered in C order, one chunk at a time.
  const rows = Math.max(1, array.shape[0] ?? 1);
  const rowBytes = total / rows;
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / Math.max(1, rowBytes)));
  for (let r = 0; r < rows; r += perChunk) {
    const part = array.slice(r, Math.min(rows, r + perChunk));
    const out = new Uint8Array(part.byteLength);
    gather(part, part.buffer, out, (dst, src, at) => dst.set(src.subarray(at, at + dst.length)));
    pwriteFile(f, head.length + r * rowBytes, out);
    onProgress?.(Math.min(total, (r + perChunk) * rowBytes), total);
  }
}

// Where the kernel can copy the array's bytes from its segment's descriptor: that never
// touches the mapping, so pages this process never faulted in cost no page faults. Not for a
// copy-on-write mapping, whose private pages may differ from the segment.
function kernelSource(array: NdArray): { segment: Segment; offset: number } | undefined {
  const mapping = mappingOf(array.buffer);
  if (!mapping || mapping.copyOnWrite) return undefined;
  return { segment: mapping.segment, offset: mapping.dataOffset + array.byteOffset };
}

function isC(array: NdArray): boolean {
  const c = stridesOf(array.shape, array.dtype.itemsize, false);
  return array.strides.every((s, i) => array.shape[i] <= 1 || s === c[i]);
}
