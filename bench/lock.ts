/**
 * npshm's side of the lock and wait benchmark (`bench/lock.c` is the C reference; `bench/run.ts`
 * runs both and prints the ratios). Node APIs only, so the same file runs on Deno, on Node and
 * on Bun (there with `npshm` from the npm package: `run.ts` rewrites the one import).
 *
 *   uncontended  `lock()` + increment + `unlock()` of a shared array's lock, timed as
 *                `measure.ts` times;
 *   contended    2 processes, each `n` locked increments of one shared counter, started
 *                together: the slower one's time over the 2n increments (the total is checked);
 *   pingpong     2 processes hand a shared int32 back and forth with `wait` / `notify`: the time
 *                of one round trip;
 *   pingpongAsync  the same with `await waitAsync` on the side that times it (the other side
 *                waits with `wait`): what sleeping off the JS thread adds to a round trip;
 *   idle         CPU time a process spends per second while it waits for a lock held
 *                elsewhere (`lock({ timeoutMs })`), in a `wait()` and in a `waitAsync()`: what
 *                sleeping costs.
 *
 * ```sh
 * deno run -A bench/lock.ts <runMs> <runs> <n> <trips>
 * ```
 *
 * Prints one JSON object: `{ "uncontended": { "iterations", "nsPerOp": [...] }, "contended":
 * { "nsPerOp": [...] }, "pingpong": { "nsPerOp": [...] }, "pingpongAsync": { "nsPerOp": [...] },
 * "idle": { "lockCpuMsPerS", "waitCpuMsPerS", "waitAsyncCpuMsPerS" } }`. Workers are this file run again by the same runtime.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  attachSharedArray,
  createSharedArray,
  notify,
  TimeoutError,
  wait,
  waitAsync,
} from "../mod.ts";
import { measure } from "./measure.ts";

// The shared int32s of a pair of workers.
const READY = 0, GO = 1, COUNTER = 2, WORD = 3;

/** This file run by this runtime with `args` (Deno: run -A; Node: its flags; Bun: the file). */
function self(args: string[]): [string, string[]] {
  const file = fileURLToPath(import.meta.url);
  const deno = "Deno" in globalThis;
  const flags = deno ? ["run", "-A"] : process.execArgv;
  return [process.execPath, [...flags, file, ...args]];
}

/** Runs this file as a worker; resolves with what it printed. */
function worker(args: string[]): Promise<string> {
  const [cmd, argv] = self(args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => code === 0 ? resolve(out) : reject(new Error(`worker: ${code}`)));
  });
}

/** Waits until both workers are at the start line, then starts them; their outputs. */
async function pair(job: string, n: number): Promise<number[]> {
  const a = createSharedArray(undefined, { shape: [4], dtype: "int32", track: true });
  try {
    const s = a.data as Int32Array;
    const runs = [0, 1].map((who) => worker([job, a.name, String(who), String(n)]));
    while (Atomics.load(s, READY) < 2) await new Promise((r) => setTimeout(r, 1));
    Atomics.store(s, GO, 1);
    notify(s, GO);
    const outs = (await Promise.all(runs)).map(Number);
    if (job === "contend" && s[COUNTER] !== 2 * n + 2 * WARMUP) {
      throw new Error(`lost increments: ${s[COUNTER]} of ${2 * n + 2 * WARMUP}`);
    }
    return outs;
  } finally {
    a.close();
  }
}

// Locked increments before any clock starts: V8 takes a few hundred thousand to reach its
// optimizing tier (longer on a loaded machine, whose compiler threads wait their turn).
const WARMUP = 2_000_000;

/** A worker's start line: count itself ready, sleep until GO. */
function startLine(s: Int32Array): void {
  Atomics.add(s, READY, 1);
  while (Atomics.load(s, GO) === 0) wait(s, GO, 0, 100);
}

/** Worker: `n` locked increments of COUNTER once both are ready; prints its ns. */
function contend(name: string, n: number): void {
  const a = attachSharedArray(name, { validateDtype: "int32" });
  const s = a.data as Int32Array;
  const run = (times: number) => {
    for (let i = 0; i < times; i++) {
      a.lock();
      s[COUNTER] = s[COUNTER] + 1;
      a.unlock();
    }
  };
  run(WARMUP); // the JIT's turn, before the clock starts
  startLine(s);
  const start = performance.now();
  run(n);
  console.log(Math.round((performance.now() - start) * 1e6));
  a.close();
}

/**
 * Worker: ping-pong over WORD (player 0 sends 2i + 1, player 1 answers 2i + 2); prints ns.
 * With `awaited`, player 0 waits for the answer with `await waitAsync`.
 */
async function play(name: string, who: number, trips: number, awaited: boolean): Promise<void> {
  const a = attachSharedArray(name, { validateDtype: "int32" });
  const s = a.data as Int32Array;
  startLine(s);
  const start = performance.now();
  for (let i = 0; i < trips; i++) {
    const ping = 2 * i + 1;
    if (who === 0) {
      Atomics.store(s, WORD, ping);
      notify(s, WORD, 1);
      while (Atomics.load(s, WORD) === ping) {
        if (awaited) await waitAsync(s, WORD, ping);
        else wait(s, WORD, ping);
      }
    } else {
      for (let cur = Atomics.load(s, WORD); cur !== ping; cur = Atomics.load(s, WORD)) {
        wait(s, WORD, cur);
      }
      Atomics.store(s, WORD, ping + 1);
      notify(s, WORD, 1);
    }
  }
  console.log(Math.round((performance.now() - start) * 1e6));
  a.close();
}

/**
 * Worker: CPU ms per second spent waiting `ms` for a lock held elsewhere, in a wait() and in a
 * waitAsync().
 */
async function idle(name: string, ms: number): Promise<void> {
  const a = attachSharedArray(name, { validateDtype: "int32" });
  const cpu = async (run: () => unknown) => {
    const before = process.cpuUsage();
    const start = performance.now();
    await run();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1e3 / ((performance.now() - start) / 1e3);
  };
  const lockCpuMsPerS = await cpu(() => {
    try {
      a.lock({ timeoutMs: ms }).unlock();
    } catch (err) {
      if (!(err instanceof TimeoutError)) throw err;
    }
  });
  const view = a.data as Int32Array;
  const waitCpuMsPerS = await cpu(() => wait(view, WORD, 0, ms));
  await waitAsync(view, WORD, 0, 50); // what a first wait that sleeps starts, before the clock
  const waitAsyncCpuMsPerS = await cpu(() => waitAsync(view, WORD, 0, ms));
  a.close();
  console.log(JSON.stringify({ lockCpuMsPerS, waitCpuMsPerS, waitAsyncCpuMsPerS }));
}

async function main(args: string[]): Promise<void> {
  const [mode, ...rest] = args;
  if (mode === "contend") return contend(rest[0], Number(rest[2]));
  if (mode === "play" || mode === "playAsync") {
    return play(rest[0], Number(rest[1]), Number(rest[2]), mode === "playAsync");
  }
  if (mode === "idle") return idle(rest[0], Number(rest[1]));
  const [runMs, runs, n, trips] = args.map(Number);
  const a = createSharedArray(undefined, { shape: [4], dtype: "int32", track: true });
  const s = a.data as Int32Array;
  const increment = () => {
    a.lock();
    const v = s[COUNTER] = s[COUNTER] + 1;
    a.unlock();
    return v;
  };
  for (let i = 0; i < WARMUP; i++) increment();
  const uncontended = measure(
    increment,
    runMs,
    runs,
  );
  const contended = { nsPerOp: [] as number[] };
  const pingpong = { nsPerOp: [] as number[] };
  const pingpongAsync = { nsPerOp: [] as number[] };
  for (let r = 0; r < runs; r++) {
    contended.nsPerOp.push(Math.max(...await pair("contend", n)) / (2 * n));
    pingpong.nsPerOp.push((await pair("play", trips))[0] / trips);
    pingpongAsync.nsPerOp.push((await pair("playAsync", trips))[0] / trips);
  }
  // Held here (a sync lock in this process), waited for there.
  a.lock();
  const sleeping = JSON.parse(await worker(["idle", a.name, "1000"]));
  a.unlock();
  a.close();
  console.log(JSON.stringify({ uncontended, contended, pingpong, pingpongAsync, idle: sleeping }));
}

// No `using` and no import.meta.main here: Node 22 has neither.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
