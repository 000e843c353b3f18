// Attack (issue 12, item 3): a sparse segment, as Python's SharedMemory makes them (ftruncate
// only), on a /dev/shm that is full. tmpfs allocates a page even when a hole is only read, so
// reading one through a mapping would raise SIGBUS. Runs in a private mount namespace with a
// small tmpfs on /dev/shm (see adversarial_full.test.ts). Arg: ENTRY. Makes /dev/shm/sparse
// (400000 uint8 behind a 128-byte header, all holes), fills /dev/shm, then maps it through
// ENTRY and reads every byte. Prints "ENTRY: ok <sum>" or the error's class and code.
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";
import process from "node:process";
import {
  attachSharedArray,
  inspectSharedArray,
  type NdArray,
  openNpy,
  readSharedArray,
} from "../../mod.ts";
import { npyHeader, runEntry } from "./_attack.ts";

const entry = process.argv[process.argv.length - 1];
const SIZE = 400_000;

function makeSparse(path: string): void {
  const head = npyHeader("'|u1'", [SIZE]);
  const fd = openSync(path, "w", 0o600);
  writeSync(fd, head);
  ftruncateSync(fd, head.length + SIZE);
  closeSync(fd);
}

function fill(path: string): void {
  const fd = openSync(path, "w");
  const chunk = new Uint8Array(4096).fill(1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

function sum(a: NdArray): number {
  const bytes = a.bytes;
  let s = 0;
  for (let i = 0; i < bytes.length; i += 512) s += bytes[i];
  return s + bytes[bytes.length - 1];
}

makeSparse("/dev/shm/sparse");
fill("/dev/shm/filler");
const ENTRIES: Record<string, () => string> = {
  "attach-readonly": () => `ok ${sum(attachSharedArray("sparse", { readOnly: true }))}`,
  "attach-readonly-write": () => {
    const a = attachSharedArray("sparse", { readOnly: true });
    a.bytes.fill(2); // private copy-on-write pages: each write first reads the hole
    return `ok ${sum(a)}`;
  },
  attach: () => `ok ${sum(attachSharedArray("sparse"))}`,
  "open-r": () => `ok ${sum(openNpy("/dev/shm/sparse"))}`,
  "open-r+": () => `ok ${sum(openNpy("/dev/shm/sparse", { mode: "r+" }))}`,
  "open-c": () => `ok ${sum(openNpy("/dev/shm/sparse", { mode: "c" }))}`,
  read: () => `ok ${sum(readSharedArray("/dev/shm/sparse", "copy"))}`,
  inspect: () => `ok ${inspectSharedArray("sparse").dataBytes}`,
};
runEntry(entry, ENTRIES);
