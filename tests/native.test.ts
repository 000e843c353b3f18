// The C shim on its own: its C test program, the Win32 build, and the loader's error.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { notOnWindows, runtimeCommand, testFile } from "./_util.ts";

const nativeDir = testFile("../native");
const STRICT = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2"];

test("the shim's C test program passes on this machine", {
  skip: notOnWindows("test_shim.exe runs under wine in the matrix's own shim step"),
}, () => {
  const target = `${process.platform}-${process.arch}`;
  const r = spawnSync(join(nativeDir, "build", target, "test_shim"), { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const m = /^(\d+) passed, 0 failed$/m.exec(r.stdout);
  assert.ok(m && Number(m[1]) > 50, r.stdout.slice(-500));
});

// A developer machine may lack the cross compiler; CI installs it and never skips this.
const mingw = spawnSync("x86_64-w64-mingw32-gcc", ["--version"]).error === undefined;
const skipMingw = notOnWindows("it cross-compiles from Linux") || !mingw && !process.env.CI &&
    "x86_64-w64-mingw32-gcc not installed (apt-get install gcc-mingw-w64-x86-64)";

test("the Win32 part compiles warning-free with mingw-w64", { skip: skipMingw }, () => {
  const out = mkdtempSync(join(tmpdir(), "npshm-mingw-"));
  try {
    const r = spawnSync("x86_64-w64-mingw32-gcc", [
      ...STRICT,
      "-shared",
      "-o",
      join(out, "npshm.dll"),
      ...readdirSync(nativeDir).filter((f) => /^npshm.*\.c$/.test(f)).map((f) =>
        join(nativeDir, f)
      ),
    ], { encoding: "utf8" });
    assert.equal(
      r.error,
      undefined,
      "x86_64-w64-mingw32-gcc missing: apt-get install gcc-mingw-w64-x86-64",
    );
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("a missing library is one clear NativeLibraryError saying how to build it", () => {
  const [cmd, args] = runtimeCommand("fixtures/load_error.ts");
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: { ...process.env, NPSHM_LIB: "/nonexistent/libnpshm.so" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^NATIVE_LIBRARY .*\/nonexistent\/libnpshm\.so.*deno task build/m);
});
