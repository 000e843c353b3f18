/*
 * npshm native shim: the reaper, which does the last tracker's leaving when its process dies
 * (design: npshm_sync.c, "kill -9"). Linux and macOS; the leaving step itself is the tracking
 * code's (npshm_tracker_leave: OFD slots in npshm_sync.c, lock files in npshm_track_files.c).
 *
 * A stream socketpair carries fixed-size messages, each with at most one descriptor: macOS has
 * no SOCK_SEQPACKET for AF_UNIX sockets, and one kind of socket everywhere means the code the
 * Linux tests run is the code macOS runs. A message is read in full before the next (a
 * descriptor arrives with the first byte of its message, so it is never paired with another).
 * The reaper is a fork of the runtime, so it shares every page the runtime had then. Kept, those
 * pages outlive the runtime's own use of them: a 1 GiB buffer the program freed after its first
 * track stayed in the reaper until the program exited. On Linux the reaper therefore unmaps what
 * /proc/self/maps lists except what it runs on (drop_inherited). macOS has no such file: there
 * npshm maps its segments and file views VM_INHERIT_NONE (npshm_no_inherit), but the reaper
 * still shares the runtime's other memory; so does the -DNPSHM_LOCKFILES build, which stands in
 * for macOS here and whose reaper reads the lock directory with opendir: that allocates, from
 * the forking thread's arena, which for a worker thread is anonymous memory dropped otherwise.
 */
#include "npshm_internal.h"

#if defined(__linux__) || defined(__APPLE__)
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#ifndef MSG_NOSIGNAL /* macOS: SO_NOSIGPIPE on the socket instead */
#define MSG_NOSIGNAL 0
#endif
#ifndef MSG_CMSG_CLOEXEC /* macOS: the reaper keeps no descriptor it did not ask for anyway */
#define MSG_CMSG_CLOEXEC 0
#endif

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

#ifdef __linux__
/* Reads digits in `base` (10 or 16); no C library call: the locale may live in dropped memory. */
static const char *number(const char *p, unsigned base, unsigned long *value) {
  *value = 0;
  for (;; p++) {
    int c = *p | 0x20;
    unsigned digit = (c >= '0' && c <= '9') ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                                              : 16;
    if (digit >= base) return p;
    *value = *value * base + digit;
  }
}

/* The lock-file build, macOS's stand-in, keeps anonymous memory as macOS's reaper does: its
 * opendir allocates, from the forking thread's arena (anonymous memory, for a worker thread). */
#ifdef NPSHM_LOCKFILES
#define DROP_ANONYMOUS 0
#else
#define DROP_ANONYMOUS 1
#endif

/*
 * What the reaper runs on and must keep of the memory it inherited: its stack and thread block,
 * the brk heap (the C library's allocator), named kernel areas ([vdso] and the like), the loaded
 * objects' files and the zero-filled data that follows each. The shim is linked -z now, so no
 * lazy symbol lookup ever reads the loader's records from memory dropped here.
 */
struct inherited {
  uintptr_t stack, thread, tls;
  unsigned long last_end; /* the previous mapping's end, and whether a file backed it */
  int last_file;
};

static int holds(unsigned long start, unsigned long end, uintptr_t at) {
  return at >= start && at < end;
}

static int needed_anonymous(unsigned long start, unsigned long end, int after_file,
                            const struct inherited *k) {
  return after_file || holds(start, end, k->stack) || holds(start, end, k->thread) ||
         holds(start, end, k->tls);
}

/*
 * One "start-end perms offset dev inode [path]" line of /proc/self/maps. Drops shared mappings
 * (a deleted segment's memory), anonymous private memory the reaper does not run on (the
 * runtime's heaps and buffers) and private mappings of segments in /dev/shm (read-only attaches).
 */
static void drop_if_inherited(const char *line, struct inherited *k) {
  unsigned long start, end, inode;
  const char *p = number(line, 16, &start);
  if (*p++ != '-') return;
  p = number(p, 16, &end);
  if (*p++ != ' ' || strlen(p) < 5) return;
  char share = p[3], exec = p[2];
  for (int field = 0; field < 3; field++) { /* perms, offset, device */
    p = strchr(p, ' ');
    if (p == NULL) return;
    p++;
  }
  for (p = number(p, 10, &inode); *p == ' '; p++) {
  }
  int after_file = start == k->last_end && k->last_file;
  k->last_end = end;
  k->last_file = inode != 0;
  int drop = share == 's' || (inode != 0 && exec != 'x' && strncmp(p, "/dev/shm/", 9) == 0) ||
             (DROP_ANONYMOUS && inode == 0 && *p == '\0' &&
              !needed_anonymous(start, end, after_file, k));
  if (drop && end > start) munmap((void *)start, end - start);
}

static void drop_inherited(void) {
  struct inherited k = {(uintptr_t)&k, (uintptr_t)pthread_self(), (uintptr_t)&errno, 0, 0};
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
      drop_if_inherited(line, &k);
      used = 0;
    }
  }
  close(fd);
}
#else
static void drop_inherited(void) {} /* macOS: npshm's mappings are VM_INHERIT_NONE */
#endif

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

/* Receives one whole message (and its descriptor, which comes with its first byte); 0 at
 * end-of-file (also in the middle of a message: the sender is gone), -1 on error. */
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
  for (size_t got = n > 0 ? (size_t)n : 0; n > 0 && got < sizeof *msg; got += (size_t)n) {
    do {
      n = recv(sock, (char *)msg + got, sizeof *msg - got, 0);
    } while (n < 0 && errno == EINTR);
  }
  if (n <= 0 && *fd >= 0) {
    close(*fd);
    *fd = -1;
  }
  return n <= 0 ? n : (ssize_t)sizeof *msg;
}

/* Runs in the reaper process: system calls only (it was forked from a threaded runtime). */
static void reaper_main(int sock) {
  setsid();
  /* The runtime's handlers would run on memory drop_inherited takes away. */
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
#ifdef __linux__
  prctl(PR_SET_NAME, "npshm-reaper", 0, 0, 0);
#endif
  close_other_fds(sock);
  drop_inherited();
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
    if (msg.op == MSG_TRACK && fd >= 0) {
      reaper_track(table, &count, cap, msg.id, fd, msg.path);
    } else {
      if (fd >= 0) close(fd);
      if (msg.op == MSG_UNTRACK) reaper_untrack(table, &count, msg.id);
    }
  }
  for (int i = 0; i < count; i++) {
    npshm_tracker_leave(table[i].fd, table[i].path);
    close(table[i].fd);
  }
  _exit(0);
}

/* Starts this process's reaper; returns its socket or -1. Caller holds reaper_mutex. */
static int start_reaper(void) {
  int sv[2];
#ifdef SOCK_CLOEXEC /* at once: a child another thread spawns meanwhile must not keep it */
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -1;
#else
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return -1;
  fcntl(sv[0], F_SETFD, FD_CLOEXEC);
  fcntl(sv[1], F_SETFD, FD_CLOEXEC);
#endif
#ifdef SO_NOSIGPIPE
  int on = 1;
  setsockopt(sv[0], SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
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
  for (size_t sent = n > 0 ? (size_t)n : 0; n > 0 && sent < sizeof msg; sent += (size_t)n) {
    do { /* a signal cut the send short: the rest, without the descriptor sent already */
      n = send(reaper_sock, (char *)&msg + sent, sizeof msg - sent, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
  }
  return n > 0;
}

/* Hands fd to the reaper (starting it if needed); returns 1 if it took it. */
int npshm_reaper_take(int fd, const char *path) {
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

/* Tells the reaper to let go of fd (untracked: the tracker left by itself). */
void npshm_reaper_drop(int fd) {
  pthread_mutex_lock(&reaper_mutex);
  if (reaper_sock >= 0 && reaper_for == getpid()) reaper_send(MSG_UNTRACK, fd, -1, "");
  pthread_mutex_unlock(&reaper_mutex);
}
/* ---- what both ways of tracking do around the reaper */

int32_t npshm_tracked(int t, const char *path, uint64_t flags_addr, int64_t *out) {
  if (flags_addr) __atomic_fetch_or((uint32_t *)(uintptr_t)flags_addr, 1u, __ATOMIC_SEQ_CST);
  if (out) {
    out[0] = npshm_reaper_take(t, path);
    out[1] = t;
  }
  return NPSHM_OK;
}

int32_t npshm_untracked(int t, const char *path, int64_t *out) {
  int unlinked = npshm_tracker_leave(t, path);
  npshm_reaper_drop(t);
  close(t);
  if (out) out[0] = unlinked;
  return NPSHM_OK;
}
#endif
