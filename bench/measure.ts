/**
 * The timing rule every latency harness of the benchmark follows (`attach.ts` here, and the
 * same steps in `attach.c` and `attach.py`), so the three measure alike: calibrate by doubling
 * until one batch takes {@link CALIBRATE_MS}, then time `runs` batches of about `runMs` each
 * and report nanoseconds per operation for every batch. The caller takes the median.
 *
 * Node APIs only (no `Deno.*`), so the same harness can later time the Node and Bun builds.
 *
 * @example
 * ```ts
 * import { measure } from "./measure.ts";
 * const { iterations, nsPerOp } = measure(() => Math.sqrt(2), 200, 5);
 * console.log(iterations, nsPerOp); // e.g. 40000000 [4.9, 5.0, 5.0, 4.9, 5.1]
 * ```
 * @module
 */

/** Calibration stops once a batch takes this long; it doubles as the JIT warm-up. */
export const CALIBRATE_MS = 25;

/** A batch never has fewer operations than this, so the clock's granularity does not show. */
export const MIN_ITERATIONS = 100;

/** What {@link measure} found: operations per batch and ns/op of each batch. */
export interface Measurement {
  /** Operations timed in each batch. */
  iterations: number;
  /** Nanoseconds per operation, one entry per batch, in the order they ran. */
  nsPerOp: number[];
}

/**
 * Times `op` as described in the module doc. `op` returns a number that is summed and checked,
 * so the JIT cannot drop the work whose result it returns.
 *
 * @example
 * ```ts
 * import { attachOnce } from "./attach.ts";
 * const m = measure(() => attachOnce("frames"), 200, 5); // 5 batches of about 200 ms
 * console.log(m.nsPerOp); // ns per attach + view + close, one entry per batch
 * ```
 */
export function measure(op: () => number, runMs: number, runs: number): Measurement {
  const iterations = calibrated(op, runMs);
  const nsPerOp: number[] = [];
  for (let r = 0; r < runs; r++) nsPerOp.push(nsPerOpOf(op, iterations));
  return { iterations, nsPerOp };
}

/**
 * Times `a` and `b` as {@link measure} does each, but in alternating batches (a, b, a, b, ...),
 * so that both run in the same process, heap and moment: their ratio then shows what one does
 * beyond the other, not what differs between two processes.
 *
 * @example
 * ```ts
 * const [root, cube] = measurePair(() => Math.sqrt(2), () => Math.cbrt(2), 200, 5);
 * console.log(root.nsPerOp, cube.nsPerOp);
 * ```
 */
export function measurePair(
  a: () => number,
  b: () => number,
  runMs: number,
  runs: number,
): [Measurement, Measurement] {
  const [na, nb] = [calibrated(a, runMs), calibrated(b, runMs)];
  const [ta, tb]: number[][] = [[], []];
  for (let r = 0; r < runs; r++) {
    ta.push(nsPerOpOf(a, na));
    tb.push(nsPerOpOf(b, nb));
  }
  return [{ iterations: na, nsPerOp: ta }, { iterations: nb, nsPerOp: tb }];
}

/** Operations of `op` in a batch of about `runMs`, found by doubling (the JIT's warm-up too). */
function calibrated(op: () => number, runMs: number): number {
  let n = 1;
  let ms = batch(op, n);
  while (ms < CALIBRATE_MS) {
    n *= 2;
    ms = batch(op, n);
  }
  return Math.max(MIN_ITERATIONS, Math.round((n * runMs) / ms));
}

/** One timed batch of `n` operations of `op`: its ns per operation. */
function nsPerOpOf(op: () => number, n: number): number {
  return (batch(op, n) * 1e6) / n;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// The result sink: a value the JIT must compute, checked after every batch.
let sink = 0;

function batch(op: () => number, n: number): number {
  const start = performance.now();
  let acc = 0;
  for (let i = 0; i < n; i++) acc += op();
  const ms = performance.now() - start;
  sink += acc;
  if (Number.isNaN(sink)) throw new Error("benchmark operation returned NaN");
  return ms;
}
