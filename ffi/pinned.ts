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
export const STAMP = 0x0499b923;

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
    size: 207688,
    sha256: "d843eb608357cabeb8859802298823805924e648fa824b94fe6c70116e79b61c",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182648,
    sha256: "e5e068e972508874ab4d5ef0665d2a949896d9ac2cb19f22378b5dd38c0e30ae",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 181432,
    sha256: "bbada1f673ba63da84918681e3e0b3a1c54bbdf8c3ced409dedce4e2ee03c2a0",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 39600,
    sha256: "ca03a92680ce6ff6c7ef13fcda9ddda3daf4e1ffe4db2f64b63c4db0072e2f31",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 76288,
    sha256: "dc90e6187e2cb205ef5341bec35d7bbb969c6b30238fa3eb6c69cae591b12c4e",
  },
};
