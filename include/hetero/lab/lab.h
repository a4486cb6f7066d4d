/*
 * lab.h - the course kit: one lab per chapter, run and checked by `hetero lab`.
 *
 * A lab is a table entry: its name, what hardware it needs, its handout, the hetero commands it
 * runs (steps) and a check.  `hetero lab run NAME` runs the steps with this same binary, each
 * writing its JSON report (and plots) into the lab's folder; `hetero lab check NAME` runs them
 * and then the check, which reads the reports back and says, for each shape the handout
 * predicts, whether this machine showed it, did not (and the likely reason: 2 cores, a noisy
 * machine), or cannot show it here (no GPU, one NUMA node, no MPI).  A check is a pure function
 * of the reports and the machine's facts, so it is unit-tested with recorded reports.
 *
 * Verdicts are information, never failures: timings are noisy.  A lab fails (exit 1) only when a
 * command it needs fails; a step that exits 3 (missing hardware) makes its shapes "cannot show".
 */
#ifndef HETERO_LAB_H
#define HETERO_LAB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define HX_LAB_MAX_STEPS    8
#define HX_LAB_MAX_FINDINGS 24

/* What this machine has, for "available" and for the reasons behind a verdict. */
typedef struct hx_lab_machine {
    int cores;      /* online cores */
    int numa_nodes; /* NUMA nodes */
    bool gpu;       /* an OpenCL GPU or a CUDA device */
    bool mpi;       /* this build has the mpi backend and mpirun is on PATH */
    bool opencl;    /* any OpenCL device */
} hx_lab_machine;

void hx_lab_machine_probe(hx_lab_machine *m);

typedef enum { HX_LAB_SHOWN = 0, HX_LAB_NOT_SHOWN, HX_LAB_CANNOT_SHOW } hx_lab_verdict;

typedef struct hx_lab_finding {
    char shape[160]; /* the predicted shape, one line */
    hx_lab_verdict verdict;
    char detail[400]; /* the figures behind the verdict, and why when not shown */
} hx_lab_finding;

typedef struct hx_lab_findings {
    hx_lab_finding f[HX_LAB_MAX_FINDINGS];
    size_t n;
} hx_lab_findings;

/* Add a finding (printf-style detail); ignored past the capacity. */
void hx_lab_find(hx_lab_findings *out, const char *shape, hx_lab_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* One command of a lab: `hetero ARGS`, its JSON report written to DIR/NAME.json. */
typedef struct hx_lab_step {
    const char *name;        /* report file stem */
    const char *args;        /* arguments, space-separated; "{DIR}" is the lab's folder */
    const char *full_args;   /* with --full, the handout's sizes (NULL: the same as args) */
    bool mpi;                /* run under `mpirun --oversubscribe -np RANKS MPIRUN_ARGS` */
    int ranks;               /* mpi steps: the ranks (0: 2) */
    const char *mpirun_args; /* mpi steps: more mpirun options ("--mca btl self,tcp"), or NULL */
    bool no_json;            /* the step writes no report of its own (a plot, a log) */
} hx_lab_step;

/* The reports a check reads: docs[i] for steps[i], NULL when the step did not run (exit 3: the
 * hardware is missing; why[i] says what it printed). */
typedef struct hx_lab_reports {
    json_t *docs[HX_LAB_MAX_STEPS];
    char why[HX_LAB_MAX_STEPS][256];
    size_t n;
} hx_lab_reports;

typedef struct hx_lab {
    const char *name;    /* "flynn" */
    const char *chapter; /* "Flynn's taxonomy" */
    const char *needs;   /* "none", "gpu", "mpi", "numa2": what its full lesson needs */
    const char *handout; /* docs/labs/NAME.md */
    const hx_lab_step *steps;
    size_t nsteps;
    void (*check)(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out);
} hx_lab;

/* The labs, in chapter order. */
size_t hx_lab_count(void);
const hx_lab *hx_lab_at(size_t i);
/* Look a lab up; HX_ERR_USAGE naming every lab on a miss. */
int hx_lab_find_by_name(const char *name, const hx_lab **out);
/* Whether the machine has what the lab needs. */
bool hx_lab_available(const hx_lab *lab, const hx_lab_machine *m);

/* Run the lab's steps with the hetero binary exe, reports into dir (created).  A step that
 * fails other than for missing hardware is HX_ERR_RUNTIME naming it; reports are read back into
 * r (the caller frees them with hx_lab_reports_free). */
int hx_lab_run(const hx_lab *lab, const char *exe, const char *dir, bool full,
               const hx_lab_machine *m, hx_lab_reports *r);
void hx_lab_reports_free(hx_lab_reports *r);

/* ---- helpers for checks: reading reports ---------------------------------------------------- */

/* The number at a dotted path ("time_s.median") in obj, or NAN. */
double hx_lab_number(const json_t *obj, const char *path);
/* The string at a dotted path, or "". */
const char *hx_lab_string(const json_t *obj, const char *path);
/* The first element of array `array` in doc whose string field `key` equals value (and, when
 * key2 is not NULL, whose key2 equals value2), or NULL. */
const json_t *hx_lab_row(const json_t *doc, const char *array, const char *key, const char *value,
                         const char *key2, const char *value2);

#endif
