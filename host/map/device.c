/*
 * device.c - the device worker's setup (device.h): the checks before a device opens, the share of
 * the CPU a CPU device gets, and joining the worker to the run.
 */
#include <string.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/map/device.h"
#include "internal.h"

int hx_map_device_prepare(const hx_map_source *s, bool want[HX_MAP_POLICY_COUNT], bool all) {
    HX_TRY(map_require_device_side(s));
    if (!want)
        return HX_OK;
    bool dropped = false;
    for (int p = 0; p < HX_MAP_POLICY_COUNT; p++) {
        if (!want[p] || !hx_map_policy_is_omp((hx_map_policy)p))
            continue;
        if (!all)
            return hx_map_device_policy_check((hx_map_policy)p);
        want[p] = false;
        dropped = true;
    }
    if (dropped)
        hx_notice("leaving out omp-static, omp-dynamic and omp-guided: OpenMP's schedules cannot "
                  "hand work to the device worker");
    return HX_OK;
}

/* A CPU device: one core for it unless --workers was given, and a sub-device of the cores the
 * workers leave where the device can be partitioned; *session and *name become the sub-device's. */
static int share_the_cpu(const hx_ocl_device *dev, bool workers_given, hx_map_config *run,
                         hx_map_device *d, hx_ocl_session **session, const char **name) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (!workers_given && run->workers > 1)
        run->workers--;
    unsigned w = run->workers;
    if (cores <= (long)w) {
        hx_notice("the OpenCL device '%s' is this CPU, and the %u CPU workers take every core: "
                  "the device's threads share them",
                  dev->name, w);
        return HX_OK;
    }
    unsigned free_cores = (unsigned)cores - w;
    if (free_cores < dev->compute_units && hx_ocl_subdevice(dev, free_cores, &d->sub) == HX_OK) {
        d->have_sub = true;
        HX_TRY(hx_ocl_session_open(&d->sub, &d->session));
        d->have_session = true;
        *session = &d->session;
        *name = d->sub.name;
    }
    const char *plural = w == 1 ? "" : "s";
    if (d->have_sub)
        hx_notice("the OpenCL device '%s' is this CPU: %u CPU worker%s, and the device on a "
                  "sub-device of the %u other core%s (--workers to choose)",
                  dev->name, w, plural, free_cores, free_cores == 1 ? "" : "s");
    else
        hx_notice("the OpenCL device '%s' is this CPU: %u CPU worker%s beside it, sharing the "
                  "cores with its threads (--workers to choose)",
                  dev->name, w, plural);
    return HX_OK;
}

int hx_map_device_join(hx_map_source *s, const hx_ocl_device *dev, hx_ocl_session *session,
                       bool workers_given, hx_map_config *run, hx_map_device *d) {
    memset(d, 0, sizeof *d);
    const char *name = dev->name;
    if (dev->type & CL_DEVICE_TYPE_CPU)
        HX_TRY(share_the_cpu(dev, workers_given, run, d, &session, &name));
    HX_TRY(hx_map_source_attach_device(s, session, name));
    run->workers++;
    run->device_worker = true;
    return HX_OK;
}

void hx_map_device_close(hx_map_device *d) {
    if (d->have_session)
        hx_ocl_session_close(&d->session);
    if (d->have_sub)
        hx_ocl_subdevice_release(&d->sub);
    memset(d, 0, sizeof *d);
}
