/**
 * The shim's sources, their build stamp, and the file that pins both for the loader:
 * `ffi/pinned.ts`. `native/build.ts` compiles the stamp into every library it makes (and keeps
 * the pinned stamp current); `scripts/release.ts` also writes the sha256 of each release build
 * there.
 *
 * The stamp is a hash of every `npshm*.c` and `*.h` file of `native/` and of npshm's version: a
 * change to any of them (a signature, a behaviour, a comment) makes another stamp, so a library
 * built from other sources is refused at load instead of running today's TypeScript against
 * yesterday's C.
 *
 * @example
 * ```ts
 * import { shimStamp } from "./pins.ts";
 * console.log((await shimStamp()).toString(16)); // e.g. "5e3a1b2c"
 * ```
 * @module
 */

const HERE = import.meta.dirname ?? ".";
const ROOT = `${HERE}/..`;
/** Where the pins live, for the loader to import. */
export const PINNED_FILE = `${ROOT}/ffi/pinned.ts`;

/** One release build: its file name under the base URL, its size in bytes and its sha256. */
export interface PinnedBuild {
  file: string;
  size: number;
  sha256: string;
}

/** What `ffi/pinned.ts` holds. */
export interface Pins {
  /** npshm's version the stamp was computed with. */
  version: string;
  /** The build stamp of the sources (`npshm_abi_version()` of the library). */
  stamp: number;
  /** The release builds by target (`linux-x64`, ...). */
  builds: Record<string, PinnedBuild>;
}

/**
 * The shim's sources: every `npshm*.c` and `*.h` in `native/` (one C file per system job
 * family), sorted so builds and stamps are reproducible.
 *
 * @example
 * ```ts
 * await shimSources(); // [".../npshm.c", ".../npshm.h", ...]
 * ```
 */
export async function shimSources(): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(HERE)) {
    if (e.isFile && (/^npshm.*\.c$/.test(e.name) || e.name.endsWith(".h"))) names.push(e.name);
  }
  return names.sort().map((n) => `${HERE}/${n}`);
}

/**
 * npshm's version, from `deno.json` (a test keeps `VERSION` in the sources equal to it).
 *
 * @example
 * ```ts
 * await packageVersion(); // "0.1.0"
 * ```
 */
export async function packageVersion(): Promise<string> {
  return JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).version;
}

/**
 * The hex sha256 of some bytes.
 *
 * @example
 * ```ts
 * await sha256Hex(new Uint8Array()); // "e3b0c442..."
 * ```
 */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The build stamp of the current sources and version: 31 bits of a sha256 over the version
 * and each source's name and text (line ends normalized, so a Windows checkout agrees). Never
 * 0 (a hand build) nor 1 (libraries made before the stamp).
 *
 * @example
 * ```ts
 * const stamp = await shimStamp(); // passed as -DNPSHM_ABI_VERSION=<stamp>
 * ```
 */
export async function shimStamp(): Promise<number> {
  let text = `npshm ${await packageVersion()}\n`;
  for (const path of await shimSources()) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    text += `${name}\0${(await Deno.readTextFile(path)).replaceAll("\r\n", "\n")}\0`;
  }
  const hex = await sha256Hex(new TextEncoder().encode(text));
  const stamp = parseInt(hex.slice(0, 8), 16) & 0x7fffffff;
  return stamp > 1 ? stamp : 0x7fffffff;
}

/**
 * The pins now in `ffi/pinned.ts`.
 *
 * @example
 * ```ts
 * const { stamp, builds } = await readPins();
 * ```
 */
export async function readPins(): Promise<Pins> {
  const url = new URL(`file://${PINNED_FILE}`);
  url.searchParams.set("t", String(Date.now())); // the file may have changed since import
  const m = await import(url.href);
  return { version: m.PINNED_VERSION, stamp: m.STAMP, builds: { ...m.RELEASE } };
}

/**
 * The text of `ffi/pinned.ts` for `pins`, formatted as `deno fmt` leaves it.
 *
 * @example
 * ```ts
 * renderPins({ version: "0.1.0", stamp: 0x1234, builds: {} });
 * ```
 */
export function renderPins(pins: Pins): string {
  const rows = Object.keys(pins.builds).sort().map((target) => {
    const b = pins.builds[target];
    return `  "${target}": {\n    file: "${b.file}",\n    size: ${b.size},\n` +
      `    sha256: "${b.sha256}",\n  },\n`;
  }).join("");
  return `/**
 * What this copy of npshm accepts as its native library. Written by \`deno task release\` (the
 * stamp also by \`deno task build\`): do not edit. A fresh release build must reproduce these
 * bytes (\`deno task release --check\`, run by CI).
 *
 * @example
 * \`\`\`ts
 * import { RELEASE, STAMP } from "./pinned.ts";
 * console.log(STAMP, RELEASE["linux-x64"]?.sha256);
 * \`\`\`
 * @module
 */

/** The npshm version the stamp and the builds belong to. */
export const PINNED_VERSION = "${pins.version}";

/** The build stamp of the shim's sources: what \`npshm_abi_version()\` must return. */
export const STAMP = 0x${pins.stamp.toString(16).padStart(8, "0")};

/** A release build of the shim: its file under the base URL, its size and its sha256. */
export interface ReleaseBuild {
  /** The file name under the release base URL (and in the cache). */
  readonly file: string;
  /** Its size in bytes. */
  readonly size: number;
  /** Its sha256, lower-case hex. */
  readonly sha256: string;
}

/** The release builds of the shim, by target (\`<os>-<arch>\` as Node names them). */
export const RELEASE: Readonly<Record<string, ReleaseBuild>> = {${rows ? `\n${rows}` : ""}};
`;
}

/**
 * Writes `pins` to `ffi/pinned.ts` if that changes it; returns whether it did.
 *
 * @example
 * ```ts
 * await writePins({ ...(await readPins()), stamp: await shimStamp() });
 * ```
 */
export async function writePins(pins: Pins): Promise<boolean> {
  const text = renderPins(pins);
  const old = await Deno.readTextFile(PINNED_FILE).catch(() => "");
  if (old === text) return false;
  await Deno.writeTextFile(PINNED_FILE, text);
  return true;
}
