/**
 * The floor under attach on each runtime: the cheapest JavaScript that gives a zero-copy view
 * of mapped memory and takes it away again, with no npshm code at all. Per operation it makes
 * the runtime's external ArrayBuffer over an already mapped region (`Deno.UnsafePointerView
 * .getArrayBuffer`, koffi's `view`, `bun:ffi`'s `toArrayBuffer`), reads element 0 and detaches
 * it (`transfer(0)`), as npshm's attach + close must. No system call is made while timing.
 *
 * Where this alone grows with the size of the region, the cost is the runtime's: V8 (Node's
 * N-API) and JavaScriptCore count an external buffer's length as memory pressure and collect
 * garbage for it, which a library cannot switch off (README, "Benchmarks").
 *
 * With `--shim`, each operation is a whole attach with none of npshm's TypeScript: the shim's
 * `npshm_attach_unheld` of a named array (open, fstat, mmap, header copy, close), the view, a
 * read, the detach and `npshm_unmap`, each native call made straight through the runtime's FFI.
 * What npshm's attach costs beyond that is its own code, so `--shim` also times npshm's attach
 * (`attach.ts`) in batches that alternate with the floor's, in this process: both then see the
 * same heap and the same moment of the machine. Measured in processes of their own, the two
 * differ by more than npshm's code: on Bun and Node views of large regions start collections
 * that mark the whole live heap (README, "Benchmarks": the rows measured holding 300,000
 * objects), and a process that makes more garbage has a different heap to mark. The import of
 * `attach.ts` loads npshm in both modes, so both floors run with its modules in the heap.
 *
 * With `--shim-alone`, the shim floor runs alone in its process, one size after another, as
 * `attach.ts` times npshm: what the collector does for big views depends on the whole process,
 * and on Deno this is the floor for npshm's own row (at 64 MiB and 1 GiB V8 may start marking
 * for every view, README, "Benchmarks").
 *
 * ```sh
 * deno run -A bench/view_floor.ts <runMs> <runs> <bytes>...
 * deno run -A bench/view_floor.ts --shim <libnpshm> <runMs> <runs> <name>...
 * deno run -A bench/view_floor.ts --shim-alone <libnpshm> <runMs> <runs> <name>...
 * node bench/view_floor.ts ...   # koffi from node_modules
 * bun bench/view_floor.ts ...
 * ```
 *
 * Prints one JSON object: `{ "results": { "<bytes or name>": { "iterations", "nsPerOp": [...] } } }`;
 * with `--shim` also `"beside"`, npshm's attach of each name timed in the alternate batches.
 *
 * @module
 */
import { createRequire } from "node:module";
import process from "node:process";
import { attachOnce as attachNpshm } from "./attach.ts";
import { measure, type Measurement, measurePair } from "./measure.ts";

const PROT_RW = 3;
const MAP_SHARED_ANONYMOUS = 0x21;

/** Makes the runtime's external ArrayBuffer over `len` bytes at `addr`. */
export type View = (addr: bigint, len: number) => ArrayBuffer;
type Mmap = (len: number) => bigint;

/** What the floors use of the runtime: a view over mapped memory, and libc's mmap. */
export interface Raw {
  mmap: Mmap;
  view: View;
}

function denoRaw(): Raw {
  const lib = Deno.dlopen("libc.so.6", {
    mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  });
  return {
    mmap: (len) =>
      Deno.UnsafePointer.value(lib.symbols.mmap(null, BigInt(len), PROT_RW, 0x21, -1, 0n)),
    view: (addr, len) =>
      Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(addr)!, len),
  };
}

function nodeRaw(): Raw {
  const require = createRequire(import.meta.url);
  const koffi = require("koffi");
  const mmap = koffi.load("libc.so.6").func("uint64_t mmap(void*, size_t, int, int, int, long)");
  return {
    mmap: (len) => BigInt(mmap(null, len, PROT_RW, MAP_SHARED_ANONYMOUS, -1, 0)),
    view: (addr, len) => koffi.view(addr, len),
  };
}

function bunRaw(): Raw {
  const ffi = createRequire(import.meta.url)("bun:ffi");
  const lib = ffi.dlopen("libc.so.6", {
    mmap: { args: ["ptr", "u64", "i32", "i32", "i32", "i64"], returns: "ptr" },
  });
  return {
    mmap: (len) => BigInt(lib.symbols.mmap(null, len, PROT_RW, MAP_SHARED_ANONYMOUS, -1, 0)),
    view: (addr, len) => ffi.toArrayBuffer(Number(addr), 0, len),
  };
}

/** The runtime's own view and mmap, with no npshm code. */
export function raw(): Raw {
  if ("Deno" in globalThis) return denoRaw();
  if ("Bun" in globalThis) return bunRaw();
  return nodeRaw();
}

/** The two shim functions an attach and its close call, as each runtime's FFI declares them. */
export interface Shim {
  /** `npshm_attach_unheld(name, 0, out, head, 512, info)`: its status. */
  attach(name: Uint8Array, out: BigInt64Array, head: Uint8Array, info: BigInt64Array): number;
  /** `npshm_unmap(addr, size)`: its status. */
  unmap(addr: bigint, size: bigint): number;
}

function denoShim(path: string): Shim {
  const { symbols } = Deno.dlopen(path, {
    npshm_attach_unheld: {
      parameters: ["buffer", "i32", "buffer", "buffer", "u64", "buffer"],
      result: "i32",
    },
    npshm_unmap: { parameters: ["u64", "u64"], result: "i32" },
  });
  return {
    attach: (name, out, head, info) =>
      symbols.npshm_attach_unheld(name, 0, out, head, BigInt(head.length), info),
    unmap: (addr, size) => symbols.npshm_unmap(addr, size),
  };
}

function nodeShim(path: string): Shim {
  const lib = createRequire(import.meta.url)("koffi").load(path);
  const buffer = "void *";
  const attach = lib.func("npshm_attach_unheld", "int32_t", [
    buffer,
    "int32_t",
    buffer,
    buffer,
    "uint64_t",
    buffer,
  ]);
  const unmap = lib.func("npshm_unmap", "int32_t", ["uint64_t", "uint64_t"]);
  return {
    attach: (name, out, head, info) => attach(name, 0, out, head, head.length, info),
    unmap: (addr, size) => unmap(addr, size),
  };
}

function bunShim(path: string): Shim {
  const ffi = createRequire(import.meta.url)("bun:ffi");
  const { symbols } = ffi.dlopen(path, {
    npshm_attach_unheld: { args: ["ptr", "i32", "ptr", "ptr", "u64", "ptr"], returns: "i32" },
    npshm_unmap: { args: ["u64", "u64"], returns: "i32" },
  });
  return {
    attach: (name, out, head, info) =>
      symbols.npshm_attach_unheld(name, 0, out, head, head.length, info),
    unmap: (addr, size) => symbols.npshm_unmap(addr, size),
  };
}

/** The shim at `path`, opened with the running runtime's own FFI (none of npshm's code). */
export function shimAt(path: string): Shim {
  if ("Deno" in globalThis) return denoShim(path);
  if ("Bun" in globalThis) return bunShim(path);
  return nodeShim(path);
}

/**
 * One operation: attach the array `name` through the shim alone, view it, read its first
 * float64, detach the view, unmap.
 *
 * @example
 * ```ts
 * declare const shim: Shim;
 * const op = attachOnce(shim, (addr, len) => new ArrayBuffer(len), "frames");
 * op(); // throws unless an array named "frames" exists
 * ```
 */
export function attachOnce(shim: Shim, view: View, name: string): () => number {
  const bytes = new TextEncoder().encode(`${name}\0`);
  const out = new BigInt64Array(4), head = new Uint8Array(512), info = new BigInt64Array(6);
  return () => {
    if (shim.attach(bytes, out, head, info) !== 0) throw new Error(`cannot attach ${name}`);
    const buffer = view(out[1], Number(out[2]));
    const first = new Float64Array(buffer)[0];
    buffer.transfer(0);
    shim.unmap(out[1], out[2]);
    return first;
  };
}

/**
 * One operation: view `len` bytes at `addr`, read element 0 as float64, detach.
 *
 * @example
 * ```ts
 * const op = viewOnce((addr, len) => new ArrayBuffer(len), 0n, 4096);
 * op(); // 0
 * ```
 */
export function viewOnce(view: View, addr: bigint, len: number): () => number {
  return () => {
    const buffer = view(addr, len);
    const first = new Float64Array(buffer)[0];
    buffer.transfer(0);
    return first;
  };
}

function main(args: string[]): void {
  if (args[0] === "--shim") return mainShim(args[1], args.slice(2));
  if (args[0] === "--shim-alone") return mainShimAlone(args[1], args.slice(2));
  const [runMs, runs, ...sizes] = args;
  const r = raw();
  const results: Record<string, Measurement> = {};
  for (const bytes of sizes.map(Number)) {
    const addr = r.mmap(bytes);
    if (addr === 0n || addr === 2n ** 64n - 1n) throw new Error(`mmap of ${bytes} bytes failed`);
    results[bytes] = measure(viewOnce(r.view, addr, bytes), Number(runMs), Number(runs));
  }
  console.log(JSON.stringify({ results }));
}

function mainShim(library: string, [runMs, runs, ...names]: string[]): void {
  const shim = shimAt(library);
  const { view } = raw();
  const results: Record<string, Measurement> = {};
  const beside: Record<string, Measurement> = {};
  for (const name of names) {
    [results[name], beside[name]] = measurePair(
      attachOnce(shim, view, name),
      () => attachNpshm(name),
      Number(runMs),
      Number(runs),
    );
  }
  console.log(JSON.stringify({ results, beside }));
}

function mainShimAlone(library: string, [runMs, runs, ...names]: string[]): void {
  const shim = shimAt(library);
  const { view } = raw();
  const results: Record<string, Measurement> = {};
  for (const name of names) {
    results[name] = measure(attachOnce(shim, view, name), Number(runMs), Number(runs));
  }
  console.log(JSON.stringify({ results }));
}

if (import.meta.main) main(process.argv.slice(2));
