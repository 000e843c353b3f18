// `npshm fetch` and `npshm doctor`: the native library for operators (every runtime).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { build, startReleaseServer, target } from "./_release_server.ts";
import { afterAll, runFixture, runtimeCommand } from "./_util.ts";

const dir = mkdtempSync(join(tmpdir(), "npshm-cli-native-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI without blocking this process (the release server lives in it). */
function cliAsync(...args: string[]) {
  const [cmd, argv] = runtimeCommand("../cli.ts", args);
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  );
}

test("npshm fetch pre-fills a cache, verified; a second fetch downloads nothing", async () => {
  const server = await startReleaseServer();
  try {
    const cache = join(dir, "cache");
    const args = ["fetch", "--cache", cache, "--base-url", `${server.origin}/good`, "--json"];
    const first = await cliAsync(...args);
    assert.equal(first.status, 0, first.stderr);
    const path = JSON.parse(first.stdout)[target];
    assert.equal(path, join(cache, build.file));
    assert.ok(existsSync(path));
    assert.match(first.stderr, /verified \(sha256/);
    const again = await cliAsync(...args);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(server.requests.length, 1, "the intact cached file is kept");
  } finally {
    await server.close();
  }
});

test("npshm fetch: a tampered file fails (exit 1), an unknown target is bad usage", async () => {
  const server = await startReleaseServer();
  try {
    const cache = join(dir, "tampered");
    const r = await cliAsync("fetch", "--cache", cache, "--base-url", `${server.origin}/tampered`);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /npshm: fetch: .*sha256 is [0-9a-f]{64}, expected/);
    assert.ok(!existsSync(join(cache, build.file)));
  } finally {
    await server.close();
  }
  const bad = runFixture("../cli.ts", ["fetch", "--target", "plan9-mips"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown target plan9-mips/);
});

test("npshm doctor says which library loads and why, /dev/shm, limits and flags", () => {
  const r = runFixture("../cli.ts", ["doctor", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.target, target);
  assert.match(report.library.sha256, /^[0-9a-f]{64}$/);
  assert.ok(["NPSHM_LIB", "npm package", "local build", "cache"].includes(report.library.source));
  assert.equal(typeof report.why, "string");
  assert.ok(isAbsolute(report.library.path), report.library.path);
  assert.equal(report.maxNameBytes, 255);
  assert.ok(Array.isArray(report.stale));
  assert.ok(report.deno.load.includes("--allow-ffi"));
  assert.ok(report.deno.load.includes(`--allow-read=${report.cacheDir}`));
  const text = runFixture("../cli.ts", ["doctor"]);
  assert.ok(text.stdout.includes(`library       ${report.library.path}\n  because`), text.stdout);
  if (process.platform === "linux") {
    assert.ok(
      report.shm.size > 0 && report.shm.free <= report.shm.size,
      JSON.stringify(report.shm),
    );
    assert.match(text.stdout, /^\/dev\/shm +[\d.]+ [KMG]iB, [\d.]+ [KMG]iB free/m);
  } else {
    // Windows and macOS have no /dev/shm; the report says so rather than measuring a stray one.
    assert.match(report.shm, /^no \/dev\/shm: /);
  }
});
