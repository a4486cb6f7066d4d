/*
 * helper.c - hetero-conc-helper: the small program `hetero conc` starts and forks from.
 *
 *   hetero-conc-helper                 exit 0 at once (what posix_spawn and vfork+exec start)
 *   hetero-conc-helper exit CODE       exit with CODE (so the parent can check it ran this)
 *   hetero-conc-helper fork OPS WARMUP fork + _exit + waitpid, WARMUP untimed then OPS timed,
 *                                      one line per timed operation on stdout: nanoseconds
 *
 * It links only the C library, so a fork from it costs what the system charges for a small
 * process: the `fork` row of `hetero conc`, which `fork_hetero` (the same loop inside hetero,
 * with every library hetero maps) is compared with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* One fork + _exit(code) + waitpid; 0 if the child exited with code. */
static int fork_once(int code) {
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(code);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == code ? 0 : -1;
}

static int parse_count(const char *s, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 10000000)
        return -1;
    *out = v;
    return 0;
}

static int fork_loop(long ops, long warmup) {
    long long *ns = malloc((size_t)(ops > 0 ? ops : 1) * sizeof *ns);
    if (!ns)
        return 1;
    for (long i = 0; i < warmup; i++)
        if (fork_once((int)(i % 100)) != 0)
            return 1;
    for (long i = 0; i < ops; i++) {
        long long t0 = now_ns();
        int rc = fork_once((int)(i % 100));
        ns[i] = now_ns() - t0;
        if (rc != 0) {
            fprintf(stderr, "hetero-conc-helper: fork %ld failed: %s\n", i, strerror(errno));
            free(ns);
            return 1;
        }
    }
    for (long i = 0; i < ops; i++)
        printf("%lld\n", ns[i]);
    free(ns);
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    long a, b;
    if (argc == 1)
        return 0;
    if (argc == 3 && strcmp(argv[1], "exit") == 0 && parse_count(argv[2], &a) == 0)
        return (int)(a & 0x7f);
    if (argc == 4 && strcmp(argv[1], "fork") == 0 && parse_count(argv[2], &a) == 0 &&
        parse_count(argv[3], &b) == 0)
        return fork_loop(a, b);
    fprintf(stderr, "usage: hetero-conc-helper [exit CODE | fork OPS WARMUP]\n");
    return 2;
}
