/**
 * The cross-process mutex of a shared array: {@link SegmentLock} and the {@link LockGuard}
 * that `lock()` returns.
 *
 * The lock is a word in the segment's control block (the protocol, which C or Python can
 * follow too: README.md, "The lock protocol"; the design: `native/npshm_sync.c`). Taking a
 * free lock is one `Atomics.compareExchange` on it, releasing it another: no native call, no
 * system call. Only a locker that finds it taken calls into the shim, which spins briefly,
 * then sleeps on the word (a futex; on Windows named semaphores keyed by the array and the
 * word's offset) until the holder lets go.
 *
 * Each array object that locks owns a liveness token, a lock the kernel holds for it and drops
 * when it closes or its process dies, even by `kill -9` (on Windows a named event it keeps
 * open, which goes with the last handle to it). A locker that finds the word taken by
 * a holder whose token is gone takes the lock over and is told so:
 * {@link LockGuard.previousOwnerDied}. Its data may be half-updated: repair it before
 * unlocking. No pid is compared, so a reused pid or another pid namespace cannot fool it.
 *
 * Within one process the lock belongs to the array object: it is not re-entrant (a second
 * `lock()` on the same array is a {@link LockError}, not a deadlock), and async lockers of one
 * array queue in order. Two arrays of the same name in one process exclude each other like two
 * processes do. Closing an array releases the lock it holds and ends its pending `lockAsync`
 * calls with a {@link ClosedError} at once.
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
import process from "node:process";
import { OUT_SLOTS, Status } from "../../ffi/contract.ts";
import { CONTROL_VERSION, LOCK_FIELD } from "../format/control.ts";
import {
  AbortedError,
  ClosedError,
  LockError,
  NotFoundError,
  PermissionDeniedError,
  ReadOnlyError,
  TimeoutError,
  UnsupportedError,
} from "../format/errors.ts";
import type { Mapping } from "../os/mapping.ts";
import { failure, shim } from "../os/native.ts";
import { readSegment, shimName, viewSegment, withHandle } from "../os/segment.ts";
import { optionsOf, signalOf, timeoutNs } from "./args.ts";
import { watched } from "./cancel.ts";

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
  /** The previous holder died (or dropped its array unclosed) holding it: check the data. */
  readonly previousOwnerDied: boolean;
  /** Pid of that previous holder (0 if it unlocked cleanly, or died before writing it). */
  readonly previousOwnerPid: number;
  /** Releases the lock (once; later calls do nothing). */
  unlock(): void;
}

/**
 * Options of `lock()`.
 *
 * @example
 * ```ts
 * import { createSharedArray, type LockOptions } from "@npshm/npshm";
 * using queue = createSharedArray("queue", { shape: [8], dtype: "int32" });
 * const options: LockOptions = { timeoutMs: 250 };
 * using guard = queue.lock(options); // TimeoutError if not free within 250 ms
 * ```
 */
export interface LockOptions {
  /**
   * Give up after this many milliseconds with a {@link TimeoutError}. Default: wait forever
   * (as `Infinity`, or any timeout too long to count, does); 0 or less: take it only if it is
   * free now.
   */
  readonly timeoutMs?: number;
}

/**
 * Options of `lockAsync()`.
 *
 * @example
 * ```ts
 * import { createSharedArray, type LockAsyncOptions } from "@npshm/npshm";
 * using queue = createSharedArray("queue", { shape: [8], dtype: "int32" });
 * const options: LockAsyncOptions = { signal: AbortSignal.timeout(1000) };
 * using guard = await queue.lockAsync(options); // AbortedError if not free within 1 s
 * ```
 */
export interface LockAsyncOptions extends LockOptions {
  /** Give up when it fires, with an {@link AbortedError} whose `cause` is its reason. */
  readonly signal?: AbortSignal;
}

const out = new BigInt64Array(OUT_SLOTS);
const PID = process.pid;

// The token of an array dropped without close(): closing it is what lets the next locker see
// that its holder is gone.
const tokens = new FinalizationRegistry<bigint>((token) => {
  try {
    shim().npshm_close(token);
  } catch {
    // a finalizer has no caller to report to
  }
});

class Guard implements LockGuard {
  readonly previousOwnerDied: boolean;
  readonly previousOwnerPid: number;
  #lock: SegmentLock;

  constructor(lock: SegmentLock, died: boolean, pid: number) {
    this.#lock = lock;
    this.previousOwnerDied = died;
    this.previousOwnerPid = pid;
  }

  unlock(): void {
    this.#lock.release(this);
  }

  [Symbol.dispose](): void {
    this.#lock.release(this);
  }
}

type Waiter = { go: () => void; stop: (err: Error) => void };

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
  /** The lock word and the pid word, once a token is taken; undefined again after dispose. */
  #word: Int32Array | undefined;
  #addr = 0n;
  #token = -1n;
  #id = 0;
  #held: LockGuard | undefined;
  #acquiring = false;
  #queue: Waiter[] = [];
  /** Async native waits under way: they use the token, so it is closed after them. */
  #inFlight = 0;
  #disposed = false;

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
  lock(options?: LockOptions): LockGuard {
    const word = this.#word;
    if (options === undefined && word !== undefined && !this.#busy()) {
      if (Atomics.compareExchange(word, 0, 0, this.#id) === 0) return this.#take(word);
    }
    return this.#lockSlowly(options);
  }

  /** Takes the lock if it is free now (or its holder is dead), else returns `null` at once. */
  tryLock(): LockGuard | null {
    this.#check();
    if (this.#busy()) return null;
    const word = this.#prepare();
    if (Atomics.compareExchange(word, 0, 0, this.#id) === 0) return this.#take(word);
    const status = shim().npshm_lock_wait(this.#token, this.#addr, this.#id, 0n, 0n, out);
    return status === Status.TIMED_OUT ? null : this.#acquired(status, out, "tryLock");
  }

  /** Waits for the lock without blocking the event loop. */
  async lockAsync(options?: LockAsyncOptions): Promise<LockGuard> {
    this.#check();
    const { timeoutMs, signal: given } = optionsOf(options, "lockAsync");
    const signal = signalOf(given, "lockAsync");
    const deadline = deadlineOf(timeoutNs(timeoutMs, "lockAsync"));
    if (signal?.aborted) throw this.#aborted(signal);
    if (this.#busy()) await this.#queued(signal, deadline, timeoutMs);
    else this.#acquiring = true;
    try {
      this.#check();
      if (signal?.aborted) throw this.#aborted(signal);
      const word = this.#prepare();
      if (Atomics.compareExchange(word, 0, 0, this.#id) === 0) {
        this.#acquiring = false;
        return this.#take(word);
      }
      const [status, from] = await this.#waitNatively(signal, deadline);
      this.#acquiring = false;
      return this.#acquired(status, from, "lockAsync", timeoutMs);
    } catch (err) {
      this.#handOver();
      throw err;
    }
  }

  /** Releases the lock this array holds. */
  unlock(): void {
    if (this.#held === undefined) {
      throw new LockError(`${this.#mapping.label} is not locked by this array`);
    }
    this.#held = undefined;
    this.#releaseWord(this.#word!);
    if (this.#queue.length > 0) this.#handOver();
  }

  /** @internal A guard's unlock: releases the lock if `guard` still holds it. */
  release(guard: LockGuard): void {
    if (this.#held === guard) this.unlock();
  }

  /**
   * Called on close, before the memory goes: releases a held lock and fails queued async
   * lockers. Native waits under way end when the mapping closes (their cancel word is set).
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const word = this.#word;
    this.#word = undefined;
    if (this.#held !== undefined && word !== undefined) {
      this.#held = undefined;
      try {
        this.#releaseWord(word);
      } catch {
        // closing anyway: the token goes below, so the next locker takes it over
      }
    }
    const closed = new ClosedError(`${this.#mapping.label} was closed while waiting for its lock`);
    for (const waiter of this.#queue.splice(0)) waiter.stop(closed);
    if (word !== undefined) detach(word.buffer);
    if (this.#inFlight === 0) this.#closeToken();
  }

  #lockSlowly(options: LockOptions | undefined): LockGuard {
    this.#check();
    const { timeoutMs } = optionsOf(options, "lock");
    const ns = timeoutNs(timeoutMs, "lock");
    if (this.#busy()) {
      throw new LockError(
        `${this.#mapping.label} is already locked (or being locked) through this array: npshm ` +
          "locks are not re-entrant; unlock first or use lockAsync() to queue",
      );
    }
    const word = this.#prepare();
    if (Atomics.compareExchange(word, 0, 0, this.#id) === 0) return this.#take(word);
    const status = shim().npshm_lock_wait(this.#token, this.#addr, this.#id, ns, 0n, out);
    return this.#acquired(status, out, "lock", timeoutMs);
  }

  #busy(): boolean {
    return this.#held !== undefined || this.#acquiring || this.#queue.length > 0;
  }

  // The next queued async locker, if any, goes on (it is marked acquiring before it runs, so
  // no synchronous lock() can slip in on the same array in between).
  #handOver(): void {
    const next = this.#queue.shift();
    this.#acquiring = next !== undefined;
    next?.go();
  }

  // Waits in this array's queue of async lockers; leaves it on abort or timeout.
  #queued(signal: AbortSignal | undefined, deadline: number, timeoutMs: unknown): Promise<void> {
    return new Promise((go, stop) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        go: () => (done(), go()),
        stop: (err) => (done(), stop(err)),
      };
      const leave = (err: Error) => {
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
        waiter.stop(err);
      };
      const onAbort = () => leave(this.#aborted(signal!));
      signal?.addEventListener("abort", onAbort);
      if (deadline !== Infinity) {
        const ms = Math.max(0, deadline - performance.now());
        timer = setTimeout(() => leave(this.#timedOut("lockAsync", timeoutMs)), ms);
      }
      this.#queue.push(waiter);
    });
  }

  // The shim's lock wait off the JS thread, ended early by close() or the signal.
  async #waitNatively(
    signal: AbortSignal | undefined,
    deadline: number,
  ): Promise<[number, BigInt64Array]> {
    const own = new BigInt64Array(OUT_SLOTS);
    const { token, addr, id } = { token: this.#token, addr: this.#addr, id: this.#id };
    this.#inFlight++;
    let status: number;
    try {
      status = await watched(this.#mapping, signal, async (cancel) => {
        const ns = nsUntil(deadline);
        const got = await shim().npshm_lock_wait_async(token, addr, id, ns, cancel, own);
        // Taken just as the array was closed or the wait aborted: give it back, here, while
        // watched() still keeps the memory mapped.
        const late = this.#disposed || signal?.aborted;
        if (!late || (got !== Status.OK && got !== Status.OWNER_DIED)) return got;
        shim().npshm_unlock(addr, id, own);
        return Status.CANCELLED;
      });
    } finally {
      if (--this.#inFlight === 0 && this.#disposed) this.#closeToken();
    }
    if (status === Status.CANCELLED && this.#disposed) {
      throw new ClosedError(`${this.#mapping.label} was closed while waiting for its lock`);
    }
    if (status === Status.CANCELLED && signal?.aborted) throw this.#aborted(signal);
    return [status, own];
  }

  #take(word: Int32Array, died = false, pid = 0): LockGuard {
    word[1] = PID;
    const guard = new Guard(this, died, pid);
    this.#held = guard;
    return guard;
  }

  // A shim lock wait's status as a guard or an error. The shim wrote the pid word itself.
  #acquired(status: number, from: BigInt64Array, what: string, timeoutMs?: unknown): LockGuard {
    if (status === Status.OK || status === Status.OWNER_DIED) {
      const guard = new Guard(this, status === Status.OWNER_DIED, Number(from[0]));
      this.#held = guard;
      return guard;
    }
    if (status === Status.TIMED_OUT) throw this.#timedOut(what, timeoutMs);
    if (status === Status.UNSUPPORTED) {
      throw new UnsupportedError("cross-process locks are not available on this platform yet");
    }
    throw failure(status, `lock ${this.#mapping.label}`, from);
  }

  #timedOut(what: string, timeoutMs: unknown): TimeoutError {
    return new TimeoutError(
      `${what}: ${this.#mapping.label} was not unlocked within ${timeoutMs} ms`,
    );
  }

  #aborted(signal: AbortSignal): AbortedError {
    return new AbortedError(
      `lockAsync of ${this.#mapping.label} was aborted: ${signal.reason}`,
      signal.reason,
    );
  }

  #releaseWord(word: Int32Array): void {
    word[1] = 0;
    if (Atomics.compareExchange(word, 0, this.#id, 0) === this.#id) return;
    // Sleepers (the waiters bit is set): the shim releases and wakes one.
    const status = shim().npshm_unlock(this.#addr, this.#id, out);
    if (status === Status.PERMISSION) {
      throw new LockError(
        `${this.#mapping.label}'s lock is no longer held by this array (another process took ` +
          "it over: this array's liveness token was lost)",
      );
    }
    if (status !== Status.OK) throw failure(status, `unlock ${this.#mapping.label}`, out);
  }

  #check(): void {
    if (this.#mapping.closed) throw new ClosedError(`${this.#mapping.label} is closed`);
    if (this.#control === undefined) {
      throw new UnsupportedError(
        `${this.#mapping.label} has no npshm control block (it was made by Python/NumPy or ` +
          "another tool), so it has no lock: use a standalone mutex (openMutex) next to it",
      );
    }
    if (this.#mapping.readOnly) {
      throw new ReadOnlyError(
        `${this.#mapping.label} was attached read-only: its lock needs a read-write attach`,
      );
    }
  }

  // The lock word's view and this array's token, on first use.
  #prepare(): Int32Array {
    if (this.#word !== undefined) return this.#word;
    const segment = this.#mapping.segment;
    const control = this.#control!;
    const version = new DataView(readSegment(segment, control + 8, 2).buffer).getUint16(0, true);
    if (version !== CONTROL_VERSION) {
      throw new UnsupportedError(
        `${this.#mapping.label} was made by ${version < CONTROL_VERSION ? "an older" : "a newer"}` +
          ` npshm (control block version ${version}, this one locks version ${CONTROL_VERSION})` +
          ", whose lock works differently: recreate the array to lock it",
      );
    }
    const addr = segment.addr + BigInt(control + LOCK_FIELD);
    // The token opens a description of its own: from the handle, reopened if it was let go.
    const status = withHandle(
      segment,
      (handle) => shim().npshm_lock_token_of(handle, shimName(segment.name), addr, out),
      () => {
        throw new NotFoundError(
          `cannot lock ${this.#mapping.label}: its name was deleted or now names another ` +
            "array, so no lock token can be taken for it (lock before deleting the name)",
        );
      },
    );
    if (status === Status.BUSY) {
      throw new LockError(
        `cannot lock ${this.#mapping.label}: every lock token drawn was locked by another ` +
          "process (one that can read the segment can do that: make it owner-only, mode 0o600)",
      );
    }
    if (status === Status.UNSUPPORTED) {
      throw new UnsupportedError("cross-process locks are not available on this platform yet");
    }
    if (status === Status.PERMISSION) { // macOS's lock files (README, "macOS")
      throw new PermissionDeniedError(
        `cannot lock ${this.#mapping.label}: where locks use lock files (macOS), only processes ` +
          "of the user who owns it can lock it, and that user's lock directory must be theirs alone",
        Number(out[3]),
      );
    }
    if (status !== Status.OK) throw failure(status, `lock ${this.#mapping.label}`, out);
    this.#token = out[0];
    this.#id = Number(out[1]);
    this.#addr = addr;
    tokens.register(this, this.#token, this);
    this.#word = new Int32Array(viewSegment(segment, control + LOCK_FIELD, 8));
    return this.#word;
  }

  #closeToken(): void {
    if (this.#token < 0n) return;
    tokens.unregister(this);
    shim().npshm_close(this.#token);
    this.#token = -1n;
  }
}

/** When a wait of `ns` (-1n: forever) started now ends, in `performance.now()` time. */
function deadlineOf(ns: bigint): number {
  return ns < 0n ? Infinity : performance.now() + Number(ns) / 1e6;
}

/** What is left of a deadline, as the shim's timeout. */
function nsUntil(deadline: number): bigint {
  if (deadline === Infinity) return -1n;
  return BigInt(Math.max(0, Math.ceil((deadline - performance.now()) * 1e6)));
}

// A view over mapped memory must not outlive the mapping (a later mapping may reuse the
// address): detach it where the runtime can.
function detach(buffer: ArrayBufferLike): void {
  try {
    (buffer as ArrayBuffer & { transfer?: (n: number) => ArrayBuffer }).transfer?.(0);
  } catch {
    // not detachable: nothing else refers to it, so it is only garbage now
  }
}
