/*
 * policy_manager.c - manager-worker and hierarchical manager-worker.
 *
 * Messages are real messages between threads: a request is a client's id put into the manager's
 * inbox (a bounded queue under a mutex, the manager sleeping on a condition variable while it is
 * empty), a reply is a range of tasks put into the client's mailbox (the same, one per client).
 * Nobody spins, so a waiting worker uses no CPU, and a request costs what a round trip between
 * two threads costs: the overhead per task this policy reports.  With --prefetch a worker keeps
 * one request ahead, so the reply to the next request travels while it computes.
 *
 * One manager loop serves both policies: it answers each request with the next range from its
 * supply and, once the supply is dry, with "no more work"; it stops when every client has been
 * told.  The manager of manager-worker draws chunks from the task counter.  In hierarchical, the
 * top manager draws blocks of chunk x group x 2 tasks from the counter for the group managers,
 * and each group manager hands its block out in chunks to its workers, asking the top manager
 * for the next block when it runs dry (with --prefetch: as soon as it starts on one).
 */
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "internal.h"

#define MAILBOX 4 /* replies a client can have in flight: 2 requests at most, room to spare */

typedef struct mailbox {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t head, tail;
    uint64_t begin[MAILBOX], end[MAILBOX]; /* begin == end: no more work */
} mailbox;

typedef struct inbox {
    pthread_mutex_t lock;
    pthread_cond_t cond, space;
    unsigned *ring;
    size_t cap, head, tail;
    uint64_t received;
} inbox;

typedef struct manager {
    inbox in;
    mailbox **boxes; /* the mailboxes of its clients, indexed by client id - first */
    unsigned first, nclients;
    /* supply */
    bool top;
    uint64_t block; /* tasks per reply */
    /* a group manager's own block, and its own mailbox as a client of the top manager */
    mailbox self;
    unsigned id_at_top;
    size_t cur, stop;
    bool pending, dry;
    bool *told; /* clients told "no more work" */
} manager;

typedef struct manager_state {
    manager *m; /* [0] top, [1..] group managers */
    unsigned nm;
    mailbox *worker_box;
    size_t next; /* the task counter, the top manager's alone */
    size_t ntasks;
    bool prefetch;
} manager_state;

static void mailbox_init(mailbox *b) {
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
    b->head = b->tail = 0;
}

static void mailbox_destroy(mailbox *b) {
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
}

static void mailbox_put(mailbox *b, uint64_t begin, uint64_t end) {
    pthread_mutex_lock(&b->lock);
    b->begin[b->tail % MAILBOX] = begin;
    b->end[b->tail % MAILBOX] = end;
    b->tail++;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

static void mailbox_get(mailbox *b, uint64_t *begin, uint64_t *end) {
    pthread_mutex_lock(&b->lock);
    while (b->head == b->tail)
        pthread_cond_wait(&b->cond, &b->lock);
    *begin = b->begin[b->head % MAILBOX];
    *end = b->end[b->head % MAILBOX];
    b->head++;
    pthread_mutex_unlock(&b->lock);
}

static int inbox_init(inbox *in, size_t cap) {
    in->ring = malloc(cap * sizeof *in->ring);
    if (!in->ring)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for a manager's inbox");
    pthread_mutex_init(&in->lock, NULL);
    pthread_cond_init(&in->cond, NULL);
    pthread_cond_init(&in->space, NULL);
    in->cap = cap;
    in->head = in->tail = 0;
    in->received = 0;
    return HX_OK;
}

static void inbox_destroy(inbox *in) {
    if (!in->ring)
        return;
    pthread_cond_destroy(&in->space);
    pthread_cond_destroy(&in->cond);
    pthread_mutex_destroy(&in->lock);
    free(in->ring);
    in->ring = NULL;
}

static void send_request(inbox *in, unsigned client) {
    pthread_mutex_lock(&in->lock);
    while (in->tail - in->head == in->cap)
        pthread_cond_wait(&in->space, &in->lock);
    in->ring[in->tail++ % in->cap] = client;
    pthread_cond_signal(&in->cond);
    pthread_mutex_unlock(&in->lock);
}

static unsigned next_request(inbox *in) {
    pthread_mutex_lock(&in->lock);
    while (in->head == in->tail)
        pthread_cond_wait(&in->cond, &in->lock);
    unsigned client = in->ring[in->head++ % in->cap];
    in->received++;
    pthread_cond_signal(&in->space);
    pthread_mutex_unlock(&in->lock);
    return client;
}

/* ---- supplies ----------------------------------------------------------------------------- */

static bool supply_top(manager_state *st, manager *m, uint64_t *begin, uint64_t *end) {
    if (st->next >= st->ntasks)
        return false;
    *begin = st->next;
    st->next = st->next + m->block < st->ntasks ? st->next + m->block : st->ntasks;
    *end = st->next;
    return true;
}

/* A group manager: the next chunk of its block, refilled from the top manager. */
static bool supply_group(manager_state *st, manager *m, uint64_t *begin, uint64_t *end) {
    if (m->cur == m->stop) {
        if (m->dry)
            return false;
        if (!m->pending)
            send_request(&st->m[0].in, m->id_at_top);
        uint64_t b, e;
        mailbox_get(&m->self, &b, &e);
        m->pending = false;
        if (b == e) {
            m->dry = true;
            return false;
        }
        m->cur = b;
        m->stop = e;
        if (st->prefetch) { /* ask for the next block while this one is handed out */
            send_request(&st->m[0].in, m->id_at_top);
            m->pending = true;
        }
    }
    *begin = m->cur;
    m->cur = m->cur + m->block < m->stop ? m->cur + m->block : m->stop;
    *end = m->cur;
    return true;
}

static void manage(map_team *t, unsigned index) {
    manager_state *st = t->policy;
    manager *m = &st->m[index];
    bool *told = m->told;
    unsigned ntold = 0;
    while (ntold < m->nclients) {
        unsigned client = next_request(&m->in);
        uint64_t begin = 0, end = 0;
        bool got = m->top ? supply_top(st, m, &begin, &end) : supply_group(st, m, &begin, &end);
        mailbox *box = m->boxes[client - m->first];
        mailbox_put(box, got ? begin : 0, got ? end : 0);
        if (!got && !told[client - m->first]) {
            told[client - m->first] = true;
            ntold++;
        }
    }
}

/* ---- workers -------------------------------------------------------------------------------- */

static void work_client(map_worker *w) {
    manager_state *st = w->team->policy;
    const hx_map_config *c = w->team->cfg;
    manager *m = st->nm == 1 ? &st->m[0] : &st->m[1 + w->id / c->group];
    mailbox *box = &st->worker_box[w->id];
    if (st->prefetch) {
        uint64_t t = map_sched_begin();
        send_request(&m->in, w->id);
        send_request(&m->in, w->id);
        w->messages += 2;
        map_sched_end(w, t);
    }
    for (;;) {
        uint64_t begin, end, t = map_sched_begin();
        if (!st->prefetch) {
            send_request(&m->in, w->id);
            w->messages++;
        }
        mailbox_get(box, &begin, &end);
        if (begin == end) {
            map_sched_end(w, t);
            break;
        }
        if (st->prefetch) {
            send_request(&m->in, w->id);
            w->messages++;
        }
        map_sched_end(w, t);
        map_run_tasks(w, (size_t)begin, (size_t)end);
    }
}

/* ---- setup ---------------------------------------------------------------------------------- */

typedef struct manager_setup {
    manager_state st;
    mailbox **pointers; /* every manager's boxes, one allocation */
} manager_setup;

static void teardown(manager_setup *ms, unsigned W) {
    manager_state *st = &ms->st;
    for (unsigned i = 0; st->m && i < st->nm; i++) {
        inbox_destroy(&st->m[i].in);
        free(st->m[i].told);
        if (i > 0)
            mailbox_destroy(&st->m[i].self);
    }
    for (unsigned i = 0; st->worker_box && i < W; i++)
        mailbox_destroy(&st->worker_box[i]);
    free(st->m);
    free(st->worker_box);
    free(ms->pointers);
}

/* Wire the managers: the top one serves the workers (manager-worker) or the group managers
 * (hierarchical); group manager g serves workers [g group, (g + 1) group). */
static int wire(manager_setup *ms, const hx_map_config *c, unsigned W, unsigned groups) {
    manager_state *st = &ms->st;
    mailbox **p = ms->pointers;
    manager *top = &st->m[0];
    top->top = true;
    top->boxes = p;
    top->first = 0;
    top->nclients = groups ? groups : W;
    top->block = groups ? c->chunk * c->group * 2 : c->chunk;
    for (unsigned i = 0; i < top->nclients; i++)
        *p++ = groups ? &st->m[1 + i].self : &st->worker_box[i];
    top->told = calloc(top->nclients, sizeof *top->told);
    if (!top->told)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    HX_TRY(inbox_init(&top->in, 4 * (size_t)top->nclients + 4));
    for (unsigned g = 0; g < groups; g++) {
        manager *m = &st->m[1 + g];
        m->first = g * c->group;
        m->nclients = m->first + c->group <= W ? c->group : W - m->first;
        m->block = c->chunk;
        m->id_at_top = g;
        m->boxes = p;
        for (unsigned k = 0; k < m->nclients; k++)
            *p++ = &st->worker_box[m->first + k];
        m->told = calloc(m->nclients, sizeof *m->told);
        if (!m->told)
            return hx_fail(HX_ERR_RUNTIME, "out of memory");
        HX_TRY(inbox_init(&m->in, 4 * (size_t)m->nclients + 4));
    }
    return HX_OK;
}

int map_policy_manager(map_team *t, hx_map_policy p, hx_map_run *out) {
    const unsigned W = t->nworkers;
    const unsigned groups = p == HX_MAP_HIERARCHICAL ? (W + t->cfg->group - 1) / t->cfg->group : 0;
    manager_setup ms = {{0}, NULL};
    manager_state *st = &ms.st;
    st->nm = 1 + groups;
    st->ntasks = t->src->ntasks;
    st->prefetch = t->cfg->prefetch;
    st->m = calloc(st->nm, sizeof *st->m);
    st->worker_box = calloc(W, sizeof *st->worker_box);
    ms.pointers = calloc((size_t)2 * W + groups + 1, sizeof *ms.pointers);
    int status =
        st->m && st->worker_box && ms.pointers ? HX_OK : hx_fail(HX_ERR_RUNTIME, "out of memory");
    if (status == HX_OK) {
        for (unsigned i = 0; i < W; i++)
            mailbox_init(&st->worker_box[i]);
        for (unsigned i = 1; i < st->nm; i++)
            mailbox_init(&st->m[i].self);
        status = wire(&ms, t->cfg, W, groups);
    }
    if (status == HX_OK) {
        t->policy = st;
        t->work = work_client;
        t->manage = manage;
        t->nmanagers = st->nm;
        status = map_team_run(t, out);
    }
    if (status == HX_OK) {
        out->messages_top = st->m[0].in.received;
        for (unsigned i = 0; i < st->nm; i++)
            out->messages += st->m[i].in.received;
    }
    if (!st->worker_box || !st->m) { /* nothing was initialised */
        free(st->m);
        free(st->worker_box);
        free(ms.pointers);
        return status;
    }
    teardown(&ms, W);
    return status;
}
