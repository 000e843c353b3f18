// Issue 12, item 4: toArray() never builds more than the process can hold. Each case runs in its
// own process with a bounded heap, since the failure was the runtime dying of it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { afterAll, runtimeCommand, sweepLeaks, uniqueName } from "./_util.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

const TOO_LARGE = /^UnsupportedError UNSUPPORTED .*too large for toArray\(\).*toNativeArray/;

const expected: Record<string, RegExp> = {
  "V0 x 1e8": TOO_LARGE,
  "V0 x 2**32": TOO_LARGE,
  "empty record x 1e8": TOO_LARGE,
  "V1 x 5e6": TOO_LARGE,
  "f8 2**40 x 0": TOO_LARGE,
  "f8 1000 x 1000": /^ok 1000$/,
};

for (const [which, expect] of Object.entries(expected)) {
  test(`toArray() of ${which}`, () => {
    const [cmd, args] = runtimeCommand("adversarial/to_array.ts", [which, uniqueName("big")]);
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(-1500)}`);
    assert.equal(r.status, 0, r.stderr.slice(-1500));
    const line = r.stdout.split("\n").find((l) => l.startsWith(`${which}: `));
    assert.ok(line, r.stdout + r.stderr.slice(-1500));
    assert.match(line.slice(which.length + 2), expect);
    const rss = Number(/^rss (\d+)$/m.exec(r.stdout)?.[1]);
    assert.ok(rss < 1.5 * 2 ** 30, `the process grew to ${rss} bytes`);
  });
}
