// Attack (issue 12, item 11): createNpy(..., { overwrite: true }) on a full disk. Runs in a
// private mount namespace with a 1 MiB tmpfs on /dev/shm (see adversarial_files.test.ts).
// Makes /dev/shm/old.npy (300000 bytes of 7), then tries to replace it with one too large for
// what is left; the old file must be untouched. Prints the error's code, then what the old
// file holds.
import { createNpy, NpshmError, openNpy } from "../../mod.ts";

const path = "/dev/shm/old.npy";
createNpy(path, { shape: [300_000], dtype: "u1", fill: 7 }).close();
let code = "none";
try {
  createNpy(path, { shape: [900_000], dtype: "u1", fill: 1, overwrite: true }).close();
} catch (err) {
  if (!(err instanceof NpshmError)) throw err;
  code = err.code;
}
using old = openNpy(path);
const bytes = old.bytes;
console.log(`replace=${code} old=${old.size} all7=${bytes.every((b) => b === 7)}`);
