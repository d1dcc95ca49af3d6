/*  test_cli_errors: what the cyclehub CLI says and returns when things go
    wrong. Bad JSON (syntax, unknown field, wrong type, out of range) and
    bad flag values exit 2 naming the field; a broker that is down exits 3
    within the timeout; a retry is a duplicate and a reused msg_id with
    other content exits 1 with DUPLICATE_CONFLICT; --help always exits 0.
*/
#include "hub_test.h"
#include "hub_proc.h"

#define COMMISSION "ocds-h6vhtk-err001"
#define BUYER      "GB-LAE-E09000033"

static char s_dir [PATH_MAX];

//  Writes text to a file in the test's temp dir; returns its path (static).
static const char *
s_file (const char *name, const char *text)
{
    static char path [PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fputs (text, file);
    fclose (file);
    return path;
}

//  Publishes text as TYPE and checks exit 2 with `needle` in stderr.
static void
s_bad_json (const hub_broker_proc_t *b, const char *type, const char *text, const char *needle)
{
    hub_run_t r;
    hub_cli (&r, b, BUYER, NULL, "publish", type, s_file ("bad.json", text),
             "--commission", COMMISSION, NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, needle), "%s: status %d err '%s' (want '%s')",
               text, r.status, r.err, needle);
    CHECK (*r.out == 0);
    hub_run_free (&r);
}

static void
s_bad_flags (const hub_broker_proc_t *b, const char *needle, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, b, BUYER);
    va_list args;
    va_start (args, needle);
    hub_argv_addv (&a, args);
    va_end (args);
    hub_run_t r;
    hub_run_argv (&r, a.argv, NULL, 30000);
    CHECK_MSG (r.status == 2 && strstr (r.err, needle), "%s %s: status %d err '%s' (want '%s')",
               a.argv [7], a.argv [8], r.status, r.err, needle);
    hub_run_free (&r);
}

static void
s_help (void)
{
    static const char *commands [][3] = {
        { "--help" }, { "publish", "--help" }, { "subscribe", "--help" }, { "history", "--help" },
        { "status", "--help" }, { "commission", "--help" }, { "consult", "--help" },
        { "procure", "--help" }, { "monitor", "--help" },
        { "commission", "open", "--help" }, { "commission", "needs", "--help" },
        { "commission", "priorities", "--help" }, { "commission", "strategy", "--help" },
        { "commission", "stage", "--help" }, { "commission", "update", "--help" },
        { "consult", "open", "--help" }, { "consult", "respond", "--help" },
        { "consult", "close", "--help" }, { "consult", "outcome", "--help" },
        { "procure", "plan", "--help" }, { "procure", "engage", "--help" },
        { "procure", "tender", "--help" }, { "procure", "amend", "--help" },
        { "procure", "close", "--help" }, { "procure", "terminate", "--help" },
        { "procure", "award", "--help" }, { "procure", "direct-award", "--help" },
        { "procure", "contract", "--help" }, { "procure", "change", "--help" },
        { "procure", "end", "--help" }, { "monitor", "kpi", "--help" },
        { "monitor", "milestone", "--help" }, { "monitor", "social-value", "--help" },
        { "monitor", "payment", "--help" }, { "monitor", "evaluation", "--help" },
        { "monitor", "decision", "--help" },
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands [0]; i++) {
        hub_argv_t a;
        hub_argv_init (&a, NULL, NULL);     //  no agency needed for help
        for (int k = 0; k < 3 && commands [i][k]; k++)
            hub_argv_add (&a, commands [i][k]);
        hub_run_t r;
        hub_run_argv (&r, a.argv, NULL, 10000);
        CHECK_MSG (r.status == 0 && strstr (r.out, "Usage:"), "%s %s: status %d",
                   commands [i][0], commands [i][1]? commands [i][1]: "", r.status);
        //  The global help lists every exit status, the relay's 6 included
        if (i == 0)
            CHECK_MSG (strstr (r.out, "5 refused") && strstr (r.out, "6 relay webhook stopped"),
                       "cyclehub --help lacks exit 5 or 6: %s", r.out);
        hub_run_free (&r);
    }
    //  Usage errors: exit 2
    hub_argv_t a;
    hub_argv_init (&a, NULL, BUYER);
    hub_argv_add (&a, "frobnicate");
    hub_run_t r;
    hub_run_argv (&r, a.argv, NULL, 10000);
    CHECK (r.status == 2 && strstr (r.err, "unknown command"));
    hub_run_free (&r);
    hub_argv_init (&a, NULL, NULL);
    hub_argv_add (&a, "status");
    unsetenv ("CYCLEHUB_AGENCY");
    hub_run_argv (&r, a.argv, NULL, 10000);
    CHECK_MSG (r.status == 2 && strstr (r.err, "--agency"), "no agency: %d %s", r.status, r.err);
    hub_run_free (&r);
}

static void
s_broker_down (void)
{
    //  A port nothing listens on: exit 3 within the timeout (1 s)
    static const char *commands [][6] = {
        { "status" },
        { "history" },
        { "commission", COMMISSION },
        { "procure", "close", "--commission", COMMISSION, "--procurement-id", "lot-1" },
        { "subscribe", "--count", "1" },
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands [0]; i++) {
        hub_argv_t a;
        hub_argv_init (&a, NULL, BUYER);
        hub_argv_add (&a, "--api");
        hub_argv_add (&a, "tcp://127.0.0.1:9");
        hub_argv_add (&a, "--events");
        hub_argv_add (&a, "tcp://127.0.0.1:9");
        hub_argv_add (&a, "--timeout");
        hub_argv_add (&a, "1000");
        for (int k = 0; k < 6 && commands [i][k]; k++)
            hub_argv_add (&a, commands [i][k]);
        hub_run_t r;
        hub_run_argv (&r, a.argv, NULL, 30000);
        CHECK_MSG (r.status == 3 && strstr (r.err, "cannot be reached"), "%s: status %d err %s",
                   commands [i][0], r.status, r.err);
        CHECK_MSG (r.elapsed_ms < 4000, "%s took %lld ms", commands [i][0],
                   (long long) r.elapsed_ms);
        hub_run_free (&r);
    }
}

int
main (void)
{
    char *dir = hub_test_tmpdir ("cli-errors");
    REQUIRE (dir);
    snprintf (s_dir, sizeof s_dir, "%s", dir);
    free (dir);

    s_help ();
    s_broker_down ();

    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "cli-errors") == 0);
    hub_broker_proc_t *b = &broker;

    //  Bad JSON: exit 2, the error names the field
    s_bad_json (b, "commission.opened", "{\"title\": \"x\",", "line");
    s_bad_json (b, "commission.opened", "{\"title\": \"x\", \"buyer\": \"" BUYER "\", \"colour\": 1}",
                "colour");
    s_bad_json (b, "commission.opened", "{\"title\": 5}", "title");
    s_bad_json (b, "tender.published",
                "{\"procurementId\": \"l\", \"socialValueWeightPct\": 99999999999}",
                "socialValueWeightPct");
    //  Money in a file: the currency's major unit, at most its decimals, exactly
    s_bad_json (b, "tender.published", "{\"value\": {\"amount\": \"1.505\", \"currency\": \"GBP\"}}",
                "value.amount: GBP has 2 decimal places; \"1.505\" has 3");
    s_bad_json (b, "tender.published", "{\"value\": {\"amount\": 450000.00, \"currency\": \"GBP\"}}",
                "value.amount: 450000 is a JSON number with a fraction or an exponent, which cannot "
                "carry every decimal exactly: write the amount as a string, \"450000.00\"");
    s_bad_json (b, "tender.published", "{\"value\": {\"amount\": \"5\", \"currency\": \"XYZ\"}}",
                "value.currency: \"XYZ\" is not an ISO 4217 currency code");
    s_bad_json (b, "consultation.opened", "{\"opensAt\": \"2026-03-01\"}",
                "opensAt: \"2026-03-01\" is not a valid RFC 3339 time: a date alone is not a moment");
    s_bad_json (b, "consultation.opened", "{\"opensAt\": \"yesterday\"}", "opensAt");
    s_bad_json (b, "review.decision", "{\"decision\": \"DECISION_MAYBE\"}", "decision");
    s_bad_json (b, "tender.published", "[1, 2]", "object");
    //  An Envelope of another type, and an unknown type
    s_bad_json (b, "tender.published",
                "{\"commissionId\": \"" COMMISSION "\", \"tenderClosed\": {\"procurementId\": \"x\"}}",
                "tender.closed");
    s_bad_json (b, "tender.publishd", "{}", "unknown message type");

    //  Bad flag values: exit 2, naming the flag (money: the field the flag
    //  fills, read in --currency once every flag is known)
    s_bad_flags (b, "value.amount: GBP has 2 decimal places; \"12.345\" has 3", "procure",
                 "tender", "--commission", COMMISSION, "--value", "12.345", NULL);
    s_bad_flags (b, "value.amount: \"-5\" is negative", "procure", "tender",
                 "--commission", COMMISSION, "--value", "-5", NULL);
    s_bad_flags (b, "value.amount: JPY has no decimal places", "procure", "tender",
                 "--commission", COMMISSION, "--value", "1000.50", "--currency", "JPY", NULL);
    s_bad_flags (b, "value.currency: \"XYZ\" is not an ISO 4217 currency code", "procure",
                 "tender", "--commission", COMMISSION, "--currency", "XYZ", "--value", "5", NULL);
    s_bad_flags (b, "--tender-period-end: \"soon\" is not a time: it is not of the form",
                 "procure", "tender", "--commission", COMMISSION,
                 "--tender-period-end", "soon", NULL);
    s_bad_flags (b, "--tender-period-end: \"2026-03-01\" is not a time: a date alone is not a "
                 "moment", "procure", "tender", "--commission", COMMISSION,
                 "--tender-period-end", "2026-03-01", NULL);
    s_bad_flags (b, "second 60 is out of range", "procure", "tender", "--commission", COMMISSION,
                 "--tender-period-end", "2026-12-31T23:59:60Z", NULL);
    s_bad_flags (b, "--procedure", "procure", "tender", "--commission", COMMISSION,
                 "--procedure", "auction", NULL);
    s_bad_flags (b, "socialValueWeightPct", "procure", "tender", "--commission", COMMISSION,
                 "--social-value-weight-pct", "-1", NULL);
    s_bad_flags (b, "--colour", "procure", "tender", "--commission", COMMISSION,
                 "--colour", "red", NULL);
    s_bad_flags (b, "--commission", "procure", "tender", "--title", "t", NULL);
    s_bad_flags (b, "--target", "monitor", "kpi", "--commission", COMMISSION,
                 "--target", "ninety", NULL);

    //  Retry and conflict through the CLI
    hub_run_t r;
    const char *open = s_file ("open.json",
        "{\"title\": \"Errors\", \"buyer\": \"" BUYER "\"}");
    hub_cli (&r, b, BUYER, NULL, "publish", "commission.opened", open,
             "--commission", COMMISSION, "--msg-id", "open-1", NULL);
    CHECK_MSG (r.status == 0 && streq (r.out, "1\n"), "%d %s %s", r.status, r.out, r.err);
    hub_run_free (&r);
    hub_cli (&r, b, BUYER, NULL, "publish", "commission.opened", open,
             "--commission", COMMISSION, "--msg-id", "open-1", NULL);
    CHECK_MSG (r.status == 0 && streq (r.out, "1 duplicate\n"), "%d %s %s", r.status, r.out, r.err);
    hub_run_free (&r);
    const char *other = s_file ("other.json",
        "{\"title\": \"Errors, retitled\", \"buyer\": \"" BUYER "\"}");
    hub_cli (&r, b, BUYER, NULL, "publish", "commission.opened", other,
             "--commission", COMMISSION, "--msg-id", "open-1", NULL);
    CHECK_MSG (r.status == 1 && strstr (r.err, "DUPLICATE_CONFLICT"), "%d %s", r.status, r.err);
    hub_run_free (&r);
    //  The same msg_id from another agency is another message: a domain rejection
    hub_cli (&r, b, "GB-NHS-RWE", NULL, "publish", "commission.opened", other,
             "--commission", "ocds-h6vhtk-err002", "--msg-id", "open-1", NULL);
    CHECK_MSG (r.status == 1 && strstr (r.err, "NOT_AUTHORISED"), "%d %s", r.status, r.err);
    hub_run_free (&r);
    //  A domain rejection names the field
    hub_cli (&r, b, BUYER, NULL, "procure", "tender", "--commission", COMMISSION,
             "--procurement-id", "l", "--title", "t", "--value", "10", "--procedure", "open",
             "--tender-period-start", "now", "--tender-period-end", "now+1d",
             "--social-value-weight-pct", "5", NULL);
    CHECK_MSG (r.status == 1 && strstr (r.err, "social_value_weight_pct"), "%d %s",
               r.status, r.err);
    hub_run_free (&r);
    //  A bad identity (not an org-id) is refused by the broker's ZAP: exit 5,
    //  naming it (test_cli_identity has the other refusals)
    hub_argv_t a;
    hub_argv_init (&a, b, "nobody");
    hub_argv_add (&a, "--timeout");
    hub_argv_add (&a, "1000");
    hub_argv_add (&a, "status");
    hub_run_argv (&r, a.argv, NULL, 30000);
    CHECK_MSG (r.status == 5 && strstr (r.err, "'nobody'"), "bad identity: %d %s", r.status,
               r.err);
    hub_run_free (&r);

    hub_broker_cleanup (&broker);
    hub_test_rmtree (s_dir);
    HUB_TEST_DONE ();
}
