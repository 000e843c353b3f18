/**
 * The one handle on the native shim for the layers above FFI, and the one translation of its
 * status codes into typed errors. Segments and files differ only in the advice they give.
 *
 * @example
 * ```ts
 * import { shim, statusError } from "./native.ts";
 * const out = new BigInt64Array(4);
 * const status = shim().open(cString("frames"), false, out);
 * if (status) throw statusError(status, "attach 'frames'", SEGMENT_HINTS, Number(out[3]));
 * ```
 * @module
 */
import { loadNative } from "../ffi/load.ts";
import { type Native, Status } from "../ffi/types.ts";
import {
  ExistsError,
  InvalidArgumentError,
  NoSpaceError,
  NotFoundError,
  type NpshmError,
  OsError,
  PermissionDeniedError,
} from "./errors.ts";

let native: Native | undefined;

/**
 * The native shim, loaded on first use.
 *
 * @example
 * ```ts
 * shim().abiVersion();
 * ```
 */
export function shim(): Native {
  native ??= loadNative();
  return native;
}

/** What to tell the user after "cannot <what>: " for each expected failure. */
export interface Hints {
  /** The name or path is taken. */
  readonly exists: string;
  /** There is no such name or path. */
  readonly notFound: string;
  /** Not enough space (the OS's words follow). */
  readonly noSpace: string;
  /** The shim refused an argument (the OS's words follow, if any). */
  readonly invalid: string;
}

/**
 * The typed error for a failed shim call: `status` from the call, `osError` its `out[3]`.
 *
 * @example
 * ```ts
 * statusError(Status.NOT_FOUND, "open 'x.npy'", FILE_HINTS, 2); // NotFoundError
 * ```
 */
export function statusError(
  status: number,
  what: string,
  hints: Hints,
  osError: number,
): NpshmError {
  const reason = osError ? `: ${shim().strerror(osError)}` : "";
  switch (status) {
    case Status.EXISTS:
      return new ExistsError(`cannot ${what}: ${hints.exists}`, osError);
    case Status.NOT_FOUND:
      return new NotFoundError(`cannot ${what}: ${hints.notFound}`, osError);
    case Status.NO_SPACE:
      return new NoSpaceError(`cannot ${what}: ${hints.noSpace}${reason}`, osError);
    case Status.PERMISSION:
      return new PermissionDeniedError(`cannot ${what}: permission denied${reason}`, osError);
    case Status.INVALID:
      return new InvalidArgumentError(`cannot ${what}: ${hints.invalid}${reason}`, osError);
    default:
      return new OsError(`cannot ${what}${reason || ` (status ${status})`}`, osError);
  }
}
