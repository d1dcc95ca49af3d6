/*  history and subscribe filters, over real processes: repeated --type,
    --commission, --agency and --stage are OR'ed (also by the broker: the
    HistoryQuery's repeated fields); a type, stage or agency the hub does
    not know is refused listing the valid ones instead of matching
    nothing; stages spelt as the events spell them (STAGE_PLAN) or short
    (plan); relative starts (--from -N, --since now-1h); subscribe
    --exit-at-end; the output formats json, pretty, table and raw; and the
    type names of the output are the ones the filters take.
*/
#include <czmq.h>
#include "cyclehub.h"
#include "hub_test.h"
#include "hub_proc.h"

#define BUYER "GB-LAE-E09000033"
#define OCID  "ocds-h6vhtk-056931"
#define OTHER "ocds-h6vhtk-filt02"

static hub_broker_proc_t s_broker;

//  Runs the CLI as the buyer; returns its exit status, output in run
static int
s_cli (hub_run_t *run, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, &s_broker, BUYER);
    va_list args;
    va_start (args, run);
    hub_argv_addv (&a, args);
    va_end (args);
    hub_run_argv (run, a.argv, NULL, 30000);
    return run->status;
}

//  Counts lines of text holding needle
static size_t
s_count (const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *line = text; line && *line; ) {
        const char *end = strchr (line, '\n');
        size_t len = end? (size_t) (end - line): strlen (line);
        char *copy = strndup (line, len);
        n += copy && strstr (copy, needle) != NULL;
        free (copy);
        line = end? end + 1: line + len;
    }
    return n;
}

//  The events: OCID opened, needs, priorities (-> plan); OTHER opened,
//  a partner update on it
static void
s_publish_all (void)
{
    char path [PATH_MAX];
    hub_run_t run;
    const char *files [] = { "01-commission-opened.json", "02-needs-assessed.json",
                             "03-priorities-agreed.json" };
    const char *types [] = { "commission.opened", "needs.assessed", "priorities.agreed" };
    for (int i = 0; i < 3; i++) {
        char rel [128];
        snprintf (rel, sizeof rel, "tests/data/cycle/%s", files [i]);
        hub_proc_src (path, sizeof path, rel);
        REQUIRE (s_cli (&run, "publish", types [i], path, "--commission", OCID, NULL) == 0);
        hub_run_free (&run);
    }
    REQUIRE (s_cli (&run, "commission", "open", "--commission", OTHER, "--title", "Carers",
                    "--buyer", BUYER, NULL) == 0);
    hub_run_free (&run);
    REQUIRE (s_cli (&run, "commission", "update", "--commission", OTHER, "--title", "News",
                    NULL) == 0);
    hub_run_free (&run);
}

static void
test_or (void)
{
    hub_run_t run;
    //  Two types: both kinds, nothing else
    CHECK (s_cli (&run, "history", "--type", "commission.opened", "--type", "needs.assessed",
                  NULL) == 0);
    CHECK_MSG (hub_proc_lines (run.out) == 3 && s_count (run.out, "commission.opened") == 2
               && s_count (run.out, "needs.assessed") == 1, "%s", run.out);
    hub_run_free (&run);
    //  One commission, then two; types and commissions together (AND)
    CHECK (s_cli (&run, "history", "--commission", OTHER, NULL) == 0 && hub_proc_lines (run.out) == 2);
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--commission", OTHER, "--commission", OCID, NULL) == 0
           && hub_proc_lines (run.out) == 5);
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--commission", OTHER, "--commission", OCID, "--type",
                  "partner.update", "--type", "priorities.agreed", NULL) == 0);
    CHECK_MSG (hub_proc_lines (run.out) == 2 && s_count (run.out, "partner.update") == 1,
               "%s", run.out);
    hub_run_free (&run);
    //  Agencies: one that sent nothing adds nothing
    CHECK (s_cli (&run, "history", "--agency", "GB-NHS-RWE", NULL) == 0 && *run.out == 0);
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--agency", "GB-NHS-RWE", "--agency", BUYER, NULL) == 0
           && hub_proc_lines (run.out) == 5);
    hub_run_free (&run);
    //  Stages, spelt either way
    CHECK (s_cli (&run, "history", "--stage", "STAGE_PLAN", NULL) == 0);
    char *long_form = strdup (run.out);
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--stage", "plan", NULL) == 0);
    CHECK_MSG (hub_proc_lines (run.out) == 1 && streq (run.out, long_form)
               && strstr (run.out, "\"stage\":\"STAGE_PLAN\""), "%s", run.out);
    free (long_form);
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--stage", "plan", "--stage", "ANALYSE", NULL) == 0
           && hub_proc_lines (run.out) == 5);
    hub_run_free (&run);
}

static void
test_refused (void)
{
    hub_run_t run;
    CHECK (s_cli (&run, "history", "--type", "tender.publish", NULL) == 2);
    CHECK_MSG (strstr (run.err, "unknown type 'tender.publish'") && strstr (run.err, "tender.published")
               && *run.out == 0, "%s", run.err);
    hub_run_free (&run);
    //  Another spelling of a type (its JSON member, message, command) is
    //  refused naming the type's one name
    CHECK (s_cli (&run, "subscribe", "--type", "responseSubmitted", NULL) == 2
           && strstr (run.err, "the type's name is consultation.response"));
    hub_run_free (&run);
    CHECK (s_cli (&run, "publish", "consult respond", "-m", "{}", NULL) == 2
           && strstr (run.err, "the type's name is consultation.response"));
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--type", "ResponseSubmitted", NULL) == 2
           && strstr (run.err, "the type's name is consultation.response"));
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--stage", "done", NULL) == 2
           && strstr (run.err, "analyse, plan, do, review, closed"));
    hub_run_free (&run);
    CHECK (s_cli (&run, "subscribe", "--stage", "STAGE_DONE", NULL) == 2);
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--agency", "tower-hamlets", NULL) == 2
           && strstr (run.err, "not an org-id"));
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--format", "xml", NULL) == 2
           && strstr (run.err, "json, pretty, table or raw"));
    hub_run_free (&run);
    //  The broker bounds the lists too
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = s_broker.api;
    options.agency = BUYER;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    char *types [33];
    for (int i = 0; i < 33; i++)
        types [i] = "partner.update";
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    query.n_types = 33;
    query.types = types;
    Cyclehub__V1__Reply *reply = NULL;
    hub_result_t result;
    CHECK (hub_client_history (client, &query, &reply, &result) == HUB_REJECTED
           && result.code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INVALID_VALUE);
    query.n_types = 32;
    CHECK (hub_client_history (client, &query, &reply, &result) == HUB_OK
           && reply->page->n_events == 1);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    hub_client_destroy (&client);
}

static void
test_starts_and_formats (void)
{
    hub_run_t run;
    CHECK (s_cli (&run, "history", "--from", "-2", "--format", "table", NULL) == 0);
    CHECK_MSG (hub_proc_lines (run.out) == 2 && strncmp (run.out, "4 ", 2) == 0
               && strstr (run.out, "5      ") && strstr (run.out, "partner.update")
               && strstr (run.out, OTHER) && strstr (run.out, " analyse "), "%s", run.out);
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--since", "now-1h", NULL) == 0 && hub_proc_lines (run.out) == 5);
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--since", "now+1h", NULL) == 0 && *run.out == 0);
    hub_run_free (&run);
    //  raw: the body alone
    CHECK (s_cli (&run, "history", "--type", "partner.update", "--format", "raw", NULL) == 0);
    CHECK_MSG (streq (run.out, "{\"title\":\"News\"}\n"), "%s", run.out);
    hub_run_free (&run);
    CHECK (s_cli (&run, "history", "--from", "5", "--format", "pretty", NULL) == 0
           && hub_proc_lines (run.out) > 5 && strstr (run.out, "\n  \"seq\""));
    hub_run_free (&run);
    //  Every type name the output shows is one the filter takes
    CHECK (s_cli (&run, "history", NULL) == 0);
    char *all = strdup (run.out);
    hub_run_free (&run);
    for (char *at = strstr (all, "\"type\":\""); at; at = strstr (at + 1, "\"type\":\"")) {
        char type [64];
        REQUIRE (sscanf (at + 8, "%63[^\"]", type) == 1);
        CHECK_MSG (s_cli (&run, "history", "--type", type, NULL) == 0 && *run.out, "%s", type);
        hub_run_free (&run);
    }
    free (all);
}

static void
test_subscribe (void)
{
    hub_run_t run;
    //  Catches up, then exits: no --count or --idle needed
    CHECK (s_cli (&run, "subscribe", "--exit-at-end", NULL) == 0);
    CHECK_MSG (hub_proc_lines (run.out) == 5 && run.elapsed_ms < 10000, "%d %s %s", run.status,
               run.out, run.err);
    hub_run_free (&run);
    CHECK (s_cli (&run, "subscribe", "--exit-at-end", "--stage", "plan", "--format", "table",
                  NULL) == 0);
    CHECK_MSG (hub_proc_lines (run.out) == 1 && strstr (run.out, "priorities.agreed")
               && strstr (run.out, " plan "), "%s %s", run.out, run.err);
    hub_run_free (&run);
    CHECK (s_cli (&run, "subscribe", "--exit-at-end", "--type", "commission.opened", "--type",
                  "partner.update", NULL) == 0);
    CHECK_MSG (hub_proc_lines (run.out) == 3 && s_count (run.out, "needs.assessed") == 0, "%s",
               run.out);
    hub_run_free (&run);
    //  One value: the subscriber's own filter, whose pages skip the rest
    CHECK (s_cli (&run, "subscribe", "--exit-at-end", "--type", "needs.assessed", NULL) == 0);
    CHECK_MSG (hub_proc_lines (run.out) == 1 && strstr (run.out, "needs.assessed"), "%s %s",
               run.out, run.err);
    hub_run_free (&run);
    CHECK (s_cli (&run, "subscribe", "--exit-at-end", "--from", "-1", "--format", "raw",
                  NULL) == 0 && streq (run.out, "{\"title\":\"News\"}\n"));
    hub_run_free (&run);
    CHECK (s_cli (&run, "subscribe", "--exit-at-end", "--since", "now+1h", NULL) == 0
           && *run.out == 0);
    hub_run_free (&run);
    CHECK (s_cli (&run, "subscribe", "--exit-at-end", "--from", "now", NULL) == 2);
    hub_run_free (&run);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    REQUIRE (hub_broker_start (&s_broker, "filters") == 0);
    s_publish_all ();
    test_or ();
    test_refused ();
    test_starts_and_formats ();
    test_subscribe ();
    hub_broker_cleanup (&s_broker);
    HUB_TEST_DONE ();
}
