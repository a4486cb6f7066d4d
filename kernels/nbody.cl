/*
 * nbody.cl - all-pairs softened gravity, one work-item per body i, bodies j in local tiles.
 *
 * Every work-item needs every body j.  Instead of each reading all n bodies from global memory,
 * a work-group loads one tile of bodies (one per work-item, as float4: x, y, z, m) into local
 * memory, waits for the tile to be complete, lets all its work-items use it, and waits again
 * before the tile is overwritten: global traffic drops by the group size.  Bodies past n (the
 * padding of the last tile and of the last group) have mass 0 and contribute nothing; eps^2 > 0
 * keeps r2 positive for them and for j = i.  rsqrt() is accurate to 2 ulp in OpenCL's full
 * profile.  Output: ax at [i], ay at [n + i], az at [2n + i].
 */
__kernel void nbody(__global const float *restrict x, __global const float *restrict y,
                    __global const float *restrict z, __global const float *restrict m,
                    const uint n, const float eps2, __global float *restrict acc,
                    __local float4 *tile) {
    const uint i = get_global_id(0), lid = get_local_id(0), lsize = get_local_size(0);
    const float xi = i < n ? x[i] : 0.0f, yi = i < n ? y[i] : 0.0f, zi = i < n ? z[i] : 0.0f;
    float ax = 0.0f, ay = 0.0f, az = 0.0f;
    for (uint base = 0; base < n; base += lsize) {
        const uint j = base + lid;
        tile[lid] = j < n ? (float4)(x[j], y[j], z[j], m[j]) : (float4)(0.0f);
        barrier(CLK_LOCAL_MEM_FENCE);
        for (uint k = 0; k < lsize; k++) {
            const float4 b = tile[k];
            const float dx = b.x - xi, dy = b.y - yi, dz = b.z - zi;
            const float r2 = dx * dx + dy * dy + dz * dz + eps2;
            const float inv = rsqrt(r2);
            const float s = b.w * (inv * inv * inv);
            ax += s * dx;
            ay += s * dy;
            az += s * dz;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (i < n) {
        acc[i] = ax;
        acc[n + i] = ay;
        acc[2 * n + i] = az;
    }
}
