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
export const STAMP = 0x0227b084;

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
    size: 207928,
    sha256: "e48f0146add982835133fff8b6ad683b651828292d09d606bb9d2d5db92502a0",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182888,
    sha256: "f5aa5b60dad1a8adf2026eb39afac4a757f1c7a67e2c11a9bbb80d46a07ff3bd",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 181960,
    sha256: "9ecd56690dfaca8e6190b5526a9109ffa2528edeee15a2cdafd498c4a34d8c73",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 40064,
    sha256: "0211c6392bb580f4a5d65afb1e7ba37a6a08e03ecd9440e32a8ce95d77cae958",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 76288,
    sha256: "a81bd44825337bee03db287849cfbbf358c98f85990c668f5033d9ec5b19bba3",
  },
};
