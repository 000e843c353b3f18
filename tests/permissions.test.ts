// Which Deno flags each call needs (issue 12, item 18), measured: each call runs alone in a
// `deno run` with the flags the README's table gives, and fails without the extra ones it
// names. Deno only (it tests Deno's permissions), from the sources (the local build).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import {
  afterAll,
  canUnshare,
  runtime,
  spawnInSmallTmpfs,
  sweepLeaks,
  testFile,
  uniqueName,
} from "./_util.ts";

const skip = (runtime !== "deno" || import.meta.url.endsWith(".js")) &&
  "measures Deno's permissions with the sources (Deno only)";
const dir = mkdtempSync(join(tmpdir(), "npshm-perm-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(sweepLeaks(), []);
});
const BASE = ["--no-prompt", "--allow-ffi", "--allow-env=NPSHM_LIB"];
const mod = testFile("../mod.ts");
const n = uniqueName("perm");
const npy = join(dir, "x.npy");

/** Each call of the README's table, as a script on its own. */
const CALLS: Record<string, string> = {
  create: `c("${n}", { shape: [2], dtype: "int32", force: true }).close(); d("${n}");`,
  attach: `const a = c("${n}", { shape: [2], dtype: "int32", force: true, track: true });
    m.attachSharedArray("${n}").close(); a.close(); d("${n}");`,
  lock: `const a = c("${n}", { shape: [2], dtype: "int32", force: true });
    a.lock().unlock(); m.wait(a.data, 0, 1, 1); m.notify(a.data, 0); a.close(); d("${n}");`,
  openMutex: `const x = m.openMutex("${n}-m"); x.lock().unlock(); x.close();`,
  SharedArrayScope: `{ using s = new m.SharedArrayScope();
    s.create("${n}", { shape: [2], dtype: "int32" }); }`,
  files: `const a = c("${n}", { shape: [2], dtype: "int32", force: true });
    m.saveSharedArray(a, "${npy}"); a.close(); d("${n}");
    m.readSharedArray("${npy}", "${n}").close(); d("${n}"); m.openNpy("${npy}").close();
    m.createNpy("${npy}.2", { shape: [2], dtype: "int8" }).close();`,
  listSharedArrays: `m.listSharedArrays();`,
  inspectSharedArray: `c("${n}", { shape: [2], dtype: "int32", force: true }).close();
    try { m.inspectSharedArray("${n}"); } finally { d("${n}"); }`,
  removeStaleSharedArrays: `m.removeStaleSharedArrays();`,
};

function run(call: string, flags: string[]) {
  const script = join(dir, `${call}.ts`);
  writeFileSync(
    script,
    `import * as m from "${mod}";\nconst c = m.createSharedArray, d = m.deleteSharedArray;\n` +
      CALLS[call],
  );
  rmSync(`${npy}.2`, { force: true });
  rmSync(npy, { force: true });
  const argv = ["run", ...flags, script];
  const env = { ...process.env, NPSHM_LIB: "", NO_COLOR: "1" };
  // removeStaleSharedArrays acts on every name: a private /dev/shm keeps it away from the stale
  // arrays other test files make on purpose (cli.test's rm --all-stale).
  return canUnshare
    ? spawnInSmallTmpfs(process.execPath, argv, "64m", { env })
    : spawnSync(process.execPath, argv, { encoding: "utf8", env });
}

/** The README's rows: the calls named in a row, and its extra flags ("none" or "-A"). */
function readmeRows(): { calls: string; flags: string }[] {
  const text = readFileSync(testFile("../README.md"), "utf8");
  const table = text.slice(text.indexOf("**What each call needs on Deno**"));
  return [...table.matchAll(/^\| (.*create.*|.*listSharedArrays.*) \| (none|-A|`-A`) *\|$/gm)]
    .map((m) => ({ calls: m[1], flags: m[2].replaceAll("`", "") }));
}

test("the README's table of Deno flags per call is what each call needs", { skip }, () => {
  const rows = readmeRows();
  assert.equal(rows.length, 2, "the README's table has its two rows");
  for (const call of Object.keys(CALLS)) {
    const row = rows.find((r) => r.calls.includes(call === "files" ? "saveSharedArray" : call));
    assert.ok(row, `${call} is in the README's table`);
    const base = run(call, BASE);
    if (row.flags === "none") {
      assert.equal(base.status, 0, `${call} with ${BASE.join(" ")}: ${base.stderr}`);
    } else {
      assert.notEqual(base.status, 0, `${call} needs more than ${BASE.join(" ")}`);
      assert.match(base.stderr, /Requires (all|read) access/);
      const all = run(call, ["--no-prompt", "-A"]);
      assert.equal(all.status, 0, `${call} with -A: ${all.stderr}`);
    }
  }
});
