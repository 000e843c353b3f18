/**
 * Reading and writing one number (bool, int, float, complex, either byte order) at a byte
 * offset of an array's buffer, with the value checks `set` and `fill` promise: an int dtype
 * takes only integers in its range, a 64-bit dtype takes bigints (or safe integers), complex
 * takes `{re, im}`, `[re, im]` or a number. Also the {@link ElementCodec} interface every
 * dtype's codec implements (`./codec.ts` picks the codec for a dtype).
 *
 * Native-order, aligned numbers go through a TypedArray; big-endian or misaligned ones through
 * a DataView, so no dtype is ever read through a wrong view.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { numericCodec } from "./numeric.ts";
 * const codec = numericCodec(parseDType("<i4"), new ArrayBuffer(8), true, "demo");
 * codec.write(4, 7);
 * codec.read(4); // 7
 * ```
 * @module
 */
import type { DType } from "../format/dtype.ts";
import { InvalidArgumentError } from "../format/errors.ts";
import { halfToNumber, numberToHalf } from "../format/float16.ts";
import type { Scalar, TypedArray } from "../format/typed.ts";

/** Reads and writes single elements of one buffer. */
export interface ElementCodec {
  /** The element whose first byte is at `byteOffset`. */
  read(byteOffset: number): Scalar;
  /** Checks `value` for the dtype and stores it at `byteOffset`. */
  write(byteOffset: number, value: unknown): void;
}

const NUMERIC_KINDS = "biufc";

/**
 * Whether the dtype's elements can be read and written one by one (numbers, bools, complex,
 * in either byte order).
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * isNumeric(parseDType(">f8")); // true
 * isNumeric(parseDType("U4")); // false: strings go to ./extended.ts
 * ```
 */
export function isNumeric(dtype: DType): boolean {
  return !dtype.fields && NUMERIC_KINDS.includes(dtype.kind);
}

/**
 * The codec of a numeric dtype (see {@link isNumeric}) over `buffer`. `aligned` says whether
 * every offset the caller will pass is aligned for the dtype in memory; `label` names the
 * array in errors.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const buffer = new ArrayBuffer(8);
 * numericCodec(parseDType(">f8"), buffer, true, "shared array 'x'").write(0, 1);
 * new Uint8Array(buffer)[0]; // 63 (0x3f): big-endian, the most significant byte first
 * ```
 */
export function numericCodec(
  dtype: DType,
  buffer: ArrayBuffer,
  aligned: boolean,
  label: string,
): ElementCodec {
  const convert = converter(dtype, label);
  if (aligned && dtype.view) return typedCodec(dtype, buffer, convert);
  return dataViewCodec(dtype, buffer, convert);
}

type Stored = number | bigint | [number, number];

function typedCodec(
  dtype: DType,
  buffer: ArrayBuffer,
  convert: (v: unknown) => Stored,
): ElementCodec {
  const view = dtype.view!;
  // Whole elements only: a view into a larger segment need not end on an element boundary.
  const whole = Math.floor(buffer.byteLength / view.ctor.BYTES_PER_ELEMENT);
  const flat = new view.ctor(buffer, 0, whole) as TypedArray;
  const step = flat.BYTES_PER_ELEMENT;
  switch (view.kind) {
    case "bool":
      return {
        read: (o) => flat[o / step] !== 0,
        write: (o, v) => void (flat[o / step] = convert(v) as number),
      };
    case "float16raw":
      return {
        read: (o) => halfToNumber(flat[o / step] as number),
        write: (o, v) => void (flat[o / step] = numberToHalf(convert(v) as number)),
      };
    case "complex":
      return {
        read: (o) => ({ re: flat[o / step] as number, im: flat[o / step + 1] as number }),
        write(o, v) {
          const [re, im] = convert(v) as [number, number];
          flat[o / step] = re;
          flat[o / step + 1] = im;
        },
      };
    default:
      return {
        read: (o) => flat[o / step],
        write: (o, v) => void (flat[o / step] = convert(v) as never),
      };
  }
}

function dataViewCodec(
  dtype: DType,
  buffer: ArrayBuffer,
  convert: (v: unknown) => Stored,
): ElementCodec {
  const dv = new DataView(buffer);
  const little = dtype.byteOrder !== ">";
  const size = dtype.kind === "c" ? dtype.itemsize / 2 : dtype.itemsize;
  const get = scalarGetter(dv, dtype.kind, size, little);
  const put = scalarSetter(dv, dtype.kind, size, little);
  if (dtype.kind === "c") {
    return {
      read: (o) => ({ re: get(o) as number, im: get(o + size) as number }),
      write(o, v) {
        const [re, im] = convert(v) as [number, number];
        put(o, re);
        put(o + size, im);
      },
    };
  }
  if (dtype.kind === "b") return { read: (o) => get(o) !== 0, write: (o, v) => put(o, convert(v)) };
  return { read: get, write: (o, v) => put(o, convert(v)) };
}

function scalarGetter(dv: DataView, kind: string, size: number, little: boolean) {
  if (kind === "f" || kind === "c") {
    if (size === 2) return (o: number) => halfToNumber(dv.getUint16(o, little));
    return size === 4
      ? (o: number) => dv.getFloat32(o, little)
      : (o: number) => dv.getFloat64(o, little);
  }
  const signed = kind === "i";
  switch (size) {
    case 1:
      return signed ? (o: number) => dv.getInt8(o) : (o: number) => dv.getUint8(o);
    case 2:
      return signed
        ? (o: number) => dv.getInt16(o, little)
        : (o: number) => dv.getUint16(o, little);
    case 4:
      return signed
        ? (o: number) => dv.getInt32(o, little)
        : (o: number) => dv.getUint32(o, little);
    default:
      return signed
        ? (o: number) => dv.getBigInt64(o, little)
        : (o: number) => dv.getBigUint64(o, little);
  }
}

function scalarSetter(dv: DataView, kind: string, size: number, little: boolean) {
  // deno-lint-ignore no-explicit-any
  const v = (x: Stored) => x as any;
  if (kind === "f" || kind === "c") {
    if (size === 2) return (o: number, x: Stored) => dv.setUint16(o, numberToHalf(v(x)), little);
    return size === 4
      ? (o: number, x: Stored) => dv.setFloat32(o, v(x), little)
      : (o: number, x: Stored) => dv.setFloat64(o, v(x), little);
  }
  switch (size) {
    case 1:
      return (o: number, x: Stored) => dv.setUint8(o, v(x));
    case 2:
      return (o: number, x: Stored) => dv.setUint16(o, v(x), little);
    case 4:
      return (o: number, x: Stored) => dv.setUint32(o, v(x), little);
    default:
      return (o: number, x: Stored) => dv.setBigUint64(o, BigInt.asUintN(64, v(x)), little);
  }
}

function converter(dtype: DType, label: string): (value: unknown) => Stored {
  const bad = (value: unknown, why: string) =>
    new InvalidArgumentError(
      `cannot store ${describe(value)} in ${label} (dtype ${dtype.name}): ${why}`,
    );
  switch (dtype.kind) {
    case "b":
      return (value) => {
        if (typeof value === "boolean") return value ? 1 : 0;
        if (value === 0 || value === 1) return value;
        throw bad(value, "expected a boolean");
      };
    case "f":
      return (value) => {
        if (typeof value === "number") return value;
        throw bad(value, "expected a number");
      };
    case "c":
      return (value) =>
        complexParts(value) ?? (() => {
          throw bad(value, "expected a number, {re, im} or [re, im]");
        })();
    default:
      return integerConverter(dtype, bad);
  }
}

function integerConverter(
  dtype: DType,
  bad: (value: unknown, why: string) => InvalidArgumentError,
): (value: unknown) => Stored {
  const bits = BigInt(dtype.itemsize * 8);
  const min = dtype.kind === "i" ? -(1n << (bits - 1n)) : 0n;
  const max = dtype.kind === "i" ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  const wide = dtype.itemsize === 8;
  const range = `an integer from ${min} to ${max}`;
  return (value) => {
    let big: bigint;
    if (typeof value === "bigint") big = value;
    else if (typeof value === "number" && Number.isSafeInteger(value)) big = BigInt(value);
    else throw bad(value, `expected ${range}${wide ? " (a bigint, or a safe integer)" : ""}`);
    if (big < min || big > max) throw bad(value, `out of range: expected ${range}`);
    return wide ? big : Number(big);
  };
}

function complexParts(value: unknown): [number, number] | undefined {
  if (typeof value === "number") return [value, 0];
  if (Array.isArray(value) && value.length === 2 && value.every((x) => typeof x === "number")) {
    return [value[0], value[1]];
  }
  if (value !== null && typeof value === "object") {
    const { re, im } = value as { re?: unknown; im?: unknown };
    if (typeof re === "number" && typeof im === "number") return [re, im];
  }
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return value === null ? "null" : typeof value;
}
