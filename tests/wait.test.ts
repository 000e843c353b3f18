// wait / notify across processes on shared int32s (futex), their arguments (typed errors,
// timeouts too long to count mean forever), where a waitAsync sleeps (in the kernel, where a
// notify finds it, without holding up file I/O), close() ending a pending waitAsync (and the
// process exiting), and the README's work queue: workers take row blocks with Atomics.add, the
// parent waits for completion without spinning.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import process from "node:process";
import { describe, test } from "node:test";
import { Status } from "../ffi/contract.ts";
import { offThread, WaiterPool } from "../ffi/waiters.ts";
import { mappingOf } from "../src/os/mapping.ts";
import {
  attachSharedArray,
  ClosedError,
  createSharedArray,
  InvalidArgumentError,
  nativeLibrary,
  notify,
  ReadOnlyError,
  wait,
  waitAsync,
} from "../mod.ts";
import { afterAll, runtime, scriptFile, startFixture, sweepLeaks, uniqueName } from "./_util.ts";
import { closedWhilePending, waitForLine, within } from "./_sync_util.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

/** A new int32 array of `n` elements, removed when closed. */
function int32s(tag: string, n: number) {
  return createSharedArray(uniqueName(tag), { shape: [n], dtype: "int32", unlinkOnClose: true });
}

/** In `ms`: `v[0] = value` and a notify of its waiters. */
function storeAndNotifyIn(ms: number, v: Int32Array, value: number): void {
  setTimeout(() => {
    Atomics.store(v, 0, value);
    notify(v, 0);
  }, ms);
}

/**
 * Two waits through `pool` on a stand-in for the shim's wait, which ends once its word is 1: one
 * that the word's change after `ms` ends, one that times out after `ms`. Each must end so,
 * however the pool takes it.
 */
async function waitsEndAsTheyShould(pool: WaiterPool, ms: number): Promise<void> {
  let word = 0;
  const blocking = () => word === 1 ? Status.OK : Status.TIMED_OUT;
  const waitOn = offThread("npshm_wait", blocking, pool.run);
  const out = new BigInt64Array(4);
  setTimeout(() => (word = 1), ms);
  assert.equal(await within(10_000, waitOn(0n, 0, 10_000_000_000n, 0n, out)), Status.OK);
  word = 0;
  const started = performance.now();
  const timeout = BigInt(ms) * 1_000_000n;
  assert.equal(await within(10_000, waitOn(0n, 0, timeout, 0n, out)), Status.TIMED_OUT);
  const took = performance.now() - started;
  assert.ok(took >= ms - 5 && took < ms + 3000, `a ${ms} ms wait took ${took.toFixed(0)} ms`);
}

describe("wait / notify", () => {
  test("in one process: not-equal, timed-out, notify with nobody waiting", () => {
    using a = int32s("w", 4);
    const v = a.data as Int32Array;
    assert.equal(wait(v, 1, 5), "not-equal");
    const t0 = Date.now();
    assert.equal(wait(v, 1, 0, 30), "timed-out");
    assert.ok(Date.now() - t0 >= 25);
    assert.equal(notify(v, 1), 0);
  });

  test("bad views are typed errors", () => {
    const name = uniqueName("w-bad");
    using a = createSharedArray(name, { shape: [4], dtype: "int32", unlinkOnClose: true });
    using r = attachSharedArray(name, { readOnly: true });
    assert.throws(() => wait(new Int32Array(4), 0, 0, 0), InvalidArgumentError);
    assert.throws(() => notify(a.data as Int32Array, 4), InvalidArgumentError);
    assert.throws(() => wait(new Float64Array(2) as never, 0, 0, 0), InvalidArgumentError);
    assert.throws(() => wait(r.data as Int32Array, 0, 0, 0), ReadOnlyError);
  });

  for (const how of ["sync", "async"]) {
    test(`a ${how} waiter in another process wakes on notify`, async () => {
      const name = uniqueName("w-proc");
      using a = createSharedArray(name, { shape: [1], dtype: "int32", unlinkOnClose: true });
      const flag = a.data as Int32Array;
      const { child, done } = startFixture("fixtures/waiter.ts", [name, how]);
      await waitForLine(child, "waiting");
      await new Promise((r) => setTimeout(r, 50)); // let it reach the futex
      Atomics.store(flag, 0, 42);
      let woken = 0;
      for (let i = 0; i < 200 && woken === 0; i++) {
        woken = notify(flag, 0);
        if (woken === 0) await new Promise((r) => setTimeout(r, 10));
      }
      const r = await done;
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^(ok|not-equal) 42$/m);
    });
  }

  test("waitAsync leaves the event loop running and resolves on notify", async () => {
    using a = int32s("w-async", 1);
    const v = a.data as Int32Array;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    // 300 ms: Windows' timers tick every 15.6 ms, so a 5 ms interval runs ~5 times in 80 ms.
    storeAndNotifyIn(300, v, 1);
    const result = await waitAsync(v, 0, 0, 5000);
    clearInterval(timer);
    assert.equal(result, "ok");
    assert.ok(ticks >= 5, `the loop ran ${ticks} times`);
  });
});

describe("waitAsync: where it sleeps", () => {
  // Node and Bun make the wait on a worker thread of npshm's (ffi/waiters.ts): Bun cannot call
  // off the JS thread, and Node's koffi would use libuv's four threads, which fs shares.
  const nap = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // The pool's own tests (ffi/waiters.ts), with the backend this runtime's waits use.
  const BACKEND = runtime === "bun" ? "bun" : "node";
  const NO_WORKERS = runtime === "deno" &&
    "Deno's waits sleep on its own thread pool, not in workers";

  test("asleep where notify finds it: a notify that changes nothing wakes it", async () => {
    using a = int32s("w-same", 1);
    const v = a.data as Int32Array;
    const pending = waitAsync(v, 0, 0, 20_000);
    let woken = 0;
    for (let i = 0; i < 500 && woken === 0; i++) {
      await nap(10);
      woken = notify(v, 0);
    }
    assert.equal(woken, 1, "notify found the waiter asleep on the word");
    assert.equal(await within(5000, pending), "ok");
    assert.equal(Atomics.load(v, 0), 0, "the word never changed");
  });

  test("40 at once, more than any thread pool: file I/O runs, each ends on its own word", async () => {
    // Deno's blocking pool has 32 threads, libuv's 4: waits there held up the runtime's file I/O.
    const n = 40;
    using a = int32s("w-many", n);
    const v = a.data as Int32Array;
    const pending = Array.from({ length: n }, (_, i) => waitAsync(v, i, 0, 20_000));
    await nap(300);
    const started = performance.now();
    await within(10_000, readFile(new URL(import.meta.url)));
    const ms = performance.now() - started;
    for (let i = n - 1; i >= 0; i--) {
      Atomics.store(v, i, 1);
      notify(v, i);
    }
    assert.deepEqual(await within(15_000, Promise.all(pending)), Array(n).fill("ok"));
    assert.ok(ms < 2000, `a file read took ${ms.toFixed(0)} ms while the waits slept`);
  });

  test("where no worker can start, waits poll, and end when and as they should", {
    skip: NO_WORKERS,
  }, async () => {
    // As in a bundle, which has no waiter_worker.js beside it: the worker fails as it starts.
    const missing = new URL("./no_such_waiter_worker.js", import.meta.url);
    await waitsEndAsTheyShould(new WaiterPool(BACKEND, "unused", 4, missing), 300);
  });

  test("a wait whose worker ends during it polls instead, and the next wait starts another", {
    skip: NO_WORKERS,
  }, async () => {
    const failing = pathToFileURL(scriptFile("fixtures/failing_waiter_worker.ts"));
    const dir = mkdtempSync(join(tmpdir(), "npshm-failing-"));
    const starts = join(dir, "starts");
    try {
      // Long enough for each worker to start and fail well within the wait.
      await waitsEndAsTheyShould(new WaiterPool(BACKEND, starts, 4, failing), 1000);
      assert.equal(readFileSync(starts, "utf8"), "started\n".repeat(2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a late notify of a worker's last call does not end the next call early", {
    skip: NO_WORKERS,
  }, async () => {
    // A lockAsync on Bun once got the last call's OK this way, and took the lock as its own
    // while the worker was still waiting for it.
    const late = pathToFileURL(scriptFile("fixtures/late_notify_waiter_worker.ts"));
    const pool = new WaiterPool(BACKEND, "unused", 4, late);
    const out = new BigInt64Array(4);
    const call = (status: number, ms: number) =>
      within(10_000, pool.run("npshm_wait", [status, ms, -1n, 0n, out], out)!);
    assert.equal(await call(Status.OK, 0), Status.OK);
    const started = performance.now();
    assert.equal(await call(Status.TIMED_OUT, 200), Status.TIMED_OUT);
    const ms = performance.now() - started;
    assert.ok(ms >= 190, `the second call ended after ${ms.toFixed(0)} ms, before it returned`);
  });

  test("a wait whose time is up while its worker starts ends then, and the worker serves later", {
    skip: NO_WORKERS,
  }, async () => {
    const slow = pathToFileURL(scriptFile("fixtures/slow_waiter_worker.ts"));
    const library = nativeLibrary().path;
    const pool = new WaiterPool(BACKEND, library, 4, slow);
    using a = int32s("w-slow", 1);
    const v = a.data as Int32Array;
    const mapping = mappingOf(v.buffer)!;
    const addr = mapping.segment.addr + BigInt(mapping.dataOffset);
    const look = () => Status.TIMED_OUT; // the first look on the JS thread: the word is as expected
    const waitOn = offThread("npshm_wait", look, pool.run);
    const out = new BigInt64Array(4);
    let started = performance.now();
    assert.equal(await within(10_000, waitOn(addr, 0, 100_000_000n, 0n, out)), Status.TIMED_OUT);
    const ms = performance.now() - started;
    assert.ok(ms >= 95 && ms < 1000, `a 100 ms wait took ${ms.toFixed(0)} ms (the start: 1.5 s)`);
    // The same worker, once it has started, makes the next wait, which a notify ends.
    storeAndNotifyIn(2500, v, 1);
    started = performance.now();
    assert.equal(await within(10_000, waitOn(addr, 0, 10_000_000_000n, 0n, out)), Status.OK);
    assert.ok(performance.now() - started >= 2000, "it ended on the notify");
  });

  test("bundled into a program (Bun.build), a wait's worker runs none of the program", {
    skip: runtime === "bun" ? false : "Bun.build is Bun's bundler",
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "npshm-bundle-"));
    try {
      const fixture = scriptFile("fixtures/bundled_wait.ts");
      // deno-lint-ignore no-explicit-any
      const bun = (globalThis as any).Bun;
      // Written here, not by Bun.build: Bun for Windows under wine fails to write its output.
      const built = await bun.build({ entrypoints: [fixture], target: "bun" });
      assert.ok(built.success, String(built.logs));
      const bundle = join(dir, "program.js");
      writeFileSync(bundle, await built.outputs[0].text());
      const env = { ...process.env, NPSHM_LIB: nativeLibrary().path };
      const run = spawnSync(process.execPath, [bundle, uniqueName("bundle")], {
        env,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(run.stdout.trim().split("\n"), [
        "program runs (main thread: true)",
        "waitAsync: ok 1",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("wait / notify: arguments", () => {
  test("timeouts too long to count wait forever, as Infinity does (1e300 used to time out)", async () => {
    using a = int32s("w-long", 1);
    const v = a.data as Int32Array;
    for (const timeout of [1e300, Number.MAX_VALUE, 2 ** 63 / 1e6, Infinity]) {
      Atomics.store(v, 0, 0);
      storeAndNotifyIn(200, v, 1); // time for the wait to start on a busy machine
      assert.equal(await waitAsync(v, 0, 0, timeout), "ok", `timeout ${timeout}`);
    }
    assert.equal(wait(v, 0, 1, -1), "timed-out", "negative: look once, as Atomics.wait does");
    assert.equal(wait(v, 0, 1, 0), "timed-out");
  });

  test("every bad argument is an InvalidArgumentError that names it", async () => {
    using a = int32s("w-args", 2);
    const v = a.data as Int32Array;
    const bad: [string, () => unknown][] = [
      ["index", () => wait(v, 2, 0, 0)],
      ["index", () => wait(v, 0.5, 0, 0)],
      ["index", () => wait(v, Number.MAX_VALUE, 0, 0)],
      ["index", () => wait(v, 0n as never, 0, 0)],
      ["value", () => wait(v, 0, Number.MAX_VALUE, 0)],
      ["value", () => wait(v, 0, 2 ** 32, 0)],
      ["value", () => wait(v, 0, 1.5, 0)],
      ["value", () => wait(v, 0, 0n as never, 0)],
      ["timeout", () => wait(v, 0, 0, NaN)],
      ["timeout", () => wait(v, 0, 0, 5n as never)],
      ["timeout", () => wait(v, 0, 0, "5" as never)],
      ["count", () => notify(v, 0, -1)],
      ["count", () => notify(v, 0, NaN)],
      ["count", () => notify(v, 0, 1.5)],
      ["count", () => notify(v, 0, 1n as never)],
      ["index", () => notify(v, -1)],
    ];
    for (const [what, call] of bad) {
      assert.throws(call, (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError, `${call}: ${err}`);
        assert.match(err.message, new RegExp(what));
        return true;
      });
    }
    await assert.rejects(waitAsync(v, 0, 0, 5n as never), InvalidArgumentError);
    await assert.rejects(waitAsync(v, 0, Number.MAX_VALUE), InvalidArgumentError);
    assert.equal(wait(v, 0, 2 ** 32 - 1, 0), "not-equal", "uint32 values fit");
    assert.equal(wait(v, 0, -(2 ** 31), 0), "not-equal");
    assert.equal(notify(v, 0, Number.MAX_VALUE), 0, "a count beyond any number of waiters: all");
    assert.equal(notify(v, 0, Infinity), 0);
  });
});

describe("waitAsync: close() while it waits", () => {
  test("in this process: ClosedError at once", async () => {
    const name = uniqueName("w-close");
    using a = createSharedArray(name, { shape: [1], dtype: "int32", unlinkOnClose: true });
    const b = attachSharedArray(name);
    const pending = waitAsync(b.data as Int32Array, 0, 0);
    await new Promise((r) => setTimeout(r, 50));
    b.close();
    await assert.rejects(within(5000, pending), ClosedError);
    assert.equal(wait(a.data as Int32Array, 0, 0, 0), "timed-out", "a is untouched");
  });

  test("in a child: ClosedError, and the process exits by itself", async () => {
    await closedWhilePending("wait");
  });
});

describe("the work queue", () => {
  test("N workers take row blocks with Atomics.add; the parent waits for completion", async () => {
    const rows = 512, cols = 64, perBlock = 8, blocks = rows / perBlock;
    using queue = int32s("queue", 3);
    using grid = createSharedArray(uniqueName("grid"), {
      shape: [rows, cols],
      dtype: "float64",
      fill: -1,
      unlinkOnClose: true,
    });
    const q = queue.data as Int32Array;
    q[2] = blocks;
    const workers = [0, 1, 2].map(() =>
      startFixture("fixtures/work_queue.ts", [queue.name, grid.name, String(perBlock)]).done
    );
    for (let done = Atomics.load(q, 1); done < blocks; done = Atomics.load(q, 1)) {
      await waitAsync(q, 1, done, 10_000); // sleeps until a worker counts a block done
    }
    const results = await Promise.all(workers);
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    assert.equal(results.reduce((n, r) => n + Number(r.stdout), 0), blocks);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) assert.equal(grid.get([r, c]), r * c);
    }
  });
});
