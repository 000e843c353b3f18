// Names, lifetimes and other local users (issue 12): an unlink-if-same never removes a
// successor, even racing; a reader's locks neither block a tracker nor keep a name alive;
// force-replace's temporary names cannot be squatted, and orphans are hidden and cleaned up;
// names whose trackers all died (reapers included) are reclaimed, live ones never.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { linkSync, readdirSync, unlinkSync } from "node:fs";
import process from "node:process";
import { describe, test } from "node:test";
import {
  attachSharedArray,
  createSharedArray,
  deleteSharedArray,
  ExistsError,
  inspectSharedArray,
  listSharedArrays,
  NotFoundError,
  removeStaleSharedArrays,
} from "../mod.ts";
import {
  afterAll,
  AS_NOBODY,
  LOCK_FILES,
  nobodysPython,
  runFixture,
  shmExists,
  shmPath,
  startFixture,
  sweepLeaks,
  testFile,
  uniqueName,
} from "./_util.ts";
import { eventually, type Holder, kill9, reaperOf, running, startHolder } from "./_sync_util.ts";

const extra: string[] = []; // files outside the swept pattern, removed at the end
afterAll(() => {
  for (const path of extra) {
    try {
      unlinkSync(path);
    } catch {
      // removed by the test itself
    }
  }
  assert.deepEqual(sweepLeaks(), [], "segments left behind");
});

describe("unlink-if-same never removes a successor", () => {
  for (const [mode, what] of [["unlinker", "unlinkOnClose"], ["tracker", "last tracker"]]) {
    test(`2 ${what} attachers against a force-publisher, 8 s`, async () => {
      const name = uniqueName(`successor-${mode}`);
      const logName = uniqueName("successor-log");
      using log = createSharedArray(logName, {
        shape: [1 << 22],
        dtype: "int32",
        unlinkOnClose: true,
      });
      const args = (role: string) => [role, name, logName, "8"];
      const racers = [1, 2].map(() => startFixture("fixtures/successor_race.ts", args(mode)).done);
      const publisher = await startFixture("fixtures/successor_race.ts", args("publisher"))
        .done;
      for (const r of await Promise.all(racers)) assert.equal(r.status, 0, r.stderr);
      assert.equal(publisher.status, 0, publisher.stderr);
      const [, made, wrong] = /^made (\d+) wrongly-removed (\d+)$/m.exec(publisher.stdout)!;
      console.log(`successor race (${what}): ${made} published, ${wrong} removed wrongly`);
      assert.ok(Number(made) > 100, `only ${made} published`);
      assert.equal(Number(wrong), 0, `a ${what} removed an array it had not attached`);
      assert.ok(log.size > 0);
      deleteSharedArray(name);
    });
  }
});

// Another user (nobody) holding `kind` on a 0644 segment, until stopped.
async function startReader(py: string, kind: string, name: string) {
  const script = testFile("python/reader_lock.py");
  const child = spawn(AS_NOBODY[0], [...AS_NOBODY.slice(1), py, script, kind, shmPath(name)]);
  let seen = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => (seen += d) && seen.includes("ready") && resolve());
    child.stderr.on("data", (d) => (seen += d));
    child.on("close", () => reject(new Error(`reader ${kind} exited: ${seen}`)));
  });
  return {
    stop: () => new Promise((resolve) => (child.on("close", resolve), child.stdin.end())),
  };
}

// Runs fixtures/reader_victim.ts in a child: a hang there is a failed test, not a hung suite.
function victim(mode: string, name: string): string {
  const r = runFixture("fixtures/reader_victim.ts", [mode, name], undefined, 30_000);
  assert.equal(r.signal, null, `victim ${mode} hung (killed after 30 s)`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe("another user who can only read a segment", () => {
  const py = nobodysPython();
  const skip = py === undefined ? "needs root, setpriv and a python3 outside /root" : false;

  // The victim attaches with track: true and closes, the only tracker: the name must go.
  // read-all leaves no slot a tracker could take: track is a typed error, at once. (Lock-file
  // slots, macOS's, are files of the tracker's own directory: no lock on the segment reaches
  // them.)
  const outcome: Record<string, string> = {
    "flock-ex": "tracked gone",
    "flock-sh": "tracked gone",
    "read-all": LOCK_FILES ? "tracked gone" : "OS_ERROR",
  };
  for (const [kind, expected] of Object.entries(outcome)) {
    test(`${kind}: cannot block a tracker nor keep the name alive`, { skip }, async () => {
      const name = uniqueName(`reader-${kind}`);
      createSharedArray(name, { shape: [8], dtype: "u1", mode: 0o644 }).close();
      const reader = await startReader(py!, kind, name);
      try {
        assert.equal(victim("track", name), expected);
      } finally {
        await reader.stop();
        deleteSharedArray(name);
      }
    });
  }

  // A read-locked gate is a reader's: not waited for (a writer's is, up to 5 s).
  test("read-all on the gate: unlinkOnClose and delete go on at once", { skip }, async () => {
    const name = uniqueName("reader-gate");
    createSharedArray(name, { shape: [8], dtype: "u1", mode: 0o644 }).close();
    const reader = await startReader(py!, "read-all", name);
    try {
      const [outcome, ms] = victim("unlink", name).split(" ");
      assert.equal(outcome, "unlinked");
      assert.ok(Number(ms) < 2500, `the close waited ${ms} ms for a reader's lock`);
      createSharedArray(name, { shape: [8], dtype: "u1", mode: 0o644 }).close();
    } finally {
      await reader.stop();
    }
    const again = await startReader(py!, "read-all", name);
    try {
      const started = Date.now();
      assert.equal(deleteSharedArray(name), true);
      assert.ok(Date.now() - started < 2500, "delete waited for a reader's lock");
      assert.ok(!shmExists(name));
    } finally {
      await again.stop();
    }
  });
});

describe("force-replace's temporary names", () => {
  const py = nobodysPython();
  test("another user squatting the old predictable names cannot stop force", {
    skip: py === undefined ? "needs root, setpriv and a python3 outside /root" : false,
  }, () => {
    // What every `force: true` of this process would have linked first: .npshm-<pid>-<fd>.
    const squat = Array.from({ length: 1024 }, (_, fd) => `/dev/shm/.npshm-${process.pid}-${fd}`);
    extra.push(...squat);
    const code = "import sys\nfor p in sys.argv[1:]: open(p, 'x').close()";
    const r = spawnSync(AS_NOBODY[0], [...AS_NOBODY.slice(1), py!, "-c", code, ...squat]);
    assert.equal(r.status, 0, String(r.stderr));
    const name = uniqueName("squat");
    createSharedArray(name, { shape: [2], dtype: "u1", force: true, fill: 1 }).close();
    using b = createSharedArray(name, { shape: [2], dtype: "u1", force: true, fill: 2 });
    using c = attachSharedArray(name);
    assert.equal(c.get(0), 2);
    const mine = readdirSync("/dev/shm").filter((n) => n.startsWith(`.npshm-${process.pid}-`));
    assert.equal(mine.length, squat.length, "a temporary name of ours was left behind");
    assert.ok(b.size > 0);
    deleteSharedArray(name);
  });

  test("an orphan is hidden from listings; rm --all-stale removes it once its pid is dead", () => {
    const name = uniqueName("orphan");
    createSharedArray(name, { shape: [3], dtype: "u1" }).close();
    const dead = spawnSync(process.execPath, ["--version"]).pid!; // exited: its pid is free
    const orphan = `/dev/shm/.npshm-${dead}-${"0123456789abcdef"}`;
    const alive = `/dev/shm/.npshm-${process.pid}-${"fedcba9876543210"}`;
    for (const path of [orphan, alive]) {
      linkSync(shmPath(name), path); // a complete array, as a crash between link and rename
      extra.push(path);
    }
    const listed = listSharedArrays().map((a) => a.name);
    assert.ok(listed.includes(name));
    assert.ok(!listed.some((n) => n.startsWith(".npshm-")), "temporary names are listed");
    const removed = removeStaleSharedArrays();
    assert.ok(removed.includes(orphan.slice("/dev/shm/".length)), `removed: ${removed}`);
    assert.ok(!shmExists(orphan.slice("/dev/shm/".length)));
    assert.ok(shmExists(alive.slice("/dev/shm/".length)), "a live process's temp was removed");
    unlinkSync(alive);
    deleteSharedArray(name);
  });
});

// A tracked array whose tracker and reaper were both killed (as a cgroup stop does).
async function leftByKill(tag: string): Promise<string> {
  const holder: Holder = await startHolder("create", uniqueName(tag));
  const reaper = await reaperOf(holder.name);
  process.kill(reaper, "SIGKILL");
  // A signal is delivered later: a reaper still alive when its tracker dies does its job.
  assert.ok(await eventually(() => !running(reaper)), `reaper ${reaper} outlived SIGKILL`);
  await kill9(holder);
  return holder.name;
}

describe("tracker and reaper killed together", () => {
  test("the name stays, listed as stale, until the next create reclaims it", async () => {
    const name = await leftByKill("stale-create");
    const info = inspectSharedArray(name);
    assert.deepEqual([info.everTracked, info.trackers, info.stale], [true, [], true]);
    using fresh = createSharedArray(name, { shape: [2], dtype: "f8", fill: 5 });
    assert.equal(attachSharedArray(name).get(1), 5, "the new array holds the name");
    assert.ok(fresh.size > 0);
    deleteSharedArray(name);
  });

  test("a tracked attach reclaims it (not found); a plain attach does not", async () => {
    const name = await leftByKill("stale-attach");
    attachSharedArray(name).close();
    assert.ok(shmExists(name), "a plain attach keeps it");
    assert.throws(() => attachSharedArray(name, { track: true }), NotFoundError);
    assert.ok(!shmExists(name));
  });

  test("rm --all-stale reclaims it; a live tracker's array is never reclaimed", async () => {
    const name = await leftByKill("stale-rm");
    const live = await startHolder("create", uniqueName("live"));
    try {
      assert.throws(() => createSharedArray(live.name, { shape: [1], dtype: "u1" }), ExistsError);
      const removed = removeStaleSharedArrays();
      assert.ok(removed.includes(name) && !shmExists(name), `removed: ${removed}`);
      assert.ok(!removed.includes(live.name) && shmExists(live.name));
      // Listings find trackers in /proc/locks; lock-file slots are not there.
      if (!LOCK_FILES) assert.equal(inspectSharedArray(live.name).trackers.length, 1);
    } finally {
      await kill9(live);
    }
    assert.ok(await eventually(() => !shmExists(live.name)), "its reaper removes it");
  });
});
