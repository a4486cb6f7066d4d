/*
 * test_mpi.c - hetero under mpirun: 1, 2, 3 and 4 ranks (oversubscribed on a small machine),
 * over shared memory and over TCP on localhost (the stand-in for a network), with the answers
 * checked (every mpi row verified against serial, the ranks it ran on, the ping-pong points and
 * fit), the bad inputs (a grid that does not fit, a size smaller than the ranks, no launcher) and
 * a rank killed in the middle of a run, which must end the job, not hang it.
 *
 * Every mpirun runs under timeout(1), so a deadlock fails the test instead of hanging the suite.
 * As CI runs as root in a container: OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM) and no CMA single-copy.
 * Without mpirun (a build without MPI) the test is skipped.
 */
#include "hx_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MPIRUN_TIMEOUT "60"

/* Under AddressSanitizer (ASAN_OPTIONS set for this test), the ranks of the runs that check for
 * leaks unwind the whole stack at each allocation, which LeakSanitizer needs to name Open MPI's
 * libraries behind its dlclosed components (tests/lsan.supp); that costs seconds per rank, so the
 * repeated runs leave leak checking to the run of every workload on 4 ranks (and to
 * unit_test_mpi_bodies, which runs every body in one process). */
static bool check_leaks;

static void rank_env(void) {
    static char *base;
    if (!base) {
        const char *a = getenv("ASAN_OPTIONS");
        base = a ? strdup(a) : NULL;
    }
    if (!base)
        return;
    char opts[1024];
    snprintf(opts, sizeof opts, "%s:%s", base,
             check_leaks ? "fast_unwind_on_malloc=0" : "detect_leaks=0");
    setenv("ASAN_OPTIONS", opts, 1);
}

static const char *mpirun(void) {
    const char *m = getenv("HETERO_MPIRUN");
    return m && *m ? m : NULL;
}

/* timeout 60 mpirun --oversubscribe -np N [--mca btl BTL] hetero ARGS... (ARGS split on spaces) */
static int run_ranks(hx_proc *p, int n, const char *btl, const char *fmt, ...) {
    char line[2048], np[16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    snprintf(np, sizeof np, "%d", n);
    const char *argv[96] = {"timeout", MPIRUN_TIMEOUT, mpirun(), "--oversubscribe", "-np", np};
    size_t k = 6;
    if (btl) {
        argv[k++] = "--mca";
        argv[k++] = "btl";
        argv[k++] = btl;
    }
    argv[k++] = getenv("HETERO_BIN");
    for (char *tok = strtok(line, " "); tok && k < 95; tok = strtok(NULL, " "))
        argv[k++] = tok;
    argv[k] = NULL;
    rank_env();
    return hx_run_program(argv, p);
}

/* The "hetero:" lines of stderr (mpirun adds its own banners around them). */
static size_t hetero_lines(const char *err) {
    size_t n = 0;
    for (const char *s = err; (s = strstr(s, "hetero: ")) != NULL; s++)
        n++;
    return n;
}

static size_t count_rows(const jv *results, const char *workload, const char *backend) {
    size_t n = 0;
    for (size_t i = 0; i < results->len; i++) {
        const jv *r = jv_at(results, i);
        n += strcmp(jv_get(r, "workload")->string, workload) == 0 &&
             strcmp(jv_get(r, "backend")->string, backend) == 0;
    }
    return n;
}

/* Every mpi row verified within its tolerance, on `ranks` ranks; rows per workload as listed. */
static void expect_mpi_rows(const hx_proc *p, int ranks, const char *const *workloads,
                            const size_t *variants, size_t nworkloads) {
    jv *doc = hx_expect_json(p, 0);
    const jv *results = jv_get(doc, "results");
    size_t mpi_rows = 0;
    for (size_t i = 0; i < results->len; i++) {
        const jv *r = jv_at(results, i);
        if (strcmp(jv_get(r, "backend")->string, "mpi") != 0)
            continue;
        mpi_rows++;
        if (!jv_get(r, "verified")->boolean)
            print_error("%s/mpi [%s] on %d ranks: not verified\n", jv_get(r, "workload")->string,
                        jv_get(r, "variant")->string, ranks);
        assert_true(jv_get(r, "verified")->boolean);
        assert_true(jv_get(r, "max_rel_err")->number <= jv_get(r, "tolerance")->number);
        assert_int_equal((int)jv_get(r, "ranks")->number, ranks);
        assert_true(jv_get(r, "threads_per_rank")->number >= 1);
        assert_true(jv_path(r, "e2e_time_s.median")->number >= jv_path(r, "time_s.median")->number);
    }
    size_t expected = 0;
    for (size_t w = 0; w < nworkloads; w++) {
        assert_int_equal(count_rows(results, workloads[w], "serial"), 1); /* rank 0 reports */
        assert_int_equal(count_rows(results, workloads[w], "mpi"), variants[w]);
        expected += variants[w];
    }
    assert_int_equal(mpi_rows, expected);
    jv_free(doc);
}

static void every_body_verifies_on_three_and_four_ranks(void **state) {
    (void)state;
    static const char *const all[] = {"vecadd",    "triad",     "reduce", "dot",       "sgemm",
                                      "stencil2d", "histogram", "scan",   "mandelbrot"};
    static const size_t variants[] = {1, 1, 2, 2, 1, 2, 1, 1, 3};
    for (int n = 3; n <= 4; n++) {
        hx_proc p;
        check_leaks = n == 4; /* every distributed code path, leak-checked once */
        assert_int_equal(run_ranks(&p, n, NULL,
                                   "run --backend=mpi,serial --format=json --size=67 --reps=2 "
                                   "--warmup=1 vecadd triad reduce dot sgemm stencil2d histogram "
                                   "scan mandelbrot"),
                         0);
        expect_mpi_rows(&p, n, all, variants, 9);
        hx_proc_free(&p);
    }
    check_leaks = false;
}

static void one_and_two_ranks_verify(void **state) {
    (void)state;
    static const char *const some[] = {"dot", "stencil2d", "mandelbrot"};
    static const size_t variants[] = {2, 2, 3};
    for (int n = 1; n <= 2; n++) {
        hx_proc p;
        assert_int_equal(run_ranks(&p, n, NULL,
                                   "run --backend=mpi,serial --format=json --size=101 --reps=2 "
                                   "--warmup=1 dot stencil2d mandelbrot"),
                         0);
        expect_mpi_rows(&p, n, some, variants, 3);
        hx_proc_free(&p);
    }
}

/* The stand-in for a network: TCP on localhost, 4 ranks. */
static void four_ranks_over_tcp_verify(void **state) {
    (void)state;
    static const char *const some[] = {"vecadd", "dot", "stencil2d"};
    static const size_t variants[] = {1, 2, 2};
    hx_proc p;
    assert_int_equal(run_ranks(&p, 4, "self,tcp",
                               "run --backend=mpi,serial --format=json --size=61 --reps=2 "
                               "--warmup=1 --grid=2x2 vecadd dot stencil2d"),
                     0);
    expect_mpi_rows(&p, 4, some, variants, 3);
    hx_proc_free(&p);
}

/* Hybrid: with --device every rank runs its block on its own OpenCL device (vecadd's and triad's
 * "device" variant), next to the CPU variant. */
static void a_rank_drives_an_opencl_device(void **state) {
    (void)state;
    static const char *const some[] = {"vecadd"};
    static const size_t variants[] = {2};
    hx_proc p;
    assert_int_equal(run_ranks(&p, 2, NULL,
                               "run --backend=mpi,serial --device=cpu --format=json --size=10007 "
                               "--reps=2 --warmup=1 vecadd"),
                     0);
    if (p.status == 3) { /* no OpenCL CPU device here */
        hx_proc_free(&p);
        skip();
    }
    assert_null(strstr(p.err, "--device applies to the opencl backend"));
    expect_mpi_rows(&p, 2, some, variants, 1);
    jv *doc = jv_parse(p.out, NULL, 0);
    const jv *row = jv_at(jv_get(doc, "results"), 2);
    assert_string_equal(jv_get(row, "variant")->string, "device");
    assert_contains(jv_get(row, "device")->string, "each on a device");
    jv_free(doc);
    hx_proc_free(&p);
}

/* points[] with bytes, latency_us (half a round trip), gbps; the fit; the transport that ran. */
static void expect_pingpong(const hx_proc *p, const char *transport, size_t npoints) {
    jv *doc = hx_expect_json(p, 0);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.mpi.pingpong/1");
    const jv *pts = jv_get(doc, "points");
    assert_int_equal(pts->len, npoints);
    for (size_t i = 0; i < pts->len; i++) {
        const jv *pt = jv_at(pts, i);
        double bytes = jv_get(pt, "bytes")->number, lat = jv_get(pt, "latency_us")->number;
        assert_near(bytes, (double)((size_t)1 << i), 0);
        assert_true(lat > 0 && lat <= jv_get(pt, "latency_median_us")->number);
        assert_near(jv_get(pt, "gbps")->number, bytes / (lat * 1e3), 1e-9 * bytes / lat);
    }
    const jv *fit = jv_get(doc, "fit");
    assert_string_equal(jv_get(fit, "transport")->string, transport);
    assert_int_equal((int)jv_get(fit, "points")->number, (int)npoints);
    if (jv_get(fit, "ok")->boolean) { /* noisy times may give no positive slope: not a failure */
        assert_true(jv_get(fit, "beta_gbps")->number > 0);
        assert_true(isfinite(jv_get(fit, "alpha_us")->number));
        assert_true(jv_get(fit, "r2")->number <= 1.0);
    }
    jv_free(doc);
}

static void pingpong_over_shared_memory_and_tcp(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(
        run_ranks(&p, 2, "self,vader", "mpi pingpong --max=64K --iters=50 --format=json"), 0);
    expect_pingpong(&p, "vader", 17);
    hx_proc_free(&p);
    assert_int_equal(run_ranks(&p, 2, "self,tcp", "mpi pingpong --max=1K --iters=20 --format=json"),
                     0);
    expect_pingpong(&p, "tcp", 11);
    hx_proc_free(&p);
}

static void collectives_against_ranks_and_size(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(
        run_ranks(&p, 3, NULL, "mpi collectives --sizes=4..64*4 --iters=10 --format=json"), 0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *pts = jv_get(doc, "points");
    assert_int_equal(pts->len, 3 * 2 * 3); /* operations x rank counts {2, 3} x sizes */
    for (size_t i = 0; i < pts->len; i++) {
        const jv *pt = jv_at(pts, i);
        int ranks = (int)jv_get(pt, "ranks")->number;
        assert_true(ranks == 2 || ranks == 3);
        double lo = jv_get(pt, "min_us")->number, avg = jv_get(pt, "latency_us")->number;
        assert_true(lo > 0 && lo <= avg && avg <= jv_get(pt, "max_us")->number);
    }
    jv_free(doc);
    hx_proc_free(&p);
}

static void scale_over_ranks_fits_the_laws(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(run_ranks(&p, 2, NULL,
                               "scale vecadd --ranks=1,2 --size=10007 --reps=2 --warmup=1 "
                               "--format=json"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *pts = jv_get(doc, "points");
    assert_int_equal(pts->len, 2);
    for (size_t i = 0; i < 2; i++) {
        const jv *pt = jv_at(pts, i);
        assert_string_equal(jv_get(pt, "backend")->string, "mpi");
        assert_int_equal((int)jv_get(pt, "p")->number, (int)i + 1);
        assert_int_equal((int)jv_get(pt, "ranks")->number, (int)i + 1);
        assert_int_equal((int)jv_get(pt, "threads")->number, 1);
        assert_true(jv_get(pt, "verified")->boolean);
    }
    assert_near(jv_get(jv_at(pts, 0), "speedup")->number, 1.0, 1e-12);
    const jv *fit = jv_at(jv_get(doc, "fits"), 0);
    assert_string_equal(jv_get(fit, "backend")->string, "mpi");
    assert_string_equal(jv_get(fit, "law")->string, "amdahl");
    jv_free(doc);
    hx_proc_free(&p);
}

/* One clear line from hetero (whatever mpirun adds), naming the bad value, exit 2. */
static void expect_usage_error(const hx_proc *p, const char *needle) {
    if (p->status != 2)
        print_error("exit %d, stderr:\n%s\n", p->status, p->err);
    assert_int_equal(p->status, 2);
    assert_int_equal(hetero_lines(p->err), 1);
    assert_contains(p->err, needle);
}

static void bad_grids_and_sizes_exit_2(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(run_ranks(&p, 4, NULL, "run --backend=mpi --grid=3x1 --size=61 stencil2d"), 0);
    expect_usage_error(&p, "--grid 3x1 has 3 places but the job has 4 ranks");
    hx_proc_free(&p);
    assert_int_equal(run_ranks(&p, 3, NULL, "run --backend=mpi,serial --size=2 vecadd"), 0);
    expect_usage_error(&p, "--size 2 is too small for 3 ranks");
    hx_proc_free(&p);
    assert_int_equal(run_ranks(&p, 1, NULL, "mpi pingpong --max=8"), 0);
    expect_usage_error(&p, "pingpong needs 2 ranks and this job has 1");
    hx_proc_free(&p);
    assert_int_equal(run_ranks(&p, 2, NULL, "scale vecadd --ranks=1,4"), 0);
    expect_usage_error(&p, "--ranks 4 needs 4 ranks and this job has 2");
    hx_proc_free(&p);
}

/* No launcher: --backend=mpi is a one-rank singleton job, said so; hetero mpi refuses. */
static void without_mpirun(void **state) {
    (void)state;
    hx_proc p;
    rank_env(); /* a singleton is an MPI job of its own */
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=mpi,serial --size=1000 --format=json "
                                           "vecadd"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    assert_contains(p.err, "singleton MPI job of 1 rank");
    const jv *mpi = jv_at(jv_get(doc, "results"), 1);
    assert_string_equal(jv_get(mpi, "backend")->string, "mpi");
    assert_int_equal((int)jv_get(mpi, "ranks")->number, 1);
    assert_true(jv_get(mpi, "verified")->boolean);
    jv_free(doc);
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "mpi pingpong"), 0);
    assert_int_equal(p.status, 2);
    assert_contains(p.err, "mpirun -np 2 hetero mpi pingpong");
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=mpi --mpi-variant=nope vecadd"), 0);
    assert_int_equal(p.status, 2);
    assert_contains(p.err, "--mpi-variant 'nope' is not a variant of vecadd; accepted: "
                           "vecadd/block, vecadd/device");
    hx_proc_free(&p);
    /* and no MPI at all where nothing asks for it: no singleton notice */
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=serial --size=100 vecadd"), 0);
    assert_int_equal(p.status, 0);
    assert_null(strstr(p.err, "singleton"));
    hx_proc_free(&p);
}

/* ---- a rank that dies ------------------------------------------------------------------------ */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The pid of the child of `parent` whose environment says OMPI_COMM_WORLD_RANK=rank, or 0. */
static pid_t find_rank(pid_t parent, int rank) {
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    char want[64];
    int wlen = snprintf(want, sizeof want, "OMPI_COMM_WORLD_RANK=%d", rank);
    pid_t found = 0;
    for (struct dirent *e; !found && (e = readdir(d)) != NULL;) {
        pid_t pid = (pid_t)atoi(e->d_name);
        char path[64], buf[65536];
        if (pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        FILE *f = fopen(path, "r");
        int ppid = 0;
        if (f) {
            if (fscanf(f, "%*d %*s %*c %d", &ppid) != 1)
                ppid = 0;
            fclose(f);
        }
        if (ppid != parent)
            continue;
        snprintf(path, sizeof path, "/proc/%d/environ", pid);
        f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        for (size_t i = 0; i + (size_t)wlen <= n; i += strlen(buf + i) + 1)
            if (strncmp(buf + i, want, (size_t)wlen) == 0 && buf[i + (size_t)wlen] == '\0')
                found = pid;
    }
    closedir(d);
    return found;
}

static void a_killed_rank_ends_the_job(void **state) {
    (void)state;
    const char *argv[] = {mpirun(),
                          "--oversubscribe",
                          "-np",
                          "3",
                          getenv("HETERO_BIN"),
                          "run",
                          "--backend=mpi",
                          "--size=1000",
                          "--reps=100000",
                          "--warmup=0",
                          "vecadd",
                          NULL};
    posix_spawn_file_actions_t fa;
    rank_env();
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t job;
    assert_int_equal(posix_spawnp(&job, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    double t0 = now();
    pid_t victim = 0;
    while (!victim && now() - t0 < 30) {
        struct timespec nap = {0, 100000000};
        nanosleep(&nap, NULL);
        victim = find_rank(job, 1);
    }
    int status = 0;
    pid_t done = 0;
    if (victim) {
        struct timespec settle = {1, 0}; /* let the job get into its distributed row */
        nanosleep(&settle, NULL);
        done = waitpid(job, &status, WNOHANG);
        if (done != 0)
            print_error("the job ended by itself, status %d, before a rank was killed\n", status);
        assert_int_equal(done, 0);
        assert_int_equal(kill(victim, SIGKILL), 0);
    }
    double killed = now();
    while ((done = waitpid(job, &status, WNOHANG)) == 0 && now() - killed < 30) {
        struct timespec nap = {0, 50000000};
        nanosleep(&nap, NULL);
    }
    if (done == 0) { /* it hung: end it, then fail */
        kill(job, SIGKILL);
        waitpid(job, &status, 0);
    }
    assert_true(victim > 0);
    assert_true(done == job);
    assert_true(!WIFEXITED(status) || WEXITSTATUS(status) != 0);
    fprintf(stderr, "rank 1 killed: mpirun ended the job %.1f s later, status %d\n", now() - killed,
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int main(void) {
    if (!mpirun()) {
        fputs("no mpirun in this build (HETERO_MPIRUN unset)\n", stderr);
        return 77; /* CTest: skipped */
    }
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_body_verifies_on_three_and_four_ranks),
        cmocka_unit_test(one_and_two_ranks_verify),
        cmocka_unit_test(four_ranks_over_tcp_verify),
        cmocka_unit_test(a_rank_drives_an_opencl_device),
        cmocka_unit_test(pingpong_over_shared_memory_and_tcp),
        cmocka_unit_test(collectives_against_ranks_and_size),
        cmocka_unit_test(scale_over_ranks_fits_the_laws),
        cmocka_unit_test(bad_grids_and_sizes_exit_2),
        cmocka_unit_test(without_mpirun),
        cmocka_unit_test(a_killed_rank_ends_the_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
