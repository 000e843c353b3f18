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
export const STAMP = 0x000b88dc;

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
    sha256: "5ad8a0bc0703c3e7a0209d49b6040270785f2988ca77fb412d4b7d87c394b5d6",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 171624,
    sha256: "cf1f5fda9a6831703f88cff2bc06ee28ee5c2a8a34ef55aeb0003456b3d12a59",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 177640,
    sha256: "9c4f844700389923ad7960d9ed52fef704bff9da2898e1601ce67cc72f5893ff",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 35264,
    sha256: "9c4f13fece420371ae794df6a48b207c56805ac97b6ddfc92e61a4a7383f77d5",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 72192,
    sha256: "8162afc53ba4aed0657b16b17f458e029b55c5c958aab0a494ce2e018b3ec9ae",
  },
};
