/*
 * lab_message_passing.c - chapter 4, message passing and distributed memory: what a message
 * costs (ping-pong over shared memory and TCP, the Hockney model), reductions and halos over
 * ranks, static against dynamic mapping, and communication as serial fraction
 * (docs/labs/message-passing.md).  Every step runs under mpirun; more ranks than cores is fine
 * for the shapes that are about messages and balance, and the check says where it is not.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "labs.h"

enum { PP_SHM, PP_TCP, DOT, HALO_SMALL, HALO_LARGE, MANDEL, SCALE, COLL };

static const hx_lab_step steps[] = {
    [PP_SHM] = {.name = "pingpong-shm",
                .args = "mpi pingpong --max=1M --iters=200",
                .full_args = "mpi pingpong --plot={DIR}/pingpong-shm.svg",
                .mpi = true,
                .mpirun_args = "--mca btl self,vader"},
    [PP_TCP] = {.name = "pingpong-tcp",
                .args = "mpi pingpong --max=64K --iters=100",
                .full_args = "mpi pingpong --max=4M --plot={DIR}/pingpong-tcp.svg",
                .mpi = true,
                .mpirun_args = "--mca btl self,tcp"},
    [DOT] = {.name = "dot",
             .args = "run --backend=mpi,serial --size=1M --reps=5 dot",
             .full_args = "run --backend=mpi,serial --size=16M dot reduce",
             .mpi = true,
             .ranks = 4},
    [HALO_SMALL] = {.name = "stencil-small",
                    .args = "run --backend=mpi,serial --size=128 --sweeps=20 --reps=5 stencil2d",
                    .full_args = "run --backend=mpi,serial --size=256 --sweeps=20 stencil2d",
                    .mpi = true},
    [HALO_LARGE] = {.name = "stencil-large",
                    .args = "run --backend=mpi,serial --size=1024 --sweeps=20 --reps=5 stencil2d",
                    .full_args = "run --backend=mpi,serial --size=4096 --sweeps=20 stencil2d",
                    .mpi = true},
    [MANDEL] = {.name = "mandelbrot",
                .args = "run --backend=mpi,serial --size=512 --reps=3 mandelbrot",
                .full_args = "run --backend=mpi,serial --size=1024 mandelbrot",
                .mpi = true,
                .ranks = 3},
    [SCALE] = {.name = "scale",
               .args = "scale stencil2d --ranks=1,2,4 --size=512 --reps=3",
               .full_args = "scale stencil2d --ranks=1,2,4 --size=2048 --plot={DIR}/ranks.svg",
               .mpi = true,
               .ranks = 4},
    [COLL] = {.name = "collectives",
              .args = "mpi collectives --sizes=4..4K*16 --iters=20",
              .full_args = "mpi collectives --plot={DIR}/collectives.svg",
              .mpi = true,
              .ranks = 4},
};

/* The point of `array` whose numeric `key` is value (bytes, p), or NULL. */
static const json_t *point(const json_t *doc, const char *array, const char *key, double value,
                           const char *key2, const char *value2) {
    const json_t *pts = doc ? json_object_get(doc, array) : NULL;
    size_t i;
    const json_t *pt;
    json_array_foreach(pts, i, pt) {
        if (hx_lab_number(pt, key) == value &&
            (!key2 || strcmp(hx_lab_string(pt, key2), value2) == 0))
            return pt;
    }
    return NULL;
}

/* A shape its step could not give (no MPI here): "cannot show", with the step's reason. */
static bool missing(const hx_lab_reports *r, int step, const char *shape, hx_lab_findings *out) {
    if (r->docs[step])
        return false;
    hx_lab_find(out, shape, HX_LAB_CANNOT_SHOW, "cannot show here: %s",
                r->why[step][0] ? r->why[step] : "the step did not run");
    return true;
}

static hx_lab_verdict when(bool shown) {
    return shown ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN;
}

static void check_messages(const hx_lab_reports *r, hx_lab_findings *out) {
    const char *alpha = "shared memory: a short message costs about a microsecond";
    if (!missing(r, PP_SHM, alpha, out)) {
        const json_t *doc = r->docs[PP_SHM];
        double lat = hx_lab_number(point(doc, "points", "bytes", 8, NULL, NULL), "latency_us");
        hx_lab_find(out, alpha, when(lat < 5.0),
                    "8 B: %.3f us over %s; Hockney alpha %.3f us, beta %.2f GB/s, R^2 %.3f%s", lat,
                    hx_lab_string(doc, "fit.transport"), hx_lab_number(doc, "fit.alpha_us"),
                    hx_lab_number(doc, "fit.beta_gbps"), hx_lab_number(doc, "fit.r2"),
                    lat < 5.0 ? "" : ": other work on the cores delays the ranks (check the load)");
    }
    const char *bw = "bandwidth grows with the message and levels off near beta";
    if (!missing(r, PP_SHM, bw, out)) {
        const json_t *pts = json_object_get(r->docs[PP_SHM], "points");
        const json_t *big = json_array_get(pts, json_array_size(pts) - 1);
        double small =
                   hx_lab_number(point(r->docs[PP_SHM], "points", "bytes", 64, NULL, NULL), "gbps"),
               large = hx_lab_number(big, "gbps");
        double half = hx_lab_number(r->docs[PP_SHM], "fit.alpha_us") *
                      hx_lab_number(r->docs[PP_SHM], "fit.beta_gbps") * 1e3;
        hx_lab_find(out, bw, when(large > 10 * small),
                    "64 B: %.3f GB/s, %.0f B: %.3f GB/s; n_1/2 = alpha x beta = %.0f bytes", small,
                    hx_lab_number(big, "bytes"), large, half);
    }
    const char *tcp = "TCP: the same message costs several times more than over shared memory";
    if (!missing(r, PP_SHM, tcp, out) && !missing(r, PP_TCP, tcp, out)) {
        double shm = hx_lab_number(point(r->docs[PP_SHM], "points", "bytes", 8, NULL, NULL),
                                   "latency_us"),
               net = hx_lab_number(point(r->docs[PP_TCP], "points", "bytes", 8, NULL, NULL),
                                   "latency_us");
        hx_lab_find(out, tcp, when(net > 3 * shm),
                    "8 B: tcp %.2f us, shared memory %.3f us (%.1fx; transports %s and %s)", net,
                    shm, net / shm, hx_lab_string(r->docs[PP_TCP], "fit.transport"),
                    hx_lab_string(r->docs[PP_SHM], "fit.transport"));
    }
}

static void check_reductions(const hx_lab_reports *r, hx_lab_findings *out) {
    const char *agree = "dot: MPI_Allreduce and the Send/Recv tree both give a verified sum";
    if (missing(r, DOT, agree, out))
        return;
    const json_t *lib =
        hx_lab_row(r->docs[DOT], "results", "variant", "allreduce", "workload", "dot");
    const json_t *tree = hx_lab_row(r->docs[DOT], "results", "variant", "tree", "workload", "dot");
    bool ok = json_is_true(json_object_get(lib, "verified")) &&
              json_is_true(json_object_get(tree, "verified"));
    double t_lib = hx_lab_number(lib, "e2e_time_s.median"),
           t_tree = hx_lab_number(tree, "e2e_time_s.median");
    int p = (int)hx_lab_number(lib, "ranks"), steps_up = 0;
    while ((1 << steps_up) < p)
        steps_up++;
    hx_lab_find(out, agree, when(ok),
                "on %d ranks, within %.2g of serial's (tolerance %.2g); the tree: %d steps up and "
                "%d down",
                p, fmax(hx_lab_number(lib, "max_rel_err"), hx_lab_number(tree, "max_rel_err")),
                hx_lab_number(lib, "tolerance"), steps_up, steps_up);
    hx_lab_find(out, "the library's Allreduce is no slower than the hand-written tree",
                when(t_lib <= 1.1 * t_tree),
                "with communication: allreduce %.3f ms, tree %.3f ms%s", t_lib * 1e3, t_tree * 1e3,
                t_lib <= 1.1 * t_tree ? ""
                                      : ": one float is latency-bound either way; noise decides");
}

static void check_halos(const hx_lab_reports *r, hx_lab_findings *out) {
    const char *surface = "stencil2d: the halo's share of the time falls as the grid grows";
    if (!missing(r, HALO_SMALL, surface, out) && !missing(r, HALO_LARGE, surface, out)) {
        const json_t *s = hx_lab_row(r->docs[HALO_SMALL], "results", "variant", "sendrecv", NULL,
                                     NULL),
                     *l = hx_lab_row(r->docs[HALO_LARGE], "results", "variant", "sendrecv", NULL,
                                     NULL);
        double cs = hx_lab_number(s, "comm_fraction"), cl = hx_lab_number(l, "comm_fraction");
        hx_lab_find(out, surface, when(cl < cs),
                    "comm_fraction %.2f at n = %.0f, %.2f at n = %.0f (a block sends 2(r+c) floats "
                    "a sweep for 4rc flops)%s",
                    cs, hx_lab_number(s, "size"), cl, hx_lab_number(l, "size"),
                    cl < cs ? ""
                            : ": on a loaded machine waiting for a descheduled rank "
                              "dominates both");
    }
    const char *overlap = "stencil2d: overlapping the halo with the interior is no slower";
    if (!missing(r, HALO_LARGE, overlap, out)) {
        const json_t *b = hx_lab_row(r->docs[HALO_LARGE], "results", "variant", "sendrecv", NULL,
                                     NULL),
                     *o = hx_lab_row(r->docs[HALO_LARGE], "results", "variant", "overlap", NULL,
                                     NULL);
        double ratio =
            hx_lab_number(o, "e2e_time_s.median") / hx_lab_number(b, "e2e_time_s.median");
        hx_lab_find(out, overlap, when(ratio <= 1.05),
                    "overlap / blocking = %.3f with communication (target <= 1.05)%s", ratio,
                    ratio <= 1.05 ? ""
                                  : ": Open MPI moves large messages only inside MPI calls, "
                                    "and other work on the cores adds noise");
    }
}

static void check_mapping(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    const char *balance = "mandelbrot: static blocks leave ranks idle; cyclic and dynamic do not";
    if (!missing(r, MANDEL, balance, out)) {
        double ib[3];
        static const char *const names[] = {"block", "cyclic", "dynamic"};
        for (int k = 0; k < 3; k++)
            ib[k] = hx_lab_number(
                hx_lab_row(r->docs[MANDEL], "results", "variant", names[k], NULL, NULL),
                "imbalance");
        bool shown = ib[0] > 1.3 && ib[0] > ib[1] && ib[0] > ib[2];
        hx_lab_find(out, balance, when(shown),
                    "imbalance (slowest rank / mean) on 3 ranks: block %.2f, cyclic %.2f, dynamic "
                    "%.2f%s",
                    ib[0], ib[1], ib[2],
                    shown          ? ""
                    : m->cores < 3 ? ": 3 ranks on fewer cores take turns, which "
                                     "blurs who computed how long"
                                   : "");
    }
    const char *serial = "over ranks, communication shows as serial fraction (Karp-Flatt > 0)";
    if (!missing(r, SCALE, serial, out)) {
        const json_t *two = point(r->docs[SCALE], "points", "p", 2, NULL, NULL);
        double e = hx_lab_number(two, "karp_flatt");
        if (m->cores < 2)
            hx_lab_find(out, serial, HX_LAB_CANNOT_SHOW,
                        "cannot show here: needs 2 cores (this machine has %d)", m->cores);
        else if (isnan(e)) /* the analysis gives no e where S > p: no serial fraction fits */
            hx_lab_find(out, serial, HX_LAB_NOT_SHOWN,
                        "stencil2d on 2 ranks: S = %.2f, no e(2): %s (each rank's half of the "
                        "grid fits a faster cache, which hides the communication)",
                        hx_lab_number(two, "speedup"),
                        hx_lab_string(two, "karp_flatt_no_fit")[0]
                            ? hx_lab_string(two, "karp_flatt_no_fit")
                            : "superlinear");
        else
            hx_lab_find(out, serial, when(e > 0.0),
                        "stencil2d on 2 ranks: S = %.2f, e(2) = %.3f (from the time with "
                        "communication)",
                        hx_lab_number(two, "speedup"), e);
    }
    const char *coll = "Allreduce of a short message takes longer on more ranks";
    if (!missing(r, COLL, coll, out)) {
        double t2 = hx_lab_number(
            point(r->docs[COLL], "points", "ranks", 2, "operation", "allreduce"), "latency_us");
        const json_t *pts = json_object_get(r->docs[COLL], "points");
        double tp = NAN, p = 0;
        size_t i;
        const json_t *pt;
        json_array_foreach(pts, i, pt) { /* the first allreduce point of the most ranks */
            if (strcmp(hx_lab_string(pt, "operation"), "allreduce") == 0 &&
                hx_lab_number(pt, "ranks") > p) {
                p = hx_lab_number(pt, "ranks");
                tp = hx_lab_number(pt, "latency_us");
            }
        }
        hx_lab_find(out, coll, p > 2 ? when(tp > t2) : HX_LAB_CANNOT_SHOW,
                    "4 B: %.2f us on 2 ranks, %.2f us on %.0f (log2 p rounds of messages)", t2, tp,
                    p);
    }
}

static void check(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    check_messages(r, out);
    check_reductions(r, out);
    check_halos(r, out);
    check_mapping(r, m, out);
}

const hx_lab hx_lab_message_passing = {
    .name = "message-passing",
    .chapter = "message passing and distributed memory",
    .needs = "mpi",
    .handout = "docs/labs/message-passing.md",
    .steps = steps,
    .nsteps = sizeof steps / sizeof steps[0],
    .check = check,
};
