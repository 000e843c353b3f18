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
export const STAMP = 0x40037596;

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
    size: 188392,
    sha256: "2bf58528e0f833c1a57065616477f168cb6adf08e2bd87a8c628cdfc597b6745",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 171576,
    sha256: "72106df4961fa333150a2fb2b093543bc6a7d9cc83687c40dff8e0b2357e12bd",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 177240,
    sha256: "2cb351b6127e4f5ebe2c80237b6936746f73211ca3a684da07eaf58542757394",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 34816,
    sha256: "a28b8ae0bde6778fe8c3202c15b71b97784fbc41baa9338490c41f991a198b31",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 61440,
    sha256: "7aac6c253b94bd8e8fab5304d105fb61a0f9cabbc64f4e040f1d758fb38f4946",
  },
};
