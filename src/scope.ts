/**
 * {@link SharedArrayScope}: owns the arrays made in it and removes them all when it ends, even
 * on an exception — `using scope = new SharedArrayScope()` (or `await using`), like Python's
 * `SharedMemoryManager`. A scope still open when the process exits is closed by an exit hook:
 * at the end of the program, on `process.exit()` (and `Deno.exit()`), on an uncaught exception
 * and on an unhandled rejection, on Deno, Node and Bun alike (the exit status is kept). On Deno
 * an `error` / `unhandledrejection` listener that calls `preventDefault()` keeps the process
 * and its scopes alive only if it was added before the first scope was made. Signals and
 * `kill -9` run no hook: create with `track: true` as well.
 *
 * @example
 * ```ts
 * import { SharedArrayScope } from "./scope.ts";
 * {
 *   using scope = new SharedArrayScope();
 *   const grid = scope.create(undefined, { shape: [100, 100], dtype: "f8" });
 *   // worker.ts attaches it by the name it is given: attachSharedArray(Deno.args[0])
 *   const args = ["run", "--allow-ffi", "worker.ts", grid.name];
 *   new Deno.Command(Deno.execPath(), { args }).outputSync();
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

/**
 * Options of {@link SharedArrayScope}.
 *
 * @example
 * ```ts
 * // Closed by its `using` block only: a process.exit() inside the block leaves its arrays.
 * using scope = new SharedArrayScope({ exitHook: false });
 * ```
 */
export interface ScopeOptions {
  /** Close the scope when the process exits (see the module doc), if still open. Default `true`. */
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
   * using scope = new SharedArrayScope();
   * const tmp = scope.create(undefined, { shape: [10], dtype: "int32" });
   * tmp.name; // "npshm-..." (fresh): removed when the scope closes
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
   * using scope = new SharedArrayScope();
   * const frames = scope.attach("frames", { readOnly: true }); // closed, not deleted, with scope
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
   * const scope = new SharedArrayScope();
   * try {
   *   const grid = scope.create(undefined, { shape: [8, 8], dtype: "float32" });
   *   grid.set([0, 0], 1);
   * } finally {
   *   scope.close(); // what `using scope = ...` does at the end of its block
   * }
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
  process.on("exit", closeAll);
  // Deno runs no "exit" listener on Deno.exit(), an uncaught exception or an unhandled
  // rejection: its own events say so. An error event some listener prevented (registered
  // before this one) keeps the process, and so its scopes, alive.
  const deno = globalThis as unknown as Partial<EventTarget> & { Deno?: unknown };
  if (deno.Deno === undefined || typeof deno.addEventListener !== "function") return;
  deno.addEventListener("unload", closeAll);
  for (const type of ["error", "unhandledrejection"]) {
    deno.addEventListener(type, (event) => event.defaultPrevented || closeAll());
  }
}

function closeAll(): void {
  for (const scope of [...open]) {
    try {
      scope.close();
    } catch {
      // exiting: nobody is left to tell, and the other scopes must still be closed
    }
  }
}
