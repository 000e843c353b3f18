/**
 * The Deno backend of {@link Native}: `Deno.dlopen` over the shim.
 *
 * @example
 * ```ts
 * const native = openDenoNative("native/build/linux-x64/libnpshm.so");
 * console.log(native.abiVersion());
 * ```
 * @module
 */
import type { Native } from "./types.ts";

/** The shim's symbols, typed for `Deno.dlopen`. */
export const SYMBOLS = {
  npshm_abi_version: { parameters: [], result: "i32" },
  npshm_create: {
    parameters: ["buffer", "u64", "u32", "i32", "buffer", "u64", "buffer"],
    result: "i32",
  },
  npshm_publish: { parameters: ["i64", "buffer", "i32", "buffer"], result: "i32" },
  npshm_open: { parameters: ["buffer", "i32", "buffer"], result: "i32" },
  npshm_unmap: { parameters: ["u64", "u64"], result: "i32" },
  npshm_close: { parameters: ["i64"], result: "i32" },
  npshm_unlink: { parameters: ["buffer", "i64", "buffer"], result: "i32" },
  npshm_read: { parameters: ["u64", "buffer", "u64"], result: "void" },
  npshm_strerror: { parameters: ["i32", "buffer", "u64"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/**
 * Opens the shim at `path` with `Deno.dlopen`.
 *
 * @example
 * ```ts
 * const native = openDenoNative("/opt/npshm/libnpshm.so");
 * ```
 */
export function openDenoNative(path: string): Native {
  const s = Deno.dlopen(path, SYMBOLS).symbols;
  return {
    abiVersion: () => s.npshm_abi_version(),
    create: (name, size, mode, force, head, out) =>
      s.npshm_create(name, BigInt(size), mode, force ? 1 : 0, head, BigInt(head.length), out),
    publish: (handle, name, force, out) => s.npshm_publish(handle, name, force ? 1 : 0, out),
    open: (name, readOnly, out) => s.npshm_open(name, readOnly ? 1 : 0, out),
    unmap: (addr, size) => s.npshm_unmap(addr, BigInt(size)),
    close: (handle) => s.npshm_close(handle),
    unlink: (name, handle, out) => s.npshm_unlink(name, handle, out),
    read: (addr, dst) => s.npshm_read(addr, dst, BigInt(dst.length)),
    strerror(osError) {
      const buf = new Uint8Array(256);
      s.npshm_strerror(osError, buf, BigInt(buf.length));
      return new TextDecoder().decode(buf.subarray(0, buf.indexOf(0)));
    },
    view: (addr, len) =>
      Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(addr)!, len),
  };
}
