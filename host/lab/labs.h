/*
 * labs.h - the lab table's entries, one file each (host/lab/lab_NAME.c).
 */
#ifndef HETERO_LAB_LABS_H
#define HETERO_LAB_LABS_H

#include "hetero/lab/lab.h"

extern const hx_lab hx_lab_flynn;
extern const hx_lab hx_lab_memory;
extern const hx_lab hx_lab_models;
extern const hx_lab hx_lab_message_passing;
extern const hx_lab hx_lab_design;
extern const hx_lab hx_lab_mapping;
extern const hx_lab hx_lab_speedup;
extern const hx_lab hx_lab_processes_threads;
extern const hx_lab hx_lab_io_models;
extern const hx_lab hx_lab_heterogeneous;

#endif
