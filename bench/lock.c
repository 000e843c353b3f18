/*
 * The C references of the lock and wait benchmark (bench/lock.ts is npshm's side; bench/run.ts
 * runs both and prints the ratios):
 *
 *   uncontended  lock + increment + unlock of a robust, process-shared pthread mutex (what a
 *                C program would use across processes), timed as bench/measure.ts times;
 *   contended    2 processes, each `n` locked increments of one shared counter, started
 *                together: the slower one's time over the 2n increments;
 *   pingpong     2 processes hand a shared word back and forth with futex wait / wake: the
 *                time of one round trip (2 wake-ups), as npshm's wait / notify do it.
 *
 *   cc -O2 -pthread -o lock bench/lock.c && ./lock <runMs> <runs> <n> <trips>
 *
 * Prints one JSON object, as bench/lock.ts does:
 *   {"uncontended": {"iterations": N, "nsPerOp": [...]}, "contended": {"nsPerOp": [...]},
 *    "pingpong": {"nsPerOp": [...]}}
 * with one entry per run (`runs` of each).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"

/* What the processes share: the mutex, the counter, the start flag, the ping-pong word. */
struct shared {
  pthread_mutex_t mutex;
  volatile long counter;
  uint32_t ready, go, word;
  double elapsed[2];
};

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void lock(pthread_mutex_t *m) {
  if (pthread_mutex_lock(m) == EOWNERDEAD) pthread_mutex_consistent(m);
}

static double batch(void *shared, long n) {
  struct shared *s = shared;
  double start = now_ns();
  for (long i = 0; i < n; i++) {
    lock(&s->mutex);
    s->counter = s->counter + 1;
    pthread_mutex_unlock(&s->mutex);
  }
  return now_ns() - start;
}

static void uncontended(struct shared *s, double run_ms, int runs) {
  long iterations = calibrate(batch, s, run_ms);
  printf("\"uncontended\": {\"iterations\": %ld, \"nsPerOp\": [", iterations);
  for (int r = 0; r < runs; r++) printf("%s%.2f", r ? ", " : "", batch(s, iterations) / iterations);
  printf("]}");
}

static void futex_wait(uint32_t *word, uint32_t value) {
  syscall(SYS_futex, word, FUTEX_WAIT, value, NULL, NULL, 0);
}

static void futex_wake(uint32_t *word) { syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0); }

/* Both children wait for the start flag, so neither has a head start. */
static void start_line(struct shared *s) {
  __atomic_add_fetch(&s->ready, 1, __ATOMIC_SEQ_CST);
  while (!__atomic_load_n(&s->go, __ATOMIC_SEQ_CST)) {
  }
}

static void contend(struct shared *s, int who, long n) {
  start_line(s);
  s->elapsed[who] = batch(s, n);
}

/* Player 0 sends 2i + 1 and sleeps until the answer 2i + 2 is there; player 1 answers. */
static void play(struct shared *s, int who, long trips) {
  start_line(s);
  double start = now_ns();
  for (uint32_t i = 0; i < (uint32_t)trips; i++) {
    uint32_t ping = 2 * i + 1, cur;
    if (who == 0) {
      __atomic_store_n(&s->word, ping, __ATOMIC_SEQ_CST);
      futex_wake(&s->word);
      while (__atomic_load_n(&s->word, __ATOMIC_SEQ_CST) == ping) futex_wait(&s->word, ping);
    } else {
      while ((cur = __atomic_load_n(&s->word, __ATOMIC_SEQ_CST)) != ping) futex_wait(&s->word, cur);
      __atomic_store_n(&s->word, ping + 1, __ATOMIC_SEQ_CST);
      futex_wake(&s->word);
    }
  }
  s->elapsed[who] = now_ns() - start;
}

/* Runs `job` in 2 children started together; returns the slower one's ns. */
static double pair(struct shared *s, void (*job)(struct shared *, int, long), long n) {
  s->ready = s->go = s->word = 0;
  pid_t kids[2];
  for (int who = 0; who < 2; who++) {
    kids[who] = fork();
    if (kids[who] < 0) die("fork");
    if (kids[who] == 0) {
      job(s, who, n);
      _exit(0);
    }
  }
  while (__atomic_load_n(&s->ready, __ATOMIC_SEQ_CST) < 2) usleep(100);
  __atomic_store_n(&s->go, 1, __ATOMIC_SEQ_CST);
  for (int who = 0; who < 2; who++) {
    int st;
    if (waitpid(kids[who], &st, 0) != kids[who] || !WIFEXITED(st) || WEXITSTATUS(st)) die("child");
  }
  return s->elapsed[0] > s->elapsed[1] ? s->elapsed[0] : s->elapsed[1];
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s <runMs> <runs> <n> <trips>\n", argv[0]);
    return 2;
  }
  double run_ms = atof(argv[1]);
  int runs = atoi(argv[2]);
  long n = atol(argv[3]), trips = atol(argv[4]);
  if (runs < 1 || runs > MAX_RUNS || run_ms <= 0 || n < 1 || trips < 1) die("bad arguments");
  struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) die("mmap");
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  if (pthread_mutex_init(&s->mutex, &a) != 0) die("pthread_mutex_init");
  printf("{");
  uncontended(s, run_ms, runs);
  printf(", \"contended\": {\"nsPerOp\": [");
  for (int r = 0; r < runs; r++) {
    long before = s->counter;
    double ns = pair(s, contend, n);
    if (s->counter != before + 2 * n) die("lost increments");
    printf("%s%.2f", r ? ", " : "", ns / (2.0 * n));
  }
  printf("]}, \"pingpong\": {\"nsPerOp\": [");
  for (int r = 0; r < runs; r++) {
    printf("%s%.1f", r ? ", " : "", pair(s, play, trips) / (double)trips);
  }
  printf("]}}\n");
  return 0;
}
