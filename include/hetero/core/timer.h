/*
 * timer.h - the one clock hetero reads on the host: CLOCK_MONOTONIC, in seconds.
 */
#ifndef HETERO_TIMER_H
#define HETERO_TIMER_H

double hx_now(void);

#endif
