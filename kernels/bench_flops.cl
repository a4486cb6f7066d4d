/*
 * bench_flops.cl - peak FLOP/s for `hetero devices --bench`, single precision by default and
 * double precision when built with -DBENCH_FP64 (only on devices that report fp64).
 *
 * Each work-item runs 8 independent FMA chains (enough to cover the FMA latency on every device
 * family) on scalars or on 2-, 4-, 8- or 16-wide vectors.  Which width is fastest depends on
 * the device and its compiler: a GPU runs scalars across its SIMT lanes, while PoCL vectorises
 * scalar work-items across a work-group only where it can and runs explicit wide vectors as
 * they are written.  The survey times every width and takes the best, so the peak is the
 * fastest kernel the device runs (clpeak measures the same five widths).  x = x * m + k with m
 * just below 1 keeps every value finite and normal for any length.  Flops per work-item =
 * iters x 8 chains x lanes x 2.
 */
#ifdef BENCH_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#define REAL(n)       double##n
#define SEED_STEP     1e-9 /* per work-item offset of the starting values */
#define KERNEL(width) bench_fp64_##width
#else
typedef float real;
#define REAL(n)       float##n
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

/* The vector kernels: the lanes start apart (lane l of chain c at s + 8 l + c), and the sum of
 * every lane of every chain is the output. */
#define VECTOR_KERNEL(N, LANE_OFFSETS, SUM)                                                        \
    __kernel void KERNEL(x##N)(__global real * out, real seed, int iters) {                        \
        REAL(N)                                                                                    \
        s = (REAL(N))(seed + (real)get_global_id(0) * SEED_STEP) +                                 \
            (real)8 * (REAL(N))LANE_OFFSETS;                                                       \
        REAL(N)                                                                                    \
        x0 = s,                                                                                    \
        x1 = s + 1, x2 = s + 2, x3 = s + 3, x4 = s + 4, x5 = s + 5, x6 = s + 6, x7 = s + 7;        \
        const REAL(N) m = (REAL(N))(0.99999), k = (REAL(N))(1e-6);                                 \
        for (int i = 0; i < iters; i++) {                                                          \
            FMA8(x, m, k);                                                                         \
        }                                                                                          \
        REAL(N) t = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;                                         \
        out[get_global_id(0)] = SUM(t);                                                            \
    }

#define SUM2(t)  ((t).s0 + (t).s1)
#define SUM4(t)  (SUM2((t).s01) + SUM2((t).s23))
#define SUM8(t)  (SUM4((t).s0123) + SUM4((t).s4567))
#define SUM16(t) (SUM8((t).s01234567) + SUM8((t).s89abcdef))

VECTOR_KERNEL(2, (0, 1), SUM2)
VECTOR_KERNEL(4, (0, 1, 2, 3), SUM4)
VECTOR_KERNEL(8, (0, 1, 2, 3, 4, 5, 6, 7), SUM8)
VECTOR_KERNEL(16, (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), SUM16)
