// The npshm CLI as a shell user runs it: ls / info / rm / rm --all-stale / create / load /
// save, --json output, --help and --version, the values options take, messages and exit codes.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import process from "node:process";
import { join } from "node:path";
import { describe, test } from "node:test";
import { attachSharedArray, inspectSharedArray, NotFoundError, VERSION } from "../mod.ts";
import {
  afterAll,
  python,
  runFixture,
  shmExists,
  shmPath,
  sweepLeaks,
  uniqueName,
} from "./_util.ts";
import { kill9, startHolder } from "./_sync_util.ts";

const dir = mkdtempSync(join(tmpdir(), "npshm-cli-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(sweepLeaks(), [], "segments left behind");
});

const WINDOWS = process.platform === "win32";

function cli(...args: string[]) {
  return runFixture("../cli.ts", args);
}

describe("npshm CLI", () => {
  test("create, ls, info (text and --json), rm", () => {
    const name = uniqueName("cli");
    let r = cli("create", name, "--shape", "3,4", "--dtype", "float32", "--fill", "2.5");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^created ${name} \\(3, 4\\) <f4$`, "m"));
    r = cli("ls");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+SHAPE\s+DTYPE\s+SIZE\s+CREATED\s+TRACKERS\s+LOCK$/m);
    assert.match(
      r.stdout,
      new RegExp(`^${name}\\s+\\(3, 4\\)\\s+<f4\\s+320 B\\s+\\S+ \\S+\\s+0\\s+free$`, "m"),
    );
    r = cli("ls", "--json");
    const listed = JSON.parse(r.stdout).find((x: { name: string }) => x.name === name);
    assert.deepEqual(listed.shape, [3, 4]);
    r = cli("info", name);
    assert.match(r.stdout, /^trackers\s+none$/m);
    r = cli("info", name, "--json");
    assert.equal(JSON.parse(r.stdout).dataBytes, 48);
    {
      using a = attachSharedArray(name);
      assert.equal(a.get([2, 3]), 2.5);
    }
    r = cli("rm", name, `${name}-missing`);
    assert.equal(r.status, 1, "one of them did not exist");
    assert.match(r.stdout, new RegExp(`^removed ${name}$`, "m"));
    assert.match(r.stderr, /no shared array/);
    assert.ok(!shmExists(name));
    assert.throws(() => attachSharedArray(name), NotFoundError, "removed");
  });

  test("exit codes: 2 for bad usage, 1 for failures, messages on stderr", () => {
    assert.equal(cli().status, 2);
    assert.equal(cli("frobnicate").status, 2);
    assert.equal(cli("create", "x", "--shape", "3").status, 2, "no --dtype");
    assert.equal(cli("ls", "--bogus").status, 2);
    const r = cli("info", uniqueName("nope"));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^npshm: info: no shared array/);
    assert.equal(cli("create", "bad/name", "--shape", "1", "--dtype", "u1").status, 1);
    assert.equal(cli("help").status, 0);
  });

  test("--version prints the library's VERSION", () => {
    const r = cli("--version");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `npshm ${VERSION}\n`);
    assert.equal(cli("--version", "extra").status, 2);
  });

  test("help: overall, and each command's own with --help, -h or help COMMAND", () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const r = cli(...args);
      assert.equal(r.status, 0, r.stderr);
      for (const command of ["ls", "info", "rm", "create", "load", "save"]) {
        assert.match(r.stdout, new RegExp(`^  ${command} `, "m"), `${args}: lists ${command}`);
      }
    }
    const options: Record<string, string[]> = {
      ls: ["--json"],
      info: ["--json"],
      rm: ["--all-stale", "--json"],
      create: ["--shape S", "--dtype D", "--fill V", "--order C|F", "--mode M", "--force"],
      load: ["--force", "--json"],
      save: ["--json"],
    };
    const spellings = (
      command: string,
    ) => [[command, "--help"], [command, "-h"], ["help", command]];
    for (const [i, [command, listed]] of Object.entries(options).entries()) {
      const args = spellings(command)[i % 3]; // each spelling, without 18 processes
      const r = cli(...args);
      assert.equal(r.status, 0, `${args}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: npshm ${command} `));
      for (const option of listed) assert.ok(r.stdout.includes(`  ${option}  `), option);
    }
    assert.equal(cli("help", "frobnicate").status, 2);
  });

  test("--help only prints: the command does not run", () => {
    const name = uniqueName("help");
    const r = cli("create", name, "--shape", "3", "--dtype", "u1", "--help");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^usage: npshm create /);
    assert.ok(!shmExists(name));
  });

  test("unknown options, missing values and wrong argument counts: 2, and nothing done", () => {
    const name = uniqueName("usage");
    const bad = [
      ["ls", "extra"],
      ["info"],
      ["info", name, name],
      ["info", name, "--force"],
      ["rm"],
      ["rm", name, "--all-stale"],
      ["rm", name, "--shape", "3"],
      ["create", name, "--shape", "3", "--dtype", "u1", "--bogus"],
      ["create", name, "--shape", "3", "--dtype", "u1", "--json=yes"],
      ["create", name, "--shape", "3", "--dtype"],
      ["create", name, "--shape", "--dtype", "u1"],
      ["create", name, name, "--shape", "3", "--dtype", "u1"],
      ["create", "--shape", "3", "--dtype", "u1"],
      ["load", name],
      ["save", name, "a.npy", "b.npy"],
      ["toString"], // a property of every object, not a command
    ];
    for (const args of bad) {
      const r = cli(...args);
      assert.equal(r.status, 2, `${args}: ${r.stderr}`);
      assert.equal(r.stdout, "", `${args}: the usage error goes to stderr`);
      assert.match(r.stderr, /^npshm: /, `${args}`);
    }
    assert.ok(!shmExists(name));
    const r = cli("create", name, "--shape", "3", "--dtype", "u1", "--bogus");
    assert.match(r.stderr, /^npshm: create: .*--bogus.*\nusage: npshm create NAME /);
  });

  test("create: a malformed value is bad usage (2) naming its option, and nothing is made", () => {
    const name = uniqueName("bad-value");
    const malformed: Record<string, string[]> = {
      shape: ["3,x", "0x10", ",", "3,,4", "-1", "1e3", "3.5", "9007199254740992", "", "2x3"],
      fill: ["x", "0x10", "", "Infinity", "1e"],
      order: ["A", ""],
      mode: ["8", "10000", "0x1ff", "-1"],
      dtype: ["float33"],
    };
    for (const [option, texts] of Object.entries(malformed)) {
      for (const text of texts) {
        const given = { shape: "3", dtype: "float64", [option]: text };
        const r = cli("create", name, ...Object.entries(given).flatMap(([k, v]) => [`--${k}`, v]));
        assert.equal(r.status, 2, `--${option} '${text}': ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`^npshm: create: --${option}\\b`), r.stderr);
        assert.ok(!shmExists(name), `--${option} '${text}' created it`);
      }
    }
  });

  test("create: the spellings of values it takes", () => {
    const name = uniqueName("values");
    function created(...args: string[]) {
      const r = cli("create", name, "--force", ...args);
      assert.equal(r.status, 0, `${args}: ${r.stderr}`);
      return attachSharedArray(name);
    }
    {
      using a = created("--shape", "(3,)", "--dtype", "f8", "--fill", "-inf");
      assert.deepEqual([a.shape, a.toArray()], [[3], [-Infinity, -Infinity, -Infinity]]);
    }
    {
      using a = created("--shape", "[2, 3]", "--dtype", "f4", "--fill", "nan", "--order", "f");
      assert.deepEqual(a.shape, [2, 3]);
      assert.ok(Number.isNaN(a.get([1, 2])));
      assert.ok(inspectSharedArray(name).fortranOrder);
    }
    {
      using a = created("--shape", "()", "--dtype", "i2", "--fill", "-7");
      assert.deepEqual([a.shape, a.toArray()], [[], -7]);
    }
    {
      using a = created("--shape", "2,", "--dtype", "uint64", "--fill", "18446744073709551615");
      assert.deepEqual(a.toArray(), [2n ** 64n - 1n, 2n ** 64n - 1n], "exact, as a bigint");
    }
    {
      using a = created("--shape", "1", "--dtype", "float64", "--fill", "12345678901234567890");
      assert.deepEqual(a.toArray(), [Number("12345678901234567890")], "a float rounds it");
    }
    {
      using a = created("--shape", "1", "--dtype", "bool", "--fill", "true", "--mode", "0o640");
      assert.deepEqual(a.toArray(), [true]);
      // Windows: a mapping, and the file of a persistent array, have an ACL, not mode bits
      if (!WINDOWS) assert.equal(statSync(shmPath(name)).mode & 0o7777, 0o640);
    }
    {
      using _a = created("--shape", "1", "--dtype", "u1", "--mode", "604");
      if (!WINDOWS) assert.equal(statSync(shmPath(name)).mode & 0o7777, 0o604);
    }
    const r = cli("create", name, "--force", "--shape", "1", "--dtype", "u1", "--fill", "1.5");
    assert.equal(r.status, 1, "well-formed, but no uint8: the create fails");
    assert.match(r.stderr, /^npshm: create: cannot store 1.5/);
    assert.equal(cli("rm", name).status, 0);
  });

  test("rm reports each name it could not remove, and why", () => {
    const missing = uniqueName("gone");
    let r = cli("rm", "bad/name", missing, "--json");
    assert.equal(r.status, 1);
    assert.deepEqual(JSON.parse(r.stdout), {
      removed: [],
      failed: [
        { name: "bad/name", error: 'invalid shared array name "bad/name": it contains a slash' },
        { name: missing, error: `no shared array '${missing}'` },
      ],
    });
    r = cli("rm", "bad/name");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^npshm: rm: invalid shared array name "bad\/name"/);
  });

  test("rm --all-stale removes what crashed trackers left, and nothing else", {
    skip: WINDOWS && "Windows has no stale arrays: a tracked name goes with its last handle",
  }, async () => {
    const stale = uniqueName("stale");
    const live = uniqueName("live");
    const plain = uniqueName("plain");
    // A stale one, as a crash of tracker and reaper together leaves it: tracked once, name
    // still there, nobody tracking. A hard link keeps it past the reaper; renamed back after.
    const holder = await startHolder("create", stale);
    python(`import os; os.link("/dev/shm/${stale}", "/dev/shm/${stale}-keep")`);
    await kill9(holder);
    await new Promise((r) => setTimeout(r, 300)); // the reaper removes the original name
    python(`import os; os.rename("/dev/shm/${stale}-keep", "/dev/shm/${stale}")`);
    const liveHolder = await startHolder("create", live);
    try {
      assert.equal(cli("create", plain, "--shape", "1", "--dtype", "u1").status, 0);
      const r = cli("rm", "--all-stale", "--json");
      assert.equal(r.status, 0, r.stderr);
      const { removed } = JSON.parse(r.stdout);
      assert.ok(removed.includes(stale), `stale one removed: ${removed}`);
      assert.ok(!removed.includes(live) && shmExists(live), "a live tracker keeps it");
      assert.ok(!removed.includes(plain) && shmExists(plain), "never tracked: not stale");
    } finally {
      await kill9(liveHolder); // a failed assertion must not leave it holding the test run open
    }
    assert.equal(cli("rm", plain).status, 0);
  });

  test("save writes a .npy numpy reads; load brings one into shared memory", () => {
    const name = uniqueName("cli-io");
    assert.equal(
      cli("create", name, "--shape", "2,3", "--dtype", "int16", "--fill", "-7").status,
      0,
    );
    const file = join(dir, "a.npy");
    let r = cli("save", name, file);
    assert.equal(r.status, 0, r.stderr);
    if (!WINDOWS) { // Windows: no Python with NumPy for Windows can be installed here
      assert.equal(
        python(`import numpy as np; a = np.load("${file}"); print(a.shape, a.dtype, a.sum())`)
          .trim(),
        "(2, 3) int16 -42",
      );
    }
    r = cli("load", file, name);
    assert.equal(r.status, 1, "the name is taken");
    assert.equal(cli("rm", name).status, 0);
    r = cli("load", file, name);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^loaded .* \(2, 3\) <i2$/m);
    {
      using a = attachSharedArray(name, { validateShape: [2, 3], validateDtype: "int16" });
      assert.deepEqual(a.toArray(), [[-7, -7, -7], [-7, -7, -7]], "the loaded array outlives load");
    }
    r = cli("load", file, name, "--force");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(cli("rm", name).status, 0);
  });
});
