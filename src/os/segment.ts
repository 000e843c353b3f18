/**
 * Named shared memory as bytes: create, publish, open, read, view, release, unlink; its
 * failures are typed errors that name the array.
 *
 * @example
 * ```ts
 * import { openSegment, releaseSegment } from "./segment.ts";
 * const [seg] = openSegment("frames", false);
 * console.log(seg.size); // header, data and control block
 * releaseSegment(seg);
 * ```
 * @module
 */
import process from "node:process";
import { cString, OUT_SLOTS, Status } from "../../ffi/contract.ts";
import { darwinShmName } from "../format/name.ts";
import { failure, shim } from "./native.ts";

/** One mapping of a segment in this process. */
export interface Segment {
  /** The name it was opened or created under. */
  readonly name: string;
  /** OS handle (fd or HANDLE), held until release. */
  readonly handle: bigint;
  /** Address of the mapping (0n for a zero-byte segment). */
  readonly addr: bigint;
  /** Bytes mapped. */
  readonly size: number;
  /** The tracker handle while this process tracks it (`track: true`): release untracks it. */
  tracker?: bigint;
}

// One scratch out-array: every shim call is synchronous, so calls cannot interleave.
const out = new BigInt64Array(OUT_SLOTS);

// The C strings of names attached lately: attach is the hot path, and a name's encoding never
// changes.
const ENCODED_MAX = 256;
const encoded = new Map<string, Uint8Array>();

// macOS keeps names of more than 30 bytes under a hashed short name; elsewhere a name is itself.
const osName = process.platform === "darwin" ? darwinShmName : (name: string) => name;

/**
 * The C string the shim takes for the segment `name`: on macOS its short POSIX form
 * ({@link darwinShmName}), elsewhere the name itself.
 *
 * @example
 * ```ts
 * shimName("frames"); // the bytes of "frames" and a NUL
 * ```
 */
export function shimName(name: string): Uint8Array {
  let bytes = encoded.get(name);
  if (bytes === undefined) {
    if (encoded.size >= ENCODED_MAX) encoded.clear();
    bytes = cString(osName(name));
    encoded.set(name, bytes);
  }
  return bytes;
}

/**
 * Creates an unnamed segment of `size` bytes starting with `head`, mapped read-write. Nobody
 * else sees it until {@link publishSegment}; on failure nothing is left behind.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { encodeHeader } from "../format/header.ts";
 * const head = encodeHeader(parseDType("u1"), [4096], false);
 * const seg = createSegment("frames", head.length + 4096, 0o600, false, head);
 * // ...fill it; then publishSegment(seg, false) names it, or:
 * releaseSegment(seg); // never named: nothing is left behind
 * ```
 */
export function createSegment(
  name: string,
  size: number,
  mode: number,
  force: boolean,
  head: Uint8Array,
): Segment {
  const status = shim().npshm_create(
    shimName(name),
    BigInt(size),
    mode,
    +force,
    head,
    BigInt(head.length),
    out,
  );
  if (status !== Status.OK) {
    throw failure(status, `create shared array '${name}' (${size} bytes)`, out);
  }
  return { name, handle: out[0], addr: out[1], size: Number(out[2]) };
}

/**
 * Gives a created segment its name, atomically; with `force` an existing one is replaced.
 * On failure the segment stays mapped and unnamed: the caller detaches its views and releases
 * it, and then nothing is left behind.
 *
 * @example
 * ```ts
 * // Names a finished segment, replacing any array of that name; on failure, drops it.
 * function publish(seg: Segment): void {
 *   try {
 *     publishSegment(seg, true);
 *   } catch (err) {
 *     releaseSegment(seg); // no view of it was made yet
 *     throw err;
 *   }
 * }
 * ```
 */
export function publishSegment(seg: Segment, force: boolean): void {
  const status = shim().npshm_publish(seg.handle, shimName(seg.name), +force, out);
  if (status !== Status.OK) throw failure(status, `create shared array '${seg.name}'`, out);
}

/**
 * Opens and maps the whole named segment; `readOnly` maps it copy-on-write. Also returns up
 * to its first 512 bytes, copied: valid until the next call.
 *
 * @example
 * ```ts
 * const [seg, start] = openSegment("frames", true);
 * console.log(start[0]); // 147: 0x93, the first byte of the NPY magic
 * releaseSegment(seg);
 * ```
 */
export function openSegment(name: string, readOnly: boolean): [Segment, Uint8Array] {
  const status = shim().npshm_attach(shimName(name), +readOnly, out, head, HEAD_CAP);
  if (status !== Status.OK) throw failure(status, `attach shared array '${name}'`, out);
  const size = Number(out[2]);
  return [{ name, handle: out[0], addr: out[1], size }, head.subarray(0, Math.min(size, HEAD))];
}

// The first bytes of the segment opened last, copied by the open call itself: NPY headers
// are short, so attach rarely needs a second call to read its header.
const HEAD = 512;
const HEAD_CAP = BigInt(HEAD);
const head = new Uint8Array(HEAD);

/**
 * Copies `length` bytes at `offset` of the mapping (used for headers, never for data).
 *
 * @example
 * ```ts
 * import { CONTROL_SIZE, controlOffset, decodeControl } from "../format/control.ts";
 * // When an npshm array was created, read from its control block after the data.
 * function createdAt(seg: Segment, dataOffset: number, dataLength: number): Date | undefined {
 *   const block = readSegment(seg, controlOffset(dataOffset, dataLength), CONTROL_SIZE);
 *   return decodeControl(block)?.createdAt;
 * }
 * ```
 */
export function readSegment(seg: Segment, offset: number, length: number): Uint8Array {
  const dst = new Uint8Array(length);
  if (length > 0) shim().npshm_read(seg.addr + BigInt(offset), dst, BigInt(length));
  return dst;
}

/**
 * A zero-copy ArrayBuffer over `length` bytes at `offset`. Call once per segment.
 *
 * @example
 * ```ts
 * // The data of a float64 (100,) array: Mapping makes it, and detaches it before the unmap.
 * function samples(seg: Segment): Float64Array {
 *   return new Float64Array(viewSegment(seg, 128, 800));
 * }
 * ```
 */
export function viewSegment(seg: Segment, offset: number, length: number): ArrayBuffer {
  return length === 0 ? new ArrayBuffer(0) : shim().view(seg.addr + BigInt(offset), length);
}

/**
 * Unmaps the segment (unless `unmap` is false) and closes its handle. The caller guarantees no
 * view can reach the memory it unmaps.
 *
 * @example
 * ```ts
 * const [seg] = openSegment("frames", true);
 * // ...read its header with readSegment...
 * releaseSegment(seg); // no view of it was made, so nothing can reach the unmapped memory
 * ```
 */
export function releaseSegment(seg: Segment, unmap = true): void {
  if (seg.tracker !== undefined) {
    const tracker = seg.tracker;
    seg.tracker = undefined;
    shim().npshm_untrack(tracker, shimName(seg.name), out); // the last tracker out unlinks
  }
  if (unmap && seg.size > 0) shim().npshm_release(seg.addr, BigInt(seg.size), seg.handle);
  else shim().npshm_close(seg.handle);
}

/**
 * Removes a name. With `seg`, only if the name still refers to that segment. Returns false if
 * there was nothing (of ours) to remove.
 *
 * @example
 * ```ts
 * unlinkSegment("frames"); // true if it existed
 * ```
 */
export function unlinkSegment(name: string, seg?: Segment): boolean {
  const status = shim().npshm_unlink(shimName(name), seg ? seg.handle : -1n, out);
  if (status === Status.OK) return true;
  if (status === Status.NOT_FOUND || status === Status.STALE) return false;
  throw failure(status, `delete shared array '${name}'`, out);
}

/**
 * Copies `bytes` into the mapping at byte `offset` (the control block, never user data).
 *
 * @example
 * ```ts
 * import { controlOffset, encodeControl } from "../format/control.ts";
 * // A new array's control block: after its data, at the next multiple of 64.
 * function stamp(seg: Segment, dataOffset: number, dataLength: number): void {
 *   writeSegment(seg, controlOffset(dataOffset, dataLength), encodeControl(Date.now()));
 * }
 * ```
 */
export function writeSegment(seg: Segment, offset: number, bytes: Uint8Array): void {
  if (bytes.length > 0) shim().npshm_write(seg.addr + BigInt(offset), bytes, BigInt(bytes.length));
}

/** What {@link statHandle} tells about the file or segment behind a handle. */
export interface HandleStat {
  /** Device (Windows: volume serial number). */
  readonly dev: bigint;
  /** Inode (Windows: file index). */
  readonly ino: bigint;
  /** Size in bytes. */
  readonly size: bigint;
  /** Last modification, ns since the Unix epoch. */
  readonly mtimeNs: bigint;
  /** Owner's uid; -1 where there is none (Windows). */
  readonly uid: number;
}

const info = new BigInt64Array(6);

/**
 * Identity and owner of the file or segment behind an OS handle (fstat); `what` names it in
 * errors.
 *
 * @example
 * ```ts
 * const [seg] = openSegment("frames", true);
 * console.log(statHandle(seg.handle, "shared array 'frames'").uid); // its owner
 * releaseSegment(seg);
 * ```
 */
export function statHandle(handle: bigint, what: string): HandleStat {
  const status = shim().npshm_fstat(handle, info, out);
  if (status !== Status.OK) throw failure(status, `stat ${what}`, out);
  return { dev: info[0], ino: info[1], size: info[2], mtimeNs: info[3], uid: Number(info[4]) };
}
