/**
 * Creating, attaching and deleting named shared arrays: the public entry points, mirroring
 * Python's `cdxcore.npshm` (`create_shared_array`, `attach_shared_array`,
 * `delete_shared_array`) in camelCase.
 *
 * @example
 * ```ts
 * import { attachSharedArray, createSharedArray, deleteSharedArray } from "./lifecycle.ts";
 * using a = createSharedArray("grid", { shape: [3, 4], dtype: "float32", fill: 1 });
 * using b = attachSharedArray("grid", { validateShape: [3, 4], validateDtype: "f4" });
 * b.data[0] = 2; // a.data[0] is 2 too
 * deleteSharedArray("grid");
 * ```
 * @module
 */
import { encodeFill, fillPattern } from "./array/fill.ts";
import { type Layout, layoutOf } from "./array/layout.ts";
import {
  CONTROL_MIN_SIZE,
  CONTROL_SIZE,
  controlOffset,
  decodeControl,
  encodeControl,
  FLAGS_FIELD,
  type SourceIdentity,
  withSource,
} from "./format/control.ts";
import { type DType, parseDType, refuseObjects } from "./format/dtype.ts";
import {
  ExistsError,
  InvalidArgumentError,
  NotFoundError,
  NpshmError,
  OsError,
} from "./format/errors.ts";
import { encodeHeader, type NpyHeader, readNpyHeader } from "./format/header.ts";
import { MAX_NAME_BYTES, randomName, validateName } from "./format/name.ts";
import { byteLengthOf, formatShape, normalizeShape, stridesOf } from "./format/shape.ts";
import type { ArrayFor, ScalarFor } from "./format/typed.ts";
import { checkHeader, type Expectation, expectationOf } from "./format/validate.ts";
import { Mapping } from "./os/mapping.ts";
import {
  createSegment,
  letGoHandle,
  openSegment,
  publishSegment,
  readSegment,
  releaseSegment,
  type Segment,
  unlinkSegment,
  writeSegment,
} from "./os/segment.ts";
import {
  createPersistent,
  discardPersistent,
  isPersistent,
  openNamed,
  publishPersistent,
  removePersistent,
  segmentExists,
} from "./os/persist.ts";
import { registerName } from "./os/registry.ts";
import { trackSegment, unlinkUntracked } from "./os/track.ts";
import { SharedArray } from "./shared_array.ts";

/**
 * A dtype as users write it: a NumPy name (`"float64"`), a descr (`"<f8"`) or a parsed DType.
 *
 * @example
 * ```ts
 * import { parseDType } from "@npshm/npshm";
 * const spellings: DTypeLike[] = ["float64", "<f8", "f8", "double", parseDType("float64")];
 * ```
 */
export type DTypeLike = string | DType;

/**
 * Options of {@link createSharedArray}.
 *
 * @example
 * ```ts
 * const opts: CreateOptions<"int16"> = { shape: [2, 2], dtype: "int16", fill: -1 };
 * ```
 */
export interface CreateOptions<D extends DTypeLike = DTypeLike> {
  /** Extent of each axis; a number for 1-d, `[]` for 0-d. */
  shape: number | readonly number[];
  /** Element type: NumPy name or descr (`"float64"`, `"<f8"`, `"f8"`, `"bool"`, ...). */
  dtype: D;
  /** Value every element starts with (number, bigint, boolean, `{re, im}`); default zeros. */
  fill?: unknown;
  /**
   * Replace an existing array of that name (processes that have it keep the old one). On
   * Windows only a `persistent` array that no process has open can be replaced.
   */
  force?: boolean;
  /** `false`: return `null` instead of throwing {@link ExistsError}. Default `true`. */
  raiseOnError?: boolean;
  /** Remove the name when this array is closed. Default `false`. */
  unlinkOnClose?: boolean;
  /** Permission bits of the segment (POSIX). Default `0o600`: owner only. */
  mode?: number;
  /** Memory order: `"C"` (row-major, default) or `"F"` (column-major, Fortran). */
  order?: "C" | "F";
  /**
   * Remove the name when the last process that tracks it closes it or dies (even by
   * `kill -9`), never while another tracker has it. Default `false`: the array persists until
   * deleted. Implied on Windows.
   */
  track?: boolean;
  /**
   * Windows: keep the array after its last handle closes, until {@link deleteSharedArray},
   * as arrays always are on Linux and macOS. It is then backed by a file of this user's,
   * `%LOCALAPPDATA%\npshm\arrays\<hash of the name>.npy` (which NumPy can `np.load` with
   * `mmap_mode="r+"`), which every process maps, rather than by a named mapping (so Python's
   * `SharedMemory(name)` does not see it). Default `false`: a Windows array lives as long as
   * some process has it open. Elsewhere it changes nothing.
   */
  persistent?: boolean;
}

/**
 * Options of {@link attachSharedArray}.
 *
 * @example
 * ```ts
 * const opts: AttachOptions<"f8"> = { validateShape: [100], validateDtype: "f8", readOnly: true };
 * ```
 */
export interface AttachOptions<D extends DTypeLike = DTypeLike> {
  /** Throw {@link ShapeMismatchError} unless the array has this shape. */
  validateShape?: number | readonly number[];
  /** Throw {@link DTypeMismatchError} unless the array has this dtype. */
  validateDtype?: D;
  /** Map copy-on-write: writes never reach the shared data; `set` throws. Default `false`. */
  readOnly?: boolean;
  /** `false`: return `null` instead of throwing {@link NotFoundError}. Default `true`. */
  raiseOnError?: boolean;
  /** Remove the name when this array is closed. Default `false`. */
  unlinkOnClose?: boolean;
  /** Become a tracker: see {@link CreateOptions.track}. Default `false`. */
  track?: boolean;
}

/**
 * Options of {@link deleteSharedArray}.
 *
 * @example
 * ```ts
 * const opts: DeleteOptions = { raiseOnError: false };
 * ```
 */
export interface DeleteOptions {
  /** `false`: return `false` instead of throwing. Default `true`. */
  raiseOnError?: boolean;
  /**
   * Whether a name that does not exist counts as deleted (`true`, the default, as in
   * `cdxcore.npshm.delete_shared_array`). `false`: it is a {@link NotFoundError}.
   */
  missingOk?: boolean;
}

/**
 * Creates a new named shared array. Nobody can attach it before it is complete (header and
 * fill included); of concurrent creators of one name exactly one succeeds. The memory is
 * reserved up front, so a full `/dev/shm` is a {@link NoSpaceError} here, never a crash later.
 * With `name` `undefined` the array gets a fresh unguessable name (`npshm-` + 24 hex digits),
 * read it from `.name` to pass to other processes.
 *
 * @throws {ExistsError} the name is taken (unless `force`, or `raiseOnError: false` → `null`)
 * @throws {InvalidArgumentError} bad name, shape, dtype, fill, mode or order
 * @throws {NoSpaceError} not enough shared memory
 * @example
 * ```ts
 * using a = createSharedArray("frames", { shape: [480, 640], dtype: "uint8", fill: 255 });
 * a.data.length; // 307200
 * using tmp = createSharedArray(undefined, { shape: [8], dtype: "f8", track: true });
 * tmp.name; // "npshm-9c1e..."; removed when the last tracking process is gone
 * ```
 */
export function createSharedArray<D extends DTypeLike>(
  name: string | undefined,
  options: CreateOptions<D> & { raiseOnError?: true },
): SharedArray<ArrayFor<D>, ScalarFor<D>>;
/** With `raiseOnError: false`: `null` instead of {@link ExistsError}. */
export function createSharedArray<D extends DTypeLike>(
  name: string | undefined,
  options: CreateOptions<D>,
): SharedArray<ArrayFor<D>, ScalarFor<D>> | null;
export function createSharedArray<D extends DTypeLike>(
  name: string | undefined,
  options: CreateOptions<D>,
): SharedArray<ArrayFor<D>, ScalarFor<D>> | null {
  name ??= randomName();
  validateName(name, maxNameBytes());
  const plan = planCreate(name, options);
  const made = makeSharedArray(name, {
    ...plan,
    force: options.force ?? false,
    raiseOnError: options.raiseOnError ?? true,
    track: options.track ?? false,
    unlinkOnClose: options.unlinkOnClose ?? false,
    persistent: options.persistent,
  }, (buffer) => plan.fill && fillPattern(buffer, plan.fill));
  return made as SharedArray<ArrayFor<D>, ScalarFor<D>> | null;
}

/** What {@link makeSharedArray} needs to make an array. */
export interface MakeSpec {
  /** The NPY header, as `encodeHeader` wrote it. */
  readonly head: Uint8Array;
  /** Bytes of data after the header. */
  readonly dataLength: number;
  /** Shape, strides and dtype of the array over the data. */
  readonly layout: Layout;
  /** Permission bits of the segment. */
  readonly mode: number;
  /** Replace an existing array of that name. */
  readonly force: boolean;
  /** `false`: `null` instead of {@link ExistsError}. */
  readonly raiseOnError: boolean;
  /** Become a tracker before the name appears. */
  readonly track: boolean;
  /** Remove the name when the array is closed. */
  readonly unlinkOnClose: boolean;
  /** The `.npy` file the data comes from, recorded in the control block. */
  readonly source?: SourceIdentity;
  /**
   * Windows: back it with a file that outlives its handles (`CreateOptions.persistent`);
   * ignored elsewhere.
   */
  readonly persistent?: boolean;
}

/**
 * The one way a new shared array comes to be, whatever fills it: an unnamed segment with the
 * header, its data written by `fill` (given the data bytes and the segment), the control block,
 * tracking if asked, and only then the name. Any failure drops the unnamed segment entirely.
 * Returns `null` when the name is taken and `raiseOnError` is false.
 *
 * @example
 * ```ts
 * import { parseDType } from "./format/dtype.ts";
 * import { encodeHeader } from "./format/header.ts";
 * const dtype = parseDType("u1");
 * const spec: MakeSpec = {
 *   head: encodeHeader(dtype, [16], false),
 *   dataLength: 16,
 *   layout: { dtype, shape: [16], strides: [1], byteOffset: 0 },
 *   mode: 0o600,
 *   force: false,
 *   raiseOnError: true,
 *   track: false,
 *   unlinkOnClose: false,
 * };
 * using ones = makeSharedArray("ones", spec, (buffer) => new Uint8Array(buffer).fill(1));
 * ones?.get(0); // 1: filled before anyone could attach "ones"
 * ```
 */
export function makeSharedArray(
  name: string,
  spec: MakeSpec,
  fill: (buffer: ArrayBuffer, segment: Segment) => void,
): SharedArray | null {
  const { head, dataLength } = spec;
  const control = controlOffset(head.length, dataLength);
  const persistent = spec.persistent === true && process.platform === "win32";
  let segment: Segment;
  try {
    segment = createNamed(name, control + CONTROL_SIZE, spec, head);
  } catch (err) {
    if (err instanceof ExistsError && !spec.raiseOnError) return null;
    throw err;
  }
  const mapping = new Mapping(segment, head.length, dataLength, false, label(name), false);
  try {
    fill(mapping.buffer, segment);
    const block = encodeControl(Date.now());
    writeSegment(segment, control, spec.source ? withSource(block, spec.source) : block);
    if (spec.track) trackSegment(segment, flagsAddress(segment, control), control, true);
    if (persistent) publishPersistent(segment, spec.force);
    else publish(segment, spec.force);
  } catch (err) {
    mapping.close(); // unpublished: closing drops the segment entirely
    if (persistent) discardPersistent(segment); // and the file it was made in
    if (err instanceof ExistsError && !spec.raiseOnError) return null;
    throw err;
  }
  mapping.unlinkOnClose = spec.unlinkOnClose;
  letGoHandle(segment, false);
  registerName(name);
  return new SharedArray(name, mapping, spec.layout, control);
}

// A new segment, or (persistent, Windows) a file, unnamed until published. On Windows a name is
// either a live mapping or a persistent file, never both.
function createNamed(name: string, size: number, spec: MakeSpec, head: Uint8Array): Segment {
  if (process.platform === "win32") {
    const other = spec.persistent ? segmentExists(name) : isPersistent(name);
    if (other) {
      throw new ExistsError(
        `shared array '${name}' exists (${spec.persistent ? "a live mapping" : "persistent"})`,
      );
    }
    if (spec.persistent) return createPersistent(name, size, head, spec.force);
  }
  return createSegment(name, size, spec.mode, spec.force, head);
}

// Names the segment; a name left by trackers that all died (stale) is reclaimed first, once.
function publish(segment: Segment, force: boolean): void {
  try {
    publishSegment(segment, force);
  } catch (err) {
    if (!(err instanceof ExistsError) || !reclaimStale(segment.name)) throw err;
    publishSegment(segment, force);
  }
}

/**
 * Attaches an existing named shared array (made by npshm, or by Python/NumPy: any segment that
 * starts with a `.npy` header), zero-copy.
 *
 * @throws {NotFoundError} no such name (or `null` with `raiseOnError: false`)
 * @throws {ShapeMismatchError} / {DTypeMismatchError} validation failed (always thrown)
 * @throws {CorruptHeaderError} the segment is not a valid `.npy` stream or is shorter than its
 *   header says
 * @example
 * ```ts
 * using frames = attachSharedArray("frames", { validateDtype: "uint8", readOnly: true });
 * console.log(frames.shape);
 * ```
 */
export function attachSharedArray<D extends DTypeLike = string>(
  name: string,
  options?: AttachOptions<D> & { raiseOnError?: true },
): SharedArray<ArrayFor<D>, ScalarFor<D>>;
/** With `raiseOnError: false`: `null` instead of {@link NotFoundError}. */
export function attachSharedArray<D extends DTypeLike = string>(
  name: string,
  options?: AttachOptions<D>,
): SharedArray<ArrayFor<D>, ScalarFor<D>> | null;
export function attachSharedArray<D extends DTypeLike = string>(
  name: string,
  options: AttachOptions<D> = {},
): SharedArray<ArrayFor<D>, ScalarFor<D>> | null {
  validateName(name, maxNameBytes());
  const expected = expectationOf(options);
  const readOnly = options.readOnly ?? false;
  const what = label(name);
  let opened: Opened;
  try {
    opened = openAttachable(
      name,
      what,
      readOnly,
      options.track ?? false,
      (header) => checkAttachable(what, header, expected),
    );
  } catch (err) {
    if (err instanceof NotFoundError && options.raiseOnError === false) return null;
    throw err;
  }
  const { segment, header, control } = opened;
  letGoHandle(segment, readOnly);
  registerName(name);
  const mapping = new Mapping(
    segment,
    header.dataOffset,
    header.dataLength,
    readOnly,
    what,
    options.unlinkOnClose ?? false,
  );
  return new SharedArray(name, mapping, layoutOf(header), control);
}

interface Opened {
  segment: Segment;
  header: NpyHeader;
  control: number | undefined | (() => number | undefined);
}

// Opens, reads and checks the header, finds the control block and, with `track`, becomes a
// tracker; if the name was deleted or replaced before the tracker lock was taken, starts over.
function openAttachable(
  name: string,
  what: string,
  readOnly: boolean,
  track: boolean,
  check: (header: NpyHeader) => void,
): Opened {
  for (let attempt = 0; attempt < 100; attempt++) {
    // Untracked, nothing needs the handle once the segment is mapped: let it go at once.
    const [segment, start] = openNamed(name, readOnly, track);
    try {
      const header = readHeader(segment, start, what);
      check(header);
      if (!track) return { segment, header, control: () => findControl(segment, header) };
      const control = findControl(segment, header);
      if (
        control !== undefined && everTracked(segment, control) && reclaim(name, segment, control)
      ) {
        throw new NotFoundError(
          `cannot attach shared array '${name}': its trackers all died, so it was removed`,
        );
      }
      const flags = control === undefined || readOnly ? 0n : flagsAddress(segment, control);
      if (trackSegment(segment, flags, control, false)) return { segment, header, control };
    } catch (err) {
      releaseSegment(segment); // nothing views it yet
      throw err;
    }
    releaseSegment(segment); // stale: deleted or replaced meanwhile
  }
  throw new NotFoundError(`cannot attach shared array '${name}': it keeps being replaced`);
}

// Offset of the segment's npshm control block, or undefined (made by Python, or too short).
// Version 1 blocks were smaller: they are found too, so that lock() can say what they are.
function findControl(segment: Segment, header: NpyHeader): number | undefined {
  const at = controlOffset(header.dataOffset, header.dataLength);
  const room = Math.min(CONTROL_SIZE, segment.size - at);
  if (room < CONTROL_MIN_SIZE) return undefined;
  return decodeControl(readSegment(segment, at, room)) ? at : undefined;
}

// Removes the name if its segment is stale (see reclaimStale); false if it may not.
function reclaim(name: string, segment: Segment, control: number): boolean {
  try {
    return unlinkUntracked(name, segment, control);
  } catch (err) {
    if (err instanceof NpshmError && !(err instanceof NotFoundError)) return false;
    throw err;
  }
}

function everTracked(segment: Segment, control: number): boolean {
  return decodeControl(readSegment(segment, control, CONTROL_SIZE))?.everTracked ?? false;
}

/**
 * Removes `name` if it is stale: its control block says some process tracked it and no
 * process tracks it now (its trackers died, reapers included, as a `kill -9` of a whole
 * process group or cgroup does). Race-free: checked and removed under the segment's gate, so a
 * name someone tracks, or starts tracking meanwhile, is never removed; nor a successor that
 * took the name since. Returns whether it removed it.
 *
 * @example
 * ```ts
 * if (reclaimStale("frames")) console.log("removed what crashed trackers left");
 * ```
 */
export function reclaimStale(name: string): boolean {
  let opened: [Segment, Uint8Array];
  try {
    opened = openSegment(name, true);
  } catch (err) {
    if (err instanceof NpshmError) return false; // gone, or not ours to open
    throw err;
  }
  const [segment, start] = opened;
  try {
    const control = findControl(segment, readHeader(segment, start));
    return control !== undefined && everTracked(segment, control) &&
      reclaim(name, segment, control);
  } catch (err) {
    if (err instanceof NpshmError) return false; // not an array, or removed meanwhile
    throw err;
  } finally {
    releaseSegment(segment);
  }
}

function flagsAddress(segment: Segment, control: number): bigint {
  return segment.addr + BigInt(control + FLAGS_FIELD);
}

/**
 * Removes the name of a shared array so no new process can attach it and the name can be
 * reused. Processes that have it keep using it; the memory is freed when the last one closes.
 * Returns whether the name is now free — also `true` if it did not exist, as in
 * `cdxcore.npshm.delete_shared_array`. On Windows this is a no-op: a mapping disappears with
 * its last handle.
 *
 * @throws {InvalidArgumentError} / {PermissionDeniedError} ... unless `raiseOnError: false`
 *   (then `false`)
 * @example
 * ```ts
 * deleteSharedArray("frames"); // true
 * ```
 */
export function deleteSharedArray(name: string, options: DeleteOptions = {}): boolean {
  try {
    validateName(name, maxNameBytes());
    if (isPersistent(name)) return deletePersistent(name);
    if (!unlinkSegment(name) && options.missingOk === false) {
      throw new NotFoundError(`no shared array '${name}'`);
    }
    return true;
  } catch (err) {
    if (options.raiseOnError === false) return false;
    throw err;
  }
}

// Windows: removes a persistent array's file, which Windows refuses while a process maps it.
function deletePersistent(name: string): boolean {
  if (removePersistent(name) || !isPersistent(name)) return true;
  throw new OsError(
    `cannot delete persistent shared array '${name}': a process has it open (Windows cannot ` +
      "remove a mapped file); close it everywhere first",
  );
}

interface CreatePlan {
  readonly head: Uint8Array;
  readonly dataLength: number;
  readonly mode: number;
  readonly fill: Uint8Array | undefined;
  readonly layout: Layout;
}

function planCreate(name: string, options: CreateOptions<DTypeLike>): CreatePlan {
  if (options === null || typeof options !== "object") {
    throw new InvalidArgumentError(
      `createSharedArray('${name}'): options { shape, dtype } are required`,
    );
  }
  const shape = normalizeShape(options.shape);
  const dtype = parseDType(options.dtype);
  refuseObjects(dtype, `createSharedArray('${name}')`);
  const order = options.order ?? "C";
  if (order !== "C" && order !== "F") {
    throw new InvalidArgumentError(
      `createSharedArray('${name}'): order must be "C" or "F", got ${String(order)}`,
    );
  }
  const mode = options.mode ?? 0o600;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new InvalidArgumentError(
      `createSharedArray('${name}'): mode must be an integer 0..0o7777`,
    );
  }
  const dataLength = byteLengthOf(shape, dtype.itemsize);
  const head = encodeHeader(dtype, shape, order === "F");
  if (!Number.isSafeInteger(head.length + dataLength)) {
    throw new InvalidArgumentError(
      `createSharedArray('${name}'): ${formatShape(shape)} is too large`,
    );
  }
  return {
    head,
    dataLength,
    mode,
    fill: options.fill === undefined ? undefined : encodeFill(dtype, options.fill, label(name)),
    layout: {
      dtype,
      shape,
      strides: stridesOf(shape, dtype.itemsize, order === "F"),
      byteOffset: 0,
    },
  };
}

// `start`: the segment's first bytes, as many as the open call copied; `what`: its label.
function readHeader(segment: Segment, start: Uint8Array, what = label(segment.name)): NpyHeader {
  const read = (at: number, n: number) =>
    at + n <= start.length ? start.subarray(at, at + n) : readSegment(segment, at, n);
  return readNpyHeader(read, segment.size, what);
}

function checkAttachable(what: string, header: NpyHeader, expected: Expectation): void {
  refuseObjects(header.dtype, what);
  checkHeader(header, expected, what);
}

function label(name: string): string {
  return `shared array '${name}'`;
}

/**
 * The longest segment name this platform takes, in bytes.
 *
 * @example
 * ```ts
 * maxNameBytes(); // 255 (macOS keeps names of more than 30 bytes under a hashed short name)
 * ```
 */
export function maxNameBytes(): number {
  return NAME_LIMIT;
}

// The same on every platform: macOS maps a long name to a short one (darwinShmName).
const NAME_LIMIT = MAX_NAME_BYTES;
