// Fetching the native library into the cache on this runtime (Deno, Node or Bun), from a
// release host on loopback: verified before anything is written, written atomically, and a
// bad download (tampered, truncated, stalled, too short or long) caches nothing.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { before, test } from "node:test";
import { cachedLibrary } from "../ffi/cache.ts";
import { downloadLibrary } from "../ffi/fetch.ts";
import { PINNED_VERSION } from "../ffi/pinned.ts";
import {
  build,
  releaseBytes,
  type ReleaseServer,
  startReleaseServer,
  target,
} from "./_release_server.ts";
import { afterAll, runtime, runtimeCommand, sweepLeaks, uniqueName } from "./_util.ts";
import { spawnSync } from "node:child_process";

let server: ReleaseServer;
const dirs: string[] = [];

before(async () => {
  server = await startReleaseServer();
});

afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  assert.deepEqual(sweepLeaks(), []);
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "npshm-fetch-"));
  dirs.push(d);
  return d;
}

/** Runs the native_info fixture with `env` added; its parsed JSON, or its error line. */
function nativeInfo(env: Record<string, string>, name = "-") {
  const [cmd, args] = runtimeCommand("fixtures/native_info.ts", [name]);
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.startsWith("{") ? JSON.parse(r.stdout) : r.stdout.trim();
}

const download = (how: string, dir: string, timeoutS = 20) =>
  downloadLibrary(target, { baseUrl: `${server.origin}/${how}/`, dir, timeoutS });

test("a download is verified, cached under its release name, and loads", async () => {
  const dir = scratch();
  const path = await download("good", dir);
  assert.equal(path, join(dir, build.file));
  assert.deepEqual(readdirSync(dir), [build.file]); // no temporary file left
  assert.equal(cachedLibrary(target, dir), path);
  const info = nativeInfo({ NPSHM_LIB: path }, uniqueName("fetch"));
  assert.equal(info.source, "NPSHM_LIB");
  assert.equal(info.sha256, build.sha256);
});

test("a tampered library is refused, naming both hashes, and nothing is cached", async () => {
  const dir = scratch();
  await assert.rejects(download("tampered", dir), (err: Error) => {
    assert.match(err.message, new RegExp(`sha256 is [0-9a-f]{64}, expected ${build.sha256}`));
    assert.match(err.message, /nothing was cached/);
    return true;
  });
  assert.deepEqual(readdirSync(dir), []);
});

test("truncated and stalled downloads time out and cache nothing", async () => {
  for (const how of ["truncated", "stalled"]) {
    const dir = scratch();
    const started = Date.now();
    await assert.rejects(download(how, dir, 1), /timed out after 1 s downloading/);
    assert.ok(Date.now() - started < 30_000, `${how}: the limit was not kept`);
    assert.deepEqual(readdirSync(dir), [], how);
  }
});

test("a body shorter or longer than the release build is refused", async () => {
  const dir = scratch();
  await assert.rejects(download("short", dir), /ended after \d+ of its \d+ bytes \(truncated\)/);
  await assert.rejects(download("long", dir), /is larger than the \d+ bytes of the release build/);
  await assert.rejects(download("missing", dir), /answered 404/);
  assert.deepEqual(readdirSync(dir), []);
});

test("a cached file is loaded only if its sha256 is the pinned one", () => {
  const dir = scratch();
  const bytes = releaseBytes();
  const path = join(dir, build.file);
  const bad = new Uint8Array(bytes);
  bad[100] ^= 1;
  writeFileSync(path, bad);
  assert.equal(cachedLibrary(target, dir), undefined);
  writeFileSync(path, bytes);
  assert.equal(cachedLibrary(target, dir), path);
});

test("the cache is NPSHM_CACHE, else the runtime's cache directory for this version", () => {
  const home = scratch();
  // Where each runtime's default lives: DENO_DIR on Deno, else the OS's per-user cache.
  const [own, under]: [Record<string, string>, string] = runtime === "deno"
    ? [{ DENO_DIR: join(home, "deno-dir") }, join(home, "deno-dir")]
    : process.platform === "win32"
    ? [{ LOCALAPPDATA: home }, home]
    : [{ XDG_CACHE_HOME: home }, home];
  const info = nativeInfo({ ...own, NPSHM_CACHE: "" });
  assert.equal(info.cacheDir, join(under, "npshm", PINNED_VERSION));
  const mine = join(home, "mine");
  assert.equal(nativeInfo({ ...own, NPSHM_CACHE: mine }).cacheDir, mine);
});
