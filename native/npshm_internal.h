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
 * The same, replacing whatever path names, atomically: link under a temporary name of our own
 * in path's directory, then rename() it over path, so the name never goes missing (unlink + link
 * would leave a gap) and concurrent replacers just take turns. Only a crash between the two
 * calls can leave the temporary name behind: ".npshm-<pid>-<fd>" next to path, a complete file.
 */
static inline npshm_oserr npshm_link_replacing(int fd, const char *path) {
  char tmp[PATH_MAX];
  const char *slash = strrchr(path, '/');
  int dir = slash ? (int)(slash - path + 1) : 0;
  int n = snprintf(tmp, sizeof tmp, "%.*s.npshm-%ld-%d", dir, path, (long)getpid(), fd);
  if (n < 0 || (size_t)n >= sizeof tmp) return ENAMETOOLONG;
  npshm_oserr e = npshm_link_fd(fd, tmp);
  if (e == EEXIST) { /* left by a crashed process that had our pid and descriptor number */
    unlink(tmp);
    e = npshm_link_fd(fd, tmp);
  }
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
  default:
    return NPSHM_OTHER;
  }
}

/* The HANDLE a handle from the JS side stands for, or NULL if it cannot be one. */
static inline HANDLE npshm_handle_of(int64_t handle) {
  return handle <= 0 ? NULL : (HANDLE)(intptr_t)handle;
}
#endif

/* Records e in out[3] (when there is an out) and returns its status. */
static inline int32_t npshm_fail(int64_t *out, npshm_oserr e) {
  if (out) out[3] = (int64_t)e;
  return npshm_status_of(e);
}

#endif
