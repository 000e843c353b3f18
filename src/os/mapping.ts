/**
 * The lifetime of one mapped segment in this process: the single ArrayBuffer over its data,
 * closing (detach every view, then unmap) and the finalizer for mappings dropped unclosed.
 *
 * The rule it enforces: memory is unmapped only when no JavaScript object can reach it. On
 * `close()` the buffer is detached first (`ArrayBuffer.prototype.transfer(0)`), so every
 * TypedArray over it reads length 0; where a runtime cannot detach, the unmap is left to the
 * finalizer, which runs only once the buffer itself is garbage.
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
import { ClosedError, UnsupportedError } from "../format/errors.ts";
import {
  releaseSegment,
  type Segment,
  unlinkSegment,
  unmapSegment,
  viewSegment,
} from "./segment.ts";

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

// Where a runtime cannot detach (Node 20), close() releases the handle at once and leaves only
// the unmap to this registry, which runs once the buffer (every view) is garbage.
const unmapLater = new FinalizationRegistry<Segment>((segment) => {
  try {
    unmapSegment(segment);
  } catch {
    // as above: nobody to report to
  }
});

type Detachable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; detached?: boolean };

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
    let buffer: ArrayBuffer;
    try {
      buffer = viewSegment(segment, dataOffset, dataLength);
    } catch (err) {
      // The runtime cannot make this view (Node 20 and Bun stop at 4 GiB): nothing is kept.
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
    try {
      if (this.unlinkOnClose) unlinkSegment(this.#segment.name, this.#segment);
    } finally {
      this.#detachAndRelease(buffer as Detachable);
    }
  }

  #detachAndRelease(buffer: Detachable): void {
    if (buffer.detached) {
      // User code transferred the buffer: its bytes may live on there, so never unmap them.
      finalizer.unregister(this);
      releaseSegment(this.#segment, false);
    } else if (buffer.byteLength === 0) {
      this.#release(); // empty array: no view can reach the memory
    } else if (typeof buffer.transfer === "function") {
      buffer.transfer(0);
      this.#release();
    } else {
      // This runtime cannot detach: a view may still reach the memory, so the unmap waits
      // until the last view is garbage. The handle and the tracking end now, as elsewhere.
      unmapLater.register(buffer, this.#segment);
      this.#release(false);
    }
  }

  /**
   * Keeps the memory and handle alive while native code runs on them off the JS thread (an
   * async lock or wait): a `close()` meanwhile detaches the views at once but unmaps only when
   * the returned function has been called.
   */
  pin(): () => void {
    this.#pins++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
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
