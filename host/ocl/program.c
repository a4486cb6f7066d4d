/*
 * program.c - kernel sources (embedded or --kernels DIR), sessions, and program builds.
 *
 * A session is one context and one in-order profiling queue on one device.  Each (file, options)
 * pair is built once per session and cached there, so repetitions never pay the compiler.  A build
 * failure carries the compiler's log: a lab that edits a kernel sees its own mistake.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "embedded_kernels.h"
#include "hetero/error.h"
#include "hetero/ocl.h"

static char *kernel_dir; /* --kernels, or NULL */

int hx_kernels_set_dir(const char *dir) {
    free(kernel_dir);
    kernel_dir = NULL;
    if (!dir)
        return HX_OK;
    DIR *d = opendir(dir);
    if (!d)
        return hx_fail(HX_ERR_USAGE, "--kernels '%s' is not a readable directory: %s", dir,
                       strerror(errno));
    closedir(d);
    kernel_dir = strdup(dir);
    return kernel_dir ? HX_OK : hx_fail(HX_ERR_RUNTIME, "out of memory");
}

size_t hx_kernel_embedded_count(void) {
    return hx_embedded_kernel_count;
}

const char *hx_kernel_embedded_name(size_t i) {
    return i < hx_embedded_kernel_count ? hx_embedded_kernels[i].name : NULL;
}

static const hx_embedded_kernel *find_embedded(const char *file) {
    for (size_t i = 0; i < hx_embedded_kernel_count; i++)
        if (strcmp(hx_embedded_kernels[i].name, file) == 0)
            return &hx_embedded_kernels[i];
    return NULL;
}

/* Read a whole file into a NUL-terminated malloc'd buffer. */
static int read_file(const char *path, char **text) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return hx_fail(HX_ERR_USAGE, "cannot read kernel '%s': %s", path, strerror(errno));
    int status = HX_OK;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        status = hx_fail(HX_ERR_USAGE, "cannot read kernel '%s': %s", path, strerror(errno));
    } else {
        long len = ftell(f);
        rewind(f);
        buf = len >= 0 ? malloc((size_t)len + 1) : NULL;
        if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
            status = hx_fail(HX_ERR_USAGE, "cannot read kernel '%s'", path);
            free(buf);
            buf = NULL;
        } else {
            buf[len] = '\0';
        }
    }
    fclose(f);
    *text = buf;
    return status;
}

int hx_kernel_source(const char *file, char **text, bool *owned) {
    const hx_embedded_kernel *e = find_embedded(file);
    if (kernel_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", kernel_dir, file);
        struct stat st;
        if (stat(path, &st) == 0) {
            *owned = true;
            return read_file(path, text);
        }
        if (!e)
            return hx_fail(HX_ERR_USAGE, "kernel '%s' is not in --kernels '%s'", file, kernel_dir);
        hx_notice("--kernels '%s' has no %s; using the embedded copy", kernel_dir, file);
    }
    if (!e)
        return hx_fail(HX_ERR_RUNTIME, "no embedded kernel named '%s'", file);
    *text = (char *)e->text;
    *owned = false;
    return HX_OK;
}

/* ---- sessions --------------------------------------------------------------------------- */

static int create_queue(hx_ocl_session *s) {
    cl_int err;
    if (s->dev->cl_major >= 2) {
        cl_queue_properties props[] = {CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE, 0};
        s->queue = clCreateCommandQueueWithProperties(s->context, s->dev->id, props, &err);
    } else {
        /* the 1.x entry point is the only one a 1.2 device has */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        s->queue = clCreateCommandQueue(s->context, s->dev->id, CL_QUEUE_PROFILING_ENABLE, &err);
#pragma GCC diagnostic pop
    }
    return err == CL_SUCCESS ? HX_OK : hx_ocl_fail(err, "clCreateCommandQueue");
}

int hx_ocl_session_open(const hx_ocl_device *dev, hx_ocl_session *s) {
    memset(s, 0, sizeof *s);
    s->dev = dev;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)dev->platform, 0};
    cl_int err;
    s->context = clCreateContext(props, 1, &dev->id, NULL, NULL, &err);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clCreateContext");
    int status = create_queue(s);
    if (status != HX_OK) {
        clReleaseContext(s->context);
        s->context = NULL;
    }
    return status;
}

void hx_ocl_session_close(hx_ocl_session *s) {
    for (size_t i = 0; i < s->nprograms; i++)
        clReleaseProgram(s->programs[i].program);
    s->nprograms = 0;
    if (s->queue)
        clReleaseCommandQueue(s->queue);
    if (s->context)
        clReleaseContext(s->context);
    s->queue = NULL;
    s->context = NULL;
}

/* Build failure: the message holds the device's build log. */
static int build_failure(hx_ocl_session *s, cl_program program, const char *file, cl_int err) {
    size_t len = 0;
    clGetProgramBuildInfo(program, s->dev->id, CL_PROGRAM_BUILD_LOG, 0, NULL, &len);
    char *log = malloc(len + 1);
    if (log) {
        if (clGetProgramBuildInfo(program, s->dev->id, CL_PROGRAM_BUILD_LOG, len, log, NULL) !=
            CL_SUCCESS)
            len = 0;
        log[len] = '\0';
    }
    int status = hx_fail(HX_ERR_RUNTIME, "kernel %s failed to build on '%s' (%s); build log:\n%s",
                         file, s->dev->name, hx_ocl_error_name(err), log ? log : "(no log)");
    free(log);
    return status;
}

/* The options a build uses: PoCL defaults to CL3.0 and NVIDIA to CL1.2, so always say which
 * language we wrote. */
static void full_options(const char *options, char *opts, size_t len) {
    const char *extra = options ? options : "";
    if (strstr(extra, "-cl-std="))
        snprintf(opts, len, "%s", extra);
    else
        snprintf(opts, len, "-cl-std=CL1.2 %s", extra);
}

static int build(hx_ocl_session *s, const char *file, const char *opts, cl_program *out) {
    char *text;
    bool owned;
    HX_TRY(hx_kernel_source(file, &text, &owned));
    cl_int err;
    const char *src = text;
    cl_program program = clCreateProgramWithSource(s->context, 1, &src, NULL, &err);
    if (owned)
        free(text);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clCreateProgramWithSource");
    err = clBuildProgram(program, 1, &s->dev->id, opts, NULL, NULL);
    if (err != CL_SUCCESS) {
        int status = build_failure(s, program, file, err);
        clReleaseProgram(program);
        return status;
    }
    *out = program;
    return HX_OK;
}

int hx_ocl_build(hx_ocl_session *s, const char *file, const char *options, cl_program *out) {
    char opts[512];
    full_options(options, opts, sizeof opts);
    return build(s, file, opts, out);
}

int hx_ocl_program(hx_ocl_session *s, const char *file, const char *options, cl_program *out) {
    char opts[512];
    full_options(options, opts, sizeof opts);
    char key[640];
    snprintf(key, sizeof key, "%s|%s", file, opts);
    for (size_t i = 0; i < s->nprograms; i++)
        if (strcmp(s->programs[i].key, key) == 0) {
            *out = s->programs[i].program;
            return HX_OK;
        }
    if (s->nprograms == HX_OCL_MAX_PROGRAMS)
        return hx_fail(HX_ERR_RUNTIME, "too many OpenCL programs in one session");
    cl_program program = NULL;
    HX_TRY(build(s, file, opts, &program));
    snprintf(s->programs[s->nprograms].key, sizeof s->programs[0].key, "%s", key);
    s->programs[s->nprograms++].program = program;
    *out = program;
    return HX_OK;
}
