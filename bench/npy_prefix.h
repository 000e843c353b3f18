/*
 * The length of an NPY header from the first bytes of its stream, for the C harnesses
 * (attach.c, handoff.c): what src/format/header.ts's headerLength reads.
 */
#ifndef NPSHM_BENCH_NPY_PREFIX_H
#define NPSHM_BENCH_NPY_PREFIX_H

#include <stddef.h>
#include <stdint.h>

#define PREFIX 12 /* magic, version and the longest length field: MIN_PREFIX in header.ts */

/* Total header length from the prefix: v1.0 has a 2-byte length at 8, v2.0/v3.0 4 bytes. */
static inline size_t header_length(const uint8_t *p) {
  if (p[6] == 1) return 10 + (size_t)(p[8] | p[9] << 8);
  return 12 + (size_t)((uint32_t)p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 |
                       (uint32_t)p[11] << 24);
}

#endif
