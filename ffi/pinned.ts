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
export const STAMP = 0x568348ae;

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
    sha256: "43e616106e872a2201c3b7e4dd983bc539b81029ee3d9906ed8bec9c92b60a18",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182448,
    sha256: "a36bb6b08c101e271edba520d425e94be59737a17dbade1d30619e841a510447",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 180640,
    sha256: "5790ddbf6ee80a4e7361458c5027815a21c187d8ed7c696c5a0afd41129b1d78",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 38776,
    sha256: "74f100baf71ea08c7aff9d41454a212d8573ea8022462cda31fe22d73c6898df",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 73216,
    sha256: "13b86c91bd2b2afa663c86b86cd8214a508daf4a5f7c4fe06e8b86fec42da324",
  },
};
