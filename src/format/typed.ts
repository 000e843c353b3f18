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

/** A TypedArray kind with the {@link TypedArrayMethods} every kind shares. */
type Common<A> = A extends unknown ? Omit<A, keyof TypedArrayMethods> & TypedArrayMethods
  : never;

/**
 * Every TypedArray npshm can hand out: `data` of an array whose dtype is not known statically.
 * A union of the TypedArray kinds (narrow it with `instanceof`), on which the methods they all
 * share ({@link TypedArrayMethods}: `fill`, `reduce`, iteration, ...) type-check; `subarray`,
 * `slice`, `at`, `length` and indexing work as on any TypedArray.
 *
 * @example
 * ```ts
 * const t: TypedArray = new Int16Array(2);
 * t.fill(7);
 * if (t instanceof Int16Array) t[0] += 1;
 * ```
 */
export type TypedArray = Common<
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | Float16Array
>;

/**
 * What the types know of each dtype code: the TypedArray of `data` and the scalar `get`
 * returns. float16 is a `Float16Array` where the runtime has one and raw bits in a
 * `Uint16Array` elsewhere; complex `data` interleaves real and imaginary parts.
 */
interface CodeTypes {
  b1: [Uint8Array, boolean];
  i1: [Int8Array, number];
  u1: [Uint8Array, number];
  i2: [Int16Array, number];
  u2: [Uint16Array, number];
  i4: [Int32Array, number];
  u4: [Uint32Array, number];
  i8: [BigInt64Array, bigint];
  u8: [BigUint64Array, bigint];
  f2: [Float16Array | Uint16Array, number];
  f4: [Float32Array, number];
  f8: [Float64Array, number];
  c8: [Float32Array, Complex];
  c16: [Float64Array, Complex];
}

/** NumPy's names and one-letter type codes, and the code each stands for (as in dtype.ts). */
interface Aliases {
  bool: "b1";
  bool_: "b1";
  "?": "b1";
  int8: "i1";
  byte: "i1";
  b: "i1";
  uint8: "u1";
  ubyte: "u1";
  B: "u1";
  int16: "i2";
  short: "i2";
  h: "i2";
  uint16: "u2";
  ushort: "u2";
  H: "u2";
  int32: "i4";
  intc: "i4";
  i: "i4";
  uint32: "u4";
  uintc: "u4";
  I: "u4";
  int64: "i8";
  int: "i8";
  int_: "i8";
  long: "i8";
  longlong: "i8";
  intp: "i8";
  l: "i8";
  q: "i8";
  p: "i8";
  n: "i8";
  uint64: "u8";
  uint: "u8";
  ulong: "u8";
  ulonglong: "u8";
  uintp: "u8";
  L: "u8";
  Q: "u8";
  P: "u8";
  N: "u8";
  float16: "f2";
  half: "f2";
  e: "f2";
  float32: "f4";
  single: "f4";
  f: "f4";
  float64: "f8";
  double: "f8";
  float: "f8";
  d: "f8";
  complex64: "c8";
  csingle: "c8";
  F: "c8";
  complex128: "c16";
  cdouble: "c16";
  complex: "c16";
  D: "c16";
}

/** The code a spelling without byte order stands for, e.g. `"double"` → `"f8"`. */
type Resolved<C> = C extends keyof Aliases ? Aliases[C] : C;

/**
 * The TypedArray per dtype spelling (NumPy names, type codes and descr strings), as `data`
 * returns it. float16 is a `Float16Array` where the runtime has one and raw bits in a
 * `Uint16Array` elsewhere; complex dtypes interleave real and imaginary parts.
 *
 * @example
 * ```ts
 * const m: DTypeArrays["complex64"] = new Float32Array(4); // 2 complex values
 * ```
 */
export type DTypeArrays = {
  readonly [K in keyof CodeTypes | keyof Aliases]: CodeTypes[Resolved<K> & keyof CodeTypes][0];
};

/**
 * A dtype spelling without a byte-order prefix that keeps this machine's (little-endian) order:
 * `Code<"<i4">` is `"i4"`; `">i4"` stays as it is (its `data` has no TypedArray).
 *
 * @example
 * ```ts
 * const c: Code<"<i4"> = "i4";
 * ```
 */
export type Code<S> = S extends `${"<" | "=" | "|"}${infer C}` ? C : S;

/** A spelling without any byte-order prefix: the element's type does not depend on it. */
type Unordered<S> = S extends `${"<" | ">" | "=" | "|"}${infer C}` ? C : S;

/** datetime64 / timedelta64 spellings: int64 counts of their unit. */
type TimeCode = `${"M8" | "m8" | "M" | "m" | "datetime64" | "timedelta64"}${"" | `[${string}]`}`;

/**
 * The TypedArray `data` returns for dtype spelling `D`; {@link TypedArray} when it is not
 * known statically (a wide `string`, a `DType` object, a big-endian spelling).
 *
 * @example
 * ```ts
 * const a: ArrayFor<"int32"> = new Int32Array(1);
 * const t: ArrayFor<"M8[ns]"> = new BigInt64Array(1);
 * ```
 */
export type ArrayFor<D> = ArrayOfSpelling<D> extends infer A extends TypedArray ? A : TypedArray;

type ArrayOfSpelling<D> = string extends D ? TypedArray
  : Resolved<Code<D>> extends keyof CodeTypes ? CodeTypes[Resolved<Code<D>>][0]
  : Code<D> extends TimeCode ? BigInt64Array
  : TypedArray;

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
export type ScalarFor<D> = ScalarOfSpelling<D> extends infer S extends Scalar ? S : Scalar;

type ScalarOfSpelling<D> = D extends string ? string extends D ? Scalar : ScalarOfCode<Unordered<D>>
  : D extends { readonly fields: readonly unknown[] } ? RecordValue
  : Scalar;

type ScalarOfCode<C> = Resolved<C> extends keyof CodeTypes ? CodeTypes[Resolved<C>][1]
  : C extends TimeCode ? bigint
  : C extends `${"S" | "U"}${number}` | "bytes" | "bytes_" | "str" | "str_" ? string
  : C extends `V${number}` | "void" ? Uint8Array
  : Scalar;

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
