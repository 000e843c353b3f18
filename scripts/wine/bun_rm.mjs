/**
 * Preloaded (`bun test --preload`) into Bun for Windows in the matrix's wine run, and nowhere
 * else. There Bun's `rmSync(dir, { recursive: true })` fails with EFAULT on any directory, empty
 * or not (the Windows call it makes is one Wine 8 lacks; `unlinkSync` and `rmdirSync` work), so
 * every test file's clean-up of its scratch folder would fail. This gives the tests an `rmSync`
 * that, on exactly that error, removes the tree file by file instead. npshm itself never calls
 * `rmSync`.
 *
 * @example
 * ```sh
 * wine bun.exe test --preload Z:/path/to/bun_rm.mjs tests/lifecycle.test.js
 * ```
 * @module
 */
import { mock } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";

// Bun's own, taken before the mock below replaces the module's.
const bunRmSync = fs.rmSync;

function removeTree(path) {
  if (fs.lstatSync(path).isDirectory()) {
    for (const entry of fs.readdirSync(path)) removeTree(join(path, entry));
    fs.rmdirSync(path);
  } else {
    fs.unlinkSync(path);
  }
}

function rmSync(path, options) {
  try {
    return bunRmSync(path, options);
  } catch (err) {
    if (err?.code !== "EFAULT" || !options?.recursive) throw err;
  }
  try {
    removeTree(path);
  } catch (err) {
    if (!options.force || err?.code !== "ENOENT") throw err;
  }
}

const patched = { ...fs, rmSync };
for (const id of ["node:fs", "fs"]) mock.module(id, () => ({ ...patched, default: patched }));
