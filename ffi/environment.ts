/**
 * What the native-library loader learns of where it runs: the runtime, the platform target,
 * npshm's environment variables (read so that a Deno permission missing for them is an error
 * that names the flag, never a silently ignored setting), and its one error type.
 *
 * @example
 * ```ts
 * import { platformTarget, readEnv } from "./environment.ts";
 * console.log(platformTarget(), readEnv("NPSHM_LIB"));
 * ```
 * @module
 */
import process from "node:process";

/**
 * The native library could not be found, fetched, verified or loaded. Its message says what
 * happened and what to do, a missing permission first; `cause` is the underlying error, if
 * any. (`src/os/` turns it into the public `NativeLibraryError`: this layer knows nothing of
 * `src/`.)
 *
 * @example
 * ```ts
 * const err = new NativeLoadError("no library", { cause: new Error("ENOENT") });
 * console.error(err.message);
 * ```
 */
export class NativeLoadError extends Error {
  /** Makes the error; `cause` is what failed underneath. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NativeLoadError";
  }
}

/** The JavaScript runtime this code runs on. */
export type Runtime = "deno" | "bun" | "node";

/**
 * Which runtime this is (Bun and Deno both also look like Node to most checks).
 *
 * @example
 * ```ts
 * detectRuntime(); // "node"
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
 * `process.platform` and `process.arch` names: `linux-x64`, `linux-arm64`, `darwin-arm64`,
 * `win32-x64`, ...).
 *
 * @example
 * ```ts
 * platformTarget(); // "linux-x64"
 * ```
 */
export function platformTarget(): string {
  return `${process.platform}-${process.arch}`;
}

/**
 * The file name of the shim on the platform `target`, as the npm package and local builds
 * name it.
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
 * The environment variables the loader may read on this platform, in the order it reads them:
 * its own, then those that locate the default cache directory. What `--allow-env=` needs on
 * Deno.
 *
 * @example
 * ```ts
 * `--allow-env=${loaderEnvVars().join(",")}`;
 * ```
 */
export function loaderEnvVars(): string[] {
  const own = ["NPSHM_LIB", "NPSHM_CACHE", "NPSHM_BASE_URL", "NPSHM_FETCH_TIMEOUT"];
  const home = process.platform === "win32"
    ? ["LOCALAPPDATA"]
    : process.platform === "darwin"
    ? ["HOME"]
    : ["XDG_CACHE_HOME", "HOME"];
  return [...own, ...(detectRuntime() === "deno" ? ["DENO_DIR"] : []), ...home];
}

/**
 * Whether `err` is a runtime's refusal for lack of a permission (Deno's `NotCapable`).
 *
 * @example
 * ```ts
 * isPermissionError(new Error("x")); // false
 * ```
 */
export function isPermissionError(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === "NotCapable" || name === "PermissionDenied";
}

/**
 * An environment variable's value (empty counts as unset). On Deno without `--allow-env` for
 * it, a {@link NativeLoadError} naming the flag: a setting must not be ignored unseen.
 *
 * @example
 * ```ts
 * const lib = readEnv("NPSHM_LIB"); // undefined when not set
 * ```
 */
export function readEnv(name: string): string | undefined {
  const deno = (globalThis as unknown as { Deno?: { env: { get(k: string): string | undefined } } })
    .Deno;
  try {
    return (deno ? deno.env.get(name) : process.env[name]) || undefined;
  } catch (err) {
    if (!isPermissionError(err)) throw err;
    throw new NativeLoadError(
      `npshm reads the environment variable ${name} to find its native library, and Deno ` +
        `refused it: run with --allow-env=${loaderEnvVars().join(",")} (or --allow-env)`,
      { cause: err },
    );
  }
}
