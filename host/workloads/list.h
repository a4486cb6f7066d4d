/*
 * list.h - the workload registry, one line per workload, in the order `hetero list` shows.
 * Each name refers to `const hx_workload hx_workload_NAME` defined in host/workloads/NAME.c.
 */
HX_WORKLOAD(vecadd)
HX_WORKLOAD(mandelbrot)
