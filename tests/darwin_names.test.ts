// macOS names (issue 10): a name of more than 30 bytes stands for a hashed short POSIX name,
// the same one the README's Python function computes, so other languages find the segment.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { darwinShmName, MAX_NAME_BYTES, validateName } from "../src/format/name.ts";
import { sha256 } from "../src/format/sha256.ts";
import { python } from "./_util.ts";

const encoder = new TextEncoder();
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** The README's Python function (section "macOS"), as the users copy it. */
function readmePython(): string {
  // The source tree's, or the npm package's (where the package's tests run, scripts/matrix.ts).
  const paths = ["../README.md", "../node_modules/npshm/README.md"];
  const path = paths.map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u));
  assert.ok(path, "a README.md beside the tests");
  const readme = readFileSync(path, "utf8");
  const section = readme.slice(readme.indexOf("\n## macOS\n"));
  const code = section.match(/```python\n([\s\S]*?)```/);
  assert.ok(code, "the README's macOS section has a python block");
  return code[1];
}

// Boundaries (30/31 bytes, multi-byte characters across them), the longest name, and randoms.
const NAMES = [
  "frames",
  "a".repeat(30),
  "a".repeat(31),
  "é".repeat(15),
  "é".repeat(15) + "x",
  "😀".repeat(8),
  "sglang_shared_memory_block_0123456789",
  "x".repeat(MAX_NAME_BYTES),
  "np-" + "a".repeat(40),
  ...Array.from({ length: 40 }, (_, i) => `tractor-piker-${i}-${"z".repeat(i * 5)}`),
];

describe("macOS names", () => {
  test("the hash is SHA-256 (FIPS 180-4 vectors, every padding case against python)", () => {
    assert.equal(
      hex(sha256(encoder.encode("abc"))),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    const inputs = [0, 1, 55, 56, 63, 64, 65, 119, 120, 300].map((n) => "q".repeat(n));
    const expected = python(
      "import hashlib,json,sys\nfor s in json.load(sys.stdin): print(hashlib.sha256(s.encode()).hexdigest())",
      JSON.stringify(inputs),
    ).trim().split("\n");
    assert.deepEqual(inputs.map((s) => hex(sha256(encoder.encode(s)))), expected);
  });

  test("the mapping is the README's Python function, for every name", () => {
    const code =
      `${readmePython()}\nimport json,sys\nprint(json.dumps([npshm_name(n) for n in json.load(sys.stdin)]))`;
    const expected = JSON.parse(python(code, JSON.stringify(NAMES)));
    assert.deepEqual(NAMES.map(darwinShmName), expected);
  });

  test("short names are themselves; long ones 30 bytes, valid, distinct and stable", () => {
    assert.equal(darwinShmName("a".repeat(30)), "a".repeat(30));
    assert.equal(darwinShmName("é".repeat(15)), "é".repeat(15), "30 bytes in 15 characters");
    const long = NAMES.filter((n) => encoder.encode(n).length > 30);
    const mapped = long.map(darwinShmName);
    for (const m of mapped) {
      assert.match(m, /^np-[a-z2-7]{27}$/);
      validateName(m, 30);
    }
    assert.equal(new Set(mapped).size, long.length, "no two names share a short name");
    assert.deepEqual(long.map(darwinShmName), mapped, "deterministic");
    assert.notEqual(darwinShmName("é".repeat(15) + "x"), darwinShmName("é".repeat(15) + "y"));
  });
});
