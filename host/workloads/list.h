/*
 * list.h - the workload registry, one line per workload, in the order `hetero list` shows.
 * Each name refers to `const hx_workload hx_workload_NAME` defined in host/workloads/NAME.c.
 */
HX_WORKLOAD(vecadd)
HX_WORKLOAD(triad)
HX_WORKLOAD(reduce)
HX_WORKLOAD(dot)
HX_WORKLOAD(sgemm)
HX_WORKLOAD(stencil2d)
HX_WORKLOAD(histogram)
HX_WORKLOAD(mandelbrot)
HX_WORKLOAD(nbody)
HX_WORKLOAD(scan)
HX_WORKLOAD(amdahl)
