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
export const STAMP = 0x0214eb98;

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
    size: 186728,
    sha256: "40b1a1261db8dc0b6bfac63a19cb0bc7479f5e8b8c0956620cdddb5c854e06f5",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 161616,
    sha256: "bab8f1cf8fc087f5292cf36a7bfec1f792713db061713294a9711945f5530fea",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 176848,
    sha256: "e276bb41323771a5462e6832a2730e2d2ee057740427e9def12099d4bc8a73aa",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 34392,
    sha256: "a00159b0955d2abb0c5ae54e851d7fa6a5ed799c84e7c4f702f96828e0e35714",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 71680,
    sha256: "f4ffb15a723da9af49b45394bffda663a72725269d5f564068c32e396e7f8c4c",
  },
};
