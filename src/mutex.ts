/**
 * Standalone named mutexes: {@link openMutex} gives a cross-process lock by name, not tied to
 * an array. It is a tiny npshm segment (an empty `uint8` array, so NumPy can still read it)
 * whose control block holds the lock; see src/sync/lock.ts for how the lock behaves, including the
 * report of a holder that died.
 *
 * @example
 * ```ts
 * import { openMutex } from "./mutex.ts";
 * using mutex = openMutex("jobs.lock");
 * {
 *   using guard = mutex.lock(); // one process at a time appends
 *   await Deno.writeTextFile("jobs.txt", "job 42\n", { append: true });
 * }
 * ```
 * @module
 */
import { NotFoundError } from "./format/errors.ts";
import { attachSharedArray, createSharedArray } from "./lifecycle.ts";
import type { SharedArray } from "./shared_array.ts";
import type { LockAsyncOptions, LockGuard, LockOptions } from "./sync/lock.ts";

/**
 * Options of {@link openMutex}.
 *
 * @example
 * ```ts
 * // Kept until deleted, and lockable by the owner's group (locking needs write permission).
 * const opts: MutexOptions = { track: false, mode: 0o660 };
 * ```
 */
export interface MutexOptions {
  /**
   * Remove the mutex's name when the last process that has it open closes it or dies.
   * Default `true`: a named mutex is usually wanted only while someone uses it.
   */
  track?: boolean;
  /** Permission bits if it is created (POSIX). Default `0o600`. */
  mode?: number;
}

/**
 * A named cross-process mutex. Same methods as a shared array's lock.
 *
 * @example
 * ```ts
 * const m = openMutex("render");
 * const guard = await m.lockAsync();
 * guard.unlock();
 * m.close();
 * ```
 */
export class NamedMutex implements Disposable {
  #array: SharedArray;

  /** @internal Use {@link openMutex}. */
  constructor(array: SharedArray) {
    this.#array = array;
  }

  /** The name every process opens it by. */
  get name(): string {
    return this.#array.name;
  }

  /** Waits for the mutex, blocking the thread (see `SharedArray.lock`). */
  lock(options?: LockOptions): LockGuard {
    return this.#array.lock(options);
  }

  /** Takes the mutex if free now, else `null`. */
  tryLock(): LockGuard | null {
    return this.#array.tryLock();
  }

  /** Waits for the mutex without blocking the event loop (see `SharedArray.lockAsync`). */
  lockAsync(options?: LockAsyncOptions): Promise<LockGuard> {
    return this.#array.lockAsync(options);
  }

  /** Releases the mutex held through this object. */
  unlock(): void {
    this.#array.unlock();
  }

  /** Releases it if held and closes this process's handle (removing the name if tracked last). */
  close(): void {
    this.#array.close();
  }

  /** `using m = openMutex(...)` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Opens the named mutex `name`, creating it if it does not exist (concurrent openers agree on
 * one).
 *
 * @example
 * ```ts
 * using m = openMutex("db-writer", { track: true });
 * using guard = m.lock();
 * ```
 */
export function openMutex(name: string, options: MutexOptions = {}): NamedMutex {
  const track = options.track ?? true;
  for (let attempt = 0; attempt < 100; attempt++) {
    const made = createSharedArray(name, {
      shape: [0],
      dtype: "u1",
      track,
      mode: options.mode,
      raiseOnError: false,
    });
    const array = made ?? attachSharedArray(name, { track, raiseOnError: false });
    if (array) return new NamedMutex(array);
    // it existed when we tried to create, and was gone when we tried to attach: again
  }
  throw new NotFoundError(`cannot open mutex '${name}': it keeps being created and deleted`);
}
