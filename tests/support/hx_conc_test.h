/*
 * hx_conc_test.h - what the `hetero conc` tests check after a run: that no shared memory object
 * or message queue of a given process is left, and that no child was left behind.
 *
 * Names follow hx_conc_object_name: "/hetero-conc-PID-TAG".  Shared memory is looked for in
 * /dev/shm; queues in /dev/mqueue when it is mounted, and always by opening the names the IPC
 * transport uses (mq_open needs no mount).  Orphans are found by making the test process a child
 * subreaper (PR_SET_CHILD_SUBREAPER) before the run: a descendant whose parent died without
 * reaping it is then re-parented to the test, and waitpid(-1, WNOHANG) finds it.
 */
#ifndef HETERO_HX_CONC_TEST_H
#define HETERO_HX_CONC_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "hx_test.h"

static inline int hx_conc_count_dir(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* Shared memory objects and message queues of process pid that still exist. */
static inline int hx_conc_leftover_objects(long pid) {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "hetero-conc-%ld-", pid);
    int n = hx_conc_count_dir("/dev/shm", prefix) + hx_conc_count_dir("/dev/mqueue", prefix);
    static const char *const tags[] = {"mq-ab", "mq-ba"};
    for (size_t i = 0; i < 2; i++) {
        char name[96];
        snprintf(name, sizeof name, "/%s%s", prefix, tags[i]);
        mqd_t q = mq_open(name, O_RDONLY);
        if (q != (mqd_t)-1) {
            mq_close(q);
            n++;
        }
    }
    return n;
}

/* Make this process the reaper of orphaned descendants. */
static inline int hx_conc_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/* Reap every child that has exited without waiting; returns how many there were. */
static inline int hx_conc_reap_leftovers(void) {
    int n = 0;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        n++;
    return n;
}

static inline void hx_conc_sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Send sig to pid (a child of this test), which must die by it and leave no named object and no
 * descendant behind. */
static inline void hx_conc_expect_clean_death(pid_t pid, int sig) {
    assert_int_equal(kill(pid, sig), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status))
        print_error("status 0x%x, expected death by signal %d\n", (unsigned)status, sig);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), sig);
    assert_int_equal(hx_conc_leftover_objects((long)pid), 0);
    hx_conc_sleep_ms(200); /* a child it failed to reap would die of PDEATHSIG and come to us */
    assert_int_equal(hx_conc_reap_leftovers(), 0);
}

#endif
