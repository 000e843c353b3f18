/**
 * What this copy of npshm accepts as its native library. Written by `deno task release` (the
 * stamp also by `deno task build`): do not edit. A fresh release build must reproduce these
 * bytes (`deno task release --check`, run by CI).
 *
 * @example
 * ```ts
 * import { RELEASE, STAMP } from "./pinned.ts";
 * console.log(STAMP, RELEASE["linux-x64"]?.sha256);
 * ```
 * @module
 */

/** The npshm version the stamp and the builds belong to. */
export const PINNED_VERSION = "0.1.0";

/** The build stamp of the shim's sources: what `npshm_abi_version()` must return. */
export const STAMP = 0x5818c395;

/** A release build of the shim: its file under the base URL, its size and its sha256. */
export interface ReleaseBuild {
  /** The file name under the release base URL (and in the cache). */
  readonly file: string;
  /** Its size in bytes. */
  readonly size: number;
  /** Its sha256, lower-case hex. */
  readonly sha256: string;
}

/** The release builds of the shim, by target (`<os>-<arch>` as Node names them). */
export const RELEASE: Readonly<Record<string, ReleaseBuild>> = {
  "darwin-arm64": {
    file: "npshm-0.1.0-darwin-arm64.dylib",
    size: 188808,
    sha256: "b205457619cd46830a7e8f7d9724ca51213916898e4a25ef582a385414b7edab",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 171984,
    sha256: "295a3b25b2876b03e3d5ffcf5800cb40f77e016a9a8ede89cd4467c73260996e",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 178896,
    sha256: "869f9298723cfa045fd7c85e8bb5b98addf7d72ac007bfca8800cb60efca487a",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 36904,
    sha256: "00faa6768f6a8f320d200d6f78afdace7a2227f870dd2a580e946a9b44d5a248",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 72704,
    sha256: "3ce593fc98c925788a952d10f9390556253da30ba1a710c1b0735c24695259ef",
  },
};
