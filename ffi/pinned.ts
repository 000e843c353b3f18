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
export const STAMP = 0x073c26d7;

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
    size: 186216,
    sha256: "88f8b0c5677ed982645b2159df6a8e4cb41404015f0d3bb5885e90db5bb5c8a5",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 161112,
    sha256: "f0d7ef4ca7dc7385e742a323b13b62d1a03aa201a4ebaf54f0daaaab38d2330d",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 167952,
    sha256: "98227f39ada0671387a5e4231da56768846f11aefe31e556d64a7d70840b485f",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 24768,
    sha256: "1663eae0fe1c0c4de588a89b46b8b9f04fafa46c1e563485fdbd3c04bd3ad726",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 58880,
    sha256: "a81c86f500013ee540c28c4bbe1e49991b4f35c4f217e94b7a67f9c8d84f8b37",
  },
};
