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
export const STAMP = 0x5b11795d;

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
    size: 207192,
    sha256: "309c2b20a7113ddee68dc83f8c0936356c30546b1d15c6a12c7ba570e1096c4e",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182144,
    sha256: "77d9cbc8fd303792a1651f260ca919f6599d5711ba829d4270d647877562fc3d",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 179408,
    sha256: "52ca62ae56ec856a94e1584eeeba7df19b35bba63de68b1cd9d91b307e8a01ee",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 37480,
    sha256: "30095b7cfcb5509a57d7bdeb6cb2c8372b5765885908bc198907594eca00defe",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 72704,
    sha256: "a9cce00fc47c7c643df50b66ea28647e9a000cc628bfe58dd3e27490c504729c",
  },
};
