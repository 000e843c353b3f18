// Issue 12, item 3: a full /dev/shm and sparse segments. Reading a hole of a tmpfs allocates a
// page, so every path that maps a possibly sparse file must fail with NoSpaceError (or be safe)
// instead of dying of SIGBUS. Each entry point runs in its own process, in its own mount
// namespace with a 1 MiB tmpfs on /dev/shm.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { canUnshare, runInSmallTmpfs } from "./_util.ts";

const NO_SPACE = /^NoSpaceError NO_SPACE /;

describe("sparse segments on a full /dev/shm", {
  skip: canUnshare ? false : "needs root for unshare -m and mount",
}, () => {
  const expected: Record<string, RegExp> = {
    "attach-readonly": NO_SPACE,
    "attach-readonly-write": NO_SPACE,
    attach: NO_SPACE,
    "open-r": NO_SPACE,
    "open-r+": NO_SPACE,
    "open-c": NO_SPACE,
    read: NO_SPACE,
    inspect: /^ok 400000$/, // reads the header with read(): holes read as zeros, allocate nothing
  };
  for (const [entry, expect] of Object.entries(expected)) {
    test(entry, () => {
      const r = runInSmallTmpfs("adversarial/sparse_full.ts", [entry], "1m");
      assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
      assert.equal(r.status, 0, r.stderr);
      const line = r.stdout.split("\n").find((l) => l.startsWith(`${entry}: `));
      assert.ok(line, r.stdout + r.stderr);
      assert.match(line.slice(entry.length + 2), expect);
    });
  }
});
