/*
 * noise.h - how busy the machine was while hetero measured: read, judged and said once.
 *
 * A timing taken while other programs compete for the cores, or while the hypervisor steals the
 * virtual CPUs, measures the neighbours as much as the code.  Benchmark tools users trust
 * (hyperfine, pyperf) measure their own noise and say so; hetero does the same from what Linux
 * publishes:
 *
 *   /proc/stat      all-CPU busy and steal ticks, the number of CPUs, procs_running
 *   getrusage       this process's own CPU time (every thread, PoCL's and OpenMP's included)
 *   /proc/loadavg   the 1- and 5-minute load averages
 *   /proc/self/task the threads of this process that are running (not "others")
 *   cpufreq         the frequency governor of cpu0
 *
 * A window is two samples; between them, the share of the machine's CPU time that went to other
 * processes ("foreign") and to the hypervisor ("steal") is exact up to the tick (1/USER_HZ per
 * CPU per sample, which the judgement allows for), whatever the load average says.  A window is
 * noisy when
 *
 *   foreign > HX_NOISE_FOREIGN_MAX of the machine,  or  steal > HX_NOISE_STEAL_MAX,
 *
 * and the whole command is also called noisy when the tasks of other processes runnable at its
 * start (the job's other ranks excepted) exceeded the online CPUs.  The 1-minute load average is
 * reported beside the verdict but does not decide it: it also counts hetero's own previous
 * commands.  The measuring
 * loop (engine/measure.c) takes one window per row and marks the row (`noisy: true`, `~` in the
 * tables); hx_noise_summary() is the one line a command prints about it ("noisy machine: load 4.1
 * on 2 cores, steal 9%: figures marked ~").
 *
 * Who else asks (the hooks): a fit over points of which one is noisy is no fit
 * (hx_result.noisy on each point); a survey measures its ceilings inside a window and caches
 * them only when hx_noise_window_end() says quiet.
 *
 * Test hook: HETERO_TEST_NOISE=quiet makes every window quiet (tests that assert a fitted value
 * on a loaded machine); HETERO_TEST_NOISE=foreign=0.5,steal=0.09,load=4.1 replaces the measured
 * figures with those (tests of the marks and messages).  It is read once, documented in
 * docs/noise.md, and never set by hetero itself.
 */
#ifndef HETERO_CORE_NOISE_H
#define HETERO_CORE_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A window is noisy above these shares of the machine's CPU time. */
#define HX_NOISE_FOREIGN_MAX 0.10
#define HX_NOISE_STEAL_MAX   0.05

/* One reading of the machine. */
typedef struct hx_noise_sample {
    bool ok;             /* /proc/stat could be read (false: nothing below but t is known) */
    double t;            /* hx_now() when taken */
    uint64_t busy;       /* all CPUs: user + nice + system + irq + softirq ticks */
    uint64_t steal;      /* all CPUs: ticks stolen by the hypervisor */
    uint64_t total;      /* all CPUs: every tick, idle and iowait included */
    int cpus;            /* CPUs counted in /proc/stat (the machine, not an affinity mask) */
    int procs_running;   /* runnable tasks of the whole machine (/proc/stat) */
    int own_running;     /* of which this process's threads */
    double own_cpu_s;    /* this job: user + system seconds (getrusage, plus the peers') */
    double load1, load5; /* /proc/loadavg; negative when unreadable */
} hx_noise_sample;

/* What a window between two samples saw, and the verdict. */
typedef struct hx_noise {
    bool known;       /* both samples were readable */
    double seconds;   /* wall time of the window */
    double foreign;   /* share of all CPU time used by other processes, 0..1 */
    double steal;     /* share of all CPU time stolen by the hypervisor, 0..1 */
    double load1;     /* at the window's end */
    int runnable;     /* other processes' runnable tasks at the window's end */
    int cpus;         /* online CPUs */
    bool noisy;       /* the verdict (see the top of this file) */
    char reason[128]; /* why noisy: "other programs used 45% of the CPU, steal 9%"; "" */
} hx_noise;

/* Read the machine now (never fails: unreadable parts are marked). */
void hx_noise_read(hx_noise_sample *s);

/* The window from a to b, judged (and replaced by HETERO_TEST_NOISE where set). */
void hx_noise_between(const hx_noise_sample *a, const hx_noise_sample *b, hx_noise *out);

/* A row's window: from a to b, but at least HX_NOISE_MIN_WINDOW seconds long.  A row of ten
 * 70-microsecond runs is too short for ticks to say anything, so it is judged over the last half
 * second of the machine (the samples taken before it, kept in a short history), which is what
 * its runs competed with. */
#define HX_NOISE_MIN_WINDOW 0.5
void hx_noise_row(const hx_noise_sample *a, const hx_noise_sample *b, hx_noise *out);

/* ---- the command: one start, rows noted, one line said ------------------------------------- */

/* Take the command's start sample (main calls it first; later calls do nothing). */
void hx_noise_begin(void);
/* The start sample (taken on first use if hx_noise_begin was not called). */
const hx_noise_sample *hx_noise_start(void);
/* The window from the command's start to now, with the start's runnable tasks judged as well:
 * the command-level verdict. */
void hx_noise_command(hx_noise *out);
/* The measuring loop reports each row's verdict here (thread-safe). */
void hx_noise_note_row(const hx_noise *row);
/* Rows measured so far, and how many of them were noisy. */
void hx_noise_rows(size_t *measured, size_t *noisy);
/* When rows were measured and some were noisy (or the command was): the one line to say, e.g.
 * "noisy machine: load 4.1 on 2 cores, steal 9%: figures marked ~"; returns false (and "") when
 * there is nothing to say. */
bool hx_noise_summary(char *buf, size_t len);

/* ---- a window for someone else's measurement (the survey's ceilings) ---------------------- */

typedef struct hx_noise_window {
    hx_noise_sample start;
} hx_noise_window;

void hx_noise_window_begin(hx_noise_window *w);
/* The window's verdict; true when it was quiet (what is measured inside may be kept). */
bool hx_noise_window_end(const hx_noise_window *w, hx_noise *out);

/* ---- readings that are not figures -------------------------------------------------------- */

/* The cpufreq governor of cpu0 ("performance", "powersave", ...), or "unknown" where the kernel
 * exposes none (most VMs).  Returns buf. */
const char *hx_noise_governor(char *buf, size_t len);

/* ---- parsers, pure, for the unit tests ----------------------------------------------------- */

/* /proc/stat text: the aggregate "cpu" line, the number of "cpuN" lines, procs_running.
 * Returns false when the text has no "cpu" line. */
bool hx_noise_parse_stat(const char *text, hx_noise_sample *s);
/* /proc/PID/stat text: that process's user + system CPU time in clock ticks (fields 14 and 15).
 * Returns false when the text has no such fields. */
bool hx_noise_parse_pid_ticks(const char *text, double *ticks);

/* The other processes of this job on this machine (the other MPI ranks on the node, told by the
 * mpi layer after MPI_Init): their CPU time and running threads are this job's work, not other
 * programs', so every later sample counts them as own.  This process's pid in the list is
 * skipped; at most HX_NOISE_MAX_PEERS are kept.  Call before rows are measured. */
#define HX_NOISE_MAX_PEERS 256
void hx_noise_set_peers(const int *pids, size_t n);

/* /proc/loadavg text: the first two numbers.  Returns false when they are missing. */
bool hx_noise_parse_loadavg(const char *text, double *load1, double *load5);
/* Apply the thresholds to a window's figures and fill noisy and reason.  ticks_per_cpu: the
 * window's length in ticks (USER_HZ x seconds), which sizes the allowance for the tick
 * quantisation of two samples. */
void hx_noise_judge(hx_noise *n, double ticks_per_cpu);
/* HETERO_TEST_NOISE's text applied to n: "quiet", or "foreign=F,steal=S,load=L" (any subset).
 * Returns false for text it does not understand (then n is unchanged). */
bool hx_noise_apply_override(const char *text, hx_noise *n);

#endif
