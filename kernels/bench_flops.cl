/*
 * bench_flops.cl - peak single-precision FLOP/s for `hetero devices --bench`.
 *
 * Each work-item runs 8 independent FMA chains (enough to cover the FMA latency on every device
 * family), either on scalars (the compiler may then vectorise across work-items, as PoCL does)
 * or on float4 (explicit vectors).  x = x * m + k with m just below 1 keeps every value finite
 * and normal for any length.  Flops per work-item = iters x 8 chains x lanes x 2.
 */
#define FMA8(x, m, k)                                                                              \
    x##0 = fma(x##0, m, k);                                                                        \
    x##1 = fma(x##1, m, k);                                                                        \
    x##2 = fma(x##2, m, k);                                                                        \
    x##3 = fma(x##3, m, k);                                                                        \
    x##4 = fma(x##4, m, k);                                                                        \
    x##5 = fma(x##5, m, k);                                                                        \
    x##6 = fma(x##6, m, k);                                                                        \
    x##7 = fma(x##7, m, k)

__kernel void bench_fp32_x1(__global float *out, float seed, int iters) {
    float s = seed + (float)get_global_id(0) * 1e-7f;
    float x0 = s, x1 = s + 1, x2 = s + 2, x3 = s + 3, x4 = s + 4, x5 = s + 5, x6 = s + 6,
          x7 = s + 7;
    const float m = 0.99999f, k = 1e-6f;
    for (int i = 0; i < iters; i++) {
        FMA8(x, m, k);
    }
    out[get_global_id(0)] = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
}

__kernel void bench_fp32_x4(__global float *out, float seed, int iters) {
    float4 s = (float4)(seed + (float)get_global_id(0) * 1e-7f) + (float4)(0, 1, 2, 3);
    float4 x0 = s, x1 = s + 4, x2 = s + 8, x3 = s + 12, x4 = s + 16, x5 = s + 20, x6 = s + 24,
           x7 = s + 28;
    const float4 m = (float4)(0.99999f), k = (float4)(1e-6f);
    for (int i = 0; i < iters; i++) {
        FMA8(x, m, k);
    }
    float4 t = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
    out[get_global_id(0)] = t.x + t.y + t.z + t.w;
}
