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
export const STAMP = 0x688c6e34;

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
    sha256: "017a76e914a96489abea8b96daaddb03ba7ff0607b31142b981a49c3d7e578f9",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182448,
    sha256: "4e0dc21dac9c27b378607a9ff4c155bf502b2e0a17656731ebd445a5d733c314",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 180640,
    sha256: "9bad706a801138a1632eeb56a84f28cfb0087822faffb32b2dc623cb262fefd8",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 38776,
    sha256: "71221f7cadc5cd0a532bf7b19d45683cada3215e4f4068bced9dbe566c43ec73",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 73216,
    sha256: "6a66de87cdc84c40b8174eb80e7b49814b5227d0257257057a49bff75c11ba6e",
  },
};
