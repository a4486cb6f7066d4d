/*
 * test_io_models.c - every IO model's echo server, in this process, against clients that
 * misbehave in the ways real ones do: messages larger than the server's buffer, 50 clients at
 * once, a client that sends half a message and vanishes, a client that does not read for a
 * while (so the server's writes go partial), and select past FD_SETSIZE; the coroutine
 * switch itself, auto's choice and the workers' range.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "hx_test.h"
#include "io/internal.h"

#define CLIENT_TIMEOUT_S 20.0

static unsigned char pattern_byte(unsigned client, size_t i) {
    return (unsigned char)(i * 131u + client * 7u + (i >> 9));
}

static int connect_to(int port, int rcvbuf) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (rcvbuf > 0) { /* before connect, so the window is small from the start */
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof rcvbuf), 0);
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* A client: one message of `len` bytes to send and to see echoed back exactly. */
typedef struct client {
    int fd;
    unsigned id;
    size_t len, sent, got;
    bool bad;
} client;

/* How long the first client of run_clients() keeps sending without reading: for max_s
 * seconds, or - with until_partial - only until the server's sends have hit a full socket
 * (then max_s is just the cap).  Meanwhile the server's echoes pile up in that client's small
 * receive buffer and then in the server's send buffer. */
typedef struct stall {
    double max_s;
    bool until_partial;
    uint64_t partial_base;
} stall;

static bool stalling(const stall *st, double elapsed) {
    if (!st || elapsed >= st->max_s)
        return false;
    return !st->until_partial || hx_io_partial_write_count() == st->partial_base;
}

/* Drive all clients at once with poll until every echo is back (or the time is up). */
static void run_clients(client *cl, size_t n, const stall *st) {
    unsigned char buf[65536];
    double start = hx_now();
    struct pollfd *pfd = calloc(n, sizeof *pfd);
    assert_non_null(pfd);
    for (;;) {
        size_t open = 0;
        for (size_t i = 0; i < n; i++) {
            client *c = &cl[i];
            bool stalled = i == 0 && stalling(st, hx_now() - start);
            pfd[i].fd = c->got < c->len && !c->bad ? c->fd : -1;
            pfd[i].events = (short)((stalled ? 0 : POLLIN) | (c->sent < c->len ? POLLOUT : 0));
            open += pfd[i].fd >= 0;
        }
        if (open == 0)
            break;
        assert_true(hx_now() - start < CLIENT_TIMEOUT_S);
        assert_true(poll(pfd, n, 10) >= 0);
        for (size_t i = 0; i < n; i++) {
            client *c = &cl[i];
            if (pfd[i].fd < 0 || !pfd[i].revents)
                continue;
            if ((pfd[i].revents & POLLOUT) && c->sent < c->len) {
                size_t k = c->len - c->sent < sizeof buf ? c->len - c->sent : sizeof buf;
                for (size_t j = 0; j < k; j++)
                    buf[j] = pattern_byte(c->id, c->sent + j);
                ssize_t w = send(c->fd, buf, k, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (w > 0)
                    c->sent += (size_t)w;
                else if (w < 0 && errno != EAGAIN)
                    c->bad = true;
            }
            if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR) && pfd[i].events & POLLIN) {
                ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
                if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
                    c->bad = true;
                    continue;
                }
                for (ssize_t j = 0; j < r; j++)
                    if (buf[j] != pattern_byte(c->id, c->got + (size_t)j))
                        c->bad = true;
                if (r > 0)
                    c->got += (size_t)r;
                if (c->got > c->sent)
                    c->bad = true;
            }
        }
    }
    free(pfd);
    for (size_t i = 0; i < n; i++) {
        if (cl[i].bad || cl[i].got != cl[i].len)
            print_error("client %zu: len %zu sent %zu got %zu%s\n", i, cl[i].len, cl[i].sent,
                        cl[i].got, cl[i].bad ? " (bad)" : "");
        assert_false(cl[i].bad);
        assert_int_equal(cl[i].got, cl[i].len);
    }
}

static size_t random_size(unsigned *seed) {
    /* 1 byte up to a few server buffers, with the edges around HX_IO_BUF well represented */
    static const size_t edges[] = {1, HX_IO_BUF - 1, HX_IO_BUF, HX_IO_BUF + 1, 3 * HX_IO_BUF + 17};
    unsigned r = (unsigned)rand_r(seed);
    return r % 3 == 0 ? edges[r % 5] : 1 + r % (5 * HX_IO_BUF);
}

static void echo_clients(const char *model, size_t n, unsigned seed) {
    hx_io_server *s;
    assert_int_equal(hx_io_server_start(model, "127.0.0.1", 0, &s), HX_OK);
    client *cl = calloc(n, sizeof *cl);
    for (int round = 0; round < 2; round++) { /* fresh connections twice: accept keeps working */
        for (size_t i = 0; i < n; i++) {
            cl[i] = (client){.fd = connect_to(hx_io_server_port(s), 0),
                             .id = (unsigned)i,
                             .len = random_size(&seed)};
            assert_int_equal(fcntl(cl[i].fd, F_SETFL, O_NONBLOCK), 0);
        }
        if (round == 0 && n == 1)
            cl[0].len = 200 * 1000; /* one much larger than the buffer */
        run_clients(cl, n, NULL);
        for (size_t i = 0; i < n; i++)
            close(cl[i].fd);
    }
    free(cl);
    assert_int_equal(hx_io_server_stop(s), HX_OK);
}

/* A client that sends half a message and closes; then one that resets mid-message.  The
 * server must shrug both off and keep serving. */
static void vanishing_clients(const char *model) {
    hx_io_server *s;
    assert_int_equal(hx_io_server_start(model, "127.0.0.1", 0, &s), HX_OK);
    int port = hx_io_server_port(s);
    unsigned char half[3000];
    memset(half, 'x', sizeof half);
    int a = connect_to(port, 0);
    assert_int_equal(send(a, half, sizeof half, MSG_NOSIGNAL), (ssize_t)sizeof half);
    close(a); /* with echoes unread: the server's writes may meet RST (EPIPE/ECONNRESET) */
    int b = connect_to(port, 0);
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    assert_int_equal(send(b, half, 100, MSG_NOSIGNAL), 100);
    close(b); /* linger 0: RST */
    usleep(20 * 1000);
    client c = {.fd = connect_to(port, 0), .id = 9, .len = 3 * HX_IO_BUF};
    fcntl(c.fd, F_SETFL, O_NONBLOCK);
    run_clients(&c, 1, NULL);
    close(c.fd);
    assert_int_equal(hx_io_server_stop(s), HX_OK);
}

/* A client with tiny socket buffers that stops reading for 300 ms while sending 8 MiB (more
 * than the socket buffers on both sides hold, which on loopback start at megabytes): the
 * server's send() must go partial (EAGAIN) and resume where it stopped. */
static void slow_reader(const char *model) {
    hx_io_server *s;
    assert_int_equal(hx_io_server_start(model, "127.0.0.1", 0, &s), HX_OK);
    client cl[2] = {{.fd = connect_to(hx_io_server_port(s), 4096), .id = 1, .len = 8u << 20},
                    {.fd = connect_to(hx_io_server_port(s), 0), .id = 2, .len = 100 * 1000}};
    fcntl(cl[0].fd, F_SETFL, O_NONBLOCK);
    fcntl(cl[1].fd, F_SETFL, O_NONBLOCK);
    /* The readiness models send non-blocking: their sends must hit a full socket, and the
     * client reads again only once they have.  (The blocking ones block in send() instead;
     * AIO and io_uring hand the wait to others: for them the client just pauses 300 ms.) */
    static const char *const nonblocking[] = {
        "nonblocking-poll", "select",    "poll", "epoll-lt", "epoll-et", "auto", "sigio",
        "epoll-threads",    "coroutine", NULL}; /* epoll-reuseport counts in its children */
    stall st = {.max_s = 0.3, .partial_base = hx_io_partial_write_count()};
    for (size_t i = 0; nonblocking[i]; i++)
        if (strcmp(model, nonblocking[i]) == 0)
            st = (stall){.max_s = 10.0, .until_partial = true, .partial_base = st.partial_base};
    run_clients(cl, 2, &st); /* the second one must not wait for the stalled first */
    if (st.until_partial)
        assert_true(hx_io_partial_write_count() > st.partial_base);
    close(cl[0].fd);
    close(cl[1].fd);
    assert_int_equal(hx_io_server_stop(s), HX_OK);
}

/* io_uring may be disabled in the kernel; posix-aio refuses to run under ThreadSanitizer.
 * Both then stop at once with HX_ERR_MISSING, and their tests are skipped. */
static bool model_runs_here(const char *model) {
    if (strcmp(model, "io_uring") != 0 && strcmp(model, "posix-aio") != 0)
        return true;
    hx_io_server *s;
    if (hx_io_server_start(model, "127.0.0.1", 0, &s) != HX_OK) {
        print_message("skipped: %s\n", hx_error_message());
        return false;
    }
    usleep(50 * 1000);
    bool up = !hx_io_server_finished(s);
    int status = hx_io_server_stop(s);
    if (!up)
        print_message("skipped: %s\n", hx_error_message());
    return up && status == HX_OK;
}

#define MODEL_TESTS(fn, name)                                                                      \
    static void fn##_one(void **state) {                                                           \
        (void)state;                                                                               \
        if (!model_runs_here(name))                                                                \
            skip();                                                                                \
        echo_clients(name, 1, 1);                                                                  \
    }                                                                                              \
    static void fn##_fifty(void **state) {                                                         \
        (void)state;                                                                               \
        if (!model_runs_here(name))                                                                \
            skip();                                                                                \
        echo_clients(name, 50, 2);                                                                 \
    }                                                                                              \
    static void fn##_vanishing(void **state) {                                                     \
        (void)state;                                                                               \
        if (!model_runs_here(name))                                                                \
            skip();                                                                                \
        vanishing_clients(name);                                                                   \
    }                                                                                              \
    static void fn##_slow_reader(void **state) {                                                   \
        (void)state;                                                                               \
        if (!model_runs_here(name))                                                                \
            skip();                                                                                \
        slow_reader(name);                                                                         \
    }

MODEL_TESTS(blocking_thread, "blocking-thread")
MODEL_TESTS(blocking_fork, "blocking-fork")
MODEL_TESTS(nonblocking_poll, "nonblocking-poll")
MODEL_TESTS(select_model, "select")
MODEL_TESTS(poll_model, "poll")
MODEL_TESTS(epoll_lt, "epoll-lt")
MODEL_TESTS(epoll_et, "epoll-et")
MODEL_TESTS(sigio, "sigio")
MODEL_TESTS(posix_aio, "posix-aio")
MODEL_TESTS(io_uring, "io_uring")
MODEL_TESTS(auto_model, "auto")
MODEL_TESTS(epoll_reuseport, "epoll-reuseport")
MODEL_TESTS(epoll_threads, "epoll-threads")
MODEL_TESTS(coroutine, "coroutine")

/* select(): a connection that lands on fd >= FD_SETSIZE is refused (closed, counted), the
 * server keeps serving the ones it can, and nothing is corrupted (ASan would see it). */
static void select_refuses_fds_past_fd_setsize(void **state) {
    (void)state;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max < FD_SETSIZE + 64)
        skip();
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    hx_io_server *s;
    assert_int_equal(hx_io_server_start("select", "127.0.0.1", 0, &s), HX_OK);
    /* Fill every descriptor number below FD_SETSIZE, so the next accept() gets one above. */
    int filler[FD_SETSIZE + 8];
    size_t nfill = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        assert_true(fd >= 0);
        filler[nfill++] = fd;
        if (fd >= FD_SETSIZE + 2)
            break;
    }
    int high = connect_to(hx_io_server_port(s), 0);
    struct timeval tv = {5, 0};
    setsockopt(high, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char byte = 'a';
    send(high, &byte, 1, MSG_NOSIGNAL);
    assert_true(recv(high, &byte, 1, 0) <= 0); /* closed by the server, not echoed */
    close(high);
    assert_true(atomic_load(&s->count->refused) >= 1);
    for (size_t i = 0; i < nfill; i++)
        close(filler[i]);
    client c = {.fd = connect_to(hx_io_server_port(s), 0), .id = 3, .len = 10000};
    fcntl(c.fd, F_SETFL, O_NONBLOCK);
    run_clients(&c, 1, NULL); /* still serving */
    close(c.fd);
    assert_int_equal(hx_io_server_stop(s), HX_OK);
}

/* With no room for queued signals (RLIMIT_SIGPENDING 0), every real-time signal overflows and
 * the kernel sends SIGIO instead; the server must fall back to rescanning and lose nothing. */
static void sigio_survives_signal_queue_overflow(void **state) {
    (void)state;
    struct rlimit old, tiny;
    assert_int_equal(getrlimit(RLIMIT_SIGPENDING, &old), 0);
    tiny = (struct rlimit){.rlim_cur = 0, .rlim_max = old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_SIGPENDING, &tiny), 0);
    hx_io_server *s;
    assert_int_equal(hx_io_server_start("sigio", "127.0.0.1", 0, &s), HX_OK);
    /* One echo first: after it the server is surely waiting for signals, so the clients
     * below cannot all be served by its very first accept pass. */
    client first = {.fd = connect_to(hx_io_server_port(s), 0), .id = 99, .len = 10};
    fcntl(first.fd, F_SETFL, O_NONBLOCK);
    run_clients(&first, 1, NULL);
    close(first.fd);
    enum { N = 30 };
    client cl[N];
    unsigned seed = 5;
    for (size_t i = 0; i < N; i++) {
        cl[i] = (client){.fd = connect_to(hx_io_server_port(s), 0),
                         .id = (unsigned)i,
                         .len = random_size(&seed)};
        fcntl(cl[i].fd, F_SETFL, O_NONBLOCK);
    }
    run_clients(cl, N, NULL);
    for (size_t i = 0; i < N; i++)
        close(cl[i].fd);
    uint64_t rescans = atomic_load(&s->count->rescans);
    assert_int_equal(hx_io_server_stop(s), HX_OK);
    setrlimit(RLIMIT_SIGPENDING, &old);
    assert_true(rescans > 0); /* the overflow path was taken */
}

static void unknown_model_names_the_models(void **state) {
    (void)state;
    hx_io_server *s = NULL;
    assert_int_equal(hx_io_server_start("kqueue", "127.0.0.1", 0, &s), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "kqueue");
    assert_contains(hx_error_message(), "epoll-et");
    assert_int_equal(hx_io_server_start("poll", "not-an-ip", 0, &s), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "not-an-ip");
}

/* Two coroutines yield in turn: each resumes where it left off, with its own stack. */
typedef struct trace {
    char log[64];
    size_t n;
} trace;

typedef struct coro_arg {
    trace *t;
    char name;
} coro_arg;

static void three_steps(void *arg) {
    coro_arg *a = arg;
    for (int i = 0; i < 3; i++) {
        char local = (char)(a->name + i); /* lives on this coroutine's stack across yields */
        hx_io_coro_yield();
        a->t->log[a->t->n++] = local;
    }
}

static void coroutines_interleave(void **state) {
    (void)state;
    for (int uc = 0; uc < 2; uc++) {
        trace t = {.n = 0};
        coro_arg a = {&t, 'a'}, b = {&t, 'A'};
        hx_io_coro *x = uc ? hx_io_coro_new_ucontext(64 * 1024, three_steps, &a)
                           : hx_io_coro_new(64 * 1024, three_steps, &a);
        hx_io_coro *y = uc ? hx_io_coro_new_ucontext(64 * 1024, three_steps, &b)
                           : hx_io_coro_new(64 * 1024, three_steps, &b);
        assert_non_null(x);
        assert_non_null(y);
        int alive = 0;
        for (int round = 0; round < 4; round++) {
            alive = hx_io_coro_resume(x) + hx_io_coro_resume(y);
            if (round < 3)
                assert_int_equal(alive, 2);
        }
        assert_int_equal(alive, 0); /* both finished on the fourth resume */
        assert_false(hx_io_coro_resume(x));
        t.log[t.n] = 0;
        assert_string_equal(t.log, "aAbBcC");
        hx_io_coro_free(x);
        hx_io_coro_free(y);
    }
    hx_io_coro_pool_drain();
}

static void auto_follows_hetero_io_force(void **state) {
    (void)state;
    const char *m = NULL;
    unsetenv("HETERO_IO_FORCE");
    assert_int_equal(hx_io_auto_choice(&m), HX_OK);
    assert_string_equal(m, "epoll-et"); /* every kernel this runs on has epoll */
    setenv("HETERO_IO_FORCE", "select", 1);
    assert_int_equal(hx_io_auto_choice(&m), HX_OK);
    assert_string_equal(m, "select");
    setenv("HETERO_IO_FORCE", "devpoll", 1);
    assert_int_equal(hx_io_auto_choice(&m), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "devpoll");
    unsetenv("HETERO_IO_FORCE");
}

static void workers_are_checked(void **state) {
    (void)state;
    hx_io_server *s = NULL;
    hx_io_server_config c = {.model = "epoll-threads", .workers = HX_IO_MAX_WORKERS + 1};
    assert_int_equal(hx_io_server_open(&c, &s), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "--workers");
    c = (hx_io_server_config){.model = "epoll-et", .workers = 8};
    assert_int_equal(hx_io_server_open(&c, &s), HX_OK);
    assert_int_equal(hx_io_server_workers(s), 1); /* a single-loop model ignores workers */
    assert_int_equal(hx_io_server_stop(s), HX_OK);
}

#define MODEL_CASES(fn)                                                                            \
    cmocka_unit_test(fn##_one), cmocka_unit_test(fn##_fifty), cmocka_unit_test(fn##_vanishing),    \
        cmocka_unit_test(fn##_slow_reader)

int main(void) {
    const struct CMUnitTest tests[] = {
        MODEL_CASES(blocking_thread),
        MODEL_CASES(blocking_fork),
        MODEL_CASES(nonblocking_poll),
        MODEL_CASES(select_model),
        MODEL_CASES(poll_model),
        MODEL_CASES(epoll_lt),
        MODEL_CASES(epoll_et),
        MODEL_CASES(sigio),
        MODEL_CASES(posix_aio),
        MODEL_CASES(io_uring),
        MODEL_CASES(auto_model),
        MODEL_CASES(epoll_reuseport),
        MODEL_CASES(epoll_threads),
        MODEL_CASES(coroutine),
        cmocka_unit_test(coroutines_interleave),
        cmocka_unit_test(auto_follows_hetero_io_force),
        cmocka_unit_test(workers_are_checked),
        cmocka_unit_test(select_refuses_fds_past_fd_setsize),
        cmocka_unit_test(sigio_survives_signal_queue_overflow),
        cmocka_unit_test(unknown_model_names_the_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
