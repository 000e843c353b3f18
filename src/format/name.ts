/**
 * Shared-array names: which strings are valid, checked before any system call so a bad name
 * is an {@link InvalidArgumentError} naming the problem, never an OS surprise.
 *
 * A valid name is what Python's `multiprocessing.shared_memory.SharedMemory(name=...)`
 * accepts portably: non-empty, no `/`, `\` or NUL, not `.` or `..`, and at most 255 UTF-8
 * bytes. macOS takes 31 bytes with the `/`: there a longer name stands for a short hashed one
 * ({@link darwinShmName}).
 *
 * @example
 * ```ts
 * import { validateName } from "./name.ts";
 * validateName("frames"); // ok
 * validateName("a/b"); // throws InvalidArgumentError
 * ```
 * @module
 */
import { InvalidArgumentError } from "./errors.ts";
import { sha256 } from "./sha256.ts";

/** Longest name in UTF-8 bytes on Linux and Windows (NAME_MAX). */
export const MAX_NAME_BYTES = 255;
/** Longest name in UTF-8 bytes that macOS takes as is (PSHMNAMLEN 31, less the leading `/`). */
export const MAX_NAME_BYTES_DARWIN = 30;

const encoder = new TextEncoder();

/**
 * Throws {@link InvalidArgumentError} unless `name` is a valid shared-array name.
 *
 * @example
 * ```ts
 * validateName("frames", 30); // macOS limit
 * ```
 */
export function validateName(name: unknown, maxBytes = MAX_NAME_BYTES): asserts name is string {
  if (typeof name !== "string") {
    throw new InvalidArgumentError(`a shared array name must be a string, got ${typeof name}`);
  }
  const bytes = validBytes.get(name);
  if (bytes !== undefined && bytes <= maxBytes) return;
  const problem = nameProblem(name, maxBytes);
  if (problem) {
    throw new InvalidArgumentError(`invalid shared array name ${JSON.stringify(name)}: ${problem}`);
  }
  if (validBytes.size >= VALID_MAX) validBytes.clear();
  validBytes.set(name, encoder.encode(name).length);
}

// Names already found valid, with their UTF-8 length: a process attaches the same few names
// over and over, and checking one costs an encode.
const VALID_MAX = 256;
const validBytes = new Map<string, number>();

function nameProblem(name: string, maxBytes: number): string | undefined {
  if (name.length === 0) return "it is empty";
  if (name.includes("/") || name.includes("\\")) return "it contains a slash";
  if (name.includes("\0")) return "it contains a NUL character";
  if (name === "." || name === "..") return "'.' and '..' are not names";
  if (!name.isWellFormed()) return "it contains a lone surrogate";
  const bytes = encoder.encode(name).length;
  if (bytes > maxBytes) return `it is ${bytes} bytes long, the limit here is ${maxBytes}`;
  return undefined;
}

/**
 * An unguessable fresh name for an unnamed array: `npshm-` and 24 random hex digits (96 bits),
 * 30 bytes in all, so it fits macOS's limit too.
 *
 * @example
 * ```ts
 * randomName(); // e.g. "npshm-3f9c0a7b1e2d4c6f8a0b1c2d", different every time
 * ```
 */
export function randomName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `npshm-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567"; // RFC 4648's alphabet, lower case
const HASHED_CHARS = 27; // 135 bits of the digest: "np-" + 27 = 30 bytes

/**
 * The POSIX name (without its `/`) under which macOS keeps the segment `name`: the name itself
 * if it has at most {@link MAX_NAME_BYTES_DARWIN} UTF-8 bytes, else `np-` and the first 27
 * characters of the lower-case RFC 4648 base32 of the SHA-256 of its UTF-8 bytes (30 bytes,
 * 135 bits). Deterministic, so every process (and every language: README, "macOS") finds the
 * same segment. Only macOS uses it: elsewhere a name is its own POSIX or Win32 name.
 *
 * @example
 * ```ts
 * darwinShmName("frames"); // "frames"
 * darwinShmName("sglang_shared_memory_block_0123456789"); // "np-" + 27 base32 characters
 * ```
 */
export function darwinShmName(name: string): string {
  const bytes = encoder.encode(name);
  if (bytes.length <= MAX_NAME_BYTES_DARWIN) return name;
  const digest = sha256(bytes);
  let text = "np-";
  for (let bit = 0; text.length < 3 + HASHED_CHARS; bit += 5) {
    const at = bit >> 3;
    const pair = (digest[at] << 8) | (digest[at + 1] ?? 0);
    text += BASE32[(pair >> (11 - (bit & 7))) & 31];
  }
  return text;
}
