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
  npshm_attach: { parameters: ["buffer", "i32", "buffer", "buffer", "u64"], result: "i32" },
  npshm_release: { parameters: ["u64", "u64", "i64"], result: "i32" },
  npshm_unmap: { parameters: ["u64", "u64"], result: "i32" },
  npshm_close: { parameters: ["i64"], result: "i32" },
  npshm_unlink: { parameters: ["buffer", "i64", "buffer"], result: "i32" },
  npshm_read: { parameters: ["u64", "buffer", "u64"], result: "void" },
  npshm_strerror: { parameters: ["i32", "buffer", "u64"], result: "void" },
  npshm_file_open: { parameters: ["buffer", "i32", "u32", "buffer"], result: "i32" },
  npshm_file_resize: { parameters: ["i64", "u64", "i32", "buffer"], result: "i32" },
  npshm_file_map: { parameters: ["i64", "u64", "i32", "buffer"], result: "i32" },
  npshm_file_pread: { parameters: ["i64", "u64", "buffer", "u64", "buffer"], result: "i32" },
  npshm_file_pwrite: { parameters: ["i64", "u64", "buffer", "u64", "buffer"], result: "i32" },
  npshm_file_copy: {
    parameters: ["i64", "u64", "i64", "u64", "buffer", "u64", "buffer"],
    result: "i32",
  },
  npshm_file_sync: { parameters: ["i64", "buffer"], result: "i32" },
  npshm_file_flush: { parameters: ["u64", "u64", "buffer"], result: "i32" },
  npshm_file_rename: { parameters: ["buffer", "buffer", "i32", "buffer"], result: "i32" },
  npshm_file_remove: { parameters: ["buffer", "buffer"], result: "i32" },
  // lifetimes and coordination (native/npshm_sync.c)
  npshm_track: { parameters: ["i64", "buffer", "i32", "u64", "buffer"], result: "i32" },
  npshm_untrack: { parameters: ["i64", "buffer", "buffer"], result: "i32" },
  npshm_unlink_untracked: { parameters: ["buffer", "buffer"], result: "i32" },
  npshm_lock: { parameters: ["i64", "u64", "u64", "i32", "buffer"], result: "i32" },
  npshm_lock_async: {
    name: "npshm_lock",
    parameters: ["i64", "u64", "u64", "i32", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  npshm_unlock: { parameters: ["i64", "u64", "u64", "buffer"], result: "i32" },
  npshm_wait: { parameters: ["u64", "i32", "i64", "buffer"], result: "i32" },
  npshm_wait_async: {
    name: "npshm_wait",
    parameters: ["u64", "i32", "i64", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  npshm_wake: { parameters: ["u64", "i32", "buffer"], result: "i32" },
  npshm_write: { parameters: ["u64", "buffer", "u64"], result: "void" },
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
  return bindNative(
    s,
    (addr, len) => Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(addr)!, len),
  );
}

/**
 * The shim's functions as `Deno.dlopen` makes them from {@link SYMBOLS}: 64-bit integers as
 * bigint or number, `buffer` as a TypedArray (or null), `nonblocking` ones returning a Promise.
 * The Node and Bun backends build an object that calls the same way.
 */
export type ShimSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/**
 * {@link Native} over shim functions called the Deno way, shared by every backend: they differ
 * only in how they make the functions and the zero-copy `view`.
 *
 * @example
 * ```ts
 * const native = bindNative(Deno.dlopen(path, SYMBOLS).symbols, view);
 * ```
 */
export function bindNative(s: ShimSymbols, view: Native["view"]): Native {
  return {
    view,
    abiVersion: () => s.npshm_abi_version(),
    create: (name, size, mode, force, head, out) =>
      s.npshm_create(name, BigInt(size), mode, force ? 1 : 0, head, BigInt(head.length), out),
    publish: (handle, name, force, out) => s.npshm_publish(handle, name, force ? 1 : 0, out),
    open: (name, readOnly, out) => s.npshm_open(name, readOnly ? 1 : 0, out),
    attach: (name, readOnly, out, head) =>
      s.npshm_attach(name, readOnly ? 1 : 0, out, head, BigInt(head.length)),
    release: (addr, size, handle) => s.npshm_release(addr, BigInt(size), handle),
    unmap: (addr, size) => s.npshm_unmap(addr, BigInt(size)),
    close: (handle) => s.npshm_close(handle),
    unlink: (name, handle, out) => s.npshm_unlink(name, handle, out),
    read: (addr, dst) => s.npshm_read(addr, dst, BigInt(dst.length)),
    strerror(osError) {
      const buf = new Uint8Array(256);
      s.npshm_strerror(osError, buf, BigInt(buf.length));
      return new TextDecoder().decode(buf.subarray(0, buf.indexOf(0)));
    },
    fileOpen: (path, how, mode, out) => s.npshm_file_open(path, how, mode, out),
    fileResize: (h, size, reserve, out) =>
      s.npshm_file_resize(h, BigInt(size), reserve ? 1 : 0, out),
    fileMap: (h, size, priv, out) => s.npshm_file_map(h, BigInt(size), priv ? 1 : 0, out),
    filePread: (h, off, dst, out) =>
      s.npshm_file_pread(h, BigInt(off), dst, BigInt(dst.length), out),
    filePwrite: (h, off, src, out) =>
      s.npshm_file_pwrite(h, BigInt(off), src, BigInt(src.length), out),
    fileCopy: (src, srcOff, dst, dstOff, buf, len, out) =>
      s.npshm_file_copy(src, BigInt(srcOff), dst, BigInt(dstOff), buf, BigInt(len), out),
    fileSync: (h, out) => s.npshm_file_sync(h, out),
    fileFlush: (addr, len, out) => s.npshm_file_flush(addr, BigInt(len), out),
    fileRename: (from, to, durable, out) => s.npshm_file_rename(from, to, durable ? 1 : 0, out),
    fileRemove: (path, out) => s.npshm_file_remove(path, out),
    track: (handle, name, unpublished, flagsAddr, out) =>
      s.npshm_track(handle, name, unpublished ? 1 : 0, flagsAddr, out),
    untrack: (handle, name, out) => s.npshm_untrack(handle, name, out),
    unlinkUntracked: (name, out) => s.npshm_unlink_untracked(name, out),
    lock: (handle, offset, owner, tryOnly, out) =>
      s.npshm_lock(handle, BigInt(offset), owner, tryOnly ? 1 : 0, out),
    lockAsync: (handle, offset, owner, out) =>
      s.npshm_lock_async(handle, BigInt(offset), owner, 0, out),
    unlock: (handle, offset, owner, out) => s.npshm_unlock(handle, BigInt(offset), owner, out),
    wait: (addr, expected, timeoutNs, out) => s.npshm_wait(addr, expected, timeoutNs, out),
    waitAsync: (addr, expected, timeoutNs, out) =>
      s.npshm_wait_async(addr, expected, timeoutNs, out),
    wake: (addr, count, out) => s.npshm_wake(addr, count, out),
    write: (addr, src) => s.npshm_write(addr, src, BigInt(src.length)),
  };
}
