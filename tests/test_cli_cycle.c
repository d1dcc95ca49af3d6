/*  test_cli_cycle: the cyclehub CLI against a real cyclehubd. Publishes a
    whole commissioning cycle from the JSON files in tests/data/cycle/ and
    a second commission from flags (consult / procure / monitor commands),
    checking seqs, stages, the commission state, history and status.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include <jansson.h>
#include <time.h>
#include "hub_time.h"
#include "hub_number.h"

#define COMMISSION "ocds-h6vhtk-056931"
#define BUYER      "GB-LAE-E09000033"

//  Parses r->out as one JSON object (NULL if it is not one)
static json_t *
s_json (const hub_run_t *r)
{
    json_error_t error;
    json_t *json = json_loads (r->out, 0, &error);
    if (!json)
        fprintf (stderr, "not JSON (%s): %s\n", error.text, r->out);
    return json;
}

static const char *
s_str (json_t *obj, const char *key)
{
    const char *value = json_string_value (json_object_get (obj, key));
    return value? value: "";
}

//  The commission's stage name, as JSON gives it ("STAGE_PLAN")
static char *
s_stage (const hub_broker_proc_t *b, const char *commission)
{
    hub_run_t r;
    hub_cli (&r, b, BUYER, NULL, "commission", commission, NULL);
    char *stage = NULL;
    json_t *json = r.status == 0? s_json (&r): NULL;
    if (json)
        stage = strdup (s_str (json, "stage"));
    json_decref (json);
    hub_run_free (&r);
    return stage? stage: strdup ("?");
}

static void
s_upper_stage (char *buf, size_t size, const char *stage)
{
    snprintf (buf, size, "STAGE_%s", stage);
    for (char *c = buf; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char) (*c - 'a' + 'A');
}

//  Restarts the broker on the same store and ports with its clock `offset`
//  from the wall clock (cyclehubd --clock-offset; NULL for none)
static void
s_restart (hub_broker_proc_t *b, const char *offset)
{
    CHECK (hub_broker_stop (b) == 0);
    const char *extra [] = { "--clock-offset", offset, NULL };
    REQUIRE (hub_broker_start_with (b, "cli-cycle", offset? extra: NULL) == 0);
}

//  Restarts the broker with its clock at `when` (YYYY-MM-DDTHH:MM:SSZ)
static void
s_clock_at (hub_broker_proc_t *b, const char *when)
{
    int64_t ms;
    REQUIRE (hub_time_parse (when, &ms, NULL, 0) == 0);
    char offset [32];
    snprintf (offset, sizeof offset, "%+llds", (long long) (ms / 1000 - time (NULL)));
    s_restart (b, offset);
}

//  Publishes the cycle of tests/data/cycle/cycle.txt ("@clock TIME" lines
//  restart the broker with its clock at TIME). Returns the count.
static int
s_publish_cycle (hub_broker_proc_t *b)
{
    char dir [PATH_MAX], manifest [PATH_MAX + 16];
    hub_proc_src (dir, sizeof dir, "tests/data/cycle");
    snprintf (manifest, sizeof manifest, "%s/cycle.txt", dir);
    FILE *file = fopen (manifest, "r");
    REQUIRE (file);
    char line [512];
    int count = 0;
    while (fgets (line, sizeof line, file)) {
        char name [128], type [64], agency [64], stage [32];
        if (sscanf (line, "@clock %63s", type) == 1) {
            s_clock_at (b, type);
            continue;
        }
        if (line [0] == '#' || sscanf (line, "%127s %63s %63s %31s", name, type, agency, stage) != 4)
            continue;
        char path [PATH_MAX + 200];
        snprintf (path, sizeof path, "%s/%s", dir, name);
        hub_run_t r;
        hub_cli (&r, b, agency, NULL, "publish", type, path, "--commission", COMMISSION, NULL);
        count++;
        char expect [32];
        snprintf (expect, sizeof expect, "%d\n", count);
        CHECK_MSG (r.status == 0 && streq (r.out, expect),
                   "%s: status %d out '%s' err '%s'", name, r.status, r.out, r.err);
        hub_run_free (&r);
        char want [64];
        s_upper_stage (want, sizeof want, stage);
        char *got = s_stage (b, COMMISSION);
        CHECK_MSG (streq (got, want), "after %s: stage %s, expected %s", name, got, want);
        free (got);
    }
    fclose (file);
    return count;
}

static void
s_check_state (const hub_broker_proc_t *b, int count)
{
    hub_run_t r;
    hub_cli (&r, b, BUYER, NULL, "commission", COMMISSION, "--pretty", NULL);
    CHECK (r.status == 0);
    json_t *state = s_json (&r);
    REQUIRE (state);
    CHECK (streq (s_str (state, "stage"), "STAGE_ANALYSE"));
    CHECK (json_integer_value (json_object_get (state, "cycle")) == 2);
    CHECK (streq (s_str (state, "owner"), BUYER));
    char last [32];
    snprintf (last, sizeof last, "%d", count);
    CHECK (streq (s_str (state, "lastSeq"), last));
    json_t *consultation = json_array_get (json_object_get (state, "consultations"), 0);
    CHECK (streq (s_str (consultation, "status"), "STATUS_OUTCOME_PUBLISHED"));
    CHECK (json_integer_value (json_object_get (consultation, "responses")) == 2);
    json_t *procurement = json_array_get (json_object_get (state, "procurements"), 0);
    CHECK (streq (s_str (procurement, "status"), "STATUS_CONTRACTED"));
    json_t *contract = json_array_get (json_object_get (state, "contracts"), 0);
    CHECK (streq (s_str (contract, "contractId"), "contract-1"));
    CHECK (streq (s_str (contract, "status"), "STATUS_ACTIVE"));
    json_decref (state);
    hub_run_free (&r);

    //  An unknown commission is a rejection
    hub_cli (&r, b, BUYER, NULL, "commission", "ocds-h6vhtk-nosuch", NULL);
    CHECK_MSG (r.status == 1 && strstr (r.err, "UNKNOWN_COMMISSION"), "status %d err %s",
               r.status, r.err);
    hub_run_free (&r);
}

//  The value after `label` at the start of a line of text, or NULL
static const char *
s_line (const char *text, const char *label)
{
    size_t len = strlen (label);
    for (const char *line = text; line && *line; line = strchr (line, '\n'), line += !!line)
        if (strncmp (line, label, len) == 0 && line [len] == ' ')
            return line + len + strspn (line + len, " ");
    return NULL;
}

//  `status --format table` says what the JSON status (json) says, with
//  the zeros the JSON leaves out; a format it has not is a usage error
static void
s_check_status_table (const hub_broker_proc_t *b, json_t *json, int count)
{
    hub_run_t r;
    hub_cli (&r, b, BUYER, NULL, "status", "--format", "table", NULL);
    CHECK_MSG (r.status == 0, "status %d err %s", r.status, r.err);
    const char *hub = s_line (r.out, "hub"), *last = s_line (r.out, "last seq");
    CHECK (hub && strncmp (hub, s_str (json, "hubId"), 16) == 0);
    CHECK_MSG (last && atoi (last) == count, "%s", r.out);
    //  The store's size as the dashboard writes it (hub_number_bytes)
    char used [32], most [32], want [80];
    hub_number_bytes (strtoull (s_str (json, "storeBytes"), NULL, 10), used, sizeof used);
    hub_number_bytes (strtoull (s_str (json, "storeMaxBytes"), NULL, 10), most, sizeof most);
    snprintf (want, sizeof want, "%s of %s\n", used, most);
    const char *size = s_line (r.out, "store");
    CHECK_MSG (size && strncmp (size, want, strlen (want)) == 0, "want %s in %s", want, r.out);
    const char *subscribers = s_line (r.out, "subscribers");
    CHECK (subscribers && strncmp (subscribers, "0\n", 2) == 0);
    const char *commits = s_line (r.out, "commits");
    CHECK (commits && atoll (commits) == atoll (s_str (json, "batches")) && atoll (commits) > 0);
    //  Each stage of the budget: its count, and p50 <= p99 <= max
    json_t *stage;
    size_t i, stages = 0;
    json_array_foreach (json_object_get (json, "latency"), i, stage) {
        const char *name = s_str (stage, "stage");
        const char *line = s_line (r.out, name);
        unsigned long long n = 0, mean = 0, p50 = 0, p99 = 0, max = 0;
        CHECK_MSG (line && sscanf (line, "%llu %llu %llu %llu %llu", &n, &mean, &p50, &p99,
                                   &max) == 5, "stage %s in %s", name, r.out);
        if (streq (name, "commit"))
            CHECK (n == strtoull (s_str (stage, "count"), NULL, 10) && n > 0 && max > 0);
        CHECK_MSG (p50 <= p99 && p99 <= max && mean <= max, "%s: %s", name, line);
        stages++;
    }
    CHECK (stages >= 5);
    const char *types = s_line (r.out, "by type");
    CHECK (types && strstr (types, "commission.opened 1"));
    hub_run_free (&r);

    hub_cli (&r, b, BUYER, NULL, "status", "--format", "raw", NULL);
    CHECK (r.status == 2 && strstr (r.err, "json, pretty or table") && !*r.out);
    hub_run_free (&r);
    hub_cli (&r, b, BUYER, NULL, "commission", COMMISSION, "--format", "table", NULL);
    CHECK (r.status == 2 && strstr (r.err, "--pretty"));
    hub_run_free (&r);
}

static void
s_check_history (const hub_broker_proc_t *b, int count)
{
    hub_run_t r;
    hub_cli (&r, b, BUYER, NULL, "history", NULL);
    CHECK (r.status == 0);
    CHECK_MSG ((int) hub_proc_lines (r.out) == count, "%zu lines", hub_proc_lines (r.out));
    //  Seqs 1..count in order, and the types of the manifest
    char *save = NULL;
    int expect = 1;
    for (char *line = strtok_r (r.out, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        json_t *event = json_loads (line, 0, NULL);
        char seq [32];
        snprintf (seq, sizeof seq, "%d", expect++);
        CHECK_MSG (event && streq (s_str (event, "seq"), seq), "line %s", line);
        json_decref (event);
    }
    hub_run_free (&r);

    //  The resident's personal data is readable by the commission's owner only
    hub_cli (&r, b, BUYER, NULL, "history", "--type", "consultation.response", NULL);
    CHECK (r.status == 0 && hub_proc_lines (r.out) == 2);
    CHECK (strstr (r.out, "resident@example.org"));
    hub_run_free (&r);
    hub_cli (&r, b, "GB-NHS-RWE", NULL, "history", "--type", "consultation.response", NULL);
    CHECK (r.status == 0 && hub_proc_lines (r.out) == 2);
    CHECK_MSG (!strstr (r.out, "resident@example.org"), "%s", r.out);
    hub_run_free (&r);
    hub_cli (&r, b, BUYER, NULL, "history", "--agency", "GB-COH-01234567", NULL);
    CHECK (r.status == 0 && hub_proc_lines (r.out) == 2);
    hub_run_free (&r);
    hub_cli (&r, b, BUYER, NULL, "history", "--stage", "do", "--commission", COMMISSION, NULL);
    CHECK_MSG (r.status == 0 && hub_proc_lines (r.out) == 7, "%zu lines", hub_proc_lines (r.out));
    hub_run_free (&r);
    hub_cli (&r, b, BUYER, NULL, "history", "--from", "3", "--limit", "4", NULL);
    CHECK (r.status == 0 && hub_proc_lines (r.out) == 4 && strstr (r.out, "\"seq\":\"3\""));
    hub_run_free (&r);
    //  Recorded by the broker's clock, as cycle.txt set it
    hub_cli (&r, b, BUYER, NULL, "history", "--since", "2026-02-10T00:00:00Z",
             "--until", "2026-10-06T00:00:00Z", NULL);
    CHECK (r.status == 0 && (int) hub_proc_lines (r.out) == count);
    hub_run_free (&r);
    hub_cli (&r, b, BUYER, NULL, "history", "--since", "2026-05-15T00:00:00Z",
             "--until", "2026-10-06T00:00:00Z", NULL);
    CHECK_MSG (r.status == 0 && hub_proc_lines (r.out) == 5, "%zu lines", hub_proc_lines (r.out));
    hub_run_free (&r);

    hub_cli (&r, b, BUYER, NULL, "status", NULL);
    CHECK (r.status == 0);
    json_t *status = s_json (&r);
    char last [32];
    snprintf (last, sizeof last, "%d", count);
    CHECK (status && streq (s_str (status, "lastSeq"), last));
    hub_run_free (&r);
    s_check_status_table (b, status, count);
    json_decref (status);
}

//  A second commission, every message from flags.
typedef struct {
    const char *agency;
    const char *args [24];
    const char *stage;              //  after it
    const char *clock;              //  restart the broker first with this --clock-offset
} s_step_t;

#define C2 "ocds-h6vhtk-flags01"

static const s_step_t s_steps [] = {
    { BUYER, { "commission", "open", "--title", "Carers support", "--buyer", BUYER,
               "--partners", "GB-NHS-RWE", "--partners", "GB-CHC-1234567" }, "analyse", NULL },
    { BUYER, { "commission", "needs", "--population", "Unpaid carers",
               "--need-statements", "Respite is hard to find" }, "analyse", NULL },
    { BUYER, { "consult", "open", "--consultation-id", "c-1", "--title", "Carers survey",
               "--opens-at", "2026-01-01T00:00:00Z", "--closes-at", "now+30d",
               "--ways-to-respond", "online" }, "analyse", NULL },
    { "GB-CHC-1234567", { "consult", "respond", "--consultation-id", "c-1", "--response-id", "r-1",
               "--respondent-type", "carer", "--retention-until", "now+365d",
               "--answers", "{\"questionId\":\"q1\",\"choice\":\"yes\"}",
               "--personal-full-name", "A Carer", "--consent-to-publish" }, "analyse", NULL },
    { BUYER, { "consult", "close", "--consultation-id", "c-1",
               "--early-close-reason", "Survey target reached" }, "analyse", NULL },
    { BUYER, { "consult", "outcome", "--consultation-id", "c-1", "--summary", "More respite" }, "analyse", NULL },
    { BUYER, { "commission", "priorities", "--priorities", "Respite", "--priorities", "Advice" }, "plan", NULL },
    { BUYER, { "commission", "strategy", "--title", "Carers strategy" }, "plan", NULL },
    { BUYER, { "procure", "plan", "--procurement-id", "lot-a", "--title", "Respite service",
               "--kind", "planned-procurement", "--estimated-value", "250000",
               "--expected-tender", "now+7d" }, "plan", NULL },
    { BUYER, { "procure", "tender", "--procurement-id", "lot-a", "--title", "Respite service",
               "--value", "250000.00", "--procedure", "open", "--tender-period-start", "now",
               "--tender-period-end", "now+30d", "--social-value-weight-pct", "15" }, "do", NULL },
    { BUYER, { "procure", "amend", "--procurement-id", "lot-a", "--new-deadline", "now+40d" }, "do", NULL },
    //  The broker's clock past the (amended) tender deadline, then past the standstill
    { BUYER, { "procure", "close", "--procurement-id", "lot-a", "--bids-received", "3" }, "do",
      "+41d" },
    { BUYER, { "procure", "award", "--procurement-id", "lot-a", "--award-id", "aw-1",
               "--suppliers", "GB-COH-01234567", "--value", "240000.5",
               "--standstill-ends", "now+60d" }, "do", NULL },
    { BUYER, { "procure", "contract", "--contract-id", "k-1", "--award-id", "aw-1",
               "--period-start", "now+61d", "--period-end", "now+730d", "--value", "240000.50",
               "--kpis", "{\"code\":\"K1\",\"unit\":\"%\",\"target\":90}" }, "do", "+61d" },
    { "GB-COH-01234567", { "monitor", "kpi", "--contract-id", "k-1", "--kpi-code", "K1",
               "--period-start", "now-30d", "--period-end", "now", "--value", "91.5",
               "--target", "90", "--rating", "green" }, "do", NULL },
    { "GB-COH-01234567", { "monitor", "milestone", "--contract-id", "k-1", "--milestone-id", "m-1",
               "--title", "Mobilised", "--status", "complete", "--due", "now-10d",
               "--completed", "now-12d" }, "do", NULL },
    { "GB-COH-01234567", { "monitor", "payment", "--contract-id", "k-1", "--payment-id", "p-1",
               "--amount", "20000", "--invoice-received", "now-20d", "--paid", "now-5d" }, "do", NULL },
    { "GB-NHS-RWE", { "monitor", "social-value", "--contract-id", "k-1", "--framework", "TOMs",
               "--measure-code", "NT1", "--unit", "FTE", "--quantity", "2",
               "--period-start", "now-30d", "--period-end", "now" }, "do", NULL },
    { BUYER, { "procure", "change", "--contract-id", "k-1", "--description", "Extra weekend hours",
               "--new-value", "260000" }, "do", NULL },
    { BUYER, { "monitor", "evaluation", "--title", "Year one" }, "review", NULL },
    { BUYER, { "monitor", "decision", "--decision", "decommission", "--reason", "Moved to NHS" },
      "closed", NULL },
};

static void
s_publish_flags (hub_broker_proc_t *b, int first_seq)
{
    int seq = first_seq;
    for (size_t i = 0; i < sizeof s_steps / sizeof s_steps [0]; i++) {
        const s_step_t *step = &s_steps [i];
        if (step->clock)
            s_restart (b, step->clock);
        hub_argv_t a;
        hub_argv_init (&a, b, step->agency);
        hub_argv_add (&a, step->args [0]);
        hub_argv_add (&a, step->args [1]);
        hub_argv_add (&a, "--commission");
        hub_argv_add (&a, C2);
        for (int k = 2; step->args [k]; k++)
            hub_argv_add (&a, step->args [k]);
        hub_run_t r;
        hub_run_argv (&r, a.argv, NULL, 60000);
        char expect [32];
        snprintf (expect, sizeof expect, "%d\n", seq++);
        CHECK_MSG (r.status == 0 && streq (r.out, expect), "%s %s: status %d out '%s' err '%s'",
                   step->args [0], step->args [1], r.status, r.out, r.err);
        hub_run_free (&r);
        char want [64];
        s_upper_stage (want, sizeof want, step->stage);
        char *got = s_stage (b, C2);
        CHECK_MSG (streq (got, want), "after %s %s: stage %s, expected %s",
                   step->args [0], step->args [1], got, want);
        free (got);
    }
    //  Money from flags (--value 240000.5) comes back exactly, in major units
    hub_run_t r;
    hub_cli (&r, b, BUYER, NULL, "history", "--commission", C2, "--type", "award.made", NULL);
    CHECK_MSG (strstr (r.out, "\"value\":{\"amount\":\"240000.50\",\"currency\":\"GBP\"}"),
               "%s", r.out);
    hub_run_free (&r);
    //  A closed commission takes no more messages: rejected, exit 1
    hub_cli (&r, b, BUYER, NULL, "commission", "update", "--commission", C2, "--title", "late", NULL);
    CHECK_MSG (r.status == 1 && strstr (r.err, "ILLEGAL_TRANSITION"), "status %d err %s",
               r.status, r.err);
    hub_run_free (&r);
}

int
main (void)
{
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "cli-cycle") == 0);

    int count = s_publish_cycle (&broker);
    CHECK (count == 18);
    s_check_state (&broker, count);
    s_check_history (&broker, count);

    //  Publishing the first file again: it has a msgId, so it is a retry
    char path [PATH_MAX];
    hub_proc_src (path, sizeof path, "tests/data/cycle/01-commission-opened.json");
    hub_run_t r;
    hub_cli (&r, &broker, BUYER, NULL, "publish", "commission.opened", path, NULL);
    CHECK_MSG (r.status == 0 && streq (r.out, "1 duplicate\n"), "status %d out %s err %s",
               r.status, r.out, r.err);
    hub_run_free (&r);
    //  ... from stdin, too
    hub_cli (&r, &broker, BUYER, path, "publish", "commission.opened", "-", NULL);
    CHECK_MSG (r.status == 0 && streq (r.out, "1 duplicate\n"), "stdin: status %d out %s",
               r.status, r.out);
    hub_run_free (&r);

    //  The second commission runs by the wall clock, then ahead of it
    s_restart (&broker, NULL);
    s_publish_flags (&broker, count + 1);

    hub_broker_cleanup (&broker);
    HUB_TEST_DONE ();
}
