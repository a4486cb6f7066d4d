/*
 * blas_info.c - OpenBLAS's version and core type (see blas.h).
 *
 * The two functions are OpenBLAS's own extensions.  They are declared here rather than taken from
 * cblas.h, which on Debian is an alternative that may be another BLAS's header; the library
 * linked is libopenblas either way (CMakeLists.txt).
 */
#include "hetero/workloads/blas.h"

#include <stdio.h>

#ifdef HETERO_HAVE_BLAS
char *openblas_get_config(void);
char *openblas_get_corename(void);
#endif

bool hx_blas_info(char *config, size_t config_len, char *core, size_t core_len) {
#ifdef HETERO_HAVE_BLAS
    const char *c = openblas_get_config(), *k = openblas_get_corename();
    snprintf(config, config_len, "%s", c ? c : "?");
    snprintf(core, core_len, "%s", k ? k : "?");
    return true;
#else
    snprintf(config, config_len, "none");
    snprintf(core, core_len, "none");
    return false;
#endif
}
