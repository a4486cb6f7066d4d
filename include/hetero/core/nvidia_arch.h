/*
 * nvidia_arch.h - what an NVIDIA GPU's compute capability says about its shape.
 *
 * Both the OpenCL rows on NVIDIA's driver and the cuda rows count processing elements as SMs x
 * FP32 lanes per SM, so the table is one pure function in core, built with or without CUDA.
 */
#ifndef HETERO_CORE_NVIDIA_ARCH_H
#define HETERO_CORE_NVIDIA_ARCH_H

/* FP32 lanes per SM by compute capability: sm_70/75 and sm_80 (A100) have 64; sm_86/87/89,
 * sm_90 (H100/H200) and the Blackwell parts have 128. */
int hx_nvidia_fp32_per_sm(int cc_major, int cc_minor);

#endif
