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
export const STAMP = 0x5a49d8b5;

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
    size: 207976,
    sha256: "eab5645bf26a2c26605cacd063950ba87c5e858bc43c1ccf7390793717b5560d",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182928,
    sha256: "026bb56816c368c251b48525d91e5c34b30f068a7cbd9fd0b4a1173196cca807",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 182000,
    sha256: "b4a50f70ba4c8b2c4fc9d9fda5500074dfadabcec6751c40e23c80ba5b323f11",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 40088,
    sha256: "f256573a1df83fb872365eac58931cc0c01dec9d180aa0cc3bc117150db5f5d8",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 76288,
    sha256: "da0e1cd2899b5a5de23d012f614633094bfc6cfd91bd89eb2c574de71b834d69",
  },
};
