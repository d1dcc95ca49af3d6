/*  test_cli_args: how every cyclehub command reads its flags (one parser,
    clients/cli/cli_args.c). Global flags work after the command as before
    it, for each kind of command; --help (or -h) anywhere prints the usage
    on stdout, exits 0 and does nothing else; an unknown flag and a flag
    without its value exit 2 with one line naming the flag and the way to
    the command's help.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include <sys/stat.h>

#define COMMISSION "ocds-h6vhtk-args01"
#define BUYER      "GB-LAE-E09000033"

static char s_dir [PATH_MAX];

//  Runs the CLI with exactly the words given (no flags added), NULL-ended
static void
s_run (hub_run_t *r, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, NULL, NULL);
    va_list args;
    va_start (args, r);
    hub_argv_addv (&a, args);
    va_end (args);
    hub_run_argv (r, a.argv, NULL, 30000);
}

static bool
s_exists (const char *path)
{
    struct stat st;
    return lstat (path, &st) == 0;
}

static const char *
s_path (const char *name)
{
    static char path [4][PATH_MAX + 64];
    static int next = 0;
    next = (next + 1) % 4;
    snprintf (path [next], sizeof path [next], "%s/%s", s_dir, name);
    return path [next];
}

//  How many events the hub holds (history, globals before the command)
static size_t
s_events (const hub_broker_proc_t *b)
{
    hub_run_t r;
    s_run (&r, "--api", b->api, "--agency", BUYER, "history", NULL);
    REQUIRE (r.status == 0);
    size_t lines = hub_proc_lines (r.out);
    hub_run_free (&r);
    return lines;
}

//  Each kind of command with the global flags after it (and a command's
//  own flag of the same name staying the command's)
static void
s_globals_after (const hub_broker_proc_t *b)
{
    hub_run_t r;
    //  A message command (flags generated from the descriptors)
    s_run (&r, "commission", "open", "--commission", COMMISSION, "--title", "Args",
           "--buyer", BUYER, "--api", b->api, "--agency", BUYER, "--timeout", "5000", NULL);
    CHECK_MSG (r.status == 0 && streq (r.out, "1\n"), "open: %d %s %s", r.status, r.out, r.err);
    hub_run_free (&r);
    //  publish, with the globals between its operands and --flag=value
    FILE *file = fopen (s_path ("needs.json"), "w");
    REQUIRE (file);
    fputs ("{\"population\": \"Unpaid carers\"}", file);
    fclose (file);
    char api_eq [300];
    snprintf (api_eq, sizeof api_eq, "--api=%s", b->api);
    s_run (&r, "publish", "needs.assessed", "--agency", BUYER, s_path ("needs.json"), api_eq,
           "--commission", COMMISSION, NULL);
    CHECK_MSG (r.status == 0 && streq (r.out, "2\n"), "publish: %d %s %s", r.status, r.out,
               r.err);
    hub_run_free (&r);
    //  status and commission ID
    s_run (&r, "status", "--api", b->api, "--agency", BUYER, "--pretty", NULL);
    CHECK_MSG (r.status == 0 && strstr (r.out, "\"lastSeq\": \"2\""), "status: %d %s %s",
               r.status, r.out, r.err);
    hub_run_free (&r);
    s_run (&r, "commission", COMMISSION, "--agency", BUYER, "--api", b->api, NULL);
    CHECK_MSG (r.status == 0 && strstr (r.out, COMMISSION), "commission ID: %d %s %s",
               r.status, r.out, r.err);
    hub_run_free (&r);
    //  commission list: from the broker, with its filters and the table form
    s_run (&r, "--agency", BUYER, "commission", "list", "--api", b->api, "--agency", BUYER, NULL);
    CHECK_MSG (r.status == 0 && hub_proc_lines (r.out) == 1 && strstr (r.out, COMMISSION)
               && strstr (r.out, "\"owner\""), "commission list: %d %s %s", r.status, r.out, r.err);
    hub_run_free (&r);
    s_run (&r, "--agency", BUYER, "commission", "list", "--format", "table", "--stage", "analyse",
           "--api", b->api, NULL);
    CHECK_MSG (r.status == 0 && hub_proc_lines (r.out) == 1 && strstr (r.out, COMMISSION)
               && strstr (r.out, " analyse "), "commission list table: %d %s %s",
               r.status, r.out, r.err);
    hub_run_free (&r);
    s_run (&r, "--agency", BUYER, "commission", "list", "--stage", "closed", "--api", b->api, NULL);
    CHECK_MSG (r.status == 0 && hub_proc_lines (r.out) == 0, "commission list closed: %d %s",
               r.status, r.out);
    hub_run_free (&r);
    s_run (&r, "--agency", BUYER, "commission", "list", "--stage", "shut", "--api", b->api, NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, "analyse, plan, do, review or closed"),
               "commission list --stage shut: %d %s", r.status, r.err);
    hub_run_free (&r);
    //  history: --api after it; --agency after it is the filter
    s_run (&r, "--agency", BUYER, "history", "--api", b->api, "--agency", BUYER, NULL);
    CHECK_MSG (r.status == 0 && hub_proc_lines (r.out) == 2, "history: %d %s", r.status, r.err);
    hub_run_free (&r);
    s_run (&r, "--agency", BUYER, "history", "--api", b->api, "--agency", "GB-NHS-RWE", NULL);
    CHECK_MSG (r.status == 0 && hub_proc_lines (r.out) == 0, "history filter: %d %s", r.status,
               r.out);
    hub_run_free (&r);
    //  ... so an --agency after it is no identity, and the error says where yours goes
    s_run (&r, "history", "--api", b->api, "--agency", BUYER, NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, "after 'history', --agency is a filter"),
               "history no identity: %d %s", r.status, r.err);
    hub_run_free (&r);
    //  subscribe
    s_run (&r, "--agency", BUYER, "subscribe", "--api", b->api, "--events", b->events,
           "--count", "2", "--idle", "10000", NULL);
    CHECK_MSG (r.status == 0 && hub_proc_lines (r.out) == 2, "subscribe: %d %s", r.status, r.err);
    hub_run_free (&r);
    //  erase: it reaches the broker (a rejection, not unreachable)
    s_run (&r, "erase", "--commission", COMMISSION, "--consultation", "c-1", "--response", "r-1", "--reason", "asked",
           "--api", b->api, "--agency", BUYER, "--timeout", "5000", NULL);
    CHECK_MSG (r.status == 1, "erase: %d %s", r.status, r.err);
    hub_run_free (&r);
    //  export (it parses its own flags; main takes the globals out first)
    s_run (&r, "export", "ocds", "--commission", COMMISSION, "--api", b->api, "--agency", BUYER,
           NULL);
    CHECK_MSG (r.status == 0 && strstr (r.out, "\"releases\""), "export: %d %s", r.status, r.err);
    hub_run_free (&r);
    //  bridge: the hub is reached; no NATS there: exit 3, said
    char url [64];
    snprintf (url, sizeof url, "nats://127.0.0.1:%d", hub_proc_free_port ());
    s_run (&r, "bridge", "nats", "--url", url, "--api", b->api, "--agency", BUYER, NULL);
    CHECK_MSG (r.status == 3 && strstr (r.err, "cannot connect to NATS"), "bridge: %d %s",
               r.status, r.err);
    hub_run_free (&r);
    //  relay: --timeout after it is its HTTP limit (its own check), not the global one
    s_run (&r, "--agency", BUYER, "relay", "webhook", "--timeout", "soon", NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, "relay: bad value for --timeout: 'soon'"),
               "relay --timeout: %d %s", r.status, r.err);
    hub_run_free (&r);
    //  keys never connects; globals after it are accepted and change nothing
    s_run (&r, "keys", "new", s_path ("agency"), "--agency", BUYER, NULL);
    CHECK_MSG (r.status == 0 && s_exists (s_path ("agency.cert_secret")), "keys: %d %s",
               r.status, r.err);
    hub_run_free (&r);
}

//  --help and -h for every command the top-level help lists, and for the
//  forms that take more words: usage on stdout, nothing on stderr, exit 0,
//  nothing done (given everything they would need to act)
static void
s_help (const hub_broker_proc_t *b)
{
    size_t before = s_events (b);
    hub_run_t r;
    s_run (&r, "--help", NULL);
    REQUIRE (r.status == 0);
    char *list = strdup (strstr (r.out, "Commands:\n") + strlen ("Commands:\n"));
    hub_run_free (&r);
    int commands = 0;
    for (char *line = strtok (list, "\n"); line; line = strtok (NULL, "\n")) {
        char name [32];
        if (strncmp (line, "  ", 2) != 0 || line [2] == ' ' || sscanf (line, "%31s", name) != 1)
            continue;
        for (int dash = 0; dash < 2; dash++) {
            s_run (&r, "--api", b->api, "--agency", BUYER, name, dash? "-h": "--help", NULL);
            CHECK_MSG (r.status == 0 && strstr (r.out, "Usage:") && !*r.err,
                       "%s %s: %d %s", name, dash? "-h": "--help", r.status, r.err);
            hub_run_free (&r);
        }
        commands++;
    }
    free (list);
    CHECK_MSG (commands >= 15, "%d commands listed", commands);
    //  The longer forms, --help after other flags (even bad ones), globals after
    static const char *forms [][12] = {
        { "keys", "new", "NAME", "--help" },
        { "commission", COMMISSION, "--help" },
        { "commission", "open", "--commission", COMMISSION, "--title", "x", "--buyer", BUYER,
          "--help" },
        { "procure", "tender", "--value", "12.345", "--colour", "red", "-h" },
        { "publish", "commission.opened", "-", "--commission", COMMISSION, "--help" },
        { "history", "--since", "yesterday", "--bogus", "--help" },
        { "status", "--api", "tcp://127.0.0.1:9", "--help" },
        { "subscribe", "--cursor", "CURSOR", "--count", "1", "--help" },
        { "erase", "--commission", COMMISSION, "--response", "r", "--reason", "x", "--help" },
        { "export", "ocds", "--all", "--out", "OUT", "--help" },
        { "relay", "webhook", "--url", "http://127.0.0.1:1/", "--secret-file", "SECRET",
          "--cursor", "CURSOR", "--help" },
        { "bridge", "nats", "--url", "nats://127.0.0.1:1", "--help" },
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms [0]; i++) {
        hub_argv_t a;
        hub_argv_init (&a, b, BUYER);
        for (int k = 0; k < 12 && forms [i][k]; k++) {
            const char *word = forms [i][k];
            hub_argv_add (&a, streq (word, "NAME")? s_path ("help-key"):
                              streq (word, "CURSOR")? s_path ("help-cursor"):
                              streq (word, "OUT")? s_path ("help-out"):
                              streq (word, "SECRET")? s_path ("help-secret"): word);
        }
        hub_run_argv (&r, a.argv, NULL, 30000);
        CHECK_MSG (r.status == 0 && strstr (r.out, "Usage:") && !*r.err, "%s %s: %d %s",
                   forms [i][0], forms [i][1], r.status, r.err);
        hub_run_free (&r);
    }
    CHECK (!s_exists (s_path ("help-key.cert")) && !s_exists (s_path ("help-key.cert_secret")));
    CHECK (!s_exists (s_path ("help-cursor")) && !s_exists (s_path ("help-out")));
    CHECK (s_events (b) == before);
}

//  A bad flag: exactly one line naming it, then the way to the help; exit 2
static void
s_bad_flag (const char *want, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, NULL, NULL);
    va_list args;
    va_start (args, want);
    hub_argv_addv (&a, args);
    va_end (args);
    hub_run_t r;
    hub_run_argv (&r, a.argv, NULL, 30000);
    CHECK_MSG (r.status == 2 && streq (r.err, want) && !*r.out, "%s %s: %d '%s' (want '%s')",
               a.argv [1], a.argv [2]? a.argv [2]: "", r.status, r.err, want);
    hub_run_free (&r);
}

static void
s_bad_flags (void)
{
    //  Unknown flags, whatever the command (before anything connects)
    s_bad_flag ("cyclehub: status: unknown flag '--bogus'\nTry 'cyclehub status --help'.\n",
                "--agency", BUYER, "status", "--bogus", NULL);
    s_bad_flag ("cyclehub: unknown flag '--bogus'\nTry 'cyclehub --help'.\n",
                "--bogus", "status", NULL);
    s_bad_flag ("cyclehub: history: unknown flag '-x'\nTry 'cyclehub history --help'.\n",
                "history", "-x", NULL);
    s_bad_flag ("cyclehub: subscribe: unknown flag '--colour=red'\n"
                "Try 'cyclehub subscribe --help'.\n", "subscribe", "--colour=red", NULL);
    s_bad_flag ("cyclehub: procure tender: unknown flag '--colour'\n"
                "Try 'cyclehub procure tender --help'.\n",
                "procure", "tender", "--commission", COMMISSION, "--colour", "red", NULL);
    s_bad_flag ("cyclehub: publish: unknown flag '--type'\nTry 'cyclehub publish --help'.\n",
                "publish", "--type", "tender.published", NULL);
    s_bad_flag ("cyclehub: erase: unknown flag '--why'\nTry 'cyclehub erase --help'.\n",
                "erase", "--why", "x", NULL);
    s_bad_flag ("cyclehub: keys: unknown flag '--force'\nTry 'cyclehub keys --help'.\n",
                "keys", "new", s_path ("forced"), "--force", NULL);
    CHECK (!s_exists (s_path ("forced.cert_secret")));
    s_bad_flag ("cyclehub: status: --pretty takes no value (--pretty=yes)\n"
                "Try 'cyclehub status --help'.\n", "status", "--pretty=yes", NULL);
    //  A flag without its value, the command's own or a global one
    s_bad_flag ("cyclehub: history: --since needs a value\nTry 'cyclehub history --help'.\n",
                "history", "--since", NULL);
    s_bad_flag ("cyclehub: status: --api needs a value\nTry 'cyclehub status --help'.\n",
                "status", "--api", NULL);
    s_bad_flag ("cyclehub: --agency needs a value\nTry 'cyclehub --help'.\n", "--agency", NULL);
    s_bad_flag ("cyclehub: consult open: --title needs a value\n"
                "Try 'cyclehub consult open --help'.\n",
                "consult", "open", "--commission", COMMISSION, "--title", NULL);
    s_bad_flag ("cyclehub: export: --agency needs a value\nTry 'cyclehub export --help'.\n",
                "export", "ocds", "--all", "--agency", NULL);
    //  A bad value of a global flag after the command
    s_bad_flag ("cyclehub: status: bad value for --timeout: '0': milliseconds, 1 or more\n"
                "Try 'cyclehub status --help'.\n", "status", "--timeout", "0", NULL);
    //  An operand too many
    s_bad_flag ("cyclehub: status: unexpected argument 'now'\nTry 'cyclehub status --help'.\n",
                "status", "now", NULL);
}

int
main (void)
{
    char *dir = hub_test_tmpdir ("cli-args");
    REQUIRE (dir);
    snprintf (s_dir, sizeof s_dir, "%s", dir);
    free (dir);
    unsetenv ("CYCLEHUB_AGENCY");

    s_bad_flags ();

    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "cli-args") == 0);
    s_globals_after (&broker);
    s_help (&broker);

    hub_broker_cleanup (&broker);
    hub_test_rmtree (s_dir);
    HUB_TEST_DONE ();
}
