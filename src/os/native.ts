/**
 * The one handle on the native shim for the layers above FFI, and the one translation of its
 * status codes into typed errors. Segments and files differ only in the advice they give.
 *
 * @example
 * ```ts
 * import { cString, OUT_SLOTS } from "../../ffi/contract.ts";
 * import { failure, shim } from "./native.ts";
 * const out = new BigInt64Array(OUT_SLOTS);
 * const status = shim().npshm_open(cString("frames"), 0, out);
 * if (status) throw failure(status, "attach shared array 'frames'", out);
 * ```
 * @module
 */
import { type Native, Status } from "../../ffi/contract.ts";
import { loadNative, NativeLoadError, prepareNative } from "../../ffi/load.ts";
import {
  CorruptHeaderError,
  ExistsError,
  InvalidArgumentError,
  NativeLibraryError,
  NoSpaceError,
  NotFoundError,
  type NpshmError,
  OsError,
  PermissionDeniedError,
} from "../format/errors.ts";

// Fetch the library now if it is neither installed nor cached, so that the first call, which
// loads it, stays synchronous. A failure is kept for that first call to report.
await prepareNative();

let native: Native | undefined;

/**
 * The native shim, loaded on first use.
 *
 * @throws {NativeLibraryError} it is missing, cannot be loaded or is of another ABI
 * @example
 * ```ts
 * shim().npshm_abi_version();
 * ```
 */
export function shim(): Native {
  native ??= open();
  return native;
}

function open(): Native {
  return nativeErrors(loadNative);
}

/**
 * Runs `fn`, turning the loader's errors into the public {@link NativeLibraryError}.
 *
 * @example
 * ```ts
 * import { loadedLibrary } from "../../ffi/load.ts";
 * const { path } = nativeErrors(loadedLibrary);
 * ```
 */
export function nativeErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw publicError(err);
  }
}

/**
 * The loader's error as the public {@link NativeLibraryError}; any other error as it is.
 *
 * @example
 * ```ts
 * publicError(new Error("x")); // the same Error
 * ```
 */
export function publicError(err: unknown): unknown {
  return err instanceof NativeLoadError ? new NativeLibraryError(err.message, { cause: err }) : err;
}

/** What to tell the user after "cannot <what>: " for each expected failure. */
interface Hints {
  readonly exists: string;
  readonly notFound: string;
  readonly noSpace: string;
  readonly invalid: string;
  /** Said of a FIFO, directory, socket, device or (for segments) symlink under the name. */
  readonly notFile: string;
}

const HINTS: Record<"segment" | "file", Hints> = {
  segment: {
    exists: "the name is taken (attach to it, delete it, or pass force: true)",
    notFound: "no shared array of that name",
    noSpace: "not enough shared memory (free some or enlarge /dev/shm)",
    invalid: "invalid name or size",
    notFile: "it is not a shared memory segment (a FIFO, directory, socket, device or symlink " +
      "is there)",
  },
  file: {
    exists: "it exists (pass overwrite: true)",
    notFound: "no such file or directory",
    noSpace: "no space left",
    invalid: "invalid argument",
    notFile: "not a regular file (a FIFO, directory, socket or device)",
  },
};

/**
 * The typed error for a failed shim call: `status` from the call, `out` the out-array it
 * filled (its OS error), `about` whether a segment or a file was being worked on.
 *
 * @example
 * ```ts
 * import { OUT_SLOTS, Status } from "../../ffi/contract.ts";
 * const out = new BigInt64Array(OUT_SLOTS); // as the failed call filled it (out[3]: errno)
 * const err = failure(Status.NOT_FOUND, "open file 'x.npy'", out, "file");
 * err.message; // "cannot open file 'x.npy': no such file or directory" (a NotFoundError)
 * ```
 */
export function failure(
  status: number,
  what: string,
  out: BigInt64Array,
  about: "segment" | "file" = "segment",
): NpshmError {
  const hints = HINTS[about];
  const osError = Number(out[3]);
  const reason = osError ? `: ${osErrorText(osError)}` : "";
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
    case Status.NOT_FILE: // someone else's FIFO or symlink is not an array: like a bad header
      return about === "segment"
        ? new CorruptHeaderError(`cannot ${what}: ${hints.notFile}`)
        : new InvalidArgumentError(`cannot ${what}: ${hints.notFile}`);
    default:
      return new OsError(`cannot ${what}${reason || ` (status ${status})`}`, osError);
  }
}

/**
 * The operating system's words for an OS error number.
 *
 * @example
 * ```ts
 * osErrorText(2); // "No such file or directory"
 * ```
 */
export function osErrorText(osError: number): string {
  const buf = new Uint8Array(256);
  shim().npshm_strerror(osError, buf, BigInt(buf.length));
  return new TextDecoder().decode(buf.subarray(0, buf.indexOf(0)));
}
