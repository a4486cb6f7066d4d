/*
 * test_io_load.c - the load generator of `hetero io bench`: open-loop latency accounting on a
 * synthetic schedule, the byte pattern, and runs against a good server and a corrupting one.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/io/bench.h"
#include "hx_test.h"
#include "io/internal.h"

/* Messages of 10 bytes due every 1 ms from t = 0.  The server answers the first two on time,
 * then stalls for 100 ms and delivers the backlog at once at t = 0.102.  Measured from the
 * INTENDED send times, message 2 waited 100 ms, message 50 waited 52 ms: the stall is in every
 * latency it caused.  (Measured from when a stalled closed-loop client got round to sending,
 * all but one of them would look fast.) */
static void open_loop_latency_includes_the_stall(void **state) {
    (void)state;
    hx_io_schedule s = {.start = 0.0, .interval = 0.001};
    uint64_t done = 0, size = 10;
    double lat;
    /* message 0 echoed at 0.0002, message 1 at 0.0012 */
    assert_true(hx_io_schedule_next(&s, &done, 10, size, 0.0002, &lat));
    assert_near(lat, 0.0002, 1e-12);
    assert_false(hx_io_schedule_next(&s, &done, 19, size, 0.0011, &lat)); /* 9 of 10 bytes */
    assert_true(hx_io_schedule_next(&s, &done, 20, size, 0.0012, &lat));
    assert_near(lat, 0.0002, 1e-12);
    /* stall: messages 2..101 (due 0.002 .. 0.101) all arrive at 0.102 */
    double sum = 0, worst = 0;
    uint64_t n = 0;
    while (hx_io_schedule_next(&s, &done, 102 * size, size, 0.102, &lat)) {
        double due = 0.001 * (double)(done - 1);
        assert_near(lat, 0.102 - due, 1e-12);
        sum += lat;
        worst = lat > worst ? lat : worst;
        n++;
    }
    assert_int_equal(n, 100);
    assert_int_equal(done, 102);
    assert_near(worst, 0.100, 1e-12);           /* message 2 */
    assert_near(sum / (double)n, 0.0505, 1e-9); /* (0.100 + 0.001) / 2 */
    /* after the stall the schedule is on time again */
    assert_true(hx_io_schedule_next(&s, &done, 103 * size, size, 0.1023, &lat));
    assert_near(lat, 0.0003, 1e-12);
}

static void pattern_differs_by_connection_message_and_offset(void **state) {
    (void)state;
    unsigned same = 0;
    for (uint64_t i = 0; i < 4096; i++) {
        unsigned char a = hx_io_pattern(1, 5, i);
        same += a == hx_io_pattern(2, 5, i);
        same += a == hx_io_pattern(1, 6, i);
        assert_int_equal(a, hx_io_pattern(1, 5, i)); /* a function of its arguments */
    }
    assert_true(same < 2 * 4096 / 64); /* ~1/256 coincide by chance */
}

static hx_io_load small_load(int port, unsigned conns) {
    return (hx_io_load){.host = "127.0.0.1",
                        .port = port,
                        .conns = conns,
                        .size = 200,
                        .duration = 0.2,
                        .threads = 2,
                        .drain = 2.0};
}

static void closed_loop_against_epoll_counts_and_verifies(void **state) {
    (void)state;
    hx_io_server *s;
    assert_int_equal(hx_io_server_start("epoll-et", "127.0.0.1", 0, &s), HX_OK);
    hx_io_load cfg = small_load(hx_io_server_port(s), 20);
    hx_io_load_result r;
    assert_int_equal(hx_io_load_run(&cfg, &r), HX_OK);
    assert_int_equal(r.errors, 0);
    assert_true(r.completed >= 20); /* each connection's first message in the window */
    assert_true(r.messages <= r.completed);
    assert_int_equal(r.bytes, r.messages * 200);
    assert_true(r.p50 > 0 && r.p50 <= r.p99 && r.p99 <= r.p999 && r.p999 <= r.max);
    assert_int_equal(hx_io_server_stop(s), HX_OK);
}

/* Open loop: what is queued follows the clock, never more than the schedule allows, and every
 * message queued is either echoed in full or reported as never sent.  (How close the count
 * comes to the schedule depends on the scheduler, so it is not asserted.) */
static void open_loop_follows_the_schedule(void **state) {
    (void)state;
    hx_io_server *s;
    assert_int_equal(hx_io_server_start("poll", "127.0.0.1", 0, &s), HX_OK);
    hx_io_load cfg = small_load(hx_io_server_port(s), 10);
    cfg.rate = 2000; /* 10 connections x 200/s, 0.2 s: at most 40 + 1 per connection */
    cfg.duration = 0.2;
    hx_io_load_result r;
    assert_int_equal(hx_io_load_run(&cfg, &r), HX_OK);
    assert_int_equal(r.errors, 0);
    assert_true(r.offered >= 1);
    assert_true(r.offered <= 10 * 41);
    assert_int_equal(r.completed + r.unsent, r.offered);
    assert_true(r.messages <= r.completed);
    assert_int_equal(hx_io_server_stop(s), HX_OK);
}

/* A broken echo server: flips one byte in every 1000th. The generator must notice. */
typedef struct bad_server {
    int listen_fd, port;
} bad_server;

static void *bad_echo(void *arg) {
    bad_server *b = arg;
    int fd = accept(b->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    unsigned char buf[4096];
    uint64_t total = 0;
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        for (ssize_t i = 0; i < n; i++, total++)
            if (total % 1000 == 999)
                buf[i] ^= 0x40;
        if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
            break;
    }
    close(fd);
    return NULL;
}

static void corrupted_echo_is_an_error(void **state) {
    (void)state;
    bad_server b = {.listen_fd = socket(AF_INET, SOCK_STREAM, 0)};
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    socklen_t len = sizeof sa;
    assert_int_equal(bind(b.listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(b.listen_fd, 4), 0);
    getsockname(b.listen_fd, (struct sockaddr *)&sa, &len);
    pthread_t t;
    pthread_create(&t, NULL, bad_echo, &b);
    hx_io_load cfg = small_load(ntohs(sa.sin_port), 1);
    hx_io_load_result r;
    assert_int_equal(hx_io_load_run(&cfg, &r), HX_OK);
    assert_int_equal(r.errors, 1);
    assert_contains(r.first_error, "differ");
    pthread_join(t, NULL);
    close(b.listen_fd);
}

static void bench_point_attributes_server_cpu(void **state) {
    (void)state;
    hx_io_load cfg = small_load(0, 4);
    cfg.host = NULL;
    hx_io_bench_row row;
    assert_int_equal(hx_io_bench_point("nonblocking-poll", 0, 0, &cfg, &row), HX_OK);
    /* the busy loop spins the whole window: its CPU is most of it (not a timing: a share) */
    assert_true(row.server_cpu > 0.0);
    double cores = (double)sysconf(_SC_NPROCESSORS_ONLN);
    assert_true(row.server_cpu <= 1.5 * cfg.duration * cores); /* at most every core, + slack */
    assert_true(row.load.completed >= 4);
    assert_true(row.load.gen_cpu > 0); /* the generator's threads were alive at both edges */
}

/* More connections than FD_SETSIZE: the models without select's limit serve them all. */
static void models_serve_more_connections_than_fd_setsize(void **state) {
    (void)state;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max < 2 * (FD_SETSIZE + 100) + 64)
        skip();
    const char *models[] = {"poll", "epoll-et", "sigio", "io_uring"};
    for (size_t m = 0; m < 4; m++) {
        hx_io_load cfg = small_load(0, FD_SETSIZE + 100);
        cfg.host = NULL;
        cfg.duration = 0.1;
        hx_io_bench_row row;
        int st = hx_io_bench_point(models[m], 0, 0, &cfg, &row);
        if (st == HX_ERR_MISSING) /* io_uring disabled in this kernel */
            continue;
        if (st != HX_OK)
            print_error("%s: %s\n", models[m], row.error);
        assert_int_equal(st, HX_OK);
        assert_int_equal(row.load.errors, 0);
        assert_true(row.load.completed >= cfg.conns);
    }
}

static void bench_point_unknown_model_fails_cleanly(void **state) {
    (void)state;
    hx_io_load cfg = small_load(0, 1);
    cfg.host = NULL;
    hx_io_bench_row row;
    assert_int_equal(hx_io_bench_point("kqueue", 0, 0, &cfg, &row), HX_ERR_USAGE);
    assert_contains(row.error, "kqueue");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_loop_latency_includes_the_stall),
        cmocka_unit_test(pattern_differs_by_connection_message_and_offset),
        cmocka_unit_test(closed_loop_against_epoll_counts_and_verifies),
        cmocka_unit_test(open_loop_follows_the_schedule),
        cmocka_unit_test(corrupted_echo_is_an_error),
        cmocka_unit_test(bench_point_attributes_server_cpu),
        cmocka_unit_test(bench_point_unknown_model_fails_cleanly),
        cmocka_unit_test(models_serve_more_connections_than_fd_setsize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
