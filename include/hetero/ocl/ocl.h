/*
 * ocl.h - the thin OpenCL layer: devices, sessions, programs, memory modes, timed launches.
 *
 * Nothing here assumes a vendor.  Devices are found through the ICD loader on every platform;
 * a session owns one context and one profiling queue on one device and builds each program once;
 * a job is one workload's OpenCL run on a session and owns the kernels, memory objects and events
 * that run creates, so a binding never writes release code for them.
 *
 * Memory modes (docs/svm.md):
 *   buffer      cl_mem with explicit write/read transfers - every device has it;
 *   svm-coarse  clSVMAlloc coarse-grain; the host reaches it through map/unmap;
 *   svm-fine    fine-grain buffer SVM; host and device use one pointer, no maps;
 *   zero-copy   devices that share the host's memory (CL_DEVICE_HOST_UNIFIED_MEMORY): cl_mem
 *               created with CL_MEM_USE_HOST_PTR over the workload's own page-aligned arrays,
 *               reached through map/unmap, so nothing is copied.
 * A binding allocates through hx_ocl_alloc() and moves data with hx_ocl_upload()/download(), and
 * the same binding code then runs in every mode.
 *
 * Timing: every kernel enqueued with hx_ocl_launch() records an event; the kernel time of a run is
 * the sum of END-START of those events, and the end-to-end time is the host wall time of the whole
 * run including transfers (the engine's opencl backend, host/engine/backend_opencl.c).
 */
#ifndef HETERO_OCL_H
#define HETERO_OCL_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 300
#endif
#include <CL/cl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- errors ------------------------------------------------------------------------------ */

/* "CL_OUT_OF_RESOURCES" for -5, "CL_UNKNOWN_ERROR(-9999)"-style for unknown codes. */
const char *hx_ocl_error_name(cl_int err);

/* Record "OpenCL call NAME failed: CL_..." and return the matching status (HX_ERR_RUNTIME). */
int hx_ocl_fail(cl_int err, const char *call);

/* Check an expression returning cl_int; on failure return hx_ocl_fail(). */
#define HX_CL(expr)                                                                                \
    do {                                                                                           \
        cl_int hx_cl_err_ = (expr);                                                                \
        if (hx_cl_err_ != CL_SUCCESS)                                                              \
            return hx_ocl_fail(hx_cl_err_, #expr);                                                 \
    } while (0)

/* ---- devices ----------------------------------------------------------------------------- */

typedef enum {
    HX_MEM_BUFFER = 0,
    HX_MEM_SVM_COARSE,
    HX_MEM_SVM_FINE,
    HX_MEM_ZERO_COPY,
    HX_MEM_COUNT
} hx_mem_mode;

typedef struct hx_ocl_device {
    cl_platform_id platform;
    cl_device_id id;
    unsigned platform_index, device_index; /* the P:D of --device */
    char name[256];
    char platform_name[256];
    char vendor[256];
    char version[256];   /* CL_DEVICE_VERSION */
    char c_version[256]; /* CL_DEVICE_OPENCL_C_VERSION */
    char driver[256];
    cl_device_type type;
    int cl_major, cl_minor; /* device version numbers */
    bool c30;               /* accepts -cl-std=CL3.0 */
    cl_uint compute_units;
    cl_uint clock_mhz;
    cl_uint float_lanes; /* native vector width for float; FP32 lanes per SM on NVIDIA */
    size_t max_work_group;
    cl_ulong global_mem, max_alloc, local_mem;
    cl_device_svm_capabilities svm; /* 0 on devices below 2.0 */
    bool fp64;
    bool c11_atomics;  /* OpenCL C 3.0 device-scope atomics (__opencl_c_atomic_scope_device) */
    bool host_unified; /* CL_DEVICE_HOST_UNIFIED_MEMORY: device and host share one memory */
    cl_device_local_mem_type local_mem_type; /* CL_LOCAL (dedicated) or CL_GLOBAL (emulated) */
} hx_ocl_device;

/* Every device on every platform (empty, not an error, when there is no platform). */
int hx_ocl_devices(hx_ocl_device **out, size_t *count);

/* "GPU", "CPU", "accelerator", ... */
const char *hx_ocl_type_name(cl_device_type type);

/* One OpenCL platform as the provenance of a report names it. */
typedef struct hx_ocl_platform_info {
    char name[128];    /* CL_PLATFORM_NAME: "Portable Computing Language" */
    char vendor[128];  /* CL_PLATFORM_VENDOR */
    char version[192]; /* CL_PLATFORM_VERSION: "OpenCL 3.0 PoCL 3.1+debian ..." */
} hx_ocl_platform_info;

/* The installed platforms (at most cap; none, not an error, without an ICD). */
int hx_ocl_platforms(hx_ocl_platform_info *out, size_t cap, size_t *count);

/* Select devices by --device spec: gpu | cpu | accelerator | all | P:D | name substring (case
 * insensitive).  spec NULL: the first GPU, else the first CPU, else the first device, announced
 * on stderr.  No match: HX_ERR_MISSING with a message listing the devices that exist.
 * picked receives indices into devs (capacity ndevs). */
int hx_ocl_select(const char *spec, const hx_ocl_device *devs, size_t ndevs, size_t *picked,
                  size_t *npicked);

/* Whether spec is well formed (usage check before any device is touched). */
int hx_ocl_check_spec(const char *spec);

/* One line per device, "P:D name (TYPE, platform)", joined by "; ", into buf. */
const char *hx_ocl_describe(const hx_ocl_device *devs, size_t ndevs, char *buf, size_t len);

/* Device fission: a sub-device of parent with `units` compute units (clCreateSubDevices,
 * CL_DEVICE_PARTITION_BY_COUNTS), described like a root device in *out (name gets " [N CU]").
 * A device without fission or with fewer units is HX_ERR_MISSING.  Release with
 * hx_ocl_subdevice_release() after every session on it is closed. */
int hx_ocl_subdevice(const hx_ocl_device *parent, unsigned units, hx_ocl_device *out);
void hx_ocl_subdevice_release(hx_ocl_device *sub);

/* ---- memory modes ------------------------------------------------------------------------- */

const char *hx_mem_name(hx_mem_mode m); /* "buffer", "svm-coarse", "svm-fine", "zero-copy" */
int hx_mem_parse(const char *text, hx_mem_mode *out); /* not "auto"/"all": see run.c */
bool hx_mem_supported(const hx_ocl_device *d, hx_mem_mode m);
/* zero-copy on a device with host-unified memory, else fine > coarse > buffer */
hx_mem_mode hx_mem_best(const hx_ocl_device *d);
/* "coarse-grain buffer, fine-grain buffer, atomics" or "none" */
const char *hx_ocl_svm_describe(cl_device_svm_capabilities caps, char *buf, size_t len);

/* ---- kernel sources ----------------------------------------------------------------------- */

/* Load kernels from dir instead of the embedded copies (NULL: embedded).  Fails with
 * HX_ERR_USAGE when dir is not a readable directory. */
int hx_kernels_set_dir(const char *dir);
/* With a --kernels DIR, a file missing there is an error (a lab that edited a kernel must not
 * measure another one); --kernels-fallback turns it into a notice and the embedded copy. */
void hx_kernels_set_fallback(bool on);
/* Source text of file ("vecadd.cl"); *owned set when the caller must free() it.  A file in the
 * --kernels DIR must be a regular file of at most 4 MiB. */
int hx_kernel_source(const char *file, char **text, bool *owned);
/* The embedded files (for tests and `hetero list --kernels`). */
size_t hx_kernel_embedded_count(void);
const char *hx_kernel_embedded_name(size_t i);

/* ---- sessions ----------------------------------------------------------------------------- */

#define HX_OCL_MAX_PROGRAMS 16

typedef struct hx_ocl_session {
    const hx_ocl_device *dev;
    cl_context context;
    cl_command_queue queue; /* in-order, profiling enabled */
    struct {
        char key[640]; /* file + options */
        cl_program program;
    } programs[HX_OCL_MAX_PROGRAMS];
    size_t nprograms;
} hx_ocl_session;

int hx_ocl_session_open(const hx_ocl_device *dev, hx_ocl_session *s);
void hx_ocl_session_close(hx_ocl_session *s);

/* Build file with options (the -cl-std is added: CL1.2 unless options name one), once per session.
 * A build failure is HX_ERR_RUNTIME with the compiler's build log in the message. */
int hx_ocl_program(hx_ocl_session *s, const char *file, const char *options, cl_program *out);
/* The same build, not kept in the session: the caller releases *out (autotuning candidates). */
int hx_ocl_build(hx_ocl_session *s, const char *file, const char *options, cl_program *out);

/* ---- tuned values, cached per device ------------------------------------------------------ */

/* A small text file next to the survey's, $XDG_CACHE_HOME/hetero/ocl-tuning.txt (else
 * ~/.cache/hetero/), holds what an autotuner chose, per (what, device): the device is identified
 * by platform, name, driver and version, so a new driver or another machine sharing the home
 * directory tunes again.  `what` names the tuner and its method ("sgemm-tiles/1"): a new method
 * has a new name, and the old entries are ignored. */
/* The value stored for (what, d) into value; HX_ERR_MISSING when there is none. */
int hx_ocl_tuning_get(const hx_ocl_device *d, const char *what, char *value, size_t len);
/* Store value for (what, d), replacing an older one (written to a temporary file and renamed). */
int hx_ocl_tuning_put(const hx_ocl_device *d, const char *what, const char *value);
/* The path of the file, for messages. */
int hx_ocl_tuning_path(char *buf, size_t len);

/* ---- jobs: one workload run on one session ------------------------------------------------ */

#define HX_OCL_MAX_KERNELS 16
#define HX_OCL_MAX_MEMS    16
#define HX_OCL_MAX_EVENTS  256

#define HX_OCL_MAX_MEM_ARGS 8

typedef enum { HX_MEM_READ = 1, HX_MEM_WRITE = 2, HX_MEM_READ_WRITE = 3 } hx_mem_access;

typedef struct hx_ocl_mem {
    hx_mem_mode mode;
    hx_mem_access access;
    size_t bytes;
    cl_mem buffer;      /* buffer and zero-copy modes */
    void *backing;      /* hetero's own host memory under the buffer (CPU device, zero-copy) */
    void *svm;          /* SVM modes */
    const void *placed; /* svm-fine: the host source whose bytes the allocation holds */
    void *deferred_dst; /* svm-fine in place: where the run's result goes after the timing */
    void *host;         /* zero-copy: the workload's array the buffer wraps (NULL: backing) */
    struct {
        cl_kernel kernel;
        cl_uint index;
    } args[HX_OCL_MAX_MEM_ARGS]; /* where it is a kernel argument: set again when rewrapped */
    size_t nargs;
} hx_ocl_mem;

typedef struct hx_ocl_job hx_ocl_job;
struct hx_result; /* report.h */

/* What a workload gives to run on OpenCL. */
typedef struct hx_ocl_binding {
    const char *file;    /* kernel source in kernels/ */
    const char *options; /* extra build options, or NULL */
    bool needs_fp64;
    bool needs_c11_atomics;
    /* The kernel feature-tests __opencl_c_atomic_scope_device and has an OpenCL 1.2 fallback
     * (atomic_add & co.): built with -cl-std=CL3.0 where the device has C11 atomics, with CL1.2
     * elsewhere (NVIDIA).  docs/gpu.md has the rules. */
    bool c11_atomics_if_available;
    /* Optional: choose the job's build options before its program is built (options holds the
     * default ones, len bytes; e.g. tile sizes an autotuner picked for this device).  May keep
     * what it chose in job->state (hx_ocl_state) for prepare. */
    int (*configure)(hx_ocl_job *job, char *options, size_t len);
    /* Create kernels and memory, set the arguments that do not change.  Inputs may be uploaded
     * here only when the binding's run() uploads them again (each run counts its transfers). */
    int (*prepare)(hx_ocl_job *job);
    /* One timed run: upload inputs, launch kernels, download the output into out. */
    int (*run)(hx_ocl_job *job, void *out);
    /* Free what prepare allocated outside the job (may be NULL). */
    void (*release)(hx_ocl_job *job);
    /* Add the binding's own figures to the result after the timed runs (may be NULL); the last
     * r->reps runs were the timed ones. */
    void (*extras)(hx_ocl_job *job, struct hx_result *r);
} hx_ocl_binding;

struct hx_problem; /* workloads/workload.h: the layer above, reached only through a pointer */

struct hx_ocl_job {
    hx_ocl_session *session;
    const struct hx_problem *problem; /* the binding's problem (its data, its size) */
    uint64_t size;                    /* the problem's --size, for messages */
    hx_mem_mode mem;
    cl_program program;
    void *state; /* the binding's own, from hx_ocl_state() */
    cl_kernel kernels[HX_OCL_MAX_KERNELS];
    size_t nkernels;
    hx_ocl_mem mems[HX_OCL_MAX_MEMS];
    size_t nmems;
    cl_event events[HX_OCL_MAX_EVENTS]; /* kernel launches of the current run */
    size_t nevents;
    /* svm-fine only: time the run as an SVM application would run it, with the inputs produced
     * in the shared allocation and the result read there (docs/svm.md): read-only inputs that
     * already hold the same source are not copied again, outputs are poisoned before and copied
     * out after the timed region. */
    bool in_place;
};

/* The build options a job uses for binding b on device d: b->options, with -cl-std=CL3.0 in front
 * when b->c11_atomics_if_available and d has C11 atomics (otherwise program.c adds CL1.2). */
const char *hx_ocl_build_options(const hx_ocl_device *d, const hx_ocl_binding *b, char *buf,
                                 size_t len);

/* Start a job on problem p (whose --size is size): build binding->file and call prepare.  On
 * failure the job is already released. */
int hx_ocl_job_start(hx_ocl_job *job, hx_ocl_session *s, const hx_ocl_binding *b,
                     const struct hx_problem *p, uint64_t size, hx_mem_mode mem);
/* One run into out: returns kernel seconds (sum of event END-START) and end-to-end seconds. */
int hx_ocl_job_run(hx_ocl_job *job, const hx_ocl_binding *b, void *out, double *kernel_s,
                   double *e2e_s);
void hx_ocl_job_finish(hx_ocl_job *job, const hx_ocl_binding *b);

/* Zeroed state of `bytes` for the binding, stored in job->state and freed with the job. */
int hx_ocl_state(hx_ocl_job *job, size_t bytes, void **out);
/* Create kernel `name` from the job's program (released with the job). */
int hx_ocl_kernel(hx_ocl_job *job, const char *name, cl_kernel *out);
/* Allocate device memory in the job's mode (released with the job). */
int hx_ocl_alloc(hx_ocl_job *job, size_t bytes, hx_mem_access access, hx_ocl_mem **out);
/* Bind a memory object as kernel argument idx (cl_mem or SVM pointer, by mode). */
int hx_ocl_arg_mem(cl_kernel k, cl_uint idx, hx_ocl_mem *m);
/* Copy host src into m (non-blocking for buffers; the job orders it before later commands).
 * zero-copy: a read-only m is made to wrap src itself (page-aligned) and only mapped; others
 * are filled through a map. */
int hx_ocl_upload(hx_ocl_job *job, hx_ocl_mem *m, const void *src);
/* Copy m into host dst, complete on return.  zero-copy: after the first run m wraps dst itself
 * (page-aligned, whole), so the kernels write the result in place and this only maps it. */
int hx_ocl_download(hx_ocl_job *job, hx_ocl_mem *m, void *dst);
/* Seconds between a completed event's CL_PROFILING_COMMAND_START and END (0 when END <= START);
 * the queue must have profiling enabled. */
int hx_ocl_event_seconds(cl_event e, double *seconds);
/* Enqueue a kernel and record its event for the kernel time.  local may be NULL (the runtime
 * picks); global must then be a multiple of nothing in particular. */
int hx_ocl_launch(hx_ocl_job *job, cl_kernel k, cl_uint dims, const size_t *global,
                  const size_t *local);

/* Work-group size for a streaming 1-D kernel: large on CPU devices (PoCL runs a work-group as one
 * vectorised loop, and small groups cost a scheduling step each), 256 on GPUs; never more than
 * the device allows. */
size_t hx_ocl_stream_local_size(const hx_ocl_device *d);

/* Smallest multiple of m that is >= n. */
size_t hx_round_up(size_t n, size_t m);

/* FP32 lanes per compute unit of an NVIDIA GPU, from its compute capability
 * (cl_nv_device_attribute_query); 0 on other devices.  host/ocl/nvidia.c. */
unsigned hx_ocl_nvidia_float_lanes(cl_device_id id);

/* Processing elements of a device for the efficiency column: compute units x float lanes. */
unsigned hx_ocl_processing_elements(const hx_ocl_device *d);

#endif
