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
export const STAMP = 0x490b7197;

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
    size: 188808,
    sha256: "3d9221e31dfc5d263b3a9ff407fa9551e8a50001370e7188af9941c979ae120f",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 171984,
    sha256: "f82abf12476014881617514c846356f89a0765d684ab2f3e20f92d6586d11a05",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 178896,
    sha256: "ae82aca9bc066327346b017c34a4d3c92c0e7d8e7c4797c68bdff134618cb9ea",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 36904,
    sha256: "9edae31f2fcc7e0fa7a40b69b611e002392ca9caa8fe18716a08969fa5cee480",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 72704,
    sha256: "bde90f32babf92ed4b5a2784f87e65cbca7e5029f9a389e4ef7aafac327a0071",
  },
};
