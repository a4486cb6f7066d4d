/*
 * device.h - hetero map's device worker: an OpenCL device as one more worker of a run.
 *
 * The command opens the device (hx_target_open, as every command does) and hands its session
 * here.  hx_map_device_prepare() checks, before any device opens, what a device worker needs: a
 * task source with a device side, and policies that can hand work to it (OpenMP's cannot: their
 * threads are OpenMP's).  hx_map_device_join() then gives the source its kernel on the device and
 * adds the worker after the CPU workers.  A CPU device (PoCL) runs its own threads on the cores
 * the CPU workers are bound to: without --workers one core is left to it, and where the device
 * can be partitioned (device fission) it runs on a sub-device of exactly the cores the workers
 * leave, with a session of its own; every choice is said on stderr.
 */
#ifndef HETERO_MAP_DEVICE_H
#define HETERO_MAP_DEVICE_H

#include <stdbool.h>

#include "hetero/map/policy.h"
#include "hetero/map/source.h"
#include "hetero/ocl/ocl.h"

typedef struct hx_map_device {
    hx_ocl_device sub;      /* the sub-device of the free cores (a CPU device) */
    hx_ocl_session session; /* its session */
    bool have_sub, have_session;
} hx_map_device;

/* HX_ERR_USAGE when s has no device side.  want (NULL: the policies are not the caller's choice,
 * as in the sweep): with all, OpenMP's rows are left out and that is said once; a list that names
 * one is HX_ERR_USAGE. */
int hx_map_device_prepare(const hx_map_source *s, bool want[HX_MAP_POLICY_COUNT], bool all);

/* The device worker on dev, whose session the caller opened: share the CPU as above (workers_given:
 * --workers was set, keep run->workers), attach s's kernel, add the worker to run.  Close d after
 * hx_map_source_close(s) and before the caller's session. */
int hx_map_device_join(hx_map_source *s, const hx_ocl_device *dev, hx_ocl_session *session,
                       bool workers_given, hx_map_config *run, hx_map_device *d);
void hx_map_device_close(hx_map_device *d);

#endif
