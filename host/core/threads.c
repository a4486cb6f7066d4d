/*
 * threads.c - run one function on n pthreads and join them (see threads.h).
 */
#include "hetero/core/threads.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"

typedef struct thread_slot {
    pthread_t thread;
    hx_thread_fn fn;
    void *arg;
    unsigned index;
} thread_slot;

static void *thread_main(void *p) {
    thread_slot *s = p;
    s->fn(s->arg, s->index);
    return NULL;
}

int hx_threads_run(unsigned n, hx_thread_fn fn, void *arg) {
    if (n == 0)
        return HX_OK;
    thread_slot *slots = calloc(n, sizeof *slots);
    if (!slots)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for %u threads", n);
    unsigned started = 0;
    int err = 0;
    for (; started < n; started++) {
        slots[started] = (thread_slot){.fn = fn, .arg = arg, .index = started};
        err = pthread_create(&slots[started].thread, NULL, thread_main, &slots[started]);
        if (err)
            break;
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(slots[i].thread, NULL);
    free(slots);
    if (err)
        return hx_fail(HX_ERR_RUNTIME, "pthread_create failed for thread %u of %u: %s", started, n,
                       strerror(err));
    return HX_OK;
}
