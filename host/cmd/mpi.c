/*
 * mpi.c - `hetero mpi pingpong|collectives`: the cost of a message, measured and modelled, and
 * the cost of the collectives (the library is host/mpi/, bench.h).
 *
 * Both run under mpirun (every rank runs the command; rank 0 writes the report and the plot).
 * Options are checked before MPI starts, so a usage error is one line from rank 0.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hetero/core/plot.h"

#ifdef HETERO_HAVE_MPI
#include "common.h"
#include "hetero/mpi/bench.h"
#include "hetero/mpi/mpi.h"

typedef enum { MPI_PINGPONG, MPI_COLLECTIVES } mpi_what;

typedef struct mpi_config {
    mpi_what what;
    hx_pingpong_opts pp;
    hx_collectives_opts coll;
    hx_report_opts report; /* --format, --output, --plot */
} mpi_config;

static const hx_opt mpi_opts[] = {
    {"min", 0, "BYTES", "pingpong: smallest message, a power of two (default 1)"},
    {"max", 0, "BYTES", "pingpong: largest message, a power of two (default 16M)"},
    {"sizes", 0, "A..B[*F]", "collectives: message sizes (default 4..1M*4)"},
    {"ops", 0, "LIST", "collectives: allreduce, bcast, alltoall (default: all)"},
    {"batches", 0, "N", "timed batches per size (pingpong 5: the best; collectives 3: median)"},
    {"iters", 0, "N", "round trips (pingpong, default 1000) or calls (collectives, 100) a batch"},
    {"plot", 'p', "FILE", "draw the figure with gnuplot into FILE.svg or FILE.png"},
    HX_CLI_REPORT_OPTS,
    HX_CLI_HELP_AND_END,
};

static void mpi_help(FILE *out) {
    hx_args_help(
        out, "mpirun -np N hetero mpi pingpong|collectives [OPTIONS]",
        "pingpong: ranks 0 and 1 send a message back and forth at every power of two from\n"
        "--min to --max; latency = half a round trip, best of --batches (median beside it);\n"
        "the Hockney model t(n) = alpha + n/beta fitted to them, with R^2, and the transport\n"
        "that carried them (shared memory or TCP: mpirun --mca btl self,vader or self,tcp).\n"
        "collectives: MPI_Allreduce, MPI_Bcast and MPI_Alltoall on 2, 4, ... ranks and every\n"
        "size: time per call averaged over the ranks, with the fastest and slowest rank.\n"
        "docs/mpi.md has the method; the JSON schemas are hetero.mpi.pingpong/1 and\n"
        "hetero.mpi.collectives/1 (docs/json.md).\n\n"
        "Exit status: 0 ok, 1 runtime failure, 2 usage error (including too few ranks),\n"
        "3 gnuplot missing for --plot.",
        mpi_opts);
}

static int apply_option(void *ctx, const hx_arg *a) {
    mpi_config *c = ctx;
    const char *name = a->opt->name, *v = a->value;
    bool handled;
    HX_TRY(hx_report_opts_apply(&c->report, name, v, &handled));
    if (handled)
        return HX_OK;
    uint64_t bytes;
    if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0) {
        HX_TRY(hx_parse_size(name[1] == 'i' ? "--min" : "--max", v, 1, (uint64_t)1 << 30, &bytes));
        *(name[1] == 'i' ? &c->pp.min_bytes : &c->pp.max_bytes) = (size_t)bytes;
        return HX_OK;
    }
    if (strcmp(name, "sizes") == 0) {
        uint64_t sizes[32];
        size_t n;
        HX_TRY(hx_parse_size_range("--sizes", v, 4, (uint64_t)64 << 20, sizes, 32, &n));
        for (size_t i = 0; i < n; i++)
            c->coll.sizes[i] = (size_t)sizes[i];
        c->coll.nsizes = n;
        return HX_OK;
    }
    if (strcmp(name, "ops") == 0)
        return hx_collectives_parse_ops(v, c->coll.ops);
    if (strcmp(name, "batches") == 0) {
        HX_TRY(hx_parse_int("--batches", v, 1, 64, &c->pp.batches));
        c->coll.batches = c->pp.batches;
        return HX_OK;
    }
    if (strcmp(name, "iters") == 0) {
        HX_TRY(hx_parse_int("--iters", v, 1, 1000000, &c->pp.iters));
        c->coll.iters = c->pp.iters;
        return HX_OK;
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

static void defaults(mpi_config *c) {
    memset(c, 0, sizeof *c);
    c->pp = (hx_pingpong_opts){.min_bytes = 1, .max_bytes = 16u << 20, .batches = 5, .iters = 1000};
    c->coll.batches = 3;
    c->coll.iters = 100;
    for (int op = 0; op < HX_COLL_COUNT; op++)
        c->coll.ops[op] = true;
    for (size_t s = 4; s <= (1u << 20); s *= 4)
        c->coll.sizes[c->coll.nsizes++] = s;
}

static int parse_args(mpi_config *c, int argc, char **argv, bool *help) {
    defaults(c);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        *help = true;
        return HX_OK;
    }
    static const char *const whats[] = {"pingpong", "collectives", NULL};
    if (argc < 2 || argv[1][0] == '-')
        return hx_fail(HX_ERR_USAGE, "'hetero mpi' needs what to measure: pingpong or "
                                     "collectives (see 'hetero mpi --help')");
    int what;
    HX_TRY(hx_parse_choice("measurement", argv[1], whats, &what));
    c->what = (mpi_what)what;
    hx_argparse ap;
    hx_args_init(&ap, argc - 1, argv + 1, mpi_opts,
                 what == MPI_PINGPONG ? "mpi pingpong" : "mpi collectives");
    HX_TRY(hx_args_parse_options(&ap, apply_option, c, help));
    if (*help)
        return HX_OK;
    return c->what == MPI_PINGPONG ? hx_pingpong_check(&c->pp) : hx_collectives_check(&c->coll);
}

/* Rank 0: the report, then the figure. */
static int report(const mpi_config *c, const hx_pingpong_result *pp,
                  const hx_collectives_result *coll) {
    hx_output out;
    HX_TRY(hx_output_open(&out, c->report.output));
    int status = c->what == MPI_PINGPONG ? hx_pingpong_write(out.fp, c->report.format, pp)
                                         : hx_collectives_write(out.fp, c->report.format, coll);
    status = status == HX_OK ? hx_output_commit(&out) : (hx_output_abort(&out), status);
    if (status == HX_OK && c->report.plot)
        status = c->what == MPI_PINGPONG ? hx_pingpong_plot(c->report.plot, pp)
                                         : hx_collectives_plot(c->report.plot, coll);
    return status;
}

static int measure(const mpi_config *c) {
    static hx_pingpong_result pp; /* large: off the stack */
    static hx_collectives_result coll;
    int status = c->what == MPI_PINGPONG ? hx_mpi_pingpong(&c->pp, &pp)
                                         : hx_mpi_collectives(&c->coll, &coll);
    if (status == HX_OK && hx_mpi_is_root())
        status = report(c, &pp, &coll);
    return status;
}

int hx_cmd_mpi(int argc, char **argv) {
    mpi_config c;
    bool help = false;
    int status = parse_args(&c, argc, argv, &help);
    if (status == HX_OK && help) {
        mpi_help(stdout);
        return HX_OK;
    }
    if (status == HX_OK && c.report.plot) /* before the measuring, not after */
        status = hx_plot_require();
    if (status == HX_OK && !hx_mpi_launched(NULL))
        status = hx_fail(HX_ERR_USAGE,
                         "'hetero mpi %s' measures messages between ranks, and no launcher started "
                         "this one: run it as 'mpirun -np %d hetero mpi %s'",
                         c.what == MPI_PINGPONG ? "pingpong" : "collectives",
                         c.what == MPI_PINGPONG ? 2 : 4,
                         c.what == MPI_PINGPONG ? "pingpong" : "collectives");
    if (status == HX_OK)
        status = hx_mpi_start(true, false); /* no threads: MPI_THREAD_SINGLE */
    if (status == HX_OK)
        status = measure(&c);
    return hx_mpi_stop(hx_report_error(status));
}

#else

int hx_cmd_mpi(int argc, char **argv) {
    (void)argc, (void)argv;
    return hx_report_error(hx_fail(HX_ERR_MISSING, "'hetero mpi' is not in this build of hetero "
                                                   "(install libopenmpi-dev and rebuild)"));
}

#endif
