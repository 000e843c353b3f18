// Several processes share arrays by name: concurrent writers, racing creators, attachers racing
// a creator.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, test } from "node:test";
import { attachSharedArray, createSharedArray, deleteSharedArray } from "../mod.ts";
import {
  afterAll,
  notOnWindows,
  shmExists,
  startFixture,
  sweepLeaks,
  uniqueName,
} from "./_util.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

// Each round's creators close their only handle at once: on Windows the array goes with it.
const ONLY_HANDLE = "the creators keep no handle, and a mapping goes with its last one";

describe("multi-process", () => {
  test("workers attach by name and write disjoint rows concurrently; the parent sees all", async () => {
    const name = uniqueName("rows");
    const rows = 64;
    const cols = 500;
    using a = createSharedArray(name, { shape: [rows, cols], dtype: "float64", fill: -1 });
    const workers = 4;
    const per = rows / workers;
    const runs = Array.from(
      { length: workers },
      (_, w) =>
        startFixture("fixtures/write_rows.ts", [name, String(w * per), String((w + 1) * per)]).done,
    );
    for (const r of await Promise.all(runs)) {
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), "ok");
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) assert.equal(a.get([r, c]), r * 1000 + c);
    }
    deleteSharedArray(name);
  });

  test("concurrent creators of one name: exactly one wins, none sees a half-made header", {
    skip: notOnWindows(ONLY_HANDLE),
  }, async () => {
    for (let round = 0; round < 3; round++) {
      const name = uniqueName("race");
      const startAt = String(Date.now() + 1500);
      const runs = Array.from(
        { length: 4 },
        () => startFixture("fixtures/race_create.ts", [name, startAt]).done,
      );
      const results = await Promise.all(runs);
      for (const r of results) assert.equal(r.status, 0, r.stderr);
      const winners = results.filter((r) => r.stdout.trim() === "won").length;
      assert.equal(winners, 1, results.map((r) => r.stdout.trim()).join(","));
      deleteSharedArray(name);
    }
  });

  test("attachers racing a creator never read a half-written header", {
    skip: notOnWindows(ONLY_HANDLE),
  }, async () => {
    const name = uniqueName("attach");
    const ms = "2000";
    const creator = startFixture("fixtures/attach_loop.ts", [name, "creator", ms]).done;
    const readers = [1, 2].map(() =>
      startFixture("fixtures/attach_loop.ts", [name, "reader", ms]).done
    );
    const [c, ...rs] = await Promise.all([creator, ...readers]);
    assert.equal(c.status, 0, c.stderr);
    assert.ok(Number(c.stdout) > 10, `creator made ${c.stdout} arrays`);
    for (const r of rs) assert.equal(r.status, 0, r.stderr);
    assert.ok(rs.some((r) => Number(r.stdout) > 0), "readers attached at least once");
    deleteSharedArray(name);
    assert.ok(!shmExists(name));
  });

  test("force replaces an array without the name ever going missing for attachers", {
    skip: notOnWindows(ONLY_HANDLE),
  }, async () => {
    const name = uniqueName("force");
    createSharedArray(name, { shape: [64, 1024], dtype: "float64", fill: 3 }).close();
    const ms = "2000";
    const forcing = startFixture("fixtures/attach_loop.ts", [name, "forcer", ms]);
    const forcer = forcing.done;
    const readers = [1, 2].map(() =>
      startFixture("fixtures/attach_loop.ts", [name, "strict-reader", ms]).done
    );
    const [f, ...rs] = await Promise.all([forcer, ...readers]);
    assert.equal(f.status, 0, f.stderr);
    assert.ok(Number(f.stdout) > 10, `forcer replaced it ${f.stdout} times`);
    for (const r of rs) assert.equal(r.status, 0, r.stderr); // a NotFoundError would fail it
    assert.ok(rs.every((r) => Number(r.stdout) > 10), rs.map((r) => r.stdout).join(","));
    deleteSharedArray(name);
    // Only this forcer's own temporary names (".npshm-<pid>-<fd>"): other processes on the
    // machine may be replacing arrays of their own right now.
    assert.deepEqual(
      readdirSync("/dev/shm").filter((n) => n.startsWith(`.npshm-${forcing.child.pid}-`)),
      [],
      "no temporary names left",
    );
  });

  test("a child's writes through Atomics.add add up across processes", async () => {
    const name = uniqueName("atomic");
    using counter = createSharedArray(name, { shape: [1], dtype: "int32" });
    const runs = [0, 1, 2].map(() => startFixture("fixtures/atomic_add.ts", [name, "20000"]).done);
    for (const r of await Promise.all(runs)) assert.equal(r.status, 0, r.stderr);
    assert.equal(counter.get(0), 60000);
    using again = attachSharedArray(name);
    assert.equal(Atomics.load(again.data as Int32Array, 0), 60000);
    deleteSharedArray(name);
  });
});
