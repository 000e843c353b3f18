/**
 * Type-level mapping from dtype spellings to the TypedArray `data` returns, so
 * `createSharedArray("x", { shape: [3], dtype: "float64" }).data` is a `Float64Array`.
 *
 * @example
 * ```ts
 * import type { ArrayFor } from "./typed.ts";
 * const f: ArrayFor<"<f8"> = new Float64Array(1);
 * ```
 * @module
 */

/**
 * The methods every TypedArray has, typed for an element that is a number or a bigint, so they
 * can be called on a {@link TypedArray} whose kind is not known statically. (On a plain union
 * of TypedArrays TypeScript refuses `fill`, `reduce`, `indexOf`, ...: their signatures differ.)
 * A `fill(1)` on what is at run time a BigInt64Array still throws, as it would untyped.
 *
 * @example
 * ```ts
 * const t: TypedArrayMethods = new Float64Array(3);
 * t.fill(1).reduce((sum, x) => sum + Number(x), 0); // 3
 * ```
 */
export interface TypedArrayMethods {
  /** Sets elements `start` to `end` (exclusive) to `value`. */
  fill(value: number | bigint, start?: number, end?: number): this;
  /** Folds the elements from the first, starting from `initial`. */
  reduce<U>(
    callback: (acc: U, value: number | bigint, index: number, array: TypedArray) => U,
    initial: U,
  ): U;
  /** Calls `callback` on every element. */
  forEach(callback: (value: number | bigint, index: number, array: TypedArray) => void): void;
  /** Whether `callback` holds for some element. */
  some(callback: (value: number | bigint, index: number, array: TypedArray) => unknown): boolean;
  /** Whether `callback` holds for every element. */
  every(callback: (value: number | bigint, index: number, array: TypedArray) => unknown): boolean;
  /** Index of the first element equal to `value`, or -1. */
  indexOf(value: number | bigint, fromIndex?: number): number;
  /** Whether an element equals `value`. */
  includes(value: number | bigint, fromIndex?: number): boolean;
  /** The elements, in order. */
  [Symbol.iterator](): IterableIterator<number | bigint>;
  /** The elements, in order. */
  values(): IterableIterator<number | bigint>;
}

/**
 * Every TypedArray npshm can hand out: `data` of an array whose dtype is not known statically.
 * A union of the TypedArray kinds (narrow it with `instanceof`), each with the methods they
 * all share typed alike ({@link TypedArrayMethods}: `fill`, `reduce`, iteration, ...), so those
 * type-check on the union; `subarray`, `slice`, `at`, `length` and indexing work as on any
 * TypedArray.
 *
 * @example
 * ```ts
 * const t: TypedArray = new Int16Array(2);
 * t.fill(7);
 * if (t instanceof Int16Array) t[0] += 1;
 * ```
 */
export type TypedArray =
  | (Omit<Int8Array, keyof TypedArrayMethods> & TypedArrayMethods)
  | (Omit<Uint8Array, keyof TypedArrayMethods> & TypedArrayMethods)
  | (Omit<Int16Array, keyof TypedArrayMethods> & TypedArrayMethods)
  | (Omit<Uint16Array, keyof TypedArrayMethods> & TypedArrayMethods)
  | (Omit<Int32Array, keyof TypedArrayMethods> & TypedArrayMethods)
  | (Omit<Uint32Array, keyof TypedArrayMethods> & TypedArrayMethods)
  | (Omit<BigInt64Array, keyof TypedArrayMethods> & TypedArrayMethods)
  | (Omit<BigUint64Array, keyof TypedArrayMethods> & TypedArrayMethods)
  | (Omit<Float32Array, keyof TypedArrayMethods> & TypedArrayMethods)
  | (Omit<Float64Array, keyof TypedArrayMethods> & TypedArrayMethods)
  | (Omit<Float16Array, keyof TypedArrayMethods> & TypedArrayMethods);

/**
 * The TypedArray per dtype spelling (NumPy names, type codes and descr strings).
 * float16 is a `Float16Array` where the runtime has one and raw bits in a `Uint16Array`
 * elsewhere; complex dtypes interleave real and imaginary parts.
 *
 * @example
 * ```ts
 * const m: DTypeArrays["complex64"] = new Float32Array(4); // 2 complex values
 * ```
 */
export interface DTypeArrays {
  /** `data` of a `bool` array. */
  bool: Uint8Array;
  /** `data` of a `int8` array. */
  int8: Int8Array;
  /** `data` of a `int16` array. */
  int16: Int16Array;
  /** `data` of a `int32` array. */
  int32: Int32Array;
  /** `data` of a `int64` array. */
  int64: BigInt64Array;
  /** `data` of a `uint8` array. */
  uint8: Uint8Array;
  /** `data` of a `uint16` array. */
  uint16: Uint16Array;
  /** `data` of a `uint32` array. */
  uint32: Uint32Array;
  /** `data` of a `uint64` array. */
  uint64: BigUint64Array;
  /** `data` of a `float16` array. */
  float16: Float16Array | Uint16Array;
  /** `data` of a `float32` array. */
  float32: Float32Array;
  /** `data` of a `float64` array. */
  float64: Float64Array;
  /** `data` of a `complex64` array. */
  complex64: Float32Array;
  /** `data` of a `complex128` array. */
  complex128: Float64Array;
  /** `data` of a `b1` array. */
  b1: Uint8Array;
  /** `data` of a `i1` array. */
  i1: Int8Array;
  /** `data` of a `i2` array. */
  i2: Int16Array;
  /** `data` of a `i4` array. */
  i4: Int32Array;
  /** `data` of a `i8` array. */
  i8: BigInt64Array;
  /** `data` of a `u1` array. */
  u1: Uint8Array;
  /** `data` of a `u2` array. */
  u2: Uint16Array;
  /** `data` of a `u4` array. */
  u4: Uint32Array;
  /** `data` of a `u8` array. */
  u8: BigUint64Array;
  /** `data` of a `f2` array. */
  f2: Float16Array | Uint16Array;
  /** `data` of a `f4` array. */
  f4: Float32Array;
  /** `data` of a `f8` array. */
  f8: Float64Array;
  /** `data` of a `c8` array. */
  c8: Float32Array;
  /** `data` of a `c16` array. */
  c16: Float64Array;
}

/**
 * A dtype spelling without its byte-order prefix: `Code<"<f8">` is `"f8"`.
 *
 * @example
 * ```ts
 * const c: Code<"<i4"> = "i4";
 * ```
 */
export type Code<S> = S extends `${"<" | "=" | "|"}${infer C}` ? C : S;

/**
 * The kind of element a dtype spelling names, whatever its byte order: the type code of a
 * number (`DTypeCode<"double">` and `DTypeCode<">f8">` are `"f8"`), `"M8"`/`"m8"` for
 * datetime64/timedelta64 in any unit, `"S"`, `"U"` or `"V"` for sized flexible types; `never`
 * for a spelling it does not know.
 *
 * @example
 * ```ts
 * const c: DTypeCode<"int"> = "i8";
 * const t: DTypeCode<"datetime64[ms]"> = "M8";
 * ```
 */
export type DTypeCode<S> = S extends `${"<" | ">" | "=" | "|"}${infer C}` ? DTypeCode<C>
  : S extends "bool" | "bool_" | "?" | "b1" ? "b1"
  : S extends "int8" | "byte" | "b" | "i1" ? "i1"
  : S extends "uint8" | "ubyte" | "B" | "u1" ? "u1"
  : S extends "int16" | "short" | "h" | "i2" ? "i2"
  : S extends "uint16" | "ushort" | "H" | "u2" ? "u2"
  : S extends "int32" | "intc" | "i" | "i4" ? "i4"
  : S extends "uint32" | "uintc" | "I" | "u4" ? "u4"
  : S extends "int64" | "int" | "int_" | "long" | "longlong" | "intp" | "l" | "q" | "p" | "n" | "i8"
    ? "i8"
  : S extends "uint64" | "uint" | "ulong" | "ulonglong" | "uintp" | "L" | "Q" | "P" | "N" | "u8"
    ? "u8"
  : S extends "float16" | "half" | "e" | "f2" ? "f2"
  : S extends "float32" | "single" | "f" | "f4" ? "f4"
  : S extends "float64" | "double" | "float" | "d" | "f8" ? "f8"
  : S extends "complex64" | "csingle" | "F" | "c8" ? "c8"
  : S extends "complex128" | "cdouble" | "complex" | "D" | "c16" ? "c16"
  : S extends `${"M8" | "M" | "datetime64"}${"" | `[${string}]`}` ? "M8"
  : S extends `${"m8" | "m" | "timedelta64"}${"" | `[${string}]`}` ? "m8"
  : S extends `S${number}` | "bytes" | "bytes_" ? "S"
  : S extends `U${number}` | "str" | "str_" ? "U"
  : S extends `V${number}` | "void" ? "V"
  : never;

/**
 * What the types know of each kind of element ({@link DTypeCode}): the TypedArray `data`
 * returns in this machine's byte order, and the value `get` returns.
 *
 * @example
 * ```ts
 * const z: DTypeElements["c8"]["scalar"] = { re: 1, im: 0 };
 * ```
 */
export interface DTypeElements {
  /** bool: bytes 0 and 1, read as booleans. */
  b1: { array: Uint8Array; scalar: boolean };
  /** int8. */
  i1: { array: Int8Array; scalar: number };
  /** uint8. */
  u1: { array: Uint8Array; scalar: number };
  /** int16. */
  i2: { array: Int16Array; scalar: number };
  /** uint16. */
  u2: { array: Uint16Array; scalar: number };
  /** int32. */
  i4: { array: Int32Array; scalar: number };
  /** uint32. */
  u4: { array: Uint32Array; scalar: number };
  /** int64. */
  i8: { array: BigInt64Array; scalar: bigint };
  /** uint64. */
  u8: { array: BigUint64Array; scalar: bigint };
  /** float16: a Float16Array where the runtime has one, raw bits in a Uint16Array elsewhere. */
  f2: { array: Float16Array | Uint16Array; scalar: number };
  /** float32. */
  f4: { array: Float32Array; scalar: number };
  /** float64. */
  f8: { array: Float64Array; scalar: number };
  /** complex64: `data` interleaves real and imaginary parts. */
  c8: { array: Float32Array; scalar: Complex };
  /** complex128: `data` interleaves real and imaginary parts. */
  c16: { array: Float64Array; scalar: Complex };
  /** datetime64: int64 counts of its unit. */
  M8: { array: BigInt64Array; scalar: bigint };
  /** timedelta64: int64 counts of its unit. */
  m8: { array: BigInt64Array; scalar: bigint };
  /** Fixed bytes (`S<n>`), read as latin-1 strings; no TypedArray shows them. */
  S: { array: TypedArray; scalar: string };
  /** Fixed unicode (`U<n>`); no TypedArray shows them. */
  U: { array: TypedArray; scalar: string };
  /** Raw bytes (`V<n>`), read as copies; no TypedArray shows them. */
  V: { array: TypedArray; scalar: Uint8Array };
}

/**
 * The TypedArray `data` returns for dtype spelling `D`; {@link TypedArray} when it is not
 * known statically (a wide `string`, a `DType` object, a big-endian spelling, whose data no
 * native TypedArray shows).
 *
 * @example
 * ```ts
 * const a: ArrayFor<"int32"> = new Int32Array(1);
 * const t: ArrayFor<"M8[ns]"> = new BigInt64Array(1);
 * ```
 */
export type ArrayFor<D> = (
  string extends D ? TypedArray
    : D extends `>${string}` ? TypedArray
    : DTypeCode<D> extends keyof DTypeElements ? DTypeElements[DTypeCode<D>]["array"]
    : TypedArray
) extends infer A extends TypedArray ? A : TypedArray;

/**
 * The value `get` returns for dtype spelling `D`: `number` for floats and 8- to 32-bit ints,
 * `bigint` for 64-bit ints and datetime64/timedelta64, `boolean`, {@link Complex}, `string`
 * for `S`/`U`, `Uint8Array` for `V`, a {@link RecordValue} for a DType with fields; the whole
 * {@link Scalar} union when the dtype is not known statically.
 *
 * @example
 * ```ts
 * const x: ScalarFor<">i8"> = 1n;
 * const z: ScalarFor<"complex64"> = { re: 1, im: 0 };
 * ```
 */
export type ScalarFor<D> = (
  D extends string ? string extends D ? Scalar
    : DTypeCode<D> extends keyof DTypeElements ? DTypeElements[DTypeCode<D>]["scalar"]
    : Scalar
    : D extends { readonly fields: readonly unknown[] } ? RecordValue
    : Scalar
) extends infer S extends Scalar ? S : Scalar;

/**
 * What `set` accepts for elements whose `get` returns `S`: numbers for numbers; bigints or
 * safe integers for 64-bit ints; booleans (or 0 and 1); complex as `{re, im}`, `[re, im]` or a
 * real number; strings (or, for `S` bytes, a Uint8Array); anything when `S` is not known
 * statically. The values are checked at run time all the same.
 *
 * @example
 * ```ts
 * const v: ValueFor<bigint> = 5; // a safe integer is fine for int64
 * ```
 */
export type ValueFor<S> = [S] extends [number] ? number
  : [S] extends [bigint] ? bigint | number
  : [S] extends [boolean] ? boolean | 0 | 1
  : [S] extends [Complex] ? Complex | readonly [number, number] | number
  : [S] extends [string] ? string | Uint8Array
  : [S] extends [Uint8Array] ? Uint8Array
  : [S] extends [RecordValue] ? RecordValue
  : unknown;

/**
 * A complex number as `get` returns it and `set` accepts it.
 *
 * @example
 * ```ts
 * const z: Complex = { re: 1, im: -2 };
 * ```
 */
export interface Complex {
  /** Real part. */
  re: number;
  /** Imaginary part. */
  im: number;
}

/**
 * One element as `get` returns it: number, bigint (64-bit ints, datetime64/timedelta64
 * counts), boolean, {@link Complex}, string (`S` and `U` dtypes), Uint8Array (`V`, a copy)
 * or a {@link RecordValue} (structured dtypes).
 *
 * @example
 * ```ts
 * const s: Scalar = 1n;
 * ```
 */
export type Scalar = number | bigint | boolean | Complex | string | Uint8Array | RecordValue;

/**
 * One record of a structured dtype as a plain object: field name to value, sub-array fields
 * as nested arrays, nested structured fields as nested objects.
 *
 * @example
 * ```ts
 * const r: RecordValue = { chr: "chr1", pos: 12, pct: 0.5, xy: [1, 2] };
 * ```
 */
export interface RecordValue {
  /** One field's value: a scalar, a nested record or a sub-array. */
  [field: string]: FieldValue;
}

/**
 * The value of one field of a record: a {@link Scalar}, or nested arrays for a sub-array field.
 *
 * @example
 * ```ts
 * const v: FieldValue = [[1, 2], [3, 4]];
 * ```
 */
export type FieldValue = Scalar | FieldValue[];
