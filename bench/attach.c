/*
 * The physical limit of the attach benchmark: the system calls npshm's attach + data[0] +
 * close make, in C, and nothing else. Per operation: shm_open(O_RDWR), fstat (npshm also
 * checks st_blocks there, to allocate sparse segments), mmap(MAP_SHARED) of the whole
 * segment, copy the NPY prefix and then the whole header out (as npshm reads it before it
 * decodes), read element 0 (a float64 right after the header), munmap, close.
 *
 *   cc -O2 -o attach bench/attach.c && ./attach <runMs> <runs> <name>...
 *
 * Prints one JSON object, as bench/attach.ts does:
 *   {"results": {"<name>": {"iterations": N, "nsPerOp": [...]}}}
 * Timing follows bench/measure.ts: double until a batch takes 25 ms, then `runs` batches of
 * about runMs each.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"
#include "npy_prefix.h"

#define HEADER_MAX 4096 /* far more than a 1-d float64 header needs */
#define EXPECTED 1.5   /* what bench/run.ts writes to element 0 */

/* Not static: the compiler must assume the libc calls after the copy read it, so it keeps it. */
uint8_t header_copy[HEADER_MAX];

static void die(const char *what, const char *name) {
  fprintf(stderr, "attach.c: %s: %s\n", what, name);
  exit(1);
}

static double attach_once(const char *path) {
  int fd = shm_open(path, O_RDWR, 0);
  if (fd < 0) die("shm_open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) die("fstat", path);
  if ((uint64_t)st.st_blocks * 512u < (uint64_t)st.st_size) die("sparse segment", path);
  size_t size = (size_t)st.st_size;
  uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) die("mmap", path);
  memcpy(header_copy, p, PREFIX);
  size_t len = header_length(header_copy);
  if (len > HEADER_MAX || len + sizeof(double) > size) die("bad header", path);
  memcpy(header_copy, p, len);
  double first;
  memcpy(&first, p + len, sizeof first);
  munmap(p, size);
  close(fd);
  return first;
}

static volatile double sink;

static double batch(void *path, long n) {
  double start = now_ns();
  double acc = 0;
  for (long i = 0; i < n; i++) acc += attach_once(path);
  double ns = now_ns() - start;
  sink += acc;
  return ns;
}

static void measure(const char *name, double run_ms, int runs, int first) {
  char path[300];
  snprintf(path, sizeof path, "/%s", name);
  if (attach_once(path) != EXPECTED) die("element 0 is not 1.5", name);
  long iterations = calibrate(batch, path, run_ms);
  printf("%s\"%s\": {\"iterations\": %ld, \"nsPerOp\": [", first ? "" : ", ", name, iterations);
  for (int r = 0; r < runs; r++) {
    printf("%s%.1f", r ? ", " : "", batch(path, iterations) / (double)iterations);
  }
  printf("]}");
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s <runMs> <runs> <name>...\n", argv[0]);
    return 2;
  }
  double run_ms = atof(argv[1]);
  int runs = atoi(argv[2]);
  if (runs < 1 || runs > MAX_RUNS || run_ms <= 0) die("bad runMs or runs", argv[1]);
  printf("{\"results\": {");
  for (int i = 3; i < argc; i++) measure(argv[i], run_ms, runs, i == 3);
  printf("}}\n");
  return 0;
}
