/*
 * npshm native shim, file family: `.npy` files on disk as bytes (open, size, map, copy into
 * and out of mappings, flush, atomic rename). See the "files" section of npshm.h for the
 * contract of each function; statuses and out[] are those of the rest of the shim.
 *
 * Bytes never pass through JavaScript: a copy into a shared segment goes file -> segment
 * inside the kernel (sendfile) or straight into the mapped address (pread).
 *
 * Layout: each platform block holds the system calls (each returns 0 or the OS error) and the
 * few error numbers the shared part raises; then each exported function once, for both.
 * Only npshm_file_copy is written per platform: on Linux it is a different job (sendfile).
 */
#include "npshm_internal.h"

#include <stdlib.h>

/* One read or write call moves at most this much; Linux caps a call at ~2 GiB anyway. */
#define NPSHM_IO_CHUNK ((uint64_t)1 << 30)

#ifndef _WIN32
/* ======================================================================== POSIX */
#include <fcntl.h>
#include <libgen.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#include <sys/syscall.h>
#endif

#define BAD_HANDLE EBADF
#define BAD_ARGUMENT EINVAL
#define FILE_TOO_BIG EFBIG
#define VIEW_TOO_BIG EFBIG
#define WRITE_STUCK ENOSPC

static int handle_ok(int64_t handle) { return npshm_fd_of(handle) >= 0; }

/* pread and pwrite take the offset as off_t: it and its end must fit. */
static int offset_ok(uint64_t offset, uint64_t len) {
  return offset <= (uint64_t)INT64_MAX && len <= (uint64_t)INT64_MAX - offset;
}

/*
 * An unnamed file (O_TMPFILE) in the directory of path, for npshm_file_link to name once it is
 * complete: a crash before leaves nothing behind. NPSHM_E_UNSUPPORTED where the kernel or the
 * file system has no O_TMPFILE (EOPNOTSUPP; EISDIR or EINVAL from kernels older than 3.11).
 */
static npshm_oserr open_unnamed(const char *path, mode_t mode, int *fd, struct stat *st) {
#ifdef NPSHM_TMPFILE
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  int n = slash == NULL ? snprintf(dir, sizeof dir, ".")
                        : snprintf(dir, sizeof dir, "%.*s", (int)(slash - path + 1), path);
  if (n < 0 || (size_t)n >= sizeof dir) return ENAMETOOLONG;
  int f = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
  if (f < 0) {
    int e = errno;
    return (e == EOPNOTSUPP || e == EISDIR || e == EINVAL) ? NPSHM_E_UNSUPPORTED : e;
  }
  if (fstat(f, st) != 0) {
    int e = errno;
    close(f);
    return e;
  }
  *fd = f;
  return 0;
#else
  (void)path;
  (void)mode;
  (void)fd;
  (void)st;
  return NPSHM_E_UNSUPPORTED;
#endif
}

/*
 * Only regular files are arrays: a directory, FIFO, socket or device has no size to map, and a
 * FIFO would block the open itself (npshm_open_regular). Symlinks are followed: the caller
 * chose the path, as with numpy.load.
 */
static npshm_oserr open_file(const char *path, int32_t how, uint32_t mode, int64_t *handle,
                             int64_t *size) {
  static const int flags[] = {
      [NPSHM_FILE_READ] = O_RDONLY,
      [NPSHM_FILE_WRITE] = O_RDWR,
      [NPSHM_FILE_CREATE] = O_RDWR | O_CREAT | O_EXCL,
      [NPSHM_FILE_REPLACE] = O_RDWR | O_CREAT | O_TRUNC,
      [NPSHM_FILE_TEMP] = O_RDWR, /* see open_unnamed */
  };
  if (path == NULL || path[0] == '\0') return EINVAL;
  int fd = -1;
  struct stat st;
  npshm_oserr e = how == NPSHM_FILE_TEMP
                      ? open_unnamed(path, (mode_t)(mode & 07777), &fd, &st)
                      : npshm_open_regular(path, flags[how], (mode_t)(mode & 07777), 0, &fd, &st);
  if (e) return e;
  *handle = fd;
  *size = (int64_t)st.st_size;
  return 0;
}

/* Reserves real blocks without writing them (no zero-fill pass). */
static npshm_oserr reserve_blocks(int fd, uint64_t size) {
#ifdef __linux__
  int e;
  do {
    e = fallocate(fd, 0, 0, (off_t)size) == 0 ? 0 : errno;
  } while (e == EINTR);
  /* File systems without fallocate stay sparse rather than get written byte by byte. */
  return (e == EOPNOTSUPP || e == ENOSYS) ? 0 : e;
#else
  (void)fd;
  (void)size;
  return 0;
#endif
}

static npshm_oserr set_size(int64_t handle, uint64_t size, int32_t reserve) {
  int fd = npshm_fd_of(handle);
  if (ftruncate(fd, (off_t)size) != 0) return errno;
  return reserve ? reserve_blocks(fd, size) : 0;
}

/*
 * A sparse file in memory (tmpfs, e.g. a path in /dev/shm: Python's segments are sparse) faults
 * on a full tmpfs even where a hole is only read. So a shared mapping of one gets its blocks
 * reserved first (as a read-write attach does), a private one its pages faulted in once mapped
 * (npshm_populate): a full tmpfs is ENOSPC here, not SIGBUS later. Sparse files on disk are left
 * alone: reading a hole allocates nothing there (a write into a hole through a shared mapping
 * can still fault on a full disk, as with numpy's memmap).
 */
static npshm_oserr map_view(int64_t handle, uint64_t size, int32_t private_copy, void **addr) {
  int fd = npshm_fd_of(handle);
  struct stat st;
  int sparse = fstat(fd, &st) == 0 && npshm_sparse_in_memory(fd, &st);
  npshm_oserr e = sparse && !private_copy ? reserve_blocks(fd, size) : 0;
  if (e) return e;
  /* Private: writes stay in this process and never reach (or fault on) the file. */
  int flags = private_copy ? MAP_PRIVATE : MAP_SHARED;
  void *p = npshm_no_inherit(mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, flags, fd, 0),
                             (size_t)size);
  if (p == MAP_FAILED) return errno;
  e = sparse && private_copy ? npshm_populate(p, (size_t)size) : 0;
  if (e) {
    munmap(p, (size_t)size);
    return e;
  }
  *addr = p;
  return 0;
}

/* One pread or pwrite, retried on EINTR; *got = 0 at end of file. */
static npshm_oserr io_once(int64_t handle, uint64_t offset, uint8_t *buf, uint64_t want,
                           int write, uint64_t *got) {
  int fd = npshm_fd_of(handle);
  ssize_t r;
  do {
    r = write ? pwrite(fd, buf, (size_t)want, (off_t)offset)
              : pread(fd, buf, (size_t)want, (off_t)offset);
  } while (r < 0 && errno == EINTR);
  *got = r > 0 ? (uint64_t)r : 0;
  return r < 0 ? errno : 0;
}

static npshm_oserr flush_view(uint64_t addr, uint64_t len) {
  return msync((void *)(uintptr_t)addr, (size_t)len, MS_SYNC) == 0 ? 0 : errno;
}

static npshm_oserr sync_file(int64_t handle) {
  int r;
  do {
    r = fsync(npshm_fd_of(handle));
  } while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : errno;
}

/* The rename is only durable once the directory holding both names is flushed too. */
static void sync_parent(const char *path) {
  char *copy = strdup(path);
  if (copy == NULL) return;
  int dir = open(dirname(copy), O_RDONLY | O_CLOEXEC);
  free(copy);
  if (dir < 0) return;
  fsync(dir);
  close(dir);
}

/* Whether a failed link() or exclusive rename means "this file system cannot", not "no". */
static int cannot(int e) {
  return e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == EINVAL || e == ENOSYS ||
         e == EMLINK;
}

/* The system's rename that refuses an existing target, if it has one: -1 and errno. */
static int rename_exclusive(const char *from, const char *to) {
#if defined(__linux__) && defined(SYS_renameat2)
  return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */);
#elif defined(__APPLE__)
  return renamex_np(from, to, RENAME_EXCL);
#else
  (void)from;
  (void)to;
  errno = ENOSYS;
  return -1;
#endif
}

/*
 * rename() that never replaces `to`: link() then unlink() works on every system; file systems
 * without hard links (FAT, exFAT) take the system's exclusive rename, and where they have none
 * either, a rename once `to` is seen absent (a creator racing in that instant is replaced).
 */
static npshm_oserr rename_new(const char *from, const char *to) {
  if (link(from, to) == 0) {
    unlink(from); /* named now: a leftover second name would only be litter */
    return 0;
  }
  if (!cannot(errno)) return errno;
  if (rename_exclusive(from, to) == 0) return 0;
  if (!cannot(errno)) return errno;
  if (access(to, F_OK) == 0) return EEXIST;
  return rename(from, to) == 0 ? 0 : errno;
}

static npshm_oserr rename_file(const char *from, const char *to, int32_t replace,
                               int32_t durable) {
  if (from == NULL || to == NULL || from[0] == '\0' || to[0] == '\0') return EINVAL;
  npshm_oserr e = replace ? (rename(from, to) == 0 ? 0 : errno) : rename_new(from, to);
  if (!e && durable) sync_parent(to);
  return e;
}

static npshm_oserr remove_file(const char *path) {
  if (path == NULL || path[0] == '\0') return EINVAL;
  return unlink(path) == 0 ? 0 : errno;
}

/* flock: held by the open file description, so the kernel drops it when its last fd closes. */
static npshm_oserr claim_file(int64_t handle) {
  int r;
  do {
    r = flock(npshm_fd_of(handle), LOCK_EX | LOCK_NB);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : errno;
}

/* Owner first: a chown may clear the set-id bits that the chmod then puts back. */
static npshm_oserr adopt_file(int64_t handle, const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : errno;
  if (!S_ISREG(st.st_mode)) return 0;
  int fd = npshm_fd_of(handle);
  /* EPERM: another user's file (or a group we are not in): the new one stays ours */
  if (fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) return errno;
  return fchmod(fd, st.st_mode & 07777) == 0 ? 0 : errno;
}

static npshm_oserr link_file(int64_t handle, const char *path, int32_t replace,
                             int32_t durable) {
#ifdef NPSHM_TMPFILE
  int fd = npshm_fd_of(handle);
  npshm_oserr e = replace ? npshm_link_replacing(fd, path) : npshm_link_fd(fd, path);
  if (!e && durable) sync_parent(path);
  return e;
#else
  (void)handle;
  (void)path;
  (void)replace;
  (void)durable;
  return NPSHM_E_UNSUPPORTED;
#endif
}

#ifdef __linux__
/*
 * In-kernel copy file -> dst fd at dst_off: no page faults on the destination mapping and no
 * user-space buffer. Returns bytes copied; *err is 0 at end of file, else the errno that
 * stopped it (EINVAL/ENOSYS/... mean "this pair of files cannot sendfile": fall back).
 */
static uint64_t kernel_copy(int src, uint64_t src_off, int dst, uint64_t dst_off, uint64_t len,
                            int *err) {
  *err = 0;
  if (lseek(dst, (off_t)dst_off, SEEK_SET) < 0) {
    *err = errno;
    return 0;
  }
  off_t in = (off_t)src_off;
  uint64_t done = 0;
  while (done < len) {
    uint64_t want = len - done < NPSHM_IO_CHUNK ? len - done : NPSHM_IO_CHUNK;
    ssize_t r = sendfile(dst, src, &in, (size_t)want);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      *err = errno;
      break;
    }
    if (r == 0) break;
    done += (uint64_t)r;
  }
  return done;
}

static int cannot_sendfile(int e) {
  return e == EINVAL || e == ENOSYS || e == EOPNOTSUPP || e == EBADF || e == ESPIPE ||
         e == EXDEV;
}
#endif

NPSHM_API int32_t npshm_file_copy(int64_t src, uint64_t src_off, int64_t dst, uint64_t dst_off,
                                  uint8_t *dst_buf, uint64_t len, int64_t *out) {
  if (out == NULL) return NPSHM_INVALID;
  out[2] = 0;
  out[3] = 0;
  int in = npshm_fd_of(src);
  if (in < 0 || !offset_ok(src_off, len) || !offset_ok(dst_off, len)) {
    return npshm_fail(out, in < 0 ? EBADF : EINVAL);
  }
  uint64_t done = 0;
#ifdef __linux__
  if (npshm_fd_of(dst) >= 0) {
    int e;
    done = kernel_copy(in, src_off, npshm_fd_of(dst), dst_off, len, &e);
    if (e && !cannot_sendfile(e)) {
      out[2] = (int64_t)done;
      return npshm_fail(out, e);
    }
    if (!e) {
      out[2] = (int64_t)done;
      return NPSHM_OK;
    }
  }
#else
  (void)dst;
  (void)dst_off;
#endif
  if (dst_buf == NULL) return npshm_fail(out, EINVAL);
  int32_t st = npshm_file_pread(src, src_off + done, dst_buf + done, len - done, out);
  out[2] += (int64_t)done;
  return st;
}

#else
/* ======================================================================== Win32 */
#define BAD_HANDLE ERROR_INVALID_HANDLE
#define BAD_ARGUMENT ERROR_INVALID_PARAMETER
#define FILE_TOO_BIG ERROR_DISK_FULL
#define VIEW_TOO_BIG ERROR_NOT_ENOUGH_MEMORY
#define WRITE_STUCK ERROR_DISK_FULL

static int handle_ok(int64_t handle) { return npshm_handle_of(handle) != NULL; }

/* ReadFile and WriteFile take any 64-bit offset and judge it themselves. */
static int offset_ok(uint64_t offset, uint64_t len) {
  (void)offset;
  (void)len;
  return 1;
}

/* UTF-8 path to a malloc'd wide string, or NULL. */
static WCHAR *wide_path(const char *path) {
  if (path == NULL || path[0] == '\0') return NULL;
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
  if (n <= 0) return NULL;
  WCHAR *w = (WCHAR *)malloc((size_t)n * sizeof(WCHAR));
  if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, w, n) == 0) {
    free(w);
    return NULL;
  }
  return w;
}

static npshm_oserr open_file(const char *path, int32_t how, uint32_t mode, int64_t *handle,
                             int64_t *size) {
  (void)mode; /* files get the directory's default security descriptor */
  if (how == NPSHM_FILE_TEMP) return ERROR_NOT_SUPPORTED; /* no unnamed files: a named one */
  WCHAR *w = wide_path(path);
  if (w == NULL) return ERROR_INVALID_NAME;
  DWORD access = how == NPSHM_FILE_READ ? GENERIC_READ : GENERIC_READ | GENERIC_WRITE;
  DWORD disp = how == NPSHM_FILE_CREATE    ? CREATE_NEW
               : how == NPSHM_FILE_REPLACE ? CREATE_ALWAYS
                                           : OPEN_EXISTING;
  HANDLE h = CreateFileW(w, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                         disp, FILE_ATTRIBUTE_NORMAL, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE) return GetLastError();
  LARGE_INTEGER bytes;
  if (!GetFileSizeEx(h, &bytes)) {
    DWORD e = GetLastError();
    CloseHandle(h);
    return e;
  }
  *handle = (int64_t)(intptr_t)h;
  *size = (int64_t)bytes.QuadPart;
  return 0;
}

/* reserve: NTFS allocates on SetEndOfFile unless the file is marked sparse. */
static npshm_oserr set_size(int64_t handle, uint64_t size, int32_t reserve) {
  (void)reserve;
  HANDLE h = npshm_handle_of(handle);
  FILE_END_OF_FILE_INFO eof;
  eof.EndOfFile.QuadPart = (LONGLONG)size;
  return SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof eof) ? 0 : GetLastError();
}

/* A read-only handle can still back a copy-on-write view (PAGE_WRITECOPY). */
static npshm_oserr map_view(int64_t handle, uint64_t size, int32_t private_copy, void **addr) {
  HANDLE m = CreateFileMappingW(npshm_handle_of(handle), NULL,
                                private_copy ? PAGE_WRITECOPY : PAGE_READWRITE,
                                (DWORD)(size >> 32), (DWORD)(size & 0xffffffffu), NULL);
  if (m == NULL) return GetLastError();
  DWORD access = private_copy ? FILE_MAP_COPY : FILE_MAP_ALL_ACCESS;
  *addr = MapViewOfFile(m, access, 0, 0, (SIZE_T)size);
  DWORD e = *addr == NULL ? GetLastError() : 0;
  CloseHandle(m); /* the view keeps the mapping alive; the file handle is closed at release */
  return e;
}

/* One positioned ReadFile or WriteFile; *got = 0 at end of file. */
static npshm_oserr io_once(int64_t handle, uint64_t offset, uint8_t *buf, uint64_t want,
                           int write, uint64_t *got) {
  OVERLAPPED ov;
  memset(&ov, 0, sizeof ov);
  ov.Offset = (DWORD)(offset & 0xffffffffu);
  ov.OffsetHigh = (DWORD)(offset >> 32);
  HANDLE h = npshm_handle_of(handle);
  DWORD n = 0;
  BOOL ok = write ? WriteFile(h, buf, (DWORD)want, &n, &ov)
                  : ReadFile(h, buf, (DWORD)want, &n, &ov);
  *got = ok ? n : 0;
  if (ok) return 0;
  DWORD e = GetLastError();
  return !write && e == ERROR_HANDLE_EOF ? 0 : e;
}

static npshm_oserr flush_view(uint64_t addr, uint64_t len) {
  return FlushViewOfFile((const void *)(uintptr_t)addr, (SIZE_T)len) ? 0 : GetLastError();
}

static npshm_oserr sync_file(int64_t handle) {
  return FlushFileBuffers(npshm_handle_of(handle)) ? 0 : GetLastError();
}

static npshm_oserr rename_file(const char *from, const char *to, int32_t replace,
                               int32_t durable) {
  WCHAR *a = wide_path(from), *b = wide_path(to);
  DWORD flags = (replace ? MOVEFILE_REPLACE_EXISTING : 0) | (durable ? MOVEFILE_WRITE_THROUGH : 0);
  BOOL ok = a && b && MoveFileExW(a, b, flags);
  DWORD e = ok ? 0 : (a && b ? GetLastError() : ERROR_INVALID_NAME);
  free(a);
  free(b);
  return e;
}

static npshm_oserr remove_file(const char *path) {
  WCHAR *w = wide_path(path);
  if (w == NULL) return ERROR_INVALID_NAME;
  DWORD e = DeleteFileW(w) ? 0 : GetLastError();
  free(w);
  return e;
}

/*
 * A byte-range lock on the last byte a file offset can name: far past any data, and mapped
 * views ignore byte-range locks, so it stops no read or write. Windows drops it when the handle
 * closes, or its process ends.
 */
static npshm_oserr claim_file(int64_t handle) {
  OVERLAPPED ov;
  memset(&ov, 0, sizeof ov);
  ov.Offset = 0xfffffffeu;
  ov.OffsetHigh = 0x7fffffffu;
  DWORD how = LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY;
  return LockFileEx(npshm_handle_of(handle), how, 0, 1, 0, &ov) ? 0 : GetLastError();
}

/* A replacing file gets the directory's default security descriptor, as a new one does. */
static npshm_oserr adopt_file(int64_t handle, const char *path) {
  (void)handle;
  (void)path;
  return 0;
}

static npshm_oserr link_file(int64_t handle, const char *path, int32_t replace,
                             int32_t durable) {
  (void)handle;
  (void)path;
  (void)replace;
  (void)durable;
  return ERROR_NOT_SUPPORTED;
}

/* A mapping handle takes no file I/O: read straight into the mapped bytes. */
NPSHM_API int32_t npshm_file_copy(int64_t src, uint64_t src_off, int64_t dst, uint64_t dst_off,
                                  uint8_t *dst_buf, uint64_t len, int64_t *out) {
  (void)dst;
  (void)dst_off;
  return npshm_file_pread(src, src_off, dst_buf, len, out);
}
#endif

/* ======================================================================== both */

NPSHM_API int32_t npshm_file_open(const char *path, int32_t how, uint32_t mode, int64_t *out) {
  npshm_out_init(out, NPSHM_NO_HANDLE);
  if (out == NULL || how < NPSHM_FILE_READ || how > NPSHM_FILE_TEMP) {
    return npshm_fail(out, BAD_ARGUMENT);
  }
  npshm_oserr e = open_file(path, how, mode, &out[0], &out[2]);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_resize(int64_t handle, uint64_t size, int32_t reserve,
                                    int64_t *out) {
  if (out) out[3] = 0;
  if (!handle_ok(handle)) return npshm_fail(out, BAD_HANDLE);
  if (size > (uint64_t)INT64_MAX) return npshm_fail(out, FILE_TOO_BIG);
  npshm_oserr e = set_size(handle, size, reserve);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_map(int64_t handle, uint64_t size, int32_t private_copy,
                                 int64_t *out) {
  if (out == NULL) return NPSHM_INVALID;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  if (!handle_ok(handle)) return npshm_fail(out, BAD_HANDLE);
  if (size == 0) return NPSHM_OK; /* nothing to map: an empty file has no bytes to view */
  if (!npshm_size_fits(size)) return npshm_fail(out, VIEW_TOO_BIG);
  void *addr = NULL;
  npshm_oserr e = map_view(handle, size, private_copy, &addr);
  if (e) return npshm_fail(out, e);
#ifdef _WIN32
  BY_HANDLE_FILE_INFORMATION fi; /* wait/notify key a shared view by the file's identity */
  if (!private_copy && GetFileInformationByHandle(npshm_handle_of(handle), &fi)) {
    uint64_t index = ((uint64_t)fi.nFileIndexHigh << 32) | fi.nFileIndexLow;
    npshm_win_view_add(addr, size, npshm_win_key_of_file(fi.dwVolumeSerialNumber, index));
  }
#endif
  out[1] = (int64_t)(uintptr_t)addr;
  out[2] = (int64_t)size;
  return NPSHM_OK;
}

/*
 * Reads (write = 0) or writes len bytes at offset in chunks, retrying short transfers. A read
 * stops early at end of file (out[2] < len); a write that makes no progress is WRITE_STUCK.
 * out[2] = bytes transferred.
 */
static int32_t transfer(int64_t handle, uint64_t offset, uint8_t *buf, uint64_t len, int write,
                        int64_t *out) {
  if (out == NULL) return NPSHM_INVALID;
  out[2] = 0;
  out[3] = 0;
  if (!handle_ok(handle)) return npshm_fail(out, BAD_HANDLE);
  if ((buf == NULL && len > 0) || !offset_ok(offset, len)) return npshm_fail(out, BAD_ARGUMENT);
  uint64_t done = 0, got = 0;
  npshm_oserr e = 0;
  while (done < len) {
    uint64_t want = len - done < NPSHM_IO_CHUNK ? len - done : NPSHM_IO_CHUNK;
    e = io_once(handle, offset + done, buf + done, want, write, &got);
    if (!e && got == 0 && write) e = WRITE_STUCK;
    if (e || got == 0) break;
    done += got;
  }
  out[2] = (int64_t)done;
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_pread(int64_t handle, uint64_t offset, uint8_t *dst, uint64_t len,
                                   int64_t *out) {
  return transfer(handle, offset, dst, len, 0, out);
}

NPSHM_API int32_t npshm_file_pwrite(int64_t handle, uint64_t offset, const uint8_t *src,
                                    uint64_t len, int64_t *out) {
  return transfer(handle, offset, (uint8_t *)src, len, 1, out);
}

NPSHM_API int32_t npshm_file_flush(uint64_t addr, uint64_t len, int64_t *out) {
  if (out) out[3] = 0;
  if (addr == 0 || len == 0) return NPSHM_OK;
  npshm_oserr e = flush_view(addr, len);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_sync(int64_t handle, int64_t *out) {
  if (out) out[3] = 0;
  if (!handle_ok(handle)) return npshm_fail(out, BAD_HANDLE);
  npshm_oserr e = sync_file(handle);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_rename(const char *from, const char *to, int32_t replace,
                                    int32_t durable, int64_t *out) {
  if (out) out[3] = 0;
  npshm_oserr e = rename_file(from, to, replace, durable);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_claim(int64_t handle, int64_t *out) {
  if (out) out[3] = 0;
  if (!handle_ok(handle)) return npshm_fail(out, BAD_HANDLE);
  npshm_oserr e = claim_file(handle);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_remove(const char *path, int64_t *out) {
  if (out) out[3] = 0;
  npshm_oserr e = remove_file(path);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_adopt(int64_t handle, const char *path, int64_t *out) {
  if (out) out[3] = 0;
  if (!handle_ok(handle)) return npshm_fail(out, BAD_HANDLE);
  if (path == NULL || path[0] == '\0') return npshm_fail(out, BAD_ARGUMENT);
  npshm_oserr e = adopt_file(handle, path);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_link(int64_t handle, const char *path, int32_t replace,
                                  int32_t durable, int64_t *out) {
  if (out) out[3] = 0;
  if (!handle_ok(handle)) return npshm_fail(out, BAD_HANDLE);
  if (path == NULL || path[0] == '\0') return npshm_fail(out, BAD_ARGUMENT);
  npshm_oserr e = link_file(handle, path, replace, durable);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}
