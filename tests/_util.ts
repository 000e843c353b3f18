/**
 * Helpers shared by the test files: unique names, running python3 and child processes of the
 * current runtime. Node APIs only, so the suite runs unchanged on Deno, Node and Bun.
 * @module
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, unlinkSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** A fresh segment name no other test (or test run) uses. */
export function uniqueName(tag = "t"): string {
  return `npshm-test-${tag}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/**
 * Segments this test process (or its children, which get names from it) left in /dev/shm,
 * removed so one failure does not pile up; a test file asserts the list is empty at its end.
 */
export function sweepLeaks(): string[] {
  const mine = readdirSync("/dev/shm").filter((n) =>
    n.includes(`-${process.pid}-`) && n.startsWith("npshm-test-")
  );
  for (const n of mine) unlinkSync(shmPath(n));
  return mine;
}

/** Path of a segment in /dev/shm (Linux). */
export function shmPath(name: string): string {
  return `/dev/shm/${name}`;
}

/** Whether a segment of that name exists (Linux). */
export function shmExists(name: string): boolean {
  return existsSync(shmPath(name));
}

/** Runs python3 with `code`, passing `input` on stdin; returns stdout. Throws on failure. */
export function python(code: string, input = ""): string {
  return execFileSync("python3", ["-c", code], { input, encoding: "utf8", maxBuffer: 1 << 28 });
}

/** Path of a file next to the tests. */
export function testFile(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** Command line running `script` (a test fixture) with the current runtime. */
export function runtimeCommand(script: string, args: string[] = []): [string, string[]] {
  const path = testFile(script);
  if (isDeno) return [process.execPath, ["run", "-A", "--quiet", path, ...args]];
  return [process.execPath, [path, ...args]];
}

/** Runs a fixture to completion; returns {status, stdout, stderr}. */
export function runFixture(script: string, args: string[] = [], input?: string) {
  const [cmd, argv] = runtimeCommand(script, args);
  const r = spawnSync(cmd, argv, { input, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a fixture; resolves with {status, stdout, stderr} when it exits. */
export function startFixture(script: string, args: string[] = []) {
  const [cmd, argv] = runtimeCommand(script, args);
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
