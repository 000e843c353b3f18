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
export const STAMP = 0x0e06158c;

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
    sha256: "c1fdf0e3efd46a060b5da11986980d5b86f5b625d71cb397b91cf25be35bc99e",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182832,
    sha256: "37b57bc03d81809242afef8badcf4380375a3bb7ec12f664a63d24118af76347",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 182496,
    sha256: "2ba44ad2d79306bcdb7fbae508628183bdcb597db89b6e7ecd54eb3a7a8fac4b",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 40568,
    sha256: "122913b1b92ac0b51f3e0a8b6373b96b61ac4795c2027241314d18c343540ec3",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 76288,
    sha256: "07fd93b776c6c354a88a73874264dd71b182a7e9b9a0fc2b08586abee47391f9",
  },
};
