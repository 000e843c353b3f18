/**
 * The per-user registry of array names on Windows, which has no way to enumerate named
 * mappings: `listSharedArrays()` reads it there.
 *
 * One small file per name in `%LOCALAPPDATA%\npshm\names` (else the temp folder's
 * `npshm-names`), named by a hash of the array's name and holding the name. Creating or
 * attaching an array writes its entry (once: an existing one is left as it is). Nothing removes
 * an entry when an array closes: a crash could not do that anyway. Instead a listing checks
 * each entry by opening its mapping, and drops the entries whose mapping is gone (a mapping
 * lives as long as some process has it, so a name that does not open is gone for good until
 * someone creates it again, and then it is registered again). Arrays made by other tools
 * (Python's SharedMemory) are listed once an npshm process has attached them.
 *
 * @example
 * ```ts
 * registerName("frames");
 * console.log(registeredNames()); // ["frames", ...]
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/**
 * A folder of npshm's own for this user (`%LOCALAPPDATA%\npshm\<what>`, else the temp
 * folder's `npshm-<what>`): per user, so that no one else can add or drop what is in it.
 */
export function userDir(what: string): string {
  const local = process.env.LOCALAPPDATA;
  return local ? join(local, "npshm", what) : join(tmpdir(), `npshm-${what}`);
}

/** A file name for an array name: any name, whatever its characters or length. */
export function nameHash(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 40);
}

/** The folder of the registry. */
export function registryDir(): string {
  return userDir("names");
}

function entryPath(name: string): string {
  return join(registryDir(), nameHash(name));
}

/**
 * Adds `name` to the registry (Windows only; elsewhere a no-op). Never throws: a registry that
 * cannot be written only makes listings miss the array.
 */
export function registerName(name: string): void {
  if (process.platform !== "win32") return;
  try {
    mkdirSync(registryDir(), { recursive: true });
    writeFileSync(entryPath(name), name, { flag: "wx" });
  } catch {
    // there already (the usual case), or no registry: the array works all the same
  }
}

/** Drops `name` from the registry (its mapping is gone). */
export function unregisterName(name: string): void {
  try {
    unlinkSync(entryPath(name));
  } catch {
    // dropped meanwhile by another lister
  }
}

/** The names in the registry, sorted, unchecked: the caller drops those that do not open. */
export function registeredNames(): string[] {
  let files: string[];
  try {
    files = readdirSync(registryDir());
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const file of files) {
    try {
      const name = readFileSync(join(registryDir(), file), "utf8");
      if (entryPath(name).endsWith(file)) names.push(name);
    } catch {
      // dropped meanwhile
    }
  }
  return names.sort();
}
