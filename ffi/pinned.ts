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
export const STAMP = 0x640a7c9e;

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
    size: 207432,
    sha256: "e8ede205e690a844f212b47dfc3c73d64a180852b7ee01e5b3656fdd2f8cb8d2",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182392,
    sha256: "003400a4d50b8e0bfabcd2aa63f5b5f31ab0421f3a3cf4d84877f58bf089971b",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 179728,
    sha256: "0fad0977b3d1841fb8001189fa327a0f486e39ea009f7f3e37684dff4cea75f0",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 37784,
    sha256: "db42c74c0d7c23c40abb7e92d86aecfe29f1d3d63cb10cd3a528610677d0ea72",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 72704,
    sha256: "a4d4bc5bd940c0d5a51e66cbd9cebdc32336dd0ff3992ef31fe022f81d087506",
  },
};
