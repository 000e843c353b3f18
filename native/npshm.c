/*
 * npshm native shim: see npshm.h for the contract of each function.
 *
 * Layout: what is the same on every platform (attach, release, read, error text), then one
 * block per platform family: POSIX (Linux with O_TMPFILE, other POSIX with shm_open) and
 * Win32. Names, out[] and OS errors follow the rules in npshm_internal.h.
 */
#include "npshm_internal.h"

/* Only the test program may switch this on, to exercise the shm_open path on Linux. */
#ifdef NPSHM_TESTING
int npshm_test_no_tmpfile = 0;
#endif

/* Truncates at a UTF-8 character boundary so the caller can always decode the text. */
static void copy_text(char *buf, uint64_t cap, const char *text) {
  if (buf == NULL || cap == 0) return;
  size_t n = strlen(text);
  if (n > cap - 1) {
    n = (size_t)(cap - 1);
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) n--;
  }
  memcpy(buf, text, n);
  buf[n] = '\0';
}

NPSHM_API int32_t npshm_abi_version(void) { return NPSHM_ABI_VERSION; }

NPSHM_API void npshm_read(uint64_t addr, uint8_t *dst, uint64_t len) {
  if (addr == 0 || dst == NULL || len == 0) return;
  memcpy(dst, (const void *)(uintptr_t)addr, (size_t)len);
}

/* The first min(size, cap) bytes of the segment npshm_open just mapped into out[]. */
static void copy_head(const int64_t *out, uint8_t *head, uint64_t cap) {
  uint64_t size = (uint64_t)out[2];
  npshm_read((uint64_t)out[1], head, size < cap ? size : cap);
}

/* Attach is the hot path: every FFI call saved is a measurable part of it. */
NPSHM_API int32_t npshm_attach(const char *name, int32_t read_only, int64_t *out, uint8_t *head,
                               uint64_t cap) {
  int32_t status = npshm_open(name, read_only, out);
  if (status == NPSHM_OK) copy_head(out, head, cap);
  return status;
}

NPSHM_API int32_t npshm_release(uint64_t addr, uint64_t size, int64_t handle) {
  int32_t unmapped = npshm_unmap(addr, size);
  int32_t closed = npshm_close(handle);
  return unmapped != NPSHM_OK ? unmapped : closed;
}

#ifndef _WIN32
/* ======================================================================== POSIX */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Callers checked npshm_name_ok, so it always fits. */
static void shm_name(npshm_path dst, const char *name) {
  snprintf(dst, sizeof(npshm_path), "/%s", name);
}

/*
 * Reserves the memory now, so a full /dev/shm is an error here rather than a SIGBUS at
 * the first write. macOS has no posix_fallocate; its single ftruncate backs the object
 * with pageable memory that cannot run out the way a tmpfs does.
 */
static int reserve(int fd, uint64_t size) {
#ifdef __APPLE__
  return ftruncate(fd, (off_t)size) == 0 ? 0 : errno;
#else
  int e;
  /* tmpfs gives up a long allocation when a signal arrives; JS runtimes get many. */
  do {
    e = posix_fallocate(fd, 0, (off_t)size);
  } while (e == EINTR);
  /* Systems whose shm objects cannot fallocate: size them, allocation stays lazy. */
  if (e == EOPNOTSUPP || e == ENODEV || e == ENOSYS) {
    e = ftruncate(fd, (off_t)size) == 0 ? 0 : errno;
  }
  return e;
#endif
}

static void *map_shared(size_t size, int prot, int fd) {
  return npshm_no_inherit(mmap(NULL, size, prot, MAP_SHARED, fd, 0), size);
}

/* Maps the whole segment shared read-write and writes the header; returns errno or 0. */
static int map_new(int fd, uint64_t size, const uint8_t *head, uint64_t head_len, void **addr) {
  void *p = map_shared((size_t)size, PROT_READ | PROT_WRITE, fd);
  if (p == MAP_FAILED) return errno;
  if (head_len) memcpy(p, head, (size_t)head_len);
  *addr = p;
  return 0;
}

/* Owner-only by default means exactly the mode asked for: the umask must not narrow it. */
static int set_mode(int fd, uint32_t mode) {
  if (fchmod(fd, (mode_t)(mode & 07777)) == 0) return 0;
#ifdef __APPLE__
  return 0; /* macOS shm objects may refuse fchmod; the umask-narrowed mode stands. */
#else
  return errno;
#endif
}

/* Fills the segment behind fd; on failure closes fd. Returns errno or 0. */
static int finish_create(int fd, uint64_t size, uint32_t mode, const uint8_t *head,
                         uint64_t head_len, int64_t *out) {
  void *addr = NULL;
  int e = set_mode(fd, mode);
  if (!e) e = reserve(fd, size);
  if (!e) e = map_new(fd, size, head, head_len, &addr);
  if (e) {
    close(fd);
    return e;
  }
  out[0] = fd;
  out[1] = (int64_t)(uintptr_t)addr;
  out[2] = (int64_t)size;
  return 0;
}

#ifdef NPSHM_TMPFILE
/* Returns -1 with errno set; errno EOPNOTSUPP/EISDIR/EINVAL means "no O_TMPFILE here". */
static int open_tmpfile(uint32_t mode) {
#ifdef NPSHM_TESTING
  if (npshm_test_no_tmpfile) {
    errno = EOPNOTSUPP;
    return -1;
  }
#endif
  return open(NPSHM_SHM_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC, (mode_t)(mode & 07777));
}
#endif

/* The portable way: the name exists (empty, then filled) from the moment of shm_open. */
static int32_t create_named(const char *name, uint64_t size, uint32_t mode, int32_t force,
                            const uint8_t *head, uint64_t head_len, int64_t *out) {
  npshm_path path;
  shm_name(path, name);
  int dir = -1, gate = force ? npshm_name_gate_take(name, &dir) : -1; /* macOS: see unlink */
  int e = force && shm_unlink(path) != 0 && errno != ENOENT ? errno : 0;
  int fd = e ? -1 : shm_open(path, O_CREAT | O_EXCL | O_RDWR, (mode_t)(mode & 07777));
  if (!e && fd < 0) e = errno;
  npshm_name_gate_drop(name, dir, gate);
  if (e) return npshm_fail(out, e);
  e = finish_create(fd, size, mode, head, head_len, out);
  if (e) shm_unlink(path);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_create(const char *name, uint64_t size, uint32_t mode, int32_t force,
                               const uint8_t *head, uint64_t head_len, int64_t *out) {
  npshm_out_init(out, NPSHM_NO_HANDLE);
  if (out == NULL) return NPSHM_INVALID;
  if (!npshm_name_ok(name) || size == 0 || head_len > size || (head == NULL && head_len > 0)) {
    return npshm_fail(out, EINVAL);
  }
  if (!npshm_size_fits(size)) return npshm_fail(out, EFBIG);
#ifdef NPSHM_TMPFILE
  int fd = open_tmpfile(mode);
  if (fd >= 0) {
    int e = finish_create(fd, size, mode, head, head_len, out);
    return e ? npshm_fail(out, e) : NPSHM_OK;
  }
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return npshm_fail(out, errno);
#endif
  return create_named(name, size, mode, force, head, head_len, out);
}

#ifdef NPSHM_TMPFILE
/*
 * force: link under a temporary name of our own, then rename() it over the target, so the name
 * never goes missing for attachers (unlink + link would leave a gap) and concurrent forcers
 * just take turns. The rename happens under the gate of the segment it replaces, the lock every
 * unlink-if-same takes (npshm_sync.c): so an unlinkOnClose or last tracker of the old segment,
 * which checked that the name is still theirs, never removes ours. Only a crash between link
 * and rename leaves the temporary name behind (dot-named, hidden from listings; see
 * removeStaleSharedArrays for who removes it).
 */
static int replace_with(int fd, const char *path) {
  char tmp[PATH_MAX];
  int e = npshm_link_temp(fd, path, tmp);
  if (e) return e;
  for (int attempt = 0;; attempt++) {
    int old = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int gated = old >= 0 && npshm_gate_take(old);
    if (gated && npshm_same_file(old, path) != 0 && attempt < 100) {
      npshm_gate_drop(old, gated); /* replaced or removed meanwhile: gate the new holder */
      close(old);
      continue;
    }
    e = rename(tmp, path) == 0 ? 0 : errno;
    if (old >= 0) {
      npshm_gate_drop(old, gated);
      close(old);
    }
    break;
  }
  if (e) unlink(tmp);
  return e;
}
#endif

NPSHM_API int32_t npshm_publish(int64_t handle, const char *name, int32_t force, int64_t *out) {
  if (out) out[3] = 0;
  if (!npshm_name_ok(name) || npshm_fd_of(handle) < 0) return npshm_fail(out, EINVAL);
#ifdef NPSHM_TMPFILE
  struct stat st;
  if (fstat(npshm_fd_of(handle), &st) != 0) return npshm_fail(out, errno);
  if (st.st_nlink > 0) return NPSHM_OK; /* made by create_named: already has its name */
  npshm_path path;
  npshm_dev_path(path, name);
  int fd = npshm_fd_of(handle);
  if (!force) {
    int e = npshm_link_fd(fd, path);
    return e ? npshm_fail(out, e) : NPSHM_OK;
  }
  int dir, gate = npshm_name_gate_take(name, &dir); /* the lock-file build's gates */
  int e = replace_with(fd, path);
  npshm_name_gate_drop(name, dir, gate);
  return e ? npshm_fail(out, e) : NPSHM_OK;
#else
  (void)force;
  return NPSHM_OK;
#endif
}

/* Returns errno or 0: a sparse segment (ftruncate-only, as Python makes) gets its pages. */
static int allocate_if_sparse(int fd, const struct stat *st) {
#ifdef __APPLE__
  (void)fd;
  (void)st;
  return 0;
#else
  if ((uint64_t)st->st_blocks * 512u >= (uint64_t)st->st_size) return 0;
  return reserve(fd, (uint64_t)st->st_size);
#endif
}

#ifdef __APPLE__
/*
 * XNU refuses MAP_PRIVATE on POSIX shm (EINVAL), and a shared PROT_READ mapping would
 * fault on a write through a TypedArray. So a read-only attach on macOS is a private
 * snapshot: anonymous memory filled from the segment once (it does not see later writes).
 */
static void *snapshot(int fd, size_t size) {
  int anon = MAP_PRIVATE | MAP_ANON;
  void *p = npshm_no_inherit(mmap(NULL, size, PROT_READ | PROT_WRITE, anon, -1, 0), size);
  if (p == MAP_FAILED) return p;
  void *src = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
  if (src == MAP_FAILED) {
    int e = errno;
    munmap(p, size);
    errno = e;
    return MAP_FAILED;
  }
  memcpy(p, src, size);
  munmap(src, size);
  return p;
}
#endif

/*
 * Private copy-on-write for read-only: a write through it stays in this process and
 * never faults, and pages not written keep showing the segment's live contents.
 */
static void *map_existing(int fd, size_t size, int32_t read_only) {
  if (!read_only) return map_shared(size, PROT_READ | PROT_WRITE, fd);
#ifdef __APPLE__
  return snapshot(fd, size);
#else
  return mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
#endif
}

/*
 * Opens segment `name` for an attach. Linux: its file in /dev/shm, where any user can plant a
 * FIFO or a symlink under a name: such a thing is refused at once, never waited on or followed
 * (npshm_open_regular). Elsewhere shm_open: shm objects there are not files of a directory.
 * Returns 0 (fd and st filled) or an errno.
 */
static npshm_oserr open_segment(const char *name, int32_t read_only, int *fd, struct stat *st) {
  npshm_path path;
#ifdef __linux__
  npshm_dev_path(path, name);
  return npshm_open_regular(path, read_only ? O_RDONLY : O_RDWR, 0, 1, fd, st);
#else
  shm_name(path, name);
  *fd = shm_open(path, read_only ? O_RDONLY : O_RDWR, 0);
  if (*fd < 0) return errno;
  if (fstat(*fd, st) == 0) return 0;
  int e = errno;
  close(*fd);
  return e;
#endif
}

/*
 * A read-only attach of a sparse segment: reading a hole of a tmpfs allocates a page, so on a
 * full /dev/shm the first read would raise SIGBUS. Its pages are faulted in now instead, where
 * the kernel can (Linux 5.14+): then a full /dev/shm is ENOSPC here. Returns errno or 0.
 */
static int populate_if_sparse(int fd, const struct stat *st, void *addr) {
  return npshm_sparse_in_memory(fd, st) ? npshm_populate(addr, (size_t)st->st_size) : 0;
}

/* npshm_open, and the segment's fstat. */
static int32_t open_mapped(const char *name, int32_t read_only, int64_t *out, struct stat *stp) {
  npshm_out_init(out, NPSHM_NO_HANDLE);
  if (out == NULL) return NPSHM_INVALID;
  if (!npshm_name_ok(name)) return npshm_fail(out, EINVAL);
  int fd = -1;
  struct stat st;
  int e = open_segment(name, read_only, &fd, &st);
  if (e) return npshm_fail(out, e);
  if (!npshm_size_fits((uint64_t)st.st_size)) e = EFBIG;
  if (!e && !read_only) e = allocate_if_sparse(fd, &st);
  void *addr = NULL;
  if (!e && st.st_size > 0) {
    addr = map_existing(fd, (size_t)st.st_size, read_only);
    if (addr == MAP_FAILED) {
      e = errno;
      addr = NULL;
    }
  }
  if (!e && addr != NULL && read_only) e = populate_if_sparse(fd, &st, addr);
  if (e) {
    if (addr != NULL) munmap(addr, (size_t)st.st_size);
    close(fd);
    return npshm_fail(out, e);
  }
  out[0] = fd;
  out[1] = (int64_t)(uintptr_t)addr;
  out[2] = (int64_t)st.st_size;
  *stp = st;
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_open(const char *name, int32_t read_only, int64_t *out) {
  struct stat st;
  return open_mapped(name, read_only, out, &st);
}

NPSHM_API int32_t npshm_unmap(uint64_t addr, uint64_t size) {
  if (addr == 0 || size == 0) return NPSHM_OK; /* a zero-byte segment has no mapping */
  return munmap((void *)(uintptr_t)addr, (size_t)size) == 0 ? NPSHM_OK : npshm_status_of(errno);
}

NPSHM_API int32_t npshm_close(int64_t handle) {
  if (npshm_fd_of(handle) < 0) return NPSHM_INVALID;
  return close(npshm_fd_of(handle)) == 0 ? NPSHM_OK : npshm_status_of(errno);
}

#if defined(__APPLE__) || defined(NPSHM_LOCKFILES)
/* macOS (and Linux's lock-file build, which runs it here): under the name's gate, a handle's
 * segment told by the creation nonce of its control block at control_at (npshm_track_files.c). */
static int32_t remove_name(const char *name, int64_t handle, int64_t control_at, int64_t *out) {
  npshm_oserr e = npshm_files_unlink(name, npshm_fd_of(handle), control_at);
  if (e == ESTALE) return NPSHM_STALE;
  return e ? npshm_fail(out, e) : NPSHM_OK;
}
#elif defined(__linux__)
/* Unlink-if-same under the gate (npshm_internal.h); handle < 0: whatever the name holds now. */
static int32_t unlink_gated(const char *path, int64_t handle, int64_t *out) {
  int own = npshm_fd_of(handle);
  for (int attempt = 0; attempt < 100; attempt++) {
    int fd = own >= 0 ? npshm_writable(own)
                      : open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    npshm_oserr e;
    if (fd >= 0) {
      e = npshm_unlink_same(fd, path);
      if (fd != own) close(fd);
    } else if (errno == ENOENT && own < 0) {
      e = ENOENT;
    } else {
      /* Not ours to write (mode 0400, another user's, not a file): no gate to take. */
      e = own >= 0 ? npshm_same_file(own, path) : 0;
      if (!e && unlink(path) != 0) e = errno;
    }
    if (e == ESTALE && own < 0) continue; /* replaced between our open and our check */
    if (e == ESTALE) return NPSHM_STALE;
    return e ? npshm_fail(out, e) : NPSHM_OK;
  }
  return npshm_fail(out, EAGAIN);
}

/* The inode tells segments apart here: control_at is not needed. */
static int32_t remove_name(const char *name, int64_t handle, int64_t control_at, int64_t *out) {
  (void)control_at;
  npshm_path path;
  npshm_dev_path(path, name);
  return unlink_gated(path, handle, out);
}
#else
/* No path to stat: shm names live outside the file system here. */
static int32_t remove_name(const char *name, int64_t handle, int64_t control_at, int64_t *out) {
  (void)handle, (void)control_at;
  npshm_path path;
  shm_name(path, name);
  return shm_unlink(path) == 0 ? NPSHM_OK : npshm_fail(out, errno);
}
#endif

NPSHM_API int32_t npshm_unlink(const char *name, int64_t handle, int64_t control_at,
                               int64_t *out) {
  if (out) out[3] = 0;
  if (!npshm_name_ok(name)) return npshm_fail(out, EINVAL);
  if (handle >= 0 && npshm_fd_of(handle) < 0) return npshm_fail(out, EBADF);
  return remove_name(name, handle, control_at, out);
}

static void stat_info(const struct stat *st, int64_t *info) {
  info[0] = (int64_t)st->st_dev;
  info[1] = (int64_t)st->st_ino;
  info[2] = (int64_t)st->st_size;
#ifdef __APPLE__
  info[3] = (int64_t)st->st_mtimespec.tv_sec * 1000000000 + st->st_mtimespec.tv_nsec;
#else
  info[3] = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
#endif
  info[4] = (int64_t)st->st_uid;
  info[5] = (int64_t)(st->st_mode & 07777);
}

NPSHM_API int32_t npshm_fstat(int64_t handle, int64_t *info, int64_t *out) {
  if (out) out[3] = 0;
  struct stat st;
  if (info == NULL || npshm_fd_of(handle) < 0) return npshm_fail(out, EINVAL);
  if (fstat(npshm_fd_of(handle), &st) != 0) return npshm_fail(out, errno);
  stat_info(&st, info);
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_attach_unheld(const char *name, int32_t read_only, int64_t *out,
                                      uint8_t *head, uint64_t cap, int64_t *info) {
  if (info == NULL) return npshm_attach(name, read_only, out, head, cap);
  /* The open's own fstat fills info: a second one is a tenth of a small attach. */
  struct stat st;
  int32_t status = open_mapped(name, read_only, out, &st);
  if (status != NPSHM_OK) return status;
  copy_head(out, head, cap);
  stat_info(&st, info);
  npshm_close(out[0]);
  out[0] = NPSHM_NO_HANDLE;
  return NPSHM_OK;
}

/* strerror_r is XSI (int) or GNU (char *) depending on libc and macros: accept both. */
static const char *pick_gnu(char *ret, char *buf) {
  (void)buf;
  return ret;
}
static const char *pick_xsi(int ret, char *buf) { return ret == 0 ? buf : NULL; }

NPSHM_API void npshm_strerror(int32_t os_error, char *buf, uint64_t cap) {
  char tmp[256] = "";
  const char *text = _Generic(strerror_r(os_error, tmp, sizeof tmp), char *: pick_gnu,
                              default: pick_xsi)(strerror_r(os_error, tmp, sizeof tmp), tmp);
  if (text == NULL || text[0] == '\0') {
    snprintf(tmp, sizeof tmp, "error %d", (int)os_error);
    text = tmp;
  }
  copy_text(buf, cap, text);
}

#else
/* ======================================================================== Win32 */
/* A segment name as Win32 takes it: UTF-16, NUL-terminated. */
typedef WCHAR wide_name[NPSHM_NAME_MAX + 1];

/* Returns 0 or the Win32 error; the name must be valid UTF-8. */
static DWORD widen(wide_name dst, const char *name) {
  if (!npshm_name_ok(name)) return ERROR_INVALID_NAME;
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, name, -1, dst, NPSHM_NAME_MAX + 1) == 0) {
    return ERROR_INVALID_NAME;
  }
  return 0;
}

NPSHM_API int32_t npshm_create(const char *name, uint64_t size, uint32_t mode, int32_t force,
                               const uint8_t *head, uint64_t head_len, int64_t *out) {
  (void)mode;  /* a mapping's access follows its default security descriptor */
  (void)force; /* a live mapping cannot be replaced: its name goes with its last handle */
  npshm_out_init(out, NPSHM_NO_HANDLE);
  if (out == NULL) return NPSHM_INVALID;
  wide_name wname;
  DWORD e = widen(wname, name);
  if (e) return npshm_fail(out, e);
  if (size == 0 || head_len > size || (head == NULL && head_len > 0)) {
    return npshm_fail(out, ERROR_INVALID_PARAMETER);
  }
  /* Windows calls such sizes invalid; they are "too big", as EFBIG says on POSIX. */
  if (!npshm_size_fits(size)) return npshm_fail(out, ERROR_NOT_ENOUGH_MEMORY);
  /* Backed by the paging file and committed whole, so lack of memory shows up here. */
  HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, (DWORD)(size >> 32),
                                (DWORD)(size & 0xffffffffu), wname);
  if (h == NULL) return npshm_fail(out, GetLastError());
  if (GetLastError() == ERROR_ALREADY_EXISTS) {
    CloseHandle(h);
    return npshm_fail(out, ERROR_ALREADY_EXISTS);
  }
  void *addr = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, (SIZE_T)size);
  if (addr == NULL) {
    e = GetLastError();
    CloseHandle(h);
    return npshm_fail(out, e);
  }
  if (head_len) memcpy(addr, head, (size_t)head_len);
  npshm_win_view_add(addr, size, npshm_win_key_of_name(name));
  out[0] = (int64_t)(intptr_t)h;
  out[1] = (int64_t)(uintptr_t)addr;
  out[2] = (int64_t)size;
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_publish(int64_t handle, const char *name, int32_t force, int64_t *out) {
  (void)handle;
  (void)force;
  if (out) out[3] = 0;
  return npshm_name_ok(name) ? NPSHM_OK : npshm_fail(out, ERROR_INVALID_NAME);
}

/* Copy-on-write (FILE_MAP_COPY) for read-only: writes stay private and never fault. */
NPSHM_API int32_t npshm_open(const char *name, int32_t read_only, int64_t *out) {
  npshm_out_init(out, NPSHM_NO_HANDLE);
  if (out == NULL) return NPSHM_INVALID;
  wide_name wname;
  DWORD e = widen(wname, name);
  if (e) return npshm_fail(out, e);
  HANDLE h = OpenFileMappingW(read_only ? FILE_MAP_READ : FILE_MAP_ALL_ACCESS, FALSE, wname);
  if (h == NULL) return npshm_fail(out, GetLastError());
  void *addr = MapViewOfFile(h, read_only ? FILE_MAP_COPY : FILE_MAP_ALL_ACCESS, 0, 0, 0);
  MEMORY_BASIC_INFORMATION mbi;
  e = addr == NULL ? GetLastError() : 0;
  if (!e && VirtualQuery(addr, &mbi, sizeof mbi) == 0) e = GetLastError();
  if (e) {
    if (addr) UnmapViewOfFile(addr);
    CloseHandle(h);
    return npshm_fail(out, e);
  }
  npshm_win_view_add(addr, mbi.RegionSize, npshm_win_key_of_name(name));
  out[0] = (int64_t)(intptr_t)h;
  out[1] = (int64_t)(uintptr_t)addr;
  out[2] = (int64_t)mbi.RegionSize; /* page-rounded: the header knows the exact size */
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_unmap(uint64_t addr, uint64_t size) {
  (void)size;
  if (addr == 0) return NPSHM_OK;
  npshm_win_view_drop((const void *)(uintptr_t)addr);
  return UnmapViewOfFile((LPCVOID)(uintptr_t)addr) ? NPSHM_OK : npshm_status_of(GetLastError());
}

NPSHM_API int32_t npshm_close(int64_t handle) {
  HANDLE h = npshm_handle_of(handle);
  if (h == NULL) return NPSHM_INVALID;
  return CloseHandle(h) ? NPSHM_OK : npshm_status_of(GetLastError());
}

/* Windows has no unlink: a mapping's name disappears with the last handle to it. So this only
 * says whether the name is there (OK) or not (NOT_FOUND), as unlink does on POSIX. */
NPSHM_API int32_t npshm_unlink(const char *name, int64_t handle, int64_t control_at,
                               int64_t *out) {
  (void)control_at;
  (void)handle;
  if (out) out[3] = 0;
  wide_name wname;
  DWORD e = widen(wname, name);
  if (e) return npshm_fail(out, e);
  HANDLE h = OpenFileMappingW(FILE_MAP_READ, FALSE, wname);
  if (h == NULL) return npshm_fail(out, GetLastError());
  CloseHandle(h);
  return NPSHM_OK;
}

/* The handle is what tells a mapping apart here: it is always held, and info is not filled. */
NPSHM_API int32_t npshm_attach_unheld(const char *name, int32_t read_only, int64_t *out,
                                      uint8_t *head, uint64_t cap, int64_t *info) {
  (void)info;
  return npshm_attach(name, read_only, out, head, cap);
}

/* Files only (a mapping handle has no file information): no owner, no mode bits. */
NPSHM_API int32_t npshm_fstat(int64_t handle, int64_t *info, int64_t *out) {
  if (out) out[3] = 0;
  BY_HANDLE_FILE_INFORMATION fi;
  if (info == NULL || npshm_handle_of(handle) == NULL) {
    return npshm_fail(out, ERROR_INVALID_PARAMETER);
  }
  if (!GetFileInformationByHandle(npshm_handle_of(handle), &fi)) {
    return npshm_fail(out, GetLastError());
  }
  uint64_t written = ((uint64_t)fi.ftLastWriteTime.dwHighDateTime << 32) |
                     fi.ftLastWriteTime.dwLowDateTime; /* 100 ns since 1601 */
  info[0] = (int64_t)fi.dwVolumeSerialNumber;
  info[1] = (int64_t)(((uint64_t)fi.nFileIndexHigh << 32) | fi.nFileIndexLow);
  info[2] = (int64_t)(((uint64_t)fi.nFileSizeHigh << 32) | fi.nFileSizeLow);
  info[3] = (int64_t)(written - 116444736000000000ull) * 100;
  info[4] = -1;
  info[5] = 0;
  return NPSHM_OK;
}

/* UTF-8 text, as the JS side decodes it, rather than the ANSI code page. */
NPSHM_API void npshm_strerror(int32_t os_error, char *buf, uint64_t cap) {
  WCHAR wide[512];
  char text[1024] = "";
  DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                           (DWORD)os_error, 0, wide, 512, NULL);
  while (n > 0 && (wide[n - 1] == L'\r' || wide[n - 1] == L'\n' || wide[n - 1] == L' ')) n--;
  if (n == 0 || WideCharToMultiByte(CP_UTF8, 0, wide, (int)n, text, sizeof text - 1, NULL,
                                    NULL) == 0) {
    snprintf(text, sizeof text, "Windows error %ld", (long)os_error);
  }
  copy_text(buf, cap, text);
}
#endif
