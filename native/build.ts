/**
 * Builds the npshm native shim: `native/npshm*.c` into `native/build/<target>/libnpshm.so`
 * (`npshm.dll` on win32, `libnpshm.dylib` on darwin), and its C test program
 * `native/build/<target>/test_shim[.exe]`, both stamped with the sources' build stamp
 * (`native/pins.ts`), which it also pins in `ffi/pinned.ts`. Skips an output whose inputs (the
 * compiler, its arguments, the stamp and every source's bytes) are those it was last built
 * from.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-run --allow-env native/build.ts \
 *   [--target linux-x64|linux-arm64|win32-x64] [--test] [--help]
 * ```
 *
 * On Linux it also builds `native/build/<target>/lockfiles/libnpshm.so`, the shim with
 * `-DNPSHM_LOCKFILES`: lock tokens as macOS keeps them, in lock files (`npshm_sync_darwin.c`), so
 * that the test suite runs that protocol here (`tests/lockfiles.test.ts`, with `NPSHM_LIB`).
 *
 * `--test` runs the test program: directly for the host, under `qemu-aarch64` for
 * linux-arm64 and `wine` for win32-x64 when those are installed. `CC` overrides the host
 * compiler. Exit status: 0 done, 1 the build or a test failed, 2 bad arguments (with a usage
 * line on stderr).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { packageVersion, readPins, sha256Hex, shimSources, shimStamp, writePins } from "./pins.ts";

const HERE = import.meta.dirname ?? ".";
/** Warnings as errors: every C file of the project builds with these. */
export const STRICT = ["-std=c11", "-Wall", "-Wextra", "-Werror"];

/**
 * What Linux shims are linked with:
 * - `-z now`: every symbol bound at load, since the reaper drops the memory it inherited, the
 *   loader's records of lazy bindings among it (native/npshm_reaper.c);
 * - librt for shm_open, libdl for the dlopen that keeps the shim loaded (native/npshm_pin.c):
 *   glibc before 2.34, which release builds target, has them in libraries of their own.
 */
export const LINUX_LINK = ["-Wl,-z,now", "-lrt", "-ldl"];

/** How to build for one target: compiler, the Debian package that has it, output names. */
interface Target {
  cc: string;
  pkg: string;
  os: string;
  lib: string;
  exe: string;
  run: string[];
  runPkg: string;
}

/**
 * The target this machine is, e.g. `linux-x64`, `linux-arm64`, `darwin-arm64`, `win32-x64`.
 *
 * @example
 * ```ts
 * console.log(hostTarget()); // "linux-x64"
 * ```
 */
export function hostTarget(): string {
  const os = ({ windows: "win32" } as Record<string, string>)[Deno.build.os] ?? Deno.build.os;
  const arch = ({ x86_64: "x64", aarch64: "arm64" } as Record<string, string>)[Deno.build.arch];
  return `${os}-${arch ?? Deno.build.arch}`;
}

type Cross = Pick<Target, "cc" | "pkg" | "run" | "runPkg">;
const CROSS: Record<string, Cross> = {
  "linux-x64": { cc: "x86_64-linux-gnu-gcc", pkg: "gcc-x86-64-linux-gnu", run: [], runPkg: "" },
  "linux-arm64": {
    cc: "aarch64-linux-gnu-gcc",
    pkg: "gcc-aarch64-linux-gnu",
    run: ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"],
    runPkg: "qemu-user",
  },
  "win32-x64": {
    cc: "x86_64-w64-mingw32-gcc",
    pkg: "gcc-mingw-w64-x86-64",
    run: ["wine"],
    runPkg: "wine64",
  },
};

function targetOf(name: string): Target {
  const os = name.split("-")[0];
  const lib = { linux: "libnpshm.so", darwin: "libnpshm.dylib", win32: "npshm.dll" }[os];
  if (!lib) throw new Error(`unknown target ${name}: use e.g. linux-x64, linux-arm64, win32-x64`);
  const exe = os === "win32" ? "test_shim.exe" : "test_shim";
  if (name === hostTarget()) {
    const cc = Deno.env.get("CC") || (os === "win32" ? "gcc" : "cc");
    return { cc, pkg: "gcc", os, lib, exe, run: [], runPkg: "gcc" };
  }
  const cross = CROSS[name];
  if (!cross) throw new Error(`cannot cross-compile for ${name} from ${hostTarget()}`);
  return { ...cross, os, lib, exe };
}

/** What an output is made from: the command line and every source's bytes, hashed. */
async function inputsKey(command: string[], sources: string[]): Promise<string> {
  const parts = [command.join("\0")];
  for (const s of sources) parts.push(s, await Deno.readTextFile(s));
  return await sha256Hex(new TextEncoder().encode(parts.join("\0")));
}

/** Whether `out` exists and was built from `key` (recorded beside it in `<out>.inputs`). */
async function upToDate(out: string, key: string): Promise<boolean> {
  try {
    await Deno.stat(out);
    return (await Deno.readTextFile(`${out}.inputs`)) === key;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Runs a program with inherited output; a missing program names the package to install. */
async function run(cmd: string[], pkg: string): Promise<void> {
  let status: Deno.CommandStatus;
  try {
    status = await new Deno.Command(cmd[0], { args: cmd.slice(1) }).spawn().status;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    throw new Error(
      `${cmd[0]} not found: install the Debian package ${pkg} (apt-get install ${pkg})`,
    );
  }
  if (!status.success) throw new Error(`${cmd.join(" ")} failed with exit code ${status.code}`);
}

async function compile(t: Target, out: string, args: string[], sources: string[]) {
  const libs = t.os === "linux" ? LINUX_LINK : t.os === "win32" ? ["-static-libgcc"] : [];
  const command = [t.cc, ...args, "-o", out, ...sources.filter((s) => s.endsWith(".c")), ...libs];
  const key = await inputsKey(command, sources);
  if (await upToDate(out, key)) return;
  await Deno.remove(`${out}.inputs`).catch(() => {});
  await run(command, t.pkg);
  await Deno.writeTextFile(`${out}.inputs`, key);
}

/**
 * The stamp of the current sources, written to `ffi/pinned.ts` if it is not the pinned one
 * (the sha256 of the release builds stay as they are: `deno task release` re-pins those).
 */
async function pinStamp(): Promise<number> {
  const [stamp, version, pins] = await Promise.all([shimStamp(), packageVersion(), readPins()]);
  if (await writePins({ ...pins, stamp, version })) {
    console.error(
      `native build: pinned the new stamp ${stamp.toString(16)} in ffi/pinned.ts; ` +
        "run `deno task release` to pin the release builds too",
    );
  }
  return stamp;
}

/**
 * Compiles the shim and its test program for `target` (default: this machine) and returns
 * the library's path.
 *
 * @example
 * ```ts
 * import { buildNative } from "./build.ts";
 * const lib = await buildNative(); // e.g. ".../native/build/linux-x64/libnpshm.so"
 * ```
 */
export async function buildNative(target: string = hostTarget()): Promise<string> {
  const t = targetOf(target);
  const dir = `${HERE}/build/${target}`;
  await Deno.mkdir(dir, { recursive: true });
  const sources = await shimSources();
  const stamp = `-DNPSHM_ABI_VERSION=${await pinStamp()}`;
  const test = `${HERE}/test_shim.c`;
  const lib = `${dir}/${t.lib}`;
  const pic = t.os === "win32" ? [] : ["-fPIC"];
  const libArgs = ["-O2", "-shared", ...pic, ...STRICT, stamp, "-fvisibility=hidden"];
  await compile(t, lib, libArgs, sources);
  if (t.os === "linux") {
    await Deno.mkdir(`${dir}/lockfiles`, { recursive: true });
    await compile(t, `${dir}/lockfiles/${t.lib}`, [...libArgs, "-DNPSHM_LOCKFILES"], sources);
  }
  const testArgs = ["-O2", ...STRICT, stamp, "-DNPSHM_TESTING"];
  await compile(t, `${dir}/${t.exe}`, testArgs, [test, ...sources]);
  return lib;
}

/**
 * Builds for `target` and runs its test program, natively or under its emulator.
 *
 * @example
 * ```ts
 * await testNative("win32-x64"); // needs wine
 * ```
 */
export async function testNative(target: string = hostTarget()): Promise<void> {
  await buildNative(target);
  const t = targetOf(target);
  await run([...t.run, `${HERE}/build/${target}/${t.exe}`], t.runPkg);
}

/** What the command line asks for. */
interface Request {
  target: string;
  test: boolean;
  help: boolean;
}

function usage(): string {
  const targets = [...new Set([hostTarget(), ...Object.keys(CROSS)])].join("|");
  return `usage: build.ts [--target ${targets}] [--test] [--help]`;
}

function help(): string {
  return [
    usage(),
    `Builds the native shim and its C test program for --target (default ${hostTarget()}).`,
    "--test also runs the test program (under qemu-aarch64 or wine for those targets).",
    "CC overrides the host compiler.",
  ].join("\n");
}

/** Throws on anything but the options above, and on a target this machine cannot build. */
function parseCommandLine(args: string[]): Request {
  const { values } = parseArgs({
    args,
    options: {
      target: { type: "string", default: hostTarget() },
      test: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  targetOf(values.target); // a target it cannot build is a bad argument, not a failed build
  return values;
}

if (import.meta.main) {
  let request: Request;
  try {
    request = parseCommandLine(Deno.args);
  } catch (e) {
    // parseArgs explains an ambiguous value over several lines; the usage line says the rest.
    console.error(`native build: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
    console.error(usage());
    Deno.exit(2);
  }
  if (request.help) {
    console.log(help());
    Deno.exit(0);
  }
  try {
    console.log(await buildNative(request.target));
    if (request.test) await testNative(request.target);
  } catch (e) {
    console.error(`native build: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
