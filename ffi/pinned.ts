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
export const STAMP = 0x58e2aa64;

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
    size: 207864,
    sha256: "c0531b0828e6b41e8b7b823193d6fa7f61031ae2d90d6d5970976e45ebf63fb8",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182832,
    sha256: "9943bbcd276d115df50a81e17e0b28d28450ddcbc09c086bad75183414598ab1",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 182496,
    sha256: "fb3bafca98b22bb3df023066399fd04276d880c545c9377c9b61ddedcc81d693",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 40568,
    sha256: "14b4695fd745eefa14c43d0413391753df657cd81721e7062be07d9317220680",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 76288,
    sha256: "f6f1f4a73d3ee1c32b28b49f01d8e5c25d1a2a6dad7124b9c9d936dde8a736b2",
  },
};
