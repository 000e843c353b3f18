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
export const STAMP = 0x4817020b;

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
    size: 207400,
    sha256: "695a9d1565d920a8a94cf5bb16fb5bdfbfb32df4071995cf044c5adbd7278dc3",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182352,
    sha256: "e4a9cf9d36ad79fb421cf9755c7a7a60d4e8d2e5563b18b07683d211dbb955d1",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 179744,
    sha256: "ce5148541ad00f8fe7730e24f256e79e0d93b1f021720dcae40a1ee3556196e0",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 37800,
    sha256: "9c58da75e26a87da2265645fd8fb65bbd1f644fb20a2c9850e2f88212fd2bc97",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 72704,
    sha256: "3cc3d0e0c9207bae7e0bc8eb7e6849e49a98d9ae75e7f4956e1c6a3af5f4e47b",
  },
};
