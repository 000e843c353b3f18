/**
 * The cross-process mutex of a shared array: {@link SegmentLock} and the {@link LockGuard}
 * that `lock()` returns.
 *
 * The lock itself is an exclusive lock the kernel keeps on the 4 bytes of the control block's
 * owner word (an open-file-description lock; why not a pthread mutex is explained in
 * `native/npshm_sync.c`). The kernel drops it when its holder dies, even by `kill -9`; the
 * owner word, which a clean `unlock()` clears, then still holds the dead holder's pid, so the
 * next locker is told: {@link LockGuard.previousOwnerDied}. Its data may be half-updated:
 * repair it before unlocking.
 *
 * Within one process the lock belongs to the array object (its descriptor): it is not
 * re-entrant (a second `lock()` on the same array is a {@link LockError}, not a deadlock),
 * and async lockers of one array queue in order. Two arrays of the same name in one process
 * exclude each other like two processes do.
 *
 * @example
 * ```ts
 * import { attachSharedArray } from "@npshm/npshm";
 * using counter = attachSharedArray("counter", { validateDtype: "int32" });
 * {
 *   using guard = counter.lock();
 *   if (guard.previousOwnerDied) console.warn("the previous holder died mid-update");
 *   counter.data[0] += 1;
 * } // unlocked here
 * ```
 * @module
 */
import { OUT_SLOTS, Status } from "../../ffi/contract.ts";
import { OWNER_FIELD } from "../format/control.ts";
import { ClosedError, LockError, ReadOnlyError, UnsupportedError } from "../format/errors.ts";
import type { Mapping } from "../os/mapping.ts";
import { failure, shim } from "../os/native.ts";

/**
 * Proof of holding a lock: `unlock()` (or the end of a `using` block) releases it. Unlocking
 * twice is harmless.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using stock = createSharedArray("stock", { shape: [1], dtype: "int32", fill: 10 });
 * const guard = stock.lock();
 * try {
 *   stock.data[0] -= 1;
 * } finally {
 *   guard.unlock();
 * }
 * guard.unlock(); // does nothing: it was released already
 * ```
 */
export interface LockGuard extends Disposable {
  /** The previous holder died (or closed its array) without unlocking: check the data. */
  readonly previousOwnerDied: boolean;
  /** Pid of that previous holder, 0 if it unlocked cleanly. */
  readonly previousOwnerPid: number;
  /** Releases the lock (once; later calls do nothing). */
  unlock(): void;
}

const out = new BigInt64Array(OUT_SLOTS);

/**
 * The lock of one mapped segment in this process. Made by `SharedArray` on first use.
 *
 * @example
 * ```ts
 * import type { Mapping } from "../os/mapping.ts";
 * // `control`: where the array's control block starts, after its data.
 * function increment(mapping: Mapping, control: number): void {
 *   const lock = new SegmentLock(mapping, control);
 *   using guard = lock.lock();
 *   new Int32Array(mapping.buffer)[0] += 1;
 * }
 * ```
 */
export class SegmentLock {
  #mapping: Mapping;
  #control: number | undefined;
  #held: LockGuard | undefined;
  #acquiring = false;
  #queue: { go: () => void; stop: (err: Error) => void }[] = [];

  /** `control`: offset of the segment's control block, `undefined` if it has none. */
  constructor(mapping: Mapping, control: number | undefined) {
    this.#mapping = mapping;
    this.#control = control;
  }

  /** Whether this array holds the lock now. */
  get held(): boolean {
    return this.#held !== undefined;
  }

  /** Waits for the lock, blocking the thread; see the module docs. */
  lock(): LockGuard {
    this.#check();
    if (this.#busy()) {
      throw new LockError(
        `${this.#mapping.label} is already locked (or being locked) through this array: npshm ` +
          "locks are not re-entrant; unlock first or use lockAsync() to queue",
      );
    }
    const status = shim().npshm_lock(this.#handle(), this.#offset(), this.#ownerAddr(), 0, out);
    return this.#acquired(status, out);
  }

  /** Takes the lock if it is free now, else returns `null` at once. */
  tryLock(): LockGuard | null {
    this.#check();
    if (this.#busy()) return null;
    const status = shim().npshm_lock(this.#handle(), this.#offset(), this.#ownerAddr(), 1, out);
    return status === Status.BUSY ? null : this.#acquired(status, out);
  }

  /** Waits for the lock without blocking the event loop. */
  async lockAsync(): Promise<LockGuard> {
    this.#check();
    if (this.#busy()) {
      await new Promise<void>((go, stop) => this.#queue.push({ go, stop }));
    } else {
      this.#acquiring = true;
    }
    const own = new BigInt64Array(OUT_SLOTS);
    const unpin = this.#mapping.pin(); // a close() meanwhile must not unmap under the call
    let status: number;
    try {
      status = await shim().npshm_lock_async(
        this.#handle(),
        this.#offset(),
        this.#ownerAddr(),
        0,
        own,
      );
    } catch (err) {
      unpin();
      this.#handOver();
      throw err;
    }
    try {
      if (this.#mapping.closed) {
        if (status === Status.OK || status === Status.OWNER_DIED) this.#release(own);
        throw new ClosedError(`${this.#mapping.label} was closed while waiting for its lock`);
      }
      this.#acquiring = false;
      return this.#acquired(status, own);
    } catch (err) {
      this.#handOver();
      throw err;
    } finally {
      unpin();
    }
  }

  /** Releases the lock this array holds. */
  unlock(): void {
    if (this.#held === undefined) {
      throw new LockError(`${this.#mapping.label} is not locked by this array`);
    }
    this.#held = undefined;
    this.#release(out);
    this.#handOver();
  }

  /** Called on close: releases a held lock and fails queued async lockers. */
  dispose(): void {
    if (this.#held !== undefined) {
      this.#held = undefined;
      try {
        this.#release(out);
      } catch {
        // closing anyway: the kernel drops the lock with the descriptor
      }
    }
    const closed = new ClosedError(`${this.#mapping.label} was closed while waiting for its lock`);
    for (const waiter of this.#queue.splice(0)) waiter.stop(closed);
  }

  #busy(): boolean {
    return this.#held !== undefined || this.#acquiring || this.#queue.length > 0;
  }

  // The next queued async locker, if any, goes on (it is marked acquiring before it runs, so
  // no synchronous lock() can slip in on the same descriptor in between).
  #handOver(): void {
    const next = this.#queue.shift();
    this.#acquiring = next !== undefined;
    next?.go();
  }

  #acquired(status: number, from: BigInt64Array): LockGuard {
    if (status === Status.UNSUPPORTED) {
      throw new UnsupportedError("cross-process locks are not available on this platform yet");
    }
    if (status !== Status.OK && status !== Status.OWNER_DIED) {
      throw failure(status, `lock ${this.#mapping.label}`, from);
    }
    const guard: LockGuard = {
      previousOwnerDied: status === Status.OWNER_DIED,
      previousOwnerPid: Number(from[0]),
      unlock: () => {
        if (this.#held === guard) this.unlock();
      },
      [Symbol.dispose]: () => guard.unlock(),
    };
    this.#held = guard;
    return guard;
  }

  #release(from: BigInt64Array): void {
    const status = shim().npshm_unlock(this.#handle(), this.#offset(), this.#ownerAddr(), from);
    if (status !== Status.OK) throw failure(status, `unlock ${this.#mapping.label}`, from);
  }

  #check(): void {
    if (this.#mapping.closed) throw new ClosedError(`${this.#mapping.label} is closed`);
    if (this.#control === undefined) {
      throw new UnsupportedError(
        `${this.#mapping.label} has no npshm control block (it was made by Python/NumPy or an ` +
          "older tool), so it has no lock: use a standalone mutex (openMutex) next to it",
      );
    }
    if (this.#mapping.readOnly) {
      throw new ReadOnlyError(
        `${this.#mapping.label} was attached read-only: its lock needs a read-write attach`,
      );
    }
  }

  #handle(): bigint {
    return this.#mapping.segment.handle;
  }

  #offset(): bigint {
    return BigInt(this.#control! + OWNER_FIELD);
  }

  #ownerAddr(): bigint {
    return this.#mapping.segment.addr + this.#offset();
  }
}
