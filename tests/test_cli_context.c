/*  Reaching a hub, over real processes: each connection setting from its
    flag, else its environment variable, else the selected context of the
    client config file (~/.config/cyclehub/config or --config), else the
    default; `cyclehub context list|use|show`; a config file with an
    unknown key or an unknown context is refused, naming it and the valid
    ones. (CURVE settings from a context: test_cli_identity.)
*/
#include <czmq.h>
#include "hub_test.h"
#include "hub_proc.h"

#define BUYER "GB-LAE-E09000033"
#define DEAD  "tcp://127.0.0.1:1"

static char s_home [PATH_MAX];
static char s_config [PATH_MAX + 64];

//  Runs `cyclehub ARGS...` (no flags added) with a short timeout
static void
s_run (hub_run_t *run, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, NULL, NULL);
    hub_argv_add (&a, "--timeout");
    hub_argv_add (&a, "500");
    va_list args;
    va_start (args, run);
    hub_argv_addv (&a, args);
    va_end (args);
    hub_run_argv (run, a.argv, NULL, 20000);
}

//  True if status ran against the live broker (its hubId printed)
static bool
s_reached (hub_run_t *run)
{
    bool reached = run->status == 0 && strstr (run->out, "hubId");
    if (!reached)
        fprintf (stderr, "  status %d out '%s' err '%s'\n", run->status, run->out, run->err);
    hub_run_free (run);
    return reached;
}

static int
s_status (hub_run_t *run)
{
    int status = run->status;
    hub_run_free (run);
    return status;
}

static void
s_write (const char *path, const char *text)
{
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fputs (text, file);
    fclose (file);
}

static void
test_environment (const hub_broker_proc_t *b)
{
    hub_run_t run;
    //  No flags, no config: the environment
    setenv ("CYCLEHUB_API", b->api, 1);
    setenv ("CYCLEHUB_EVENTS", b->events, 1);
    setenv ("CYCLEHUB_AGENCY", BUYER, 1);
    s_run (&run, "status", NULL);
    CHECK (s_reached (&run));
    s_run (&run, "subscribe", "--count", "1", "--from", "1", NULL);
    CHECK_MSG (run.status == 0 && strstr (run.out, "commission.opened"), "%d %s", run.status,
               run.err);
    hub_run_free (&run);
    //  A flag beats the variable
    setenv ("CYCLEHUB_API", DEAD, 1);
    s_run (&run, "status", NULL);
    CHECK (s_status (&run) == 3);
    s_run (&run, "status", "--api", b->api, NULL);
    CHECK (s_reached (&run));
    unsetenv ("CYCLEHUB_API");
    unsetenv ("CYCLEHUB_EVENTS");
    unsetenv ("CYCLEHUB_AGENCY");
    //  Nothing at all: who are you?
    s_run (&run, "status", NULL);
    CHECK_MSG (run.status == 2 && strstr (run.err, "who are you"), "%d %s", run.status, run.err);
    hub_run_free (&run);
}

static void
test_contexts (const hub_broker_proc_t *b)
{
    char text [2048];
    snprintf (text, sizeof text,
              "# my hubs\n"
              "current = dead\n"
              "context\n"
              "    dead\n"
              "        description = \"nothing listens here\"\n"
              "        api = " DEAD "\n"
              "        events = " DEAD "\n"
              "        agency = " BUYER "\n"
              "    dev\n"
              "        description = \"the test hub\"\n"
              "        api = %s\n"
              "        events = %s\n"
              "        agency = " BUYER "\n"
              "        timeout = 3000\n", b->api, b->events);
    s_write (s_config, text);
    hub_run_t run;
    //  ~/.config/cyclehub/config, its current context
    s_run (&run, "status", NULL);
    CHECK (s_status (&run) == 3);
    //  --context, before or after the command; $CYCLEHUB_CONTEXT
    s_run (&run, "--context", "dev", "status", NULL);
    CHECK (s_reached (&run));
    s_run (&run, "history", "--context", "dev", NULL);
    CHECK_MSG (run.status == 0 && strstr (run.out, "commission.opened"), "%d %s", run.status,
               run.err);
    hub_run_free (&run);
    setenv ("CYCLEHUB_CONTEXT", "dev", 1);
    s_run (&run, "status", NULL);
    CHECK (s_reached (&run));
    //  ... a variable beats the context, a flag the variable
    setenv ("CYCLEHUB_API", DEAD, 1);
    s_run (&run, "status", NULL);
    CHECK (s_status (&run) == 3);
    s_run (&run, "--api", b->api, "status", NULL);
    CHECK (s_reached (&run));
    unsetenv ("CYCLEHUB_API");
    unsetenv ("CYCLEHUB_CONTEXT");
    //  context list marks the current one; use selects another, keeping
    //  the file's comments and the rest
    s_run (&run, "context", "list", NULL);
    CHECK_MSG (run.status == 0 && strstr (run.out, "* dead") && strstr (run.out, "  dev")
               && strstr (run.out, "the test hub"), "%d %s %s", run.status, run.out, run.err);
    hub_run_free (&run);
    s_run (&run, "context", "use", "dev", NULL);
    CHECK (s_status (&run) == 0);
    char *file = hub_proc_slurp (s_config);
    CHECK (file && strstr (file, "# my hubs\ncurrent = \"dev\"\ncontext\n"));
    free (file);
    s_run (&run, "status", NULL);
    CHECK (s_reached (&run));
    s_run (&run, "context", "show", NULL);
    CHECK_MSG (run.status == 0 && strstr (run.out, "context          dev")
               && strstr (run.out, "(context)") && strstr (run.out, "timeout          500"),
               "%s", run.out);
    hub_run_free (&run);
    s_run (&run, "--agency", "GB-NHS-RWE", "context", "show", NULL);
    CHECK (strstr (run.out, "agency           GB-NHS-RWE (flag)"));
    hub_run_free (&run);
    //  An unknown context is refused, listing the contexts
    s_run (&run, "--context", "prod", "status", NULL);
    CHECK_MSG (run.status == 2 && strstr (run.err, "no context 'prod'")
               && strstr (run.err, "dead, dev"), "%d %s", run.status, run.err);
    hub_run_free (&run);
    s_run (&run, "context", "use", "prod", NULL);
    CHECK (s_status (&run) == 2);
}

static void
test_bad_files (const hub_broker_proc_t *b)
{
    char other [PATH_MAX + 16];
    snprintf (other, sizeof other, "%s/other.cfg", s_home);
    hub_run_t run;
    //  --config names a file: it must exist
    s_run (&run, "--config", other, "--api", b->api, "--agency", BUYER, "status", NULL);
    CHECK_MSG (run.status == 2 && strstr (run.err, "no config file"), "%d %s", run.status, run.err);
    hub_run_free (&run);
    //  A misspelt key is named, with the valid keys
    s_write (other, "context\n    dev\n        evnets = tcp://127.0.0.1:7401\n");
    s_run (&run, "--config", other, "--context", "dev", "status", NULL);
    CHECK_MSG (run.status == 2 && strstr (run.err, "unknown key 'evnets'")
               && strstr (run.err, "server-key-file"), "%d %s", run.status, run.err);
    hub_run_free (&run);
    //  ... a misplaced key (a context with a value) and a stray section
    s_write (other, "context\n    api = tcp://127.0.0.1:7400\n");
    s_run (&run, "--config", other, "context", "list", NULL);
    CHECK_MSG (run.status == 2 && strstr (run.err, "context 'api' has a value"), "%d %s",
               run.status, run.err);
    hub_run_free (&run);
    s_write (other, "contexts\n    dev\n        api = tcp://127.0.0.1:7400\n");
    s_run (&run, "--config", other, "context", "list", NULL);
    CHECK_MSG (run.status == 2 && strstr (run.err, "unknown section 'contexts'"), "%d %s",
               run.status, run.err);
    hub_run_free (&run);
    //  A bad timeout
    s_write (other, "context\n    dev\n        timeout = soon\n        agency = " BUYER "\n");
    s_run (&run, "--config", other, "--context", "dev", "status", NULL);
    CHECK (s_status (&run) == 2);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    unsetenv ("CYCLEHUB_AGENCY");
    unsetenv ("CYCLEHUB_CONFIG");
    unsetenv ("CYCLEHUB_CONTEXT");
    unsetenv ("XDG_CONFIG_HOME");
    char *home = hub_test_tmpdir ("context-home");
    REQUIRE (home);
    snprintf (s_home, sizeof s_home, "%s", home);
    free (home);
    setenv ("HOME", s_home, 1);
    char dir [PATH_MAX + 32];
    snprintf (dir, sizeof dir, "%s/.config/cyclehub", s_home);
    REQUIRE (zsys_dir_create ("%s", dir) == 0);
    snprintf (s_config, sizeof s_config, "%s/config", dir);

    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "context") == 0);
    hub_run_t run;
    hub_cli (&run, &broker, BUYER, NULL, "commission", "open", "--commission",
             "ocds-h6vhtk-ctx001", "--title", "Carers", "--buyer", BUYER, NULL);
    REQUIRE (run.status == 0);
    hub_run_free (&run);

    test_environment (&broker);
    test_contexts (&broker);
    test_bad_files (&broker);
    hub_broker_cleanup (&broker);
    hub_test_rmtree (s_home);
    HUB_TEST_DONE ();
}
