/**
 * npshm's side of the attach benchmark: per operation `attachSharedArray(name)`, read
 * `data[0]`, `close()`. Run by `bench/run.ts` in a process of its own, like the C and Python
 * harnesses, so no harness warms or pollutes another's heap.
 *
 * ```sh
 * deno run -A bench/attach.ts <runMs> <runs> <name>...
 * ```
 *
 * Prints one JSON object: `{ "results": { "<name>": { "iterations", "nsPerOp": [...] } } }`.
 * Every segment must hold a float64 array whose element 0 is {@link EXPECTED}.
 *
 * @module
 */
import process from "node:process";
import { attachSharedArray } from "../mod.ts";
import { measure, type Measurement } from "./measure.ts";

/** The value `bench/run.ts` writes to element 0, checked so a wrong offset cannot go unseen. */
export const EXPECTED = 1.5;

/**
 * One operation as a user writes it: attach, take the zero-copy view, touch it, close.
 *
 * @example
 * ```ts
 * attachOnce("frames"); // element 0 of "frames"
 * ```
 */
export function attachOnce(name: string): number {
  const array = attachSharedArray(name);
  const first = array.data[0] as number; // float64: run.ts made it so, main() checks it
  array.close();
  return first;
}

function main(args: string[]): void {
  const [runMs, runs, ...names] = args;
  const results: Record<string, Measurement> = {};
  for (const name of names) {
    const first = attachOnce(name);
    if (first !== EXPECTED) throw new Error(`${name}: element 0 is ${first}, not ${EXPECTED}`);
    results[name] = measure(() => attachOnce(name), Number(runMs), Number(runs));
  }
  console.log(JSON.stringify({ results }));
}

if (import.meta.main) main(process.argv.slice(2));
