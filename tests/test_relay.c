/*  test_relay: `cyclehub relay webhook` end to end: a real cyclehubd, the
    relay as a real process, and tests/webhook_receiver.py as the HTTP
    receiver (it verifies every signature and can be told to fail).
    Checks order, exactly-once across retries and SIGTERM, at most one
    repeat across SIGKILL, dead-lettering, Retry-After, and the FHIR format.
    The library (clients/integrations/relay) is also called directly for
    its configuration checks.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "cyclehub.h"
#include "hub_relay.h"
#include <inttypes.h>
#include <jansson.h>

#define COMMISSION "ocds-h6vhtk-relay01"
#define BUYER      "GB-LAE-E09000033"
#define SECRET     "s3cret-shared-with-the-receiver"

typedef struct {
    pid_t pid;
    int port;
    char url [64];
    char log [PATH_MAX + 32];
} s_receiver_t;

static char s_dir [PATH_MAX];           //  this test's temp dir
static char s_secret [PATH_MAX + 16];   //  the relay's secret file
static char s_wrong [PATH_MAX + 16];    //  a different secret

static void
s_write_file (const char *path, const char *text)
{
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fputs (text, file);
    fclose (file);
    chmod (path, 0600);
}

//  Starts the receiver; extra arguments (NULL-terminated) script it.
static void
s_receiver_start (s_receiver_t *r, const char *name, const char *secret_file, ...)
{
    memset (r, 0, sizeof *r);
    char script [PATH_MAX], port_file [PATH_MAX + 64];
    hub_proc_src (script, sizeof script, "tests/webhook_receiver.py");
    snprintf (r->log, sizeof r->log, "%s/%s.log", s_dir, name);
    snprintf (port_file, sizeof port_file, "%s/%s.port", s_dir, name);
    char *argv [32] = { "/usr/bin/python3", script, "--secret-file", (char *) secret_file,
                        "--log", r->log, "--port-file", port_file };
    int argc = 8;
    va_list args;
    va_start (args, secret_file);
    const char *arg;
    while ((arg = va_arg (args, const char *)) && argc < 30)
        argv [argc++] = (char *) arg;
    va_end (args);
    argv [argc] = NULL;
    r->pid = hub_proc_spawn (argv, NULL, NULL, NULL);
    REQUIRE (r->pid > 0);
    int64_t deadline = hub_proc_now_ms () + 10000;
    while (!r->port && hub_proc_now_ms () < deadline) {
        char *text = hub_proc_slurp (port_file);
        if (text)
            r->port = atoi (text);
        free (text);
        if (!r->port)
            hub_proc_sleep_ms (20);
    }
    REQUIRE (r->port > 0);
    snprintf (r->url, sizeof r->url, "http://127.0.0.1:%d/hook", r->port);
}

static void
s_receiver_stop (s_receiver_t *r)
{
    if (r->pid > 0)
        hub_proc_stop (r->pid, SIGTERM, 5000);
    r->pid = 0;
}

//  Starts the relay against broker b and receiver url; extra flags follow.
static pid_t
s_relay_start (const hub_broker_proc_t *b, const char *url, const char *secret,
               const char *cursor, const char *err_path, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, b, BUYER);
    const char *fixed [] = { "relay", "webhook", "--url", url, "--secret-file", secret,
                             "--cursor", cursor, "--backoff-ms", "20", "--backoff-max-ms",
                             "200", "--timeout", "5000" };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed [0]; i++)
        hub_argv_add (&a, fixed [i]);
    va_list args;
    va_start (args, err_path);
    hub_argv_addv (&a, args);
    va_end (args);
    pid_t pid = hub_proc_spawn (a.argv, NULL, NULL, err_path);
    REQUIRE (pid > 0);
    return pid;
}

//  The receiver's log: one JSON object per request, in arrival order.
static json_t *
s_log (const s_receiver_t *r)
{
    json_t *list = json_array ();
    char *text = hub_proc_slurp (r->log);
    char *save = NULL;
    for (char *line = text? strtok_r (text, "\n", &save): NULL; line;
         line = strtok_r (NULL, "\n", &save)) {
        json_t *entry = json_loads (line, 0, NULL);
        if (entry)
            json_array_append_new (list, entry);
    }
    free (text);
    return list;
}

static const char *
s_str (json_t *obj, const char *key)
{
    const char *value = json_string_value (json_object_get (obj, key));
    return value? value: "";
}

static int
s_status (json_t *entry)
{
    return (int) json_integer_value (json_object_get (entry, "status"));
}

//  Requests that got 2xx with seq >= first and the event type (not heartbeats)
static size_t
s_count_ok (const s_receiver_t *r)
{
    json_t *log = s_log (r);
    size_t i, n = 0;
    json_t *entry;
    json_array_foreach (log, i, entry)
        n += s_status (entry) == 200 && *s_str (entry, "seq");
    json_decref (log);
    return n;
}

//  Waits until the receiver accepted `want` events. Returns true if so.
static bool
s_wait_ok (const s_receiver_t *r, size_t want, int timeout_ms)
{
    int64_t deadline = hub_proc_now_ms () + timeout_ms;
    while (hub_proc_now_ms () < deadline) {
        if (s_count_ok (r) >= want)
            return true;
        hub_proc_sleep_ms (20);
    }
    return false;
}

static size_t
s_count_requests (const s_receiver_t *r)
{
    json_t *log = s_log (r);
    size_t n = json_array_size (log);
    json_decref (log);
    return n;
}

static uint64_t
s_cursor (const char *path)
{
    char *text = hub_proc_slurp (path);
    uint64_t value = text? strtoull (text, NULL, 10): UINT64_MAX;
    free (text);
    return value;
}

//  Publishes count events (a commission.opened first on a fresh hub).
static void
s_publish (const hub_broker_proc_t *b, int count, bool open)
{
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = b->api;
    options.events_endpoint = b->events;
    options.agency = BUYER;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    for (int i = 0; i < count; i++) {
        Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__CommissionOpened opened = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
        Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
        char title [64];
        env.commission_id = COMMISSION;
        if (open && i == 0) {
            opened.title = "Relay test commission";
            opened.buyer = BUYER;
            env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
            env.commission_opened = &opened;
        }
        else {
            snprintf (title, sizeof title, "Update %d", i);
            update.title = title;
            update.body = "Ünïcode and \"quotes\" travel as they are";
            env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
            env.partner_update = &update;
        }
        hub_result_t result;
        int rc = hub_client_publish (client, &env, &result);
        CHECK_MSG (rc == HUB_OK, "publish %d: %s %s", i, hub_strerror (rc), result.reason);
    }
    hub_client_destroy (&client);
}

//  Checks that the accepted deliveries are seqs first..last, each once, in
//  order, except at most `repeats` repeated (the seq just accepted, sent
//  again), that no request ran ahead of the next seq due, and that every
//  request was authentic and its body names the seq of its header.
static void
s_check_stream (const s_receiver_t *r, uint64_t first, uint64_t last, int repeats)
{
    json_t *log = s_log (r);
    uint64_t next = first;
    int repeated = 0;
    size_t i;
    json_t *entry;
    json_array_foreach (log, i, entry) {
        CHECK_MSG (json_is_true (json_object_get (entry, "verified")), "request %zu: %s",
                   i, s_str (entry, "reason"));
        const char *seq_text = s_str (entry, "seq");
        if (!*seq_text)
            continue;               //  a heartbeat
        uint64_t seq = strtoull (seq_text, NULL, 10);
        json_t *body = json_loads (s_str (entry, "body"), 0, NULL);
        CHECK_MSG (body && streq (s_str (body, "seq"), seq_text), "body of seq %s", seq_text);
        json_decref (body);
        CHECK_MSG (seq == next || seq + 1 == next, "request for %" PRIu64 " when %" PRIu64
                   " was due", seq, next);
        if (s_status (entry) == 200) {
            if (seq == next)
                next++;
            else
                repeated++;
        }
    }
    json_decref (log);
    CHECK_MSG (next == last + 1, "delivered up to %" PRIu64 ", expected %" PRIu64,
               next - 1, last);
    CHECK_MSG (repeated <= repeats, "%d repeats", repeated);
}

//  Accepted seqs in arrival order, for exact comparisons.
static char *
s_accepted (const s_receiver_t *r)
{
    json_t *log = s_log (r);
    size_t size = 16 * (json_array_size (log) + 1);
    char *list = calloc (1, size);
    size_t i;
    json_t *entry;
    json_array_foreach (log, i, entry)
        if (s_status (entry) == 200 && *s_str (entry, "seq")) {
            strcat (list, s_str (entry, "seq"));
            strcat (list, " ");
        }
    json_decref (log);
    return list;
}

static char *
s_expected (uint64_t first, uint64_t last, uint64_t skip)
{
    char *list = calloc (1, 16 * (last + 2));
    for (uint64_t seq = first; seq <= last; seq++)
        if (seq != skip)
            sprintf (list + strlen (list), "%" PRIu64 " ", seq);
    return list;
}

//  --------------------------------------------------------------------------

//  500 for the first requests, then 200: every event once, in order; then
//  SIGTERM: exit 0 with the cursor at the last seq.
static void
s_test_retry (const hub_broker_proc_t *b, uint64_t last)
{
    s_receiver_t r;
    s_receiver_start (&r, "retry", s_secret, "--fail-first", "3", NULL);
    char cursor [PATH_MAX + 32], err [PATH_MAX + 32];
    snprintf (cursor, sizeof cursor, "%s/retry.cursor", s_dir);
    snprintf (err, sizeof err, "%s/retry.err", s_dir);
    pid_t relay = s_relay_start (b, r.url, s_secret, cursor, err, NULL);
    CHECK_MSG (s_wait_ok (&r, last, 30000), "%zu of %" PRIu64 " delivered", s_count_ok (&r), last);
    hub_proc_sleep_ms (100);
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    char *got = s_accepted (&r), *want = s_expected (1, last, 0);
    CHECK_MSG (streq (got, want), "accepted: %s", got);
    free (got);
    free (want);
    //  The first three requests were all for seq 1, refused with 500
    json_t *log = s_log (&r);
    for (size_t i = 0; i < 3; i++) {
        json_t *entry = json_array_get (log, i);
        CHECK (streq (s_str (entry, "seq"), "1") && s_status (entry) == 500);
    }
    json_t *first = json_array_get (log, 3);
    CHECK (streq (s_str (first, "contentType"), "application/json"));
    CHECK (streq (s_str (first, "type"), "commission.opened"));
    json_decref (log);
    s_check_stream (&r, 1, last, 0);
    CHECK_MSG (s_cursor (cursor) == last, "cursor %" PRIu64, s_cursor (cursor));
    char *text = hub_proc_slurp (err);
    CHECK_MSG (text && strstr (text, "status=500"), "relay stderr: %s", text);
    free (text);

    //  More events while stopped; a restart sends only those
    s_publish (b, 3, false);
    relay = s_relay_start (b, r.url, s_secret, cursor, err, NULL);
    CHECK (s_wait_ok (&r, last + 3, 20000));
    hub_proc_sleep_ms (200);
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    got = s_accepted (&r);
    want = s_expected (1, last + 3, 0);
    CHECK_MSG (streq (got, want), "after restart: %s", got);
    free (got);
    free (want);
    CHECK (s_cursor (cursor) == last + 3);
    s_receiver_stop (&r);
}

//  429 with Retry-After: 1 makes the relay wait at least a second.
static void
s_test_retry_after (const hub_broker_proc_t *b)
{
    s_receiver_t r;
    s_receiver_start (&r, "after", s_secret, "--fail-first", "1", "--fail-status", "429",
                      "--retry-after", "1", NULL);
    char cursor [PATH_MAX + 32];
    snprintf (cursor, sizeof cursor, "%s/after.cursor", s_dir);
    s_write_file (cursor, "2\n");      //  start after seq 2
    int64_t start = hub_proc_now_ms ();
    pid_t relay = s_relay_start (b, r.url, s_secret, cursor, NULL, NULL);
    CHECK (s_wait_ok (&r, 1, 20000));
    int64_t elapsed = hub_proc_now_ms () - start;
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    CHECK_MSG (elapsed >= 1000, "second attempt after %" PRId64 " ms", elapsed);
    json_t *log = s_log (&r);
    CHECK (s_status (json_array_get (log, 0)) == 429);
    CHECK (streq (s_str (json_array_get (log, 0), "seq"), "3"));
    CHECK (streq (s_str (json_array_get (log, 1), "seq"), "3"));
    json_decref (log);
    s_receiver_stop (&r);
}

//  A 400 for one seq: max-attempts tries, then the dead-letter file, then on.
static void
s_test_dead_letter (const hub_broker_proc_t *b, uint64_t last)
{
    s_receiver_t r;
    s_receiver_start (&r, "dead", s_secret, "--reject-seq", "4", NULL);
    char cursor [PATH_MAX + 32], dead [PATH_MAX + 32], err [PATH_MAX + 32];
    snprintf (cursor, sizeof cursor, "%s/dead.cursor", s_dir);
    snprintf (dead, sizeof dead, "%s/dead.jsonl", s_dir);
    snprintf (err, sizeof err, "%s/dead.err", s_dir);
    pid_t relay = s_relay_start (b, r.url, s_secret, cursor, err, "--max-attempts", "3",
                                 "--dead-letter", dead, NULL);
    CHECK_MSG (s_wait_ok (&r, last - 1, 30000), "%zu delivered", s_count_ok (&r));
    hub_proc_sleep_ms (100);
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    char *got = s_accepted (&r), *want = s_expected (1, last, 4);
    CHECK_MSG (streq (got, want), "accepted: %s", got);
    free (got);
    free (want);
    //  seq 4 was tried three times, with 400, right after seq 3
    json_t *log = s_log (&r);
    size_t i, tries = 0;
    json_t *entry;
    json_array_foreach (log, i, entry)
        if (streq (s_str (entry, "seq"), "4")) {
            tries++;
            CHECK (s_status (entry) == 400);
        }
    CHECK_MSG (tries == 3, "%zu tries", tries);
    json_decref (log);
    CHECK (s_cursor (cursor) == last);
    char *text = hub_proc_slurp (dead);
    REQUIRE (text);
    CHECK (hub_proc_lines (text) == 1);
    json_t *line = json_loads (text, 0, NULL);
    CHECK (line && streq (s_str (line, "seq"), "4"));
    CHECK (s_status (line) == 400);
    CHECK (json_integer_value (json_object_get (line, "attempts")) == 3);
    CHECK (streq (s_str (line, "response"), "seq 4 is not wanted here"));
    CHECK (*s_str (line, "time"));
    CHECK (streq (s_str (json_object_get (line, "event"), "seq"), "4"));
    json_decref (line);
    free (text);
    text = hub_proc_slurp (err);
    CHECK_MSG (text && strstr (text, "dead-letter seq=4"), "stderr: %s", text);
    free (text);
    s_receiver_stop (&r);
}

//  The receiver refuses the relay itself (401: wrong secret; 404: wrong
//  URL): after --max-attempts tries of the first event the relay stops with
//  exit 6 and a sentence naming what to fix, dead-letters nothing, and
//  leaves the cursor before that event; fixed, a restart delivers it all.
static void
s_test_misconfigured (const hub_broker_proc_t *b, uint64_t last)
{
    s_receiver_t r;
    s_receiver_start (&r, "wrong", s_wrong, NULL);
    char cursor [PATH_MAX + 32], dead [PATH_MAX + 32], err [PATH_MAX + 32];
    snprintf (cursor, sizeof cursor, "%s/wrong.cursor", s_dir);
    snprintf (dead, sizeof dead, "%s/wrong.jsonl", s_dir);
    snprintf (err, sizeof err, "%s/wrong.err", s_dir);
    pid_t relay = s_relay_start (b, r.url, s_secret, cursor, err, "--max-attempts", "2",
                                 "--dead-letter", dead, NULL);
    int rc = hub_proc_wait (relay, 30000);
    if (rc == -1)
        hub_proc_stop (relay, SIGKILL, 1000);
    CHECK_MSG (rc == 6, "relay exit %d", rc);
    json_t *log = s_log (&r);
    CHECK_MSG (json_array_size (log) == 2, "%zu requests", json_array_size (log));
    size_t i;
    json_t *entry;
    json_array_foreach (log, i, entry)
        CHECK (s_status (entry) == 401 && streq (s_str (entry, "seq"), "1")
            && streq (s_str (entry, "reason"), "bad signature"));
    json_decref (log);
    CHECK_MSG (access (dead, F_OK) != 0, "a dead-letter file was written");
    CHECK_MSG (s_cursor (cursor) == 0, "cursor %" PRIu64, s_cursor (cursor));
    char *text = hub_proc_slurp (err);
    CHECK_MSG (text && strstr (text, "answered 401") && strstr (text, "--secret-file")
               && strstr (text, "resumes with seq 1"), "stderr: %s", text);
    free (text);
    s_receiver_stop (&r);

    //  The secret fixed (the receiver's, here): everything, from seq 1
    s_receiver_start (&r, "fixed", s_secret, NULL);
    relay = s_relay_start (b, r.url, s_secret, cursor, NULL, "--dead-letter", dead, NULL);
    CHECK (s_wait_ok (&r, last, 30000));
    hub_proc_sleep_ms (100);
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    char *got = s_accepted (&r), *want = s_expected (1, last, 0);
    CHECK_MSG (streq (got, want), "accepted after the fix: %s", got);
    free (got);
    free (want);
    CHECK (s_cursor (cursor) == last);
    s_receiver_stop (&r);

    //  404: the receiver has no such endpoint; the relay says to check --url
    s_receiver_start (&r, "path", s_secret, "--path", "/hook", NULL);
    char url [96];
    snprintf (url, sizeof url, "http://127.0.0.1:%d/hoko", r.port);
    snprintf (cursor, sizeof cursor, "%s/path.cursor", s_dir);
    s_write_file (cursor, "5\n");
    relay = s_relay_start (b, url, s_secret, cursor, err, "--max-attempts", "1", NULL);
    rc = hub_proc_wait (relay, 30000);
    if (rc == -1)
        hub_proc_stop (relay, SIGKILL, 1000);
    CHECK_MSG (rc == 6, "relay exit %d", rc);
    CHECK (s_count_requests (&r) == 1);
    CHECK (s_cursor (cursor) == 5);
    text = hub_proc_slurp (err);
    CHECK_MSG (text && strstr (text, "answered 404") && strstr (text, "check --url"),
               "stderr: %s", text);
    free (text);
    s_receiver_stop (&r);
}

//  Runs `relay webhook --replay-dead-letters FILE` against url.
static void
s_replay (hub_run_t *run, const hub_broker_proc_t *b, const char *url, const char *file)
{
    hub_cli (run, b, BUYER, NULL, "relay", "webhook", "--url", url, "--secret-file", s_secret,
             "--replay-dead-letters", file, "--max-attempts", "1", "--backoff-ms", "20", NULL);
}

//  Dead letters sent again in order: those delivered leave the file, those
//  refused again stay (exit 1); a second replay sends nothing twice.
static void
s_test_replay (const hub_broker_proc_t *b, uint64_t last)
{
    s_receiver_t r;
    s_receiver_start (&r, "rep1", s_secret, "--reject-seq", "4", "--reject-seq", "7", NULL);
    char cursor [PATH_MAX + 32], dead [PATH_MAX + 32];
    snprintf (cursor, sizeof cursor, "%s/rep.cursor", s_dir);
    snprintf (dead, sizeof dead, "%s/rep.jsonl", s_dir);
    pid_t relay = s_relay_start (b, r.url, s_secret, cursor, NULL, "--max-attempts", "1",
                                 "--dead-letter", dead, NULL);
    CHECK (s_wait_ok (&r, last - 2, 30000));
    hub_proc_sleep_ms (100);
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    s_receiver_stop (&r);
    char *text = hub_proc_slurp (dead);
    CHECK_MSG (text && hub_proc_lines (text) == 2, "dead letters: %s", text);
    free (text);

    //  Seq 7 still refused: 4 delivered and gone, 7 kept
    s_receiver_start (&r, "rep2", s_secret, "--reject-seq", "7", NULL);
    hub_run_t run;
    s_replay (&run, b, r.url, dead);
    CHECK_MSG (run.status == 1, "replay exit %d: %s", run.status, run.err);
    CHECK_MSG (streq (run.out, "4 delivered 200\n7 refused 400: seq 7 is not wanted here\n"),
               "out: %s", run.out);
    CHECK (strstr (run.err, "1 delivered, 1 kept"));
    hub_run_free (&run);
    char *got = s_accepted (&r);
    CHECK_MSG (streq (got, "4 "), "accepted %s", got);
    free (got);
    CHECK (s_count_requests (&r) == 2);
    s_receiver_stop (&r);
    text = hub_proc_slurp (dead);
    json_t *letter = text? json_loads (text, 0, NULL): NULL;
    CHECK_MSG (text && hub_proc_lines (text) == 1 && letter
               && streq (s_str (letter, "seq"), "7") && s_status (letter) == 400, "%s", text);
    json_decref (letter);
    free (text);

    //  Accepted now; a second replay finds nothing to send
    s_receiver_start (&r, "rep3", s_secret, NULL);
    s_replay (&run, b, r.url, dead);
    CHECK_MSG (run.status == 0 && streq (run.out, "7 delivered 200\n"), "exit %d out %s err %s",
               run.status, run.out, run.err);
    hub_run_free (&run);
    s_replay (&run, b, r.url, dead);
    CHECK_MSG (run.status == 0 && streq (run.out, "") && strstr (run.err, "0 delivered"),
               "exit %d out %s", run.status, run.out);
    hub_run_free (&run);
    CHECK (s_count_requests (&r) == 1);
    s_check_stream (&r, 7, 7, 0);
    text = hub_proc_slurp (dead);
    CHECK (text && *text == 0);
    free (text);
    s_receiver_stop (&r);

    //  No such file: said, exit 4; a file that holds no dead letters: exit 2
    char missing [PATH_MAX + 32];
    snprintf (missing, sizeof missing, "%s/none.jsonl", s_dir);
    s_replay (&run, b, "http://127.0.0.1:1/", missing);
    CHECK_MSG (run.status == 4 && strstr (run.err, "cannot read dead-letter file"), "%d %s",
               run.status, run.err);
    hub_run_free (&run);
    s_write_file (missing, "{\"not\": \"a letter\"}\n");
    s_replay (&run, b, "http://127.0.0.1:1/", missing);
    CHECK_MSG (run.status == 2 && strstr (run.err, "not a dead letter"), "%d %s", run.status,
               run.err);
    hub_run_free (&run);
}

//  SIGTERM while an event is being retried: the cursor stays before it,
//  and a restart delivers it.
static void
s_test_stop_in_retry (const hub_broker_proc_t *b)
{
    s_receiver_t r;
    s_receiver_start (&r, "stop", s_secret, "--fail-first", "1000000", NULL);
    char cursor [PATH_MAX + 32];
    snprintf (cursor, sizeof cursor, "%s/stop.cursor", s_dir);
    s_write_file (cursor, "5\n");
    pid_t relay = s_relay_start (b, r.url, s_secret, cursor, NULL, NULL);
    int64_t deadline = hub_proc_now_ms () + 20000;
    while (s_count_requests (&r) < 3 && hub_proc_now_ms () < deadline)
        hub_proc_sleep_ms (10);
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    CHECK_MSG (s_cursor (cursor) == 5, "cursor %" PRIu64, s_cursor (cursor));
    json_t *log = s_log (&r);
    size_t i;
    json_t *entry;
    json_array_foreach (log, i, entry)
        CHECK (streq (s_str (entry, "seq"), "6"));
    json_decref (log);
    s_receiver_stop (&r);
    s_receiver_start (&r, "stop2", s_secret, NULL);
    relay = s_relay_start (b, r.url, s_secret, cursor, NULL, NULL);
    CHECK (s_wait_ok (&r, 1, 20000));
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    log = s_log (&r);
    CHECK (streq (s_str (json_array_get (log, 0), "seq"), "6"));
    json_decref (log);
    s_receiver_stop (&r);
}

//  SIGKILL mid-stream, then a restart: no gap, at most the event in flight
//  repeated. Then SIGTERM mid-stream and a restart: nothing repeated.
static void
s_test_kill (const hub_broker_proc_t *b, uint64_t last)
{
    s_receiver_t r;
    s_receiver_start (&r, "kill", s_secret, "--sleep-ms", "40", NULL);
    char cursor [PATH_MAX + 32], err [PATH_MAX + 32];
    snprintf (cursor, sizeof cursor, "%s/kill.cursor", s_dir);
    snprintf (err, sizeof err, "%s/kill.err", s_dir);
    pid_t relay = s_relay_start (b, r.url, s_secret, cursor, err, NULL);
    CHECK (s_wait_ok (&r, last / 3, 30000));
    kill (relay, SIGKILL);
    CHECK (hub_proc_wait (relay, 5000) == 128 + SIGKILL);
    uint64_t at_kill = s_cursor (cursor);
    CHECK_MSG (at_kill >= last / 3 - 1 && at_kill < last, "cursor at kill %" PRIu64, at_kill);
    relay = s_relay_start (b, r.url, s_secret, cursor, err, NULL);
    CHECK (s_wait_ok (&r, 2 * last / 3, 30000));
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    size_t before = s_count_ok (&r);
    relay = s_relay_start (b, r.url, s_secret, cursor, err, NULL);
    //  Every seq accepted once, except perhaps the one in flight at the kill
    CHECK (s_wait_ok (&r, last, 30000));
    hub_proc_sleep_ms (200);
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    s_check_stream (&r, 1, last, 1);
    size_t total = s_count_ok (&r);
    CHECK_MSG (total == last || total == last + 1, "%zu accepted for %" PRIu64, total, last);
    CHECK (before <= total);
    //  The SIGTERM restart repeated nothing: total - repeats == last
    CHECK (s_cursor (cursor) == last);
    s_receiver_stop (&r);
}

//  Decodes standard base64 (the FHIR Binary's data). Returns a new string.
static char *
s_base64 (const char *text)
{
    static const char *alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen (text);
    char *out = calloc (1, len + 1);
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (const char *c = text; *c && *c != '='; c++) {
        const char *at = strchr (alphabet, *c);
        if (!at) {
            free (out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t) (at - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out [n++] = (char) ((acc >> bits) & 0xff);
        }
    }
    return out;
}

//  Runs tests/fhir_check.py over a receiver's log: the backport guide's
//  rules, HL7's JSON schema of the FHIR version if schema is given, and
//  its self-test (each kind of fault it must catch).
static void
s_fhir_check (const s_receiver_t *r, const char *form, const char *schema)
{
    char script [PATH_MAX], schema_path [PATH_MAX], out [PATH_MAX + 32];
    hub_proc_src (script, sizeof script, "tests/fhir_check.py");
    if (schema)
        hub_proc_src (schema_path, sizeof schema_path, schema);
    snprintf (out, sizeof out, "%s/fhir-check-%s.out", s_dir, form);
    char *argv [] = { "/usr/bin/python3", script, "--form", (char *) form, "--self-test",
                      (char *) r->log, schema? "--schema": NULL, schema_path, NULL };
    pid_t pid = hub_proc_spawn (argv, NULL, out, out);
    REQUIRE (pid > 0);
    int rc = hub_proc_wait (pid, 120000);
    char *text = hub_proc_slurp (out);
    CHECK_MSG (rc == 0 && text && strstr (text, "valid FHIR"), "fhir_check %s: exit %d\n%s",
               form, rc, text);
    printf ("%s", text? text: "");
    free (text);
}

//  --format fhir: history Bundles with consecutive event numbers, the
//  event as a Binary, and a heartbeat when idle.
static void
s_test_fhir (const hub_broker_proc_t *b, uint64_t last)
{
    s_receiver_t r;
    s_receiver_start (&r, "fhir", s_secret, NULL);
    char cursor [PATH_MAX + 32];
    snprintf (cursor, sizeof cursor, "%s/fhir.cursor", s_dir);
    pid_t relay = s_relay_start (b, r.url, s_secret, cursor, NULL, "--format", "fhir",
                                 "--heartbeat", "1", NULL);
    CHECK (s_wait_ok (&r, last, 30000));
    //  idle now: a heartbeat within about a second
    int64_t deadline = hub_proc_now_ms () + 5000;
    while (s_count_requests (&r) <= last && hub_proc_now_ms () < deadline)
        hub_proc_sleep_ms (20);
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    json_t *log = s_log (&r);
    uint64_t number = 0;
    bool heartbeat = false;
    size_t i;
    json_t *entry;
    json_array_foreach (log, i, entry) {
        CHECK (streq (s_str (entry, "contentType"), "application/fhir+json"));
        CHECK (json_is_true (json_object_get (entry, "verified")));
        json_t *bundle = json_loads (s_str (entry, "body"), 0, NULL);
        REQUIRE (bundle);
        CHECK (streq (s_str (bundle, "resourceType"), "Bundle"));
        CHECK (streq (s_str (bundle, "type"), "history"));
        json_t *entries = json_object_get (bundle, "entry");
        json_t *first = json_array_get (entries, 0);
        json_t *status = json_object_get (first, "resource");
        CHECK (streq (s_str (status, "resourceType"), "SubscriptionStatus"));
        CHECK (streq (s_str (status, "status"), "active"));
        CHECK (streq (s_str (json_object_get (first, "request"), "method"), "GET"));
        CHECK (streq (s_str (json_object_get (first, "response"), "status"), "200"));
        CHECK (strstr (s_str (json_object_get (status, "subscription"), "reference"),
                       "/Subscription/"));
        const char *since = s_str (status, "eventsSinceSubscriptionStart");
        if (streq (s_str (status, "type"), "heartbeat")) {
            heartbeat = true;
            CHECK (streq (s_str (entry, "type"), "$heartbeat"));
            CHECK_MSG (strtoull (since, NULL, 10) == last, "heartbeat since %s", since);
            CHECK (json_array_size (entries) == 1);
            json_decref (bundle);
            continue;
        }
        CHECK (streq (s_str (status, "type"), "event-notification"));
        json_t *event = json_array_get (json_object_get (status, "notificationEvent"), 0);
        const char *event_number = s_str (event, "eventNumber");
        CHECK_MSG (strtoull (event_number, NULL, 10) == number + 1, "event number %s after %"
                   PRIu64, event_number, number);
        number = strtoull (event_number, NULL, 10);
        CHECK (streq (since, event_number));
        CHECK (streq (s_str (entry, "seq"), event_number));
        CHECK (*s_str (event, "timestamp"));
        CHECK (strstr (s_str (status, "topic"), "/topic/analyse"));
        json_t *binary = json_object_get (json_array_get (entries, 1), "resource");
        CHECK (streq (s_str (binary, "resourceType"), "Binary"));
        CHECK (streq (s_str (binary, "contentType"), "application/json"));
        CHECK (streq (s_str (json_object_get (event, "focus"), "reference"),
                      s_str (json_array_get (entries, 1), "fullUrl")));
        char *data = s_base64 (s_str (binary, "data"));
        json_t *payload = data? json_loads (data, 0, NULL): NULL;
        CHECK_MSG (payload && streq (s_str (payload, "seq"), event_number), "payload %s", data);
        CHECK (payload && streq (s_str (json_object_get (payload, "envelope"), "commissionId"),
                                 COMMISSION));
        json_decref (payload);
        free (data);
        json_decref (bundle);
    }
    CHECK_MSG (number == last, "last event number %" PRIu64, number);
    CHECK (heartbeat);
    json_decref (log);
    s_fhir_check (&r, "r4b", "clients/integrations/relay/schema/fhir-r4b-4.3.0.schema.json.gz");
    s_receiver_stop (&r);
}

//  --format fhir-r4: the Subscriptions R5 Backport guide's form for R4
//  (Parameters first), checked against HL7's R4 schema and the guide's
//  rules; a few events then a heartbeat.
static void
s_test_fhir_r4 (const hub_broker_proc_t *b, uint64_t last)
{
    s_receiver_t r;
    s_receiver_start (&r, "fhir-r4", s_secret, NULL);
    char cursor [PATH_MAX + 32], from [24];
    snprintf (cursor, sizeof cursor, "%s/fhir-r4.cursor", s_dir);
    snprintf (from, sizeof from, "%" PRIu64, last - 2);
    pid_t relay = s_relay_start (b, r.url, s_secret, cursor, NULL, "--format", "fhir-r4",
                                 "--heartbeat", "1", "--from", from, NULL);
    CHECK (s_wait_ok (&r, 3, 30000));
    int64_t deadline = hub_proc_now_ms () + 5000;
    while (s_count_requests (&r) <= 3 && hub_proc_now_ms () < deadline)
        hub_proc_sleep_ms (20);
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    json_t *log = s_log (&r);
    json_t *first = json_loads (s_str (json_array_get (log, 0), "body"), 0, NULL);
    json_t *params = json_object_get (json_object_get (json_array_get (
        json_object_get (first, "entry"), 0), "resource"), "parameter");
    //  The guide's parameters, in its order, spelt out here once
    const char *names [] = { "subscription", "topic", "status", "type",
                             "events-since-subscription-start", "notification-event" };
    CHECK (json_array_size (params) == 6);
    for (size_t i = 0; i < 6; i++)
        CHECK_MSG (streq (s_str (json_array_get (params, i), "name"), names [i]), "param %zu", i);
    CHECK (streq (s_str (json_array_get (params, 3), "valueCode"), "event-notification"));
    CHECK (streq (s_str (json_array_get (log, 0), "contentType"), "application/fhir+json"));
    json_decref (first);
    json_decref (log);
    s_fhir_check (&r, "r4", "clients/integrations/relay/schema/fhir-r4-4.0.1.schema.json.gz");
    s_receiver_stop (&r);
}

static void
s_test_usage (const hub_broker_proc_t *b)
{
    hub_run_t run;
    hub_cli (&run, b, BUYER, NULL, "relay", "webhook", "--url", "http://127.0.0.1:1/",
             "--secret-file", s_secret, NULL);
    CHECK_MSG (run.status == 2 && strstr (run.err, "--cursor"), "status %d err %s",
               run.status, run.err);
    hub_run_free (&run);
    hub_cli (&run, b, BUYER, NULL, "relay", "webhook", "--url", "ftp://x/", "--secret-file",
             s_secret, "--cursor", "/tmp/x", NULL);
    CHECK (run.status == 2);
    hub_run_free (&run);
    char empty [PATH_MAX + 16];
    snprintf (empty, sizeof empty, "%s/empty.secret", s_dir);
    s_write_file (empty, "\n");
    hub_cli (&run, b, BUYER, NULL, "relay", "webhook", "--url", "http://127.0.0.1:1/",
             "--secret-file", empty, "--cursor", "/tmp/x", NULL);
    CHECK_MSG (run.status == 2 && strstr (run.err, "secret"), "err %s", run.err);
    hub_run_free (&run);
    hub_cli (&run, b, BUYER, NULL, "relay", "webhook", "--url", "http://127.0.0.1:1/",
             "--secret-file", s_secret, "--cursor", "/tmp/x", "--format", "fhir-r5", NULL);
    CHECK_MSG (run.status == 2 && strstr (run.err, "fhir-r4"), "err %s", run.err);
    hub_run_free (&run);
    hub_cli (&run, b, BUYER, NULL, "relay", "webhook", "--help", NULL);
    CHECK (run.status == 0 && strstr (run.out, "Retry-After"));
    hub_run_free (&run);
    //  A cursor past the end of the hub's log (a restore from an older
    //  backup): the relay stops before sending anything, exit 4, saying
    //  what to set the file back to, and leaves the file as it was
    char ahead [PATH_MAX + 16];
    snprintf (ahead, sizeof ahead, "%s/ahead.cursor", s_dir);
    s_write_file (ahead, "99999999\n");
    hub_cli (&run, b, BUYER, NULL, "relay", "webhook", "--url", "http://127.0.0.1:1/",
             "--secret-file", s_secret, "--cursor", ahead, NULL);
    CHECK_MSG (run.status == 4 && strstr (run.err, "before this subscriber's cursor 99999999")
               && strstr (run.err, "set the cursor back to"), "status %d err %s",
               run.status, run.err);
    hub_run_free (&run);
    char *kept = hub_proc_slurp (ahead);
    CHECK (kept && streq (kept, "99999999\n"));
    free (kept);
}

//  hub_relay_run refuses a configuration it cannot run with, before it
//  touches the network, and says why
static void
s_test_library_config (void)
{
    hub_relay_config_t config;
    hub_relay_config_default (&config);
    CHECK (config.max_attempts == 5 && config.timeout_ms == 10000 && config.heartbeat_s == 60
        && streq (config.subscription, "cyclehub") && config.from == HUB_FROM_START);
    config.hub.agency = "GB-LAE-E09000033";
    CHECK (hub_relay_run (&config) == HUB_INTEG_CONFIG);            //  no url, secret, cursor
    char cursor [PATH_MAX + 16];
    snprintf (cursor, sizeof cursor, "%s/lib.cursor", s_dir);
    config.url = "ftp://127.0.0.1:1/";
    config.secret_file = s_secret;
    config.cursor_file = cursor;
    CHECK (hub_relay_run (&config) == HUB_INTEG_CONFIG);            //  not http(s)
    config.url = "http://127.0.0.1:1/";
    config.secret_file = "/nonexistent/secret";
    CHECK (hub_relay_run (&config) == HUB_INTEG_CONFIG);            //  no secret
    config.secret_file = s_secret;
    config.max_attempts = 0;
    CHECK (hub_relay_run (&config) == HUB_INTEG_CONFIG);            //  out of range
    config.max_attempts = 1;
    config.heartbeat_s = 86401;
    CHECK (hub_relay_run (&config) == HUB_INTEG_CONFIG);
    CHECK (access (cursor, F_OK) != 0);                              //  nothing written
}

int
main (void)
{
    //  Loopback only: no proxy between the relay and the receiver
    unsetenv ("http_proxy");
    unsetenv ("HTTP_PROXY");
    unsetenv ("https_proxy");
    unsetenv ("HTTPS_PROXY");
    unsetenv ("all_proxy");
    unsetenv ("ALL_PROXY");
    char *dir = hub_test_tmpdir ("relay");
    REQUIRE (dir);
    snprintf (s_dir, sizeof s_dir, "%s", dir);
    free (dir);
    snprintf (s_secret, sizeof s_secret, "%s/secret", s_dir);
    snprintf (s_wrong, sizeof s_wrong, "%s/wrong", s_dir);
    s_write_file (s_secret, SECRET "\n");
    s_write_file (s_wrong, "not-" SECRET "\n");

    s_test_library_config ();
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "relay") == 0);
    s_publish (&broker, 10, true);

    s_test_usage (&broker);
    s_test_retry (&broker, 10);             //  publishes 3 more: 13 events
    s_test_retry_after (&broker);
    s_test_dead_letter (&broker, 13);
    s_test_misconfigured (&broker, 13);
    s_test_replay (&broker, 13);
    s_test_stop_in_retry (&broker);
    s_test_fhir (&broker, 13);
    s_test_fhir_r4 (&broker, 13);
    s_publish (&broker, 17, false);         //  30 events
    s_test_kill (&broker, 30);

    hub_broker_cleanup (&broker);
    if (!getenv ("HUB_KEEP_TMP"))
        hub_test_rmtree (s_dir);
    HUB_TEST_DONE ();
}
