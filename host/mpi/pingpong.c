/*
 * pingpong.c - ping-pong between ranks 0 and 1, the Hockney fit, and which transport carried the
 * messages (see bench.h).
 *
 * The loop is osu_latency's: rank 0 sends n bytes and waits for them to come back, rank 1 waits
 * and sends them back; blocking MPI_Send/MPI_Recv, the same buffers every time (so both stay in
 * cache and registered, as in OSU).  The two ranks meet at a barrier of their own before each
 * batch, so a batch starts with both ready; the ranks beyond the first two are not involved and
 * wait for the end of the job sleeping (runtime.c), so they take no core from the pair.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/fit.h"
#include "hetero/core/stats.h"
#include "hetero/mpi/bench.h"
#include "hetero/mpi/mpi.h"

#define LARGE_MESSAGE   8192         /* OSU's LARGE_MESSAGE_SIZE */
#define BATCH_BYTES_MAX (256u << 20) /* a large-message batch moves at most this much one way */

static bool power_of_two(size_t v) {
    return v && (v & (v - 1)) == 0;
}

int hx_pingpong_check(const hx_pingpong_opts *o) {
    if (!power_of_two(o->min_bytes) || !power_of_two(o->max_bytes) || o->min_bytes > o->max_bytes ||
        o->max_bytes > ((size_t)1 << 30))
        return hx_fail(HX_ERR_USAGE,
                       "--min %zu and --max %zu must be powers of two with 1 <= min <= max <= 1G",
                       o->min_bytes, o->max_bytes);
    if (o->batches < 5)
        return hx_fail(HX_ERR_USAGE, "--batches %d: at least 5 (the best of them is reported)",
                       o->batches);
    if (o->iters < 10)
        return hx_fail(HX_ERR_USAGE, "--iters %d: at least 10 round trips a batch", o->iters);
    return HX_OK;
}

int hx_pingpong_iters(const hx_pingpong_opts *o, size_t bytes) {
    if (bytes < LARGE_MESSAGE)
        return o->iters;
    size_t iters = (size_t)o->iters / 10, cap = BATCH_BYTES_MAX / bytes;
    if (iters > cap)
        iters = cap;
    return iters < 10 ? 10 : (int)iters;
}

hx_hockney hx_hockney_fit(const hx_pingpong_point *pts, size_t n) {
    double x[HX_PINGPONG_MAX], y[HX_PINGPONG_MAX], w[HX_PINGPONG_MAX];
    size_t k = 0;
    for (size_t i = 0; i < n && k < HX_PINGPONG_MAX; i++) {
        if (!(pts[i].latency_us > 0.0))
            continue;
        x[k] = (double)pts[i].bytes;
        y[k] = pts[i].latency_us;
        w[k] = 1.0 / (y[k] * y[k]); /* relative residuals: every size counts */
        k++;
    }
    hx_line_fit f = hx_fit_line(x, y, w, k);
    hx_hockney h = {.ok = f.ok && f.slope > 0.0, .points = k, .r2 = f.r2};
    h.alpha_us = f.intercept;
    h.beta_gbps = h.ok ? 1e-3 / f.slope : NAN; /* bytes per us -> GB/s: (1 / slope) * 1e-3 */
    return h;
}

/* ---- the transport -------------------------------------------------------------------------- */

/* The string value of control variable `name` (Open MPI's MCA parameters), "" when absent. */
static void read_cvar(const char *name, char *out, size_t len) {
    out[0] = '\0';
    int n = 0;
    if (MPI_T_cvar_get_num(&n) != MPI_SUCCESS)
        return;
    for (int i = 0; i < n; i++) {
        char cname[256], desc[8];
        int clen = sizeof cname, dlen = sizeof desc, verbosity, bind, scope;
        MPI_Datatype type;
        MPI_T_enum enumtype;
        if (MPI_T_cvar_get_info(i, cname, &clen, &verbosity, &type, &enumtype, desc, &dlen, &bind,
                                &scope) != MPI_SUCCESS ||
            strcmp(cname, name) != 0 || type != MPI_CHAR)
            continue;
        MPI_T_cvar_handle h;
        int count = 0;
        if (MPI_T_cvar_handle_alloc(i, NULL, &h, &count) != MPI_SUCCESS)
            return;
        char *buf = count > 0 ? calloc((size_t)count + 1, 1) : NULL;
        if (buf && MPI_T_cvar_read(h, buf) == MPI_SUCCESS)
            snprintf(out, len, "%s", buf);
        free(buf);
        MPI_T_cvar_handle_free(&h);
        return;
    }
}

/* Whether component `name` is allowed by an MCA list: "a,b" includes, "^a,b" excludes, "" is
 * everything. */
static bool allowed(const char *list, const char *name) {
    bool exclude = list[0] == '^';
    const char *p = exclude ? list + 1 : list;
    if (!*p)
        return true;
    size_t len = strlen(name);
    bool listed = false;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        listed |= n == len && strncmp(p, name, n) == 0;
        p += n + (comma ? 1 : 0);
    }
    return exclude ? !listed : listed;
}

static void set_transport(hx_transport *t, const char *name, const char *what) {
    snprintf(t->name, sizeof t->name, "%.31s", name);
    snprintf(t->what, sizeof t->what, "%s", what);
}

int hx_mpi_transport(MPI_Comm pair, hx_transport *t) {
    memset(t, 0, sizeof *t);
    MPI_Comm node;
    HX_MPI(MPI_Comm_split_type(pair, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
    int together = 0, size = 0;
    int status = MPI_Comm_size(node, &together);
    MPI_Comm_free(&node);
    HX_MPI(status);
    HX_MPI(MPI_Comm_size(pair, &size));
    t->same_node = together == size;
    int provided;
    if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) {
        set_transport(t, "unknown", "not reported by this MPI");
        snprintf(t->detail, sizeof t->detail, "MPI_T unavailable");
        return HX_OK;
    }
    char pml[128], btl[128];
    read_cvar("pml", pml, sizeof pml);
    read_cvar("btl", btl, sizeof btl);
    MPI_T_finalize();
    const char *where = t->same_node ? "ranks 0 and 1 share a node" : "ranks 0 and 1 on two nodes";
    snprintf(t->detail, sizeof t->detail, "pml '%.60s', btl '%.60s'; %s", pml, btl, where);
    if (!pml[0] && !btl[0])
        set_transport(t, "unknown", "not an Open MPI setting");
    else if (pml[0] && pml[0] != '^' && strstr(pml, "ucx"))
        set_transport(t, "ucx", "UCX chooses shared memory or the network");
    else if (t->same_node && allowed(btl, "vader"))
        set_transport(t, "vader", "shared memory");
    else if (allowed(btl, "tcp"))
        set_transport(t, "tcp", t->same_node ? "TCP over loopback" : "TCP over the network");
    else
        set_transport(t, btl[0] ? btl : "unknown", "as the btl list allows");
    return HX_OK;
}

/* ---- the measurement ------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One size: `batches` timed batches after a warm-up; on rank 0 the best and median half round
 * trips in us. */
static int measure_size(MPI_Comm pair, int me, char *buf, size_t bytes, int iters, int batches,
                        hx_pingpong_point *pt) {
    const int peer = 1 - me, count = (int)bytes;
    double samples[64];
    int warmup = iters / 10 > 0 ? iters / 10 : 1;
    for (int b = -1; b < batches; b++) {
        int n = b < 0 ? warmup : iters;
        HX_MPI(MPI_Barrier(pair));
        double t0 = MPI_Wtime();
        for (int i = 0; i < n; i++) {
            if (me == 0) {
                HX_MPI(MPI_Send(buf, count, MPI_CHAR, peer, 1, pair));
                HX_MPI(MPI_Recv(buf, count, MPI_CHAR, peer, 1, pair, MPI_STATUS_IGNORE));
            } else {
                HX_MPI(MPI_Recv(buf, count, MPI_CHAR, peer, 1, pair, MPI_STATUS_IGNORE));
                HX_MPI(MPI_Send(buf, count, MPI_CHAR, peer, 1, pair));
            }
        }
        if (b >= 0)
            samples[b] = (MPI_Wtime() - t0) / (2.0 * n) * 1e6;
    }
    qsort(samples, (size_t)batches, sizeof samples[0], cmp_double);
    pt->bytes = bytes;
    pt->iters = iters;
    pt->latency_us = samples[0];
    pt->median_us = hx_quantile(samples, (size_t)batches, 0.5);
    pt->gbps = (double)bytes / (pt->latency_us * 1e3);
    return HX_OK;
}

static int sweep(MPI_Comm pair, int me, char *buf, const hx_pingpong_opts *o,
                 hx_pingpong_result *r) {
    int status = HX_OK;
    int batches = o->batches < 64 ? o->batches : 64;
    for (size_t n = o->min_bytes; status == HX_OK && n <= o->max_bytes && r->n < HX_PINGPONG_MAX;
         n *= 2)
        status =
            measure_size(pair, me, buf, n, hx_pingpong_iters(o, n), batches, &r->points[r->n++]);
    return status;
}

int hx_mpi_pingpong(const hx_pingpong_opts *o, hx_pingpong_result *r) {
    memset(r, 0, sizeof *r);
    r->opts = *o;
    r->ranks = hx_mpi_size();
    if (r->ranks < 2)
        return hx_fail(HX_ERR_USAGE,
                       "hetero mpi pingpong needs 2 ranks and this job has %d: run "
                       "it as 'mpirun -np 2 hetero mpi pingpong'",
                       r->ranks);
    int me = hx_mpi_rank();
    MPI_Comm pair;
    HX_MPI(MPI_Comm_split(MPI_COMM_WORLD, me < 2 ? 0 : MPI_UNDEFINED, me, &pair));
    if (pair == MPI_COMM_NULL)
        return HX_OK; /* not one of the two: nothing to do but wait for the end */
    char *buf = NULL;
    int status = hx_mpi_transport(pair, &r->transport);
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&buf, o->max_bytes, "the ping-pong buffer");
    status = hx_mpi_agree(pair, status); /* both have a buffer before the first message */
    if (status == HX_OK) {
        memset(buf, 'h', o->max_bytes);
        status = sweep(pair, me, buf, o, r);
    }
    hx_free(buf);
    MPI_Comm_free(&pair);
    if (status == HX_OK)
        r->fit = hx_hockney_fit(r->points, r->n);
    return status;
}
