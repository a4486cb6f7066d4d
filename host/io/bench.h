/*
 * bench.h - one measured point of `hetero io bench` (see bench.c for how CPU is attributed).
 */
#ifndef HETERO_IO_BENCH_H
#define HETERO_IO_BENCH_H

#include "io/io.h"

typedef struct hx_io_bench_row {
    char model[32];
    unsigned conns;
    hx_io_load_result load;
    double server_cpu; /* seconds in the window; NaN when the server is not ours (--target) */
    int status;        /* HX_OK, or why the point failed */
    char error[300];
} hx_io_bench_row;

/* load->host NULL: start `model` in this process on 127.0.0.1 and drive it; else drive the
 * server at load->host:port (model is then only a label). */
int hx_io_bench_point(const char *model, const hx_io_load *load, hx_io_bench_row *row);

#endif
