// .npy files <-> shared memory and memory-mapped files, checked against a corpus numpy writes
// at test time (tests/python/npy_corpus.py), never against values computed here.
//
// On Windows (under wine, scripts/matrix.ts) no Python with NumPy runs beside the tests: there
// the corpus is the one numpy wrote on Linux before the run (NPSHM_TEST_NUMPY_CORPUS, its
// directory), the files saved from it are left there for numpy to check after the run, and
// the suites whose numpy work happens in the test itself are skipped.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import process from "node:process";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { describe, test } from "node:test";
import {
  attachSharedArray,
  ClosedError,
  CorruptHeaderError,
  createNpy,
  createSharedArray,
  deleteSharedArray,
  DTypeMismatchError,
  ExistsError,
  InvalidArgumentError,
  NotFoundError,
  NotViewableError,
  openNpy,
  ReadOnlyError,
  readSharedArray,
  saveSharedArray,
  ShapeMismatchError,
  StaleError,
  UnsupportedError,
} from "../mod.ts";
import {
  afterAll,
  maxViewBytes,
  python,
  shmExists,
  shmPath,
  sweepLeaks,
  testFile,
  uniqueName,
} from "./_util.ts";
import { CORPUS_CHECKS, CORPUS_MANIFEST } from "./_corpus.ts";

const dir = mkdtempSync(join(tmpdir(), "npshm-npy-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(sweepLeaks(), [], "segments left behind");
});

interface Good {
  file: string;
  descr: string;
  shape: number[];
  fortran: boolean;
  version: number;
  values: unknown;
}
interface Broken {
  file: string;
  code: string;
}

const WINDOWS = process.platform === "win32";
const NO_NUMPY_HERE = WINDOWS &&
  "numpy works inside these tests, and no Python with NumPy for Windows can be installed here " +
    "(npm and Debian only): the corpus tests run on Windows, on files numpy wrote on Linux";

const corpusScript = testFile("python/npy_corpus.py");
const corpus: { ok: Good[]; broken: Broken[] } = WINDOWS ? windowsCorpus() : JSON.parse(
  execFileSync("python3", [corpusScript, "make", join(dir, "")], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  }),
);

/** Where the corpus numpy made for a Windows run is, and where numpy checks what it saved. */
function corpusDir(): string {
  const at = process.env.NPSHM_TEST_NUMPY_CORPUS;
  if (!at) throw new Error("NPSHM_TEST_NUMPY_CORPUS: no numpy corpus made for this run");
  return at;
}

function windowsCorpus() {
  return JSON.parse(readFileSync(join(corpusDir(), CORPUS_MANIFEST), "utf8"));
}

/** A value from get()/toArray() in the tagged JSON form the corpus uses. */
function tagged(v: unknown): unknown {
  if (typeof v === "bigint") return { $big: String(v) };
  if (typeof v === "number" && !Number.isFinite(v)) {
    return { $float: Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf" };
  }
  if (v instanceof Uint8Array) {
    return { $bytes: Array.from(v, (b) => b.toString(16).padStart(2, "0")).join("") };
  }
  if (Array.isArray(v)) return v.map(tagged);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tagged(x)]));
  }
  return v;
}

function label(c: Good): string {
  return `${c.file.split("/").pop()} ${c.descr.slice(0, 60)} ${JSON.stringify(c.shape)} ` +
    `F=${c.fortran} v${c.version}`;
}

describe("the numpy corpus", () => {
  test("covers every header version, order and kind of dtype", () => {
    const versions = new Set(corpus.ok.map((c) => c.version));
    assert.deepEqual([...versions].sort(), [1, 2, 3]);
    assert.ok(corpus.ok.some((c) => c.fortran));
    for (const kind of ["M8", "m8", "S7", "U4", "V5", ">f8", ">c16", "[("]) {
      assert.ok(corpus.ok.some((c) => c.descr.includes(kind)), kind);
    }
  });

  test("readSharedArray: every file into shared memory, values as numpy has them", () => {
    for (const c of corpus.ok) {
      const name = uniqueName("rd");
      using a = readSharedArray(c.file, name, { validateShape: c.shape });
      assert.equal(a.dtype.descr, c.descr, label(c));
      assert.deepEqual(a.shape, c.shape, label(c));
      assert.deepEqual(tagged(a.toArray()), c.values, label(c));
      // The segment is itself a .npy numpy reads, aligned to 64 bytes whatever the file had.
      // (A Windows mapping is no file.)
      if (!WINDOWS) {
        assert.equal(
          readFileSync(`/dev/shm/${name}`).subarray(0, 6).toString("latin1"),
          "\x93NUMPY",
        );
      }
      deleteSharedArray(name);
    }
  });

  test("openNpy: every file memory-mapped, values as numpy has them", () => {
    for (const c of corpus.ok) {
      using a = openNpy(c.file, { validateShape: c.shape });
      assert.equal(a.dtype.descr, c.descr, label(c));
      assert.deepEqual(tagged(a.toArray()), c.values, label(c));
    }
  });

  test("saveSharedArray: numpy loads every file back, byte-for-byte what np.save writes", () => {
    // Windows: beside the corpus, where numpy on Linux checks them after the run.
    const out = WINDOWS ? corpusDir() : dir;
    const pairs = corpus.ok.map((c, i) => {
      const name = uniqueName("sv");
      const saved = posix.join(out, `saved${i}.npy`);
      using a = readSharedArray(c.file, name);
      saveSharedArray(a, saved, { durable: i % 2 === 0 });
      deleteSharedArray(name);
      return { orig: c.file, saved };
    });
    // also straight from memory-mapped files
    using m = openNpy(corpus.ok[0].file);
    saveSharedArray(m, posix.join(out, "from_map.npy"));
    pairs.push({ orig: corpus.ok[0].file, saved: posix.join(out, "from_map.npy") });
    if (WINDOWS) return writeFileSync(join(out, CORPUS_CHECKS), JSON.stringify(pairs));
    const problems = JSON.parse(
      execFileSync("python3", [corpusScript, "check"], {
        input: JSON.stringify(pairs),
        encoding: "utf8",
      }),
    );
    assert.deepEqual(problems, []);
  });

  test("corrupted files: typed errors, and nothing is left under the name", () => {
    assert.ok(corpus.broken.length >= 10);
    for (const b of corpus.broken) {
      const name = uniqueName("bad");
      assert.throws(() => readSharedArray(b.file, name), (e: Error & { code?: string }) => {
        assert.equal(e.code, b.code, `${b.file}: ${e.message}`);
        return true;
      });
      assert.equal(shmExists(name), false, b.file);
      assert.throws(() => openNpy(b.file), (e: Error & { code?: string }) => e.code === b.code);
    }
    assert.throws(() => openNpy(join(dir, "missing.npy")), NotFoundError);
    assert.throws(() => readSharedArray(join(dir, "missing.npy"), uniqueName("m")), NotFoundError);
    assert.throws(() => openNpy(dir), (e: Error & { code?: string }) => e.code !== undefined);
  });
});

function npy(code: string, file: string): string {
  python(`import numpy as np\na = ${code}\nnp.save(${JSON.stringify(file)}, a)`);
  return file;
}

describe("readSharedArray: attach or create", { skip: NO_NUMPY_HERE }, () => {
  test("a second read attaches; the result says which", () => {
    const file = npy("np.arange(12, dtype='<i4').reshape(3, 4)", join(dir, "ac.npy"));
    const name = uniqueName("ac");
    using first = readSharedArray(file, name, { returnStatus: true });
    assert.equal(first.attached, false);
    using second = readSharedArray(file, name, { returnStatus: true });
    assert.equal(second.attached, true);
    second.array.set([2, 3], 99);
    assert.equal(first.array.get([2, 3]), 99, "one shared array");
    assert.throws(() => readSharedArray(file, name, { acceptExisting: false }), ExistsError);
    {
      // made like createSharedArray's arrays: with the control block that carries the lock
      using guard = second.array.lock();
      assert.equal(first.array.tryLock(), null, "the lock is shared by both handles");
      assert.equal(guard.previousOwnerDied, false);
    }
    deleteSharedArray(name);
  });

  test("an existing array that differs from the file is a typed mismatch, never an attach", () => {
    const file = npy("np.zeros((3, 4), '<f8')", join(dir, "mm.npy"));
    const other = npy("np.zeros((3, 4), '<f8', order='F')", join(dir, "mmf.npy"));
    const name = uniqueName("mm");
    using a = createSharedArray(name, { shape: [4, 3], dtype: "f8" });
    assert.throws(() => readSharedArray(file, name), ShapeMismatchError);
    deleteSharedArray(name);
    using b = createSharedArray(name, { shape: [3, 4], dtype: "f4" });
    assert.throws(() => readSharedArray(file, name), DTypeMismatchError);
    deleteSharedArray(name);
    using c = createSharedArray(name, { shape: [3, 4], dtype: "f8" });
    assert.throws(() => readSharedArray(other, name), ShapeMismatchError, "C vs Fortran order");
    deleteSharedArray(name);
    assert.ok(a && b && c);
  });

  test("a changed file is reloaded; reload 'error' and 'never' say or keep the old copy", () => {
    const file = npy("np.full(3, 1, '<i4')", join(dir, "st.npy"));
    const name = uniqueName("st");
    using first = readSharedArray(file, name);
    assert.throws(
      () => readSharedArray(file, name, { reload: "sometimes" as "never" }),
      InvalidArgumentError,
    );
    npy("np.full(3, 2, '<i4')", join(dir, "st2.npy"));
    renameSync(join(dir, "st2.npy"), file); // another file (inode) under the path now
    assert.throws(() => readSharedArray(file, name, { reload: "error" }), StaleError);
    using never = readSharedArray(file, name, { reload: "never", returnStatus: true });
    assert.deepEqual([never.attached, never.array.get(0)], [true, 1]);
    using second = readSharedArray(file, name, { returnStatus: true });
    assert.deepEqual([second.attached, second.array.get(0)], [false, 2], "reloaded");
    assert.equal(first.get(0), 1, "who had the old array keeps it");
    assert.equal(attachSharedArray(name).get(0), 2, "the name moved to the new one");
    // Written in place (same inode and size): the modification time tells.
    const bytes = readFileSync(file);
    bytes.writeInt32LE(3, bytes.length - 4);
    writeFileSync(file, bytes);
    utimesSync(file, new Date(), new Date(Date.now() + 2000));
    using third = readSharedArray(file, name, { returnStatus: true });
    assert.deepEqual([third.attached, third.array.get(2)], [false, 3]);
    using fourth = readSharedArray(file, name, { returnStatus: true });
    assert.equal(fourth.attached, true, "unchanged since: attached");
    deleteSharedArray(name);
  });

  test("another user's array under the name is never taken for the file's data", {
    skip: process.getuid?.() === 0 ? false : "needs root to give a segment to another user",
  }, () => {
    const file = npy("np.arange(4, dtype='<i8')", join(dir, "own.npy"));
    const name = uniqueName("own");
    using planted = createSharedArray(name, { shape: [4], dtype: "i8", fill: 666, mode: 0o666 });
    chownSync(shmPath(name), 65534, 65534); // as if user nobody had made it first
    assert.throws(() => readSharedArray(file, name), (e: Error) => {
      assert.ok(e instanceof ExistsError, String(e));
      assert.match(e.message, /belongs to user 65534/);
      return true;
    });
    assert.equal(planted.get(0), 666n);
    deleteSharedArray(name);
  });

  test("validateShape / validateDtype are checked against the file before anything is made", () => {
    const file = npy("np.zeros(5, '<i2')", join(dir, "val.npy"));
    const name = uniqueName("val");
    assert.throws(() => readSharedArray(file, name, { validateShape: [6] }), ShapeMismatchError);
    assert.throws(() => readSharedArray(file, name, { validateDtype: "i4" }), DTypeMismatchError);
    assert.equal(shmExists(name), false);
  });

  test("readOnly: set throws and numpy-visible data stays unchanged", () => {
    const file = npy("np.arange(4.0)", join(dir, "ro.npy"));
    const name = uniqueName("ro");
    using a = readSharedArray(file, name, { readOnly: true });
    assert.equal(a.readOnly, true);
    assert.throws(() => a.set(0, 5), ReadOnlyError);
    (a.data as Float64Array)[1] = 42; // a stray write stays private
    const seen = python(`import numpy as np; print(np.load("/dev/shm/${name}")[1])`);
    assert.equal(Number(seen), 1);
    deleteSharedArray(name);
  });
});

describe("long copies", { skip: NO_NUMPY_HERE }, () => {
  const big = join(dir, "big.npy");
  const bigBytes = 150 * 1024 * 1024;
  if (!WINDOWS) {
    python(
      `import numpy as np\nnp.save(${JSON.stringify(big)}, ` +
        `np.arange(${bigBytes / 8}, dtype='<f8'))`,
    );
  }

  test("onProgress reports growing byte counts up to the total, in both directions", () => {
    const name = uniqueName("prog");
    const seen: [number, number][] = [];
    using a = readSharedArray(big, name, { onProgress: (d, t) => seen.push([d, t]) });
    assert.ok(seen.length >= 3, `${seen.length} reports`);
    assert.deepEqual(seen.at(-1), [bigBytes, bigBytes]);
    assert.ok(seen.every(([d], i) => i === 0 || d > seen[i - 1][0]));
    assert.equal(a.get(-1), bigBytes / 8 - 1);
    const saved: number[] = [];
    saveSharedArray(a, join(dir, "big_saved.npy"), { onProgress: (d) => saved.push(d) });
    assert.equal(saved.at(-1), bigBytes);
    const ok = python(
      `import numpy as np; a = np.load(${JSON.stringify(join(dir, "big_saved.npy"))}, ` +
        `mmap_mode="r"); print(bool((a == np.arange(a.size)).all()))`,
    );
    assert.equal(ok.trim(), "True");
    deleteSharedArray(name);
  });

  test("a failure midway leaves no segment under the name", () => {
    const name = uniqueName("abort");
    assert.throws(
      () =>
        readSharedArray(big, name, {
          onProgress: () => {
            throw new RangeError("stop");
          },
        }),
      RangeError,
    );
    assert.equal(shmExists(name), false);
    // The file shrinks under the copy: a typed error, still nothing under the name.
    const copy = join(dir, "shrinks.npy");
    execFileSync("cp", [big, copy]);
    assert.throws(
      () => readSharedArray(copy, name, { onProgress: () => truncateSync(copy, 1024) }),
      CorruptHeaderError,
    );
    assert.equal(shmExists(name), false);
  });

  test("saving is atomic: a failed save leaves the old file and no temporary files", () => {
    const name = uniqueName("atom");
    using a = createSharedArray(name, { shape: [1000], dtype: "u1", fill: 7 });
    const file = join(dir, "atomic.npy");
    saveSharedArray(a, file);
    const before = readFileSync(file);
    assert.throws(() =>
      saveSharedArray(a, file, {
        onProgress: () => {
          throw new Error("disk pulled");
        },
      })
    );
    assert.deepEqual(readFileSync(file), before);
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes("npshm-tmp")), []);
    assert.throws(() => saveSharedArray(a, join(dir, "no", "such", "dir.npy")), NotFoundError);
    deleteSharedArray(name);
  });
});

describe("memory-mapped .npy files", { skip: NO_NUMPY_HERE }, () => {
  test("r+ writes reach the file; c writes stay private; r refuses writes", () => {
    const file = npy("np.arange(6, dtype='>i4').reshape(2, 3)", join(dir, "modes.npy"));
    {
      using w = openNpy(file, { mode: "r+" });
      w.set([1, 2], -7);
    }
    {
      using c = openNpy(file, { mode: "c" });
      c.set([0, 0], 100);
      assert.equal(c.get([0, 0]), 100);
    }
    {
      using r = openNpy(file, { mode: "r", validateDtype: ">i4" });
      assert.throws(() => r.set([0, 1], 1), ReadOnlyError);
      assert.throws(() => r.data, NotViewableError, "big-endian: no wrong TypedArray");
      assert.deepEqual(r.toArray(), [[0, 1, 2], [3, 4, -7]]);
    }
    const seen = python(`import numpy as np; print(np.load(${JSON.stringify(file)}).tolist())`);
    assert.equal(seen.trim(), "[[0, 1, 2], [3, 4, -7]]");
  });

  test("flush writes r+ changes back (memmap.flush); after close it is a ClosedError", () => {
    const file = npy("np.zeros(3, dtype='<f8')", join(dir, "flush.npy"));
    const w = openNpy(file, { mode: "r+", validateDtype: "f8" });
    w.data[1] = 2.5;
    w.flush();
    const seen = python(`import numpy as np; print(np.load(${JSON.stringify(file)})[1])`);
    assert.equal(Number(seen), 2.5);
    w.close();
    assert.throws(() => w.flush(), ClosedError);
    using c = openNpy(file, { mode: "c", validateDtype: "f8" });
    c.data[1] = 9;
    c.flush(); // private: nothing reaches the file
    const again = python(`import numpy as np; print(np.load(${JSON.stringify(file)})[1])`);
    assert.equal(Number(again), 2.5);
  });

  test("save writes what this process sees: private copy-on-write pages included", () => {
    const file = npy("np.arange(4096, dtype='<i4')", join(dir, "private.npy"));
    const saved = join(dir, "private_saved.npy");
    {
      using c = openNpy(file, { mode: "c", validateDtype: "int32" });
      c.data[4000] = -1; // only in this process's copy
      saveSharedArray(c, saved);
    }
    const name = uniqueName("ro-save");
    using w = createSharedArray(name, { shape: [4096], dtype: "int32", fill: 5 });
    using r = attachSharedArray(name, { readOnly: true, validateDtype: "int32" });
    r.data[10] = 9; // private copy-on-write page
    const savedRo = join(dir, "ro_saved.npy");
    saveSharedArray(r, savedRo);
    saveSharedArray(w.slice(1), join(dir, "slice_saved.npy")); // through the kernel, at an offset
    deleteSharedArray(name);
    const seen = python(
      `import numpy as np\n` +
        `a = np.load(${JSON.stringify(saved)}); b = np.load(${JSON.stringify(savedRo)})\n` +
        `s = np.load(${JSON.stringify(join(dir, "slice_saved.npy"))})\n` +
        `print(a[4000], a[3999], b[10], b[11], s.shape[0], int(s.sum()))`,
    );
    assert.equal(seen.trim(), "-1 3999 9 5 4095 20475");
  });

  test("createNpy is open_memmap: numpy reads what was written; no overwrite by default", () => {
    const file = join(dir, "made.npy");
    {
      using a = createNpy(file, {
        shape: [3, 2],
        dtype: "<c8",
        order: "F",
        fill: { re: 1, im: 2 },
      });
      a.set([2, 1], { re: -1, im: 0.5 });
    }
    assert.throws(() => createNpy(file, { shape: [1], dtype: "u1" }), ExistsError);
    const seen = python(
      `import numpy as np; a = np.load(${JSON.stringify(file)}); ` +
        `print(a.dtype.str, a.flags.f_contiguous, a[2, 1], a[0, 0])`,
    );
    assert.equal(seen.trim(), "<c8 True (-1+0.5j) (1+2j)");
    using b = createNpy(file, { shape: [2], dtype: "U3", overwrite: true });
    b.set(1, "añ€");
    assert.equal(
      python(`import numpy as np; print(np.load(${JSON.stringify(file)})[1])`).trim(),
      "añ€",
    );
  });

  test("arrays larger than memory: a sparse file, a few pages touched", () => {
    const huge = 40 * 1024 ** 3; // more than this machine's free memory
    const file = join(dir, "huge.npy");
    python(
      "import numpy as np\n" +
        `m = np.lib.format.open_memmap(${JSON.stringify(file)}, mode="w+", dtype="<f8", ` +
        `shape=(${huge / 8},))\nm[-1] = 3.0\nm[123456789] = 2.0\nm.flush()`,
    );
    if (maxViewBytes < huge) {
      // Bun makes no ArrayBuffer over 4 GiB: a typed error, never a crash.
      assert.throws(() => openNpy(file, { mode: "r+" }), UnsupportedError);
      const made = join(dir, "huge2.npy");
      assert.throws(
        () => createNpy(made, { shape: [huge], dtype: "u1", sparse: true }),
        UnsupportedError,
      );
      rmSync(file);
      rmSync(made, { force: true });
      return;
    }
    {
      using a = openNpy(file, { mode: "r+" });
      assert.equal(a.size, huge / 8);
      assert.equal(a.get(-1), 3);
      assert.equal(a.get(123456789), 2);
      assert.equal(a.get(2 ** 32 + 1), 0);
      a.set(2 ** 32 + 1, 1.5);
      assert.equal((a.data as Float64Array)[2 ** 32 + 1], 1.5, "data over 2**32 elements");
    }
    const seen = python(
      `import numpy as np; a = np.load(${JSON.stringify(file)}, mmap_mode="r"); ` +
        `print(a[2**32 + 1], a[-1])`,
    );
    assert.equal(seen.trim(), "1.5 3.0");
    const made = join(dir, "huge2.npy");
    {
      using b = createNpy(made, { shape: [huge], dtype: "u1", sparse: true });
      b.set(-1, 9);
    }
    const tail = python(
      `import numpy as np; print(np.load(${JSON.stringify(made)}, mmap_mode="r")[-1])`,
    );
    assert.equal(tail.trim(), "9");
    rmSync(file);
    rmSync(made);
  });

  test("a file over 2 GiB reads into shared memory (header v1, offsets past 2**31)", () => {
    const file = join(dir, "over2g.npy");
    const n = 2.25 * 1024 ** 3 / 4;
    python(
      "import numpy as np\n" +
        `m = np.lib.format.open_memmap(${JSON.stringify(file)}, mode="w+", dtype="<u4", ` +
        `shape=(${n},))\nm[-1] = 77\nm[${2 ** 29 + 3}] = 5\nm.flush()`,
    );
    const name = uniqueName("2g");
    {
      using a = readSharedArray(file, name);
      assert.equal(a.get(-1), 77);
      assert.equal(a.get(2 ** 29 + 3), 5);
    }
    deleteSharedArray(name);
    rmSync(file);
  });

  test("file: URLs name files too", () => {
    const file = npy("np.ones(3, '<u2')", join(dir, "url.npy"));
    using a = openNpy(new URL(`file://${file}`));
    assert.deepEqual(a.toArray(), [1, 1, 1]);
    assert.ok(existsSync(file));
  });
});
