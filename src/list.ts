/**
 * What shared arrays exist right now: {@link listSharedArrays} and {@link inspectSharedArray},
 * for tools (the `npshm` CLI) and for finding leaks. Looking never disturbs the processes that
 * use the arrays: nothing is written or locked (on Linux nothing is even mapped).
 *
 * Linux: it reads `/dev/shm` for the segments, their first bytes for the NPY header, the
 * control block after the data, and `/proc/locks` for who tracks or locks each one.
 * Windows and macOS cannot enumerate named shared memory: there it reads the per-user registry
 * of names that npshm keeps (`src/os/registry.ts`: every array an npshm process of this user
 * created or attached; other users' arrays are not listed) and opens each one to look at it
 * (reading only its header and control block); entries whose name no longer opens are dropped.
 * A held lock is reported "held" there (whether its holder lives is only known by trying to
 * take it). On Windows a mapping lives exactly as long as some process has it, so nothing is
 * ever stale. On macOS an array outlives its processes, so a tracked one can be left behind:
 * its trackers are the live slot files of the user's lock directory
 * (`native/npshm_track_files.c`), and one that was tracked and has none is stale.
 *
 * @example
 * ```ts
 * for (const a of listSharedArrays()) console.log(a.name, a.shape, a.dtype, a.bytes);
 * ```
 * @module
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  unlinkSync,
} from "node:fs";
import process from "node:process";
import {
  CONTROL_SIZE,
  type ControlBlock,
  controlOffset,
  decodeControl,
  LOCK_FIELD,
  LOCK_ID_MASK,
  LOCK_TOKENS_AT,
} from "./format/control.ts";
import {
  CorruptHeaderError,
  NotFoundError,
  NpshmError,
  OsError,
  PermissionDeniedError,
  UnsupportedError,
} from "./format/errors.ts";
import { type NpyHeader, readNpyHeader } from "./format/header.ts";
import { validateName } from "./format/name.ts";
import { reclaimStale } from "./lifecycle.ts";
import { registeredNames, registerName, unregisterName, USES_REGISTRY } from "./os/registry.ts";
import { openNamed, removeOrphanFills } from "./os/persist.ts";
import { readSegment, releaseSegment, type Segment } from "./os/segment.ts";
import { trackerOfLock, trackersOf } from "./os/track.ts";

const SHM_DIR = "/dev/shm";

/**
 * One shared array as {@link listSharedArrays} sees it.
 *
 * @example
 * ```ts
 * const orphaned: SharedArrayInfo[] = listSharedArrays().filter((a) => a.lock === "abandoned");
 * for (const a of orphaned) console.log(`${a.name}: pid ${a.lockOwner} died holding its lock`);
 * ```
 */
export interface SharedArrayInfo {
  /** The name to attach it by. */
  readonly name: string;
  /** Extent of each axis. */
  readonly shape: readonly number[];
  /** NumPy descr of the dtype, e.g. `<f8`. */
  readonly dtype: string;
  /** Whether the data is in Fortran order. */
  readonly fortranOrder: boolean;
  /** Bytes of the whole segment (header, data, control block). */
  readonly bytes: number;
  /** Bytes of the data. */
  readonly dataBytes: number;
  /** When it was created: from the control block, else the segment's change time. */
  readonly createdAt: Date;
  /** Made by npshm (it has a control block), rather than by Python/NumPy. */
  readonly npshm: boolean;
  /** Some process tracked it at some point (`track: true`). */
  readonly everTracked: boolean;
  /** Pids of the processes tracking it now (from `/proc/locks`). */
  readonly trackers: readonly number[];
  /** Its lock: free, held by a live process, or abandoned (its holder died holding it). */
  readonly lock: "free" | "held" | "abandoned" | "none";
  /** Pid in the lock's owner word (0 if free). */
  readonly lockOwner: number;
  /** Tracked once, but no process tracks it any more: left behind by a crash. */
  readonly stale: boolean;
}

/**
 * The NumPy-format segments visible now, sorted by name. Segments that are not NumPy arrays
 * (other programs' shared memory), unreadable (other users') or vanishing meanwhile are
 * skipped without error.
 *
 * @throws {UnsupportedError} not on Linux, Windows or macOS
 * @example
 * ```ts
 * listSharedArrays().filter((a) => a.stale).map((a) => a.name);
 * ```
 */
export function listSharedArrays(): SharedArrayInfo[] {
  if (USES_REGISTRY) return listRegistered();
  requireLinux();
  const locks = readLocks();
  const found: SharedArrayInfo[] = [];
  for (const name of readdirSync(SHM_DIR).sort()) {
    if (TEMP_NAME.test(name)) continue; // a force-replace under way (or an orphan of one)
    try {
      found.push(inspect(name, locks));
    } catch (err) {
      if (!(err instanceof NpshmError) && !isFsError(err)) throw err;
    }
  }
  return found;
}

/**
 * Removes every stale shared array: one that some process tracked (`track: true`) and that no
 * live process tracks any more, left behind because its trackers all died (reapers included,
 * as when a whole process group or cgroup is killed). An array that is tracked again
 * meanwhile, or replaced, is kept. Also removes the temporary names (`.npshm-<pid>-<hex>`,
 * hidden from listings) that a force-replace left when its process died between its two steps
 * (Linux). Windows has no stale arrays (a mapping goes with its last handle), but it removes
 * the hidden files of persistent arrays whose creator died while filling them; macOS's
 * trackers are its lock directory's slot files. Returns the names removed, and those files'
 * names. (`npshm rm --all-stale`.)
 *
 * @throws {UnsupportedError} not on Linux, Windows or macOS
 * @example
 * ```ts
 * const removed = removeStaleSharedArrays();
 * console.log(`removed ${removed.length} arrays left by crashed processes`);
 * ```
 */
export function removeStaleSharedArrays(): string[] {
  const removed = listSharedArrays().filter((a) => a.stale && reclaimStale(a.name));
  const names = removed.map((a) => a.name);
  return [...names, ...(USES_REGISTRY ? removeOrphanFills() : removeOrphanTemps())];
}

// The temporary name of a force-replace: ".npshm-<pid>-<16 hex>" (native/npshm.c).
const TEMP_NAME = /^\.npshm-(\d+)-[0-9a-f]{16}$/;

// Temporary names whose process died between link and rename (a crash mid force-replace):
// removed if ours to remove (/dev/shm is sticky). A live process's are kept.
function removeOrphanTemps(): string[] {
  return readdirSync(SHM_DIR).filter((name) => {
    const m = TEMP_NAME.exec(name);
    if (!m || isAlive(Number(m[1]))) return false;
    try {
      unlinkSync(`${SHM_DIR}/${name}`);
      return true;
    } catch {
      return false; // another user's, or gone meanwhile
    }
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== "ESRCH";
  }
}

/**
 * One array's details, as in {@link listSharedArrays}.
 *
 * @throws {NotFoundError} no such segment
 * @throws {CorruptHeaderError} it is not a NumPy-format segment
 * @example
 * ```ts
 * inspectSharedArray("frames").trackers; // the pids tracking it, e.g. [4242, 4250]
 * ```
 */
export function inspectSharedArray(name: string): SharedArrayInfo {
  validateName(name);
  if (USES_REGISTRY) return inspectMapping(name);
  requireLinux();
  try {
    return inspect(name, readLocks());
  } catch (err) {
    throw isFsError(err) ? fsError(err as FsError, name) : err;
  }
}

// Anyone can put a FIFO, socket or symlink in /dev/shm: never wait on one (a FIFO's open
// blocks until a writer comes), never follow one (it could lead to a file its planter cannot
// read), and never let a terminal become ours. O_NONBLOCK changes nothing for regular files.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW |
  constants.O_NOCTTY;

function inspect(name: string, locks: LockEntry[]): SharedArrayInfo {
  const fd = openSync(`${SHM_DIR}/${name}`, OPEN_FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notSegment(name);
    const header = readHeaderAt(fd, name, st.size);
    const at = controlOffset(header.dataOffset, header.dataLength);
    const control = at < st.size ? decodeControl(readBytes(fd, at, CONTROL_SIZE)) : undefined;
    const mine = locks.filter((l) => l.inode === st.ino && l.dev === devName(st.dev));
    const trackers = mine.flatMap((l) =>
      l.kind === "OFDLCK" && l.write ? trackerOfLock(l.start) ?? [] : []
    );
    const owner = control?.ownerPid ?? 0;
    const everTracked = control?.everTracked ?? false;
    return {
      name,
      shape: header.shape,
      dtype: header.dtype.descr,
      fortranOrder: header.fortranOrder,
      bytes: st.size,
      dataBytes: header.dataLength,
      createdAt: control?.createdAt ?? st.ctime,
      npshm: control !== undefined,
      everTracked,
      trackers,
      lock: lockState(control, at, mine),
      lockOwner: owner,
      stale: everTracked && trackers.length === 0,
    };
  } finally {
    closeSync(fd);
  }
}

// A version 2 lock word names its holder's token, alive while the token's write lock is
// listed; a version 1 lock was an OFD lock on the word itself.
function lockState(
  control: ControlBlock | undefined,
  at: number,
  mine: LockEntry[],
): SharedArrayInfo["lock"] {
  if (control === undefined) return "none";
  const v2 = control.version >= 2;
  const id = control.lockWord & LOCK_ID_MASK;
  const start = v2 ? LOCK_TOKENS_AT + BigInt(id) : BigInt(at + LOCK_FIELD);
  const held = (!v2 || id !== 0) &&
    mine.some((l) => l.kind === "OFDLCK" && l.start === start && (l.write || !v2));
  if (held) return "held";
  return (v2 ? id : control.ownerPid) !== 0 ? "abandoned" : "free";
}

function readHeaderAt(fd: number, name: string, size: number): NpyHeader {
  const read = (at: number, n: number) => {
    const bytes = readBytes(fd, at, n);
    if (bytes.length < n) throw new CorruptHeaderError(`it ended after ${at + bytes.length} bytes`);
    return bytes;
  };
  return readNpyHeader(read, size, `shared array '${name}'`);
}

function readBytes(fd: number, position: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, bytes, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return bytes.subarray(0, done);
}

interface LockEntry {
  kind: string;
  write: boolean;
  dev: string;
  inode: number;
  start: bigint;
}

// Lines like "3: OFDLCK ADVISORY WRITE -1 00:1a:5678 128 131"; "->" lines are waiters.
function readLocks(): LockEntry[] {
  let text: string;
  try {
    text = readFileSync("/proc/locks", "utf8");
  } catch {
    return [];
  }
  const entries: LockEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] === "->") continue;
    const id = f[5].split(":");
    if (id.length !== 3) continue;
    entries.push({
      kind: f[1],
      write: f[3] === "WRITE",
      dev: `${id[0]}:${id[1]}`.toLowerCase(),
      inode: Number(id[2]),
      start: /^\d+$/.test(f[6]) ? BigInt(f[6]) : -1n,
    });
  }
  return entries;
}

// st_dev as /proc/locks prints it: "%02x:%02x" of the kernel's major and minor numbers.
function devName(dev: number): string {
  const major = (dev >>> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >>> 12) & 0xfff00);
  return `${major.toString(16).padStart(2, "0")}:${minor.toString(16).padStart(2, "0")}`;
}

type FsError = Error & { code: string; errno?: number };

function notSegment(name: string): CorruptHeaderError {
  return new CorruptHeaderError(
    `'${name}' is not a shared memory segment (a FIFO, directory, socket, device or symlink is ` +
      "there)",
  );
}

// A node:fs error of looking at /dev/shm/NAME as the typed error it stands for.
function fsError(err: FsError, name: string): NpshmError {
  switch (err.code) {
    case "ENOENT":
      return new NotFoundError(`no shared array '${name}'`);
    case "ELOOP": // a symlink, not followed
    case "ENXIO": // a socket
    case "EISDIR":
      return notSegment(name);
    case "EACCES":
    case "EPERM":
      return new PermissionDeniedError(`cannot inspect shared array '${name}': permission denied`);
    default:
      return new OsError(`cannot inspect shared array '${name}': ${err.message}`);
  }
}

function isFsError(err: unknown): boolean {
  return !(err instanceof NpshmError) && typeof (err as { code?: unknown })?.code === "string" &&
    /^E[A-Z]+$/.test((err as { code: string }).code);
}

function requireLinux(): void {
  if (process.platform !== "linux") {
    throw new UnsupportedError(
      `listing shared arrays needs /dev/shm (Linux) or npshm's registry of names (Windows, ` +
        `macOS); ${process.platform} has neither`,
    );
  }
}

// Windows, macOS: the registered names that still open; the others are dropped (and registered
// again if their name was created anew between the look and the drop).
function listRegistered(): SharedArrayInfo[] {
  const found: SharedArrayInfo[] = [];
  for (const name of registeredNames()) {
    try {
      found.push(inspectMapping(name));
    } catch (err) {
      if (!(err instanceof NotFoundError)) continue; // not an array, or not ours to open
      unregisterName(name);
      try {
        found.push(inspectMapping(name));
        registerName(name);
      } catch {
        // gone indeed
      }
    }
  }
  return found;
}

// Windows, macOS: one array, through a mapping of its own (see peek).
function inspectMapping(name: string): SharedArrayInfo {
  const segment = peek(name);
  try {
    const read = (at: number, n: number) => {
      if (at + n > segment.size) {
        throw new CorruptHeaderError(`it ended after ${segment.size} bytes`);
      }
      return readSegment(segment, at, n);
    };
    const header = readNpyHeader(read, segment.size, `shared array '${name}'`);
    const at = controlOffset(header.dataOffset, header.dataLength);
    const control = at + CONTROL_SIZE <= segment.size
      ? decodeControl(readSegment(segment, at, CONTROL_SIZE))
      : undefined;
    const id = (control?.lockWord ?? 0) & LOCK_ID_MASK;
    const trackers = trackersOf(name, control?.nonce);
    const everTracked = control?.everTracked ?? false;
    return {
      name,
      shape: header.shape,
      dtype: header.dtype.descr,
      fortranOrder: header.fortranOrder,
      bytes: control ? at + CONTROL_SIZE : header.dataOffset + header.dataLength,
      dataBytes: header.dataLength,
      createdAt: control?.createdAt ?? new Date(0),
      npshm: control !== undefined,
      everTracked,
      trackers: trackers ?? [],
      lock: control === undefined ? "none" : id !== 0 ? "held" : "free",
      lockOwner: control?.ownerPid ?? 0,
      stale: trackers !== undefined && everTracked && trackers.length === 0,
    };
  } finally {
    releaseSegment(segment);
  }
}

// A mapping that reads only the pages looked at: on POSIX a shared one, as a read-only attach
// on macOS copies the whole array into a private snapshot (native/npshm.c); read-only (that
// copy) only for an array this user may not write. Windows's read-only view is copy-on-write.
const PEEK_SHARED = process.platform !== "win32";

function peek(name: string): Segment {
  try {
    if (PEEK_SHARED) {
      try {
        return openNamed(name, false)[0];
      } catch (err) {
        if (!(err instanceof PermissionDeniedError)) throw err;
      }
    }
    return openNamed(name, true)[0];
  } catch (err) {
    // Said as on Linux, where inspecting is not attaching.
    throw err instanceof NotFoundError ? new NotFoundError(`no shared array '${name}'`) : err;
  }
}
