// Every dtype numpy writes, records and reinterpreting views, checked against numpy.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  attachSharedArray,
  createNpy,
  createSharedArray,
  deleteSharedArray,
  InvalidArgumentError,
  MisalignedError,
  NotViewableError,
  openNpy,
  readSharedArray,
  saveSharedArray,
  toNativeArray,
} from "../mod.ts";
import { afterAll, python, sweepLeaks, uniqueName } from "./_util.ts";

const dir = mkdtempSync(join(tmpdir(), "npshm-dt-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(sweepLeaks(), [], "segments left behind");
});

const q = JSON.stringify;
const GENOME = "[('chr','S10'),('pos','<i4'),('pct','<f4'),('c','<i4'),('t','<i4')]";

function npy(file: string, code: string): string {
  const path = join(dir, file);
  python(`import numpy as np\nnp.save(${q(path)}, ${code})`);
  return path;
}

function py(code: string): unknown {
  return JSON.parse(python(`import numpy as np, json\nprint(json.dumps(${code}))`));
}

describe("records", () => {
  const genome = npy(
    "genome.npy",
    `np.array([(b'chr1', 100, 0.5, 3, 7), (b'chrX', 2**31 - 1, -1.25, 0, 1)], dtype=${GENOME})`,
  );

  test("get returns plain objects; field(name) is a zero-copy view over all records", () => {
    const name = uniqueName("rec");
    using a = readSharedArray(genome, name);
    assert.deepEqual(a.get(1), { chr: "chrX", pos: 2 ** 31 - 1, pct: -1.25, c: 0, t: 1 });
    const pos = a.field("pos");
    assert.deepEqual(pos.shape, [2]);
    assert.deepEqual(pos.strides, [a.dtype.itemsize], "strided over the records, no copy");
    assert.deepEqual(pos.toArray(), [100, 2 ** 31 - 1]);
    pos.set(0, 123); // packed records: pos sits at an odd offset, read through a DataView
    a.field("chr").set(1, "chr22");
    a.set(0, { pct: 2.5, t: -4 }); // a partial record: other fields keep their values
    assert.throws(() => a.set(0, { nope: 1 }), InvalidArgumentError);
    assert.throws(() => a.field("nope"), InvalidArgumentError);
    assert.throws(() => a.field("chr").set(0, "much too long"), InvalidArgumentError);
    const seen = python(
      `import numpy as np; a = np.load("/dev/shm/${name}"); print(a.tolist())`,
    );
    assert.equal(
      seen.trim(),
      "[(b'chr1', 123, 2.5, 3, -4), (b'chr22', 2147483647, -1.25, 0, 1)]",
    );
    deleteSharedArray(name);
  });

  test("nested, padded and sub-array fields, aligned fields through TypedArrays", () => {
    const dt =
      "np.dtype([('a','u1'),('b','<i4'),('xy','<f8',(2,)),('p',[('u','>i2'),('v','<U2')])]" +
      ", align=True)";
    const file = npy(
      "nested.npy",
      `np.array([(1, -2, [0.5, 1.5], (300, 'hé')), (2, 7, [2.5, -3.0], (-1, 'z'))], dtype=${dt})`,
    );
    using a = openNpy(file, { mode: "r+" });
    assert.deepEqual(a.get(0), { a: 1, b: -2, xy: [0.5, 1.5], p: { u: 300, v: "hé" } });
    assert.deepEqual(a.field("xy").shape, [2, 2], "sub-array axes appended");
    assert.deepEqual(a.field("xy").toArray(), [[0.5, 1.5], [2.5, -3]]);
    assert.deepEqual(a.field("p").field("v").toArray(), ["hé", "z"]);
    a.field("xy").set([1, 0], 9.75);
    a.set(1, { b: 70, p: { u: -2, v: "ok" }, xy: [1, 2] });
    a.field("b").set(0, -20);
    const seen = py(
      `[[int(r['a']), int(r['b']), r['xy'].tolist(), int(r['p']['u']), str(r['p']['v'])] ` +
        `for r in np.load(${q(file)})]`,
    );
    assert.deepEqual(seen, [[1, -20, [0.5, 1.5], 300, "hé"], [2, 70, [1, 2], -2, "ok"]]);
  });

  // Issue 12, item 22: what NumPy wrote comes back as NumPy wrote it, not flattened.
  test("nested sub-array, padded, aligned and titled dtypes keep their descr through npshm", () => {
    const PADDED = "{'names': ['x', 'y'], 'formats': ['<i4', '<f8'], 'offsets': [0, 8], " +
      "'itemsize': 24}";
    const corpus = [
      "[('c', ('<f8', (5,)), (2,))]",
      "[('c', (('<f8', (5,)), (3,)), (2,)), ('d', '<i2')]",
      `[('a', (${PADDED}, (3,)), (4,))]`,
      `[('a', ${PADDED}, (2,)), ('b', (${PADDED}, (2,)))]`,
      "np.dtype([('a', 'i1'), ('b', '<f8'), ('c', [('x', 'i1'), ('y', '<i4')], (2,))], " +
      "align=True)",
      "[(('a title', 'c'), ('<f8', (5,)), (2,)), (('t2', 'd'), '>i4')]",
      "[('r', ([('x', '<i4'), ('y', ('u1', (3,)))], (2,)), (2,))]",
      "[('s', ('S3', (2,)), (2,)), ('u', ('<U2', (3,)))]",
      "[('b', ('>i4', (2,)), (3,)), ('z', '<f8', (0,))]",
      "{'names': ['p', 'q'], 'formats': [('<i2', (2,)), ('u1', (2, 2))], 'offsets': [0, 8], " +
      "'itemsize': 16}",
    ];
    const files = corpus.map((_, i) => join(dir, `nested-descr-${i}.npy`));
    python(
      "import numpy as np\n" + corpus.map((spec, i) =>
        `dt = np.dtype(${spec})\n` +
        "raw = (np.arange(3 * dt.itemsize) * 7 % 251).astype('u1').tobytes()\n" +
        `np.save(${q(files[i])}, np.frombuffer(raw, dtype=dt))\n`
      ).join(""),
    );
    const names = corpus.map(() => uniqueName("descr"));
    const arrays = files.map((file, i) => readSharedArray(file, names[i], { unlinkOnClose: true }));
    try {
      arrays.forEach((a, i) => saveSharedArray(a, `${files[i]}.saved.npy`));
      // NumPy reads the original file, the segment and the saved file as one and the same dtype.
      const verdicts = python(
        "import numpy as np\n" +
          corpus.map((spec, i) =>
            `f = np.load(${q(files[i])})\nok = True\n` +
            `for other in (np.load("/dev/shm/${names[i]}"), np.load(${
              q(`${files[i]}.saved.npy`)
            })):\n` +
            "    ok = ok and other.dtype == f.dtype and other.tobytes() == f.tobytes()\n" +
            `print(ok, f.dtype == np.dtype(${spec}) or ${
              spec.includes("align=True") ? "True" : "False"
            })\n`
          ).join(""),
      ).trim().split("\n");
      assert.deepEqual(
        verdicts.map((v, i) => `${corpus[i]}: ${v}`),
        corpus.map((c) => `${c}: True True`),
      );
    } finally {
      for (const a of arrays) a.close();
    }
  });
});

describe("strings, bytes, void, datetimes, big-endian", () => {
  test("S, U and V items read and write as numpy has them", () => {
    const file = npy(
      "text.npy",
      "np.array(['', 'a', 'añ€𝄞'], dtype='>U4')",
    );
    using u = openNpy(file, { mode: "r+" });
    assert.deepEqual(u.toArray(), ["", "a", "añ€𝄞"]);
    u.set(0, "𝄞𝄞");
    assert.throws(() => u.set(1, "abcde"), InvalidArgumentError);
    assert.deepEqual(py(`np.load(${q(file)}).tolist()`), ["𝄞𝄞", "a", "añ€𝄞"]);
    const name = uniqueName("sv");
    using s = createSharedArray(name, { shape: [2], dtype: "S3" });
    s.set(0, "ab");
    s.set(1, new Uint8Array([0xff, 0, 1]));
    assert.throws(() => s.set(0, "€"), InvalidArgumentError, "bytes take latin-1 only");
    assert.equal(
      python(`import numpy as np; print(np.load("/dev/shm/${name}").tolist())`).trim(),
      String.raw`[b'ab', b'\xff\x00\x01']`,
    );
    const v = s.view("V3");
    assert.deepEqual(v.get(1), new Uint8Array([0xff, 0, 1]));
    deleteSharedArray(name);
  });

  test("datetime64/timedelta64: a BigInt64Array plus the unit", () => {
    const file = npy(
      "dates.npy",
      "np.array(['2024-02-29T12:00', 'NaT', '1969-12-31T23:59'], dtype='M8[m]')",
    );
    using a = openNpy(file);
    assert.equal(a.dtype.unit, "m");
    assert.ok(a.data instanceof BigInt64Array);
    assert.deepEqual([...(a.data as BigInt64Array)], [
      BigInt(py(`int(np.datetime64('2024-02-29T12:00', 'm').astype('i8'))`) as number),
      -(2n ** 63n),
      -1n,
    ]);
    const big = npy("span.npy", "np.array([1, -2], dtype='>m8[ms]')");
    using b = openNpy(big);
    assert.equal(b.dtype.unit, "ms");
    assert.throws(() => b.data, NotViewableError);
    assert.deepEqual(b.toArray(), [1n, -2n]);
    assert.deepEqual([...(toNativeArray(b) as BigInt64Array)], [1n, -2n]);
  });

  test("big-endian numbers: get/set through accessors, toNativeArray copies to native order", () => {
    const file = npy("be.npy", "(np.arange(12).reshape(3, 4).T * 1.5 - 2).astype('>f8')");
    using a = openNpy(file);
    assert.throws(() => a.data, NotViewableError, "never a wrong TypedArray");
    const native = toNativeArray(a);
    assert.ok(native instanceof Float64Array);
    assert.deepEqual([...native], py(`np.load(${q(file)}).astype('<f8').ravel().tolist()`));
    const cfile = npy("bec.npy", "np.array([1+2j, -3.5j], dtype='>c8')");
    using c = openNpy(cfile);
    assert.deepEqual([...toNativeArray(c)], [1, 2, -0, -3.5]);
    using s = openNpy(npy("bes.npy", "np.array(['x'], 'S2')"));
    assert.throws(() => toNativeArray(s), NotViewableError);
  });

  // One check, one error: an object dtype, or a structured one with an object field anywhere.
  test("object dtypes are refused wherever they appear, with InvalidArgumentError", () => {
    const OBJECT = /has object dtype .*pointers/;
    const refused = (f: () => unknown, what: string) =>
      assert.throws(
        f,
        (e: Error) => e instanceof InvalidArgumentError && OBJECT.test(e.message),
        what,
      );
    const specs = ["'O'", "[('o', 'O'), ('f', '<f8')]", "[('r', [('o', 'O')], (2,))]"];
    for (const [i, spec] of specs.entries()) {
      const what = `dtype ${spec}`;
      // Raw, as another writer could leave it (data of the size the header says), and as
      // numpy saves it (pickled, so the data section has some other length).
      const raw = join(dir, `raw-object-${i}.npy`);
      python(
        `import numpy as np, numpy.lib.format as f\ndt = np.dtype(${spec})\n` +
          `with open(${q(raw)}, "wb") as out:\n` +
          `    f.write_array_header_1_0(out, {'descr': f.dtype_to_descr(dt), ` +
          `'fortran_order': False, 'shape': (3,)})\n    out.write(bytes(3 * dt.itemsize))`,
      );
      const pickled = npy(`pickled-object-${i}.npy`, `np.zeros(3, dtype=${spec})`);
      const name = uniqueName("o");
      python(`import shutil; shutil.copy(${q(raw)}, "/dev/shm/${name}")`);
      const dtype = python(
        `import numpy as np, numpy.lib.format as f\n` +
          `print(f.dtype_to_descr(np.dtype(${spec})))`,
      ).trim();
      const spec1 = spec === "'O'" ? "O" : undefined;
      if (spec1) {
        refused(() => createSharedArray(uniqueName("o"), { shape: [1], dtype: spec1 }), what);
        refused(() => createNpy(join(dir, `o${i}.npy`), { shape: [1], dtype: spec1 }), what);
      }
      const foreign = { descr: spec1 ? "|O" : dtype } as never;
      refused(() => createSharedArray(uniqueName("o"), { shape: [1], dtype: foreign }), what);
      refused(() => createNpy(join(dir, `f${i}.npy`), { shape: [1], dtype: foreign }), what);
      refused(() => attachSharedArray(name), `attach ${what}`);
      refused(() => attachSharedArray(name, { readOnly: true }), `attach readOnly ${what}`);
      for (const file of [raw, pickled]) {
        refused(() => readSharedArray(file, uniqueName("o")), `read ${what}`);
        for (const mode of ["r", "r+", "c"] as const) {
          refused(() => openNpy(file, { mode }), `open ${mode} ${what}`);
        }
      }
      using bytes = createSharedArray(uniqueName("v"), {
        shape: [64],
        dtype: "u1",
        unlinkOnClose: true,
      });
      refused(() => bytes.view(foreign), `view as ${what}`);
      deleteSharedArray(name);
    }
    assert.deepEqual(readdirSync(dir).filter((n) => /^[of]\d\.npy$/.test(n)), [], "none made");
  });
});

describe("reinterpreting views", () => {
  test("view(dtype): an int32 array seen as int16 doubles its last axis, as numpy's view", () => {
    const file = npy("v.npy", "np.arange(-3, 3, dtype='<i4').reshape(2, 3) * 70000");
    using a = openNpy(file, { mode: "r+" });
    const b = a.view("<i2");
    assert.deepEqual(b.shape, [2, 6]);
    assert.deepEqual(b.toArray(), py(`np.load(${q(file)}).view('<i2').tolist()`));
    assert.ok(b.data instanceof Int16Array);
    assert.equal(b.data.buffer, a.data.buffer, "same memory");
    b.set([1, 5], -1); // the high half of the last int32
    assert.deepEqual(a.view("u1").shape, [2, 12]);
    assert.deepEqual(a.view("<f4").shape, [2, 3]);
    assert.throws(() => a.view("<i8"), InvalidArgumentError, "12-byte rows, as numpy refuses");
    using even = openNpy(npy("v2.npy", "np.arange(-2, 2, dtype='<i4').reshape(2, 2) * 70000"));
    const back = py(
      `[[str(x) for x in r] for r in np.load(${q(join(dir, "v2.npy"))}).view('<i8')]`,
    );
    assert.deepEqual(even.view("<i8").toArray(), (back as string[][]).map((r) => r.map(BigInt)));
    assert.throws(() => a.view("V5"), InvalidArgumentError, "12 bytes are not 5-byte items");
    assert.throws(() => a.row(0).view("f8", { byteOffset: 4, shape: [1] }), MisalignedError);
    const f = npy("vf.npy", "np.asfortranarray(np.zeros((2, 3), '<i4'))");
    using fa = openNpy(f);
    assert.throws(() => fa.view("<i2"), InvalidArgumentError, "last axis not contiguous");
  });

  test("several arrays of different dtypes at aligned offsets in one segment", () => {
    const name = uniqueName("multi");
    using seg = createSharedArray(name, { shape: [4096], dtype: "u1" });
    const prices = seg.view("<f8", { byteOffset: 0, shape: [4, 2] });
    const ids = seg.view("<i4", { byteOffset: 64, shape: [3], order: "C" });
    const tags = seg.view("<U2", { byteOffset: 128, shape: [2] });
    const grid = seg.view("<u2", { byteOffset: 256, shape: [2, 3], order: "F" });
    (prices.data as Float64Array).set([1, 2, 3, 4, 5, 6, 7, 8]);
    ids.set(2, -9);
    tags.set(1, "hi");
    grid.set([1, 2], 65535);
    assert.throws(() => seg.view("<f8", { byteOffset: 4, shape: [2] }), MisalignedError);
    assert.throws(() => seg.view("<f8", { byteOffset: 4064, shape: [5] }), InvalidArgumentError);
    assert.throws(() => seg.view("<f8", { byteOffset: 5000 }), InvalidArgumentError);
    const seen = py(
      `(lambda b: [np.frombuffer(b, '<f8', 8, 0).reshape(4, 2).tolist(), ` +
        `np.frombuffer(b, '<i4', 3, 64).tolist(), np.frombuffer(b, '<U2', 2, 128).tolist(), ` +
        `np.ndarray((2, 3), '<u2', b, 256, order='F').tolist()])` +
        `(np.load("/dev/shm/${name}").tobytes())`,
    );
    assert.deepEqual(seen, [
      [[1, 2], [3, 4], [5, 6], [7, 8]],
      [0, 0, -9],
      ["", "hi"],
      [[0, 0, 0], [0, 0, 65535]],
    ]);
    deleteSharedArray(name);
  });

  test("unaligned data from other writers: get/set work, data is refused, never misaligned", () => {
    // No header padding: the data starts at an odd byte.
    const file = join(dir, "odd.npy");
    python(
      "import struct, numpy as np\n" +
        "h = repr({'descr': '<f8', 'fortran_order': False, 'shape': (3,)}).encode() + b'\\n'\n" +
        `open(${q(file)}, 'wb').write(b'\\x93NUMPY\\x01\\x00' + struct.pack('<H', len(h)) + h + ` +
        "np.array([1.5, -2.0, 3.0]).tobytes())",
    );
    using a = openNpy(file, { mode: "c" });
    assert.deepEqual(a.toArray(), [1.5, -2, 3]);
    assert.throws(() => a.data, NotViewableError);
    a.set(1, 8);
    assert.equal(a.get(1), 8);
    assert.throws(() => a.view("<i8"), MisalignedError);
  });
});
