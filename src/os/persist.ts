/**
 * Persistent arrays on Windows (`createSharedArray(name, { persistent: true })`): a mapping
 * there lives only as long as its last handle, so an array meant to outlive its processes is
 * backed by a file of this user's, `%LOCALAPPDATA%\npshm\arrays\<hash of the name>.npy` (a
 * valid `.npy` file: NumPy's `np.load(path, mmap_mode="r+")` opens it). Every process maps the
 * file itself (views of one local file are coherent on Windows), so the array lives until
 * `deleteSharedArray` removes the file, as on Linux. Elsewhere arrays persist anyway, and these
 * functions are not called.
 *
 * @example
 * ```ts
 * const [seg] = openNamed("frames", true); // the live mapping, else the persistent file
 * ```
 * @module
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { ExistsError, NotFoundError } from "../format/errors.ts";
import { closeFile, mapFile, openFile, pwriteFile, removeFile, resizeFile } from "./file.ts";
import { nameHash, userDir } from "./registry.ts";
import { openSegment, readSegment, releaseSegment, type Segment } from "./segment.ts";

/** The file behind the persistent array `name`. */
export function persistentPath(name: string): string {
  return join(userDir("arrays"), `${nameHash(name)}.npy`);
}

/** Whether a persistent array `name` exists (Windows; elsewhere false). */
export function isPersistent(name: string): boolean {
  return process.platform === "win32" && existsSync(persistentPath(name));
}

/**
 * Creates the file of a persistent array of `size` bytes starting with `head`, mapped shared.
 * ExistsError if there is one of that name already.
 */
export function createPersistent(name: string, size: number, head: Uint8Array): Segment {
  const path = persistentPath(name);
  mkdirSync(userDir("arrays"), { recursive: true });
  let f;
  try {
    f = openFile(path, "create", 0o600);
  } catch (err) {
    if (!(err instanceof ExistsError)) throw err;
    throw new ExistsError(`shared array '${name}' exists (persistent, in ${path})`);
  }
  try {
    resizeFile(f, size, true);
    pwriteFile(f, 0, head);
    return { ...mapFile(f, false), name };
  } catch (err) {
    closeFile(f);
    removeFile(path);
    throw err;
  }
}

/**
 * Opens `name` as {@link openSegment} does (the live named mapping); on Windows, if there is
 * none, the persistent array's file. Returns the segment and up to its first 512 bytes.
 */
export function openNamed(
  name: string,
  readOnly: boolean,
  hold = true,
): [Segment, Uint8Array] {
  try {
    return openSegment(name, readOnly, hold);
  } catch (err) {
    if (!(err instanceof NotFoundError) || !isPersistent(name)) throw err;
  }
  const f = openFile(persistentPath(name), readOnly ? "read" : "write");
  try {
    const segment = { ...mapFile(f, readOnly), name };
    return [segment, readSegment(segment, 0, Math.min(512, segment.size))];
  } catch (err) {
    closeFile(f);
    throw err;
  }
}

/** Removes the persistent array `name`'s file; false if there is none. */
export function removePersistent(name: string): boolean {
  return process.platform === "win32" && removeFile(persistentPath(name));
}

/** Whether a live segment (a named mapping; on Linux a /dev/shm file) of that name opens. */
export function segmentExists(name: string): boolean {
  try {
    releaseSegment(openSegment(name, true)[0]);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}
