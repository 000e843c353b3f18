/*
 * npshm native shim, lifetimes and coordination: see the sync section of npshm.h for the
 * contract of each function. Linux has all of it; macOS the mutex and the waits, with tokens
 * and sleeping of its own (npshm_sync_darwin.c); Windows is in npshm_sync_win32.c; other
 * platforms compile as NPSHM_UNSUPPORTED stubs.
 *
 * ---- Names: the gate, tracking, and what other users can do -----------------------------
 * Every lock here is an OFD (open-file-description) fcntl lock on the segment's own inode, at
 * offsets far past its end (npshm_internal.h): the kernel drops it when the last descriptor of
 * its description closes, so a death (even kill -9) never leaves one behind, and, unlike
 * flock(2), an exclusive (write) lock needs a descriptor open for writing. A process that can
 * only read a segment (mode 0644, or a group reader) can take read locks and nothing else:
 * these rules make its read locks useless against us.
 *
 * The gate (byte NPSHM_GATE_AT) serialises everything that changes which segment a name
 * refers to: an unlink-if-same (unlinkOnClose, delete, the last tracker's leave, rm
 * --all-stale) and a force-replace take the gate of the segment under the name, check, act,
 * and let go; a plain publish needs none (link() fails if the name is taken). So a successor
 * can only appear once the old segment's gate-holder is done: it is never the one unlinked.
 * Who can race at all: /dev/shm is sticky (1777), so only a name's owner (or root) can unlink
 * or rename over it, and the gate is taken by writers, i.e. that owner's processes. A gate
 * found read-locked was taken by a reader: we go on without it (the unguarded check-then-act
 * of before, which only races our own processes) rather than let a reader stop us; a writer
 * that keeps it past NPSHM_GATE_PATIENCE_S is also passed. Python's SharedMemory.unlink()
 * and rm(1) take no gate: one of those running at the same moment as our own unlink-if-same of
 * that name can still make it remove a successor that appeared in between.
 *
 * Tracking (track: true). Each tracker owns a read-write description of the segment (reopened
 * through /proc/self/fd, so a process without write permission cannot be a tracker: it
 * cannot keep a name alive) and holds a write lock on one slot byte of its own, above the
 * gate: NPSHM_SLOTS_AT + (pid << 24) + 24 random bits (the pid is for `npshm ls`). Joining
 * (under the gate): take a slot, check the name still refers to this inode, else NPSHM_STALE
 * and the caller reopens. Leaving (under the gate): drop our slot; F_OFD_GETLK for a read
 * lock over all slots reports only write locks, i.e. other trackers, never a reader's lock;
 * if there is none, unlink the name if it still refers to this inode. Both run under the gate,
 * so a newcomer cannot take a slot between a leaver's check and its unlink; two leavers in
 * turn: the second sees the first's slot gone and unlinks. A reader's read locks can only
 * deny a slot we try to take: we draw again, and if 16 draws all fail (it read-locked every
 * free byte) track fails with EAGAIN, typed, never a hang and never a name kept alive.
 *
 * kill -9: a process cannot clean up after its own death, so the first track() of a process
 * starts a reaper: a tiny double-forked process (so it is nobody's zombie) that only makes
 * system calls. Each tracker descriptor is passed to it over a SOCK_SEQPACKET socketpair with
 * SCM_RIGHTS: the same open file description, so the slot stays held exactly as long as one of
 * the two holds it. When the socket reaches end-of-file (our process is gone, however it died,
 * or exited without closing) the reaper does the "leaving" step for every descriptor it still
 * holds, then exits. untrack() leaves, tells it to drop the descriptor, and closes ours. The
 * reaper closes every other descriptor and unmaps every shared mapping it inherited, so it pins
 * no memory and no pipe of ours. If the reaper cannot start, tracking still works for close();
 * only death of the last tracker then leaves the name (out[0] = 0).
 *
 * Tracker and reaper killed together (a cgroup stop, kill -9 of the process group): the kernel
 * drops their slots, the name stays. "Stale" is exact: the control block says some process
 * tracked it, and no slot is held now. The next create of the name, a tracked attach of it, and
 * rm --all-stale reclaim it, by npshm_unlink_untracked: under the gate, unlink only if no slot
 * is held, so a name someone tracks right now (or joins meanwhile) is never removed.
 *
 * macOS: the same protocol over flock'ed lock files in the user's lock directory, with the
 * segment's creation nonce for its missing inode (npshm_track_files.c; the reaper, shared, is
 * npshm_reaper.c). Windows: the kernel
 * frees a mapping with its last handle, so track is implied and delete only drops the name
 * (npshm_unlink is a no-op there; npshm_sync_win32.c).
 *
 * ---- The mutex (the protocol, for other languages too: README.md, "The lock protocol") -----
 * A word in the control block, the lock word, and the holder's pid in the 4 bytes after it.
 * The word is 0 when free, else the holder's token id (bits 0-29) with bit 31
 * (NPSHM_LOCK_WAITERS) set if someone may sleep on it. Taking a free lock is one
 * compare-and-swap 0 -> id in user space, which the TypeScript side does itself (no FFI call,
 * no system call); releasing it is a compare-and-swap id -> 0, or, with the waiters bit set,
 * npshm_unlock: an exchange and a FUTEX_WAKE of one sleeper. Only a locker that finds the
 * word taken calls npshm_lock_wait: it spins briefly (critical sections are short), then sets
 * the waiters bit and sleeps on the word (a shared futex, keyed by inode and offset, so it
 * works across processes). It checks that the holder is alive (below) only where that can
 * matter: after a sleep of NPSHM_LOCK_TRUST_MS that the holder outlasted, and before giving up
 * (a try, a timeout): a check is a system call, and under contention most holders let go
 * sooner.
 *
 * Liveness without pids: each array object that locks owns a token, a write lock (an OFD
 * fcntl lock, on an open file description of its own, reopened through /proc/self/fd) on byte
 * NPSHM_LOCK_TOKENS_AT + id of the segment, far past its end. The kernel drops it when that
 * description closes: on close(), and at death, even by kill -9. "The holder is alive" is
 * exactly "F_OFD_GETLK for a read lock on its byte reports a write lock": no pid is compared,
 * so neither pid reuse nor pid namespaces (containers sharing /dev/shm) can fool it. A locker
 * that finds the holder dead takes the word over with one CAS (keeping the waiters bit) and
 * gets NPSHM_OWNER_DIED with the pid word the dead holder left. Sleepers wake every
 * NPSHM_LOCK_CHECK_MS to look again, so a holder that dies while others sleep is found
 * within that time (a check costs a few microseconds of CPU), one already dead within
 * NPSHM_LOCK_TRUST_MS.
 *
 * Tokens are drawn at random. A draw is kept only if its byte can be write-locked (no live
 * token has it) and, once it is locked, the word does not hold that id: a dead holder's id is
 * never handed out while the word still names it (a dead holder writes no more, so the check
 * after taking the byte is final).
 *
 * Other users. A process that can open the segment but not write it (mode 0644, a group
 * reader) cannot change the word (its mapping is read-only or private) and cannot fake a
 * live holder: only write locks count, and a write lock needs a writable descriptor. What it
 * can do is read-lock token bytes so that draws fail: npshm_lock_token draws again, and after
 * 16 failures fails with EAGAIN at once (a typed error); nothing a reader does makes a lock
 * hang. A process that can write the segment can do anything to it anyway.
 *
 * Why not a robust pthread mutex: it belongs to a thread (an async lock runs on a runtime's
 * worker thread, and that thread's exit would mark it abandoned while its process lives), and
 * its owner-died report comes from the kernel's walk of the thread's robust list, which glibc
 * owns. Why not the OFD lock on the word itself, as before: two system calls per lock, and a
 * reader's read lock on those bytes hung every lock() for good.
 *
 * Cancellation: an async lock or wait also watches a cancel word (npshm_cancel_new) through
 * futex_waitv (Linux 5.16+): close() sets it and wakes exactly that call, which returns
 * NPSHM_CANCELLED at once, so a runtime that stays alive while a native call is pending (Deno)
 * can exit. Without futex_waitv the call sleeps in slices of NPSHM_CANCEL_SLICE_MS and looks
 * at the cancel word between them.
 *
 * The word's side of all this (spin, check, take over, sleep, give back) is npshm_lock.c, one
 * for every platform; this file gives it the tokens and the sleeping. macOS: this same code; a
 * token is a flock'ed file of its own in the user's lock directory, and sleepers use
 * os_sync_wait_on_address or __ulock (npshm_sync_darwin.c). Windows: the token is a named event
 * its owner keeps open, sleepers use named semaphores (npshm_sync_win32.c, which says why not a
 * mutex).
 *
 * ---- wait / notify -----------------------------------------------------------------------
 * Linux: futex(2) without FUTEX_PRIVATE_FLAG on the word's address, which the kernel keys by
 * (inode, offset) for shared file mappings, so it works across processes; async waits also
 * watch their cancel word, as above. macOS: os_sync_wait_on_address with
 * OS_SYNC_WAIT_ON_ADDRESS_SHARED (14.4+), else __ulock_wait (npshm_sync_darwin.c). Windows:
 * WaitOnAddress is process-local, so named semaphores per (segment, word offset)
 * (npshm_sync_win32.c).
 */
#include "npshm_internal.h"

#include <stdlib.h>


NPSHM_API void npshm_write(uint64_t addr, const uint8_t *src, uint64_t len) {
  if (addr == 0 || src == NULL || len == 0) return;
  memcpy((void *)(uintptr_t)addr, src, (size_t)len);
}

#ifndef _WIN32 /* Windows: a cancel word carries an event (npshm_sync_win32.c) */
NPSHM_API int32_t npshm_cancel_new(int64_t *out) {
  npshm_out_init(out, 0);
  uint32_t *word = calloc(1, sizeof *word);
  if (word == NULL) return NPSHM_NO_SPACE;
  if (out) out[1] = (int64_t)(uintptr_t)word;
  return NPSHM_OK;
}

NPSHM_API void npshm_cancel_free(uint64_t cancel) { free((void *)(uintptr_t)cancel); }
#endif

#if defined(__linux__) || defined(__APPLE__)
/* ============================== Linux, and macOS's mutex and waits (npshm_sync_darwin.c) */
#include <time.h>

#ifdef __linux__
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__linux__) && !defined(NPSHM_LOCKFILES)
/* ---- tracking by OFD slots (macOS, and Linux's lock-file build: npshm_track_files.c) ---- */

/* The name's /dev/shm path; returns 0 if the name is unusable. */
static int sync_path_of(npshm_path dst, const char *name) {
  if (!npshm_plain_name(name)) return 0;
  npshm_dev_path(dst, name);
  return 1;
}

/* 1 if another open file description holds a tracker slot (a write lock: readers cannot). */
static int other_trackers(int fd) {
  short found = F_UNLCK;
  if (npshm_ofd(fd, F_OFD_GETLK, F_RDLCK, NPSHM_SLOTS_AT, 0, &found) != 0) return 1;
  return found == F_WRLCK;
}

/* Takes a free slot of our own: 0, or EAGAIN if readers' read locks covered every one tried. */
static int take_slot(int fd) {
  off_t mine = NPSHM_SLOTS_AT + ((off_t)getpid() << NPSHM_SLOT_PID_SHIFT);
  int e = EAGAIN;
  for (int attempt = 0; attempt < 16 && (e == EAGAIN || e == EACCES); attempt++) {
    off_t at = mine + (off_t)(npshm_random64() & ((1u << NPSHM_SLOT_PID_SHIFT) - 1));
    e = npshm_ofd(fd, F_OFD_SETLK, F_WRLCK, at, 1, NULL);
  }
  return e == EACCES ? EAGAIN : e;
}

/* The "leaving" step: under the gate, give up our slot and, if no other tracker holds one,
 * unlink the name if it still names our segment. Returns 1 if it unlinked. */
int npshm_tracker_leave(int fd, const char *path) {
  int gated = npshm_gate_take(fd);
  npshm_ofd(fd, F_OFD_SETLK, F_UNLCK, NPSHM_SLOTS_AT, 0, NULL);
  int unlinked = !other_trackers(fd) && npshm_same_file(fd, path) == 0 && unlink(path) == 0;
  npshm_gate_drop(fd, gated);
  return unlinked;
}

/* ------------------------------------------------------------------------ tracking */

/* A read-write open file description of its own for the file behind fd (a tracker's, a lock
 * token's: their OFD locks then live exactly as long as it); -1 with errno. */
static int own_description(int fd) {
  char proc[40];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int t = open(proc, O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (t < 0 && errno == ENOENT && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR) {
    t = fcntl(fd, F_DUPFD_CLOEXEC, 0); /* no /proc: share the handle's description */
  }
  return t;
}

/* Joins the trackers under the gate, so no leaver or unlinker runs between our slot and our
 * check of the name. Returns 0, ESTALE, or errno. */
static int join(int t, const char *path, int unpublished) {
  int gated = npshm_gate_take(t);
  int e = take_slot(t);
  if (!e && !unpublished && npshm_same_file(t, path) != 0) e = ESTALE;
  if (e) npshm_ofd(t, F_OFD_SETLK, F_UNLCK, NPSHM_SLOTS_AT, 0, NULL);
  npshm_gate_drop(t, gated);
  return e;
}

NPSHM_API int32_t npshm_track(int64_t handle, const char *name, int32_t unpublished,
                              uint64_t flags_addr, int64_t control_at, int64_t *out) {
  (void)control_at; /* the inode tells segments apart here */
  npshm_out_init(out, 0);
  npshm_path path;
  int fd = npshm_fd_of(handle);
  if (fd < 0 || !sync_path_of(path, name)) return npshm_fail(out, EINVAL);
  int t = own_description(fd);
  if (t < 0) return npshm_fail(out, errno);
  int e = join(t, path, unpublished);
  if (e) {
    close(t);
    return e == ESTALE ? NPSHM_STALE : npshm_fail(out, e);
  }
  return npshm_tracked(t, path, flags_addr, out);
}

NPSHM_API int32_t npshm_untrack(int64_t tracker, const char *name, int64_t *out) {
  npshm_out_init(out, 0);
  npshm_path path;
  int fd = npshm_fd_of(tracker);
  if (fd < 0 || !sync_path_of(path, name)) return npshm_fail(out, EINVAL);
  return npshm_untracked(fd, path, out);
}

/*
 * The name's segment opened to take its gate (read-only if we may not write it: no gate);
 * never a FIFO or anything else planted there. -1 with errno set.
 */
static int open_named(const char *path) {
  int fd = -1;
  struct stat st;
  int e = npshm_open_regular(path, O_RDWR, 0, 1, &fd, &st);
  if (e == EACCES) e = npshm_open_regular(path, O_RDONLY, 0, 1, &fd, &st);
  if (e) errno = e;
  return e ? -1 : fd;
}

NPSHM_API int32_t npshm_unlink_untracked(const char *name, int64_t handle, int64_t control_at,
                                         int64_t *out) {
  (void)control_at;
  npshm_out_init(out, 0);
  npshm_path path;
  int own = npshm_fd_of(handle);
  if ((handle >= 0 && own < 0) || !sync_path_of(path, name)) return npshm_fail(out, EINVAL);
  int fd = own >= 0 ? npshm_writable(own) : open_named(path);
  if (fd < 0 && own >= 0 && errno == EACCES) fd = own;
  if (fd < 0) return npshm_fail(out, errno);
  int gated = npshm_gate_take(fd); /* not writable: no gate, and the unlink is likely refused */
  int e = other_trackers(fd) ? EWOULDBLOCK : npshm_same_file(fd, path);
  if (e == ESTALE) e = own >= 0 ? ESTALE : ENOENT;
  if (!e && unlink(path) != 0) e = errno;
  npshm_gate_drop(fd, gated);
  if (fd != own) close(fd);
  if (e == ESTALE) return NPSHM_STALE;
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

/* Listings read /proc/locks here (src/list.ts). */
NPSHM_API int32_t npshm_trackers(const char *name, uint64_t nonce, int32_t *pids, int32_t cap,
                                 int64_t *out) {
  (void)name, (void)nonce, (void)pids, (void)cap;
  npshm_out_init(out, 0);
  return NPSHM_UNSUPPORTED;
}
#endif /* Linux: tracking by OFD slots */

/* ------------------------------------------------------------------------ sleeping */

#ifdef __linux__
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449 /* the same number on every architecture (Linux 5.16) */
#endif
#define WAITV_SIZE_U32 2 /* FUTEX2_SIZE_U32 */

/* struct futex_waitv of <linux/futex.h>, spelled out for older headers. */
struct npshm_waitv {
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};

static int have_waitv = 1; /* cleared once futex_waitv says ENOSYS */
#endif

static void add_ns(struct timespec *t, int64_t ns) {
  int64_t sum = t->tv_nsec + ns % 1000000000;
  t->tv_sec += (time_t)(ns / 1000000000 + sum / 1000000000);
  t->tv_nsec = (long)(sum % 1000000000);
}

static int before(const struct timespec *a, const struct timespec *b) {
  return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The absolute CLOCK_MONOTONIC deadline `ns` from now (negative: none, returns NULL). */
static struct timespec *deadline_in(int64_t ns, struct timespec *t) {
  if (ns < 0) return NULL;
  clock_gettime(CLOCK_MONOTONIC, t);
  add_ns(t, ns);
  return t;
}

static int passed(const struct timespec *until) {
  struct timespec now;
  if (until == NULL) return 0;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return !before(&now, until);
}

#ifdef __linux__
/* Linux: futex_waitv on the word and the cancel word, else FUTEX_WAIT in cancel slices. */
int npshm_sleep_on(uint64_t word, uint32_t expected, uint64_t cancel,
                   const struct timespec *until) {
  if (npshm_cancelled(cancel)) return ECANCELED;
  long r;
  if (cancel && __atomic_load_n(&have_waitv, __ATOMIC_RELAXED)) {
    struct npshm_waitv w[2] = {{expected, word, WAITV_SIZE_U32, 0},
                               {0, cancel, WAITV_SIZE_U32 | FUTEX_PRIVATE_FLAG, 0}};
    r = syscall(SYS_futex_waitv, w, 2, 0, until, CLOCK_MONOTONIC);
    if (r >= 0) return npshm_cancelled(cancel) ? ECANCELED : 0;
    if (errno != ENOSYS) return errno == EAGAIN && npshm_cancelled(cancel) ? ECANCELED : errno;
    __atomic_store_n(&have_waitv, 0, __ATOMIC_RELAXED);
  }
  struct timespec slice;
  const struct timespec *limit = until;
  if (cancel) { /* no futex_waitv: wake up now and then to look at the cancel word */
    deadline_in((int64_t)NPSHM_CANCEL_SLICE_MS * 1000000, &slice);
    if (until == NULL || before(&slice, until)) limit = &slice;
  }
  /* WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline: a signal does not stretch it. */
  r = syscall(SYS_futex, (uint32_t *)(uintptr_t)word, FUTEX_WAIT_BITSET, expected, limit, NULL,
              FUTEX_BITSET_MATCH_ANY);
  if (r == 0) return 0;
  if (errno == ETIMEDOUT && limit != until) return NPSHM_SLICE_ENDED;
  return errno;
}

void npshm_wake_word(uint64_t word, int32_t count, int private_word) {
  syscall(SYS_futex, (uint32_t *)(uintptr_t)word, private_word ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE,
          count, NULL, NULL, 0);
}

NPSHM_API void npshm_cancel_set(uint64_t cancel) {
  if (!npshm_word_ok(cancel)) return;
  __atomic_store_n((uint32_t *)(uintptr_t)cancel, 1u, __ATOMIC_RELEASE);
  npshm_wake_word(cancel, INT32_MAX, 1);
}
#endif /* __linux__: sleeping */

/* ------------------------------------------------------------------------ the mutex */

#if defined(__linux__) && !defined(NPSHM_LOCKFILES)
/* Tokens as OFD locks on the segment (macOS and NPSHM_LOCKFILES: npshm_sync_darwin.c). */

/* An OFD lock call on the token byte of `id`; `found` receives what F_OFD_GETLK reports. */
static int token_lock(int fd, int cmd, short type, uint32_t id, short *found) {
  return npshm_ofd(fd, cmd, type, (off_t)NPSHM_LOCK_TOKENS_AT + (off_t)id, 1, found);
}

/* A random token id. The system call, not glibc's getrandom(): release builds target glibc
 * 2.17, which has no such function. */
static uint32_t random_id(void) {
  uint32_t r = 0;
  if (syscall(SYS_getrandom, &r, sizeof r, GRND_NONBLOCK) != (long)sizeof r) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    r = (uint32_t)t.tv_nsec * 2654435761u ^ (uint32_t)getpid();
  }
  return r & NPSHM_LOCK_ID_MASK;
}

NPSHM_API int32_t npshm_lock_token(int64_t handle, uint64_t word_addr, int64_t *out) {
  npshm_out_init(out, NPSHM_NO_HANDLE);
  int fd = npshm_fd_of(handle);
  if (fd < 0 || !npshm_word_ok(word_addr)) return npshm_fail(out, EINVAL);
  int t = own_description(fd);
  if (t < 0) return npshm_fail(out, errno);
  int e = EAGAIN;
  for (int draw = 0; draw < 16; draw++) {
    uint32_t id = random_id();
    if (id == 0) continue;
    e = token_lock(t, F_OFD_SETLK, F_WRLCK, id, NULL);
    if (e == EAGAIN || e == EACCES) continue; /* a live token, or a reader's lock */
    if (e) break;
    if (npshm_lock_holder(word_addr) == id) {
      token_lock(t, F_OFD_SETLK, F_UNLCK, id, NULL); /* a dead holder's id: keep it dead */
      e = EAGAIN;
      continue;
    }
    if (out) {
      out[0] = t;
      out[1] = id;
    }
    return NPSHM_OK;
  }
  close(t);
  return npshm_fail(out, e == EACCES ? EAGAIN : e);
}

/* 1 if the token `id` is held (a write lock: readers cannot fake one), 0 if not, -1 errno. */
int npshm_token_alive(int fd, uint32_t id) {
  short found = F_UNLCK;
  int e = token_lock(fd, F_OFD_GETLK, F_RDLCK, id, &found);
  if (e) {
    errno = e;
    return -1;
  }
  return found == F_WRLCK;
}
#endif /* OFD tokens */

/* The lock call's platform side (npshm_lock.c): tokens as above, sleeping on the futex. */
struct posix_lock {
  int fd;                 /* our token */
  struct timespec *until; /* the deadline, or NULL */
};

static int posix_alive(void *ctx, uint32_t id, npshm_oserr *err) {
  int alive = npshm_token_alive(((struct posix_lock *)ctx)->fd, id);
  if (alive < 0) *err = errno;
  return alive;
}

static int posix_expired(void *ctx) { return passed(((struct posix_lock *)ctx)->until); }

static int posix_sleep(void *ctx, uint64_t word_addr, uint32_t seen, uint32_t ms, uint64_t cancel,
                       npshm_oserr *err) {
  const struct timespec *until = ((struct posix_lock *)ctx)->until;
  struct timespec check; /* look at the holder's token again by then */
  deadline_in((int64_t)ms * 1000000, &check);
  int e = npshm_sleep_on(word_addr, seen, cancel, until && before(until, &check) ? until : &check);
  if (e == ECANCELED) return 1;
  if (e <= 0 || e == EAGAIN || e == EINTR || e == ETIMEDOUT) return 0;
  *err = e;
  return -1;
}

static int posix_wake_one(void *ctx, uint64_t word_addr, npshm_oserr *err) {
  (void)ctx, (void)err;
  npshm_wake_word(word_addr, 1, 0);
  return 0;
}

NPSHM_API int32_t npshm_lock_wait(int64_t token, uint64_t word_addr, uint32_t id,
                                  int64_t timeout_ns, uint64_t cancel, int64_t *out) {
  npshm_out_init(out, 0);
  int fd = npshm_fd_of(token);
  if (fd < 0 || !npshm_word_ok(word_addr) || id == 0 || id > NPSHM_LOCK_ID_MASK) {
    return npshm_fail(out, EINVAL);
  }
  if (npshm_cancelled(cancel)) return NPSHM_CANCELLED;
  struct timespec end;
  struct posix_lock lock = {fd, deadline_in(timeout_ns, &end)};
  struct npshm_lock_os os = {&lock, posix_alive, posix_expired, posix_sleep, posix_wake_one};
  return npshm_lock_take(word_addr, id, timeout_ns != 0, cancel, &os, out);
}

NPSHM_API int32_t npshm_unlock(uint64_t word_addr, uint32_t id, int64_t *out) {
  npshm_out_init(out, 0);
  if (!npshm_word_ok(word_addr) || id == 0 || id > NPSHM_LOCK_ID_MASK) {
    return npshm_fail(out, EINVAL);
  }
  struct npshm_lock_os os = {NULL, NULL, NULL, NULL, posix_wake_one};
  return npshm_lock_give(word_addr, id, &os, out);
}

/* ------------------------------------------------------------------------ wait / notify */

NPSHM_API int32_t npshm_wait(uint64_t addr, int32_t expected, int64_t timeout_ns, uint64_t cancel,
                             int64_t *out) {
  npshm_out_init(out, 0);
  if (!npshm_word_ok(addr) || (cancel && !npshm_word_ok(cancel))) return npshm_fail(out, EINVAL);
  /* Cancelled before it began (it may begin late, on a worker thread): so, whatever the word. */
  if (npshm_cancelled(cancel)) return NPSHM_CANCELLED;
  struct timespec end, *until = deadline_in(timeout_ns, &end);
  int32_t spun = npshm_wait_spin(addr, (uint32_t)expected, timeout_ns);
  if (spun >= 0) return spun;
  int sliced = 0;
  for (;;) {
    int e = npshm_sleep_on(addr, (uint32_t)expected, cancel, until);
    if (e == 0) return NPSHM_OK;
    if (e == NPSHM_SLICE_ENDED) sliced = 1;
    if (e == NPSHM_SLICE_ENDED || e == EINTR) continue;
    /* A change seen after a slice counts as a wake-up: its notify fell between two slices. */
    if (e == EAGAIN) return sliced ? NPSHM_OK : NPSHM_NOT_EQUAL;
    if (e == ETIMEDOUT) return NPSHM_TIMED_OUT;
    if (e == ECANCELED) return NPSHM_CANCELLED;
    return npshm_fail(out, e);
  }
}

#ifdef __linux__
NPSHM_API int32_t npshm_wake(uint64_t addr, int32_t count, int64_t *out) {
  npshm_out_init(out, 0);
  if (!npshm_word_ok(addr) || count < 0) return npshm_fail(out, EINVAL);
  long r = syscall(SYS_futex, (uint32_t *)(uintptr_t)addr, FUTEX_WAKE, count, NULL, NULL, 0);
  if (r < 0) return npshm_fail(out, errno);
  if (out) out[0] = r;
  return NPSHM_OK;
}
#endif

#endif /* Linux, macOS */

#if !defined(__linux__) && !defined(__APPLE__) && !defined(_WIN32)
/* ================ tracking where it is not built: other platforms (Windows:
 * npshm_sync_win32.c; macOS: npshm_track_files.c) */

static int32_t unsupported(int64_t *out) {
  npshm_out_init(out, 0);
  return NPSHM_UNSUPPORTED;
}

NPSHM_API int32_t npshm_track(int64_t handle, const char *name, int32_t unpublished,
                              uint64_t flags_addr, int64_t control_at, int64_t *out) {
  (void)handle, (void)name, (void)unpublished, (void)flags_addr, (void)control_at;
  return unsupported(out);
}

NPSHM_API int32_t npshm_untrack(int64_t tracker, const char *name, int64_t *out) {
  (void)tracker, (void)name;
  return unsupported(out);
}

NPSHM_API int32_t npshm_unlink_untracked(const char *name, int64_t handle, int64_t control_at,
                                         int64_t *out) {
  (void)name, (void)handle, (void)control_at;
  return unsupported(out);
}

NPSHM_API int32_t npshm_trackers(const char *name, uint64_t nonce, int32_t *pids, int32_t cap,
                                 int64_t *out) {
  (void)name, (void)nonce, (void)pids, (void)cap;
  return unsupported(out);
}

#endif

#if !defined(__linux__) && !defined(__APPLE__) && !defined(_WIN32)
/* ================ the mutex and the waits on other platforms */

NPSHM_API void npshm_cancel_set(uint64_t cancel) {
  if (cancel) *(volatile uint32_t *)(uintptr_t)cancel = 1;
}

NPSHM_API int32_t npshm_lock_token(int64_t handle, uint64_t word_addr, int64_t *out) {
  (void)handle, (void)word_addr;
  return unsupported(out);
}

NPSHM_API int32_t npshm_lock_wait(int64_t token, uint64_t word_addr, uint32_t id,
                                  int64_t timeout_ns, uint64_t cancel, int64_t *out) {
  (void)token, (void)word_addr, (void)id, (void)timeout_ns, (void)cancel;
  return unsupported(out);
}

NPSHM_API int32_t npshm_unlock(uint64_t word_addr, uint32_t id, int64_t *out) {
  (void)word_addr, (void)id;
  return unsupported(out);
}

NPSHM_API int32_t npshm_wait(uint64_t addr, int32_t expected, int64_t timeout_ns, uint64_t cancel,
                             int64_t *out) {
  (void)addr, (void)expected, (void)timeout_ns, (void)cancel;
  return unsupported(out);
}

NPSHM_API int32_t npshm_wake(uint64_t addr, int32_t count, int64_t *out) {
  (void)addr, (void)count;
  return unsupported(out);
}
#endif
