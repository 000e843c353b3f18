// A full /dev/shm for real: a private mount namespace with a 1 MiB tmpfs on /dev/shm.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { runtimeCommand } from "./_util.ts";

const root = process.getuid?.() === 0;

test("a full /dev/shm is a NoSpaceError at create and attach, never SIGBUS", {
  skip: root ? false : "needs root for unshare -m and mount",
}, () => {
  const [cmd, args] = runtimeCommand("fixtures/full_disk.ts");
  const quoted = [cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const script = `mount -t tmpfs -o size=1m tmpfs /dev/shm && exec ${quoted}`;
  const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const m = /made=(\d+) failure=NO_SPACE sparse=NO_SPACE ro=400000/.exec(r.stdout);
  assert.ok(m, r.stdout + r.stderr);
  assert.ok(Number(m[1]) >= 5 && Number(m[1]) <= 11, `made ${m[1]} arrays of 100 kB in 1 MiB`);
});
