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
}

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
