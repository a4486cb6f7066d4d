/*
 * test_sgemm.c - sgemm's variants, blocking and OpenCL tile configurations.
 *   - every variant of simd and omp-simd (naive, transposed, blocked, packed, micro-kernel) at
 *     every SIMD level this CPU has (so the AVX2 path runs on an AVX-512 machine too), on 1, 2
 *     and 3 threads, at sizes that are not multiples of mr, nr, kc, mc or nc, with the cache
 *     blocks capped small so even these sizes cross every block edge; each result is verified
 *     against serial by measure.c;
 *   - the block sizes follow the documented rules (multiples of mr and nr, evened out, the jc
 *     blocks a multiple of the thread count);
 *   - every OpenCL tile configuration (forced with HETERO_SGEMM_OCL, local-memory ones too: PoCL
 *     runs them, it just gains nothing) verifies at awkward sizes, in buffer and zero-copy mode.
 */
#include "hetero/core/cpu.h"
#include "hetero/engine/measure.h"
#include "hx_test.h"
#include "hx_test_ocl.h"
#include "workloads/sgemm.h"

static const hx_measure_opts quick = {.reps = 1, .warmup = 0};

/* Run backend b in variant v (or the OpenCL target t) at size n, verified against serial (whose
 * output test_workloads_a.c checks against sums from the input generator). */
static void run_one(hx_backend b, unsigned variant, const hx_target *t, uint64_t n, int threads) {
    const hx_workload *w = hx_workload_find("sgemm");
    hx_instance in;
    hx_result r;
    assert_int_equal(hx_instance_init(&in, w, n, 3, threads, NULL), HX_OK);
    assert_int_equal(hx_measure(&in, HX_BACKEND_SERIAL, NULL, &quick, &r), HX_OK);
    in.problem.variant = variant;
    int status = hx_measure(&in, b, t, &quick, &r);
    if (status != HX_OK)
        print_error("%s: %s\n", hx_backend_name(b), hx_error_message());
    assert_int_equal(status, HX_OK);
    if (!r.verified)
        print_error("sgemm %s (%s) n=%llu threads=%d simd=%s: max err %g > %g\n", r.backend,
                    r.variant[0] ? r.variant : "-", (unsigned long long)n, threads,
                    hx_simd_name(hx_cpu()->simd), r.max_rel_err, r.tolerance);
    assert_true(r.verified);
    hx_instance_free(&in);
}

/* ---- CPU variants ---------------------------------------------------------------------------- */

static const uint64_t sizes[] = {1, 13, 31, 67, 130};

static void every_variant_at_every_simd_level(void **state) {
    (void)state;
    const hx_workload *w = hx_workload_find("sgemm");
    const unsigned nvariants = hx_workload_variant_count(w);
    assert_int_equal(nvariants, 5);
    assert_string_equal(w->variants[w->default_variant], "micro-kernel");
    const hx_simd_level best = hx_cpu()->simd_max;
    hx_sgemm_cap_blocking(28, 20, 64); /* several ic, pc and jc blocks even at n = 67 */
    for (int level = HX_SIMD_SCALAR; level <= (int)best; level++) {
        assert_int_equal(hx_cpu_set_simd((hx_simd_level)level), HX_OK);
        for (unsigned v = 0; v < nvariants; v++)
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                run_one(HX_BACKEND_SIMD, v, NULL, sizes[s], 1);
                run_one(HX_BACKEND_OMP_SIMD, v, NULL, sizes[s], 2);
            }
    }
    hx_cpu_set_simd(best);
    for (unsigned v = 0; v < nvariants; v++)
        run_one(HX_BACKEND_OMP_SIMD, v, NULL, 67, 3); /* an odd thread count */
    hx_sgemm_cap_blocking(0, 0, 0);
}

/* The blocks from the caches, uncapped, at sizes larger than one block. */
static void packed_variants_with_cache_blocks(void **state) {
    (void)state;
    const hx_simd_level best = hx_cpu()->simd_max;
    for (int level = HX_SIMD_AVX2; level <= (int)best; level++) {
        assert_int_equal(hx_cpu_set_simd((hx_simd_level)level), HX_OK);
        run_one(HX_BACKEND_OMP_SIMD, 3, NULL, 523, 2); /* packed */
        run_one(HX_BACKEND_OMP_SIMD, 4, NULL, 523, 2); /* micro-kernel */
    }
    hx_cpu_set_simd(best);
}

static void blocking_follows_the_rules(void **state) {
    (void)state;
    const size_t ns[] = {1, 7, 100, 1000, 2048, 4096, 5000};
    for (int micro = 0; micro <= 1; micro++)
        for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
            for (int threads = 1; threads <= 3; threads++) {
                hx_sgemm_blocking bl = hx_sgemm_blocking_for(ns[i], threads, micro);
                assert_true(bl.mr >= 1 && bl.nr >= 1);
                assert_int_equal(bl.mc % bl.mr, 0);
                assert_int_equal(bl.nc % bl.nr, 0);
                assert_true(bl.kc >= 1 && bl.kc <= 512);
                /* evened out: the last slice of k is at most one per slice shorter */
                const size_t slices = (ns[i] + bl.kc - 1) / bl.kc;
                assert_true(ns[i] - (slices - 1) * bl.kc + slices > bl.kc);
                /* at the benchmark sizes two threads get the same number of jc blocks */
                const size_t blocks = (ns[i] + bl.nc - 1) / bl.nc;
                if (threads == 2 && ns[i] >= 1000)
                    assert_int_equal(blocks % 2, 0);
            }
    /* capping takes effect and is undone */
    hx_sgemm_cap_blocking(28, 20, 64);
    hx_sgemm_blocking capped = hx_sgemm_blocking_for(1000, 2, true);
    assert_true(capped.kc <= 20 && capped.nc <= 64 && capped.mc <= 28 + capped.mr);
    hx_sgemm_cap_blocking(0, 0, 0);
    hx_sgemm_blocking free_ = hx_sgemm_blocking_for(1000, 2, true);
    assert_true(free_.kc > 20);
}

/* ---- OpenCL tile configurations -------------------------------------------------------------- */

static int close_ocl(void **state) {
    unsetenv("HETERO_SGEMM_OCL");
    return hx_test_ocl_teardown(state);
}

static void every_ocl_configuration_verifies(void **state) {
    (void)state;
    const uint64_t ocl_sizes[] = {1, 13, 67, 130};
    assert_true(hx_sgemm_ocl_config_count() >= 2);
    for (size_t i = 0; i < hx_sgemm_ocl_config_count(); i++) {
        setenv("HETERO_SGEMM_OCL", hx_sgemm_ocl_config_name(i), 1);
        const hx_mem_mode modes[] = {HX_MEM_BUFFER, HX_MEM_ZERO_COPY};
        for (size_t m = 0; m < 2; m++) {
            if (!hx_mem_supported(hx_ocl.session->dev, modes[m]))
                continue;
            hx_target t = {.session = hx_ocl.session, .mem = modes[m]};
            for (size_t s = 0; s < sizeof ocl_sizes / sizeof ocl_sizes[0]; s++)
                run_one(HX_BACKEND_OPENCL, 0, &t, ocl_sizes[s], 1);
        }
    }
    unsetenv("HETERO_SGEMM_OCL");
}

static void an_unknown_configuration_is_refused(void **state) {
    (void)state;
    setenv("HETERO_SGEMM_OCL", "packed-99x99", 1);
    const hx_workload *w = hx_workload_find("sgemm");
    hx_instance in;
    assert_int_equal(hx_instance_init(&in, w, 8, 1, 1, NULL), HX_OK);
    hx_ocl_job job;
    assert_int_equal(
        hx_ocl_job_start(&job, hx_ocl.session, w->ocl, &in.problem, in.problem.size, HX_MEM_BUFFER),
        HX_ERR_USAGE);
    assert_non_null(strstr(hx_error_message(), "packed-99x99"));
    assert_non_null(strstr(hx_error_message(), hx_sgemm_ocl_config_name(0)));
    hx_instance_free(&in);
    unsetenv("HETERO_SGEMM_OCL");
}

int main(void) {
    const struct CMUnitTest cpu[] = {
        cmocka_unit_test(every_variant_at_every_simd_level),
        cmocka_unit_test(packed_variants_with_cache_blocks),
        cmocka_unit_test(blocking_follows_the_rules),
    };
    const struct CMUnitTest device[] = {
        cmocka_unit_test(every_ocl_configuration_verifies),
        cmocka_unit_test(an_unknown_configuration_is_refused),
    };
    int failed = cmocka_run_group_tests(cpu, NULL, NULL);
    return failed + cmocka_run_group_tests(device, hx_test_ocl_setup, close_ocl);
}
