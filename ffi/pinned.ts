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
export const STAMP = 0x24fd25ae;

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
    sha256: "50e0b99932e29a5fef2d3c7b376dc9aadcfde1fd2dc7ee9502b38f559f0a1330",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 161616,
    sha256: "bbe99cb901001ee30e92db99f2fd175929cde82e750b3cf8a0295ad6c981152d",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 176848,
    sha256: "0f02f027b1e6b6a7d1fd672bddfe19d7531b7037b55579d8a088dded10ed9193",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 34392,
    sha256: "b8f26a0af08520afe61417bf17aba7802cb4695aa5ca01a4708c82da9a623242",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 61440,
    sha256: "2f5acb0ac901cf157fc4f1f4f0b630c1cb9bc4d5b82fd0b9f4bfc638541a3558",
  },
};
