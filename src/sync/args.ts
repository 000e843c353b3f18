/**
 * The checks every argument of the lock and wait calls goes through, so that a bad one is an
 * {@link InvalidArgumentError} that names it (never a `RangeError` or `TypeError` from deep
 * inside), and timeouts mean the same everywhere: milliseconds, `Infinity` (or anything longer
 * than the 292 years a 64-bit nanosecond count holds) waits forever, 0 or less does not wait.
 *
 * @example
 * ```ts
 * import { timeoutNs } from "./args.ts";
 * timeoutNs(1e300, "wait"); // -1n: forever
 * timeoutNs(1.5, "wait"); // 1500000n
 * ```
 * @module
 */
import { InvalidArgumentError } from "../format/errors.ts";

/** Milliseconds from which a timeout means forever: 2**63 ns, what the shim can count. */
const FOREVER_MS = 2 ** 63 / 1e6;

/** How a value looks in an error message. */
function shown(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/**
 * A timeout in ms as the shim's nanoseconds: -1n for forever (`undefined`, `Infinity`, or
 * longer than 2**63 ns), 0n for 0 or less (as `Atomics.wait` does, so a deadline that passed
 * means "look once").
 *
 * @throws {InvalidArgumentError} not a number, or NaN
 * @example
 * ```ts
 * timeoutNs(undefined, "lock"); // -1n
 * timeoutNs(-5, "lock"); // 0n
 * ```
 */
export function timeoutNs(ms: unknown, what: string): bigint {
  if (ms === undefined) return -1n;
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new InvalidArgumentError(
      `${what}: the timeout must be a number of milliseconds or Infinity, not ${shown(ms)}`,
    );
  }
  if (ms >= FOREVER_MS) return -1n;
  return ms <= 0 ? 0n : BigInt(Math.ceil(ms * 1e6));
}

/**
 * An integer `value` in `min..max`, for indexes, counts and 32-bit values.
 *
 * @throws {InvalidArgumentError} not a number, not an integer, or out of range
 * @example
 * ```ts
 * integerIn(3, 0, 9, "wait: index"); // 3
 * ```
 */
export function integerIn(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `${what} must be an integer in ${min}..${max}, not ${shown(value)}`,
    );
  }
  return value;
}

/**
 * The options object of a call: `{}` for `undefined`.
 *
 * @throws {InvalidArgumentError} neither an object nor undefined
 * @example
 * ```ts
 * optionsOf(undefined, "lock"); // {}
 * ```
 */
export function optionsOf<T extends object>(options: T | undefined, what: string): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") {
    throw new InvalidArgumentError(`${what}: options must be an object, not ${shown(options)}`);
  }
  return options;
}

/**
 * `signal`, checked to be an `AbortSignal` (or undefined).
 *
 * @throws {InvalidArgumentError} something else
 * @example
 * ```ts
 * signalOf(AbortSignal.timeout(100), "lockAsync");
 * ```
 */
export function signalOf(signal: unknown, what: string): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new InvalidArgumentError(`${what}: signal must be an AbortSignal, not ${shown(signal)}`);
}
