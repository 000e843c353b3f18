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
export const STAMP = 0x6a059453;

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
    sha256: "268cd9d0d0798844d0065ba76058821bd83ea7585fbaa03cab5fc686b0bb9cdf",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182448,
    sha256: "8964d40e0c543a2c494ac41ae3149cc1ea51c0739e1fce5231873357fa3712fb",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 180640,
    sha256: "e578b5e498442c976000122b1af952feefbe11fd691490a34ad747d8aa773b0f",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 38776,
    sha256: "fe32705ba47c05449ed974782a6f21d83ec16c84285ded11b17e35b5bd887a1f",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 73216,
    sha256: "49ad21dd2eb794374546fbfb647636d6db063032831e181dfae3b8ca90e7fa27",
  },
};
