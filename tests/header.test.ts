import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeControl, encodeControl, NONCE_FIELD } from "../src/format/control.ts";
import { CorruptHeaderError, InvalidArgumentError } from "../src/format/errors.ts";
import { dtypeFromDescr, parseDType } from "../src/format/dtype.ts";
import {
  ALIGN,
  decodeHeader,
  encodeHeader,
  headerLength,
  MAX_HEADER_LENGTH,
  MIN_PREFIX,
} from "../src/format/header.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

function latin1(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => String.fromCharCode(b)).join("");
}

/** An NPY header around `text`, taken as latin-1 (versions 1, 2) or UTF-8 (version 3). */
function npy(text: string, major = 1, minor = 0): Uint8Array {
  const body = major === 3
    ? new TextEncoder().encode(text)
    : Uint8Array.from(text, (c) => c.charCodeAt(0));
  const width = major === 1 ? 2 : 4;
  const out = new Uint8Array(8 + width + body.length);
  out.set(MAGIC);
  out[6] = major;
  out[7] = minor;
  for (let i = 0; i < width; i++) out[8 + i] = Math.floor(body.length / 256 ** i) % 256;
  out.set(body, 8 + width);
  return out;
}

function corrupt(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CorruptHeaderError, `expected CorruptHeaderError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

const F8 = parseDType("<f8");
const DICT = (shape: string, descr = "'<f8'", order = "False") =>
  `{'descr': ${descr}, 'fortran_order': ${order}, 'shape': ${shape}, }`;

describe("constants", () => {
  test("ALIGN is 64 and MIN_PREFIX covers a version-2 length", () => {
    assert.equal(ALIGN, 64);
    assert.equal(MIN_PREFIX, 12);
    assert.equal(MAX_HEADER_LENGTH, 16 * 1024 * 1024);
  });
});

describe("encodeHeader", () => {
  test("exactly np.save's bytes for float64 (3, 4)", () => {
    const bytes = encodeHeader(F8, [3, 4], false);
    // Bytes as np.save writes them (NumPy 2.4).
    const expected = "\x93NUMPY\x01\x00v\x00" + DICT("(3, 4)") + " ".repeat(58) + "\n";
    assert.equal(latin1(bytes), expected);
    assert.equal(bytes.length, 128);
  });

  test("growth spaces follow the first dimension in C order, the last in Fortran order", () => {
    // Lengths np.save writes: the 20 spare spaces after a 1-digit growth axis cross a 64-byte
    // boundary that the 5 after a 16-digit one do not.
    const big = 10 ** 15;
    assert.equal(encodeHeader(F8, [1, big, big, big], false).length, 192);
    assert.equal(encodeHeader(F8, [1, big, big, big], true).length, 128);
    assert.equal(encodeHeader(F8, [big, big, big, 1], false).length, 128);
    assert.equal(encodeHeader(F8, [big, big, big, 1], true).length, 192);
  });

  test("0-d arrays get no growth spaces", () => {
    const dict = DICT("()");
    const expected = "\x93NUMPY\x01\x00v\x00" + dict + " ".repeat(117 - dict.length) + "\n";
    assert.equal(latin1(encodeHeader(F8, [], false)), expected);
  });

  test("length is a multiple of ALIGN and ends in a newline, for many shapes", () => {
    for (let n = 0; n < 200; n++) {
      const first = (n * 7919) % 10 ** (n % 13);
      const shape = [first, ...Array.from({ length: n % 5 }, (_, i) => (n + i) % 10)];
      const bytes = encodeHeader(F8, shape, n % 2 === 1);
      assert.equal(bytes.length % ALIGN, 0);
      assert.equal(bytes[bytes.length - 1], 0x0a);
      assert.equal(headerLength(bytes), bytes.length);
      assert.deepEqual(decodeHeader(bytes).shape, shape);
    }
  });

  test("an already aligned header still gets ALIGN spaces, as NumPy pads", () => {
    // Vary a field name until magic + length + dict + newline is a multiple of ALIGN.
    for (let n = 1; n <= ALIGN; n++) {
      const dt = dtypeFromDescr([["x".repeat(n), "<f8"]]);
      const bytes = encodeHeader(dt, [], false);
      const text = latin1(bytes);
      const dictEnd = text.indexOf("}") + 1;
      const pad = bytes.length - 1 - dictEnd;
      assert.ok(pad >= 1 && pad <= ALIGN, `pad ${pad}`);
      if ((dictEnd + 1) % ALIGN === 0) {
        assert.equal(pad, ALIGN);
        return;
      }
    }
    assert.fail("no field-name length aligned the header");
  });

  test("structured descr is written as its Python repr", () => {
    const dt = dtypeFromDescr([["a", "<i4"], ["", "|V4"], ["b", "<f8"]]);
    const text = latin1(encodeHeader(dt, [2], false));
    assert.ok(text.includes("{'descr': [('a', '<i4'), ('', '|V4'), ('b', '<f8')], 'fortran"));
  });

  test("latin-1 field names stay version 1.0, one byte per character", () => {
    const dt = dtypeFromDescr([["\xe9", "<i4"]]);
    const bytes = encodeHeader(dt, [2], false);
    assert.deepEqual([bytes[6], bytes[7]], [1, 0]);
    assert.ok(bytes.includes(0xe9));
    assert.equal(decodeHeader(bytes).dtype.fields![0].name, "\xe9");
  });

  test("non-latin-1 field names need version 3.0 and UTF-8", () => {
    const dt = dtypeFromDescr([["\u20ac", "<i4"]]);
    const bytes = encodeHeader(dt, [2], false);
    assert.deepEqual([bytes[6], bytes[7]], [3, 0]);
    assert.equal(bytes.length % ALIGN, 0);
    const h = decodeHeader(bytes);
    assert.equal(h.dtype.fields![0].name, "\u20ac");
    assert.deepEqual(h.version, [3, 0]);
  });

  test("non-printable field names are escaped, so they stay version 1.0", () => {
    const dt = dtypeFromDescr([["\u200b\n", "<i4"]]);
    const bytes = encodeHeader(dt, [2], false);
    assert.equal(bytes[6], 1);
    assert.ok(latin1(bytes).includes(String.raw`'\u200b\n'`));
    assert.equal(decodeHeader(bytes).dtype.fields![0].name, "\u200b\n");
  });

  test("headers longer than 65535 bytes use version 2.0", () => {
    const fields = Array.from({ length: 4000 }, (_, i) => [`field${i}`, "<f8"]);
    const dt = dtypeFromDescr(fields);
    const bytes = encodeHeader(dt, [3], false);
    assert.deepEqual([bytes[6], bytes[7]], [2, 0]);
    assert.ok(bytes.length > 65535);
    assert.equal(bytes.length % ALIGN, 0);
    const h = decodeHeader(bytes);
    assert.deepEqual(h.version, [2, 0]);
    assert.equal(h.dtype.itemsize, 32000);
    assert.equal(h.dataOffset, bytes.length);
  });

  test("bad shapes and dtypes are invalid arguments", () => {
    assert.throws(() => encodeHeader(F8, [-1], false), InvalidArgumentError);
    assert.throws(() => encodeHeader(F8, [1.5], false), InvalidArgumentError);
    assert.throws(() => encodeHeader(F8, new Array(65).fill(1), false), InvalidArgumentError);
    assert.throws(
      () => encodeHeader({ descr: "<f3" } as never, [1], false),
      InvalidArgumentError,
    );
  });
});

describe("headerLength", () => {
  test("reads the 2-byte length of version 1 and the 4-byte length of versions 2 and 3", () => {
    assert.equal(headerLength(npy(" ".repeat(118))), 128);
    assert.equal(headerLength(npy(" ".repeat(116), 2)), 128);
    assert.equal(headerLength(npy(" ".repeat(116), 3)), 128);
    assert.equal(headerLength(npy(" ".repeat(300)).subarray(0, 10)), 310);
    assert.equal(headerLength(npy(" ".repeat(70000), 2).subarray(0, 12)), 70012);
  });

  test("bad magic", () => {
    corrupt(() => headerLength(new Uint8Array(12)), /bad magic/);
    corrupt(
      () => headerLength(Uint8Array.from("\x93NUMPX\x01\x00\x00\x00", (c) => c.charCodeAt(0))),
      /bad magic.*93 4e 55 4d 50 58/,
    );
    corrupt(() => headerLength(Uint8Array.from([0x50, 0x4b, 3, 4])), /bad magic/);
  });

  test("too short", () => {
    corrupt(() => headerLength(new Uint8Array(0)), /truncated NPY prefix: needs 8 bytes but has 0/);
    corrupt(() => headerLength(Uint8Array.from(MAGIC)), /needs 8 bytes but has 6/);
    corrupt(() => headerLength(npy("").subarray(0, 9)), /needs 10 bytes but has 9/);
    corrupt(() => headerLength(npy("", 2).subarray(0, 11)), /needs 12 bytes but has 11/);
  });

  test("unsupported versions", () => {
    for (const [major, minor] of [[1, 1], [0, 0], [4, 0], [2, 1], [255, 255]]) {
      corrupt(
        () => headerLength(npy("{}", major, minor)),
        new RegExp(`unsupported NPY version ${major}\\.${minor}`),
      );
    }
  });

  test("absurd lengths are refused before reading", () => {
    const prefix = npy("", 2).subarray(0, 12).slice();
    prefix.set([0xff, 0xff, 0xff, 0xff], 8);
    corrupt(() => headerLength(prefix), /header length 4294967295 exceeds the 16777216-byte limit/);
    prefix.set([1, 0, 0, 1], 8);
    corrupt(() => headerLength(prefix), /header length 16777217 exceeds/);
    prefix.set([0, 0, 0, 1], 8);
    assert.equal(headerLength(prefix), 12 + MAX_HEADER_LENGTH);
  });

  test("non-Uint8Array input", () => {
    corrupt(() => headerLength("abc" as never), /must be a Uint8Array/);
    corrupt(() => headerLength(null as never), /must be a Uint8Array/);
  });
});

describe("decodeHeader accepts", () => {
  test("what encodeHeader writes", () => {
    const h = decodeHeader(encodeHeader(parseDType(">i4"), [2, 3, 4], true));
    assert.equal(h.dtype.descr, ">i4");
    assert.deepEqual(h.shape, [2, 3, 4]);
    assert.equal(h.fortranOrder, true);
    assert.equal(h.dataOffset, 128);
    assert.deepEqual(h.version, [1, 0]);
    assert.equal(h.dataLength, 96);
    assert.ok(Object.isFrozen(h) && Object.isFrozen(h.shape));
  });

  test("bytes beyond the header are ignored", () => {
    const bytes = new Uint8Array(1000);
    bytes.set(encodeHeader(F8, [5], false));
    assert.equal(decodeHeader(bytes).dataOffset, 128);
  });

  test("keys in any order, padding of any length, no final newline", () => {
    const text = "{'shape': (5,), 'fortran_order': True, 'descr': '|u1'}";
    const h = decodeHeader(npy(text));
    assert.deepEqual([h.shape, h.fortranOrder, h.dtype.descr], [[5], true, "|u1"]);
    assert.equal(h.dataOffset, 10 + text.length);
  });

  test("old 16-byte alignment", () => {
    let text = DICT("(7,)");
    text += " ".repeat(16 - ((10 + text.length + 1) % 16)) + "\n";
    const h = decodeHeader(npy(text));
    assert.equal(h.dataOffset % 16, 0);
    assert.deepEqual(h.shape, [7]);
  });

  test("Python 2 spellings: 3L and u'...'", () => {
    const h = decodeHeader(
      npy("{'descr': u'<i8', 'fortran_order': False, 'shape': (3L, 4L), }   \n"),
    );
    assert.deepEqual([h.dtype.name, h.shape], ["int64", [3, 4]]);
  });

  test("version 2.0 and 3.0 headers", () => {
    assert.deepEqual(decodeHeader(npy(DICT("(3,)"), 2)).version, [2, 0]);
    const h = decodeHeader(npy(DICT("(3,)", "[('\u20ac', '<i4')]"), 3));
    assert.deepEqual(h.version, [3, 0]);
    assert.equal(h.dtype.fields![0].name, "\u20ac");
    assert.equal(
      h.dataOffset,
      12 + new TextEncoder().encode(DICT("(3,)", "[('\u20ac', '<i4')]")).length,
    );
  });

  test("latin-1 bytes above 0x7f in versions 1 and 2 are characters, not windows-1252", () => {
    const text = DICT("(1,)", "[('\x80\xe9', '<i4')]");
    assert.equal(decodeHeader(npy(text)).dtype.fields![0].name, "\x80\xe9");
  });

  test("duplicate keys: the last value wins, as in Python", () => {
    const h = decodeHeader(
      npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'descr': '<i2'}"),
    );
    assert.equal(h.dtype.descr, "<i2");
  });

  test("zero-sized arrays and items, and huge dimensions", () => {
    assert.equal(decodeHeader(npy(DICT("(0,)"))).dataLength, 0);
    assert.equal(decodeHeader(npy(DICT("(3,)", "'|V0'"))).dataLength, 0);
    assert.equal(decodeHeader(npy(DICT("(1099511627776,)"))).dataLength, 2 ** 43);
    assert.equal(decodeHeader(npy(DICT("()"))).dataLength, 8);
  });

  test("object dtype parses (callers refuse it)", () => {
    assert.equal(decodeHeader(npy(DICT("(3,)", "'|O'"))).dtype.kind, "O");
  });
});

describe("decodeHeader refuses", () => {
  const cases: [string, string, RegExp][] = [
    ["a list", "[1, 2]", /header must be a dict, got list \[1, 2\]/],
    ["garbage", "{'descr': '<f8',", /cannot parse header/],
    ["a NUL after the dict", DICT("(3,)") + "\0", /cannot parse header/],
    ["a call", "__import__('os').system('x')", /cannot parse header.*name '__import__'/],
    ["a missing key", "{'descr': '<f8', 'shape': (3,)}", /missing key 'fortran_order'/],
    ["an extra key", DICT("(3,)").replace("}", "'x': 1}"), /1 unexpected key/],
    ["a non-str key", DICT("(3,)").replace("}", "1: 1}"), /1 unexpected key/],
    ["an empty dict", "{}", /missing key 'descr', 'fortran_order', 'shape'/],
    ["a list shape", DICT("[3]"), /shape must be a tuple of ints, got list \[3\]/],
    ["an int shape", DICT("3"), /shape must be a tuple of ints, got int 3/],
    ["a str dim", DICT("('3',)"), /shape\[0\] must be an int, got str '3'/],
    ["a bool dim", DICT("(True, 2)"), /shape\[0\] must be an int, got bool True/],
    ["a None dim", DICT("(2, None)"), /shape\[1\] must be an int, got NoneType None/],
    ["a nested dim", DICT("((2,),)"), /shape\[0\] must be an int, got tuple \(2,\)/],
    ["a negative dim", DICT("(3, -1)"), /shape\[1\] = -1 is not between 0 and 2\*\*53 - 1/],
    ["a dim of 2**53", DICT("(9007199254740992,)"), /shape\[0\] = 9007199254740992 is not/],
    ["a dim of 2**64", DICT("(18446744073709551616,)"), /shape\[0\] = 18446744073709551616/],
    ["65 dims", DICT(`(${"1, ".repeat(65)})`), /65 dimensions; at most 64/],
    ["an overflowing size", DICT("(4294967296, 4294967296)"), /more than 2\*\*53 - 1 bytes/],
    ["overflow hidden by a zero", DICT("(0, 4294967296, 4294967296)"), /more than 2\*\*53/],
    [
      "an int fortran_order",
      DICT("(3,)", "'<f8'", "0"),
      /fortran_order must be True or False, got int 0/,
    ],
    [
      "a None fortran_order",
      DICT("(3,)", "'<f8'", "None"),
      /fortran_order must be True or False, got NoneType None/,
    ],
    ["a bad descr", DICT("(3,)", "'<f3'"), /descr '<f3' is not a valid dtype/],
    ["a None descr", DICT("(3,)", "None"), /descr None is not a valid dtype/],
    ["a sub-array descr", DICT("(3,)", "('<f4', (2,))"), /sub-array dtype cannot describe/],
    ["a bad field", DICT("(3,)", "[('a', '<i4'), ('a', '<i4')]"), /field name 'a' is used twice/],
    ["deep nesting", DICT("(3,)", "[".repeat(40) + "]".repeat(40)), /nesting deeper than 32/],
    ["a float dim", DICT("(3.0,)"), /cannot parse header.*invalid integer literal/],
  ];
  for (const [what, text, pattern] of cases) {
    test(what, () => corrupt(() => decodeHeader(npy(text)), pattern));
  }

  test("a truncated header says how many bytes it needs", () => {
    const bytes = encodeHeader(F8, [3], false);
    corrupt(
      () => decodeHeader(bytes.subarray(0, 50)),
      /truncated NPY header: needs 128 bytes but has 50/,
    );
    corrupt(
      () => decodeHeader(bytes.subarray(0, 4)),
      /truncated NPY prefix: needs 8 bytes but has 4/,
    );
  });

  test("invalid UTF-8 in a version 3.0 header", () => {
    const bytes = npy(DICT("(3,)", "[('ab', '<i4')]"), 3);
    const at = latin1(bytes).indexOf("ab");
    bytes[at] = 0xff;
    corrupt(() => decodeHeader(bytes), /version 3\.0 header is not valid UTF-8/);
  });

  test("a UTF-8 BOM in a version 3.0 header is not skipped", () => {
    const bytes = npy("\ufeff" + DICT("(3,)"), 3);
    corrupt(() => decodeHeader(bytes), /cannot parse header/);
  });

  test("the parse error excerpt is bounded", () => {
    const text = "{" + "'x' ".repeat(10000) + "}";
    assert.throws(() => decodeHeader(npy(text, 2)), (e: unknown) => {
      assert.ok(e instanceof CorruptHeaderError);
      assert.ok(e.message.length < 400, `message of ${e.message.length} characters`);
      return true;
    });
  });
});

describe("decodeHeader's cache of decoded headers", () => {
  const f8 = parseDType("<f8");
  test("the same bytes decode to the same header, without re-parsing", () => {
    const bytes = encodeHeader(f8, [3, 4], false);
    const first = decodeHeader(bytes);
    assert.equal(decodeHeader(bytes.slice()), first);
  });

  test("a changed byte is never answered from the cache", () => {
    const bytes = encodeHeader(f8, [3, 4], false);
    assert.deepEqual([...decodeHeader(bytes).shape], [3, 4]);
    bytes[latin1(bytes).indexOf("(3, 4)") + 1] = 0x37; // (3, 4) -> (7, 4) in place
    assert.deepEqual([...decodeHeader(bytes).shape], [7, 4]);
    bytes[latin1(bytes).indexOf("'<f8'") + 2] = 0x69; // '<f8' -> '<i8'
    assert.equal(decodeHeader(bytes).dtype.descr, "<i8");
  });

  test("headers decoded in turn are each answered as themselves", () => {
    const a = encodeHeader(f8, [3, 4], false);
    const b = encodeHeader(f8, [3, 5], false); // differs from a in one byte of one word
    const [ha, hb] = [decodeHeader(a), decodeHeader(b)];
    for (let i = 0; i < 3; i++) {
      assert.equal(decodeHeader(a), ha); // after b: not the header decoded last
      assert.equal(decodeHeader(a), ha); // the header decoded last
      assert.equal(decodeHeader(b), hb);
    }
    assert.deepEqual([[...ha.shape], [...hb.shape]], [[3, 4], [3, 5]]);
  });

  test("headers of any length, at any offset, are told apart", () => {
    const text = DICT("(3,)"); // no trailing padding: 10 + its length bytes, not whole words
    const lengths = [0, 1, 2, 3].map((pad) => npy(text + " ".repeat(pad)).length);
    assert.deepEqual(lengths.map((n) => n % 4).sort(), [0, 1, 2, 3]);
    for (const pad of [0, 1, 2, 3]) {
      const bytes = npy(text + " ".repeat(pad));
      const shifted = new Uint8Array(bytes.length + 3);
      for (const at of [1, 2, 3]) {
        shifted.set(bytes, at);
        const h = decodeHeader(shifted.subarray(at));
        assert.equal(h.dataOffset, bytes.length);
        assert.equal(decodeHeader(bytes), h);
      }
    }
  });

  test("hostile bytes still fail every time", () => {
    const bytes = encodeHeader(f8, [2], false);
    bytes[10] = 0x5b; // '{' -> '['
    for (let i = 0; i < 2; i++) assert.throws(() => decodeHeader(bytes), CorruptHeaderError);
  });
});

describe("the control block's creation nonce", () => {
  test("each block gets a random, nonzero one, and still decodes", () => {
    const nonces = new Set<bigint>();
    for (let i = 0; i < 64; i++) {
      const block = encodeControl(1000);
      const nonce = new DataView(block.buffer).getBigUint64(NONCE_FIELD, true);
      assert.notEqual(nonce, 0n);
      nonces.add(nonce);
      assert.equal(decodeControl(block)?.createdAt.getTime(), 1000);
    }
    assert.equal(nonces.size, 64, "two blocks shared a nonce");
  });
});
