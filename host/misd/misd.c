/*
 * misd.c - K instruction streams over one data stream, in sequence or in lockstep, and a vote of
 * three implementations (see misd.h).
 *
 * A function is a small state (two 64-bit words) with an update over a run of bytes, so the
 * sequential mode can feed it the whole stream in one call while the lockstep mode feeds it one
 * block at a time; both must end with the same value, which is how lockstep is verified.
 */
#include "hetero/misd/misd.h"

#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/rng.h"
#include "hetero/core/timer.h"

static const char *const function_names[HX_MISD_FUNCTION_COUNT + 1] = {"crc32c", "adler32", "fnv1a",
                                                                       "sum64",  "minmax",  NULL};

const char *hx_misd_function_name(hx_misd_function f) {
    return (unsigned)f < HX_MISD_FUNCTION_COUNT ? function_names[f] : "?";
}

const char *hx_misd_mode_name(hx_misd_mode m) {
    return m == HX_MISD_SEQUENTIAL ? "sequential" : "lockstep";
}

int hx_misd_parse_functions(const char *text, hx_misd_function *fns, size_t *count) {
    *count = 0;
    if (text && strcmp(text, "all") == 0) {
        for (int f = 0; f < HX_MISD_FUNCTION_COUNT; f++)
            fns[(*count)++] = (hx_misd_function)f;
        return HX_OK;
    }
    char *copy = text ? strdup(text) : NULL, *items[HX_MISD_MAX_FUNCTIONS * 2];
    size_t n = 0;
    if (text && !copy)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = hx_split_list("--functions", copy, items, HX_MISD_MAX_FUNCTIONS * 2, &n);
    for (size_t i = 0; status == HX_OK && i < n; i++) {
        int f;
        status = hx_parse_choice("--functions", items[i], function_names, &f);
        for (size_t k = 0; status == HX_OK && k < *count; k++)
            if (fns[k] == (hx_misd_function)f)
                status = hx_fail(HX_ERR_USAGE, "--functions names '%s' twice", items[i]);
        if (status == HX_OK && *count == HX_MISD_MAX_FUNCTIONS)
            status =
                hx_fail(HX_ERR_USAGE, "--functions takes at most %d names", HX_MISD_MAX_FUNCTIONS);
        if (status == HX_OK)
            fns[(*count)++] = (hx_misd_function)f;
    }
    free(copy);
    return status;
}

/* ---- the stream --------------------------------------------------------------------------- */

int hx_misd_stream_make(hx_misd_stream *s, size_t bytes, size_t block, uint64_t seed) {
    memset(s, 0, sizeof *s);
    if (bytes == 0 || bytes % 64 || block == 0 || block % 64)
        return hx_fail(HX_ERR_USAGE,
                       "the stream (%zu bytes) and its blocks (%zu bytes) must be non-zero "
                       "multiples of 64 bytes",
                       bytes, block);
    uint64_t *words;
    HX_TRY(hx_alloc_checked((void **)&words, bytes, "the MISD stream"));
    for (size_t i = 0; i < bytes / 8; i++)
        words[i] = hx_mix64(seed ^ (i * 0x9e3779b97f4a7c15ULL));
    s->data = (const uint8_t *)words;
    s->bytes = bytes;
    s->block = block < bytes ? block : bytes;
    return HX_OK;
}

void hx_misd_stream_free(hx_misd_stream *s) {
    hx_free((void *)s->data);
    memset(s, 0, sizeof *s);
}

size_t hx_misd_blocks(const hx_misd_stream *s) {
    return s->block ? (s->bytes + s->block - 1) / s->block : 0;
}

/* ---- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), three ways -------------------- */

#define CRC32C_POLY 0x82F63B78u

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void make_crc_tables(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1u)));
        crc_table[0][i] = c;
    }
    for (int t = 1; t < 8; t++)
        for (int i = 0; i < 256; i++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFF];
}

uint32_t hx_crc32c_bitwise(uint32_t crc, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (CRC32C_POLY & (0u - (crc & 1u)));
    }
    return crc;
}

static uint32_t crc32c_bytewise(uint32_t crc, const uint8_t *p, size_t n) {
    pthread_once(&crc_once, make_crc_tables);
    for (size_t i = 0; i < n; i++)
        crc = (crc >> 8) ^ crc_table[0][(crc ^ p[i]) & 0xFF];
    return crc;
}

uint32_t hx_crc32c_slice8(uint32_t crc, const uint8_t *p, size_t n) {
    pthread_once(&crc_once, make_crc_tables);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w ^= crc;
        crc = crc_table[7][w & 0xFF] ^ crc_table[6][(w >> 8) & 0xFF] ^
              crc_table[5][(w >> 16) & 0xFF] ^ crc_table[4][(w >> 24) & 0xFF] ^
              crc_table[3][(w >> 32) & 0xFF] ^ crc_table[2][(w >> 40) & 0xFF] ^
              crc_table[1][(w >> 48) & 0xFF] ^ crc_table[0][w >> 56];
    }
    return crc32c_bytewise(crc, p + i, n - i);
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p,
                                                               size_t n) {
    uint64_t c = crc;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        c = _mm_crc32_u64(c, w);
    }
    for (; i < n; i++)
        c = _mm_crc32_u8((uint32_t)c, p[i]);
    return (uint32_t)c;
}

uint32_t hx_crc32c_hw(uint32_t crc, const uint8_t *p, size_t n) {
    return hx_cpu()->sse42 ? crc32c_sse42(crc, p, n) : crc32c_bytewise(crc, p, n);
}

/* ---- the functions as incremental states -------------------------------------------------- */

#define ADLER_MOD  65521u
#define ADLER_NMAX 5552u /* the most bytes before b can overflow 32 bits */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

typedef struct fn_state {
    hx_misd_function f;
    uint64_t s[2];
} fn_state;

static void fn_init(fn_state *st, hx_misd_function f) {
    st->f = f;
    st->s[0] = st->s[1] = 0;
    switch (f) {
    case HX_MISD_CRC32C:
        st->s[0] = 0xFFFFFFFFu;
        break;
    case HX_MISD_ADLER32:
        st->s[0] = 1;
        break;
    case HX_MISD_FNV1A:
        st->s[0] = FNV_OFFSET;
        break;
    case HX_MISD_MINMAX:
        st->s[0] = UINT32_MAX;
        break;
    default: /* sum64 starts at zero */
        break;
    }
}

static void adler_update(uint64_t *s, const uint8_t *p, size_t n) {
    uint32_t a = (uint32_t)s[0], b = (uint32_t)s[1];
    while (n > 0) {
        size_t chunk = n < ADLER_NMAX ? n : ADLER_NMAX;
        for (size_t i = 0; i < chunk; i++) {
            a += p[i];
            b += a;
        }
        a %= ADLER_MOD, b %= ADLER_MOD;
        p += chunk, n -= chunk;
    }
    s[0] = a, s[1] = b;
}

/* n is a multiple of 8 (blocks and the stream are multiples of 64 bytes). */
static void fn_update(fn_state *st, const uint8_t *p, size_t n) {
    switch (st->f) {
    case HX_MISD_CRC32C:
        st->s[0] = hx_crc32c_slice8((uint32_t)st->s[0], p, n);
        break;
    case HX_MISD_ADLER32:
        adler_update(st->s, p, n);
        break;
    case HX_MISD_FNV1A: {
        uint64_t h = st->s[0];
        for (size_t i = 0; i < n; i++)
            h = (h ^ p[i]) * FNV_PRIME;
        st->s[0] = h;
        break;
    }
    case HX_MISD_SUM64: {
        uint64_t sum = st->s[0];
        for (size_t i = 0; i < n; i += 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            sum += w;
        }
        st->s[0] = sum;
        break;
    }
    case HX_MISD_MINMAX: {
        uint32_t lo = (uint32_t)st->s[0], hi = (uint32_t)st->s[1];
        for (size_t i = 0; i < n; i += 4) {
            uint32_t w;
            memcpy(&w, p + i, 4);
            lo = w < lo ? w : lo;
            hi = w > hi ? w : hi;
        }
        st->s[0] = lo, st->s[1] = hi;
        break;
    }
    default:
        break;
    }
}

static hx_misd_value fn_final(const fn_state *st) {
    hx_misd_value v = {{st->s[0], st->s[1]}};
    if (st->f == HX_MISD_CRC32C)
        v.v[0] = (uint32_t)st->s[0] ^ 0xFFFFFFFFu, v.v[1] = 0;
    else if (st->f == HX_MISD_ADLER32)
        v.v[0] = (st->s[1] << 16) | st->s[0], v.v[1] = 0;
    return v;
}

hx_misd_value hx_misd_compute(hx_misd_function f, const hx_misd_stream *s) {
    fn_state st;
    fn_init(&st, f);
    fn_update(&st, s->data, s->bytes);
    return fn_final(&st);
}

/* ---- pinning ------------------------------------------------------------------------------ */

static size_t online_cores(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (size_t)cores : 1;
}

/* The calling thread on `core`, where the OS lets us (a container may not). */
static void pin_to_core(int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    (void)sched_setaffinity(0, sizeof set, &set); /* best effort; the row says pinned or not */
}

void hx_misd_place(const double *cost, size_t k, size_t cores, int *core_of) {
    double load[HX_MISD_MAX_FUNCTIONS] = {0};
    bool placed[HX_MISD_MAX_FUNCTIONS] = {false};
    if (cores > HX_MISD_MAX_FUNCTIONS)
        cores = HX_MISD_MAX_FUNCTIONS; /* more cores than lanes: the first k suffice */
    for (size_t n = 0; n < k; n++) {
        size_t next = k;
        for (size_t i = 0; i < k; i++) /* the costliest lane not yet placed */
            if (!placed[i] && (next == k || cost[i] > cost[next]))
                next = i;
        size_t least = 0;
        for (size_t c = 1; c < cores; c++)
            if (load[c] < load[least])
                least = c;
        placed[next] = true;
        core_of[next] = (int)least;
        load[least] += cost[next];
    }
}

/* Each lane's core: its function timed over the first MiB of the stream (at least a block),
 * then hx_misd_place.  With more lanes than cores, i mod cores would put crc32c, fnv1a and
 * minmax on one core and leave the other half idle at every barrier. */
static void plan_lanes(const hx_misd_stream *s, const hx_misd_opts *o, int *core_of) {
    double cost[HX_MISD_MAX_FUNCTIONS];
    size_t sample = s->bytes < ((size_t)1 << 20) ? s->bytes : (size_t)1 << 20;
    for (size_t k = 0; k < o->nfns; k++) {
        fn_state st;
        fn_init(&st, o->fns[k]);
        double t0 = hx_now();
        fn_update(&st, s->data, sample);
        (void)fn_final(&st);
        cost[k] = hx_now() - t0;
    }
    hx_misd_place(cost, o->nfns, online_cores(), core_of);
}

/* ---- sequential and lockstep -------------------------------------------------------------- */

static void run_sequential(const hx_misd_stream *s, const hx_misd_opts *o, hx_misd_value *out) {
    for (size_t k = 0; k < o->nfns; k++)
        out[k] = hx_misd_compute(o->fns[k], s);
}

typedef struct lockstep {
    const hx_misd_stream *s;
    const hx_misd_opts *o;
    const int *core_of; /* each lane's core (plan_lanes), when pinned */
    pthread_barrier_t barrier;
    hx_misd_value values[HX_MISD_MAX_FUNCTIONS];
} lockstep;

typedef struct lane {
    lockstep *ls;
    size_t index;
} lane;

/* One instruction stream: its function over block b, then wait for the others. */
static void *lockstep_lane(void *arg) {
    lane *l = arg;
    lockstep *ls = l->ls;
    if (ls->o->pin)
        pin_to_core(ls->core_of[l->index]);
    fn_state st;
    fn_init(&st, ls->o->fns[l->index]);
    size_t nblocks = hx_misd_blocks(ls->s);
    for (size_t b = 0; b < nblocks; b++) {
        size_t off = b * ls->s->block, len = ls->s->bytes - off;
        fn_update(&st, ls->s->data + off, len < ls->s->block ? len : ls->s->block);
        pthread_barrier_wait(&ls->barrier);
    }
    ls->values[l->index] = fn_final(&st);
    return NULL;
}

static int run_lockstep(const hx_misd_stream *s, const hx_misd_opts *o, const int *core_of,
                        hx_misd_value *out) {
    lockstep ls = {.s = s, .o = o, .core_of = core_of};
    if (pthread_barrier_init(&ls.barrier, NULL, (unsigned)o->nfns) != 0)
        return hx_fail(HX_ERR_RUNTIME, "pthread_barrier_init failed");
    pthread_t threads[HX_MISD_MAX_FUNCTIONS];
    lane lanes[HX_MISD_MAX_FUNCTIONS];
    size_t started = 0;
    int err = 0;
    for (; started < o->nfns; started++) {
        lanes[started] = (lane){&ls, started};
        if ((err = pthread_create(&threads[started], NULL, lockstep_lane, &lanes[started])) != 0)
            break;
    }
    if (err) /* the started lanes wait at the barrier for the missing ones: cannot join them */
        return hx_fail(HX_ERR_RUNTIME, "pthread_create failed for lane %zu of %zu: %s", started,
                       o->nfns, strerror(err));
    for (size_t k = 0; k < o->nfns; k++)
        pthread_join(threads[k], NULL);
    pthread_barrier_destroy(&ls.barrier);
    memcpy(out, ls.values, o->nfns * sizeof *out);
    return HX_OK;
}

static int run_mode(hx_misd_mode m, const hx_misd_stream *s, const hx_misd_opts *o,
                    const int *core_of, hx_misd_value *out) {
    if (m == HX_MISD_SEQUENTIAL) {
        run_sequential(s, o, out);
        return HX_OK;
    }
    return run_lockstep(s, o, core_of, out);
}

static int measure_mode(hx_misd_mode m, const hx_misd_stream *s, const hx_misd_opts *o,
                        hx_misd_row *r) {
    memset(r, 0, sizeof *r);
    r->mode = m;
    r->streams = o->nfns;
    r->threads = m == HX_MISD_SEQUENTIAL ? 1 : o->nfns;
    r->oversubscribed = r->threads > (size_t)hx_cpu()->logical_cpus;
    r->barriers = m == HX_MISD_LOCKSTEP ? hx_misd_blocks(s) : 0;
    double *t = calloc((size_t)o->reps, sizeof *t);
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int core_of[HX_MISD_MAX_FUNCTIONS] = {0};
    if (m == HX_MISD_LOCKSTEP && o->pin) /* only pinned lanes are placed; before the timed runs */
        plan_lanes(s, o, core_of);
    int status = HX_OK;
    for (int i = 0; status == HX_OK && i < o->warmup; i++)
        status = run_mode(m, s, o, core_of, r->values);
    for (int i = 0; status == HX_OK && i < o->reps; i++) {
        double t0 = hx_now();
        status = run_mode(m, s, o, core_of, r->values);
        t[i] = hx_now() - t0;
    }
    if (status == HX_OK) {
        r->time = hx_stats_of(t, (size_t)o->reps);
        r->gbps = (double)s->bytes / r->time.median * 1e-9;
    }
    free(t);
    return status;
}

int hx_misd_run(const hx_misd_stream *s, const hx_misd_opts *o,
                hx_misd_row rows[HX_MISD_MODE_COUNT]) {
    if (o->nfns == 0 || o->nfns > HX_MISD_MAX_FUNCTIONS)
        return hx_fail(HX_ERR_USAGE, "MISD needs 1 to %d functions", HX_MISD_MAX_FUNCTIONS);
    for (int m = 0; m < HX_MISD_MODE_COUNT; m++)
        HX_TRY(measure_mode((hx_misd_mode)m, s, o, &rows[m]));
    const hx_misd_row *ref = &rows[HX_MISD_SEQUENTIAL];
    for (int m = 0; m < HX_MISD_MODE_COUNT; m++) {
        hx_misd_row *r = &rows[m];
        r->speedup = ref->time.median / r->time.median;
        r->verified = memcmp(r->values, ref->values, o->nfns * sizeof r->values[0]) == 0;
    }
    /* the sequential pass checks itself against one-call references of the same functions */
    for (size_t k = 0; k < o->nfns; k++) {
        hx_misd_value v = hx_misd_compute(o->fns[k], s);
        rows[HX_MISD_SEQUENTIAL].verified &= memcmp(&v, &ref->values[k], sizeof v) == 0;
    }
    return HX_OK;
}

/* ---- the vote ----------------------------------------------------------------------------- */

typedef uint32_t (*crc_impl)(uint32_t, const uint8_t *, size_t);

typedef struct vote_run {
    const hx_misd_stream *s;
    const hx_misd_fault *fault;
    bool pin;
    pthread_barrier_t barrier;
    uint32_t *values; /* blocks x HX_MISD_VOTERS running values */
    hx_misd_vote *out;
} vote_run;

typedef struct voter {
    vote_run *run;
    int index;
} voter;

static const crc_impl voter_impls[HX_MISD_VOTERS] = {hx_crc32c_bitwise, hx_crc32c_slice8,
                                                     hx_crc32c_hw};

/* Majority of three: 0, 1 or 2 for the value to keep, -1 when all three differ. */
static int majority(const uint32_t *v) {
    if (v[0] == v[1] || v[0] == v[2])
        return 0;
    return v[1] == v[2] ? 1 : -1;
}

/* Voter 0 counts, after every block, the voters that disagree with the majority. */
static void tally(vote_run *run, size_t b) {
    const uint32_t *v = run->values + b * HX_MISD_VOTERS;
    hx_misd_vote *out = run->out;
    int keep = majority(v);
    if (keep < 0) {
        out->unresolved = true;
        out->disagreements++;
        return;
    }
    for (int i = 0; i < HX_MISD_VOTERS; i++)
        if (v[i] != v[keep]) {
            if (out->disagreements == 0) {
                out->caught_voter = i;
                out->caught_block = b;
            }
            out->disagreements++;
            break;
        }
    out->voted = v[keep];
}

static void *vote_lane(void *arg) {
    voter *me = arg;
    vote_run *run = me->run;
    if (run->pin)
        pin_to_core((int)((size_t)me->index % online_cores())); /* three equal voters */
    const hx_misd_fault *f = run->fault;
    uint32_t crc = 0xFFFFFFFFu;
    size_t nblocks = hx_misd_blocks(run->s);
    for (size_t b = 0; b < nblocks; b++) {
        size_t off = b * run->s->block, len = run->s->bytes - off;
        crc = voter_impls[me->index](crc, run->s->data + off,
                                     len < run->s->block ? len : run->s->block);
        if (f->inject && f->voter == me->index && f->block == b)
            crc ^= 1u << f->bit; /* a flipped bit in this voter's state: it stays wrong */
        run->values[b * HX_MISD_VOTERS + (size_t)me->index] = crc ^ 0xFFFFFFFFu;
        pthread_barrier_wait(&run->barrier);
        if (me->index == 0)
            tally(run, b);
    }
    return NULL;
}

int hx_misd_run_vote(const hx_misd_stream *s, const hx_misd_fault *fault, bool pin,
                     hx_misd_vote *out) {
    memset(out, 0, sizeof *out);
    out->voters[0] = "bitwise";
    out->voters[1] = "slice8";
    out->voters[2] = hx_cpu()->sse42 ? "sse4.2" : "bytetable";
    out->blocks = hx_misd_blocks(s);
    out->caught_voter = -1;
    if (fault->inject && (fault->voter < 0 || fault->voter >= HX_MISD_VOTERS ||
                          fault->block >= out->blocks || fault->bit < 0 || fault->bit > 31))
        return hx_fail(HX_ERR_USAGE,
                       "--inject-fault %d:%zu:%d is out of range; accepted: voter 0 to 2, block 0 "
                       "to %zu, bit 0 to 31",
                       fault->voter, fault->block, fault->bit, out->blocks - 1);
    vote_run run = {.s = s, .fault = fault, .pin = pin, .out = out};
    run.values = calloc(out->blocks * HX_MISD_VOTERS, sizeof *run.values);
    if (!run.values)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    if (pthread_barrier_init(&run.barrier, NULL, HX_MISD_VOTERS) != 0) {
        free(run.values);
        return hx_fail(HX_ERR_RUNTIME, "pthread_barrier_init failed");
    }
    pthread_t threads[HX_MISD_VOTERS];
    voter voters[HX_MISD_VOTERS];
    double t0 = hx_now();
    int err = 0, started = 0;
    for (; started < HX_MISD_VOTERS && !err; started++) {
        voters[started] = (voter){&run, started};
        err = pthread_create(&threads[started], NULL, vote_lane, &voters[started]);
    }
    if (err) /* the started voters wait at the barrier: nothing can be joined or freed */
        return hx_fail(HX_ERR_RUNTIME, "pthread_create failed for a voter: %s", strerror(err));
    for (int i = 0; i < HX_MISD_VOTERS; i++)
        pthread_join(threads[i], NULL);
    out->seconds = hx_now() - t0;
    pthread_barrier_destroy(&run.barrier);
    free(run.values);
    out->reference = (uint32_t)hx_misd_compute(HX_MISD_CRC32C, s).v[0];
    out->verified = !out->unresolved && out->voted == out->reference;
    return HX_OK;
}
