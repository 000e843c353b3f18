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
 * ```sh
 * deno run -A bench/view_floor.ts <runMs> <runs> <bytes>...
 * node bench/view_floor.ts ...   # koffi from node_modules
 * bun bench/view_floor.ts ...
 * ```
 *
 * Prints one JSON object: `{ "results": { "<bytes>": { "iterations", "nsPerOp": [...] } } }`.
 *
 * @module
 */
import { createRequire } from "node:module";
import process from "node:process";
import { measure, type Measurement } from "./measure.ts";

const PROT_RW = 3;
const MAP_SHARED_ANONYMOUS = 0x21;

type View = (addr: bigint, len: number) => ArrayBuffer;
type Mmap = (len: number) => bigint;

interface Raw {
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

function raw(): Raw {
  if ("Deno" in globalThis) return denoRaw();
  if ("Bun" in globalThis) return bunRaw();
  return nodeRaw();
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

if (import.meta.main) main(process.argv.slice(2));
