/*
 * test_io.c - `hetero io` end to end: serve prints its port and echoes until SIGTERM, bench
 * reports verified JSON/CSV, --target drives an outside server, bad input exits 2.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hx_test.h"

typedef struct server_proc {
    pid_t pid;
    int port;
} server_proc;

/* Start `hetero io serve --model=M --port=0` and read its "listening on ADDR:PORT" line. */
static server_proc start_serve(const char *model) {
    int out[2];
    assert_int_equal(pipe(out), 0);
    char model_arg[64];
    snprintf(model_arg, sizeof model_arg, "--model=%s", model);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execl(getenv("HETERO_BIN"), "hetero", "io", "serve", model_arg, "--port=0", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    char line[128] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    server_proc sp = {.pid = pid};
    assert_int_equal(sscanf(line, "listening on 127.0.0.1:%d", &sp.port), 1);
    assert_true(sp.port > 0 && sp.port < 65536);
    return sp;
}

static int stop_serve(server_proc sp, int sig) {
    kill(sp.pid, sig);
    int status = -1;
    for (int i = 0; i < 100; i++) { /* at most 10 s */
        if (waitpid(sp.pid, &status, WNOHANG) == sp.pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        usleep(100 * 1000);
    }
    kill(sp.pid, SIGKILL);
    waitpid(sp.pid, &status, 0);
    return -1;
}

static void serve_echoes_and_stops_cleanly(void **state) {
    (void)state;
    const char *models[] = {"epoll-et", "blocking-fork", "sigio"};
    for (size_t m = 0; m < 3; m++) {
        server_proc sp = start_serve(models[m]);
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
        assert_int_equal(stop_serve(sp, m == 0 ? SIGINT : SIGTERM), 0); /* with a client open */
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
    server_proc sp = start_serve("poll");
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p,
                                       "io bench --target=127.0.0.1:%d --conns=3 "
                                       "--duration=200ms --format=json",
                                       sp.port),
                     0);
    assert_int_equal(stop_serve(sp, SIGTERM), 0);
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
        {"io frobnicate", "serve, bench, list"},
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
    assert_int_equal(hx_count_lines(p.out), 10);
    assert_contains(p.out, "io_uring");
    assert_contains(p.out, "sigio");
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
