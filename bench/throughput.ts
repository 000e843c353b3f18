/**
 * Sequential-read throughput of a shared array's `data` against an ordinary TypedArray of the
 * same length: both float64, same values, summed by the same function, called alternately so
 * the JIT compiles one loop for both and slow drift (frequency, other load) hits both alike.
 * Run by `bench/run.ts` in a process of its own.
 *
 * ```sh
 * deno run -A bench/throughput.ts <MiB> <reps> <name>
 * ```
 *
 * Prints one JSON object: `{ "bytes", "shared": { "gbPerS": [...] }, "plain": {...} }`, one
 * entry per repetition in run order.
 *
 * @module
 */
import process from "node:process";
import { createSharedArray } from "../mod.ts";

/** GB/s (1e9 bytes per second) of each repetition, for one kind of array. */
export interface Rates {
  /** One entry per repetition, in run order. */
  gbPerS: number[];
}

/**
 * Sums every element in order. Four running sums, as any throughput-minded loop has, so the
 * latency of one long chain of float additions does not hide the memory behind it.
 *
 * @example
 * ```ts
 * sum(new Float64Array([1, 2, 3])); // 6
 * ```
 */
export function sum(a: Float64Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = a.length;
  const tail = n - (n % 4);
  let i = 0;
  for (; i < tail; i += 4) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
  }
  for (; i < n; i++) s0 += a[i];
  return s0 + s1 + s2 + s3;
}

/** Seconds one `sum` over `a` takes; the result is checked, so it cannot be optimized away. */
function timeSum(a: Float64Array, expected: number): number {
  const start = performance.now();
  const total = sum(a);
  const seconds = (performance.now() - start) / 1000;
  if (total !== expected) throw new Error(`sum is ${total}, expected ${expected}`);
  return seconds;
}

/** Small integers: every partial sum is exact, so both arrays must sum to the same number. */
function fillValues(a: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] = i & 1023;
}

function main(args: string[]): void {
  const [mib, reps, name] = args;
  const length = (Number(mib) * 1024 * 1024) / 8;
  using shared = createSharedArray(name, {
    shape: [length],
    dtype: "float64",
    force: true,
    track: true,
  });
  const plain = new Float64Array(length);
  fillValues(plain);
  shared.data.set(plain); // also faults in every page of the mapping, as the fill did for plain
  const expected = sum(plain);
  const result: { bytes: number; shared: Rates; plain: Rates } = {
    bytes: plain.byteLength,
    shared: { gbPerS: [] },
    plain: { gbPerS: [] },
  };
  const rate = (a: Float64Array) => plain.byteLength / timeSum(a, expected) / 1e9;
  // ABBA order: whichever runs second in a pair has warm caches and a settled clock; this
  // gives that advantage to each side equally often.
  for (let r = 0; r < Number(reps); r++) {
    const order = r % 2 ? ["plain", "shared"] as const : ["shared", "plain"] as const;
    for (const kind of order) {
      result[kind].gbPerS.push(rate(kind === "shared" ? shared.data : plain));
    }
  }
  console.log(JSON.stringify(result));
}

if (import.meta.main) main(process.argv.slice(2));
