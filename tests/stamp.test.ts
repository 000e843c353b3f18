// The build stamp (issue 12, item 17): a library built from other sources, or by hand, is
// refused with a NativeLibraryError naming both stamps; `deno task build` rebuilds when the
// sources or the version change, and pins the new stamp.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { afterAll, runtime, runtimeCommand, testFile } from "./_util.ts";

const nativeDir = testFile("../native");
const haveSources = existsSync(join(nativeDir, "npshm.h")) && process.platform === "linux";
// The npm package's tests see the C sources (scripts/matrix.ts links native/ in) but not the
// TypeScript tree that build.ts pins into.
const inSourceTree = haveSources && existsSync(testFile("../ffi/pinned.ts")) &&
  existsSync(testFile("../deno.json"));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "npshm-stamp-"));
  dirs.push(d);
  return d;
}

/** Compiles the shim with `cc` and the given defines; returns the library's path. */
function handBuild(defines: string[]): string {
  const out = join(scratch(), "libnpshm.so");
  const sources = readdirSync(nativeDir).filter((f) => /^npshm.*\.c$/.test(f));
  const r = spawnSync("cc", [
    "-O2",
    "-shared",
    "-fPIC",
    ...defines,
    "-o",
    out,
    ...sources.map((f) => join(nativeDir, f)),
    "-lrt",
  ], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

function loadWith(lib: string): string {
  const [cmd, args] = runtimeCommand("fixtures/native_info.ts", ["-"]);
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: { ...process.env, NPSHM_LIB: lib },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test("a library from before the stamp, or built by hand, is refused naming both stamps", {
  skip: !haveSources && "needs the C sources and cc (Linux)",
}, () => {
  for (const [define, shown] of [["-DNPSHM_ABI_VERSION=1", "0x00000001"], ["", "0x00000000"]]) {
    const out = loadWith(handBuild(define ? [define] : []));
    assert.match(out, /^NATIVE_LIBRARY the npshm native library at .*libnpshm\.so/);
    assert.match(
      out,
      new RegExp(`is stale: it is stamped ${shown}, npshm [\\d.]+ needs 0x[0-9a-f]{8}`),
    );
    assert.match(out, /NPSHM_LIB names it/);
  }
});

test("deno task build rebuilds when the version changes, and pins the new stamp", {
  skip: (runtime !== "deno" || !inSourceTree) &&
    "runs native/build.ts (Deno, in the source tree)",
}, () => {
  // A copy of the parts build.ts reads and writes: native/, ffi/pinned.ts, deno.json.
  const root = scratch();
  cpSync(nativeDir, join(root, "native"), {
    recursive: true,
    filter: (src) => src !== join(nativeDir, "build"),
  });
  mkdirSync(join(root, "ffi"));
  cpSync(testFile("../ffi/pinned.ts"), join(root, "ffi/pinned.ts"));
  cpSync(testFile("../deno.json"), join(root, "deno.json"));
  const lib = join(root, "native/build/linux-x64/libnpshm.so");
  const build = () => {
    const r = spawnSync(process.execPath, ["run", "-A", join(root, "native/build.ts")], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    return {
      built: statSync(lib).mtimeMs,
      pinned: readFileSync(join(root, "ffi/pinned.ts"), "utf8"),
    };
  };
  const first = build();
  assert.deepEqual(build(), first, "nothing changed: nothing rebuilt");
  const manifest = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
  writeFileSync(join(root, "deno.json"), JSON.stringify({ ...manifest, version: "9.9.9" }));
  const second = build();
  assert.notEqual(second.built, first.built, "a new version rebuilds");
  const stamp = (text: string) => /STAMP = (0x[0-9a-f]+)/.exec(text)![1];
  assert.notEqual(stamp(second.pinned), stamp(first.pinned));
  assert.match(second.pinned, /PINNED_VERSION = "9\.9\.9"/);
  // The library now carries the new stamp: the copy's own loader accepts it.
  const check = spawnSync(process.execPath, [
    "eval",
    `import { openDenoNative } from "${testFile("../ffi/deno.ts")}";` +
    `console.log(openDenoNative("${lib}").npshm_abi_version());`,
  ], { encoding: "utf8" });
  assert.equal(Number(check.stdout.trim()), Number(stamp(second.pinned)), check.stderr);
});
