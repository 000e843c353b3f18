// Issue 12, item 9: special files where an array is expected. Anyone can plant a FIFO, a
// symlink, a directory or a socket in /dev/shm (root also a device node); every entry point must
// answer at once with a typed error (or skip it when listing), never hang in open() or follow a
// planted symlink. Each entry point against each kind runs in its own process with a timeout.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { before, describe, test } from "node:test";
import {
  afterAll,
  canUnshare,
  runFixture,
  runInSmallTmpfs,
  runtimeCommand,
  shmPath,
  sweepLeaks,
  uniqueName,
} from "./_util.ts";
import { npyHeader } from "./adversarial/_attack.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

const linux = process.platform === "linux";
const root = process.getuid?.() === 0;
const TIMEOUT_MS = 30_000;

/** A valid .npy (int32, 4 elements) in a private directory: what a planted symlink points at. */
function privateNpy(dir: string): string {
  const file = join(dir, "private.npy");
  const data = new Uint8Array(16).fill(7);
  writeFileSync(file, new Uint8Array([...npyHeader("'<i4'", [4]), ...data]), { mode: 0o600 });
  return file;
}

type Kind = "fifo" | "symlink" | "directory" | "socket" | "device" | "symlink-to-fifo";

const q = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
// As user nobody when root, so that the file belongs to "another user".
const OTHER = root ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : "";

/** Shell commands that make a special file of `kind` at `path`. */
function plant(kind: Kind, path: string, target: string): string {
  switch (kind) {
    case "fifo":
      return `${OTHER}mkfifo ${q(path)}`;
    case "symlink":
      return `${OTHER}ln -s ${q(target)} ${q(path)}`;
    case "symlink-to-fifo":
      return `mkfifo ${q(path)}.fifo && ln -s ${q(path)}.fifo ${q(path)}`;
    case "directory":
      return `mkdir ${q(path)}`;
    case "socket":
      return `python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' ${
        q(path)
      }`;
    case "device":
      return `mknod ${q(path)} c 1 3`; // what /dev/null is
  }
}

interface Ran {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Plants the file and runs the entry point on it, in a private mount namespace with its own
 * /dev/shm where possible (root): other processes on this machine never see the planted files,
 * so an npshm without the fix elsewhere cannot hang on them.
 */
function run(kind: Kind, entry: string, target: string): Promise<Ran> {
  const name = uniqueName(kind);
  const path = shmPath(name);
  const [cmd, argv] = runtimeCommand("adversarial/special_file.ts", [entry, name, path]);
  const fixture = [cmd, ...argv].map(q).join(" ");
  const mount = root ? "mount -t tmpfs -o size=1m,mode=1777 tmpfs /dev/shm && " : "";
  const script = `${mount}${plant(kind, path, target)} && ${fixture}; s=$?; rm -rf ${q(path)} ${
    q(path)
  }.fifo; exit $s`;
  const argvSh = root
    ? ["unshare", ["-m", "--propagation", "private", "sh", "-c", script]] as const
    : ["sh", ["-c", script]] as const;
  return new Promise((resolve) => {
    // Its own process group: a hung fixture is killed with the shell that started it.
    const child = spawn(argvSh[0], argvSh[1], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), TIMEOUT_MS);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

const NOT_SEGMENT = /^CorruptHeaderError CORRUPT_HEADER .*is not a shared memory segment/;
const NOT_FILE = /^InvalidArgumentError INVALID_ARGUMENT .*not a regular file/;

/** What each entry point must answer; by name in /dev/shm, or by path. */
const BY_NAME: Record<string, RegExp> = {
  list: /^ok listed=false$/,
  inspect: NOT_SEGMENT,
  attach: NOT_SEGMENT,
  "attach-readonly": NOT_SEGMENT,
  "attach-track": NOT_SEGMENT,
};
const BY_PATH: Record<string, RegExp> = {
  read: NOT_FILE,
  "open-r": NOT_FILE,
  "open-r+": NOT_FILE,
  "open-c": NOT_FILE,
};
const NAME_KINDS: Kind[] = ["fifo", "symlink", "directory", "socket", "device"];
const PATH_KINDS: Kind[] = ["fifo", "symlink-to-fifo", "directory", "socket", "device"];

const dir = mkdtempSync(join(tmpdir(), "npshm-special-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("special files never hang or fool an entry point", { skip: !linux && "/dev/shm" }, () => {
  let target = "";
  before(() => (target = privateNpy(dir)));

  const cases: [Kind, string, RegExp][] = [
    ...NAME_KINDS.flatMap((k) => Object.entries(BY_NAME).map(([e, x]) => [k, e, x] as const)),
    ...PATH_KINDS.flatMap((k) => Object.entries(BY_PATH).map(([e, x]) => [k, e, x] as const)),
  ].map(([k, e, x]) => [k, e, x]);
  for (const kind of new Set(cases.map(([k]) => k))) {
    test(`a ${kind}`, { skip: kind === "device" && !root && "mknod needs root" }, async () => {
      const mine = cases.filter(([k]) => k === kind);
      // Two at a time: each is its own process, and a hang shows as a timeout of that one.
      const results: [string, RegExp, Ran][] = [];
      for (let i = 0; i < mine.length; i += 2) {
        const batch = mine.slice(i, i + 2);
        const ran = await Promise.all(batch.map(([, entry]) => run(kind, entry, target)));
        batch.forEach(([, entry, expect], j) => results.push([entry, expect, ran[j]]));
      }
      for (const [entry, expect, r] of results) {
        const what = `${entry} on a ${kind}`;
        assert.equal(r.signal, null, `${what}: killed by ${r.signal} (hung?) ${r.stderr}`);
        assert.equal(r.status, 0, `${what}: ${r.stderr}`);
        const line = r.stdout.split("\n").find((l) => l.startsWith(`${entry}: `));
        assert.ok(line, `${what}: no result line in ${r.stdout}`);
        assert.match(line.slice(entry.length + 2), expect, what);
      }
    });
  }
});

test("npshm ls and info show names with escape sequences escaped", () => {
  const name = uniqueName("esc");
  const r = canUnshare
    ? runInSmallTmpfs("adversarial/escape_name.ts", [name], "1m")
    : runFixture("adversarial/escape_name.ts", [name]);
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^status 0 0 1$/m);
  const all = r.stdout + r.stderr;
  assert.doesNotMatch(all, /(?![\n\t])[\p{Cc}\p{Cf}]/u, "raw control characters");
  const shownName = `${name}\\x1b[2J\\x1b]0;pwned\\x07\\u202e`;
  assert.ok(r.stdout.includes(`${shownName}  `), `ls: ${r.stdout}`);
  assert.ok(r.stdout.split("\n").some((l) => /^name\s+/.test(l) && l.endsWith(shownName)));
  assert.ok(r.stderr.includes(`${shownName}-missing`), `info's error: ${r.stderr}`);
});
