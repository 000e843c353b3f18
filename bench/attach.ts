/**
 * npshm's side of the attach benchmark: per operation `attachSharedArray(name)`, read
 * `data[0]`, `close()`. Run by `bench/run.ts` in a process of its own, like the C and Python
 * harnesses, so no harness warms or pollutes another's heap.
 *
 * ```sh
 * deno run -A bench/attach.ts [--heap <objects>] <runMs> <runs> <name>...
 * ```
 *
 * `--heap` holds that many small objects while it measures, as a program with data of its own
 * would: where the runtime collects garbage for the memory a view stands for (Node, Bun), each
 * collection then has that heap to mark.
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

/**
 * `count` small live objects, for a heap of a realistic size (with its string, about 95 bytes each:
 * 300,000 took 28-29 MB on Node 24 and Bun 1.4).
 *
 * @example
 * ```ts
 * const held = liveObjects(300_000); // keep `held` reachable while measuring
 * ```
 */
export function liveObjects(count: number): { i: number; s: string }[] {
  return Array.from({ length: count }, (_, i) => ({ i, s: `object ${i}` }));
}

function main(args: string[]): void {
  const heap = args[0] === "--heap";
  const held = heap ? liveObjects(Number(args[1])) : [];
  const [runMs, runs, ...names] = heap ? args.slice(2) : args;
  const results: Record<string, Measurement> = {};
  for (const name of names) {
    const first = attachOnce(name);
    if (first !== EXPECTED) throw new Error(`${name}: element 0 is ${first}, not ${EXPECTED}`);
    results[name] = measure(() => attachOnce(name), Number(runMs), Number(runs));
  }
  // Printing the count keeps the objects reachable to the end.
  console.log(JSON.stringify({ results, held: held.length }));
}

if (import.meta.main) main(process.argv.slice(2));
