/*  test_export: `cyclehub export ocds` end to end (the OCDS library's
    export behind the CLI). A whole procurement is published through a real
    cyclehubd with the CLI, exported, and checked by the offline OCDS 1.1.5
    validator; exports are byte-identical run to run; the commission's ocid
    carries its planning, the procurement its own ocid; parties are named
    from an agencies file; an export with no release comes with a note.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "cyclehub.h"
#include <czmq.h>
#include <inttypes.h>
#include <jansson.h>

#define C1       "ocds-h6vhtk-exp001"       //  a whole procurement
#define C2       "ocds-h6vhtk-exp002"       //  no procurement
#define C3       "ocds-h6vhtk-exp003"       //  money in GBP and JPY, end to end
#define BUYER    "GB-LAE-E09000033"
#define SUPPLIER "GB-COH-01234567"

typedef struct {
    const char *agency;
    const char *args [24];
    const char *clock;              //  restart the broker first with this --clock-offset
} s_step_t;

static const s_step_t s_steps [] = {
    { BUYER, { "commission", "open", "--title", "Home care for older people", "--buyer", BUYER,
               "--partners", "GB-NHS-RWE" }, NULL },
    { BUYER, { "commission", "priorities", "--priorities", "Care closer to home" }, NULL },
    { BUYER, { "procure", "plan", "--procurement-id", "lot-1", "--title", "Home care",
               "--kind", "planned-procurement", "--estimated-value", "1250000",
               "--expected-tender", "now+7d" }, NULL },
    { BUYER, { "procure", "tender", "--procurement-id", "lot-1", "--title", "Home care",
               "--value", "1250000.00", "--procedure", "open", "--tender-period-start", "now",
               "--tender-period-end", "now+30d", "--social-value-weight-pct", "10" }, NULL },
    { BUYER, { "procure", "amend", "--procurement-id", "lot-1", "--new-deadline", "now+40d" }, NULL },
    //  The broker checks dates by its clock: past the (amended) tender deadline
    //  to close, past the award's standstill to sign (cyclehubd --clock-offset)
    { BUYER, { "procure", "close", "--procurement-id", "lot-1", "--bids-received", "4" }, "+41d" },
    { BUYER, { "procure", "award", "--procurement-id", "lot-1", "--award-id", "aw-1",
               "--suppliers", SUPPLIER, "--value", "1199999.99", "--standstill-ends", "now+60d" }, NULL },
    { BUYER, { "procure", "contract", "--contract-id", "k-1", "--award-id", "aw-1",
               "--period-start", "now+61d", "--period-end", "now+730d", "--value", "1199999.99",
               "--kpis", "{\"code\":\"K1\",\"unit\":\"%\",\"target\":95}" }, "+61d" },
    { BUYER, { "procure", "change", "--contract-id", "k-1", "--description", "Weekend visits",
               "--new-value", "1300000.01" }, NULL },
    { SUPPLIER, { "monitor", "kpi", "--contract-id", "k-1", "--kpi-code", "K1",
                  "--period-start", "now-30d", "--period-end", "now", "--value", "96.5",
                  "--target", "95", "--rating", "RATING_GREEN" }, NULL },
    { BUYER, { "procure", "end", "--contract-id", "k-1", "--how", "CONTRACT_END_TERMINATED",
               "--reason", "Service moved in-house", "--ended-at", "now" }, NULL },
};
#define S_NSTEPS (sizeof s_steps / sizeof s_steps [0])

static char s_dir [PATH_MAX];
static char s_validator [PATH_MAX];

static void
s_publish (const hub_broker_proc_t *b, const char *commission, const s_step_t *step)
{
    hub_argv_t a;
    hub_argv_init (&a, b, step->agency);
    hub_argv_add (&a, step->args [0]);
    hub_argv_add (&a, step->args [1]);
    hub_argv_add (&a, "--commission");
    hub_argv_add (&a, commission);
    for (int k = 2; step->args [k]; k++)
        hub_argv_add (&a, step->args [k]);
    hub_run_t r;
    hub_run_argv (&r, a.argv, NULL, 60000);
    CHECK_MSG (r.status == 0, "%s %s: status %d out '%s' err '%s'", step->args [0],
               step->args [1], r.status, r.out, r.err);
    hub_run_free (&r);
}

//  Runs `cyclehub export ocds` with the NULL-terminated flags.
static void
s_export (hub_run_t *r, const hub_broker_proc_t *b, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, b, BUYER);
    hub_argv_add (&a, "export");
    hub_argv_add (&a, "ocds");
    va_list args;
    va_start (args, b);
    hub_argv_addv (&a, args);
    va_end (args);
    hub_run_argv (r, a.argv, NULL, 60000);
}

static void
s_save (const char *path, const char *text)
{
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fputs (text, file);
    fclose (file);
}

//  Runs the OCDS validator on text. Returns its exit code; *out its output.
static int
s_validate (const char *text, char **out)
{
    char path [PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/package.json", s_dir);
    s_save (path, text);
    char *argv [] = { "/usr/bin/python3", s_validator, path, NULL };
    hub_run_t r;
    hub_run_argv (&r, argv, NULL, 60000);
    if (out)
        *out = strdup (r.out);
    if (r.status != 0)
        fprintf (stderr, "validator: %s%s\n", r.out, r.err);
    int status = r.status;
    hub_run_free (&r);
    return status;
}

static size_t
s_releases (const char *text)
{
    json_t *package = json_loads (text, 0, NULL);
    size_t n = json_array_size (json_object_get (package, "releases"));
    json_decref (package);
    return n;
}

//  The tags of every release, space-separated, in order
static char *
s_tags (const char *text)
{
    json_t *package = json_loads (text, 0, NULL);
    char *tags = calloc (1, 4096);
    size_t i, k;
    json_t *release, *tag;
    json_array_foreach (json_object_get (package, "releases"), i, release)
        json_array_foreach (json_object_get (release, "tag"), k, tag) {
            strncat (tags, json_string_value (tag), 4000 - strlen (tags));
            strcat (tags, " ");
        }
    json_decref (package);
    return tags;
}

//  The names of the parties, as the broker's agencies.cfg holds them
static const char *s_agencies =
    "agency\n"
    "    " BUYER "\n"
    "        name = \"Tower Hamlets Council\"\n"
    "        roles = \"commissioner\"\n"
    "        cert = \"agencies/th.cert\"\n"
    "    GB-NHS-RWE\n"
    "        name = \"Leicester Hospitals\"\n"
    "        roles = \"partner\"\n"
    "    " SUPPLIER "\n"
    "        name = \"Home Care Ltd\"\n"
    "        roles = \"provider\"\n";

static void
s_test_procurement (const hub_broker_proc_t *b)
{
    hub_run_t r1, r2;
    char agencies [PATH_MAX + 32];
    snprintf (agencies, sizeof agencies, "%s/agencies.cfg", s_dir);
    s_save (agencies, s_agencies);
    //  without names: each party has none, and a note says how to give them
    s_export (&r1, b, "--commission", C1, NULL);
    CHECK_MSG (r1.status == 0 && strstr (r1.err, "3 parties have no name (first " BUYER ")")
               && strstr (r1.err, "--agencies FILE"), "status %d err %s", r1.status, r1.err);
    CHECK (!strstr (r1.out, "Tower Hamlets"));
    hub_run_free (&r1);
    s_export (&r1, b, "--commission", C1, "--agencies", agencies, NULL);
    CHECK_MSG (r1.status == 0, "status %d err %s", r1.status, r1.err);
    CHECK (streq (r1.err, ""));
    CHECK (strstr (r1.out, "\"buyer\":{\"id\":\"" BUYER "\",\"name\":\"Tower Hamlets Council\"}"));
    CHECK (strstr (r1.out, "\"name\":\"Home Care Ltd\""));
    CHECK (strstr (r1.out, "\"name\":\"Leicester Hospitals\""));
    //  the procurement is its own process, linked to the commission's planning
    CHECK (strstr (r1.out, "\"ocid\":\"" C1 "-lot-1\""));
    CHECK (strstr (r1.out, "\"relatedProcesses\":[{\"id\":\"planning\",\"relationship\":[\"planning\"]"));
    CHECK (strstr (r1.out, "\"scheme\":\"ocid\",\"identifier\":\"" C1 "\"}]"));
    CHECK_MSG (s_validate (r1.out, NULL) == 0, "%s", r1.out);
    size_t releases = s_releases (r1.out);
    CHECK_MSG (releases >= 8, "%zu releases", releases);
    char *tags = s_tags (r1.out);
    CHECK_MSG (strstr (tags, "planning") && strstr (tags, "tender ") && strstr (tags, "award")
               && strstr (tags, "contract") && strstr (tags, "tenderAmendment")
               && strstr (tags, "contractTermination"), "tags: %s", tags);
    free (tags);
    //  Exact amounts, ids and uri as the converter makes them
    CHECK (strstr (r1.out, "1199999.99"));
    CHECK (strstr (r1.out, "\"id\":\"" C1 "-3\""));
    CHECK (strstr (r1.out, "\"uri\":\"urn:cyclehub:ocds:" C1 "\""));

    //  The same export twice: the same bytes; --out writes them too
    s_export (&r2, b, "--commission", C1, "--agencies", agencies, NULL);
    CHECK (r2.status == 0 && streq (r1.out, r2.out));
    hub_run_free (&r2);
    char out [PATH_MAX + 32];
    snprintf (out, sizeof out, "%s/out/export.json", s_dir);
    char outdir [PATH_MAX + 32];
    snprintf (outdir, sizeof outdir, "%s/out", s_dir);
    mkdir (outdir, 0755);
    s_save (out, "old content\n");
    s_export (&r2, b, "--commission", C1, "--agencies", agencies, "--out", out, NULL);
    CHECK (r2.status == 0 && streq (r2.out, ""));
    char *written = hub_proc_slurp (out);
    CHECK (written && streq (written, r1.out));
    free (written);
    hub_run_free (&r2);
    //  ... and no temporary file is left beside it
    char cmd [PATH_MAX + 64];
    snprintf (cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", outdir);
    CHECK (system (cmd) == 0);

    //  Options reach the package
    s_export (&r2, b, "--commission", C1, "--publisher-name", "Camden Council", "--uri",
              "https://data.example.org/ocds/exp001.json", "--pretty", NULL);
    CHECK (r2.status == 0);
    CHECK (strstr (r2.out, "\"name\": \"Camden Council\""));
    CHECK (strstr (r2.out, "\"uri\": \"https://data.example.org/ocds/exp001.json\""));
    CHECK (s_validate (r2.out, NULL) == 0);
    CHECK (s_releases (r2.out) == releases);
    hub_run_free (&r2);

    //  --since: a time before everything changes nothing (same bytes,
    //  compact and pretty); after the fourth release's date, the first
    //  three are left out, the rest untouched
    s_export (&r2, b, "--commission", C1, "--since", "2000-01-01T00:00:00Z", "--agencies",
              agencies, NULL);
    CHECK (r2.status == 0 && streq (r1.out, r2.out));
    hub_run_free (&r2);
    hub_run_t p1, p2;
    s_export (&p1, b, "--commission", C1, "--pretty", NULL);
    s_export (&p2, b, "--commission", C1, "--pretty", "--since", "2000-01-01T00:00:00Z", NULL);
    CHECK (p1.status == 0 && streq (p1.out, p2.out));
    hub_run_free (&p2);
    json_t *package = json_loads (r1.out, 0, NULL);
    json_t *fourth = json_array_get (json_object_get (package, "releases"), 3);
    const char *date = json_string_value (json_object_get (fourth, "date"));
    REQUIRE (date);
    bool distinct = !streq (date, json_string_value (json_object_get (
        json_array_get (json_object_get (package, "releases"), 2), "date")));
    s_export (&r2, b, "--commission", C1, "--since", date, "--agencies", agencies, NULL);
    s_export (&p2, b, "--commission", C1, "--pretty", "--since", date, NULL);
    CHECK (r2.status == 0 && p2.status == 0);
    if (distinct) {
        CHECK_MSG (s_releases (r2.out) == releases - 3, "%zu since %s", s_releases (r2.out), date);
        CHECK (s_releases (p2.out) == releases - 3);
    }
    CHECK (s_validate (r2.out, NULL) == 0);
    CHECK (s_validate (p2.out, NULL) == 0);
    //  the releases kept are byte for byte those of the full export
    json_t *kept = json_loads (r2.out, 0, NULL);
    json_t *first = json_array_get (json_object_get (kept, "releases"), 0);
    const char *first_id = json_string_value (json_object_get (first, "id"));
    const char *first_ocid = json_string_value (json_object_get (first, "ocid"));
    char needle [160];
    snprintf (needle, sizeof needle, "{\"ocid\":\"%s\",\"id\":\"%s\"", first_ocid? first_ocid: "?",
              first_id? first_id: "?");
    char *from_full = strstr (r1.out, needle), *from_since = strstr (r2.out, needle);
    CHECK (from_full && from_since && streq (from_full, from_since));
    json_decref (kept);
    json_decref (package);
    hub_run_free (&r2);
    hub_run_free (&p1);
    hub_run_free (&p2);

    //  A record package: one record per ocid, the planning process first
    s_export (&r2, b, "--commission", C1, "--record", NULL);
    CHECK (r2.status == 0);
    json_t *records = json_loads (r2.out, 0, NULL);
    json_t *list = json_object_get (records, "records");
    CHECK (json_array_size (list) == 2);
    CHECK (streq (json_string_value (json_object_get (json_array_get (list, 0), "ocid")), C1));
    CHECK (streq (json_string_value (json_object_get (json_array_get (list, 1), "ocid")), C1 "-lot-1"));
    size_t in_records = 0, i;
    json_t *record;
    json_array_foreach (list, i, record) {
        in_records += json_array_size (json_object_get (record, "releases"));
        CHECK (json_is_object (json_object_get (record, "compiledRelease")));
    }
    CHECK (in_records == releases);
    json_decref (records);
    hub_run_free (&r2);
    hub_run_free (&r1);
}

static void
s_test_empty (const hub_broker_proc_t *b)
{
    //  A commission without procurement: its planning process only
    hub_run_t r;
    s_export (&r, b, "--commission", C2, NULL);
    CHECK_MSG (r.status == 0, "status %d err %s", r.status, r.err);
    CHECK (s_validate (r.out, NULL) == 0);
    char *tags = s_tags (r.out);
    CHECK_MSG (streq (tags, "planning planningUpdate "), "tags: %s", tags);
    free (tags);
    CHECK (!strstr (r.out, "\"ocid\":\"" C2 "-"));
    hub_run_free (&r);

    //  --all: one package, the releases of every commission
    hub_run_t full, other;
    s_export (&full, b, "--commission", C1, NULL);
    s_export (&other, b, "--commission", C2, NULL);
    s_export (&r, b, "--all", NULL);
    CHECK (r.status == 0);
    CHECK (s_validate (r.out, NULL) == 0);
    CHECK (s_releases (r.out) == s_releases (full.out) + s_releases (other.out));
    CHECK (strstr (r.out, "\"uri\":\"urn:cyclehub:ocds\""));
    hub_run_free (&r);
    hub_run_free (&full);
    hub_run_free (&other);

    //  --since after everything (recorded by a broker clock 61 days ahead):
    //  no releases, and a note
    s_export (&r, b, "--commission", C1, "--since", "now+100d", NULL);
    CHECK_MSG (r.status == 0 && strstr (r.err, "has no release since the given time"), "%s", r.err);
    CHECK (strstr (r.out, "\"releases\":[]"));
    //  Valid in every respect but one: the schema wants at least one
    //  release (minItems 1), which is why the CLI says so on stderr
    char *report = NULL;
    int status = s_validate (r.out, &report);
    CHECK (status == 1);
    CHECK_MSG (report && hub_proc_lines (report) == 1 && strstr (report, "/releases:"),
               "validator: %s", report);
    free (report);
    hub_run_free (&r);
}

static void
s_test_errors (const hub_broker_proc_t *b)
{
    hub_run_t r;
    s_export (&r, b, "--commission", "ocds-h6vhtk-nosuch", NULL);
    CHECK_MSG (r.status == 1 && strstr (r.err, "UNKNOWN_COMMISSION"), "status %d err %s",
               r.status, r.err);
    CHECK (streq (r.out, ""));
    hub_run_free (&r);
    s_export (&r, b, NULL);
    CHECK (r.status == 2);
    hub_run_free (&r);
    s_export (&r, b, "--all", "--commission", C1, NULL);
    CHECK (r.status == 2);
    hub_run_free (&r);
    s_export (&r, b, "--all", "--since", "yesterday", NULL);
    CHECK (r.status == 2);
    hub_run_free (&r);
    s_export (&r, b, "--all", "--record", "--since", "now-1d", NULL);
    CHECK (r.status == 2);
    hub_run_free (&r);
    s_export (&r, b, "--help", NULL);
    CHECK (r.status == 0 && strstr (r.out, "--commission") && strstr (r.out, "--agencies"));
    hub_run_free (&r);
    //  An agencies file that cannot be read, or names no org-id: exit 2, a
    //  sentence, nothing written
    s_export (&r, b, "--all", "--agencies", "/nonexistent/agencies.cfg", NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, "cannot read /nonexistent/agencies.cfg")
               && streq (r.out, ""), "status %d err %s", r.status, r.err);
    hub_run_free (&r);
    char bad [PATH_MAX + 32];
    snprintf (bad, sizeof bad, "%s/bad-agencies.cfg", s_dir);
    s_save (bad, "agency\n    Tower-Hamlets\n        name = \"Tower Hamlets\"\n");
    s_export (&r, b, "--all", "--agencies", bad, NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, "agency Tower-Hamlets: not an org-id"),
               "status %d err %s", r.status, r.err);
    hub_run_free (&r);
    //  Nothing listening: broker unreachable, exit 3, nothing written
    hub_broker_proc_t none;
    memset (&none, 0, sizeof none);
    snprintf (none.api, sizeof none.api, "tcp://127.0.0.1:1");
    snprintf (none.events, sizeof none.events, "tcp://127.0.0.1:2");
    hub_argv_t a;
    hub_argv_init (&a, NULL, BUYER);
    const char *args [] = { "--api", none.api, "--events", none.events, "--timeout", "500",
                            "export", "ocds", "--all" };
    for (size_t i = 0; i < sizeof args / sizeof args [0]; i++)
        hub_argv_add (&a, args [i]);
    hub_run_argv (&r, a.argv, NULL, 30000);
    CHECK_MSG (r.status == 3 && streq (r.out, ""), "status %d", r.status);
    hub_run_free (&r);
}

//  The tender.published events of commission, unpacked from the store's
//  protobuf through libcyclehub (not through any text edge). Returns the count.
static size_t
s_stored_tenders (const hub_broker_proc_t *b, const char *commission,
                  Cyclehub__V1__Event **events, size_t max)
{
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = b->api;
    options.events_endpoint = b->events;
    options.agency = BUYER;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    query.commission_id = (char *) commission;
    query.type = "tender.published";
    Cyclehub__V1__Reply *reply = NULL;
    size_t n = 0;
    if (hub_client_history (client, &query, &reply, NULL) == HUB_OK)
        for (size_t i = 0; i < reply->page->n_events && n < max; i++)
            events [n++] = cyclehub__v1__event__unpack (NULL, reply->page->events [i].len,
                                                        reply->page->events [i].data);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    hub_client_destroy (&client);
    return n;
}

//  One money from a JSON file and from flags to the store and out to OCDS:
//  major units at every edge, minor units inside; a currency outside ISO
//  4217 is refused by the broker, so it can never break an export.
static void
s_test_money (const hub_broker_proc_t *b)
{
    s_publish (b, C3, &s_steps [0]);
    s_publish (b, C3, &s_steps [1]);
    char start [HUB_TIME_TEXT_MAX], end [HUB_TIME_TEXT_MAX];
    hub_time_format (zclock_time (), start, sizeof start);
    hub_time_format (zclock_time () + 30 * 86400000LL, end, sizeof end);
    char json [1024], path [PATH_MAX + 32];
    snprintf (json, sizeof json, "{\"procurementId\": \"lot-gbp\", \"title\": \"Falls prevention\","
              " \"value\": {\"amount\": \"450000.00\", \"currency\": \"GBP\"},"
              " \"procedure\": \"PROCEDURE_OPEN\", \"socialValueWeightPct\": 10,"
              " \"tenderPeriod\": {\"start\": \"%s\", \"end\": \"%s\"}}", start, end);
    snprintf (path, sizeof path, "%s/tender-gbp.json", s_dir);
    s_save (path, json);
    hub_run_t r;
    hub_cli (&r, b, BUYER, NULL, "publish", "tender.published", path, "--commission", C3, NULL);
    CHECK_MSG (r.status == 0, "publish: status %d err %s", r.status, r.err);
    hub_run_free (&r);
    const s_step_t jpy = { BUYER, { "procure", "tender", "--procurement-id", "lot-jpy",
        "--title", "Interpreting", "--value", "1000", "--currency", "JPY", "--procedure", "open",
        "--tender-period-start", "now", "--tender-period-end", "now+30d",
        "--social-value-weight-pct", "10" }, NULL };
    s_publish (b, C3, &jpy);

    //  Inside: exact minor units (pence; yen have none)
    Cyclehub__V1__Event *events [4] = { NULL };
    size_t n = s_stored_tenders (b, C3, events, 4);
    CHECK_MSG (n == 2, "%zu tenders stored", n);
    for (size_t i = 0; i < n; i++) {
        const Cyclehub__V1__Money *value = events [i]->envelope->tender_published->value;
        const char *lot = events [i]->envelope->tender_published->procurement_id;
        if (streq (lot, "lot-gbp"))
            CHECK_MSG (value->amount == 45000000 && streq (value->currency, "GBP"),
                       "stored %" PRId64 " %s", value->amount, value->currency);
        else
            CHECK_MSG (value->amount == 1000 && streq (value->currency, "JPY"),
                       "stored %" PRId64 " %s", value->amount, value->currency);
        cyclehub__v1__event__free_unpacked (events [i], NULL);
    }
    //  Out as JSON: major units again, as decimal strings
    hub_cli (&r, b, BUYER, NULL, "history", "--commission", C3, "--type", "tender.published", NULL);
    CHECK_MSG (strstr (r.out, "\"value\":{\"amount\":\"450000.00\",\"currency\":\"GBP\"}")
               && strstr (r.out, "\"value\":{\"amount\":\"1000\",\"currency\":\"JPY\"}"),
               "%s", r.out);
    hub_run_free (&r);
    //  Out as OCDS: exact JSON numbers in major units
    s_export (&r, b, "--commission", C3, NULL);
    CHECK_MSG (r.status == 0, "status %d err %s", r.status, r.err);
    CHECK_MSG (strstr (r.out, "\"value\":{\"amount\":450000,\"currency\":\"GBP\"}")
               && strstr (r.out, "\"value\":{\"amount\":1000,\"currency\":\"JPY\"}"),
               "%s", r.out);
    CHECK (s_validate (r.out, NULL) == 0);
    hub_run_free (&r);

    //  A currency outside ISO 4217 List one, sent as protobuf (no text edge
    //  to stop it): INVALID_VALUE naming the field, and nothing stored
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = b->api;
    options.events_endpoint = b->events;
    options.agency = BUYER;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    Cyclehub__V1__Envelope *env = hub_envelope_new (C3, NULL);
    Cyclehub__V1__TenderPublished *tender = hub_envelope_tender_published (env);
    hub_set_string (&tender->procurement_id, "lot-xyz");
    hub_set_string (&tender->title, "Made-up money");
    tender->value = hub_money_new (100, "XYZ");
    tender->procedure = CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN;
    tender->tender_period = hub_period_new (zclock_time (), zclock_time () + 86400000LL);
    hub_result_t result;
    int rc = hub_client_publish (client, env, &result);
    CHECK_MSG (rc == HUB_REJECTED && result.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE
               && streq (result.field, "tender_published.value.currency")
               && strstr (result.reason, "\"XYZ\" is not an ISO 4217 currency code"),
               "rc %d code %d field %s: %s", rc, result.code, result.field, result.reason);
    hub_envelope_destroy (&env);
    hub_client_destroy (&client);
    CHECK (s_stored_tenders (b, C3, events, 4) == 2);
    for (size_t i = 0; i < 2; i++)
        cyclehub__v1__event__free_unpacked (events [i], NULL);
    s_export (&r, b, "--all", NULL);
    CHECK (r.status == 0 && s_validate (r.out, NULL) == 0);
    hub_run_free (&r);
}

int
main (void)
{
    char *dir = hub_test_tmpdir ("export");
    REQUIRE (dir);
    snprintf (s_dir, sizeof s_dir, "%s", dir);
    free (dir);
    hub_proc_src (s_validator, sizeof s_validator, "scripts/ocds-validate");
    REQUIRE (access (s_validator, R_OK) == 0);

    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "export") == 0);
    for (size_t i = 0; i < S_NSTEPS; i++) {
        if (s_steps [i].clock) {
            CHECK (hub_broker_stop (&broker) == 0);
            const char *offset [] = { "--clock-offset", s_steps [i].clock, NULL };
            REQUIRE (hub_broker_start_with (&broker, "export", offset) == 0);
        }
        s_publish (&broker, C1, &s_steps [i]);
    }
    s_publish (&broker, C2, &s_steps [0]);
    s_publish (&broker, C2, &s_steps [1]);

    s_test_procurement (&broker);
    s_test_empty (&broker);
    s_test_errors (&broker);
    s_test_money (&broker);

    hub_broker_cleanup (&broker);
    if (!getenv ("HUB_KEEP_TMP"))
        hub_test_rmtree (s_dir);
    HUB_TEST_DONE ();
}
