/*
 * deque.c - the Chase-Lev deque (deque.h), transcribed from figure 1 of Le, Pop, Cohen and
 * Zappa Nardelli (PPoPP 2013), with their memory orders and fences.
 *
 * Two places differ from the paper, both stronger, neither on the fast path:
 *   - the buffer pointer is published with a release store after a resize and read with an
 *     acquire load (the paper: relaxed and consume).  Compilers implement consume as acquire
 *     anyway, and ThreadSanitizer does not model fences: without the release store it could not
 *     see that a thief's read of the new buffer's size happens after the owner wrote it;
 *   - top and bottom are signed (deque.h says why).
 * The owner's push still publishes an element with a release fence and a relaxed store of
 * bottom, and take() and steal() keep their sequentially consistent fences: those are the
 * orders the paper proves sufficient, and the ones its cost argument is about.
 */
#include "hetero/map/deque.h"

#include <stdlib.h>

#include "hetero/core/error.h"

#define relaxed memory_order_relaxed
#define acquire memory_order_acquire
#define release memory_order_release
#define seq_cst memory_order_seq_cst

static hx_deque_array *array_new(size_t size) {
    hx_deque_array *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    a->buffer = malloc(size * sizeof *a->buffer);
    if (!a->buffer) {
        free(a);
        return NULL;
    }
    a->size = size;
    a->older = NULL;
    for (size_t i = 0; i < size; i++)
        atomic_init(&a->buffer[i], 0);
    return a;
}

int hx_deque_init(hx_deque *q, size_t capacity) {
    size_t size = 2;
    while (size < capacity)
        size *= 2;
    hx_deque_array *a = array_new(size);
    if (!a)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for a deque of %zu tasks", size);
    atomic_init(&q->top, 0);
    atomic_init(&q->bottom, 0);
    atomic_init(&q->array, a);
    return HX_OK;
}

void hx_deque_destroy(hx_deque *q) {
    hx_deque_array *a = atomic_load_explicit(&q->array, relaxed);
    while (a) {
        hx_deque_array *older = a->older;
        free(a->buffer);
        free(a);
        a = older;
    }
    atomic_store_explicit(&q->array, NULL, relaxed);
}

/* Owner only: a buffer twice the size holding elements [t, b); the old one is kept (a thief may
 * be reading it) and freed with the deque. */
static hx_deque_array *resize(hx_deque *q, hx_deque_array *a, int64_t t, int64_t b) {
    hx_deque_array *bigger = array_new(a->size * 2);
    if (!bigger)
        return NULL;
    for (int64_t i = t; i < b; i++)
        atomic_store_explicit(&bigger->buffer[(size_t)i % bigger->size],
                              atomic_load_explicit(&a->buffer[(size_t)i % a->size], relaxed),
                              relaxed);
    bigger->older = a;
    atomic_store_explicit(&q->array, bigger, release);
    return bigger;
}

bool hx_deque_push(hx_deque *q, uint64_t x) {
    int64_t b = atomic_load_explicit(&q->bottom, relaxed);
    int64_t t = atomic_load_explicit(&q->top, acquire);
    hx_deque_array *a = atomic_load_explicit(&q->array, relaxed);
    if (b - t > (int64_t)a->size - 1) { /* full */
        a = resize(q, a, t, b);
        if (!a)
            return false;
    }
    atomic_store_explicit(&a->buffer[(size_t)b % a->size], x, relaxed);
    atomic_thread_fence(release);
    atomic_store_explicit(&q->bottom, b + 1, relaxed);
    return true;
}

hx_deque_status hx_deque_take(hx_deque *q, uint64_t *x) {
    int64_t b = atomic_load_explicit(&q->bottom, relaxed) - 1;
    hx_deque_array *a = atomic_load_explicit(&q->array, relaxed);
    atomic_store_explicit(&q->bottom, b, relaxed);
    atomic_thread_fence(seq_cst);
    int64_t t = atomic_load_explicit(&q->top, relaxed);
    hx_deque_status status = HX_DEQUE_OK;
    if (t <= b) { /* not empty */
        *x = atomic_load_explicit(&a->buffer[(size_t)b % a->size], relaxed);
        if (t == b) { /* the last element: race the thieves for it */
            if (!atomic_compare_exchange_strong_explicit(&q->top, &t, t + 1, seq_cst, relaxed))
                status = HX_DEQUE_EMPTY; /* a thief won */
            atomic_store_explicit(&q->bottom, b + 1, relaxed);
        }
    } else { /* empty */
        status = HX_DEQUE_EMPTY;
        atomic_store_explicit(&q->bottom, b + 1, relaxed);
    }
    return status;
}

hx_deque_status hx_deque_steal(hx_deque *q, uint64_t *x) {
    int64_t t = atomic_load_explicit(&q->top, acquire);
    atomic_thread_fence(seq_cst);
    int64_t b = atomic_load_explicit(&q->bottom, acquire);
    if (t >= b)
        return HX_DEQUE_EMPTY;
    hx_deque_array *a = atomic_load_explicit(&q->array, acquire);
    uint64_t v = atomic_load_explicit(&a->buffer[(size_t)t % a->size], relaxed);
    if (!atomic_compare_exchange_strong_explicit(&q->top, &t, t + 1, seq_cst, relaxed))
        return HX_DEQUE_ABORT; /* lost the race */
    *x = v;
    return HX_DEQUE_OK;
}

bool hx_deque_looks_nonempty(hx_deque *q) {
    int64_t t = atomic_load_explicit(&q->top, acquire);
    int64_t b = atomic_load_explicit(&q->bottom, acquire);
    return t < b;
}

size_t hx_deque_size_hint(hx_deque *q) {
    int64_t b = atomic_load_explicit(&q->bottom, relaxed);
    int64_t t = atomic_load_explicit(&q->top, relaxed);
    return b > t ? (size_t)(b - t) : 0;
}
