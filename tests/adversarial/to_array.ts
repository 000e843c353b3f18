// Attack (issue 12, item 4): toArray() of arrays whose nested copy the process cannot hold.
// Items of size 0 make a segment of any element count cost nothing, and a zero-length axis makes
// an array of no elements with a huge outer axis. Plants segment NAME for CASE, attaches it
// and prints "CASE: ok <elements>" or the error's class and code; memory must stay bounded.
// Args: CASE NAME.
import process from "node:process";
import { attachSharedArray } from "../../mod.ts";
import { npyHeader, plant as plantSegment, runEntry } from "./_attack.ts";

const CASES: Record<string, [number[], string]> = {
  "V0 x 1e8": [[1e8], "|V0"],
  "V0 x 2**32": [[2 ** 32], "|V0"],
  "empty record x 1e8": [[1e8], "[]"],
  "V1 x 5e6": [[5e6], "|V1"], // 5 MB shared, over 1 GiB as Uint8Arrays
  "f8 2**40 x 0": [[2 ** 40, 0], "<f8"],
  "f8 1000 x 1000": [[1000, 1000], "<f8"], // well within the bound: works
};

/** Writes segment NAME as NumPy would (header, then zeros), as another program could. */
function plantArray(name: string, shape: number[], descr: string): Disposable {
  const head = npyHeader(descr.startsWith("[") ? descr : `'${descr}'`, shape);
  const itemsize = descr === "|V1" ? 1 : descr === "<f8" ? 8 : 0;
  const bytes = new Uint8Array(head.length + shape.reduce((a, b) => a * b, 1) * itemsize);
  bytes.set(head);
  return plantSegment(name, bytes);
}

const [which, name] = process.argv.slice(-2);
const [shape, descr] = CASES[which];
using _planted = plantArray(name, shape, descr);
using a = attachSharedArray(name, { unlinkOnClose: true });
runEntry(which, { [which]: () => `ok ${(a.toArray() as unknown[]).length}` });
console.log(`rss ${process.memoryUsage().rss}`);
