/**
 * Downloads a release build of the native library into the cache: `<base>/<file>` with
 * `base` = `NPSHM_BASE_URL` or {@link DEFAULT_BASE_URL}. The bytes are checked against the
 * pinned size while they arrive and against the pinned sha256 before anything is written:
 * a mismatch is an error naming both hashes, and nothing is cached. The whole download has a
 * time limit (`NPSHM_FETCH_TIMEOUT` seconds, default {@link DEFAULT_TIMEOUT_S}). Progress
 * goes to stderr only.
 *
 * @example
 * ```ts
 * import { downloadLibrary } from "./fetch.ts";
 * const path = await downloadLibrary("linux-x64");
 * ```
 * @module
 */
import { cacheDir, installFile, releaseBuild, sha256 } from "./cache.ts";
import { isPermissionError, NativeLoadError, readEnv } from "./environment.ts";
import { PINNED_VERSION } from "./pinned.ts";

/**
 * Where releases are served, one folder per version (GitHub-releases style). A placeholder
 * until the first release is published: set `NPSHM_BASE_URL` to serve the files yourself.
 */
export const DEFAULT_BASE_URL: string =
  `https://github.com/npshm/npshm/releases/download/v${PINNED_VERSION}`;

/** How long a download may take by default, in seconds. */
export const DEFAULT_TIMEOUT_S = 60;

/** What a download may be told instead of the environment's settings. */
export interface DownloadOptions {
  /** The release base URL (default: `NPSHM_BASE_URL`, else {@link DEFAULT_BASE_URL}). */
  baseUrl?: string;
  /** The cache directory (default: `NPSHM_CACHE`, else the runtime's cache). */
  dir?: string;
  /** The time limit in seconds (default: `NPSHM_FETCH_TIMEOUT`, else 60). */
  timeoutS?: number;
}

/**
 * The base URL downloads use: `NPSHM_BASE_URL`, else {@link DEFAULT_BASE_URL}.
 *
 * @example
 * ```ts
 * baseUrl(); // "https://github.com/npshm/npshm/releases/download/v0.1.0"
 * ```
 */
export function baseUrl(): string {
  return readEnv("NPSHM_BASE_URL") ?? DEFAULT_BASE_URL;
}

function timeoutSeconds(): number {
  const text = readEnv("NPSHM_FETCH_TIMEOUT");
  if (text === undefined) return DEFAULT_TIMEOUT_S;
  const s = Number(text);
  if (!(s > 0)) {
    throw new NativeLoadError(`NPSHM_FETCH_TIMEOUT must be a number of seconds, not ${text}`);
  }
  return s;
}

/**
 * The URL of `file` under `base` (one slash between them).
 *
 * @example
 * ```ts
 * fileUrl("http://h/v0.1.0/", "x.so"); // "http://h/v0.1.0/x.so"
 * ```
 */
export function fileUrl(base: string, file: string): string {
  return `${base.replace(/\/+$/, "")}/${file}`;
}

/** Reads the body, refusing more than `limit` bytes as they arrive. */
async function readAtMost(response: Response, limit: number, url: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(limit);
  let length = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (length + value.length > limit) {
      await reader.cancel();
      throw new NativeLoadError(`${url} is larger than the ${limit} bytes of the release build`);
    }
    bytes.set(value, length);
    length += value.length;
  }
  if (length !== limit) {
    throw new NativeLoadError(`${url} ended after ${length} of its ${limit} bytes (truncated)`);
  }
  return bytes;
}

/** Fetches `url`'s bytes, at most `size` of them, within `seconds`. */
async function fetchBytes(url: string, size: number, seconds: number): Promise<Uint8Array> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), seconds * 1000);
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok) {
      await response.body?.cancel();
      throw new NativeLoadError(`${url} answered ${response.status} ${response.statusText}`);
    }
    return await readAtMost(response, size, url);
  } catch (err) {
    if (err instanceof NativeLoadError) throw err;
    if (controller.signal.aborted) {
      throw new NativeLoadError(
        `timed out after ${seconds} s downloading ${url} (NPSHM_FETCH_TIMEOUT sets the limit)`,
        { cause: err },
      );
    }
    if (isPermissionError(err)) {
      throw new NativeLoadError(
        `npshm downloads its native library from ${url}, and Deno refused it: run with ` +
          `--allow-net=${new URL(url).host}, or pre-fetch it with \`npshm fetch\` or set ` +
          "NPSHM_LIB to a copy of it",
        { cause: err },
      );
    }
    throw new NativeLoadError(`cannot download ${url}: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads the release build for `target`, verifies it and puts it in the cache; returns
 * its path there. Every failure is a {@link NativeLoadError} and leaves the cache as it was.
 *
 * @example
 * ```ts
 * await downloadLibrary("darwin-arm64", { dir: "/opt/npshm-cache" });
 * ```
 */
export async function downloadLibrary(
  target: string,
  options: DownloadOptions = {},
): Promise<string> {
  const build = releaseBuild(target);
  const url = fileUrl(options.baseUrl ?? baseUrl(), build.file);
  const dir = options.dir ?? cacheDir();
  const seconds = options.timeoutS ?? timeoutSeconds();
  console.error(`npshm: downloading its native library ${url}`);
  const bytes = await fetchBytes(url, build.size, seconds);
  const actual = sha256(bytes);
  if (actual !== build.sha256) {
    throw new NativeLoadError(
      `${url} is not the release build npshm ${PINNED_VERSION} pins for ${target}: its ` +
        `sha256 is ${actual}, expected ${build.sha256}; nothing was cached`,
    );
  }
  try {
    const path = installFile(dir, build.file, bytes);
    console.error(`npshm: verified (sha256 ${actual}) and cached as ${path}`);
    return path;
  } catch (err) {
    if (err instanceof NativeLoadError) throw err;
    throw new NativeLoadError(`cannot cache ${build.file} in ${dir}: ${err}`, { cause: err });
  }
}
