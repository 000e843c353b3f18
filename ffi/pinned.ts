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
export const STAMP = 0x1c9d902e;

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
    size: 188456,
    sha256: "73be650ce407b5c17ebbd53b8fe4f407cf56fb0768f5e7206a47e3b4a0bfb8d7",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 171624,
    sha256: "08a9270c0f96616d3553aea408298c0e023c8ecd9d53dac13b8f4f9e10fe733f",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 177640,
    sha256: "f2fc9fe20a237f4f55ec8fbe50ef8de891c039b16a80cd1c1c36838d9e3a1a9d",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 35264,
    sha256: "50646bc831f3a7fa6e4df19b7e8afda662a51e64efcfd074567155758219df52",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 72192,
    sha256: "f28820903a3e649b49ceb05d164bf0658abc0a8143debc760bd59d4279b94714",
  },
};
