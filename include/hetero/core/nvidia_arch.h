/*
 * nvidia_arch.h - what an NVIDIA GPU's compute capability says about its shape.
 *
 * Both the OpenCL rows on NVIDIA's driver and the cuda rows count processing elements as SMs x
 * FP32 lanes per SM, so the table is one pure function in core, built with or without CUDA.
 */
#ifndef HETERO_CORE_NVIDIA_ARCH_H
#define HETERO_CORE_NVIDIA_ARCH_H

#include <stdbool.h>

/* FP32 lanes per SM by compute capability: sm_70/75 and sm_80 (A100) have 64; sm_86/87/89,
 * sm_90 (H100/H200) and the Blackwell parts have 128. */
int hx_nvidia_fp32_per_sm(int cc_major, int cc_minor);

/* Whether this machine shows any sign of NVIDIA hardware: a /dev/nvidia* node, or the driver's
 * libcuda.so.1 in the library directories (LD_LIBRARY_PATH and the system ones).  Where there is
 * none, the first screen says nothing about CUDA (the reason stays in the JSON and --verbose). */
bool hx_nvidia_present(void);

#endif
