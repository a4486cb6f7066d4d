/*
 * sched_mandelbrot.cl - mandelbrot rows claimed by the device itself from a counter in
 * fine-grain SVM that host threads claim from at the same time (`hetero sched
 * --policy=dynamic-svm`, host/cmd/sched.c).
 *
 * Persistent threads: the launch has a few work-groups, which loop until the image is done.  In
 * each round the group's leader (local id 0) claims the next chunk of rows with one atomic
 * fetch-add on counters[0] and broadcasts its first row to the group through local memory; the
 * group then computes the chunk and claims again.  One atomic per chunk per group, not per
 * work-item.  counters[1] counts the chunks the device took.
 *
 * The pixel arithmetic is kernels/mandelbrot.cl's, in the same order and without contraction,
 * so the image matches the CPU's (include/hetero/mandelbrot.h).
 *
 * Built with -cl-std=CL3.0.  Scope: memory_scope_all_svm_devices where the device declares it
 * (__opencl_c_atomic_scope_all_devices), else device scope (PoCL 3.1; see docs/svm.md).
 */
#pragma OPENCL FP_CONTRACT OFF

#if defined(__opencl_c_atomic_scope_all_devices)
#define SCHED_SCOPE memory_scope_all_svm_devices
#else
#define SCHED_SCOPE memory_scope_device
#endif

uint sched_escape_count(const float cx, const float cy, const uint max_iter) {
    float x = 0.0f, y = 0.0f;
    uint n = 0;
    while (n < max_iter) {
        const float x2 = x * x, y2 = y * y;
        if (x2 + y2 > 4.0f)
            break;
        const float xy = x * y;
        y = (xy + xy) + cy;
        x = (x2 - y2) + cx;
        n++;
    }
    return n;
}

__kernel void mandelbrot_persistent(__global uint *restrict img, const uint width,
                                    const uint height, const float x_min, const float y_min,
                                    const float dx, const float dy, const uint max_iter,
                                    __global atomic_uint *counters, const uint chunk) {
    __local uint claimed;
    const uint lid = get_local_id(0), lsize = get_local_size(0);
    for (;;) {
        if (lid == 0)
            claimed =
                atomic_fetch_add_explicit(&counters[0], chunk, memory_order_relaxed, SCHED_SCOPE);
        barrier(CLK_LOCAL_MEM_FENCE);
        const uint row0 = claimed;    /* the same for the whole group: the exit below is uniform */
        barrier(CLK_LOCAL_MEM_FENCE); /* everyone has read it before the leader claims again */
        if (row0 >= height)
            return;
        if (lid == 0)
            atomic_fetch_add_explicit(&counters[1], 1u, memory_order_relaxed, SCHED_SCOPE);
        const uint rows = min(chunk, height - row0);
        for (uint p = lid; p < rows * width; p += lsize) {
            const uint row = row0 + p / width, col = p % width;
            const float cx = x_min + (float)col * dx;
            const float cy = y_min + (float)row * dy;
            img[(size_t)row * width + col] = sched_escape_count(cx, cy, max_iter);
        }
    }
}
