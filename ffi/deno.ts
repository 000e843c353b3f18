/**
 * The Deno backend of {@link Native}: `Deno.dlopen` over the shim's {@link SYMBOLS}. A
 * `nonblocking` function sleeps on Deno's blocking thread pool, at most {@link MAX_ASLEEP} at a
 * time: the pool is Deno's file system's too ({@link offThread}).
 *
 * @example
 * ```ts
 * const native = openDenoNative("native/build/linux-x64/libnpshm.so");
 * console.log(native.npshm_abi_version());
 * ```
 * @module
 */
import { type Native, type SymbolDefinition, SYMBOLS } from "./contract.ts";
import { atMost, MAX_ASLEEP, offThread } from "./waiters.ts";

type AnyFunction = (...args: unknown[]) => unknown;

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
  const all = symbols as unknown as Record<string, AnyFunction>;
  const twins: Record<string, AnyFunction> = {}; // the nonblocking binding of each C name
  const sleeper = atMost(MAX_ASLEEP, (name, args) => twins[name](...args) as Promise<number>);
  const waits: Record<string, AnyFunction> = {};
  for (const [key, definition] of Object.entries(SYMBOLS)) {
    const d: SymbolDefinition = definition;
    if (!d.nonblocking) continue;
    twins[d.name!] = all[key];
    waits[key] = offThread(d.name!, all[d.name!], sleeper);
  }
  return {
    ...symbols,
    ...waits,
    view: (addr, len) =>
      Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(addr)!, len),
  };
}
