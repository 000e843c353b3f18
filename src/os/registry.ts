/**
 * The per-user registry of array names on Windows and macOS, which have no way to enumerate
 * named shared memory: `listSharedArrays()` reads it there.
 *
 * One small file per name, named by a hash of the array's name and holding the name, in the
 * user's cache folder ({@link userDirFor}: `%LOCALAPPDATA%\npshm\names` on Windows,
 * `~/Library/Caches/npshm/names` on macOS, never `$TMPDIR`, whose files macOS removes after 3
 * days without access). Creating or attaching an array writes its entry (once: an existing one
 * is left as it is). Nothing removes an entry when an array closes: a crash could not do that
 * anyway. Instead a listing checks each entry by opening its array, and drops the entries whose
 * name no longer opens (it is gone until someone creates it again, and then it is registered
 * again). Arrays made by other tools (Python's SharedMemory) are listed once an npshm process
 * has attached them; other users' arrays are not listed (their entries are in their folders).
 *
 * On POSIX the folder must be a directory of this user's with no access for anyone else (made
 * 0700), in a parent only this user can write: any other is not used (then listings miss
 * arrays; a folder another user can write could list, or hide, whatever they like). On Deno,
 * registering needs `--allow-env=HOME` (`LOCALAPPDATA` on Windows), `--allow-sys=uid` and read
 * and write access to the folder: without them, an array is not registered, silently (create
 * and attach never prompt for a permission). `NPSHM_TEST_REGISTRY=1` makes Linux list through
 * the registry too, so the tests run what macOS runs.
 *
 * @example
 * ```ts
 * registerName("frames");
 * console.log(registeredNames()); // ["frames", ...]
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, posix, win32 } from "node:path";
import process from "node:process";
import { isPermissionError } from "../../ffi/environment.ts";
import { granted } from "./granted.ts";

/** What {@link userDirFor} needs to know of the user: only the platform's own is read. */
export interface UserPlaces {
  /** `%LOCALAPPDATA%` (Windows). */
  readonly localAppData?: string;
  /** `$XDG_CACHE_HOME` (Linux). */
  readonly xdgCacheHome?: string;
  /** The home directory (POSIX). */
  readonly home?: string;
  /** The temp folder (Windows without `%LOCALAPPDATA%`). */
  readonly tmp?: string;
}

/**
 * The folder npshm keeps `what` in for this user on `platform`, in the OS's per-user cache
 * folder, as the native library's cache: `%LOCALAPPDATA%\npshm\<what>` (else the temp folder's
 * `npshm-<what>`, per user on Windows) on Windows, `~/Library/Caches/npshm/<what>` on macOS,
 * `$XDG_CACHE_HOME/npshm/<what>` (else `~/.cache/npshm/<what>`) elsewhere. Undefined if
 * what it needs is not known.
 *
 * @example
 * ```ts
 * userDirFor("names", "darwin", { home: "/Users/me" }); // "/Users/me/Library/Caches/npshm/names"
 * ```
 */
export function userDirFor(what: string, platform: string, at: UserPlaces): string | undefined {
  if (platform === "win32") {
    if (at.localAppData) return win32.join(at.localAppData, "npshm", what);
    return at.tmp ? win32.join(at.tmp, `npshm-${what}`) : undefined;
  }
  if (platform === "darwin") {
    return at.home ? posix.join(at.home, "Library", "Caches", "npshm", what) : undefined;
  }
  const xdg = at.xdgCacheHome?.startsWith("/") ? at.xdgCacheHome : undefined;
  const cache = xdg ?? (at.home ? posix.join(at.home, ".cache") : undefined);
  return cache ? posix.join(cache, "npshm", what) : undefined;
}

/**
 * This user's folder for `what` ({@link userDirFor} with this process's environment).
 *
 * @throws {Error} none known (no `HOME` / `%LOCALAPPDATA%` and no temp folder)
 * @example
 * ```ts
 * userDir("arrays"); // e.g. "C:\\Users\\me\\AppData\\Local\\npshm\\arrays"
 * ```
 */
export function userDir(what: string): string {
  const dir = userDirFor(what, process.platform, userPlaces());
  if (dir === undefined) throw new Error(`no folder for npshm's ${what}: HOME is not set`);
  return dir;
}

// Only what this platform's rule reads: on Deno each is a permission of its own.
function userPlaces(): UserPlaces {
  if (process.platform === "win32") {
    const localAppData = process.env.LOCALAPPDATA || undefined;
    return { localAppData, tmp: localAppData ? undefined : tmpdir() };
  }
  const xdgCacheHome = process.platform === "darwin" ? undefined : process.env.XDG_CACHE_HOME;
  return { xdgCacheHome, home: process.env.HOME || undefined };
}

/** A file name for an array name: any name, whatever its characters or length. */
export function nameHash(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 40);
}

const POSIX = process.platform !== "win32";

/**
 * Whether this platform lists arrays through the registry: Windows and macOS; Linux reads
 * `/dev/shm`, unless `NPSHM_TEST_REGISTRY=1` (read once, here) makes it use the registry too.
 */
export const USES_REGISTRY: boolean = process.platform === "win32" ||
  process.platform === "darwin" ||
  (granted({ name: "env", variable: "NPSHM_TEST_REGISTRY" }) &&
    process.env.NPSHM_TEST_REGISTRY === "1");

// What finding and checking the folder reads, as Deno permissions (as userPlaces reads them).
const PLACES = process.platform === "win32" ? [{ name: "env", variable: "LOCALAPPDATA" }] : [
  { name: "env", variable: "HOME" },
  ...(process.platform === "darwin" ? [] : [{ name: "env", variable: "XDG_CACHE_HOME" }]),
  { name: "sys", kind: "uid" },
];

/** The folder of the registry. */
export function registryDir(): string {
  return userDir("names");
}

// The folder last found fit for use: checked once per folder and process, not per attach.
let checked: string | undefined;

/**
 * The registry folder, made if missing, if it is fit for use: on POSIX a directory (not a
 * symlink) of this user's with no access for others, in a parent only this user can write.
 * Undefined if it is not (nothing to register in, nothing to trust in a listing).
 */
function usableDir(): string | undefined {
  const dir = registryDir();
  if (dir === checked) return dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (POSIX && !(ownDir(dirname(dir), 0o022) && ownDir(dir, 0o077))) return undefined;
  checked = dir;
  return dir;
}

// A directory itself (lstat: a symlink is not), owned by this user, with none of `others` bits.
function ownDir(path: string, others: number): boolean {
  const st = lstatSync(path);
  return st.isDirectory() && st.uid === process.getuid!() && (st.mode & others) === 0;
}

// Where this process registers names: found, allowed and checked at its first create or attach
// (null: nowhere), not at each (attach is the hot path); looked for again after a failed write.
let writable: string | null | undefined;

function writableDir(): string | null {
  if (writable !== undefined) return writable;
  writable = null;
  try {
    if (!granted(...PLACES)) return null;
    const dir = registryDir();
    if (!granted({ name: "read", path: dir }, { name: "write", path: dir })) return null;
    writable = usableDir() ?? null;
  } catch {
    // no folder, or none fit for use: the arrays work all the same
  }
  return writable;
}

/**
 * Adds `name` to the registry (where {@link USES_REGISTRY}; elsewhere a no-op). Never throws
 * and never prompts: a registry that cannot be written only makes listings miss the array.
 */
export function registerName(name: string): void {
  const dir = USES_REGISTRY ? writableDir() : null;
  if (dir === null) return;
  const path = entryPath(dir, name);
  try {
    if (!existsSync(path)) writeFileSync(path, name, { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as { code?: string }).code !== "EEXIST") writable = undefined; // the folder went?
  }
}

const join = POSIX ? posix.join : win32.join;

function entryPath(dir: string, name: string): string {
  return join(dir, nameHash(name));
}

/** Drops `name` from the registry (its array is gone). */
export function unregisterName(name: string): void {
  try {
    unlinkSync(entryPath(registryDir(), name));
  } catch {
    // dropped meanwhile by another lister
  }
}

/**
 * The names in the registry, sorted, unchecked: the caller drops those that do not open. None
 * if the registry folder is missing or not fit for use.
 *
 * @throws {Error} Deno's refusal, for lack of a permission (listing needs `-A`)
 */
export function registeredNames(): string[] {
  let dir: string | undefined;
  let files: string[];
  try {
    dir = usableDir();
    files = dir === undefined ? [] : readdirSync(dir);
  } catch (err) {
    if (isPermissionError(err)) throw err;
    return [];
  }
  const names: string[] = [];
  for (const file of files) {
    try {
      const name = readFileSync(join(dir!, file), "utf8");
      if (nameHash(name) === file) names.push(name);
    } catch {
      // dropped meanwhile
    }
  }
  return names.sort();
}
