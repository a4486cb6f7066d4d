/*
 * internal.h - what the analysis library's own files share and nothing else sees.
 */
#ifndef HETERO_ANALYSIS_INTERNAL_H
#define HETERO_ANALYSIS_INTERNAL_H

#include "hetero/analysis/laws.h"
#include "hetero/analysis/scale.h"

/* What S divides by, in words, per mode (the table's footer and the JSON's speedup_reference). */
const char *hx_scale_reference_text(hx_scale_mode m);

/* The fit of backend b, or NULL (size sweeps, a backend without points). */
const hx_scale_fit *hx_scale_fit_of(const hx_scale_run *run, hx_backend b);

#endif
