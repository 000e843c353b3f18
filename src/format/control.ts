/**
 * The control block: 128 bytes of npshm's own after an array's data, where the lock, the
 * "ever tracked" flag and the creation time live. NumPy ignores bytes after the data (a
 * segment stays a valid `.npy` stream); segments made by Python have no control block and
 * keep working for everything except `lock()` (an {@link UnsupportedError}: their bytes have
 * no room for a lock word, so a dead holder could not be reported).
 *
 * Where: at the data's end rounded up to 64 ({@link controlOffset}); attach looks there and
 * accepts the block only if the segment is long enough for the size the block states and the
 * magic matches.
 *
 * Layout, little-endian (version 2):
 *
 * | bytes | field |
 * |---|---|
 * | 0-7 | magic `NPSHM-CB` |
 * | 8-9 | version (u16, 2) |
 * | 10-11 | size of the block (u16, 128) |
 * | 12-15 | flags (u32; bit 0: some process tracked it, set atomically by the shim; bit 1: bytes 64-95 hold the source file's identity) |
 * | 16-23 | creation time, ms since the Unix epoch (f64) |
 * | 24-27 | lock word (u32): 0 when free, else the holder's token id (bits 0-29), bit 31 set if a locker may sleep on it (README: "The lock protocol") |
 * | 28-31 | lock holder's pid (u32), written after taking the lock and cleared before releasing it |
 * | 32-55 | reserved for the lock, zero |
 * | 56-63 | creation nonce (u64): random and never 0, written once when the segment is made; on macOS (which gives shared memory no inode) it tells one segment under a name from another |
 * | 64-95 | the source file's identity (`readSharedArray`; flags bit 1): size, mtime in ns, inode, device (u64 each) |
 * | 96-127 | reserved, zero |
 *
 * Version 1 (npshm before the v2 lock) was 64 bytes: bytes 0-23 as above, 24-27 the pid of
 * the lock holder, whose file bytes were an OFD lock. A newer version keeps these fields
 * where they are. A block of another version is still listed, but `lock()` refuses it with an
 * {@link UnsupportedError} rather than guess its protocol.
 *
 * @example
 * ```ts
 * import { controlOffset, decodeControl, encodeControl } from "./control.ts";
 * const at = controlOffset(128, 10); // 192
 * decodeControl(encodeControl(0))?.version; // 2
 * ```
 * @module
 */
import { ALIGN } from "./header.ts";

/** Bytes of a control block. */
export const CONTROL_SIZE = 128;
/** Bytes of the smallest control block there was (version 1). */
export const CONTROL_MIN_SIZE = 64;
/** The version this code writes and locks. */
export const CONTROL_VERSION = 2;
/** Offset of the flags word in the block. */
export const FLAGS_FIELD = 12;
/** Offset of the lock word in the block (version 2; README: "The lock protocol"). */
export const LOCK_FIELD = 24;
/** Offset of the lock holder's pid in the block (version 2). */
export const LOCK_PID_FIELD = 28;
/**
 * Offset of the creation nonce in the block: what tells two segments of one name apart where
 * the system gives shared memory no inode (macOS; `native/npshm_track_files.c`).
 */
export const NONCE_FIELD = 56;
/** The bits of the lock word that hold the holder's token id. */
export const LOCK_ID_MASK = 0x3fffffff;
/** File offset of the byte whose write lock is the lock token of id 0 (`NPSHM_LOCK_TOKENS_AT`). */
export const LOCK_TOKENS_AT = 1n << 61n;

const MAGIC = new TextEncoder().encode("NPSHM-CB");

/** A decoded control block. */
export interface ControlBlock {
  /** Layout version (2; 1 from npshm before the v2 lock). */
  readonly version: number;
  /** Some process tracked the segment at some point (`track: true`). */
  readonly everTracked: boolean;
  /** When the segment was created. */
  readonly createdAt: Date;
  /** Pid of the lock holder, 0 if free (or its holder unlocked cleanly). */
  readonly ownerPid: number;
  /** The lock word: 0 if free, else the holder's token id and flags (version 2; else 0). */
  readonly lockWord: number;
  /** The creation nonce (never 0), or 0n from an npshm that wrote none. */
  readonly nonce: bigint;
}

/**
 * Byte offset of the control block of an array whose data is `dataLength` bytes at
 * `dataOffset`: the data's end rounded up to {@link ALIGN}.
 *
 * @example
 * ```ts
 * controlOffset(64, 1); // 128
 * ```
 */
export function controlOffset(dataOffset: number, dataLength: number): number {
  return Math.ceil((dataOffset + dataLength) / ALIGN) * ALIGN;
}

/**
 * A fresh control block: this version, no flags, created at `createdAt` (ms since the epoch).
 *
 * @example
 * ```ts
 * encodeControl(Date.now()).length; // 128
 * ```
 */
export function encodeControl(createdAt: number): Uint8Array {
  const bytes = new Uint8Array(CONTROL_SIZE);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC);
  view.setUint16(8, CONTROL_VERSION, true);
  view.setUint16(10, CONTROL_SIZE, true);
  view.setFloat64(16, createdAt, true);
  const nonce = new BigUint64Array(1);
  do crypto.getRandomValues(nonce); while (nonce[0] === 0n);
  view.setBigUint64(NONCE_FIELD, nonce[0], true);
  return bytes;
}

/**
 * Reads a control block from the bytes after an array's data (up to {@link CONTROL_SIZE} of
 * them), or `undefined` if they are not one (Python-made segments: zeros or whatever the user
 * put after the data), or fewer than the size it states.
 *
 * @example
 * ```ts
 * decodeControl(new Uint8Array(128)); // undefined
 * ```
 */
export function decodeControl(bytes: Uint8Array): ControlBlock | undefined {
  if (bytes.length < CONTROL_MIN_SIZE || !MAGIC.every((b, i) => bytes[i] === b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const version = view.getUint16(8, true);
  const size = view.getUint16(10, true);
  if (size < CONTROL_MIN_SIZE || size > bytes.length) return undefined;
  const v2 = version >= 2;
  return {
    version,
    everTracked: (view.getUint32(FLAGS_FIELD, true) & 1) !== 0,
    createdAt: new Date(view.getFloat64(16, true)),
    ownerPid: view.getUint32(v2 ? LOCK_PID_FIELD : LOCK_FIELD, true),
    lockWord: v2 ? view.getUint32(LOCK_FIELD, true) : 0,
    nonce: view.getBigUint64(NONCE_FIELD, true),
  };
}

/** Offset of the source file's identity in the block (flags bit 1 says it is there). */
export const SOURCE_FIELD = 64;
const SOURCE_FLAG = 2;

/**
 * What identifies the `.npy` file a shared array was loaded from, as it was then: if any of it
 * differs now, the file was replaced or written since.
 */
export interface SourceIdentity {
  /** Bytes of the file. */
  readonly size: bigint;
  /** Last modification, ns since the Unix epoch. */
  readonly mtimeNs: bigint;
  /** Inode (Windows: file index). */
  readonly ino: bigint;
  /** Device (Windows: volume serial number). */
  readonly dev: bigint;
}

/**
 * `block` (from {@link encodeControl}) with `source` recorded in it.
 *
 * @example
 * ```ts
 * const block = withSource(encodeControl(Date.now()), { size: 128n, mtimeNs: 1n, ino: 7n, dev: 2n });
 * sourceOf(block)?.ino; // 7n
 * ```
 */
export function withSource(block: Uint8Array, source: SourceIdentity): Uint8Array {
  const view = new DataView(block.buffer, block.byteOffset, CONTROL_SIZE);
  view.setUint32(FLAGS_FIELD, view.getUint32(FLAGS_FIELD, true) | SOURCE_FLAG, true);
  [source.size, source.mtimeNs, source.ino, source.dev].forEach((v, i) =>
    view.setBigUint64(SOURCE_FIELD + 8 * i, BigInt.asUintN(64, v), true)
  );
  return block;
}

/**
 * The source file identity recorded in a control block, or `undefined` if it has none (not
 * loaded from a file, or an older or foreign block).
 *
 * @example
 * ```ts
 * sourceOf(encodeControl(0)); // undefined
 * ```
 */
export function sourceOf(block: Uint8Array): SourceIdentity | undefined {
  const control = decodeControl(block);
  if (!control || control.version < 2) return undefined;
  const view = new DataView(block.buffer, block.byteOffset, CONTROL_SIZE);
  if ((view.getUint32(FLAGS_FIELD, true) & SOURCE_FLAG) === 0) return undefined;
  const [size, mtimeNs, ino, dev] = [0, 1, 2, 3].map((i) =>
    view.getBigUint64(SOURCE_FIELD + 8 * i, true)
  );
  return { size, mtimeNs, ino, dev };
}

/**
 * Whether two identities are of the same file in the same state.
 *
 * @example
 * ```ts
 * const id = { size: 1n, mtimeNs: 2n, ino: 3n, dev: 4n };
 * sameSource(id, { ...id, mtimeNs: 5n }); // false: written since
 * ```
 */
export function sameSource(a: SourceIdentity, b: SourceIdentity): boolean {
  const u = (v: bigint) => BigInt.asUintN(64, v);
  return u(a.size) === u(b.size) && u(a.mtimeNs) === u(b.mtimeNs) && u(a.ino) === u(b.ino) &&
    u(a.dev) === u(b.dev);
}
