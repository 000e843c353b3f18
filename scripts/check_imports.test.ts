// The import check of `deno task check` (scripts/check_imports.ts), on small made-up graphs in
// the layered layout of the design contract.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkImports, type Graph, graphFromDenoInfo } from "./check_imports.ts";

const messages = (graph: Graph, kind: "cycle" | "layer") =>
  checkImports(graph).filter((p) => p.kind === kind).map((p) => p.message);

/** One module of every layer, each importing only downwards, with FFI only under src/os/. */
const CLEAN: Graph = {
  "mod.ts": ["src/create.ts"],
  "cli.ts": ["mod.ts", "node:process"],
  "src/create.ts": ["src/npy/save.ts", "src/os/segment.ts", "src/sync/lock.ts"],
  "src/npy/save.ts": ["node:fs", "src/array/ndarray.ts"],
  "src/sync/lock.ts": ["src/os/segment.ts"],
  "src/os/segment.ts": ["ffi/load.ts", "src/array/ndarray.ts", "src/format/errors.ts"],
  "src/array/ndarray.ts": ["src/format/dtype.ts"],
  "src/format/dtype.ts": ["src/format/errors.ts"],
  "src/format/errors.ts": [],
  "ffi/load.ts": ["ffi/types.ts", "node:fs"],
  "ffi/types.ts": [],
};

describe("checkImports", () => {
  test("a graph in layer order has no problems", () => {
    assert.deepEqual(checkImports(CLEAN), []);
  });

  test("a 2-cycle is one problem, started at its smallest path", () => {
    const graph: Graph = {
      ...CLEAN,
      "src/format/dtype.ts": ["src/format/errors.ts", "src/format/shape.ts"],
      "src/format/shape.ts": ["src/format/dtype.ts"],
    };
    assert.deepEqual(messages(graph, "cycle"), [
      "src/format/dtype.ts -> src/format/shape.ts -> src/format/dtype.ts",
    ]);
    assert.deepEqual(messages(graph, "layer"), []);
  });

  test("a 3-cycle is reported once, whatever module the search starts from", () => {
    const graph: Graph = {
      "src/c.ts": ["src/a.ts"],
      "src/b.ts": ["src/c.ts"],
      "src/a.ts": ["src/b.ts"],
    };
    assert.deepEqual(messages(graph, "cycle"), ["src/a.ts -> src/b.ts -> src/c.ts -> src/a.ts"]);
  });

  test("two cycles through one module are two problems", () => {
    const graph: Graph = { "a.ts": ["b.ts", "c.ts"], "b.ts": ["a.ts"], "c.ts": ["a.ts"] };
    assert.deepEqual(messages(graph, "cycle"), ["a.ts -> b.ts -> a.ts", "a.ts -> c.ts -> a.ts"]);
  });

  test("an import of a higher layer names both files and layers", () => {
    const graph = { ...CLEAN, "src/format/shape.ts": ["src/array/ndarray.ts"] };
    assert.deepEqual(messages(graph, "layer"), [
      "src/format/shape.ts (format) imports src/array/ndarray.ts (arrays), a higher layer",
    ]);
  });

  test("ffi/ importing src/ is a problem although ffi/ is in no layer", () => {
    const graph = { ...CLEAN, "ffi/load.ts": ["ffi/types.ts", "src/format/errors.ts"] };
    assert.deepEqual(messages(graph, "layer"), [
      "ffi/load.ts imports src/format/errors.ts, but ffi/ imports nothing from src/, mod.ts or " +
      "cli.ts",
    ]);
  });

  test("cli.ts may import mod.ts and node: built-ins only", () => {
    const graph = { ...CLEAN, "cli.ts": ["mod.ts", "node:fs", "npm:chalk", "src/create.ts"] };
    assert.deepEqual(messages(graph, "layer"), [
      "cli.ts imports npm:chalk, but cli.ts uses the public API only",
      "cli.ts imports src/create.ts, but cli.ts uses the public API only",
    ]);
  });

  test("only src/os/ and src/sync/ import ffi/, not the layers above them", () => {
    const graph = {
      ...CLEAN,
      "src/create.ts": [...CLEAN["src/create.ts"], "ffi/types.ts"],
      "src/sync/lock.ts": ["ffi/types.ts"],
    };
    assert.deepEqual(messages(graph, "layer"), [
      "src/create.ts imports ffi/types.ts, but only the system-call layers src/os/ and " +
      "src/sync/ import ffi/",
    ]);
  });

  test("pure logic that reaches FFI through another module says how", () => {
    const graph = { ...CLEAN, "src/array/view.ts": ["src/os/segment.ts"] };
    assert.deepEqual(messages(graph, "layer"), [
      "src/array/view.ts (arrays) imports src/os/segment.ts (segments), a higher layer",
      "src/array/view.ts reaches FFI (src/array/view.ts -> src/os/segment.ts -> ffi/load.ts), " +
      "but src/format/ and src/array/ are pure logic",
    ]);
  });
});

describe("graphFromDenoInfo", () => {
  const root = "file:///repo/";
  const info = {
    modules: [
      {
        specifier: `${root}src/a.ts`,
        dependencies: [
          { specifier: "node:fs", code: { specifier: "node:fs" } },
          // `import type { B } from "./b.ts"`: deno info lists it under `type` only.
          { specifier: "./b.ts", type: { specifier: `${root}src/b.ts` } },
          { specifier: "./c.ts", code: { specifier: `${root}src/c.ts` } },
        ],
      },
      {
        specifier: `${root}src/b.ts`,
        dependencies: [{ specifier: "./a.ts", code: { specifier: `${root}src/a.ts` } }],
      },
      { specifier: `${root}src/c.ts` },
      { specifier: "https://example.com/x.ts", dependencies: [] },
    ],
  };

  test("keeps the project's modules, type-only imports included", () => {
    assert.deepEqual(graphFromDenoInfo(info, root), {
      "src/a.ts": ["node:fs", "src/b.ts", "src/c.ts"],
      "src/b.ts": ["src/a.ts"],
      "src/c.ts": [],
    });
  });

  test("a cycle through a type-only import is a cycle", () => {
    assert.deepEqual(messages(graphFromDenoInfo(info, root), "cycle"), [
      "src/a.ts -> src/b.ts -> src/a.ts",
    ]);
  });
});
