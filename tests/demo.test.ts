// The demo cleans up after itself even when interrupted (issue 12, item 19): its segment is
// made with `track: true`, so Ctrl-C (SIGINT) mid-run leaves nothing in /dev/shm.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";
import { test } from "node:test";
import { eventually } from "./_sync_util.ts";
import { runtime, shmPath, testFile } from "./_util.ts";

const demo = testFile("../demo/main.ts");

test("the demo interrupted by SIGINT mid-run leaves no segment behind", {
  // The demo starts its workers with `deno run`, and the npm package's tests do not ship it.
  skip: runtime !== "deno" || !existsSync(demo) ? "the demo runs on Deno, from the sources" : false,
}, async () => {
  const args = ["run", "-A", demo, "--rows", "4096", "--cols", "4096", "--workers", "2"];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const done = new Promise((resolve) => child.on("close", (_code, signal) => resolve(signal)));
  const segment = shmPath(`npshm-demo-${child.pid}`);
  assert.ok(await eventually(() => existsSync(segment), 60_000), `never made: ${output}`);
  child.kill("SIGINT"); // what Ctrl-C sends
  assert.equal(await done, "SIGINT", output);
  assert.ok(await eventually(() => !existsSync(segment), 5_000), `${segment} left behind`);
});
