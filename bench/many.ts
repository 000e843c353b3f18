/**
 * Holding many arrays (issue 13): attaches COUNT arrays one after another and keeps every one
 * attached, timing each step of STEP attaches, and at each step counts what the process holds:
 * open file descriptors, mappings (`/proc/self/maps` lines) and resident memory. Attach time
 * must stay flat as the number held grows, and an array must cost no descriptor.
 *
 * The arrays are COUNT float64 (4,) segments made first (and closed) by this process. The
 * kernel's `vm.max_map_count` (65,530 by default) bounds the mappings of one process, so a
 * count above it fails in mmap for C as for npshm: run.ts asks for what fits.
 *
 * ```sh
 * deno run -A bench/many.ts <count> <step> <prefix>
 * ```
 *
 * Prints one JSON object: `{ count, steps: [{ held, nsPerAttach, fds, maps, rssKiB }] }`.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import {
  attachSharedArray,
  createSharedArray,
  deleteSharedArray,
  type SharedArray,
} from "../mod.ts";

/** What the process holds at one step. */
export interface Step {
  held: number;
  /** Mean ns per attach over the step that ended here. */
  nsPerAttach: number;
  fds: number;
  maps: number;
  rssKiB: number;
}

/**
 * Descriptors, mappings and resident KiB of this process (Linux).
 *
 * @example
 * ```ts
 * const { fds, maps, rssKiB } = holdings();
 * ```
 */
export function holdings(): { fds: number; maps: number; rssKiB: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  return {
    fds: readdirSync("/proc/self/fd").length,
    maps: readFileSync("/proc/self/maps", "utf8").split("\n").length - 1,
    rssKiB: Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1] ?? NaN),
  };
}

function main([countText, stepText, prefix]: string[]): void {
  const count = Number(countText);
  const step = Number(stepText);
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  try {
    for (const name of names) createSharedArray(name, { shape: [4], dtype: "float64" }).close();
    const held: SharedArray[] = [];
    const steps: Step[] = [{ held: 0, nsPerAttach: 0, ...holdings() }];
    while (held.length < count) {
      const start = performance.now();
      const end = Math.min(count, held.length + step);
      for (let i = held.length; i < end; i++) held.push(attachSharedArray(names[i]));
      const ns = ((performance.now() - start) * 1e6) / step;
      steps.push({ held: held.length, nsPerAttach: ns, ...holdings() });
    }
    for (const a of held) a.close();
    console.log(JSON.stringify({ count, steps }));
  } finally {
    for (const name of names) deleteSharedArray(name, { raiseOnError: false });
  }
}

if (import.meta.main) main(process.argv.slice(2));
