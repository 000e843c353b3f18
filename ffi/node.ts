/**
 * The Node backend of {@link Native}: koffi (from npm) over the shim, its functions made from
 * the same table as the other backends' ({@link SYMBOLS}).
 *
 * koffi is loaded with `createRequire`, so this module imports (and type-checks) on every
 * runtime and loads synchronously; only {@link openNodeNative} needs koffi installed.
 *
 * @example
 * ```ts
 * const native = openNodeNative("native/build/linux-x64/libnpshm.so");
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

type KoffiFunction = (...args: unknown[]) => unknown;

/** The part of koffi (3.x) this backend uses. */
interface Koffi {
  load(path: string): {
    func(name: string, result: string, parameters: string[]): KoffiFunction;
  };
  view(ptr: bigint, len: number): ArrayBuffer;
}

/**
 * The contract's C types in koffi's names. A `buffer` is `void *`: koffi passes a TypedArray's
 * own memory; addresses and handles travel as `uint64_t` / `int64_t` BigInts.
 */
export const KOFFI_TYPES: Record<NativeType, string> = {
  i32: "int32_t",
  u32: "uint32_t",
  i64: "int64_t",
  u64: "uint64_t",
  buffer: "void *",
  void: "void",
};

/**
 * Loads koffi the way a consumer's Node resolves it (from this module's location).
 *
 * @example
 * ```ts
 * const koffi = requireKoffi();
 * ```
 */
export function requireKoffi(): Koffi {
  const mod = createRequire(import.meta.url)("koffi") as Koffi & { default?: Koffi };
  return typeof mod.load === "function" ? mod : mod.default!;
}

/**
 * Opens the shim at `path` with koffi. `nonblocking` functions sleep on a worker thread of
 * their own when they have to wait ({@link offThread}), so a waiting lock or wait blocks neither
 * the event loop nor libuv's thread pool; such a worker opens the shim with this backend
 * (`waiter_worker.ts`).
 *
 * @example
 * ```ts
 * const native = openNodeNative("/opt/npshm/libnpshm.so");
 * ```
 */
export function openNodeNative(path: string): Native {
  const koffi = requireKoffi();
  const lib = koffi.load(path);
  const pool = new WaiterPool("node", path, OUT_SLOTS);
  const functions: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(SYMBOLS)) {
    const d: SymbolDefinition = definition;
    const fn = lib.func(
      d.name ?? key,
      KOFFI_TYPES[d.result],
      d.parameters.map((p) => KOFFI_TYPES[p]),
    );
    functions[key] = d.nonblocking ? offThread(d.name ?? key, fn, pool.run) : fn;
  }
  functions.view = (addr: bigint, len: number) => koffi.view(addr, len);
  return functions as Native;
}
