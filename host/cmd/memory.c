/*
 * memory.c - `hetero memory`: this machine's memory organisation, first touch and thread
 * binding measured (memory.h).
 */
#include <omp.h>
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
#include "hetero/memory/memory.h"

#define MEMORY_SCHEMA "hetero.memory/1"

typedef struct memory_config {
    bool topology, first_touch, binding;
    hx_memory_opts opts;
    hx_report_opts report; /* --format, --output */
} memory_config;

static const hx_opt memory_opts[] = {
    {"part", 0, "LIST", "topology, first-touch, binding or all (default all), comma-separated"},
    {"size", 's', "N", "floats per array, K/M/G suffixes (default 16M: 64 MiB x 3 arrays)"},
    {"threads", 't', "N", "threads of the triads (default: all cores)"},
    {"reps", 'r', "N", "timed triads per row (default 5; the median is reported)"},
    {"warmup", 'w', "N", "untimed triads first (default 1)"},
    HX_CLI_REPORT_OPTS,
    HX_CLI_HELP_AND_END,
};

static void memory_help(FILE *out) {
    hx_args_help(out, "hetero memory [OPTIONS]",
                 "Memory organisation made visible.  topology: packages, NUMA nodes (memory,\n"
                 "distances), caches and who shares them, and whether this machine is UMA or\n"
                 "NUMA (hwloc; lstopo-no-graphics's picture when it is installed).  first-touch:\n"
                 "a parallel triad over arrays first written by one thread or by the threads\n"
                 "that use them, with where the pages landed read back (move_pages).  binding:\n"
                 "the triad with its threads unbound, bound close and spread, with the cpu each\n"
                 "ran on.  Every triad result is checked.  On one NUMA node the placement cannot\n"
                 "change the bandwidth, and the report says so.\n\n"
                 "Exit status: 0 ok, 1 a triad result that failed its check, 2 usage error.",
                 memory_opts);
}

static int parse_parts(memory_config *c, const char *v) {
    static const char *const names[] = {"topology", "first-touch", "binding", "all", NULL};
    char *copy = strdup(v), *items[8];
    size_t n = 0;
    if (!copy)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    c->topology = c->first_touch = c->binding = false;
    int status = hx_split_list("--part", copy, items, 8, &n);
    for (size_t i = 0; status == HX_OK && i < n; i++) {
        int k;
        status = hx_parse_choice("--part", items[i], names, &k);
        c->topology |= k == 0 || k == 3;
        c->first_touch |= k == 1 || k == 3;
        c->binding |= k == 2 || k == 3;
    }
    free(copy);
    return status;
}

static int apply_option(void *ctx, const hx_arg *a) {
    memory_config *c = ctx;
    const char *n = a->opt->name, *v = a->value;
    if (strcmp(n, "part") == 0)
        return parse_parts(c, v);
    if (strcmp(n, "size") == 0) {
        uint64_t e;
        HX_TRY(hx_parse_size("--size", v, 1024, (uint64_t)1 << 30, &e));
        c->opts.elements = (size_t)e;
        return HX_OK;
    }
    if (strcmp(n, "threads") == 0)
        return hx_parse_threads("--threads", v, &c->opts.threads);
    if (strcmp(n, "reps") == 0)
        return hx_parse_int("--reps", v, 1, 100000, &c->opts.reps);
    if (strcmp(n, "warmup") == 0)
        return hx_parse_int("--warmup", v, 0, 100000, &c->opts.warmup);
    bool handled;
    HX_TRY(hx_report_opts_apply(&c->report, n, v, &handled));
    return handled ? HX_OK : hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", n);
}

static int parse_args(memory_config *c, int argc, char **argv, bool *help) {
    memset(c, 0, sizeof *c);
    c->topology = c->first_touch = c->binding = true;
    c->opts = (hx_memory_opts){
        .elements = (size_t)16 << 20, .threads = omp_get_num_procs(), .reps = 5, .warmup = 1};
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, memory_opts, "memory");
    HX_TRY(hx_args_parse_options(&ap, apply_option, c, help));
    if (c->opts.threads > HX_MEMORY_MAX_THREADS)
        return hx_fail(HX_ERR_USAGE, "--threads %d: the memory experiments take at most %d",
                       c->opts.threads, HX_MEMORY_MAX_THREADS);
    return HX_OK;
}

/* ---- output ------------------------------------------------------------------------------- */

typedef struct memory_report {
    hx_memory_topology topo;
    hx_memory_row rows[HX_INIT_COUNT + HX_BIND_COUNT];
    size_t nrows;
} memory_report;

static void cpus_text(const hx_memory_row *r, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < r->threads && i < HX_MEMORY_MAX_THREADS && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? "," : "", r->cpu_of_thread[i]);
}

static void print_topology(FILE *out, const hx_memory_topology *t) {
    char mem[32];
    fprintf(out, "organisation: %s: %u package%s, %u NUMA node%s, %u cores, %u hardware threads\n",
            t->organisation, t->packages, t->packages == 1 ? "" : "s", t->nodes,
            t->nodes == 1 ? "" : "s", t->cores, t->pus);
    for (unsigned i = 0; i < t->nodes && i < HX_MEMORY_MAX_NODES; i++)
        fprintf(out, "  node %u: %s%s", i, hx_format_bytes(t->node_bytes[i], mem, sizeof mem),
                t->have_distances ? ", distances" : "\n");
    for (unsigned i = 0; t->have_distances && i < t->nodes && i < HX_MEMORY_MAX_NODES; i++) {
        for (unsigned j = 0; j < t->nodes && j < HX_MEMORY_MAX_NODES; j++)
            fprintf(out, " %u", t->distance[i][j]);
        fputc('\n', out);
    }
    fputs("caches:", out);
    for (size_t i = 0; i < t->ncaches; i++)
        fprintf(out, " L%d %s x%u (each shared by %u)", t->caches[i].level,
                hx_format_bytes(t->caches[i].bytes, mem, sizeof mem), t->caches[i].count,
                t->caches[i].shared_by);
    fputc('\n', out);
}

/* lstopo-no-graphics's console picture, when Debian's hwloc-nox is installed. */
static void print_lstopo(FILE *out) {
    FILE *p = popen("lstopo-no-graphics --of console --no-io 2>/dev/null", "r");
    char line[512];
    bool any = false;
    while (p && fgets(line, sizeof line, p)) {
        fputs(any ? "" : "lstopo-no-graphics:\n", out);
        fputs(line, out);
        any = true;
    }
    if (p)
        pclose(p);
    if (!any)
        fputs("(lstopo-no-graphics is not installed: Debian's hwloc-nox draws the topology)\n",
              out);
}

static int print_rows(FILE *out, const memory_report *m) {
    static const char *const head[] = {"part",        "variant", "threads", "median",  "GB/s",
                                       "pages node0", "local",   "cpus",    "verified"};
    hx_table *t = hx_table_new(9, head, "llrrrrrll");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < m->nrows; i++) {
        const hx_memory_row *r = &m->rows[i];
        char med[32], cpus[256];
        hx_format_seconds(med, sizeof med, r->time.median);
        cpus_text(r, cpus, sizeof cpus);
        hx_table_row(t);
        hx_table_cell(t, "%s", r->part);
        hx_table_cell(t, "%s", r->variant);
        hx_table_cell(t, "%d", r->threads);
        hx_table_cell(t, "%s", med);
        hx_table_cell(t, "%.1f", r->gbps);
        hx_table_cell(t, r->nodes ? "%.0f%%" : "-", 100.0 * r->pages_on_node[0]);
        hx_table_cell(t, r->nodes ? "%.0f%%" : "-", 100.0 * r->local_fraction);
        hx_table_cell(t, "%s", cpus);
        hx_table_cell(t, "%s", r->verified ? "yes" : "NO");
    }
    hx_table_print(t, out);
    hx_table_free(t);
    fputs("triad a = b + 3c, float; GB/s = 12 bytes per element / median; pages sampled with "
          "move_pages(2); local = on the node of the cpu of the thread that uses them\n",
          out);
    if (m->topo.nodes == 1)
        fputs("cannot show here: needs numa2 (one NUMA node: every page is local, so first touch "
              "and binding cannot change the bandwidth; differences above are noise)\n",
              out);
    return HX_OK;
}

static void json_row(hx_json *j, const hx_memory_row *r) {
    hx_json_object_begin(j);
    hx_json_kv_string(j, "part", r->part);
    hx_json_kv_string(j, "variant", r->variant);
    hx_json_kv_int(j, "threads", r->threads);
    hx_json_kv_stats(j, "time_s", &r->time);
    hx_json_kv_number(j, "gbps", r->gbps);
    hx_json_key(j, "pages_on_node");
    hx_json_array_begin(j);
    for (unsigned i = 0; i < r->nodes; i++)
        hx_json_number(j, r->pages_on_node[i]);
    hx_json_array_end(j);
    hx_json_kv_number(j, "local_fraction", r->local_fraction);
    hx_json_key(j, "cpus");
    hx_json_array_begin(j);
    for (int i = 0; i < r->threads && i < HX_MEMORY_MAX_THREADS; i++)
        hx_json_int(j, r->cpu_of_thread[i]);
    hx_json_array_end(j);
    hx_json_kv_bool(j, "verified", r->verified);
    hx_json_object_end(j);
}

static void json_topology(hx_json *j, const hx_memory_topology *t) {
    hx_json_key(j, "topology");
    hx_json_object_begin(j);
    hx_json_kv_string(j, "organisation", t->organisation);
    hx_json_kv_int(j, "packages", t->packages);
    hx_json_kv_int(j, "numa_nodes", t->nodes);
    hx_json_kv_int(j, "cores", t->cores);
    hx_json_kv_int(j, "pus", t->pus);
    hx_json_key(j, "node_bytes");
    hx_json_array_begin(j);
    for (unsigned i = 0; i < t->nodes && i < HX_MEMORY_MAX_NODES; i++)
        hx_json_int(j, (int64_t)t->node_bytes[i]);
    hx_json_array_end(j);
    hx_json_key(j, "caches");
    hx_json_array_begin(j);
    for (size_t i = 0; i < t->ncaches; i++) {
        hx_json_object_begin(j);
        hx_json_kv_int(j, "level", t->caches[i].level);
        hx_json_kv_int(j, "bytes", (int64_t)t->caches[i].bytes);
        hx_json_kv_int(j, "count", t->caches[i].count);
        hx_json_kv_int(j, "shared_by", t->caches[i].shared_by);
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
    hx_json_object_end(j);
}

static void write_json(FILE *out, const memory_config *c, const memory_report *m) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", MEMORY_SCHEMA);
    hx_json_kv_provenance(&j);
    json_topology(&j, &m->topo);
    hx_json_kv_int(&j, "elements", (int64_t)c->opts.elements);
    hx_json_key(&j, "results");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < m->nrows; i++)
        json_row(&j, &m->rows[i]);
    hx_json_array_end(&j);
    hx_json_kv_bool(&j, "can_show_numa", m->topo.nodes > 1);
    hx_json_object_end(&j);
    hx_json_end(&j);
}

static void write_csv(FILE *out, const memory_report *m) {
    fputs("part,variant,threads,time_median_s,gbps,pages_node0,local_fraction,verified\n", out);
    for (size_t i = 0; i < m->nrows; i++) {
        const hx_memory_row *r = &m->rows[i];
        fprintf(out, "%s,%s,%d", r->part, r->variant, r->threads);
        hx_csv_number(out, r->time.median);
        hx_csv_number(out, r->gbps);
        hx_csv_number(out, r->pages_on_node[0]);
        hx_csv_number(out, r->local_fraction);
        fprintf(out, ",%s\n", r->verified ? "true" : "false");
    }
}

static int write_report(const memory_config *c, const memory_report *m) {
    hx_output out;
    HX_TRY(hx_output_open(&out, c->report.output));
    int status = HX_OK;
    if (c->report.format == HX_FORMAT_JSON) {
        write_json(out.fp, c, m);
    } else if (c->report.format == HX_FORMAT_CSV) {
        write_csv(out.fp, m);
    } else {
        if (c->topology) {
            print_topology(out.fp, &m->topo);
            print_lstopo(out.fp);
        }
        if (m->nrows)
            status = print_rows(out.fp, m);
    }
    if (status == HX_OK)
        return hx_output_commit(&out);
    hx_output_abort(&out);
    return status;
}

static int run(const memory_config *c) {
    memory_report *m = calloc(1, sizeof *m);
    if (!m)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = hx_memory_topology_get(&m->topo);
    if (status == HX_OK && c->first_touch) {
        status = hx_memory_first_touch(&c->opts, &m->topo, m->rows + m->nrows);
        m->nrows += HX_INIT_COUNT;
    }
    if (status == HX_OK && c->binding) {
        status = hx_memory_binding(&c->opts, &m->topo, m->rows + m->nrows);
        m->nrows += HX_BIND_COUNT;
    }
    if (status == HX_OK)
        status = write_report(c, m);
    for (size_t i = 0; status == HX_OK && i < m->nrows; i++)
        if (!m->rows[i].verified)
            status = hx_fail(HX_ERR_RUNTIME, "the %s %s triad gave a wrong element",
                             m->rows[i].part, m->rows[i].variant);
    free(m);
    return status;
}

int hx_cmd_memory(int argc, char **argv) {
    HX_CLI_MAIN(memory_config, parse_args, memory_help, run, argc, argv);
}
