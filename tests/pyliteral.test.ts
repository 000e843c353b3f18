import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_DEPTH,
  MAX_INT_DIGITS,
  parsePyLiteral,
  PyDict,
  PyLiteralError,
  pyRepr,
  pyReprString,
  PyTuple,
  pyTypeName,
  type PyValue,
} from "../src/format/pyliteral.ts";

/** Parses and shows the result as Python would print it. */
function roundTrip(text: string): string {
  return pyRepr(parsePyLiteral(text));
}

function rejects(text: string, pattern: RegExp): void {
  assert.throws(() => parsePyLiteral(text), (e: unknown) => {
    assert.ok(e instanceof PyLiteralError, `expected PyLiteralError for ${JSON.stringify(text)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe("containers", () => {
  test("a NumPy header dict, with trailing comma and padding", () => {
    const d = parsePyLiteral(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }          \n",
    );
    assert.ok(d instanceof PyDict);
    assert.equal(d.size, 3);
    assert.equal(d.get("descr"), "<f8");
    assert.equal(d.get("fortran_order"), false);
    const shape = d.get("shape");
    assert.ok(shape instanceof PyTuple);
    assert.deepEqual(shape.items, [3n, 4n]);
    assert.deepEqual(d.keys(), ["descr", "fortran_order", "shape"]);
  });

  test("tuples and lists stay distinguishable", () => {
    const list = parsePyLiteral("[1, 2]");
    const tuple = parsePyLiteral("(1, 2)");
    assert.ok(Array.isArray(list));
    assert.ok(tuple instanceof PyTuple);
    assert.deepEqual(list, [1n, 2n]);
    assert.deepEqual(tuple.items, [1n, 2n]);
  });

  test("empty tuple, one-tuple, parenthesised value", () => {
    const empty = parsePyLiteral("()");
    assert.ok(empty instanceof PyTuple);
    assert.equal(empty.items.length, 0);
    const one = parsePyLiteral("(3,)");
    assert.ok(one instanceof PyTuple);
    assert.deepEqual(one.items, [3n]);
    assert.equal(parsePyLiteral("(3)"), 3n);
    assert.equal(parsePyLiteral("((3))"), 3n);
    const nested = parsePyLiteral("((3,))");
    assert.ok(nested instanceof PyTuple);
  });

  test("empty list and dict, trailing commas", () => {
    assert.deepEqual(parsePyLiteral("[]"), []);
    assert.deepEqual(parsePyLiteral("[1,]"), [1n]);
    const d = parsePyLiteral("{}");
    assert.ok(d instanceof PyDict);
    assert.equal(d.size, 0);
    assert.equal(roundTrip("{'a': 1,}"), "{'a': 1}");
  });

  test("structured descr with titles, sub-arrays and nesting", () => {
    const text = "[(('t', 'a'), '<i4'), ('n', [('x', '<i2')], (2, 3)), ('', '|V4')]";
    assert.equal(roundTrip(text), text);
  });

  test("duplicate keys: first position, last value, True == 1", () => {
    const d = parsePyLiteral("{'a': 1, 'b': 2, 'a': 3}") as PyDict;
    assert.deepEqual(d.entries(), [["a", 3n], ["b", 2n]]);
    const n = parsePyLiteral("{1: 'x', True: 'y', (1, 2): 'z', (1, 2): 'w'}") as PyDict;
    assert.equal(n.size, 2);
    assert.deepEqual(n.entries()[0], [1n, "y"]);
    assert.equal(n.entries()[1][1], "w");
  });

  test("string keys that look alike do not collide", () => {
    const d = parsePyLiteral("{('a,b',): 1, ('a', 'b'): 2}") as PyDict;
    assert.equal(d.size, 2);
  });

  test("unhashable keys are refused", () => {
    rejects("{[1]: 2}", /unhashable dict key \(list\)/);
    rejects("{{}: 2}", /unhashable dict key \(dict\)/);
    rejects("{([1],): 2}", /unhashable/);
    assert.throws(() => new PyDict().set([], 1n), TypeError);
  });

  test("malformed containers", () => {
    rejects("(,)", /unexpected character/);
    rejects("[,]", /unexpected character/);
    rejects("[1 2]", /expected ',' or '\]'/);
    rejects("{'a' 1}", /expected ':'/);
    rejects("{'a': }", /unexpected character/);
    rejects("{'a': 1", /expected ',' or '\}'/);
    rejects("[1, 2", /expected ',' or '\]'/);
    rejects("{1, 2}", /expected ':'/);
    rejects("", /unexpected end/);
    rejects("   ", /unexpected end/);
    rejects("1 2", /unexpected text after/);
    rejects("{} x", /unexpected text after/);
  });
});

describe("nesting depth", () => {
  test(`${MAX_DEPTH} levels parse, one more is refused`, () => {
    const ok = "[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH);
    assert.doesNotThrow(() => parsePyLiteral(ok));
    rejects("[".repeat(MAX_DEPTH + 1) + "]".repeat(MAX_DEPTH + 1), /nesting deeper than/);
  });

  test("parentheses and dicts count too", () => {
    rejects("(".repeat(MAX_DEPTH + 1) + "1" + ")".repeat(MAX_DEPTH + 1), /nesting deeper/);
    rejects("{'a': ".repeat(MAX_DEPTH + 1) + "1" + "}".repeat(MAX_DEPTH + 1), /nesting deeper/);
  });

  test("a megabyte of open brackets fails fast without overflowing the stack", () => {
    const start = performance.now();
    rejects("[".repeat(1_000_000), /nesting deeper/);
    rejects("(".repeat(1_000_000), /nesting deeper/);
    assert.ok(performance.now() - start < 1000);
  });
});

describe("strings", () => {
  test("both quote styles", () => {
    assert.equal(parsePyLiteral("'abc'"), "abc");
    assert.equal(parsePyLiteral('"abc"'), "abc");
    assert.equal(parsePyLiteral(`"it's"`), "it's");
    assert.equal(parsePyLiteral(`'say "hi"'`), 'say "hi"');
  });

  test("escapes", () => {
    assert.equal(parsePyLiteral(String.raw`'a\\b'`), "a\\b");
    assert.equal(parsePyLiteral(String.raw`'\''`), "'");
    assert.equal(parsePyLiteral(String.raw`'\"'`), '"');
    assert.equal(parsePyLiteral(String.raw`'\n\t\r'`), "\n\t\r");
    assert.equal(parsePyLiteral(String.raw`'\a\b\f\v'`), "\x07\b\f\v");
    assert.equal(parsePyLiteral(String.raw`'\x41\xe9'`), "A\xe9");
    assert.equal(parsePyLiteral(String.raw`'\u20ac'`), "\u20ac");
    assert.equal(parsePyLiteral(String.raw`'\U0001F600'`), "\u{1F600}");
    assert.equal(parsePyLiteral(String.raw`'\101\0'`), "A\0");
  });

  test("unknown escapes stay verbatim, as in Python", () => {
    assert.equal(parsePyLiteral(String.raw`'\q'`), "\\q");
  });

  test("backslash-newline continues the string", () => {
    assert.equal(parsePyLiteral("'ab\\\ncd'"), "abcd");
  });

  test("bad escapes", () => {
    rejects(String.raw`'\x4'`, /truncated \\x escape/);
    rejects(String.raw`'\xzz'`, /truncated \\x escape/);
    rejects(String.raw`'\u12'`, /truncated \\u escape/);
    rejects(String.raw`'\U00110000'`, /beyond U\+10FFFF/);
    rejects(String.raw`'\N{DASH}'`, /\\N\{\.\.\.\} escapes/);
  });

  test("u and b prefixes of Python 2 writers", () => {
    assert.equal(parsePyLiteral("u'<f8'"), "<f8");
    assert.equal(parsePyLiteral("U'<f8'"), "<f8");
    assert.equal(parsePyLiteral("b'<f8'"), "<f8");
    assert.equal(parsePyLiteral(String.raw`b'\xff'`), "\xff");
    // \u is no escape in bytes.
    assert.equal(parsePyLiteral(String.raw`b'\u20ac'`), "\\u20ac");
    rejects("b'\u20ac'", /non-ASCII character in a bytes literal/);
  });

  test("adjacent literals concatenate", () => {
    assert.equal(parsePyLiteral("'<' 'f8'"), "<f8");
    assert.equal(parsePyLiteral("u'a'\n'b'"), "ab");
    rejects("'a' b'b'", /cannot mix bytes and str/);
  });

  test("unterminated, multi-line, triple-quoted and NUL", () => {
    rejects("'abc", /unterminated string/);
    rejects("'abc\\", /unterminated string/);
    rejects("'a\nb'", /line break inside a string/);
    rejects("'''a'''", /triple-quoted/);
    rejects("'a\0'", /NUL/);
  });

  test("other prefixes are names, not strings", () => {
    rejects("r'a'", /name 'r' is not a literal/);
  });
});

describe("ints", () => {
  test("decimal, signed, with underscores and radix prefixes", () => {
    assert.equal(parsePyLiteral("0"), 0n);
    assert.equal(parsePyLiteral("00"), 0n);
    assert.equal(parsePyLiteral("42"), 42n);
    assert.equal(parsePyLiteral("-3"), -3n);
    assert.equal(parsePyLiteral("+3"), 3n);
    assert.equal(parsePyLiteral("- 3"), -3n);
    assert.equal(parsePyLiteral("1_000"), 1000n);
    assert.equal(parsePyLiteral("0x1F"), 31n);
    assert.equal(parsePyLiteral("0X1f"), 31n);
    assert.equal(parsePyLiteral("0o17"), 15n);
    assert.equal(parsePyLiteral("0b101"), 5n);
  });

  test("ints are exact beyond 2**53", () => {
    assert.equal(parsePyLiteral("18446744073709551617"), 2n ** 64n + 1n);
  });

  test("Python 2 long suffix is dropped", () => {
    assert.equal(parsePyLiteral("3L"), 3n);
    const t = parsePyLiteral("(3L, 4L)") as PyTuple;
    assert.deepEqual(t.items, [3n, 4n]);
  });

  test("floats, complex, leading zeros, double signs are refused", () => {
    rejects("3.0", /invalid integer literal/);
    rejects("1e5", /invalid integer literal/);
    rejects("3j", /invalid integer literal/);
    rejects("0123", /invalid integer literal/);
    rejects("3l", /invalid integer literal/);
    rejects("--3", /expected an integer/);
    rejects("-", /expected an integer/);
    rejects("1__0", /invalid integer literal/);
    rejects("0x", /invalid integer literal/);
  });

  test(`literals longer than ${MAX_INT_DIGITS} digits are refused`, () => {
    assert.equal(parsePyLiteral("9".repeat(MAX_INT_DIGITS)), 10n ** BigInt(MAX_INT_DIGITS) - 1n);
    rejects("9".repeat(MAX_INT_DIGITS + 1), /longer than/);
  });
});

describe("names, whitespace, comments", () => {
  test("True, False, None", () => {
    assert.equal(parsePyLiteral("True"), true);
    assert.equal(parsePyLiteral("False"), false);
    assert.equal(parsePyLiteral("None"), null);
  });

  test("other names are not evaluated", () => {
    rejects("true", /name 'true' is not a literal/);
    rejects("__import__('os')", /name '__import__' is not a literal/);
    rejects("{'a': x}", /name 'x'/);
  });

  test("whitespace, comments and line continuations", () => {
    assert.equal(roundTrip(" \t{'a':\n 1, # c\n 'b': [2,\r\n 3]} \f\v\n"), "{'a': 1, 'b': [2, 3]}");
    assert.equal(roundTrip("(3, \\\n 2)"), "(3, 2)");
    assert.equal(roundTrip("[1] # trailing"), "[1]");
  });

  test("stray characters", () => {
    rejects("@", /unexpected character "@"/);
    rejects("[1]\0", /unexpected text after/);
    rejects("\xa0[1]", /unexpected character/);
  });

  test("errors carry the position", () => {
    try {
      parsePyLiteral("[1, 2, x]");
      assert.fail("should throw");
    } catch (e) {
      assert.ok(e instanceof PyLiteralError);
      assert.equal(e.position, 7);
      assert.match(e.message, /at position 7$/);
    }
  });
});

describe("pyRepr and pyReprString", () => {
  // Expected values are what CPython 3.11's repr() prints.
  test("quote choice", () => {
    assert.equal(pyReprString("abc"), "'abc'");
    assert.equal(pyReprString("it's"), `"it's"`);
    assert.equal(pyReprString(`q"`), `'q"'`);
    assert.equal(pyReprString(`both'"`), String.raw`'both\'"'`);
  });

  test("escapes and printable non-ASCII", () => {
    const s = "nl\n\t\r\x01\x7f\x80\xa0\xff\xe9\u20ac\u200b\u{1F600}\ud800\\";
    const python = String.raw`'nl\n\t\r\x01\x7f\x80\xa0` + "\xff\xe9\u20ac" +
      String.raw`\u200b` + "\u{1F600}" + String.raw`\ud800\\'`;
    assert.equal(pyReprString(s), python);
  });

  test("non-printable astral characters use \\U", () => {
    assert.equal(pyReprString("\u{E0001}"), String.raw`'\U000e0001'`);
  });

  test("repr of every value kind", () => {
    const v: PyValue = [
      "a",
      -3n,
      true,
      false,
      null,
      new PyTuple([]),
      new PyTuple([1n]),
      new PyTuple([1n, 2n]),
    ];
    assert.equal(pyRepr(v), "['a', -3, True, False, None, (), (1,), (1, 2)]");
  });

  test("parse(repr(x)) == x for awkward strings", () => {
    for (const s of ["", "'", '"', `'"`, "\\", "\n", "\u20ac", "\u{1F600}", "\x00\x85"]) {
      assert.equal(parsePyLiteral(pyReprString(s)), s);
    }
  });

  test("pyTypeName", () => {
    assert.deepEqual(
      ["'a'", "1", "True", "None", "[]", "()", "{}"].map((t) => pyTypeName(parsePyLiteral(t))),
      ["str", "int", "bool", "NoneType", "list", "tuple", "dict"],
    );
  });
});

describe("performance", () => {
  // A ratio measured in this run, not a fixed bound: a loaded machine slows both sizes alike
  // (they alternate, and the fastest of seven runs counts), while a parser that goes quadratic
  // takes 16 times as long for 4 times the input. Linear measured 3.5x to 6.5x at load 8.
  test("linear time on large inputs: 4x the input takes well under 16x the time", () => {
    const n = 20_000;
    const input = (items: number) => "[" + "'abc\\x41', ".repeat(items) + "]";
    const [small, large] = [input(n), input(4 * n)];
    const time = (text: string, items: number) => {
      const start = performance.now();
      const v = parsePyLiteral(text) as PyValue[];
      const took = performance.now() - start;
      assert.equal(v.length, items);
      return took;
    };
    time(small, n); // warm up the JIT first
    time(large, 4 * n);
    let [fastSmall, fastLarge] = [Infinity, Infinity];
    for (let run = 0; run < 7; run++) {
      fastSmall = Math.min(fastSmall, time(small, n));
      fastLarge = Math.min(fastLarge, time(large, 4 * n));
    }
    const ratio = fastLarge / fastSmall;
    assert.ok(ratio < 10, `4x the input took ${ratio.toFixed(1)}x the time`);
  });
});
