/**
 * Element access for the dtypes that are not plain numbers: datetime64/timedelta64 (bigint
 * counts of their unit), fixed bytes `S<n>` (latin-1 strings), unicode `U<n>` (UTF-32,
 * decoded on access), raw `V<n>` (byte copies) and structured records (plain objects, nested
 * and with sub-array fields). `./codec.ts` hands these dtypes here, with itself as the codec
 * of a record's fields.
 *
 * @example
 * ```ts
 * import { dtypeFromDescr } from "../format/dtype.ts";
 * import { elementCodec } from "./codec.ts";
 * const dt = dtypeFromDescr([["chr", "|S4"], ["pos", "<i4"]]);
 * const codec = elementCodec(dt, new ArrayBuffer(8), true, "demo");
 * codec.write(0, { chr: "chr1", pos: 7 });
 * codec.read(0); // { chr: "chr1", pos: 7 }
 * ```
 * @module
 */
import { type DType, type DTypeField, parseDType, refuseObjects } from "../format/dtype.ts";
import { InvalidArgumentError } from "../format/errors.ts";
import type { FieldValue, RecordValue, Scalar } from "../format/typed.ts";
import { type ElementCodec, numericCodec } from "./numeric.ts";

/**
 * Makes the codec of one dtype over a buffer: how a record reaches the codecs of its fields,
 * which may be of any dtype (`./codec.ts`'s `elementCodec`).
 */
export type CodecFactory = (
  dtype: DType,
  buffer: ArrayBuffer,
  aligned: boolean,
  label: string,
) => ElementCodec;

/**
 * The codec of a non-numeric dtype over `buffer`; `aligned` as for `numericCodec` (every
 * offset the caller will pass is a multiple of the dtype's alignment); `fieldCodec` makes the
 * codecs of a record's fields. Object dtypes are refused with {@link InvalidArgumentError}: their
 * bytes are pointers into another process.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { elementCodec } from "./codec.ts";
 * const codec = extendedCodec(parseDType("<U3"), new ArrayBuffer(12), true, "demo", elementCodec);
 * codec.write(0, "héé");
 * ```
 */
export function extendedCodec(
  dtype: DType,
  buffer: ArrayBuffer,
  aligned: boolean,
  label: string,
  fieldCodec: CodecFactory,
): ElementCodec {
  refuseObjects(dtype, label);
  if (dtype.fields) return recordCodec(dtype, buffer, aligned, label, fieldCodec);
  switch (dtype.kind) {
    case "M":
    case "m":
      // Stored as int64 counts of the unit; NaT is the smallest int64.
      return numericCodec(parseDType(`${dtype.byteOrder}i8`), buffer, aligned, label);
    case "S":
      return bytesCodec(dtype, buffer, label);
    case "U":
      return unicodeCodec(dtype, buffer, label);
    default:
      return voidCodec(dtype, buffer, label);
  }
}

function bad(label: string, dtype: DType, value: unknown, why: string): InvalidArgumentError {
  const shown = typeof value === "string"
    ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
    : value === null
    ? "null"
    : typeof value;
  return new InvalidArgumentError(
    `cannot store ${shown} in ${label} (dtype ${dtype.name}): ${why}`,
  );
}

/** Length without trailing NULs, as NumPy strips them on access. */
function trimmedLength(n: number, at: (i: number) => number): number {
  while (n > 0 && at(n - 1) === 0) n--;
  return n;
}

function bytesCodec(dtype: DType, buffer: ArrayBuffer, label: string): ElementCodec {
  const u8 = new Uint8Array(buffer);
  const n = dtype.itemsize;
  return {
    read(o) {
      const len = trimmedLength(n, (i) => u8[o + i]);
      let s = "";
      for (let i = 0; i < len; i++) s += String.fromCharCode(u8[o + i]);
      return s;
    },
    write(o, v) {
      const bytes = v instanceof Uint8Array ? v : latin1Bytes(v, dtype, label);
      if (bytes.length > n) throw bad(label, dtype, v, `longer than ${n} bytes`);
      u8.set(bytes, o);
      u8.fill(0, o + bytes.length, o + n);
    },
  };
}

function latin1Bytes(v: unknown, dtype: DType, label: string): Uint8Array {
  if (typeof v !== "string") throw bad(label, dtype, v, "expected a string or a Uint8Array");
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c > 0xff) throw bad(label, dtype, v, "bytes dtypes hold only characters up to U+00FF");
    out[i] = c;
  }
  return out;
}

function unicodeCodec(dtype: DType, buffer: ArrayBuffer, label: string): ElementCodec {
  const dv = new DataView(buffer);
  const little = dtype.byteOrder !== ">";
  const n = dtype.itemsize / 4;
  return {
    read(o) {
      const len = trimmedLength(n, (i) => dv.getUint32(o + 4 * i, little));
      let s = "";
      for (let i = 0; i < len; i++) {
        const cp = dv.getUint32(o + 4 * i, little);
        // A code point NumPy would refuse too: shown, not thrown, so the rest stays readable.
        s += String.fromCodePoint(cp <= 0x10ffff ? cp : 0xfffd);
      }
      return s;
    },
    write(o, v) {
      if (typeof v !== "string") throw bad(label, dtype, v, "expected a string");
      const cps = Array.from(v, (c) => c.codePointAt(0)!);
      if (cps.length > n) throw bad(label, dtype, v, `longer than ${n} characters`);
      for (let i = 0; i < n; i++) dv.setUint32(o + 4 * i, cps[i] ?? 0, little);
    },
  };
}

function voidCodec(dtype: DType, buffer: ArrayBuffer, label: string): ElementCodec {
  const u8 = new Uint8Array(buffer);
  const n = dtype.itemsize;
  return {
    read: (o) => u8.slice(o, o + n),
    write(o, v) {
      if (!(v instanceof Uint8Array)) throw bad(label, dtype, v, "expected a Uint8Array");
      if (v.length > n) throw bad(label, dtype, v, `longer than ${n} bytes`);
      u8.set(v, o);
      u8.fill(0, o + v.length, o + n);
    },
  };
}

interface FieldAccess {
  readonly field: DTypeField;
  readonly codec: ElementCodec;
}

function recordCodec(
  dtype: DType,
  buffer: ArrayBuffer,
  aligned: boolean,
  label: string,
  fieldCodec: CodecFactory,
): ElementCodec {
  const byName = new Map<string, FieldAccess>();
  for (const field of dtype.fields!) {
    const align = field.dtype.alignment;
    // Sub-array items sit itemsize apart, which a packed nested record need not keep aligned.
    const fieldAligned = aligned && field.offset % align === 0 &&
      (field.shape.length === 0 || field.dtype.itemsize % align === 0);
    const codec = fieldCodec(field.dtype, buffer, fieldAligned, `${label} field '${field.name}'`);
    byName.set(field.name, { field, codec });
  }
  return {
    read(o) {
      const out: RecordValue = {};
      for (const { field, codec } of byName.values()) {
        out[field.name] = readField(codec, field, o + field.offset);
      }
      return out;
    },
    write(o, v) {
      if (v === null || typeof v !== "object" || Array.isArray(v) || ArrayBuffer.isView(v)) {
        throw bad(label, dtype, v, "expected a plain object of field values");
      }
      for (const [key, value] of Object.entries(v)) {
        const access = byName.get(key);
        if (!access) {
          throw bad(label, dtype, v, `it has no field '${key}' (fields: ${[...byName.keys()]})`);
        }
        writeField(access.codec, access.field, o + access.field.offset, value, label);
      }
    },
  };
}

function readField(codec: ElementCodec, field: DTypeField, at: number): FieldValue {
  const step = field.dtype.itemsize;
  const walk = (axis: number, offset: number, span: number): FieldValue => {
    if (axis === field.shape.length) return codec.read(offset) as Scalar;
    const n = field.shape[axis];
    const inner = span / n;
    return Array.from({ length: n }, (_, i) => walk(axis + 1, offset + i * inner, inner));
  };
  return walk(0, at, field.shape.reduce((a, d) => a * d, step));
}

function writeField(
  codec: ElementCodec,
  field: DTypeField,
  at: number,
  value: unknown,
  label: string,
): void {
  const walk = (axis: number, offset: number, span: number, v: unknown): void => {
    if (axis === field.shape.length) return codec.write(offset, v);
    const n = field.shape[axis];
    if (!Array.isArray(v) || v.length !== n) {
      throw new InvalidArgumentError(
        `cannot store into ${label} field '${field.name}': axis ${axis} of its sub-array ` +
          `needs an array of ${n} values`,
      );
    }
    const inner = span / n;
    v.forEach((x, i) => walk(axis + 1, offset + i * inner, inner, x));
  };
  walk(0, at, field.shape.reduce((a, d) => a * d, field.dtype.itemsize), value);
}
