/**
 * The dtype table: NumPy's data types as npshm knows them, how their names and `descr`
 * strings are spelled, their sizes, and which TypedArray (if any) views them faithfully.
 *
 * @example
 * ```ts
 * import { parseDType } from "./dtype.ts";
 * const dt = parseDType("float64");
 * console.log(dt.descr, dt.itemsize, dt.view?.ctor.name); // "<f8" 8 "Float64Array"
 * ```
 * @module
 */

import { CorruptHeaderError, InvalidArgumentError } from "./errors.ts";
import { parsePyLiteral, PyLiteralError, pyReprString, PyTuple } from "./pyliteral.ts";
import { formatShape } from "./shape.ts";
import type { TypedArray } from "./typed.ts";

/**
 * The constructor of a {@link TypedArray}, as far as views need it.
 *
 * @example
 * ```ts
 * import type { TypedArrayCtor } from "./dtype.ts";
 * const ctor: TypedArrayCtor = Int32Array;
 * console.log(new ctor(new ArrayBuffer(8), 0, 2).length); // 2
 * ```
 */
export interface TypedArrayCtor {
  /** Views `length` elements of `buffer` from `byteOffset`. */
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  /** Bytes per element. */
  readonly BYTES_PER_ELEMENT: number;
  /** The class name, e.g. `"Float64Array"`. */
  readonly name: string;
}

/**
 * How a dtype's items map onto a TypedArray on this machine.
 *
 * @example
 * ```ts
 * import { parseDType } from "./dtype.ts";
 * const v = parseDType("complex128").view!;
 * console.log(v.ctor.name, v.lanes, v.kind); // "Float64Array" 2 "complex"
 * ```
 */
export interface ViewInfo {
  /** The TypedArray class whose elements are the item's parts. */
  readonly ctor: TypedArrayCtor;
  /** TypedArray elements per item: 2 for complex (real, imaginary), else 1. */
  readonly lanes: number;
  /** What the elements hold; `"float16raw"` means raw binary16 bits in a Uint16Array. */
  readonly kind: "bool" | "int" | "bigint" | "float" | "float16raw" | "complex";
}

/**
 * One named field of a structured dtype (padding is not a field).
 *
 * @example
 * ```ts
 * import { dtypeFromDescr } from "./dtype.ts";
 * const f = dtypeFromDescr([["a", "<i4"], ["b", "<f8", [2]]]).fields![1];
 * console.log(f.name, f.offset, f.dtype.descr, f.shape); // "b" 4 "<f8" [2]
 * ```
 */
export interface DTypeField {
  /** The field's name. */
  readonly name: string;
  /** NumPy's optional second name for the field. */
  readonly title?: string;
  /** Byte offset of the field within a record. */
  readonly offset: number;
  /** The dtype of each element of the field. */
  readonly dtype: DType;
  /** Sub-array shape of the field; `[]` for a scalar field. */
  readonly shape: readonly number[];
}

/**
 * A NumPy data type.
 *
 * @example
 * ```ts
 * import { parseDType } from "./dtype.ts";
 * const dt = parseDType(">i4");
 * console.log(dt.name, dt.kind, dt.byteOrder, dt.view); // "int32" "i" ">" null
 * ```
 */
export interface DType {
  /** The header `descr`: `"<f8"`, `"|S10"`, or the Python repr of a structured list. */
  readonly descr: string;
  /** NumPy's `dtype.name`: `"float64"`, `"bytes80"`, `"str160"`, `"datetime64[ns]"`. */
  readonly name: string;
  /** NumPy's kind character: one of `b i u f c S U V M m O` (structured is `V`). */
  readonly kind: string;
  /** Bytes per item, padding and sub-arrays included. */
  readonly itemsize: number;
  /** `<` little-endian, `>` big-endian, `|` byte order does not apply. */
  readonly byteOrder: "<" | ">" | "|";
  /** Natural alignment of an item; for structured dtypes the largest field alignment. */
  readonly alignment: number;
  /** The faithful TypedArray view on this machine, or `null` when there is none. */
  readonly view: ViewInfo | null;
  /** The fields of a structured dtype, in offset order; absent otherwise. */
  readonly fields?: readonly DTypeField[];
  /** The unit of a datetime64/timedelta64 (`"ns"`, `"D"`, `"10ms"`; `""` generic); else absent. */
  readonly unit?: string;
}

/**
 * The numeric dtype names npshm creates arrays of.
 *
 * @example
 * ```ts
 * import { DTYPE_NAMES } from "./dtype.ts";
 * console.log(DTYPE_NAMES.includes("float32")); // true
 * ```
 */
export const DTYPE_NAMES: readonly string[] = Object.freeze([
  "bool",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float16",
  "float32",
  "float64",
  "complex64",
  "complex128",
]);

/** NumPy refuses items larger than a C int. */
const MAX_ITEMSIZE = 2 ** 31 - 1;
/** Structured dtypes nested deeper than this are refused (the parser stops at the same). */
const MAX_DESCR_DEPTH = 32;

const NATIVE: "<" | ">" = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? "<" : ">";

// Names take no byte-order prefix in NumPy; single-letter codes do.
const NAMES: ReadonlyMap<string, string> = table({
  bool: "b1",
  bool_: "b1",
  int8: "i1",
  byte: "i1",
  uint8: "u1",
  ubyte: "u1",
  int16: "i2",
  short: "i2",
  uint16: "u2",
  ushort: "u2",
  int32: "i4",
  intc: "i4",
  uint32: "u4",
  uintc: "u4",
  int64: "i8",
  int: "i8",
  int_: "i8",
  long: "i8",
  longlong: "i8",
  intp: "i8",
  uint64: "u8",
  uint: "u8",
  ulong: "u8",
  ulonglong: "u8",
  uintp: "u8",
  float16: "f2",
  half: "f2",
  float32: "f4",
  single: "f4",
  float64: "f8",
  double: "f8",
  float: "f8",
  complex64: "c8",
  csingle: "c8",
  complex128: "c16",
  cdouble: "c16",
  complex: "c16",
  object: "O",
  object_: "O",
  bytes: "S0",
  bytes_: "S0",
  str: "U0",
  str_: "U0",
  void: "V0",
});

// The C type letters as NumPy maps them on Linux x86-64 (long is 64 bits).
const LETTERS: ReadonlyMap<string, string> = table({
  "?": "b1",
  b: "i1",
  B: "u1",
  h: "i2",
  H: "u2",
  i: "i4",
  I: "u4",
  l: "i8",
  L: "u8",
  q: "i8",
  Q: "u8",
  p: "i8",
  P: "u8",
  n: "i8",
  N: "u8",
  e: "f2",
  f: "f4",
  d: "f8",
  F: "c8",
  D: "c16",
  O: "O",
  S: "S0",
  U: "U0",
  V: "V0",
  M: "M8",
  m: "m8",
});

const UNSUPPORTED: ReadonlyMap<string, string> = table({
  g: "longdouble",
  G: "clongdouble",
  f16: "longdouble",
  c32: "clongdouble",
  longdouble: "longdouble",
  clongdouble: "clongdouble",
  float128: "longdouble",
  complex256: "clongdouble",
});

const NUMERIC_NAMES: ReadonlyMap<string, string> = table({
  b1: "bool",
  i1: "int8",
  u1: "uint8",
  i2: "int16",
  u2: "uint16",
  i4: "int32",
  u4: "uint32",
  i8: "int64",
  u8: "uint64",
  f2: "float16",
  f4: "float32",
  f8: "float64",
  c8: "complex64",
  c16: "complex128",
});

/** A lookup table without prototype keys, so that `"toString"` is not a dtype. */
function table(entries: Record<string, string>): ReadonlyMap<string, string> {
  return new Map(Object.entries(entries));
}

const UNIT_RE = /^\[([1-9]\d{0,8})?(Y|M|W|D|h|m|s|ms|us|μs|ns|ps|fs|as)\]$/;

/** A spec is refused with a reason; callers pick the error class. */
class BadSpec extends Error {}

// --- Views --------------------------------------------------------------------------------

const float16Ctor = (globalThis as { Float16Array?: TypedArrayCtor }).Float16Array;

function numericView(code: string): ViewInfo {
  switch (code) {
    case "b1":
      return { ctor: Uint8Array, lanes: 1, kind: "bool" };
    case "f2":
      return float16Ctor
        ? { ctor: float16Ctor, lanes: 1, kind: "float" }
        : { ctor: Uint16Array, lanes: 1, kind: "float16raw" };
    case "f4":
      return { ctor: Float32Array, lanes: 1, kind: "float" };
    case "f8":
      return { ctor: Float64Array, lanes: 1, kind: "float" };
    case "c8":
      return { ctor: Float32Array, lanes: 2, kind: "complex" };
    case "c16":
      return { ctor: Float64Array, lanes: 2, kind: "complex" };
    case "i8":
      return { ctor: BigInt64Array, lanes: 1, kind: "bigint" };
    case "u8":
      return { ctor: BigUint64Array, lanes: 1, kind: "bigint" };
  }
  const ints: Record<string, TypedArrayCtor> = {
    i1: Int8Array,
    u1: Uint8Array,
    i2: Int16Array,
    u2: Uint16Array,
    i4: Int32Array,
    u4: Uint32Array,
  };
  return { ctor: ints[code], lanes: 1, kind: "int" };
}

// --- Simple (non-structured) dtypes -------------------------------------------------------

/** Dtypes this module made; handing one back to parseDType needs no re-parse. */
const OURS = new WeakSet<DType>();

function make(d: DType): DType {
  if (d.view) Object.freeze(d.view);
  if (d.fields) Object.freeze(d.fields);
  OURS.add(d);
  return Object.freeze(d);
}

function makeField(name: string, title: string | undefined, offset: number, sub: Sub): DTypeField {
  const shape = Object.freeze(sub.shape);
  const field = Object.freeze(
    title === undefined
      ? { name, offset, dtype: sub.dtype, shape }
      : { name, title, offset, dtype: sub.dtype, shape },
  );
  if (sub.levels.length > 1) LEVELS.set(field, sub.levels);
  return field;
}

/** A number type; byte order `|` for one-byte types, as NumPy normalises it. */
function numericDType(code: string, order: "<" | ">"): DType {
  const itemsize = Number(code.slice(1));
  const kind = code[0];
  const byteOrder = itemsize === 1 ? "|" : order;
  const faithful = byteOrder === "|" || byteOrder === NATIVE;
  return make({
    descr: `${byteOrder}${code}`,
    name: NUMERIC_NAMES.get(code)!,
    kind,
    itemsize,
    byteOrder,
    alignment: kind === "c" ? itemsize / 2 : itemsize,
    view: faithful ? numericView(code) : null,
  });
}

function flexibleDType(letter: string, count: number, order: "<" | ">"): DType {
  const itemsize = letter === "U" ? count * 4 : count;
  const base = letter === "S" ? "bytes" : letter === "U" ? "str" : "void";
  const byteOrder = letter === "U" ? order : "|";
  return make({
    descr: `${byteOrder}${letter}${count}`,
    name: itemsize === 0 ? base : `${base}${itemsize * 8}`,
    kind: letter,
    itemsize,
    byteOrder,
    alignment: letter === "U" ? 4 : 1,
    view: null,
  });
}

// The int64 count of units since 1970 (or of a span): a BigInt64Array shows it faithfully.
function timeDType(letter: string, unit: string, order: "<" | ">"): DType {
  return make({
    descr: `${order}${letter}8${unit}`,
    name: `${letter === "M" ? "datetime64" : "timedelta64"}${unit}`,
    kind: letter,
    itemsize: 8,
    byteOrder: order,
    alignment: 8,
    view: order === NATIVE ? numericView("i8") : null,
    unit: unit.slice(1, -1),
  });
}

const OBJECT: DType = make({
  descr: "|O",
  name: "object",
  kind: "O",
  itemsize: 8,
  byteOrder: "|",
  alignment: 8,
  view: null,
});

/** `[ns]` stays, `[1s]` becomes `[s]` and `[μs]` `[us]`, as NumPy normalises units. */
function normalizeUnit(unit: string): string {
  if (unit === "") return "";
  const m = UNIT_RE.exec(unit);
  if (!m) throw new BadSpec(`bad datetime unit ${unit}`);
  const count = m[1] === undefined || m[1] === "1" ? "" : m[1];
  return `[${count}${m[2] === "μs" ? "us" : m[2]}]`;
}

/** Splits `<M8[ns]` into byte order, code and unit, resolving names and letters. */
function splitSpec(spec: string): { order: string; code: string; unit: string } {
  const named = NAMES.get(spec);
  if (named !== undefined) return { order: "", code: named, unit: "" };
  const m = /^([<>=|]?)([^[]*)(\[.*)?$/s.exec(spec)!;
  const [, order, body, unit = ""] = m;
  if (body === "datetime64" || body === "timedelta64") {
    return { order, code: body === "datetime64" ? "M8" : "m8", unit };
  }
  const unsupported = UNSUPPORTED.get(body);
  if (unsupported !== undefined) {
    throw new BadSpec(`${unsupported} has no portable layout and is not supported`);
  }
  return { order, code: LETTERS.get(body) ?? body, unit };
}

/** Parses a non-structured dtype string; `allowEmpty` admits NumPy's unsized `S0`/`U0`/`V0`. */
function parseSimple(spec: string, allowEmpty: boolean): DType {
  const { order, code, unit } = splitSpec(spec);
  const byteOrder = order === ">" ? ">" : order === "<" ? "<" : NATIVE;
  if (unit !== "" && code !== "M8" && code !== "m8") throw new BadSpec("only M8/m8 take a unit");
  if (NUMERIC_NAMES.has(code)) return numericDType(code, byteOrder);
  if (code === "M8" || code === "m8") return timeDType(code[0], normalizeUnit(unit), byteOrder);
  if (code === "O" || code === "O8") return OBJECT;
  const m = /^([SUV])(0|[1-9]\d{0,9})$/.exec(code);
  if (!m) throw new BadSpec("not a dtype NumPy knows");
  const count = Number(m[2]);
  if (count === 0 && !allowEmpty) throw new BadSpec(`${m[1]} needs a size of at least 1`);
  if ((m[1] === "U" ? count * 4 : count) > MAX_ITEMSIZE) {
    throw new BadSpec(`item size exceeds ${MAX_ITEMSIZE} bytes`);
  }
  return flexibleDType(m[1], count, byteOrder);
}

// --- Structured dtypes --------------------------------------------------------------------

/**
 * A field's element dtype with the sub-array shape accumulated from nested tuples; `levels`
 * keeps each tuple's own shape, outermost first, as NumPy keeps them: `('<f8', (5,))` inside
 * `(..., (2,))` is a different dtype from `('<f8', (2, 5))`, though its bytes are the same.
 */
interface Sub {
  dtype: DType;
  shape: number[];
  levels: number[][];
}

/** A sub-array level around `inner`; NumPy drops an empty shape (`('<f8', ())` is `<f8`). */
function around(inner: Sub, shape: number[]): Sub {
  if (shape.length === 0) return inner;
  return {
    dtype: inner.dtype,
    shape: [...shape, ...inner.shape],
    levels: [shape, ...inner.levels],
  };
}

// The levels of each field, for its descr; a field made elsewhere has its shape as one level.
const LEVELS = new WeakMap<DTypeField, readonly (readonly number[])[]>();

function isSequence(v: unknown): v is readonly unknown[] | PyTuple {
  return Array.isArray(v) || v instanceof PyTuple;
}

function itemsOf(v: readonly unknown[] | PyTuple): readonly unknown[] {
  return v instanceof PyTuple ? v.items : v;
}

function show(v: unknown): string {
  if (typeof v === "string") return pyReprString(v.length > 60 ? v.slice(0, 60) + "..." : v);
  if (typeof v === "bigint" || typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v instanceof PyTuple) return "a tuple";
  if (Array.isArray(v)) return "a list";
  return v === null ? "None" : typeof v;
}

function toDim(v: unknown): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n === "number" && Number.isSafeInteger(n) && n >= 0) return n;
  throw new BadSpec(`sub-array dimension ${show(v)} is not a non-negative integer`);
}

/** NumPy takes an int or a sequence of ints as a field's sub-array shape. */
function toFieldShape(v: unknown): number[] {
  if (isSequence(v)) return itemsOf(v).map(toDim);
  return [toDim(v)];
}

function toSub(descr: unknown, depth: number): Sub {
  if (depth > MAX_DESCR_DEPTH) throw new BadSpec(`nested deeper than ${MAX_DESCR_DEPTH} levels`);
  if (typeof descr === "string") return { dtype: simpleField(descr), shape: [], levels: [] };
  if (Array.isArray(descr)) return { dtype: structured(descr, depth + 1), shape: [], levels: [] };
  if (descr instanceof PyTuple && descr.items.length === 2) {
    return around(toSub(descr.items[0], depth + 1), toFieldShape(descr.items[1]));
  }
  throw new BadSpec(`field format ${show(descr)} is not a dtype descriptor`);
}

function simpleField(descr: string): DType {
  try {
    return parseSimple(descr, true);
  } catch (e) {
    throw e instanceof BadSpec ? new BadSpec(`field format ${show(descr)}: ${e.message}`) : e;
  }
}

function checkSize(n: number): number {
  if (n > MAX_ITEMSIZE) throw new BadSpec(`item size exceeds ${MAX_ITEMSIZE} bytes`);
  return n;
}

function subSize(sub: Sub): number {
  return checkSize(sub.shape.reduce((a, d) => checkSize(a * d), sub.dtype.itemsize));
}

/** The name, and title if any, of a field entry: `'a'` or `('title', 'a')`. */
function fieldName(spec: unknown): { name: string; title?: string } {
  if (typeof spec === "string") return { name: spec };
  if (spec instanceof PyTuple && spec.items.length === 2) {
    const [title, name] = spec.items;
    if (typeof name === "string" && title === null) return { name };
    if (typeof name === "string" && typeof title === "string") return { name, title };
  }
  throw new BadSpec(`field name ${show(spec)} is neither a str nor a (title, name) pair`);
}

/** NumPy's padding: an unnamed plain void (or any unnamed sub-array, a quirk it has). */
function isPadding(spec: unknown, sub: Sub): boolean {
  return spec === "" && (sub.shape.length > 0 || (sub.dtype.kind === "V" && !sub.dtype.fields));
}

function claim(used: Set<string>, key: string, what: string): void {
  if (used.has(key)) throw new BadSpec(`${what} ${show(key)} is used twice`);
  used.add(key);
}

/** Fields packed in list order, offsets accumulating, as `descr_to_dtype` builds them. */
function structured(list: readonly unknown[], depth: number): DType {
  const fields: DTypeField[] = [];
  const used = new Set<string>();
  let offset = 0;
  for (const entry of list) {
    const parts = isSequence(entry) ? itemsOf(entry) : [];
    if (parts.length !== 2 && parts.length !== 3) {
      throw new BadSpec(`field ${show(entry)} is not a (name, format[, shape]) tuple`);
    }
    const format = toSub(parts[1], depth);
    const sub = parts.length === 3 ? around(format, toFieldShape(parts[2])) : format;
    if (!isPadding(parts[0], sub)) {
      const { name, title } = fieldName(parts[0]);
      claim(used, name, "field name");
      if (title !== undefined) claim(used, title, "field title");
      fields.push(makeField(name, title, offset, sub));
    }
    offset = checkSize(offset + subSize(sub));
  }
  return structuredDType(fields, offset);
}

/** NumPy's `_array_descr` of a field: `(name, format)` or `(name, format, shape)`, where a
 * format is itself `(format, shape)` for each further sub-array level. */
function fieldRepr(f: DTypeField): string {
  const name = f.title === undefined
    ? pyReprString(f.name)
    : `(${pyReprString(f.title)}, ${pyReprString(f.name)})`;
  const levels = LEVELS.get(f) ?? (f.shape.length === 0 ? [] : [f.shape]);
  let format = f.dtype.fields ? f.dtype.descr : pyReprString(f.dtype.descr);
  for (const level of levels.slice(1).reverse()) format = `(${format}, ${formatShape(level)})`;
  return levels.length === 0
    ? `(${name}, ${format})`
    : `(${name}, ${format}, ${formatShape(levels[0])})`;
}

/** NumPy's `dtype.descr`: gaps between fields and at the end become `('', '|V<n>')`. */
function structuredDescr(fields: readonly DTypeField[], itemsize: number): string {
  const parts: string[] = [];
  let end = 0;
  for (const f of fields) {
    if (f.offset > end) parts.push(`('', '|V${f.offset - end}')`);
    parts.push(fieldRepr(f));
    end = f.offset + f.shape.reduce((a, d) => a * d, f.dtype.itemsize);
  }
  if (itemsize > end) parts.push(`('', '|V${itemsize - end}')`);
  return `[${parts.join(", ")}]`;
}

function structuredDType(fields: DTypeField[], itemsize: number): DType {
  return make({
    descr: structuredDescr(fields, itemsize),
    name: itemsize === 0 ? "void" : `void${itemsize * 8}`,
    kind: "V",
    itemsize,
    byteOrder: "|",
    alignment: fields.reduce((a, f) => Math.max(a, f.dtype.alignment), 1),
    view: null,
    fields,
  });
}

// --- Public API ---------------------------------------------------------------------------

const ACCEPTED = '"float64", "<f8", "int32", "u1", "bool", "complex128", "S10", "U5", ' +
  '"datetime64[ns]"';

function invalid(spec: unknown, reason: string): InvalidArgumentError {
  const shown = typeof spec === "string" ? JSON.stringify(spec) : show(spec);
  return new InvalidArgumentError(
    `invalid dtype ${shown}: ${reason}; use a NumPy name or type code such as ${ACCEPTED}`,
  );
}

/** Re-derives a DType-shaped object from its `descr`, so that foreign objects are checked. */
function fromForeign(spec: DType): DType {
  const descr = (spec as { descr?: unknown }).descr;
  if (typeof descr !== "string") throw invalid(spec, "not a string or a DType");
  if (!descr.startsWith("[")) return parseSimple(descr, false);
  const list = parsePyLiteral(descr);
  if (!Array.isArray(list)) throw new BadSpec("its descr is not a list");
  return structured(list, 0);
}

/**
 * The dtype named by a user: a NumPy name (`"float64"`, `"int"`, `"half"`), a type code with
 * optional byte order (`"<f8"`, `">i4"`, `"=u2"`, `"f"`, `"D"`), a sized flexible type
 * (`"S10"`, `"U5"`, `"V8"`), a datetime (`"M8[ns]"`, `"timedelta64[s]"`), `"O"`, or a DType.
 * No prefix and `=` mean this machine's order (little-endian). Anything else throws
 * {@link InvalidArgumentError} naming the spec.
 *
 * @example
 * ```ts
 * import { parseDType } from "./dtype.ts";
 * console.log(parseDType("<u1").descr, parseDType("double").name); // "|u1" "float64"
 * ```
 */
export function parseDType(spec: string | DType): DType {
  try {
    if (typeof spec === "string") return parseSimple(spec, false);
    if (typeof spec !== "object" || spec === null) throw invalid(spec, "not a string or a DType");
    return OURS.has(spec) ? spec : fromForeign(spec);
  } catch (e) {
    if (e instanceof BadSpec || e instanceof PyLiteralError) throw invalid(spec, e.message);
    throw e;
  }
}

/**
 * The dtype of an NPY header's `descr` value, as {@link parsePyLiteral} returns it: a dtype
 * string, or a structured list of `(name, format)`, `(name, format, shape)` and
 * `((title, name), format[, shape])` entries, nested lists allowed. Unnamed plain-void
 * entries are padding. Anything NumPy could not read throws {@link CorruptHeaderError}.
 *
 * @example
 * ```ts
 * import { dtypeFromDescr } from "./dtype.ts";
 * import { parsePyLiteral } from "./pyliteral.ts";
 * const dt = dtypeFromDescr(parsePyLiteral("[('a', '<i4'), ('', '|V4'), ('b', '<f8')]"));
 * console.log(dt.itemsize, dt.fields!.map((f) => f.offset)); // 16 [0, 8]
 * ```
 */
export function dtypeFromDescr(descr: unknown): DType {
  try {
    if (typeof descr === "string") return parseSimple(descr, true);
    if (Array.isArray(descr)) return structured(descr, 0);
    throw new BadSpec(
      descr instanceof PyTuple ? "a sub-array dtype cannot describe a whole array" : "not a dtype",
    );
  } catch (e) {
    if (e instanceof BadSpec) {
      const what = Array.isArray(descr) ? "structured descr" : `descr ${show(descr)}`;
      throw new CorruptHeaderError(`${what} is not a valid dtype: ${e.message}`);
    }
    throw e;
  }
}

/**
 * Whether two dtypes describe the same bytes the same way (byte order, sizes, units and
 * field layout all included).
 *
 * @example
 * ```ts
 * import { parseDType, sameDType } from "./dtype.ts";
 * console.log(sameDType(parseDType("f8"), parseDType("<f8"))); // true
 * console.log(sameDType(parseDType("<f8"), parseDType(">f8"))); // false
 * ```
 */
export function sameDType(a: DType, b: DType): boolean {
  return a === b || (a.descr === b.descr && a.itemsize === b.itemsize);
}

/**
 * Whether a dtype holds Python object pointers anywhere (itself or a field), which no other
 * process can read.
 *
 * @example
 * ```ts
 * import { hasObjects, parseDType } from "./dtype.ts";
 * console.log(hasObjects(parseDType("O")), hasObjects(parseDType("f8"))); // true false
 * ```
 */
export function hasObjects(dtype: DType): boolean {
  return dtype.kind === "O" || (dtype.fields?.some((f) => hasObjects(f.dtype)) ?? false);
}

/**
 * The one check every entry point makes (create, attach, read, open, view): a dtype that holds
 * Python object pointers anywhere ({@link hasObjects}) is refused, always with the same error.
 * `what` names the array or call, e.g. `shared array 'x'`.
 *
 * @throws {InvalidArgumentError} the dtype, or one of its fields, is `object`
 * @example
 * ```ts
 * import { parseDType, refuseObjects } from "./dtype.ts";
 * refuseObjects(parseDType("<f8"), "shared array 'x'"); // fine
 * ```
 */
export function refuseObjects(dtype: DType, what: string): void {
  if (!hasObjects(dtype)) return;
  throw new InvalidArgumentError(
    `${what} has object dtype ${dtype.descr}: its items are pointers into the Python process ` +
      "that made them (pickled in .npy files), which no other process can use",
  );
}
