/*
 * test_scale_plot.c - `hetero scale --plot` draws non-empty SVG and PNG figures (skipped, exit
 * 77, where gnuplot is not installed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetero/core/plot.h"
#include "hx_test.h"

static char dir[] = "/tmp/hetero-plot-test-XXXXXX";

static void draw(const char *args, const char *file, const char *magic, size_t magic_len) {
    char path[256], cmd[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(cmd, sizeof cmd, "%s --plot=%s", args, path);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "%s", cmd), 0);
    if (p.status != 0)
        print_error("exit %d\nstderr: %s\n", p.status, p.err);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "hetero scale"); /* the report still goes to stdout */
    hx_proc_free(&p);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char head[512] = {0};
    size_t n = fread(head, 1, sizeof head - 1, f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    assert_true(size > 1000);
    assert_true(n >= magic_len);
    if (magic[0] == '<')
        assert_contains(head, magic);
    else
        assert_memory_equal(head, magic, magic_len);
    unlink(path);
}

static void strong_scaling_figures(void **state) {
    (void)state;
    draw("scale amdahl --threads=1,2 --size=64K --reps=2 --warmup=0 --backend=omp,omp-simd",
         "strong.svg", "<svg", 4);
    draw("scale vecadd --mode=weak --threads=1,2 --size=8K --reps=2 --warmup=0", "weak.png",
         "\x89PNG", 4);
}

static void size_sweep_figure(void **state) {
    (void)state;
    draw("scale vecadd --sizes=1K..16K*4 --backend=serial,omp --reps=2 --warmup=0", "sizes.svg",
         "<svg", 4);
}

int main(void) {
    const char *program;
    if (!hx_gnuplot_found(&program)) {
        fprintf(stderr, "skipped: %s is not installed\n", program);
        return 77;
    }
    if (!mkdtemp(dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strong_scaling_figures),
        cmocka_unit_test(size_sweep_figure),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(dir);
    return failed;
}
