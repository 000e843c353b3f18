// close() and the garbage collector, on the runtime running the suite: views are detached before
// the memory is unmapped.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { afterAll, runtimeCommand, shmExists, sweepLeaks, uniqueName } from "./_util.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

test(
  "close() detaches held views, then unmaps; a dropped array is unmapped by the GC",
  { skip: process.platform === "linux" ? false : "reads /proc/self/maps" },
  () => {
    const names = [uniqueName("gc-closed"), uniqueName("gc-dropped")];
    const [cmd, args] = runtimeCommand("fixtures/close_gc.ts", names, { exposeGc: true });
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.trim(), "closed=detached dropped=unmapped");
    for (const name of names) assert.ok(!shmExists(name));
  },
);
