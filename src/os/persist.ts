/**
 * Persistent arrays on Windows (`createSharedArray(name, { persistent: true })`): a mapping
 * there lives only as long as its last handle, so an array meant to outlive its processes is
 * backed by a file of this user's, `%LOCALAPPDATA%\npshm\arrays\<hash of the name>.npy` (a
 * valid `.npy` file: NumPy's `np.load(path, mmap_mode="r+")` opens it). Every process maps the
 * file itself (views of one local file are coherent on Windows), so the array lives until
 * `deleteSharedArray` removes the file, as on Linux. Elsewhere arrays persist anyway, and these
 * functions are not called.
 *
 * A new one is made as any new array is: filled under no name (a hidden file beside its final
 * name), then named in one step ({@link publishPersistent}), so no process attaches it half made.
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
import { ExistsError, NotFoundError, OsError, PermissionDeniedError } from "../format/errors.ts";
import {
  closeFile,
  commitFile,
  createFile,
  discardFile,
  mapFile,
  type NewFile,
  openFile,
  pwriteFile,
  removeFile,
  removeOrphanTemporaries,
  resizeFile,
} from "./file.ts";
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

// The unnamed files of persistent arrays being made, until they are published or discarded.
const unpublished = new WeakMap<Segment, NewFile>();

/**
 * Creates the file of a persistent array of `size` bytes starting with `head`, mapped shared,
 * under no name yet: {@link publishPersistent} names it, {@link discardPersistent} drops it.
 * ExistsError at once if there is one of that name already and `force` is false.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { encodeHeader } from "../format/header.ts";
 * import { releaseSegment } from "./segment.ts";
 * const head = encodeHeader(parseDType("u1"), [16], false);
 * const seg = createPersistent("frames", 4096, head, false);
 * try {
 *   // ... filled here, while no other process can find it
 *   publishPersistent(seg, false);
 * } catch (err) {
 *   releaseSegment(seg);
 *   discardPersistent(seg);
 *   throw err;
 * }
 * ```
 */
export function createPersistent(
  name: string,
  size: number,
  head: Uint8Array,
  force: boolean,
): Segment {
  const path = persistentPath(name);
  if (!force && existsSync(path)) throw exists(name, path);
  mkdirSync(userDir("arrays"), { recursive: true });
  const f = createFile(path, 0o600);
  let segment: Segment;
  try {
    resizeFile(f, size, true);
    pwriteFile(f, 0, head);
    segment = { ...mapFile(f, false), name };
  } catch (err) {
    discardFile(f, false);
    throw err;
  }
  unpublished.set(segment, f);
  return segment;
}

/**
 * Gives a complete persistent array from {@link createPersistent} its name, in one step: with
 * `force` in place of an array of that name that no process has open.
 *
 * @throws {ExistsError} the name is taken (and not `force`)
 * @throws {OsError} `force`, but a process has the array under the name open
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { encodeHeader } from "../format/header.ts";
 * const head = encodeHeader(parseDType("u1"), [16], false);
 * publishPersistent(createPersistent("frames", 4096, head, true), true); // replaces "frames"
 * ```
 */
export function publishPersistent(segment: Segment, force: boolean): void {
  const f = unpublished.get(segment)!;
  try {
    commitFile(f, force, true);
  } catch (err) {
    if (err instanceof ExistsError) throw exists(segment.name, f.target);
    if (!(err instanceof PermissionDeniedError)) throw err;
    throw new OsError(
      `cannot replace persistent shared array '${segment.name}': a process has it open ` +
        `(Windows cannot replace a mapped file); close it everywhere first (${err.message})`,
      err.osError,
    );
  }
  unpublished.delete(segment);
}

/**
 * Removes what {@link createPersistent} made, if it was not published; its mapping is gone.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { encodeHeader } from "../format/header.ts";
 * import { releaseSegment } from "./segment.ts";
 * const seg = createPersistent("frames", 4096, encodeHeader(parseDType("u1"), [16], false), false);
 * releaseSegment(seg); // its filling failed, say
 * discardPersistent(seg); // and no file is left of it
 * ```
 */
export function discardPersistent(segment: Segment): void {
  const f = unpublished.get(segment);
  if (f) discardFile(f, true);
  unpublished.delete(segment);
}

/**
 * Removes the hidden files of persistent arrays whose creator died while filling them (killed,
 * or its machine lost power): {@link removeOrphanTemporaries} of their folder. They were never
 * under a name, so nothing attached them. Returns their file names; `[]` off Windows.
 * {@link createPersistent} does it too, through `createFile`.
 *
 * @example
 * ```ts
 * removeOrphanFills(); // [".0123456789ab.npshm-tmp"] after a creator was killed mid-fill
 * ```
 */
export function removeOrphanFills(): string[] {
  return process.platform === "win32" ? removeOrphanTemporaries(userDir("arrays")) : [];
}

function exists(name: string, path: string): ExistsError {
  return new ExistsError(`shared array '${name}' exists (persistent, in ${path})`);
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
