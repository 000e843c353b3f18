// Attack (issue 12, item 10): kill -9 in the middle of saveSharedArray. Args: NAME FILE.
// Attaches NAME, starts saving it to FILE and, after the first chunk, prints "saving" and
// waits for the test to kill it. Nothing may be left behind: no FILE, no temporary file.
import process from "node:process";
import { attachSharedArray, saveSharedArray } from "../../mod.ts";

const [name, file] = process.argv.slice(-2);
const a = attachSharedArray(name, { readOnly: true });
const parked = new Int32Array(new SharedArrayBuffer(4));
saveSharedArray(a, file, {
  onProgress: () => {
    console.log("saving");
    Atomics.wait(parked, 0, 0, 60_000); // until killed
  },
});
console.log("saved?!");
