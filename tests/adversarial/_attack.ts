/**
 * What the attack fixtures share: NPY bytes written by hand, as any other program could plant
 * them, and running one entry point to print its outcome as a line the test reads.
 * @module
 */
import { unlinkSync, writeFileSync } from "node:fs";
import process from "node:process";
import { NpshmError } from "../../mod.ts";
import { registerName } from "../../src/os/registry.ts";
import {
  createSegment,
  publishSegment,
  releaseSegment,
  unlinkSegment,
} from "../../src/os/segment.ts";

/**
 * Plants segment `name` holding `bytes`, as another program could: on Linux a file written
 * into /dev/shm (mode 0600); on Windows a named mapping made by the shim, which lives while the
 * returned handle does, and is in the registry of names as if an npshm process had attached it.
 * Disposing removes it.
 */
export function plant(name: string, bytes: Uint8Array): Disposable {
  if (process.platform !== "win32") {
    writeFileSync(`/dev/shm/${name}`, bytes, { mode: 0o600 });
    return {
      [Symbol.dispose]: () => {
        try {
          unlinkSync(`/dev/shm/${name}`);
        } catch {
          // removed by the attack itself (unlinkOnClose)
        }
      },
    };
  }
  const seg = createSegment(name, bytes.length, 0o600, false, bytes);
  publishSegment(seg, false);
  registerName(name);
  return {
    [Symbol.dispose]: () => {
      releaseSegment(seg);
      unlinkSegment(name);
    },
  };
}

/** A version 1.0 NPY header for `descr` (a quoted string or a list) and `shape`, 64-aligned. */
export function npyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  const dict = `{'descr': ${descr}, 'fortran_order': False, 'shape': (${dims}), }`;
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
  return head;
}

/**
 * Runs `entries[entry]` and prints `ENTRY: <what it returned>`, or for an npshm error
 * `ENTRY: <class> <code> <message>`; any other error is thrown (the process fails).
 */
export function runEntry(entry: string, entries: Record<string, () => string>): void {
  let result: string;
  try {
    result = entries[entry]();
  } catch (err) {
    if (!(err instanceof NpshmError)) throw err;
    result = `${err.name} ${err.code} ${err.message}`;
  }
  console.log(`${entry}: ${result}`);
}
