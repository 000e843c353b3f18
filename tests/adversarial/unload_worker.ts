// The worker of unload.ts: loads npshm, does its task, reports, and is terminated.
//   lock           a lock the shim itself takes (the shim then caches its pid, watching forks)
//   lock-and-wait  that, and a wait left sleeping in the shim off the JS thread (300 ms)
//   track          creates NAME tracked (the shim forks this process's reaper)
import { parentPort, workerData } from "node:worker_threads";
import { attachSharedArray, createSharedArray, waitAsync } from "../../mod.ts";

const { task, name } = workerData as { task: string; name: string };
const a = createSharedArray(task === "track" ? name : undefined, {
  shape: [4],
  dtype: "int32",
  track: true,
});
if (task !== "track") {
  // Held here, wanted by a second array object: the shim takes it for that one once free.
  const held = a.lock();
  const waiting = attachSharedArray(a.name).lockAsync();
  setTimeout(() => held.unlock(), 20);
  (await waiting).unlock();
}
if (task === "lock-and-wait") waitAsync(a.data as Int32Array, 0, 0, 300).catch(() => {});
parentPort!.postMessage("ready");
