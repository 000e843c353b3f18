/**
 * `wait` / `notify` across processes on a shared int32: what `Atomics.wait` / `Atomics.notify`
 * do for a SharedArrayBuffer, for npshm memory (which is not one, so `Atomics.wait` refuses it
 * and `Atomics.notify` only reaches this process). Workers block on a shared counter instead
 * of spinning. Plain atomic operations (`Atomics.add`, `compareExchange`, `load`, `store`)
 * already work on npshm views across processes and need nothing from here.
 *
 * Linux: a futex on the word's address (shared, keyed by the segment's inode and offset), so
 * it works between any processes that map the segment read-write. macOS: the same through
 * `os_sync_wait_on_address` (14.4+) or `__ulock_wait` (`native/npshm_sync_darwin.c`). Other
 * platforms: {@link UnsupportedError} for now (designs in `native/npshm_sync.c`).
 *
 * As with `Atomics.wait`, a wake-up says "look again", not "the value changed": wait in a
 * loop on the condition. A wait reads the word for up to 20 µs before it sleeps, so a partner
 * that is running answers without a wake-up on either side; a value that changes meanwhile
 * returns `"ok"`, as if woken.
 *
 * @example
 * ```ts
 * import { attachSharedArray } from "@npshm/npshm";
 * import { notify, wait } from "./wait.ts";
 * using go = attachSharedArray("go", { validateShape: [1], validateDtype: "int32" });
 * // In each worker process: block until the parent says go.
 * function awaitGo(flag: Int32Array): void {
 *   while (Atomics.load(flag, 0) === 0) wait(flag, 0, 0);
 * }
 * // In the parent process:
 * function sayGo(flag: Int32Array): void {
 *   Atomics.store(flag, 0, 1);
 *   notify(flag, 0);
 * }
 * ```
 * @module
 */
import { OUT_SLOTS, Status } from "../../ffi/contract.ts";
import {
  ClosedError,
  InvalidArgumentError,
  ReadOnlyError,
  UnsupportedError,
} from "../format/errors.ts";
import { type Mapping, mappingOf } from "../os/mapping.ts";
import { failure, shim } from "../os/native.ts";
import { integerIn, timeoutNs } from "./args.ts";
import { watched } from "./cancel.ts";

/**
 * What a wait ended with, as `Atomics.wait` says it.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using state = createSharedArray("state", { shape: [1], dtype: "int32" });
 * const result: WaitResult = wait(state.data, 0, 0, 100);
 * if (result === "timed-out") console.log("nobody notified within 100 ms");
 * ```
 */
export type WaitResult = "ok" | "not-equal" | "timed-out";

/**
 * An int32 view of npshm shared memory.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using words = createSharedArray("words", { shape: [4], dtype: "uint32" });
 * const view: WaitableView = words.data; // not a SharedArrayBuffer's: Atomics.wait refuses it
 * ```
 */
export type WaitableView = Int32Array | Uint32Array;

const out = new BigInt64Array(OUT_SLOTS);

/**
 * Blocks the thread while `view[index]` holds `value`, until {@link notify} or `timeout`
 * milliseconds (default, `Infinity`, or any timeout too long to count: forever; 0 or less:
 * look once). Like `Atomics.wait`: `"not-equal"` at once if the value differs, `"ok"` when
 * woken, `"timed-out"`.
 *
 * @throws {InvalidArgumentError} the view is not an Int32Array or Uint32Array over npshm shared
 *   memory, `index` is not an integer in range, `value` is not an integer that fits 32 bits
 *   (-2**31 .. 2**32 - 1), or `timeout` is not a number (or NaN)
 * @throws {ReadOnlyError} the array was attached read-only (its pages are private)
 * @throws {ClosedError} the array was closed
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using ready = createSharedArray("ready", { shape: [1], dtype: "int32" });
 * wait(ready.data, 0, 0, 1000); // "timed-out", unless another process notifies within 1 s
 * wait(ready.data, 0, 1); // "not-equal" at once: ready[0] is 0, not 1
 * ```
 */
export function wait(
  view: WaitableView,
  index: number,
  value: number,
  timeout?: number,
): WaitResult {
  const [addr] = wordAddress(view, index, "wait");
  const expected = word32(value, "wait");
  return result(shim().npshm_wait(addr, expected, timeoutNs(timeout, "wait"), 0n, out), out);
}

/**
 * {@link wait} without blocking the event loop: the wait runs off the JS thread. Closing the
 * array ends it at once with a {@link ClosedError} (the memory stays mapped until it has).
 *
 * @throws {ClosedError} the array was closed, before or during the wait
 * @example
 * ```ts
 * import { attachSharedArray } from "@npshm/npshm";
 * using pending = attachSharedArray("pending", { validateDtype: "int32" }); // jobs left
 * const left = pending.data;
 * // Sleep, without blocking the event loop, until the workers have counted down to 0.
 * for (let n = Atomics.load(left, 0); n !== 0; n = Atomics.load(left, 0)) {
 *   await waitAsync(left, 0, n, 5000);
 * }
 * ```
 */
export async function waitAsync(
  view: WaitableView,
  index: number,
  value: number,
  timeout?: number,
): Promise<WaitResult> {
  const [addr, mapping] = wordAddress(view, index, "waitAsync");
  const expected = word32(value, "waitAsync");
  const ns = timeoutNs(timeout, "waitAsync");
  const own = new BigInt64Array(OUT_SLOTS);
  const status = await watched(
    mapping,
    undefined,
    (cancel) => shim().npshm_wait_async(addr, expected, ns, cancel, own),
  );
  if (status === Status.CANCELLED) {
    throw new ClosedError(`${mapping.label} was closed while waitAsync waited on it`);
  }
  return result(status, own);
}

/**
 * Wakes up to `count` (default, or `Infinity`: all) processes and threads waiting on
 * `view[index]` with {@link wait} / {@link waitAsync}; returns how many were woken.
 *
 * @throws {InvalidArgumentError} a bad view or index (as for {@link wait}), or `count` is not
 *   `Infinity` or an integer >= 0
 * @example
 * ```ts
 * import { attachSharedArray } from "@npshm/npshm";
 * using pending = attachSharedArray("pending", { validateDtype: "int32" });
 * Atomics.sub(pending.data, 0, 1); // one job done
 * notify(pending.data, 0); // wakes every process waiting on pending[0]: they look again
 * ```
 */
export function notify(view: WaitableView, index: number, count?: number): number {
  const [addr] = wordAddress(view, index, "notify");
  const n = count === undefined || count === Infinity
    ? 0x7fffffff
    : Math.min(integerIn(count, 0, Number.MAX_VALUE, "notify: count"), 0x7fffffff);
  const status = shim().npshm_wake(addr, n, out);
  if (status !== Status.OK) throw error(status, "notify", out);
  return Number(out[0]);
}

// The address of view[index] in the shim's terms, and the mapping it lies in.
function wordAddress(view: WaitableView, index: number, what: string): [bigint, Mapping] {
  if (!(view instanceof Int32Array || view instanceof Uint32Array)) {
    throw new InvalidArgumentError(`${what}: needs an Int32Array or Uint32Array view`);
  }
  const mapping = mappingOf(view.buffer);
  if (mapping === undefined) {
    throw new InvalidArgumentError(
      `${what}: the view is not over npshm shared memory (use Atomics.${
        what === "notify" ? "notify" : "wait"
      } for a SharedArrayBuffer)`,
    );
  }
  if (mapping.closed) throw new ClosedError(`${mapping.label} is closed`);
  if (mapping.readOnly) {
    throw new ReadOnlyError(`${what}: ${mapping.label} was attached read-only`);
  }
  integerIn(index, 0, view.length - 1, `${what}: index`);
  const byte = mapping.dataOffset + view.byteOffset + index * 4;
  return [mapping.segment.addr + BigInt(byte), mapping];
}

// A value to compare the word with, as the shim's int32 (2**31 .. 2**32 - 1 are the same bits
// as their negative twins, for Uint32Array views).
function word32(value: number, what: string): number {
  return integerIn(value, -(2 ** 31), 2 ** 32 - 1, `${what}: value`) | 0;
}

function result(status: number, from: BigInt64Array): WaitResult {
  if (status === Status.OK) return "ok";
  if (status === Status.NOT_EQUAL) return "not-equal";
  if (status === Status.TIMED_OUT) return "timed-out";
  throw error(status, "wait", from);
}

function error(status: number, what: string, from: BigInt64Array) {
  if (status === Status.UNSUPPORTED) {
    return new UnsupportedError(`${what} across processes is not available on this platform yet`);
  }
  return failure(status, what, from);
}
