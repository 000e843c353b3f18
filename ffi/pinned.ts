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
export const STAMP = 0x6a36cb4b;

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
    size: 207528,
    sha256: "61986866f6117d4e68207628cecd0f7cea8aaa15df04a54802a70bd301979a88",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182496,
    sha256: "29d2d71db7ffc8dbf908fd16bf82c9d4f11b409ef42c312ceb9032d741d8c943",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 180824,
    sha256: "0b1d37fd30ef78bf2e6db618483df28f0a2bb3e47491a5b3a84ec246ccb6bc2f",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 38928,
    sha256: "cb28fe180a5a2352848d8ddfb5af5a51cbbb013832720ea06a59d6d86a7ec72f",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 74240,
    sha256: "f24c4cca50259b5be420e2a50c6052009514dc26ba1749239ba26f58f09433ad",
  },
};
