/*
 * timer.h - the one clock hetero reads on the host: CLOCK_MONOTONIC, in seconds; and deadlines
 * for the waits that take an absolute time on a clock of their own.
 */
#ifndef HETERO_TIMER_H
#define HETERO_TIMER_H

#include <time.h>

double hx_now(void);

/* *out = now on `clock` + ns (ns >= 0): the deadline of pthread_cond_timedwait (the condition's
 * clock) or mq_timedsend/receive (CLOCK_REALTIME). */
void hx_deadline_in(clockid_t clock, long ns, struct timespec *out);

#endif
