/**
 * `.npy` <-> shared memory throughput: loading a 1 GiB `.npy` into a named shared array
 * (`readSharedArray`) against `cp file /dev/shm/x` and against Python (`numpy.load`, then a
 * copy into `multiprocessing.shared_memory.SharedMemory`), and saving it back
 * (`saveSharedArray`) against `cp /dev/shm/x file` — with and without flushing to disk
 * (`durable`, vs `cp` followed by `sync FILE`). Files are warm in the page cache; every
 * timing is the median of several runs, alternated so drift hits all contenders alike.
 *
 * ```sh
 * deno task bench:io [MiB=1024] [runs=5]
 * ```
 *
 * Prints one line per comparison with the ratio `their time / our time` (above 1: npshm is
 * faster; the target is at least 0.8 against `cp`), then a JSON summary.
 *
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { deleteSharedArray, readSharedArray, saveSharedArray } from "../mod.ts";

const MIB = Number(process.argv[2] ?? 1024);
const RUNS = Number(process.argv[3] ?? 5);

/** Median of a list of seconds. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function seconds(f: () => void): number {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
}

const PY_LOAD = `
import sys, time, numpy as np
from multiprocessing import shared_memory, resource_tracker
t = time.perf_counter()
a = np.load(sys.argv[1])
shm = shared_memory.SharedMemory(name=sys.argv[2], create=True, size=a.nbytes)
np.ndarray(a.shape, a.dtype, buffer=shm.buf)[...] = a
dt = time.perf_counter() - t
shm.close(); shm.unlink()
print(dt)
`;

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "npshm-bench-"));
  const file = join(dir, "in.npy");
  const name = `npshm-bench-io-${process.pid}`;
  const shm = `/dev/shm/${name}-cp`;
  try {
    execFileSync("python3", [
      "-c",
      `import numpy as np; np.save(${JSON.stringify(file)}, ` +
      `np.random.default_rng(1).random(${MIB} * 2**17))`,
    ]);
    readFileSync(file); // into the page cache, as every contender finds it
    const t = { load: [] as number[], cpIn: [] as number[], py: [] as number[] };
    const s = {
      save: [] as number[],
      cpOut: [] as number[],
      dur: [] as number[],
      cpSync: [] as number[],
    };
    for (let i = 0; i < RUNS; i++) {
      t.cpIn.push(seconds(() => run("cp", [file, shm])));
      unlinkSync(shm);
      t.load.push(seconds(() => readSharedArray(file, name, { acceptExisting: false }).close()));
      const py = execFileSync("python3", ["-c", PY_LOAD, file, `${name}-py`], { encoding: "utf8" });
      t.py.push(Number(py.trim()));
      using a = readSharedArray(file, name);
      run("cp", [file, shm]);
      const [out, cpOut, cpSync] = ["out.npy", "cp.npy", "cps.npy"].map((f) => join(dir, f));
      // Each write makes a new file on a quiet disk: without the (untimed) clean-up and sync,
      // one pays for freeing the file it replaces, or for the writeback of the write before.
      const quiet = () => {
        for (const f of [out, cpOut, cpSync]) rmSync(f, { force: true });
        run("sync", []);
      };
      quiet();
      s.cpOut.push(seconds(() => run("cp", [shm, cpOut])));
      quiet();
      s.save.push(seconds(() => saveSharedArray(a, out, { durable: false })));
      quiet();
      s.cpSync.push(seconds(() => run("sh", ["-c", `cp ${shm} ${cpSync} && sync ${cpSync}`])));
      quiet();
      s.dur.push(seconds(() => saveSharedArray(a, out, { durable: true })));
      unlinkSync(shm);
      deleteSharedArray(name);
    }
    const gib = (MIB * 2 ** 20) / 2 ** 30;
    const line = (what: string, ours: number[], theirs: number[], who: string) => {
      const o = median(ours), th = median(theirs);
      console.log(
        `${what.padEnd(34)} npshm ${o.toFixed(3)} s (${(gib / o).toFixed(2)} GiB/s)  ` +
          `${who} ${th.toFixed(3)} s  ratio ${(th / o).toFixed(2)}x`,
      );
      return { npshm: o, [who]: th, ratio: th / o };
    };
    console.log(`${MIB} MiB float64 .npy, median of ${RUNS} runs, warm page cache`);
    const summary = {
      loadVsCp: line("load .npy -> shared memory", t.load, t.cpIn, "cp"),
      loadVsPython: line("load .npy -> shared memory", t.load, t.py, "python"),
      saveVsCp: line("save shared memory -> .npy", s.save, s.cpOut, "cp"),
      saveDurableVsCpSync: line("save, flushed to disk", s.dur, s.cpSync, "cp+sync"),
    };
    console.log(JSON.stringify(summary));
  } finally {
    deleteSharedArray(name, { raiseOnError: false });
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
