/**
 * Builds the npm package of npshm into `npm/` (what dnt would do, with what the npm registry
 * has): compiles the TypeScript sources with `typescript` to ESM `.js` + `.d.ts` that Node 22
 * runs (`using` downleveled), writes `package.json`, copies README/LICENSE, puts the release
 * builds of the native library (`scripts/release.ts`: linux-x64, linux-arm64, darwin-x64,
 * darwin-arm64, win32-x64; checked against the sha256 pinned in `ffi/pinned.ts`) in
 * `native/<target>/`, and packs
 * it with `npm pack`. The test suite is compiled alongside into `npm/test/` (not packed), with
 * its imports pointing at the installed package, for `scripts/matrix.ts` to run against the
 * tarball as a consumer installs it.
 *
 * ```sh
 * deno run -A scripts/build_npm.ts [--test-native]
 * ```
 *
 * `--test-native` also runs the shim's C test program for every target (under qemu-aarch64
 * and wine). Needs `npm` and `node` on PATH; installs the build tools
 * (`scripts/tools/package.json`) with `npm ci` when they are missing.
 *
 * @module
 */
import { libraryFile } from "../ffi/environment.ts";
import { testNative } from "../native/build.ts";
import { readPins, shimStamp } from "../native/pins.ts";
import { release, RELEASE_TARGETS } from "./release.ts";
import { ensureTools, TOOLS } from "./tools.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const OUT = `${ROOT}/npm`;
const STAGE = `${OUT}/.stage`;

/** The package's name on npm. */
export const PACKAGE_NAME = "npshm";

/** The modules at the top of the sources: the library, and the `npshm` command. */
export const ENTRIES = ["mod", "cli"] as const;

/** The targets whose C test program runs here (natively, under qemu-aarch64, under wine). */
export const TARGETS = ["linux-x64", "linux-arm64", "win32-x64"] as const;

/** The targets whose native library ships inside the package: every release build. */
export const PACKAGED_TARGETS: readonly string[] = Object.keys(RELEASE_TARGETS);

/** What {@link buildNpm} made. */
export interface NpmBuild {
  /** The package version (from deno.json). */
  version: string;
  /** The packed tarball. */
  tarball: string;
  /** The compiled test suite (`tests/` in it), to copy into a consumer project. */
  testDir: string;
}

/** Runs a command (inherited output); throws with its name if it fails. */
export async function run(
  cmd: string[],
  cwd = ROOT,
  env?: Record<string, string>,
) {
  const status = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd,
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) {
    throw new Error(`${cmd.join(" ")} failed with exit code ${status.code}`);
  }
}

// tsc type-checks ffi/deno.ts too: these are the few Deno APIs it uses (the real ones come
// with Deno, which `deno task check` uses for the same files).
const DENO_GLOBALS = `
declare namespace Deno {
  type NativeType = "i32" | "u32" | "i64" | "u64" | "buffer" | "void";
  interface ForeignFunction {
    parameters: readonly NativeType[];
    result: NativeType;
    name?: string;
    nonblocking?: boolean;
    optional?: boolean;
  }
  type ForeignLibraryInterface = Record<string, ForeignFunction>;
  type Call<F> = F extends { nonblocking: true } ? (...args: any[]) => Promise<any>
    : (...args: any[]) => any;
  interface DynamicLibrary<S extends ForeignLibraryInterface> {
    symbols: { [K in keyof S]: Call<S[K]> };
    close(): void;
  }
  function dlopen<S extends ForeignLibraryInterface>(path: string, symbols: S): DynamicLibrary<S>;
  type PointerObject = { readonly __pointer: unique symbol };
  const UnsafePointer: { create(value: bigint): PointerObject | null };
  const UnsafePointerView: {
    getArrayBuffer(pointer: PointerObject, byteLength: number, offset?: number): ArrayBuffer;
  };
}
`;

async function compile(): Promise<void> {
  await Deno.remove(STAGE, { recursive: true }).catch(() => {});
  await Deno.mkdir(STAGE, { recursive: true });
  await Deno.writeTextFile(`${STAGE}/deno_globals.d.ts`, DENO_GLOBALS);
  const files = [
    ...ENTRIES.map((e) => `${ROOT}/${e}.ts`),
    `${ROOT}/ffi/waiter_worker.ts`, // no module imports it: waiters.ts starts workers on it
    `${STAGE}/deno_globals.d.ts`,
  ];
  for (const dir of ["tests", "tests/fixtures", "tests/adversarial"]) {
    for await (const e of Deno.readDir(`${ROOT}/${dir}`)) {
      if (e.isFile && e.name.endsWith(".ts")) {
        files.push(`${ROOT}/${dir}/${e.name}`);
      }
    }
  }
  const tsconfig = {
    compilerOptions: {
      target: "ES2022", // Node 22; `using` is downleveled
      module: "ES2022",
      moduleResolution: "Bundler",
      lib: ["ES2024", "ESNext.Disposable", "ESNext.Float16"],
      types: ["node"],
      typeRoots: [`${TOOLS}/node_modules/@types`],
      strict: true,
      declaration: true,
      rewriteRelativeImportExtensions: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      rootDir: ROOT,
      outDir: `${STAGE}/out`,
      newLine: "lf",
    },
    files,
  };
  await Deno.writeTextFile(
    `${STAGE}/tsconfig.json`,
    JSON.stringify(tsconfig, null, 2),
  );
  await run([
    "node",
    `${TOOLS}/node_modules/typescript/bin/tsc`,
    "-p",
    `${STAGE}/tsconfig.json`,
  ]);
}

async function copyTree(
  from: string,
  to: string,
  keep: (name: string) => boolean,
) {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) {
      await copyTree(`${from}/${e.name}`, `${to}/${e.name}`, keep);
    } else if (keep(e.name)) {
      await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
    }
  }
}

/** Points a compiled test's imports at the installed package instead of the sources. */
export function rewriteTestImports(js: string, depth: number): string {
  const up = "../".repeat(depth);
  const relative = /(from |import\()(["'])((?:\.\.\/)+)([\w./-]+\.js)\2/g;
  return js.replaceAll(relative, (match, keyword, quote, ups, rest) => {
    if (ups !== up) return match; // stays inside tests/
    const target = rest === "mod.js"
      ? PACKAGE_NAME
      : `${up}node_modules/${PACKAGE_NAME}/esm/${rest}`;
    return `${keyword}${quote}${target}${quote}`;
  });
}

/** tsc keeps `.ts` in the relative imports of `.d.ts` files: point them at the `.js` files. */
async function rewriteDeclarations(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) await rewriteDeclarations(path);
    else if (e.name.endsWith(".d.ts")) {
      const text = await Deno.readTextFile(path);
      await Deno.writeTextFile(
        path,
        text.replaceAll(/(["'])(\.\.?\/[\w./-]+)\.ts\1/g, "$1$2.js$1"),
      );
    }
  }
}

async function writeTests(): Promise<string> {
  const testDir = `${OUT}/test`;
  const compiled = `${STAGE}/out/tests`;
  await copyTree(compiled, `${testDir}/tests`, (n) => n.endsWith(".js"));
  for (
    const [dir, depth] of [["tests", 1], ["tests/fixtures", 2], ["tests/adversarial", 2]] as const
  ) {
    for await (const e of Deno.readDir(`${testDir}/${dir}`)) {
      if (!e.isFile || !e.name.endsWith(".js")) continue;
      const path = `${testDir}/${dir}/${e.name}`;
      await Deno.writeTextFile(
        path,
        rewriteTestImports(await Deno.readTextFile(path), depth),
      );
    }
  }
  await copyTree(
    `${ROOT}/tests/python`,
    `${testDir}/tests/python`,
    (n) => n.endsWith(".py"),
  );
  return testDir;
}

async function copyIfPresent(from: string, to: string): Promise<boolean> {
  try {
    await Deno.copyFile(from, to);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Builds every release target and copies them into the package, failing unless they are the
 * pinned bytes: the package carries exactly what the loader would download.
 */
async function packageLibraries(): Promise<void> {
  const built = `${STAGE}/release`;
  const builds = await release([...PACKAGED_TARGETS], built, await shimStamp());
  const pins = await readPins();
  for (const [target, b] of Object.entries(builds)) {
    if (pins.builds[target]?.sha256 !== b.sha256) {
      throw new Error(
        `the ${target} build is not the one pinned in ffi/pinned.ts: run \`deno task release\``,
      );
    }
    const dir = `${OUT}/native/${target}`;
    await Deno.mkdir(dir, { recursive: true });
    await Deno.copyFile(`${built}/${b.file}`, `${dir}/${libraryFile(target)}`);
  }
}

async function writePackage(version: string): Promise<void> {
  const out = `${STAGE}/out`;
  await copyTree(
    out,
    `${OUT}/esm`,
    (n) => n.endsWith(".js") || n.endsWith(".d.ts"),
  );
  await Deno.remove(`${OUT}/esm/tests`, { recursive: true });
  await rewriteDeclarations(`${OUT}/esm`);
  const cli = `${OUT}/esm/cli.js`;
  await Deno.writeTextFile(
    cli,
    `#!/usr/bin/env node
${await Deno.readTextFile(cli)}`,
  );
  await Deno.chmod(cli, 0o755);
  const koffi = JSON.parse(
    await Deno.readTextFile(`${TOOLS}/node_modules/koffi/package.json`),
  ).version;
  const files = ["esm/", "native/"];
  for (const doc of ["README.md", "LICENSE"]) {
    if (await copyIfPresent(`${ROOT}/${doc}`, `${OUT}/${doc}`)) files.push(doc);
  }
  const licenseText = await Deno.readTextFile(`${ROOT}/LICENSE`).catch(() => "");
  const license = licenseText.startsWith("MIT License")
    ? "MIT"
    : licenseText
    ? "SEE LICENSE IN LICENSE"
    : "UNLICENSED";
  await packageLibraries();
  const pkg = {
    name: PACKAGE_NAME,
    version,
    description: "Named, zero-copy, N-dimensional typed arrays in shared memory, " +
      "byte-compatible with NumPy, for Node, Bun and Deno",
    keywords: [
      "shared memory",
      "shm",
      "numpy",
      "npy",
      "ndarray",
      "typed array",
      "ipc",
      "mmap",
    ],
    license,
    type: "module",
    main: "./esm/mod.js",
    types: "./esm/mod.d.ts",
    exports: {
      ".": { types: "./esm/mod.d.ts", default: "./esm/mod.js" },
      "./package.json": "./package.json",
    },
    bin: { npshm: "./esm/cli.js" },
    files,
    engines: { node: ">=22", bun: ">=1.1", deno: ">=2" },
    // koffi is how Node calls the native library; Bun and Deno have their own FFI.
    dependencies: { koffi: `^${koffi}` },
  };
  await Deno.writeTextFile(
    `${OUT}/package.json`,
    JSON.stringify(pkg, null, 2) + "\n",
  );
}

/**
 * Builds, packs and returns the tarball's path and the compiled tests.
 *
 * @example
 * ```ts
 * const { tarball } = await buildNpm();
 * ```
 */
export async function buildNpm(
  options: { testNative?: boolean } = {},
): Promise<NpmBuild> {
  const version = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`))
    .version as string;
  await ensureTools();
  if (options.testNative) {
    for (const target of TARGETS) await testNative(target);
  }
  await Deno.remove(OUT, { recursive: true }).catch(() => {});
  await compile();
  await writePackage(version);
  const testDir = await writeTests();
  await Deno.remove(STAGE, { recursive: true });
  await run(["npm", "pack", "--silent", "--pack-destination", OUT], OUT);
  const tarball = `${OUT}/${PACKAGE_NAME}-${version}.tgz`;
  await Deno.stat(tarball);
  return { version, tarball, testDir };
}

if (import.meta.main) {
  try {
    const { tarball, testDir } = await buildNpm({
      testNative: Deno.args.includes("--test-native"),
    });
    console.log(`npm package: ${tarball}\ncompiled tests: ${testDir}/tests`);
  } catch (e) {
    console.error(`build_npm: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
