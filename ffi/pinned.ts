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
export const STAMP = 0x1bdb0627;

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
    size: 207480,
    sha256: "83f70168eb1d87a9524e11113ae6f6fe53b4793113df8ec00d387f91bf5023cd",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182448,
    sha256: "d1c68ee0fd608a2c207aa2630d5bc00931d77f190444e3d43f55c4c53b6141f5",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 180640,
    sha256: "7903056ecc9fc58ffc9084068cea126cec2e9c8327c03aee9c9563f132157886",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 38776,
    sha256: "1c4108da11ec0007f24e4383351e6d96c391d8d933ebb4b4c816ebf673e54891",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 73216,
    sha256: "bc4166676b4f289cc3a5dad85191c085f1a8f77db999263102fff8994b6fb31f",
  },
};
