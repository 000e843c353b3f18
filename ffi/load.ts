/**
 * Finds and opens the native shim for the running runtime (Deno, Bun or Node), once, on first
 * use. The backend is chosen at run time: `Deno.dlopen` on Deno, `bun:ffi` on Bun, koffi on
 * Node. None of them is touched before it is needed, so this module loads on all three.
 *
 * Where it looks, first hit wins:
 * 1. the `NPSHM_LIB` environment variable (a path to the library);
 * 2. the prebuilt library shipped in the npm package (`native/<os>-<arch>/<file>` at the
 *    package root);
 * 3. the library built next to the sources by `deno task build`
 *    (`native/build/<os>-<arch>/<file>`).
 *
 * @example
 * ```ts
 * import { loadNative } from "./load.ts";
 * const native = loadNative(); // throws NativeLoadError saying how to build it
 * ```
 * @module
 */
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { openBunNative } from "./bun.ts";
import { ABI_VERSION, type Native } from "./contract.ts";
import { openDenoNative } from "./deno.ts";
import { openNodeNative } from "./node.ts";

/**
 * The native library could not be loaded: missing, unloadable, or of another ABI. Its message
 * says where it looked and what to do; `cause` is the runtime's own error, if any. (`src/os/`
 * turns it into the public `NativeLibraryError`: this layer knows nothing of `src/`.)
 *
 * @example
 * ```ts
 * try {
 *   loadNative();
 * } catch (err) {
 *   if (err instanceof NativeLoadError) console.error(err.message);
 * }
 * ```
 */
export class NativeLoadError extends Error {
  /** Makes the error; `cause` is what the runtime threw. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NativeLoadError";
  }
}

let loaded: Native | undefined;

/**
 * The native shim, loaded on first call.
 *
 * @example
 * ```ts
 * const native = loadNative();
 * ```
 */
export function loadNative(): Native {
  loaded ??= open(libraryPath());
  return loaded;
}

/** The JavaScript runtime this code runs on. */
export type Runtime = "deno" | "bun" | "node";

/**
 * Which runtime this is (Bun and Deno both also look like Node to most checks).
 *
 * @example
 * ```ts
 * detectRuntime(); // "deno" here; "node" under Node, "bun" under Bun
 * ```
 */
export function detectRuntime(): Runtime {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (typeof g.Deno !== "undefined") return "deno";
  if (typeof g.Bun !== "undefined") return "bun";
  return "node";
}

/**
 * The `<os>-<arch>` name of the running platform, as used for library folders (Node's
 * `process.platform` and `process.arch` names: `linux-x64`, `linux-arm64`, `win32-x64`, ...).
 *
 * @example
 * ```ts
 * platformTarget(); // "linux-x64" on x64 Linux
 * ```
 */
export function platformTarget(): string {
  return `${process.platform}-${process.arch}`;
}

/**
 * The file name of the shim on the platform `target`.
 *
 * @example
 * ```ts
 * libraryFile("win32-x64"); // "npshm.dll"
 * ```
 */
export function libraryFile(target: string): string {
  if (target.startsWith("win32")) return "npshm.dll";
  return target.startsWith("darwin") ? "libnpshm.dylib" : "libnpshm.so";
}

/**
 * Where the shim is looked for, in order, unless `NPSHM_LIB` is set: the npm package's
 * prebuilt library, then the one `deno task build` makes next to the sources.
 *
 * @example
 * ```ts
 * libraryCandidates(); // [".../node_modules/npshm/native/linux-x64/libnpshm.so", ...]
 * ```
 */
export function libraryCandidates(target: string = platformTarget()): string[] {
  const file = libraryFile(target);
  // This module is ffi/load.ts in the sources and esm/ffi/load.js in the npm package.
  return [`../../native/${target}/${file}`, `../native/build/${target}/${file}`].map((rel) => {
    const url = new URL(rel, import.meta.url);
    return url.protocol === "file:" ? fileURLToPath(url) : url.href;
  });
}

function libraryPath(): string {
  const override = readEnv("NPSHM_LIB");
  if (override) return override;
  const candidates = libraryCandidates();
  return candidates.find(exists) ?? candidates[candidates.length - 1];
}

interface DenoEnv {
  env: { get(key: string): string | undefined };
}

interface DenoPermissions {
  permissions: { querySync(d: { name: "read"; path: string }): { state: string } };
}

function exists(path: string): boolean {
  try {
    // On Deno, never make a permission prompt appear just to look: without read access the
    // default location is tried.
    const deno = (globalThis as unknown as { Deno?: DenoPermissions }).Deno;
    if (deno && deno.permissions.querySync({ name: "read", path }).state !== "granted") {
      return false;
    }
    return existsSync(path);
  } catch {
    return false; // no read permission (Deno): try the default location
  }
}

function readEnv(key: string): string | undefined {
  try {
    const deno = (globalThis as unknown as { Deno?: DenoEnv }).Deno;
    return deno ? deno.env.get(key) : process.env[key];
  } catch {
    return undefined; // no --allow-env: the default locations still work
  }
}

function openBackend(runtime: Runtime, path: string): Native {
  if (runtime === "deno") return openDenoNative(path);
  if (runtime === "bun") return openBunNative(path);
  return openNodeNative(path);
}

function open(path: string): Native {
  const runtime = detectRuntime();
  let native: Native;
  try {
    native = openBackend(runtime, path);
  } catch (err) {
    const koffiMissing = runtime === "node" && /Cannot find (module|package) 'koffi'/
      .test(String((err as Error).message));
    const hint = koffiMissing
      ? "install koffi (`npm install koffi`), which npshm uses to call native code on Node"
      : "reinstall the npm package for this platform, build it with `deno task build` (needs " +
        "a C compiler) or set NPSHM_LIB to its path";
    throw new NativeLoadError(
      `cannot load the npshm native library for ${platformTarget()} on ${runtime} at ${path} ` +
        `(${(err as Error).message}); ${hint}`,
      { cause: err },
    );
  }
  const abi = native.npshm_abi_version();
  if (abi !== ABI_VERSION) {
    throw new NativeLoadError(
      `the npshm native library at ${path} has ABI ${abi}, this code needs ${ABI_VERSION}; ` +
        "rebuild it with `deno task build`",
    );
  }
  return native;
}
