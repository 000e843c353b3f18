/**
 * Named shared memory as bytes: create, publish, open, read, view, release, unlink; its
 * failures are typed errors that name the array.
 *
 * @example
 * ```ts
 * import { openSegment, releaseSegment } from "./segment.ts";
 * const seg = openSegment("frames", false);
 * console.log(seg.size);
 * releaseSegment(seg);
 * ```
 * @module
 */
import { cString, OUT_SLOTS, Status } from "../ffi/types.ts";
import type { NpshmError } from "./errors.ts";
import { type Hints, shim, statusError } from "./native.ts";

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
  /** Whether this process tracks it (`track: true`): release then untracks (src/track.ts). */
  tracked?: boolean;
}

// One scratch out-array: every shim call is synchronous, so calls cannot interleave.
const out = new BigInt64Array(OUT_SLOTS);

// The C strings of names attached lately: attach is the hot path, and a name's encoding never
// changes.
const ENCODED_MAX = 256;
const encoded = new Map<string, Uint8Array>();
function encodedName(name: string): Uint8Array {
  let bytes = encoded.get(name);
  if (bytes === undefined) {
    if (encoded.size >= ENCODED_MAX) encoded.clear();
    bytes = cString(name);
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
 * const seg = createSegment("frames", 4096, 0o600, false, header);
 * publishSegment(seg, false);
 * ```
 */
export function createSegment(
  name: string,
  size: number,
  mode: number,
  force: boolean,
  head: Uint8Array,
): Segment {
  const status = shim().create(cString(name), size, mode, force, head, out);
  if (status !== Status.OK) throw failure(status, `create shared array '${name}' (${size} bytes)`);
  return { name, handle: out[0], addr: out[1], size: Number(out[2]) };
}

/**
 * Gives a created segment its name, atomically; with `force` an existing one is replaced.
 * On failure the segment stays mapped and unnamed: the caller detaches its views and releases
 * it, and then nothing is left behind.
 *
 * @example
 * ```ts
 * publishSegment(seg, true);
 * ```
 */
export function publishSegment(seg: Segment, force: boolean): void {
  const status = shim().publish(seg.handle, cString(seg.name), force, out);
  if (status !== Status.OK) throw failure(status, `create shared array '${seg.name}'`);
}

/**
 * Opens and maps the whole named segment; `readOnly` maps it copy-on-write. Also returns up
 * to its first 512 bytes, copied: valid until the next call.
 *
 * @example
 * ```ts
 * const [seg, start] = openSegment("frames", true);
 * ```
 */
export function openSegment(name: string, readOnly: boolean): [Segment, Uint8Array] {
  const status = shim().attach(encodedName(name), readOnly, out, head);
  if (status !== Status.OK) throw failure(status, `attach shared array '${name}'`);
  const size = Number(out[2]);
  return [{ name, handle: out[0], addr: out[1], size }, head.subarray(0, Math.min(size, HEAD))];
}

// The first bytes of the segment opened last, copied by the open call itself: NPY headers
// are short, so attach rarely needs a second call to read its header.
const HEAD = 512;
const head = new Uint8Array(HEAD);

/**
 * Copies `length` bytes at `offset` of the mapping (used for headers, never for data).
 *
 * @example
 * ```ts
 * const magic = readSegment(seg, 0, 6);
 * ```
 */
export function readSegment(seg: Segment, offset: number, length: number): Uint8Array {
  const dst = new Uint8Array(length);
  if (length > 0) shim().read(seg.addr + BigInt(offset), dst);
  return dst;
}

/**
 * A zero-copy ArrayBuffer over `length` bytes at `offset`. Call once per segment.
 *
 * @example
 * ```ts
 * const data = new Float64Array(viewSegment(seg, 64, seg.size - 64));
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
 * releaseSegment(seg);
 * ```
 */
export function releaseSegment(seg: Segment, unmap = true): void {
  if (seg.tracked) {
    seg.tracked = false; // last tracker out unlinks the name (it still holds the descriptor)
    shim().untrack(seg.handle, cString(seg.name), out);
  }
  if (unmap && seg.size > 0) shim().release(seg.addr, seg.size, seg.handle);
  else shim().close(seg.handle);
}

/**
 * Unmaps a segment whose handle {@link releaseSegment} already released with `unmap` false
 * (where a runtime cannot detach, the unmap waits until no view can reach the memory).
 *
 * @example
 * ```ts
 * releaseSegment(seg, false);
 * // later, once the views are garbage:
 * unmapSegment(seg);
 * ```
 */
export function unmapSegment(seg: Segment): void {
  if (seg.size > 0) shim().unmap(seg.addr, seg.size);
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
  const status = shim().unlink(cString(name), seg ? seg.handle : -1n, out);
  if (status === Status.OK) return true;
  if (status === Status.NOT_FOUND || status === Status.STALE) return false;
  throw failure(status, `delete shared array '${name}'`);
}

/**
 * The typed error for a failed segment call (`from`: the out-array the call filled).
 *
 * @example
 * ```ts
 * throw failure(Status.EXISTS, "create shared array 'x'");
 * ```
 */
export function failure(status: number, what: string, from: BigInt64Array = out): NpshmError {
  return statusError(status, what, SEGMENT_HINTS, Number(from[3]));
}

const SEGMENT_HINTS: Hints = {
  exists: "the name is taken (attach to it, delete it, or pass force: true)",
  notFound: "no shared array of that name",
  noSpace: "not enough shared memory (free some or enlarge /dev/shm)",
  invalid: "invalid name or size",
};
