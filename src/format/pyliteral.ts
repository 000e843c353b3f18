/**
 * A small, safe parser for the Python-literal subset that NPY headers are written in, and the
 * matching `repr` of strings. It never evaluates anything: it reads dicts, lists, tuples,
 * strings, ints, `True`, `False` and `None`, in linear time and with bounded nesting, so a
 * hostile header can neither hang nor overflow the stack.
 *
 * @example
 * ```ts
 * import { parsePyLiteral, PyDict } from "./pyliteral.ts";
 * const d = parsePyLiteral("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }");
 * if (d instanceof PyDict) console.log(d.get("descr")); // "<f8"
 * ```
 * @module
 */

/** Deepest nesting of brackets accepted; NumPy headers need fewer than ten. */
export const MAX_DEPTH = 32;

/** Longest integer literal accepted, as CPython's default `int` digit limit. */
export const MAX_INT_DIGITS = 4300;

/**
 * A value of the literal subset: `str` (and `bytes`, read as latin-1 text) is a `string`,
 * `int` a `bigint` (exact, like Python's), `bool` a `boolean`, `None` is `null`, a list a JS
 * array, a tuple a {@link PyTuple} and a dict a {@link PyDict}.
 *
 * @example
 * ```ts
 * import { parsePyLiteral, type PyValue } from "./pyliteral.ts";
 * const v: PyValue = parsePyLiteral("[1, 'a', None]");
 * console.log(v); // [1n, "a", null]
 * ```
 */
export type PyValue = string | bigint | boolean | null | PyValue[] | PyTuple | PyDict;

/**
 * A Python tuple; a class so that it stays distinguishable from a list (a JS array).
 *
 * @example
 * ```ts
 * import { parsePyLiteral, PyTuple } from "./pyliteral.ts";
 * const t = parsePyLiteral("(3,)");
 * console.log(t instanceof PyTuple && t.items); // [3n]
 * ```
 */
export class PyTuple {
  /** The tuple's items in order. */
  readonly items: readonly PyValue[];

  /** Wraps the items of a tuple. */
  constructor(items: readonly PyValue[]) {
    this.items = items;
  }
}

/**
 * A Python dict. Keys that Python deems equal (`1` and `True`, equal tuples) collapse as in
 * Python: the first one's position, the last one's value.
 *
 * @example
 * ```ts
 * import { parsePyLiteral, PyDict } from "./pyliteral.ts";
 * const d = parsePyLiteral("{'a': 1, 'a': 2}") as PyDict;
 * console.log(d.size, d.get("a")); // 1 2n
 * ```
 */
export class PyDict {
  readonly #keys: PyValue[] = [];
  readonly #values: PyValue[] = [];
  readonly #index = new Map<string, number>();

  /** Number of distinct keys. */
  get size(): number {
    return this.#keys.length;
  }

  /** The keys, in first-insertion order. */
  keys(): readonly PyValue[] {
    return this.#keys;
  }

  /** The `[key, value]` pairs, in first-insertion order. */
  entries(): [PyValue, PyValue][] {
    return this.#keys.map((k, i) => [k, this.#values[i]]);
  }

  /** The value stored under a string key, or `undefined`. */
  get(key: string): PyValue | undefined {
    const i = this.#index.get(hashKey(key)!);
    return i === undefined ? undefined : this.#values[i];
  }

  /** Whether a string key is present. */
  has(key: string): boolean {
    return this.#index.has(hashKey(key)!);
  }

  /** Stores a value as Python would; throws a `TypeError` for an unhashable key (list, dict). */
  set(key: PyValue, value: PyValue): void {
    const h = hashKey(key);
    if (h === undefined) throw new TypeError(`unhashable dict key (${pyTypeName(key)})`);
    const i = this.#index.get(h);
    if (i !== undefined) {
      this.#values[i] = value;
      return;
    }
    this.#index.set(h, this.#keys.length);
    this.#keys.push(key);
    this.#values.push(value);
  }
}

/**
 * What {@link parsePyLiteral} throws: the text is not a literal of the supported subset.
 * `position` is the character offset where reading stopped.
 *
 * @example
 * ```ts
 * import { parsePyLiteral, PyLiteralError } from "./pyliteral.ts";
 * try {
 *   parsePyLiteral("{'a': }");
 * } catch (e) {
 *   if (e instanceof PyLiteralError) console.log(e.position); // 6
 * }
 * ```
 */
export class PyLiteralError extends Error {
  /** Character offset in the text where the problem was found. */
  readonly position: number;

  /** @param message what is wrong; @param position where */
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = "PyLiteralError";
    this.position = position;
  }
}

/**
 * Python's name for the type of a value: `str`, `int`, `bool`, `NoneType`, `list`, `tuple`,
 * `dict`.
 *
 * @example
 * ```ts
 * import { parsePyLiteral, pyTypeName } from "./pyliteral.ts";
 * console.log(pyTypeName(parsePyLiteral("[3]"))); // "list"
 * ```
 */
export function pyTypeName(v: PyValue): string {
  if (typeof v === "string") return "str";
  if (typeof v === "bigint") return "int";
  if (typeof v === "boolean") return "bool";
  if (v === null) return "NoneType";
  if (Array.isArray(v)) return "list";
  return v instanceof PyTuple ? "tuple" : "dict";
}

/**
 * Keys equal in Python get equal strings here (`True == 1`, `False == 0`); `undefined` means
 * unhashable (lists, dicts, tuples holding them).
 */
function hashKey(key: PyValue): string | undefined {
  if (typeof key === "string") return `s${JSON.stringify(key)}`;
  if (typeof key === "bigint") return `i${key}`;
  if (typeof key === "boolean") return key ? "i1" : "i0";
  if (key === null) return "n";
  if (!(key instanceof PyTuple)) return undefined;
  const parts: string[] = [];
  for (const item of key.items) {
    const h = hashKey(item);
    if (h === undefined) return undefined;
    parts.push(h);
  }
  return `t(${parts.join(",")})`;
}

/**
 * Parses one Python literal (with optional surrounding whitespace and comments).
 * Throws {@link PyLiteralError} for anything outside the subset, for nesting deeper than
 * {@link MAX_DEPTH}, and for integer literals longer than {@link MAX_INT_DIGITS}.
 * Python-2 spellings NumPy still reads are accepted: `3L` and `u'...'`/`b'...'` prefixes.
 *
 * @example
 * ```ts
 * import { parsePyLiteral } from "./pyliteral.ts";
 * console.log(parsePyLiteral("[('a', '<i4', (2, 3))]"));
 * ```
 */
export function parsePyLiteral(text: string): PyValue {
  const p = new Parser(String(text));
  const value = p.value(0);
  p.skipSpace();
  if (!p.atEnd()) p.fail("unexpected text after the literal");
  return value;
}

const SPACE = new Set([" ", "\t", "\n", "\r", "\f", "\v"]);
const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  "a": "\x07",
  "b": "\b",
  "f": "\f",
  "n": "\n",
  "r": "\r",
  "t": "\t",
  "v": "\v",
};
const INT_RE =
  /0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0+(?:_?0)*|[1-9](?:_?\d)*/y;
const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const HEX_RE = /^[0-9a-fA-F]+$/;

/** Recursive descent over a string; recursion is bounded by MAX_DEPTH. */
class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  fail(message: string, at = this.pos): never {
    throw new PyLiteralError(message, at);
  }

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  skipSpace(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (SPACE.has(c)) this.pos++;
      else if (c === "#") this.skipComment();
      else if (c === "\\" && this.lineBreakAt(this.pos + 1) > 0) {
        this.pos += 1 + this.lineBreakAt(this.pos + 1);
      } else break;
    }
  }

  skipComment(): void {
    while (
      this.pos < this.src.length && this.src[this.pos] !== "\n" && this.src[this.pos] !== "\r"
    ) {
      this.pos++;
    }
  }

  /** Length of the line break starting at `i` (0 if none). */
  lineBreakAt(i: number): number {
    if (this.src[i] === "\n") return 1;
    if (this.src[i] === "\r") return this.src[i + 1] === "\n" ? 2 : 1;
    return 0;
  }

  value(depth: number): PyValue {
    this.skipSpace();
    if (this.atEnd()) this.fail("unexpected end of text, expected a value");
    const c = this.src[this.pos];
    if (c === "{" || c === "[" || c === "(") return this.container(c, depth + 1);
    if (c === "'" || c === '"') return this.strings();
    if (c === "-" || c === "+" || (c >= "0" && c <= "9")) return this.integer();
    return this.name();
  }

  container(open: string, depth: number): PyValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    this.pos++;
    if (open === "{") return this.dict(depth);
    if (open === "[") return this.sequence("]", depth);
    return this.parenthesized(depth);
  }

  /** Reads items up to `close`, allowing one trailing comma; `sawComma` tells tuples apart. */
  items(close: string, depth: number): { items: PyValue[]; sawComma: boolean } {
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === close) break;
      items.push(this.value(depth));
      this.skipSpace();
      if (this.src[this.pos] === ",") {
        sawComma = true;
        this.pos++;
      } else if (this.src[this.pos] !== close) {
        this.fail(`expected ',' or '${close}'`);
      }
    }
    this.pos++;
    return { items, sawComma };
  }

  sequence(close: string, depth: number): PyValue[] {
    return this.items(close, depth).items;
  }

  /** `()` and `(x,)` are tuples; `(x)` is just x, as in Python. */
  parenthesized(depth: number): PyValue {
    const { items, sawComma } = this.items(")", depth);
    if (items.length === 1 && !sawComma) return items[0];
    return new PyTuple(items);
  }

  dict(depth: number): PyDict {
    const d = new PyDict();
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === "}") break;
      const keyAt = this.pos;
      const key = this.value(depth);
      this.skipSpace();
      if (this.src[this.pos] !== ":") this.fail("expected ':' after a dict key");
      this.pos++;
      const value = this.value(depth);
      if (hashKey(key) === undefined) this.fail(`unhashable dict key (${pyTypeName(key)})`, keyAt);
      d.set(key, value);
      this.skipSpace();
      if (this.src[this.pos] === ",") this.pos++;
      else if (this.src[this.pos] !== "}") this.fail("expected ',' or '}'");
    }
    this.pos++;
    return d;
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  strings(): string {
    const parts: string[] = [];
    let bytes: boolean | undefined;
    do {
      const { text, isBytes } = this.stringLiteral();
      if (bytes !== undefined && bytes !== isBytes) this.fail("cannot mix bytes and str literals");
      bytes = isBytes;
      parts.push(text);
      this.skipSpace();
    } while (this.startsString());
    return parts.join("");
  }

  startsString(): boolean {
    const c = this.src[this.pos];
    if (c === "'" || c === '"') return true;
    const q = this.src[this.pos + 1];
    return /^[uUbB]$/.test(c ?? "") && (q === "'" || q === '"');
  }

  stringLiteral(): { text: string; isBytes: boolean } {
    const prefix = this.src[this.pos];
    const isBytes = prefix === "b" || prefix === "B";
    if (prefix !== "'" && prefix !== '"') this.pos++;
    const quote = this.src[this.pos];
    if (this.src.startsWith(quote.repeat(3), this.pos)) {
      this.fail("triple-quoted strings are not supported");
    }
    const start = this.pos++;
    const parts: string[] = [];
    let run = this.pos;
    for (;;) {
      if (this.atEnd()) this.fail("unterminated string", start);
      const c = this.src[this.pos];
      if (c === quote) break;
      if (c === "\n" || c === "\r") this.fail("line break inside a string", start);
      if (c === "\0") this.fail("NUL character inside a string");
      if (isBytes && c.charCodeAt(0) > 0x7f) this.fail("non-ASCII character in a bytes literal");
      if (c !== "\\") {
        this.pos++;
        continue;
      }
      parts.push(this.src.slice(run, this.pos));
      parts.push(this.escape(isBytes));
      run = this.pos;
    }
    parts.push(this.src.slice(run, this.pos));
    this.pos++;
    return { text: parts.join(""), isBytes };
  }

  /** Reads the escape at `pos` (a backslash) and returns what it stands for. */
  escape(isBytes: boolean): string {
    const at = this.pos;
    const c = this.src[at + 1];
    if (c === undefined) this.fail("unterminated string", at);
    const lineBreak = this.lineBreakAt(at + 1);
    if (lineBreak > 0) {
      this.pos = at + 1 + lineBreak;
      return "";
    }
    this.pos = at + 2;
    if (Object.hasOwn(SIMPLE_ESCAPES, c)) return SIMPLE_ESCAPES[c];
    if (c >= "0" && c <= "7") return this.octalEscape(at);
    if (c === "x") return this.hexEscape(2, at);
    if (!isBytes && c === "u") return this.hexEscape(4, at);
    if (!isBytes && c === "U") return this.hexEscape(8, at);
    if (!isBytes && c === "N") this.fail("\\N{...} escapes are not supported", at);
    // Python keeps unknown escapes verbatim (with a warning).
    return "\\" + c;
  }

  octalEscape(at: number): string {
    let end = at + 1;
    while (end < at + 4 && /[0-7]/.test(this.src[end] ?? "")) end++;
    this.pos = end;
    return String.fromCharCode(parseInt(this.src.slice(at + 1, end), 8));
  }

  hexEscape(width: number, at: number): string {
    const digits = this.src.slice(this.pos, this.pos + width);
    if (digits.length !== width || !HEX_RE.test(digits)) {
      this.fail(`truncated \\${this.src[at + 1]} escape`, at);
    }
    this.pos += width;
    const code = parseInt(digits, 16);
    if (code > 0x10ffff) this.fail("\\U escape beyond U+10FFFF", at);
    return String.fromCodePoint(code);
  }

  /** An int with at most one sign; Python 2's `L` suffix is dropped as NumPy's filter does. */
  integer(): bigint {
    const start = this.pos;
    let negative = false;
    const sign = this.src[this.pos];
    if (sign === "-" || sign === "+") {
      negative = sign === "-";
      this.pos++;
      this.skipSpace();
    }
    INT_RE.lastIndex = this.pos;
    const m = INT_RE.exec(this.src);
    if (!m) this.fail("expected an integer", start);
    if (m[0].length > MAX_INT_DIGITS) {
      this.fail(`integer literal longer than ${MAX_INT_DIGITS} digits`, start);
    }
    this.pos += m[0].length;
    if (this.src[this.pos] === "L") this.pos++;
    if (/[A-Za-z0-9_.]/.test(this.src[this.pos] ?? "")) {
      this.fail(
        "invalid integer literal (leading zeros, floats and complex numbers are not supported)",
        start,
      );
    }
    const n = BigInt(m[0].replaceAll("_", "").replace(/^0+(?=\d)/, ""));
    return negative ? -n : n;
  }

  name(): PyValue {
    NAME_RE.lastIndex = this.pos;
    const m = NAME_RE.exec(this.src);
    if (!m) this.fail(`unexpected character ${JSON.stringify(this.src[this.pos])}`);
    if (this.startsString()) return this.strings();
    this.pos += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    return this.fail(`name '${m[0].slice(0, 40)}' is not a literal`, this.pos - m[0].length);
  }
}

// Python's str.isprintable() is false for these categories (and true for the plain space).
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/**
 * Python's `repr()` of a `str`, character for character: the quote it picks, the escapes
 * (`\\n`, `\\xNN`, `\\uNNNN`, `\\UNNNNNNNN`), and printable non-ASCII kept as is.
 *
 * @example
 * ```ts
 * import { pyReprString } from "./pyliteral.ts";
 * console.log(pyReprString("it's")); // "it's" in double quotes, as Python prints it
 * ```
 */
export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) out += reprChar(ch, quote);
  return out + quote;
}

function reprChar(ch: string, quote: string): string {
  if (ch === quote || ch === "\\") return "\\" + ch;
  if (ch === "\t") return "\\t";
  if (ch === "\n") return "\\n";
  if (ch === "\r") return "\\r";
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return "\\x" + hex(code, 2);
  if (code < 0x7f || !NOT_PRINTABLE.test(ch)) return ch;
  if (code <= 0xff) return "\\x" + hex(code, 2);
  if (code <= 0xffff) return "\\u" + hex(code, 4);
  return "\\U" + hex(code, 8);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/**
 * Python's `repr()` of a value of the subset: `'a'`, `3`, `True`, `None`, `[1, 2]`, `(3,)`,
 * `{'a': 1}`.
 *
 * @example
 * ```ts
 * import { PyTuple, pyRepr } from "./pyliteral.ts";
 * console.log(pyRepr(["a", new PyTuple([2n, 3n])])); // "['a', (2, 3)]"
 * ```
 */
export function pyRepr(value: PyValue): string {
  if (typeof value === "string") return pyReprString(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "True" : "False";
  if (value === null) return "None";
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (value instanceof PyTuple) {
    const inner = value.items.map(pyRepr).join(", ");
    return value.items.length === 1 ? `(${inner},)` : `(${inner})`;
  }
  return `{${value.entries().map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(", ")}}`;
}
