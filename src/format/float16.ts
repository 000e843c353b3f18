/**
 * IEEE 754 half precision to and from numbers, for runtimes without `Float16Array` (there
 * float16 data is raw bits in a `Uint16Array`) and for big-endian or misaligned halves.
 *
 * @example
 * ```ts
 * import { halfToNumber, numberToHalf } from "./float16.ts";
 * halfToNumber(numberToHalf(1.5)); // 1.5
 * ```
 * @module
 */

/**
 * Decodes half-precision bits.
 *
 * @example
 * ```ts
 * halfToNumber(0x3c00); // 1
 * ```
 */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Encodes a number as half-precision bits, rounding to nearest even like NumPy.
 *
 * @example
 * ```ts
 * numberToHalf(1); // 0x3c00
 * ```
 */
export function numberToHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (abs >= 65520) return sign | 0x7c00; // rounds past the largest half, 65504
  if (abs < 2 ** -14) return sign | roundEven(abs * 2 ** 24); // subnormal (may round to min normal)
  let e = Math.floor(Math.log2(abs));
  if (2 ** e > abs) e--; // log2 can round across a power of two
  if (2 ** (e + 1) <= abs) e++;
  const mantissa = abs / 2 ** e - 1;
  const rounded = roundEven(mantissa * 1024);
  return sign | (rounded === 1024 ? ((e + 16) << 10) : (((e + 15) << 10) | rounded));
}

function roundEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
