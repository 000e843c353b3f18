/*
 * npshm native shim, internal: the one mapping of OS errors (POSIX errno, Win32
 * GetLastError) to NPSHM_* statuses, shared by every source file so a call fails the same way
 * whichever family it is in.
 */
#ifndef NPSHM_ERRNO_H
#define NPSHM_ERRNO_H
#ifndef _WIN32

#include <errno.h>

#include "npshm.h"

static inline int32_t npshm_status_of(int e) {
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
  default:
    return NPSHM_OTHER;
  }
}

/* Records e in out[3] (when there is an out) and returns its status. */
static inline int32_t npshm_fail(int64_t *out, int e) {
  if (out) out[3] = e;
  return npshm_status_of(e);
}

#else

#include <windows.h>

#include "npshm.h"

static inline int32_t npshm_status_of(DWORD e) {
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
  default:
    return NPSHM_OTHER;
  }
}

/* Records e in out[3] (when there is an out) and returns its status. */
static inline int32_t npshm_fail(int64_t *out, DWORD e) {
  if (out) out[3] = (int64_t)e;
  return npshm_status_of(e);
}

#endif
#endif
