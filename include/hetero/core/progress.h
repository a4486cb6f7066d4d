/*
 * progress.h - long work made visible: one line on stderr, redrawn while a step runs.
 *
 * A step (a row's repetitions, a survey's benchmarks, a size sweep, an IO sweep) that runs past
 * HX_PROGRESS_AFTER seconds gets a line on stderr, "hetero: sgemm/serial: run 2 of 3, 14 s",
 * redrawn in place twice a second and erased when the step ends, so the report that follows is
 * not interleaved with it.  It is drawn by a small ticker thread, so a step that makes no calls
 * for a minute (one serial sgemm) still shows its elapsed time; the caller only says what it is
 * doing with hx_progress_set().  Nothing is drawn unless stderr is a terminal:
 * HETERO_PROGRESS=always draws it anyway and from the first tick (tests, logs),
 * HETERO_PROGRESS=never not at all. hx_notice() erases a drawn line before it prints, so notices
 * never land in the middle of one.
 *
 * One step at a time: a step begun while another is drawn takes the line over and gives it back
 * when it ends.  The functions are thread-safe.
 */
#ifndef HETERO_CORE_PROGRESS_H
#define HETERO_CORE_PROGRESS_H

#include <stdbool.h>

#include "hetero/core/error.h"

/* Seconds a step runs before its line appears. */
#define HX_PROGRESS_AFTER 5.0

typedef struct hx_progress {
    bool active; /* begun and drawable (a terminal, or HETERO_PROGRESS=always) */
    /* the outer step's line, restored by hx_progress_end */
    bool nested;
    double saved_t0;
    char saved_what[96], saved_detail[128];
} hx_progress;

/* Begin a step called what ("hetero devices: benchmarks").  Cheap when nothing is drawn. */
void hx_progress_begin(hx_progress *p, const char *what);
/* What the step is doing now ("run 2 of 3"); shown after the name with the elapsed time. */
void hx_progress_set(hx_progress *p, const char *fmt, ...) HX_PRINTF(2, 3);
/* End the step: erase its line (or hand it back to the outer step). */
void hx_progress_end(hx_progress *p);

/* Erase the line now if one is drawn (hx_notice calls this; the next tick redraws it). */
void hx_progress_clear_line(void);

/* Whether progress lines are drawn at all in this process (stderr a terminal, or forced). */
bool hx_progress_enabled(void);

#endif
