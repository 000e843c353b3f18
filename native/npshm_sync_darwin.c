/*
 * npshm native shim, macOS: lock tokens as lock files, and sleeping on a shared word. The mutex
 * and the waits themselves are npshm_sync.c's, the very code Linux runs, over the three
 * primitives of npshm_internal.h (npshm_sleep_on, npshm_wake_word, npshm_token_alive). The lock
 * files also build on Linux with -DNPSHM_LOCKFILES (`native/build.ts --lockfiles`), where the
 * test suite runs them: only the sleeping below is macOS's alone.
 *
 * ---- Lock tokens as lock files (the protocol of README.md, "The lock protocol", step 3) ------
 * macOS has no OFD locks, and shm descriptors refuse flock(2) and fcntl locks alike. What it has
 * that behaves like an OFD lock is flock(2) on a regular file: held by an open file description
 * (so by every descriptor and forked child sharing it, never by a mere pid), dropped by the
 * kernel when that description's last descriptor closes, also at death by kill -9. fcntl locks
 * would not do: they belong to the process and go when ANY of its descriptors of the file
 * closes, and two arrays of one process could not tell their tokens apart.
 *
 * So a token is a file, one per (name, id): `<dir>/<name>.tok-<8 hex id>`, flock'ed LOCK_EX by
 * its owner for as long as it may lock. `<name>` is the segment's POSIX name (on macOS the
 * hashed short form of a long name, src/format/name.ts), `<dir>` the user's lock directory:
 *
 *   - macOS: confstr(_CS_DARWIN_USER_CACHE_DIR)/npshm-<euid> (`getconf DARWIN_USER_CACHE_DIR`,
 *     under /var/folders: the same for every process of the user whatever its environment
 *     says). Not the temporary directory beside it ($TMPDIR): confstr(3) says the system may
 *     remove files there not accessed for 3 days, and a live token's file removed would make
 *     its holder look dead. The cache directory is not cleaned (only a safe boot empties it,
 *     when no holder lives). Linux (the test build): $TMPDIR/npshm-<euid>, else /tmp/....
 *   - Made mode 0700 if missing; used only if it is a directory (not a symlink: O_NOFOLLOW) that
 *     this user owns and nobody else may enter (mode & 077 == 0). Anything else there (squatted
 *     by another user in a shared /tmp, a symlink, a wider mode) is refused with EACCES: npshm
 *     then reports a PermissionDeniedError rather than trusting files someone else can touch.
 *
 * Taking a token: draw a random id, open (O_CREAT, O_NOFOLLOW) its file, flock LOCK_EX|LOCK_NB
 * (taken: another live token has that id, draw again), then check that the name still refers
 * to the file we locked (a checker may have removed a dead one between our open and our lock:
 * then draw again) and that the lock word does not hold that id (a dead holder's id is never
 * handed out while the word names it). The file holds the segment's name, so that the token's
 * descriptor alone leads a locker to the other tokens' files. 16 failed draws are NPSHM_BUSY.
 *
 * "The holder h is alive": open `<name>.tok-<h>` and try LOCK_EX|LOCK_NB. Refused: a live
 * description holds it. Missing, or granted: its owner is gone (closed, or died); a granted
 * lock also lets the checker remove the file, under that lock and only if the name still
 * refers to the file locked, so that a token being taken meanwhile notices (the inode check
 * above). Every new token also looks at up to 256 files of the directory so: a token's file
 * outlives its clean close too, and this way they do not pile up. No pid is compared, as on
 * Linux.
 *
 * Why that is correct, and what others can do. A process dies: the kernel drops its flocks,
 * its files stay and are found dead (then removed) by the next locker that looks; nothing is
 * left held. Only the user's own processes can open files in a 0700 directory, so no other
 * user can fake a live holder, hold a token id, or make a draw fail; and another user's lock
 * directory is not ours, so a locker of another user could not see our tokens: it would take
 * our live holder for dead. Hence the lock files cover the processes of one user, and
 * npshm_lock_token_of refuses (EPERM, a PermissionDeniedError) a segment this user does not
 * own: on macOS only the owner's processes lock it (on Linux any writer). What the user's own
 * processes can do (remove the directory, flock a file of a live token) they can do to the
 * segment's bytes anyway. A reader's lock on the segment, the attack Linux's write-lock rule
 * answers, cannot reach a lock file at all.
 *
 * Tracking lives in the same directory (npshm_track_files.c): a gate file per name, a slot
 * file per tracker, and the segment's creation nonce where macOS gives it no inode.
 *
 * ---- Sleeping (npshm_sleep_on, npshm_wake_word) --------------------------------------------
 * os_sync_wait_on_address with OS_SYNC_WAIT_ON_ADDRESS_SHARED (macOS 14.4+, <os/os_sync_wait_
 * on_address.h>): the kernel keys a shared wait by the memory object and offset, so processes
 * mapping one segment meet, as with a Linux futex. Resolved with dlsym at run time, so one
 * library runs on every macOS: before 14.4, __ulock_wait / __ulock_wake with
 * UL_COMPARE_AND_WAIT_SHARED, the same kernel mechanism under its private name (there since
 * 10.12; libc++'s atomic wait and Chromium use it). If neither resolves, sleepers poll every
 * NPSHM_POLL_MS. Neither call can also watch the cancel word, so a wait with one sleeps in
 * slices of NPSHM_CANCEL_SLICE_MS, as Linux does without futex_waitv. Neither reports "the word
 * differed" apart from a wake: the word is compared before sleeping (EAGAIN), and a return
 * without timeout counts as a wake-up, which the callers already treat so (a change they see
 * next is what a notify would have told them).
 */
#include "npshm_internal.h"

#if defined(__APPLE__) || defined(NPSHM_LOCKFILES)
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ".tok-" + 8 hex digits after the name */
#define TOKEN_SUFFIX_LEN 13
/* Directory entries a new token looks at for dead tokens' files */
#define SWEEP_MAX 256

/* The user's lock directory: macOS's per-user cache directory, else $TMPDIR or /tmp. */
static npshm_oserr lock_dir_path(char *dst, size_t cap) {
#ifdef __APPLE__
  char base[PATH_MAX];
  size_t n = confstr(_CS_DARWIN_USER_CACHE_DIR, base, sizeof base);
  if (n == 0 || n > sizeof base) return n == 0 ? errno : ENAMETOOLONG;
#else
  const char *base = getenv("TMPDIR");
  if (base == NULL || base[0] != '/') base = "/tmp";
#endif
  size_t len = strlen(base);
  const char *slash = len > 0 && base[len - 1] == '/' ? "" : "/";
  int w = snprintf(dst, cap, "%s%snpshm-%ld", base, slash, (long)geteuid());
  return w < 0 || (size_t)w >= cap ? ENAMETOOLONG : 0;
}

/* The lock directory, opened: -1 with errno (EACCES if it is not ours alone, see above). */
int npshm_lock_dir_open(void) {
  char path[PATH_MAX];
  npshm_oserr e = lock_dir_path(path, sizeof path);
  if (e) {
    errno = e;
    return -1;
  }
  if (mkdir(path, 0700) != 0 && errno != EEXIST) return -1;
  int dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0) {
    if (errno == ELOOP || errno == ENOTDIR) errno = EACCES; /* a symlink or a file */
    return -1;
  }
  struct stat st;
  if (fstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 077) != 0) {
    close(dir);
    errno = EACCES;
    return -1;
  }
  return dir;
}

static void token_file(char file[NPSHM_NAME_MAX + 1], const char *name, uint32_t id) {
  snprintf(file, NPSHM_NAME_MAX + 1, "%.*s.tok-%08x", NPSHM_NAME_MAX - TOKEN_SUFFIX_LEN, name,
           (unsigned)id); /* callers checked the length: the precision only tells the compiler */
}

/* 1 if `file` in dir is still the file behind fd (so its lock is the name's). */
int npshm_still_named(int dir, const char *file, int fd) {
  struct stat mine, named;
  return fstat(fd, &mine) == 0 && fstatat(dir, file, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
         mine.st_dev == named.st_dev && mine.st_ino == named.st_ino;
}

/* Takes token `id`: 0 and *t, EAGAIN if a live token has it (or it just went), else errno. */
static npshm_oserr take_token(int dir, const char *name, uint32_t id, int *t) {
  char file[NPSHM_NAME_MAX + 1];
  token_file(file, name, id);
  int fd = openat(dir, file, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  npshm_oserr e = 0;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    e = EACCES;
  } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    e = errno == EWOULDBLOCK ? EAGAIN : errno;
  } else if (!npshm_still_named(dir, file, fd)) {
    e = EAGAIN; /* removed as dead between our open and our lock */
  }
  if (e) {
    close(fd);
    return e;
  }
  *t = fd;
  return 0;
}

/* A random id in 1 .. NPSHM_LOCK_ID_MASK, or 0 (the caller draws again). */
static uint32_t random_token_id(void) {
#ifdef __APPLE__
  return arc4random() & NPSHM_LOCK_ID_MASK;
#else
  return (uint32_t)npshm_random64() & NPSHM_LOCK_ID_MASK;
#endif
}

/* Records the segment's name in the token's file: the holder checks find their files by it. */
static npshm_oserr write_name(int t, const char *name) {
  size_t len = strlen(name);
  if (pwrite(t, name, len, 0) != (ssize_t)len || ftruncate(t, (off_t)len) != 0) return errno;
  return 0;
}

/* Removes the files of dead tokens (closed, or their owner died), at most SWEEP_MAX looked at:
 * a token's file outlives its token, and each new token clears what went before. */
static void sweep_dead_tokens(int dir) {
  int d = dup(dir);
  DIR *entries = d < 0 ? NULL : fdopendir(d);
  if (entries == NULL) {
    if (d >= 0) close(d);
    return;
  }
  struct dirent *e;
  for (int seen = 0; seen < SWEEP_MAX && (e = readdir(entries)) != NULL; seen++) {
    const char *tok = strstr(e->d_name, ".tok-");
    if (tok != NULL && strlen(tok) == TOKEN_SUFFIX_LEN) npshm_probe_lockfile(dir, e->d_name);
  }
  closedir(entries);
}

/* Draws tokens until one is ours: 0 and *t, *id; or an errno (EAGAIN: 16 draws were taken). */
static npshm_oserr draw_token(int dir, const char *name, uint64_t word_addr, int *t,
                              uint32_t *id) {
  npshm_oserr e = EAGAIN;
  for (int draw = 0; draw < 16; draw++) {
    *id = random_token_id();
    if (*id == 0) continue;
    e = take_token(dir, name, *id, t);
    if (e == EAGAIN) continue;
    if (e) return e;
    uint32_t word = __atomic_load_n((uint32_t *)(uintptr_t)word_addr, __ATOMIC_SEQ_CST);
    if ((word & NPSHM_LOCK_ID_MASK) != *id) return write_name(*t, name);
    close(*t); /* a dead holder's id: keep it dead */
    e = EAGAIN;
  }
  return e;
}

NPSHM_API int32_t npshm_lock_token_of(int64_t handle, const char *name, uint64_t word_addr,
                                      int64_t *out) {
  npshm_out_init(out, NPSHM_NO_HANDLE);
  int fd = npshm_fd_of(handle);
  if (fd < 0 || !npshm_word_ok(word_addr) || !npshm_name_ok(name)) {
    return npshm_fail(out, EINVAL);
  }
  if (strlen(name) > NPSHM_NAME_MAX - TOKEN_SUFFIX_LEN) return npshm_fail(out, ENAMETOOLONG);
  struct stat st;
  if (fstat(fd, &st) != 0) return npshm_fail(out, errno);
  if (st.st_uid != geteuid()) return npshm_fail(out, EPERM); /* its owner's processes only */
  int dir = npshm_lock_dir_open();
  if (dir < 0) return npshm_fail(out, errno);
  sweep_dead_tokens(dir);
  int t = -1;
  uint32_t id = 0;
  npshm_oserr e = draw_token(dir, name, word_addr, &t, &id);
  close(dir);
  if (e) {
    if (t >= 0) close(t);
    return npshm_fail(out, e == EAGAIN ? EWOULDBLOCK : e);
  }
  if (out) {
    out[0] = t;
    out[1] = id;
  }
  return NPSHM_OK;
}

/* The lock files key tokens by name: the name-less call cannot take one here. */
NPSHM_API int32_t npshm_lock_token(int64_t handle, uint64_t word_addr, int64_t *out) {
  (void)handle, (void)word_addr;
  npshm_out_init(out, NPSHM_NO_HANDLE);
  return NPSHM_UNSUPPORTED;
}

/* Looks at the lock file `file`: 1 held, 0 gone (a dead one is removed), -1 errno. */
int npshm_probe_lockfile(int dir, const char *file) {
  int h = openat(dir, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (h < 0) return errno == ENOENT ? 0 : -1;
  int alive = 0;
  if (flock(h, LOCK_EX | LOCK_NB) != 0) {
    alive = errno == EWOULDBLOCK ? 1 : -1;
  } else if (npshm_still_named(dir, file, h)) {
    unlinkat(dir, file, 0); /* under its lock: a taker that opened it sees it gone */
  }
  int e = errno;
  close(h);
  errno = e;
  return alive;
}

int npshm_token_alive(int fd, uint32_t id) {
  char name[NPSHM_NAME_MAX + 1], file[NPSHM_NAME_MAX + 1];
  ssize_t n = pread(fd, name, NPSHM_NAME_MAX - TOKEN_SUFFIX_LEN, 0);
  if (n <= 0) {
    if (n == 0) errno = EINVAL; /* not one of our tokens */
    return -1;
  }
  name[n] = '\0';
  int dir = npshm_lock_dir_open();
  if (dir < 0) return -1;
  token_file(file, name, id);
  int alive = npshm_probe_lockfile(dir, file);
  int e = errno;
  close(dir);
  errno = e;
  return alive;
}
#else
/* Linux, Windows: tokens need no name (OFD locks on the segment; Windows: npshm_sync_win32.c). */
NPSHM_API int32_t npshm_lock_token_of(int64_t handle, const char *name, uint64_t word_addr,
                                      int64_t *out) {
  (void)name;
  return npshm_lock_token(handle, word_addr, out);
}
#endif

#ifdef __APPLE__
/* ======================================================================== macOS */
#include <dlfcn.h>
#include <pthread.h>

/* <os/os_sync_wait_on_address.h> (macOS 14.4) and XNU's <sys/ulock.h>, spelled out: the SDK a
 * build uses may predate them, and the calls are resolved at run time anyway. */
#define OS_SYNC_SHARED 1u              /* OS_SYNC_{WAIT_ON,WAKE_BY}_ADDRESS_SHARED */
#define OS_CLOCK_MACH_ABSOLUTE_TIME 32u
#define UL_COMPARE_AND_WAIT_SHARED 3u
#define ULF_NO_ERRNO 0x01000000u
#define NPSHM_POLL_MS 1 /* neither call: how often a sleeper looks at the word */

typedef int (*os_wait_fn)(void *addr, uint64_t value, size_t size, uint32_t flags);
typedef int (*os_wait_for_fn)(void *addr, uint64_t value, size_t size, uint32_t flags,
                              uint32_t clock, uint64_t timeout_ns);
typedef int (*os_wake_fn)(void *addr, size_t size, uint32_t flags);
typedef int (*ulock_wait_fn)(uint32_t op, void *addr, uint64_t value, uint32_t timeout_us);
typedef int (*ulock_wake_fn)(uint32_t op, void *addr, uint64_t wake_value);

static struct {
  os_wait_fn wait;
  os_wait_for_fn wait_for;
  os_wake_fn wake_one;
  ulock_wait_fn ulock_wait;
  ulock_wake_fn ulock_wake;
} sys;
static pthread_once_t resolved = PTHREAD_ONCE_INIT;

static void resolve(void) {
  sys.wait = (os_wait_fn)dlsym(RTLD_DEFAULT, "os_sync_wait_on_address");
  sys.wait_for = (os_wait_for_fn)dlsym(RTLD_DEFAULT, "os_sync_wait_on_address_with_timeout");
  sys.wake_one = (os_wake_fn)dlsym(RTLD_DEFAULT, "os_sync_wake_by_address_any");
  if (!sys.wait || !sys.wait_for || !sys.wake_one) sys.wait = NULL;
  sys.ulock_wait = (ulock_wait_fn)dlsym(RTLD_DEFAULT, "__ulock_wait");
  sys.ulock_wake = (ulock_wake_fn)dlsym(RTLD_DEFAULT, "__ulock_wake");
  if (!sys.ulock_wait || !sys.ulock_wake) sys.ulock_wait = NULL;
}

/* Nanoseconds from now to the CLOCK_MONOTONIC time `until` (may be negative). */
static int64_t ns_until(const struct timespec *until) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)(until->tv_sec - now.tv_sec) * 1000000000 + (until->tv_nsec - now.tv_nsec);
}

/* One sleep of at most `ns` (negative: no limit): 0 woken, or ETIMEDOUT, EINTR, errno. */
static int sleep_once(uint32_t *word, uint32_t expected, int64_t ns) {
  if (sys.wait) {
    int r = ns < 0 ? sys.wait(word, expected, 4, OS_SYNC_SHARED)
                   : sys.wait_for(word, expected, 4, OS_SYNC_SHARED,
                                  OS_CLOCK_MACH_ABSOLUTE_TIME, (uint64_t)ns);
    return r >= 0 ? 0 : errno;
  }
  if (sys.ulock_wait) { /* microseconds, 0 meaning none: the caller caps ns below 2^32 us */
    uint32_t us = ns < 0 ? 0 : (uint32_t)(ns / 1000 + 1);
    int r = sys.ulock_wait(UL_COMPARE_AND_WAIT_SHARED | ULF_NO_ERRNO, word, expected, us);
    return r >= 0 ? 0 : -r;
  }
  struct timespec pause = {0, ns};
  nanosleep(&pause, NULL);
  return ETIMEDOUT;
}

int npshm_sleep_on(uint64_t word, uint32_t expected, uint64_t cancel,
                   const struct timespec *until) {
  pthread_once(&resolved, resolve);
  uint32_t *w = (uint32_t *)(uintptr_t)word;
  if (cancel && __atomic_load_n((uint32_t *)(uintptr_t)cancel, __ATOMIC_ACQUIRE)) {
    return ECANCELED;
  }
  if (__atomic_load_n(w, __ATOMIC_SEQ_CST) != expected) return EAGAIN;
  int64_t left = until ? ns_until(until) : -1;
  if (until && left <= 0) return ETIMEDOUT;
  int64_t cap = cancel ? (int64_t)NPSHM_CANCEL_SLICE_MS * 1000000 : INT64_MAX;
  const int64_t ulock_max = ((int64_t)UINT32_MAX - 1) * 1000; /* its timeout is 32-bit us */
  if (!sys.wait && !sys.ulock_wait) cap = (int64_t)NPSHM_POLL_MS * 1000000;
  else if (!sys.wait && cap > ulock_max) cap = ulock_max;
  int sliced = cap != INT64_MAX && (left < 0 || left > cap);
  int e = sleep_once(w, expected, sliced ? cap : left);
  return e == ETIMEDOUT && sliced ? NPSHM_SLICE_ENDED : e;
}

/* Wakes one sleeper: 1 if there was one, 0 if none (or only pollers, who need no wake). */
static int wake_one(uint32_t *word) {
  if (sys.wait) return sys.wake_one(word, 4, OS_SYNC_SHARED) == 0;
  if (!sys.ulock_wait) return 0;
  return sys.ulock_wake(UL_COMPARE_AND_WAIT_SHARED | ULF_NO_ERRNO, word, 0) == 0;
}

/* Wakes up to `count` sleepers one at a time, so the count woken is exact; returns it. */
static int32_t wake_up_to(uint64_t word, int32_t count) {
  pthread_once(&resolved, resolve);
  int32_t n = 0;
  while (n < count && wake_one((uint32_t *)(uintptr_t)word)) n++;
  return n;
}

/* Cancel words (private) have no sleepers here: a wait looks at its cancel between slices. */
void npshm_wake_word(uint64_t word, int32_t count, int private_word) {
  if (!private_word) wake_up_to(word, count);
}

NPSHM_API int32_t npshm_wake(uint64_t addr, int32_t count, int64_t *out) {
  npshm_out_init(out, 0);
  if (!npshm_word_ok(addr) || count < 0) return npshm_fail(out, EINVAL);
  int32_t n = wake_up_to(addr, count);
  if (out) out[0] = n;
  return NPSHM_OK;
}

NPSHM_API void npshm_cancel_set(uint64_t cancel) {
  if (npshm_word_ok(cancel)) {
    __atomic_store_n((uint32_t *)(uintptr_t)cancel, 1u, __ATOMIC_RELEASE);
  }
}
#endif
