/*
 * test_io.c - `hetero io` end to end: serve prints its port and echoes until SIGTERM, bench
 * reports verified JSON/CSV, --target drives an outside server, bad input exits 2 (3 for a
 * descriptor limit too low), auto names its choice, the one-loop-per-core models report their
 * spread, --idle reports the server's threads, processes and memory, switch its costs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hx_io_serve.h"
#include "hx_test.h"

static void serve_echoes_and_stops_cleanly(void **state) {
    (void)state;
    const char *models[] = {"epoll-et", "blocking-fork", "sigio"};
    for (size_t m = 0; m < 3; m++) {
        hx_serve_proc sp = hx_serve_start(models[m], 0);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)sp.port)};
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
        const char msg[] = "hello, echo";
        assert_int_equal(send(fd, msg, sizeof msg, 0), (ssize_t)sizeof msg);
        char back[sizeof msg];
        size_t got = 0;
        while (got < sizeof back) {
            ssize_t r = recv(fd, back + got, sizeof back - got, 0);
            assert_true(r > 0);
            got += (size_t)r;
        }
        assert_memory_equal(back, msg, sizeof msg);
        assert_int_equal(hx_serve_stop(sp, m == 0 ? SIGINT : SIGTERM), 0); /* with a client open */
        close(fd);
    }
}

static void bench_json_reports_verified_points(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "io bench --model=epoll-lt,blocking-thread "
                                           "--conns=1,8 --size=100 --duration=200ms --format=json"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.io/1");
    assert_string_equal(jv_get(doc, "mode")->string, "closed-loop");
    const jv *res = jv_get(doc, "results");
    assert_int_equal(res->len, 4);
    for (size_t i = 0; i < 4; i++) {
        const jv *r = jv_at(res, i);
        assert_true(jv_get(r, "ok")->boolean);
        double conns = jv_get(r, "conns")->number;
        assert_true(jv_get(r, "completed")->number >= conns); /* a message each, at least */
        assert_true(jv_get(r, "messages")->number <= jv_get(r, "completed")->number);
        assert_near(jv_get(r, "errors")->number, 0, 0);
        double mps = jv_get(r, "msgs_per_s")->number, mbps = jv_get(r, "mb_per_s")->number;
        assert_near(mbps, mps * 100 / 1e6, 1e-9 * mbps + 1e-12); /* MB/s = msgs/s x size */
        assert_true(jv_path(r, "latency_s.p50")->number <= jv_path(r, "latency_s.p99")->number);
        assert_true(jv_get(r, "server_cpu_s")->number >= 0);
    }
    assert_string_equal(jv_get(jv_at(res, 0), "model")->string, "epoll-lt");
    assert_int_equal((int)jv_get(jv_at(res, 1), "conns")->number, 8);
    jv_free(doc);
    hx_proc_free(&p);
}

static void bench_open_loop_csv(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "io bench --model=poll --conns=4 --rate=1000 "
                                           "--duration=200ms --format=csv"),
                     0);
    assert_int_equal(p.status, 0);
    assert_int_equal(hx_count_lines(p.out), 2);
    assert_contains(p.out, "model,conns,messages,");
    assert_contains(p.out, "\npoll,4,");
    hx_proc_free(&p);
}

static void bench_drives_a_target(void **state) {
    (void)state;
    hx_serve_proc sp = hx_serve_start("poll", 0);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p,
                                       "io bench --target=127.0.0.1:%d --conns=3 "
                                       "--duration=200ms --format=json",
                                       sp.port),
                     0);
    assert_int_equal(hx_serve_stop(sp, SIGTERM), 0);
    assert_int_equal(p.status, 0);
    jv *doc = jv_parse(p.out, NULL, 0);
    assert_non_null(doc);
    const jv *r = jv_at(jv_get(doc, "results"), 0);
    assert_string_equal(jv_get(r, "model")->string, "target");
    assert_true(jv_get(r, "completed")->number >= 3);
    assert_int_equal(jv_get(r, "server_cpu_s")->type, JV_NULL); /* not ours to measure */
    jv_free(doc);
    hx_proc_free(&p);
}

static void bad_input_is_a_usage_error(void **state) {
    (void)state;
    static const struct {
        const char *cmd, *says;
    } cases[] = {
        {"io bench --model=kqueue", "epoll-et"},
        {"io bench --conns=0", "--conns"},
        {"io serve", "--model"},
        {"io serve --model=epoll --port=1", "epoll-lt"},
        {"io bench --duration=fast", "fast"},
        {"io bench --target=nohost", "nohost"},
        {"io bench --target=10.1.2.3:7", "loopback"},
        {"io frobnicate", "serve, bench, switch, list"},
        {"io list extra", "extra"},
        {"io list --format=xml", "xml"},
        {"io list --bogus", "--bogus"},
        {"io bench --workers=0", "--workers"},
        {"io bench --workers=257", "256"},
        {"io serve --model=epoll-threads --workers=0", "--workers"},
        {"io bench --idle=-1", "--idle"},
        {"io switch --reps=0", "--reps"},
        {"io switch now", "now"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "%s", cases[i].cmd), 0);
        assert_int_equal(p.status, 2);
        assert_contains(p.err, cases[i].says);
        assert_int_equal(hx_count_lines(p.err), 1);
        hx_proc_free(&p);
    }
}

static void list_names_every_model(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "io list"), 0);
    assert_int_equal(p.status, 0);
    assert_int_equal(hx_count_lines(p.out), 14);
    assert_contains(p.out, "io_uring");
    assert_contains(p.out, "sigio");
    assert_contains(p.out, "epoll-reuseport");
    assert_contains(p.out, "epoll-threads");
    assert_contains(p.out, "coroutine");
    assert_contains(p.out, "\nauto ");
    hx_proc_free(&p);
}

static void list_formats_json_and_csv(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "io list --format=json"), 0);
    jv *doc = hx_expect_json(&p, 0);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.io.list/1");
    const jv *models = jv_get(doc, "models");
    assert_int_equal(models->len, 14);
    size_t with_workers = 0, processes = 0;
    for (size_t i = 0; i < models->len; i++) {
        with_workers += jv_get(jv_at(models, i), "uses_workers")->boolean;
        processes += jv_get(jv_at(models, i), "processes")->boolean;
    }
    assert_int_equal(with_workers, 2); /* epoll-reuseport, epoll-threads */
    assert_int_equal(processes, 2);    /* blocking-fork, epoll-reuseport */
    jv_free(doc);
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "io list --format=csv"), 0);
    assert_int_equal(p.status, 0);
    assert_int_equal(hx_count_lines(p.out), 15);
    assert_contains(p.out, "name,summary,uses_workers,processes\n");
    hx_proc_free(&p);
}

/* auto names its choice; HETERO_IO_FORCE shows the fallback; a bad value is a usage error. */
static void auto_names_its_choice(void **state) {
    (void)state;
    static const struct {
        const char *force, *chosen;
    } cases[] = {{NULL, "epoll-et"}, {"poll", "poll"}, {"select", "select"}};
    for (size_t i = 0; i < 3; i++) {
        if (cases[i].force)
            setenv("HETERO_IO_FORCE", cases[i].force, 1);
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "io bench --model=auto --conns=3 "
                                               "--duration=100ms --format=json"),
                         0);
        unsetenv("HETERO_IO_FORCE");
        jv *doc = hx_expect_json(&p, 0);
        const jv *r = jv_at(jv_get(doc, "results"), 0);
        assert_string_equal(jv_get(r, "model")->string, "auto");
        assert_string_equal(jv_get(r, "mechanism")->string, cases[i].chosen);
        assert_true(jv_get(r, "ok")->boolean);
        jv_free(doc);
        hx_proc_free(&p);
    }
    setenv("HETERO_IO_FORCE", "kqueue", 1);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "io serve --model=auto --port=0"), 0);
    unsetenv("HETERO_IO_FORCE");
    assert_int_equal(p.status, 2);
    assert_contains(p.err, "HETERO_IO_FORCE");
    assert_contains(p.err, "select, poll, epoll");
    hx_proc_free(&p);
}

/* The kernel spreads SO_REUSEPORT connections over the workers' listeners; the threads share
 * one listener.  Either way every connection is accepted by exactly one worker. */
static void one_loop_per_core_counts_connections_per_worker(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "io bench --model=epoll-reuseport,epoll-threads "
                                           "--workers=2,3 --conns=40 --duration=100ms "
                                           "--format=json"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *res = jv_get(doc, "results");
    assert_int_equal(res->len, 4);
    for (size_t i = 0; i < 4; i++) {
        const jv *r = jv_at(res, i);
        assert_true(jv_get(r, "ok")->boolean);
        const jv *per = jv_get(r, "conns_per_worker");
        assert_int_equal(per->len, (size_t)jv_get(r, "workers")->number);
        assert_int_equal(per->len, i % 2 ? 3 : 2);
        double sum = 0;
        for (size_t w = 0; w < per->len; w++)
            sum += jv_at(per, w)->number;
        assert_near(sum, 40, 0);
    }
    /* 40 hashed connections: the chance that a listener of two gets none is 2^-39 */
    const jv *per = jv_get(jv_at(res, 0), "conns_per_worker");
    assert_true(jv_at(per, 0)->number > 0 && jv_at(per, 1)->number > 0);
    assert_int_equal((int)jv_get(jv_at(res, 0), "server_processes")->number, 2);
    jv_free(doc);
    hx_proc_free(&p);
}

/* --idle: the threads, processes and memory the idle connections cost the server. */
static void idle_connections_are_counted_and_measured(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "io bench --model=blocking-thread,blocking-fork,"
                                           "coroutine --conns=2 --idle=20 --duration=100ms "
                                           "--format=json"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *res = jv_get(doc, "results");
    assert_int_equal(res->len, 3);
    for (size_t i = 0; i < 3; i++) {
        const jv *r = jv_at(res, i);
        assert_true(jv_get(r, "ok")->boolean);
        assert_int_equal((int)jv_get(r, "idle")->number, 20);
        assert_true(jv_get(r, "rss_bytes")->number > 0);
        assert_int_equal(jv_get(r, "rss_per_1k_idle_bytes")->type, JV_NUMBER);
        assert_true(jv_get(r, "setup_s")->number > 0);
        assert_true(jv_get(r, "idle_setup_s")->number > 0);
    }
    const jv *thread = jv_at(res, 0), *fork = jv_at(res, 1), *coro = jv_at(res, 2);
    /* the acceptor and one thread per connection, active and idle */
    assert_int_equal((int)jv_get(thread, "server_threads")->number, 1 + 2 + 20);
    assert_int_equal((int)jv_get(fork, "server_processes")->number, 2 + 20);
    assert_string_equal(jv_get(fork, "rss_method")->string, "pss-summed");
    assert_true(jv_get(fork, "rss_per_1k_idle_bytes")->number > 0); /* 20 more processes */
    assert_int_equal((int)jv_get(coro, "server_threads")->number, 1);
    assert_string_equal(jv_get(coro, "rss_method")->string, "rss");
    jv_free(doc);
    hx_proc_free(&p);
}

/* More idle connections than the hard descriptor limit allows: exit 3, both limits named. */
static void idle_beyond_the_descriptor_limit_is_missing(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "io bench --model=epoll-et --conns=1 --idle=500K"), 0);
    assert_int_equal(p.status, 3);
    assert_contains(p.err, "soft limit");
    assert_contains(p.err, "hard limit");
    assert_int_equal(hx_count_lines(p.err), 1);
    hx_proc_free(&p);
}

static void switch_reports_coroutine_and_thread(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "io switch --reps=3 --format=json"), 0);
    jv *doc = hx_expect_json(&p, 0);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.io.switch/1");
    const jv *res = jv_get(doc, "results");
    assert_int_equal(res->len, 3);
    static const char *const names[] = {"coroutine", "ucontext", "thread"};
    for (size_t i = 0; i < 3; i++) {
        const jv *r = jv_at(res, i);
        assert_string_equal(jv_get(r, "name")->string, names[i]);
        double med = jv_get(r, "ns_per_switch")->number;
        assert_true(med > 0);
        assert_true(jv_get(r, "ns_min")->number <= med && med <= jv_get(r, "ns_max")->number);
        assert_true(jv_get(r, "switches")->number >= 2000);
    }
    jv_free(doc);
    hx_proc_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serve_echoes_and_stops_cleanly),
        cmocka_unit_test(bench_json_reports_verified_points),
        cmocka_unit_test(bench_open_loop_csv),
        cmocka_unit_test(bench_drives_a_target),
        cmocka_unit_test(bad_input_is_a_usage_error),
        cmocka_unit_test(list_names_every_model),
        cmocka_unit_test(list_formats_json_and_csv),
        cmocka_unit_test(auto_names_its_choice),
        cmocka_unit_test(one_loop_per_core_counts_connections_per_worker),
        cmocka_unit_test(idle_connections_are_counted_and_measured),
        cmocka_unit_test(idle_beyond_the_descriptor_limit_is_missing),
        cmocka_unit_test(switch_reports_coroutine_and_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
