/*
 * self.h - where this hetero binary runs from: installed, or the build tree.
 *
 * `cmake --install` puts hetero on PATH (bin/hetero, with share/hetero/kernels beside it);
 * until then it runs as build/release/hetero, found by its CMakeCache.txt one directory up.  The
 * labs are written for `hetero` on PATH, so a lab run from the build tree says so once, with the
 * command that installs it.
 */
#ifndef HETERO_CORE_SELF_H
#define HETERO_CORE_SELF_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    HX_SELF_INSTALLED,  /* PREFIX/bin/hetero with PREFIX/share/hetero/ */
    HX_SELF_BUILD_TREE, /* a CMake build directory */
    HX_SELF_ELSEWHERE,  /* copied somewhere, or /proc/self/exe unreadable */
} hx_self_place;

/* Where the running binary lives; exe gets its path ("" when unknown). */
hx_self_place hx_self(char *exe, size_t len);

/* For a build-tree binary: "running <exe> from the build tree; `cmake --install <dir>` puts
 * hetero on PATH, which the lab handouts use"; false (and "") for an installed one. */
bool hx_self_note(char *buf, size_t len);

/* The pure part, for the unit tests: the place of a binary at exe, asking exists() about the
 * files beside it. */
hx_self_place hx_self_place_of(const char *exe, bool (*exists)(const char *path));

#endif
