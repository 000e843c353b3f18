/*
 * npshm native shim, file family: `.npy` files on disk as bytes (open, size, map, copy into
 * and out of mappings, flush, atomic rename). See the "files" section of npshm.h for the
 * contract of each function; statuses and out[] are those of the rest of the shim.
 *
 * Bytes never pass through JavaScript: a copy into a shared segment goes file -> segment
 * inside the kernel (sendfile) or straight into the mapped address (pread).
 */
#include "npshm_internal.h"

#include <stdlib.h>

/* One read or write call moves at most this much; Linux caps a call at ~2 GiB anyway. */
#define NPSHM_IO_CHUNK ((uint64_t)1 << 30)

#ifndef _WIN32
/* ======================================================================== POSIX */
#include <fcntl.h>
#include <libgen.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif

static int offset_ok(uint64_t offset, uint64_t len) {
  return offset <= (uint64_t)INT64_MAX && len <= (uint64_t)INT64_MAX - offset;
}

static int open_flags(int32_t how) {
  switch (how) {
  case NPSHM_FILE_READ:
    return O_RDONLY;
  case NPSHM_FILE_WRITE:
    return O_RDWR;
  case NPSHM_FILE_CREATE:
    return O_RDWR | O_CREAT | O_EXCL;
  case NPSHM_FILE_REPLACE:
    return O_RDWR | O_CREAT | O_TRUNC;
  default:
    return -1;
  }
}

NPSHM_API int32_t npshm_file_open(const char *path, int32_t how, uint32_t mode, int64_t *out) {
  npshm_out_init(out, NPSHM_NO_HANDLE);
  int flags = open_flags(how);
  if (out == NULL || path == NULL || path[0] == '\0' || flags < 0) return npshm_fail(out, EINVAL);
  int fd = open(path, flags | O_CLOEXEC, (mode_t)(mode & 07777));
  if (fd < 0) return npshm_fail(out, errno);
  struct stat st;
  int e = fstat(fd, &st) == 0 ? 0 : errno;
  /* A directory, FIFO or device has no size to map: only regular files are arrays. */
  if (!e && !S_ISREG(st.st_mode)) e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
  if (e) {
    close(fd);
    return npshm_fail(out, e);
  }
  out[0] = fd;
  out[2] = (int64_t)st.st_size;
  return NPSHM_OK;
}

/* Reserves real blocks without writing them (no zero-fill pass); returns errno or 0. */
static int reserve_blocks(int fd, uint64_t size) {
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

NPSHM_API int32_t npshm_file_resize(int64_t handle, uint64_t size, int32_t reserve,
                                    int64_t *out) {
  if (out) out[3] = 0;
  int fd = npshm_fd_of(handle);
  if (fd < 0) return npshm_fail(out, EBADF);
  if (size > (uint64_t)INT64_MAX) return npshm_fail(out, EFBIG);
  if (ftruncate(fd, (off_t)size) != 0) return npshm_fail(out, errno);
  int e = reserve ? reserve_blocks(fd, size) : 0;
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_map(int64_t handle, uint64_t size, int32_t private_copy,
                                 int64_t *out) {
  if (out == NULL) return NPSHM_INVALID;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  int fd = npshm_fd_of(handle);
  if (fd < 0) return npshm_fail(out, EBADF);
  if (size == 0) return NPSHM_OK; /* nothing to map: an empty file has no bytes to view */
  if (!npshm_size_fits(size)) return npshm_fail(out, EFBIG);
  /* Private: writes stay in this process and never reach (or fault on) the file. */
  int flags = private_copy ? MAP_PRIVATE : MAP_SHARED;
  void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, flags, fd, 0);
  if (p == MAP_FAILED) return npshm_fail(out, errno);
  out[1] = (int64_t)(uintptr_t)p;
  out[2] = (int64_t)size;
  return NPSHM_OK;
}

/*
 * Reads (write = 0) or writes len bytes at offset in chunks, retrying short transfers and
 * EINTR. A read stops early at end of file (out[2] < len); a write that makes no progress is
 * ENOSPC. out[2] = bytes transferred.
 */
static int32_t transfer(int64_t handle, uint64_t offset, uint8_t *buf, uint64_t len, int write,
                        int64_t *out) {
  if (out == NULL) return NPSHM_INVALID;
  out[2] = 0;
  out[3] = 0;
  int fd = npshm_fd_of(handle);
  if (fd < 0 || (buf == NULL && len > 0) || !offset_ok(offset, len)) {
    return npshm_fail(out, fd < 0 ? EBADF : EINVAL);
  }
  uint64_t done = 0;
  while (done < len) {
    size_t want = (size_t)(len - done < NPSHM_IO_CHUNK ? len - done : NPSHM_IO_CHUNK);
    off_t at = (off_t)(offset + done);
    ssize_t r = write ? pwrite(fd, buf + done, want, at) : pread(fd, buf + done, want, at);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0 && !write) break; /* end of file */
    if (r <= 0) {
      out[2] = (int64_t)done;
      return npshm_fail(out, r < 0 ? errno : ENOSPC);
    }
    done += (uint64_t)r;
  }
  out[2] = (int64_t)done;
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_file_pread(int64_t handle, uint64_t offset, uint8_t *dst, uint64_t len,
                                   int64_t *out) {
  return transfer(handle, offset, dst, len, 0, out);
}

NPSHM_API int32_t npshm_file_pwrite(int64_t handle, uint64_t offset, const uint8_t *src,
                                    uint64_t len, int64_t *out) {
  return transfer(handle, offset, (uint8_t *)src, len, 1, out);
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

NPSHM_API int32_t npshm_file_flush(uint64_t addr, uint64_t len, int64_t *out) {
  if (out) out[3] = 0;
  if (addr == 0 || len == 0) return NPSHM_OK;
  return msync((void *)(uintptr_t)addr, (size_t)len, MS_SYNC) == 0 ? NPSHM_OK
                                                                   : npshm_fail(out, errno);
}

NPSHM_API int32_t npshm_file_sync(int64_t handle, int64_t *out) {
  if (out) out[3] = 0;
  int fd = npshm_fd_of(handle);
  if (fd < 0) return npshm_fail(out, EBADF);
  int r;
  do {
    r = fsync(fd);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? NPSHM_OK : npshm_fail(out, errno);
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

NPSHM_API int32_t npshm_file_rename(const char *from, const char *to, int32_t durable,
                                    int64_t *out) {
  if (out) out[3] = 0;
  if (from == NULL || to == NULL || from[0] == '\0' || to[0] == '\0') {
    return npshm_fail(out, EINVAL);
  }
  if (rename(from, to) != 0) return npshm_fail(out, errno);
  if (durable) sync_parent(to);
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_file_remove(const char *path, int64_t *out) {
  if (out) out[3] = 0;
  if (path == NULL || path[0] == '\0') return npshm_fail(out, EINVAL);
  return unlink(path) == 0 ? NPSHM_OK : npshm_fail(out, errno);
}

#else
/* ======================================================================== Win32 */
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

NPSHM_API int32_t npshm_file_open(const char *path, int32_t how, uint32_t mode, int64_t *out) {
  (void)mode; /* files get the directory's default security descriptor */
  npshm_out_init(out, NPSHM_NO_HANDLE);
  if (out == NULL || how < NPSHM_FILE_READ || how > NPSHM_FILE_REPLACE) {
    return npshm_fail(out, ERROR_INVALID_PARAMETER);
  }
  WCHAR *w = wide_path(path);
  if (w == NULL) return npshm_fail(out, ERROR_INVALID_NAME);
  DWORD access = how == NPSHM_FILE_READ ? GENERIC_READ : GENERIC_READ | GENERIC_WRITE;
  DWORD disp = how == NPSHM_FILE_CREATE    ? CREATE_NEW
               : how == NPSHM_FILE_REPLACE ? CREATE_ALWAYS
                                           : OPEN_EXISTING;
  HANDLE h = CreateFileW(w, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                         disp, FILE_ATTRIBUTE_NORMAL, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE) return npshm_fail(out, GetLastError());
  LARGE_INTEGER size;
  if (!GetFileSizeEx(h, &size)) {
    DWORD e = GetLastError();
    CloseHandle(h);
    return npshm_fail(out, e);
  }
  out[0] = (int64_t)(intptr_t)h;
  out[2] = (int64_t)size.QuadPart;
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_file_resize(int64_t handle, uint64_t size, int32_t reserve,
                                    int64_t *out) {
  (void)reserve; /* NTFS allocates on SetEndOfFile unless the file is marked sparse */
  if (out) out[3] = 0;
  HANDLE h = npshm_handle_of(handle);
  if (h == NULL) return npshm_fail(out, ERROR_INVALID_HANDLE);
  FILE_END_OF_FILE_INFO eof;
  eof.EndOfFile.QuadPart = (LONGLONG)size;
  if (size > (uint64_t)INT64_MAX) return npshm_fail(out, ERROR_DISK_FULL);
  if (!SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof eof)) {
    return npshm_fail(out, GetLastError());
  }
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_file_map(int64_t handle, uint64_t size, int32_t private_copy,
                                 int64_t *out) {
  if (out == NULL) return NPSHM_INVALID;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  HANDLE h = npshm_handle_of(handle);
  if (h == NULL) return npshm_fail(out, ERROR_INVALID_HANDLE);
  if (size == 0) return NPSHM_OK;
  if (!npshm_size_fits(size)) return npshm_fail(out, ERROR_NOT_ENOUGH_MEMORY);
  /* A read-only handle can still back a copy-on-write view (PAGE_WRITECOPY). */
  HANDLE m = CreateFileMappingW(h, NULL, private_copy ? PAGE_WRITECOPY : PAGE_READWRITE,
                                (DWORD)(size >> 32), (DWORD)(size & 0xffffffffu), NULL);
  if (m == NULL) return npshm_fail(out, GetLastError());
  void *p = MapViewOfFile(m, private_copy ? FILE_MAP_COPY : FILE_MAP_ALL_ACCESS, 0, 0, (SIZE_T)size);
  DWORD e = p == NULL ? GetLastError() : 0;
  CloseHandle(m); /* the view keeps the mapping alive; the file handle is closed at release */
  if (e) return npshm_fail(out, e);
  out[1] = (int64_t)(uintptr_t)p;
  out[2] = (int64_t)size;
  return NPSHM_OK;
}

/* One positioned ReadFile/WriteFile of at most 1 GiB. */
static BOOL positioned(HANDLE h, uint64_t offset, void *buf, DWORD n, DWORD *got, int write) {
  OVERLAPPED ov;
  memset(&ov, 0, sizeof ov);
  ov.Offset = (DWORD)(offset & 0xffffffffu);
  ov.OffsetHigh = (DWORD)(offset >> 32);
  return write ? WriteFile(h, buf, n, got, &ov) : ReadFile(h, buf, n, got, &ov);
}

static int32_t transfer(int64_t handle, uint64_t offset, uint8_t *buf, uint64_t len, int write,
                        int64_t *out) {
  if (out == NULL) return NPSHM_INVALID;
  out[2] = 0;
  out[3] = 0;
  HANDLE h = npshm_handle_of(handle);
  if (h == NULL || (buf == NULL && len > 0)) {
    return npshm_fail(out, h == NULL ? ERROR_INVALID_HANDLE : ERROR_INVALID_PARAMETER);
  }
  uint64_t done = 0;
  while (done < len) {
    DWORD want = (DWORD)(len - done < NPSHM_IO_CHUNK ? len - done : NPSHM_IO_CHUNK), got = 0;
    if (!positioned(h, offset + done, buf + done, want, &got, write)) {
      DWORD e = GetLastError();
      out[2] = (int64_t)done;
      if (!write && e == ERROR_HANDLE_EOF) return NPSHM_OK;
      return npshm_fail(out, e);
    }
    if (got == 0) {
      out[2] = (int64_t)done;
      return write ? npshm_fail(out, ERROR_DISK_FULL) : NPSHM_OK;
    }
    done += got;
  }
  out[2] = (int64_t)done;
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_file_pread(int64_t handle, uint64_t offset, uint8_t *dst, uint64_t len,
                                   int64_t *out) {
  return transfer(handle, offset, dst, len, 0, out);
}

NPSHM_API int32_t npshm_file_pwrite(int64_t handle, uint64_t offset, const uint8_t *src,
                                    uint64_t len, int64_t *out) {
  return transfer(handle, offset, (uint8_t *)src, len, 1, out);
}

NPSHM_API int32_t npshm_file_copy(int64_t src, uint64_t src_off, int64_t dst, uint64_t dst_off,
                                  uint8_t *dst_buf, uint64_t len, int64_t *out) {
  (void)dst; /* a mapping handle takes no file I/O: read straight into the mapped bytes */
  (void)dst_off;
  return transfer(src, src_off, dst_buf, len, 0, out);
}

NPSHM_API int32_t npshm_file_flush(uint64_t addr, uint64_t len, int64_t *out) {
  if (out) out[3] = 0;
  if (addr == 0 || len == 0) return NPSHM_OK;
  return FlushViewOfFile((const void *)(uintptr_t)addr, (SIZE_T)len) ? NPSHM_OK
                                                                      : npshm_fail(out, GetLastError());
}

NPSHM_API int32_t npshm_file_sync(int64_t handle, int64_t *out) {
  if (out) out[3] = 0;
  HANDLE h = npshm_handle_of(handle);
  if (h == NULL) return npshm_fail(out, ERROR_INVALID_HANDLE);
  return FlushFileBuffers(h) ? NPSHM_OK : npshm_fail(out, GetLastError());
}

NPSHM_API int32_t npshm_file_rename(const char *from, const char *to, int32_t durable,
                                    int64_t *out) {
  if (out) out[3] = 0;
  WCHAR *a = wide_path(from), *b = wide_path(to);
  DWORD flags = MOVEFILE_REPLACE_EXISTING | (durable ? MOVEFILE_WRITE_THROUGH : 0);
  BOOL ok = a && b && MoveFileExW(a, b, flags);
  DWORD e = ok ? 0 : (a && b ? GetLastError() : ERROR_INVALID_NAME);
  free(a);
  free(b);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}

NPSHM_API int32_t npshm_file_remove(const char *path, int64_t *out) {
  if (out) out[3] = 0;
  WCHAR *w = wide_path(path);
  if (w == NULL) return npshm_fail(out, ERROR_INVALID_NAME);
  BOOL ok = DeleteFileW(w);
  DWORD e = ok ? 0 : GetLastError();
  free(w);
  return e ? npshm_fail(out, e) : NPSHM_OK;
}
#endif
