/*
 * noise.c - machine noise: samples from /proc, windows between them, one verdict (see noise.h).
 *
 * The figures are ticks of /proc/stat's aggregate "cpu" line.  This process's share is taken
 * out with getrusage (microseconds, every thread), and so is that of the job's other processes
 * on this machine (the other MPI ranks, from their /proc/PID/stat), so what is left of the busy
 * ticks is other programs' work: the direct measure of competition, where the load average is a
 * minute-long moving average that also counts hetero's own threads.  Two samples each round to a
 * tick per CPU, so a short window gets a larger allowance before it is called noisy
 * (hx_noise_judge).
 *
 * The command's state (the start sample, the rows noted, the worst row) is process-wide: rows
 * are measured one after another, but the counters are atomic and the worst row is kept under a
 * mutex, so a threaded caller cannot garble them.
 */
#include "hetero/core/noise.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hetero/core/timer.h"

/* ---- reading ------------------------------------------------------------------------------ */

/* The whole of a small /proc file into buf (NUL-terminated); false when unreadable. */
static bool read_text(const char *path, char *buf, size_t len) {
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n > 0;
}

bool hx_noise_parse_stat(const char *text, hx_noise_sample *s) {
    unsigned long long v[10] = {0};
    const char *line = strstr(text, "cpu ");
    if (line != text && (!line || line[-1] != '\n'))
        return false;
    int got = sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                     &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
    if (got < 4)
        return false;
    /* user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
     * counted in user, so it is not added again */
    s->busy = v[0] + v[1] + v[2] + v[5] + v[6];
    s->steal = v[7];
    s->total = s->busy + v[3] + v[4] + v[7];
    s->cpus = 0;
    s->procs_running = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, "cpu", 3) == 0 && p[3] >= '0' && p[3] <= '9')
            s->cpus++;
        else if (strncmp(p, "procs_running ", 14) == 0)
            s->procs_running = atoi(p + 14);
    }
    if (s->cpus == 0)
        s->cpus = 1;
    return true;
}

bool hx_noise_parse_loadavg(const char *text, double *load1, double *load5) {
    return sscanf(text, "%lf %lf", load1, load5) == 2;
}

/* The threads in state R (running or runnable) of the process whose task folder is `tasks`
 * ("/proc/self/task", "/proc/PID/task"), from each thread's stat. */
static int running_threads(const char *tasks) {
    DIR *d = opendir(tasks);
    if (!d)
        return 0;
    int running = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[96], buf[512];
        snprintf(path, sizeof path, "%s/%.20s/stat", tasks, e->d_name);
        if (!read_text(path, buf, sizeof buf))
            continue;
        const char *close = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
        if (close && close[1] == ' ' && close[2] == 'R')
            running++;
    }
    closedir(d);
    return running;
}

bool hx_noise_parse_pid_ticks(const char *text, double *ticks) {
    const char *p = strrchr(text, ')'); /* after the name: state, then fields 4.. */
    if (!p)
        return false;
    unsigned long long utime = 0, stime = 0;
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) !=
        2)
        return false;
    *ticks = (double)utime + (double)stime;
    return true;
}

/* The job's other processes (hx_noise_set_peers): written before rows run, then only read. */
static int peers[HX_NOISE_MAX_PEERS];
static atomic_size_t npeers;

void hx_noise_set_peers(const int *pids, size_t n) {
    size_t kept = 0;
    const int self = (int)getpid();
    for (size_t i = 0; i < n && kept < HX_NOISE_MAX_PEERS; i++)
        if (pids[i] != self && pids[i] > 0)
            peers[kept++] = pids[i];
    atomic_store(&npeers, kept);
}

/* This job's running threads: this process's (at least the caller), and its peers'. */
static int own_running_threads(void) {
    int running = running_threads("/proc/self/task");
    const size_t n = atomic_load(&npeers);
    for (size_t i = 0; i < n; i++) {
        char tasks[48];
        snprintf(tasks, sizeof tasks, "/proc/%d/task", peers[i]);
        running += running_threads(tasks);
    }
    return running > 0 ? running : 1;
}

static double ticks_per_second(void) {
    long hz = sysconf(_SC_CLK_TCK);
    return hz > 0 ? (double)hz : 100.0;
}

/* This job's CPU seconds: this process's threads (getrusage) and its peers' (their stat). */
static double own_cpu_seconds(void) {
    struct rusage ru;
    double seconds = 0.0;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                  (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    const size_t n = atomic_load(&npeers);
    for (size_t i = 0; i < n; i++) {
        char path[48], buf[1024];
        double ticks;
        snprintf(path, sizeof path, "/proc/%d/stat", peers[i]);
        if (read_text(path, buf, sizeof buf) && hx_noise_parse_pid_ticks(buf, &ticks))
            seconds += ticks / ticks_per_second();
    }
    return seconds;
}

/* The last samples taken, oldest first overwritten: what a short row's window reaches back to. */
#define HISTORY 64
static pthread_mutex_t history_lock = PTHREAD_MUTEX_INITIALIZER;
static hx_noise_sample history[HISTORY];
static size_t history_next, history_count;

static void remember(const hx_noise_sample *s) {
    if (!s->ok)
        return;
    pthread_mutex_lock(&history_lock);
    history[history_next] = *s;
    history_next = (history_next + 1) % HISTORY;
    if (history_count < HISTORY)
        history_count++;
    pthread_mutex_unlock(&history_lock);
}

/* The latest remembered sample at least `back` seconds before t, else the oldest one; false when
 * there is none older than t. */
static bool sample_before(double t, double back, hx_noise_sample *out) {
    bool found = false;
    pthread_mutex_lock(&history_lock);
    for (size_t k = 0; k < history_count; k++) {
        const hx_noise_sample *s = &history[(history_next + HISTORY - 1 - k) % HISTORY];
        if (s->t >= t)
            continue;
        *out = *s; /* walking back in time: the last one kept is the oldest */
        found = true;
        if (s->t <= t - back)
            break;
    }
    pthread_mutex_unlock(&history_lock);
    return found;
}

void hx_noise_read(hx_noise_sample *s) {
    memset(s, 0, sizeof *s);
    s->load1 = s->load5 = -1.0;
    char buf[16384];
    s->own_cpu_s = own_cpu_seconds();
    s->t = hx_now();
    if (read_text("/proc/stat", buf, sizeof buf))
        s->ok = hx_noise_parse_stat(buf, s);
    if (read_text("/proc/loadavg", buf, sizeof buf) &&
        !hx_noise_parse_loadavg(buf, &s->load1, &s->load5))
        s->load1 = s->load5 = -1.0;
    s->own_running = own_running_threads();
    remember(s);
}

/* ---- judging ------------------------------------------------------------------------------ */

/* Append ", " + text to reason. */
static void add_reason(hx_noise *n, const char *fmt, double value) {
    size_t len = strlen(n->reason);
    if (len + 2 >= sizeof n->reason)
        return;
    if (len > 0) {
        memcpy(n->reason + len, ", ", 3);
        len += 2;
    }
    snprintf(n->reason + len, sizeof n->reason - len, fmt, value);
}

void hx_noise_judge(hx_noise *n, double ticks_per_cpu) {
    n->noisy = false;
    n->reason[0] = '\0';
    if (!n->known)
        return;
    /* two samples, each up to a tick per CPU off: 2 / ticks_per_cpu of the window */
    double allowance = ticks_per_cpu > 0 ? 2.0 / ticks_per_cpu : 1.0;
    if (n->foreign > HX_NOISE_FOREIGN_MAX + allowance) {
        n->noisy = true;
        add_reason(n, "other programs used %.0f%% of the CPU", 100.0 * n->foreign);
    }
    if (n->steal > HX_NOISE_STEAL_MAX + allowance) {
        n->noisy = true;
        add_reason(n, "steal %.0f%%", 100.0 * n->steal);
    }
}

bool hx_noise_apply_override(const char *text, hx_noise *n) {
    if (strcmp(text, "quiet") == 0) {
        n->known = true;
        n->foreign = n->steal = 0.0;
        n->runnable = 0;
        if (n->load1 > 0)
            n->load1 = 0.0;
        return true;
    }
    hx_noise o = *n;
    char copy[128];
    snprintf(copy, sizeof copy, "%s", text);
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq)
            return false;
        *eq = '\0';
        char *end;
        double v = strtod(eq + 1, &end);
        if (end == eq + 1 || *end != '\0' || !isfinite(v) || v < 0)
            return false;
        if (strcmp(item, "foreign") == 0)
            o.foreign = v;
        else if (strcmp(item, "steal") == 0)
            o.steal = v;
        else if (strcmp(item, "load") == 0)
            o.load1 = v;
        else
            return false;
    }
    o.known = true;
    *n = o;
    return true;
}

/* HETERO_TEST_NOISE, read once; NULL when unset or not understood (then announced once). */
static const char *test_override;
static pthread_once_t override_once = PTHREAD_ONCE_INIT;

static void read_override(void) {
    const char *v = getenv("HETERO_TEST_NOISE");
    if (!v || !*v)
        return;
    hx_noise probe = {0};
    if (hx_noise_apply_override(v, &probe))
        test_override = v;
    else
        fprintf(stderr,
                "hetero: HETERO_TEST_NOISE='%s' ignored; accepted: quiet, or "
                "foreign=F,steal=S,load=L\n",
                v);
}

static const char *override_text(void) {
    pthread_once(&override_once, read_override);
    return test_override;
}

void hx_noise_between(const hx_noise_sample *a, const hx_noise_sample *b, hx_noise *out) {
    memset(out, 0, sizeof *out);
    out->seconds = b->t - a->t;
    out->load1 = b->load1;
    out->cpus = b->cpus > 0 ? b->cpus : 1;
    out->runnable = b->procs_running - b->own_running;
    if (out->runnable < 0)
        out->runnable = 0;
    double hz = ticks_per_second();
    double ticks_per_cpu = out->seconds > 0 ? out->seconds * hz : 0.0;
    if (a->ok && b->ok && b->total >= a->total && b->busy >= a->busy && b->steal >= a->steal) {
        out->known = true;
        double total = (double)(b->total - a->total);
        double capacity = ticks_per_cpu * out->cpus;
        if (total < capacity)
            total = capacity; /* a window shorter than a tick: judge against the wall clock */
        if (total > 0) {
            double own = (b->own_cpu_s - a->own_cpu_s) * hz;
            double foreign = (double)(b->busy - a->busy) - own;
            out->foreign = foreign > 0 ? foreign / total : 0.0;
            out->steal = (double)(b->steal - a->steal) / total;
        }
    }
    const char *o = override_text();
    if (o) {
        hx_noise_apply_override(o, out);
        ticks_per_cpu = 1e9; /* the given figures are exact */
    }
    hx_noise_judge(out, ticks_per_cpu);
}

void hx_noise_row(const hx_noise_sample *a, const hx_noise_sample *b, hx_noise *out) {
    hx_noise_sample earlier;
    double missing = HX_NOISE_MIN_WINDOW - (b->t - a->t);
    if (missing > 0 && sample_before(a->t, missing, &earlier) && earlier.t < a->t)
        a = &earlier;
    hx_noise_between(a, b, out);
}

/* ---- the command -------------------------------------------------------------------------- */

static hx_noise_sample command_start;
static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static atomic_size_t rows_measured, rows_noisy;
static pthread_mutex_t worst_lock = PTHREAD_MUTEX_INITIALIZER;
static hx_noise worst_row; /* the noisy row with the most foreign + steal */

static void take_start(void) {
    hx_noise_read(&command_start);
}

void hx_noise_begin(void) {
    pthread_once(&start_once, take_start);
}

const hx_noise_sample *hx_noise_start(void) {
    hx_noise_begin();
    return &command_start;
}

void hx_noise_command(hx_noise *out) {
    const hx_noise_sample *start = hx_noise_start();
    hx_noise_sample now;
    hx_noise_read(&now);
    hx_noise_between(start, &now, out);
    if (override_text())
        return; /* the hook's figures stand for the whole command */
    /* The tasks runnable at the start were others' work: hetero had not begun, except the job's
     * other ranks, starting beside this one (each at least one running thread).  The load
     * average is shown but does not decide: it is a minute's average that also counts hetero's
     * own previous commands (a lab's steps, a script's runs), which would mark a quiet machine
     * noisy. */
    double load = start->load1;
    int runnable = start->procs_running - start->own_running - (int)atomic_load(&npeers);
    if (load > out->load1)
        out->load1 = load;
    if (runnable > out->cpus) {
        out->noisy = true;
        add_reason(out, "%.0f other runnable tasks", (double)runnable);
    }
}

void hx_noise_note_row(const hx_noise *row) {
    atomic_fetch_add(&rows_measured, 1);
    if (!row->noisy)
        return;
    atomic_fetch_add(&rows_noisy, 1);
    pthread_mutex_lock(&worst_lock);
    if (row->foreign + row->steal >= worst_row.foreign + worst_row.steal || !worst_row.noisy)
        worst_row = *row;
    pthread_mutex_unlock(&worst_lock);
}

void hx_noise_rows(size_t *measured, size_t *noisy) {
    *measured = atomic_load(&rows_measured);
    *noisy = atomic_load(&rows_noisy);
}

bool hx_noise_summary(char *buf, size_t len) {
    buf[0] = '\0';
    size_t measured, noisy;
    hx_noise_rows(&measured, &noisy);
    if (measured == 0 || noisy == 0)
        return false;
    hx_noise cmd;
    hx_noise_command(&cmd);
    pthread_mutex_lock(&worst_lock);
    hx_noise worst = worst_row;
    pthread_mutex_unlock(&worst_lock);
    double foreign = fmax(cmd.foreign, worst.foreign), steal = fmax(cmd.steal, worst.steal);
    int n = snprintf(buf, len, "noisy machine: ");
    if (cmd.load1 >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, "load %.1f on %d cores, ", cmd.load1, cmd.cpus);
    if ((size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, "other programs %.0f%% of the CPU, steal %.0f%%",
                      100.0 * foreign, 100.0 * steal);
    if ((size_t)n < len)
        snprintf(buf + n, len - (size_t)n, ": figures marked ~ (%zu of %zu rows)", noisy, measured);
    return true;
}

/* ---- windows for other measurements -------------------------------------------------------- */

void hx_noise_window_begin(hx_noise_window *w) {
    hx_noise_read(&w->start);
}

bool hx_noise_window_end(const hx_noise_window *w, hx_noise *out) {
    hx_noise_sample now;
    hx_noise_read(&now);
    hx_noise_between(&w->start, &now, out);
    return !out->noisy;
}

const char *hx_noise_governor(char *buf, size_t len) {
    char text[64];
    if (read_text("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", text, sizeof text)) {
        text[strcspn(text, "\n")] = '\0';
        snprintf(buf, len, "%s", text);
    } else {
        snprintf(buf, len, "unknown");
    }
    return buf;
}
