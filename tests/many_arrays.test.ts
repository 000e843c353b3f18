// Holding many arrays: an attached or created array keeps no file descriptor (issue 13), so a
// process holds more arrays than its descriptor limit; a descriptor is reopened only for the
// call that needs one, and only if the name still refers to the same segment.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { attachSharedArray, createSharedArray, deleteSharedArray, NotFoundError } from "../mod.ts";
import { afterAll, runtimeCommand, shmExists, sweepLeaks, uniqueName } from "./_util.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

const linux = process.platform === "linux" ? false : "counts /proc/self/fd";
const FD_LIMIT = 1024;
const COUNT = 1500; // created, and as many attached: 3,000 arrays under a limit of 1,024

test(`a child under ulimit -n ${FD_LIMIT} holds ${2 * COUNT} arrays and no descriptor for them`, {
  skip: linux,
}, () => {
  const prefix = uniqueName("many");
  const [cmd, args] = runtimeCommand("fixtures/many_arrays.ts", [prefix, String(COUNT)]);
  const quoted = [cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const r = spawnSync("sh", ["-c", `ulimit -n ${FD_LIMIT} && exec ${quoted}`], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const { held, fds, fdsBefore } = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  assert.equal(held, 2 * COUNT);
  assert.equal(fds, fdsBefore, `descriptors open while holding ${held} arrays, and before any`);
  for (let i = 0; i < COUNT; i += 100) assert.ok(!shmExists(`${prefix}-${i}`));
});

test("unlink-if-same after the name was reused spares the new array", () => {
  const name = uniqueName("reused");
  const old = createSharedArray(name, { shape: [4], dtype: "int32", unlinkOnClose: true });
  deleteSharedArray(name);
  using _successor = createSharedArray(name, { shape: [4], dtype: "int32", fill: 9 });
  old.close(); // the name now refers to another segment: not removed
  assert.ok(shmExists(name));
  using again = attachSharedArray(name);
  assert.equal(again.get(0), 9);
  deleteSharedArray(name);
});

test("lock() of an array whose name now refers to another segment is a NotFoundError", () => {
  const name = uniqueName("relock");
  using old = createSharedArray(name, { shape: [4], dtype: "int32" });
  deleteSharedArray(name);
  using successor = createSharedArray(name, { shape: [4], dtype: "int32", unlinkOnClose: true });
  assert.throws(() => old.lock(), NotFoundError);
  successor.lock(); // the new one locks as ever
  successor.unlock();
});
