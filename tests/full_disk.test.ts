// A full /dev/shm for real: a private mount namespace with a 1 MiB tmpfs on /dev/shm.
import assert from "node:assert/strict";
import { test } from "node:test";
import { canUnshare, runInSmallTmpfs } from "./_util.ts";

test("a full /dev/shm is a NoSpaceError at create and attach, never SIGBUS", {
  skip: canUnshare ? false : "needs root for unshare -m and mount",
}, () => {
  const r = runInSmallTmpfs("fixtures/full_disk.ts", [], "1m");
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const m = /made=(\d+) failure=NO_SPACE sparse=NO_SPACE ro=NO_SPACE/.exec(r.stdout);
  assert.ok(m, r.stdout + r.stderr);
  assert.ok(Number(m[1]) >= 5 && Number(m[1]) <= 11, `made ${m[1]} arrays of 100 kB in 1 MiB`);
});
