/*
 * test_conc_ipc.c - every IPC transport carries its messages intact (echoes, patterns, sizes
 * that are not a multiple of a datagram or queue message), reports a latency and a bandwidth
 * for each, and leaves no child, shared memory object or queue behind; ping-pong works between
 * processes and between threads, pinned or not.
 */
#include <math.h>
#include <unistd.h>

#include "hetero/conc/cleanup.h"
#include "hetero/conc/ipc.h"
#include "hetero/core/error.h"
#include "hx_conc_test.h"
#include "hx_test.h"

static int setup(void **state) {
    (void)state;
    return hx_conc_become_subreaper();
}

static void every_transport_delivers_and_cleans_up(void **state) {
    (void)state;
    const uint64_t sizes[] = {64, 4096, 100000, 300001}; /* odd pieces for dgram and mqueue */
    enum { SAMPLES = 2, NSIZES = 4 };
    for (int k = 0; k < HX_IPC_COUNT; k++) {
        double lat[SAMPLES], bw[SAMPLES * NSIZES];
        hx_ipc_result r = {.latency_us = lat, .bw_mbps = bw};
        int status = hx_conc_ipc_measure(k, 50, SAMPLES, sizes, NSIZES, 1u << 20, &r);
        if (status == HX_ERR_MISSING) { /* a kernel without POSIX message queues */
            print_message("skipping %s: %s\n", hx_ipc_names[k], hx_error_message());
            hx_error_clear();
            continue;
        }
        if (status != HX_OK)
            print_error("%s: %s\n", hx_ipc_names[k], hx_error_message());
        assert_int_equal(status, HX_OK);
        assert_true(r.verified);
        for (int s = 0; s < SAMPLES; s++)
            assert_true(lat[s] > 0 && isfinite(lat[s]));
        for (int i = 0; i < SAMPLES * NSIZES; i++)
            assert_true(bw[i] > 0 && isfinite(bw[i]));
        for (int i = 0; i < NSIZES; i++)
            assert_true(r.burst[i] >= 2);
        if (k == HX_IPC_UNIX_DGRAM || k == HX_IPC_MQUEUE)
            assert_true(r.chunk > 0);
        assert_int_equal(hx_conc_tracked_children(), 0);
        assert_int_equal(hx_conc_tracked_names(), 0);
        assert_int_equal(hx_conc_leftover_objects((long)getpid()), 0);
    }
    assert_int_equal(hx_conc_reap_leftovers(), 0);
}

static void tiny_messages_are_refused(void **state) {
    (void)state;
    const uint64_t sizes[] = {8};
    double lat[1], bw[1];
    hx_ipc_result r = {.latency_us = lat, .bw_mbps = bw};
    assert_int_equal(hx_conc_ipc_measure(HX_IPC_PIPE, 1, 1, sizes, 1, 1024, &r), HX_ERR_USAGE);
    hx_error_clear();
}

static void pingpong_between_processes_and_threads(void **state) {
    (void)state;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    for (int kind = HX_PINGPONG_PROCS; kind <= HX_PINGPONG_THREADS; kind++)
        for (int pin = HX_PIN_NONE; pin <= HX_PIN_TWO_CORES; pin++) {
            double us[3] = {0};
            int status = hx_conc_pingpong(kind, pin, 100, 3, us);
            if (pin == HX_PIN_TWO_CORES && cpus < 2) {
                assert_int_equal(status, HX_ERR_MISSING);
                hx_error_clear();
                continue;
            }
            assert_int_equal(status, HX_OK);
            for (int s = 0; s < 3; s++)
                assert_true(us[s] > 0 && isfinite(us[s]));
        }
    assert_int_equal(hx_conc_tracked_children(), 0);
    assert_int_equal(hx_conc_reap_leftovers(), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_transport_delivers_and_cleans_up),
        cmocka_unit_test(tiny_messages_are_refused),
        cmocka_unit_test(pingpong_between_processes_and_threads),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
