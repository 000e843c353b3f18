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
export const STAMP = 0x0db9cc0c;

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
    sha256: "94056d3d3cd7be0ff7055cff9f934bdaa7e9bac697e8994d81f21b903840dd84",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182448,
    sha256: "b3475fdc60ecb83d9b980aff070de058f28dcab92a07fa1cc40a1a0972b51614",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 180640,
    sha256: "48db08324abe24ae961cdfc93b9086ac41b217b07ba646351789bc95750293ea",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 38776,
    sha256: "24bff87c0625e0040c8800d42e848519902a8f16deb163c302d00f97a5d64020",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 73216,
    sha256: "e885d91944012d6d3c387b6849660e27da4dde05f3c957c72d8a58c239b9e631",
  },
};
