/**
 * Files on disk as bytes: open, size, map, read and write at offsets, copy into a segment,
 * flush, atomic rename. The segment layer's counterpart for `.npy` files (`../npy/` reads and
 * writes their format); like `segment.ts` its failures are typed errors that name the file.
 *
 * @example
 * ```ts
 * import { closeFile, openFile, preadFile } from "./file.ts";
 * const f = openFile("data.npy", "read");
 * const magic = preadFile(f, 0, new Uint8Array(6));
 * closeFile(f);
 * ```
 * @module
 */
import { randomBytes } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cString, FileHow, OUT_SLOTS, Status } from "../../ffi/contract.ts";
import { InvalidArgumentError } from "../format/errors.ts";
import { granted } from "./granted.ts";
import { failure as statusFailure, shim } from "./native.ts";
import { type Segment, withHandle } from "./segment.ts";

/** An open file. */
export interface OpenFile {
  /** The path as given (for messages). */
  readonly path: string;
  /** OS handle (fd or HANDLE) until closed or handed to a mapping. */
  readonly handle: bigint;
  /** Size in bytes when opened (or last resized). */
  size: number;
}

/** How {@link openFile} opens a path. */
export type OpenHow = "read" | "write" | "create";

// Every shim call is synchronous, so one scratch out-array serves them all.
const out = new BigInt64Array(OUT_SLOTS);

const HOW = { read: FileHow.READ, write: FileHow.WRITE, create: FileHow.CREATE } as const;

/**
 * A path given as a string or a `file:` URL, as a string path.
 *
 * @throws {InvalidArgumentError} empty, not a string/URL, or a URL of another scheme
 * @example
 * ```ts
 * filePath(new URL("file:///tmp/a.npy")); // "/tmp/a.npy"
 * ```
 */
export function filePath(path: string | URL): string {
  if (path instanceof URL) {
    if (path.protocol !== "file:") {
      throw new InvalidArgumentError(`only file: URLs name files, got ${path.protocol} URL`);
    }
    return fileURLToPath(path);
  }
  if (typeof path !== "string" || path === "" || path.includes("\0")) {
    throw new InvalidArgumentError(`a file path must be a non-empty string or a file: URL`);
  }
  return path;
}

/**
 * Opens a regular file; `mode` is the permission bits a created file gets (POSIX).
 *
 * @throws {NotFoundError} / {ExistsError} / {PermissionDeniedError} / {InvalidArgumentError}
 * @example
 * ```ts
 * const f = openFile("out.npy", "create", 0o644); // ExistsError if it exists
 * closeFile(f);
 * ```
 */
export function openFile(path: string, how: OpenHow, mode = 0o644): OpenFile {
  const status = shim().npshm_file_open(cString(path), HOW[how], mode, out);
  if (status !== Status.OK) throw failure(status, `open file '${path}'`);
  return { path, handle: out[0], size: Number(out[2]) };
}

/**
 * Closes a file (not one handed to a mapping: the mapping closes it).
 *
 * @example
 * ```ts
 * const f = openFile("data.npy", "read");
 * try {
 *   console.log(f.size);
 * } finally {
 *   closeFile(f);
 * }
 * ```
 */
export function closeFile(f: OpenFile): void {
  shim().npshm_close(f.handle);
}

/**
 * Sets the file's size; `reserve` allocates its blocks now so a shared mapping of it cannot
 * fault on a full disk.
 *
 * @example
 * ```ts
 * const f = openFile("scratch.bin", "create");
 * resizeFile(f, 1 << 20, true); // 1 MiB reserved now: a full disk fails here, not on a write
 * closeFile(f);
 * ```
 */
export function resizeFile(f: OpenFile, size: number, reserve: boolean): void {
  const status = shim().npshm_file_resize(f.handle, BigInt(size), +reserve, out);
  if (status !== Status.OK) throw failure(status, `size file '${f.path}' to ${size} bytes`);
  f.size = size;
}

/**
 * Maps the whole file, shared or private copy-on-write, as a {@link Segment} that owns the
 * file's handle from now on (released with `releaseSegment`).
 *
 * @example
 * ```ts
 * import { readSegment, releaseSegment } from "./segment.ts";
 * const seg = mapFile(openFile("data.npy", "read"), true); // private; it owns the handle now
 * new TextDecoder().decode(readSegment(seg, 1, 5)); // "NUMPY"
 * releaseSegment(seg); // unmaps, and closes the file
 * ```
 */
export function mapFile(f: OpenFile, privateCopy: boolean): Segment {
  const status = shim().npshm_file_map(f.handle, BigInt(f.size), +privateCopy, out);
  if (status !== Status.OK) throw failure(status, `map file '${f.path}' (${f.size} bytes)`);
  return { name: f.path, handle: f.handle, addr: out[1], size: Number(out[2]) };
}

/**
 * Reads into `dst` from `offset`; returns the bytes read (fewer only at end of file).
 *
 * @example
 * ```ts
 * const f = openFile("data.npy", "read");
 * const n = preadFile(f, 0, new Uint8Array(128)); // 128, or fewer if the file is shorter
 * closeFile(f);
 * ```
 */
export function preadFile(f: OpenFile, offset: number, dst: Uint8Array): number {
  if (dst.length === 0) return 0;
  const status = shim().npshm_file_pread(f.handle, BigInt(offset), dst, BigInt(dst.length), out);
  if (status !== Status.OK) throw failure(status, `read file '${f.path}'`);
  return Number(out[2]);
}

/**
 * Writes all of `src` at `offset`.
 *
 * @throws {NoSpaceError} the disk is full
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { encodeHeader } from "../format/header.ts";
 * const f = openFile("empty.npy", "create");
 * pwriteFile(f, 0, encodeHeader(parseDType("<f8"), [0], false)); // a .npy of no elements
 * closeFile(f);
 * ```
 */
export function pwriteFile(f: OpenFile, offset: number, src: Uint8Array): void {
  if (src.length === 0) return;
  const status = shim().npshm_file_pwrite(f.handle, BigInt(offset), src, BigInt(src.length), out);
  if (status !== Status.OK) throw failure(status, `write file '${f.path}'`);
}

/**
 * Copies `dst.length` bytes of the file at `offset` into segment `seg` at `segOffset`, where
 * `dst` is the segment's own mapped bytes there: in the kernel where the OS can, else read
 * straight into `dst`. Returns the bytes copied (fewer only if the file ended early).
 *
 * @example
 * ```ts
 * import type { Segment } from "./segment.ts";
 * // Loads n bytes of a file's data (from byte `at`) into a segment whose data starts at 128;
 * // `data` is the segment's mapped data (src/os/mapping.ts makes it).
 * function load(f: OpenFile, at: number, seg: Segment, data: ArrayBuffer, n: number): void {
 *   const got = copyIntoSegment(f, at, seg, 128, new Uint8Array(data, 0, n));
 *   if (got < n) throw new Error(`${f.path} ended ${n - got} bytes early`);
 * }
 * ```
 */
export function copyIntoSegment(
  f: OpenFile,
  offset: number,
  seg: Segment,
  segOffset: number,
  dst: Uint8Array,
): number {
  if (dst.length === 0) return 0;
  const status = shim().npshm_file_copy(
    f.handle,
    BigInt(offset),
    seg.handle,
    BigInt(segOffset),
    dst,
    BigInt(dst.length),
    out,
  );
  if (status !== Status.OK) {
    throw failure(status, `copy file '${f.path}' into shared array '${seg.name}'`);
  }
  return Number(out[2]);
}

/**
 * Copies `length` bytes of a segment (or mapped file) from `segOffset` into file `f` at
 * `offset`, inside the kernel, from the segment's descriptor: no page of the mapping is touched.
 * Returns the bytes copied; fewer (possibly 0) where the kernel cannot do it, and the caller
 * writes the rest from the mapped bytes.
 *
 * @example
 * ```ts
 * import type { Segment } from "./segment.ts";
 * // Saves a segment's data (mapped as `data`, at byte 128) after a file's 128-byte header.
 * function save(seg: Segment, data: Uint8Array, f: OpenFile): void {
 *   const done = copySegmentToFile(seg, 128, f, 128, data.length); // in the kernel, if it can
 *   if (done < data.length) pwriteFile(f, 128 + done, data.subarray(done)); // the rest
 * }
 * ```
 */
export function copySegmentToFile(
  seg: Segment,
  segOffset: number,
  f: OpenFile,
  offset: number,
  length: number,
): number {
  if (length === 0) return 0;
  // A let-go handle is reopened for the copy; if the name is gone, the caller writes it all.
  return withHandle(seg, (handle) => {
    const status = shim().npshm_file_copy(
      handle,
      BigInt(segOffset),
      f.handle,
      BigInt(offset),
      null,
      BigInt(length),
      out,
    );
    const done = Number(out[2]);
    if (status === Status.OK || status === Status.INVALID) return done; // INVALID: not here
    throw failure(status, `copy shared array '${seg.name}' into file '${f.path}'`);
  }, () => 0);
}

/**
 * Writes a shared file mapping's changed pages back to its file and waits for it (msync).
 *
 * @example
 * ```ts
 * import { releaseSegment } from "./segment.ts";
 * const seg = mapFile(openFile("data.npy", "write"), false); // shared: writes reach the file
 * // ... writes through a view of seg ...
 * flushMapping(seg); // they are on disk when this returns
 * releaseSegment(seg);
 * ```
 */
export function flushMapping(seg: Segment): void {
  const status = shim().npshm_file_flush(seg.addr, BigInt(seg.size), out);
  if (status !== Status.OK) throw failure(status, `flush '${seg.name}'`);
}

/**
 * Flushes the file's data to disk.
 *
 * @example
 * ```ts
 * const f = openFile("log.bin", "create");
 * pwriteFile(f, 0, new Uint8Array([1, 2, 3]));
 * syncFile(f); // on disk, not only in the page cache
 * closeFile(f);
 * ```
 */
export function syncFile(f: OpenFile): void {
  const status = shim().npshm_file_sync(f.handle, out);
  if (status !== Status.OK) throw failure(status, `flush file '${f.path}'`);
}

/**
 * Renames `from` to `to`: with `replace` atomically replacing `to`, without it an
 * {@link ExistsError} if `to` exists (which is left alone). `durable` also flushes the
 * directory.
 *
 * @example
 * ```ts
 * renameFile("a.npy.tmp", "a.npy", true, true);
 * ```
 */
export function renameFile(from: string, to: string, replace: boolean, durable: boolean): void {
  const status = shim().npshm_file_rename(cString(from), cString(to), +replace, +durable, out);
  if (status !== Status.OK) throw failure(status, `rename '${from}' to '${to}'`);
}

/**
 * Takes this process's claim on a file without waiting: an exclusive lock (Windows: on one
 * byte far past any data, which mapped views ignore; POSIX: flock) that the OS drops when the
 * handle closes or the process dies. False if another handle holds it. A claim says "a live
 * process is still writing this": files that nobody claims are left over by crashes.
 *
 * @example
 * ```ts
 * const f = openFile(".1a2b3c4d5e6f.npshm-tmp", "write");
 * if (claimFile(f)) console.log("its writer is gone");
 * closeFile(f);
 * ```
 */
export function claimFile(f: OpenFile): boolean {
  const status = shim().npshm_file_claim(f.handle, out);
  if (status === Status.BUSY) return false;
  if (status !== Status.OK) throw failure(status, `lock file '${f.path}'`);
  return true;
}

/**
 * Removes a file; returns false if it was not there. Never throws: it cleans up after
 * failures, where the first error is the one to report.
 *
 * @example
 * ```ts
 * removeFile("a.npy.tmp");
 * ```
 */
export function removeFile(path: string): boolean {
  try {
    return shim().npshm_file_remove(cString(path), out) === Status.OK;
  } catch {
    return false;
  }
}

function failure(status: number, what: string) {
  return statusFailure(status, what, out, "file");
}

/**
 * A file being made for `path` that takes that name only when {@link commitFile} says so, so a
 * reader sees the old file or the complete new one, never a part. Its bytes go to an unnamed
 * file in `path`'s directory (Linux `O_TMPFILE`: nothing is left if the process dies), else to a
 * short hidden name there (`.<12 hex digits>.npshm-tmp`), renamed to `path` at the end.
 */
export interface NewFile extends OpenFile {
  /** The name it takes. */
  readonly target: string;
  /** `unnamed` (O_TMPFILE) or `temporary` (a hidden name). */
  readonly how: "unnamed" | "temporary";
  /** Where the bytes are until the commit. */
  readonly at: string;
  /** Whether it takes the permission bits and owner of the file it replaces. */
  readonly adopt: boolean;
}

/**
 * Starts a {@link NewFile} for `path`. `mode`: its permission bits (before the umask); without
 * it the file gets 0o644, or, replacing a file, that file's bits and (where permitted) owner.
 *
 * @example
 * ```ts
 * const f = createFile("out.bin", undefined); // will replace out.bin, keeping its mode
 * try {
 *   pwriteFile(f, 0, new Uint8Array([1, 2, 3]));
 *   syncFile(f);
 *   commitFile(f, true, true); // out.bin is now the new file, complete
 * } catch (err) {
 *   discardFile(f, false); // out.bin untouched, nothing left behind
 *   throw err;
 * }
 * closeFile(f);
 * ```
 */
export function createFile(path: string, mode: number | undefined): NewFile {
  const adopt = mode === undefined;
  const bits = mode ?? 0o644;
  const status = shim().npshm_file_open(cString(path), FileHow.TEMP, bits, out);
  if (status === Status.OK) {
    return { path, handle: out[0], size: 0, target: path, how: "unnamed", at: path, adopt };
  }
  if (status !== Status.UNSUPPORTED) throw failure(status, `create a file for '${path}'`);
  const dir = dirname(path);
  removeOrphanTemporaries(dir);
  const at = join(dir, `.${randomBytes(6).toString("hex")}.npshm-tmp`);
  const f: NewFile = { ...openFile(at, "create", bits), target: path, how: "temporary", at, adopt };
  try {
    claimFile(f);
  } catch {
    // no locks on this file system: nobody can claim its files, so no one removes this one
  }
  return f;
}

// The hidden name of a temporary file, as createFile gives it.
const TEMPORARY = /^\.[0-9a-f]{12}\.npshm-tmp$/;

// A creator claims its file right after making it: a younger file may be one that has not yet.
const ORPHAN_AFTER_MS = 10_000;

/**
 * Removes from `dir` the hidden files {@link createFile} made for processes that died before
 * naming them (killed mid-save, or the machine lost power): files of that name that no live
 * process claims ({@link claimFile}) and that were last written over 10 s ago. They were never
 * under the name they were meant for. Returns their names. Never throws: a folder it cannot
 * read (on Deno: was not granted reading) is left alone. {@link createFile} calls it.
 *
 * @example
 * ```ts
 * removeOrphanTemporaries("/data"); // [".0123456789ab.npshm-tmp"] after a save was killed
 * ```
 */
export function removeOrphanTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = granted({ name: "read", path: dir }) ? readdirSync(dir) : [];
  } catch {
    return [];
  }
  return names.filter((n) => TEMPORARY.test(n) && removeIfOrphan(join(dir, n)));
}

function removeIfOrphan(path: string): boolean {
  try {
    // Age first: a file this young is never opened, so its creator's claim always succeeds.
    if (Date.now() - statSync(path).mtimeMs < ORPHAN_AFTER_MS) return false;
    const f = openFile(path, "write");
    try {
      if (!claimFile(f)) return false; // its creator is alive
    } finally {
      closeFile(f);
    }
  } catch {
    return false; // gone meanwhile, not ours to open, or no locks on this file system
  }
  return removeFile(path);
}

/**
 * Gives a {@link NewFile} its name: atomically over an existing file with `replace`;
 * `durable` also flushes the directory (flush the file itself first: {@link syncFile}).
 *
 * @throws {ExistsError} `replace` is false and the name is taken
 * @example
 * ```ts
 * const f = createFile("grid.bin", undefined);
 * resizeFile(f, 4096, true);
 * commitFile(f, false, false); // ExistsError if grid.bin appeared meanwhile
 * closeFile(f);
 * ```
 */
export function commitFile(f: NewFile, replace: boolean, durable: boolean): void {
  if (f.adopt) {
    const status = shim().npshm_file_adopt(f.handle, cString(f.target), out);
    if (status !== Status.OK) throw failure(status, `give '${f.target}''s permissions to its copy`);
  }
  if (f.how === "unnamed") {
    const status = shim().npshm_file_link(f.handle, cString(f.target), +replace, +durable, out);
    if (status !== Status.OK) throw failure(status, `name file '${f.target}'`);
  } else if (f.how === "temporary") {
    renameFile(f.at, f.target, replace, durable);
  }
}

/**
 * Drops a {@link NewFile} that will not be committed: closes it (unless `closed`: a mapping
 * already released its handle) and removes what has a name. Never throws.
 *
 * @example
 * ```ts
 * const f = createFile("half.bin", undefined);
 * discardFile(f, false); // as if it had never been started
 * ```
 */
export function discardFile(f: NewFile, closed: boolean): void {
  if (!closed) {
    try {
      closeFile(f);
    } catch {
      // cleaning up after a failure: the first error is the one to report
    }
  }
  if (f.how !== "unnamed") removeFile(f.at);
}
