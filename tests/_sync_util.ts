/**
 * Helpers of the lifetime and coordination tests: child processes that hold something until
 * killed, and polling for what happens asynchronously (a reaper's clean-up).
 * @module
 */
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import {
  createSegment,
  openSegment,
  publishSegment,
  releaseSegment,
  unlinkSegment,
  writeSegment,
} from "../src/os/segment.ts";
import { shmPath, startFixture, uniqueName } from "./_util.ts";

/** A running fixture, once it printed its "ready NAME" line. */
export interface Holder {
  /** The name it printed (the array it made or holds). */
  name: string;
  /** The child process. */
  child: ReturnType<typeof startFixture>["child"];
  /** Resolves when it exits. */
  done: ReturnType<typeof startFixture>["done"];
}

/** Starts `fixtures/hold.ts MODE [NAME]` and waits for it to be ready. */
export async function startHolder(mode: string, name = ""): Promise<Holder> {
  const { child, done } = startFixture("fixtures/hold.ts", name ? [mode, name] : [mode]);
  const ready = new Promise<string>((resolve, reject) => {
    let seen = "";
    child.stdout.on("data", (d) => {
      seen += d;
      const m = /^ready (\S+)$/m.exec(seen);
      if (m) resolve(m[1]);
    });
    done.then((r) => reject(new Error(`holder ${mode} exited early: ${r.stderr}`)));
  });
  return { name: await ready, child, done };
}

/** kill -9 and wait until it is gone. */
export async function kill9(holder: Holder): Promise<void> {
  holder.child.kill("SIGKILL");
  await holder.done;
}

/** Polls `check` every 10 ms until it is true or `ms` passed; returns the last result. */
export async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Resolves once `child` printed `line` (a whole line of its stdout); rejects if it exits first. */
export function waitForLine(child: ChildProcessWithoutNullStreams, line: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = "";
    let said = "";
    child.stdout.on("data", (d) => {
      seen += d;
      if (seen.split("\n").includes(line)) resolve();
    });
    child.stderr.on("data", (d) => (said += d));
    child.on("close", (status) => {
      reject(new Error(`exited (${status}) before "${line}": ${seen}\n${said}`));
    });
  });
}

/**
 * Waits for a started fixture to exit by itself; kills it (and fails) if it is still running
 * after `ms`.
 */
export async function exitsWithin(
  ms: number,
  fixture: Pick<Holder, "child" | "done">,
): Promise<Awaited<Holder["done"]>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
  const r = await Promise.race([fixture.done, late]);
  clearTimeout(timer);
  if (r === "late") {
    fixture.child.kill("SIGKILL");
    const killed = await fixture.done;
    throw new Error(
      `still running after ${ms} ms: stdout ${killed.stdout}, stderr ${killed.stderr}`,
    );
  }
  return r;
}

/** `promise`, or a rejection saying it was still pending after `ms`. */
export function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Runs fixtures/pending_close.ts: a child whose async lock ("lock") or wait ("wait") is
 * pending in the shim when it closes the array. Asserts the call rejected with ClosedError and
 * the child then exited by itself (within 20 s).
 */
export async function closedWhilePending(mode: "lock" | "wait"): Promise<void> {
  const fixture = startFixture("fixtures/pending_close.ts", [mode, uniqueName(`pending-${mode}`)]);
  const r = await exitsWithin(20_000, fixture);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "ClosedError");
}

/**
 * Publishes a segment named `name` holding `parts`, one after the other, as another tool
 * (Python, an older npshm) would have made it, without python or /dev/shm: the same on Linux
 * and Windows. Keep it until the test is done (a Windows mapping goes with its last handle).
 */
export function rawSegment(name: string, ...parts: Uint8Array[]): Disposable {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
  const seg = createSegment(name, bytes.length, 0o600, false, bytes);
  publishSegment(seg, false);
  return {
    [Symbol.dispose]() {
      releaseSegment(seg);
      unlinkSegment(name);
    },
  };
}

/** Writes `bytes` at `offset` of the segment `name` through a mapping of its own. */
export function pokeSegment(name: string, offset: number, bytes: Uint8Array): void {
  const [seg] = openSegment(name, false);
  writeSegment(seg, offset, bytes);
  releaseSegment(seg);
}

/** The reaper that holds a descriptor of the name (it gets it a moment after the tracker). */
export async function reaperOf(name: string): Promise<number> {
  let pid: number | undefined;
  await eventually(() => (pid = findReaper(name)) !== undefined);
  if (pid === undefined) throw new Error(`no reaper holds ${name}`);
  return pid;
}

/** Gone, or a zombie (dead, its descriptors closed, not yet reaped by init). */
export function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

// By inode: a tracker made before its array was named shows as "/dev/shm/#<ino> (deleted)".
// The lock-file build's tracker is its slot file, "<lock dir>/<name>.slot-<16 hex>".
function findReaper(name: string): number | undefined {
  const { ino } = statSync(shmPath(name));
  const holds = (fd: string) => {
    const link = readlinkSync(fd);
    return statSync(fd).ino === ino || link.endsWith(`/${name}.slot-`, link.length - 16);
  };
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "npshm-reaper") continue;
      const fds = readdirSync(`/proc/${pid}/fd`);
      if (fds.some((fd) => holds(`/proc/${pid}/fd/${fd}`))) return Number(pid);
    } catch {
      // gone meanwhile, or not ours to look at
    }
  }
  return undefined;
}
