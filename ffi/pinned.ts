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
export const STAMP = 0x4bc565bd;

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
    size: 188392,
    sha256: "5d3f65720f91817a1e4f6a94303e4e6aa6dd8a5f2f6a0d30d83b48f9dcca5a14",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 171576,
    sha256: "75a0b5020374470ab147ce57a8d161c3d283bc4c44e6b9b249a6e28c5b532614",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 177240,
    sha256: "2a0465c808c903057ed166f35f7b03a9afb571766e08f120aca3aa589f37fdaf",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 34816,
    sha256: "4e256f8e6f9c02f50a25f35802fed3cc606cad52f95e28c8903826179106bb47",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 61440,
    sha256: "3ac0315e4bee4d9c548e9afeeba0d703fb7d21b4b7ee6c3ce1c3244fb2370cd5",
  },
};
