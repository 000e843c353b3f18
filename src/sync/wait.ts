/**
 * `wait` / `notify` across processes on a shared int32: what `Atomics.wait` / `Atomics.notify`
 * do for a SharedArrayBuffer, for npshm memory (which is not one, so `Atomics.wait` refuses it
 * and `Atomics.notify` only reaches this process). Workers block on a shared counter instead
 * of spinning. Plain atomic operations (`Atomics.add`, `compareExchange`, `load`, `store`)
 * already work on npshm views across processes and need nothing from here.
 *
 * Linux: a futex on the word's address (shared, keyed by the segment's inode and offset), so
 * it works between any processes that map the segment read-write. Other platforms:
 * {@link UnsupportedError} for now (designs in `native/npshm_sync.c`).
 *
 * As with `Atomics.wait`, a wake-up says "look again", not "the value changed": wait in a
 * loop on the condition.
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
import { mappingOf } from "../os/mapping.ts";
import { failure, shim } from "../os/native.ts";

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
 * milliseconds (default: forever). Like `Atomics.wait`: `"not-equal"` at once if the value
 * differs, `"ok"` when woken, `"timed-out"`.
 *
 * @throws {InvalidArgumentError} the view is not over npshm shared memory, or index is out of
 *   range
 * @throws {ReadOnlyError} the array was attached read-only (its pages are private)
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
  timeout = Infinity,
): WaitResult {
  const addr = wordAddress(view, index, "wait");
  return result(shim().npshm_wait(addr, value | 0, timeoutNs(timeout), out), out);
}

/**
 * {@link wait} without blocking the event loop: the wait runs off the JS thread. The array's
 * memory stays mapped until it ends, even if the array is closed meanwhile.
 *
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
  timeout = Infinity,
): Promise<WaitResult> {
  const addr = wordAddress(view, index, "waitAsync");
  const unpin = mappingOf(view.buffer)!.pin();
  const own = new BigInt64Array(OUT_SLOTS);
  try {
    return result(await shim().npshm_wait_async(addr, value | 0, timeoutNs(timeout), own), own);
  } finally {
    unpin();
  }
}

/**
 * Wakes up to `count` (default: all) processes and threads waiting on `view[index]` with
 * {@link wait} / {@link waitAsync}; returns how many were woken.
 *
 * @example
 * ```ts
 * import { attachSharedArray } from "@npshm/npshm";
 * using pending = attachSharedArray("pending", { validateDtype: "int32" });
 * Atomics.sub(pending.data, 0, 1); // one job done
 * notify(pending.data, 0); // wakes every process waiting on pending[0]: they look again
 * ```
 */
export function notify(view: WaitableView, index: number, count = Infinity): number {
  const addr = wordAddress(view, index, "notify");
  const n = Number.isFinite(count)
    ? Math.max(0, Math.min(Math.trunc(count), 0x7fffffff))
    : 0x7fffffff;
  const status = shim().npshm_wake(addr, n, out);
  if (status !== Status.OK) throw error(status, "notify", out);
  return Number(out[0]);
}

function wordAddress(view: WaitableView, index: number, what: string): bigint {
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
  if (!Number.isInteger(index) || index < 0 || index >= view.length) {
    throw new InvalidArgumentError(`${what}: index ${index} is outside 0..${view.length - 1}`);
  }
  const byte = mapping.dataOffset + view.byteOffset + index * 4;
  return mapping.segment.addr + BigInt(byte);
}

function timeoutNs(ms: number): bigint {
  if (Number.isNaN(ms) || ms === Infinity) return -1n;
  return BigInt(Math.round(Math.max(0, ms) * 1e6));
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
