// Attack (issue 12, item 9): something other than a regular file where an array is expected —
// a FIFO, a symlink, a directory, a socket or a device node, planted in /dev/shm or given as a
// path. Each entry point must return (a typed error, or skip it when listing), never hang in
// open(). Args: ENTRY NAME PATH. Prints "ENTRY: <result>" where result is "ok <detail>" or the
// error's class and code.
import process from "node:process";
import {
  attachSharedArray,
  inspectSharedArray,
  listSharedArrays,
  openNpy,
  readSharedArray,
} from "../../mod.ts";
import { runEntry } from "./_attack.ts";

const [entry, name, path] = process.argv.slice(-3);
const loaded = `${name}-loaded`;

const ENTRIES: Record<string, () => string> = {
  list: () => `ok listed=${listSharedArrays().some((a) => a.name === name)}`,
  inspect: () => `ok ${inspectSharedArray(name).dtype}`,
  attach: () => `ok ${attachSharedArray(name).size}`,
  "attach-readonly": () => `ok ${attachSharedArray(name, { readOnly: true }).size}`,
  "attach-track": () => `ok ${attachSharedArray(name, { track: true }).size}`,
  read: () => `ok ${readSharedArray(path, loaded, { unlinkOnClose: true }).size}`,
  "open-r": () => `ok ${openNpy(path).size}`,
  "open-r+": () => `ok ${openNpy(path, { mode: "r+" }).size}`,
  "open-c": () => `ok ${openNpy(path, { mode: "c" }).size}`,
};

runEntry(entry, ENTRIES);
