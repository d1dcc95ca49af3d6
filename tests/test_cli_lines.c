/*  Publishing from the command line, over real processes: the message
    inline (-m, --json), and many messages as JSON lines (--lines, from a
    file or stdin, each line naming its type or one TYPE for all), each
    line reported (its seq, or its rejection with code and field, or why it
    is not a message) with a summary; the exit status says whether any line
    failed. A 10,000-line file goes through the pipelined publisher.
*/
#include <czmq.h>
#include "hub_test.h"
#include "hub_proc.h"

#define BUYER "GB-LAE-E09000033"
#define OCID  "ocds-h6vhtk-lines1"

static hub_broker_proc_t s_broker;
static char *s_dir;

static void
s_write (const char *name, const char *text, char *path, size_t size)
{
    snprintf (path, size, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fputs (text, file);
    fclose (file);
}

static void
test_inline (void)
{
    hub_run_t run;
    hub_cli (&run, &s_broker, BUYER, NULL, "publish", "commission.opened", "-m",
             "{\"commissionId\": \"" OCID "\", \"commissionOpened\": {\"title\": \"Carers\", "
             "\"buyer\": \"" BUYER "\"}}", NULL);
    CHECK_MSG (run.status == 0 && streq (run.out, "1\n"), "%d %s %s", run.status, run.out, run.err);
    hub_run_free (&run);
    //  --json, the body alone with --commission
    hub_cli (&run, &s_broker, BUYER, NULL, "publish", "partner.update", "--commission", OCID,
             "--json", "{\"title\": \"inline\"}", NULL);
    CHECK_MSG (run.status == 0 && streq (run.out, "2\n"), "%d %s %s", run.status, run.out, run.err);
    hub_run_free (&run);
    //  Bad inline JSON: a usage error naming the flag; with a FILE too: refused
    hub_cli (&run, &s_broker, BUYER, NULL, "publish", "partner.update", "--commission", OCID,
             "-m", "{\"title\": ", NULL);
    CHECK_MSG (run.status == 2 && strstr (run.err, "--json"), "%d %s", run.status, run.err);
    hub_run_free (&run);
    hub_cli (&run, &s_broker, BUYER, NULL, "publish", "partner.update", "x.json", "-m", "{}", NULL);
    CHECK (run.status == 2 && strstr (run.err, "give no FILE"));
    hub_run_free (&run);
}

//  A line of the report, e.g. "3 seq 5": true if report holds it
static bool
s_holds (const char *report, const char *line)
{
    char want [512];
    snprintf (want, sizeof want, "%s\n", line);
    return strstr (report, want) != NULL;
}

static void
test_lines (void)
{
    char path [PATH_MAX + 32];
    s_write ("mixed.jsonl",
        "# partner updates\n"
        "{\"type\": \"partner.update\", \"commissionId\": \"" OCID "\", \"body\": {\"title\": \"a\"}}\n"
        "{\"type\": \"partner.update\", \"body\": {\"title\": \"default commission\"}}\n"
        "{\"type\": \"tender.publish\", \"body\": {}}\n"
        "{\"type\": \"partner.update\", \"commissionId\": \"ocds-h6vhtk-nope\", \"body\": {\"title\": \"x\"}}\n"
        "not json\n"
        "\n"
        "{\"type\": \"partner.update\", \"msgId\": \"m-1\", \"body\": {\"title\": \"once\"}}\n"
        "{\"type\": \"partner.update\", \"msgId\": \"m-1\", \"body\": {\"title\": \"once\"}}\n"
        "{\"type\": \"tender.published\", \"body\": {\"procurementId\": \"p-1\"}}\n",
        path, sizeof path);
    hub_run_t run;
    hub_cli (&run, &s_broker, BUYER, NULL, "publish", "--lines", path, "--commission", OCID, NULL);
    CHECK_MSG (run.status == 2, "mixed: %d %s", run.status, run.err);
    CHECK_MSG (s_holds (run.out, "2 seq 3") && s_holds (run.out, "3 seq 4")
               && s_holds (run.out, "8 seq 5") && s_holds (run.out, "9 seq 5 duplicate"),
               "seqs: %s", run.out);
    CHECK (strstr (run.out, "4 invalid - -: unknown message type 'tender.publish'"));
    CHECK (strstr (run.out, "5 rejected UNKNOWN_COMMISSION commission_id: "));
    CHECK (strstr (run.out, "6 invalid - -: "));
    CHECK (strstr (run.out, "10 rejected MISSING_FIELD tender_published."));
    CHECK_MSG (hub_proc_lines (run.out) == 8, "one report line per message line: %s", run.out);
    CHECK_MSG (strstr (run.err, "4 stored (1 duplicates), 2 rejected, 2 invalid"), "%s", run.err);
    hub_run_free (&run);

    //  From stdin, one TYPE for every line; rejected lines: exit 1
    s_write ("updates.jsonl",
        "{\"title\": \"b\"}\n"
        "{\"title\": \"c\", \"links\": [\"https://example.org\"]}\n"
        "{\"type\": \"partner.update\", \"body\": {\"title\": \"wrapped\"}}\n"
        "{\"commissionId\": \"ocds-h6vhtk-nope\", \"partnerUpdate\": {\"title\": \"d\"}}\n",
        path, sizeof path);
    hub_cli (&run, &s_broker, BUYER, path, "publish", "partner.update", "--lines",
             "--commission", OCID, NULL);
    CHECK_MSG (run.status == 1 && s_holds (run.out, "1 seq 6") && s_holds (run.out, "2 seq 7")
               && s_holds (run.out, "3 seq 8") && strstr (run.out, "4 rejected UNKNOWN_COMMISSION"),
               "%d %s %s", run.status, run.out, run.err);
    hub_run_free (&run);
    //  ... a line of another type is not sent
    s_write ("other.jsonl", "{\"type\": \"needs.assessed\", \"body\": {}}\n", path, sizeof path);
    hub_cli (&run, &s_broker, BUYER, NULL, "publish", "partner.update", "--lines", path,
             "--commission", OCID, NULL);
    CHECK (run.status == 2 && strstr (run.out, "1 invalid - -: the line's \"type\" is needs.assessed"));
    hub_run_free (&run);
    //  --msg-id is one message's
    hub_cli (&run, &s_broker, BUYER, NULL, "publish", "--lines", path, "--msg-id", "x", NULL);
    CHECK (run.status == 2 && strstr (run.err, "msgId"));
    hub_run_free (&run);
    //  Every line stored: exit 0
    s_write ("good.jsonl", "{\"type\": \"partner.update\", \"body\": {\"title\": \"e\"}}\n",
             path, sizeof path);
    hub_cli (&run, &s_broker, BUYER, NULL, "publish", "--lines", path, "--commission", OCID, NULL);
    CHECK_MSG (run.status == 0 && streq (run.out, "1 seq 9\n"), "%d %s", run.status, run.out);
    hub_run_free (&run);
}

static void
test_many (void)
{
    char path [PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/many.jsonl", s_dir);
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    for (int i = 0; i < 10000; i++)
        fprintf (file, "{\"type\": \"partner.update\", \"body\": {\"title\": \"update %d\"}}\n", i);
    fclose (file);
    hub_run_t run;
    hub_cli (&run, &s_broker, BUYER, NULL, "publish", "--lines", path, "--commission", OCID, NULL);
    CHECK_MSG (run.status == 0 && hub_proc_lines (run.out) == 10000
               && s_holds (run.out, "10000 seq 10009")
               && strstr (run.err, "10000 stored (0 duplicates), 0 rejected, 0 invalid"),
               "%d %s", run.status, run.err);
    fprintf (stderr, "  10,000 lines: %s", run.err);
    hub_run_free (&run);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    s_dir = hub_test_tmpdir ("lines");
    REQUIRE (s_dir);
    REQUIRE (hub_broker_start (&s_broker, "lines") == 0);
    test_inline ();
    test_lines ();
    test_many ();
    hub_broker_cleanup (&s_broker);
    hub_test_rmtree (s_dir);
    free (s_dir);
    HUB_TEST_DONE ();
}
