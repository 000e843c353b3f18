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
  /**
   * OS handle (fd or HANDLE) while held, else -1n: on POSIX an array lets its descriptor go
   * once it is set up ({@link letGoHandle}), so holding many arrays needs no descriptors.
   */
  handle: bigint;
  /** Address of the mapping (0n for a zero-byte segment). */
  readonly addr: bigint;
  /** Bytes mapped. */
  readonly size: number;
  /** The tracker handle while this process tracks it (`track: true`): release untracks it. */
  tracker?: bigint;
  /** What the segment was when its handle was let go: to reopen the very same one. */
  identity?: SegmentIdentity;
}

/** Device, inode and owner of a segment whose handle was let go, and how it was opened. */
export interface SegmentIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly uid: number;
  readonly readOnly: boolean;
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
 * to its first 512 bytes, copied: valid until the next call. `hold: false` lets the handle go
 * at once (as {@link letGoHandle} does, in the same native call).
 *
 * @example
 * ```ts
 * const [seg, start] = openSegment("frames", true);
 * console.log(start[0]); // 147: 0x93, the first byte of the NPY magic
 * releaseSegment(seg);
 * ```
 */
export function openSegment(
  name: string,
  readOnly: boolean,
  hold = true,
): [Segment, Uint8Array] {
  const bytes = shimName(name);
  const status = hold || !LET_GO
    ? shim().npshm_attach(bytes, +readOnly, out, head, HEAD_CAP)
    : shim().npshm_attach_unheld(bytes, +readOnly, out, head, HEAD_CAP, info);
  if (status !== Status.OK) throw failure(status, `attach shared array '${name}'`, out);
  const size = Number(out[2]);
  const seg: Segment = { name, handle: out[0], addr: out[1], size };
  // Let go in the same call (POSIX): what to reopen it by, as letGoHandle records it.
  if (!hold && seg.handle < 0n) {
    seg.identity = { dev: info[0], ino: info[1], uid: Number(info[4]), readOnly };
  }
  return [seg, size >= HEAD ? head : head.subarray(0, size)];
}

// Where a let-go segment can be reopened safely: device and inode identify it (see letGoHandle).
const LET_GO = process.platform === "linux";

// The first bytes of the segment opened last, copied by the open call itself: NPY headers
// are short, so attach rarely needs a second call to read its header.
const HEAD = 512;
const HEAD_CAP = BigInt(HEAD);
const head = new Uint8Array(HEAD); // itself the start of a segment that long: no view to make

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
  const unmapping = unmap && seg.size > 0;
  if (seg.handle < 0n) {
    if (unmapping) shim().npshm_unmap(seg.addr, BigInt(seg.size));
  } else if (unmapping) shim().npshm_release(seg.addr, BigInt(seg.size), seg.handle);
  else shim().npshm_close(seg.handle);
}

/**
 * Closes the segment's handle once nothing needs it held (POSIX: the mapping keeps the memory,
 * as after a C program's close(2)); records the device, inode and owner first, so that
 * {@link withHandle} can reopen this very segment by name later. Linux only: on Windows the
 * handle is the mapping's identity, and macOS's fstat of shared memory gives no inode, so a
 * reopened name could not be told from a successor there. `readOnly`: how it was opened.
 *
 * @example
 * ```ts
 * const [seg] = openSegment("frames", false);
 * letGoHandle(seg, false);
 * seg.handle; // -1n: no descriptor held; the mapping stays until releaseSegment
 * releaseSegment(seg);
 * ```
 */
export function letGoHandle(seg: Segment, readOnly: boolean): void {
  if (!LET_GO || seg.handle < 0n) return;
  const st = statHandle(seg.handle, `shared array '${seg.name}'`);
  seg.identity = { dev: st.dev, ino: st.ino, uid: st.uid, readOnly };
  shim().npshm_close(seg.handle);
  seg.handle = -1n;
}

/**
 * Runs `use` with a handle of the segment: the one held, or else one reopened by name for the
 * call, and only if the name still refers to this very segment (same device and inode);
 * `gone()` is the answer when it does not (deleted, or replaced by another array).
 *
 * @example
 * ```ts
 * const [seg] = openSegment("frames", false);
 * letGoHandle(seg, false);
 * withHandle(seg, (h) => statHandle(h, "frames").size, () => -1n); // reopened for the call
 * releaseSegment(seg);
 * ```
 */
export function withHandle<T>(seg: Segment, use: (handle: bigint) => T, gone: () => T): T {
  if (seg.handle >= 0n || seg.identity === undefined) return use(seg.handle);
  const handle = reopen(seg.name, seg.identity);
  if (handle === undefined) return gone();
  try {
    return use(handle);
  } finally {
    shim().npshm_close(handle);
  }
}

/** A new handle of `name` if it is still the segment `id` describes, else undefined. */
function reopen(name: string, id: SegmentIdentity): bigint | undefined {
  const status = shim().npshm_open(shimName(name), +id.readOnly, out);
  if (status === Status.NOT_FOUND) return undefined;
  if (status !== Status.OK) throw failure(status, `reopen shared array '${name}'`, out);
  const [handle, addr, size] = [out[0], out[1], out[2]];
  if (addr !== 0n) shim().npshm_unmap(addr, size); // only the descriptor is wanted
  const st = statHandle(handle, `shared array '${name}'`);
  if (st.dev === id.dev && st.ino === id.ino) return handle;
  shim().npshm_close(handle);
  return undefined;
}

/**
 * The uid of the segment's owner (-1 where there is none: Windows).
 *
 * @example
 * ```ts
 * const [seg] = openSegment("frames", true);
 * ownerOf(seg) === process.geteuid?.(); // true if this user made it
 * releaseSegment(seg);
 * ```
 */
export function ownerOf(seg: Segment): number {
  return seg.identity?.uid ?? statHandle(seg.handle, `shared array '${seg.name}'`).uid;
}

/**
 * Removes a name. With `seg`, only if the name still refers to that segment (which macOS tells
 * by the creation nonce of its control block, at `controlAt`). Returns false if there was
 * nothing (of ours) to remove.
 *
 * @example
 * ```ts
 * unlinkSegment("frames"); // true if it existed
 * ```
 */
export function unlinkSegment(name: string, seg?: Segment, controlAt = -1): boolean {
  const at = BigInt(controlAt);
  if (seg) return withHandle(seg, (handle) => unlinkHandle(name, handle, at), () => false);
  return unlinkHandle(name, -1n, at);
}

function unlinkHandle(name: string, handle: bigint, controlAt: bigint): boolean {
  const status = shim().npshm_unlink(shimName(name), handle, controlAt, out);
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
