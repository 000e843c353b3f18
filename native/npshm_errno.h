/*
 * npshm native shim, internal: the one mapping of POSIX errno values to NPSHM_* statuses,
 * shared by every POSIX source file so a call fails the same way whichever family it is in.
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

#endif
#endif
