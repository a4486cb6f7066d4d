/*
 * histogram_coop.cl - the device's share of a histogram whose bins live in fine-grain SVM with
 * atomics, incremented at the same time by host threads (host/workloads/histogram_coop.c).
 *
 * Built with -cl-std=CL3.0: C11-style atomics.  Every increment is a relaxed atomic
 * read-modify-write: atomicity, not ordering, is what an exact count needs (docs/svm.md).  The
 * scope that covers the host as well is memory_scope_all_svm_devices; OpenCL C 3.0 declares it
 * only with the feature __opencl_c_atomic_scope_all_devices (PoCL 3.1 does not), so without it the
 * kernel uses device scope, which on a CPU device is the same lock-prefixed instruction the host's
 * atomic_fetch_add compiles to.
 *
 * A grid-stride loop: the launch has a few work-groups per compute unit, each work-item walks the
 * input with stride = global size, so the launch size does not grow with n.
 */
#if defined(__opencl_c_atomic_scope_all_devices)
#define COOP_SCOPE memory_scope_all_svm_devices
#else
#define COOP_SCOPE memory_scope_device
#endif

__kernel void histogram_coop(__global const uint *restrict values, const uint n,
                             __global atomic_uint *bins, const uint nbins) {
    for (uint i = get_global_id(0); i < n; i += get_global_size(0)) {
        const uint v = values[i];
        if (v < nbins)
            atomic_fetch_add_explicit(&bins[v], 1u, memory_order_relaxed, COOP_SCOPE);
    }
}
