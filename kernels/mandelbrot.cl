/*
 * mandelbrot.cl - escape count of one pixel per work-item, over a chunk of rows.
 *
 * The kernel covers rows [row_offset, row_offset + rows) of a width-wide image, so a chunk of
 * rows can be enqueued on its own (a co-scheduler hands the device some rows and the CPU the
 * rest).  Work-items of one group run side by side; where their pixels need different iteration
 * counts the group waits for its slowest item (divergence), as the lanes of a CPU vector do.
 *
 * Arithmetic follows host/workloads/mandelbrot.c exactly, with contraction into fused
 * multiply-add turned off, so a device with IEEE float add and multiply gives the same bits as
 * the CPU: c = (x_min + col*dx, y_min + row*dy); x2 = x*x, y2 = y*y; stop when x2 + y2 > 4;
 * xy = x*y; y = (xy + xy) + cy; x = (x2 - y2) + cx.
 */
#pragma OPENCL FP_CONTRACT OFF

__kernel void mandelbrot(__global uint *restrict img, const uint width, const uint row_offset,
                         const uint rows, const float x_min, const float y_min, const float dx,
                         const float dy, const uint max_iter) {
    const uint gid = get_global_id(0);
    if (gid >= width * rows) /* padding work-items of the last group */
        return;
    const uint row = row_offset + gid / width, col = gid % width;
    const float cx = x_min + (float)col * dx;
    const float cy = y_min + (float)row * dy;
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
    img[(size_t)row * width + col] = n;
}
