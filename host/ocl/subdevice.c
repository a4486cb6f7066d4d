/*
 * subdevice.c - device fission: an OpenCL device cut down to p compute units.
 *
 * Scaling studies vary the number of processing elements inside one process.  For OpenCL that
 * is done by partitioning the device (clCreateSubDevices with CL_DEVICE_PARTITION_BY_COUNTS, a
 * single count p): the runtime then schedules work-groups on p compute units only, which is the
 * device-side twin of OMP_NUM_THREADS.  PoCL's CPU device supports it; GPUs usually do not, and
 * the message then says so instead of falling back to the whole device.
 */
#include <stdio.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/ocl/ocl.h"

/* Whether the device lists CL_DEVICE_PARTITION_BY_COUNTS among its partition types. */
static bool partitions_by_counts(cl_device_id id) {
    cl_device_partition_property props[16];
    size_t bytes = 0;
    if (clGetDeviceInfo(id, CL_DEVICE_PARTITION_PROPERTIES, sizeof props, props, &bytes) !=
        CL_SUCCESS)
        return false;
    for (size_t i = 0; i < bytes / sizeof props[0]; i++)
        if (props[i] == CL_DEVICE_PARTITION_BY_COUNTS)
            return true;
    return false;
}

int hx_ocl_subdevice(const hx_ocl_device *parent, unsigned units, hx_ocl_device *out) {
    if (units == 0 || units > parent->compute_units)
        return hx_fail(HX_ERR_MISSING,
                       "device '%s' has %u compute units; a sub-device of %u is not possible",
                       parent->name, parent->compute_units, units);
    if (!partitions_by_counts(parent->id))
        return hx_fail(HX_ERR_MISSING,
                       "device '%s' cannot be partitioned by counts (no device fission), so its "
                       "compute units cannot be varied",
                       parent->name);
    cl_device_partition_property props[] = {CL_DEVICE_PARTITION_BY_COUNTS,
                                            (cl_device_partition_property)units,
                                            CL_DEVICE_PARTITION_BY_COUNTS_LIST_END, 0};
    cl_device_id sub;
    cl_uint made = 0;
    HX_CL(clCreateSubDevices(parent->id, props, 1, &sub, &made));
    if (made != 1)
        return hx_fail(HX_ERR_RUNTIME, "clCreateSubDevices made %u sub-devices, expected 1", made);
    *out = *parent;
    out->id = sub;
    cl_uint cu = 0;
    cl_int err = clGetDeviceInfo(sub, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
    if (err != CL_SUCCESS) {
        clReleaseDevice(sub);
        return hx_ocl_fail(err, "clGetDeviceInfo(CL_DEVICE_MAX_COMPUTE_UNITS)");
    }
    out->compute_units = cu;
    size_t wg = 0;
    if (clGetDeviceInfo(sub, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL) == CL_SUCCESS)
        out->max_work_group = wg;
    char name[sizeof out->name];
    snprintf(name, sizeof name, "%.230s [%u CU]", parent->name, cu);
    memcpy(out->name, name, sizeof name);
    return HX_OK;
}

void hx_ocl_subdevice_release(hx_ocl_device *sub) {
    if (sub->id)
        clReleaseDevice(sub->id);
    sub->id = NULL;
}
