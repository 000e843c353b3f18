// .npy files on a file system with neither hard links nor O_TMPFILE (exFAT, as on USB drives and
// SD cards; here through FUSE on a loop device): a new file still takes its name only when
// complete, and never replaces one that appeared meanwhile unless asked to.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { createNpy, createSharedArray, ExistsError, openNpy, saveSharedArray } from "../mod.ts";
import { shmExists } from "./_util.ts";
import { kill9, startHolder } from "./_sync_util.ts";

const TOOLS = ["losetup", "mkfs.exfat", "mount.exfat-fuse"];
const root = process.platform === "linux" && process.getuid?.() === 0;
const tools = TOOLS.every((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status === 0);
// CI installs the tools (.ci/run) and never skips this.
const skip = !root
  ? "needs Linux and root, for a loop device and a FUSE mount"
  : !tools && !process.env.CI
  ? `needs ${TOOLS.join(", ")} (apt-get install exfat-fuse exfatprogs)`
  : false;

function run(cmd: string, ...args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Runs `fn` with the directory of a fresh 64 MiB exFAT file system, unmounted after. */
async function onExfat(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "npshm-exfat-"));
  const image = join(scratch, "fs.img");
  const dir = join(scratch, "mnt");
  mkdirSync(dir);
  writeFileSync(image, "");
  truncateSync(image, 64 << 20);
  run("mkfs.exfat", image);
  const loop = run("losetup", "-f", "--show", image);
  try {
    run("mount.exfat-fuse", loop, dir);
    try {
      await fn(dir);
    } finally {
      run("umount", dir);
    }
  } finally {
    run("losetup", "-d", loop);
    rmSync(scratch, { recursive: true, force: true });
  }
}

test(
  "createNpy and saveSharedArray on exFAT: whole files, and no replacing unasked",
  { skip },
  () =>
    onExfat((dir) => {
      writeFileSync(join(dir, "x"), "x");
      assert.notEqual(spawnSync("ln", [join(dir, "x"), join(dir, "y")]).status, 0, "no hard links");
      rmSync(join(dir, "x"));
      const file = join(dir, "a.npy");
      createNpy(file, { shape: [4], dtype: "i4", fill: 3 }).close();
      assert.throws(() => createNpy(file, { shape: [2], dtype: "u1" }), ExistsError);
      {
        using a = openNpy(file);
        assert.deepEqual(a.toArray(), [3, 3, 3, 3], "the first file, untouched");
      }
      createNpy(file, { shape: [2], dtype: "u1", fill: 7, overwrite: true }).close();
      {
        using a = openNpy(file);
        assert.deepEqual(a.toArray(), [7, 7], "replaced when asked");
      }
      const s = createSharedArray(undefined, {
        shape: [3],
        dtype: "f8",
        fill: 1.5,
        unlinkOnClose: true,
      });
      try {
        saveSharedArray(s, join(dir, "b.npy"));
        saveSharedArray(s, join(dir, "b.npy")); // over the last one
      } finally {
        s.close();
      }
      assert.ok(!shmExists(s.name), "the array went with its close");
      {
        using b = openNpy(join(dir, "b.npy"));
        assert.deepEqual(b.toArray(), [1.5, 1.5, 1.5]);
      }
      assert.deepEqual(readdirSync(dir).sort(), ["a.npy", "b.npy"], "no temporary files left");
    }),
);

test(
  "a save killed midway leaves its hidden file until a later save there finds it unclaimed",
  { skip },
  () =>
    onExfat(async (dir) => {
      const temps = () => readdirSync(dir).filter((n) => n.endsWith(".npshm-tmp"));
      const age = (name: string, ms: number) =>
        utimesSync(join(dir, name), new Date(ms), new Date(ms));
      const saver = await startHolder("saving", join(dir, "c.npy")); // stopped mid-save
      const [left] = temps();
      assert.ok(left, "the save's hidden file");
      using s = createSharedArray(undefined, { shape: [2], dtype: "u1", unlinkOnClose: true });
      age(left, Date.now() - 60_000);
      saveSharedArray(s, join(dir, "d.npy"));
      assert.deepEqual(temps(), [left], "a live saver's claim keeps it");
      await kill9(saver);
      assert.ok(!existsSync(join(dir, "c.npy")), "the killed save named nothing");
      age(left, Date.now());
      saveSharedArray(s, join(dir, "e.npy"));
      assert.deepEqual(temps(), [left], "one written in the last 10 s is kept");
      age(left, Date.now() - 60_000);
      createNpy(join(dir, "f.npy"), { shape: [1], dtype: "u1" }).close();
      assert.deepEqual(temps(), [], "the next new file there removed the unclaimed one");
      assert.deepEqual(readdirSync(dir).sort(), ["d.npy", "e.npy", "f.npy"]);
    }),
);
