/*
 * test_map_deque.c - the Chase-Lev deque under contention, for many seeds: one owner pushes and
 * takes in a random (seeded) pattern while 1 to 3 thieves steal, starting from a buffer of two
 * slots so that it grows many times while thieves read it.  Every value pushed must come out
 * exactly once, through a take or a steal.  Run under ThreadSanitizer too, where it also checks
 * that the memory orders leave no data race.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "hetero/core/error.h"
#include "hetero/map/deque.h"
#include "hetero/core/rng.h"
#include "hx_test.h"

#define SEEDS 48
#define OPS   3000

typedef struct stress {
    hx_deque q;
    atomic_uchar *seen; /* per value: times it came out */
    atomic_int done;
    atomic_ullong stolen;
    atomic_uint ready;
} stress;

static void take_out(stress *s, uint64_t v) {
    atomic_fetch_add_explicit(&s->seen[v], 1, memory_order_relaxed);
}

static void *thief(void *p) {
    stress *s = p;
    atomic_fetch_add(&s->ready, 1);
    for (;;) {
        uint64_t v;
        hx_deque_status st = hx_deque_steal(&s->q, &v);
        if (st == HX_DEQUE_OK) {
            take_out(s, v);
            atomic_fetch_add(&s->stolen, 1);
        } else if (st == HX_DEQUE_EMPTY && atomic_load(&s->done)) {
            return NULL;
        }
    }
}

static void run_seed(uint64_t seed, unsigned thieves) {
    stress s;
    assert_int_equal(hx_deque_init(&s.q, 2), HX_OK);
    s.seen = calloc(OPS, sizeof *s.seen);
    assert_non_null(s.seen);
    atomic_init(&s.done, 0);
    atomic_init(&s.stolen, 0);
    atomic_init(&s.ready, 0);
    pthread_t t[3];
    for (unsigned i = 0; i < thieves; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thief, &s), 0);
    while (atomic_load(&s.ready) < thieves) /* thieves at work before the owner starts */
        sched_yield();
    uint64_t pushed = 0;
    for (uint64_t k = 0; pushed < OPS; k++) {
        uint64_t r = hx_rng_bits(seed, 1, k) % 8;
        for (uint64_t spin = hx_rng_bits(seed, 2, k) % 64; spin > 0; spin--)
            __builtin_ia32_pause(); /* an uneven pace, so takes meet steals on the last element */
        if (r < 5) {                /* push a burst of 1..4 */
            for (uint64_t b = 0; b <= r % 4 && pushed < OPS; b++)
                assert_true(hx_deque_push(&s.q, pushed++));
        } else {
            uint64_t v;
            if (hx_deque_take(&s.q, &v) == HX_DEQUE_OK)
                take_out(&s, v);
        }
    }
    uint64_t v;
    while (hx_deque_take(&s.q, &v) == HX_DEQUE_OK)
        take_out(&s, v);
    atomic_store(&s.done, 1);
    for (unsigned i = 0; i < thieves; i++)
        pthread_join(t[i], NULL);
    for (uint64_t i = 0; i < OPS; i++)
        if (atomic_load(&s.seen[i]) != 1) {
            print_error("seed %llu, %u thieves: value %llu came out %u times\n",
                        (unsigned long long)seed, thieves, (unsigned long long)i,
                        (unsigned)atomic_load(&s.seen[i]));
            fail();
        }
    free(s.seen);
    hx_deque_destroy(&s.q);
}

static void every_value_comes_out_once(void **state) {
    (void)state;
    for (uint64_t seed = 0; seed < SEEDS; seed++)
        run_seed(seed, 1 + (unsigned)(seed % 3));
}

/* Single-threaded semantics: LIFO for the owner, FIFO for a thief, empty at the end. */
static void owner_lifo_thief_fifo(void **state) {
    (void)state;
    hx_deque q;
    assert_int_equal(hx_deque_init(&q, 2), HX_OK);
    for (uint64_t i = 0; i < 100; i++)
        assert_true(hx_deque_push(&q, i));
    uint64_t v;
    assert_int_equal(hx_deque_steal(&q, &v), HX_DEQUE_OK);
    assert_int_equal(v, 0);
    assert_int_equal(hx_deque_take(&q, &v), HX_DEQUE_OK);
    assert_int_equal(v, 99);
    for (uint64_t i = 98; i >= 1; i--) {
        assert_int_equal(hx_deque_take(&q, &v), HX_DEQUE_OK);
        assert_int_equal(v, i);
    }
    assert_int_equal(hx_deque_take(&q, &v), HX_DEQUE_EMPTY);
    assert_int_equal(hx_deque_steal(&q, &v), HX_DEQUE_EMPTY);
    assert_false(hx_deque_looks_nonempty(&q));
    hx_deque_destroy(&q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(owner_lifo_thief_fifo),
        cmocka_unit_test(every_value_comes_out_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
