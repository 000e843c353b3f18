/**
 * The cache of fetched native libraries: where it is, what in it may be loaded, and how a
 * file gets into it. A file is loaded from the cache only if its sha256 is the pinned one
 * ({@link RELEASE}), checked at every load; it gets there only through {@link installFile}:
 * written to a unique temporary name, flushed to disk, then renamed over the final name, so
 * concurrent first runs are safe and a run killed midway leaves nothing loadable.
 *
 * Where: `NPSHM_CACHE`; else on Deno `$DENO_DIR/npshm/<version>/` (Deno's default cache
 * directory when `DENO_DIR` is unset), so `--allow-ffi` can be scoped to it; on Node and Bun
 * the OS cache directory (`$XDG_CACHE_HOME` or `~/.cache`, `~/Library/Caches`,
 * `%LOCALAPPDATA%`) + `npshm/<version>/`.
 *
 * @example
 * ```ts
 * import { cachedLibrary } from "./cache.ts";
 * const path = cachedLibrary("linux-x64"); // its path if present and intact
 * ```
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  detectRuntime,
  isPermissionError,
  NativeLoadError,
  readEnv,
  type Runtime,
} from "./environment.ts";
import { PINNED_VERSION, RELEASE, type ReleaseBuild } from "./pinned.ts";

/**
 * The pinned release build for `target`, or a {@link NativeLoadError} saying none is made.
 *
 * @example
 * ```ts
 * releaseBuild("linux-x64").file; // "npshm-0.1.0-linux-x64.so"
 * ```
 */
export function releaseBuild(target: string): ReleaseBuild {
  const build = RELEASE[target];
  if (!build) {
    throw new NativeLoadError(
      `npshm ${PINNED_VERSION} has no prebuilt native library for ${target} (it has ` +
        `${Object.keys(RELEASE).join(", ")}): build one with \`deno task build\` from its ` +
        "sources and set NPSHM_LIB to its path",
    );
  }
  return build;
}

/** The cache directory of one runtime, given how to read the environment. */
function defaultCacheDir(runtime: Runtime, env: (name: string) => string | undefined): string {
  const v = ["npshm", PINNED_VERSION];
  const denoDir = runtime === "deno" ? env("DENO_DIR") : undefined;
  if (denoDir) return join(denoDir, ...v);
  // Deno's own default DENO_DIR is <OS cache directory>/deno.
  const base = runtime === "deno" ? ["deno", ...v] : v;
  if (process.platform === "win32") return join(`${env("LOCALAPPDATA")}`, ...base);
  if (process.platform === "darwin") return join(`${env("HOME")}`, "Library", "Caches", ...base);
  return join(env("XDG_CACHE_HOME") ?? join(`${env("HOME")}`, ".cache"), ...base);
}

/**
 * The cache directory: `NPSHM_CACHE`, or the runtime's default for this version.
 *
 * @example
 * ```ts
 * cacheDir(); // "/home/me/.cache/deno/npshm/0.1.0"
 * ```
 */
export function cacheDir(): string {
  return readEnv("NPSHM_CACHE") ?? defaultCacheDir(detectRuntime(), readEnv);
}

/**
 * The hex sha256 of some bytes.
 *
 * @example
 * ```ts
 * sha256(new Uint8Array()); // "e3b0c442..."
 * ```
 */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The permission error of a file operation as the flag to add, else the error itself. */
function permissionHint(err: unknown, flag: string, dir: string): never {
  if (!isPermissionError(err)) throw err;
  throw new NativeLoadError(
    `npshm keeps its native library in ${dir}, and Deno refused it: run with ` +
      `${flag}=${dir} (or set NPSHM_CACHE to a directory you allow)`,
    { cause: err },
  );
}

/**
 * The cached library for `target` if it is there and intact (its sha256 the pinned one),
 * else `undefined`; a cached file that is not intact is never loaded.
 *
 * @example
 * ```ts
 * cachedLibrary("linux-x64"); // "/home/me/.cache/deno/npshm/0.1.0/npshm-0.1.0-linux-x64.so"
 * ```
 */
export function cachedLibrary(target: string, dir: string = cacheDir()): string | undefined {
  const build = releaseBuild(target);
  const path = join(dir, build.file);
  let bytes: Uint8Array;
  try {
    if (statSync(path).size !== build.size) return undefined;
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    return permissionHint(err, "--allow-read", dir);
  }
  return sha256(bytes) === build.sha256 ? path : undefined;
}

/** Temporary files older than this are left over by killed runs and may be removed. */
const STALE_TEMP_MS = 60 * 60_000;

/** Removes temporary files of killed downloads (best effort: someone may be writing one). */
function sweepTemporaries(dir: string): void {
  try {
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(".") || !name.endsWith(".tmp")) continue;
      const path = join(dir, name);
      if (Date.now() - statSync(path).mtimeMs > STALE_TEMP_MS) unlinkSync(path);
    }
  } catch { /* another process swept it first, or it is not ours to remove */ }
}

/** Flushes a directory's entries (the rename) to disk, where the OS allows opening one. */
function syncDir(dir: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Puts verified `bytes` into the cache as `file`, atomically: a unique temporary file,
 * fsync, rename over the final name, fsync of the directory. Returns the final path.
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(await (await fetch("http://127.0.0.1:8000/lib.so")).arrayBuffer());
 * installFile("/tmp/cache", "npshm-0.1.0-linux-x64.so", bytes); // after checking its sha256
 * ```
 */
export function installFile(dir: string, file: string, bytes: Uint8Array): string {
  const path = join(dir, file);
  const temp = join(dir, `.${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    sweepTemporaries(dir);
    const fd = openSync(temp, "wx", 0o644);
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    syncDir(dir);
    return path;
  } catch (err) {
    return permissionHint(err, "--allow-write", dir);
  } finally {
    try {
      unlinkSync(temp);
    } catch { /* renamed, or never made */ }
  }
}
