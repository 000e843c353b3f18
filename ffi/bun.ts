/**
 * The Bun backend of {@link Native}: `bun:ffi` over the shim, its functions made from the same
 * table as the other backends' ({@link SYMBOLS}).
 *
 * `bun:ffi` calls on the calling thread only, so the two `nonblocking` functions (the lock wait
 * and the wait) sleep on a worker thread when they have to wait ({@link offThread}), which opens
 * the shim with this backend (`waiter_worker.ts`).
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
  OUT_SLOTS,
  type SymbolDefinition,
  SYMBOLS,
} from "./contract.ts";
import { offThread, WaiterPool } from "./waiters.ts";

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
  const pool = new WaiterPool("bun", path, OUT_SLOTS);
  const functions: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(SYMBOLS)) {
    const d: SymbolDefinition = definition;
    const name = d.name ?? key;
    functions[key] = d.nonblocking ? offThread(name, native[name], pool.run) : native[name];
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
