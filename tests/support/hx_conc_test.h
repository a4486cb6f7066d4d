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
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

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

#endif
