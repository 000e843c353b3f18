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
export const STAMP = 0x5b70fc38;

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
    size: 207736,
    sha256: "f287e1fb46108bb6446efca8c5f527272cf978504af07fcaa29e0414d448a585",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182688,
    sha256: "18d69bb6e281e534eeb2a10f9766f52a0d15ed5d903abbf5d6688fcf5f7bd3d6",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 182032,
    sha256: "a83e6cee83c44192a75a6765b39ca7658108df5a0fab7af46d266b358740e900",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 40104,
    sha256: "7fb526b009de20948b041f307812b45a3c2616c55cbd4427f138d935ac9b8e7f",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 76288,
    sha256: "be75c7f026ed7823c360dd3e9f7b93bc1fc4b60a33414646e586be4492c868fb",
  },
};
