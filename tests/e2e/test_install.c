/*
 * test_install.c - `cmake --install` and the .deb: what lands where, and that it works there.
 *
 * The build directory under test is installed into a scratch prefix; the installed binary runs a
 * verified row from outside the source tree, its man pages hold the options its --help lists,
 * the bash completion completes a command, an option and a workload from the installed binary,
 * and an installed binary does not call itself a build-tree one.  Then cpack builds the .deb and
 * its file list is read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetero/core/self.h"
#include "hx_test.h"

static char prefix[256];

/* Run a shell command, its stdout into *out (caller frees); returns the exit status. */
static int shell(const char *cmd, char **out) {
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (len + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[len] = '\0';
    int status = pclose(p);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static void installed(const char *rel) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", prefix, rel);
    if (!exists(path))
        print_error("not installed: %s\n", path);
    assert_true(exists(path));
}

static int install_once(void **state) {
    (void)state;
    const char *cmake = getenv("HETERO_CMAKE"), *build = getenv("HETERO_BUILD_DIR");
    if (!cmake || !build)
        return -1;
    if (hx_scratch_make(prefix, sizeof prefix, "hx-install") != 0)
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' --install '%s' --prefix '%s' >/dev/null", cmake, build, prefix);
    return system(cmd) == 0 ? 0 : -1;
}

static int remove_prefix(void **state) {
    (void)state;
    return hx_scratch_remove(prefix);
}

static void the_files_land_in_their_places(void **state) {
    (void)state;
    installed("bin/hetero");
    installed("share/hetero/kernels/vecadd.cl");
    installed("share/doc/hetero/README.md");
    installed("share/doc/hetero/json.md");
    installed("share/man/man1/hetero.1");
    installed("share/man/man1/hetero-run.1");
    installed("share/man/man1/hetero-compare.1");
    installed("share/bash-completion/completions/hetero");
}

static void the_installed_binary_runs_from_anywhere(void **state) {
    (void)state;
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd,
             "cd / && '%s/bin/hetero' run --backend=serial,simd --reps=2 --size=4K "
             "--format=json vecadd 2>/dev/null",
             prefix);
    assert_int_equal(shell(cmd, &out), 0);
    assert_contains(out, "\"verified\": true");
    free(out);
    /* installed: not the build tree, and share/hetero beside bin */
    snprintf(cmd, sizeof cmd, "%s/bin/hetero", prefix);
    assert_int_equal(hx_self_place_of(cmd, exists), HX_SELF_INSTALLED);
}

static void man_pages_come_from_help(void **state) {
    (void)state;
    char cmd[1024], *page, *help;
    snprintf(cmd, sizeof cmd, "cat '%s/share/man/man1/hetero-run.1'", prefix);
    assert_int_equal(shell(cmd, &page), 0);
    snprintf(cmd, sizeof cmd, "'%s/bin/hetero' run --help", prefix);
    assert_int_equal(shell(cmd, &help), 0);
    assert_contains(page, ".TH HETERO-RUN 1");
    assert_contains(page, ".SH OPTIONS");
    assert_contains(page, "--target-ci=PCT");
    assert_contains(help, "--target-ci=PCT");
    assert_contains(page, "hetero-run \\- run workloads on every backend");
    free(page);
    free(help);
    if (shell("command -v man >/dev/null", NULL) == 0) {
        snprintf(cmd, sizeof cmd, "MANWIDTH=100 man -l '%s/share/man/man1/hetero-run.1' 2>&1",
                 prefix);
        char *shown;
        assert_int_equal(shell(cmd, &shown), 0);
        assert_contains(shown, "--max-time=T");
        free(shown);
    }
}

static void bash_completes_commands_options_and_workloads(void **state) {
    (void)state;
    char cmd[2048], *out;
    snprintf(
        cmd, sizeof cmd,
        "bash -c 'source \"%s/share/bash-completion/completions/hetero\"; b=\"%s/bin/hetero\"; "
        "COMP_WORDS=(\"$b\" comp); COMP_CWORD=1; _hetero; echo \"1:${COMPREPLY[*]}\"; "
        "COMP_WORDS=(\"$b\" run --max); COMP_CWORD=2; _hetero; echo \"2:${COMPREPLY[*]}\"; "
        "COMP_WORDS=(\"$b\" run vec); COMP_CWORD=2; _hetero; echo \"3:${COMPREPLY[*]}\"'",
        prefix, prefix);
    assert_int_equal(shell(cmd, &out), 0);
    assert_contains(out, "1:compare\n");
    assert_contains(out, "2:--max-time=\n");
    assert_contains(out, "3:vecadd\n");
    free(out);
}

static void cpack_builds_a_deb(void **state) {
    (void)state;
    const char *cpack = getenv("HETERO_CPACK"), *build = getenv("HETERO_BUILD_DIR");
    if (!cpack || !*cpack || shell("command -v dpkg-deb >/dev/null", NULL) != 0)
        skip(); /* not a Debian-like machine */
    char dir[300], cmd[1200], *out;
    snprintf(dir, sizeof dir, "%s/deb", prefix);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' -G DEB -B '%s' >/dev/null 2>&1 && dpkg-deb -c '%s'/hetero_*.deb",
             build, cpack, dir, dir);
    assert_int_equal(shell(cmd, &out), 0);
    assert_contains(out, "./usr/bin/hetero");
    assert_contains(out, "./usr/share/man/man1/hetero-run.1");
    assert_contains(out, "./usr/share/hetero/kernels/vecadd.cl");
    free(out);
    snprintf(cmd, sizeof cmd, "dpkg-deb -f '%s'/hetero_*.deb Depends", dir);
    assert_int_equal(shell(cmd, &out), 0);
    assert_contains(out, "libopenblas0"); /* found by dpkg-shlibdeps, not listed by hand */
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_files_land_in_their_places),
        cmocka_unit_test(the_installed_binary_runs_from_anywhere),
        cmocka_unit_test(man_pages_come_from_help),
        cmocka_unit_test(bash_completes_commands_options_and_workloads),
        cmocka_unit_test(cpack_builds_a_deb),
    };
    return cmocka_run_group_tests(tests, install_once, remove_prefix);
}
