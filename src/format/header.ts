/**
 * The NPY header: the bytes before an array's data in a `.npy` file and in every npshm
 * segment (NumPy's `numpy/lib/format.py` is the reference):
 *
 * | bytes | what |
 * |---|---|
 * | 0-5 | magic `\x93NUMPY` |
 * | 6, 7 | format version: major (1, 2 or 3), minor (0) |
 * | 8-9 (1.0) or 8-11 (2.0, 3.0) | N, the length of what follows, little-endian |
 * | next N bytes | the dict `{'descr': ..., 'fortran_order': ..., 'shape': (...), }` as Python writes it, then spaces and a `\n` |
 * | from 10 + N or 12 + N | the data, at a multiple of {@link ALIGN} bytes |
 *
 * The versions differ only in the width of N and in the dict's text encoding: see
 * {@link FORMAT_VERSIONS}, which the reader and the writer share. {@link encodeHeader} writes
 * exactly what NumPy 2's `np.save` writes; {@link decodeHeader} reads anything NumPy writes or
 * reads, and reports every problem as a {@link CorruptHeaderError}, whatever the bytes.
 *
 * @example
 * ```ts
 * import { decodeHeader, encodeHeader } from "./header.ts";
 * import { parseDType } from "./dtype.ts";
 * const bytes = encodeHeader(parseDType("<f8"), [3, 4], false);
 * const h = decodeHeader(bytes);
 * console.log(bytes.length, h.shape, h.dataLength); // 128 [3, 4] 96
 * ```
 * @module
 */

import { type DType, dtypeFromDescr, parseDType } from "./dtype.ts";
import { CorruptHeaderError, InvalidArgumentError } from "./errors.ts";
import {
  parsePyLiteral,
  PyDict,
  PyLiteralError,
  pyRepr,
  pyReprString,
  PyTuple,
  pyTypeName,
  type PyValue,
} from "./pyliteral.ts";
import { byteLengthOf, formatShape, MAX_NDIM, normalizeShape } from "./shape.ts";

/**
 * Data starts at a multiple of this many bytes, as NumPy's writer aligns it.
 *
 * @example
 * ```ts
 * import { ALIGN, encodeHeader } from "./header.ts";
 * import { parseDType } from "./dtype.ts";
 * console.log(encodeHeader(parseDType("u1"), [5], false).length % ALIGN); // 0
 * ```
 */
export const ALIGN = 64;

/**
 * Bytes of a segment's start that {@link headerLength} needs to learn the header's length
 * (magic, version and the 4-byte length of versions 2 and 3).
 *
 * @example
 * ```ts
 * import { headerLength, MIN_PREFIX } from "./header.ts";
 * const prefix = new Uint8Array(MIN_PREFIX); // filled from the start of a segment
 * ```
 */
export const MIN_PREFIX = 12;

/** Headers longer than this are refused before being read, whatever their version says. */
export const MAX_HEADER_LENGTH = 16 * 1024 * 1024;

/**
 * A decoded NPY header.
 *
 * @example
 * ```ts
 * import { decodeHeader, encodeHeader, type NpyHeader } from "./header.ts";
 * import { parseDType } from "./dtype.ts";
 * const h: NpyHeader = decodeHeader(encodeHeader(parseDType("i2"), [2, 2], true));
 * console.log(h.fortranOrder, h.dataOffset, h.version); // true 128 [1, 0]
 * ```
 */
export interface NpyHeader {
  /** The array's dtype. */
  readonly dtype: DType;
  /** Whether the data is in Fortran (column-major) order. */
  readonly fortranOrder: boolean;
  /** The array's shape. */
  readonly shape: readonly number[];
  /** Byte offset of the data: the header's total length. */
  readonly dataOffset: number;
  /** Format version, `[1, 0]`, `[2, 0]` or `[3, 0]`. */
  readonly version: readonly [number, number];
  /** Bytes of data: `itemsize * size`. */
  readonly dataLength: number;
}

/**
 * The NPY format versions: how many bytes the header length N takes, and how the dict's text
 * is encoded. The writer picks the first version that can hold its header.
 *
 * @example
 * ```ts
 * import { FORMAT_VERSIONS } from "./header.ts";
 * FORMAT_VERSIONS[3].encoding; // "utf8": field names beyond latin-1
 * ```
 */
export const FORMAT_VERSIONS = {
  1: { lengthBytes: 2, encoding: "latin1" },
  2: { lengthBytes: 4, encoding: "latin1" },
  3: { lengthBytes: 4, encoding: "utf8" },
} as const;

type FormatVersion = keyof typeof FORMAT_VERSIONS;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** The magic and the two version bytes. */
const MAGIC_LEN = MAGIC.length + 2;
/** NumPy leaves room for the first C dimension (last in Fortran) to grow to 21 digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const KEYS = ["descr", "fortran_order", "shape"];

// --- Reading ------------------------------------------------------------------------------

function checkMagic(prefix: Uint8Array): void {
  const n = Math.min(prefix.length, MAGIC.length);
  for (let i = 0; i < n; i++) {
    if (prefix[i] !== MAGIC[i]) {
      const got = Array.from(
        prefix.subarray(0, MAGIC.length),
        (b) => b.toString(16).padStart(2, "0"),
      );
      throw new CorruptHeaderError(
        `bad magic: expected 93 4e 55 4d 50 59 ('\\x93NUMPY'), got ${got.join(" ")}`,
      );
    }
  }
}

function truncated(what: string, needs: number, has: number): CorruptHeaderError {
  return new CorruptHeaderError(`truncated ${what}: needs ${needs} bytes but has ${has}`);
}

function formatVersion(major: number, minor: number): FormatVersion {
  if (minor === 0 && Object.hasOwn(FORMAT_VERSIONS, major)) return major as FormatVersion;
  throw new CorruptHeaderError(
    `unsupported NPY version ${major}.${minor} (1.0, 2.0 and 3.0 are known)`,
  );
}

/**
 * The total header length (magic to the end of the padding, i.e. the data offset), read from
 * the first 10 (version 1) or 12 bytes. Throws {@link CorruptHeaderError} for a bad magic, an
 * unknown version, too few bytes, or a length over 16 MiB.
 *
 * @example
 * ```ts
 * import { encodeHeader, headerLength } from "./header.ts";
 * import { parseDType } from "./dtype.ts";
 * const bytes = encodeHeader(parseDType("f4"), [10], false);
 * console.log(headerLength(bytes.subarray(0, 12))); // 128
 * ```
 */
export function headerLength(prefix: Uint8Array): number {
  if (!(prefix instanceof Uint8Array)) {
    throw new CorruptHeaderError("header bytes must be a Uint8Array");
  }
  checkMagic(prefix);
  if (prefix.length < MAGIC_LEN) throw truncated("NPY prefix", MAGIC_LEN, prefix.length);
  const width = FORMAT_VERSIONS[formatVersion(prefix[6], prefix[7])].lengthBytes;
  if (prefix.length < MAGIC_LEN + width) {
    throw truncated("NPY prefix", MAGIC_LEN + width, prefix.length);
  }
  let length = 0;
  for (let i = width - 1; i >= 0; i--) length = length * 256 + prefix[MAGIC_LEN + i];
  if (length > MAX_HEADER_LENGTH) {
    throw new CorruptHeaderError(
      `header length ${length} exceeds the ${MAX_HEADER_LENGTH}-byte limit`,
    );
  }
  return MAGIC_LEN + width + length;
}

/** Latin-1 by hand: TextDecoder's "latin1" is really windows-1252. */
function latin1(bytes: Uint8Array): string {
  const chunks: string[] = [];
  for (let i = 0; i < bytes.length; i += 8192) {
    chunks.push(String.fromCharCode(...bytes.subarray(i, i + 8192)));
  }
  return chunks.join("");
}

function headerText(bytes: Uint8Array, version: FormatVersion): string {
  if (FORMAT_VERSIONS[version].encoding === "latin1") return latin1(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CorruptHeaderError(`version ${version}.0 header is not valid UTF-8`);
  }
}

function parseDict(text: string): PyDict {
  let value: PyValue;
  try {
    value = parsePyLiteral(text);
  } catch (e) {
    if (!(e instanceof PyLiteralError)) throw e;
    throw new CorruptHeaderError(`cannot parse header ${excerpt(text)}: ${e.message}`);
  }
  if (!(value instanceof PyDict)) {
    throw new CorruptHeaderError(`header must be a dict, got ${pyTypeName(value)} ${shown(value)}`);
  }
  return value;
}

/** A value as Python prints it, cut short: error messages quote attacker-sized input. */
function shown(value: PyValue): string {
  const text = pyRepr(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

function excerpt(text: string): string {
  const shown = text.length > 120 ? `${text.slice(0, 120)}...` : text;
  return pyReprString(shown.trimEnd());
}

function checkKeys(d: PyDict): void {
  const keys = d.keys();
  const ok = keys.length === KEYS.length && KEYS.every((k) => d.has(k));
  if (ok) return;
  const missing = KEYS.filter((k) => !d.has(k));
  const extra = keys.filter((k) => typeof k !== "string" || !KEYS.includes(k)).length;
  const problems = [
    ...(missing.length ? [`missing key ${missing.map((k) => `'${k}'`).join(", ")}`] : []),
    ...(extra ? [`${extra} unexpected key${extra > 1 ? "s" : ""}`] : []),
  ];
  throw new CorruptHeaderError(
    `header must have exactly the keys 'descr', 'fortran_order' and 'shape': ${
      problems.join("; ")
    }`,
  );
}

function readShape(value: PyValue | undefined): number[] {
  if (!(value instanceof PyTuple)) {
    throw new CorruptHeaderError(
      `shape must be a tuple of ints, got ${pyTypeName(value ?? null)} ${shown(value ?? null)}`,
    );
  }
  if (value.items.length > MAX_NDIM) {
    throw new CorruptHeaderError(
      `shape has ${value.items.length} dimensions; at most ${MAX_NDIM} are allowed`,
    );
  }
  return value.items.map((d, i) => {
    if (typeof d !== "bigint") {
      throw new CorruptHeaderError(`shape[${i}] must be an int, got ${pyTypeName(d)} ${shown(d)}`);
    }
    if (d < 0n || d > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new CorruptHeaderError(`shape[${i}] = ${d} is not between 0 and 2**53 - 1`);
    }
    return Number(d);
  });
}

function readOrder(value: PyValue | undefined): boolean {
  if (typeof value === "boolean") return value;
  throw new CorruptHeaderError(
    `fortran_order must be True or False, got ${pyTypeName(value ?? null)} ${shown(value ?? null)}`,
  );
}

function dataLengthOf(shape: number[], dtype: DType): number {
  try {
    return byteLengthOf(shape, dtype.itemsize);
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    throw new CorruptHeaderError(
      `shape ${formatShape(shape)} of ${dtype.itemsize}-byte items is more than 2**53 - 1 bytes`,
    );
  }
}

/**
 * Decodes an NPY header. `bytes` must hold at least the whole header (see
 * {@link headerLength}); what follows is ignored. Versions 1.0, 2.0 and 3.0, any padding,
 * keys in any order and Python-2 spellings are accepted. Every problem, whatever the bytes,
 * is a {@link CorruptHeaderError} saying what is wrong.
 *
 * @example
 * ```ts
 * import { decodeHeader } from "./header.ts";
 * const text = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n";
 * const bytes = new Uint8Array([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0, text.length, 0,
 *   ...new TextEncoder().encode(text)]);
 * console.log(decodeHeader(bytes).dtype.name); // "int32"
 * ```
 */
export function decodeHeader(bytes: Uint8Array): NpyHeader {
  return decodeSized(bytes, headerLength(bytes));
}

// `total`: headerLength(bytes), which the caller has worked out already.
function decodeSized(bytes: Uint8Array, total: number): NpyHeader {
  if (bytes.length < total) throw truncated("NPY header", total, bytes.length);
  // Attaching the same arrays again and again is the common case: a comparison with a header
  // decoded before is far cheaper than a parse, and decoding is a pure function. Hash and
  // compare go by 32-bit words (measured: 35 ns for 128 bytes against 157 byte by byte).
  const words = wordsOf(bytes, total);
  // The header decoded last needs no hash. A program's first few hundred attaches run before
  // V8 optimizes them, and there the hash and the second headerLength (see readNpyHeader) were
  // 1.6 of an attach's 22 µs (Deno with --no-maglev --no-turbofan: 4.2 -> 2.5 µs this step).
  if (last !== undefined && sameWords(last.words, words)) return last.header;
  const key = fnv1a(words);
  const known = decoded.get(key);
  if (known && sameWords(known.words, words)) return (last = known).header;
  const header = decodeUncached(bytes, total);
  if (decoded.size >= DECODED_MAX) decoded.clear();
  last = { words: words.slice(), header };
  decoded.set(key, last);
  return header;
}

interface Decoded {
  words: Int32Array;
  header: NpyHeader;
}

const DECODED_MAX = 256;
const decoded = new Map<number, Decoded>();
let last: Decoded | undefined;

// The first `total` bytes as words, zero-padded to a whole word (the padding cannot make two
// headers alike: each holds its own length); a copy unless they are aligned and whole (NumPy
// pads its headers to a multiple of 64 bytes, and the shim copies them to an aligned buffer).
function wordsOf(bytes: Uint8Array, total: number): Int32Array {
  if (bytes.byteOffset % 4 === 0 && total % 4 === 0) {
    return new Int32Array(bytes.buffer, bytes.byteOffset, total / 4);
  }
  const padded = new Uint8Array(Math.ceil(total / 4) * 4);
  padded.set(bytes.subarray(0, total));
  return new Int32Array(padded.buffer);
}

function fnv1a(words: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  return h >>> 0;
}

function sameWords(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function decodeUncached(bytes: Uint8Array, total: number): NpyHeader {
  const major = bytes[6] as FormatVersion; // headerLength() checked it
  const start = MAGIC_LEN + FORMAT_VERSIONS[major].lengthBytes;
  const d = parseDict(headerText(bytes.subarray(start, total), major));
  checkKeys(d);
  const shape = readShape(d.get("shape"));
  const fortranOrder = readOrder(d.get("fortran_order"));
  const dtype = dtypeFromDescr(d.get("descr"));
  return Object.freeze({
    dtype,
    fortranOrder,
    shape: Object.freeze(shape),
    dataOffset: total,
    version: Object.freeze([major, 0] as const),
    dataLength: dataLengthOf(shape, dtype),
  });
}

/**
 * The header of a `.npy` byte stream of `size` bytes (a segment, a file) whose bytes `read`
 * returns (offset, length; the bytes, or a CorruptHeaderError if they end early), checked
 * against the stream: long enough for its header and for the data the header promises. Every
 * problem is a {@link CorruptHeaderError} that starts with `what`. `accept`, if given, sees the
 * decoded header before the size check and throws to refuse it (a reason that explains a size
 * mismatch, such as pickled object data, comes first).
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(await Deno.readFile("a.npy"));
 * readNpyHeader((at, n) => bytes.subarray(at, at + n), bytes.length, "file 'a.npy'");
 * ```
 */
export function readNpyHeader(
  read: (offset: number, length: number) => Uint8Array,
  size: number,
  what: string,
  accept?: (header: NpyHeader) => void,
): NpyHeader {
  let header: NpyHeader;
  try {
    if (size < MIN_PREFIX) {
      throw new CorruptHeaderError(`it holds ${size} bytes, too few for an NPY header`);
    }
    const total = headerLength(read(0, MIN_PREFIX));
    if (total > size) {
      throw new CorruptHeaderError(`its header needs ${total} bytes but it holds ${size}`);
    }
    header = decodeSized(read(0, total), total);
  } catch (err) {
    if (err instanceof CorruptHeaderError) throw new CorruptHeaderError(`${what}: ${err.message}`);
    throw err;
  }
  accept?.(header); // e.g. object dtypes: refused as such, not as a size that cannot match
  if (header.dataOffset + header.dataLength > size) {
    throw new CorruptHeaderError(
      `${what} is truncated: its header promises ${header.dataLength} data bytes ` +
        `(${header.dtype.name} ${formatShape(header.shape)}) after byte ${header.dataOffset}, ` +
        `but it holds ${size} bytes`,
    );
  }
  return header;
}

// --- Writing ------------------------------------------------------------------------------

function descrRepr(dtype: DType): string {
  return dtype.fields ? dtype.descr : pyReprString(dtype.descr);
}

/** The dict text NumPy's `_write_array_header` builds, growth spaces included. */
function dictText(dtype: DType, shape: readonly number[], fortranOrder: boolean): string {
  const order = fortranOrder ? "True" : "False";
  let text = `{'descr': ${descrRepr(dtype)}, 'fortran_order': ${order}, 'shape': ${
    formatShape(shape)
  }, }`;
  if (shape.length > 0) {
    const growing = String(shape[fortranOrder ? shape.length - 1 : 0]);
    text += " ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - growing.length));
  }
  return text;
}

function encodeText(text: string): { body: Uint8Array; utf8: boolean } {
  if (/[\u0100-\uffff]/.test(text)) return { body: new TextEncoder().encode(text), utf8: true };
  return { body: Uint8Array.from(text, (c) => c.charCodeAt(0)), utf8: false };
}

/** `_wrap_header`: pad with spaces and a `\n` to ALIGN; an aligned header still gets ALIGN spaces. */
function wrap(body: Uint8Array, version: FormatVersion): Uint8Array {
  const width = FORMAT_VERSIONS[version].lengthBytes;
  const length = paddedLength(body.length, width);
  const out = new Uint8Array(MAGIC_LEN + width + length).fill(0x20);
  out.set(MAGIC);
  out[6] = version;
  out[7] = 0;
  for (let i = 0; i < width; i++) out[MAGIC_LEN + i] = Math.floor(length / 256 ** i) % 256;
  out.set(body, MAGIC_LEN + width);
  out[out.length - 1] = 0x0a;
  return out;
}

/** N for a dict of `bodyLength` bytes: the dict, `\n`, and spaces up to the next ALIGN. */
function paddedLength(bodyLength: number, width: number): number {
  const hlen = bodyLength + 1;
  return hlen + ALIGN - ((MAGIC_LEN + width + hlen) % ALIGN);
}

/** The first version whose encoding can hold the text and whose length field N fits in. */
function pickVersion(bodyLength: number, utf8: boolean): FormatVersion {
  const fits = (v: FormatVersion) => {
    const { lengthBytes, encoding } = FORMAT_VERSIONS[v];
    return (encoding === "utf8") === utf8 &&
      paddedLength(bodyLength, lengthBytes) < 256 ** lengthBytes;
  };
  const version = ([1, 2, 3] as const).find(fits);
  if (version === undefined) {
    throw new InvalidArgumentError(
      `a ${bodyLength}-byte NPY header is longer than any version holds`,
    );
  }
  return version;
}

/**
 * The NPY header NumPy 2 writes for an array of this dtype, shape and order, byte for byte:
 * version 1.0 (2.0 if the header passes 65535 bytes, 3.0 if field names need UTF-8), the
 * dict with keys in sorted order, NumPy's spare spaces for growth, and padding to a multiple
 * of {@link ALIGN} ending in `\n`. Throws {@link InvalidArgumentError} for a bad shape or
 * dtype.
 *
 * @example
 * ```ts
 * import { encodeHeader } from "./header.ts";
 * import { parseDType } from "./dtype.ts";
 * const bytes = encodeHeader(parseDType("float32"), [3], false);
 * console.log(new TextDecoder().decode(bytes.subarray(10, 68)));
 * // {'descr': '<f4', 'fortran_order': False, 'shape': (3,), }
 * ```
 */
export function encodeHeader(
  dtype: DType,
  shape: readonly number[],
  fortranOrder: boolean,
): Uint8Array {
  const dims = normalizeShape(shape);
  const text = dictText(parseDType(dtype), dims, fortranOrder === true);
  const { body, utf8 } = encodeText(text);
  return wrap(body, pickVersion(body.length, utf8));
}
