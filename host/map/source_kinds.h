/*
 * source_kinds.h - the task sources of host/map (one file each) and what they share.
 */
#ifndef HETERO_MAP_SOURCE_KINDS_H
#define HETERO_MAP_SOURCE_KINDS_H

#include <stddef.h>
#include <stdint.h>

#include "hetero/map/source.h"

extern const hx_map_source_kind hx_map_kind_mandelbrot;
extern const hx_map_source_kind hx_map_kind_tiles;
extern const hx_map_source_kind hx_map_kind_synthetic;
extern const hx_map_source_kind hx_map_kind_tree;
extern const hx_map_source_kind hx_map_kind_spmv;

/* Compare n 32-bit words (uint32 or float bit patterns) of out with ref: fills c (ok, an
 * order-sensitive checksum of out - FNV-1a over the words, then mixed - and the first
 * difference). */
void hx_map_compare32(const void *out, const void *ref, size_t n, const char *what,
                      hx_map_check *c);

#endif
