/*
 * npshm native shim: named shared memory as bytes, one system job per function.
 *
 * Every function returns an NPSHM_* status (0 on success). Functions that can fail
 * with an OS error write that error (errno, or GetLastError() on Windows) to out[3]
 * so the caller can name it; npshm_strerror() turns it into text.
 *
 * out[] layout (int64_t[4]): out[0] handle (fd or HANDLE), out[1] address of the
 * mapping, out[2] size of the mapping in bytes, out[3] OS error number.
 *
 * Names are plain (no leading slash, no '/'): "frames" is POSIX "/frames" and the
 * Win32 mapping name "frames", as in Python's multiprocessing.shared_memory.
 */
#ifndef NPSHM_H
#define NPSHM_H

#include <stdint.h>

#ifdef _WIN32
#define NPSHM_API __declspec(dllexport)
#else
#define NPSHM_API __attribute__((visibility("default")))
#endif

enum npshm_status {
  NPSHM_OK = 0,
  NPSHM_EXISTS = 1,     /* the name is taken */
  NPSHM_NOT_FOUND = 2,  /* no segment of that name */
  NPSHM_NO_SPACE = 3,   /* no room in shared memory (ENOSPC, ENOMEM, EFBIG) */
  NPSHM_PERMISSION = 4, /* EACCES, EPERM, EROFS */
  NPSHM_INVALID = 5,    /* bad name, size or argument (EINVAL, ENAMETOOLONG) */
  NPSHM_STALE = 6,      /* the name now refers to another segment than ours */
  NPSHM_NOT_FILE = 12,  /* not a regular file: a FIFO, directory, socket, device, or a symlink
                           where none is followed (out[3] is -1, not an OS error) */
  NPSHM_OTHER = 99      /* anything else: see out[3] */
};

/*
 * The build stamp: a hash of the shim's sources (every npshm*.c and *.h here) and npshm's
 * version, which native/build.ts and scripts/release.ts compute and pass with
 * -DNPSHM_ABI_VERSION=<n>. The loader refuses a library whose stamp is not the one its
 * TypeScript pins (ffi/pinned.ts), so a shim built from other sources never loads. 0 when
 * built by hand without it: no loader accepts that. (Libraries before the stamp returned 1.)
 */
#ifndef NPSHM_ABI_VERSION
#define NPSHM_ABI_VERSION 0
#endif
NPSHM_API int32_t npshm_abi_version(void);

/*
 * Create an unnamed segment of `size` bytes with permission bits `mode`, make sure
 * its memory is really allocated (so a full /dev/shm fails here with NPSHM_NO_SPACE
 * instead of SIGBUS later), map it shared read-write and copy `head` (head_len bytes)
 * to its start. Linux: O_TMPFILE in /dev/shm, so nobody can see it before
 * npshm_publish(). Other POSIX: shm_open(O_CREAT|O_EXCL) under `name` (after
 * shm_unlink if `force`). Windows: CreateFileMappingW(name); `mode` is ignored and
 * `force` cannot replace a live mapping (NPSHM_EXISTS). size 0 or head_len > size is
 * NPSHM_INVALID; a size above INT64_MAX is NPSHM_NO_SPACE. On failure nothing is left
 * behind. Fills out[0..3].
 */
NPSHM_API int32_t npshm_create(const char *name, uint64_t size, uint32_t mode, int32_t force,
                               const uint8_t *head, uint64_t head_len, int64_t *out);

/*
 * Give the segment made by npshm_create its name, atomically: Linux linkat() of the
 * O_TMPFILE; with `force`, linkat() to an unguessable temporary name (".npshm-<pid>-<16 hex>")
 * and rename() over the existing one under its gate (npshm_sync.c), so the name is never
 * missing. Elsewhere a no-op, the name was given at create.
 * NPSHM_EXISTS if the name is taken (without force).
 */
NPSHM_API int32_t npshm_publish(int64_t handle, const char *name, int32_t force, int64_t *out);

/*
 * Open and map the whole segment `name`. read_only: the mapping is private
 * copy-on-write (writes never reach the segment, never fault; untouched pages still
 * show other processes' writes). macOS refuses private mappings of shm, so there it is
 * a private snapshot (a copy taken at open that does not see later writes). Otherwise
 * shared read-write, and a sparse segment (made by another library) gets its memory
 * allocated first so writes cannot SIGBUS. A zero-byte segment gives out[1] = 0,
 * out[2] = 0 (the handle is still returned). out[2] is rounded up to whole pages on
 * Windows and macOS: the NPY header knows the exact size. Fills out[0..3].
 */
NPSHM_API int32_t npshm_open(const char *name, int32_t read_only, int64_t *out);

/*
 * npshm_open, then copy the first min(size, cap) bytes of the segment into head: attach
 * learns where the data starts in the same call (the NPY header is short).
 */
NPSHM_API int32_t npshm_attach(const char *name, int32_t read_only, int64_t *out, uint8_t *head,
                               uint64_t cap);

/*
 * npshm_attach, then (POSIX) npshm_fstat's info[] (from the open's own fstat) and close the
 * descriptor: the mapping keeps the memory, as after a C program's close(2), and a process
 * holding many arrays holds no descriptor for them; info[0..1] (device, inode) let the caller
 * reopen the very same segment by name later. out[0] is then NPSHM_NO_HANDLE. Windows: the
 * handle is the mapping's identity and is kept (out[0] as npshm_attach's; info untouched).
 */
NPSHM_API int32_t npshm_attach_unheld(const char *name, int32_t read_only, int64_t *out,
                                      uint8_t *head, uint64_t cap, int64_t *info);

/* npshm_unmap then npshm_close: the end of an attach in one call. First failure wins. */
NPSHM_API int32_t npshm_release(uint64_t addr, uint64_t size, int64_t handle);

/* Unmap a mapping made by npshm_create / npshm_open; addr 0 is a no-op (Windows ignores size). */
NPSHM_API int32_t npshm_unmap(uint64_t addr, uint64_t size);

/* Close a handle from npshm_create / npshm_open; a negative handle is NPSHM_INVALID. */
NPSHM_API int32_t npshm_close(int64_t handle);

/*
 * Remove the name. If handle >= 0, only when the name still refers to that handle's
 * segment (else NPSHM_STALE); NPSHM_NOT_FOUND if no such name. Linux: the check (by inode) and
 * the unlink run under the segment's gate (npshm_sync.c), so a successor published meanwhile is
 * never the one removed. macOS (and -DNPSHM_LOCKFILES): under the name's gate, the check by the
 * creation nonce of the control block at `control_at` (npshm_track_files.c); a segment with
 * none there is removed unchecked. Windows: a no-op returning NPSHM_OK, the mapping disappears
 * with its last handle. Linux and Windows ignore control_at.
 */
NPSHM_API int32_t npshm_unlink(const char *name, int64_t handle, int64_t control_at,
                               int64_t *out);

/*
 * What identifies the file or segment behind `handle` and who owns it: info[0] device,
 * info[1] inode (Windows: volume serial, file index), info[2] size in bytes, info[3] last
 * modification in ns since the Unix epoch, info[4] owner uid (-1 on Windows), info[5]
 * permission bits. Windows: files only.
 */
NPSHM_API int32_t npshm_fstat(int64_t handle, int64_t *info, int64_t *out);

/* Copy len bytes from a mapped address into dst (to read a header without a view). */
NPSHM_API void npshm_read(uint64_t addr, uint8_t *dst, uint64_t len);

/* The OS's text for an OS error number, NUL-terminated, truncated to cap bytes. */
NPSHM_API void npshm_strerror(int32_t os_error, char *buf, uint64_t cap);

/* ==== Files (issue 4: .npy files <-> shared memory; native/npshm_file.c) ================
 *
 * Paths are NUL-terminated UTF-8. Handles are fds (POSIX) or HANDLEs (Win32) and are closed
 * with npshm_close(); mappings are unmapped with npshm_unmap(). out[] as above.
 */

/* How npshm_file_open opens a path. */
enum npshm_file_how {
  NPSHM_FILE_READ = 0,   /* existing file, read-only */
  NPSHM_FILE_WRITE = 1,  /* existing file, read-write */
  NPSHM_FILE_CREATE = 2, /* new file (NPSHM_EXISTS if the path exists), read-write */
  NPSHM_FILE_REPLACE = 3, /* new or truncated file, read-write */
  NPSHM_FILE_TEMP = 4     /* a new unnamed file in the directory of path, read-write (Linux
                             O_TMPFILE): nothing is left if the process dies before
                             npshm_file_link names it. NPSHM_UNSUPPORTED where the system or
                             its file system cannot (the caller then uses a named file) */
};

/*
 * Open a regular file (anything else is NPSHM_INVALID) with permission bits `mode` when it
 * is created (POSIX). out[0] handle, out[2] file size in bytes.
 */
NPSHM_API int32_t npshm_file_open(const char *path, int32_t how, uint32_t mode, int64_t *out);

/*
 * Set the file's size to `size` (sparse growth). `reserve`: also allocate its blocks now
 * (Linux fallocate, no zero-fill pass; a no-op where unsupported), so writes through a
 * shared mapping cannot fault later on a full disk.
 */
NPSHM_API int32_t npshm_file_resize(int64_t handle, uint64_t size, int32_t reserve,
                                    int64_t *out);

/*
 * Map the first `size` bytes of an open file readable and writable: shared (writes reach
 * the file) or, with `private_copy`, copy-on-write (writes stay in this process; a read-only
 * handle suffices). size 0 maps nothing (out[1] = 0). out[1] address, out[2] size.
 */
NPSHM_API int32_t npshm_file_map(int64_t handle, uint64_t size, int32_t private_copy,
                                 int64_t *out);

/* Read up to len bytes at offset into dst, retrying short reads; out[2] = bytes read (less
 * than len only at end of file). */
NPSHM_API int32_t npshm_file_pread(int64_t handle, uint64_t offset, uint8_t *dst, uint64_t len,
                                   int64_t *out);

/* Write all len bytes of src at offset; out[2] = bytes written (all, unless it fails). */
NPSHM_API int32_t npshm_file_pwrite(int64_t handle, uint64_t offset, const uint8_t *src,
                                    uint64_t len, int64_t *out);

/*
 * Copy len bytes of file `src` at src_off into a segment: in the kernel to handle `dst` at
 * dst_off where the OS can (Linux sendfile: no user-space buffer, no page faults), else by
 * reading straight into `dst_buf` (the segment's mapped bytes at dst_off). out[2] = bytes
 * copied, less than len only if the file ended early.
 */
NPSHM_API int32_t npshm_file_copy(int64_t src, uint64_t src_off, int64_t dst, uint64_t dst_off,
                                  uint8_t *dst_buf, uint64_t len, int64_t *out);

/* Flush an open file's data and size to disk (fsync / FlushFileBuffers). */
NPSHM_API int32_t npshm_file_sync(int64_t handle, int64_t *out);

/*
 * Write a shared file mapping's dirty pages back to its file and wait (msync MS_SYNC /
 * FlushViewOfFile): numpy's memmap.flush(). addr and len are a whole mapping from
 * npshm_file_map.
 */
NPSHM_API int32_t npshm_file_flush(uint64_t addr, uint64_t len, int64_t *out);

/*
 * Rename `from` to `to`. With `replace`, an existing `to` is replaced atomically; without, an
 * existing `to` is NPSHM_EXISTS and is left alone (POSIX: a second name, then the first goes).
 * `durable` also flushes the directory.
 */
NPSHM_API int32_t npshm_file_rename(const char *from, const char *to, int32_t replace,
                                    int32_t durable, int64_t *out);

/*
 * Take this handle's claim on its file without waiting: an exclusive lock the OS drops when the
 * handle closes or its process dies (POSIX flock; Windows LockFileEx on the last byte an offset
 * can name, which no read or write of the data touches). NPSHM_BUSY if another handle holds it.
 * A writer claims a file it is still making, so a file nobody claims was left by a crash.
 */
NPSHM_API int32_t npshm_file_claim(int64_t handle, int64_t *out);

/* Remove a file. */
NPSHM_API int32_t npshm_file_remove(const char *path, int64_t *out);

/*
 * If `path` is a regular file (not followed if a symlink), give the file behind `handle` its
 * permission bits and, where the OS permits, its owner and group: the file that is about to
 * replace it keeps them. A missing path is NPSHM_OK. Windows: a no-op.
 */
NPSHM_API int32_t npshm_file_adopt(int64_t handle, const char *path, int64_t *out);

/*
 * Give the unnamed file behind `handle` (from NPSHM_FILE_TEMP) the name `path`: with `replace`
 * atomically over an existing file (linked under a temporary name in its directory, then
 * renamed over it, as npshm_publish does), else NPSHM_EXISTS if path exists. `durable` also
 * flushes the directory. NPSHM_UNSUPPORTED where NPSHM_FILE_TEMP is.
 */
NPSHM_API int32_t npshm_file_link(int64_t handle, const char *path, int32_t replace,
                                  int32_t durable, int64_t *out);
/* ==== end of files ======================================================================= */

/* ====================================================================================
 * Lifetimes and coordination (native/npshm_sync.c): tracking, locks, wait/notify.
 * Statuses beyond the core ones, returned only by the functions of this section.
 */
enum npshm_sync_status {
  NPSHM_BUSY = 7,        /* no lock token could be drawn, or a tracker still holds the name */
  NPSHM_OWNER_DIED = 8,  /* lock acquired, but its previous holder died holding it */
  NPSHM_TIMED_OUT = 9,   /* wait: the timeout passed */
  NPSHM_NOT_EQUAL = 10,  /* wait: the word did not hold the expected value */
  NPSHM_UNSUPPORTED = 11, /* not available on this platform (see npshm_sync.c for the design) */
  NPSHM_CANCELLED = 13    /* a lock wait or wait ended by its cancel word */
};

/*
 * Become a tracker of the segment behind `handle` (design: npshm_sync.c): open a read-write
 * description of it of our own (NPSHM_PERMISSION if this process may not write it: only
 * writers can track), take a tracker slot on it under its gate, check that `name` still refers
 * to this very segment (unless `unpublished`: a created segment before npshm_publish) and hand
 * the description to this process's reaper, which leaves for us if this process dies.
 * NPSHM_STALE: the name was unlinked or replaced meanwhile (nothing is kept; reopen and retry).
 * `flags_addr`, if not 0, is the address of the control block's flags word: bit 0 ("ever
 * tracked") is set. out[0] = 1 if the reaper took it (0: tracked for close() only), out[1] =
 * the tracker handle for npshm_untrack. Windows: NPSHM_OK, a mapping already lives exactly as
 * long as its last handle. macOS (and Linux built with -DNPSHM_LOCKFILES): the slot is a lock
 * file (npshm_track_files.c) and "this very segment" is the creation nonce of its control block
 * at file offset `control_at` (macOS gives shared memory no inode); control_at < 0, or a block
 * with no nonce (a segment made by Python or an older npshm): NPSHM_UNSUPPORTED, and
 * NPSHM_PERMISSION for a segment of another user (the lock files are per user). Linux and
 * Windows ignore control_at.
 */
NPSHM_API int32_t npshm_track(int64_t handle, const char *name, int32_t unpublished,
                              uint64_t flags_addr, int64_t control_at, int64_t *out);

/*
 * Stop tracking and close `tracker` (out[1] of npshm_track): give up the slot and, if no other
 * tracker holds one, unlink the name (only if it still refers to this segment), all under the
 * gate. out[0] = 1 if it unlinked the name.
 */
NPSHM_API int32_t npshm_untrack(int64_t tracker, const char *name, int64_t *out);

/*
 * Unlink `name` only if no process tracks it (no tracker slot is held), under its gate: the
 * clean-up of stale names. If handle >= 0, only if the name still refers to that handle's
 * segment (else NPSHM_STALE; macOS and -DNPSHM_LOCKFILES: the one whose control block at
 * `control_at` holds the same creation nonce). NPSHM_BUSY if a tracker holds it.
 */
NPSHM_API int32_t npshm_unlink_untracked(const char *name, int64_t handle, int64_t control_at,
                                         int64_t *out);

/*
 * The processes tracking `name` now, for listings: out[0] = how many, the pids of the first
 * `cap` in pids. With a nonzero `nonce`, only those tracking the segment whose control block
 * holds that creation nonce: a creator holds a slot under the name for its new segment before
 * it knows the name is free. macOS and -DNPSHM_LOCKFILES only (their slot files; dead trackers'
 * files are removed on the way); Linux lists from /proc/locks and Windows tracks nothing:
 * NPSHM_UNSUPPORTED.
 */
NPSHM_API int32_t npshm_trackers(const char *name, uint64_t nonce, int32_t *pids, int32_t cap,
                                 int64_t *out);

/*
 * The segment's mutex (design: npshm_sync.c; the protocol, step by step: README.md, "The lock
 * protocol"). Its lock word is a uint32 in the segment's memory (control block bytes 24-27)
 * and the holder's pid is the uint32 after it. The word is 0 when free, else the holder's
 * token id (NPSHM_LOCK_ID_MASK bits), plus NPSHM_LOCK_WAITERS if someone may sleep on it. A
 * token is a write lock its owner holds, through an open file description of its own, on
 * byte NPSHM_LOCK_TOKENS_AT + id of the segment: the holder is alive exactly as long as that
 * write lock exists. Taking a free lock is a compare-and-swap 0 -> id of the word, then a
 * store of the pid; a caller may do that itself and call npshm_lock_wait only when the word
 * is taken.
 */
#define NPSHM_LOCK_ID_MASK 0x3fffffffu
#define NPSHM_LOCK_WAITERS 0x80000000u
#define NPSHM_LOCK_TOKENS_AT ((int64_t)1 << 61)

/*
 * Take a token for locking the segment behind `handle` (opened read-write), whose lock word is
 * at `word_addr`: out[0] = the token's own handle (close it with npshm_close to give the token
 * up; never while holding the lock), out[1] = its id. NPSHM_BUSY if 16 random draws were all
 * taken, as when a process that can only read the segment read-locks the token bytes.
 */
NPSHM_API int32_t npshm_lock_token(int64_t handle, uint64_t word_addr, int64_t *out);

/*
 * Take the lock at `word_addr` as token `id` (its handle `token`), waiting while a live holder
 * has it: at most timeout_ns (negative: forever; 0: look once, as a try-lock) and until the
 * cancel word at `cancel` (0: none; see npshm_cancel_new) is set. NPSHM_OK: taken.
 * NPSHM_OWNER_DIED: taken from a holder that died holding it, whose pid word is out[0] (0 if it
 * died before writing it). NPSHM_TIMED_OUT, NPSHM_CANCELLED: not taken. NPSHM_INVALID if `id`
 * holds it already (not re-entrant).
 */
NPSHM_API int32_t npshm_lock_wait(int64_t token, uint64_t word_addr, uint32_t id,
                                  int64_t timeout_ns, uint64_t cancel, int64_t *out);

/*
 * Release the lock at `word_addr` that token `id` holds: clear the pid word, set the lock word
 * to 0 and, if its waiters bit was set, wake one sleeper. NPSHM_PERMISSION if `id` does not
 * hold it.
 */
NPSHM_API int32_t npshm_unlock(uint64_t word_addr, uint32_t id, int64_t *out);

/*
 * Block while the 32-bit word at `addr` (in a shared mapping) holds `expected`, for at most
 * timeout_ns (negative: forever) and until the cancel word at `cancel` (0: none) is set.
 * NPSHM_OK when woken, NPSHM_NOT_EQUAL, NPSHM_TIMED_OUT, NPSHM_CANCELLED.
 */
NPSHM_API int32_t npshm_wait(uint64_t addr, int32_t expected, int64_t timeout_ns, uint64_t cancel,
                             int64_t *out);

/* Wake up to `count` processes waiting on `addr`; out[0] = how many were woken. */
NPSHM_API int32_t npshm_wake(uint64_t addr, int32_t count, int64_t *out);

/*
 * Cancel words, which let one thread end another's npshm_lock_wait or npshm_wait at once (an
 * async call whose array is closed): npshm_cancel_new puts the address of a new one in out[1]
 * (NPSHM_NO_SPACE if memory is short); npshm_cancel_set sets it and wakes the call watching
 * it, which returns NPSHM_CANCELLED; npshm_cancel_free frees it once no call watches it.
 */
NPSHM_API int32_t npshm_cancel_new(int64_t *out);
NPSHM_API void npshm_cancel_set(uint64_t cancel);
NPSHM_API void npshm_cancel_free(uint64_t cancel);

/* Copy len bytes from src to a mapped address (to write a control block without a view). */
NPSHM_API void npshm_write(uint64_t addr, const uint8_t *src, uint64_t len);

/*
 * npshm_lock_token for the segment opened under `name`, on every platform. macOS keys tokens
 * by name (lock files in the user's lock directory, npshm_sync_darwin.c), and there only the
 * segment's owner may lock it (NPSHM_PERMISSION otherwise; also if the lock directory is not
 * the user's alone); npshm_lock_token itself is NPSHM_UNSUPPORTED there. Linux, Windows: the
 * same as npshm_lock_token, `name` unused (except in a -DNPSHM_LOCKFILES build, which uses
 * macOS's lock files).
 */
NPSHM_API int32_t npshm_lock_token_of(int64_t handle, const char *name, uint64_t word_addr,
                                      int64_t *out);
/* ================================================================ end of sync section */

#endif
