// Attack: the shim unloaded under the process. Only worker threads load npshm here, and a
// runtime that unloads a worker's libraries when it ends (Deno does) takes the shim's code
// away with it. Args: MODE NAME.
//   wait   a worker takes a lock, leaves a wait sleeping in the shim off the JS thread (300 ms)
//          and is terminated; the process must live on after that wait returns.
//   fork   a worker takes a lock (the shim then watches for forks, to forget its cached pid)
//          and is terminated; a second worker creates NAME tracked, which forks the reaper.
//          That fork's child must not run code of the unloaded shim. The process then kills
//          itself (SIGKILL), so that only its reaper can remove NAME: the test looks for that.
// Prints "alive" at the end.
import { extname } from "node:path";
import process from "node:process";
import { Worker } from "node:worker_threads";

const [mode, name] = process.argv.slice(-2);

/** Runs unload_worker.ts with `task` until it reports, then terminates it. */
async function inWorker(task: string): Promise<void> {
  const ext = extname(new URL(import.meta.url).pathname);
  const worker = new Worker(new URL(`./unload_worker${ext}`, import.meta.url), {
    workerData: { task, name },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
  });
  await worker.terminate();
}

if (mode === "wait") {
  await inWorker("lock-and-wait");
  await new Promise((r) => setTimeout(r, 600)); // the terminated worker's wait returns meanwhile
} else {
  await inWorker("lock");
  await inWorker("track");
}
console.log("alive");
if (mode === "fork") process.kill(process.pid, "SIGKILL");
