/*
 * compare.h - `hetero compare BASE.json NEW.json`: each row's time against its baseline.
 *
 * Rows of two `hetero run` documents (or of two `hetero scale` documents) are matched by what
 * they measured: workload, backend, device, memory mode, size and threads (scale: mode, backend,
 * device, memory mode, p and size).  For each pair:
 *
 *   ratio     new median / base median (above 1: slower)
 *   intervals each side's 95% interval of the median (ci95_s); a row with fewer than 6 runs has
 *             none, and its min..max stands in (wider, so it errs towards "same")
 *   verdict   "same" when the intervals overlap or the ratio is within the threshold (default
 *             5%); otherwise "slower" or "faster"; rows in one document only are "only in base"
 *             or "only in new"
 *   regression  a "slower" row whose ratio exceeds 1 + fail_above (default 10%): the command
 *             then exits 1, which is what a CI job wants
 *
 * A row measured on a noisy machine (noisy: true on either side) keeps its verdict and is marked,
 * since a regression hidden by noise is worse than a false alarm that says why.
 */
#ifndef HETERO_REPORT_COMPARE_H
#define HETERO_REPORT_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hetero/report/doc.h"

#define HX_COMPARE_SCHEMA "hetero.compare/1"

typedef enum {
    HX_CMP_SAME,
    HX_CMP_FASTER,
    HX_CMP_SLOWER,
    HX_CMP_ONLY_BASE,
    HX_CMP_ONLY_NEW,
} hx_cmp_verdict;

/* "same", "faster", "slower", "only in base", "only in new" */
const char *hx_cmp_verdict_name(hx_cmp_verdict v);

/* One side of a row. */
typedef struct hx_cmp_side {
    bool present;
    double median, lo, hi; /* seconds; [lo, hi] the interval compared */
    bool has_ci;           /* [lo, hi] is the 95% interval (false: min..max stands in) */
    bool noisy;
    int reps;
} hx_cmp_side;

typedef struct hx_cmp_row {
    char name[96];    /* "vecadd/opencl [buffer]" (scale: "omp p=2") */
    char device[256]; /* the device or CPU it ran on */
    unsigned long long size;
    int threads;   /* run: threads; scale: p */
    char key[512]; /* what the rows were matched by */
    hx_cmp_side base, now;
    double ratio; /* now / base; NAN when a side is missing */
    hx_cmp_verdict verdict;
    bool regression;
} hx_cmp_row;

typedef struct hx_cmp_opts {
    double threshold;  /* relative: 0.05 */
    double fail_above; /* relative: 0.10; negative: never fail */
} hx_cmp_opts;

typedef struct hx_compare {
    char schema[32];
    char base_path[512], new_path[512];
    char base_machine[256], new_machine[256];
    hx_cmp_opts opts;
    hx_cmp_row *rows;
    size_t n;
    size_t same, faster, slower, unmatched, regressions;
} hx_compare;

/* Compare two loaded documents (both run or both scale).  HX_ERR_USAGE when they are not of
 * the same kind. */
int hx_compare_docs(const hx_doc *base, const hx_doc *now, const hx_cmp_opts *o, hx_compare *c);
void hx_compare_free(hx_compare *c);

/* The verdict of one pair of sides (pure, for the unit tests). */
hx_cmp_verdict hx_cmp_judge(const hx_cmp_side *base, const hx_cmp_side *now, double threshold,
                            double *ratio);

typedef enum { HX_CMP_TABLE, HX_CMP_MARKDOWN, HX_CMP_CSV, HX_CMP_JSON } hx_cmp_format;
int hx_cmp_parse_format(const char *text, hx_cmp_format *out);
int hx_compare_write(FILE *out, hx_cmp_format fmt, const hx_compare *c);

#endif
