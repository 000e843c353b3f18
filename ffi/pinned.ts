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
export const STAMP = 0x02e5d123;

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
    sha256: "cb710c6fa4837b37f0a8102c22a8055dfe365215149240b36edf0ed54d74ad96",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182392,
    sha256: "5019782069f084da1d29fce473ef2618b38822f0f19c7f525c88d8c610ba4272",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 34936,
    sha256: "8c1dc76aa922286d7cb2a7c7352629c104a7c6354967c205e100b49826be76e7",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 38520,
    sha256: "49e88294eda66fc2a365086bbac947c00041df33549434445c2917b2827d04e9",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 72704,
    sha256: "d604b744505de03363057d39fb33237e1a32eb575103ead6a5bdaa2a5acc2d7c",
  },
};
