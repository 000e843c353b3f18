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
export const STAMP = 0x549d76ae;

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
    size: 186776,
    sha256: "037e0a700542f775b1be0884674cb9388fb0012453479e01197b3ac29840f6d3",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 165776,
    sha256: "dced04ad97bda1ed5d62d06d71d8aa987e059a6ad987032b18ec8bd05d57c972",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 177264,
    sha256: "07d238539d464f3fc88254c11f2a552272ff50b4d78af3cb7ff2be42042d6a1d",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 34840,
    sha256: "2ae783d48f06400b5e6f7ec57bf58afc86c7dae41bad4f8a4dd4ae7a61cebf04",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 61440,
    sha256: "07649ef6c34942691c888d980dd814d3a466c6384e494fad0aee7fb13aace52f",
  },
};
