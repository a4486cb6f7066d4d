/*
 * hx_io_serve.h - run `hetero io serve` as a child process for the IO e2e tests: start it (with
 * an optional descriptor limit), read its "listening on ADDR:PORT" line, stop it with a signal.
 */
#ifndef HX_IO_SERVE_H
#define HX_IO_SERVE_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hx_test.h"

typedef struct hx_serve_proc {
    pid_t pid; /* -1: the model cannot run here (it exited 3 before listening) */
    int port;
} hx_serve_proc;

/* Start `hetero io serve --model=M --port=0 --workers=2`, with RLIMIT_NOFILE's soft limit set to
 * fd_limit first when fd_limit > 0 (what `ulimit -n` does). */
static inline hx_serve_proc hx_serve_start(const char *model, rlim_t fd_limit) {
    int out[2];
    assert_int_equal(pipe(out), 0);
    char model_arg[64];
    snprintf(model_arg, sizeof model_arg, "--model=%s", model);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = fd_limit > 0 ? fd_limit : rl.rlim_cur;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            _exit(126);
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execl(getenv("HETERO_BIN"), "hetero", "io", "serve", model_arg, "--port=0", "--workers=2",
              (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    char line[160] = "";
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    hx_serve_proc sp = {.pid = pid};
    if (!got) { /* a model that cannot run here (posix-aio under TSan, no io_uring) exits 3 */
        int status = 0;
        waitpid(pid, &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
        sp.pid = -1;
        return sp;
    }
    assert_int_equal(sscanf(line, "listening on 127.0.0.1:%d", &sp.port), 1);
    assert_true(sp.port > 0 && sp.port < 65536);
    return sp;
}

/* Send sig, wait up to 10 s: the exit status, 128 + a signal, or -1 (then it is killed). */
static inline int hx_serve_stop(hx_serve_proc sp, int sig) {
    kill(sp.pid, sig);
    int status = -1;
    for (int i = 0; i < 100; i++) {
        if (waitpid(sp.pid, &status, WNOHANG) == sp.pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        usleep(100 * 1000);
    }
    kill(sp.pid, SIGKILL);
    waitpid(sp.pid, &status, 0);
    return -1;
}

#endif
