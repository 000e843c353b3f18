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
export const STAMP = 0x64e7bc82;

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
    size: 207432,
    sha256: "161cca85d807915ac6d26157977fbaa3d90e70a9b91eef0571db734961e4011f",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182392,
    sha256: "51bfb61ae1b364b960b4918e59468c9e0bf036ea88e3abcb786b2810d31a3d4d",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 179728,
    sha256: "9a4a9e700d764cec554ec4c999bcbbb9c24bdf8c3c02b68bdbbf60e53f81cc3a",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 37784,
    sha256: "351b8e5853df1b94a6b1382a1ff31dde79f8f20d56bf3c0c2f0f927241b5094d",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 72704,
    sha256: "8b4f7de16e97932f08bf3d8e23a16449cc0a1c54c5273a7fca0b7bd4a520bfb9",
  },
};
