/*
 * size_range.c - geometric size ranges for size sweeps ("4K..256M", "1K..1M*4"); see parse.h.
 *
 * A sweep over sizes wants evenly spaced points on a log axis, so a range is two sizes and a
 * factor rather than a list a student has to type out.  Both ends go through hx_parse_size, so
 * the suffixes and the error messages are those of --size.
 */
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"

#define RANGE_FORMS "A..B or A..B*F (sizes with K/M/G suffixes, F from 2 to 16), e.g. 4K..256M*4"

static int bad_range(const char *option, const char *text, const char *why) {
    return hx_fail(HX_ERR_USAGE, "%s '%s' %s; accepted: %s", option, text, why, RANGE_FORMS);
}

int hx_parse_size_range(const char *option, const char *text, uint64_t min, uint64_t max,
                        uint64_t *out, size_t cap, size_t *count) {
    *count = 0;
    if (!text)
        text = "";
    const char *dots = strstr(text, "..");
    if (!dots || dots == text)
        return bad_range(option, text, "is not a size range");
    char first[64], last[64];
    size_t flen = (size_t)(dots - text);
    const char *rest = dots + 2;
    const char *star = strchr(rest, '*');
    size_t llen = star ? (size_t)(star - rest) : strlen(rest);
    if (flen >= sizeof first || llen >= sizeof last || llen == 0)
        return bad_range(option, text, "is not a size range");
    memcpy(first, text, flen);
    first[flen] = '\0';
    memcpy(last, rest, llen);
    last[llen] = '\0';
    uint64_t a, b, factor = 2;
    HX_TRY(hx_parse_size(option, first, min, max, &a));
    HX_TRY(hx_parse_size(option, last, min, max, &b));
    if (star && hx_parse_uint(option, star + 1, 2, 16, &factor) != HX_OK) {
        hx_error_clear();
        return bad_range(option, text, "has a bad factor after '*'");
    }
    if (a > b)
        return bad_range(option, text, "runs backwards (its first size is larger than its last)");
    size_t n = 0;
    for (uint64_t v = a; v <= b; v *= factor) {
        if (n == cap)
            return hx_fail(HX_ERR_USAGE,
                           "%s '%s' has more than %zu sizes; use a larger factor "
                           "(A..B*4) or a narrower range",
                           option, text, cap);
        out[n++] = v;
        if (v > b / factor)
            break; /* the next step would pass b (or overflow) */
    }
    *count = n;
    return HX_OK;
}
