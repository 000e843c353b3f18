// Attack (issue 12, item 4): toArray() of arrays whose nested copy the process cannot hold.
// Items of size 0 make a segment of any element count cost nothing, and a zero-length axis makes
// an array of no elements with a huge outer axis. Plants segment NAME for CASE, attaches it
// and prints "CASE: ok <elements>" or the error's class and code; memory must stay bounded.
// Args: CASE NAME.
import { writeFileSync } from "node:fs";
import process from "node:process";
import { attachSharedArray, NpshmError } from "../../mod.ts";

const CASES: Record<string, [number[], string]> = {
  "V0 x 1e8": [[1e8], "|V0"],
  "V0 x 2**32": [[2 ** 32], "|V0"],
  "empty record x 1e8": [[1e8], "[]"],
  "V1 x 5e6": [[5e6], "|V1"], // 5 MB shared, over 1 GiB as Uint8Arrays
  "f8 2**40 x 0": [[2 ** 40, 0], "<f8"],
  "f8 1000 x 1000": [[1000, 1000], "<f8"], // well within the bound: works
};

/** Writes segment NAME as NumPy would (header, then zeros), as another program could. */
function plant(name: string, shape: number[], descr: string): void {
  const shown = descr.startsWith("[") ? descr : `'${descr}'`;
  const dict = `{'descr': ${shown}, 'fortran_order': False, 'shape': (${shape.join(", ")},), }`;
  const length = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const head = new Uint8Array(length).fill(0x20);
  head.set([
    0x93,
    ...new TextEncoder().encode("NUMPY"),
    1,
    0,
    (length - 10) & 0xff,
    (length - 10) >> 8,
  ]);
  head.set(new TextEncoder().encode(dict), 10);
  head[length - 1] = 0x0a;
  const items = shape.reduce((a, b) => a * b, 1);
  const itemsize = descr === "|V1" ? 1 : descr === "<f8" ? 8 : 0;
  writeFileSync(`/dev/shm/${name}`, head);
  if (items * itemsize > 0) {
    writeFileSync(`/dev/shm/${name}`, new Uint8Array(items * itemsize), { flag: "a" });
  }
}

const [which, name] = process.argv.slice(-2);
const [shape, descr] = CASES[which];
plant(name, shape, descr);
using a = attachSharedArray(name, { unlinkOnClose: true });
let result: string;
try {
  const nested = a.toArray() as unknown[];
  result = `ok ${nested.length}`;
} catch (err) {
  if (!(err instanceof NpshmError)) throw err;
  result = `${err.name} ${err.code} ${err.message}`;
}
console.log(`${which}: ${result}`);
console.log(`rss ${process.memoryUsage().rss}`);
