/*
 * misd.c - `hetero misd`: several instruction streams over one data stream (misd.h), in sequence
 * against in lockstep, and three implementations of CRC-32C voting per block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hetero/core/provenance.h"
#include "hetero/core/report.h"
#include "hetero/core/table.h"
#include "hetero/misd/misd.h"

#define MISD_SCHEMA "hetero.misd/1"

typedef enum { PART_ALL, PART_LOCKSTEP, PART_VOTE } misd_part;

typedef struct misd_config {
    uint64_t bytes, block, seed;
    hx_misd_opts opts;
    misd_part part;
    hx_misd_fault fault;
    hx_report_opts report; /* --format, --output */
} misd_config;

static const hx_opt misd_opts[] = {
    {"size", 's', "BYTES", "stream length, K/M/G suffixes, a multiple of 64 (default 64M)"},
    {"block", 0, "BYTES", "bytes each instruction stream takes per step (default 64K)"},
    {"functions", 0, "LIST", "crc32c,adler32,fnv1a,sum64,minmax or all (default all)"},
    {"part", 0, "PART", "all (default), lockstep (sequential vs lockstep) or vote"},
    {"inject-fault", 0, "[V:B:BIT]", "flip BIT of voter V's value after block B (default 1:mid:7)"},
    {"no-pin", 0, NULL, "leave the lanes' placement to the OS (default: pinned by cost)"},
    {"reps", 'r', "N", "timed repetitions (default 5; the median is reported)"},
    {"warmup", 'w', "N", "untimed runs first (default 1)"},
    {"seed", 0, "N", "seed of the stream (default 42)"},
    HX_CLI_REPORT_OPTS,
    HX_CLI_HELP_AND_END,
};

static void misd_help(FILE *out) {
    hx_args_help(
        out, "hetero misd [OPTIONS]",
        "Flynn's MISD: K different functions (CRC-32C, Adler-32, FNV-1a, a 64-bit sum, min/max)\n"
        "consume one stream of bytes.  sequential runs them one after another (K passes);\n"
        "lockstep gives each its own thread, all on the same block at the same time, a barrier\n"
        "between blocks (one pass).  The vote runs three independent CRC-32C implementations in\n"
        "lockstep and compares them after every block: a value that differs from the other two is\n"
        "outvoted; --inject-fault flips a bit in one to show it.  Every result is checked against\n"
        "the sequential one.\n\n"
        "Exit status: 0 ok, 1 a result that failed its check or an unresolved vote, 2 usage error.",
        misd_opts);
}

/* "V:B:BIT", "V:B" or empty (the defaults: voter 1, the middle block, bit 7). */
static int parse_fault(misd_config *c, const char *v) {
    c->fault = (hx_misd_fault){.inject = true, .voter = 1, .block = SIZE_MAX, .bit = 7};
    if (!v || !*v)
        return HX_OK;
    unsigned voter, bit = 7;
    unsigned long long block;
    int used = 0;
    int got = sscanf(v, "%u:%llu%n:%u%n", &voter, &block, &used, &bit, &used);
    if (got < 2 || v[used] != '\0')
        return hx_fail(HX_ERR_USAGE,
                       "--inject-fault '%s' is not VOTER:BLOCK[:BIT] (e.g. 1:100:7; voters 0 to 2)",
                       v);
    c->fault.voter = (int)voter;
    c->fault.block = (size_t)block;
    c->fault.bit = (int)bit;
    return HX_OK;
}

static int apply_option(void *ctx, const hx_arg *a) {
    misd_config *c = ctx;
    const char *n = a->opt->name, *v = a->value;
    if (strcmp(n, "size") == 0)
        return hx_parse_size("--size", v, 64, (uint64_t)16 << 30, &c->bytes);
    if (strcmp(n, "block") == 0)
        return hx_parse_size("--block", v, 64, (uint64_t)1 << 30, &c->block);
    if (strcmp(n, "functions") == 0)
        return hx_misd_parse_functions(v, c->opts.fns, &c->opts.nfns);
    if (strcmp(n, "part") == 0) {
        static const char *const parts[] = {"all", "lockstep", "vote", NULL};
        int i;
        HX_TRY(hx_parse_choice("--part", v, parts, &i));
        c->part = (misd_part)i;
        return HX_OK;
    }
    if (strcmp(n, "inject-fault") == 0)
        return parse_fault(c, v);
    if (strcmp(n, "no-pin") == 0) {
        c->opts.pin = false;
        return HX_OK;
    }
    if (strcmp(n, "reps") == 0)
        return hx_parse_int("--reps", v, 1, 100000, &c->opts.reps);
    if (strcmp(n, "warmup") == 0)
        return hx_parse_int("--warmup", v, 0, 100000, &c->opts.warmup);
    if (strcmp(n, "seed") == 0)
        return hx_parse_uint("--seed", v, 0, UINT64_MAX, &c->seed);
    bool handled;
    HX_TRY(hx_report_opts_apply(&c->report, n, v, &handled));
    return handled ? HX_OK : hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", n);
}

/* --inject-fault takes an optional value: only "--inject-fault=V:B:BIT" attaches one. */
static int parse_args(misd_config *c, int argc, char **argv, bool *help) {
    memset(c, 0, sizeof *c);
    c->bytes = (uint64_t)64 << 20;
    c->block = (uint64_t)64 << 10;
    c->seed = 42;
    c->opts.reps = 5;
    c->opts.warmup = 1;
    c->opts.pin = true;
    HX_TRY(hx_misd_parse_functions("all", c->opts.fns, &c->opts.nfns));
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--inject-fault") == 0)
            argv[i] = "--inject-fault="; /* a bare flag: the default fault */
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, misd_opts, "misd");
    HX_TRY(hx_args_parse_options(&ap, apply_option, c, help));
    if (c->bytes % 64 || c->block % 64)
        return hx_fail(HX_ERR_USAGE, "--size %llu and --block %llu must be multiples of 64 bytes",
                       (unsigned long long)c->bytes, (unsigned long long)c->block);
    return HX_OK;
}

/* ---- output ------------------------------------------------------------------------------- */

static void value_text(hx_misd_function f, const hx_misd_value *v, char *buf, size_t len) {
    if (f == HX_MISD_MINMAX)
        snprintf(buf, len, "%08llx..%08llx", (unsigned long long)v->v[0],
                 (unsigned long long)v->v[1]);
    else if (f == HX_MISD_CRC32C || f == HX_MISD_ADLER32)
        snprintf(buf, len, "%08llx", (unsigned long long)v->v[0]);
    else
        snprintf(buf, len, "%016llx", (unsigned long long)v->v[0]);
}

static int write_rows_table(FILE *out, const misd_config *c, const hx_misd_row *rows) {
    static const char *const head[] = {"mode", "streams", "threads",  "median",  "min..max",
                                       "GB/s", "speedup", "barriers", "verified"};
    hx_table *t = hx_table_new(9, head, "lrrrrrrrl");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (int m = 0; m < HX_MISD_MODE_COUNT; m++) {
        const hx_misd_row *r = &rows[m];
        char med[32], mn[32], mx[32];
        hx_format_seconds(med, sizeof med, r->time.median);
        hx_format_seconds(mn, sizeof mn, r->time.min);
        hx_format_seconds(mx, sizeof mx, r->time.max);
        hx_table_row(t);
        hx_table_cell(t, "%s", hx_misd_mode_name(r->mode));
        hx_table_cell(t, "%zu", r->streams);
        hx_table_cell(t, "%zu%s", r->threads, r->oversubscribed ? "*" : "");
        hx_table_cell(t, "%s", med);
        hx_table_cell(t, "%s..%s", mn, mx);
        hx_table_cell(t, "%.2f", r->gbps);
        hx_table_cell(t, "%.2fx", r->speedup);
        hx_table_cell(t, "%zu", r->barriers);
        hx_table_cell(t, "%s", r->verified ? "yes" : "NO");
    }
    hx_table_print(t, out);
    hx_table_free(t);
    fprintf(
        out,
        "stream: %llu bytes in blocks of %llu; median of %d reps after %d warm-up; time "
        "includes creating and joining the lockstep threads%s\nvalues:",
        (unsigned long long)c->bytes, (unsigned long long)c->block, c->opts.reps, c->opts.warmup,
        rows[HX_MISD_LOCKSTEP].oversubscribed ? "; * more threads than cores: the lanes time-slice"
                                              : "");
    for (size_t k = 0; k < c->opts.nfns; k++) {
        char v[48];
        value_text(c->opts.fns[k], &rows[HX_MISD_SEQUENTIAL].values[k], v, sizeof v);
        fprintf(out, " %s=%s", hx_misd_function_name(c->opts.fns[k]), v);
    }
    fputc('\n', out);
    return HX_OK;
}

static void write_vote_table(FILE *out, const misd_config *c, const hx_misd_vote *v) {
    fprintf(out, "vote: %s, %s, %s over %zu blocks (%.3f s): ", v->voters[0], v->voters[1],
            v->voters[2], v->blocks, v->seconds);
    if (c->fault.inject)
        fprintf(out, "fault injected in %s after block %zu (bit %d); ", v->voters[c->fault.voter],
                c->fault.block, c->fault.bit);
    if (v->unresolved)
        fputs("UNRESOLVED: all three disagreed", out);
    else if (v->disagreements)
        fprintf(out, "caught: %s outvoted from block %zu on (%zu blocks)",
                v->voters[v->caught_voter], v->caught_block, v->disagreements);
    else
        fputs("all three agreed after every block", out);
    fprintf(out, "; voted crc32c %08x, reference %08x: %s\n", v->voted, v->reference,
            v->verified ? "correct" : "WRONG");
}

static void json_rows(hx_json *j, const misd_config *c, const hx_misd_row *rows) {
    hx_json_key(j, "results");
    hx_json_array_begin(j);
    for (int m = 0; m < HX_MISD_MODE_COUNT; m++) {
        const hx_misd_row *r = &rows[m];
        hx_json_object_begin(j);
        hx_json_kv_string(j, "mode", hx_misd_mode_name(r->mode));
        hx_json_kv_int(j, "streams", (int64_t)r->streams);
        hx_json_kv_int(j, "threads", (int64_t)r->threads);
        hx_json_kv_bool(j, "oversubscribed", r->oversubscribed);
        hx_json_kv_stats(j, "time_s", &r->time);
        hx_json_kv_number(j, "gbps", r->gbps);
        hx_json_kv_number(j, "speedup", r->speedup);
        hx_json_kv_int(j, "barriers", (int64_t)r->barriers);
        hx_json_key(j, "values");
        hx_json_object_begin(j);
        for (size_t k = 0; k < c->opts.nfns; k++) {
            char v[48];
            value_text(c->opts.fns[k], &r->values[k], v, sizeof v);
            hx_json_kv_string(j, hx_misd_function_name(c->opts.fns[k]), v);
        }
        hx_json_object_end(j);
        hx_json_kv_bool(j, "verified", r->verified);
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
}

static void json_vote(hx_json *j, const misd_config *c, const hx_misd_vote *v) {
    hx_json_key(j, "vote");
    hx_json_object_begin(j);
    hx_json_key(j, "voters");
    hx_json_array_begin(j);
    for (int i = 0; i < HX_MISD_VOTERS; i++)
        hx_json_string(j, v->voters[i]);
    hx_json_array_end(j);
    hx_json_kv_int(j, "blocks", (int64_t)v->blocks);
    hx_json_key(j, "fault");
    if (c->fault.inject) {
        hx_json_object_begin(j);
        hx_json_kv_string(j, "voter", v->voters[c->fault.voter]);
        hx_json_kv_int(j, "block", (int64_t)c->fault.block);
        hx_json_kv_int(j, "bit", c->fault.bit);
        hx_json_object_end(j);
    } else {
        hx_json_null(j);
    }
    hx_json_kv_int(j, "disagreements", (int64_t)v->disagreements);
    hx_json_key(j, "caught");
    if (v->caught_voter >= 0) {
        hx_json_object_begin(j);
        hx_json_kv_string(j, "voter", v->voters[v->caught_voter]);
        hx_json_kv_int(j, "block", (int64_t)v->caught_block);
        hx_json_object_end(j);
    } else {
        hx_json_null(j);
    }
    hx_json_kv_bool(j, "unresolved", v->unresolved);
    hx_json_kv_int(j, "voted", v->voted);
    hx_json_kv_int(j, "reference", v->reference);
    hx_json_kv_bool(j, "verified", v->verified);
    hx_json_kv_number(j, "seconds", v->seconds);
    hx_json_object_end(j);
}

static void write_json(FILE *out, const misd_config *c, const hx_misd_row *rows,
                       const hx_misd_vote *vote) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", MISD_SCHEMA);
    hx_json_kv_provenance(&j);
    hx_json_key(&j, "stream");
    hx_json_object_begin(&j);
    hx_json_kv_int(&j, "bytes", (int64_t)c->bytes);
    hx_json_kv_int(&j, "block", (int64_t)c->block);
    hx_json_kv_int(&j, "seed", (int64_t)c->seed);
    hx_json_object_end(&j);
    if (rows)
        json_rows(&j, c, rows);
    if (vote)
        json_vote(&j, c, vote);
    hx_json_object_end(&j);
    hx_json_end(&j);
}

static void write_csv(FILE *out, const misd_config *c, const hx_misd_row *rows,
                      const hx_misd_vote *vote) {
    fputs("part,mode,streams,threads,time_median_s,time_min_s,time_max_s,gbps,speedup,barriers,"
          "disagreements,verified\n",
          out);
    for (int m = 0; rows && m < HX_MISD_MODE_COUNT; m++) {
        const hx_misd_row *r = &rows[m];
        fprintf(out, "lockstep,%s,%zu,%zu", hx_misd_mode_name(r->mode), r->streams, r->threads);
        hx_csv_number(out, r->time.median);
        hx_csv_number(out, r->time.min);
        hx_csv_number(out, r->time.max);
        hx_csv_number(out, r->gbps);
        hx_csv_number(out, r->speedup);
        fprintf(out, ",%zu,,%s\n", r->barriers, r->verified ? "true" : "false");
    }
    if (vote) {
        fprintf(out, "vote,vote,%d,%d", HX_MISD_VOTERS, HX_MISD_VOTERS);
        hx_csv_number(out, vote->seconds);
        fprintf(out, ",,,,,%zu,%zu,%s\n", vote->blocks, vote->disagreements,
                vote->verified ? "true" : "false");
    }
    (void)c;
}

static int write_report(const misd_config *c, const hx_misd_row *rows, const hx_misd_vote *vote) {
    hx_output out;
    HX_TRY(hx_output_open(&out, c->report.output));
    int status = HX_OK;
    if (c->report.format == HX_FORMAT_JSON)
        write_json(out.fp, c, rows, vote);
    else if (c->report.format == HX_FORMAT_CSV)
        write_csv(out.fp, c, rows, vote);
    else {
        if (rows)
            status = write_rows_table(out.fp, c, rows);
        if (vote)
            write_vote_table(out.fp, c, vote);
    }
    if (status == HX_OK)
        return hx_output_commit(&out);
    hx_output_abort(&out);
    return status;
}

static int run(misd_config *c) {
    hx_misd_stream s;
    HX_TRY(hx_misd_stream_make(&s, c->bytes, c->block, c->seed));
    if (c->fault.inject && c->fault.block == SIZE_MAX)
        c->fault.block = hx_misd_blocks(&s) / 2;
    hx_misd_row rows[HX_MISD_MODE_COUNT];
    hx_misd_vote vote;
    bool want_rows = c->part != PART_VOTE, want_vote = c->part != PART_LOCKSTEP;
    int status = want_rows ? hx_misd_run(&s, &c->opts, rows) : HX_OK;
    if (status == HX_OK && want_vote)
        status = hx_misd_run_vote(&s, &c->fault, c->opts.pin, &vote);
    hx_misd_stream_free(&s);
    if (status == HX_OK)
        status = write_report(c, want_rows ? rows : NULL, want_vote ? &vote : NULL);
    bool ok =
        (!want_rows || (rows[0].verified && rows[1].verified)) && (!want_vote || vote.verified);
    if (status == HX_OK && !ok)
        status = hx_fail(HX_ERR_RUNTIME, "a MISD result differs from the sequential reference "
                                         "(see the verified column)");
    return status;
}

int hx_cmd_misd(int argc, char **argv) {
    HX_CLI_MAIN(misd_config, parse_args, misd_help, run, argc, argv);
}
