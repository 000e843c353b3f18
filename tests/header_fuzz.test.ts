/**
 * decodeHeader on hostile bytes: random strings, mutations of valid headers, truncations,
 * generated Python literals. Each call must return a consistent header or throw
 * CorruptHeaderError; nothing else, and quickly. The PRNG is seeded, so failures reproduce.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CorruptHeaderError } from "../src/format/errors.ts";
import { dtypeFromDescr, parseDType } from "../src/format/dtype.ts";
import { decodeHeader, encodeHeader, headerLength, type NpyHeader } from "../src/format/header.ts";
import { parsePyLiteral, PyLiteralError } from "../src/format/pyliteral.ts";

/** mulberry32: tiny, seeded, good enough to spread inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(0x5eed);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

function hex(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 200), (b) => b.toString(16).padStart(2, "0")).join("");
}

const stats = { ok: 0, corrupt: 0 };

/** The property under test. */
function check(bytes: Uint8Array): NpyHeader | null {
  let h: NpyHeader;
  try {
    h = decodeHeader(bytes);
  } catch (e) {
    if (e instanceof CorruptHeaderError) {
      stats.corrupt++;
      return null;
    }
    throw new Error(`decodeHeader threw ${e} for ${hex(bytes)}`);
  }
  stats.ok++;
  assert.ok(h.dataOffset >= 10 && h.dataOffset <= bytes.length, `dataOffset ${h.dataOffset}`);
  assert.ok([1, 2, 3].includes(h.version[0]) && h.version[1] === 0);
  assert.equal(typeof h.fortranOrder, "boolean");
  assert.ok(Number.isSafeInteger(h.dtype.itemsize) && h.dtype.itemsize >= 0);
  let n = h.dtype.itemsize;
  for (const d of h.shape) {
    assert.ok(Number.isSafeInteger(d) && d >= 0, `dim ${d}`);
    n *= d;
  }
  assert.equal(h.dataLength, n);
  return h;
}

function npy(text: string | Uint8Array, major = 1, lengthOverride?: number): Uint8Array {
  const body = typeof text === "string"
    ? (major === 3
      ? new TextEncoder().encode(text)
      : Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff))
    : text;
  const width = major === 1 ? 2 : 4;
  const out = new Uint8Array(8 + width + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const length = lengthOverride ?? body.length;
  for (let i = 0; i < width; i++) out[8 + i] = Math.floor(length / 256 ** i) % 256;
  out.set(body, 8 + width);
  return out;
}

// A corpus of valid headers to mutate.
const CORPUS: Uint8Array[] = [
  ...["<f8", "|u1", ">i4", "<c16", "|S10", "<U5", "|V8", "<M8[ns]", "|b1", "<f2"].flatMap((d) =>
    [[], [0], [5], [3, 4], [2, 3, 4], [2 ** 40]].map((shape, i) =>
      encodeHeader(parseDType(d), shape, i % 2 === 1)
    )
  ),
  encodeHeader(
    dtypeFromDescr(
      parsePyLiteral(
        "[(('t', 'a'), '<i4'), ('', '|V4'), ('n', [('x', '<i2')], (2, 3)), ('s', '|S3')]",
      ),
    ),
    [2],
    false,
  ),
  encodeHeader(dtypeFromDescr([["\u20ac", "<f8"]]), [3, 3], true),
  npy("{'descr': u'<i8', 'fortran_order': False, 'shape': (3L, 4L), }   \n"),
  npy("{'shape': (5,), 'fortran_order': True, 'descr': '|u1'}", 2),
];

const ALPHABET = "'\"()[]{},:-+0123456789LuUbTrueFalseNone\\ \n\t#\0\xff\x80xX_.";

function mutate(src: Uint8Array): Uint8Array {
  const b = src.slice();
  const kind = int(6);
  const count = 1 + int(4);
  for (let k = 0; k < count; k++) {
    const at = int(b.length);
    if (kind === 0) b[at] ^= 1 << int(8);
    else if (kind === 1) b[at] = int(256);
    else if (kind === 2 && at >= 10) b[at] = ALPHABET.charCodeAt(int(ALPHABET.length));
    else if (kind === 3 && at >= 10) b[at] = 0x20;
    else b[at] = ALPHABET.charCodeAt(int(ALPHABET.length)) & 0xff;
  }
  if (kind === 5 && b.length >= 10) {
    b[8] = int(256);
    b[9] = int(256);
  }
  return b;
}

/** Random Python literal text, mostly header-shaped. */
function literal(depth: number): string {
  const r = int(depth > 4 ? 6 : 10);
  switch (r) {
    case 0:
      return pick(["'<f8'", "'|S3'", "'<U2'", "'|V4'", "'|O'", "'<f3'", "''", "u'<i4'", "b'|u1'"]);
    case 1:
      return pick([
        "0",
        "1",
        "-1",
        "3L",
        "9007199254740993",
        "2**8",
        "1e3",
        "0x10",
        "1_0",
        "00",
        "-0",
      ]);
    case 2:
      return pick(["True", "False", "None", "x", "()", "[]", "{}"]);
    case 3:
      return `'${"abc\\'\\x41\\u20ac".slice(0, int(14))}'`;
    case 4:
      return `(${literal(depth + 1)},)`;
    case 5:
      return pick(["(", "[", "{", ")", "]", "}", ",", ":"]);
    case 6:
      return `(${Array.from({ length: int(4) }, () => literal(depth + 1)).join(", ")})`;
    case 7:
      return `[${Array.from({ length: int(4) }, () => literal(depth + 1)).join(", ")}]`;
    case 8:
      return `{${
        Array.from({ length: int(3) }, () => `${literal(depth + 1)}: ${literal(depth + 1)}`).join(
          ", ",
        )
      }}`;
    default:
      return `('${pick(["a", "b", "", "c"])}', ${literal(depth + 1)}${
        rand() < 0.3 ? `, ${literal(depth + 1)}` : ""
      })`;
  }
}

function headerText(): string {
  const descr = rand() < 0.5 ? pick(["'<f8'", "'|u1'", "'>c8'", "'<M8[s]'", "'|S0'"]) : literal(0);
  const shape = rand() < 0.5
    ? `(${
      Array.from({ length: int(5) }, () =>
        pick(["0", "3", "65536", "4294967296", "-2", "True", "'1'", "2L"])).join(", ")
    },)`
    : literal(1);
  const order = rand() < 0.7 ? pick(["True", "False"]) : literal(2);
  const entries = [`'descr': ${descr}`, `'fortran_order': ${order}`, `'shape': ${shape}`];
  if (rand() < 0.1) entries.push(`${literal(3)}: ${literal(3)}`);
  if (rand() < 0.1) entries.splice(int(entries.length), 1);
  entries.sort(() => rand() - 0.5);
  return `{${entries.join(", ")}${rand() < 0.5 ? ", " : ""}}` + " ".repeat(int(40)) +
    (rand() < 0.8 ? "\n" : "");
}

describe("decodeHeader never throws anything but CorruptHeaderError", () => {
  test("random bytes", () => {
    for (let i = 0; i < 1500; i++) {
      const b = new Uint8Array(int(300));
      for (let j = 0; j < b.length; j++) b[j] = int(256);
      if (rand() < 0.5 && b.length >= 10) {
        b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, pick([1, 2, 3, 0, 4]), pick([0, 0, 1])]);
      }
      check(b);
    }
  });

  test("random bit and byte mutations of valid headers", () => {
    for (let i = 0; i < 3000; i++) check(mutate(pick(CORPUS)));
  });

  test("every truncation of valid headers", () => {
    for (const h of CORPUS.slice(-6)) {
      for (let n = 0; n <= h.length; n++) check(h.subarray(0, n));
    }
  });

  test("generated header dicts", () => {
    for (let i = 0; i < 2000; i++) check(npy(headerText(), pick([1, 1, 2, 3])));
  });

  test("huge and lying header lengths", () => {
    for (const major of [1, 2, 3]) {
      for (const length of [0, 1, 9, 65535, 2 ** 24, 2 ** 24 + 1, 2 ** 32 - 1]) {
        const text = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
        if (major === 1 && length > 65535) continue;
        check(npy(text, major, length));
      }
    }
  });

  test("deep nesting and long runs", () => {
    for (const open of ["[", "(", "{", "{'a': ", "[('a', "]) {
      for (const n of [31, 32, 33, 1000, 100_000]) {
        check(npy(`{'descr': ${open.repeat(n)}, 'fortran_order': False, 'shape': (3,)}`, 2));
        check(npy(`{'descr': '<f8', 'fortran_order': False, 'shape': ${open.repeat(n)}}`, 2));
      }
    }
    check(npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (${"9".repeat(100_000)},)}`, 2));
    check(npy(`{'descr': '${"x".repeat(1_000_000)}', 'fortran_order': False, 'shape': (3,)}`, 2));
    check(npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (${"1, ".repeat(100_000)})}`, 2));
  });

  test("absurd shapes", () => {
    const dims = [
      "-1",
      "-0",
      "2**64",
      "18446744073709551616",
      "9007199254740991",
      "9007199254740992",
      "1.5",
      "None",
      "'3'",
      "True",
      "(3,)",
      "[3]",
      "3j",
      "0x7fffffffffffffff",
    ];
    for (const a of dims) {
      for (const b of dims) {
        check(npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (${a}, ${b})}`));
      }
    }
    check(npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (${"2, ".repeat(64)})}`));
    check(npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (${"2, ".repeat(65)})}`));
  });

  test("non-Uint8Array input", () => {
    for (const v of [undefined, null, "abc", 12, {}, [0x93, 0x4e], new Uint16Array(20)]) {
      assert.throws(() => decodeHeader(v as never), CorruptHeaderError);
    }
  });

  test("both outcomes were exercised", () => {
    assert.ok(stats.ok > 200, `${stats.ok} accepted`);
    assert.ok(stats.corrupt > 1000, `${stats.corrupt} refused`);
  });
});

describe("the layers below hold the same line", () => {
  test("headerLength on random prefixes", () => {
    for (let i = 0; i < 2000; i++) {
      const b = new Uint8Array(int(14));
      for (let j = 0; j < b.length; j++) b[j] = int(256);
      if (rand() < 0.7) {
        b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, int(4), int(2)].slice(0, b.length));
      }
      try {
        const n = headerLength(b);
        assert.ok(n >= 10 && n <= 12 + 2 ** 24);
      } catch (e) {
        if (!(e instanceof CorruptHeaderError)) throw e;
      }
    }
  });

  test("parsePyLiteral throws only PyLiteralError", () => {
    for (let i = 0; i < 3000; i++) {
      const text = rand() < 0.5
        ? literal(0)
        : Array.from({ length: int(40) }, () => ALPHABET[int(ALPHABET.length)]).join("");
      try {
        parsePyLiteral(text);
      } catch (e) {
        if (!(e instanceof PyLiteralError)) throw new Error(`${e} for ${JSON.stringify(text)}`);
      }
    }
  });
});
