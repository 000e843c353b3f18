// track: true — the last tracker out removes the name, whether it closes or dies by kill -9;
// unnamed creation; and the 8 x 500 race of create/attach/track/close/delete.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import {
  attachSharedArray,
  createSharedArray,
  deleteSharedArray,
  ExistsError,
  listSharedArrays,
  NotFoundError,
  OsError,
  readSharedArray,
  removeStaleSharedArrays,
  saveSharedArray,
} from "../mod.ts";
import { userDir } from "../src/os/registry.ts";
import {
  afterAll,
  LOCK_FILES,
  shmExists,
  shmPath,
  startFixture,
  sweepLeaks,
  uniqueName,
} from "./_util.ts";
import { eventually, kill9, reaperOf, startHolder } from "./_sync_util.ts";

const unnamed: string[] = [];
const scratch = mkdtempSync(join(tmpdir(), "npshm-track-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  assert.deepEqual(unnamed.filter(shmExists), [], "unnamed segments left behind");
  assert.deepEqual(sweepLeaks(), [], "segments left behind");
});

describe("track", {
  skip: process.platform === "win32"
    ? "Windows names do not outlive their handles: nothing to track (the Windows tests below)"
    : false,
}, () => {
  test("the name goes with the last tracker to close, not before", () => {
    const name = uniqueName("track");
    const a = createSharedArray(name, { shape: [3], dtype: "f8", track: true, fill: 1 });
    const b = attachSharedArray(name, { track: true });
    const plain = attachSharedArray(name); // not a tracker: does not keep the name
    a.close();
    assert.ok(shmExists(name), "b still tracks it");
    b.close();
    assert.ok(!shmExists(name), "the last tracker removed it");
    assert.equal(plain.get(0), 1, "an untracked user keeps its mapping");
    plain.close();
  });

  test("an untracked array is never removed by closing", () => {
    const name = uniqueName("untracked");
    createSharedArray(name, { shape: [3], dtype: "f8" }).close();
    attachSharedArray(name, { track: true }).close(); // last tracker: removes it
    assert.ok(!shmExists(name));
    createSharedArray(name, { shape: [3], dtype: "f8" }).close();
    assert.ok(shmExists(name), "no tracker, no removal");
    deleteSharedArray(name);
  });

  test("an old tracker never removes a successor made under the same name", () => {
    const name = uniqueName("successor");
    const old = createSharedArray(name, { shape: [2], dtype: "u1", track: true });
    deleteSharedArray(name);
    const next = createSharedArray(name, { shape: [5], dtype: "u1" });
    old.close();
    assert.ok(shmExists(name), "the successor survives");
    next.close();
    deleteSharedArray(name);
  });

  test("a tracked attach of a deleted name is NotFoundError, not a zombie", () => {
    const name = uniqueName("gone");
    createSharedArray(name, { shape: [2], dtype: "u1", track: true }).close();
    assert.throws(() => attachSharedArray(name, { track: true }), NotFoundError);
    assert.equal(attachSharedArray(name, { track: true, raiseOnError: false }), null);
  });

  test("unnamed creation: a fresh unguessable name of at most 30 bytes", () => {
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const a = createSharedArray(undefined, { shape: [1], dtype: "u1", unlinkOnClose: true });
      unnamed.push(a.name);
      try {
        assert.match(a.name, /^npshm-[0-9a-f]{24}$/);
        assert.ok(a.name.length <= 30);
        const b = attachSharedArray(a.name);
        assert.equal(b.size, 1);
        b.close();
        names.add(a.name);
      } finally {
        a.close();
      }
    }
    assert.equal(names.size, 20);
  });
});

// The reaper is forked from its process and would otherwise share, for that process's whole
// life, every page the process had then: its buffers, and the segments it attached read-only.
describe("the reaper keeps none of its process's memory", {
  skip: process.platform !== "linux" ? "it reads /proc, which only Linux has" : false,
}, () => {
  test("neither a 256 MiB buffer nor an attached segment, and it still does its job", async () => {
    const name = uniqueName("seen");
    using _seen = createSharedArray(name, { shape: [2 ** 20], dtype: "u1", unlinkOnClose: true });
    const holder = await startHolder("heavy", name);
    unnamed.push(holder.name);
    const reaper = await reaperOf(holder.name);
    const maps = readFileSync(`/proc/${reaper}/maps`, "utf8");
    const rollup = readFileSync(`/proc/${reaper}/smaps_rollup`, "utf8");
    await kill9(holder);
    assert.ok(!maps.includes(shmPath(name)), "it maps a segment its process attached");
    const rssKiB = Number(/^Rss:\s+(\d+) kB$/m.exec(rollup)?.[1]);
    // The lock-file build stands in for macOS, whose reaper keeps its process's other memory.
    if (!LOCK_FILES) assert.ok(rssKiB < 128 * 1024, `it holds ${rssKiB} KiB`);
    assert.ok(await eventually(() => !shmExists(holder.name)), "it removed the tracked name");
  });

  test("a reaper forked from a worker thread keeps what that thread runs on, and works", async () => {
    const holder = await startHolder("thread");
    unnamed.push(holder.name);
    const reaper = await reaperOf(holder.name);
    const rollup = readFileSync(`/proc/${reaper}/smaps_rollup`, "utf8");
    await kill9(holder);
    const rssKiB = Number(/^Rss:\s+(\d+) kB$/m.exec(rollup)?.[1]);
    if (!LOCK_FILES) assert.ok(rssKiB < 128 * 1024, `it holds ${rssKiB} KiB`);
    assert.ok(await eventually(() => !shmExists(holder.name)), "it removed the tracked name");
  });
});

describe("track: kill -9", {
  skip: process.platform === "win32"
    ? "Windows names do not outlive their handles: nothing to track (the Windows tests below)"
    : false,
}, () => {
  test("the creator dies: the survivor carries on and, last out, removes it", async () => {
    const name = uniqueName("k-creator");
    const creator = await startHolder("create", name);
    const me = attachSharedArray(name, { track: true, validateShape: [16] });
    await kill9(creator);
    assert.ok(shmExists(name), "I still track it");
    assert.equal(me.get(15), 7);
    me.set(0, 1);
    using again = attachSharedArray(name);
    assert.equal(again.get(0), 1, "others can still attach");
    me.close();
    assert.ok(
      await eventually(() => !shmExists(name)),
      "removed once the dead one's reaper let go",
    );
  });

  test("an attacher dies: the creator carries on and removes it on close", async () => {
    const name = uniqueName("k-attacher");
    const me = createSharedArray(name, { shape: [16], dtype: "int32", track: true });
    const attacher = await startHolder("attach", name);
    await kill9(attacher);
    assert.ok(shmExists(name));
    me.close();
    // The dead attacher's reaper lets go of its lock a moment after the death; whichever of
    // the two leaves last removes the name.
    assert.ok(await eventually(() => !shmExists(name)), "removed once both are gone");
  });

  test("the last tracker dies: its reaper removes the name", async () => {
    const name = uniqueName("k-last");
    const creator = await startHolder("create", name);
    const attacher = await startHolder("attach", name);
    await kill9(creator);
    assert.ok(shmExists(name), "the attacher still tracks it");
    await kill9(attacher);
    assert.ok(await eventually(() => !shmExists(name)), "removed after the last one died");
  });

  test("an unnamed tracked array dies with its only process", async () => {
    const holder = await startHolder("alone");
    unnamed.push(holder.name);
    assert.ok(shmExists(holder.name));
    await kill9(holder);
    assert.ok(await eventually(() => !shmExists(holder.name)));
  });
});

describe("track: race", {
  skip: process.platform === "win32"
    ? "Windows names do not outlive their handles: nothing to track (the Windows tests below)"
    : false,
}, () => {
  test("8 processes x 500 rounds of create/attach/track/close/delete on 3 names", async () => {
    const prefix = uniqueName("race");
    const started = Date.now();
    const runs = Array.from(
      { length: 8 },
      () => startFixture("fixtures/track_race.ts", [prefix, "3", "500"]).done,
    );
    const results = await Promise.all(runs);
    let created = 0, attached = 0;
    for (const r of results) {
      assert.equal(r.status, 0, r.stderr);
      const [c, a] = r.stdout.trim().split(" ").map(Number);
      created += c;
      attached += a;
    }
    assert.ok(created > 100 && attached > 100, `created ${created}, attached ${attached}`);
    for (let i = 0; i < 3; i++) {
      assert.ok(!shmExists(`${prefix}-${i}`), `${prefix}-${i} was left behind`);
    }
    console.log(`race: ${created} creates, ${attached} attaches in ${Date.now() - started} ms`);
  });
});

// What track, unlinkOnClose and deleteSharedArray mean on Windows (README, "Platforms"): a
// mapping lives exactly as long as some process has it open, crashes included.
describe("lifetimes on Windows", {
  skip: process.platform === "win32" ? false : "Windows only (Linux: the tests above)",
}, () => {
  // The hidden files persistent arrays are made in before they take their name.
  const litter = () => readdirSync(userDir("arrays")).filter((f) => f.endsWith(".npshm-tmp"));

  test("a name lives exactly as long as some handle, tracked or not", () => {
    const name = uniqueName("win-life");
    const a = createSharedArray(name, { shape: [3], dtype: "f8", track: true, fill: 1 });
    const b = attachSharedArray(name, { track: true });
    const plain = attachSharedArray(name);
    a.close();
    b.close();
    assert.ok(shmExists(name), "an untracked handle keeps it too");
    assert.equal(plain.get(0), 1);
    plain.close();
    assert.ok(!shmExists(name), "gone with the last handle");
    assert.throws(() => attachSharedArray(name), NotFoundError);
  });

  test("unlinkOnClose and deleteSharedArray cannot take a live mapping's name", () => {
    const name = uniqueName("win-unlink");
    const a = createSharedArray(name, { shape: [2], dtype: "u1", unlinkOnClose: true, fill: 5 });
    const b = attachSharedArray(name);
    a.close();
    assert.ok(shmExists(name), "b has it: the name stays");
    assert.equal(deleteSharedArray(name), true);
    using c = attachSharedArray(name);
    assert.equal(c.get(1), 5, "still attachable while open anywhere");
    b.close();
  });

  test("persistent: true keeps an array with no process, until deleted", async () => {
    const name = uniqueName("win-persist");
    const a = createSharedArray(name, { shape: [4], dtype: "int32", fill: 3, persistent: true });
    a.set(1, 9);
    a.close(); // no process has it now
    assert.throws(() => createSharedArray(name, { shape: [1], dtype: "u1" }), ExistsError);
    const locker = await startHolder("lock", name); // attaches it, locks, writes -1, stays
    using b = attachSharedArray(name, { validateShape: [4], validateDtype: "int32" });
    assert.deepEqual([...b.data as Int32Array], [-1, 9, 3, 3], "one array across processes");
    assert.equal(b.tryLock(), null, "the lock is shared too");
    await kill9(locker);
    const guard = b.lock({ timeoutMs: 5000 });
    assert.equal(guard.previousOwnerDied, true);
    guard.unlock();
    assert.ok(listSharedArrays().some((x) => x.name === name), "listed");
    b.close();
    assert.equal(deleteSharedArray(name), true);
    assert.throws(() => attachSharedArray(name), NotFoundError);
    assert.ok(!listSharedArrays().some((x) => x.name === name), "no longer listed");
  });

  test("persistent arrays appear whole, under their name or not at all; force replaces", () => {
    const name = uniqueName("win-whole");
    const file = join(scratch, "whole.npy");
    {
      using a = createSharedArray(undefined, { shape: [3, 4], dtype: "i4", fill: 5 });
      saveSharedArray(a, file);
    }
    let calls = 0;
    assert.throws(() =>
      readSharedArray(file, name, {
        persistent: true,
        onProgress: () => {
          if (++calls === 1) throw new Error("stop midway");
        },
      }), /stop midway/);
    assert.throws(() => attachSharedArray(name), NotFoundError, "nothing under the name");
    assert.deepEqual(litter(), [], "and no file left of it");
    let whileFilled: unknown;
    readSharedArray(file, name, {
      persistent: true,
      onProgress: () => {
        try {
          attachSharedArray(name).close();
        } catch (err) {
          whileFilled = err;
        }
      },
    }).close(); // no process has it now
    assert.ok(whileFilled instanceof NotFoundError, `attached while being filled: ${whileFilled}`);
    {
      using a = attachSharedArray(name, { validateShape: [3, 4], validateDtype: "i4" });
      assert.equal(a.get(2, 3), 5);
    }
    const again = { shape: [2], dtype: "u1", persistent: true, fill: 7 } as const;
    assert.throws(() => createSharedArray(name, again), ExistsError);
    {
      using _held = attachSharedArray(name);
      assert.throws(
        () => createSharedArray(name, { ...again, force: true }),
        (err) => err instanceof OsError && /a process has it open/.test(err.message),
        "Windows cannot replace a mapped file",
      );
    }
    assert.deepEqual(litter(), []);
    createSharedArray(name, { ...again, force: true }).close();
    {
      using a = attachSharedArray(name);
      assert.deepEqual(a.toArray(), [7, 7], "force replaced it");
    }
    assert.deepEqual(litter(), []);
    assert.equal(deleteSharedArray(name), true);
  });

  test("a creator killed mid-fill leaves a hidden file, removed once nobody claims it", async () => {
    const [one, two] = [uniqueName("win-orphan"), uniqueName("win-orphan")];
    const before = litter();
    const fillers = [await startHolder("filling", one), await startHolder("filling", two)];
    const [a, b] = litter().filter((f) => !before.includes(f)).map((f) =>
      join(userDir("arrays"), f)
    );
    assert.ok(a && b, "each filler's hidden file");
    const age = (path: string, ms: number) => utimesSync(path, new Date(ms), new Date(ms));
    age(a, Date.now() - 60_000);
    age(b, Date.now() - 60_000);
    assert.deepEqual(removeStaleSharedArrays(), [], "a live creator's claim keeps its file");
    assert.throws(() => attachSharedArray(one), NotFoundError, "and it is under no name");
    for (const f of fillers) await kill9(f);
    age(b, Date.now()); // as if written just now: a creator that has not claimed it yet
    const third = uniqueName("win-orphan");
    createSharedArray(third, { shape: [1], dtype: "u1", persistent: true }).close();
    assert.equal(deleteSharedArray(third), true);
    assert.ok(!existsSync(a), "a new persistent array removed the dead creator's file");
    assert.ok(existsSync(b), "but not one written less than 10 s ago");
    age(b, Date.now() - 60_000);
    assert.deepEqual(removeStaleSharedArrays(), [basename(b)], "removeStaleSharedArrays says so");
    assert.ok(!existsSync(b));
    for (const n of [one, two]) rmSync(join(tmpdir(), `${n}.npy`), { force: true });
  });

  test("readSharedArray readOnly: the array stays while the read-only one has it", () => {
    const name = uniqueName("win-read");
    const file = join(scratch, "read.npy");
    {
      using a = createSharedArray(undefined, { shape: [4], dtype: "f8", fill: 2.5 });
      saveSharedArray(a, file);
    }
    using r = readSharedArray(file, name, { readOnly: true });
    assert.deepEqual(r.toArray(), [2.5, 2.5, 2.5, 2.5]);
    using b = attachSharedArray(name);
    assert.equal(b.get(3), 2.5, "another attach finds it");
  });

  test("kill -9 of the only holder takes the name with it", async () => {
    const name = uniqueName("win-kill");
    const creator = await startHolder("create", name);
    assert.ok(shmExists(name));
    await kill9(creator);
    assert.ok(await eventually(() => !shmExists(name)), "gone with the dead process's handles");
  });
});
