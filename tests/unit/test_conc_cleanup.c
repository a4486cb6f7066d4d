/*
 * test_conc_cleanup.c - nothing outlives an interrupted `hetero conc`: the table of children and
 * names, the cleanup it does on demand, and - in a child process that installs the guard and is
 * then sent SIGINT or SIGTERM in the middle of a shared-memory transfer, a message-queue
 * transfer and a process pool - that the process dies by that signal with no shared memory
 * object, no queue and no descendant left behind.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hetero/conc/cleanup.h"
#include "hetero/conc/ipc.h"
#include "hetero/conc/pool.h"
#include "hetero/core/error.h"
#include "hx_conc_test.h"
#include "hx_test.h"

static int setup(void **state) {
    (void)state;
    return hx_conc_become_subreaper();
}

static void the_table_tracks_and_forgets(void **state) {
    (void)state;
    assert_int_equal(hx_conc_tracked_children(), 0);
    assert_int_equal(hx_conc_track_child(123456), HX_OK);
    assert_int_equal(hx_conc_tracked_children(), 1);
    hx_conc_untrack_child(123456);
    assert_int_equal(hx_conc_tracked_children(), 0);
    char name[64];
    hx_conc_object_name("x", name, sizeof name);
    char want[64];
    snprintf(want, sizeof want, "/hetero-conc-%ld-x", (long)getpid());
    assert_string_equal(name, want);
    assert_int_equal(hx_conc_track_name(HX_CONC_NAME_SHM, name), HX_OK);
    assert_int_equal(hx_conc_tracked_names(), 1);
    hx_conc_untrack_name(name);
    assert_int_equal(hx_conc_tracked_names(), 0);
}

static void cleanup_now_kills_children_and_unlinks_names(void **state) {
    (void)state;
    pid_t pid;
    assert_int_equal(hx_conc_fork(&pid, true), HX_OK);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    char name[64];
    hx_conc_object_name("probe", name, sizeof name);
    assert_int_equal(hx_conc_track_name(HX_CONC_NAME_SHM, name), HX_OK);
    int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(hx_conc_leftover_objects((long)getpid()), 1);
    hx_conc_cleanup_now();
    assert_int_equal(hx_conc_tracked_children(), 0);
    assert_int_equal(hx_conc_tracked_names(), 0);
    assert_int_equal(hx_conc_leftover_objects((long)getpid()), 0);
    assert_int_equal(kill(pid, 0), -1); /* killed and reaped: the pid is gone */
    assert_int_equal(hx_conc_reap_leftovers(), 0);
}

/* In a child with the guard installed: an IPC transport (or a pool) that runs for seconds. */
static pid_t start_guarded(int what) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid != 0)
        return pid;
    if (hx_conc_guard_install() != HX_OK)
        _exit(3);
    if (what == HX_IPC_SHM_FUTEX || what == HX_IPC_MQUEUE) {
        const uint64_t sizes[] = {1u << 20};
        double lat[50], bw[50];
        hx_ipc_result r = {.latency_us = lat, .bw_mbps = bw};
        hx_conc_ipc_measure(what, 20000, 50, sizes, 1, 64u << 20, &r);
    } else {
        hx_gil_plan plan = {.workers = 2, .tasks = 4, .cpu_steps = 1ull << 36};
        uint64_t expected[4] = {0};
        double seconds;
        bool verified;
        uint64_t switches;
        hx_conc_gil_pool(HX_GIL_CPU, HX_GIL_PROCESSES, &plan, expected, &seconds, &verified,
                         &switches);
    }
    _exit(4); /* finished before the signal came: the test fails on the status */
}

/* Wait (at most 20 s) until process pid has created one of its named objects. */
static bool wait_for_objects(pid_t pid) {
    for (int i = 0; i < 20000; i++) {
        if (hx_conc_leftover_objects((long)pid) > 0)
            return true;
        hx_conc_sleep_ms(1);
    }
    return false;
}

static void sigint_during_shared_memory_leaves_nothing(void **state) {
    (void)state;
    pid_t pid = start_guarded(HX_IPC_SHM_FUTEX);
    assert_true(wait_for_objects(pid));
    hx_conc_expect_clean_death(pid, SIGINT);
}

static void sigint_during_message_queues_leaves_nothing(void **state) {
    (void)state;
    pid_t pid = start_guarded(HX_IPC_MQUEUE);
    if (!wait_for_objects(pid)) { /* no POSIX queues on this kernel: the child went on */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        skip();
    }
    hx_conc_expect_clean_death(pid, SIGINT);
}

static void sigterm_during_a_process_pool_reaps_the_workers(void **state) {
    (void)state;
    pid_t pid = start_guarded(-1);
    hx_conc_sleep_ms(300); /* the workers are started and busy */
    hx_conc_expect_clean_death(pid, SIGTERM);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_table_tracks_and_forgets),
        cmocka_unit_test(cleanup_now_kills_children_and_unlinks_names),
        cmocka_unit_test(sigint_during_shared_memory_leaves_nothing),
        cmocka_unit_test(sigint_during_message_queues_leaves_nothing),
        cmocka_unit_test(sigterm_during_a_process_pool_reaps_the_workers),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
