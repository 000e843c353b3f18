/**
 * {@link SharedArrayScope}: owns the arrays made in it and removes them all when it ends, even
 * on an exception — `using scope = new SharedArrayScope()` (or `await using`), like Python's
 * `SharedMemoryManager`. A scope still open when the process exits normally is closed by an
 * exit hook; for crashes and `kill -9`, create with `track: true` as well.
 *
 * @example
 * ```ts
 * {
 *   using scope = new SharedArrayScope();
 *   const grid = scope.create(undefined, { shape: [100, 100], dtype: "f8" });
 *   runWorkers(grid.name); // workers attach by name
 * } // grid is closed and its name removed here, whatever happened in the block
 * ```
 * @module
 */
import process from "node:process";
import { ClosedError } from "./format/errors.ts";
import type { ArrayFor, ScalarFor } from "./format/typed.ts";
import {
  type AttachOptions,
  attachSharedArray,
  type CreateOptions,
  createSharedArray,
  type DTypeLike,
} from "./lifecycle.ts";
import type { SharedArray } from "./shared_array.ts";

// Scopes open now, for the exit hook; the hook is installed once, on the first scope.
const open = new Set<SharedArrayScope>();
let hooked = false;

/** Options of {@link SharedArrayScope}. */
export interface ScopeOptions {
  /** Close the scope when the process exits normally, if still open. Default `true`. */
  exitHook?: boolean;
}

/**
 * Owns shared arrays: those it creates are closed and unlinked when it closes; those it
 * attaches are closed.
 *
 * @example
 * ```ts
 * await using scope = new SharedArrayScope();
 * const a = scope.create("frames", { shape: [4], dtype: "u1" });
 * const b = scope.attach("frames");
 * ```
 */
export class SharedArrayScope implements Disposable, AsyncDisposable {
  #arrays: SharedArray[] = [];
  #closed = false;

  /** Opens a scope; see {@link ScopeOptions}. */
  constructor(options: ScopeOptions = {}) {
    if (options.exitHook ?? true) {
      open.add(this);
      hookExit();
    }
  }

  /** The arrays this scope owns, oldest first. */
  get arrays(): readonly SharedArray[] {
    return this.#arrays;
  }

  /** Whether {@link close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * `createSharedArray(name, options)` owned by the scope: its name is removed when the scope
   * closes (only if it still names this array). `name` `undefined` picks a fresh one.
   *
   * @example
   * ```ts
   * const tmp = scope.create(undefined, { shape: [10], dtype: "int32" });
   * ```
   */
  create<D extends DTypeLike>(
    name: string | undefined,
    options: CreateOptions<D>,
  ): SharedArray<ArrayFor<D>, ScalarFor<D>> {
    this.#open();
    const array = createSharedArray(name, { ...options, raiseOnError: true, unlinkOnClose: true });
    this.#arrays.push(array);
    return array;
  }

  /**
   * `attachSharedArray(name, options)` owned by the scope: closed (not unlinked) with it.
   *
   * @example
   * ```ts
   * const frames = scope.attach("frames", { readOnly: true });
   * ```
   */
  attach<D extends DTypeLike = string>(
    name: string,
    options: AttachOptions<D> = {},
  ): SharedArray<ArrayFor<D>, ScalarFor<D>> {
    this.#open();
    const array = attachSharedArray(name, { ...options, raiseOnError: true });
    this.#arrays.push(array);
    return array;
  }

  /**
   * Closes every array (newest first) and removes the names of those it created. Idempotent.
   * Every array is closed even if one fails; the failures are thrown together afterwards.
   *
   * @example
   * ```ts
   * scope.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    open.delete(this);
    const errors: unknown[] = [];
    for (const array of this.#arrays.splice(0).reverse()) {
      try {
        array.close();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, "closing a SharedArrayScope failed");
  }

  /** `using scope = ...` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using scope = ...` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    try {
      this.close();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #open(): void {
    if (this.#closed) throw new ClosedError("this SharedArrayScope is closed");
  }
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const scope of [...open]) {
      try {
        scope.close();
      } catch {
        // exiting: nobody is left to tell, and the other scopes must still be closed
      }
    }
  });
}
