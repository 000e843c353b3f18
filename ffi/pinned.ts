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
export const STAMP = 0x44f0a6a3;

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
    size: 207976,
    sha256: "07b699c667a371780ef0a620dd38ee2b240eef673105b9d52e2529aa15173889",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182928,
    sha256: "73e436348659e8a072ca380a62fa0a85e7410290f8b1717242c0f2de387a6b68",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 182032,
    sha256: "5e027dcd1d35a01d2b74ef6ad86844b41e23d5937bd72b538e4d671cbe18f268",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 40104,
    sha256: "274738498f458643984f1ea910d5429b8b0e53e50e70024b4e82b0992e181025",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 76288,
    sha256: "1b227e76e47637918ae8659f0e18fa5a572af71aa32b61277bd6ed6cbf72c51c",
  },
};
