/*
 * labs.h - the lab table's entries, one file each (host/lab/lab_NAME.c).
 */
#ifndef HETERO_LAB_LABS_H
#define HETERO_LAB_LABS_H

#include "hetero/lab/lab.h"

extern const hx_lab hx_lab_flynn;

#endif
