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
export const STAMP = 0x41513cc7;

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
    size: 188392,
    sha256: "65bdaac71c260eb70710b35d6c6706289e04516cf3076eb83faec2763c2bfb7d",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 171576,
    sha256: "b30bfdbbf87253b1f3642ffb4b7eae82a98aec86dcee6fd35d8f9d624c127f39",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 177240,
    sha256: "029a579338d36f4f9813516353d359d74feededd56d02136b54ba556baed0086",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 34816,
    sha256: "5fe0dbba41a5ad8ebbdb524749ed0b09ff59738b0045f3149fe1a3f7ac092033",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 61440,
    sha256: "f23a1505d6aebc94f7aef91520e5962ce7d1ecbe2313e5f73d2c90158edf0e0a",
  },
};
