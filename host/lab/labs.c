/*
 * labs.c - the labs, in the course's chapter order (docs/labs/README.md).
 */
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "labs.h"

static const hx_lab *const lab_table[] = {
    &hx_lab_flynn,
    &hx_lab_memory,
    &hx_lab_models,
    &hx_lab_message_passing,
    &hx_lab_design,
    &hx_lab_mapping,
    &hx_lab_speedup,
    &hx_lab_processes_threads,
    &hx_lab_io_models,
    &hx_lab_heterogeneous,
};

size_t hx_lab_count(void) {
    return sizeof lab_table / sizeof lab_table[0];
}

const hx_lab *hx_lab_at(size_t i) {
    return i < hx_lab_count() ? lab_table[i] : NULL;
}

int hx_lab_find_by_name(const char *name, const hx_lab **out) {
    const char *names[sizeof lab_table / sizeof lab_table[0] + 1];
    for (size_t i = 0; i < hx_lab_count(); i++)
        names[i] = lab_table[i]->name;
    names[hx_lab_count()] = NULL;
    int i;
    HX_TRY(hx_parse_choice("lab", name, names, &i));
    *out = lab_table[i];
    return HX_OK;
}
