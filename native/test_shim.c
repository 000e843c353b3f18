/*
 * Test program for the npshm native shim: every exported function, success and failure
 * paths. Built together with npshm.c (and -DNPSHM_TESTING to reach the shm_open path on
 * Linux) by native/build.ts. One line per check, then "N passed, M failed"; the exit
 * status is non-zero on any failure. Every segment made here has the pid in its name and
 * is removed before exit.
 */
#ifndef _WIN32
#define _GNU_SOURCE
#endif

#include "npshm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#define OS_NOT_FOUND ERROR_FILE_NOT_FOUND
#define pid_now() ((unsigned long)GetCurrentProcessId())
#define SHIM_FILE "npshm.dll"
#else
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#define OS_NOT_FOUND ENOENT
#define pid_now() ((unsigned long)getpid())
#ifdef __APPLE__
#define SHIM_FILE "libnpshm.dylib"
#else
#define SHIM_FILE "libnpshm.so"
#endif
#endif

#if defined(__linux__) && defined(NPSHM_TESTING)
extern int npshm_test_no_tmpfile;
#define HAVE_FALLBACK_HOOK 1
#endif

static int passed, failed;

static void check(int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s - ", ok ? "ok" : "FAIL");
  vprintf(fmt, ap);
  printf("\n");
  fflush(stdout);
  va_end(ap);
  if (ok) passed++;
  else failed++;
}

/* Every name made is remembered so that cleanup() can remove it whatever happened. */
#define MAX_NAMES 32
static char names[MAX_NAMES][300];
static int name_count;

static const char *test_name(const char *tag) {
  char *n = names[name_count++ % MAX_NAMES];
  snprintf(n, sizeof names[0], "npshm-test-%lu-%s", pid_now(), tag);
  return n;
}

static void cleanup(void) {
  int64_t out[4];
  for (int i = 0; i < name_count && i < MAX_NAMES; i++) npshm_unlink(names[i], -1, -1, out);
}

static const char HEAD[] = "\x93NUMPY\x01\x00v{'descr': '<f8', 'fortran_order': False, }";
static const char HEAD2[] = "\x93NUMPY\x01\x00replaced";

typedef struct {
  int64_t h, addr, size;
} seg;

static seg seg_of(const int64_t *out) {
  seg s = {out[0], out[1], out[2]};
  return s;
}

static void release(seg s) {
  npshm_unmap((uint64_t)s.addr, (uint64_t)s.size);
  npshm_close(s.h);
}

static uint8_t *bytes(seg s) { return (uint8_t *)(uintptr_t)s.addr; }

static int starts_with(seg s, const char *head, size_t len) {
  uint8_t got[128];
  if (s.addr == 0 || len > sizeof got) return 0;
  npshm_read((uint64_t)s.addr, got, len);
  return memcmp(got, head, len) == 0;
}

/* Create then publish, as the TypeScript side does; on a failed publish nothing is kept. */
static int32_t make(const char *name, uint64_t size, const char *head, size_t head_len,
                    int32_t force, seg *s) {
  int64_t out[4];
  int32_t st = npshm_create(name, size, 0600, force, (const uint8_t *)head, head_len, out);
  if (st != NPSHM_OK) return st;
  *s = seg_of(out);
  st = npshm_publish(s->h, name, force, out);
  if (st != NPSHM_OK) release(*s);
  return st;
}

static void test_basics(void) {
  check(npshm_abi_version() == NPSHM_ABI_VERSION, "abi version is %d", NPSHM_ABI_VERSION);

  char buf[256];
  npshm_strerror(OS_NOT_FOUND, buf, sizeof buf);
  check(strlen(buf) > 0, "strerror(not found) = \"%s\"", buf);
  npshm_strerror(OS_NOT_FOUND, buf, 5);
  check(strlen(buf) <= 4, "strerror truncates to its capacity");
  npshm_strerror(OS_NOT_FOUND, buf, 1);
  check(buf[0] == '\0', "strerror with capacity 1 gives an empty string");
  npshm_strerror(OS_NOT_FOUND, NULL, 0);
  check(1, "strerror with no buffer does nothing");
  npshm_strerror(987654, buf, sizeof buf);
  check(strlen(buf) > 0, "strerror of an unknown number = \"%s\"", buf);

  uint8_t dst[4] = {7, 7, 7, 7};
  npshm_read(0, dst, 4);
  npshm_read((uint64_t)(uintptr_t)"abcd", NULL, 4);
  npshm_read((uint64_t)(uintptr_t)"abcd", dst, 0);
  check(dst[0] == 7, "read with a null address, null buffer or zero length does nothing");
  npshm_read((uint64_t)(uintptr_t)"abcd", dst, 4);
  check(memcmp(dst, "abcd", 4) == 0, "read copies bytes from an address");

  check(npshm_unmap(0, 0) == NPSHM_OK, "unmap of nothing (zero-byte segment) is OK");
  check(npshm_close(-1) != NPSHM_OK, "close(-1) fails");
}

static void test_invalid(void) {
  char long_name[300];
  memset(long_name, 'x', 256);
  long_name[256] = '\0';
  const char *bad[] = {"", "a/b", "a\\b", ".", "..", "/lead", long_name};
  const char *shown[] = {"empty", "a/b", "a\\b", ".", "..", "/lead", "256 bytes"};
  int64_t out[4];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int32_t c = npshm_create(bad[i], 4096, 0600, 0, (const uint8_t *)"x", 1, out);
    int64_t h = out[0];
    int32_t o = npshm_open(bad[i], 0, out);
    int32_t p = npshm_publish(3, bad[i], 0, out);
    int32_t u = npshm_unlink(bad[i], -1, -1, out);
    check(c == NPSHM_INVALID && h == -1 && o == NPSHM_INVALID && p == NPSHM_INVALID &&
              u == NPSHM_INVALID,
          "name %s is invalid for create/open/publish/unlink (%d %d %d %d)", shown[i], c, o, p,
          u);
  }
  check(npshm_create(NULL, 4096, 0600, 0, NULL, 0, out) == NPSHM_INVALID &&
            npshm_open(NULL, 0, out) == NPSHM_INVALID,
        "a null name is invalid");
  const char *n = test_name("invalid");
  check(npshm_create(n, 0, 0600, 0, NULL, 0, out) == NPSHM_INVALID && out[3] != 0,
        "create of size 0 is invalid (a segment holds at least its header)");
  check(npshm_create(n, 4, 0600, 0, (const uint8_t *)HEAD, 8, out) == NPSHM_INVALID,
        "create with a header longer than the size is invalid");
  check(npshm_create(n, 4096, 0600, 0, NULL, 8, out) == NPSHM_INVALID,
        "create with a null header of non-zero length is invalid");
  check(npshm_create(n, 4096, 0600, 0, NULL, 0, NULL) == NPSHM_INVALID &&
            npshm_open(n, 0, NULL) == NPSHM_INVALID,
        "create/open without an out array are invalid");
}

static void test_not_found(void) {
  const char *n = test_name("missing");
  int64_t out[4];
  int32_t st = npshm_open(n, 0, out);
  check(st == NPSHM_NOT_FOUND && out[3] == OS_NOT_FOUND && out[0] == -1,
        "open of a missing name: NOT_FOUND, os error %lld", (long long)out[3]);
  check(npshm_open(n, 1, out) == NPSHM_NOT_FOUND, "read-only open of a missing name: NOT_FOUND");
  check(npshm_unlink(n, -1, -1, out) == NPSHM_NOT_FOUND && out[3] == OS_NOT_FOUND,
        "unlink of a missing name: NOT_FOUND");
}

static void test_longest_name(void) {
  char n[300];
  int len = snprintf(n, sizeof n, "npshm-test-%lu-", pid_now());
  memset(n + len, 'L', (size_t)(255 - len));
  n[255] = '\0';
  strcpy(names[name_count++ % MAX_NAMES], n);
  seg s;
  int64_t out[4];
  check(make(n, 4096, HEAD, sizeof HEAD, 0, &s) == NPSHM_OK, "a 255-byte name works");
  check(npshm_open(n, 1, out) == NPSHM_OK, "and opens");
  release(seg_of(out));
  release(s);
  npshm_unlink(n, -1, -1, out);
}

/* Create, publish, open shared and private, rejection of a second creator. */
static void test_lifecycle(void) {
  const char *n = test_name("life");
  int64_t out[4];
  int32_t st = npshm_create(n, 65536, 0600, 0, (const uint8_t *)HEAD, sizeof HEAD, out);
  seg a = seg_of(out);
  check(st == NPSHM_OK && a.h >= 0 && a.addr != 0 && a.size == 65536 && out[3] == 0,
        "create 64 KiB: handle %lld, size %lld", (long long)a.h, (long long)a.size);
  check(starts_with(a, HEAD, sizeof HEAD), "create wrote the header");
#ifdef __linux__
  check(npshm_open(n, 0, out) == NPSHM_NOT_FOUND, "Linux: no one sees it before publish");
#endif
#ifndef _WIN32
  struct stat sb;
  int fs = fstat((int)a.h, &sb);
  check(fs == 0 && (sb.st_mode & 0777) == 0600, "mode is 0600 (got %o)",
        (unsigned)(sb.st_mode & 0777));
#endif
  check(npshm_publish(a.h, n, 0, out) == NPSHM_OK, "publish");
  check(npshm_publish(a.h, n, 0, out) == NPSHM_OK, "publish again is a no-op");

  st = npshm_open(n, 0, out);
  seg b = seg_of(out);
  check(st == NPSHM_OK && b.addr != 0 && b.size >= 65536 && b.h >= 0,
        "open read-write: size %lld", (long long)b.size);
  check(starts_with(b, HEAD, sizeof HEAD), "open sees the header");
  if (st == NPSHM_OK) {
    bytes(b)[1000] = 42;
    bytes(a)[1001] = 43;
    check(bytes(a)[1000] == 42 && bytes(b)[1001] == 43, "writes are shared both ways");
  }

  st = npshm_open(n, 1, out);
  seg r = seg_of(out);
  check(st == NPSHM_OK && r.addr != 0, "open read-only");
  if (st == NPSHM_OK) {
    memset(bytes(r) + 100, 0xAB, 5000); /* must neither fault nor reach the segment */
    check(bytes(a)[100] == 0 && bytes(a)[5099] == 0,
          "a write through the read-only mapping does not reach the segment");
    check(bytes(r)[100] == 0xAB, "the read-only mapping keeps its own write");
    bytes(a)[40000] = 77;
    check(bytes(r)[40000] == 77, "the read-only mapping sees later writes to untouched pages");
    release(r);
  }

  seg c;
  st = make(n, 4096, HEAD2, sizeof HEAD2, 0, &c);
  check(st == NPSHM_EXISTS, "a second creator of a taken name gets EXISTS (%d)", st);
  check(npshm_open(n, 1, out) == NPSHM_OK && starts_with(seg_of(out), HEAD, sizeof HEAD),
        "and the name still holds the first segment");
  release(seg_of(out));

#ifdef _WIN32
  check(make(n, 4096, HEAD2, sizeof HEAD2, 1, &c) == NPSHM_EXISTS,
        "Windows: force cannot replace a live mapping: EXISTS");
  check(npshm_unlink(n, -1, -1, out) == NPSHM_OK, "Windows: unlink of a live mapping: OK");
  check(npshm_open(n, 1, out) == NPSHM_OK, "which stays while its handles are open");
  release(seg_of(out));
  release(b);
  release(a);
  check(npshm_unlink(n, -1, -1, out) == NPSHM_NOT_FOUND, "the name goes with the last handle");
  check(npshm_open(n, 0, out) == NPSHM_NOT_FOUND, "and cannot be opened");
#else
  st = make(n, 8192, HEAD2, sizeof HEAD2, 1, &c);
  check(st == NPSHM_OK, "force replaces the segment under the name");
  check(npshm_open(n, 1, out) == NPSHM_OK && starts_with(seg_of(out), HEAD2, sizeof HEAD2),
        "and the name now holds the new one");
  release(seg_of(out));
  check(starts_with(a, HEAD, sizeof HEAD), "the old segment is intact for its users");
#ifdef __linux__
  check(npshm_unlink(n, a.h, -1, out) == NPSHM_STALE, "unlink with the replaced handle: STALE");
  check(npshm_open(n, 1, out) == NPSHM_OK, "and the name is still there");
  release(seg_of(out));
#endif
  check(npshm_unlink(n, c.h, -1, out) == NPSHM_OK, "unlink with the current handle");
  check(npshm_open(n, 0, out) == NPSHM_NOT_FOUND, "the name is gone");
  check(npshm_unlink(n, c.h, -1, out) == NPSHM_NOT_FOUND, "unlink again: NOT_FOUND");
  check(bytes(b)[1000] == 42, "mappings outlive the name");
  release(c);
  release(b);
  release(a);
#endif
}

static void test_no_space(void) {
  const char *n = test_name("huge");
  int64_t out[4];
  int32_t st = npshm_create(n, (uint64_t)1 << 50, 0600, 0, (const uint8_t *)"x", 1, out);
  check(st == NPSHM_NO_SPACE && out[0] == -1 && out[1] == 0,
        "create of 1 PiB: NO_SPACE (status %d, os error %lld)", st, (long long)out[3]);
  check(npshm_open(n, 0, out) == NPSHM_NOT_FOUND, "and leaves nothing behind");
  st = npshm_create(n, UINT64_MAX, 0600, 0, NULL, 0, out);
  check(st == NPSHM_NO_SPACE, "create of 2^64-1 bytes: NO_SPACE (%d)", st);
}

#ifndef _WIN32
/* A segment as other libraries make it: shm_open + ftruncate, no data written. */
static int foreign(const char *name, off_t size) {
  char path[300];
  snprintf(path, sizeof path, "/%s", name);
  int fd = shm_open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) return 0;
  int ok = size == 0 || ftruncate(fd, size) == 0;
  close(fd);
  return ok;
}

static void test_zero_bytes(void) {
  const char *n = test_name("zero");
  int64_t out[4];
  check(foreign(n, 0), "made a zero-byte segment with shm_open");
  int32_t st = npshm_open(n, 0, out);
  check(st == NPSHM_OK && out[0] >= 0 && out[1] == 0 && out[2] == 0,
        "open of a zero-byte segment: OK, no mapping");
  check(npshm_unmap((uint64_t)out[1], (uint64_t)out[2]) == NPSHM_OK, "unmap of it is OK");
  check(npshm_close(out[0]) == NPSHM_OK, "close of its handle");
  check(npshm_open(n, 1, out) == NPSHM_OK && out[2] == 0, "read-only open of it too");
  npshm_close(out[0]);
  check(npshm_unlink(n, -1, -1, out) == NPSHM_OK, "unlink without a handle");
}

#ifdef __linux__
/* MADV_POPULATE_READ: Linux 5.14 and later. */
/*
 * Whether MADV_POPULATE_READ (Linux 5.14) really allocates a hole of a private shm mapping here:
 * tried on a page of a scratch segment. Emulators (qemu-user) accept and ignore it.
 */
static int populate_supported(void) {
  const char *n = test_name("probe");
  char path[300];
  snprintf(path, sizeof path, "/dev/shm/%s", n);
  struct stat sb;
  int ok = foreign(n, 4096);
  int fd = ok ? open(path, O_RDONLY) : -1;
  void *p = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  ok = p != MAP_FAILED && madvise(p, 4096, 22 /* MADV_POPULATE_READ */) == 0 &&
       fstat(fd, &sb) == 0 && sb.st_blocks > 0;
  if (p != MAP_FAILED) munmap(p, 4096);
  if (fd >= 0) close(fd);
  unlink(path);
  return ok;
}

#endif

static void test_sparse(void) {
  const char *n = test_name("sparse");
  const off_t size = 1 << 20;
  int64_t out[4];
  struct stat sb;
  (void)sb; /* macOS has no sparse shm objects, so nothing there to stat */
  check(foreign(n, size), "made a sparse 1 MiB segment with shm_open + ftruncate");
  int32_t st = npshm_open(n, 1, out);
  check(st == NPSHM_OK && out[2] == size, "read-only open of it");
#ifdef __linux__
  /* Reading a hole of a full tmpfs would SIGBUS: a read-only open faults its pages in now. */
  check(fstat((int)out[0], &sb) == 0 &&
            (populate_supported() ? (off_t)sb.st_blocks * 512 >= size : sb.st_blocks == 0),
        "read-only open of it faults its pages in (where the kernel can)");
#endif
  release(seg_of(out));
  st = npshm_open(n, 0, out);
  seg s = seg_of(out);
  check(st == NPSHM_OK && s.size == size, "read-write open of it");
#ifndef __APPLE__
  int fs = fstat((int)s.h, &sb);
  check(fs == 0 && (off_t)sb.st_blocks * 512 >= size, "read-write open allocated it (%lld blocks)",
        (long long)sb.st_blocks);
#endif
  if (st == NPSHM_OK) bytes(s)[size - 1] = 1;
  check(st == NPSHM_OK, "a write to its last byte works");
  check(npshm_unlink(n, s.h, -1, out) == NPSHM_OK, "unlink with its handle");
  release(s);
}

static void test_mode(void) {
  const char *n = test_name("mode");
  int64_t out[4];
  mode_t old = umask(077);
  int32_t st = npshm_create(n, 4096, 0640, 0, NULL, 0, out);
  umask(old);
  struct stat sb = {0};
  int fs = st == NPSHM_OK ? fstat((int)out[0], &sb) : -1;
  check(fs == 0 && (sb.st_mode & 0777) == 0640, "mode 0640 is kept under umask 077 (got %o)",
        (unsigned)(sb.st_mode & 0777));
  release(seg_of(out));
}

static int fd_probe(void) {
  int fd = dup(0);
  if (fd >= 0) close(fd);
  return fd;
}

static void test_no_fd_leak(void) {
  const char *n = test_name("leak");
  int64_t out[4];
  int before = fd_probe();
  npshm_create(n, (uint64_t)1 << 50, 0600, 0, NULL, 0, out);
  npshm_open(n, 0, out);
  seg s, t;
  make(n, 4096, HEAD, sizeof HEAD, 0, &s);
  make(n, 4096, HEAD, sizeof HEAD, 0, &t); /* EXISTS at publish: must close its fd */
  npshm_open(n, 0, out);
  release(seg_of(out));
  release(s);
  npshm_unlink(n, -1, -1, out);
  check(fd_probe() == before, "failed and finished calls leave no file descriptor open");
}

/* Of concurrent creators of one name exactly one wins, and its header is complete. */
static void test_race(void) {
  const char *n = test_name("race");
  enum { KIDS = 6 };
  pid_t kids[KIDS];
  for (int i = 0; i < KIDS; i++) {
    kids[i] = fork();
    if (kids[i] == 0) {
      seg s;
      int32_t st = make(n, 1 << 20, HEAD, sizeof HEAD, 0, &s);
      _exit(st == NPSHM_OK ? 0 : st == NPSHM_EXISTS ? 1 : 2);
    }
  }
  int won = 0, lost = 0;
  for (int i = 0; i < KIDS; i++) {
    int ws = 0;
    if (kids[i] > 0 && waitpid(kids[i], &ws, 0) == kids[i] && WIFEXITED(ws)) {
      won += WEXITSTATUS(ws) == 0;
      lost += WEXITSTATUS(ws) == 1;
    }
  }
  check(won == 1 && lost == KIDS - 1, "%d concurrent creators: %d won, %d got EXISTS", KIDS,
        won, lost);
  int64_t out[4];
  check(npshm_open(n, 1, out) == NPSHM_OK && starts_with(seg_of(out), HEAD, sizeof HEAD),
        "the winner's segment is complete");
  release(seg_of(out));
  npshm_unlink(n, -1, -1, out);
}
#endif

#ifdef _WIN32
/* A mapping as Python's SharedMemory makes it: CreateFileMappingW of an odd size. */
static void test_foreign_mapping(void) {
  const char *n = test_name("foreign");
  WCHAR wname[300];
  MultiByteToWideChar(CP_UTF8, 0, n, -1, wname, 300);
  HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 5000, wname);
  check(h != NULL, "made a 5000-byte mapping with CreateFileMappingW");
  int64_t out[4];
  int32_t st = npshm_open(n, 0, out);
  seg s = seg_of(out);
  check(st == NPSHM_OK && s.size >= 5000 && s.size % 4096 == 0,
        "open of it: size rounded to pages (%lld)", (long long)s.size);
  if (st == NPSHM_OK) bytes(s)[4999] = 9;
  check(st == NPSHM_OK, "a write to its last byte works");
  release(s);
  CloseHandle(h);
}

static void test_no_handle_leak(void) {
  const char *n = test_name("leak");
  int64_t out[4];
  DWORD before = 0, after = 0;
  GetProcessHandleCount(GetCurrentProcess(), &before);
  npshm_create(n, (uint64_t)1 << 50, 0600, 0, NULL, 0, out);
  npshm_open(n, 0, out);
  seg s, t;
  make(n, 4096, HEAD, sizeof HEAD, 0, &s);
  make(n, 4096, HEAD, sizeof HEAD, 0, &t); /* EXISTS: must close the handle it got */
  npshm_open(n, 1, out);
  release(seg_of(out));
  release(s);
  GetProcessHandleCount(GetCurrentProcess(), &after);
  check(after == before, "failed and finished calls leave no handle open (%lu, %lu)",
        (unsigned long)before, (unsigned long)after);
}
#endif

#ifdef _WIN32
/* ---- the mutex and wait/notify on Windows (npshm_sync_win32.c), across two views ---- */
static double ms_since_win(ULONGLONG t0) { return (double)(GetTickCount64() - t0); }

struct win_case {
  int64_t token, closes; /* closes: a token to close after delay_ms (a holder "dies") */
  uint64_t word, cancel;
  uint32_t id;
  DWORD delay_ms;
  int lock; /* 1: npshm_lock_wait, 0: npshm_wait on *word == 0 */
  int32_t status;
  int64_t out[4];
};

static DWORD WINAPI win_waiter(LPVOID arg) {
  struct win_case *c = arg;
  c->status = c->lock ? npshm_lock_wait(c->token, c->word, c->id, 5000LL * 1000 * 1000,
                                        c->cancel, c->out)
                      : npshm_wait(c->word, 0, 5000LL * 1000 * 1000, c->cancel, c->out);
  return 0;
}

static DWORD WINAPI win_closer(LPVOID arg) {
  struct win_case *c = arg;
  Sleep(c->delay_ms);
  npshm_close(c->closes);
  return 0;
}

static void test_sync_win(void) {
  int64_t out[4], o2[4];
  const char *name = test_name("sync");
  seg a, b;
  check(make(name, 4096, HEAD, sizeof HEAD - 1, 0, &a) == NPSHM_OK, "sync: made a segment");
  check(npshm_open(name, 0, out) == NPSHM_OK, "sync: a second view of it");
  b = seg_of(out);
  uint32_t *w = (uint32_t *)(bytes(a) + 1024);
  uint64_t wa = (uint64_t)(uintptr_t)w, wb = (uint64_t)b.addr + 1024;
  check(npshm_lock_token(a.h, wa, out) == NPSHM_OK && out[1] > 0, "lock_token through view a");
  int64_t t1 = out[0];
  uint32_t id1 = (uint32_t)out[1];
  check(npshm_lock_token(b.h, wb, o2) == NPSHM_OK && (uint32_t)o2[1] != id1,
        "another token through view b");
  int64_t t2 = o2[0];
  uint32_t id2 = (uint32_t)o2[1];
  check(npshm_lock_wait(t1, wa, id1, -1, 0, out) == NPSHM_OK && w[0] == id1 &&
            w[1] == (uint32_t)GetCurrentProcessId(),
        "lock_wait: a free lock is taken, the pid written");
  check(npshm_lock_wait(t2, wb, id2, 0, 0, out) == NPSHM_TIMED_OUT, "try: held, TIMED_OUT");
  ULONGLONG t0 = GetTickCount64();
  check(npshm_lock_wait(t2, wb, id2, 30 * 1000 * 1000, 0, out) == NPSHM_TIMED_OUT &&
            w[0] == (id1 | NPSHM_LOCK_WAITERS),
        "a timed lock_wait on a live holder times out (%.0f ms), waiters bit set",
        ms_since_win(t0));
  check(npshm_lock_wait(t1, wa, id1, 0, 0, out) == NPSHM_INVALID, "not re-entrant: INVALID");
  check(npshm_unlock(wb, id2, out) == NPSHM_PERMISSION, "unlock by a non-holder: PERMISSION");
  check(npshm_unlock(wa, id1, out) == NPSHM_OK && w[0] == 0 && w[1] == 0, "unlock clears both");

  /* A holder whose token goes (as its process's handles do when it dies) is found dead. */
  check(npshm_lock_wait(t1, wa, id1, -1, 0, out) == NPSHM_OK, "taken again");
  npshm_close(t1);
  check(npshm_lock_wait(t2, wb, id2, 0, 0, out) == NPSHM_OWNER_DIED &&
            out[0] == (int64_t)GetCurrentProcessId() && w[0] == id2,
        "its token closed: the next locker takes it over with OWNER_DIED and its pid");
  check(npshm_lock_token(a.h, wa, out) == NPSHM_OK && (uint32_t)out[1] != id2, "a new token");
  t1 = out[0];
  id1 = (uint32_t)out[1];

  /* A sleeping locker finds a holder that dies while it sleeps. */
  struct win_case dies = {0};
  dies.closes = t2;
  dies.delay_ms = 150;
  HANDLE closer = CreateThread(NULL, 0, win_closer, &dies, 0, NULL);
  t0 = GetTickCount64();
  int32_t st = npshm_lock_wait(t1, wa, id1, 10LL * 1000 * 1000 * 1000, 0, out);
  double ms = ms_since_win(t0);
  WaitForSingleObject(closer, INFINITE);
  CloseHandle(closer);
  check(st == NPSHM_OWNER_DIED && ms >= 100 && ms < 3000,
        "a sleeping locker finds a holder that dies meanwhile (%.0f ms)", ms);
  check(npshm_lock_token(b.h, wb, o2) == NPSHM_OK, "a token for a waiter");
  t2 = o2[0];
  id2 = (uint32_t)o2[1];

  /* A sleeping locker is woken by the unlock. */
  struct win_case waiter = {0};
  waiter.token = t2;
  waiter.word = wb;
  waiter.id = id2;
  waiter.lock = 1;
  waiter.status = -1;
  HANDLE thread = CreateThread(NULL, 0, win_waiter, &waiter, 0, NULL);
  Sleep(200);
  t0 = GetTickCount64();
  npshm_unlock(wa, id1, out);
  WaitForSingleObject(thread, INFINITE);
  CloseHandle(thread);
  check(waiter.status == NPSHM_OK && w[0] == (id2 | NPSHM_LOCK_WAITERS) &&
            ms_since_win(t0) < 1000,
        "a sleeping locker gets it at the unlock (%.0f ms)", ms_since_win(t0));
  npshm_unlock(wb, id2, out);

  /* Cancel words end a lock wait and a wait from another thread at once. */
  npshm_lock_wait(t1, wa, id1, -1, 0, out);
  for (int lock = 1; lock >= 0; lock--) {
    struct win_case c = {0};
    c.token = t2;
    c.word = lock ? wb : wb + 64;
    c.id = id2;
    c.lock = lock;
    c.status = -1;
    check(npshm_cancel_new(out) == NPSHM_OK && out[1] != 0, "cancel_new");
    c.cancel = (uint64_t)out[1];
    thread = CreateThread(NULL, 0, win_waiter, &c, 0, NULL);
    Sleep(100);
    t0 = GetTickCount64();
    npshm_cancel_set(c.cancel);
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    check(c.status == NPSHM_CANCELLED && ms_since_win(t0) < 1000,
          "%s: cancelled from another thread (%.0f ms)", lock ? "lock_wait" : "wait",
          ms_since_win(t0));
    check((lock ? npshm_lock_wait(t2, wb, id2, -1, c.cancel, out)
                : npshm_wait(wb + 64, 0, -1, c.cancel, out)) == NPSHM_CANCELLED,
          "an already set cancel word ends the call at once");
    check((lock ? npshm_lock_wait(t2, wb, id2, 0, c.cancel, out)
                : npshm_wait(wb + 64, 12345, -1, c.cancel, out)) == NPSHM_CANCELLED,
          "an already set cancel word ends the call, even a try or a word that has changed");
    npshm_cancel_free(c.cancel);
  }
  npshm_unlock(wa, id1, out);

  /* wait / notify through the two views */
  uint64_t ww = (uint64_t)a.addr + 128;
  check(npshm_wait(ww, 1, -1, 0, out) == NPSHM_NOT_EQUAL, "wait: another value is NOT_EQUAL");
  t0 = GetTickCount64();
  check(npshm_wait(ww, 0, 50 * 1000 * 1000, 0, out) == NPSHM_TIMED_OUT &&
            ms_since_win(t0) >= 40,
        "wait: times out (%.0f ms)", ms_since_win(t0));
  check(npshm_wake(ww, 1, out) == NPSHM_OK && out[0] == 0, "wake with nobody waiting: 0");
  check(npshm_wait(ww, 0, 20 * 1000 * 1000, 0, out) == NPSHM_TIMED_OUT,
        "a wake with nobody waiting is not kept for a later waiter");
  check(npshm_wait(ww + 2, 0, 0, 0, out) == NPSHM_INVALID, "wait: misaligned is INVALID");
  uint32_t local = 0;
  check(npshm_wait((uint64_t)(uintptr_t)&local, 0, 0, 0, out) == NPSHM_INVALID,
        "wait: an address outside every npshm view is INVALID");
  struct win_case ws[2];
  HANDLE threads[2];
  for (int i = 0; i < 2; i++) {
    memset(&ws[i], 0, sizeof ws[i]);
    ws[i].word = (uint64_t)b.addr + 128;
    ws[i].status = -1;
    threads[i] = CreateThread(NULL, 0, win_waiter, &ws[i], 0, NULL);
  }
  int64_t woken = 0;
  for (int i = 0; i < 400 && woken < 2; i++) {
    Sleep(5);
    if (npshm_wake(ww, 1, out) == NPSHM_OK) woken += out[0];
  }
  WaitForMultipleObjects(2, threads, TRUE, INFINITE);
  CloseHandle(threads[0]);
  CloseHandle(threads[1]);
  check(woken == 2 && ws[0].status == NPSHM_OK && ws[1].status == NPSHM_OK,
        "two waiters on another view, woken one at a time (%lld)", (long long)woken);

  npshm_close(t1);
  npshm_close(t2);
  release(b);
  release(a);
  DWORD before = 0, after = 0;
  GetProcessHandleCount(GetCurrentProcess(), &before);
  check(make(name, 4096, HEAD, sizeof HEAD - 1, 0, &a) == NPSHM_OK, "sync: made it again");
  ww = (uint64_t)a.addr + 128;
  npshm_wait(ww, 0, 1000 * 1000, 0, out);
  npshm_wake(ww, 1, out);
  check(npshm_lock_token(a.h, ww, out) == NPSHM_OK, "a token");
  npshm_close(out[0]);
  release(a);
  GetProcessHandleCount(GetCurrentProcess(), &after);
  check(after == before, "waits, wakes and tokens leave no handle open (%lu, %lu)",
        (unsigned long)before, (unsigned long)after);
}
#endif

#ifdef HAVE_FALLBACK_HOOK
/* The shm_open path used on macOS/BSD and on Linux without O_TMPFILE. */
static void test_fallback(void) {
  npshm_test_no_tmpfile = 1;
  const char *n = test_name("fallback");
  int64_t out[4];
  int32_t st = npshm_create(n, 4096, 0600, 0, (const uint8_t *)HEAD, sizeof HEAD, out);
  seg a = seg_of(out);
  check(st == NPSHM_OK, "fallback: create");
  check(npshm_open(n, 1, out) == NPSHM_OK, "fallback: the name exists from create on");
  release(seg_of(out));
  check(npshm_publish(a.h, n, 0, out) == NPSHM_OK, "fallback: publish is a no-op");
  struct stat sb;
  check(fstat((int)a.h, &sb) == 0 && (sb.st_mode & 0777) == 0600, "fallback: mode 0600");
  seg b;
  check(make(n, 4096, HEAD2, sizeof HEAD2, 0, &b) == NPSHM_EXISTS, "fallback: EXISTS");
  st = make(n, 4096, HEAD2, sizeof HEAD2, 1, &b);
  check(st == NPSHM_OK, "fallback: force replaces");
  check(npshm_open(n, 1, out) == NPSHM_OK && starts_with(seg_of(out), HEAD2, sizeof HEAD2),
        "fallback: the name holds the new segment");
  release(seg_of(out));
  check(npshm_unlink(n, b.h, -1, out) == NPSHM_OK, "fallback: unlink");
  release(a);
  release(b);
  const char *h = test_name("fallback-huge");
  st = npshm_create(h, (uint64_t)1 << 50, 0600, 0, NULL, 0, out);
  check(st == NPSHM_NO_SPACE, "fallback: 1 PiB is NO_SPACE");
  check(npshm_open(h, 0, out) == NPSHM_NOT_FOUND, "fallback: a failed create removes its name");
  npshm_test_no_tmpfile = 0;
}
#endif

#ifdef __linux__
/* ---- issue 5: tracking, the mutex, wait/notify (native/npshm_sync.c) ---- */
#include <pthread.h>
#include <time.h>

/* A test name and its file under /dev/shm, where Linux shows whether the name exists. */
static const char *test_path(const char *tag, char *path, size_t cap) {
  const char *name = test_name(tag);
  snprintf(path, cap, "/dev/shm/%s", name);
  return name;
}

static int64_t open_fd(const char *name) {
  int64_t out[4];
  return npshm_open(name, 0, out) == NPSHM_OK ? out[0] : -1;
}

/* Polls for up to 3 s: the reaper works asynchronously after its process dies. */
static int gone_soon(const char *name) {
  for (int i = 0; i < 300; i++) {
    if (access(name, F_OK) != 0) return 1;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return 0;
}

static void test_track(void) {
  int64_t out[4];
  char path[320];
  const char *name = test_path("track", path, sizeof path);
  seg a;
  check(make(name, 4096, HEAD, sizeof HEAD - 1, 0, &a) == NPSHM_OK, "track: made a segment");
  check(npshm_track(a.h, name, 0, 0, -1, out) == NPSHM_OK && out[0] == 1 && out[1] > 0,
        "track: first tracker, handed to the reaper");
  int64_t ta = out[1];
  int64_t b = open_fd(name);
  check(npshm_track(b, name, 0, 0, -1, out) == NPSHM_OK, "track: second tracker");
  int64_t tb = out[1];
  check(npshm_unlink_untracked(name, -1, -1, out) == NPSHM_BUSY, "unlink_untracked: busy while tracked");
  check(npshm_untrack(ta, name, out) == NPSHM_OK && out[0] == 0, "untrack: not the last one");
  release(a);
  check(access(path, F_OK) == 0, "untrack: the name stays while a tracker is left");
  check(npshm_untrack(tb, name, out) == NPSHM_OK && out[0] == 1, "untrack: last one unlinks");
  npshm_close(b);
  check(access(path, F_OK) != 0, "untrack: the name is gone");

  check(make(name, 4096, HEAD, sizeof HEAD - 1, 0, &a) == NPSHM_OK, "stale: made again");
  check(npshm_track(a.h, name, 0, 0, -1, out) == NPSHM_OK, "stale: tracked");
  ta = out[1];
  int64_t c = open_fd(name);
  npshm_unlink(name, -1, -1, out);
  check(npshm_track(c, name, 0, 0, -1, out) == NPSHM_STALE, "track: a name unlinked meanwhile is STALE");
  seg d;
  check(make(name, 4096, HEAD, sizeof HEAD - 1, 0, &d) == NPSHM_OK, "stale: a successor");
  check(npshm_untrack(ta, name, out) == NPSHM_OK && out[0] == 0,
        "untrack never unlinks a successor under the same name");
  check(access(path, F_OK) == 0, "the successor survives");
  check(npshm_unlink_untracked(name, -1, -1, out) == NPSHM_OK, "unlink_untracked: removes an untracked one");
  check(npshm_unlink_untracked(name, -1, -1, out) == NPSHM_NOT_FOUND, "unlink_untracked: then not found");
  release(a);
  release(d);
  npshm_close(c);
  check(npshm_track(-1, name, 0, 0, -1, out) == NPSHM_INVALID, "track: bad handle is INVALID");
  check(npshm_track(0, "a/b", 0, 0, -1, out) == NPSHM_INVALID, "track: bad name is INVALID");
}

static void test_track_death(void) {
  int64_t out[4];
  char path[320];
  const char *name = test_path("track-death", path, sizeof path);
  seg a;
  check(make(name, 4096, HEAD, sizeof HEAD - 1, 0, &a) == NPSHM_OK, "death: made a segment");
  release(a);
  pid_t child = fork();
  if (child == 0) {
    int64_t fd = open_fd(name);
    int32_t st = npshm_track(fd, name, 0, 0, -1, out);
    _exit(st == NPSHM_OK && out[0] == 1 ? 0 : 3); /* dies tracking, without untrack */
  }
  int status = 0;
  waitpid(child, &status, 0);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "death: the child tracked and exited");
  check(gone_soon(path), "death: its reaper unlinked the name of the last tracker");
}

static uint32_t *word_at(seg s, size_t offset) { return (uint32_t *)((char *)s.addr + offset); }

static double ms_since(const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000 * 1000};
  nanosleep(&ts, NULL);
}

/* A child that opens `name`, takes a token and the lock at `offset`, waits `hold_ms` and exits
 * holding it (it dies holding it: no unlock). Exits 3 if it could not lock. */
static pid_t die_holding(const char *name, size_t offset, long hold_ms) {
  pid_t child = fork();
  if (child != 0) return child;
  int64_t o[4];
  if (npshm_open(name, 0, o) != NPSHM_OK) _exit(2);
  seg c = seg_of(o);
  uint64_t word = (uint64_t)(uintptr_t)word_at(c, offset);
  if (npshm_lock_token(c.h, word, o) != NPSHM_OK) _exit(3);
  if (npshm_lock_wait(o[0], word, (uint32_t)o[1], -1, 0, o) != NPSHM_OK) _exit(3);
  sleep_ms(hold_ms);
  _exit(0);
}

static void test_lock(void) {
  int64_t out[4], o2[4];
  const char *name = test_name("lock");
  seg a;
  check(make(name, 4096, HEAD, sizeof HEAD - 1, 0, &a) == NPSHM_OK, "lock: made a segment");
  uint32_t *w = word_at(a, 1024);
  uint64_t word = (uint64_t)(uintptr_t)w;
  int64_t b = open_fd(name);
  check(npshm_lock_token(a.h, word, out) == NPSHM_OK && out[1] > 0 &&
            (uint64_t)out[1] <= NPSHM_LOCK_ID_MASK,
        "lock_token: a token of its own");
  int64_t t1 = out[0];
  uint32_t id1 = (uint32_t)out[1];
  check(npshm_lock_token(b, word, o2) == NPSHM_OK && (uint32_t)o2[1] != id1, "a second token");
  int64_t t2 = o2[0];
  uint32_t id2 = (uint32_t)o2[1];
  check(npshm_lock_wait(t1, word, id1, -1, 0, out) == NPSHM_OK, "lock_wait: a free lock is taken");
  check(w[0] == id1 && w[1] == (uint32_t)getpid(), "the word holds the id, the next one the pid");
  check(npshm_lock_wait(t2, word, id2, 0, 0, out) == NPSHM_TIMED_OUT, "try: held, TIMED_OUT");
  check(npshm_lock_wait(t2, word, id2, 30 * 1000 * 1000, 0, out) == NPSHM_TIMED_OUT,
        "a timed lock_wait on a live holder times out");
  check(w[0] == (id1 | NPSHM_LOCK_WAITERS), "... having set the waiters bit");
  check(npshm_lock_wait(t1, word, id1, 0, 0, out) == NPSHM_INVALID, "not re-entrant: INVALID");
  check(npshm_unlock(word, id2, out) == NPSHM_PERMISSION, "unlock by a non-holder: PERMISSION");
  check(npshm_unlock(word, id1, out) == NPSHM_OK && w[0] == 0 && w[1] == 0,
        "unlock clears the word and the pid");
  check(npshm_lock_wait(t1, word, id1 + 1, 0, 0, out) == NPSHM_OK, "anyone may CAS a free word");
  npshm_unlock(word, id1 + 1, out);

  pid_t child = die_holding(name, 1024, 0);
  int status = 0;
  waitpid(child, &status, 0);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a child took the lock and died");
  check(npshm_lock_wait(t2, word, id2, 0, 0, out) == NPSHM_OWNER_DIED && out[0] == child,
        "the next locker takes it over: OWNER_DIED with the dead holder's pid");
  check(w[0] == id2 && w[1] == (uint32_t)getpid(), "... and holds it");
  npshm_unlock(word, id2, out);

  /* A waiting locker trusts a holder for its first sleep (NPSHM_LOCK_TRUST_MS), then checks. */
  struct timespec t0;
  child = die_holding(name, 1024, 0);
  waitpid(child, &status, 0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int32_t st = npshm_lock_wait(t2, word, id2, 10LL * 1000 * 1000 * 1000, 0, out);
  double ms = ms_since(&t0);
  check(st == NPSHM_OWNER_DIED && out[0] == child && ms < 50,
        "a waiting locker that finds a dead holder takes it over after its first sleep (%.1f ms)",
        ms);
  npshm_unlock(word, id2, out);
  child = die_holding(name, 1024, 0);
  waitpid(child, &status, 0);
  check(npshm_lock_wait(t2, word, id2, 1, 0, out) == NPSHM_OWNER_DIED && out[0] == child,
        "a timeout too short to sleep still looks at the holder: OWNER_DIED, not TIMED_OUT");
  npshm_unlock(word, id2, out);

  child = die_holding(name, 1024, 150);
  sleep_ms(50);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  st = npshm_lock_wait(t1, word, id1, 10LL * 1000 * 1000 * 1000, 0, out);
  ms = ms_since(&t0);
  waitpid(child, &status, 0);
  check(st == NPSHM_OWNER_DIED && out[0] == child && ms < 3000,
        "a sleeping locker finds a holder that dies meanwhile (%.0f ms)", ms);
  npshm_unlock(word, id1, out);

  child = fork();
  if (child == 0) { /* waits for the parent's unlock */
    int64_t o[4];
    if (npshm_open(name, 0, o) != NPSHM_OK) _exit(2);
    uint64_t cw = (uint64_t)(uintptr_t)word_at(seg_of(o), 1024);
    if (npshm_lock_token(o[0], cw, o) != NPSHM_OK) _exit(3);
    sleep_ms(20);
    int32_t r = npshm_lock_wait(o[0], cw, (uint32_t)o[1], 5LL * 1000 * 1000 * 1000, 0, o);
    _exit(r == NPSHM_OK ? 0 : 4);
  }
  npshm_lock_wait(t1, word, id1, -1, 0, out);
  sleep_ms(200);
  npshm_unlock(word, id1, out);
  waitpid(child, &status, 0);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a waiter in another process gets it");

  /* A reader (read-only descriptor) cannot fake a live holder, nor hang a token draw. */
  child = die_holding(name, 1024, 0);
  waitpid(child, &status, 0);
  int64_t ro[4];
  check(npshm_open(name, 1, ro) == NPSHM_OK, "a read-only descriptor");
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_RDLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)NPSHM_LOCK_TOKENS_AT + (off_t)(w[0] & NPSHM_LOCK_ID_MASK);
  fl.l_len = 1;
  check(fcntl((int)ro[0], F_OFD_SETLK, &fl) == 0, "the reader read-locks the dead holder's byte");
  check(npshm_lock_wait(t2, word, id2, 0, 0, out) == NPSHM_OWNER_DIED,
        "the dead holder is still found dead (read locks do not count)");
  npshm_unlock(word, id2, out);
  npshm_close(t1);
  npshm_close(t2);
  fl.l_start = (off_t)NPSHM_LOCK_TOKENS_AT;
  fl.l_len = 0;
  check(fcntl((int)ro[0], F_OFD_SETLK, &fl) == 0, "the reader read-locks every token byte");
  clock_gettime(CLOCK_MONOTONIC, &t0);
  check(npshm_lock_token(a.h, word, out) == NPSHM_BUSY && ms_since(&t0) < 1000,
        "a token draw over read-locked bytes fails at once: BUSY");
  release(seg_of(ro));
  check(npshm_lock_token(a.h, word, out) == NPSHM_OK, "a token again once the reader is gone");
  t1 = out[0];
  id1 = (uint32_t)out[1];

  check(npshm_lock_token(-1, word, out) == NPSHM_INVALID, "lock_token: bad handle");
  check(npshm_lock_token(a.h, word + 2, out) == NPSHM_INVALID, "lock_token: misaligned word");
  check(npshm_lock_wait(t1, word + 2, id1, 0, 0, out) == NPSHM_INVALID, "lock_wait: misaligned");
  check(npshm_lock_wait(t1, word, 0, 0, 0, out) == NPSHM_INVALID, "lock_wait: id 0");
  check(npshm_lock_wait(t1, word, NPSHM_LOCK_ID_MASK + 1, 0, 0, out) == NPSHM_INVALID,
        "lock_wait: id beyond the mask");
  npshm_close(t1);
  release(a);
  npshm_close(b);
  npshm_unlink(name, -1, -1, out);
}

struct cancel_case {
  int64_t token;
  uint64_t word, cancel;
  uint32_t id;
  int lock; /* 1: npshm_lock_wait, 0: npshm_wait on *word == 0 */
  int32_t status;
};

static void *wait_cancelled(void *arg) {
  struct cancel_case *c = arg;
  int64_t out[4];
  c->status = c->lock ? npshm_lock_wait(c->token, c->word, c->id, -1, c->cancel, out)
                      : npshm_wait(c->word, 0, -1, c->cancel, out);
  return NULL;
}

static void test_cancel(void) {
  int64_t out[4];
  const char *name = test_name("cancel");
  seg a;
  check(make(name, 4096, HEAD, sizeof HEAD - 1, 0, &a) == NPSHM_OK, "cancel: made a segment");
  uint64_t word = (uint64_t)(uintptr_t)word_at(a, 1024);
  check(npshm_lock_token(a.h, word, out) == NPSHM_OK, "cancel: a holder's token");
  int64_t holder = out[0];
  npshm_lock_wait(holder, word, (uint32_t)out[1], -1, 0, out);
  check(npshm_lock_token(a.h, word, out) == NPSHM_OK, "cancel: a waiter's token");
  struct cancel_case cases[2] = {{out[0], word, 0, (uint32_t)out[1], 1, -1},
                                 {0, word + 64, 0, 0, 0, -1}};
  for (int i = 0; i < 2; i++) {
    struct cancel_case *c = &cases[i];
    check(npshm_cancel_new(out) == NPSHM_OK && out[1] != 0, "cancel_new");
    c->cancel = (uint64_t)out[1];
    pthread_t thread;
    pthread_create(&thread, NULL, wait_cancelled, c);
    sleep_ms(50);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    npshm_cancel_set(c->cancel);
    pthread_join(thread, NULL);
    double ms = ms_since(&t0);
    check(c->status == NPSHM_CANCELLED && ms < 1000, "%s: cancelled from another thread (%.1f ms)",
          c->lock ? "lock_wait" : "wait", ms);
    check((c->lock ? npshm_lock_wait(c->token, word, c->id, -1, c->cancel, out)
                   : npshm_wait(c->word, 0, -1, c->cancel, out)) == NPSHM_CANCELLED,
          "an already set cancel word ends the call at once");
    check((c->lock ? npshm_lock_wait(c->token, word, c->id, 0, c->cancel, out)
                   : npshm_wait(c->word, 12345, -1, c->cancel, out)) == NPSHM_CANCELLED,
          "an already set cancel word ends the call, even a try or a word that has changed");
    npshm_cancel_free(c->cancel);
  }
  npshm_close(cases[0].token);
  npshm_close(holder);
  release(a);
  npshm_unlink(name, -1, -1, out);
}

static void test_wait(void) {
  int64_t out[4];
  const char *name = test_name("wait");
  seg a;
  check(make(name, 4096, HEAD, sizeof HEAD - 1, 0, &a) == NPSHM_OK, "wait: made a segment");
  uint64_t word = (uint64_t)a.addr + 128;
  check(npshm_wait(word, 1, -1, 0, out) == NPSHM_NOT_EQUAL, "wait: another value is NOT_EQUAL");
  check(npshm_wait(word, 0, 20 * 1000 * 1000, 0, out) == NPSHM_TIMED_OUT, "wait: times out");
  check(npshm_wake(word, 1, out) == NPSHM_OK && out[0] == 0, "wake with nobody waiting: 0");
  check(npshm_wait(word + 2, 0, 0, 0, out) == NPSHM_INVALID, "wait: misaligned is INVALID");
  pid_t child = fork();
  if (child == 0) {
    int64_t o[4];
    if (npshm_open(name, 0, o) != NPSHM_OK) _exit(2);
    seg c = seg_of(o);
    _exit(npshm_wait((uint64_t)c.addr + 128, 0, 5000LL * 1000 * 1000, 0, o) == NPSHM_OK ? 0 : 3);
  }
  int woken = 0;
  for (int i = 0; i < 500 && !woken; i++) {
    sleep_ms(5);
    __atomic_store_n((uint32_t *)(uintptr_t)word, 0, __ATOMIC_SEQ_CST);
    if (npshm_wake(word, 1, out) == NPSHM_OK && out[0] == 1) woken = 1;
  }
  int status = 0;
  waitpid(child, &status, 0);
  check(woken && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "wake wakes a waiter in another process through another mapping");
  release(a);
  npshm_unlink(name, -1, -1, out);
}

static void test_write(void) {
  uint8_t dst[4] = {0, 0, 0, 0};
  npshm_write((uint64_t)(uintptr_t)dst, (const uint8_t *)"wxyz", 4);
  npshm_write(0, (const uint8_t *)"q", 1);
  check(memcmp(dst, "wxyz", 4) == 0, "write copies bytes to an address; null does nothing");
}
#endif

/* ---- issue 4: files (native/npshm_file.c) ---- */
static void file_path(char *dst, size_t cap, const char *tag) {
  snprintf(dst, cap, "npshm-test-%lu-%s.bin", pid_now(), tag);
}

static void test_files(void) {
  int64_t out[4];
  char path[300], other[300];
  file_path(path, sizeof path, "file");
  file_path(other, sizeof other, "renamed");
  npshm_file_remove(path, out);
  npshm_file_remove(other, out);
  check(npshm_file_open(path, NPSHM_FILE_READ, 0, out) == NPSHM_NOT_FOUND,
        "file_open of a missing file: NOT_FOUND");
  check(npshm_file_open(path, 9, 0644, out) == NPSHM_INVALID, "file_open with a bad mode: INVALID");
  check(npshm_file_open(path, NPSHM_FILE_CREATE, 0644, out) == NPSHM_OK && out[2] == 0,
        "file_open creates an empty file");
  int64_t f = out[0];
  check(npshm_file_open(path, NPSHM_FILE_CREATE, 0644, out) == NPSHM_EXISTS,
        "file_open CREATE of an existing file: EXISTS");
  check(npshm_file_resize(f, 1 << 20, 1, out) == NPSHM_OK, "file_resize to 1 MiB, reserved");
  check(npshm_file_pwrite(f, 10, (const uint8_t *)"abc", 3, out) == NPSHM_OK && out[2] == 3,
        "file_pwrite 3 bytes");
  uint8_t buf[8] = {0};
  check(npshm_file_pread(f, 10, buf, 3, out) == NPSHM_OK && out[2] == 3 && memcmp(buf, "abc", 3) == 0,
        "file_pread reads them back");
  check(npshm_file_pread(f, (1 << 20) - 2, buf, 8, out) == NPSHM_OK && out[2] == 2,
        "file_pread at the end of the file is short");
  check(npshm_file_map(f, 1 << 20, 0, out) == NPSHM_OK && out[1] != 0, "file_map shared");
  uint8_t *shared = (uint8_t *)(uintptr_t)out[1];
  shared[100] = 42;
  check(npshm_file_pread(f, 100, buf, 1, out) == NPSHM_OK && buf[0] == 42,
        "a write through the shared mapping reaches the file");
  check(npshm_file_flush((uint64_t)(uintptr_t)shared, 1 << 20, out) == NPSHM_OK,
        "file_flush writes the mapping back");
  check(npshm_file_flush(0, 0, out) == NPSHM_OK, "file_flush of nothing is a no-op");
  npshm_unmap((uint64_t)(uintptr_t)shared, 1 << 20);
  check(npshm_file_map(f, 1 << 20, 1, out) == NPSHM_OK, "file_map private");
  uint8_t *priv = (uint8_t *)(uintptr_t)out[1];
  priv[100] = 7;
  check(npshm_file_pread(f, 100, buf, 1, out) == NPSHM_OK && buf[0] == 42,
        "a write through the private mapping stays private");
  npshm_unmap((uint64_t)(uintptr_t)priv, 1 << 20);
  check(npshm_file_map(f, 0, 0, out) == NPSHM_OK && out[1] == 0, "file_map of 0 bytes maps nothing");

  uint8_t dst[16] = {0};
  check(npshm_file_copy(f, 10, -1, 0, dst, 3, out) == NPSHM_OK && out[2] == 3 &&
            memcmp(dst, "abc", 3) == 0,
        "file_copy into a buffer");
  check(npshm_file_copy(f, (1 << 20) - 4, -1, 0, dst, 16, out) == NPSHM_OK && out[2] == 4,
        "file_copy past the end of the file is short");
  check(npshm_file_open(other, NPSHM_FILE_REPLACE, 0600, out) == NPSHM_OK, "a second file");
  int64_t g = out[0];
  npshm_file_resize(g, 64, 0, out);
  memset(dst, 0, sizeof dst);
  check(npshm_file_copy(f, 10, g, 5, dst, 3, out) == NPSHM_OK && out[2] == 3,
        "file_copy file -> segment handle");
#ifdef __linux__
  check(npshm_file_pread(g, 5, buf, 3, out) == NPSHM_OK && memcmp(buf, "abc", 3) == 0,
        "Linux: the kernel copied the bytes to the destination offset");
#else
  check(memcmp(dst, "abc", 3) == 0, "elsewhere: the bytes were read into the mapped buffer");
#endif
  check(npshm_file_sync(g, out) == NPSHM_OK, "file_sync");
  npshm_close(g);
  npshm_close(f);
  check(npshm_file_copy(-1, 0, -1, 0, dst, 1, out) != NPSHM_OK, "file_copy from a bad handle fails");
  check(npshm_file_pread(-1, 0, buf, 1, out) != NPSHM_OK, "file_pread from a bad handle fails");
  check(npshm_file_open(other, NPSHM_FILE_READ, 0, out) == NPSHM_OK && out[2] == 64,
        "the target exists (64 bytes)");
  npshm_close(out[0]);
  check(npshm_file_rename(path, other, 0, 0, out) == NPSHM_EXISTS,
        "file_rename without replace refuses an existing target: EXISTS");
  check(npshm_file_open(other, NPSHM_FILE_READ, 0, out) == NPSHM_OK && out[2] == 64,
        "and leaves it as it was");
  npshm_close(out[0]);
  check(npshm_file_rename(path, other, 1, 1, out) == NPSHM_OK, "file_rename replaces the target");
  check(npshm_file_open(path, NPSHM_FILE_READ, 0, out) == NPSHM_NOT_FOUND, "the old name is gone");
  check(npshm_file_open(other, NPSHM_FILE_READ, 0, out) == NPSHM_OK && out[2] == (1 << 20),
        "the new name has the file");
  npshm_close(out[0]);
  check(npshm_file_rename(other, path, 0, 0, out) == NPSHM_OK,
        "file_rename without replace to a free name");
  check(npshm_file_open(other, NPSHM_FILE_READ, 0, out) == NPSHM_NOT_FOUND,
        "leaves no second name behind");
  check(npshm_file_open(path, NPSHM_FILE_READ, 0, out) == NPSHM_OK && out[2] == (1 << 20),
        "the file is under the new name");
  npshm_close(out[0]);
  check(npshm_file_open(path, NPSHM_FILE_WRITE, 0, out) == NPSHM_OK, "a first handle");
  int64_t h1 = out[0];
  check(npshm_file_open(path, NPSHM_FILE_WRITE, 0, out) == NPSHM_OK, "a second handle");
  int64_t h2 = out[0];
  check(npshm_file_claim(h1, out) == NPSHM_OK, "file_claim by the first handle");
  check(npshm_file_claim(h2, out) == NPSHM_BUSY, "file_claim by another handle: BUSY");
  check(npshm_file_pwrite(h2, 0, (const uint8_t *)"xyz", 3, out) == NPSHM_OK &&
            npshm_file_pread(h2, 0, buf, 3, out) == NPSHM_OK && memcmp(buf, "xyz", 3) == 0,
        "a claim stops no read or write of the data");
  npshm_close(h1);
  check(npshm_file_claim(h2, out) == NPSHM_OK, "the claim goes with its handle");
  npshm_close(h2);
  check(npshm_file_claim(-1, out) != NPSHM_OK, "file_claim of a bad handle fails");
  check(npshm_file_remove(path, out) == NPSHM_OK, "file_remove");
  check(npshm_file_remove(path, out) == NPSHM_NOT_FOUND, "file_remove of a missing file");
#ifndef _WIN32
  check(npshm_file_open(".", NPSHM_FILE_READ, 0, out) == NPSHM_NOT_FILE,
        "file_open of a directory: NOT_FILE");
#endif
}
/* ---- end of issue 4 ---- */

static void test_attach_release(void) {
  const char *n = test_name("attach");
  int64_t out[4];
  npshm_create(n, 8192, 0600, 0, (const uint8_t *)HEAD, sizeof HEAD, out);
  seg made = seg_of(out);
  npshm_publish(made.h, n, 0, out);
  uint8_t head[512];
  memset(head, 0xEE, sizeof head);
  int32_t st = npshm_attach(n, 0, out, head, 16);
  seg a = seg_of(out);
  check(st == NPSHM_OK && memcmp(head, HEAD, 16) == 0 && head[16] == 0xEE,
        "attach copies exactly cap bytes of the header");
  check(npshm_release((uint64_t)a.addr, (uint64_t)a.size, a.h) == NPSHM_OK,
        "release unmaps and closes");
  check(npshm_close(a.h) != NPSHM_OK, "after release the handle is closed");
  st = npshm_attach(n, 1, out, NULL, 0);
  a = seg_of(out);
  check(st == NPSHM_OK && a.addr != 0, "attach without a head buffer is a plain open");
  release(a);
  check(npshm_attach(test_name("attach-missing"), 0, out, head, sizeof head) == NPSHM_NOT_FOUND,
        "attach of a missing name: NOT_FOUND");
  release(made);
  npshm_unlink(n, -1, -1, out);
}

#ifndef _WIN32
/* Issue 13: an attach that keeps no descriptor, only what identifies the segment. */
static void test_attach_unheld(void) {
  const char *n = test_name("unheld");
  int64_t out[4], info[6], want[6];
  npshm_create(n, 8192, 0600, 0, (const uint8_t *)HEAD, sizeof HEAD, out);
  seg made = seg_of(out);
  npshm_publish(made.h, n, 0, out);
  npshm_fstat(made.h, want, out);
  uint8_t head[512];
  int32_t st = npshm_attach_unheld(n, 0, out, head, 16, info);
  seg a = seg_of(out);
  check(st == NPSHM_OK && a.h == -1 && a.addr != 0 && memcmp(head, HEAD, 16) == 0,
        "attach_unheld maps and reads the header, holding no handle");
  check(info[0] == want[0] && info[1] == want[1], "attach_unheld reports device and inode");
  check(npshm_unmap((uint64_t)a.addr, (uint64_t)a.size) == NPSHM_OK, "its mapping unmaps");
  check(npshm_attach_unheld(test_name("unheld-missing"), 0, out, head, 16, info) ==
            NPSHM_NOT_FOUND,
        "attach_unheld of a missing name: NOT_FOUND");
  release(made);
  npshm_unlink(n, -1, -1, out);
}
#endif

#ifdef __linux__
/* Files that take their name only once complete: O_TMPFILE + linkat (Linux). */
static void test_unnamed_files(void) {
  int64_t out[4];
  char path[300];
  file_path(path, sizeof path, "unnamed");
  npshm_file_remove(path, out);
  check(npshm_file_open(path, NPSHM_FILE_TEMP, 0600, out) == NPSHM_OK && out[2] == 0,
        "file_open TEMP: an unnamed file in the directory of path");
  int64_t a = out[0];
  check(access(path, F_OK) != 0, "nothing has the name yet");
  check(npshm_file_pwrite(a, 0, (const uint8_t *)"new", 3, out) == NPSHM_OK, "write to it");
  check(npshm_file_link(a, path, 0, 0, out) == NPSHM_OK && access(path, F_OK) == 0,
        "file_link names it");
  check(npshm_file_open(path, NPSHM_FILE_TEMP, 0644, out) == NPSHM_OK, "a second unnamed file");
  int64_t b = out[0];
  check(npshm_file_link(b, path, 0, 0, out) == NPSHM_EXISTS, "file_link without replace: EXISTS");
  check(chmod(path, 0640) == 0 && npshm_file_adopt(b, path, out) == NPSHM_OK,
        "file_adopt of an existing file");
  check(npshm_file_link(b, path, 1, 1, out) == NPSHM_OK, "file_link with replace");
  struct stat st;
  check(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640 && st.st_size == 0,
        "the replacement has the name and the old file's mode");
  check(npshm_file_adopt(b, "/nonexistent/x", out) == NPSHM_OK, "file_adopt of nothing: OK");
  npshm_close(a);
  npshm_close(b);
  npshm_file_remove(path, out);
}

/* Anyone can plant these in /dev/shm: refused at once, never waited on or followed. */
static void test_special_files(void) {
  int64_t out[4];
  char fifo[300], link[300], dir[300];
  const char *f = test_path("fifo", fifo, sizeof fifo);
  const char *l = test_path("symlink", link, sizeof link);
  const char *d = test_path("dir", dir, sizeof dir);
  check(mkfifo(fifo, 0600) == 0 && symlink(fifo, link) == 0 && mkdir(dir, 0700) == 0,
        "made a FIFO, a symlink and a directory in /dev/shm");
  check(npshm_open(f, 0, out) == NPSHM_NOT_FILE, "open of a FIFO: NOT_FILE, no wait");
  check(npshm_open(f, 1, out) == NPSHM_NOT_FILE && out[0] == -1, "read-only too, no handle");
  check(npshm_open(l, 1, out) == NPSHM_NOT_FILE, "open of a symlink: NOT_FILE, not followed");
  check(npshm_open(d, 0, out) == NPSHM_NOT_FILE, "open of a directory: NOT_FILE");
  check(npshm_file_open(fifo, NPSHM_FILE_READ, 0, out) == NPSHM_NOT_FILE,
        "file_open of a FIFO: NOT_FILE, no wait");
  check(npshm_file_open(link, NPSHM_FILE_WRITE, 0, out) == NPSHM_NOT_FILE,
        "file_open follows a symlink, to a FIFO: NOT_FILE");
  check(npshm_unlink_untracked(f, -1, -1, out) == NPSHM_NOT_FILE && access(fifo, F_OK) == 0,
        "unlink_untracked of a FIFO: NOT_FILE, left alone");
  unlink(fifo);
  unlink(link);
  rmdir(dir);
}
#endif

/* The shim built beside this program, loaded and unloaded: it must stay (npshm_pin.c). */
static void test_pinned(const char *self) {
#ifdef _WIN32
  (void)self;
  HMODULE lib = LoadLibraryA(SHIM_FILE); /* the program's own directory is searched first */
  check(lib != NULL, "LoadLibrary of the shim " SHIM_FILE);
  check(lib != NULL && FreeLibrary(lib), "FreeLibrary of its only reference");
  check(lib != NULL && GetModuleHandleA(SHIM_FILE) == lib, "the shim is still loaded");
#else
  char path[4096];
  const char *slash = strrchr(self, '/');
  int dir = slash ? (int)(slash - self) : 1;
  snprintf(path, sizeof path, "%.*s/%s", dir, slash ? self : ".", SHIM_FILE);
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  check(lib != NULL, "dlopen of the shim %s", path);
  check(lib != NULL && dlclose(lib) == 0, "dlclose of its only reference");
  check(lib != NULL && dlopen(path, RTLD_NOW | RTLD_NOLOAD) == lib, "the shim is still loaded");
#endif
}

int main(int argc, char **argv) {
  (void)argc;
  test_pinned(argv[0]);
  test_basics();
  test_invalid();
  test_not_found();
  test_longest_name();
  test_lifecycle();
  test_attach_release();
  test_no_space();
#ifdef _WIN32
  test_foreign_mapping();
  test_no_handle_leak();
  test_sync_win();
#else
  test_zero_bytes();
  test_sparse();
  test_mode();
  test_no_fd_leak();
  test_race();
  test_attach_unheld();
#endif
#ifdef HAVE_FALLBACK_HOOK
  test_fallback();
#endif
#ifdef __linux__
  test_track();
  test_track_death();
  test_lock();
  test_cancel();
  test_wait();
  test_write();
  test_special_files();
  test_unnamed_files();
#endif
  test_files();
  cleanup();
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
