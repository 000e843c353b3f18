/**
 * What `.npy` readers and writers share: the header of an open file, checked against the
 * file's size, and copying in chunks with progress reports.
 *
 * @example
 * ```ts
 * import { closeFile, openFile, preadFile } from "../os/file.ts";
 * import { inChunks, readFileHeader } from "./file_header.ts";
 * const f = openFile("a.npy", "read");
 * const header = readFileHeader(f); // checked: the data it promises is in the file
 * const data = new Uint8Array(header.dataLength);
 * inChunks(data.length, (at, n) => {
 *   preadFile(f, header.dataOffset + at, data.subarray(at, at + n));
 * }, (done, total) => console.log(`${done} of ${total} bytes`));
 * closeFile(f);
 * ```
 * @module
 */
import { refuseObjects } from "../format/dtype.ts";
import { CorruptHeaderError } from "../format/errors.ts";
import { type NpyHeader, readNpyHeader } from "../format/header.ts";
import { type OpenFile, preadFile } from "../os/file.ts";

/**
 * Called as a long copy goes: `done` of `total` bytes so far (at least once, at the end).
 * Throwing from it aborts the copy, which then leaves nothing behind.
 *
 * @example
 * ```ts
 * const onProgress: Progress = (done, total) => console.log(`${(100 * done / total) | 0}%`);
 * ```
 */
export type Progress = (done: number, total: number) => void;

/** Bytes moved per shim call between progress reports: large enough to cost nothing. */
export const CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * The decoded header of an open `.npy` file, checked: the data it describes fits in the
 * file, and its dtype holds no Python object pointers.
 *
 * @throws {CorruptHeaderError} bad magic, unreadable or lying header, truncated file
 * @throws {InvalidArgumentError} object dtype (pickled Python objects)
 * @example
 * ```ts
 * import { closeFile, openFile } from "../os/file.ts";
 * const f = openFile("a.npy", "read");
 * try {
 *   const { shape, dtype, fortranOrder } = readFileHeader(f);
 *   console.log(shape, dtype.descr, fortranOrder);
 * } finally {
 *   closeFile(f);
 * }
 * ```
 */
export function readFileHeader(f: OpenFile): NpyHeader {
  const what = `file '${f.path}'`;
  // Object arrays are pickled after the header: refused as objects, whatever their size.
  return readNpyHeader((at, n) => readExactly(f, at, n), f.size, what, (header) => {
    refuseObjects(header.dtype, what);
  });
}

function readExactly(f: OpenFile, offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const n = preadFile(f, offset, bytes);
  if (n < length) throw new CorruptHeaderError(`it ended after ${offset + n} bytes`);
  return bytes;
}

/**
 * Runs `step(offset, length)` over `total` bytes in chunks, reporting progress after each.
 *
 * @example
 * ```ts
 * const steps: number[] = [];
 * inChunks(150 * 2 ** 20, (at, n) => steps.push(n / 2 ** 20), undefined);
 * steps; // [64, 64, 22]: MiB per call, CHUNK_BYTES at most
 * ```
 */
export function inChunks(
  total: number,
  step: (offset: number, length: number) => void,
  onProgress: Progress | undefined,
): void {
  for (let done = 0; done < total;) {
    const n = Math.min(CHUNK_BYTES, total - done);
    step(done, n);
    done += n;
    onProgress?.(done, total);
  }
  if (total === 0) onProgress?.(0, 0);
}
