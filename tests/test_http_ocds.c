/*  test_http_ocds: GET /v1/ocds/{commission} and the repeated filters of
    GET /v1/history, over real processes. A real cyclehubd (--plain, --http
    on loopback) holds the cycle of tests/data/cycle, published by the real
    CLI with the broker's clock set as cycle.txt says, and a second
    commission. Checks: the package is byte for byte what `cyclehub export
    ocds` writes, passes the OCDS 1.1.5 validator (scripts/ocds-validate)
    and holds none of a response's personal data although the reader is
    the commission's owner (who sees it in /v1/history); 401 without a
    token, 404 UNKNOWN_COMMISSION; with --http-public-ocds, 200 without a
    token there and 401 still everywhere else. A repeated commission, type,
    agency or stage returns the union of the single filters, each single
    one narrows, and the next link keeps every value.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_http_kit.h"
#include "hub_http_cycle.h"

#define OCID   "ocds-h6vhtk-056931"
#define OCID_2 "ocds-h6vhtk-000002"

static kit_hub_t s_hub;

//  The cycle of tests/data/cycle/cycle.txt, then a second commission
static void
s_publish_cycle (void)
{
    kit_publish_cycle (&s_hub, OCID);
    char path [PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/second.json", s_hub.dir);
    FILE *second = fopen (path, "w");
    REQUIRE (second);
    fprintf (second, "{\"title\": \"Carers' breaks\", \"buyer\": \"" KIT_BUYER "\"}\n");
    fclose (second);
    kit_publish_file (&s_hub, KIT_BUYER, "commission.opened", path, OCID_2);
}

//  Runs scripts/ocds-validate over a file; its exit status, output in out
static int
s_validate (const char *file, char *out, size_t size)
{
    char script [PATH_MAX], cmd [PATH_MAX * 3];
    hub_proc_src (script, sizeof script, "scripts/ocds-validate");
    snprintf (cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' 2>&1", script, file);
    FILE *p = popen (cmd, "r");
    REQUIRE (p);
    size_t n = fread (out, 1, size - 1, p);
    out [n] = 0;
    int status = pclose (p);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

static bool
s_has_personal (const char *text)
{
    return text && (strstr (text, "A Resident") || strstr (text, "resident@example.org")
                    || strstr (text, "library please"));
}

static void
s_problem (const kit_response_t *r, long status, const char *code, const char *what)
{
    CHECK_MSG (r->status == status && streq (kit_str (r, "code"), code)
               && *kit_str (r, "detail")
               && strstr (r->headers, "Content-Type: application/problem+json"),
               "%s: want %ld %s, got %ld %s", what, status, code, r->status,
               r->body? r->body: "");
}

static void
s_ocds (const char *token)
{
    const char *path = "/v1/ocds/" OCID;
    kit_response_t r;
    kit_http (&s_hub, "GET", path, token, NULL, NULL, &r);
    CHECK_MSG (r.status == 200 && r.json, "GET %s: %ld %s", path, r.status, r.body? r.body: "");
    CHECK (strstr (r.headers, "Content-Type: application/json") != NULL);
    //  The package is the export's, byte for byte
    hub_run_t cli;
    hub_cli (&cli, &s_hub.proc, KIT_BUYER, NULL, "export", "ocds", "--commission", OCID, NULL);
    CHECK_MSG (cli.status == 0, "export ocds: %s", cli.err);
    CHECK_MSG (r.body && streq (r.body, cli.out), "the package differs from the export:\n%s\n%s",
               r.body? r.body: "", cli.out);
    hub_run_free (&cli);
    //  Every process of the commission, and valid OCDS 1.1.5
    json_t *releases = json_object_get (r.json, "releases");
    CHECK (json_array_size (releases) >= 10);
    CHECK (r.body && strstr (r.body, "\"ocid\":\"" OCID "-") != NULL);
    CHECK (r.body && !strstr (r.body, OCID_2));
    char file [PATH_MAX + 32], out [8192];
    snprintf (file, sizeof file, "%s/package.json", s_hub.dir);
    FILE *f = fopen (file, "w");
    REQUIRE (f);
    fputs (r.body? r.body: "", f);
    fclose (f);
    CHECK_MSG (s_validate (file, out, sizeof out) == 0, "ocds-validate: %s", out);
    //  No personal data, though the reader is the commission's owner
    CHECK_MSG (!s_has_personal (r.body), "the package holds personal data");
    kit_response_free (&r);
}

//  The events of a history query (the dev token), after checking the page
static size_t
s_history (const char *query, kit_response_t *r)
{
    char path [1024];
    snprintf (path, sizeof path, "/v1/history?%s", query);
    kit_http (&s_hub, "GET", path, s_hub.dev_token, NULL, NULL, r);
    CHECK_MSG (r->status == 200, "GET %s: %ld %s", path, r->status, r->body? r->body: "");
    return json_array_size (json_object_get (r->json, "events"));
}

//  Every event of r has member `name` (of the event, or of its envelope
//  for commissionId) equal to one of values
static bool
s_all_in (const kit_response_t *r, const char *name, const char *const *values, size_t n)
{
    size_t i;
    json_t *event;
    json_array_foreach (json_object_get (r->json, "events"), i, event) {
        json_t *from = streq (name, "commissionId")? json_object_get (event, "envelope"): event;
        const char *value = json_string_value (json_object_get (from, name));
        bool found = false;
        for (size_t k = 0; value && k < n && !found; k++)
            found = streq (value, values [k]);
        if (!found)
            return false;
    }
    return true;
}

//  name=a&name=b gives the union of name=a and name=b (which are
//  disjoint); in the events, member is a_json or b_json
static void
s_union (const char *param, const char *member, const char *a, const char *b,
         const char *a_json, const char *b_json)
{
    char query [512];
    kit_response_t one, other, both;
    snprintf (query, sizeof query, "%s=%s", param, a);
    size_t n_a = s_history (query, &one);
    snprintf (query, sizeof query, "%s=%s", param, b);
    size_t n_b = s_history (query, &other);
    snprintf (query, sizeof query, "%s=%s&%s=%s", param, a, param, b);
    size_t n_both = s_history (query, &both);
    const char *values [] = { a_json, b_json };
    CHECK_MSG (n_a > 0 && n_b > 0 && n_both == n_a + n_b, "%s: %zu + %zu != %zu", query, n_a,
               n_b, n_both);
    //  One value narrows; both give either
    CHECK_MSG (s_all_in (&one, member, values, 1), "%s=%s did not narrow", param, a);
    CHECK_MSG (s_all_in (&other, member, values + 1, 1), "%s=%s did not narrow", param, b);
    CHECK_MSG (s_all_in (&both, member, values, 2), "%s: an event of neither", query);
    kit_response_free (&one);
    kit_response_free (&other);
    kit_response_free (&both);
}

static void
s_repeated_filters (void)
{
    s_union ("type", "type", "needs.assessed", "tender.published", "needs.assessed",
             "tender.published");
    s_union ("agency", "sender", KIT_PROVIDER, KIT_OBSERVER, KIT_PROVIDER, KIT_OBSERVER);
    s_union ("stage", "stage", "plan", "review", "STAGE_PLAN", "STAGE_REVIEW");
    s_union ("commission", "commissionId", OCID, OCID_2, OCID, OCID_2);
    //  The filters combine: either type, of this commission only
    kit_response_t r;
    size_t n = s_history ("commission=" OCID_2 "&type=commission.opened&type=needs.assessed", &r);
    CHECK (n == 1);
    kit_response_free (&r);
    //  The next link keeps both values: a page of one, then the other
    n = s_history ("type=needs.assessed&type=tender.published&limit=1", &r);
    const char *next = kit_str (&r, "next");
    CHECK_MSG (n == 1 && strstr (next, "type=needs.assessed&type=tender.published"),
               "next link: %s", next);
    kit_response_t page;
    kit_http (&s_hub, "GET", next, s_hub.dev_token, NULL, NULL, &page);
    json_t *event = json_array_get (json_object_get (page.json, "events"), 0);
    CHECK_MSG (page.status == 200 && streq (json_string_value (json_object_get (event, "type")),
                                            "tender.published"), "next page: %s",
               page.body? page.body: "");
    kit_response_free (&page);
    kit_response_free (&r);
    //  An unknown spelling among them is a 400 naming the valid ones
    kit_http (&s_hub, "GET", "/v1/history?type=needs.assessed&type=tender.publish",
              s_hub.dev_token, NULL, NULL, &r);
    s_problem (&r, 400, "UNKNOWN_TYPE", "a repeated unknown type");
    CHECK (strstr (kit_str (&r, "detail"), "tender.published") != NULL);
    kit_response_free (&r);
    kit_http (&s_hub, "GET", "/v1/history?stage=plan&stage=planning", s_hub.dev_token, NULL,
              NULL, &r);
    s_problem (&r, 400, "MALFORMED", "a repeated unknown stage");
    CHECK (strstr (kit_str (&r, "detail"), "analyse, plan, do, review") != NULL);
    kit_response_free (&r);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    curl_global_init (CURL_GLOBAL_ALL);
    (void) kit_token;               //  the kit's CURVE helpers: unused in --plain
    (void) kit_socket;
    kit_setup (&s_hub, "http-ocds");
    REQUIRE (kit_start (&s_hub, true, NULL) == 0);
    s_publish_cycle ();

    //  The owner's history holds the response's personal data, so its
    //  absence from the package below is the redaction's doing
    kit_response_t r;
    kit_http (&s_hub, "GET", "/v1/history?type=consultation.response", s_hub.dev_token, NULL,
              NULL, &r);
    CHECK_MSG (r.status == 200 && s_has_personal (r.body), "the owner's history: %s",
               r.body? r.body: "");
    kit_response_free (&r);
    s_ocds (s_hub.dev_token);
    //  A token like every read; an unknown commission is a 404
    kit_http (&s_hub, "GET", "/v1/ocds/" OCID, NULL, NULL, NULL, &r);
    s_problem (&r, 401, "UNAUTHENTICATED", "no token");
    kit_response_free (&r);
    kit_http (&s_hub, "GET", "/v1/ocds/ocds-h6vhtk-nosuch", s_hub.dev_token, NULL, NULL, &r);
    s_problem (&r, 404, "UNKNOWN_COMMISSION", "unknown commission");
    kit_response_free (&r);
    s_repeated_filters ();

    //  --http-public-ocds: open data without a token, and only that
    kit_clock_at (&s_hub, "2026-10-05T10:00:00Z", "--http-public-ocds");
    s_ocds (NULL);
    kit_http (&s_hub, "GET", "/v1/ocds/ocds-h6vhtk-nosuch", NULL, NULL, NULL, &r);
    s_problem (&r, 404, "UNKNOWN_COMMISSION", "unknown commission, public");
    kit_response_free (&r);
    const char *closed [] = { "/v1/history", "/v1/commissions/" OCID, "/v1/status",
                              "/v1/commissions" };
    for (size_t i = 0; i < sizeof closed / sizeof closed [0]; i++) {
        kit_http (&s_hub, "GET", closed [i], NULL, NULL, NULL, &r);
        s_problem (&r, 401, "UNAUTHENTICATED", closed [i]);
        kit_response_free (&r);
    }

    kit_teardown (&s_hub);
    curl_global_cleanup ();
    HUB_TEST_DONE ();
}
