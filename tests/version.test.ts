// VERSION, which the CLI prints and the native library is stamped with, is the version the
// package is published under: deno.json's in the sources, package.json's in the npm package.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { VERSION } from "../mod.ts";
import { testFile } from "./_util.ts";

test("VERSION is the version the package is published under", () => {
  const manifest = ["../deno.json", "../node_modules/npshm/package.json"].map(testFile)
    .find(existsSync);
  assert.ok(manifest, "neither deno.json nor the installed package.json was found");
  assert.equal(VERSION, JSON.parse(readFileSync(manifest, "utf8")).version);
});
