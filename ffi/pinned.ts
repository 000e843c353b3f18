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
export const STAMP = 0x03e30c15;

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
    size: 186264,
    sha256: "2336b06c4028ed1e07ae715262eca47ee150b1dc8bcb75e85b8472ac3341aa42",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 161160,
    sha256: "691a54c3418c741fa68d60b8bb6b2f9a9c17ef86e56605805164b7a10e035a2c",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 171112,
    sha256: "5c2c39936015c3c196de9448631785f8deaecf4adbb3ded290c2b2562ed47271",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 28424,
    sha256: "6835336152cc0e06d78ff616be11eb946deface88e8990a416ad7a553ad16cd4",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 60416,
    sha256: "057875b2877bf779f24101a7ed9cc07b69ff1fa8c7084e6ff25050f62ec554e3",
  },
};
