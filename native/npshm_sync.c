/*
 * npshm native shim, lifetimes and coordination: see the sync section of npshm.h for the
 * contract of each function. Linux has all of it; the other platforms' designs are written
 * down here and compile as NPSHM_UNSUPPORTED stubs (Windows: track is a no-op, see below).
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
 * macOS (design): shm descriptors refuse flock(2), and OFD locks are Linux's. The gate and
 * slots would move to (per-process) fcntl locks on a sidecar file
 * $TMPDIR/npshm-<uid>/<name>.track (a directory only the user can write, so no one else can
 * squat it), same protocol, same reaper, which also removes the sidecar; the inode
 * check becomes "the name opens to the same segment" by comparing fstat's st_ino of a fresh
 * shm_open. Windows: the kernel frees a mapping with its last handle, so track is implied and
 * delete only drops the name (npshm_unlink is a no-op there).
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
static int leave(int fd, const char *path) {
  int gated = npshm_gate_take(fd);
  npshm_ofd(fd, F_OFD_SETLK, F_UNLCK, NPSHM_SLOTS_AT, 0, NULL);
  int unlinked = !other_trackers(fd) && npshm_same_file(fd, path) == 0 && unlink(path) == 0;
  npshm_gate_drop(fd, gated);
  return unlinked;
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

/* A tracker's own read-write open file description of the segment behind fd; -1 with errno. */
static int tracker_fd(int fd) {
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
                              uint64_t flags_addr, int64_t *out) {
  npshm_out_init(out, 0);
  npshm_path path;
  int fd = npshm_fd_of(handle);
  if (fd < 0 || !sync_path_of(path, name)) return npshm_fail(out, EINVAL);
  int t = tracker_fd(fd);
  if (t < 0) return npshm_fail(out, errno);
  int e = join(t, path, unpublished);
  if (e) {
    close(t);
    return e == ESTALE ? NPSHM_STALE : npshm_fail(out, e);
  }
  if (flags_addr) __atomic_fetch_or((uint32_t *)(uintptr_t)flags_addr, 1u, __ATOMIC_SEQ_CST);
  if (out) {
    out[0] = reaper_take(t, path);
    out[1] = t;
  }
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_untrack(int64_t tracker, const char *name, int64_t *out) {
  npshm_out_init(out, 0);
  npshm_path path;
  int fd = npshm_fd_of(tracker);
  if (fd < 0 || !sync_path_of(path, name)) return npshm_fail(out, EINVAL);
  int unlinked = leave(fd, path);
  reaper_drop(fd);
  close(fd);
  if (out) out[0] = unlinked;
  return NPSHM_OK;
}

/* The name's segment opened to take its gate (read-only if we may not write it: no gate). */
static int open_named(const char *path) {
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0 && errno == EACCES) fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  return fd;
}

NPSHM_API int32_t npshm_unlink_untracked(const char *name, int64_t handle, int64_t *out) {
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

NPSHM_API int32_t npshm_untrack(int64_t tracker, const char *name, int64_t *out) {
  (void)tracker, (void)name;
  npshm_out_init(out, 0);
  return NPSHM_OK;
}
#else
NPSHM_API int32_t npshm_track(int64_t handle, const char *name, int32_t unpublished,
                              uint64_t flags_addr, int64_t *out) {
  (void)handle, (void)name, (void)unpublished, (void)flags_addr;
  return unsupported(out);
}

NPSHM_API int32_t npshm_untrack(int64_t tracker, const char *name, int64_t *out) {
  (void)tracker, (void)name;
  return unsupported(out);
}
#endif

NPSHM_API int32_t npshm_unlink_untracked(const char *name, int64_t handle, int64_t *out) {
  (void)name, (void)handle;
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
