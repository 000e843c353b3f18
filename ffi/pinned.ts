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
export const STAMP = 0x64a02cf6;

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
    size: 186472,
    sha256: "03191f17d1ffe24ed87726914166c9a729b87c84e667558adc061737fa31ea56",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 161376,
    sha256: "68fcdac8928b0b4456c26d628df2033e60d506211e651f4f7316c7ea0ca63fda",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 170512,
    sha256: "a53eba4df0c636cf7e402c6a7eb4dc640f6dbde7a3a49e2f8b54bdfdc13d318c",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 27448,
    sha256: "5a9ab94a2eeeccbc54f3c144c1f5c49137109964b35fa69223dd3c3cb43cf082",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 59904,
    sha256: "10386e63e7a2730fa219d2cce9ec55a96e17db79cff7784d9c6b46125e9c3c95",
  },
};
