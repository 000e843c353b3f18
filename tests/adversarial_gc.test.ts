// Issue 12, items 1 and 2: close() and the garbage collector under attack, each attack in its own
// process (tests/adversarial/), since getting them wrong kills the process (SIGABRT, SIGSEGV).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { describe, test } from "node:test";
import { attachSharedArray, createSharedArray, notify } from "../mod.ts";
import { startHolder } from "./_sync_util.ts";
import {
  afterAll,
  runtimeCommand,
  startFixture,
  sweepLeaks,
  uniqueName,
  waitForOutput,
} from "./_util.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

const linux = process.platform === "linux";

describe("attach/close loops never pile up mappings", { skip: !linux && "reads /proc" }, () => {
  // [rounds, float64 elements, yield to the event loop every N rounds (0: never)]
  // More rounds than vm.max_map_count (65530): mappings left to the GC would hit it.
  const cases: [number, number, number][] = [
    [70_000, 4096, 0],
    [70_000, 16, 0],
    [20_000, 4096, 100],
  ];
  for (const [rounds, elements, yieldEvery] of cases) {
    test(`${rounds} rounds of ${elements} elements${yieldEvery ? `, yielding` : ""}`, () => {
      const name = uniqueName("loop");
      const args = [name, String(rounds), String(elements), String(yieldEvery)];
      const [cmd, argv] = runtimeCommand("adversarial/attach_close_loop.ts", args);
      const r = spawnSync(cmd, argv, { encoding: "utf8", timeout: 300_000 });
      assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(-2000)}`);
      assert.equal(r.status, 0, r.stderr.slice(-2000));
      const m = /^rounds=(\d+) most-mappings=(\d+)/m.exec(r.stdout);
      assert.ok(m, r.stdout);
      assert.equal(Number(m[1]), rounds);
      // The array it made, plus the one attached in the current round.
      assert.ok(Number(m[2]) <= 2, `up to ${m[2]} mappings at once: close() did not unmap`);
    });
  }
});

describe("close() while a native call works on the memory", {
  skip: !linux && process.platform !== "win32" && "lock and wait across processes (macOS: not yet)",
}, () => {
  test("lockAsync, close, drop, GC, then the holder dies: ClosedError, no SIGSEGV", async () => {
    const name = uniqueName("pend-lock");
    using a = createSharedArray(name, { shape: [4], dtype: "int32", unlinkOnClose: true });
    const holder = await startHolder("lock", name);
    const waiter = startFixture("adversarial/close_pending.ts", ["lock", name], { exposeGc: true });
    await waitForOutput(waiter, /^pending$/m);
    holder.child.kill("SIGKILL"); // had the closed array's call still waited, it would take it now
    await holder.done;
    const r = await waiter.done;
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^lock ClosedError$/m);
    using guard = a.lock();
    assert.equal(guard.previousOwnerDied, true);
    assert.equal(guard.previousOwnerPid, holder.child.pid, "the waiter never took the lock");
  });

  test("waitAsync, close, drop, GC, then notify: ClosedError, no SIGSEGV", async () => {
    const name = uniqueName("pend-wait");
    using a = createSharedArray(name, { shape: [4], dtype: "int32", unlinkOnClose: true });
    const waiter = startFixture("adversarial/close_pending.ts", ["wait", name], { exposeGc: true });
    await waitForOutput(waiter, /^pending$/m);
    using b = attachSharedArray(name, { validateDtype: "int32" });
    const flag = b.data as Int32Array;
    Atomics.store(flag, 0, 1);
    notify(flag, 0); // wakes nothing: the closed array's wait ended at close()
    const r = await waiter.done;
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wait ClosedError$/m);
    assert.equal(a.get(0), 1);
  });
});
