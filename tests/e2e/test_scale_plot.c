/*
 * test_scale_plot.c - `hetero scale --plot` draws non-empty SVG and PNG figures, the handout's
 * amdahl.svg on two cores among them, with oversubscribed points and "no fit" drawn apart
 * (skipped, exit 77, where gnuplot is not installed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetero/core/plot.h"
#include "hx_test.h"

static char dir[] = "/tmp/hetero-plot-test-XXXXXX";

/* Draw into dir/file and check its first bytes; *text receives the file when it is wanted. */
static void draw_into(const char *args, const char *file, const char *magic, size_t magic_len,
                      char **text) {
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
    if (text) {
        *text = calloc(1, (size_t)size + 1);
        assert_non_null(*text);
        fseek(f, 0, SEEK_SET);
        assert_int_equal(fread(*text, 1, (size_t)size, f), (size_t)size);
    }
    fclose(f);
    assert_true(size > 1000);
    assert_true(n >= magic_len);
    if (magic[0] == '<')
        assert_contains(head, magic);
    else
        assert_memory_equal(head, magic, magic_len);
    unlink(path);
}

static void draw(const char *args, const char *file, const char *magic, size_t magic_len) {
    draw_into(args, file, magic, magic_len, NULL);
}

/* The handout's hand-in: amdahl.svg from a two-core run: through its one point with p > 1 the
 * law is exact (said in the key), or no fit when a loaded machine puts the point outside it. */
static void amdahl_figure_on_two_cores(void **state) {
    (void)state;
    char *svg;
    draw_into("scale amdahl --serial-fraction=0.1 --threads=1,2 --size=256K --reps=2 --warmup=0",
              "amdahl.svg", "<svg", 4, &svg);
    assert_true(strstr(svg, "(exact: one point)") || strstr(svg, "no fit"));
    assert_contains(svg, "Karp-Flatt e(p)");
    free(svg);
}

/* Oversubscribed points get their own series, apart from the ones the law is fitted to. */
static void oversubscribed_points_are_drawn_apart(void **state) {
    (void)state;
    char args[192], *svg;
    snprintf(args, sizeof args, "scale vecadd --threads=1,%ld --size=16K --reps=2 --warmup=0",
             sysconf(_SC_NPROCESSORS_ONLN) + 1);
    draw_into(args, "over.svg", "<svg", 4, &svg);
    assert_contains(svg, "omp oversubscribed (not fitted)");
    free(svg);
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
        cmocka_unit_test(amdahl_figure_on_two_cores),
        cmocka_unit_test(oversubscribed_points_are_drawn_apart),
        cmocka_unit_test(strong_scaling_figures),
        cmocka_unit_test(size_sweep_figure),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(dir);
    return failed;
}
