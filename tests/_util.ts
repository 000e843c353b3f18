/**
 * Helpers shared by the test files: unique names, running python3 and child processes of the
 * current runtime. Node APIs only, so the suite runs unchanged on Deno, Node and Bun.
 * @module
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { isPersistent, removePersistent, segmentExists } from "../src/os/persist.ts";
import { registeredNames } from "../src/os/registry.ts";

// `deno test --parallel` runs every test file in one process, each with its own copy of this
// module: this tag keeps one file's sweepLeaks() off the live segments of the others.
const FILE_TAG = randomBytes(3).toString("hex");

/** A fresh segment name no other test (or test run) uses. */
export function uniqueName(tag = "t"): string {
  return `npshm-test-${tag}-${process.pid}-${FILE_TAG}-${randomBytes(4).toString("hex")}`;
}

/**
 * Segments this test process (or its children, which get names from it) left in /dev/shm
 * (Windows: persistent arrays), removed so one failure does not pile up; a test file asserts
 * the list is empty at its end.
 * Also removes, without reporting them, the test names of processes that no longer run: a run
 * killed midway (a timeout, Ctrl-C) cannot sweep its own.
 */
export function sweepLeaks(): string[] {
  if (process.platform === "win32") return sweepTestNames(persistentNames(), removePersistent);
  // Not Linux: names are not files (macOS has no /dev/shm)
  if (process.platform !== "linux") return [];
  return sweepTestNames(readdirSync("/dev/shm"), (n) => rmSync(shmPath(n), { force: true }));
}

// Windows: a mapping goes with its last handle, so what a test can leave is a persistent array
// (Wine also shows the host's /dev/shm as Z:\dev\shm: not ours).
function persistentNames(): string[] {
  return registeredNames().filter(isPersistent);
}

function sweepTestNames(names: string[], remove: (name: string) => unknown): string[] {
  const mine: string[] = [];
  for (const n of names) {
    if (!n.startsWith("npshm-test-")) continue;
    if (n.includes(`-${process.pid}-${FILE_TAG}-`)) mine.push(n);
    else {
      const pid = TEST_PID.exec(n)?.[1];
      if (pid !== undefined && !isRunning(Number(pid))) remove(n);
    }
  }
  for (const n of mine) remove(n);
  return mine;
}

// uniqueName's names, and names made from them: npshm-test-<tag>-<pid>-<file tag>-<random>...
const TEST_PID = /^npshm-test-.*-(\d+)-[0-9a-f]{6}-[0-9a-f]{8}/;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM"; // alive, another user's
  }
}

/**
 * The skip reason of a test whose NumPy side reads segments as the files /dev/shm/NAME: on
 * Windows a mapping is no file (Python would need `mmap(-1, size, tagname=NAME)`). `false`
 * elsewhere.
 */
export const NUMPY_READS_SHM_FILES: string | false = process.platform === "win32"
  ? "NumPy reads the segment as the file /dev/shm/NAME: a Windows mapping is no file"
  : false;

/**
 * The skip reason of a test of what POSIX names do and a Windows mapping does not (the Windows
 * behaviour is tested in "lifetimes on Windows", track.test.ts): `false` off Windows.
 *
 * @example
 * ```ts
 * import { test } from "node:test";
 * test("a /dev/shm file's mode", { skip: notOnWindows("mappings have no mode bits") }, () => {});
 * ```
 */
export function notOnWindows(why: string): string | false {
  return process.platform === "win32" ? `not on Windows: ${why}` : false;
}

/** Path of a segment in /dev/shm (Linux). */
export function shmPath(name: string): string {
  return `/dev/shm/${name}`;
}

/**
 * Whether a segment of that name exists: its /dev/shm file on Linux; on Windows, whether the
 * named mapping opens (looking holds it for the moment of the look only).
 */
export function shmExists(name: string): boolean {
  return process.platform === "win32" ? segmentExists(name) : existsSync(shmPath(name));
}

/** Runs python3 with `code`, passing `input` on stdin; returns stdout. Throws on failure. */
export function python(code: string, input = ""): string {
  return execFileSync("python3", ["-c", code], { input, encoding: "utf8", maxBuffer: 1 << 28 });
}

/** Path of a file next to the tests. */
export function testFile(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

/** The runtime running the tests: fixtures are started with the same one. */
export const runtime: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/**
 * Whether this run is against the shim's lock-file build (`NPSHM_LIB` set to
 * `native/build/<target>/lockfiles/...` by `tests/lockfiles.test.ts`): lock tokens as macOS
 * keeps them, where a few outcomes differ by design from Linux's OFD tokens.
 */
export const LOCK_FILES = process.env.NPSHM_TEST_LOCKFILES === "1";

/**
 * The largest ArrayBuffer this runtime makes over shared memory: 4 GiB on Bun, where larger
 * arrays are an UnsupportedError.
 */
export const maxViewBytes: number = runtime === "bun" ? 2 ** 32 : Number.MAX_SAFE_INTEGER;

// In the npm package's test build the tests are compiled to .js, and so are the fixtures.
const compiled = import.meta.url.endsWith(".js");

/** Path of a script of the tests, named by its .ts file, as this build has it (.js if compiled). */
export function scriptFile(script: string): string {
  return testFile(compiled ? script.replace(/\.ts$/, ".js") : script);
}

/** Options of {@link runtimeCommand}. */
export interface RuntimeOptions {
  /** Expose a `gc()` to the child (Node and Deno; Bun always has `Bun.gc`). */
  exposeGc?: boolean;
}

/** Command line running `script` (a test fixture, named by its .ts file) with the current runtime. */
export function runtimeCommand(
  script: string,
  args: string[] = [],
  options: RuntimeOptions = {},
): [string, string[]] {
  const path = scriptFile(script);
  const gc = options.exposeGc ? ["--expose-gc"] : [];
  switch (runtime) {
    case "deno":
      return [process.execPath, ["run", "-A", "--quiet", ...gcFlags(gc), path, ...args]];
    case "bun":
      return [process.execPath, [path, ...args]];
    default:
      return [process.execPath, [...gc, ...stripTypes(path), path, ...args]];
  }
}

function gcFlags(v8Flags: string[]): string[] {
  return v8Flags.length ? [`--v8-flags=${v8Flags.join(",")}`] : [];
}

/** Node 22.6 to 23.5 run .ts files only when asked; later ones do by default. */
function stripTypes(path: string): string[] {
  if (!path.endsWith(".ts")) return [];
  const [major, minor] = process.versions.node.split(".").map(Number);
  const byDefault = major > 23 || (major === 23 && minor >= 6);
  return byDefault ? [] : ["--experimental-strip-types"];
}

/** Runs a fixture to completion (killed after `timeout` ms); returns {status, stdout, stderr}. */
export function runFixture(script: string, args: string[] = [], input?: string, timeout = 120_000) {
  const [cmd, argv] = runtimeCommand(script, args);
  const r = spawnSync(cmd, argv, { input, encoding: "utf8", timeout });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a fixture; resolves with {status, stdout, stderr} when it exits. */
export function startFixture(script: string, args: string[] = [], options: RuntimeOptions = {}) {
  const [cmd, argv] = runtimeCommand(script, args, options);
  const child = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<
    { status: number | null; signal: string | null; stdout: string; stderr: string }
  >(
    (resolve) => child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Runs a command as user nobody (with `setpriv`; needs root): prefix its argv with this. */
export const AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];

/** A python3 that user nobody can run (pyenv's shims under /root are not), if we are root. */
export function nobodysPython(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return ["/usr/bin/python3", "/usr/local/bin/python3"].find((py) =>
    spawnSync(AS_NOBODY[0], [...AS_NOBODY.slice(1), py, "-c", "pass"]).status === 0
  );
}

/** Resolves once the child printed a line matching `line` (rejects if it exits first). */
export function waitForOutput(
  started: ReturnType<typeof startFixture>,
  line: RegExp,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    started.child.stdout.on("data", (d) => {
      seen += d;
      const m = line.exec(seen);
      if (m) resolve(m);
    });
    started.done.then((r) =>
      reject(new Error(`exited (${r.status ?? r.signal}) before printing ${line}: ${r.stderr}`))
    );
  });
}

/**
 * Deno's cache directory, for a child given a HOME of its own: Deno finds it through HOME when
 * DENO_DIR is unset, and would download everything again.
 */
export const denoDir = (): string => process.env.DENO_DIR ?? join(homedir(), ".cache", "deno");

/** Whether this process may make mount namespaces (`unshare -m`): root on Linux. */
export const canUnshare: boolean = process.platform === "linux" && process.getuid?.() === 0;

/**
 * Runs a fixture in a private mount namespace whose /dev/shm is a fresh tmpfs of `size` (e.g.
 * `"1m"`): a full /dev/shm for real, invisible to every other process. Needs {@link canUnshare}.
 */
export function runInSmallTmpfs(
  script: string,
  args: string[],
  size: string,
  timeout = 60_000,
) {
  const [cmd, argv] = runtimeCommand(script, args);
  return spawnInSmallTmpfs(cmd, argv, size, { timeout });
}

/** {@link runInSmallTmpfs} for any command: `cmd argv` sees a private /dev/shm of `size`. */
export function spawnInSmallTmpfs(
  cmd: string,
  argv: string[],
  size: string,
  options: { timeout?: number; env?: Record<string, string | undefined> } = {},
) {
  const quoted = [cmd, ...argv].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const sh = `mount -t tmpfs -o size=${size},mode=1777 tmpfs /dev/shm && exec ${quoted}`;
  return spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", sh], {
    encoding: "utf8",
    timeout: options.timeout ?? 60_000,
    env: options.env,
  });
}

/** Every N-d index of `shape` in C order. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  if (shape.some((n) => n === 0)) return;
  const idx = shape.map(() => 0);
  for (;;) {
    yield [...idx];
    let axis = shape.length - 1;
    while (axis >= 0 && ++idx[axis] === shape[axis]) idx[axis--] = 0;
    if (axis < 0) return;
  }
}

/** The part of Deno.test's options afterAll uses. */
interface DenoTest {
  name: string;
  fn: () => Promise<void>;
  sanitizeOps: boolean;
  sanitizeResources: boolean;
}

/**
 * `after(fn)`, except that it runs, and its failure fails the test file, on every runtime. Deno's
 * node:test runs no `after` hook at all in a file where a suite is skipped (Deno 2.9.6: a
 * skipped `describe` anywhere in the file, and the hook silently never runs), so there `fn` is
 * a test of its own, registered once the file has registered all of its tests: it runs last.
 * Call it at a file's top level (a `describe` body runs too late on Deno to add a test).
 */
export function afterAll(fn: () => unknown): void {
  if (runtime !== "deno") {
    after(fn);
    return;
  }
  // Typed here, not through Deno's global types: the npm package's tests compile without them.
  const deno = (globalThis as unknown as { Deno: { test(t: DenoTest): void } }).Deno;
  queueMicrotask(() => {
    deno.test({
      name: "after all of this file's tests",
      fn: async () => {
        await fn();
      },
      sanitizeOps: false,
      sanitizeResources: false,
    });
  });
}
