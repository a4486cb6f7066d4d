/*
 * stencil2d.cl - one Jacobi sweep of the 5-point stencil, one work-item per grid point.
 *
 * The host launches this kernel once per sweep, swapping src and dst (ping-pong buffers): a
 * point needs its neighbours from the previous sweep, and the only barrier that spans the whole
 * device is the boundary between two launches.  Boundary points copy themselves, so dst always
 * holds the fixed boundary without a separate transfer.  Neighbouring work-items read
 * overlapping neighbours; the caches (or, on a GPU, coalescing of the row loads) serve them, so
 * this version has no explicit local-memory tile.  The sum is formed in the order the CPU code
 * uses: 0.25 * ((up + down) + (left + right)).
 */
#pragma OPENCL FP_CONTRACT OFF

__kernel void stencil2d(__global const float *restrict src, __global float *restrict dst,
                        const uint n) {
    const uint j = get_global_id(0), i = get_global_id(1);
    if (i >= n || j >= n) /* padding work-items of the last groups */
        return;
    const size_t k = (size_t)i * n + j;
    if (i == 0 || j == 0 || i == n - 1 || j == n - 1) {
        dst[k] = src[k];
        return;
    }
    dst[k] = 0.25f * ((src[k - n] + src[k + n]) + (src[k - 1] + src[k + 1]));
}
