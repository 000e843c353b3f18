/*
 * The timing rule of bench/measure.ts, for the C harnesses (attach.c, lock.c): calibrate by
 * doubling until one batch takes CALIBRATE_NS (the warm-up too), then batches of about runMs.
 */
#ifndef NPSHM_BENCH_MEASURE_H
#define NPSHM_BENCH_MEASURE_H

#include <time.h>

#define CALIBRATE_NS 25e6
#define MIN_ITERATIONS 100
#define MAX_RUNS 64

static inline double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Operations per batch of about run_ms: `batch(ctx, n)` runs n of them and returns its ns. */
static inline long calibrate(double (*batch)(void *ctx, long n), void *ctx, double run_ms) {
  long n = 1;
  double ns = batch(ctx, n);
  while (ns < CALIBRATE_NS) {
    n *= 2;
    ns = batch(ctx, n);
  }
  long iterations = (long)((double)n * run_ms * 1e6 / ns + 0.5);
  return iterations < MIN_ITERATIONS ? MIN_ITERATIONS : iterations;
}

#endif
