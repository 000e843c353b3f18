/*
 * npshm native shim: named shared memory as bytes, one system job per function.
 *
 * Every function returns an NPSHM_* status (0 on success). Functions that can fail
 * with an OS error write that error (errno, or GetLastError() on Windows) to out[3]
 * so the caller can name it; npshm_strerror() turns it into text.
 *
 * out[] layout (int64_t[4]): out[0] handle (fd or HANDLE), out[1] address of the
 * mapping, out[2] size of the mapping in bytes, out[3] OS error number.
 *
 * Names are plain (no leading slash, no '/'): "frames" is POSIX "/frames" and the
 * Win32 mapping name "frames", as in Python's multiprocessing.shared_memory.
 */
#ifndef NPSHM_H
#define NPSHM_H

#include <stdint.h>

#ifdef _WIN32
#define NPSHM_API __declspec(dllexport)
#else
#define NPSHM_API __attribute__((visibility("default")))
#endif

enum npshm_status {
  NPSHM_OK = 0,
  NPSHM_EXISTS = 1,     /* the name is taken */
  NPSHM_NOT_FOUND = 2,  /* no segment of that name */
  NPSHM_NO_SPACE = 3,   /* no room in shared memory (ENOSPC, ENOMEM, EFBIG) */
  NPSHM_PERMISSION = 4, /* EACCES, EPERM, EROFS */
  NPSHM_INVALID = 5,    /* bad name, size or argument (EINVAL, ENAMETOOLONG) */
  NPSHM_STALE = 6,      /* the name now refers to another segment than ours */
  NPSHM_OTHER = 99      /* anything else: see out[3] */
};

/* ABI version: bump when a signature changes; the loader checks it. */
#define NPSHM_ABI_VERSION 1
NPSHM_API int32_t npshm_abi_version(void);

/*
 * Create an unnamed segment of `size` bytes with permission bits `mode`, make sure
 * its memory is really allocated (so a full /dev/shm fails here with NPSHM_NO_SPACE
 * instead of SIGBUS later), map it shared read-write and copy `head` (head_len bytes)
 * to its start. Linux: O_TMPFILE in /dev/shm, so nobody can see it before
 * npshm_publish(). Other POSIX: shm_open(O_CREAT|O_EXCL) under `name` (after
 * shm_unlink if `force`). Windows: CreateFileMappingW(name); `mode` is ignored and
 * `force` cannot replace a live mapping (NPSHM_EXISTS). size 0 or head_len > size is
 * NPSHM_INVALID; a size above INT64_MAX is NPSHM_NO_SPACE. On failure nothing is left
 * behind. Fills out[0..3].
 */
NPSHM_API int32_t npshm_create(const char *name, uint64_t size, uint32_t mode, int32_t force,
                               const uint8_t *head, uint64_t head_len, int64_t *out);

/*
 * Give the segment made by npshm_create its name, atomically: Linux linkat() of the
 * O_TMPFILE (if `force`, an existing segment of that name is replaced); elsewhere a
 * no-op, the name was given at create. NPSHM_EXISTS if the name is taken.
 */
NPSHM_API int32_t npshm_publish(int64_t handle, const char *name, int32_t force, int64_t *out);

/*
 * Open and map the whole segment `name`. read_only: the mapping is private
 * copy-on-write (writes never reach the segment, never fault; untouched pages still
 * show other processes' writes). macOS refuses private mappings of shm, so there it is
 * a private snapshot (a copy taken at open that does not see later writes). Otherwise
 * shared read-write, and a sparse segment (made by another library) gets its memory
 * allocated first so writes cannot SIGBUS. A zero-byte segment gives out[1] = 0,
 * out[2] = 0 (the handle is still returned). out[2] is rounded up to whole pages on
 * Windows and macOS: the NPY header knows the exact size. Fills out[0..3].
 */
NPSHM_API int32_t npshm_open(const char *name, int32_t read_only, int64_t *out);

/* Unmap a mapping made by npshm_create / npshm_open; addr 0 is a no-op (Windows ignores size). */
NPSHM_API int32_t npshm_unmap(uint64_t addr, uint64_t size);

/* Close a handle from npshm_create / npshm_open; a negative handle is NPSHM_INVALID. */
NPSHM_API int32_t npshm_close(int64_t handle);

/*
 * Remove the name. If handle >= 0, only when the name still refers to that handle's
 * segment (else NPSHM_STALE; checked on Linux only, where the name is a file to stat);
 * NPSHM_NOT_FOUND if no such name. Windows: a no-op returning NPSHM_OK, the mapping
 * disappears with its last handle.
 */
NPSHM_API int32_t npshm_unlink(const char *name, int64_t handle, int64_t *out);

/* Copy len bytes from a mapped address into dst (to read a header without a view). */
NPSHM_API void npshm_read(uint64_t addr, uint8_t *dst, uint64_t len);

/* The OS's text for an OS error number, NUL-terminated, truncated to cap bytes. */
NPSHM_API void npshm_strerror(int32_t os_error, char *buf, uint64_t cap);

#endif
