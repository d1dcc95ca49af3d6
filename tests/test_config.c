/*  End-to-end tests of cyclehubd's settings and log, as an operator meets
    them: real broker processes, config files in temp dirs, free ports.
    A misspelt key is refused naming the valid ones; a flag overrides the
    file; --check-config prints every key with its value and origin and
    binds nothing; D: lines only with --verbose; docs/cyclehubd.cfg.example
    runs as written and docs/operations.md names every key.
*/
#include "hub_test.h"
#include "hub_proc.h"

static char s_bin [PATH_MAX], s_cli [PATH_MAX], s_dir [PATH_MAX];

//  Writes text to DIR/name; the path in path
static void
s_write (char *path, size_t size, const char *name, const char *text)
{
    snprintf (path, size, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fputs (text, file);
    fclose (file);
}

//  Runs cyclehubd with argv's words after the binary (NULL-terminated)
static void
s_run (hub_run_t *run, const char *const *words)
{
    char *argv [40] = { s_bin };
    int argc = 1;
    for (int i = 0; words [i] && argc < 39; i++)
        argv [argc++] = (char *) words [i];
    argv [argc] = NULL;
    hub_run_argv (run, argv, NULL, 20000);
}

//  Starts cyclehubd with words, its stdout and stderr into log, and waits
//  for the endpoints it writes to endpoints; its pid, or -1 (said why)
static pid_t
s_start (const char *const *words, const char *endpoints, const char *log, char *api, char *events)
{
    char *argv [40] = { s_bin };
    int argc = 1;
    for (int i = 0; words [i] && argc < 39; i++)
        argv [argc++] = (char *) words [i];
    argv [argc] = NULL;
    unlink (endpoints);
    pid_t pid = hub_proc_spawn (argv, NULL, log, log);
    for (int i = 0; pid > 0 && i < 2000; i++) {
        char *text = hub_proc_slurp (endpoints);
        int got = text? sscanf (text, "%255s %255s", api, events): 0;
        free (text);
        if (got == 2)
            return pid;
        if (hub_proc_wait (pid, 0) != -1)
            break;
        hub_proc_sleep_ms (10);
    }
    char *text = hub_proc_slurp (log);
    fprintf (stderr, "cyclehubd did not start; its log:\n%s\n", text? text: "");
    free (text);
    return -1;
}

//  cyclehub status against api/events as the development agency; exit code
static int
s_status (const char *api, const char *events)
{
    char *argv [] = { s_cli, "--api", (char *) api, "--events", (char *) events,
                      "--agency", "GB-LAE-E09000033", "status", NULL };
    hub_run_t run;
    hub_run_argv (&run, argv, NULL, 20000);
    int status = run.status;
    if (status != 0)
        fprintf (stderr, "status: %d %s %s\n", status, run.out, run.err);
    hub_run_free (&run);
    return status;
}

//  Does the log hold a line of this level ("I:", "W:", "D:") with this
//  text? zsys writes "I: (cyclehubd) DATE TIME text"
static bool
s_logged (const char *log, const char *level, const char *text)
{
    for (const char *line = log; line && *line; line = strchr (line, '\n'), line = line? line + 1: NULL) {
        const char *end = strchr (line, '\n');
        const char *found = strstr (line, text);
        if (strncmp (line, level, strlen (level)) == 0 && found && (!end || found < end))
            return true;
    }
    return false;
}

//  A misspelt key, an unknown section, a bad value: refused, exit 2, naming
//  the key (and the valid ones), the file and the line
static void
test_refusals (void)
{
    char path [PATH_MAX + 32];
    s_write (path, sizeof path, "typo.cfg",
             "cyclehubd\n    plain = 1\n    evnets = tcp://127.0.0.1:7411\n");
    hub_run_t run;
    s_run (&run, (const char *[]) { "--config", path, NULL });
    CHECK_MSG (run.status == 2 && strstr (run.err, "typo.cfg:3: unknown key 'evnets'")
               && strstr (run.err, "the keys are: api, events, store")
               && strstr (run.err, "http_rate"), "%d %s", run.status, run.err);
    hub_run_free (&run);
    //  --check-config refuses it the same way
    s_run (&run, (const char *[]) { "--check-config", "--config", path, NULL });
    CHECK (run.status == 2 && strstr (run.err, "unknown key 'evnets'"));
    hub_run_free (&run);

    s_write (path, sizeof path, "section.cfg", "broker\n    plain = 1\n");
    s_run (&run, (const char *[]) { "--config", path, NULL });
    CHECK_MSG (run.status == 2 && strstr (run.err, "section.cfg:1: unknown section 'broker'")
               && strstr (run.err, "'cyclehubd'"), "%d %s", run.status, run.err);
    hub_run_free (&run);

    s_write (path, sizeof path, "value.cfg", "cyclehubd\n    plain = 1\n\n    http_rate = lots\n");
    s_run (&run, (const char *[]) { "--config", path, NULL });
    CHECK_MSG (run.status == 2 && strstr (run.err, "value.cfg:4: http_rate takes N, a whole "
               "number from 1 to 1000000 (not 'lots')"), "%d %s", run.status, run.err);
    hub_run_free (&run);

    //  A flag's spelling in the file is pointed at the key's
    s_write (path, sizeof path, "dash.cfg", "cyclehubd\n    plain = 1\n    http-rate = 5\n");
    s_run (&run, (const char *[]) { "--config", path, NULL });
    CHECK (run.status == 2 && strstr (run.err, "did you mean 'http_rate'?"));
    hub_run_free (&run);

    s_write (path, sizeof path, "twice.cfg", "cyclehubd\n    plain = 1\n    plain = 0\n");
    s_run (&run, (const char *[]) { "--config", path, NULL });
    CHECK (run.status == 2 && strstr (run.err, "twice.cfg:3: key 'plain' given twice"));
    hub_run_free (&run);

    s_run (&run, (const char *[]) { "--plain", "--http-rate", "0", NULL });
    CHECK (run.status == 2 && strstr (run.err, "--http-rate takes N, a whole number from 1"));
    hub_run_free (&run);
}

//  The file sets the endpoints, the store and the mode; a flag overrides
//  the api endpoint; the broker listens where the flag says
static void
test_flag_over_file (void)
{
    int file_port = hub_proc_free_port (), flag_port = hub_proc_free_port (),
        events_port = hub_proc_free_port ();
    REQUIRE (file_port && flag_port && events_port && file_port != flag_port);
    char text [PATH_MAX * 2], path [PATH_MAX + 32], endpoints [PATH_MAX + 32],
         log [PATH_MAX + 32], flag_api [64], api [256], events [256];
    snprintf (text, sizeof text, "cyclehubd\n    plain = 1\n    api = tcp://127.0.0.1:%d\n"
              "    events = tcp://127.0.0.1:%d\n    store = %s/over-store\n",
              file_port, events_port, s_dir);
    s_write (path, sizeof path, "over.cfg", text);
    snprintf (flag_api, sizeof flag_api, "tcp://127.0.0.1:%d", flag_port);
    snprintf (endpoints, sizeof endpoints, "%s/over.endpoints", s_dir);
    snprintf (log, sizeof log, "%s/over.log", s_dir);

    //  --check-config says which value came from where
    hub_run_t run;
    s_run (&run, (const char *[]) { "--check-config", "--config", path, "--api", flag_api, NULL });
    char want [PATH_MAX + 128];
    snprintf (want, sizeof want, "api = %s", flag_api);
    CHECK_MSG (run.status == 0 && strstr (run.out, want) && strstr (run.out, "# flag --api"),
               "%d %s %s", run.status, run.out, run.err);
    snprintf (want, sizeof want, "# file %s:4", path);
    CHECK_MSG (strstr (run.out, want), "no '%s' in %s", want, run.out);
    hub_run_free (&run);

    pid_t pid = s_start ((const char *[]) { "--config", path, "--api", flag_api,
                                            "--endpoints-file", endpoints, NULL },
                         endpoints, log, api, events);
    REQUIRE (pid > 0);
    CHECK_MSG (streq (api, flag_api), "bound %s, the flag said %s", api, flag_api);
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", events_port);
    CHECK (streq (events, want));
    CHECK (s_status (api, events) == 0);
    CHECK (hub_proc_stop (pid, SIGTERM, 15000) == 0);
}

//  Every key with its value and origin, a listing that loads again as a
//  config file; the checks; beside a running broker (no bind, no write)
static void
test_check_config (void)
{
    hub_run_t run;
    char store [PATH_MAX + 32], fresh [PATH_MAX + 32];
    snprintf (store, sizeof store, "%s/check-store", s_dir);
    snprintf (fresh, sizeof fresh, "%s/never-created", s_dir);
    s_run (&run, (const char *[]) { "--check-config", "--plain", "--verbose", "--store", fresh,
                                    "--http-rate", "7", NULL });
    CHECK_MSG (run.status == 0 && strstr (run.err, "configuration OK"), "%d %s", run.status, run.err);
    const char *wants [] = { "\ncyclehubd\n", "    plain = 1 ", "# flag --plain",
        "    verbose = 1 ", "# flag --verbose", "    http_rate = 7 ", "# flag --http-rate",
        "    events = tcp://127.0.0.1:7401 ", "# default", "    map_max_mib = 16384 ",
        "    clock_offset = 0s ", "    auth = \"\" ", "(none)", "    http_body_max = 1048576 " };
    for (size_t i = 0; i < sizeof wants / sizeof wants [0]; i++)
        CHECK_MSG (strstr (run.out, wants [i]), "no '%s' in:\n%s", wants [i], run.out);
    CHECK_MSG (access (fresh, F_OK) != 0, "--check-config created the store directory");

    //  The listing is a config file: it loads, and gives the same values
    char path [PATH_MAX + 32];
    s_write (path, sizeof path, "listing.cfg", run.out);
    hub_run_free (&run);
    s_run (&run, (const char *[]) { "--check-config", "--config", path, NULL });
    CHECK_MSG (run.status == 0 && strstr (run.out, "    http_rate = 7 ")
               && strstr (run.out, "    plain = 1 ") && strstr (run.out, "listing.cfg:"),
               "%d %s %s", run.status, run.out, run.err);
    hub_run_free (&run);

    //  Refusals, with the reason: no mode; plain off loopback; a store
    //  others can read; TLS half given; a TLS file that is not there
    s_run (&run, (const char *[]) { "--check-config", "--store", fresh, NULL });
    CHECK (run.status == 2 && strstr (run.err, "choose --auth DIR"));
    hub_run_free (&run);
    s_run (&run, (const char *[]) { "--check-config", "--plain", "--api", "tcp://0.0.0.0:7400",
                                    "--store", fresh, NULL });
    CHECK (run.status == 2 && strstr (run.err, "loopback"));
    hub_run_free (&run);
    char open_store [PATH_MAX + 32];
    snprintf (open_store, sizeof open_store, "%s/open-store", s_dir);
    REQUIRE (mkdir (open_store, 0755) == 0 && chmod (open_store, 0755) == 0);
    s_run (&run, (const char *[]) { "--check-config", "--plain", "--store", open_store, NULL });
    CHECK_MSG (run.status == 2 && strstr (run.err, "chmod 700"), "%d %s", run.status, run.err);
    hub_run_free (&run);
    s_run (&run, (const char *[]) { "--check-config", "--plain", "--store", fresh,
                                    "--http-cert", "/nonexistent.crt", NULL });
    CHECK (run.status == 2 && strstr (run.err, "both --http-cert and --http-key"));
    hub_run_free (&run);
    s_run (&run, (const char *[]) { "--check-config", "--plain", "--store", fresh,
                                    "--http-cert", "/nonexistent.crt", "--http-key", path, NULL });
    CHECK (run.status == 2 && strstr (run.err, "cannot read the HTTP TLS certificate /nonexistent.crt"));
    hub_run_free (&run);

    //  Beside a running broker, on its ports and store: no bind, no lock out
    char endpoints [PATH_MAX + 32], log [PATH_MAX + 32], api [256], events [256];
    snprintf (endpoints, sizeof endpoints, "%s/check.endpoints", s_dir);
    snprintf (log, sizeof log, "%s/check.log", s_dir);
    pid_t pid = s_start ((const char *[]) { "--plain", "--store", store, "--api", "tcp://127.0.0.1:*",
                                            "--events", "tcp://127.0.0.1:*", "--endpoints-file",
                                            endpoints, NULL }, endpoints, log, api, events);
    REQUIRE (pid > 0);
    s_run (&run, (const char *[]) { "--check-config", "--plain", "--store", store, "--api", api,
                                    "--events", events, NULL });
    CHECK_MSG (run.status == 0, "%d %s", run.status, run.err);
    hub_run_free (&run);
    CHECK (s_status (api, events) == 0);

    //  A second broker on the same store (its own ports) is refused at
    //  start, exit 1, naming the store and the running one's pid; the
    //  running one goes on answering
    char holder [32];
    snprintf (holder, sizeof holder, "pid %ld", (long) pid);
    s_run (&run, (const char *[]) { "--plain", "--store", store, "--api", "tcp://127.0.0.1:*",
                                    "--events", "tcp://127.0.0.1:*", NULL });
    CHECK_MSG (run.status == 1 && strstr (run.err, "already open for writing")
               && strstr (run.err, holder) && strstr (run.err, store),
               "%d %s", run.status, run.err);
    hub_run_free (&run);
    CHECK (s_status (api, events) == 0);
    CHECK (hub_proc_stop (pid, SIGTERM, 15000) == 0);
}

//  The log: start, ready (with endpoints), refused identities, shutdown,
//  key=value; D: lines only with --verbose; the CLI's library silent too
static void
test_log (void)
{
    for (int verbose = 0; verbose < 2; verbose++) {
        char store [PATH_MAX + 32], endpoints [PATH_MAX + 32], log [PATH_MAX + 32],
             api [256], events [256];
        snprintf (store, sizeof store, "%s/log-store-%d", s_dir, verbose);
        snprintf (endpoints, sizeof endpoints, "%s/log.endpoints", s_dir);
        snprintf (log, sizeof log, "%s/log-%d.log", s_dir, verbose);
        pid_t pid = s_start ((const char *[]) { "--plain", "--store", store,
            "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*",
            "--endpoints-file", endpoints, verbose? "--verbose": NULL, NULL },
            endpoints, log, api, events);
        REQUIRE (pid > 0);
        CHECK (s_status (api, events) == 0);
        //  A refused identity: a PLAIN username that is no org-id
        char *argv [] = { s_cli, "--api", api, "--events", events, "--agency", "nobody",
                          "status", NULL };
        hub_run_t run;
        hub_run_argv (&run, argv, NULL, 20000);
        CHECK (run.status != 0);
        hub_run_free (&run);
        CHECK (hub_proc_stop (pid, SIGTERM, 15000) == 0);
        char *text = hub_proc_slurp (log);
        REQUIRE (text);
        char want [PATH_MAX * 2 + 600];
        snprintf (want, sizeof want, "cyclehubd: ready api=%s events=%s http=off store=%s",
                  api, events, store);
        const char *levels [] = { "I:", "I:", "I:", "W:", "W:", "I:", "I:" };
        const char *lines [] = { "cyclehubd: start version=", "mode=plain", want,
            "zap: deny mechanism=PLAIN", "user=nobody", "cyclehubd: shutdown reason=signal",
            "cyclehubd: stopped" };
        for (size_t i = 0; i < sizeof lines / sizeof lines [0]; i++)
            CHECK_MSG (s_logged (text, levels [i], lines [i]), "no %s '%s' in:\n%s", levels [i],
                       lines [i], text);
        if (verbose)
            CHECK_MSG (s_logged (text, "D:", "zap: allow mechanism=PLAIN"), "log:\n%s", text);
        else
            CHECK_MSG (!s_logged (text, "D:", ""), "a D: line without --verbose:\n%s", text);
        free (text);
    }
    //  libcyclehub in the CLI: no D: line about its re-sends unless --verbose
    int port = hub_proc_free_port ();
    REQUIRE (port);
    char api [64];
    snprintf (api, sizeof api, "tcp://127.0.0.1:%d", port);
    for (int verbose = 0; verbose < 2; verbose++) {
        char *argv [] = { s_cli, "--api", api, "--agency", "GB-LAE-E09000033", "--timeout", "2600",
                          "status", verbose? "--verbose": NULL, NULL };
        hub_run_t run;
        hub_run_argv (&run, argv, NULL, 20000);
        CHECK (run.status != 0);
        CHECK_MSG (verbose == (strstr (run.out, "no reply for") || strstr (run.err, "no reply for")),
                   "verbose %d: %s %s", verbose, run.out, run.err);
        hub_run_free (&run);
    }
}

//  docs/cyclehubd.cfg.example: checks, starts (ports and store by flag),
//  answers status; it is the example in docs/operations.md, which names
//  every key and flag
static void
test_example (void)
{
    char example [PATH_MAX], store [PATH_MAX + 32], endpoints [PATH_MAX + 32],
         log [PATH_MAX + 32], http [64], api [256], events [256];
    hub_proc_src (example, sizeof example, "docs/cyclehubd.cfg.example");
    snprintf (store, sizeof store, "%s/example-store", s_dir);
    snprintf (endpoints, sizeof endpoints, "%s/example.endpoints", s_dir);
    snprintf (log, sizeof log, "%s/example.log", s_dir);
    int http_port = hub_proc_free_port ();
    REQUIRE (http_port);
    snprintf (http, sizeof http, "127.0.0.1:%d", http_port);
    hub_run_t run;
    s_run (&run, (const char *[]) { "--check-config", "--config", example, "--store", store, NULL });
    CHECK_MSG (run.status == 0 && strstr (run.out, "plain = 1 "), "%d %s", run.status, run.err);
    hub_run_free (&run);
    pid_t pid = s_start ((const char *[]) { "--config", example, "--store", store,
        "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*", "--http", http,
        "--endpoints-file", endpoints, NULL }, endpoints, log, api, events);
    REQUIRE (pid > 0);
    CHECK (s_status (api, events) == 0);
    CHECK (hub_proc_stop (pid, SIGTERM, 15000) == 0);

    char docs_path [PATH_MAX];
    hub_proc_src (docs_path, sizeof docs_path, "docs/operations.md");
    char *docs = hub_proc_slurp (docs_path), *file = hub_proc_slurp (example);
    REQUIRE (docs && file);
    CHECK_MSG (strstr (docs, file), "docs/operations.md does not hold %s as it is", example);
    //  Every key (from the listing) and every flag (from --help) in the docs
    s_run (&run, (const char *[]) { "--check-config", "--plain", NULL });
    char key [64];
    int keys = 0;
    for (const char *line = strstr (run.out, "\n    "); line; line = strstr (line + 1, "\n    ")) {
        if (sscanf (line, " %63[a-z_] =", key) != 1)
            continue;
        char quoted [80];
        snprintf (quoted, sizeof quoted, "`%s`", key);
        CHECK_MSG (strstr (docs, quoted), "docs/operations.md does not name the key %s", quoted);
        keys++;
    }
    CHECK (keys >= 26);
    hub_run_free (&run);
    s_run (&run, (const char *[]) { "--help", NULL });
    int flags = 0;
    for (const char *line = strstr (run.out, "\n  --"); line; line = strstr (line + 1, "\n  --")) {
        char flag [64], quoted [80];
        if (sscanf (line + 3, "%63[a-z-]", flag) != 1)
            continue;
        snprintf (quoted, sizeof quoted, "`%s", flag);
        CHECK_MSG (strstr (docs, quoted), "docs/operations.md does not name the flag %s", flag);
        flags++;
    }
    CHECK (flags >= 30);
    hub_run_free (&run);
    free (docs);
    free (file);
}

int
main (void)
{
    hub_proc_bin (s_bin, sizeof s_bin, "broker/cyclehubd");
    hub_proc_bin (s_cli, sizeof s_cli, "clients/cyclehub");
    char *dir = hub_test_tmpdir ("config");
    REQUIRE (dir);
    snprintf (s_dir, sizeof s_dir, "%s", dir);
    free (dir);
    test_refusals ();
    test_flag_over_file ();
    test_check_config ();
    test_log ();
    test_example ();
    if (!getenv ("HUB_KEEP_TMP"))
        hub_test_rmtree (s_dir);
    HUB_TEST_DONE ();
}
