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
export const STAMP = 0x35299fa6;

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
    size: 186456,
    sha256: "26508e7c81126a3200a2d9a335e96f36a463dc98b9b49f2decc5a543271db895",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 161360,
    sha256: "c2535a60e0405518cf3e1a15ffba5aa6186a8f684c776d927eee5b2ecef07785",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 174288,
    sha256: "5b43f52c4885382afa3f092c46e64197c6102b9fec41a7cb7116d1b18c2e26d2",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 31712,
    sha256: "bd7744c0afb742bacb7577af637d35a4b55e3cda55eb0d99df1b815917cdbbe3",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 61440,
    sha256: "24d0189f35c59e1b96bc52838a1665645d184fd6546cfc9f5e33f5785a597cde",
  },
};
