/*  test_http_problem: every reject code of the wire (the RejectCode enum,
    read from its descriptor) has its HTTP status in hub_http_problem's
    table, the status docs/http.md gives; a code added to the .proto
    without a row (and a line here) fails.
*/
#include "hub_test.h"
#include "hub_http_problem.h"

int
main (void)
{
    static const struct { const char *name; unsigned status; } expected [] = {
        { "UNSPECIFIED", 500 }, { "MALFORMED", 400 }, { "TOO_LARGE", 413 },
        { "UNKNOWN_TYPE", 400 }, { "MISSING_FIELD", 422 }, { "INVALID_VALUE", 422 },
        { "UNKNOWN_COMMISSION", 404 }, { "ILLEGAL_TRANSITION", 409 },
        { "NOT_AUTHORISED", 403 }, { "DUPLICATE_CONFLICT", 409 }, { "STORE_FULL", 507 },
        { "INTERNAL", 500 }, { "OVERLOADED", 503 }, { "DISK_FULL", 507 },
    };
    const ProtobufCEnumDescriptor *codes = &cyclehub__v1__reject_code__descriptor;
    size_t count = sizeof expected / sizeof expected [0];
    CHECK_MSG (codes->n_values == count, "the .proto has %u reject codes, this test %zu: give "
               "the new code its status in hub_http_problem.c and here", codes->n_values, count);
    for (unsigned i = 0; i < codes->n_values; i++) {
        Cyclehub__V1__RejectCode code = codes->values [i].value;
        const char *name = hub_http_problem_code_name (code);
        size_t at = 0;
        while (at < count && !(name && streq (expected [at].name, name)))
            at++;
        CHECK_MSG (at < count, "reject code %s has no expected status", codes->values [i].name);
        if (at < count)
            CHECK_MSG (hub_http_problem_status (code) == expected [at].status,
                       "%s: status %u, expected %u", name, hub_http_problem_status (code),
                       expected [at].status);
    }
    //  A value the enum does not define: a server error, never a success
    CHECK (hub_http_problem_status ((Cyclehub__V1__RejectCode) 999) == 500);
    CHECK (hub_http_problem_code_name ((Cyclehub__V1__RejectCode) 999) == NULL);
    HUB_TEST_DONE ();
}
