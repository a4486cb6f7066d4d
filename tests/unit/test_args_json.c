/*
 * test_args_json.c - the command-line iterator and the JSON writer (read back with the tests'
 * JSON reader, so escaping and commas are checked by parsing, not by string comparison).
 */
#include <stdio.h>
#include <stdlib.h>

#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/table.h"
#include "hx_test.h"

static const hx_opt opts[] = {
    {"size", 's', "N", "size"},
    {"verbose", 'v', NULL, "flag"},
    {NULL, 0, NULL, NULL},
};

static void iterator_yields_options_positionals_and_unknowns(void **state) {
    (void)state;
    char *argv[] = {"run", "--size=4K", "vecadd",          "-s", "8", "--verbose", "--iters",
                    "9",   "--",        "--not-an-option", NULL};
    hx_argparse ap;
    hx_args_init(&ap, 10, argv, opts, "run");
    hx_arg a;
    assert_int_equal(hx_args_next(&ap, &a), HX_OK);
    assert_int_equal(a.kind, HX_ARG_OPTION);
    assert_string_equal(a.opt->name, "size");
    assert_string_equal(a.value, "4K");
    assert_int_equal(hx_args_next(&ap, &a), HX_OK);
    assert_int_equal(a.kind, HX_ARG_POSITIONAL);
    assert_string_equal(a.value, "vecadd");
    assert_int_equal(hx_args_next(&ap, &a), HX_OK);
    assert_string_equal(a.value, "8");
    assert_int_equal(hx_args_next(&ap, &a), HX_OK);
    assert_string_equal(a.opt->name, "verbose");
    assert_null(a.value);
    assert_int_equal(hx_args_next(&ap, &a), HX_OK);
    assert_int_equal(a.kind, HX_ARG_UNKNOWN);
    assert_string_equal(a.name, "iters");
    assert_string_equal(hx_args_take_value(&ap, &a), "9");
    assert_int_equal(hx_args_next(&ap, &a), HX_OK);
    assert_int_equal(a.kind, HX_ARG_POSITIONAL);
    assert_string_equal(a.value, "--not-an-option");
    assert_int_equal(hx_args_next(&ap, &a), HX_OK);
    assert_int_equal(a.kind, HX_ARG_END);
}

static void missing_and_unexpected_values_are_usage_errors(void **state) {
    (void)state;
    char *argv1[] = {"run", "--size", NULL};
    hx_argparse ap;
    hx_arg a;
    hx_args_init(&ap, 2, argv1, opts, "run");
    assert_int_equal(hx_args_next(&ap, &a), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "--size needs a value");
    char *argv2[] = {"run", "--verbose=yes", NULL};
    hx_args_init(&ap, 2, argv2, opts, "run");
    assert_int_equal(hx_args_next(&ap, &a), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "takes no value");
    char *argv3[] = {"run", "-x", NULL};
    hx_args_init(&ap, 2, argv3, opts, "run");
    assert_int_equal(hx_args_next(&ap, &a), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "unknown option '-x'");
}

static void json_round_trips_through_a_parser(void **state) {
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    hx_json j;
    hx_json_init(&j, f, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "name", "quote \" backslash \\ newline \n tab \t ctrl \x01");
    hx_json_kv_number(&j, "pi", 3.141592653589793);
    hx_json_kv_number(&j, "nan", NAN);
    hx_json_kv_int(&j, "big", 9007199254740993LL);
    hx_json_kv_bool(&j, "yes", true);
    hx_json_key(&j, "empty");
    hx_json_array_begin(&j);
    hx_json_array_end(&j);
    hx_json_key(&j, "list");
    hx_json_array_begin(&j);
    hx_json_int(&j, 1);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "k", NULL);
    hx_json_object_end(&j);
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    fclose(f);
    char err[128];
    jv *doc = jv_parse(text, err, sizeof err);
    if (!doc)
        print_error("%s\n%s\n", err, text);
    assert_non_null(doc);
    assert_string_equal(jv_get(doc, "name")->string,
                        "quote \" backslash \\ newline \n tab \t ctrl \x01");
    assert_near(jv_get(doc, "pi")->number, 3.141592653589793, 0);
    assert_int_equal(jv_get(doc, "nan")->type, JV_NULL);
    assert_true(jv_get(doc, "yes")->boolean);
    assert_int_equal(jv_get(doc, "empty")->len, 0);
    assert_int_equal(jv_get(doc, "list")->len, 2);
    assert_int_equal(jv_get(jv_at(jv_get(doc, "list"), 1), "k")->type, JV_NULL);
    jv_free(doc);
    free(text);
}

static void table_aligns_columns(void **state) {
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    const char *headers[] = {"name", "value"};
    hx_table *t = hx_table_new(2, headers, "lr");
    hx_table_row(t);
    hx_table_cell(t, "%s", "a");
    hx_table_cell(t, "%d", 12345);
    hx_table_print(t, f);
    hx_table_free(t);
    fclose(f);
    assert_string_equal(text, "name  value\n----  -----\na     12345\n");
    free(text);
}

static void csv_fields_are_quoted_when_needed(void **state) {
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    hx_csv_field(f, "plain", 1);
    hx_csv_field(f, "a,b", 0);
    hx_csv_field(f, "say \"hi\"", 0);
    fclose(f);
    assert_string_equal(text, "plain,\"a,b\",\"say \"\"hi\"\"\"");
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iterator_yields_options_positionals_and_unknowns),
        cmocka_unit_test(missing_and_unexpected_values_are_usage_errors),
        cmocka_unit_test(json_round_trips_through_a_parser),
        cmocka_unit_test(table_aligns_columns),
        cmocka_unit_test(csv_fields_are_quoted_when_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
