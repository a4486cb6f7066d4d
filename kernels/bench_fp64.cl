/*
 * bench_fp64.cl - peak double-precision FLOP/s for `hetero devices --bench`; built only on
 * devices that report fp64.  Same shape as bench_flops.cl: 8 independent FMA chains per
 * work-item, on scalars or double4; flops per work-item = iters x 8 x lanes x 2.
 */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

#define FMA8(x, m, k)                                                                              \
    x##0 = fma(x##0, m, k);                                                                        \
    x##1 = fma(x##1, m, k);                                                                        \
    x##2 = fma(x##2, m, k);                                                                        \
    x##3 = fma(x##3, m, k);                                                                        \
    x##4 = fma(x##4, m, k);                                                                        \
    x##5 = fma(x##5, m, k);                                                                        \
    x##6 = fma(x##6, m, k);                                                                        \
    x##7 = fma(x##7, m, k)

__kernel void bench_fp64_x1(__global double *out, double seed, int iters) {
    double s = seed + (double)get_global_id(0) * 1e-9;
    double x0 = s, x1 = s + 1, x2 = s + 2, x3 = s + 3, x4 = s + 4, x5 = s + 5, x6 = s + 6,
           x7 = s + 7;
    const double m = 0.99999, k = 1e-6;
    for (int i = 0; i < iters; i++) {
        FMA8(x, m, k);
    }
    out[get_global_id(0)] = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
}

__kernel void bench_fp64_x4(__global double *out, double seed, int iters) {
    double4 s = (double4)(seed + (double)get_global_id(0) * 1e-9) + (double4)(0, 1, 2, 3);
    double4 x0 = s, x1 = s + 4, x2 = s + 8, x3 = s + 12, x4 = s + 16, x5 = s + 20, x6 = s + 24,
            x7 = s + 28;
    const double4 m = (double4)(0.99999), k = (double4)(1e-6);
    for (int i = 0; i < iters; i++) {
        FMA8(x, m, k);
    }
    double4 t = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
    out[get_global_id(0)] = t.x + t.y + t.z + t.w;
}
