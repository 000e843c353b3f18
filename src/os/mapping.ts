/**
 * The lifetime of one mapped segment in this process: the single ArrayBuffer over its data,
 * closing (detach every view, then unmap) and the finalizer for mappings dropped unclosed.
 *
 * The rule it enforces: memory is unmapped only when no JavaScript object can reach it. On
 * `close()` the buffer is detached first (`ArrayBuffer.prototype.transfer(0)`), so every
 * TypedArray over it reads length 0, and only then unmapped; a mapping dropped unclosed is
 * unmapped by a finalizer, which runs only once the buffer itself is garbage. Runtimes that
 * cannot detach (Node before 22) are refused when this module loads: there the unmap would
 * have to wait for the garbage collector, and mappings pile up until the process dies.
 *
 * @example
 * ```ts
 * import { Mapping } from "./mapping.ts";
 * import { openSegment } from "./segment.ts";
 * const [segment] = openSegment("samples", false); // float64 (100,), made by npshm
 * const m = new Mapping(segment, 128, 800, false, "shared array 'samples'", false);
 * const view = new Float64Array(m.buffer);
 * view[0] = 1;
 * m.close();
 * view.length; // 0: detached before the memory was unmapped
 * ```
 * @module
 */
import process from "node:process";
import { detectRuntime } from "../../ffi/load.ts";
import { ClosedError, UnsupportedError } from "../format/errors.ts";
import { controlOffset } from "../format/control.ts";
import { releaseSegment, type Segment, unlinkSegment, viewSegment } from "./segment.ts";

/** Node's first major version that npshm runs on: it can detach any ArrayBuffer. */
const MIN_NODE = 22;

// Checked when the module loads, so that importing npshm fails, not some later call.
requireDetachableBuffers();

/**
 * Throws unless this runtime can detach an ArrayBuffer (`ArrayBuffer.prototype.transfer`,
 * also for the external buffers FFI makes over shared memory), which `close()` relies on.
 *
 * @throws {UnsupportedError} Node before 22, or any runtime without `transfer`
 * @example
 * ```ts
 * requireDetachableBuffers(); // throws on Node 20
 * ```
 */
export function requireDetachableBuffers(): void {
  const node = detectRuntime() === "node" ? process.versions.node : undefined;
  const tooOld = node !== undefined && Number(node.split(".")[0]) < MIN_NODE;
  if (!tooOld && typeof ArrayBuffer.prototype.transfer === "function") return;
  throw new UnsupportedError(
    `npshm needs Node.js ${MIN_NODE} or later, Deno 2 or Bun 1.1 (this is ` +
      `${node ? `Node.js ${node}` : "a runtime"} without ArrayBuffer.prototype.transfer): ` +
      "close() must detach every view of an array before it unmaps the memory, and where " +
      "views cannot be detached the unmap waits for the garbage collector, so processes that " +
      "attach and close arrays in a loop run out of mappings and crash. Node 20 reached its " +
      "end of life in April 2026.",
  );
}

// The mapping behind each buffer npshm makes lives on the buffer itself, under a registered
// symbol: a property costs far less per attach than a weak collection (measured ~0.5 us), and
// every copy of this module in a process (isSharedArray across copies) finds it.
const MAPPING = Symbol.for("npshm.mapping");
type Tagged = ArrayBufferLike & { [MAPPING]?: Mapping };

/**
 * The mapping behind an ArrayBuffer npshm made over shared memory, if it is one.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using frames = createSharedArray("frames", { shape: [4], dtype: "uint8" });
 * mappingOf(frames.data.buffer)?.segment.name; // "frames"
 * mappingOf(new ArrayBuffer(8)); // undefined: not npshm memory
 * ```
 */
export function mappingOf(buffer: ArrayBufferLike): Mapping | undefined {
  return (buffer as Tagged)[MAPPING];
}

const finalizer = new FinalizationRegistry<Segment>((segment) => {
  try {
    releaseSegment(segment);
  } catch {
    // a finalizer has no caller to report to; the process keeps running either way
  }
});

type Detachable = ArrayBuffer & { detached?: boolean };

/**
 * One mapping of a segment and the only ArrayBuffer over its data bytes.
 *
 * @example
 * ```ts
 * import { openSegment } from "./segment.ts";
 * const [segment] = openSegment("flags", true); // int32 (2,), mapped copy-on-write
 * const m = new Mapping(segment, 128, 8, true, "shared array 'flags'", false);
 * m.copyOnWrite; // true: writes through m.buffer stay in this process
 * m.close();
 * ```
 */
export class Mapping {
  /** Words that name the array in error messages, e.g. `shared array 'frames'`. */
  readonly label: string;
  /** Whether this mapping is private copy-on-write. */
  readonly readOnly: boolean;
  /**
   * Whether writes stay in this process (a private copy-on-write mapping): then the bytes seen
   * here may differ from the segment's or file's own. Read-only attaches, and files opened "c".
   */
  copyOnWrite: boolean;
  /** Byte offset of the data in the segment (where the buffer starts). */
  readonly dataOffset: number;
  /** Whether {@link close} also removes the name (only if it still names this segment). */
  unlinkOnClose: boolean;
  #segment: Segment;
  #buffer: ArrayBuffer | undefined;
  #pins = 0;
  /** What pins asked to be told when close() starts; made by the first (most arrays have none:
   * a Set per attach cost 130 ns on Deno). */
  #onClose: Set<() => void> | undefined;
  /** Where the segment's control block is, if it has one: what tells it apart on macOS. */
  #controlAt: number;
  /** A release waiting for the pins: whether it unmaps too. */
  #releaseDeferred: { unmap: boolean } | undefined;

  /** Wraps `segment`; its `dataLength` bytes at `dataOffset` become {@link buffer}. */
  constructor(
    segment: Segment,
    dataOffset: number,
    dataLength: number,
    readOnly: boolean,
    label: string,
    unlinkOnClose: boolean,
  ) {
    this.#segment = segment;
    this.dataOffset = dataOffset;
    this.readOnly = readOnly;
    this.copyOnWrite = readOnly;
    this.label = label;
    this.unlinkOnClose = unlinkOnClose;
    this.#controlAt = controlOffset(dataOffset, dataLength);
    let buffer: ArrayBuffer;
    try {
      buffer = viewSegment(segment, dataOffset, dataLength);
    } catch (err) {
      // The runtime cannot make this view (Bun stops at 4 GiB): nothing is kept.
      releaseSegment(segment);
      throw new UnsupportedError(
        `cannot map ${label} (${dataLength} bytes) on this runtime: ${(err as Error).message}`,
      );
    }
    this.#buffer = buffer;
    (buffer as Tagged)[MAPPING] = this;
    // An empty array has no external buffer: nothing can reach the memory but this object.
    finalizer.register(dataLength > 0 ? buffer : this, segment, this);
  }

  /** The data bytes; throws {@link ClosedError} after {@link close}. */
  get buffer(): ArrayBuffer {
    if (this.#buffer === undefined) throw new ClosedError(`${this.label} is closed`);
    return this.#buffer;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#buffer === undefined;
  }

  /** The segment behind this mapping (for unlink-if-same and diagnostics). */
  get segment(): Segment {
    return this.#segment;
  }

  /**
   * Detaches every view, then unmaps. Idempotent. If user code already detached the buffer
   * (its memory may live on in the transferred buffer), the mapping is left in place.
   */
  close(): void {
    const buffer = this.#buffer;
    if (buffer === undefined) return;
    this.#buffer = undefined;
    const onClose = this.#onClose;
    this.#onClose = undefined;
    if (onClose) { for (const closing of onClose) closing(); }
    try {
      if (this.unlinkOnClose) unlinkSegment(this.#segment.name, this.#segment, this.#controlAt);
    } finally {
      this.#detachAndRelease(buffer as Detachable);
    }
  }

  #detachAndRelease(buffer: Detachable): void {
    // User code that transferred the buffer may still use its bytes there: never unmap them.
    const transferred = buffer.detached === true;
    if (!transferred && buffer.byteLength > 0) buffer.transfer(0); // empty: nothing to detach
    this.#release(!transferred);
  }

  /**
   * Keeps the memory and handle alive while native code runs on them off the JS thread (an
   * async lock or wait): a `close()` meanwhile detaches the views at once but unmaps only when
   * the returned function has been called. `onClose`, if given, is called when `close()`
   * starts (to end that native call at once).
   */
  pin(onClose?: () => void): () => void {
    this.#pins++;
    if (onClose) (this.#onClose ??= new Set()).add(onClose);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (onClose) this.#onClose?.delete(onClose);
      if (--this.#pins === 0 && this.#releaseDeferred) this.#release(this.#releaseDeferred.unmap);
    };
  }

  #release(unmap = true): void {
    finalizer.unregister(this);
    if (this.#pins > 0) {
      this.#releaseDeferred = { unmap };
      return;
    }
    this.#releaseDeferred = undefined;
    releaseSegment(this.#segment, unmap);
  }
}
