/**
 * The module that the worker threads of `waiters.ts`' `WaiterPool` run (Node and Bun): it opens
 * the shim with the pool's backend and makes the blocking calls it is sent ({@link serveWaits}).
 * Nothing imports it, and it imports nothing of the program's: a worker runs only npshm's own
 * modules, even where npshm was bundled into the program (there this file is missing, the worker
 * fails to start, and waits poll).
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads";
 * const shared = new SharedArrayBuffer(8 + 8 * 4);
 * const workerData = { backend: "node", path: "/opt/npshm/libnpshm.so", shared };
 * new Worker(new URL("./waiter_worker.ts", import.meta.url), { workerData });
 * ```
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { openBunNative } from "./bun.ts";
import { openNodeNative } from "./node.ts";
import { serveWaits, type WaiterData } from "./waiters.ts";

const OPEN = { node: openNodeNative, bun: openBunNative };

const data = workerData as WaiterData | undefined;
// Run anywhere else (the JS thread, another worker), it serves nothing.
if (parentPort && data?.shared instanceof SharedArrayBuffer && data.backend in OPEN) {
  serveWaits(OPEN[data.backend](data.path), data.shared, parentPort);
}
