/*
 * npshm native shim, internal (not part of the API in npshm.h): what the source files share,
 * so that a rule or a mapping lives in one place and every family of calls follows it alike.
 *
 *   - the feature macros every source needs before its first system header;
 *   - the one mapping of OS errors (POSIX errno, Win32 GetLastError) to NPSHM_* statuses;
 *   - out[] reset, handle conversion, the size and name rules, /dev/shm paths (Linux).
 *
 * Every npshm*.c includes this file first.
 */
#ifndef NPSHM_INTERNAL_H
#define NPSHM_INTERNAL_H

#ifndef _WIN32
/* O_TMPFILE, linkat, fallocate and the GNU strerror_r live behind _GNU_SOURCE on glibc. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* 64-bit off_t even on 32-bit targets, so sizes above 2 GiB are not truncated. */
#define _FILE_OFFSET_BITS 64
#endif

#include "npshm.h"

#include <stdio.h>
#include <string.h>

/* Longest name in bytes: NAME_MAX on Linux; Win32 object names share the limit. */
#define NPSHM_NAME_MAX 255

/* out[0] of a call that returns a handle, until it has one. */
#define NPSHM_NO_HANDLE (-1)

/*
 * Resets out[] before a call fills it: out[0] = first (NPSHM_NO_HANDLE where out[0] is a
 * handle, 0 where it is a count or a pid), the rest 0.
 */
static inline void npshm_out_init(int64_t *out, int64_t first) {
  if (out) {
    out[0] = first;
    out[1] = 0;
    out[2] = 0;
    out[3] = 0;
  }
}

/* A size the kernel can take as a signed 64-bit offset and we can take as size_t. */
static inline int npshm_size_fits(uint64_t size) {
  return size <= (uint64_t)INT64_MAX && size <= SIZE_MAX;
}

/*
 * A name that can stand for a file in one directory: not empty, ".", ".." or longer than
 * NPSHM_NAME_MAX, no '/'. The sync calls take exactly these (they also act on names that
 * other programs put in /dev/shm); npshm_name_ok is the stricter rule for our own segments.
 */
static inline int npshm_plain_name(const char *name) {
  if (name == NULL || name[0] == '\0') return 0;
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return 0;
  for (size_t n = 0; name[n] != '\0'; n++) {
    if (n >= NPSHM_NAME_MAX || name[n] == '/') return 0;
  }
  return 1;
}

/*
 * A segment name: the rules of src/name.ts, so the shim is safe even when called directly.
 * A plain name without '\\' either, which Win32 object names reserve.
 */
static inline int npshm_name_ok(const char *name) {
  return npshm_plain_name(name) && strchr(name, '\\') == NULL;
}

#ifndef _WIN32
/* ======================================================================== POSIX */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int npshm_oserr;

/* How long a gate waits for another writer (who holds it for microseconds) before going on. */
#define NPSHM_GATE_PATIENCE_S 5

/* Not an errno: the path exists but is no regular file (see npshm_open_regular). */
#define NPSHM_E_NOT_FILE (-1)
/* Not an errno: this system (or file system) cannot do it; the caller has another way. */
#define NPSHM_E_UNSUPPORTED (-2)

static inline int32_t npshm_status_of(npshm_oserr e) {
  switch (e) {
  case 0:
    return NPSHM_OK;
  case EEXIST:
    return NPSHM_EXISTS;
  case ENOENT:
  case ENOTDIR:
    return NPSHM_NOT_FOUND;
  case ENOSPC:
  case ENOMEM:
  case EFBIG:
  case EDQUOT:
    return NPSHM_NO_SPACE;
  case EACCES:
  case EPERM:
  case EROFS:
    return NPSHM_PERMISSION;
  case EINVAL:
  case ENAMETOOLONG:
  case EISDIR:
  case EBADF:
  case EFAULT:
    return NPSHM_INVALID;
  case EWOULDBLOCK:
    return NPSHM_BUSY;
  case NPSHM_E_NOT_FILE:
    return NPSHM_NOT_FILE;
  case NPSHM_E_UNSUPPORTED:
    return NPSHM_UNSUPPORTED;
  default:
    return NPSHM_OTHER;
  }
}

/* The descriptor a handle from the JS side stands for, or -1 if it cannot be one. */
static inline int npshm_fd_of(int64_t handle) {
  return (handle < 0 || handle > INT32_MAX) ? -1 : (int)handle;
}

/*
 * Opens a path that must be a regular file without blocking on, or acting on, anything else
 * someone planted there: O_NONBLOCK, so a FIFO does not wait for a writer (on a regular file it
 * changes nothing); O_NOCTTY, so a terminal does not become ours; with `nofollow`, a symlink is
 * refused. Anything that is not a regular file (also a directory, socket or device) is
 * NPSHM_E_NOT_FILE, and nothing stays open. `mode`: of a file that O_CREAT makes. Returns 0
 * (*fd and *st filled) or an errno.
 */
static inline npshm_oserr npshm_open_regular(const char *path, int flags, mode_t mode,
                                             int nofollow, int *fd, struct stat *st) {
  int f = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0), mode);
  if (f < 0) {
    int e = errno;
    /* a symlink not followed, a directory opened for writing, a socket */
    return (e == ELOOP || e == EISDIR || e == ENXIO) ? NPSHM_E_NOT_FILE : e;
  }
  int e = fstat(f, st) != 0 ? errno : S_ISREG(st->st_mode) ? 0 : NPSHM_E_NOT_FILE;
  if (e) {
    close(f);
    return e;
  }
  *fd = f;
  return 0;
}

#include <sys/mman.h>
#ifdef __APPLE__
#include <mach/vm_inherit.h>
#endif
/*
 * Keeps a forked child (the reaper, npshm_reaper.c) from inheriting the mapping at p, which it
 * would keep after every user let it go: a deleted segment's memory, a file view's pages. Linux's
 * reaper unmaps what it inherited instead (from /proc/self/maps); macOS has no such list.
 */
static inline void *npshm_no_inherit(void *p, size_t size) {
#ifdef __APPLE__
  if (p != MAP_FAILED) minherit(p, size, VM_INHERIT_NONE);
#else
  (void)size;
#endif
  return p;
}

/* "/dev/shm/" + name + NUL (Linux path calls), or "/" + name + NUL (shm_open). */
#define NPSHM_SHM_DIR "/dev/shm"
typedef char npshm_path[sizeof(NPSHM_SHM_DIR) + NPSHM_NAME_MAX + 2];

#ifdef __linux__
/* Callers checked the name, so it always fits. */
static inline void npshm_dev_path(npshm_path dst, const char *name) {
  snprintf(dst, sizeof(npshm_path), NPSHM_SHM_DIR "/%s", name);
}

/*
 * 0 if path names the very file behind fd, ESTALE if another one, else the errno of fstat or
 * stat. Async-signal-safe: the reaper calls it.
 */
static inline npshm_oserr npshm_same_file(int fd, const char *path) {
  struct stat mine, named;
  if (fstat(fd, &mine) != 0) return errno;
  if (stat(path, &named) != 0) return errno;
  return (mine.st_dev == named.st_dev && mine.st_ino == named.st_ino) ? 0 : ESTALE;
}

/* ---- names: the gate, tracker slots and temporary names (design: npshm_sync.c) ---------- */
#include <fcntl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Byte of a segment whose exclusive OFD lock is its gate; tracker slots lie above it. */
#define NPSHM_GATE_AT ((off_t)1 << 62)
#define NPSHM_SLOTS_AT (NPSHM_GATE_AT + 1)
/* A tracker's slot: NPSHM_SLOTS_AT + (pid << 24) + 24 random bits (the pid is for listings). */
#define NPSHM_SLOT_PID_SHIFT 24
/* Force-replace links the new segment here first: "/dev/shm/.npshm-<pid>-<16 hex>". */
#define NPSHM_TEMP_PREFIX ".npshm-"

/* An OFD lock call on [start, start + len) (len 0: every byte from start on). `found`, if
 * given, receives the type of lock F_OFD_GETLK reports. Returns 0 or errno. */
static inline npshm_oserr npshm_ofd(int fd, int cmd, short type, off_t start, off_t len,
                                    short *found) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  int r;
  do {
    r = fcntl(fd, cmd, &fl);
  } while (r != 0 && errno == EINTR);
  if (found) *found = fl.l_type;
  return r == 0 ? 0 : errno;
}

/*
 * Takes the gate of the segment behind fd, waiting while another writer holds it. Returns 1
 * if taken, 0 if the caller goes on without it: fd is not writable, or the gate is held by a
 * read lock (which only a process without write access has reason to take: it must not be
 * able to stop us), or a writer kept it for NPSHM_GATE_PATIENCE_S. Async-signal-safe.
 */
static inline int npshm_gate_take(int fd) {
  struct timespec start, now, pause = {0, 20 * 1000};
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    npshm_oserr e = npshm_ofd(fd, F_OFD_SETLK, F_WRLCK, NPSHM_GATE_AT, 1, NULL);
    if (e == 0) return 1;
    if (e != EAGAIN && e != EACCES) return 0;
    short found = F_UNLCK;
    if (npshm_ofd(fd, F_OFD_GETLK, F_WRLCK, NPSHM_GATE_AT, 1, &found) != 0) return 0;
    if (found == F_RDLCK) return 0;
    if (found == F_UNLCK) continue; /* let go meanwhile */
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec >= NPSHM_GATE_PATIENCE_S) return 0;
    nanosleep(&pause, NULL);
    if (pause.tv_nsec < 4 * 1000 * 1000) pause.tv_nsec *= 2;
  }
}

static inline void npshm_gate_drop(int fd, int taken) {
  if (taken) npshm_ofd(fd, F_OFD_SETLK, F_UNLCK, NPSHM_GATE_AT, 1, NULL);
}

/* 64 random bits (getrandom; the clock and pid if it fails, as in early boot). */
static inline uint64_t npshm_random64(void) {
  uint64_t r = 0;
  if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    r ^= (uint64_t)t.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)t.tv_sec << 32 ^
         (uint64_t)getpid();
  }
  return r;
}

/*
 * fd itself if it is open for writing, else a new read-write descriptor of the same file
 * (through /proc/self/fd, so it is checked against the file's permissions): the caller closes
 * it if it differs from fd. -1 with errno (EACCES: this process may not write the file).
 */
static inline int npshm_writable(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -1;
  if ((flags & O_ACCMODE) != O_RDONLY) return fd;
  char proc[40];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  return open(proc, O_RDWR | O_CLOEXEC | O_NONBLOCK);
}

/*
 * Unlinks path if it still names the file behind fd, under that file's gate, so that no
 * publisher can put a successor there between the check and the unlink. fd must be
 * writable to take the gate (else the check and unlink run ungated). Returns 0 or errno
 * (ESTALE: the name holds another file).
 */
static inline npshm_oserr npshm_unlink_same(int fd, const char *path) {
  int gated = npshm_gate_take(fd);
  npshm_oserr e = npshm_same_file(fd, path);
  if (!e && unlink(path) != 0) e = errno;
  npshm_gate_drop(fd, gated);
  return e;
}
#ifdef O_TMPFILE
#define NPSHM_TMPFILE 1
#include <limits.h>

/*
 * Gives the unnamed file behind fd (made with O_TMPFILE) the name path; EEXIST if it is taken.
 * /proc/self/fd/N follows to the unnamed file; without /proc, AT_EMPTY_PATH needs privilege.
 */
static inline npshm_oserr npshm_link_fd(int fd, const char *path) {
  char proc[40];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0) return 0;
  if (errno != ENOENT) return errno;
  return linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0 ? 0 : errno;
}

/*
 * Links fd under a fresh hidden name in path's directory, "<dir>/.npshm-<pid>-<16 hex>", into
 * tmp: the pid tells an orphan left by a crash from a live one, and 64 random bits keep anybody
 * from squatting the names we will use. link() never replaces: a taken name draws again.
 */
static inline npshm_oserr npshm_link_temp(int fd, const char *path, char tmp[PATH_MAX]) {
  const char *slash = strrchr(path, '/');
  int dir = slash ? (int)(slash - path + 1) : 0;
  npshm_oserr e = EEXIST;
  for (int attempt = 0; attempt < 16 && e == EEXIST; attempt++) {
    int n = snprintf(tmp, PATH_MAX, "%.*s" NPSHM_TEMP_PREFIX "%ld-%016llx", dir, path,
                     (long)getpid(), (unsigned long long)npshm_random64());
    if (n < 0 || n >= PATH_MAX) return ENAMETOOLONG;
    e = npshm_link_fd(fd, tmp);
  }
  return e;
}

/*
 * The same as npshm_link_fd, replacing whatever path names, atomically: link under a temporary
 * name of our own (npshm_link_temp), then rename() it over path, so the name never goes missing
 * (unlink + link would leave a gap) and concurrent replacers just take turns. Only a crash
 * between the two calls can leave the temporary name behind, a complete file.
 */
static inline npshm_oserr npshm_link_replacing(int fd, const char *path) {
  char tmp[PATH_MAX];
  npshm_oserr e = npshm_link_temp(fd, path, tmp);
  if (e) return e;
  if (rename(tmp, path) == 0) return 0;
  e = errno;
  unlink(tmp);
  return e;
}
#endif

#include <sys/mman.h>
#include <sys/vfs.h>
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older headers lack it */
#endif
#define NPSHM_TMPFS_MAGIC 0x01021994

/*
 * Whether the file behind fd has holes and lives in memory (tmpfs: /dev/shm, or a tmpfs mount).
 * There even reading a hole through a mapping allocates a page, so on a full tmpfs the first
 * read of a hole raises SIGBUS. (On disk file systems a read of a hole allocates nothing.)
 */
static inline int npshm_sparse_in_memory(int fd, const struct stat *st) {
  if ((uint64_t)st->st_blocks * 512u >= (uint64_t)st->st_size) return 0;
  struct statfs fs;
  return fstatfs(fd, &fs) == 0 && fs.f_type == NPSHM_TMPFS_MAGIC;
}

/*
 * Faults every page of a fresh mapping in now (MADV_POPULATE_READ, Linux 5.14+), so that a full
 * tmpfs is ENOSPC here rather than SIGBUS at some later read. Older kernels do not know it
 * (EINVAL): nothing is done, and reading holes of a full tmpfs can still fault there.
 */
static inline npshm_oserr npshm_populate(void *addr, size_t len) {
  int r;
  do {
    r = madvise(addr, len, MADV_POPULATE_READ);
  } while (r != 0 && errno == EINTR);
  if (r == 0 || errno == EINVAL) return 0;
  return (errno == EFAULT || errno == ENOMEM) ? ENOSPC : errno; /* EFAULT: it would SIGBUS */
}
#else
/* Elsewhere shm objects and files do not allocate on reading a hole: nothing to do. */
static inline int npshm_sparse_in_memory(int fd, const struct stat *st) {
  (void)fd;
  (void)st;
  return 0;
}
static inline npshm_oserr npshm_populate(void *addr, size_t len) {
  (void)addr;
  (void)len;
  return 0;
}
#endif

#else
/* ======================================================================== Win32 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

typedef DWORD npshm_oserr;

static inline int32_t npshm_status_of(npshm_oserr e) {
  switch (e) {
  case 0:
    return NPSHM_OK;
  case ERROR_FILE_EXISTS:
  case ERROR_ALREADY_EXISTS:
    return NPSHM_EXISTS;
  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND:
    return NPSHM_NOT_FOUND;
  case ERROR_DISK_FULL:
  case ERROR_HANDLE_DISK_FULL:
  case ERROR_NOT_ENOUGH_MEMORY:
  case ERROR_COMMITMENT_LIMIT:
    return NPSHM_NO_SPACE;
  case ERROR_ACCESS_DENIED:
  case ERROR_SHARING_VIOLATION:
  case ERROR_WRITE_PROTECT:
    return NPSHM_PERMISSION;
  case ERROR_INVALID_PARAMETER:
  case ERROR_INVALID_NAME:
  case ERROR_FILENAME_EXCED_RANGE:
  case ERROR_DIRECTORY:
    return NPSHM_INVALID;
  case ERROR_NOT_SUPPORTED:
    return NPSHM_UNSUPPORTED;
  case ERROR_BUSY:
  case ERROR_LOCK_VIOLATION:
    return NPSHM_BUSY;
  default:
    return NPSHM_OTHER;
  }
}

/* The HANDLE a handle from the JS side stands for, or NULL if it cannot be one. */
static inline HANDLE npshm_handle_of(int64_t handle) {
  return handle <= 0 ? NULL : (HANDLE)(intptr_t)handle;
}

/*
 * The views this process mapped, so that the sync calls, which get only addresses, can name
 * the segment behind one across processes (npshm_sync_win32.c): a key per segment name or
 * file, added when a view is mapped and dropped when it is unmapped.
 */
uint64_t npshm_win_key_of_name(const char *name);
uint64_t npshm_win_key_of_file(uint32_t volume, uint64_t index);
void npshm_win_view_add(const void *addr, uint64_t size, uint64_t key);
void npshm_win_view_drop(const void *addr);
#endif

/* Records e in out[3] (when there is an out) and returns its status. */
static inline int32_t npshm_fail(int64_t *out, npshm_oserr e) {
  if (out) out[3] = (int64_t)e;
  return npshm_status_of(e);
}

#ifdef _WIN32
#define NPSHM_HIDDEN /* a DLL exports only what NPSHM_API marks */
#define NPSHM_E_DEADLOCK ERROR_POSSIBLE_DEADLOCK
#define NPSHM_E_NOT_HOLDER ERROR_ACCESS_DENIED
#else
#define NPSHM_HIDDEN __attribute__((visibility("hidden"))) /* shared by our .c files only */
#define NPSHM_E_DEADLOCK EDEADLK
#define NPSHM_E_NOT_HOLDER EPERM
#endif

/* An address the sync calls take: a 4-byte-aligned word. */
static inline int npshm_word_ok(uint64_t addr) { return addr != 0 && addr % 4 == 0; }

/* Whether an async call's cancel word (npshm_cancel_new; 0: none) has been set. */
static inline int npshm_cancelled(uint64_t cancel) {
  return cancel && __atomic_load_n((uint32_t *)(uintptr_t)cancel, __ATOMIC_ACQUIRE) != 0;
}

/* ---- the mutex's lock word (npshm_lock.c), over what each platform supplies -------------- */

/* How often a sleeping locker looks at the holder's token again. */
#define NPSHM_LOCK_CHECK_MS 100
/* How long a locker sleeps before its first look at the holder's token: most holders let go
 * within it, and then the look (a system call) is never needed. A dead holder is found after
 * it, not at once. */
#define NPSHM_LOCK_TRUST_MS 1

/* One lock call's platform side: its tokens and its sleeping. */
struct npshm_lock_os {
  void *ctx; /* passed to each of these */
  /* 1 if the token `id` is held (its owner lives), 0 if not, -1 with *err. */
  int (*alive)(void *ctx, uint32_t id, npshm_oserr *err);
  /* 1 once the call's deadline has passed. */
  int (*expired)(void *ctx);
  /* Sleeps while the word is `seen`, at most `ms` and until the deadline: 0 (woken, or time
   * to look again), 1 (the cancel word was set), or -1 with *err. */
  int (*sleep)(void *ctx, uint64_t word_addr, uint32_t seen, uint32_t ms, uint64_t cancel,
               npshm_oserr *err);
  /* Wakes one sleeper on the word: 0, or -1 with *err. */
  int (*wake_one)(void *ctx, uint64_t word_addr, npshm_oserr *err);
};

/* The id in the lock word now (0: free). */
NPSHM_HIDDEN uint32_t npshm_lock_holder(uint64_t word_addr);
/* npshm_lock_wait once its arguments are checked (may_wait: timeout_ns != 0). */
NPSHM_HIDDEN int32_t npshm_lock_take(uint64_t word_addr, uint32_t id, int may_wait,
                                     uint64_t cancel, const struct npshm_lock_os *os,
                                     int64_t *out);
/* npshm_unlock once its arguments are checked. */
NPSHM_HIDDEN int32_t npshm_lock_give(uint64_t word_addr, uint32_t id,
                                     const struct npshm_lock_os *os, int64_t *out);
/* The start of npshm_wait once its arguments are checked, before it sleeps: NPSHM_NOT_EQUAL if
 * the word is not `expected`, NPSHM_OK if it changed while this spun (as if woken), or -1: sleep. */
NPSHM_HIDDEN int32_t npshm_wait_spin(uint64_t addr, uint32_t expected, int64_t timeout_ns);

#if defined(__linux__) || defined(__APPLE__)
/* ---- the sleeping and the lock tokens under npshm_sync.c's mutex and waits -------------------
 * Linux: futex and OFD tokens (npshm_sync.c); macOS: os_sync_wait_on_address or __ulock and
 * lock-file tokens (npshm_sync_darwin.c), whose lock files Linux also uses when built with
 * -DNPSHM_LOCKFILES (the test build that runs them here). */
#include <time.h>

/* Without a way to sleep on the cancel word too: how often a wait looks at it. */
#define NPSHM_CANCEL_SLICE_MS 100
/* What npshm_sleep_on returns when a slice ended: look at everything again. */
#define NPSHM_SLICE_ENDED (-1)

/*
 * Sleeps while *word == expected until a wake on it, the cancel word (if any) being set, or
 * the absolute CLOCK_MONOTONIC time `until` (NULL: none). Returns 0 (woken), NPSHM_SLICE_ENDED,
 * EAGAIN (*word differs), ETIMEDOUT, ECANCELED, EINTR or another errno.
 */
NPSHM_HIDDEN int npshm_sleep_on(uint64_t word, uint32_t expected, uint64_t cancel,
                                const struct timespec *until);
/* Wakes up to `count` sleepers on word (`private_word`: a word of this process only). */
NPSHM_HIDDEN void npshm_wake_word(uint64_t word, int32_t count, int private_word);
/* 1 if the lock token `id` is held by a live token (fd: a token of ours), 0 if not, -1 errno. */
NPSHM_HIDDEN int npshm_token_alive(int fd, uint32_t id);

/* ---- tracking: the leaving step (OFD slots in npshm_sync.c, or lock files in
 * npshm_track_files.c) and the reaper that takes it when a tracker's process dies
 * (npshm_reaper.c) */

/* Under the name's gate, gives up tracker fd's slot and unlinks the name if no other tracker
 * holds one and it still names the tracker's segment: 1 if it unlinked. The reaper runs it
 * in a process forked from a threaded one: system calls only. */
NPSHM_HIDDEN int npshm_tracker_leave(int fd, const char *path);
/* Hands tracker fd to this process's reaper (starting it if needed): 1 if it took it. */
NPSHM_HIDDEN int npshm_reaper_take(int fd, const char *path);
/* Tells the reaper to let go of tracker fd: the tracker left by itself. */
NPSHM_HIDDEN void npshm_reaper_drop(int fd);
/* The end of npshm_track once tracker t joined: sets "ever tracked" in the flags word (if
 * flags_addr), hands t to the reaper, fills out (out[0]: the reaper took it, out[1]: t). */
NPSHM_HIDDEN int32_t npshm_tracked(int t, const char *path, uint64_t flags_addr, int64_t *out);
/* npshm_untrack once its arguments are checked: leaves, lets the reaper go of t, closes it;
 * out[0] = 1 if it unlinked the name. */
NPSHM_HIDDEN int32_t npshm_untracked(int t, const char *path, int64_t *out);
#endif

#if defined(__APPLE__) || defined(NPSHM_LOCKFILES)
/* ---- the user's lock directory (npshm_sync_darwin.c): lock tokens, gates, tracker slots */

/* The lock directory, opened: -1 with errno (EACCES if it is not this user's alone). */
NPSHM_HIDDEN int npshm_lock_dir_open(void);
/* 1 if `file` in dir is still the file behind fd (so its lock is the name's). */
NPSHM_HIDDEN int npshm_still_named(int dir, const char *file, int fd);
/* Looks at the lock file `file`: 1 held, 0 gone (a dead one is removed), -1 errno. */
NPSHM_HIDDEN int npshm_probe_lockfile(int dir, const char *file);
/* Takes the gate of `name` (npshm_track_files.c), which whatever changes what the name refers
 * to holds: a force-replace, an unlink, a tracker's leaving. Returns it for
 * npshm_name_gate_drop (-1, with *dir -1 too: went on without). */
NPSHM_HIDDEN int npshm_name_gate_take(const char *name, int *dir);
NPSHM_HIDDEN void npshm_name_gate_drop(const char *name, int dir, int gate);
/* npshm_unlink there: under the name's gate; with own >= 0, only if the name still refers to
 * own's segment (the creation nonce at control_at; none: unchecked). 0, ESTALE or errno. */
NPSHM_HIDDEN npshm_oserr npshm_files_unlink(const char *name, int own, int64_t control_at);
#elif !defined(_WIN32)
/* Linux: the gate is the segment's own (npshm_gate_take), none is keyed by the name. */
static inline int npshm_name_gate_take(const char *name, int *dir) {
  (void)name;
  *dir = -1;
  return -1;
}
static inline void npshm_name_gate_drop(const char *name, int dir, int gate) {
  (void)name, (void)dir, (void)gate;
}
#endif

#endif
