/*
 * cache_dir.h - where hetero keeps what it measured or tuned between runs.
 *
 * One directory per user, $XDG_CACHE_HOME/hetero (an absolute XDG_CACHE_HOME only, as the XDG
 * spec says), else ~/.cache/hetero; each subsystem keeps its own small file there (the survey's
 * figures, the OpenCL autotuners' choices), so none rewrites another's.
 */
#ifndef HETERO_CACHE_DIR_H
#define HETERO_CACHE_DIR_H

#include <stddef.h>

/* The path of cache file `name` ("survey.txt") into buf; HX_ERR_RUNTIME when neither
 * XDG_CACHE_HOME nor HOME is set, or the path does not fit. */
int hx_cache_file(const char *name, char *buf, size_t len);

/* Create the directories above path that do not exist yet (mkdir -p of its directory part). */
int hx_make_parent_dirs(const char *path);

#endif
