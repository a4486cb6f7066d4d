/*
 * decompose.c - one job decomposed by domain and by function (design.h).
 *
 * The job: B blocks of L 64-bit words.  generate fills word i of block b from the seed (G work
 * units per word), transform runs each word through T more units, reduce folds each word through
 * R units into a sum modulo 2^64.  The sum does not depend on the order of the blocks, so the
 * domain decomposition (W workers claiming whole blocks from a counter, each running all three
 * stages into a private buffer) and the functional one (a pipeline of three threads, one stage
 * each, passing buffers through bounded queues) are both checked exactly against serial.
 *
 * The pipeline cannot go faster than its slowest stage: once the queues have filled, each block
 * leaves the pipeline one slowest-stage time after the previous one.  Each stage measures its
 * compute time per block, and the report sets 1 / max(stage time) beside the measured
 * throughput.  With stages 1:6:1 the transform is 75% of the work: the pipeline's three threads
 * give at most 8/6 = 1.33x over serial on any number of cores, the domain decomposition up to W.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/parse.h"
#include "hetero/core/provenance.h"
#include "hetero/core/report.h"
#include "hetero/core/table.h"
#include "hetero/core/timer.h"
#include "hetero/map/design.h"
#include "hetero/map/source.h"
#include "internal.h"

#define MAX_REPS 1000

void hx_map_decompose_default(hx_map_decompose_config *c) {
    memset(c, 0, sizeof *c);
    c->workers = 2;
    c->blocks = 512;
    c->block_len = 4096;
    c->stage[0] = 1;
    c->stage[1] = 6;
    c->stage[2] = 1;
    c->queue = 4;
    c->reps = 5;
    c->warmup = 1;
    c->pin = true;
    c->seed = 42;
}

int hx_map_parse_stages(const char *text, uint64_t stage[3]) {
    char buf[96];
    if (strlen(text) >= sizeof buf)
        return hx_fail(HX_ERR_USAGE, "--stages '%s': expected G:T:R", text);
    strcpy(buf, text);
    char *a = buf, *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;
    if (!b || !c)
        return hx_fail(HX_ERR_USAGE,
                       "--stages '%s': expected G:T:R, the work units per word of generate, "
                       "transform and reduce (e.g. 1:6:1)",
                       text);
    *b++ = '\0';
    *c++ = '\0';
    HX_TRY(hx_parse_uint("--stages generate", a, 0, 1u << 20, &stage[0]));
    HX_TRY(hx_parse_uint("--stages transform", b, 0, 1u << 20, &stage[1]));
    return hx_parse_uint("--stages reduce", c, 0, 1u << 20, &stage[2]);
}

/* ---- the three stages --------------------------------------------------------------------- */

/* Each stage chains its words (word i's work starts from word i - 1's result), so its cost is
 * its units times the latency of one unit, not overlapped across words by the out-of-order
 * core: the stage ratios --stages gives are the time ratios. */
static void generate(const hx_map_decompose_config *c, uint64_t b, uint64_t *w) {
    uint64_t carry = b;
    for (uint64_t i = 0; i < c->block_len; i++)
        carry = w[i] = hx_map_spin_work(carry ^ (b << 32 | i), c->stage[0]);
}

static void transform(const hx_map_decompose_config *c, uint64_t *w) {
    uint64_t carry = 0;
    for (uint64_t i = 0; i < c->block_len; i++)
        carry = w[i] = hx_map_spin_work(w[i] ^ carry, c->stage[1]);
}

static uint64_t reduce(const hx_map_decompose_config *c, const uint64_t *w) {
    uint64_t sum = 0, carry = 0;
    for (uint64_t i = 0; i < c->block_len; i++) {
        carry = hx_map_spin_work(w[i] ^ carry, c->stage[2]);
        sum += carry;
    }
    return sum;
}

/* ---- a bounded blocking queue of buffers ----------------------------------------------------- */

typedef struct bqueue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    uint64_t **slot;
    int64_t *tag; /* block number, -1: end of the stream */
    size_t cap, head, tail;
} bqueue;

static int bq_init(bqueue *q, size_t cap) {
    q->slot = malloc(cap * sizeof *q->slot);
    q->tag = malloc(cap * sizeof *q->tag);
    if (!q->slot || !q->tag) {
        free(q->slot);
        free(q->tag);
        return hx_fail(HX_ERR_RUNTIME, "out of memory for a queue");
    }
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    q->cap = cap;
    q->head = q->tail = 0;
    return HX_OK;
}

static void bq_destroy(bqueue *q) {
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    pthread_mutex_destroy(&q->lock);
    free(q->slot);
    free(q->tag);
}

static void bq_put(bqueue *q, uint64_t *buf, int64_t tag) {
    pthread_mutex_lock(&q->lock);
    while (q->tail - q->head == q->cap)
        pthread_cond_wait(&q->not_full, &q->lock);
    q->slot[q->tail % q->cap] = buf;
    q->tag[q->tail % q->cap] = tag;
    q->tail++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

static uint64_t *bq_get(bqueue *q, int64_t *tag) {
    pthread_mutex_lock(&q->lock);
    while (q->head == q->tail)
        pthread_cond_wait(&q->not_empty, &q->lock);
    uint64_t *buf = q->slot[q->head % q->cap];
    *tag = q->tag[q->head % q->cap];
    q->head++;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->lock);
    return buf;
}

/* ---- runs ----------------------------------------------------------------------------------- */

typedef struct dec_run {
    const hx_map_decompose_config *c;
    _Alignas(64) atomic_uint_fast64_t next;
    bqueue free_bufs, q1, q2;
    uint64_t sums[HX_MAP_MAX_WORKERS];
    uint64_t stage_ticks[HX_MAP_MAX_WORKERS][3];
    int failed;
    map_gate gate; /* the threads wait until all exist */
} dec_run;

typedef struct dec_thread {
    dec_run *r;
    unsigned index;
    pthread_t tid;
} dec_thread;

/* A thread's start: past the gate (false: leave), bound to the index-th of n cores' PUs. */
static bool enter(dec_thread *t, unsigned n) {
    if (!map_gate_pass(&t->r->gate))
        return false;
    if (t->r->c->pin)
        (void)hx_map_bind_worker(t->index, n);
    return true;
}

static void *domain_worker(void *p) {
    dec_thread *t = p;
    dec_run *r = t->r;
    const hx_map_decompose_config *c = r->c;
    if (!enter(t, c->workers))
        return NULL;
    uint64_t *w = malloc(c->block_len * sizeof *w), sum = 0, *ticks = r->stage_ticks[t->index];
    if (!w) {
        r->failed = 1; /* written by this thread only; read after join */
        return NULL;
    }
    for (;;) {
        uint64_t b = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
        if (b >= c->blocks)
            break;
        uint64_t t0 = hx_map_ticks();
        generate(c, b, w);
        uint64_t t1 = hx_map_ticks();
        transform(c, w);
        uint64_t t2 = hx_map_ticks();
        sum += reduce(c, w);
        ticks[0] += t1 - t0;
        ticks[1] += t2 - t1;
        ticks[2] += hx_map_ticks() - t2;
    }
    r->sums[t->index] = sum;
    free(w);
    return NULL;
}

static void *pipeline_stage(void *p) {
    dec_thread *t = p;
    dec_run *r = t->r;
    const hx_map_decompose_config *c = r->c;
    if (!enter(t, 3))
        return NULL;
    uint64_t *ticks = r->stage_ticks[t->index], sum = 0;
    for (uint64_t b = 0;; b++) {
        int64_t tag;
        uint64_t *w;
        if (t->index == 0) { /* generate: the source of the stream */
            w = bq_get(&r->free_bufs, &tag);
            if (b == c->blocks) {
                bq_put(&r->q1, w, -1);
                break;
            }
            uint64_t t0 = hx_map_ticks();
            generate(c, b, w);
            ticks[0] += hx_map_ticks() - t0;
            bq_put(&r->q1, w, (int64_t)b);
        } else if (t->index == 1) {
            w = bq_get(&r->q1, &tag);
            if (tag >= 0) {
                uint64_t t0 = hx_map_ticks();
                transform(c, w);
                ticks[1] += hx_map_ticks() - t0;
            }
            bq_put(&r->q2, w, tag);
            if (tag < 0)
                break;
        } else {
            w = bq_get(&r->q2, &tag);
            if (tag < 0) {
                bq_put(&r->free_bufs, w, 0);
                break;
            }
            uint64_t t0 = hx_map_ticks();
            sum += reduce(c, w);
            ticks[2] += hx_map_ticks() - t0;
            bq_put(&r->free_bufs, w, 0);
        }
    }
    r->sums[t->index] = sum;
    return NULL;
}

static int start_join(dec_run *r, unsigned n, void *(*fn)(void *)) {
    dec_thread th[HX_MAP_MAX_WORKERS];
    unsigned made = 0;
    int err = 0;
    for (; made < n; made++) {
        th[made] = (dec_thread){r, made, 0};
        if ((err = pthread_create(&th[made].tid, NULL, fn, &th[made])) != 0)
            break;
    }
    map_gate_open(&r->gate, err == 0);
    for (unsigned i = 0; i < made; i++)
        pthread_join(th[i].tid, NULL);
    if (err != 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot create thread %u: %s", made + 1, strerror(err));
    return r->failed ? hx_fail(HX_ERR_RUNTIME, "out of memory for a block") : HX_OK;
}

/* One run of the domain (pipeline false) or the pipeline decomposition: seconds, the sum, and
 * the stage ticks summed over threads. */
static int run_once(const hx_map_decompose_config *c, bool pipeline, double *seconds, uint64_t *sum,
                    uint64_t ticks[3]) {
    dec_run *r = calloc(1, sizeof *r);
    if (!r)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    r->c = c;
    atomic_init(&r->next, 0);
    map_gate_init(&r->gate);
    const size_t nbufs = pipeline ? 2 * (size_t)c->queue + 3 : 0;
    uint64_t *pool = NULL;
    int status = HX_OK;
    bool queues = false;
    if (pipeline) {
        pool = malloc(nbufs * c->block_len * sizeof *pool);
        status = pool ? bq_init(&r->free_bufs, nbufs) : hx_fail(HX_ERR_RUNTIME, "out of memory");
        if (status == HX_OK && (status = bq_init(&r->q1, c->queue)) != HX_OK)
            bq_destroy(&r->free_bufs);
        if (status == HX_OK && (status = bq_init(&r->q2, c->queue)) != HX_OK) {
            bq_destroy(&r->q1);
            bq_destroy(&r->free_bufs);
        }
        queues = status == HX_OK;
        for (size_t i = 0; queues && i < nbufs; i++)
            bq_put(&r->free_bufs, pool + i * c->block_len, 0);
    }
    double t0 = hx_now();
    if (status == HX_OK)
        status =
            start_join(r, pipeline ? 3 : c->workers, pipeline ? pipeline_stage : domain_worker);
    *seconds = hx_now() - t0;
    *sum = 0;
    ticks[0] = ticks[1] = ticks[2] = 0;
    for (unsigned i = 0; i < (pipeline ? 3 : c->workers); i++) {
        *sum += r->sums[i];
        for (int s = 0; s < 3; s++)
            ticks[s] += r->stage_ticks[i][s];
    }
    if (queues) {
        bq_destroy(&r->q2);
        bq_destroy(&r->q1);
        bq_destroy(&r->free_bufs);
    }
    free(pool);
    map_gate_destroy(&r->gate);
    free(r);
    return status;
}

static uint64_t serial_sum(const hx_map_decompose_config *c, uint64_t *w) {
    uint64_t sum = 0;
    for (uint64_t b = 0; b < c->blocks; b++) {
        generate(c, b, w);
        transform(c, w);
        sum += reduce(c, w);
    }
    return sum;
}

static int measure_serial(const hx_map_decompose_config *c, hx_map_decompose *d) {
    uint64_t *w = malloc(c->block_len * sizeof *w);
    if (!w)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    double t[MAX_REPS];
    for (int i = 0; i < c->warmup; i++)
        d->checksum = serial_sum(c, w);
    for (int i = 0; i < c->reps; i++) {
        double t0 = hx_now();
        d->checksum = serial_sum(c, w);
        t[i] = hx_now() - t0;
    }
    free(w);
    d->serial = hx_stats_of(t, (size_t)c->reps);
    return HX_OK;
}

static int measure_row(const hx_map_decompose_config *c, bool pipeline, hx_map_decompose *d,
                       hx_map_decompose_row *row) {
    double t[MAX_REPS], seconds = 0.0;
    uint64_t sum = 0, ticks[3] = {0, 0, 0}, total[3] = {0, 0, 0};
    row->name = pipeline ? "pipeline" : "domain";
    row->threads = pipeline ? 3 : c->workers;
    row->verified = true;
    for (int i = 0; i < c->warmup + c->reps; i++) {
        HX_TRY(run_once(c, pipeline, &seconds, &sum, ticks));
        row->verified &= sum == d->checksum;
        row->checksum = sum;
        if (i < c->warmup)
            continue;
        t[i - c->warmup] = seconds;
        for (int s = 0; s < 3; s++)
            total[s] += ticks[s];
    }
    row->time = hx_stats_of(t, (size_t)c->reps);
    row->throughput = (double)c->blocks / row->time.median;
    row->speedup = d->serial.median / row->time.median;
    const double per_block = hx_map_tick_seconds() / ((double)c->blocks * c->reps);
    double slowest = 0.0, sum_stages = 0.0;
    for (int s = 0; s < 3; s++) {
        row->stage_s[s] = (double)total[s] * per_block;
        slowest = row->stage_s[s] > slowest ? row->stage_s[s] : slowest;
        sum_stages += row->stage_s[s];
    }
    row->predicted = pipeline ? 1.0 / slowest : (double)c->workers / sum_stages;
    if (!row->verified)
        return hx_fail(HX_ERR_RUNTIME,
                       "the %s decomposition's sum %016llx differs from serial's "
                       "%016llx",
                       row->name, (unsigned long long)sum, (unsigned long long)d->checksum);
    return HX_OK;
}

int hx_map_decompose_run(const hx_map_decompose_config *c, hx_map_decompose *out) {
    memset(out, 0, sizeof *out);
    out->cfg = *c;
    HX_TRY(map_check_team(c->workers, c->blocks, "blocks of the job", c->reps, MAX_REPS));
    (void)hx_map_tick_seconds();
    HX_TRY(measure_serial(c, out));
    HX_TRY(measure_row(c, false, out, &out->rows[0]));
    return measure_row(c, true, out, &out->rows[1]);
}

int hx_map_decompose_write(FILE *out, hx_format fmt, const hx_map_decompose *d) {
    const hx_map_decompose_config *c = &d->cfg;
    if (fmt == HX_FORMAT_JSON) {
        hx_json j;
        hx_json_init(&j, out, true);
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "schema", HX_MAP_DECOMPOSE_SCHEMA);
        hx_json_kv_provenance(&j);
        hx_json_kv_int(&j, "workers", c->workers);
        hx_json_kv_int(&j, "blocks", (int64_t)c->blocks);
        hx_json_kv_int(&j, "block_len", (int64_t)c->block_len);
        hx_json_key(&j, "stage_units");
        hx_json_array_begin(&j);
        for (int s = 0; s < 3; s++)
            hx_json_int(&j, (int64_t)c->stage[s]);
        hx_json_array_end(&j);
        hx_json_kv_int(&j, "queue", c->queue);
        hx_json_kv_stats(&j, "serial_s", &d->serial);
        hx_json_key(&j, "results");
        hx_json_array_begin(&j);
        for (int i = 0; i < 2; i++) {
            const hx_map_decompose_row *r = &d->rows[i];
            hx_json_object_begin(&j);
            hx_json_kv_string(&j, "decomposition", r->name);
            hx_json_kv_int(&j, "threads", r->threads);
            hx_json_kv_stats(&j, "time_s", &r->time);
            hx_json_kv_number(&j, "speedup", r->speedup);
            hx_json_kv_number(&j, "throughput_blocks_per_s", r->throughput);
            hx_json_kv_number(&j, "predicted_blocks_per_s", r->predicted);
            hx_json_key(&j, "stage_s_per_block");
            hx_json_array_begin(&j);
            for (int s = 0; s < 3; s++)
                hx_json_number(&j, r->stage_s[s]);
            hx_json_array_end(&j);
            hx_json_kv_bool(&j, "verified", r->verified);
            hx_json_object_end(&j);
        }
        hx_json_array_end(&j);
        hx_json_object_end(&j);
        hx_json_end(&j);
        return HX_OK;
    }
    if (fmt == HX_FORMAT_CSV) {
        fputs("decomposition,threads,time_median_s,time_min_s,time_max_s,speedup,"
              "throughput_blocks_per_s,predicted_blocks_per_s,generate_s,transform_s,reduce_s,"
              "verified\n",
              out);
        for (int i = 0; i < 2; i++) {
            const hx_map_decompose_row *r = &d->rows[i];
            fprintf(out, "%s,%u", r->name, r->threads);
            double v[] = {r->time.median, r->time.min,   r->time.max,   r->speedup,   r->throughput,
                          r->predicted,   r->stage_s[0], r->stage_s[1], r->stage_s[2]};
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
                hx_csv_number(out, v[k]);
            fprintf(out, ",%s\n", r->verified ? "yes" : "no");
        }
        return HX_OK;
    }
    static const char *const h[] = {"decomposition", "threads",  "time",      "min..max",
                                    "speedup",       "blocks/s", "predicted", "generate",
                                    "transform",     "reduce",   "verified"};
    hx_table *t = hx_table_new(11, h, "lrrrrrrrrrl");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the report");
    for (int i = 0; i < 2; i++) {
        const hx_map_decompose_row *r = &d->rows[i];
        char med[32], mn[32], mx[32], st[3][32];
        hx_format_seconds(med, sizeof med, r->time.median);
        hx_format_seconds(mn, sizeof mn, r->time.min);
        hx_format_seconds(mx, sizeof mx, r->time.max);
        for (int s = 0; s < 3; s++)
            hx_format_seconds(st[s], sizeof st[s], r->stage_s[s]);
        hx_table_row(t);
        hx_table_cell(t, "%s", r->name);
        hx_table_cell(t, "%u", r->threads);
        hx_table_cell(t, "%s", med);
        hx_table_cell(t, "%s..%s", mn, mx);
        hx_table_cell(t, "%.2fx", r->speedup);
        hx_table_cell(t, "%.0f", r->throughput);
        hx_table_cell(t, "%.0f", r->predicted);
        hx_table_cell(t, "%s", st[0]);
        hx_table_cell(t, "%s", st[1]);
        hx_table_cell(t, "%s", st[2]);
        hx_table_cell(t, "%s", r->verified ? "yes" : "NO");
    }
    char serial[32];
    hx_format_seconds(serial, sizeof serial, d->serial.median);
    fprintf(out,
            "hetero map decompose: %llu blocks of %llu words, stages %llu:%llu:%llu work units "
            "per word, queues of %u blocks; serial %s\n\n",
            (unsigned long long)c->blocks, (unsigned long long)c->block_len,
            (unsigned long long)c->stage[0], (unsigned long long)c->stage[1],
            (unsigned long long)c->stage[2], c->queue, serial);
    hx_table_print(t, out);
    hx_table_free(t);
    fputs("\ngenerate/transform/reduce: time per block in each stage.  predicted: the pipeline's "
          "bound 1 / slowest stage;\nthe domain decomposition's W / (sum of the stages), with a "
          "core per worker.\n",
          out);
    return HX_OK;
}
