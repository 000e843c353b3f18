// The real user path on Deno: a script imports mod.ts over http from a loopback server that
// serves the source tree, with no local build in reach, and the loader fetches, verifies and
// caches the release build. Each run is a `deno run` subprocess with a fresh DENO_DIR and
// the permission flags the README gives. Deno only: it tests Deno's loader and permissions
// (tests/fetch.test.ts covers the download and the cache on every runtime).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { build, type ReleaseServer, startReleaseServer } from "./_release_server.ts";
import { afterAll, python, runtime, sweepLeaks, testFile, uniqueName } from "./_util.ts";

const skip = (runtime !== "deno" || import.meta.url.endsWith(".js")) &&
  "tests Deno's loader from the sources (Deno only)";
const ROOT = testFile("..");
const ENV_FLAG = "--allow-env=NPSHM_LIB,NPSHM_CACHE,NPSHM_BASE_URL,NPSHM_FETCH_TIMEOUT,DENO_DIR";
const dirs: string[] = [];
const names: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const n of names) rmSync(`/dev/shm/${n}`, { force: true });
  assert.deepEqual(sweepLeaks(), []);
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "npshm-loader-"));
  dirs.push(d);
  return d;
}

/** A user's script that imports npshm from `origin` and makes the array `name`. */
function userScript(dir: string, origin: string): string {
  const path = join(dir, "user.ts");
  writeFileSync(
    path,
    `import { createSharedArray, nativeLibrary } from "${origin}/mod.ts";
const a = createSharedArray(Deno.args[0], { shape: [2, 3], dtype: "float64", fill: 1.5, force: true });
a.set([1, 2], 42);
a.close();
console.log(JSON.stringify(nativeLibrary()));
`,
  );
  return path;
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `deno run` of `script` with these flags and environment, killed after 2 minutes. */
function denoRun(script: string, flags: string[], env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, ["run", "--no-prompt", ...flags, script, ...args], {
    env: { ...process.env, NPSHM_LIB: "", NPSHM_CACHE: "", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  return new Promise<Ran>((resolve) =>
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    })
  );
}

/** A fresh user: DENO_DIR, cache (its default place in DENO_DIR) and script. */
function freshUser(server: ReleaseServer) {
  const dir = scratch();
  const denoDir = join(dir, "deno");
  const cache = join(denoDir, "npshm");
  const host = new URL(server.origin).host;
  const loadFlags = [`--allow-import=${host}`, ENV_FLAG, `--allow-read=${cache}`, "--allow-ffi"];
  const fetchFlags = [...loadFlags, `--allow-net=${host}`, `--allow-write=${cache}`];
  return {
    dir,
    denoDir,
    cache,
    host,
    loadFlags,
    fetchFlags,
    script: userScript(dir, server.origin),
  };
}

/** Every file under `dir` (none if it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).map((e) => e.name);
}

test("first run fetches, verifies and works; numpy reads the array; the second run is offline", {
  skip,
}, async () => {
  const server = await startReleaseServer(ROOT);
  const u = freshUser(server);
  const name = uniqueName("remote");
  names.push(name);
  const env = { DENO_DIR: u.denoDir, NPSHM_BASE_URL: `${server.origin}/good` };
  const first = await denoRun(u.script, u.fetchFlags, env, [name]);
  assert.equal(first.status, 0, first.stderr);
  const info = JSON.parse(first.stdout);
  assert.equal(info.source, "cache");
  assert.equal(info.sha256, build.sha256);
  assert.match(info.path, new RegExp(`^${u.cache}/\\d+\\.\\d+\\.\\d+/${build.file}$`));
  assert.match(first.stderr, /npshm: downloading .* verified \(sha256/s);
  const seen = python(
    `import numpy as np; a = np.load("/dev/shm/${name}", mmap_mode="r"); ` +
      `print(a.dtype, a.shape, a[0, 0], a[1, 2])`,
  );
  assert.equal(seen.trim(), "float64 (2, 3) 1.5 42.0");
  await server.close();
  // Server gone: modules from DENO_DIR, the library from the cache; no net, no write.
  const second = await denoRun(u.script, u.loadFlags, env, [name]);
  assert.equal(second.status, 0, second.stderr);
  assert.equal(JSON.parse(second.stdout).path, info.path);
  assert.doesNotMatch(second.stderr, /downloading/);
});

test("a tampered library is refused, naming both hashes, and nothing is cached", {
  skip,
}, async () => {
  const server = await startReleaseServer(ROOT);
  try {
    const u = freshUser(server);
    const env = { DENO_DIR: u.denoDir, NPSHM_BASE_URL: `${server.origin}/tampered` };
    const r = await denoRun(u.script, u.fetchFlags, env, [uniqueName("tampered")]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /NativeLibraryError/);
    assert.match(r.stderr, new RegExp(`sha256 is [0-9a-f]{64}, expected ${build.sha256}`));
    assert.deepEqual(filesUnder(u.cache), []);
  } finally {
    await server.close();
  }
});

test("truncated and stalled downloads time out and cache nothing", { skip }, async () => {
  const server = await startReleaseServer(ROOT);
  try {
    for (const how of ["truncated", "stalled"]) {
      const u = freshUser(server);
      const env = {
        DENO_DIR: u.denoDir,
        NPSHM_BASE_URL: `${server.origin}/${how}`,
        NPSHM_FETCH_TIMEOUT: "2",
      };
      const r = await denoRun(u.script, u.fetchFlags, env, [uniqueName(how)]);
      assert.notEqual(r.status, 0, how);
      assert.match(r.stderr, /timed out after 2 s downloading/, how);
      assert.deepEqual(filesUnder(u.cache), [], how);
    }
  } finally {
    await server.close();
  }
});

test("4 first runs at once all succeed and leave one file", { skip }, async () => {
  const server = await startReleaseServer(ROOT);
  try {
    const cache = join(scratch(), "shared-cache");
    const runs = [0, 1, 2, 3].map(() => {
      const u = freshUser(server);
      const flags = [...u.fetchFlags, `--allow-read=${cache}`, `--allow-write=${cache}`];
      const env = {
        DENO_DIR: u.denoDir,
        NPSHM_CACHE: cache,
        NPSHM_BASE_URL: `${server.origin}/slow`,
      };
      const name = uniqueName("concurrent");
      names.push(name);
      return denoRun(u.script, flags, env, [name]);
    });
    for (const r of await Promise.all(runs)) assert.equal(r.status, 0, r.stderr);
    assert.equal(server.requests.filter((p) => p.endsWith(build.file)).length, 4);
    assert.deepEqual(readdirSync(cache), [build.file]);
  } finally {
    await server.close();
  }
});

test("offline with no cache is a clear error saying how to pre-fetch", { skip }, async () => {
  const server = await startReleaseServer(ROOT);
  const gone = await startReleaseServer();
  await gone.close(); // a port nothing listens on
  try {
    const u = freshUser(server);
    const flags = [...u.fetchFlags, `--allow-net=${new URL(gone.origin).host}`];
    const env = { DENO_DIR: u.denoDir, NPSHM_BASE_URL: `${gone.origin}/good` };
    const r = await denoRun(u.script, flags, env, [uniqueName("offline")]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /NativeLibraryError: no npshm native library for /);
    assert.match(r.stderr, /cannot download http:\/\/127\.0\.0\.1/);
    assert.match(r.stderr, /`npshm fetch`/);
    assert.match(r.stderr, /set NPSHM_LIB/);
    assert.deepEqual(filesUnder(u.cache), []);
  } finally {
    await server.close();
  }
});
