/*  test_cli_hardening: the CLI against a hostile file system and a
    supervisor's signals. `cyclehub keys new` never writes a key through a
    link planted at its file names, makes the secret file 0600 whatever
    the umask, and takes --help or a NAME starting with '-' as no NAME;
    `cyclehub subscribe --cursor` stops on SIGTERM in the middle of a long
    catch-up (exit 0 within a second, the cursor file at the last event
    printed, nothing printed twice or half) and catches up fast.
*/
#include <czmq.h>
#include "hub_test.h"
#include "hub_proc.h"
#include "cyclehub.h"

#define COMMISSION "ocds-h6vhtk-hard01"
#define BUYER      "GB-LAE-E09000033"
#define EVENTS     20000

static char s_dir [PATH_MAX];

static bool
s_exists (const char *path)
{
    struct stat st;
    return lstat (path, &st) == 0;
}

//  `cyclehub keys ARGS...`; the run in r.
static void
s_keys (hub_run_t *r, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, NULL, NULL);
    hub_argv_add (&a, "keys");
    va_list args;
    va_start (args, r);
    hub_argv_addv (&a, args);
    va_end (args);
    hub_run_argv (r, a.argv, NULL, 20000);
}

static void
test_keys (void)
{
    hub_run_t r;
    char name [PATH_MAX + 32], secret [PATH_MAX + 48], public [PATH_MAX + 48],
         target [PATH_MAX + 32];

    //  Made under a permissive umask: the secret half is the owner's only
    snprintf (name, sizeof name, "%s/agency", s_dir);
    snprintf (secret, sizeof secret, "%s.cert_secret", name);
    snprintf (public, sizeof public, "%s.cert", name);
    mode_t old = umask (0);
    s_keys (&r, "new", name, NULL);
    umask (old);
    CHECK_MSG (r.status == 0, "keys new: %d %s", r.status, r.err);
    hub_run_free (&r);
    struct stat st;
    CHECK (stat (secret, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK (stat (public, &st) == 0 && (st.st_mode & 0777) == 0644);
    zcert_t *cert = zcert_load (secret), *half = zcert_load (public);
    CHECK (cert && half && streq (zcert_public_txt (cert), zcert_public_txt (half)));
    CHECK (cert && !streq (zcert_secret_txt (cert), "0000000000000000000000000000000000000000"));
    zcert_destroy (&cert);
    zcert_destroy (&half);

    //  A dangling link planted at NAME.cert_secret: refused, nothing written through it
    snprintf (name, sizeof name, "%s/victim", s_dir);
    snprintf (secret, sizeof secret, "%s.cert_secret", name);
    snprintf (public, sizeof public, "%s.cert", name);
    snprintf (target, sizeof target, "%s/stolen", s_dir);
    REQUIRE (symlink (target, secret) == 0);
    s_keys (&r, "new", name, NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, "exists already"), "link: %d %s", r.status, r.err);
    hub_run_free (&r);
    CHECK (!s_exists (target));
    CHECK (!s_exists (public));
    unlink (secret);
    unlink (public);            //  (what a write through the link made)
    unlink (target);
    //  ... and at NAME.cert
    REQUIRE (symlink (target, public) == 0);
    s_keys (&r, "new", name, NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, "exists already"), "link: %d %s", r.status, r.err);
    hub_run_free (&r);
    CHECK (!s_exists (target));
    CHECK (!s_exists (secret));
    unlink (public);

    //  --help anywhere is help, never a NAME; a NAME like a flag is refused
    s_keys (&r, "new", "--help", NULL);
    CHECK (r.status == 0 && strstr (r.out, "Usage: cyclehub keys new NAME"));
    hub_run_free (&r);
    CHECK (!s_exists ("--help.cert") && !s_exists ("--help.cert_secret"));
    unlink ("--help.cert");
    unlink ("--help.cert_secret");
    s_keys (&r, "new", name, "--help", NULL);
    CHECK (r.status == 0 && strstr (r.out, "Usage: cyclehub keys new NAME"));
    hub_run_free (&r);
    CHECK (!s_exists (public) && !s_exists (secret));
    s_keys (&r, "new", "-x", NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, "may not start with '-'"), "-x: %d %s",
               r.status, r.err);
    hub_run_free (&r);
    CHECK (!s_exists ("-x.cert") && !s_exists ("-x.cert_secret"));
    unlink ("-x.cert");
    unlink ("-x.cert_secret");
    //  A directory that does not exist: exit 4 with the reason
    snprintf (name, sizeof name, "%s/no/such/dir/agency", s_dir);
    s_keys (&r, "new", name, NULL);
    CHECK_MSG (r.status == 4 && strstr (r.err, "No such file"), "nodir: %d %s", r.status, r.err);
    hub_run_free (&r);
}

//  Publishes n partner updates to the commission, as fast as the window allows.
static void
s_publish (hub_client_t *client, int n)
{
    for (int i = 0; i < n; i++) {
        Cyclehub__V1__Envelope *env = hub_envelope_new (COMMISSION, NULL);
        hub_set_string (&hub_envelope_partner_update (env)->title, "catch-up");
        CHECK (hub_client_publish_async (client, env, NULL, NULL) == HUB_OK);
        hub_envelope_destroy (&env);
    }
    CHECK (hub_client_flush (client, -1) == HUB_OK);
}

//  Reads whole lines from fd into text (grown as needed) until at least
//  lines have arrived, EOF or the deadline. Returns the line count so far.
static size_t
s_read_lines (int fd, char **text, size_t *len, size_t *cap, size_t lines, int64_t deadline)
{
    size_t count = hub_proc_lines (*text);
    while (count < lines && hub_proc_now_ms () < deadline) {
        if (*cap - *len < 65537) {
            *cap = *cap * 2 + 65537;
            *text = realloc (*text, *cap);
            REQUIRE (*text);
        }
        ssize_t got = read (fd, *text + *len, *cap - *len - 1);
        if (got <= 0)
            break;
        for (ssize_t i = 0; i < got; i++)
            count += (*text) [*len + (size_t) i] == '\n';
        *len += (size_t) got;
        (*text) [*len] = 0;
    }
    return count;
}

//  The seq of the last line of text ("seq":"N"), or 0.
static uint64_t
s_last_seq (const char *text)
{
    const char *at = NULL;
    for (const char *hit = strstr (text, "\"seq\":\""); hit; hit = strstr (hit + 1, "\"seq\":\""))
        at = hit;
    return at? strtoull (at + 7, NULL, 10): 0;
}

//  Every line is one event, seqs 1, 2, 3 ... in order, none twice or cut.
static bool
s_in_order (const char *text, size_t *count)
{
    uint64_t want = 1;
    for (const char *line = text; *line; want++) {
        const char *end = strchr (line, '\n');
        const char *seq = strstr (line, "\"seq\":\"");
        if (!end || !seq || seq > end || strtoull (seq + 7, NULL, 10) != want) {
            fprintf (stderr, "line %llu is not seq %llu: %.80s\n", (unsigned long long) want,
                     (unsigned long long) want, line);
            return false;
        }
        line = end + 1;
    }
    *count = want - 1;
    return true;
}

static void
test_subscribe_sigterm (void)
{
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "cli-hardening") == 0);
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = broker.api;
    options.events_endpoint = broker.events;
    options.agency = BUYER;
    options.window = 256;
    options.timeout_ms = 30000;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    Cyclehub__V1__Envelope *env = hub_envelope_new (COMMISSION, NULL);
    Cyclehub__V1__CommissionOpened *opened = hub_envelope_commission_opened (env);
    hub_set_string (&opened->title, "Signals");
    hub_set_string (&opened->buyer, BUYER);
    hub_result_t result;
    REQUIRE (hub_client_publish (client, env, &result) == HUB_OK);
    hub_envelope_destroy (&env);
    s_publish (client, EVENTS - 1);

    //  The subscriber writes into a pipe the test reads at its own pace
    char fifo [PATH_MAX + 16], cursor [PATH_MAX + 16], err [PATH_MAX + 16];
    snprintf (fifo, sizeof fifo, "%s/pipe", s_dir);
    snprintf (cursor, sizeof cursor, "%s/cursor", s_dir);
    snprintf (err, sizeof err, "%s/subscribe.err", s_dir);
    REQUIRE (mkfifo (fifo, 0600) == 0);
    hub_argv_t a;
    hub_argv_init (&a, &broker, BUYER);
    hub_argv_add (&a, "subscribe");
    hub_argv_add (&a, "--from");
    hub_argv_add (&a, "1");
    hub_argv_add (&a, "--cursor");
    hub_argv_add (&a, cursor);
    pid_t pid = hub_proc_spawn (a.argv, NULL, fifo, err);
    REQUIRE (pid > 0);
    int fd = open (fifo, O_RDONLY);
    REQUIRE (fd >= 0);
    char *text = calloc (1, 1);
    size_t len = 0, cap = 1;
    //  Well into the catch-up (it is throttled by this reader: a pipe holds
    //  a few hundred lines at most), SIGTERM as a supervisor would
    size_t lines = s_read_lines (fd, &text, &len, &cap, 3000, hub_proc_now_ms () + 30000);
    CHECK_MSG (lines >= 3000, "only %zu lines before the signal", lines);
    kill (pid, SIGTERM);
    int64_t signalled = hub_proc_now_ms ();
    //  Drain what it printed before stopping; EOF when it exits
    s_read_lines (fd, &text, &len, &cap, EVENTS + 1, signalled + 5000);
    int status = hub_proc_wait (pid, 5000);
    int64_t took = hub_proc_now_ms () - signalled;
    if (status == -1) {
        kill (pid, SIGKILL);
        hub_proc_wait (pid, 5000);
    }
    close (fd);
    CHECK_MSG (status == 0 && took < 1000, "exit %d after %lld ms", status, (long long) took);
    size_t printed = 0;
    CHECK (s_in_order (text, &printed));
    CHECK_MSG (printed < EVENTS, "printed all %zu events: the signal came after the catch-up",
               printed);
    char *saved = hub_proc_slurp (cursor);
    CHECK_MSG (saved && strtoull (saved, NULL, 10) == s_last_seq (text) && printed > 0,
               "cursor %s, last printed %llu", saved? saved: "(none)",
               (unsigned long long) s_last_seq (text));
    free (saved);
    free (text);
    unlink (fifo);

    //  Resumed from that cursor to the end: the rest, about as fast as with
    //  no cursor at all (an fsync per event held it to about 2,000 events/s,
    //  a few per cent of the rate without)
    hub_run_t r;
    char count [32], from [32];
    snprintf (count, sizeof count, "%zu", EVENTS - printed);
    snprintf (from, sizeof from, "%zu", printed + 1);
    hub_cli (&r, &broker, BUYER, NULL, "subscribe", "--from", from, "--count", count, NULL);
    CHECK (r.status == 0 && hub_proc_lines (r.out) == EVENTS - printed);
    int64_t plain_ms = r.elapsed_ms;
    hub_run_free (&r);
    hub_cli (&r, &broker, BUYER, NULL, "subscribe", "--cursor", cursor, "--count", count, NULL);
    size_t rest = hub_proc_lines (r.out);
    CHECK_MSG (r.status == 0 && rest == EVENTS - printed, "resume: %d, %zu lines: %s",
               r.status, rest, r.err);
    const char *first = strstr (r.out, "\"seq\":\"");
    CHECK (first && strtoull (first + 7, NULL, 10) == printed + 1);
    double rate = (double) rest * 1000.0 / (double) (r.elapsed_ms + 1);
    double plain = (double) rest * 1000.0 / (double) (plain_ms + 1);
    printf ("catch-up of %zu events: %.0f events/s with --cursor, %.0f without\n", rest,
            rate, plain);
    CHECK_MSG (rate * 4 > plain, "catch-up at %.0f events/s with --cursor, %.0f without",
               rate, plain);
    hub_run_free (&r);
    saved = hub_proc_slurp (cursor);
    CHECK (saved && strtoull (saved, NULL, 10) == EVENTS);
    free (saved);

    hub_client_destroy (&client);
    hub_broker_cleanup (&broker);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    char *dir = hub_test_tmpdir ("hardening");
    REQUIRE (dir);
    snprintf (s_dir, sizeof s_dir, "%s", dir);
    free (dir);
    test_keys ();
    test_subscribe_sigterm ();
    hub_test_rmtree (s_dir);
    HUB_TEST_DONE ();
}
