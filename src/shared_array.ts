/**
 * {@link SharedArray}: the NdArray that owns a mapping of a named segment, and
 * {@link isSharedArray}.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using frames = createSharedArray("frames", { shape: [2, 3], dtype: "int32" });
 * isSharedArray(frames); // true
 * isSharedArray(frames.data); // true
 * isSharedArray(new Int32Array(6)); // false
 * ```
 * @module
 */
import type { Layout } from "./array/layout.ts";
import { isNdArray, NdArray } from "./array/ndarray.ts";
import type { Scalar, TypedArray } from "./format/typed.ts";
import { type Mapping, mappingOf } from "./os/mapping.ts";
import {
  type LockAsyncOptions,
  type LockGuard,
  type LockOptions,
  SegmentLock,
} from "./sync/lock.ts";

/**
 * A named N-d array in shared memory, mapped into this process. Other processes (JS or
 * Python) that attach the same name see the same bytes.
 *
 * `close()` (or `using`) detaches every view (`data`, rows, slices: they read length 0 /
 * throw {@link ClosedError}) and unmaps; it does not delete the name — see
 * `deleteSharedArray` and the `unlinkOnClose` option. Arrays dropped without `close()` are
 * unmapped once garbage collected.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using a = createSharedArray("counts", { shape: [4], dtype: "uint32", fill: 0 });
 * a.data[2] += 1;
 * console.log(a.name, a.shape, a.get(2)); // "counts" [4] 1
 * ```
 */
export class SharedArray<T extends TypedArray = TypedArray, S extends Scalar = Scalar>
  extends NdArray<T, S> {
  /** The name other processes attach by. */
  readonly name: string;
  #mapping: Mapping;
  #control: number | undefined | (() => number | undefined);
  #lock: SegmentLock | undefined;

  /**
   * @internal Use {@link createSharedArray} / {@link attachSharedArray}. `control`: offset of
   * the segment's npshm control block (src/format/control.ts), `undefined` if it has none, or a
   * function that finds it (attach leaves the lookup to the first use: most arrays never lock).
   */
  constructor(
    name: string,
    mapping: Mapping,
    layout: Layout,
    control?: number | (() => number | undefined),
  ) {
    super(mapping, layout);
    this.name = name;
    this.#mapping = mapping;
    this.#control = control;
  }

  /**
   * Takes this array's cross-process mutex, waiting (and blocking the thread) while another
   * process or array object holds it. Not re-entrant. If the previous holder died holding it,
   * the lock is still granted and `previousOwnerDied` says so. Taking a free lock costs one
   * atomic operation. See `lockAsync` to wait without blocking the event loop.
   *
   * @throws {UnsupportedError} the array was made by Python (no npshm control block), or by an
   *   npshm whose lock works differently (another control block version)
   * @throws {ReadOnlyError} the array was attached read-only
   * @throws {LockError} this array already holds or is waiting for its lock
   * @throws {TimeoutError} `timeoutMs` passed before the lock was free
   * @throws {InvalidArgumentError} bad options
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using balances = createSharedArray("balances", { shape: [2], dtype: "int32", fill: 100 });
   * {
   *   // another process's lock() waits until this block ends; TimeoutError after 1 s
   *   using guard = balances.lock({ timeoutMs: 1000 });
   *   balances.data[0] -= 10;
   *   balances.data[1] += 10;
   * }
   * ```
   */
  lock(options?: LockOptions): LockGuard {
    return this.#segmentLock().lock(options);
  }

  /**
   * Takes the mutex if it is free now (or its holder died); `null` if a live holder has it.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using cache = createSharedArray("cache", { shape: [16], dtype: "float64" });
   * const guard = cache.tryLock();
   * if (guard) {
   *   try {
   *     cache.data.fill(0);
   *   } finally {
   *     guard.unlock();
   *   }
   * } else {
   *   console.log("busy: another process is refreshing the cache");
   * }
   * ```
   */
  tryLock(): LockGuard | null {
    return this.#segmentLock().tryLock();
  }

  /**
   * Waits for the mutex off the JS thread (the event loop keeps running). Async lockers of one
   * array queue in order. `close()` ends a pending call at once with a {@link ClosedError}.
   *
   * @throws {TimeoutError} `timeoutMs` passed before the lock was free
   * @throws {AbortedError} `signal` fired before the lock was free
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using hits = createSharedArray("hits", { shape: [1], dtype: "uint32" });
   * // timers and I/O go on while it waits; AbortedError if not locked within 5 s
   * using guard = await hits.lockAsync({ signal: AbortSignal.timeout(5000) });
   * hits.data[0] += 1;
   * ```
   */
  lockAsync(options?: LockAsyncOptions): Promise<LockGuard> {
    return this.#segmentLock().lockAsync(options);
  }

  /**
   * Releases the mutex this array holds (same as the guard's `unlock()`).
   *
   * @throws {LockError} this array does not hold it
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using flags = createSharedArray("flags", { shape: [8], dtype: "uint8" });
   * flags.lock();
   * flags.data[0] = 1;
   * flags.unlock(); // a second unlock() would be a LockError: it is no longer held
   * ```
   */
  unlock(): void {
    this.#segmentLock().unlock();
  }

  /**
   * Offset of the npshm control block in the segment, `undefined` for Python-made arrays.
   *
   * @example
   * ```ts
   * import { attachSharedArray } from "@npshm/npshm";
   * using a = attachSharedArray("from_python");
   * a.controlOffset; // undefined: made by NumPy, so a.lock() throws UnsupportedError
   * ```
   */
  get controlOffset(): number | undefined {
    if (typeof this.#control === "function") {
      void this.#mapping.buffer; // ClosedError after close(): the lookup reads mapped memory
      this.#control = this.#control();
    }
    return this.#control;
  }

  #segmentLock(): SegmentLock {
    this.#lock ??= new SegmentLock(this.#mapping, this.controlOffset);
    return this.#lock;
  }

  /**
   * Detaches every view of this array, then unmaps it (and removes the name if the array was
   * made with `unlinkOnClose`). Idempotent. Other processes are not affected.
   *
   * @example
   * ```ts
   * import { attachSharedArray, createSharedArray } from "@npshm/npshm";
   * const a = createSharedArray("kept", { shape: [3], dtype: "int8", fill: 1 });
   * a.close(); // unmapped here, but the name stays
   * using b = attachSharedArray("kept");
   * b.toArray(); // [1, 1, 1]
   * ```
   */
  close(): void {
    this.#lock?.dispose(); // a held lock is released, not left for the next one as "died"
    this.#mapping.close();
  }

  /** `using a = createSharedArray(...)` closes `a` at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Whether `value` is backed by npshm shared memory that is still mapped: an open SharedArray,
 * a view of one (row, slice, transpose, ...), or a TypedArray / DataView / ArrayBuffer over
 * one's data. A `copy()` is not: it lives in this process only.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * const a = createSharedArray("flag", { shape: [], dtype: "bool" });
 * isSharedArray(a.data); // true
 * a.close();
 * isSharedArray(a); // false: closed
 * ```
 */
export function isSharedArray(value: unknown): boolean {
  if (isNdArray(value)) return !value.closed && mappingOf(value.buffer) !== undefined;
  const buffer = value instanceof ArrayBuffer
    ? value
    : ArrayBuffer.isView(value)
    ? value.buffer
    : undefined;
  return buffer instanceof ArrayBuffer && buffer.byteLength > 0 && mappingOf(buffer) !== undefined;
}
