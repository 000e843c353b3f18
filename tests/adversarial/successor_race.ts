// One side of the successor race (issue 12 item 5), for `seconds`:
//   publisher NAME LOG SECONDS  force-creates NAME over and over, each array holding a fresh
//                               id; whenever NAME is then missing, the array just made was
//                               removed: legitimately only if an unlinker attached that very
//                               id (it marks LOG[id] first). Prints "made N wrongly-removed M".
//   unlinker NAME LOG SECONDS   attaches NAME with unlinkOnClose, marks LOG[id], closes:
//                               that may remove the array it attached, never a successor.
//   tracker NAME LOG SECONDS    the same with track: true (the only tracker, so the last one
//                               out: its close removes the name if it still names its array).
import { existsSync } from "node:fs";
import process from "node:process";
import { attachSharedArray, createSharedArray } from "../../mod.ts";

const [mode, name, logName, seconds] = process.argv.slice(2);
using log = attachSharedArray(logName, { validateDtype: "int32" });
const marks = log.data as Int32Array;
const until = Date.now() + Number(seconds) * 1000;
if (mode === "publisher") {
  let made = 0, wronglyRemoved = 0;
  for (let id = 1; id < marks.length && Date.now() < until; id++) {
    createSharedArray(name, { shape: [1], dtype: "int32", fill: id, force: true }).close();
    made++;
    if (!existsSync(`/dev/shm/${name}`) && Atomics.load(marks, id) === 0) wronglyRemoved++;
  }
  console.log(`made ${made} wrongly-removed ${wronglyRemoved}`);
} else if (mode === "unlinker" || mode === "tracker") {
  const how = mode === "tracker" ? { track: true } : { unlinkOnClose: true };
  while (Date.now() < until) {
    const a = attachSharedArray(name, { ...how, raiseOnError: false });
    if (a === null) continue;
    Atomics.store(marks, (a.data as Int32Array)[0], 1);
    a.close();
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
