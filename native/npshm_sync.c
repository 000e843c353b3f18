/*
 * npshm native shim, lifetimes and coordination: see the sync section of npshm.h for the
 * contract of each function. Linux has all of it; the other platforms' designs are written
 * down here and compile as NPSHM_UNSUPPORTED stubs (Windows: track is a no-op, see below).
 *
 * ---- Tracking (track: true) --------------------------------------------------------------
 * Every tracker holds a shared flock(2) on its descriptor of the segment. Leaving, it tries
 * LOCK_EX|LOCK_NB: success means no other tracker is left, so it unlinks the name (if the name
 * still refers to this inode: a successor made under the same name is never touched). Linux
 * converts flock locks non-atomically, so a failed upgrade drops our shared lock: harmless,
 * we are leaving, and of two trackers leaving together the second to convert sees the first
 * gone and unlinks. A newcomer that opened the name just before the last tracker unlinked it
 * takes its shared lock after that tracker let go, then finds the name gone or pointing
 * elsewhere: NPSHM_STALE, and the caller reopens (or reports "not found").
 *
 * kill -9: a process cannot clean up after its own death, so the first track() of a process
 * starts a reaper: a tiny double-forked process (so it is nobody's zombie) that only makes
 * system calls. Each tracked descriptor is passed to it over a SOCK_SEQPACKET socketpair with
 * SCM_RIGHTS. flock locks belong to the open file description, so the reaper's copy keeps the
 * shared lock alive exactly as long as it holds it. When the socket reaches end-of-file (our
 * process is gone, however it died, or exited without closing) the reaper does the "leaving"
 * step above for every descriptor it still holds, then exits. untrack() tells it to drop the
 * descriptor. The reaper closes every other descriptor and unmaps every shared mapping it
 * inherited, so it pins no memory and no pipe of ours. If the reaper cannot start, tracking
 * still works for close(); only death of the last tracker then leaves the name (out[0] = 0).
 *
 * macOS (design): shm descriptors refuse flock(2). The tracker would flock a sidecar file
 * $TMPDIR/npshm-<uid>/<name>.track instead (same protocol, same reaper, which also removes
 * the sidecar); the inode check becomes "the name opens to the same segment" by comparing
 * fstat's st_ino of a fresh shm_open. Windows: the kernel frees a mapping with its last handle,
 * so track is implied and delete only drops the name (npshm_unlink is a no-op there).
 *
 * ---- The mutex ---------------------------------------------------------------------------
 * An exclusive OFD (open-file-description) fcntl lock on the 4 bytes of the control block's
 * owner word. Why not a robust pthread mutex in the shared memory: those belong to a thread,
 * and an async lock() runs on a runtime's worker thread (Deno nonblocking FFI, koffi async):
 * unlock() from the main thread would fail with EPERM, and the worker thread exiting would
 * mark the mutex abandoned while its process lives. An OFD lock belongs to the descriptor, any
 * thread may release it, and the kernel releases it when the last descriptor closes - when the
 * holder dies, even by kill -9. The owner word says whether that happened: the holder writes
 * its pid after locking and clears it before unlocking, so a locker that finds a pid there
 * knows the previous owner died holding the lock (NPSHM_OWNER_DIED, like EOWNERDEAD).
 * macOS (design): no OFD locks; per-process fcntl locks on a sidecar file, one descriptor per
 * process per segment, serialised per process by the TypeScript side. Windows (design): a
 * named mutex "npshm-lock-<name>" whose WAIT_ABANDONED is the owner-died signal; Win32 mutexes
 * belong to a thread, so the async variant would run on one dedicated thread per process.
 *
 * ---- wait / notify -----------------------------------------------------------------------
 * Linux: futex(2) without FUTEX_PRIVATE_FLAG on the word's address, which the kernel keys by
 * (inode, offset) for shared file mappings, so it works across processes. macOS (design):
 * os_sync_wait_on_address with OS_SYNC_WAIT_ON_ADDRESS_SHARED (macOS 14.4+). Windows (design):
 * WaitOnAddress is process-local, so a named event per (segment, word) polled with the
 * expected-value check, or a named semaphore counting waiters.
 */
#include "npshm_internal.h"

NPSHM_API void npshm_write(uint64_t addr, const uint8_t *src, uint64_t len) {
  if (addr == 0 || src == NULL || len == 0) return;
  memcpy((void *)(uintptr_t)addr, src, (size_t)len);
}

#if defined(__linux__)
/* ======================================================================== Linux */
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The name's /dev/shm path; returns 0 if the name is unusable. */
static int sync_path_of(npshm_path dst, const char *name) {
  if (!npshm_plain_name(name)) return 0;
  npshm_dev_path(dst, name);
  return 1;
}

static int flock_retry(int fd, int op) {
  int r;
  do {
    r = flock(fd, op);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : errno;
}

/* The "leaving" step: unlink if we are the last tracker. Returns 1 if it unlinked. */
static int leave(int fd, const char *path) {
  if (flock_retry(fd, LOCK_EX | LOCK_NB) != 0) return 0;
  return npshm_same_file(fd, path) == 0 && unlink(path) == 0;
}

/* ------------------------------------------------------------------------ the reaper */

enum { MSG_TRACK = 1, MSG_UNTRACK = 2 };
struct reaper_msg {
  int32_t op;
  int32_t id; /* the tracking process's descriptor number */
  npshm_path path;
};
struct reaper_entry {
  int32_t id;
  int32_t fd;
  npshm_path path;
};

static pthread_mutex_t reaper_mutex = PTHREAD_MUTEX_INITIALIZER;
static int reaper_sock = -1;
static pid_t reaper_for = 0; /* the pid that started it: a forked child needs its own */

static void close_other_fds(int keep) {
#ifdef SYS_close_range
  if (keep > 0 && syscall(SYS_close_range, 0, keep - 1, 0) == 0 &&
      syscall(SYS_close_range, keep + 1, ~0U, 0) == 0) {
    return;
  }
#endif
  struct rlimit rl;
  int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
  for (int fd = 0; fd < max; fd++) {
    if (fd != keep) close(fd);
  }
}

static const char *hex_number(const char *p, unsigned long *value) {
  *value = 0;
  for (;; p++) {
    int c = *p | 0x20;
    int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (digit < 0) return p;
    *value = *value * 16 + (unsigned long)digit;
  }
}

/* Parses one "start-end perms ..." line of /proc/self/maps; unmaps it if it is shared. */
static void unmap_if_shared(const char *line) {
  unsigned long start, end;
  const char *p = hex_number(line, &start);
  if (*p++ != '-') return;
  p = hex_number(p, &end);
  if (*p++ != ' ' || strlen(p) < 4) return;
  if (p[3] == 's' && end > start) munmap((void *)start, end - start);
}

/* Drops the inherited shared mappings, so the reaper never keeps a deleted segment's memory. */
static void unmap_shared(void) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096], line[512];
  size_t used = 0;
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] != '\n') {
        if (used < sizeof line - 1) line[used++] = buf[i];
        continue;
      }
      line[used] = '\0';
      unmap_if_shared(line);
      used = 0;
    }
  }
  close(fd);
}

static void reaper_track(struct reaper_entry *table, int *count, int cap, int id, int fd,
                         const char *path) {
  if (*count >= cap) {
    close(fd);
    return;
  }
  table[*count].id = id;
  table[*count].fd = fd;
  memcpy(table[*count].path, path, sizeof(npshm_path));
  table[*count].path[sizeof(npshm_path) - 1] = '\0';
  (*count)++;
}

static void reaper_untrack(struct reaper_entry *table, int *count, int id) {
  for (int i = *count - 1; i >= 0; i--) {
    if (table[i].id != id) continue;
    close(table[i].fd);
    table[i] = table[--*count];
    return;
  }
}

/* Receives one message (and its descriptor); 0 at end-of-file, -1 on error. */
static ssize_t reaper_recv(int sock, struct reaper_msg *msg, int *fd) {
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {msg, sizeof *msg};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  *fd = -1;
  struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
    memcpy(fd, CMSG_DATA(c), sizeof(int));
  }
  return n;
}

/* Runs in the reaper process: system calls only (it was forked from a threaded runtime). */
static void reaper_main(int sock) {
  setsid();
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_NAME, "npshm-reaper", 0, 0, 0);
  close_other_fds(sock);
  unmap_shared();
  int cap = 65536;
  struct reaper_entry *table = mmap(NULL, (size_t)cap * sizeof *table, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (table == MAP_FAILED) _exit(1);
  int count = 0;
  for (;;) {
    struct reaper_msg msg;
    int fd;
    ssize_t n = reaper_recv(sock, &msg, &fd);
    if (n <= 0) break;
    if (n != (ssize_t)sizeof msg) {
      if (fd >= 0) close(fd);
    } else if (msg.op == MSG_TRACK && fd >= 0) {
      reaper_track(table, &count, cap, msg.id, fd, msg.path);
    } else {
      if (fd >= 0) close(fd);
      if (msg.op == MSG_UNTRACK) reaper_untrack(table, &count, msg.id);
    }
  }
  for (int i = 0; i < count; i++) {
    leave(table[i].fd, table[i].path);
    close(table[i].fd);
  }
  _exit(0);
}

/* Starts this process's reaper; returns its socket or -1. Caller holds reaper_mutex. */
static int start_reaper(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -1;
  pid_t mid = fork();
  if (mid == 0) {
    close(sv[0]);
    pid_t r = fork();
    if (r == 0) reaper_main(sv[1]);
    _exit(r < 0 ? 1 : 0);
  }
  close(sv[1]);
  int st = 0;
  pid_t w = -1;
  if (mid > 0) {
    do {
      w = waitpid(mid, &st, 0);
    } while (w < 0 && errno == EINTR);
  }
  /* ECHILD: the runtime reaped it first; the reaper's own start shows up on first send. */
  if (mid < 0 || (w == mid && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))) {
    close(sv[0]);
    return -1;
  }
  return sv[0];
}

static int reaper_send(int op, int id, int fd, const char *path) {
  struct reaper_msg msg;
  memset(&msg, 0, sizeof msg);
  msg.op = op;
  msg.id = id;
  snprintf(msg.path, sizeof msg.path, "%s", path);
  struct iovec iov = {&msg, sizeof msg};
  char control[CMSG_SPACE(sizeof(int))];
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  memset(control, 0, sizeof control);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (fd >= 0) {
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  ssize_t n;
  do {
    n = sendmsg(reaper_sock, &mh, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == (ssize_t)sizeof msg;
}

/* Hands fd to the reaper (starting it if needed); returns 1 if it took it. */
static int reaper_take(int fd, const char *path) {
  pthread_mutex_lock(&reaper_mutex);
  if (reaper_sock >= 0 && reaper_for != getpid()) {
    close(reaper_sock); /* inherited through fork(): that reaper watches our parent */
    reaper_sock = -1;
  }
  if (reaper_sock < 0) {
    reaper_sock = start_reaper();
    reaper_for = getpid();
  }
  int ok = reaper_sock >= 0 && reaper_send(MSG_TRACK, fd, fd, path);
  pthread_mutex_unlock(&reaper_mutex);
  return ok;
}

static void reaper_drop(int fd) {
  pthread_mutex_lock(&reaper_mutex);
  if (reaper_sock >= 0 && reaper_for == getpid()) reaper_send(MSG_UNTRACK, fd, -1, "");
  pthread_mutex_unlock(&reaper_mutex);
}

/* ------------------------------------------------------------------------ tracking */

NPSHM_API int32_t npshm_track(int64_t handle, const char *name, int32_t unpublished,
                              uint64_t flags_addr, int64_t *out) {
  npshm_out_init(out, 0);
  npshm_path path;
  int fd = npshm_fd_of(handle);
  if (fd < 0 || !sync_path_of(path, name)) return npshm_fail(out, EINVAL);
  int e = flock_retry(fd, LOCK_SH);
  if (e) return npshm_fail(out, e);
  if (!unpublished && npshm_same_file(fd, path) != 0) {
    flock(fd, LOCK_UN);
    return NPSHM_STALE;
  }
  if (flags_addr) __atomic_fetch_or((uint32_t *)(uintptr_t)flags_addr, 1u, __ATOMIC_SEQ_CST);
  if (out) out[0] = reaper_take(fd, path);
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_untrack(int64_t handle, const char *name, int64_t *out) {
  npshm_out_init(out, 0);
  npshm_path path;
  int fd = npshm_fd_of(handle);
  if (fd < 0 || !sync_path_of(path, name)) return npshm_fail(out, EINVAL);
  int unlinked = leave(fd, path);
  reaper_drop(fd);
  if (out) out[0] = unlinked;
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_unlink_untracked(const char *name, int64_t *out) {
  npshm_out_init(out, 0);
  npshm_path path;
  if (!sync_path_of(path, name)) return npshm_fail(out, EINVAL);
  int fd = -1;
  struct stat st;
  int e = npshm_open_regular(path, O_RDONLY, 0, 1, &fd, &st); /* never a planted FIFO */
  if (e) return npshm_fail(out, e);
  e = flock_retry(fd, LOCK_EX | LOCK_NB);
  if (!e && npshm_same_file(fd, path) != 0) e = ENOENT;
  if (!e && unlink(path) != 0) e = errno;
  close(fd);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

/* ------------------------------------------------------------------------ the mutex */

static int ofd_lock(int fd, uint64_t offset, short type, int wait) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)offset;
  fl.l_len = 4;
  int r;
  do {
    r = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
  } while (r != 0 && errno == EINTR);
  if (r == 0) return 0;
  return (errno == EAGAIN || errno == EACCES) ? EWOULDBLOCK : errno;
}

static int owner_ok(uint64_t owner_addr) { return owner_addr != 0 && owner_addr % 4 == 0; }

NPSHM_API int32_t npshm_lock(int64_t handle, uint64_t offset, uint64_t owner_addr,
                             int32_t try_only, int64_t *out) {
  npshm_out_init(out, 0);
  int fd = npshm_fd_of(handle);
  if (fd < 0 || !owner_ok(owner_addr) || offset > (uint64_t)INT64_MAX - 4) {
    return npshm_fail(out, EINVAL);
  }
  int e = ofd_lock(fd, offset, F_WRLCK, !try_only);
  if (e) return e == EWOULDBLOCK ? NPSHM_BUSY : npshm_fail(out, e);
  uint32_t me = (uint32_t)getpid();
  uint32_t before = __atomic_exchange_n((uint32_t *)(uintptr_t)owner_addr, me, __ATOMIC_SEQ_CST);
  if (out) out[0] = before;
  return before != 0 ? NPSHM_OWNER_DIED : NPSHM_OK;
}

NPSHM_API int32_t npshm_unlock(int64_t handle, uint64_t offset, uint64_t owner_addr,
                               int64_t *out) {
  npshm_out_init(out, 0);
  int fd = npshm_fd_of(handle);
  if (fd < 0 || !owner_ok(owner_addr)) return npshm_fail(out, EINVAL);
  __atomic_store_n((uint32_t *)(uintptr_t)owner_addr, 0u, __ATOMIC_SEQ_CST);
  int e = ofd_lock(fd, offset, F_UNLCK, 0);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

/* ------------------------------------------------------------------------ wait / notify */

NPSHM_API int32_t npshm_wait(uint64_t addr, int32_t expected, int64_t timeout_ns,
                             int64_t *out) {
  npshm_out_init(out, 0);
  if (addr == 0 || addr % 4 != 0) return npshm_fail(out, EINVAL);
  struct timespec deadline, *until = NULL;
  if (timeout_ns >= 0) {
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    int64_t ns = deadline.tv_nsec + timeout_ns % 1000000000;
    deadline.tv_sec += (time_t)(timeout_ns / 1000000000 + ns / 1000000000);
    deadline.tv_nsec = (long)(ns % 1000000000);
    until = &deadline;
  }
  for (;;) {
    /* WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline: a signal does not stretch it. */
    long r = syscall(SYS_futex, (uint32_t *)(uintptr_t)addr, FUTEX_WAIT_BITSET, expected, until,
                     NULL, FUTEX_BITSET_MATCH_ANY);
    if (r == 0) return NPSHM_OK;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return NPSHM_NOT_EQUAL;
    if (errno == ETIMEDOUT) return NPSHM_TIMED_OUT;
    return npshm_fail(out, errno);
  }
}

NPSHM_API int32_t npshm_wake(uint64_t addr, int32_t count, int64_t *out) {
  npshm_out_init(out, 0);
  if (addr == 0 || addr % 4 != 0 || count < 0) return npshm_fail(out, EINVAL);
  long r = syscall(SYS_futex, (uint32_t *)(uintptr_t)addr, FUTEX_WAKE, count, NULL, NULL, 0);
  if (r < 0) return npshm_fail(out, errno);
  if (out) out[0] = r;
  return NPSHM_OK;
}

#else
/* ============================================= macOS, Windows, other: see the design above */

static int32_t unsupported(int64_t *out) {
  npshm_out_init(out, 0);
  return NPSHM_UNSUPPORTED;
}

#ifdef _WIN32
/* A mapping already disappears with its last handle: tracking is what Windows always does. */
NPSHM_API int32_t npshm_track(int64_t handle, const char *name, int32_t unpublished,
                              uint64_t flags_addr, int64_t *out) {
  (void)handle, (void)name, (void)unpublished, (void)flags_addr;
  npshm_out_init(out, 0);
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_untrack(int64_t handle, const char *name, int64_t *out) {
  (void)handle, (void)name;
  npshm_out_init(out, 0);
  return NPSHM_OK;
}
#else
NPSHM_API int32_t npshm_track(int64_t handle, const char *name, int32_t unpublished,
                              uint64_t flags_addr, int64_t *out) {
  (void)handle, (void)name, (void)unpublished, (void)flags_addr;
  return unsupported(out);
}

NPSHM_API int32_t npshm_untrack(int64_t handle, const char *name, int64_t *out) {
  (void)handle, (void)name;
  return unsupported(out);
}
#endif

NPSHM_API int32_t npshm_unlink_untracked(const char *name, int64_t *out) {
  (void)name;
  return unsupported(out);
}

NPSHM_API int32_t npshm_lock(int64_t handle, uint64_t offset, uint64_t owner_addr,
                             int32_t try_only, int64_t *out) {
  (void)handle, (void)offset, (void)owner_addr, (void)try_only;
  return unsupported(out);
}

NPSHM_API int32_t npshm_unlock(int64_t handle, uint64_t offset, uint64_t owner_addr,
                               int64_t *out) {
  (void)handle, (void)offset, (void)owner_addr;
  return unsupported(out);
}

NPSHM_API int32_t npshm_wait(uint64_t addr, int32_t expected, int64_t timeout_ns,
                             int64_t *out) {
  (void)addr, (void)expected, (void)timeout_ns;
  return unsupported(out);
}

NPSHM_API int32_t npshm_wake(uint64_t addr, int32_t count, int64_t *out) {
  (void)addr, (void)count;
  return unsupported(out);
}
#endif
