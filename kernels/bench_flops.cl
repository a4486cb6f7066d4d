/*
 * bench_flops.cl - peak FLOP/s for `hetero devices --bench`, single precision by default and
 * double precision when built with -DBENCH_FP64 (only on devices that report fp64).
 *
 * Each work-item runs 8 independent FMA chains (enough to cover the FMA latency on every device
 * family), either on scalars (the compiler may then vectorise across work-items, as PoCL does)
 * or on 4-wide vectors (explicit).  x = x * m + k with m just below 1 keeps every value finite
 * and normal for any length.  Flops per work-item = iters x 8 chains x lanes x 2.
 */
#ifdef BENCH_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
typedef double4 real4;
#define SEED_STEP     1e-9 /* per work-item offset of the starting values */
#define KERNEL(width) bench_fp64_##width
#else
typedef float real;
typedef float4 real4;
#define SEED_STEP     1e-7f
#define KERNEL(width) bench_fp32_##width
#endif

#define FMA8(x, m, k)                                                                              \
    x##0 = fma(x##0, m, k);                                                                        \
    x##1 = fma(x##1, m, k);                                                                        \
    x##2 = fma(x##2, m, k);                                                                        \
    x##3 = fma(x##3, m, k);                                                                        \
    x##4 = fma(x##4, m, k);                                                                        \
    x##5 = fma(x##5, m, k);                                                                        \
    x##6 = fma(x##6, m, k);                                                                        \
    x##7 = fma(x##7, m, k)

__kernel void KERNEL(x1)(__global real *out, real seed, int iters) {
    real s = seed + (real)get_global_id(0) * SEED_STEP;
    real x0 = s, x1 = s + 1, x2 = s + 2, x3 = s + 3, x4 = s + 4, x5 = s + 5, x6 = s + 6, x7 = s + 7;
    const real m = (real)0.99999, k = (real)1e-6;
    for (int i = 0; i < iters; i++) {
        FMA8(x, m, k);
    }
    out[get_global_id(0)] = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
}

__kernel void KERNEL(x4)(__global real *out, real seed, int iters) {
    real4 s = (real4)(seed + (real)get_global_id(0) * SEED_STEP) + (real4)(0, 1, 2, 3);
    real4 x0 = s, x1 = s + 4, x2 = s + 8, x3 = s + 12, x4 = s + 16, x5 = s + 20, x6 = s + 24,
          x7 = s + 28;
    const real4 m = (real4)(0.99999), k = (real4)(1e-6);
    for (int i = 0; i < iters; i++) {
        FMA8(x, m, k);
    }
    real4 t = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
    out[get_global_id(0)] = t.x + t.y + t.z + t.w;
}
