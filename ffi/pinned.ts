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
export const STAMP = 0x4b71f21b;

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
    sha256: "1c2d2a9704109ff333c4ff7b088daab6c44a4b6ba1847fed45e9b2209ca53f8f",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 171984,
    sha256: "7e61e0bbc12dd510e6c4afa1b6904c09ada9b6b863fdf60d7222b05f7e90f829",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 178896,
    sha256: "a3439cc904cde5188c7a806df2b7aff5ac857a9267d76772c5cfd7681c839a02",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 36904,
    sha256: "3b4f9226d3cb35a6c0cce54c693341e51bb70206030cd0c99b9a3f8df6033659",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 72704,
    sha256: "977e470543063b1a91a9f97f767938c92932b009b91b888e3d9f67f3f14087cb",
  },
};
