/**
 * Finds, fetches if need be, and opens the native shim for the running runtime (Deno, Bun or
 * Node), once. The backend is chosen at run time: `Deno.dlopen` on Deno, `bun:ffi` on Bun,
 * koffi on Node. None of them is touched before it is needed, so this module loads on all
 * three.
 *
 * Where the library comes from, first match wins:
 * 1. `NPSHM_LIB` (a path to the library);
 * 2. the library in the npm package (`native/<os>-<arch>/<file>` at the package root);
 * 3. a local build next to the sources, by `deno task build` (`native/build/<os>-<arch>/`;
 *    for `file:` imports: development);
 * 4. the cache ({@link cacheDir}), if its sha256 is the pinned one;
 * 5. a download of the pinned release build into the cache ({@link downloadLibrary}).
 *
 * Loading is synchronous: the download, the one asynchronous step, is done ahead by
 * {@link prepareNative} (awaited at the top level of `src/os/native.ts`, so importing npshm
 * fetches what the first call will load). Every library is checked for the build stamp of the
 * sources this TypeScript was pinned with: a stale one is refused.
 *
 * @example
 * ```ts
 * import { loadNative } from "./load.ts";
 * const native = loadNative(); // throws NativeLoadError saying what to do
 * ```
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openBunNative } from "./bun.ts";
import { cacheDir, cachedLibrary, releaseBuild } from "./cache.ts";
import type { Native } from "./contract.ts";
import { openDenoNative } from "./deno.ts";
import {
  detectRuntime,
  isPermissionError,
  libraryFile,
  NativeLoadError,
  platformTarget,
  readEnv,
  type Runtime,
} from "./environment.ts";
import { downloadLibrary } from "./fetch.ts";
import { openNodeNative } from "./node.ts";
import { PINNED_VERSION, RELEASE, STAMP } from "./pinned.ts";

export { detectRuntime, libraryFile, NativeLoadError, platformTarget, type Runtime };

/** Where a library came from: the steps of the search, in order. */
export type LibrarySource = "NPSHM_LIB" | "npm package" | "local build" | "cache";

/** A library the search found. */
export interface LibraryChoice {
  /** Its path. */
  readonly path: string;
  /** Which step found it. */
  readonly source: LibrarySource;
  /** Found without permission to look: try to open it, and go on if it is not there. */
  readonly probe?: boolean;
}

/**
 * The npm package's library and the local build, for `target`, as paths (only for `file:`
 * modules: a module imported over http has neither).
 *
 * @example
 * ```ts
 * libraryCandidates(); // [".../node_modules/npshm/native/linux-x64/libnpshm.so", ...]
 * ```
 */
export function libraryCandidates(target: string = platformTarget()): LibraryChoice[] {
  const file = libraryFile(target);
  if (!import.meta.url.startsWith("file:")) return [];
  // This module is ffi/load.ts in the sources and esm/ffi/load.js in the npm package.
  return [
    { rel: `../../native/${target}/${file}`, source: "npm package" as const },
    { rel: `../native/build/${target}/${file}`, source: "local build" as const },
  ].map(({ rel, source }) => ({ path: fileURLToPath(new URL(rel, import.meta.url)), source }));
}

interface DenoPermissions {
  permissions: {
    querySync(d: { name: "read" | "ffi"; path?: string }): { state: string };
    requestSync(d: { name: "ffi" }): { state: string };
  };
}

const denoPermissions = () => (globalThis as unknown as { Deno?: DenoPermissions }).Deno;

/**
 * On Deno, makes sure FFI is allowed without a path (asking, as Deno does, if it may prompt):
 * Deno's pointer functions, which npshm needs to view shared memory, refuse a path-scoped
 * `--allow-ffi=...`, and a missing flag must be named before anything else goes wrong.
 */
function requireDenoFfi(choice: LibraryChoice): void {
  const deno = denoPermissions();
  if (!deno) return;
  let { state } = deno.permissions.querySync({ name: "ffi" });
  if (state === "prompt") state = deno.permissions.requestSync({ name: "ffi" }).state;
  if (state === "granted") return;
  throw new NativeLoadError(
    `npshm loads its native library ${choice.path} (${choice.source}) and views shared ` +
      "memory through Deno's FFI, and Deno refused it: run with --allow-ffi (without a path: " +
      "Deno's pointer functions refuse a path-scoped --allow-ffi=...)",
  );
}

/**
 * Whether a file is there: `true`, `false`, or on Deno without read permission for it
 * `"probe"` (ffi permission: opening it tells) or `"unknown"` (no permission to tell).
 */
function presence(path: string): boolean | "probe" | "unknown" {
  const deno = denoPermissions();
  // On Deno, never make a permission prompt appear just to look.
  if (deno && deno.permissions.querySync({ name: "read", path }).state !== "granted") {
    return deno.permissions.querySync({ name: "ffi", path }).state === "granted"
      ? "probe"
      : "unknown";
  }
  return existsSync(path);
}

/** Local places that could not be looked at, for the final error to mention. */
let unseen: string[] = [];

/** The libraries worth trying for `target`, in order; the cache's only if intact. */
function* choices(target: string): Generator<LibraryChoice> {
  const override = readEnv("NPSHM_LIB");
  if (override) {
    yield { path: override, source: "NPSHM_LIB" };
    return;
  }
  unseen = [];
  for (const candidate of libraryCandidates(target)) {
    const there = presence(candidate.path);
    if (there === true) yield candidate;
    else if (there === "probe") yield { ...candidate, probe: true };
    else if (there === "unknown") unseen.push(candidate.path);
  }
  if (!RELEASE[target]) return;
  const cached = cachedLibrary(target);
  if (cached) yield { path: cached, source: "cache" };
}

/** What {@link prepareNative} could not download, for {@link loadNative} to report. */
let downloadError: NativeLoadError | undefined;

/**
 * Makes sure {@link loadNative} will find a library: if no step up to the cache has one for
 * this platform, downloads the release build into the cache. Never throws: a failure is
 * reported by the first {@link loadNative}.
 *
 * @example
 * ```ts
 * await prepareNative(); // at the top level of the module that uses loadNative
 * ```
 */
export async function prepareNative(): Promise<void> {
  const target = platformTarget();
  try {
    if (!choices(target).next().done) return;
    await downloadLibrary(target);
  } catch (err) {
    downloadError = err instanceof NativeLoadError
      ? err
      : new NativeLoadError(String(err), { cause: err });
  }
}

let loaded: { native: Native; choice: LibraryChoice } | undefined;

/**
 * The native shim, loaded on first call.
 *
 * @example
 * ```ts
 * const native = loadNative();
 * ```
 */
export function loadNative(): Native {
  loaded ??= open(platformTarget());
  return loaded.native;
}

/**
 * Which library {@link loadNative} loaded, loading it if need be.
 *
 * @example
 * ```ts
 * loadedLibrary().source; // "local build"
 * ```
 */
export function loadedLibrary(): LibraryChoice {
  loadNative();
  return loaded!.choice;
}

function open(target: string): { native: Native; choice: LibraryChoice } {
  for (const choice of choices(target)) {
    const native = openChoice(choice, target);
    if (native) return { native, choice };
  }
  throw missingError(target);
}

function openBackend(runtime: Runtime, path: string): Native {
  if (runtime === "deno") return openDenoNative(path);
  if (runtime === "bun") return openBunNative(path);
  return openNodeNative(path);
}

const MISSING_FILE = /No such file|cannot open shared object|image not found|could not be found/i;

/** Opens a library and checks its stamp; `undefined` for a probed file that is not there. */
function openChoice(choice: LibraryChoice, target: string): Native | undefined {
  const runtime = detectRuntime();
  requireDenoFfi(choice);
  let native: Native;
  try {
    native = openBackend(runtime, choice.path);
  } catch (err) {
    if (choice.probe && MISSING_FILE.test(String((err as Error).message))) return undefined;
    throw openError(choice, target, runtime, err);
  }
  const stamp = native.npshm_abi_version();
  if (stamp !== STAMP) {
    throw new NativeLoadError(
      `the npshm native library at ${choice.path} (${choice.source}) is stale: it is stamped ` +
        `${hex(stamp)}, npshm ${PINNED_VERSION} needs ${hex(STAMP)} (a hash of the shim's C ` +
        "sources and the version: 0 is a build by hand, 1 one from before stamps); " +
        HINTS[choice.source],
    );
  }
  return native;
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** What to do about a library that cannot be used, by where it came from. */
const HINTS: Record<LibrarySource, string> = {
  "NPSHM_LIB": "NPSHM_LIB names it: point it at a library `deno task build` made from this " +
    "version's sources for this platform, or unset it",
  "npm package": "reinstall the npm package, or set NPSHM_LIB to a library for this platform",
  "local build": "rebuild it with `deno task build` (or delete native/build/ to use the " +
    "released library)",
  "cache": "delete it: it is fetched again on the next run",
};

function openError(
  choice: LibraryChoice,
  target: string,
  runtime: Runtime,
  err: unknown,
): NativeLoadError {
  const message = String((err as Error).message);
  if (isPermissionError(err)) {
    return new NativeLoadError(
      `npshm loads its native library ${choice.path} (${choice.source}) with Deno.dlopen, and ` +
        "Deno refused it: run with --allow-ffi",
      { cause: err },
    );
  }
  const koffiMissing = runtime === "node" && /Cannot find (module|package) 'koffi'/.test(message);
  const hint = koffiMissing
    ? "install koffi (`npm install koffi`), which npshm uses to call native code on Node"
    : HINTS[choice.source];
  return new NativeLoadError(
    `cannot load the npshm native library for ${target} on ${runtime} at ${choice.path}, ` +
      `the ${choice.source} (${message}); ${hint}`,
    { cause: err },
  );
}

/** Nothing found: why, and how to get a library without network. */
function missingError(target: string): NativeLoadError {
  if (downloadError && isPermissionError(downloadError.cause)) return downloadError;
  const why = downloadError ? `${downloadError.message}. ` : "";
  const where = RELEASE[target]
    ? cacheHelp(target)
    : `npshm ${PINNED_VERSION} has no prebuilt library for ${target}: build one with ` +
      "`deno task build` from its sources and set NPSHM_LIB to its path";
  const looked = unseen.length
    ? ` (not looked at, for lack of --allow-read or --allow-ffi: ${unseen.join(", ")})`
    : "";
  return new NativeLoadError(
    `no npshm native library for ${target}${looked}. ${why}${where}`,
    { cause: downloadError },
  );
}

function cacheHelp(target: string): string {
  const dir = cacheDir();
  return `Nothing usable is cached in ${dir}. To run without network, pre-fetch it where ` +
    `there is: \`npshm fetch\` (with NPSHM_CACHE=${dir}, or copy ` +
    `${releaseBuild(target).file} there), or set NPSHM_LIB to a copy of the library`;
}
