/**
 * The npshm benchmark, all in one run (`deno task bench`):
 *
 * 1. Attach latency: per operation attach a float64 array by name, take the zero-copy view,
 *    read element 0, close — for 4 KiB, 1 MiB, 64 MiB and 1 GiB arrays — done by npshm
 *    (`attach.ts`), by C making the same system calls and nothing else (`attach.c`, the
 *    physical limit) and by Python's `multiprocessing.shared_memory` + NumPy (`attach.py`).
 *    Each runs in a process of its own, once per round, the three in turn; a cell is the
 *    median ns/op over all its batches of all rounds.
 * 2. Sequential-read throughput of a shared array's `data` against a plain Float64Array
 *    (`throughput.ts`).
 * 3. Locks and wait/notify (`lock_run.ts`): a locked increment uncontended and with 2
 *    processes contending, against a robust process-shared pthread mutex, and a wait/notify
 *    ping-pong against a C futex one (`lock.c`), on Deno and, through the npm package, on
 *    Node 22/24/26 and Bun (`--deno-only` skips those, and the npm build they need).
 * 4. Per-element `get`/`set` against a plain Float64Array index in hot loops: 1-d, 2-d and a
 *    strided view (`element.ts`).
 *
 * Prints a table with the ratios and the targets (within 1.3x of C, at least 2x faster than
 * Python, flat across sizes, reads within 5% of a plain TypedArray) and writes everything,
 * with the date and the machine, to `bench/results.json`, the figures the README quotes.
 *
 * ```sh
 * deno task bench        # builds the native library first
 * deno run -A bench/run.ts [--deno-only]
 * deno task bench --element   # only 4., into the results.json there is
 * ```
 *
 * `CC` picks the C compiler (default `cc`), `PYTHON` the interpreter (default `python3`).
 * Without one of them that column reads n/a and the rest still runs.
 *
 * @module
 */
import { createSharedArray, deleteSharedArray } from "../mod.ts";
import { EXPECTED } from "./attach.ts";
import { type ElementOutput, printElements, summarizeElements } from "./element.ts";
import { type Harness, measureLocks, npmHarnesses, printLocks } from "./lock_run.ts";
import { type Measurement, median } from "./measure.ts";

/** Target: npshm's attach takes at most this many times what the C system calls take. */
export const C_LIMIT = 1.3;
/** Target: Python's attach takes at least this many times what npshm's takes. */
export const PYTHON_FACTOR = 2;
/**
 * Target "flat": npshm's slowest size over its fastest is at most this many times the same
 * spread of the C limit. The kernel's own cost grows with the mapping (page tables), so the
 * test is that npshm adds no cost that grows with the array (copying, touching pages).
 */
export const FLAT_LIMIT = 1.2;
/** Target: reading `data` is at most this much slower (or faster) than a plain TypedArray. */
export const THROUGHPUT_TOLERANCE = 0.05;

/** Array sizes of the latency benchmark (float64 elements, bytes a multiple of 8). */
export const SIZES: readonly { label: string; bytes: number }[] = [
  { label: "4 KiB", bytes: 4 * 1024 },
  { label: "1 MiB", bytes: 1024 * 1024 },
  { label: "64 MiB", bytes: 64 * 1024 * 1024 },
  { label: "1 GiB", bytes: 1024 * 1024 * 1024 },
];

// Each harness runs once per round, the three in turn, so a burst of load from elsewhere on
// the machine hits all three alike rather than one whole column. ~1.2 s per cell in all
// (3 rounds x 3 batches of 130 ms) keeps `deno task bench` under a minute on 2 cores.
const ROUNDS = 3;
const RUN_MS = 130;
const RUNS = 3;
const THROUGHPUT_MIB = 256;
const THROUGHPUT_REPS = 10;

const HERE = new URL(".", import.meta.url);
const path = (file: string) => decodeURIComponent(new URL(file, HERE).pathname);
const C_BUILD_DIR = path("../native/build/bench/");
const RESULTS = path("results.json");

/** Per segment name, its batches. */
type Results = Record<string, Measurement>;

/** What attach.ts and attach.c print. */
interface HarnessOutput {
  results: Results;
}

/** Batches of every round, per segment name. */
type Merged = Record<string, { iterations: number[]; nsPerOp: number[] }>;

/** One row of the latency table; `undefined` where a harness could not run. */
interface Row {
  size: string;
  bytes: number;
  npshmNs: number;
  cNs?: number;
  pythonNs?: number;
  pythonTrackedNs?: number;
  npshmOverC?: number;
  pythonOverNpshm?: number;
}

interface PythonOutput {
  python: string;
  numpy: string;
  untracked: Results;
  tracked: Results;
}

interface PythonMerged {
  python: string;
  numpy: string;
  untracked: Merged;
  tracked: Merged;
}

interface ThroughputOutput {
  bytes: number;
  shared: { gbPerS: number[] };
  plain: { gbPerS: number[] };
}

// --- running the harnesses --------------------------------------------------------------

function progress(text: string): void {
  console.error(`bench: ${text}`);
}

/** Runs a command and parses the JSON it prints; undefined (and why, on stderr) if it fails. */
async function runJson<T>(cmd: string, args: string[]): Promise<T | undefined> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (err) {
    progress(`cannot run ${cmd}: ${(err as Error).message}`);
    return undefined;
  }
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) {
    progress(`${cmd} ${args.join(" ")} failed (exit ${out.code}):\n${stderr}`);
    return undefined;
  }
  if (stderr) progress(`${cmd} said:\n${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout)) as T;
}

/** First line a command prints, or undefined if it cannot run. */
async function firstLine(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).split("\n")[0].trim() : undefined;
  } catch {
    return undefined;
  }
}

function compiler(): string {
  return Deno.env.get("CC") || "cc";
}

function python(): string {
  return Deno.env.get("PYTHON") || "python3";
}

/** Compiles bench/<name>.c (built every run: it takes a fraction of a second). */
async function buildC(name: string, libs: string[]): Promise<string | undefined> {
  await Deno.mkdir(C_BUILD_DIR, { recursive: true });
  const exe = `${C_BUILD_DIR}${name}`;
  const args = ["-O2", "-std=c11", "-Wall", "-Wextra", "-o", exe, path(`${name}.c`), ...libs];
  try {
    const out = await new Deno.Command(compiler(), { args, stderr: "piped" }).output();
    if (out.success) return exe;
    progress(`cannot compile ${name}.c:\n${new TextDecoder().decode(out.stderr)}`);
  } catch (err) {
    progress(`cannot run ${compiler()}: ${(err as Error).message}`);
  }
  return undefined;
}

/** Makes one float64 segment per size (element 0 = EXPECTED), closed but left named. */
function makeSegments(names: readonly string[]): void {
  SIZES.forEach(({ bytes }, i) => {
    using array = createSharedArray(names[i], { shape: [bytes / 8], dtype: "float64" });
    array.data[0] = EXPECTED;
  });
}

function deleteSegments(names: readonly string[]): void {
  for (const name of names) deleteSharedArray(name, { raiseOnError: false });
}

// --- machine ----------------------------------------------------------------------------

async function cpuModel(): Promise<string> {
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    return info.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

async function describeMachine(py: PythonMerged | undefined) {
  return {
    cpu: await cpuModel(),
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    os: Deno.build.target,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    python: py?.python ?? null,
    numpy: py?.numpy ?? null,
    cc: (await firstLine(compiler(), ["--version"])) ?? null,
  };
}

// --- results ----------------------------------------------------------------------------

/** One harness's rounds as one set of batches; undefined if any round failed. */
function merge(rounds: (Results | undefined)[]): Merged | undefined {
  if (rounds.some((r) => r === undefined)) return undefined;
  const merged: Merged = {};
  for (const round of rounds as Results[]) {
    for (const [name, m] of Object.entries(round)) {
      merged[name] ??= { iterations: [], nsPerOp: [] };
      merged[name].iterations.push(m.iterations);
      merged[name].nsPerOp.push(...m.nsPerOp);
    }
  }
  return merged;
}

function mergePython(rounds: (PythonOutput | undefined)[]): PythonMerged | undefined {
  const first = rounds[0];
  const untracked = merge(rounds.map((r) => r?.untracked));
  const tracked = merge(rounds.map((r) => r?.tracked));
  if (!first || !untracked || !tracked) return undefined;
  return { python: first.python, numpy: first.numpy, untracked, tracked };
}

function medianOf(results: Merged | undefined, name: string): number | undefined {
  const m = results?.[name];
  return m ? median(m.nsPerOp) : undefined;
}

function rows(
  names: readonly string[],
  npshm: Merged,
  c: Merged | undefined,
  py: PythonMerged | undefined,
): Row[] {
  return SIZES.map(({ label, bytes }, i) => {
    const npshmNs = medianOf(npshm, names[i])!;
    const cNs = medianOf(c, names[i]);
    const pythonNs = medianOf(py?.untracked, names[i]);
    return {
      size: label,
      bytes,
      npshmNs,
      cNs,
      pythonNs,
      pythonTrackedNs: medianOf(py?.tracked, names[i]),
      npshmOverC: cNs && npshmNs / cNs,
      pythonOverNpshm: pythonNs && pythonNs / npshmNs,
    };
  });
}

function spreadOf(values: (number | undefined)[]): number | undefined {
  if (values.some((v) => v === undefined)) return undefined;
  return Math.max(...values as number[]) / Math.min(...values as number[]);
}

function worstOf(values: (number | undefined)[], pick: (...xs: number[]) => number) {
  return values.some((v) => v === undefined) ? undefined : pick(...values as number[]);
}

function targets(table: Row[], throughputRatio: number | undefined) {
  const worstC = worstOf(table.map((r) => r.npshmOverC), Math.max);
  const worstPy = worstOf(table.map((r) => r.pythonOverNpshm), Math.min);
  const worstTracked = worstOf(
    table.map((r) => r.pythonTrackedNs && r.pythonTrackedNs / r.npshmNs),
    Math.min,
  );
  const spread = spreadOf(table.map((r) => r.npshmNs))!;
  const cSpread = spreadOf(table.map((r) => r.cNs));
  // null: that column could not be measured (no compiler, no Python), so no verdict.
  const met = (value: number | undefined, ok: (x: number) => boolean) =>
    value === undefined ? null : ok(value);
  return {
    withinCLimit: { limit: C_LIMIT, worst: worstC ?? null, met: met(worstC, (w) => w <= C_LIMIT) },
    fasterThanPython: {
      factor: PYTHON_FACTOR,
      worst: worstPy ?? null,
      met: met(worstPy, (w) => w >= PYTHON_FACTOR),
      worstVsTracked: worstTracked ?? null,
    },
    flat: {
      limit: FLAT_LIMIT,
      spread,
      cSpread: cSpread ?? null,
      met: spread <= FLAT_LIMIT * Math.max(1, cSpread ?? 1),
    },
    throughput: {
      tolerance: THROUGHPUT_TOLERANCE,
      ratio: throughputRatio ?? null,
      met: met(throughputRatio, (r) => Math.abs(r - 1) <= THROUGHPUT_TOLERANCE),
    },
  };
}

// --- printing ---------------------------------------------------------------------------

const fmtNs = (x: number | undefined) =>
  x === undefined ? "n/a" : Math.round(x).toLocaleString("en-US");
const fmtX = (x: number | undefined) => x === undefined ? "n/a" : `${x.toFixed(2)}x`;

function printTable(table: Row[]): void {
  const head = [
    "size",
    "npshm ns/op",
    "C ns/op",
    "Python ns/op",
    "npshm/C",
    "Python/npshm",
    "Python+tracker ns/op",
  ];
  const body = table.map((r) => [
    r.size,
    fmtNs(r.npshmNs),
    fmtNs(r.cNs),
    fmtNs(r.pythonNs),
    fmtX(r.npshmOverC),
    fmtX(r.pythonOverNpshm),
    fmtNs(r.pythonTrackedNs),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => c ? cell.padStart(widths[c]) : cell.padEnd(widths[c])).join(" | ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const row of body) console.log(line(row));
}

function printTargets(t: ReturnType<typeof targets>): void {
  const v = (met: boolean | null) => met === null ? "n/a" : met ? "met" : "MISSED";
  const x = (n: number | null) => fmtX(n ?? undefined);
  const { withinCLimit: c, fasterThanPython: py, flat, throughput } = t;
  console.log("targets:");
  console.log(`  npshm/C <= ${C_LIMIT} at every size: ${v(c.met)} (worst ${x(c.worst)})`);
  console.log(
    `  Python/npshm >= ${PYTHON_FACTOR} at every size: ${v(py.met)} (worst ${x(py.worst)}; ` +
      `against Python's default, tracked attach: ${x(py.worstVsTracked)})`,
  );
  console.log(
    `  flat, slowest/fastest size <= ${FLAT_LIMIT} x C's: ${v(flat.met)} ` +
      `(npshm ${x(flat.spread)}, C ${x(flat.cSpread)})`,
  );
  console.log(
    `  data reads within ${THROUGHPUT_TOLERANCE * 100}% of a plain TypedArray: ` +
      `${v(throughput.met)} (ratio ${throughput.ratio?.toFixed(3) ?? "n/a"})`,
  );
}

function summarizeThroughput(tp: ThroughputOutput | undefined) {
  if (!tp) return undefined;
  const shared = median(tp.shared.gbPerS);
  const plain = median(tp.plain.gbPerS);
  return {
    bytes: tp.bytes,
    sharedGbPerS: shared,
    plainGbPerS: plain,
    sharedBestGbPerS: Math.max(...tp.shared.gbPerS),
    plainBestGbPerS: Math.max(...tp.plain.gbPerS),
    ratio: shared / plain,
    raw: tp,
  };
}

function printThroughput(s: ReturnType<typeof summarizeThroughput>): void {
  if (!s) {
    console.log("throughput: n/a");
    return;
  }
  console.log(
    `throughput (sum of ${s.bytes / 2 ** 20} MiB float64, median of ${THROUGHPUT_REPS}): ` +
      `npshm data ${s.sharedGbPerS.toFixed(2)} GB/s, plain Float64Array ` +
      `${s.plainGbPerS.toFixed(2)} GB/s, ratio ${s.ratio.toFixed(3)} ` +
      `(best ${s.sharedBestGbPerS.toFixed(2)} vs ${s.plainBestGbPerS.toFixed(2)} GB/s)`,
  );
}

// --- main -------------------------------------------------------------------------------

/** Every round runs the three harnesses in turn over all sizes. */
async function measureLatency(names: readonly string[], cExe: string | undefined) {
  const timing = [String(RUN_MS), String(RUNS), ...names];
  const npshm: (Results | undefined)[] = [];
  const c: (Results | undefined)[] = [];
  const py: (PythonOutput | undefined)[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    progress(`round ${round}/${ROUNDS}: npshm`);
    const npshmArgs = ["run", "-A", path("attach.ts"), ...timing];
    npshm.push((await runJson<HarnessOutput>(Deno.execPath(), npshmArgs))?.results);
    if (!npshm.at(-1)) throw new Error("the npshm harness failed; see above");
    if (cExe) {
      progress(`round ${round}/${ROUNDS}: C`);
      c.push((await runJson<HarnessOutput>(cExe, timing))?.results);
    }
    progress(`round ${round}/${ROUNDS}: Python`);
    py.push(await runJson<PythonOutput>(python(), [path("attach.py"), ...timing]));
  }
  return { npshm: merge(npshm)!, c: cExe ? merge(c) : undefined, py: mergePython(py) };
}

async function measureAll(names: readonly string[], tpName: string, denoOnly: boolean) {
  progress("building attach.c");
  const latency = await measureLatency(names, await buildC("attach", ["-lrt"]));
  progress(`throughput (${THROUGHPUT_MIB} MiB)`);
  const tp = await runJson<ThroughputOutput>(Deno.execPath(), [
    "run",
    "-A",
    path("throughput.ts"),
    String(THROUGHPUT_MIB),
    String(THROUGHPUT_REPS),
    tpName,
  ]);
  const harnesses: Harness[] = [
    { label: `deno ${Deno.version.deno}`, cmd: [Deno.execPath(), "run", "-A", path("lock.ts")] },
    ...denoOnly ? [] : await npmHarnesses({ runJson, progress }),
  ];
  const lockC = await buildC("lock", ["-pthread"]);
  const locks = await measureLocks({ runJson, progress }, lockC, harnesses);
  return { ...latency, tp, locks, elements: await measureElements() };
}

function measureElements(): Promise<ElementOutput | undefined> {
  progress("element access");
  return runJson<ElementOutput>(Deno.execPath(), ["run", "-A", path("element.ts")]);
}

type Measured = Awaited<ReturnType<typeof measureAll>>;

/** Prints the table, the throughput and the targets; writes bench/results.json. */
async function report(measured: Measured, names: readonly string[], loadBefore: number) {
  const { npshm, c, py, tp, locks, elements } = measured;
  // Other work on the machine shows in the figures: the 1-minute load before the run (ours
  // is not in it yet) and after it (ours adds about 1) say how quiet it was.
  const load = { before: loadBefore, after: Deno.loadavg()[0] };
  const machine = { ...await describeMachine(py), loadAverage1m: load };
  const table = rows(names, npshm, c, py);
  const throughput = summarizeThroughput(tp);
  const goals = targets(table, throughput?.ratio);
  console.log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ` +
      `Linux ${machine.kernel}; Deno ${machine.deno} (V8 ${machine.v8}), ` +
      `Python ${machine.python ?? "n/a"}, numpy ${machine.numpy ?? "n/a"}; ` +
      `load ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after`,
  );
  console.log(
    `attach + data + read [0] + close, median of ${ROUNDS * RUNS} batches of ~${RUN_MS} ms ` +
      `(${ROUNDS} rounds); Python = SharedMemory without the resource tracker ` +
      "(3.13's track=False); Python+tracker = its default before 3.13",
  );
  printTable(table);
  printThroughput(throughput);
  printTargets(goals);
  printLocks(locks);
  const element = elements && summarizeElements(elements);
  if (element) printElements(element);
  else console.log("element access: n/a");
  const results = {
    date: new Date().toISOString(),
    command: "deno task bench",
    machine,
    method: {
      rounds: ROUNDS,
      batchesPerRound: RUNS,
      batchMs: RUN_MS,
      statistic: "median ns/op over all batches of all rounds",
    },
    latency: table,
    throughput: throughput ?? null,
    locks,
    elementAccess: element ? { ...element, raw: elements } : null,
    targets: { ...goals, elementAccess: element?.targets ?? null },
    raw: { npshm, c: c ?? null, python: py ?? null },
  };
  await writeResults(results);
}

async function writeResults(results: unknown): Promise<void> {
  // Four significant digits: the noise is larger than that, and the file stays readable.
  const rounded = (_: string, v: unknown) =>
    typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v;
  await Deno.writeTextFile(RESULTS, JSON.stringify(results, rounded, 2) + "\n");
  console.log(`wrote ${RESULTS}`);
}

/**
 * `--element`: only the element-access benchmark, written into the `elementAccess` section
 * (and its target) of the existing results.json, with its own date and machine load.
 */
async function elementOnly(): Promise<void> {
  const before = Deno.loadavg()[0];
  const raw = await measureElements();
  if (!raw) throw new Error("the element-access harness failed; see above");
  const summary = summarizeElements(raw);
  printElements(summary);
  const results = JSON.parse(await Deno.readTextFile(RESULTS));
  results.elementAccess = {
    date: new Date().toISOString(),
    command: "deno task bench --element",
    loadAverage1m: { before, after: Deno.loadavg()[0] },
    ...summary,
    raw,
  };
  results.targets = { ...results.targets, elementAccess: summary.targets };
  await writeResults(results);
}

async function main(): Promise<void> {
  if (Deno.args.includes("--element")) return await elementOnly();
  const tag = `npshm-bench-${Deno.pid}`;
  const names = SIZES.map(({ bytes }) => `${tag}-${bytes}`);
  const tpName = `${tag}-throughput`;
  const cleanup = () => deleteSegments([...names, tpName]);
  Deno.addSignalListener("SIGINT", () => {
    cleanup();
    Deno.exit(130);
  });
  const loadBefore = Deno.loadavg()[0];
  let measured: Measured;
  try {
    progress(`making segments: ${SIZES.map((s) => s.label).join(", ")}`);
    makeSegments(names);
    measured = await measureAll(names, tpName, Deno.args.includes("--deno-only"));
  } finally {
    cleanup();
  }
  await report(measured, names, loadBefore);
}

if (import.meta.main) await main();
