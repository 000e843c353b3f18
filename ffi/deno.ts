/**
 * The Deno backend of {@link Native}: `Deno.dlopen` over the shim's {@link SYMBOLS}.
 *
 * @example
 * ```ts
 * const native = openDenoNative("native/build/linux-x64/libnpshm.so");
 * console.log(native.npshm_abi_version());
 * ```
 * @module
 */
import { type Native, SYMBOLS } from "./contract.ts";

/**
 * Opens the shim at `path` with `Deno.dlopen`.
 *
 * @example
 * ```ts
 * const native = openDenoNative("/opt/npshm/libnpshm.so");
 * ```
 */
export function openDenoNative(path: string): Native {
  const { symbols } = Deno.dlopen(path, SYMBOLS);
  return {
    ...symbols,
    view: (addr, len) =>
      Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(addr)!, len),
  };
}
