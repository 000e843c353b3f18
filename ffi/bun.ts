/**
 * The Bun backend of {@link Native}: `bun:ffi` over the shim, its functions made from the same
 * table as the other backends' ({@link SYMBOLS}).
 *
 * `bun:ffi` has no calls off the JS thread, so the two `nonblocking` functions poll instead:
 * the lock wait and the wait with a zero timeout, sleeping between tries (up to 10 ms); a set
 * cancel word ends the poll at its next try. A changed word ends the wait as a wake-up would; a
 * notify that changes nothing is not seen (the wait goes on to its timeout).
 *
 * `bun:ffi` is loaded with `createRequire`, so this module imports (and type-checks) on every
 * runtime and loads synchronously; only {@link openBunNative} needs Bun.
 *
 * @example
 * ```ts
 * const native = openBunNative("native/build/linux-x64/libnpshm.so");
 * console.log(native.npshm_abi_version());
 * ```
 * @module
 */
import { createRequire } from "node:module";
import {
  type Native,
  type NativeType,
  Status,
  type SymbolDefinition,
  SYMBOLS,
} from "./contract.ts";

type AnyFunction = (...args: unknown[]) => unknown;

/** The part of `bun:ffi` this backend uses. */
interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, AnyFunction> };
  toArrayBuffer(ptr: number, byteOffset: number, byteLength: number): ArrayBuffer;
}

/** The contract's C types in `bun:ffi`'s names: a `buffer` is a `ptr` (Bun passes TypedArrays). */
export const BUN_TYPES: Record<NativeType, string> = {
  i32: "i32",
  u32: "u32",
  i64: "i64",
  u64: "u64",
  buffer: "ptr",
  void: "void",
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `attempt` (a try-only call) while it says `again`, backing off up to 10 ms. */
async function poll(attempt: () => number, again: (status: number) => boolean): Promise<number> {
  for (let pause = 0.25;; pause = Math.min(pause * 2, 10)) {
    const status = attempt();
    if (!again(status)) return status;
    await sleep(pause);
  }
}

/** The deadline of a poll for a timeout in ns (negative: none). */
function deadlineOf(timeoutNs: unknown): number {
  const ns = BigInt(timeoutNs as bigint | number);
  return ns < 0n ? Infinity : Date.now() + Number(ns / 1_000_000n);
}

/** `nonblocking` functions of the shim, as polls of their blocking twin. */
const POLLED: Record<string, (s: Record<string, AnyFunction>) => AnyFunction> = {
  // npshm_lock_wait(token, word_addr, id, timeout_ns, cancel, out): try (timeout 0) until it
  // is not TIMED_OUT or time is up; a set cancel word ends it (CANCELLED).
  npshm_lock_wait: (s) => (token, word, id, timeoutNs, cancel, out) => {
    const deadline = deadlineOf(timeoutNs);
    return poll(
      () => s.npshm_lock_wait(token, word, id, 0n, cancel, out) as number,
      (st) => st === Status.TIMED_OUT && Date.now() < deadline,
    );
  },
  // npshm_wait(addr, expected, timeout_ns, cancel, out): look until the word changes or time is
  // up. A change seen after the first look counts as a wake-up (OK), as a futex would have been
  // woken by the notify that goes with it; NOT_EQUAL only if it differed from the start.
  npshm_wait: (s) => async (addr, expected, timeoutNs, cancel, out) => {
    const deadline = deadlineOf(timeoutNs);
    let looks = 0;
    const status = await poll(
      () => (looks++, s.npshm_wait(addr, expected, 0n, cancel, out) as number),
      (st) => st === Status.TIMED_OUT && Date.now() < deadline,
    );
    return status === Status.NOT_EQUAL && looks > 1 ? Status.OK : status;
  },
};

/**
 * Opens the shim at `path` with `bun:ffi`'s `dlopen`.
 *
 * @example
 * ```ts
 * const native = openBunNative("/opt/npshm/libnpshm.so");
 * ```
 */
export function openBunNative(path: string): Native {
  const ffi = createRequire(import.meta.url)("bun:ffi") as BunFfi;
  const declared: Record<string, { args: string[]; returns: string }> = {};
  for (const [key, definition] of Object.entries(SYMBOLS)) {
    const d: SymbolDefinition = definition;
    declared[d.name ?? key] = {
      args: d.parameters.map((p) => BUN_TYPES[p]),
      returns: BUN_TYPES[d.result],
    };
  }
  const native = ffi.dlopen(path, declared).symbols;
  const functions: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(SYMBOLS)) {
    const d: SymbolDefinition = definition;
    const name = d.name ?? key;
    if (!d.nonblocking) functions[key] = native[name];
    else if (POLLED[name]) functions[key] = POLLED[name](native);
    // A nonblocking function without a polling form: right result, but on the JS thread.
    else {functions[key] = (...args: unknown[]) =>
        Promise.resolve().then(() => native[name](...args));}
  }
  // Bun's pointers are numbers (user-space addresses fit in 53 bits). No deallocator: a JS
  // callback there crashes Bun 1.4, and src/os/mapping.ts manages the mapping's lifetime.
  functions.view = (addr: bigint, len: number) => {
    if (len > BUN_MAX_VIEW_BYTES) {
      throw new RangeError(`Bun makes ArrayBuffers of at most ${BUN_MAX_VIEW_BYTES} bytes`);
    }
    return ffi.toArrayBuffer(Number(addr), 0, len);
  };
  return functions as Native;
}

/** The largest ArrayBuffer Bun (JavaScriptCore) makes over foreign memory: 4 GiB. */
export const BUN_MAX_VIEW_BYTES = 2 ** 32;
