/*
 * target.h - where a row runs, and the one place every command opens its devices.
 *
 * A row's target is the OpenCL session and memory mode it runs on, the CUDA device, or the ranks
 * of an MPI job and the communication pattern (variant) of the workload's distributed body.  A
 * target set is what a command opened for all its rows: the OpenCL devices its --device picked,
 * each with an open session and the memory modes its --mem asked for, and whether CUDA rows can
 * run. hx_target_open() is used by every command that runs workloads (run, scale, sched) and by the
 * tests, so device selection, the default-device notice, memory-mode checks and the CUDA probe
 * behave the same everywhere:
 *
 *   - a device that was asked for (--device, or --backend naming opencl) and is missing exits 3
 *     with the list of devices that exist; one that was not asked for is skipped with a notice;
 *   - a memory mode the device lacks exits 3 naming its SVM capabilities;
 *   - CUDA rows without an NVIDIA GPU are skipped, with the reason kept for the report, or exit 3
 *     when --backend named cuda; the skip is announced only where NVIDIA hardware is present
 *     (core/nvidia_arch.h) or with --verbose, so a machine without it hears nothing of CUDA.
 */
#ifndef HETERO_ENGINE_TARGET_H
#define HETERO_ENGINE_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "hetero/ocl/ocl.h"

/* What the distributed (mpi) rows of a command run on: which ranks, their threads, and the options
 * of the workloads' message-passing bodies.  Plain data, so a command fills it in a build without
 * MPI as well (engine/job.h checks it). */
typedef struct hx_mpi_spec {
    const char *variants; /* --mpi-variant: comma-separated names; NULL: every variant */
    int grid[2];          /* --grid=PxQ; {0, 0}: the body chooses (MPI_Dims_create) */
    unsigned chunk;       /* --chunk: rows per manager/worker chunk; 0: the body's default */
    int threads;          /* threads per rank; 0: max(1, cores / ranks on the node) */
    int ranks;            /* 0: every rank of the job; n: the first n (scale --ranks) */
    const char *device;   /* --device: each rank drives one OpenCL device where a body can */
} hx_mpi_spec;

/* Where one row runs (NULL target: the host CPU). */
typedef struct hx_target {
    hx_ocl_session *session; /* opencl */
    hx_mem_mode mem;         /* opencl */
    int cuda_device;         /* cuda */
    const hx_mpi_spec *mpi;  /* mpi: the ranks and options */
    int mpi_variant;         /* mpi: which of the workload's communication patterns */
} hx_target;

#define HX_TARGET_MAX_DEVICES 16

/* What a command asks of its devices. */
typedef struct hx_target_spec {
    bool opencl; /* opencl rows are wanted (the backend is selected and a workload has it) */
    bool opencl_explicit; /* --backend named opencl, or --device was given: no device is an error */
    const char *device;   /* --device; NULL: the first GPU, else CPU, else any (announced) */
    const char *mem;      /* --mem: buffer (NULL), svm-coarse, svm-fine, auto, all */
    size_t max_devices;   /* 0: every device that matches; n: the first n (the rest announced) */
    const char *purpose;  /* for the notice when more devices match: "scaling", "co-scheduling" */
    bool cuda;            /* cuda rows are wanted */
    bool cuda_explicit;   /* --backend named cuda: no GPU is an error */
    bool verbose;         /* --verbose: announce skipped cuda rows even without NVIDIA hardware */
} hx_target_spec;

typedef struct hx_target_device {
    const hx_ocl_device *dev;
    hx_ocl_session session;
    bool open;
    hx_mem_mode modes[HX_MEM_COUNT]; /* the --mem modes to run, in order */
    size_t nmodes;
} hx_target_device;

typedef struct hx_target_set {
    hx_ocl_device *all; /* every OpenCL device found */
    size_t nall;
    hx_target_device devices[HX_TARGET_MAX_DEVICES];
    size_t ndevices;    /* opened: 0 when opencl rows are not wanted or were skipped */
    bool cuda;          /* cuda rows can run (a CUDA device is present) */
    char cuda_why[160]; /* why they cannot, for the report's skipped list */
} hx_target_set;

/* Whether --mem's text is one of buffer, svm-coarse, svm-fine, auto, all. */
int hx_target_check_mem(const char *mem);

/* Open what spec asks for.  On failure everything opened is closed again. */
int hx_target_open(hx_target_set *ts, const hx_target_spec *spec);
void hx_target_close(hx_target_set *ts);

/* The row target of device d in its memory mode m. */
hx_target hx_target_of(hx_target_set *ts, size_t d, size_t m);

#endif
