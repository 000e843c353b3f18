/**
 * The native library as operators see it: which one loads and why, and pre-fetching release
 * builds into the cache (for machines that run without network). `npshm doctor` and
 * `npshm fetch` are made of these.
 *
 * @example
 * ```ts
 * import { nativeLibrary } from "./library.ts";
 * const { source, path, sha256 } = nativeLibrary();
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import { cacheDir, cachedLibrary, releaseBuild, sha256 } from "../../ffi/cache.ts";
import { loaderEnvVars, platformTarget } from "../../ffi/environment.ts";
import { baseUrl, downloadLibrary } from "../../ffi/fetch.ts";
import { type LibrarySource, loadedLibrary } from "../../ffi/load.ts";
import { RELEASE, STAMP } from "../../ffi/pinned.ts";
import { nativeErrors, publicError } from "./native.ts";

export type { LibrarySource };

/** Which native library this process uses, and where it came from. */
export interface NativeLibraryInfo {
  /** The platform, `<os>-<arch>` as Node names it (`linux-x64`, `darwin-arm64`, ...). */
  readonly target: string;
  /** Which step of the search found it: `NPSHM_LIB`, `npm package`, `local build`, `cache`. */
  readonly source: LibrarySource;
  /** Its path. */
  readonly path: string;
  /** The sha256 of the file, lower-case hex. */
  readonly sha256: string;
  /** The sha256 of this version's release build for the platform, if there is one. */
  readonly releaseSha256: string | undefined;
  /** The build stamp it carries (a hash of the shim's C sources and npshm's version). */
  readonly stamp: number;
}

/**
 * Loads the native library if need be and says which it is.
 *
 * @throws {NativeLibraryError} none can be loaded (the message says why and what to do)
 * @example
 * ```ts
 * import { nativeLibrary } from "./library.ts";
 * console.log(nativeLibrary().source); // "cache"
 * ```
 */
export function nativeLibrary(): NativeLibraryInfo {
  const { path, source } = nativeErrors(loadedLibrary);
  const target = platformTarget();
  return {
    target,
    source,
    path,
    sha256: sha256(readFileSync(path)),
    releaseSha256: RELEASE[target]?.sha256,
    stamp: STAMP,
  };
}

/** Where {@link fetchNativeLibrary} gets and puts the library. */
export interface FetchNativeOptions {
  /** The release base URL (default: `NPSHM_BASE_URL`, else the project's release URL). */
  readonly baseUrl?: string;
  /** The cache directory (default: `NPSHM_CACHE`, else the runtime's cache directory). */
  readonly cacheDir?: string;
  /** Seconds the download may take (default: `NPSHM_FETCH_TIMEOUT`, else 60). */
  readonly timeoutSeconds?: number;
}

/**
 * The targets npshm has release builds for: what `fetchNativeLibrary` can fetch.
 *
 * @example
 * ```ts
 * import { nativeTargets } from "./library.ts";
 * nativeTargets(); // ["darwin-arm64", "darwin-x64", "linux-arm64", "linux-x64", "win32-x64"]
 * ```
 */
export function nativeTargets(): string[] {
  return Object.keys(RELEASE).sort();
}

/**
 * Puts the release build for `target` (default: this platform) in the cache, downloading and
 * verifying it unless an intact copy is there; returns its path. For images that run
 * without network: fetch at build time, load from the cache at run time.
 *
 * @throws {NativeLibraryError} no release build for `target`, or it could not be fetched or
 * verified (nothing is cached then)
 * @example
 * ```ts
 * import { fetchNativeLibrary } from "./library.ts";
 * const path = await fetchNativeLibrary("linux-arm64", { cacheDir: "/opt/npshm" });
 * ```
 */
export async function fetchNativeLibrary(
  target: string = platformTarget(),
  options: FetchNativeOptions = {},
): Promise<string> {
  const dir = options.cacheDir ?? nativeErrors(cacheDir);
  const cached = nativeErrors(() => (releaseBuild(target), cachedLibrary(target, dir)));
  if (cached) return cached;
  try {
    return await downloadLibrary(target, {
      dir,
      baseUrl: options.baseUrl,
      timeoutS: options.timeoutSeconds,
    });
  } catch (err) {
    throw publicError(err);
  }
}

/** Where the loader caches and fetches, and what it reads, for `npshm doctor`. */
export interface NativeSettings {
  /** The cache directory (`NPSHM_CACHE` or the runtime's default). */
  readonly cacheDir: string;
  /** The release base URL downloads use. */
  readonly baseUrl: string;
  /** The environment variables the loader may read, in order. */
  readonly envVars: readonly string[];
}

/**
 * The loader's settings as the environment makes them.
 *
 * @throws {NativeLibraryError} Deno refuses to read one of its environment variables
 * @example
 * ```ts
 * import { nativeSettings } from "./library.ts";
 * console.log(nativeSettings().cacheDir);
 * ```
 */
export function nativeSettings(): NativeSettings {
  return nativeErrors(() => ({
    cacheDir: cacheDir(),
    baseUrl: baseUrl(),
    envVars: loaderEnvVars(),
  }));
}
