/*
 * npshm native shim, the mutex's lock word, one for every platform: take (spin, check the
 * holder's token, take over from a dead one, sleep) and give back. The protocol is npshm_sync.c's
 * ("The mutex"; README.md, "The lock protocol"). What differs per platform, how a token is
 * found alive and how a locker sleeps and is woken, comes in a struct npshm_lock_os from
 * npshm_sync.c (Linux, macOS) or npshm_sync_win32.c, which also check the call's arguments.
 */
#include "npshm_internal.h"

#ifndef _WIN32
#include <pthread.h>
#endif

/* Reads of a taken word before a locker sleeps (tuning, not protocol). Short on purpose: a
 * waiter that spins long takes the word the moment its holder lets go, so two contending
 * processes hand it back and forth on every increment. 2 processes x 1M locked increments
 * (bench/lock.ts, 2-core EPYC VM, 2026-12-01, Node 22/24/26 and Deno): 63-70 ns each at 20
 * reads on Node, 64-74 at 50, 84-91 at 10, 75-142 at 0; Deno 74-96 at any of them; ~300 ns at
 * 200 (C's robust mutex, which never spins: 33-41 ns). */
#define NPSHM_LOCK_SPIN 20

/* How long a wait reads its word before it sleeps (tuning, not protocol). A process that is
 * running answers well within it, and then neither side pays for a wake-up; a long wait spends
 * it once. Round trips of two C processes ping-ponging a word on an idle 2-core VM (futex
 * wait/wake, 20,000 trips): 19 us sleeping at once, 1.6 us after a spin of ~6 us, 1.6-2.5 us
 * after ~20-60 us. */
#define NPSHM_WAIT_SPIN_NS 20000

static uint32_t *lock_word(uint64_t addr) { return (uint32_t *)(uintptr_t)addr; }
static uint32_t *pid_word(uint64_t addr) { return (uint32_t *)(uintptr_t)addr + 1; }

static inline void cpu_relax(void) {
#ifdef _WIN32
  YieldProcessor();
#elif defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

#ifdef _WIN32
static uint32_t self_pid(void) { return (uint32_t)GetCurrentProcessId(); }
#elif defined(__APPLE__)
/* No cache: forgetting it in a forked child takes a fork handler, which must never outlive the
 * shim, and the pin that keeps the shim loaded (npshm_pin.c) has never run on macOS here. */
static uint32_t self_pid(void) { return (uint32_t)getpid(); }
#else
/* getpid is a system call (glibc caches nothing since 2.25), and a costly one in a VM: every
 * lock taken in the shim needs it, so it is read once and forgotten in a forked child. The fork
 * handler stays valid because the shim is never unloaded (npshm_pin.c). */
static uint32_t cached_pid;
static pthread_once_t fork_watch = PTHREAD_ONCE_INIT;
static void forget_pid(void) { __atomic_store_n(&cached_pid, 0u, __ATOMIC_RELAXED); }
static void watch_forks(void) { pthread_atfork(NULL, NULL, forget_pid); }

static uint32_t self_pid(void) {
  uint32_t pid = __atomic_load_n(&cached_pid, __ATOMIC_RELAXED);
  if (pid != 0) return pid;
  pthread_once(&fork_watch, watch_forks);
  pid = (uint32_t)getpid();
  __atomic_store_n(&cached_pid, pid, __ATOMIC_RELAXED);
  return pid;
}
#endif

/* A monotonic clock in its own ticks, and how many of them make NPSHM_WAIT_SPIN_NS. */
static uint64_t clock_ticks(void) {
#ifdef _WIN32
  LARGE_INTEGER t;
  QueryPerformanceCounter(&t);
  return (uint64_t)t.QuadPart;
#else
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
#endif
}

static uint64_t spin_ticks(void) {
#ifdef _WIN32
  LARGE_INTEGER f;
  QueryPerformanceFrequency(&f);
  return (uint64_t)f.QuadPart * NPSHM_WAIT_SPIN_NS / 1000000000u;
#else
  return NPSHM_WAIT_SPIN_NS;
#endif
}

int32_t npshm_wait_spin(uint64_t addr, uint32_t expected, int64_t timeout_ns) {
  if (__atomic_load_n(lock_word(addr), __ATOMIC_SEQ_CST) != expected) return NPSHM_NOT_EQUAL;
  if (timeout_ns >= 0 && timeout_ns < NPSHM_WAIT_SPIN_NS) return -1;
  uint64_t start = clock_ticks(), spin = spin_ticks();
  for (unsigned i = 1;; i++) {
    cpu_relax();
    if (__atomic_load_n(lock_word(addr), __ATOMIC_ACQUIRE) != expected) return NPSHM_OK;
    if (i % 64 == 0 && clock_ticks() - start >= spin) return -1;
  }
}

/* Spins up to NPSHM_LOCK_SPIN reads while the word stays `seen`; returns what it last read. */
static uint32_t spin_while(uint64_t word_addr, uint32_t seen) {
  uint32_t v = seen;
  for (int i = 0; i < NPSHM_LOCK_SPIN && v == seen; i++) {
    cpu_relax();
    v = __atomic_load_n(lock_word(word_addr), __ATOMIC_RELAXED);
  }
  return v;
}

/* The word is ours now: record our pid. */
static int32_t taken(uint64_t word_addr, int32_t status) {
  __atomic_store_n(pid_word(word_addr), self_pid(), __ATOMIC_RELAXED);
  return status;
}

uint32_t npshm_lock_holder(uint64_t word_addr) {
  return __atomic_load_n(lock_word(word_addr), __ATOMIC_SEQ_CST) & NPSHM_LOCK_ID_MASK;
}

int32_t npshm_lock_take(uint64_t word_addr, uint32_t id, int may_wait, uint64_t cancel,
                        const struct npshm_lock_os *os, int64_t *out) {
  uint32_t *word = lock_word(word_addr);
  uint32_t waiters = 0; /* after sleeping, we take it with the bit: others may sleep too */
  uint32_t slept_on = 0; /* the word during our last sleep (never 0: a free word is taken) */
  int spun = 0;
  for (;;) {
    uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    uint32_t holder = v & NPSHM_LOCK_ID_MASK;
    if (holder == 0) {
      if (__atomic_compare_exchange_n(word, &v, id | waiters, 0, __ATOMIC_SEQ_CST,
                                      __ATOMIC_SEQ_CST)) {
        return taken(word_addr, NPSHM_OK);
      }
      continue;
    }
    if (holder == id) { /* ours already: not re-entrant */
      if (out) out[3] = NPSHM_E_DEADLOCK;
      return NPSHM_INVALID;
    }
    if (!spun && may_wait) { /* most holders let go within a few hundred cycles */
      spun = 1;
      if (spin_while(word_addr, v) != v) continue;
    }
    npshm_oserr err = 0;
    int expired = !may_wait || os->expired(os->ctx);
    /* The holder's token is looked at (a system call) only when it matters: before giving up,
     * and once the word outlasted a sleep. A new holder is trusted for one short sleep. */
    int checked = expired || v == slept_on;
    if (checked) {
      int alive = os->alive(os->ctx, holder, &err);
      if (alive < 0) return npshm_fail(out, err);
      if (!alive) {
        uint32_t dead_pid = __atomic_load_n(pid_word(word_addr), __ATOMIC_SEQ_CST);
        if (__atomic_compare_exchange_n(word, &v, id | (v & NPSHM_LOCK_WAITERS), 0,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
          if (out) out[0] = dead_pid;
          return taken(word_addr, NPSHM_OWNER_DIED);
        }
        continue;
      }
    }
    if (expired) return NPSHM_TIMED_OUT;
    if (!(v & NPSHM_LOCK_WAITERS)) {
      uint32_t marked = v | NPSHM_LOCK_WAITERS;
      if (!__atomic_compare_exchange_n(word, &v, marked, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST)) {
        continue;
      }
      v = marked;
    }
    uint32_t ms = checked ? NPSHM_LOCK_CHECK_MS : NPSHM_LOCK_TRUST_MS;
    int slept = os->sleep(os->ctx, word_addr, v, ms, cancel, &err);
    if (slept > 0) return NPSHM_CANCELLED;
    if (slept < 0) return npshm_fail(out, err);
    slept_on = v;
    waiters = NPSHM_LOCK_WAITERS;
  }
}

int32_t npshm_lock_give(uint64_t word_addr, uint32_t id, const struct npshm_lock_os *os,
                        int64_t *out) {
  uint32_t *word = lock_word(word_addr);
  if (npshm_lock_holder(word_addr) != id) return npshm_fail(out, NPSHM_E_NOT_HOLDER);
  __atomic_store_n(pid_word(word_addr), 0u, __ATOMIC_SEQ_CST);
  /* Only the holder changes the id; others may only add the waiters bit meanwhile. */
  uint32_t v = __atomic_exchange_n(word, 0u, __ATOMIC_SEQ_CST);
  npshm_oserr err = 0;
  if ((v & NPSHM_LOCK_WAITERS) && os->wake_one(os->ctx, word_addr, &err) < 0) {
    return npshm_fail(out, err);
  }
  return NPSHM_OK;
}
