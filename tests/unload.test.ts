// The shim unloaded under a process: Deno unloads a worker's libraries when the worker ends.
// Each case in its own process (tests/adversarial/unload.ts), since getting it wrong kills it.
import assert from "node:assert/strict";
import process from "node:process";
import { describe, test } from "node:test";
import { eventually } from "./_sync_util.ts";
import { afterAll, runFixture, shmExists, sweepLeaks, uniqueName } from "./_util.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

const linux = process.platform === "linux";

describe("a worker that used npshm ends", { skip: !linux && "the reaper, /dev/shm" }, () => {
  test("a wait it left sleeping in the shim returns, and the process lives on", () => {
    const r = runFixture("adversarial/unload.ts", ["wait", uniqueName("unload-wait")]);
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^alive$/m);
  });

  test("a later fork's child runs, so the reaper starts and removes a name at kill -9", async () => {
    const name = uniqueName("unload-fork");
    const r = runFixture("adversarial/unload.ts", ["fork", name]);
    assert.match(r.stdout, /^alive$/m, r.stderr);
    assert.equal(r.signal, "SIGKILL", `ended by ${r.signal ?? `exit ${r.status}`}: ${r.stderr}`);
    assert.ok(await eventually(() => !shmExists(name), 2000), "the name outlived its only tracker");
  });
});
