/*
 * npshm native shim, lifetimes and coordination on Windows: the sync section of npshm.h, with
 * the same lock protocol as Linux (npshm_sync.c, README.md "The lock protocol"), so the
 * TypeScript side is one for both.
 *
 * ---- Naming what is shared -------------------------------------------------------------
 * Windows has no futex keyed by (file, offset), and WaitOnAddress is process-local. So every
 * cross-process object here is a named kernel object in the session's namespace (Local\),
 * named after the segment and, for wait queues, the word's offset in it. The calls only get
 * addresses, so the shim remembers the views it maps (npshm_win_view_add from npshm_create,
 * npshm_open and npshm_file_map; npshm_win_view_drop from npshm_unmap): a view's key is a
 * 64-bit FNV-1a hash of the segment's name (a file mapping: of its volume serial and file
 * index), which names the same segment in every process as long as it is mapped anywhere,
 * since Windows cannot give a live mapping's name to another one. Hashing keeps object names
 * short (Win32 names are limited to MAX_PATH) whatever the segment name holds.
 *
 * ---- The mutex --------------------------------------------------------------------------
 * The lock word, the pid word and the compare-and-swap fast path are those of Linux. What
 * differs is the token (liveness) and the sleep:
 *
 * Token: a named event "Local\npshm-<key>-t-<id>" that its owner keeps a handle to. A named
 * object lives exactly as long as some handle to it is open, and Windows closes every handle
 * of a process that ends, however it ends (TerminateProcess, a crash): so "the holder is
 * alive" is "OpenEvent of its token name succeeds". A draw keeps an id only if CreateEvent
 * made a new object (not ERROR_ALREADY_EXISTS: a live token has it) and the lock word does not
 * name it (a dead holder's id is never handed out while the word still names it).
 *
 * Why not the named mutex that WAIT_ABANDONED reports dead: a mutex is owned by a thread, not
 * a process. An async lock runs on a runtime worker thread (koffi's pool, Deno's FFI
 * nonblocking threads), whose exit would abandon the mutex while its process lives, and a
 * Node worker thread that ends would do the same to tokens it took; keeping them right would
 * need a token-owner thread in the shim that takes and releases every mutex. Handles belong to
 * the process, so the existence of a named object has exactly the lifetime of the Linux OFD
 * lock (the process, or the array's close()), with no thread of our own. A checker's
 * OpenEvent keeps a dead holder's object alive for the microseconds until it closes it again:
 * the next check, NPSHM_LOCK_CHECK_MS later, finds it gone.
 *
 * Who can fake a holder: only a process of the same session that can create objects in
 * Local\ (the same user, in practice), which can also write the segment anyway.
 *
 * ---- Sleeping: wait queues ----------------------------------------------------------------
 * A wait queue is a pair of named semaphores per (segment, word offset): "-n" counts
 * registered waiters, "-k" holds wake-ups. A waiter registers (+1 on -n), then compares the
 * word, then sleeps on -k (and on its cancel event, with its timeout). A waker claims up to
 * `count` registrations (-1 on -n each, without waiting) and releases as many wake-ups on -k.
 * Registration comes before the comparison and the waker changes the word before claiming, so
 * no wake-up is lost: a waiter either was registered when the waker claimed, or compares
 * after the change. A waiter that leaves without a wake-up (timeout, cancel, the word
 * differed) takes its registration back; if a waker claimed it meanwhile (registrations are
 * anonymous), it consumes the wake-up that waker is about to release instead, so no wake-up is
 * left over for a later waiter. Nothing persists: the semaphores vanish with the last handle,
 * and every call closes its own. A waker that dies between its claim and its release could
 * leave such a leaver waiting: it gives up after NPSHM_CLAIM_MS.
 *
 * A sleeping locker (npshm_lock_wait) sleeps on the queue of the lock word with
 * NPSHM_LOCK_CHECK_MS slices to look at the holder's token again; npshm_unlock with the
 * waiters bit wakes one. Cancel words carry an event, which npshm_cancel_set signals: an async
 * wait watches it beside its semaphore and ends at once.
 *
 * ---- Lifetimes (track, unlink) ------------------------------------------------------------
 * A mapping lives exactly as long as its last handle or view, in any process, and its name
 * with it: that is what tracking does on Linux, so npshm_track and npshm_untrack succeed
 * without doing anything, and npshm_unlink (npshm.c) only lets the name go with the handles.
 */
#ifdef _WIN32
#include "npshm_internal.h"

#include <limits.h>
#include <stdlib.h>

/* Tuning (not part of the protocol). */
#define NPSHM_CLAIM_MS 1000 /* how long a leaver waits for a claimed wake-up to arrive */

/* ------------------------------------------------------------------------ the views */

struct view {
  uintptr_t base;
  uint64_t size;
  uint64_t key;
};

static SRWLOCK views_lock = SRWLOCK_INIT;
static struct view *views;
static size_t view_count, view_cap;

static uint64_t fnv1a(const void *data, size_t len, uint64_t h) {
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

#define FNV_START 0xcbf29ce484222325ull

uint64_t npshm_win_key_of_name(const char *name) {
  return fnv1a(name, strlen(name), FNV_START);
}

uint64_t npshm_win_key_of_file(uint32_t volume, uint64_t index) {
  /* 'f' first: a file's key never equals a segment name's of the same bytes */
  uint64_t h = fnv1a("f", 1, FNV_START);
  h = fnv1a(&volume, sizeof volume, h);
  return fnv1a(&index, sizeof index, h);
}

void npshm_win_view_add(const void *addr, uint64_t size, uint64_t key) {
  if (addr == NULL) return;
  AcquireSRWLockExclusive(&views_lock);
  if (view_count == view_cap) {
    size_t cap = view_cap ? view_cap * 2 : 16;
    struct view *grown = realloc(views, cap * sizeof *grown);
    if (grown != NULL) {
      views = grown;
      view_cap = cap;
    }
  }
  if (view_count < view_cap) { /* out of memory: waits on this view are INVALID */
    views[view_count].base = (uintptr_t)addr;
    views[view_count].size = size;
    views[view_count].key = key;
    view_count++;
  }
  ReleaseSRWLockExclusive(&views_lock);
}

void npshm_win_view_drop(const void *addr) {
  AcquireSRWLockExclusive(&views_lock);
  for (size_t i = 0; i < view_count; i++) {
    if (views[i].base != (uintptr_t)addr) continue;
    views[i] = views[--view_count];
    break;
  }
  ReleaseSRWLockExclusive(&views_lock);
}

/* The key of the view that holds addr..addr+3 and addr's offset in it; 0 if none does. */
static int view_of(uint64_t addr, uint64_t *key, uint64_t *offset) {
  int found = 0;
  AcquireSRWLockShared(&views_lock);
  for (size_t i = 0; i < view_count && !found; i++) {
    if (addr < views[i].base || addr + 4 > views[i].base + views[i].size) continue;
    *key = views[i].key;
    *offset = addr - views[i].base;
    found = 1;
  }
  ReleaseSRWLockShared(&views_lock);
  return found;
}

/* ------------------------------------------------------------------------ cancel words */

/* The word first, so that it is what the cancel address points at, as on Linux. */
struct cancel {
  uint32_t word;
  HANDLE event;
};

NPSHM_API int32_t npshm_cancel_new(int64_t *out) {
  npshm_out_init(out, 0);
  struct cancel *c = calloc(1, sizeof *c);
  if (c == NULL) return NPSHM_NO_SPACE;
  c->event = CreateEventA(NULL, TRUE, FALSE, NULL);
  if (c->event == NULL) {
    DWORD e = GetLastError();
    free(c);
    return npshm_fail(out, e);
  }
  if (out) out[1] = (int64_t)(uintptr_t)c;
  return NPSHM_OK;
}

NPSHM_API void npshm_cancel_set(uint64_t cancel) {
  if (!npshm_word_ok(cancel)) return;
  struct cancel *c = (struct cancel *)(uintptr_t)cancel;
  __atomic_store_n(&c->word, 1u, __ATOMIC_RELEASE);
  SetEvent(c->event);
}

NPSHM_API void npshm_cancel_free(uint64_t cancel) {
  struct cancel *c = (struct cancel *)(uintptr_t)cancel;
  if (c == NULL) return;
  CloseHandle(c->event);
  free(c);
}

/* ------------------------------------------------------------------------ wait queues */

struct queue {
  HANDLE waiters; /* its count: registered waiters */
  HANDLE wakes;   /* its count: wake-ups released and not yet taken */
};

static DWORD queue_open(uint64_t key, uint64_t offset, struct queue *q) {
  char name[64];
  snprintf(name, sizeof name, "Local\\npshm-%016llx-%llx-n", (unsigned long long)key,
           (unsigned long long)offset);
  q->waiters = CreateSemaphoreA(NULL, 0, LONG_MAX, name);
  if (q->waiters == NULL) return GetLastError();
  name[strlen(name) - 1] = 'k';
  q->wakes = CreateSemaphoreA(NULL, 0, LONG_MAX, name);
  if (q->wakes != NULL) return 0;
  DWORD e = GetLastError();
  CloseHandle(q->waiters);
  return e;
}

static void queue_close(struct queue *q) {
  CloseHandle(q->waiters);
  CloseHandle(q->wakes);
}

/* What a sleep ended with. */
enum slept { WOKEN, DIFFERS, TIMED_OUT, CANCELLED, FAILED };

/* Milliseconds left until `deadline` (GetTickCount64 time; UINT64_MAX: none), capped at cap. */
static DWORD ms_left(uint64_t deadline, DWORD cap) {
  if (deadline == UINT64_MAX) return cap;
  uint64_t now = GetTickCount64();
  if (now >= deadline) return 0;
  return deadline - now < cap ? (DWORD)(deadline - now) : cap;
}

static uint64_t deadline_in(int64_t timeout_ns) {
  if (timeout_ns < 0) return UINT64_MAX;
  /* rounded up: a 1 ns timeout still sleeps */
  return GetTickCount64() + (uint64_t)(timeout_ns / 1000000) + (timeout_ns % 1000000 != 0);
}

/*
 * Sleeps while *word == expected for at most `ms` (INFINITE: no limit) on the wait queue of
 * (key, offset), until woken or the cancel word is set (see the design above). *err receives
 * the Win32 error of FAILED.
 */
static enum slept sleep_on(uint64_t key, uint64_t offset, uint64_t word, uint32_t expected,
                           uint64_t cancel, DWORD ms, DWORD *err) {
  struct queue q;
  *err = queue_open(key, offset, &q);
  if (*err) return FAILED;
  enum slept how = DIFFERS;
  ReleaseSemaphore(q.waiters, 1, NULL);
  if (__atomic_load_n((uint32_t *)(uintptr_t)word, __ATOMIC_SEQ_CST) == expected) {
    HANDLE watch[2] = {q.wakes, cancel ? ((struct cancel *)(uintptr_t)cancel)->event : NULL};
    DWORD r = WaitForMultipleObjects(cancel ? 2 : 1, watch, FALSE, ms);
    if (r == WAIT_OBJECT_0) {
      queue_close(&q);
      return WOKEN;
    }
    how = r == WAIT_OBJECT_0 + 1 ? CANCELLED : r == WAIT_TIMEOUT ? TIMED_OUT : FAILED;
    if (how == FAILED) *err = GetLastError();
  }
  if (WaitForSingleObject(q.waiters, 0) != WAIT_OBJECT_0) {
    /* a waker claimed a registration: take the wake-up it releases for it */
    if (WaitForSingleObject(q.wakes, NPSHM_CLAIM_MS) == WAIT_OBJECT_0 && how == TIMED_OUT) {
      how = WOKEN;
    }
  }
  queue_close(&q);
  return how;
}

/* Wakes up to `count` waiters of (key, offset); returns how many, or -1 (*err set). */
static int64_t wake_queue(uint64_t key, uint64_t offset, int32_t count, DWORD *err) {
  struct queue q;
  *err = queue_open(key, offset, &q);
  if (*err) return -1;
  LONG claimed = 0;
  while (claimed < count && WaitForSingleObject(q.waiters, 0) == WAIT_OBJECT_0) claimed++;
  if (claimed > 0) ReleaseSemaphore(q.wakes, claimed, NULL);
  queue_close(&q);
  return claimed;
}

/* ------------------------------------------------------------------------ wait / notify */

NPSHM_API int32_t npshm_wait(uint64_t addr, int32_t expected, int64_t timeout_ns, uint64_t cancel,
                             int64_t *out) {
  npshm_out_init(out, 0);
  uint64_t key, offset;
  if (!npshm_word_ok(addr) || (cancel && !npshm_word_ok(cancel)) || !view_of(addr, &key, &offset)) {
    return npshm_fail(out, ERROR_INVALID_PARAMETER);
  }
  /* Cancelled before it began (it may begin late, on a worker thread): so, whatever the word. */
  if (npshm_cancelled(cancel)) return NPSHM_CANCELLED;
  uint64_t deadline = deadline_in(timeout_ns);
  int32_t spun = npshm_wait_spin(addr, (uint32_t)expected, timeout_ns);
  if (spun >= 0) return spun;
  for (;;) {
    if (npshm_cancelled(cancel)) return NPSHM_CANCELLED;
    DWORD ms = ms_left(deadline, INFINITE - 1), err = 0;
    if (deadline == UINT64_MAX) ms = INFINITE;
    switch (sleep_on(key, offset, addr, (uint32_t)expected, cancel, ms, &err)) {
    case WOKEN:
      return NPSHM_OK;
    case DIFFERS:
      return NPSHM_NOT_EQUAL;
    case CANCELLED:
      return NPSHM_CANCELLED;
    case FAILED:
      return npshm_fail(out, err);
    case TIMED_OUT:
      if (ms_left(deadline, 1) == 0) return NPSHM_TIMED_OUT;
    }
  }
}

NPSHM_API int32_t npshm_wake(uint64_t addr, int32_t count, int64_t *out) {
  npshm_out_init(out, 0);
  uint64_t key, offset;
  if (!npshm_word_ok(addr) || count < 0 || !view_of(addr, &key, &offset)) {
    return npshm_fail(out, ERROR_INVALID_PARAMETER);
  }
  DWORD err = 0;
  int64_t n = count == 0 ? 0 : wake_queue(key, offset, count, &err);
  if (n < 0) return npshm_fail(out, err);
  if (out) out[0] = n;
  return NPSHM_OK;
}

/* ------------------------------------------------------------------------ the mutex */

static void token_name(char name[64], uint64_t key, uint32_t id) {
  snprintf(name, 64, "Local\\npshm-%016llx-t-%08lx", (unsigned long long)key, (unsigned long)id);
}

/* A random token id: splitmix64 of the clock, the pid and a counter (uniqueness among live
 * tokens is checked by CreateEvent, so this only needs to spread). */
static uint32_t random_id(void) {
  static volatile LONG counter;
  LARGE_INTEGER t;
  QueryPerformanceCounter(&t);
  uint64_t z = (uint64_t)t.QuadPart ^ ((uint64_t)GetCurrentProcessId() << 32) ^
               ((uint64_t)InterlockedIncrement(&counter) * 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (uint32_t)(z ^ (z >> 31)) & NPSHM_LOCK_ID_MASK;
}

NPSHM_API int32_t npshm_lock_token(int64_t handle, uint64_t word_addr, int64_t *out) {
  npshm_out_init(out, NPSHM_NO_HANDLE);
  uint64_t key, offset;
  if (npshm_handle_of(handle) == NULL || !npshm_word_ok(word_addr) ||
      !view_of(word_addr, &key, &offset)) {
    return npshm_fail(out, ERROR_INVALID_PARAMETER);
  }
  for (int draw = 0; draw < 16; draw++) {
    uint32_t id = random_id();
    if (id == 0) continue;
    char name[64];
    token_name(name, key, id);
    HANDLE t = CreateEventA(NULL, TRUE, FALSE, name);
    if (t == NULL) {
      DWORD e = GetLastError();
      if (e == ERROR_ACCESS_DENIED || e == ERROR_INVALID_HANDLE) continue; /* someone else's */
      return npshm_fail(out, e);
    }
    if (GetLastError() == ERROR_ALREADY_EXISTS ||
        npshm_lock_holder(word_addr) == id) {
      CloseHandle(t); /* a live token has it, or a dead holder's id: keep it dead */
      continue;
    }
    if (out) {
      out[0] = (int64_t)(intptr_t)t;
      out[1] = id;
    }
    return NPSHM_OK;
  }
  return npshm_fail(out, ERROR_BUSY);
}

/* 1 if the token `id` of the segment `key` exists (its owner lives), 0 if not, -1 (*err). */
static int token_alive(uint64_t key, uint32_t id, DWORD *err) {
  char name[64];
  token_name(name, key, id);
  HANDLE t = OpenEventA(SYNCHRONIZE, FALSE, name);
  if (t != NULL) {
    CloseHandle(t);
    return 1;
  }
  *err = GetLastError();
  if (*err == ERROR_FILE_NOT_FOUND) return 0;
  return *err == ERROR_ACCESS_DENIED || *err == ERROR_INVALID_HANDLE ? 1 : -1;
}

/* The lock call's platform side (npshm_lock.c): token events, sleeping on the wait queue. */
struct win_lock {
  uint64_t key, offset; /* the word's view and its place in it */
  uint64_t deadline;    /* GetTickCount64 time, UINT64_MAX: none */
};

static int win_alive(void *ctx, uint32_t id, DWORD *err) {
  return token_alive(((struct win_lock *)ctx)->key, id, err);
}

static int win_expired(void *ctx) { return ms_left(((struct win_lock *)ctx)->deadline, 1) == 0; }

static int win_sleep(void *ctx, uint64_t word_addr, uint32_t seen, uint32_t ms, uint64_t cancel,
                     DWORD *err) {
  struct win_lock *l = ctx;
  enum slept how =
      sleep_on(l->key, l->offset, word_addr, seen, cancel, ms_left(l->deadline, ms), err);
  return how == CANCELLED ? 1 : how == FAILED ? -1 : 0;
}

static int win_wake_one(void *ctx, uint64_t word_addr, DWORD *err) {
  (void)word_addr;
  struct win_lock *l = ctx;
  return wake_queue(l->key, l->offset, 1, err) < 0 ? -1 : 0;
}

NPSHM_API int32_t npshm_lock_wait(int64_t token, uint64_t word_addr, uint32_t id,
                                  int64_t timeout_ns, uint64_t cancel, int64_t *out) {
  npshm_out_init(out, 0);
  struct win_lock lock = {0, 0, deadline_in(timeout_ns)};
  if (npshm_handle_of(token) == NULL || !npshm_word_ok(word_addr) || id == 0 ||
      id > NPSHM_LOCK_ID_MASK || !view_of(word_addr, &lock.key, &lock.offset)) {
    return npshm_fail(out, ERROR_INVALID_PARAMETER);
  }
  if (npshm_cancelled(cancel)) return NPSHM_CANCELLED;
  struct npshm_lock_os os = {&lock, win_alive, win_expired, win_sleep, win_wake_one};
  return npshm_lock_take(word_addr, id, timeout_ns != 0, cancel, &os, out);
}

NPSHM_API int32_t npshm_unlock(uint64_t word_addr, uint32_t id, int64_t *out) {
  npshm_out_init(out, 0);
  struct win_lock lock = {0, 0, UINT64_MAX};
  if (!npshm_word_ok(word_addr) || id == 0 || id > NPSHM_LOCK_ID_MASK ||
      !view_of(word_addr, &lock.key, &lock.offset)) {
    return npshm_fail(out, ERROR_INVALID_PARAMETER);
  }
  struct npshm_lock_os os = {&lock, NULL, NULL, NULL, win_wake_one};
  return npshm_lock_give(word_addr, id, &os, out);
}

/* ------------------------------------------------------------------------ lifetimes */

/* A mapping already disappears with its last handle: tracking is what Windows always does. */
NPSHM_API int32_t npshm_track(int64_t handle, const char *name, int32_t unpublished,
                              uint64_t flags_addr, int64_t control_at, int64_t *out) {
  (void)handle, (void)name, (void)unpublished, (void)control_at;
  (void)flags_addr; /* not "ever tracked": that flag means "stale once untracked" on Linux */
  npshm_out_init(out, 0);
  return NPSHM_OK;
}

NPSHM_API int32_t npshm_untrack(int64_t tracker, const char *name, int64_t *out) {
  (void)tracker, (void)name;
  npshm_out_init(out, 0);
  return NPSHM_OK;
}

/* Nothing is tracked: a mapping lives exactly as long as its handles. */
NPSHM_API int32_t npshm_trackers(const char *name, uint64_t nonce, int32_t *pids, int32_t cap,
                                 int64_t *out) {
  (void)name, (void)nonce, (void)pids, (void)cap;
  npshm_out_init(out, 0);
  return NPSHM_UNSUPPORTED;
}

/* No name outlives its handles, so none is stale: a live one is busy, a gone one not found. */
NPSHM_API int32_t npshm_unlink_untracked(const char *name, int64_t handle, int64_t control_at,
                                         int64_t *out) {
  (void)handle, (void)control_at;
  npshm_out_init(out, 0);
  if (!npshm_name_ok(name)) return npshm_fail(out, ERROR_INVALID_NAME);
  int64_t probe[4];
  int32_t status = npshm_open(name, 1, probe);
  if (status != NPSHM_OK) {
    if (out) out[3] = probe[3];
    return status;
  }
  npshm_release((uint64_t)probe[1], (uint64_t)probe[2], probe[0]);
  return npshm_fail(out, ERROR_BUSY);
}
#endif
