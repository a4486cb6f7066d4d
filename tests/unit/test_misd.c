/*
 * test_misd.c - the MISD library: known answers of the functions, the three CRC-32C
 * implementations agreeing, lockstep equal to sequential for any function set and block size,
 * and the vote catching an injected fault (and only then).
 */
#include "hx_test.h"

#include "hetero/core/error.h"
#include "hetero/misd/misd.h"

static void crc32c_has_its_check_value_in_every_implementation(void **state) {
    (void)state;
    const uint8_t *check = (const uint8_t *)"123456789"; /* CRC-32C check value: e3069283 */
    assert_int_equal(hx_crc32c_bitwise(~0u, check, 9) ^ ~0u, 0xE3069283u);
    assert_int_equal(hx_crc32c_slice8(~0u, check, 9) ^ ~0u, 0xE3069283u);
    assert_int_equal(hx_crc32c_hw(~0u, check, 9) ^ ~0u, 0xE3069283u);
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    for (size_t n = 0; n < sizeof buf; n += 97) { /* every tail length mod 8 */
        uint32_t a = hx_crc32c_bitwise(~0u, buf, n);
        assert_int_equal(hx_crc32c_slice8(~0u, buf, n), a);
        assert_int_equal(hx_crc32c_hw(~0u, buf, n), a);
    }
}

static void the_functions_give_known_answers(void **state) {
    (void)state;
    uint8_t zeros[64] = {0};
    hx_misd_stream s = {.data = zeros, .bytes = sizeof zeros, .block = 64};
    assert_int_equal(hx_misd_compute(HX_MISD_ADLER32, &s).v[0], 0x00400001u); /* a=1, b=64 */
    assert_int_equal(hx_misd_compute(HX_MISD_SUM64, &s).v[0], 0);
    hx_misd_value mm = hx_misd_compute(HX_MISD_MINMAX, &s);
    assert_int_equal(mm.v[0], 0);
    assert_int_equal(mm.v[1], 0);
    uint64_t fnv = 0xcbf29ce484222325ULL; /* FNV-1a 64 over 64 zero bytes, by definition */
    for (int i = 0; i < 64; i++)
        fnv *= 0x100000001b3ULL;
    assert_true(hx_misd_compute(HX_MISD_FNV1A, &s).v[0] == fnv);
    assert_int_equal(hx_misd_compute(HX_MISD_CRC32C, &s).v[0],
                     hx_crc32c_bitwise(~0u, zeros, 64) ^ ~0u);
}

/* The busiest core's total cost, which every barrier waits for. */
static double busiest(const double *cost, const int *core_of, size_t k, size_t cores) {
    double load[8] = {0}, most = 0;
    for (size_t i = 0; i < k; i++) {
        assert_true(core_of[i] >= 0 && (size_t)core_of[i] < cores);
        load[core_of[i]] += cost[i];
    }
    for (size_t c = 0; c < cores; c++)
        most = load[c] > most ? load[c] : most;
    return most;
}

/* The five functions' costs as measured here (ms): crc32c, adler32, fnv1a, sum64, minmax. */
static void lanes_are_placed_by_cost(void **state) {
    (void)state;
    const double cost[] = {32, 25, 67, 3, 9};
    int core_of[5];
    hx_misd_place(cost, 5, 2, core_of);
    assert_true(busiest(cost, core_of, 5, 2) <= 69.0); /* i mod 2 gives 108 */
    assert_int_not_equal(core_of[2], core_of[0]);      /* fnv1a and crc32c apart */
    hx_misd_place(cost, 5, 8, core_of);                /* enough cores: a core each */
    for (size_t i = 0; i < 5; i++)
        for (size_t j = i + 1; j < 5; j++)
            assert_int_not_equal(core_of[i], core_of[j]);
    hx_misd_place(cost, 5, 1, core_of);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(core_of[i], 0);
}

static void lockstep_equals_sequential_for_any_functions_and_blocks(void **state) {
    (void)state;
    const size_t blocks[] = {64, 192, 4096, 1 << 20};
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        hx_misd_stream s;
        assert_int_equal(hx_misd_stream_make(&s, 64 * 1001, blocks[b], 9), HX_OK);
        for (size_t k = 1; k <= HX_MISD_FUNCTION_COUNT; k++) {
            hx_misd_opts o = {.nfns = k, .reps = 1, .warmup = 0, .pin = k % 2 == 0};
            for (size_t f = 0; f < k; f++)
                o.fns[f] = (hx_misd_function)((f + b) % HX_MISD_FUNCTION_COUNT);
            hx_misd_row rows[HX_MISD_MODE_COUNT];
            assert_int_equal(hx_misd_run(&s, &o, rows), HX_OK);
            assert_true(rows[HX_MISD_SEQUENTIAL].verified);
            assert_true(rows[HX_MISD_LOCKSTEP].verified);
            assert_int_equal(rows[HX_MISD_LOCKSTEP].barriers, hx_misd_blocks(&s));
            for (size_t f = 0; f < k; f++) {
                hx_misd_value ref = hx_misd_compute(o.fns[f], &s);
                assert_memory_equal(&rows[HX_MISD_LOCKSTEP].values[f], &ref, sizeof ref);
            }
        }
        hx_misd_stream_free(&s);
    }
}

static void the_vote_catches_an_injected_fault_and_only_then(void **state) {
    (void)state;
    hx_misd_stream s;
    assert_int_equal(hx_misd_stream_make(&s, 64 * 100, 640, 3), HX_OK); /* 10 blocks */
    hx_misd_fault none = {0};
    hx_misd_vote v;
    assert_int_equal(hx_misd_run_vote(&s, &none, false, &v), HX_OK);
    assert_int_equal(v.disagreements, 0);
    assert_int_equal(v.caught_voter, -1);
    assert_true(v.verified);
    for (int voter = 0; voter < HX_MISD_VOTERS; voter++) {
        hx_misd_fault f = {.inject = true, .voter = voter, .block = 6, .bit = voter * 9};
        assert_int_equal(hx_misd_run_vote(&s, &f, false, &v), HX_OK);
        assert_int_equal(v.caught_voter, voter);
        assert_int_equal(v.caught_block, 6);
        assert_int_equal(v.disagreements, 4); /* blocks 6..9: the flipped state stays wrong */
        assert_false(v.unresolved);
        assert_true(v.verified); /* outvoted: the majority is the right value */
        assert_int_equal(v.voted, (uint32_t)hx_misd_compute(HX_MISD_CRC32C, &s).v[0]);
    }
    hx_misd_fault bad = {.inject = true, .voter = 3, .block = 0, .bit = 0};
    assert_int_equal(hx_misd_run_vote(&s, &bad, false, &v), HX_ERR_USAGE);
    hx_misd_stream_free(&s);
}

static void bad_streams_and_function_lists_are_refused(void **state) {
    (void)state;
    hx_misd_stream s;
    assert_int_equal(hx_misd_stream_make(&s, 100, 64, 1), HX_ERR_USAGE);
    assert_int_equal(hx_misd_stream_make(&s, 128, 0, 1), HX_ERR_USAGE);
    hx_misd_function fns[HX_MISD_MAX_FUNCTIONS];
    size_t n;
    assert_int_equal(hx_misd_parse_functions("crc32c,bogus", fns, &n), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "adler32");
    assert_int_equal(hx_misd_parse_functions("sum64,sum64", fns, &n), HX_ERR_USAGE);
    assert_int_equal(hx_misd_parse_functions("minmax,crc32c", fns, &n), HX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(fns[0], HX_MISD_MINMAX);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32c_has_its_check_value_in_every_implementation),
        cmocka_unit_test(the_functions_give_known_answers),
        cmocka_unit_test(lockstep_equals_sequential_for_any_functions_and_blocks),
        cmocka_unit_test(lanes_are_placed_by_cost),
        cmocka_unit_test(the_vote_catches_an_injected_fault_and_only_then),
        cmocka_unit_test(bad_streams_and_function_lists_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
