/**
 * Async native waits that end when they should: each async lock wait or wait runs with a cancel
 * word of its own (`npshm_cancel_new`, native/npshm_sync.c), which is set when the array is
 * closed or the caller's `AbortSignal` fires. The native call then returns `CANCELLED` at once
 * (Linux: it sleeps on its word and the cancel word together, with futex_waitv), so no thread
 * stays blocked in the kernel: Deno, whose pending native calls keep the process alive, can
 * exit after a `close()`.
 *
 * @example
 * ```ts
 * import { OUT_SLOTS } from "../../ffi/contract.ts";
 * import type { Mapping } from "../os/mapping.ts";
 * import { shim } from "../os/native.ts";
 * import { watched } from "./cancel.ts";
 * // Sleeps while the int32 at data byte 0 is 0: "ok" on a notify; CANCELLED if closed.
 * function sleepOn(mapping: Mapping, signal?: AbortSignal): Promise<number> {
 *   const addr = mapping.segment.addr + BigInt(mapping.dataOffset);
 *   const out = new BigInt64Array(OUT_SLOTS);
 *   return watched(mapping, signal, (cancel) => shim().npshm_wait_async(addr, 0, -1n, cancel, out));
 * }
 * ```
 * @module
 */
import { OUT_SLOTS, Status } from "../../ffi/contract.ts";
import type { Mapping } from "../os/mapping.ts";
import { failure, shim } from "../os/native.ts";

/**
 * Runs `call` (an async shim call given a cancel word) with a fresh cancel word that is set
 * if `mapping` is closed or `signal` fires meanwhile. The mapping stays mapped until the call
 * returns; the cancel word is freed after it.
 *
 * @example
 * ```ts
 * import { OUT_SLOTS } from "../../ffi/contract.ts";
 * import type { Mapping } from "../os/mapping.ts";
 * import { shim } from "../os/native.ts";
 * async function nap(mapping: Mapping, addr: bigint): Promise<number> {
 *   const out = new BigInt64Array(OUT_SLOTS);
 *   // at most 1 s; at once if the array is closed meanwhile
 *   return await watched(mapping, undefined, (cancel) =>
 *     shim().npshm_wait_async(addr, 0, 1_000_000_000n, cancel, out));
 * }
 * ```
 */
export async function watched<T>(
  mapping: Mapping,
  signal: AbortSignal | undefined,
  call: (cancel: bigint) => Promise<T>,
): Promise<T> {
  const native = shim();
  const out = new BigInt64Array(OUT_SLOTS);
  const status = native.npshm_cancel_new(out);
  if (status !== Status.OK) throw failure(status, `wait on ${mapping.label}`, out);
  const cancel = out[1];
  const stop = () => native.npshm_cancel_set(cancel);
  const unpin = mapping.pin(stop);
  signal?.addEventListener("abort", stop);
  if (signal?.aborted) stop();
  try {
    return await call(cancel);
  } finally {
    signal?.removeEventListener("abort", stop);
    unpin();
    native.npshm_cancel_free(cancel);
  }
}
