/*
 * test_noise.c - the noise readings and their verdicts, from made-up /proc text and windows:
 * what is parsed, what counts as other programs' work, when a window is noisy, the allowance for
 * short windows, the test hook's text, the memory estimate, the device names shortened for
 * tables, whether a binary is an installed one, and that a peer process (another MPI rank of the
 * job) counts as our own.  Nothing here depends on how busy the machine running the tests is,
 * except the check that a real reading is well-formed and the peer's, which waits for its child
 * to have burnt 0.2 s of CPU.
 */
#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/noise.h"
#include "hetero/core/report.h"
#include "hetero/core/self.h"
#include "hx_test.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char stat_text[] = "cpu  1000 100 300 5000 50 10 20 40 7 0\n"
                                "cpu0 500 50 150 2500 25 5 10 20 3 0\n"
                                "cpu1 500 50 150 2500 25 5 10 20 4 0\n"
                                "intr 12345\nctxt 999\nbtime 1\nprocesses 77\n"
                                "procs_running 5\nprocs_blocked 0\n";

static void stat_lines_are_parsed(void **state) {
    (void)state;
    hx_noise_sample s = {0};
    assert_true(hx_noise_parse_stat(stat_text, &s));
    assert_int_equal(s.busy, 1000 + 100 + 300 + 10 + 20); /* guest is inside user already */
    assert_int_equal(s.steal, 40);
    assert_int_equal(s.total, 1430 + 5000 + 50 + 40);
    assert_int_equal(s.cpus, 2);
    assert_int_equal(s.procs_running, 5);
    hx_noise_sample bad = {0};
    assert_false(hx_noise_parse_stat("intr 1\nctxt 2\n", &bad));
    assert_false(hx_noise_parse_stat("xcpu 1 2 3 4\n", &bad));
}

static void loadavg_is_parsed(void **state) {
    (void)state;
    double l1 = 0, l5 = 0;
    assert_true(hx_noise_parse_loadavg("4.10 2.50 1.00 3/412 9999\n", &l1, &l5));
    assert_near(l1, 4.1, 1e-12);
    assert_near(l5, 2.5, 1e-12);
    assert_false(hx_noise_parse_loadavg("", &l1, &l5));
}

/* Two samples one second apart on 2 CPUs at 100 ticks/s: 200 ticks in all. */
static void window_of(uint64_t busy, uint64_t steal, double own_s, hx_noise *n) {
    hx_noise_sample a = {.ok = true,
                         .t = 10.0,
                         .busy = 1000,
                         .steal = 0,
                         .total = 10000,
                         .cpus = 2,
                         .procs_running = 1,
                         .own_running = 1,
                         .load1 = 0.5};
    hx_noise_sample b = a;
    b.t = 11.0;
    b.busy = a.busy + busy;
    b.steal = steal;
    b.total = a.total + 200;
    b.own_cpu_s = own_s;
    hx_noise_between(&a, &b, n);
}

static void other_programs_work_is_what_is_left_after_our_own(void **state) {
    (void)state;
    hx_noise n;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz != 100)
        skip(); /* the figures below assume USER_HZ = 100, Linux's value on x86 */
    /* we used one CPU for the second (100 ticks) and the machine was busy 100 ticks: quiet */
    window_of(100, 0, 1.0, &n);
    assert_true(n.known);
    assert_near(n.foreign, 0.0, 1e-12);
    assert_false(n.noisy);
    /* busy 190 ticks, 100 of them ours: others took 45% of the machine */
    window_of(190, 0, 1.0, &n);
    assert_near(n.foreign, 0.45, 1e-12);
    assert_true(n.noisy);
    assert_contains(n.reason, "other programs used 45% of the CPU");
    /* 9% stolen by the hypervisor */
    window_of(100, 18, 1.0, &n);
    assert_near(n.steal, 0.09, 1e-12);
    assert_true(n.noisy);
    assert_contains(n.reason, "steal 9%");
}

static void a_process_stat_gives_its_cpu_ticks(void **state) {
    (void)state;
    double ticks = 0;
    /* a name with spaces and a parenthesis, then state, ppid ... utime 1234, stime 56 */
    assert_true(hx_noise_parse_pid_ticks(
        "4242 (hetero (rank) 1) R 1 4242 4242 0 -1 4194304 100 0 0 0 1234 56 0 0 20 0 3 0",
        &ticks));
    assert_true(ticks == 1290.0);
    assert_false(hx_noise_parse_pid_ticks("4242 (hetero) R 1 2", &ticks));
    assert_false(hx_noise_parse_pid_ticks("no name here", &ticks));
}

static double process_cpu_s(pid_t pid) {
    char path[48], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    double ticks = 0;
    return hx_noise_parse_pid_ticks(buf, &ticks) ? ticks / (double)sysconf(_SC_CLK_TCK) : 0;
}

/* A peer's CPU time (another rank of the job) counts as our own once it is named, not before:
 * a child burns 0.2 s of CPU and waits; naming it adds that to the sample's own time. */
static void a_peer_counts_as_our_own(void **state) {
    (void)state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        while ((double)clock() / CLOCKS_PER_SEC < 0.2)
            ;
        pause();
        _exit(0);
    }
    for (int i = 0; i < 1000 && process_cpu_s(child) < 0.19; i++)
        usleep(10000);
    const double burnt = process_cpu_s(child);
    hx_noise_sample alone, with_peer;
    hx_noise_read(&alone);
    int pids[] = {(int)getpid(), (int)child}; /* our own pid is skipped */
    hx_noise_set_peers(pids, 2);
    hx_noise_read(&with_peer);
    hx_noise_set_peers(NULL, 0);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    assert_true(burnt >= 0.19);
    const double added = with_peer.own_cpu_s - alone.own_cpu_s;
    if (added < burnt - 0.02 || added > burnt + 0.1)
        fail_msg("naming the peer added %.3f s of CPU; the peer had used %.3f s", added, burnt);
}

static void judgement_allows_for_the_tick(void **state) {
    (void)state;
    /* 20% of the machine in a window 10 ticks long: two samples may be 2 ticks off each CPU */
    hx_noise n = {.known = true, .foreign = 0.20};
    hx_noise_judge(&n, 10.0);
    assert_false(n.noisy); /* under 10% + 2/10 */
    hx_noise_judge(&n, 1000.0);
    assert_true(n.noisy); /* a long window: 20% is 20% */
    hx_noise unknown = {.known = false, .foreign = 0.9};
    hx_noise_judge(&unknown, 1000.0);
    assert_false(unknown.noisy); /* no readings, no verdict */
}

static void test_hook_text(void **state) {
    (void)state;
    hx_noise n = {.known = true, .foreign = 0.5, .steal = 0.2, .load1 = 3.0};
    assert_true(hx_noise_apply_override("quiet", &n));
    assert_near(n.foreign, 0.0, 0.0);
    assert_near(n.steal, 0.0, 0.0);
    assert_true(hx_noise_apply_override("foreign=0.5,steal=0.09,load=4.1", &n));
    assert_near(n.foreign, 0.5, 0.0);
    assert_near(n.steal, 0.09, 0.0);
    assert_near(n.load1, 4.1, 1e-12);
    hx_noise before = n;
    assert_false(hx_noise_apply_override("foreign", &n));
    assert_false(hx_noise_apply_override("noise=1", &n));
    assert_false(hx_noise_apply_override("steal=-1", &n));
    assert_near(n.foreign, before.foreign, 0.0); /* unchanged on bad text */
}

static void a_real_reading_is_well_formed(void **state) {
    (void)state;
    hx_noise_sample a, b;
    hx_noise_read(&a);
    hx_noise_read(&b);
    if (!a.ok)
        skip(); /* no /proc/stat here */
    assert_true(a.cpus >= 1);
    assert_true(b.total >= a.total);
    assert_true(a.own_running >= 1);
    hx_noise n;
    hx_noise_between(&a, &b, &n);
    assert_true(n.known);
    assert_true(n.foreign >= 0.0 && n.foreign <= 1.0);
    assert_true(n.steal >= 0.0 && n.steal <= 1.0);
    char gov[64];
    assert_true(strlen(hx_noise_governor(gov, sizeof gov)) > 0);
}

static void meminfo_and_the_estimate(void **state) {
    (void)state;
    assert_int_equal(hx_meminfo_available("MemTotal: 100 kB\nMemAvailable:    2048 kB\n"),
                     2048u * 1024u);
    assert_int_equal(hx_meminfo_available("MemTotal: 100 kB\n"), 0);
    assert_int_equal(hx_memory_check(1024, "a tiny sweep", "use less"), HX_OK);
    assert_int_equal(hx_memory_check(UINT64_MAX / 2, "the size sweep at size 256M",
                                     "use a smaller --sizes range"),
                     HX_ERR_USAGE);
    assert_contains(hx_error_message(), "the size sweep at size 256M needs about");
    assert_contains(hx_error_message(), "available: use a smaller --sizes range");
}

static void device_names_are_shortened(void **state) {
    (void)state;
    static const struct {
        const char *full, *shown;
    } cases[] = {
        {"pthread-skylake-avx512-AMD EPYC", "PoCL AMD EPYC"},
        {"cpu-haswell-AMD EPYC 7763 64-Core Processor", "PoCL AMD EPYC 7763"},
        {"AMD EPYC 7763 64-Core Processor", "AMD EPYC 7763"},
        {"Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz", "Intel Xeon Platinum 8481C"},
        {"NVIDIA GeForce RTX 4090", "GeForce RTX 4090"},
        {"AMD EPYC", "AMD EPYC"},
    };
    char buf[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(hx_device_short(cases[i].full, buf, sizeof buf, 40), cases[i].shown);
    assert_string_equal(hx_device_short("Intel(R) Xeon(R) Platinum 8481C CPU", buf, sizeof buf, 12),
                        "Intel Xeon..");
}

/* A made-up file system for hx_self_place_of. */
static bool fake_exists(const char *path) {
    return strcmp(path, "/src/build/release/CMakeCache.txt") == 0 ||
           strcmp(path, "/usr/share/hetero") == 0;
}

static void installed_or_build_tree(void **state) {
    (void)state;
    assert_int_equal(hx_self_place_of("/src/build/release/hetero", fake_exists),
                     HX_SELF_BUILD_TREE);
    assert_int_equal(hx_self_place_of("/usr/bin/hetero", fake_exists), HX_SELF_INSTALLED);
    assert_int_equal(hx_self_place_of("/opt/bin/hetero", fake_exists), HX_SELF_ELSEWHERE);
    assert_int_equal(hx_self_place_of("hetero", fake_exists), HX_SELF_ELSEWHERE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stat_lines_are_parsed),
        cmocka_unit_test(loadavg_is_parsed),
        cmocka_unit_test(other_programs_work_is_what_is_left_after_our_own),
        cmocka_unit_test(judgement_allows_for_the_tick),
        cmocka_unit_test(a_process_stat_gives_its_cpu_ticks),
        cmocka_unit_test(a_peer_counts_as_our_own),
        cmocka_unit_test(test_hook_text),
        cmocka_unit_test(a_real_reading_is_well_formed),
        cmocka_unit_test(meminfo_and_the_estimate),
        cmocka_unit_test(device_names_are_shortened),
        cmocka_unit_test(installed_or_build_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
