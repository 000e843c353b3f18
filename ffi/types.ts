/**
 * The one interface every FFI backend (Deno, Node, Bun) implements: a runtime-neutral,
 * one-to-one translation of the C shim in `native/npshm.h`. Nothing here knows about
 * arrays; `src/segment.ts` is the only caller.
 *
 * @example
 * ```ts
 * import { loadNative } from "./load.ts";
 * const native: Native = loadNative();
 * console.log(native.abiVersion());
 * ```
 * @module
 */

/** Status codes of the shim (`enum npshm_status` in `native/npshm.h`). */
export const Status = {
  OK: 0,
  EXISTS: 1,
  NOT_FOUND: 2,
  NO_SPACE: 3,
  PERMISSION: 4,
  INVALID: 5,
  STALE: 6,
  BUSY: 7,
  OWNER_DIED: 8,
  TIMED_OUT: 9,
  NOT_EQUAL: 10,
  UNSUPPORTED: 11,
  OTHER: 99,
} as const;

/** ABI version this TypeScript expects from the shim (`NPSHM_ABI_VERSION`). */
export const ABI_VERSION = 1;

/**
 * Slots of the `out` array the shim fills: handle, mapped address, mapped size, OS error.
 *
 * @example
 * ```ts
 * const out = new BigInt64Array(OUT_SLOTS);
 * ```
 */
export const OUT_SLOTS = 4;

/**
 * The shim as seen from TypeScript. Names are NUL-terminated UTF-8 (see `cString`); `out` is a
 * `BigInt64Array(OUT_SLOTS)`. Every method returns a {@link Status} except where noted.
 *
 * @example
 * ```ts
 * import { loadNative } from "./load.ts";
 * const n: Native = loadNative();
 * const out = new BigInt64Array(OUT_SLOTS);
 * if (n.open(cString("frames"), false, out) === Status.OK) n.close(out[0]);
 * ```
 */
export interface Native {
  /** `npshm_abi_version()`. */
  abiVersion(): number;
  /** `npshm_create()`: an unpublished segment holding `head` at its start. */
  create(
    name: Uint8Array,
    size: number,
    mode: number,
    force: boolean,
    head: Uint8Array,
    out: BigInt64Array,
  ): number;
  /** `npshm_publish()`: give a created segment its name, atomically. */
  publish(handle: bigint, name: Uint8Array, force: boolean, out: BigInt64Array): number;
  /** `npshm_open()`: map a whole named segment. */
  open(name: Uint8Array, readOnly: boolean, out: BigInt64Array): number;
  /** `npshm_attach()`: {@link open}, plus the segment's first `head.length` bytes into `head`. */
  attach(name: Uint8Array, readOnly: boolean, out: BigInt64Array, head: Uint8Array): number;
  /** `npshm_release()`: unmap and close in one call. */
  release(addr: bigint, size: number, handle: bigint): number;
  /** `npshm_unmap()`. */
  unmap(addr: bigint, size: number): number;
  /** `npshm_close()`. */
  close(handle: bigint): number;
  /** `npshm_unlink()`; `handle` -1n to unlink whatever the name refers to. */
  unlink(name: Uint8Array, handle: bigint, out: BigInt64Array): number;
  /** `npshm_read()`: copy `dst.length` bytes from a mapped address. Returns nothing. */
  read(addr: bigint, dst: Uint8Array): void;
  /** `npshm_strerror()`: the OS's words for an OS error number. */
  strerror(osError: number): string;
  /**
   * A zero-copy ArrayBuffer over `len` mapped bytes at `addr`. Called at most once per
   * address: V8 refuses two buffers over one address.
   */
  view(addr: bigint, len: number): ArrayBuffer;

  // --- files (native/npshm_file.c) ---
  /** `npshm_file_open()`: out[0] handle, out[2] size; `how` is a {@link FileHow}. */
  fileOpen(path: Uint8Array, how: number, mode: number, out: BigInt64Array): number;
  /** `npshm_file_resize()`: set the size; `reserve` allocates the blocks now. */
  fileResize(handle: bigint, size: number, reserve: boolean, out: BigInt64Array): number;
  /** `npshm_file_map()`: out[1] address, out[2] size; shared or private copy-on-write. */
  fileMap(handle: bigint, size: number, privateCopy: boolean, out: BigInt64Array): number;
  /** `npshm_file_pread()`: fill `dst` from `offset`; out[2] bytes read. */
  filePread(handle: bigint, offset: number, dst: Uint8Array, out: BigInt64Array): number;
  /** `npshm_file_pwrite()`: write all of `src` at `offset`. */
  filePwrite(handle: bigint, offset: number, src: Uint8Array, out: BigInt64Array): number;
  /**
   * `npshm_file_copy()`: `len` bytes of file (or segment) `src` into file (or segment) `dst` at
   * `dstOff`, in the kernel where possible, else read into `dstBuf` (`dst`'s mapped bytes
   * there); with `dstBuf` null, a copy the kernel cannot do fails (out[2]: bytes done).
   */
  fileCopy(
    src: bigint,
    srcOff: number,
    dst: bigint,
    dstOff: number,
    dstBuf: Uint8Array | null,
    len: number,
    out: BigInt64Array,
  ): number;
  /** `npshm_file_sync()`. */
  /** `npshm_file_flush()`: write a shared file mapping back to its file (msync). */
  fileFlush(addr: bigint, len: number, out: BigInt64Array): number;
  fileSync(handle: bigint, out: BigInt64Array): number;
  /** `npshm_file_rename()`: atomic replace; `durable` flushes the directory too. */
  fileRename(from: Uint8Array, to: Uint8Array, durable: boolean, out: BigInt64Array): number;
  /** `npshm_file_remove()`. */
  fileRemove(path: Uint8Array, out: BigInt64Array): number;
  // ---- lifetimes and coordination (native/npshm_sync.c) ----
  /** `npshm_track()`: become a tracker (shared flock + reaper). `flagsAddr` 0n: none. */
  track(
    handle: bigint,
    name: Uint8Array,
    unpublished: boolean,
    flagsAddr: bigint,
    out: BigInt64Array,
  ): number;
  /** `npshm_untrack()`: stop tracking; `out[0]` 1 if this was the last tracker and unlinked. */
  untrack(handle: bigint, name: Uint8Array, out: BigInt64Array): number;
  /** `npshm_unlink_untracked()`: unlink unless a tracker holds it (BUSY). */
  unlinkUntracked(name: Uint8Array, out: BigInt64Array): number;
  /** `npshm_lock()`: the segment's mutex; `tryOnly` gives BUSY instead of waiting. */
  lock(
    handle: bigint,
    offset: number,
    ownerAddr: bigint,
    tryOnly: boolean,
    out: BigInt64Array,
  ): number;
  /** `npshm_lock()` waiting off the JS thread (Deno nonblocking, koffi async; Bun polls). */
  lockAsync(handle: bigint, offset: number, ownerAddr: bigint, out: BigInt64Array): Promise<number>;
  /** `npshm_unlock()`. */
  unlock(handle: bigint, offset: number, ownerAddr: bigint, out: BigInt64Array): number;
  /** `npshm_wait()`: futex wait; `timeoutNs` < 0 waits forever. */
  wait(addr: bigint, expected: number, timeoutNs: bigint, out: BigInt64Array): number;
  /** `npshm_wait()` off the JS thread. */
  waitAsync(addr: bigint, expected: number, timeoutNs: bigint, out: BigInt64Array): Promise<number>;
  /** `npshm_wake()`: `out[0]` = processes woken. */
  wake(addr: bigint, count: number, out: BigInt64Array): number;
  /** `npshm_write()`: copy `src` to a mapped address. Returns nothing. */
  write(addr: bigint, src: Uint8Array): void;
}

/**
 * How `fileOpen` opens a path (`enum npshm_file_how` in `native/npshm.h`).
 *
 * @example
 * ```ts
 * native.fileOpen(cString("a.npy"), FileHow.READ, 0, out);
 * ```
 */
export const FileHow = { READ: 0, WRITE: 1, CREATE: 2, REPLACE: 3 } as const;

const encoder = new TextEncoder();

/**
 * Encodes a string as NUL-terminated UTF-8 for the shim.
 *
 * @example
 * ```ts
 * cString("ab"); // Uint8Array [97, 98, 0]
 * ```
 */
export function cString(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 3 + 1);
  const { written } = encoder.encodeInto(text, bytes);
  return bytes.subarray(0, written + 1);
}
