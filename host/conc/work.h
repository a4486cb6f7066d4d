/*
 * work.h - the "interpreter" the gil and crash pools run: a xorshift chain, one step after
 * another (each depends on the last, so nothing vectorises it away and its time is linear in
 * the steps), with a hook every CHECK_EVERY steps where an interpreter would look at its eval
 * breaker.
 */
#ifndef HETERO_CONC_WORK_H
#define HETERO_CONC_WORK_H

#include <stdint.h>

#define HX_CONC_CHECK_EVERY 1024

typedef void (*hx_conc_breaker)(void *ctx);

static inline uint64_t hx_conc_interpret(uint64_t seed, uint64_t steps, hx_conc_breaker check,
                                         void *ctx) {
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    if (x == 0)
        x = 1;
    for (uint64_t done = 0; done < steps;) {
        uint64_t n = steps - done < HX_CONC_CHECK_EVERY ? steps - done : HX_CONC_CHECK_EVERY;
        for (uint64_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        done += n;
        if (check)
            check(ctx);
    }
    return x;
}

#endif
