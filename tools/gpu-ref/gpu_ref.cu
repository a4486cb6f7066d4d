/*
 * gpu_ref.cu - the reference figures tools/gpu-check.sh holds hetero's cuda rows against.
 *
 *     gpu-ref copy  [BYTES]   device-to-device cudaMemcpy bandwidth: 2 x BYTES moved per copy
 *                             (read and write), the practical streaming ceiling of the GPU
 *     gpu-ref sgemm [N]       cuBLAS SGEMM, C = A B with n x n float32 matrices, FP32 math
 *                             (CUBLAS_DEFAULT_MATH: no TF32 tensor cores, the same arithmetic
 *                             as hetero's kernel), 2 n^3 flops
 *     gpu-ref info            the device and its theoretical peaks (FP32 lanes x 2 x clock,
 *                             2 x memory clock x bus width)
 *
 * Each prints one JSON object (schema "hetero.gpu-ref/1") with the median, min and max over the
 * timed repetitions (CUDA events around each, after warm-up).  cuBLAS is opened at run time
 * (dlopen libcublas.so.13), so `copy` and `info` run on a machine without it and `sgemm` says
 * clearly that it is missing (exit 3).  Built by `tools/gpu-check.sh --prepare` with the CUDA
 * runtime linked statically; it needs only the NVIDIA driver.
 */
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#define REPS   20
#define WARMUP 3

static int fail(int code, const char *what, cudaError_t err) {
    fprintf(stderr, "gpu-ref: %s failed: %s: %s\n", what, cudaGetErrorName(err),
            cudaGetErrorString(err));
    return code;
}

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        cudaError_t e_ = (expr);                                                                   \
        if (e_ != cudaSuccess)                                                                     \
            return fail(e_ == cudaErrorInsufficientDriver || e_ == cudaErrorNoDevice ? 3 : 1,      \
                        #expr, e_);                                                                \
    } while (0)

static void print_stats(const char *key, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    double med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    printf("  \"%s\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g}", key, med, v[0], v[n - 1]);
}

static int device_header(const char *what) {
    int dev = 0;
    cudaDeviceProp p;
    CHECK(cudaGetDevice(&dev));
    CHECK(cudaGetDeviceProperties(&p, dev));
    printf("{\n  \"schema\": \"hetero.gpu-ref/1\",\n  \"what\": \"%s\",\n  \"device\": \"%s\",\n"
           "  \"cc\": \"%d.%d\",\n",
           what, p.name, p.major, p.minor);
    return 0;
}

/* Time fn (a lambda enqueueing work) with events: returns seconds per call. */
template <typename F> static int time_it(F fn, std::vector<double> &secs) {
    cudaEvent_t a, b;
    CHECK(cudaEventCreate(&a));
    CHECK(cudaEventCreate(&b));
    for (int i = 0; i < WARMUP; i++)
        CHECK(fn());
    CHECK(cudaDeviceSynchronize());
    for (int i = 0; i < REPS; i++) {
        CHECK(cudaEventRecord(a));
        CHECK(fn());
        CHECK(cudaEventRecord(b));
        CHECK(cudaEventSynchronize(b));
        float ms = 0;
        CHECK(cudaEventElapsedTime(&ms, a, b));
        secs.push_back(ms * 1e-3);
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    return 0;
}

static int copy_bandwidth(size_t bytes) {
    void *src, *dst;
    CHECK(cudaMalloc(&src, bytes));
    CHECK(cudaMalloc(&dst, bytes));
    CHECK(cudaMemset(src, 1, bytes));
    std::vector<double> secs;
    int status =
        time_it([&] { return cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice); }, secs);
    cudaFree(src);
    cudaFree(dst);
    if (status)
        return status;
    std::vector<double> gbps;
    for (double s : secs)
        gbps.push_back(2.0 * (double)bytes / s * 1e-9);
    if (device_header("d2d_copy"))
        return 1;
    printf("  \"bytes\": %zu,\n  \"bytes_moved_per_copy\": %zu,\n", bytes, 2 * bytes);
    print_stats("gbps", gbps);
    printf(",\n");
    print_stats("time_s", secs);
    printf("\n}\n");
    return 0;
}

typedef cublasStatus_t (*create_fn)(cublasHandle_t *);
typedef cublasStatus_t (*destroy_fn)(cublasHandle_t);
typedef cublasStatus_t (*mathmode_fn)(cublasHandle_t, cublasMath_t);
typedef cublasStatus_t (*sgemm_fn)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int,
                                   int, const float *, const float *, int, const float *, int,
                                   const float *, float *, int);

static int cublas_sgemm(int n) {
    void *lib = dlopen("libcublas.so.13", RTLD_NOW);
    if (!lib) {
        fprintf(stderr,
                "gpu-ref: cuBLAS is not available here (%s); run tools/gpu-check.sh "
                "--prepare --with-cublas to carry it\n",
                dlerror());
        return 3;
    }
    create_fn create = (create_fn)dlsym(lib, "cublasCreate_v2");
    destroy_fn destroy = (destroy_fn)dlsym(lib, "cublasDestroy_v2");
    mathmode_fn mathmode = (mathmode_fn)dlsym(lib, "cublasSetMathMode");
    sgemm_fn sgemm = (sgemm_fn)dlsym(lib, "cublasSgemm_v2");
    if (!create || !destroy || !mathmode || !sgemm) {
        fprintf(stderr, "gpu-ref: libcublas.so.13 lacks cublasCreate_v2/cublasSgemm_v2\n");
        return 3;
    }
    cublasHandle_t h;
    if (create(&h) != CUBLAS_STATUS_SUCCESS ||
        mathmode(h, CUBLAS_DEFAULT_MATH) != CUBLAS_STATUS_SUCCESS) {
        fprintf(stderr, "gpu-ref: cublasCreate failed\n");
        return 1;
    }
    const size_t bytes = (size_t)n * n * sizeof(float);
    std::vector<float> host((size_t)n * n);
    for (size_t i = 0; i < host.size(); i++) /* values in [-1, 1): no special cases */
        host[i] = (float)((i * 2654435761u) % 2048u) / 1024.0f - 1.0f;
    float *a, *b, *c;
    CHECK(cudaMalloc(&a, bytes));
    CHECK(cudaMalloc(&b, bytes));
    CHECK(cudaMalloc(&c, bytes));
    CHECK(cudaMemcpy(a, host.data(), bytes, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(b, host.data(), bytes, cudaMemcpyHostToDevice));
    const float one = 1.0f, zero = 0.0f;
    bool ok = true;
    std::vector<double> secs;
    int status = time_it(
        [&] {
            ok &= sgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, b, n, a, n, &zero, c, n) ==
                  CUBLAS_STATUS_SUCCESS;
            return cudaGetLastError();
        },
        secs);
    cudaFree(a);
    cudaFree(b);
    cudaFree(c);
    destroy(h);
    if (status)
        return status;
    if (!ok) {
        fprintf(stderr, "gpu-ref: cublasSgemm failed\n");
        return 1;
    }
    std::vector<double> gflops;
    for (double s : secs)
        gflops.push_back(2.0 * (double)n * n * n / s * 1e-9);
    if (device_header("cublas_sgemm"))
        return 1;
    printf("  \"n\": %d,\n  \"math\": \"CUBLAS_DEFAULT_MATH (FP32, no TF32)\",\n", n);
    print_stats("gflops", gflops);
    printf(",\n");
    print_stats("time_s", secs);
    printf("\n}\n");
    return 0;
}

static int info(void) {
    int dev = 0, clock_khz = 0, mem_khz = 0, bus = 0;
    cudaDeviceProp p;
    CHECK(cudaGetDevice(&dev));
    CHECK(cudaGetDeviceProperties(&p, dev));
    CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, dev));
    CHECK(cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, dev));
    CHECK(cudaDeviceGetAttribute(&bus, cudaDevAttrGlobalMemoryBusWidth, dev));
    int lanes = (p.major < 8 || (p.major == 8 && p.minor == 0)) ? 64 : 128;
    if (device_header("info"))
        return 1;
    printf("  \"sms\": %d,\n  \"fp32_lanes_per_sm\": %d,\n  \"clock_mhz\": %d,\n"
           "  \"peak_fp32_gflops\": %.6g,\n  \"peak_dram_gbps\": %.6g,\n"
           "  \"global_mem_bytes\": %zu\n}\n",
           p.multiProcessorCount, lanes, clock_khz / 1000,
           2.0 * lanes * p.multiProcessorCount * clock_khz * 1e-6,
           2.0 * mem_khz * 1e3 * bus / 8.0 * 1e-9, (size_t)p.totalGlobalMem);
    return 0;
}

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    char *end = nullptr;
    if (strcmp(what, "copy") && strcmp(what, "sgemm") && strcmp(what, "info")) {
        fprintf(stderr, "usage: gpu-ref copy [BYTES] | sgemm [N] | info\n");
        return 2;
    }
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess || count == 0)
        return fail(3, "cudaGetDeviceCount (no NVIDIA driver or GPU)", err);
    if (strcmp(what, "copy") == 0) {
        unsigned long long bytes = argc > 2 ? strtoull(argv[2], &end, 10) : (512ull << 20);
        if ((argc > 2 && *end) || bytes == 0) {
            fprintf(stderr, "gpu-ref: copy BYTES must be a positive integer, not '%s'\n", argv[2]);
            return 2;
        }
        return copy_bandwidth((size_t)bytes);
    }
    if (strcmp(what, "sgemm") == 0) {
        long n = argc > 2 ? strtol(argv[2], &end, 10) : 2048;
        if ((argc > 2 && *end) || n < 1 || n > 32768) {
            fprintf(stderr, "gpu-ref: sgemm N must be 1 to 32768, not '%s'\n", argv[2]);
            return 2;
        }
        return cublas_sgemm((int)n);
    }
    return info();
}
