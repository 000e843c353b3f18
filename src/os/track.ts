/**
 * Tracking (`track: true`): the segment's name is removed when the last process that tracks
 * it closes it or dies, even by `kill -9`, and never while another tracker still has it. The
 * mechanism (write-locked tracker slots under a gate, the per-process reaper) is described in
 * `native/npshm_sync.c`; this module is its segment-level face.
 *
 * Windows: a mapping already lives exactly as long as its last handle, so tracking is what
 * Windows always does and `deleteSharedArray` only drops the name. macOS: the same protocol over
 * lock files (`native/npshm_track_files.c`), where a segment is told from a successor under its
 * name by its control block's creation nonce: so only segments with one (made by this npshm)
 * and only by their owner's processes.
 *
 * @example
 * ```ts
 * import { openSegment, releaseSegment } from "./segment.ts";
 * import { trackSegment } from "./track.ts";
 * const [seg] = openSegment("jobs", false);
 * if (!trackSegment(seg, 0n, 192, false)) releaseSegment(seg); // deleted or replaced: reopen
 * ```
 * @module
 */
import process from "node:process";
import { OUT_SLOTS, Status } from "../../ffi/contract.ts";
import {
  NotFoundError,
  OsError,
  PermissionDeniedError,
  UnsupportedError,
} from "../format/errors.ts";
import { failure, shim } from "./native.ts";
import { type Segment, shimName } from "./segment.ts";

// Own scratch array: these calls are synchronous, like segment.ts's, but kept apart from it.
const out = new BigInt64Array(OUT_SLOTS);

/**
 * Makes this process a tracker of `seg`. `unpublished`: a segment made by `createSegment`
 * not yet given its name (no name check). `flagsAddr`: the control block's flags word, or 0n.
 * `controlAt`: the control block's offset in the segment, if it has one (macOS identifies the
 * segment by it). Returns false if the name meanwhile stopped referring to `seg` (then nothing
 * changed: the caller releases it and reopens).
 *
 * @throws {UnsupportedError} macOS: the segment has no control block with a creation nonce
 * @throws {PermissionDeniedError} this process may not write the segment (macOS: is not its
 *   owner's): it cannot track it
 * @throws {OsError} a reader read-locked every byte of it: no tracker slot can be taken
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { encodeHeader } from "../format/header.ts";
 * import { createSegment, publishSegment } from "./segment.ts";
 * const head = encodeHeader(parseDType("f8"), [8], false);
 * const seg = createSegment("results", head.length + 64, 0o600, false, head);
 * trackSegment(seg, 0n, head.length + 64, true); // unpublished: before anyone sees the name
 * publishSegment(seg, false);
 * ```
 */
export function trackSegment(
  seg: Segment,
  flagsAddr: bigint,
  controlAt: number | undefined,
  unpublished: boolean,
): boolean {
  const status = shim().npshm_track(
    seg.handle,
    shimName(seg.name),
    +unpublished,
    flagsAddr,
    BigInt(controlAt ?? -1),
    out,
  );
  if (status === Status.STALE) return false;
  if (status === Status.UNSUPPORTED) {
    throw new UnsupportedError(
      `cannot track shared array '${seg.name}': on ${process.platform} npshm tells a segment ` +
        "from a successor under its name by the creation nonce in its npshm control block, " +
        "and this one has none (made by another program, or by an npshm before the nonce)",
    );
  }
  if (status === Status.PERMISSION) {
    throw new PermissionDeniedError(
      `cannot track shared array '${seg.name}': ` +
        (process.platform === "linux"
          ? "only a process that may write it can track it"
          : "only its owner's processes can track it"),
      Number(out[3]),
    );
  }
  if (status === Status.BUSY) {
    throw new OsError(
      `cannot track shared array '${seg.name}': another process read-locked all of it (a ` +
        `process that may read it, not write it), so no tracker slot is free while it does`,
      Number(out[3]),
    );
  }
  if (status !== Status.OK) throw failure(status, `track shared array '${seg.name}'`, out);
  seg.tracker = out[1];
  return true;
}

/**
 * Removes `name` unless some process tracks it, and only if the name still refers to `seg`
 * (whose control block is at `controlAt`). Returns false if a tracker holds it, or the name
 * moved on.
 *
 * @throws {NotFoundError} no such name
 * @example
 * ```ts
 * import { openSegment } from "./segment.ts";
 * const [seg] = openSegment("frames", true);
 * unlinkUntracked("frames", seg, 192); // true: removed
 * ```
 */
export function unlinkUntracked(name: string, seg: Segment, controlAt: number): boolean {
  const status = shim().npshm_unlink_untracked(
    shimName(name),
    seg.handle,
    BigInt(controlAt),
    out,
  );
  if (status === Status.OK) return true;
  if (status === Status.BUSY || status === Status.STALE) return false;
  if (status === Status.NOT_FOUND) {
    throw new NotFoundError(`no shared array '${name}'`, Number(out[3]));
  }
  if (status === Status.UNSUPPORTED) {
    throw new UnsupportedError("removing untracked segments is not available on this platform");
  }
  throw failure(status, `delete shared array '${name}'`, out);
}

/**
 * The pids of the processes tracking `name` now, where the shim keeps tracker slots it can
 * list (macOS's lock files, and Linux's lock-file build); `undefined` elsewhere (Linux lists
 * trackers from `/proc/locks`, see {@link trackerOfLock}; Windows tracks nothing). With a
 * `nonce` (the control block's), only the trackers of that segment: a creator holds a slot
 * under the name for its new segment before it knows whether the name is free.
 *
 * @throws {PermissionDeniedError} the user's lock directory is not theirs alone
 * @example
 * ```ts
 * trackersOf("frames"); // e.g. [4242, 4250] on macOS, undefined on Linux
 * ```
 */
export function trackersOf(name: string, nonce = 0n): number[] | undefined {
  let pids = new Int32Array(8);
  for (;;) {
    const status = shim().npshm_trackers(shimName(name), nonce, pids, pids.length, out);
    if (status === Status.UNSUPPORTED) return undefined;
    if (status === Status.PERMISSION) {
      throw new PermissionDeniedError(
        `cannot list the trackers of shared array '${name}': the lock directory is not this ` +
          "user's alone",
        Number(out[3]),
      );
    }
    if (status !== Status.OK) throw failure(status, `list the trackers of '${name}'`, out);
    const count = Number(out[0]);
    if (count <= pids.length) return [...pids.subarray(0, count)];
    pids = new Int32Array(count); // more came than fit: look again with room for them
  }
}

// Where the shim puts tracker slots (npshm_internal.h): write locks at 2^62 + 1 + (pid << 24) +
// 24 random bits of the segment's inode, so `/proc/locks` tells who tracks it.
const SLOTS_AT = (1n << 62n) + 1n;
const SLOT_PID_SHIFT = 24n;

/**
 * The pid of the tracker whose slot is the write lock starting at byte `start` of a segment
 * (as `/proc/locks` lists it), or `undefined` if that lock is no tracker slot.
 *
 * @example
 * ```ts
 * trackerOfLock((1n << 62n) + 1n + (4242n << 24n) + 77n); // 4242
 * trackerOfLock(128n); // undefined
 * ```
 */
export function trackerOfLock(start: bigint): number | undefined {
  return start >= SLOTS_AT ? Number((start - SLOTS_AT) >> SLOT_PID_SHIFT) : undefined;
}
