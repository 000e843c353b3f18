// What a reader's locks must not stop (issue 12 item 7), run in a child with a timeout:
//   track NAME    a tracked attach, then close: the last tracker out. Prints "tracked gone"
//                 (or "tracked kept" if the name survived), or the error's code.
//   unlink NAME   an unlinkOnClose attach, then close. Prints "unlinked" if the name went,
//                 and how many ms the close took.
import { existsSync } from "node:fs";
import process from "node:process";
import { attachSharedArray, NpshmError } from "../../mod.ts";

const [mode, name] = process.argv.slice(2);
try {
  if (mode === "track") {
    attachSharedArray(name, { track: true }).close();
    console.log(`tracked ${existsSync(`/dev/shm/${name}`) ? "kept" : "gone"}`);
  } else if (mode === "unlink") {
    const a = attachSharedArray(name, { unlinkOnClose: true });
    const started = Date.now();
    a.close();
    const ms = Date.now() - started;
    console.log(`${existsSync(`/dev/shm/${name}`) ? "kept" : "unlinked"} ${ms}`);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (err) {
  if (!(err instanceof NpshmError)) throw err;
  console.log(err.code);
}
