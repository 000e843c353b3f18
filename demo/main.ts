// npshm demo: worker processes turn each row of a big float64 matrix into probabilities
// (softmax). First the npshm way: the matrix lives in shared memory and each worker attaches it
// by name and works on its rows in place. Then the classic way: each worker is sent a copy of
// its rows over a pipe and sends the results back. Both must match a single-process reference.
//
//   npx -y deno@2.9.6 task demo [--rows 8192] [--cols 16384] [--workers <cores>] [--save FILE]
//
// --save FILE also writes the result to a .npy file numpy.load reads, with a progress line.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createSharedArray, saveSharedArray } from "../mod.ts";
import { fillRows, softmaxRows } from "./job.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "8192" }, // 8192 x 16384 float64: 1 GiB
    cols: { type: "string", default: "16384" },
    workers: { type: "string", default: String(availableParallelism()) },
    save: { type: "string" },
  },
});
const [rows, cols, workers] = [values.rows, values.cols, values.workers].map(Number);
if (![rows, cols, workers].every((n) => Number.isSafeInteger(n) && n > 0)) {
  throw new Error("--rows, --cols and --workers take positive integers");
}
const WORKER = fileURLToPath(new URL("worker.ts", import.meta.url));
const NAME = `npshm-demo-${process.pid}`; // unique per run, so runs never collide
// Worker w does rows [from, to) = blocks[w]: contiguous blocks of near-equal size.
const edge = (w: number) => Math.floor((w * rows) / workers);
const blocks = Array.from({ length: workers }, (_, w) => [edge(w), edge(w + 1)]);

console.log(
  `softmax of each row of a ${rows} x ${cols} float64 matrix (${size(rows * cols * 8)}), ` +
    `${workers} worker processes`,
);

// The reference, in this process alone: both runs must match it bit for bit.
const expected = new Float64Array(rows * cols);
fillRows(expected, cols);
let start = performance.now();
softmaxRows(expected, cols);
report("one process, no workers", seconds(start));

// 1. Shared memory. Nothing is copied: the workers' only cost beyond the work is starting up.
// `track: true`: the name goes when this process closes the array or dies, even by Ctrl-C or
// kill -9 (npshm's reaper removes it then), so an interrupted demo leaves nothing behind.
let sharedSecs: number;
let sharedOk: boolean;
{
  using matrix = createSharedArray(NAME, { shape: [rows, cols], dtype: "float64", track: true });
  fillRows(matrix.data, cols); // matrix.data: a Float64Array over the shared memory
  start = performance.now();
  await Promise.all(blocks.map(([from, to]) => runWorker(["shared", NAME, `${from}`, `${to}`])));
  sharedSecs = seconds(start);
  sharedOk = equal(matrix.data, expected);
  report(`workers on shared memory '${NAME}'`, sharedSecs, sharedOk);
  if (values.save) save(matrix, values.save);
} // `using` closes it here, even if a worker failed: the name goes, the memory goes with the
// last process that has it mapped

// 2. Copying: the same matrix in private memory, rows sent over stdin, results read back.
const input = new Float64Array(rows * cols);
const output = new Float64Array(rows * cols);
fillRows(input, cols);
start = performance.now();
await Promise.all(blocks.map(([from, to]) => {
  const rowBytes = (a: Float64Array) =>
    new Uint8Array(a.buffer, from * cols * 8, (to - from) * cols * 8);
  return runWorker(["copy", `${to - from}`, `${cols}`], rowBytes(input), rowBytes(output));
}));
const copySecs = seconds(start);
const copyOk = equal(output, expected);
report("workers, rows copied over pipes", copySecs, copyOk);

console.log(`speed-up of shared memory over copying: ${(copySecs / sharedSecs).toFixed(1)}x`);
if (!sharedOk || !copyOk) {
  console.error("FAILED: results differ from the reference");
  process.exitCode = 1;
}

/** Runs worker.ts with `args`, writes `send` to its stdin, reads its stdout into `receive`. */
async function runWorker(args: string[], send?: Uint8Array, receive?: Uint8Array) {
  // `deno run -A worker.ts ...` with the very deno binary that runs this demo.
  const child = spawn(process.execPath, ["run", "-A", WORKER, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exit = new Promise((resolve, reject) => child.on("error", reject).on("close", resolve));
  child.stdin.on("error", () => {}); // a worker that dies early is reported by its exit code
  child.stdin.end(send);
  let received = 0;
  for await (const chunk of child.stdout as AsyncIterable<Uint8Array>) {
    receive?.set(chunk, received); // throws if the worker sends too much
    received += chunk.length;
  }
  const code = await exit;
  if (code !== 0 || received !== (receive?.length ?? 0)) {
    throw new Error(`worker ${args.join(" ")} failed: exit code ${code}, ${received} bytes back`);
  }
}

/** Writes the result to `file` (complete or absent, even if interrupted), showing progress. */
function save(matrix: Parameters<typeof saveSharedArray>[0], file: string): void {
  start = performance.now();
  saveSharedArray(matrix, file, {
    onProgress: (done, total) =>
      process.stdout.write(`\r  saving to ${file}: ${Math.floor((100 * done) / total)}%`),
  });
  process.stdout.write("\n");
  report(`saved ${file}`, seconds(start));
}

function equal(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return a.length === b.length;
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function report(what: string, secs: number, ok?: boolean): void {
  const check = ok === undefined ? "" : ok ? "  results match" : "  RESULTS DIFFER";
  console.log(`  ${what.padEnd(48)} ${secs.toFixed(2).padStart(6)} s${check}`);
}

function size(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(2)} GiB` : `${(gib * 1024).toFixed(2)} MiB`;
}
