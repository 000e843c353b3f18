// SharedArrayScope: everything made in it is removed on exit, even on an exception, with
// using / await using, and by the process exit hook however the process ends.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ClosedError, createSharedArray, deleteSharedArray, SharedArrayScope } from "../mod.ts";
import { afterAll, runFixture, runtime, shmExists, sweepLeaks, uniqueName } from "./_util.ts";

const unnamed: string[] = [];
afterAll(() => {
  assert.deepEqual(unnamed.filter(shmExists), [], "unnamed segments left behind");
  assert.deepEqual(sweepLeaks(), [], "segments left behind");
});

describe("SharedArrayScope", () => {
  test("using: created arrays are removed, attached ones only closed, even on a throw", () => {
    const kept = uniqueName("kept");
    // kept open here: a Windows mapping goes with its last handle, and the point is that the
    // scope's close of its attach neither deletes it nor closes what it did not make
    using keeper = createSharedArray(kept, { shape: [2], dtype: "u1" });
    const made = uniqueName("made");
    let attached;
    assert.throws(() => {
      using scope = new SharedArrayScope();
      scope.create(made, { shape: [3], dtype: "f4" });
      const tmp = scope.create(undefined, { shape: [3], dtype: "f4" });
      unnamed.push(tmp.name);
      attached = scope.attach(kept);
      assert.equal(scope.arrays.length, 3);
      throw new Error("boom");
    }, /boom/);
    assert.ok(!shmExists(made) && !shmExists(unnamed.at(-1)!), "created ones removed");
    assert.ok(shmExists(kept), "attached one kept");
    assert.equal(attached!.closed, true);
    assert.equal(keeper.closed, false);
    deleteSharedArray(kept);
  });

  test("await using, and a closed scope refuses new arrays", async () => {
    const name = uniqueName("async-scope");
    let scope!: SharedArrayScope;
    {
      await using s = new SharedArrayScope();
      scope = s;
      s.create(name, { shape: [1], dtype: "i8" });
      assert.ok(shmExists(name));
    }
    assert.ok(!shmExists(name));
    assert.equal(scope.closed, true);
    assert.throws(() => scope.create(undefined, { shape: [1], dtype: "u1" }), ClosedError);
  });

  // Each way a process can end, in a child of the runtime under test: the names the open scope
  // made are gone afterwards, and the exit status is the one the program asked for.
  const ends: [mode: string, status: number][] = [
    ["end", 0],
    ["exit", 3],
    ["throw", 1],
    ["reject", 1],
    ...(runtime === "deno" ? [["deno-exit", 3]] as [string, number][] : []),
  ];
  for (const [mode, status] of ends) {
    test(`the exit hook removes what an open scope made: ${mode}`, () => {
      const r = runFixture("fixtures/scope_exit.ts", [mode]);
      const name = /^ready (\S+)$/m.exec(r.stdout)?.[1];
      assert.ok(name, r.stderr);
      unnamed.push(name);
      assert.equal(r.status, status, r.stderr);
      assert.ok(!shmExists(name), `${name} survived ${mode}`);
    });
  }

  test("Deno: an error event an earlier listener prevents keeps the scope open", {
    skip: runtime === "deno" ? false : "Deno's error event",
  }, () => {
    const r = runFixture("fixtures/scope_exit.ts", ["kept"]);
    const name = /^ready (\S+)$/m.exec(r.stdout)?.[1];
    assert.ok(name, r.stderr);
    unnamed.push(name);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^alive 9$/m, "the array was still open after the prevented error");
    assert.ok(!shmExists(name));
  });
});
