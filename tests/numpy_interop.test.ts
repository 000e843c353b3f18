// The segment format is NumPy's: checked against real numpy, both directions.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  attachSharedArray,
  createSharedArray,
  deleteSharedArray,
  type NdArray,
  NotViewableError,
} from "../mod.ts";
import { DTYPE_NAMES } from "../src/format/dtype.ts";
import { afterAll, indices, python, sweepLeaks, testFile, uniqueName } from "./_util.ts";

afterAll(() => assert.deepEqual(sweepLeaks(), [], "segments left behind"));

const DTYPES = DTYPE_NAMES; // every numeric dtype npshm creates
const SHAPES = [[], [0], [5], [3, 4], [2, 3, 4]];

interface Case {
  name: string;
  descr: string;
  shape: number[];
  fortran: boolean;
}

/** The same values as tests/python/values.py: element k (flat C index) of a dtype. */
function value(kind: string, itemsize: number, k: number): unknown {
  switch (kind) {
    case "b":
      return k % 3 === 0;
    case "i":
      return itemsize === 8 ? 2n ** 60n + BigInt(k) : (k % 100) - 50;
    case "u":
      return itemsize === 8 ? 2n ** 63n + BigInt(k) : k % 200;
    case "f":
      return k * 0.25 - 3;
    default:
      return { re: k + 0.5, im: 0 - k }; // 0 - k: +0 for k = 0, as Python's complex(0.5, -0)
  }
}

function fillValues(a: NdArray, shift: number) {
  let k = 0;
  for (const idx of indices(a.shape)) {
    a.set(idx, value(a.dtype.kind, a.dtype.itemsize, k++ + shift));
  }
}

function checkValues(a: NdArray, shift: number) {
  let k = 0;
  for (const idx of indices(a.shape)) {
    assert.deepEqual(
      a.get(idx),
      value(a.dtype.kind, a.dtype.itemsize, k++ + shift),
      `${a} at [${idx}]`,
    );
  }
}

function cases(tag: string): Case[] {
  const out: Case[] = [];
  for (const dtype of DTYPES) {
    for (const shape of SHAPES) {
      for (const fortran of [false, true]) {
        out.push({ name: uniqueName(tag), descr: dtype, shape, fortran });
      }
    }
  }
  return out;
}

const pythonScript = (file: string) =>
  `import sys; sys.path.insert(0, ${JSON.stringify(testFile("python"))}); ` +
  `exec(open(${JSON.stringify(testFile(`python/${file}`))}).read())`;

describe("NumPy interop", () => {
  test("numpy.load(mmap_mode='r+') opens npshm segments; writes are seen both ways", () => {
    const all = cases("np");
    const arrays = all.map((c) => {
      const a = createSharedArray(c.name, {
        shape: c.shape,
        dtype: c.descr,
        order: c.fortran ? "F" : "C",
      });
      fillValues(a, 0);
      return a;
    });
    const results = JSON.parse(python(pythonScript("check_segments.py"), JSON.stringify(all)));
    for (const [i, r] of results.entries()) {
      assert.deepEqual(
        { dtype: r.dtype, shape: r.shape, order: r.order, values: r.values },
        { dtype: true, shape: true, order: true, values: true },
        `${all[i].descr} ${JSON.stringify(all[i].shape)} F=${all[i].fortran}`,
      );
      checkValues(arrays[i], 1);
      arrays[i].close();
      deleteSharedArray(all[i].name);
    }
  });

  test("segments made by SharedMemory + numpy.lib.format attach, writes seen both ways", () => {
    const all = cases("py");
    assert.equal(python(pythonScript("make_segments.py"), JSON.stringify(all)).trim(), "ok");
    for (const c of all) {
      using a = attachSharedArray(c.name, { validateShape: c.shape, validateDtype: c.descr });
      assert.equal(a.strides.length, c.shape.length);
      if (c.fortran && c.shape.length > 1 && a.size > 0) {
        assert.equal(a.strides[0], a.dtype.itemsize);
      }
      checkValues(a, 0);
      fillValues(a, 1);
    }
    const seen = JSON.parse(python(pythonScript("read_segments.py"), JSON.stringify(all)));
    assert.deepEqual(seen, all.map(() => true));
  });

  test("numpy sees data typed into `data` directly, zero-copy", () => {
    const name = uniqueName("direct");
    using a = createSharedArray(name, { shape: [1000], dtype: "float32" });
    a.data.set(Float32Array.from({ length: 1000 }, (_, i) => i / 4));
    const out = python(
      `import numpy as np; a = np.load("/dev/shm/${name}", mmap_mode="r"); ` +
        `print(float(a.sum()), a.dtype.str)`,
    );
    const [sum, descr] = out.trim().split(" ");
    assert.equal(Number(sum), (999 * 1000) / 2 / 4);
    assert.equal(descr, "<f4");
    deleteSharedArray(name);
  });
});

describe("dtypes no TypedArray shows faithfully", () => {
  test("attach, report NotViewableError from data, never a wrong view", () => {
    const specs = {
      big: [">f8", [3]],
      bytes: ["S5", [2]],
      text: ["<U3", [2]],
      record: ["[('a', '<i4'), ('b', '<f8')]", [2]],
    } as const;
    const names = Object.fromEntries(Object.keys(specs).map((k) => [k, uniqueName(k)]));
    const script = Object.entries(specs).map(([k, [descr, shape]]) =>
      `a = fmt.open_memmap("/dev/shm/${names[k]}", mode="w+", dtype=np.dtype(${
        descr.startsWith("[") ? descr : `"${descr}"`
      }), shape=${JSON.stringify(shape).replace("[", "(").replace("]", ",)")}); ` +
      `a[...] = ${
        k === "big" ? "[1.5, -2.0, 3.25]" : k === "record" ? "[(1, 2.5), (3, 4.5)]" : "a"
      }; a.flush(); del a`
    ).join("\n");
    python(`import numpy as np\nimport numpy.lib.format as fmt\n${script}`);
    try {
      for (const [k, [descr, shape]] of Object.entries(specs)) {
        using a = attachSharedArray(names[k], { validateShape: shape });
        assert.throws(() => a.data, NotViewableError, descr);
        assert.equal(a.bytes.length, a.size * a.dtype.itemsize, descr);
      }
      using big = attachSharedArray(names.big);
      assert.deepEqual(big.toArray(), [1.5, -2, 3.25], "big-endian values through DataView");
      big.set(1, 7.5);
      const back = python(`import numpy as np; print(np.load("/dev/shm/${names.big}")[1])`);
      assert.equal(Number(back), 7.5);
      using rec = attachSharedArray(names.record);
      assert.equal(rec.dtype.itemsize, 12);
      assert.deepEqual(rec.get(0), { a: 1, b: 2.5 }, "records read as plain objects");
      assert.deepEqual([...new Int32Array(rec.bytes.slice(12, 16).buffer)], [3]);
    } finally {
      for (const n of Object.values(names)) deleteSharedArray(n);
    }
  });
});
