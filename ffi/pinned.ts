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
export const STAMP = 0x13cb5396;

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
    sha256: "3fae4167fb0974aad89be7accfeb77d042dac256135b5dd173e03122a8de4032",
  },
  "darwin-x64": {
    file: "npshm-0.1.0-darwin-x64.dylib",
    size: 182928,
    sha256: "422f6effbdc323527150f5529d05862ea007b56e1c777fc701163ab787f1f4d9",
  },
  "linux-arm64": {
    file: "npshm-0.1.0-linux-arm64.so",
    size: 182016,
    sha256: "7be62f41810424ef82b4ccb02139e27c688b1b36b4a62d0682a9636568ce9e28",
  },
  "linux-x64": {
    file: "npshm-0.1.0-linux-x64.so",
    size: 40088,
    sha256: "72a596e07c19284b8cb425cd3f24e23b26c110f4d52744bd930fce338aefd75f",
  },
  "win32-x64": {
    file: "npshm-0.1.0-win32-x64.dll",
    size: 76288,
    sha256: "8b0c2cbabcae075fa5ca9b02e8fb5c808bf27597c0eafaa1ec416a2e79194f46",
  },
};
