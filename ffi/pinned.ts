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
export const STAMP = 0x45234f10;

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
    size: 186408,
    sha256: "5e70d24db90f9ae6651c1fd2e7ff2f002bb54cc2cdaa95a67165bdd072728c07",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 161312,
    sha256: "0c450f725493ee96c7949f414cbe7ed67de072bee870002c66c7704d1572d515",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 170888,
    sha256: "81806454f2f04225827264f4a1a6559d7e48fe412da99af8d0b020075d1f95aa",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 27864,
    sha256: "5de61ab67f43e71f0af99f68cae71380452f4e399227097abef0132b651858c1",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 59904,
    sha256: "18c2d03bab0b72a02fa0c6507982fd67cc68ab68831ffaf9dac71af022d051b7",
  },
};
