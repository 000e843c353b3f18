/*
 * The hand-off of bench/handoff.ts's mailbox, in C: the floor of a hand-off by name on this
 * machine. A forked child sleeps on a futex in a shared mailbox; per hand-off the parent rings
 * it, and the child attaches the named segment (shm_open, fstat, mmap, close, a copy of its
 * header), reads its first and last data bytes, rings back, then unmaps and rings that it has
 * closed. As in handoff.ts the parent times from its ring to the answer, starts the next one
 * only once the child has closed, and lets SLEEP_MS pass first, so that every hand-off wakes a
 * child that sleeps in the kernel and none pays for the unmap of the one before.
 *
 *   handoff <name> <data bytes> <handoffs>
 *
 * Prints one JSON object: {"handoffNs": [...]}. The segment must be a uint8 array of <data
 * bytes> whose first and last bytes add up to 2 (handoff.ts fills it with 1s).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"
#include "npy_prefix.h"

#define SLEEP_MS 5 /* handoff.ts's ASLEEP_MS */
#define HEADER_MAX 4096
#define MAX_HANDOFFS 10000

/* The mailbox: requests rung (-1: stop), answers rung, the answer, closes rung. */
struct mailbox {
  int32_t asked, answered, answer, closed;
};

uint8_t header_copy[HEADER_MAX]; /* not static, as in attach.c: the copy must be made */

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void ring(int32_t *word, int32_t value) {
  __atomic_store_n(word, value, __ATOMIC_SEQ_CST);
  syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* Sleeps until *word holds something other than `seen`; returns it. */
static int32_t await_change(int32_t *word, int32_t seen) {
  int32_t now;
  while ((now = __atomic_load_n(word, __ATOMIC_SEQ_CST)) == seen) {
    syscall(SYS_futex, word, FUTEX_WAIT, seen, NULL, NULL, 0);
  }
  return now;
}

static void await_value(int32_t *word, int32_t value) {
  for (int32_t now; (now = __atomic_load_n(word, __ATOMIC_SEQ_CST)) != value;) {
    await_change(word, now);
  }
}

static void child(struct mailbox *box, const char *path, size_t data_bytes) {
  for (int32_t seen = 0;;) {
    seen = await_change(&box->asked, seen);
    if (seen < 0) return;
    int fd = shm_open(path, O_RDWR, 0);
    if (fd < 0) die("shm_open");
    struct stat st;
    if (fstat(fd, &st) != 0) die("fstat");
    size_t size = (size_t)st.st_size;
    uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die("mmap");
    close(fd);
    memcpy(header_copy, p, PREFIX);
    size_t len = header_length(header_copy);
    if (len > HEADER_MAX || len + data_bytes > size) die("header");
    memcpy(header_copy, p, len);
    box->answer = p[len] + p[len + data_bytes - 1];
    ring(&box->answered, seen);
    munmap(p, size);
    ring(&box->closed, seen);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <name> <data bytes> <handoffs>\n", argv[0]);
    return 2;
  }
  char path[300];
  snprintf(path, sizeof path, "/%s", argv[1]);
  size_t data_bytes = (size_t)strtoull(argv[2], NULL, 10);
  int handoffs = atoi(argv[3]);
  if (data_bytes == 0 || handoffs < 1 || handoffs > MAX_HANDOFFS) die("arguments");
  struct mailbox *box =
      mmap(NULL, sizeof *box, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (box == MAP_FAILED) die("mmap mailbox");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    child(box, path, data_bytes);
    _exit(0);
  }
  static double ns[MAX_HANDOFFS];
  const struct timespec pause = {0, SLEEP_MS * 1000000L};
  for (int i = 1; i <= handoffs; i++) {
    nanosleep(&pause, NULL);
    double start = now_ns();
    ring(&box->asked, i);
    await_value(&box->answered, i);
    ns[i - 1] = now_ns() - start;
    if (box->answer != 2) die("the child's answer is not 2");
    await_value(&box->closed, i);
  }
  ring(&box->asked, -1);
  waitpid(pid, NULL, 0);
  printf("{\"handoffNs\": [");
  for (int i = 0; i < handoffs; i++) printf("%s%.0f", i ? ", " : "", ns[i]);
  printf("]}\n");
  return 0;
}
