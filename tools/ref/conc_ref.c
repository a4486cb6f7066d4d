/*
 * conc_ref.c - an independent, minimal lmbench-style reference for `hetero conc`.
 *
 * NAME      conc_ref
 * PURPOSE   time process creation, thread creation and pipe ping-pong the way lmbench's
 *           lat_proc, lat_ctx and lat_pipe do - a tight loop of N operations timed as a whole,
 *           repeated, the per-operation mean of each repetition summarised - so that hetero's
 *           figures (each operation timed alone, inside a bigger program) can be checked
 *           against a program that shares none of its code.
 * USAGE     cc -O2 -pthread -o conc_ref conc_ref.c && ./conc_ref [REPS]
 * NOTES     fork            fork + _exit(0) + waitpid, from this small process (libc only)
 *           pthread_create  pthread_create + pthread_join of a thread that returns at once
 *           pipe_procs      half a 1-byte round trip through two pipes between two processes
 *           pipe_threads    the same between two threads of this process
 *           Each line: NAME MIN_US MEDIAN_US over REPS repetitions (default 11) of the loop,
 *           after one untimed repetition.  No pinning: the scheduler places both sides.
 *           The loop overhead (clock reads outside the loop, an increment and a compare per
 *           operation) is below 0.1% of any of these figures and is not subtracted.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPS 101

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *name, double *us, int reps) {
    qsort(us, (size_t)reps, sizeof *us, cmp);
    double median = reps % 2 ? us[reps / 2] : (us[reps / 2 - 1] + us[reps / 2]) / 2;
    printf("%s %.3f %.3f\n", name, us[0], median);
}

/* ---- fork ---- */
static double fork_loop(int n) {
    double t0 = seconds();
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            exit(1);
        }
        if (pid == 0)
            _exit(0);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
            fprintf(stderr, "conc_ref: child failed\n");
            exit(1);
        }
    }
    return (seconds() - t0) / n * 1e6;
}

/* ---- pthread_create ---- */
static void *nothing(void *arg) {
    return arg;
}

static double thread_loop(int n) {
    double t0 = seconds();
    for (int i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0) {
            fprintf(stderr, "conc_ref: pthread_create failed\n");
            exit(1);
        }
    }
    return (seconds() - t0) / n * 1e6;
}

/* ---- pipe ping-pong ---- */
typedef struct pipes {
    int ab[2], ba[2];
    long rounds;
} pipes;

static void echo(pipes *p) {
    char c;
    for (long i = 0; i < p->rounds; i++)
        if (read(p->ab[0], &c, 1) != 1 || write(p->ba[1], &c, 1) != 1)
            exit(1);
}

static void *echo_thread(void *arg) {
    echo(arg);
    return NULL;
}

static double ping(pipes *p, long n) {
    char c = 'x';
    double t0 = seconds();
    for (long i = 0; i < n; i++)
        if (write(p->ab[1], &c, 1) != 1 || read(p->ba[0], &c, 1) != 1) {
            fprintf(stderr, "conc_ref: pipe failed\n");
            exit(1);
        }
    return (seconds() - t0) / n / 2 * 1e6;
}

static void pipe_bench(const char *name, int threads, int reps, long n) {
    pipes p;
    if (pipe(p.ab) || pipe(p.ba)) {
        perror("pipe");
        exit(1);
    }
    p.rounds = n * (reps + 1);
    pthread_t t;
    pid_t pid = 0;
    if (threads) {
        pthread_create(&t, NULL, echo_thread, &p);
    } else if ((pid = fork()) == 0) {
        echo(&p);
        _exit(0);
    }
    double us[MAX_REPS];
    ping(&p, n);
    for (int r = 0; r < reps; r++)
        us[r] = ping(&p, n);
    if (threads)
        pthread_join(t, NULL);
    else
        waitpid(pid, NULL, 0);
    close(p.ab[0]), close(p.ab[1]), close(p.ba[0]), close(p.ba[1]);
    report(name, us, reps);
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 11;
    if (reps < 1 || reps > MAX_REPS) {
        fprintf(stderr, "usage: conc_ref [REPS 1..%d]\n", MAX_REPS);
        return 2;
    }
    double us[MAX_REPS];
    fork_loop(20);
    for (int r = 0; r < reps; r++)
        us[r] = fork_loop(100);
    report("fork", us, reps);
    thread_loop(100);
    for (int r = 0; r < reps; r++)
        us[r] = thread_loop(500);
    report("pthread_create", us, reps);
    pipe_bench("pipe_procs", 0, reps, 2000);
    pipe_bench("pipe_threads", 1, reps, 2000);
    return 0;
}
