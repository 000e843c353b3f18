// The cross-process mutex: lock / tryLock / unlock / guards / lockAsync, timeouts and aborts,
// more waiting lockers than sleep off the JS thread, a dead holder reported to the next locker
// (decided by its token, not its pid), standalone named mutexes, a reader that cannot block a
// writer, close() ending a pending lockAsync (and the process exiting), and processes x locked
// increments adding up exactly.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import process from "node:process";
import {
  AbortedError,
  attachSharedArray,
  ClosedError,
  createSharedArray,
  InvalidArgumentError,
  LockError,
  openMutex,
  ReadOnlyError,
  TimeoutError,
  UnsupportedError,
} from "../mod.ts";
import { parseDType } from "../src/format/dtype.ts";
import { encodeHeader } from "../src/format/header.ts";
import {
  afterAll,
  AS_NOBODY,
  LOCK_FILES,
  nobodysPython,
  runtime,
  shmExists,
  shmPath,
  startFixture,
  sweepLeaks,
  testFile,
  uniqueName,
} from "./_util.ts";
import {
  closedWhilePending,
  eventually,
  exitsWithin,
  kill9,
  pokeSegment,
  rawSegment,
  startHolder,
  waitForLine,
  within,
} from "./_sync_util.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

/** Two arrays of one new int32 (1,) array, as two processes have it: `using two = ...`. */
function twoArrays(tag: string) {
  const a = createSharedArray(uniqueName(tag), { shape: [1], dtype: "int32", unlinkOnClose: true });
  const b = attachSharedArray(a.name);
  return { a, b, [Symbol.dispose]: () => (b.close(), a.close()) };
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
    using two = twoArrays("lock-async");
    const { a, b } = two;
    a.lock();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    // 300 ms: Windows' timers tick every 15.6 ms, so a 5 ms interval runs ~6 times in 100 ms.
    setTimeout(() => a.unlock(), 300);
    const guard = await b.lockAsync();
    clearInterval(timer);
    assert.ok(ticks >= 5, `the loop ran ${ticks} times while waiting`);
    assert.equal(a.tryLock(), null);
    guard.unlock();
  });

  test("20 lockAsync waiting at once (more than sleep off the JS thread): file I/O runs, each gets its lock", async () => {
    // 16 wait in the kernel off the JS thread (ffi/waiters.ts), the other 4 poll.
    const pairs = Array.from({ length: 20 }, (_, i) => twoArrays(`lock-many${i}`));
    try {
      for (const { a } of pairs) a.lock();
      const pending = pairs.map(({ b }) => b.lockAsync({ timeoutMs: 20_000 }));
      await new Promise((r) => setTimeout(r, 300));
      const started = performance.now();
      await readFile(new URL(import.meta.url));
      const ms = performance.now() - started;
      for (const { a } of pairs) a.unlock();
      const guards = await Promise.all(pending);
      for (const { a } of pairs) assert.equal(a.tryLock(), null, "each b holds its lock");
      guards.forEach((g) => g.unlock());
      assert.ok(ms < 2000, `a file read took ${ms.toFixed(0)} ms while the lockers waited`);
    } finally {
      pairs.forEach((p) => p[Symbol.dispose]());
    }
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
    // As Python's SharedMemory leaves it: a header and the data, no control block.
    const head = encodeHeader(parseDType("<i4"), [4], false);
    using _ = rawSegment(name, head, new Uint8Array(16));
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
    using guard = a.lock({ timeoutMs: 10_000 }); // a TimeoutError, not a hang, if undetected
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
    const waiting = m.lockAsync({ timeoutMs: 10_000 }); // asleep in the shim when it dies
    await new Promise((r) => setTimeout(r, 50));
    await kill9(holder);
    const guard = await waiting;
    assert.equal(guard.previousOwnerDied, true);
    guard.unlock();
    m.close();
    assert.ok(await eventually(() => !shmExists(name)), "tracked: gone with its last user");
  });
});

describe("lock: timeouts, aborts and arguments", () => {
  test("lock({ timeoutMs }) gives up with a TimeoutError; 0 is a try", () => {
    using two = twoArrays("lock-timeout");
    const { a, b } = two;
    using _held = a.lock();
    const t0 = performance.now();
    assert.throws(() => b.lock({ timeoutMs: 60 }), TimeoutError);
    const waited = performance.now() - t0;
    assert.ok(waited >= 55 && waited < 5000, `waited ${waited} ms`);
    assert.throws(() => b.lock({ timeoutMs: 0 }), TimeoutError);
    assert.throws(() => b.lock({ timeoutMs: -5 }), TimeoutError, "a deadline that passed: a try");
    assert.throws(() => a.lock({ timeoutMs: 10 }), LockError, "still not re-entrant");
  });

  test("lock({ timeoutMs }) with a huge or infinite timeout waits for the holder", async () => {
    using two = twoArrays("lock-forever");
    const { a, b } = two;
    for (const timeoutMs of [Infinity, 1e300, Number.MAX_VALUE]) {
      a.lock();
      setTimeout(() => a.unlock(), 30);
      const g = await b.lockAsync({ timeoutMs });
      g.unlock();
    }
  });

  test("lockAsync({ timeoutMs }) and ({ signal }): typed rejections, the lock not taken", async () => {
    using two = twoArrays("lock-abort");
    const { a, b } = two;
    a.lock();
    await assert.rejects(b.lockAsync({ timeoutMs: 50 }), TimeoutError);
    const reason = new Error("enough");
    const controller = new AbortController();
    const pending = b.lockAsync({ signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(within(5000, pending), (err: unknown) => {
      assert.ok(err instanceof AbortedError);
      assert.equal(err.cause, reason);
      return true;
    });
    await assert.rejects(b.lockAsync({ signal: AbortSignal.abort() }), AbortedError);
    a.unlock();
    const g = b.tryLock();
    assert.ok(g, "neither the timed-out nor the aborted call left it taken");
    g.unlock();
  });

  test("a queued lockAsync leaves the queue on abort or timeout; the others go on", async () => {
    using a = createSharedArray(uniqueName("lock-q-abort"), {
      shape: [1],
      dtype: "int32",
      unlinkOnClose: true,
    });
    const first = await a.lockAsync();
    const controller = new AbortController();
    const aborted = a.lockAsync({ signal: controller.signal });
    const timed = a.lockAsync({ timeoutMs: 30 });
    const last = a.lockAsync();
    controller.abort();
    await assert.rejects(aborted, AbortedError);
    await assert.rejects(timed, TimeoutError);
    first.unlock();
    (await within(5000, last)).unlock();
  });

  test("bad options are InvalidArgumentErrors", async () => {
    using a = createSharedArray(uniqueName("lock-args"), {
      shape: [1],
      dtype: "int32",
      unlinkOnClose: true,
    });
    for (const timeoutMs of [NaN, 5n, "5", null]) {
      assert.throws(() => a.lock({ timeoutMs } as never), InvalidArgumentError, String(timeoutMs));
      await assert.rejects(a.lockAsync({ timeoutMs } as never), InvalidArgumentError);
    }
    for (const signal of [{}, "x", 1]) {
      await assert.rejects(a.lockAsync({ signal } as never), InvalidArgumentError);
    }
    assert.throws(() => a.lock(5 as never), InvalidArgumentError);
    assert.throws(() => a.lock(null as never), InvalidArgumentError);
    a.lock({}).unlock();
  });

  test("openMutex takes the same options", async () => {
    const name = uniqueName("mutex-opts");
    using m = openMutex(name);
    using n = openMutex(name);
    const g = m.lock({ timeoutMs: 1000 });
    assert.throws(() => n.lock({ timeoutMs: 20 }), TimeoutError);
    await assert.rejects(n.lockAsync({ signal: AbortSignal.timeout(20) }), AbortedError);
    g.unlock();
    (await n.lockAsync({ timeoutMs: 1000 })).unlock();
  });
});

describe("lock: what decides that a holder died", () => {
  test("its token, not its pid: a live pid in the pid word of a dead holder changes nothing", () => {
    const name = uniqueName("lock-pid");
    using a = createSharedArray(name, { shape: [1], dtype: "int32", unlinkOnClose: true });
    // A holder with token id 12345 (no process holds that token) and the pid of a live
    // process (this one): a pid-based check would wait for it forever.
    pokeSegment(
      name,
      a.controlOffset! + 24,
      new Uint8Array(new Uint32Array([12345, process.pid]).buffer),
    );
    const guard = a.lock({ timeoutMs: 5000 });
    assert.equal(guard.previousOwnerDied, true);
    assert.equal(guard.previousOwnerPid, process.pid);
    guard.unlock();
  });

  test("a version 1 control block (older npshm) is refused with a clear UnsupportedError", () => {
    const name = uniqueName("lock-v1");
    // What npshm wrote before: header, data, a 64-byte block of version 1.
    const head = encodeHeader(parseDType("<i4"), [4], false);
    const block = new Uint8Array(64);
    block.set(new TextEncoder().encode("NPSHM-CB"));
    new DataView(block.buffer).setUint16(8, 1, true); // version 1
    new DataView(block.buffer).setUint16(10, 64, true); // of 64 bytes
    const data = new Uint8Array(16 + (-(head.length + 16) & 63)); // zeros, then to a multiple of 64
    using _ = rawSegment(name, head, data, block);
    using a = attachSharedArray(name, { unlinkOnClose: true });
    assert.notEqual(a.controlOffset, undefined, "the block is found");
    assert.throws(() => a.lock(), (err: unknown) => {
      assert.ok(err instanceof UnsupportedError);
      assert.match(err.message, /older npshm \(control block version 1/);
      return true;
    });
    assert.equal(a.get(3), 0, "everything else works");
  });
});

describe("lock: another user", () => {
  const py = nobodysPython();
  test("a reader's locks (the old lockf attack) cannot block a writer's lock", {
    skip: process.platform === "win32"
      ? "the attack is fcntl read locks on a segment's bytes: Windows mappings have none"
      : py === undefined
      ? "needs root, setpriv and a python3 outside /root"
      : false,
  }, async () => {
    const name = uniqueName("lock-reader");
    using a = createSharedArray(name, {
      shape: [1],
      dtype: "int32",
      mode: 0o644,
      unlinkOnClose: true,
    });
    const locker = startFixture("fixtures/lock_attacked.ts", [name]);
    await waitForLine(locker.child, "token");
    // As nobody, who may only read it: a POSIX read lock on the lock word (what hung lock()
    // for good before) and OFD read locks on every byte of the token range that no live
    // token (a write lock) holds.
    const reader = spawn(AS_NOBODY[0], [
      ...AS_NOBODY.slice(1),
      py!,
      "-c",
      `
import fcntl, os, struct, sys
fd = os.open("${shmPath(name)}", os.O_RDONLY)
fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 8, ${a.controlOffset! + 24})
lock = lambda cmd, start, n: struct.unpack("hhqqixxxx", fcntl.fcntl(fd, cmd,
    struct.pack("hhqqixxxx", fcntl.F_RDLCK, 0, start, n, 0)))
start, end = 1 << 61, (1 << 61) + (1 << 30)
while start < end:  # GETLK reports one conflicting lock: read-lock up to it, go on after it
    found = lock(fcntl.F_OFD_GETLK, start, end - start)
    upto = end if found[0] == fcntl.F_UNLCK else found[2]
    if upto > start:
        lock(fcntl.F_OFD_SETLK, start, upto - start)
    start = end if found[0] == fcntl.F_UNLCK else found[2] + found[3]
print("ready", flush=True)
sys.stdin.read()
`,
    ]);
    try {
      await waitForLine(reader, "ready");
      locker.child.stdin.end("go\n");
      const r = await exitsWithin(15_000, locker);
      assert.equal(r.status, 0, r.stderr);
      // OFD tokens: the reader's read locks make a new token's draws fail, at once. Lock files
      // (macOS's, tests/lockfiles.test.ts) are out of the reader's reach: the draw succeeds.
      const drawn = LOCK_FILES ? "locked" : "LockError";
      assert.deepEqual(r.stdout.trim().split("\n"), ["token", "locked", drawn]);
      assert.equal(a.get(0), 1);
    } finally {
      reader.stdin.end();
    }
  });
});

describe("lock: close() while lockAsync is pending", () => {
  test("taken by the shim just as the array is closed: given back, nothing unmapped touched", async () => {
    const r = await exitsWithin(
      20_000,
      startFixture("fixtures/late_close.ts", [
        uniqueName("late-close"),
      ]),
    );
    assert.equal(r.signal, null, `the child died of ${r.signal}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "ClosedError free");
  });

  test("ClosedError, and the process exits by itself", async () => {
    await closedWhilePending("lock");
  });
});

describe("lock: contention", () => {
  test("Python through the shim (README's lock protocol) and JS exclude each other", {
    // lock_increment.py maps /dev/shm/NAME; on Windows Python would map the mapping by name
    // (mmap tagname=) and load npshm.dll, which this script does not do yet.
    skip: process.platform === "win32" ? "the Python side maps /dev/shm (Linux)" : false,
  }, async () => {
    const name = uniqueName("lock-py-js");
    using counter = createSharedArray(name, { shape: [2], dtype: "int32", unlinkOnClose: true });
    // Python is ~10x slower per increment: JS does 10x more, so that they overlap throughout.
    const [perPy, perJs] = [30_000, 300_000];
    const lib = process.env.NPSHM_LIB ??
      testFile(`../native/build/${process.platform}-${process.arch}/libnpshm.so`);
    const py = new Promise<string>((resolve, reject) =>
      execFile(
        "python3",
        [testFile("python/lock_increment.py"), lib, name, String(perPy), "3"],
        (err, stdout, stderr) => err ? reject(new Error(stderr)) : resolve(stdout),
      )
    );
    const js = ["sync", "async"].map((how) =>
      startFixture("fixtures/lock_increment.ts", [name, String(perJs), how, "3"]).done
    );
    assert.equal((await py).trim(), "ok");
    for (const r of await Promise.all(js)) assert.equal(r.status, 0, r.stderr);
    assert.equal(counter.get(0), perPy + 2 * perJs);
  });

  test("4 processes x 100k locked increments give the exact total", async () => {
    const name = uniqueName("lock-count");
    using counter = createSharedArray(name, { shape: [1], dtype: "int32", unlinkOnClose: true });
    const per = 100_000;
    const started = Date.now();
    const runs = ["sync", "sync", "sync", "async"].map((how) =>
      startFixture("fixtures/lock_increment.ts", [name, String(per), how]).done
    );
    const results = await Promise.all(runs);
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    assert.equal(counter.get(0), 4 * per);
    const ms = results.map((r) => Number(r.stdout.trim()));
    console.log(
      `4 x ${per} locked increments (3 lock(), 1 lockAsync()): ${Date.now() - started} ms ` +
        `wall, per process ${ms} ms (${runtime})`,
    );
  });
});
