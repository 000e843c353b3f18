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
export const STAMP = 0x7a7efe50;

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
    size: 207624,
    sha256: "4ef868f756703972320ee50a60b9e52b043d335332e94f50839dbc3d407b7621",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182592,
    sha256: "3676273afc096f03245475b793dbcd626dc276f645d8b260a800588ff62357ac",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 181104,
    sha256: "bf43116e253df67ba04b15749ea9d2cd7d64a8d9e034fb19c3de56ccde963d13",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 39288,
    sha256: "af6b333085135ffc04d92dedb27e0cb4ed8597307d980b5d2f2049e387064077",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 74240,
    sha256: "1cff2d6f03ddb5aa858cf5eb957a005d3cc7eb4ad06689c1a819dbf7435010e4",
  },
};
