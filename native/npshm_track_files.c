/*
 * npshm native shim: tracking over lock files, for macOS (and Linux built with -DNPSHM_LOCKFILES,
 * where the test suite runs it). The protocol of npshm_sync.c ("Tracking") with the user's lock
 * directory (npshm_sync_darwin.c: where it is, why flock, why per user) in place of the OFD locks
 * on the segment that macOS lacks:
 *
 *   - The gate of a name is `<name>.gate`, flock'ed LOCK_EX. It is keyed by the name rather than
 *     the segment, so every npshm process that changes what the name refers to queues on the
 *     same lock. Each holder removes the file before letting go (so none piles up): whoever
 *     opened it meanwhile finds it no longer named (npshm_still_named) and makes the next one.
 *     A holder that keeps it NPSHM_GATE_PATIENCE_S (a stopped process) is passed, as on Linux.
 *   - A tracker's slot is a file `<name>.slot-<16 hex>` of its own, made under the gate and
 *     flock'ed LOCK_EX for as long as it tracks. Its descriptor is the tracker handle, and goes
 *     to the reaper (npshm_reaper.c) as Linux's does. It records what leaving needs (struct
 *     slot_record), so the reaper needs nothing else.
 *   - "Another tracker holds a slot": a slot file of the name whose flock is refused. A granted
 *     one is a dead tracker's: removed (npshm_probe_lockfile).
 *   - "The name still refers to this segment": macOS's fstat of shared memory leaves st_ino 0,
 *     so npshm's control block carries a random creation nonce (src/format/control.ts), read at
 *     the block's offset in the segment the name opens now. A segment without one (made by
 *     Python, or by an npshm from before the nonce) cannot be told from a successor, so it
 *     cannot be tracked here: NPSHM_UNSUPPORTED.
 *
 * Only the owner's processes track a segment (EPERM for others, as for its lock): another
 * user's lock directory is not ours to see. Processes that are not npshm (Python's unlink, rm)
 * take no gate, as on Linux. The reaper scans the directory with opendir, which allocates: it
 * runs single-threaded after fork(), where both libcs keep malloc usable.
 */
#include "npshm_internal.h"

#if defined(__APPLE__) || defined(NPSHM_LOCKFILES)
#include <dirent.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <time.h>

#define SLOT_MARK ".slot-"
#define SLOT_SUFFIX_LEN (sizeof SLOT_MARK - 1 + 16)
/* The control block's fields read here (src/format/control.ts). */
#define BLOCK_SIZE 128
#define BLOCK_NONCE 56

typedef char lock_file[NPSHM_NAME_MAX + 1];

/* What a slot file holds: the leaving step's arguments. */
struct slot_record {
  uint64_t id;      /* the slot file's number */
  uint64_t nonce;   /* the tracked segment's creation nonce */
  int64_t block_at; /* its control block's offset */
  int32_t pid;      /* the tracking process, for listings (npshm_trackers) */
  char name[NPSHM_NAME_MAX + 1];
};

/* ---- the segment under a name, and its identity */

static uint64_t random_id(void) {
#ifdef __APPLE__
  uint64_t r;
  arc4random_buf(&r, sizeof r);
  return r;
#else
  return npshm_random64();
#endif
}

/* The segment `name` refers to now, read-only: -1 with errno. Linux: never a FIFO or a symlink
 * planted in /dev/shm (ESTALE: not a segment, so not ours). */
static int open_named(const char *name) {
#ifdef __APPLE__
  char path[NPSHM_NAME_MAX + 2];
  snprintf(path, sizeof path, "/%s", name);
  return shm_open(path, O_RDONLY, 0);
#else
  npshm_path path;
  npshm_dev_path(path, name);
  int fd = -1;
  struct stat st;
  npshm_oserr e = npshm_open_regular(path, O_RDONLY, 0, 1, &fd, &st);
  errno = e == NPSHM_E_NOT_FILE ? ESTALE : e;
  return e ? -1 : fd;
#endif
}

static int unlink_named(const char *name) {
#ifdef __APPLE__
  char path[NPSHM_NAME_MAX + 2];
  snprintf(path, sizeof path, "/%s", name);
  return shm_unlink(path);
#else
  npshm_path path;
  npshm_dev_path(path, name);
  return unlink(path);
#endif
}

/* The control block at `at` of the segment behind fd. macOS's shared memory cannot be read(2),
 * only mapped; nor can it shrink after its first ftruncate, so a mapping inside its size never
 * faults. Linux: pread, which a segment shrunk meanwhile cannot make fault either. */
static npshm_oserr read_block(int fd, uint64_t at, unsigned char block[BLOCK_SIZE]) {
#ifdef __APPLE__
  uint64_t base = at - at % (uint64_t)sysconf(_SC_PAGESIZE);
  size_t len = (size_t)(at - base) + BLOCK_SIZE;
  void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)base);
  if (p == MAP_FAILED) return errno;
  memcpy(block, (unsigned char *)p + (at - base), BLOCK_SIZE);
  munmap(p, len);
  return 0;
#else
  ssize_t n = pread(fd, block, BLOCK_SIZE, (off_t)at);
  return n == BLOCK_SIZE ? 0 : n < 0 ? errno : EIO;
#endif
}

/* The creation nonce in the control block at `at` of the segment behind fd; 0 if none is
 * there (no block, a version 1 block, or one written before the nonce). */
static uint64_t nonce_at(int fd, int64_t at) {
  struct stat st;
  unsigned char b[BLOCK_SIZE];
  if (at < 0 || fstat(fd, &st) != 0 || st.st_size < at || st.st_size - at < BLOCK_SIZE) return 0;
  if (read_block(fd, (uint64_t)at, b) != 0 || memcmp(b, "NPSHM-CB", 8) != 0) return 0;
  if ((b[8] | b[9] << 8) < 2 || (b[10] | b[11] << 8) < BLOCK_SIZE) return 0;
  uint64_t nonce = 0;
  for (int i = 7; i >= 0; i--) nonce = nonce << 8 | b[BLOCK_NONCE + i];
  return nonce;
}

/* 0 if `name` refers to the segment with `nonce` at `at`, ESTALE if to another, else errno
 * (ENOENT: to none). */
static npshm_oserr same_segment(const char *name, int64_t at, uint64_t nonce) {
  int fd = open_named(name);
  if (fd < 0) return errno;
  uint64_t now = nonce_at(fd, at);
  close(fd);
  return nonce != 0 && now == nonce ? 0 : ESTALE;
}

/* ---- the gate */

/* Checks a name this file can key lock files by: 0, or EINVAL / ENAMETOOLONG. */
static npshm_oserr check_name(const char *name) {
  if (!npshm_name_ok(name)) return EINVAL;
  return strlen(name) > NPSHM_NAME_MAX - SLOT_SUFFIX_LEN ? ENAMETOOLONG : 0;
}

static void gate_file(lock_file file, const char *name) {
  snprintf(file, sizeof(lock_file), "%.*s.gate", (int)(NPSHM_NAME_MAX - SLOT_SUFFIX_LEN), name);
}

/* Takes the gate of `name`: its descriptor, or -1 to go on without it (the file cannot be
 * made, or a holder kept it NPSHM_GATE_PATIENCE_S). */
static int gate_take(int dir, const char *name) {
  lock_file file;
  gate_file(file, name);
  struct timespec start, now, pause = {0, 20 * 1000};
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    int g = openat(dir, file, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (g < 0) return -1;
    if (flock(g, LOCK_EX | LOCK_NB) == 0) {
      if (npshm_still_named(dir, file, g)) return g;
      close(g); /* removed by the leaver that held it: the next one */
      continue;
    }
    int e = errno;
    close(g);
    if (e != EWOULDBLOCK && e != EINTR) return -1;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec >= NPSHM_GATE_PATIENCE_S) return -1;
    nanosleep(&pause, NULL);
    if (pause.tv_nsec < 4 * 1000 * 1000) pause.tv_nsec *= 2;
  }
}

/* Lets the gate go, and removes its file under the lock: anyone who opened it meanwhile finds
 * it no longer named and makes the next, so the directory keeps no file per name ever used. */
static void gate_drop(int dir, const char *name, int g) {
  if (g < 0) return;
  lock_file file;
  gate_file(file, name);
  if (npshm_still_named(dir, file, g)) unlinkat(dir, file, 0);
  close(g);
}

int npshm_name_gate_take(const char *name, int *dir) {
  *dir = check_name(name) ? -1 : npshm_lock_dir_open();
  return *dir < 0 ? -1 : gate_take(*dir, name);
}

void npshm_name_gate_drop(const char *name, int dir, int gate) {
  if (dir < 0) return;
  gate_drop(dir, name, gate);
  close(dir);
}


/* ---- tracker slots */

static void slot_file(lock_file file, const char *name, uint64_t id) {
  /* check_name bounded the length: the precision only tells the compiler */
  snprintf(file, sizeof(lock_file), "%.*s" SLOT_MARK "%016llx", (int)(NPSHM_NAME_MAX - SLOT_SUFFIX_LEN),
           name, (unsigned long long)id);
}

/* 1 if `entry` is a slot file of the name `name` (16 hex digits after the mark: no other
 * name's gate, token or slot file can look like one). */
static int is_slot_of(const char *entry, const char *name, size_t len) {
  if (strncmp(entry, name, len) != 0 || strlen(entry + len) != SLOT_SUFFIX_LEN) return 0;
  if (strncmp(entry + len, SLOT_MARK, sizeof SLOT_MARK - 1) != 0) return 0;
  for (const char *p = entry + len + sizeof SLOT_MARK - 1; *p; p++) {
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
  }
  return 1;
}

/* The record of the slot file `file`: 1, or 0 if it cannot be read (yet: its taker writes it
 * just after locking it). */
static int read_slot(int dir, const char *file, struct slot_record *r) {
  int s = openat(dir, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (s < 0) return 0;
  int got = pread(s, r, sizeof *r, 0) == (ssize_t)sizeof *r;
  close(s);
  return got;
}

/* Counts the live trackers of `name`, up to `stop` (dead trackers' files are removed on the
 * way), and puts the pids of the first `cap` in pids (0: not known yet); -1 if the directory
 * cannot be read. With a nonce, only the trackers of that segment: the slots are keyed by the
 * name, and a creator holds one for its new segment before it can know whether the name is
 * free, so another segment's slot must not keep this one's name alive. A slot whose record
 * is not written yet counts (it may be this segment's). */
static int count_trackers(int dir, const char *name, uint64_t nonce, int stop, int32_t *pids,
                          int cap) {
  int d = dup(dir);
  DIR *entries = d < 0 ? NULL : fdopendir(d);
  if (entries == NULL) {
    if (d >= 0) close(d);
    return -1;
  }
  rewinddir(entries); /* d shares dir's offset */
  size_t len = strlen(name);
  int live = 0;
  struct dirent *e;
  while (live < stop && (e = readdir(entries)) != NULL) {
    if (!is_slot_of(e->d_name, name, len) || npshm_probe_lockfile(dir, e->d_name) == 0) continue;
    struct slot_record r;
    int known = read_slot(dir, e->d_name, &r);
    if (known && nonce != 0 && r.nonce != nonce) continue;
    if (live < cap) pids[live] = known ? r.pid : 0;
    live++;
  }
  closedir(entries);
  return live;
}

/* 1 if a live tracker holds a slot of `name` (of the segment with `nonce`, unless 0); 1 also if
 * the directory cannot be read: never remove a name someone may track. */
static int other_trackers(int dir, const char *name, uint64_t nonce) {
  return count_trackers(dir, name, nonce, 1, NULL, 0) != 0;
}

/* Under the gate of `name`, which the caller holds (dir: the lock directory): unlinks the name
 * unless, if `untracked`, a live tracker holds a slot of it, or, if `check`, it no longer
 * refers to the segment with `nonce` at `at`. 0, EWOULDBLOCK, ESTALE or errno. */
static npshm_oserr unlink_if(int dir, const char *name, int untracked, int check, uint64_t nonce,
                             int64_t at) {
  if (untracked && other_trackers(dir, name, nonce)) return EWOULDBLOCK;
  npshm_oserr e = check ? same_segment(name, at, nonce) : 0;
  if (!e && unlink_named(name) != 0) e = errno;
  return e;
}

npshm_oserr npshm_files_unlink(const char *name, int own, int64_t control_at) {
  uint64_t nonce = own >= 0 ? nonce_at(own, control_at) : 0;
  int dir, gate = npshm_name_gate_take(name, &dir);
  npshm_oserr e = unlink_if(dir, name, 0, nonce != 0, nonce, control_at);
  npshm_name_gate_drop(name, dir, gate);
  return e;
}

/* Makes, locks and fills a slot file of our own, numbered in r->id: its descriptor, or -1 with
 * errno. */
static int take_slot(int dir, struct slot_record *r) {
  for (int attempt = 0; attempt < 16; attempt++) {
    r->id = random_id();
    lock_file file;
    slot_file(file, r->name, r->id);
    int s = openat(dir, file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (s < 0 && errno == EEXIST) continue;
    if (s < 0) return -1;
    npshm_oserr e = 0;
    if (flock(s, LOCK_EX | LOCK_NB) != 0) e = errno;
    else if (!npshm_still_named(dir, file, s)) e = EAGAIN; /* taken for a dead one's: ungated */
    else if (pwrite(s, r, sizeof *r, 0) != (ssize_t)sizeof *r) e = errno ? errno : EIO;
    if (!e) return s;
    if (e != EAGAIN) unlinkat(dir, file, 0);
    close(s);
    if (e != EAGAIN && e != EWOULDBLOCK) {
      errno = e;
      return -1;
    }
  }
  errno = EAGAIN;
  return -1;
}

/* Removes our slot file (still locked by s, so no one took it for a dead one's meanwhile). */
static void drop_slot(int dir, int s, const struct slot_record *r) {
  lock_file file;
  slot_file(file, r->name, r->id);
  if (npshm_still_named(dir, file, s)) unlinkat(dir, file, 0);
}

int npshm_tracker_leave(int s, const char *path) {
  (void)path; /* the slot file says it all */
  struct slot_record r;
  if (pread(s, &r, sizeof r, 0) != (ssize_t)sizeof r) return 0;
  r.name[NPSHM_NAME_MAX] = '\0';
  int dir = npshm_lock_dir_open();
  if (dir < 0) return 0;
  int g = gate_take(dir, r.name);
  drop_slot(dir, s, &r);
  int unlinked = unlink_if(dir, r.name, 1, 1, r.nonce, r.block_at) == 0;
  gate_drop(dir, r.name, g);
  close(dir);
  return unlinked;
}

/* Joins the trackers of `r->name` under its gate: the slot's descriptor, or -1 with errno
 * (ESTALE: the name no longer refers to the segment). */
static int join(struct slot_record *r, int unpublished) {
  int dir = npshm_lock_dir_open();
  if (dir < 0) return -1;
  int g = gate_take(dir, r->name);
  int s = take_slot(dir, r);
  npshm_oserr e = s < 0 ? errno : 0;
  if (!e && !unpublished && same_segment(r->name, r->block_at, r->nonce) != 0) {
    drop_slot(dir, s, r);
    close(s);
    e = ESTALE;
  }
  gate_drop(dir, r->name, g);
  close(dir);
  errno = e;
  return e ? -1 : s;
}

NPSHM_API int32_t npshm_track(int64_t handle, const char *name, int32_t unpublished,
                              uint64_t flags_addr, int64_t control_at, int64_t *out) {
  npshm_out_init(out, 0);
  int fd = npshm_fd_of(handle);
  npshm_oserr e = fd < 0 ? EINVAL : check_name(name);
  if (e) return npshm_fail(out, e);
  struct stat st;
  if (fstat(fd, &st) != 0) return npshm_fail(out, errno);
  if (st.st_uid != geteuid()) return npshm_fail(out, EPERM); /* its owner's processes only */
  struct slot_record r;
  memset(&r, 0, sizeof r);
  r.nonce = nonce_at(fd, control_at);
  if (r.nonce == 0) return NPSHM_UNSUPPORTED;
  r.block_at = control_at;
  r.pid = (int32_t)getpid();
  memcpy(r.name, name, strlen(name));
  int s = join(&r, unpublished);
  if (s < 0) return errno == ESTALE ? NPSHM_STALE : npshm_fail(out, errno);
  return npshm_tracked(s, name, flags_addr, out);
}

NPSHM_API int32_t npshm_untrack(int64_t tracker, const char *name, int64_t *out) {
  npshm_out_init(out, 0);
  int s = npshm_fd_of(tracker);
  if (s < 0 || !npshm_name_ok(name)) return npshm_fail(out, EINVAL);
  return npshm_untracked(s, name, out);
}

NPSHM_API int32_t npshm_unlink_untracked(const char *name, int64_t handle, int64_t control_at,
                                         int64_t *out) {
  npshm_out_init(out, 0);
  int own = npshm_fd_of(handle);
  npshm_oserr e = handle >= 0 && own < 0 ? EINVAL : check_name(name);
  if (e) return npshm_fail(out, e);
  uint64_t nonce = own >= 0 ? nonce_at(own, control_at) : 0;
  int dir = npshm_lock_dir_open();
  if (dir < 0) return npshm_fail(out, errno);
  int g = gate_take(dir, name);
  e = unlink_if(dir, name, 1, own >= 0, nonce, control_at);
  gate_drop(dir, name, g);
  close(dir);
  if (e == ESTALE) return NPSHM_STALE;
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_trackers(const char *name, uint64_t nonce, int32_t *pids, int32_t cap,
                                 int64_t *out) {
  npshm_out_init(out, 0);
  npshm_oserr e = cap < 0 || (pids == NULL && cap > 0) ? EINVAL : check_name(name);
  if (e) return npshm_fail(out, e);
  int dir = npshm_lock_dir_open();
  if (dir < 0) return npshm_fail(out, errno);
  int n = count_trackers(dir, name, nonce, INT32_MAX, pids, cap);
  e = n < 0 ? errno : 0;
  close(dir);
  if (e) return npshm_fail(out, e);
  if (out) out[0] = n;
  return NPSHM_OK;
}
#endif
