/*
 * progress.c - the progress line and its ticker thread (see progress.h).
 *
 * One line, one process-wide state under a mutex: the step's name, its detail and when it began.
 * The ticker wakes twice a second and redraws the line once the step is old enough; it runs only
 * while a step is active, and the outermost hx_progress_end() stops and joins it.
 */
#include "hetero/core/progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hetero/core/timer.h"

#define TICK_NS 500000000L

typedef enum { MODE_AUTO, MODE_ALWAYS, MODE_NEVER } progress_mode;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_once_t mode_once = PTHREAD_ONCE_INIT;
static progress_mode mode;
static bool enabled;

/* One ticker thread with its own stop flag, so a step begun while an old ticker is being joined
 * starts a new one instead of reviving the old. */
typedef struct ticker_state {
    pthread_t thread;
    bool stop; /* guarded by lock */
} ticker_state;

/* guarded by lock */
static int depth;
static bool drawn;
static ticker_state *ticker;
static double step_t0;
static char step_what[96], step_detail[128];

static void read_mode(void) {
    const char *v = getenv("HETERO_PROGRESS");
    mode = MODE_AUTO;
    if (v && strcmp(v, "always") == 0)
        mode = MODE_ALWAYS;
    else if (v && strcmp(v, "never") == 0)
        mode = MODE_NEVER;
    enabled = mode == MODE_ALWAYS || (mode == MODE_AUTO && isatty(STDERR_FILENO));
}

bool hx_progress_enabled(void) {
    pthread_once(&mode_once, read_mode);
    return enabled;
}

/* with lock held */
static void erase_locked(void) {
    if (drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        drawn = false;
    }
}

/* with lock held */
static void draw_locked(double now) {
    double age = now - step_t0;
    if (mode != MODE_ALWAYS && age < HX_PROGRESS_AFTER)
        return;
    fprintf(stderr, "\r\033[Khetero: %s%s%s, %.0f s", step_what, step_detail[0] ? ": " : "",
            step_detail, age);
    fflush(stderr);
    drawn = true;
}

static void *tick(void *arg) {
    ticker_state *ts = arg;
    pthread_mutex_lock(&lock);
    while (!ts->stop) {
        struct timespec until;
        hx_deadline_in(CLOCK_REALTIME, TICK_NS, &until);
        int rc = pthread_cond_timedwait(&wake, &lock, &until);
        if (!ts->stop && (rc == 0 || rc == ETIMEDOUT))
            draw_locked(hx_now());
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

void hx_progress_begin(hx_progress *p, const char *what) {
    memset(p, 0, sizeof *p);
    if (!hx_progress_enabled())
        return;
    p->active = true;
    pthread_mutex_lock(&lock);
    if (depth > 0) {
        p->nested = true;
        p->saved_t0 = step_t0;
        snprintf(p->saved_what, sizeof p->saved_what, "%s", step_what);
        snprintf(p->saved_detail, sizeof p->saved_detail, "%s", step_detail);
    }
    depth++;
    step_t0 = hx_now();
    snprintf(step_what, sizeof step_what, "%s", what);
    step_detail[0] = '\0';
    if (!ticker) {
        /* no ticker, no line: the work itself goes on */
        ticker = calloc(1, sizeof *ticker);
        if (ticker && pthread_create(&ticker->thread, NULL, tick, ticker) != 0) {
            free(ticker);
            ticker = NULL;
        }
    }
    pthread_mutex_unlock(&lock);
}

void hx_progress_set(hx_progress *p, const char *fmt, ...) {
    if (!p->active)
        return;
    char text[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&lock);
    snprintf(step_detail, sizeof step_detail, "%s", text);
    pthread_mutex_unlock(&lock);
}

void hx_progress_end(hx_progress *p) {
    if (!p->active)
        return;
    p->active = false;
    ticker_state *done = NULL;
    pthread_mutex_lock(&lock);
    depth--;
    if (depth > 0 && p->nested) {
        step_t0 = p->saved_t0;
        snprintf(step_what, sizeof step_what, "%s", p->saved_what);
        snprintf(step_detail, sizeof step_detail, "%s", p->saved_detail);
    } else if (depth == 0) {
        erase_locked();
        done = ticker;
        ticker = NULL;
        if (done) {
            done->stop = true;
            pthread_cond_broadcast(&wake);
        }
    }
    pthread_mutex_unlock(&lock);
    if (done) {
        pthread_join(done->thread, NULL);
        free(done);
    }
}

void hx_progress_clear_line(void) {
    if (!hx_progress_enabled())
        return;
    pthread_mutex_lock(&lock);
    erase_locked();
    pthread_mutex_unlock(&lock);
}
