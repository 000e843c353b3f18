// The cross-process mutex: lock / tryLock / unlock / guards / lockAsync, a dead holder
// reported to the next locker, standalone named mutexes, and 4 processes x 100k locked
// increments adding up exactly.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  attachSharedArray,
  ClosedError,
  createSharedArray,
  LockError,
  openMutex,
  ReadOnlyError,
  UnsupportedError,
} from "../mod.ts";
import { python, shmExists, startFixture, sweepLeaks, uniqueName } from "./_util.ts";
import process from "node:process";
import { eventually, kill9, startHolder } from "./_sync_util.ts";

after(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

/** `promise`, or a rejection saying it was still pending after `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe("lock", () => {
  test("lock, tryLock and unlock between two arrays of one name", () => {
    const name = uniqueName("lock");
    using a = createSharedArray(name, { shape: [2], dtype: "int32", unlinkOnClose: true });
    using b = attachSharedArray(name);
    const guard = a.lock();
    assert.equal(guard.previousOwnerDied, false);
    assert.equal(b.tryLock(), null, "held by a");
    assert.equal(a.tryLock(), null, "held by a itself: tryLock says no");
    assert.throws(() => a.lock(), LockError, "not re-entrant: an error, not a deadlock");
    guard.unlock();
    guard.unlock(); // twice is harmless
    assert.throws(() => a.unlock(), LockError);
    const g2 = b.tryLock();
    assert.ok(g2);
    b.unlock();
    {
      using _held = a.lock();
      assert.equal(b.tryLock(), null);
    }
    assert.ok(b.tryLock(), "the using block released it");
    b.unlock();
  });

  test("lockAsync waits without blocking the event loop", async () => {
    const name = uniqueName("lock-async");
    using a = createSharedArray(name, { shape: [1], dtype: "int32", unlinkOnClose: true });
    using b = attachSharedArray(name);
    a.lock();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    setTimeout(() => a.unlock(), 100);
    const guard = await b.lockAsync();
    clearInterval(timer);
    assert.ok(ticks >= 5, `the loop ran ${ticks} times while waiting`);
    assert.equal(a.tryLock(), null);
    guard.unlock();
  });

  test("async lockers of one array queue in order; sync lock refuses meanwhile", async () => {
    const name = uniqueName("lock-queue");
    using a = createSharedArray(name, { shape: [1], dtype: "int32", unlinkOnClose: true });
    const order: number[] = [];
    const runs = [1, 2, 3].map(async (i) => {
      const g = await a.lockAsync();
      order.push(i);
      await new Promise((r) => setTimeout(r, 5));
      g.unlock();
    });
    assert.throws(() => a.lock(), LockError);
    await Promise.all(runs);
    assert.deepEqual(order, [1, 2, 3]);
  });

  test("close() while lockAsync waits: ClosedError at once, the lock is not left taken", async () => {
    const name = uniqueName("lock-close");
    using a = createSharedArray(name, { shape: [1], dtype: "int32", unlinkOnClose: true });
    const b = attachSharedArray(name);
    a.lock();
    const pending = b.lockAsync();
    await new Promise((r) => setTimeout(r, 50)); // b sleeps in the shim by now
    b.close();
    assert.equal(b.closed, true);
    await assert.rejects(within(5000, pending), ClosedError, "rejected while a still holds it");
    a.unlock();
    assert.ok(a.tryLock(), "b did not take it after all");
    a.unlock();
  });

  test("an attached array closed before its first lock: ClosedError, never a read of freed memory", () => {
    const name = uniqueName("lock-after-close");
    using _a = createSharedArray(name, { shape: [1], dtype: "int32", unlinkOnClose: true });
    const b = attachSharedArray(name);
    b.close();
    assert.throws(() => b.lock(), ClosedError);
    assert.throws(() => b.tryLock(), ClosedError);
    assert.throws(() => b.controlOffset, ClosedError);
  });

  test("close() releases a held lock cleanly", () => {
    const name = uniqueName("lock-release");
    using a = createSharedArray(name, { shape: [1], dtype: "int32", unlinkOnClose: true });
    const b = attachSharedArray(name);
    b.lock();
    b.close();
    const g = a.tryLock();
    assert.ok(g);
    assert.equal(g.previousOwnerDied, false, "closing is not dying");
    g.unlock();
  });

  test("Python-made arrays have no lock: UnsupportedError; read-only: ReadOnlyError", () => {
    const name = uniqueName("lock-py");
    python(`
import numpy as np
from multiprocessing import shared_memory
from numpy.lib import format as npf
import io
buf = io.BytesIO(); npf.write_array_header_1_0(buf, {'descr': '<i4', 'fortran_order': False, 'shape': (4,)})
head = buf.getvalue()
shm = shared_memory.SharedMemory(name="${name}", create=True, size=len(head) + 16)
shm.buf[:len(head)] = head
shm.close()
try:
    from multiprocessing import resource_tracker
    resource_tracker.unregister("/${name}", "shared_memory")
except Exception:
    pass
`);
    using p = attachSharedArray(name, { unlinkOnClose: true });
    assert.equal(p.controlOffset, undefined);
    assert.throws(() => p.lock(), UnsupportedError);
    const other = uniqueName("lock-ro");
    using w = createSharedArray(other, { shape: [1], dtype: "u1", unlinkOnClose: true });
    using r = attachSharedArray(other, { readOnly: true });
    assert.throws(() => r.lock(), ReadOnlyError);
    assert.ok(w.tryLock());
    w.unlock();
  });
});

describe("lock: a holder killed mid-section", () => {
  test("the next locker gets the lock and is told the owner died", async () => {
    const name = uniqueName("lock-dead");
    using a = createSharedArray(name, { shape: [4], dtype: "int32", unlinkOnClose: true });
    const holder = await startHolder("lock", name);
    assert.equal(a.get(0), -1, "the holder is mid-update");
    assert.equal(a.tryLock(), null, "held by the child");
    const pid = holder.child.pid;
    await kill9(holder);
    using guard = a.lock();
    assert.equal(guard.previousOwnerDied, true);
    assert.equal(guard.previousOwnerPid, pid);
    a.set(0, 0); // repair
    guard.unlock();
    using g2 = a.lock();
    assert.equal(g2.previousOwnerDied, false, "reported once");
  });

  test("standalone named mutex across processes; removed with its last user", async () => {
    const name = uniqueName("mutex");
    const holder = await startHolder("mutex", name);
    using m = openMutex(name);
    assert.equal(m.tryLock(), null, "the child holds it");
    const waiting = m.lockAsync();
    await kill9(holder);
    const guard = await waiting;
    assert.equal(guard.previousOwnerDied, true);
    guard.unlock();
    m.close();
    assert.ok(await eventually(() => !shmExists(name)), "tracked: gone with its last user");
  });
});

describe("lock: contention", () => {
  test("4 processes x 100k locked increments give the exact total", async () => {
    const name = uniqueName("lock-count");
    using counter = createSharedArray(name, { shape: [1], dtype: "int32", unlinkOnClose: true });
    const per = 100_000;
    const started = Date.now();
    const runs = [0, 1, 2, 3].map(() =>
      startFixture("fixtures/lock_increment.ts", [name, String(per)]).done
    );
    const results = await Promise.all(runs);
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    assert.equal(counter.get(0), 4 * per);
    const ms = results.map((r) => Number(r.stdout.trim()));
    console.log(
      `4 x ${per} locked increments: ${Date.now() - started} ms wall, per process ${ms} ms ` +
        `(${process.platform}, ${typeof (globalThis as { Deno?: unknown }).Deno})`,
    );
  });
});
