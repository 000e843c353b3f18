// The matrix's reading of test runners' output: the counts come from the runner's own summary,
// not from a child run's that a failure message quotes (a bun run with one failure was reported
// as "22 passed, 1 failed": the counts of the lock suite that lockfiles.test.ts runs), a failed
// run shows the errors around each failed test, which CI's log needs, and the files whose
// process wine did not start are told apart from files whose tests failed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bunCounts, denoCounts, failureExcerpt, tapCounts, unstartedFiles } from "./matrix.ts";

// What lockfiles.test.ts prints when the suite it runs in a child process fails: that child's
// whole output, its summary included, inside the outer run's.
const BUN_NESTED = `tests/lockfiles.test.ts:
error: lock.test.ts
tests/lock.test.ts:
AssertionError: 329999 !== 330000
      at <anonymous> (tests/lock.test.ts:453:12)
(fail) lock: contention > Python through the shim and JS exclude each other [296.57ms]

 22 pass
 1 fail
Ran 23 tests across 1 file. [9.20s]

(fail) lock files (macOS's lock tokens, built for Linux) > the lock suite passes [2124.05ms]

 1391 pass
 10 skip
 1 fail
 5120 expect() calls
Ran 1402 tests across 40 files. [180.00s]
`;

describe("the matrix's counts", () => {
  test("bun: the outer run's summary, not a child's quoted in a failure", () => {
    assert.deepEqual(bunCounts(BUN_NESTED), { pass: 1391, fail: 1, skip: 10 });
    assert.deepEqual(bunCounts(" 3 pass\n 0 fail\n"), { pass: 3, fail: 0, skip: 0 });
    assert.deepEqual(bunCounts(" 3 pass\n 0 fail\n 1 error\n"), { pass: 3, fail: 1, skip: 0 });
    assert.equal(bunCounts("Segmentation fault"), undefined);
  });

  test("TAP and deno: the last summary", () => {
    const tap = "# pass 22\n# fail 1\n# skipped 0\nnot ok 1 - suite\n# pass 1390\n# fail 1\n" +
      "# cancelled 0\n# skipped 11\n";
    assert.deepEqual(tapCounts(tap), { pass: 1390, fail: 1, skip: 11 });
    const deno =
      "ok | 22 passed | 1 failed\nFAILED | 146 passed (1380 steps) | 1 failed | 2 ignored";
    assert.deepEqual(denoCounts(deno), { pass: 1380, fail: 1, skip: 2 });
  });
});

describe("the matrix's excerpt of a failed run", () => {
  test("the error printed before bun's (fail) line is shown", () => {
    const shown = failureExcerpt(BUN_NESTED);
    assert.match(shown, /AssertionError: 329999 !== 330000/);
    assert.match(shown, /\(fail\) lock files/);
  });

  test("far from any failure, lines are left out and the gap is marked", () => {
    const out = [
      ...Array.from({ length: 100 }, (_, i) => `(pass) test ${i}`),
      "error: boom",
      "not ok 101 - test 100",
      ...Array.from({ length: 100 }, (_, i) => `(pass) test ${i + 101}`),
    ].join("\n");
    const lines = failureExcerpt(out).split("\n");
    assert.ok(lines.includes("    error: boom") && lines.includes("    not ok 101 - test 100"));
    assert.ok(!lines.includes("    (pass) test 0"), "the start is left out");
    assert.ok(lines.length < 60, `${lines.length} lines`);
    assert.equal(failureExcerpt("all quiet\nexit 3"), "    all quiet\n    exit 3");
  });
});

// Node's TAP (under wine) for a file whose process the runner could not start, as CI printed it
// on 2026-12-02, then a file whose test failed and a file whose process crashed.
const TAP = `# Subtest: tests\\\\adversarial_gc.test.js
not ok 3 - tests\\\\adversarial_gc.test.js
  ---
  duration_ms: 11.6977
  type: 'test'
  failureType: 'testCodeFailure'
  error: 'spawn UNKNOWN'
  code: 'UNKNOWN'
  stack: |-
    ChildProcess.spawn (node:internal/child_process:420:11)
    spawn (node:child_process:787:9)
    TestContext.<anonymous> (node:internal/test_runner/runner:377:19)
  ...
# Subtest: a suite
    # Subtest: spawns a child
    not ok 1 - spawns a child
      ---
      error: 'spawn UNKNOWN'
      stack: |-
        ChildProcess.spawn (node:internal/child_process:420:11)
      ...
not ok 4 - a suite
# Subtest: tests\\\\cli.test.js
not ok 5 - tests\\\\cli.test.js
  ---
  error: 'test failed'
  exitCode: 3
  ...
`;

describe("files wine did not start", () => {
  test("only a file whose process the runner could not spawn", () => {
    assert.deepEqual(unstartedFiles(TAP), ["adversarial_gc.test.js"]);
    assert.deepEqual(unstartedFiles(TAP.replace("spawn UNKNOWN", "test failed")), []);
  });
});
