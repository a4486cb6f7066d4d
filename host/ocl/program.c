/*
 * program.c - kernel sources (embedded or --kernels DIR), sessions, and program builds.
 *
 * A session is one context and one in-order profiling queue on one device.  Each (file, options)
 * pair is built once per session and cached there, so repetitions never pay the compiler.  A build
 * failure carries the compiler's log: a lab that edits a kernel sees its own mistake.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embedded_kernels.h"
#include "hetero/core/error.h"
#include "hetero/ocl/ocl.h"

static char *kernel_dir;     /* --kernels, or NULL */
static bool kernel_fallback; /* --kernels-fallback: a file missing from kernel_dir is embedded */

void hx_kernels_set_fallback(bool on) {
    kernel_fallback = on;
}

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

/* No kernel source is anywhere near this; a bigger "kernel" is a mistake (a data file, a device).
 */
#define KERNEL_MAX_BYTES (4u << 20)

/* Read the whole regular file at path into a NUL-terminated malloc'd buffer.  O_NONBLOCK keeps a
 * FIFO from blocking the open; fstat then refuses anything that is not a regular file of a sane
 * size, before a byte is allocated. */
static int read_file(const char *path, char **text) {
    *text = NULL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return hx_fail(HX_ERR_USAGE, "cannot read kernel '%s': %s", path, strerror(errno));
    struct stat st;
    int status = HX_OK;
    if (fstat(fd, &st) != 0)
        status = hx_fail(HX_ERR_USAGE, "cannot read kernel '%s': %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        status = hx_fail(HX_ERR_USAGE, "kernel '%s' is not a regular file", path);
    else if ((uint64_t)st.st_size > KERNEL_MAX_BYTES)
        status =
            hx_fail(HX_ERR_USAGE, "kernel '%s' is %llu bytes; a kernel source may have at most %u",
                    path, (unsigned long long)st.st_size, KERNEL_MAX_BYTES);
    char *buf = status == HX_OK ? malloc((size_t)st.st_size + 1) : NULL;
    if (status == HX_OK && !buf)
        status = hx_fail(HX_ERR_RUNTIME, "out of memory reading kernel '%s'", path);
    size_t len = 0;
    while (status == HX_OK && len < (size_t)st.st_size) {
        ssize_t got = read(fd, buf + len, (size_t)st.st_size - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) /* 0: the file shrank under us */
            status = hx_fail(HX_ERR_USAGE, "cannot read kernel '%s': %s", path,
                             got < 0 ? strerror(errno) : "it changed while being read");
        else
            len += (size_t)got;
    }
    close(fd);
    if (status != HX_OK) {
        free(buf);
        return status;
    }
    buf[len] = '\0';
    *text = buf;
    return HX_OK;
}

int hx_kernel_source(const char *file, char **text, bool *owned) {
    const hx_embedded_kernel *e = find_embedded(file);
    if (kernel_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", kernel_dir, file);
        struct stat st;
        if (lstat(path, &st) == 0 || errno != ENOENT) {
            *owned = true;
            return read_file(path, text);
        }
        if (!e || !kernel_fallback)
            return hx_fail(HX_ERR_USAGE, "kernel '%s' is not in --kernels '%s'; copy it there%s",
                           file, kernel_dir,
                           e ? ", or add --kernels-fallback to use the embedded copy" : "");
        hx_notice("--kernels '%s' has no %s; using the embedded copy (--kernels-fallback)",
                  kernel_dir, file);
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
