/**
 * Finds and opens the native shim for the running runtime, once, on first use.
 *
 * Where it looks: the `NPSHM_LIB` environment variable (a path to the library), else the
 * library built next to this module by `deno task build`
 * (`native/build/<os>-<arch>/<file>`).
 *
 * @example
 * ```ts
 * import { loadNative } from "./load.ts";
 * const native = loadNative(); // throws NativeLibraryError saying how to build it
 * ```
 * @module
 */
import { NativeLibraryError } from "../src/errors.ts";
import { openDenoNative } from "./deno.ts";
import { ABI_VERSION, type Native } from "./types.ts";

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

/**
 * The `<os>-<arch>` name of the running platform, as used for build folders.
 *
 * @example
 * ```ts
 * platformTarget(); // "linux-x64"
 * ```
 */
export function platformTarget(): string {
  const os = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  return `${os}-${arch}`;
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

function libraryPath(): string {
  const override = readEnv("NPSHM_LIB");
  if (override) return override;
  const target = platformTarget();
  const url = new URL(`../native/build/${target}/${libraryFile(target)}`, import.meta.url);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

function readEnv(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined; // no --allow-env: the default location still works
  }
}

function open(path: string): Native {
  let native: Native;
  try {
    native = openDenoNative(path);
  } catch (err) {
    throw new NativeLibraryError(
      `cannot load the npshm native library at ${path} (${(err as Error).message}); ` +
        "build it with `deno task build` (needs a C compiler) or set NPSHM_LIB to its path",
    );
  }
  const abi = native.abiVersion();
  if (abi !== ABI_VERSION) {
    throw new NativeLibraryError(
      `the npshm native library at ${path} has ABI ${abi}, this code needs ${ABI_VERSION}; ` +
        "rebuild it with `deno task build`",
    );
  }
  return native;
}
