/*  The CLI's identity errors, over real processes: a broker that refuses
    who the client is says so at once (exit 5, well under the timeout) with
    a sentence naming what failed and what to check, instead of waiting out
    the timeout and calling the broker unreachable (exit 3); and the
    broker's log names the key or org-id it refused.
    Cases: an unregistered CURVE key, a wrong broker key, a PLAIN client
    against a CURVE broker (all against a real CURVE cyclehubd), a CURVE
    client against a development (PLAIN) broker, and an org-id the
    development broker refuses.
*/
#include <czmq.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "hub_test.h"
#include "hub_proc.h"

#define BUYER "GB-LAE-E09000033"

typedef struct {
    char dir [PATH_MAX];
    char auth [PATH_MAX + 8];
    char broker_cert [PATH_MAX + 32];   //  the broker's public certificate
    char buyer [PATH_MAX + 96];         //  registered: its secret certificate
    char stranger [PATH_MAX + 96];      //  not registered
    char other_cert [PATH_MAX + 96];    //  another broker's public certificate
    hub_broker_proc_t proc;
} s_curve_t;

//  Saves a new certificate pair as path (public) and path_secret.
static zcert_t *
s_cert (const char *path)
{
    zcert_t *cert = zcert_new ();
    REQUIRE (cert && zcert_save (cert, path) == 0);
    return cert;
}

//  Starts cyclehubd on a new temp dir: with CURVE keys and a registry, or
//  in development mode (plain). Its log (stdout) is kept for the checks.
static void
s_broker_start (s_curve_t *hub, bool plain)
{
    char *dir = hub_test_tmpdir ("identity");
    REQUIRE (dir);
    snprintf (hub->dir, sizeof hub->dir, "%s", dir);
    free (dir);
    snprintf (hub->auth, sizeof hub->auth, "%s/auth", hub->dir);
    char path [PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/agencies", hub->auth);
    REQUIRE (zsys_dir_create ("%s", path) == 0);
    snprintf (hub->broker_cert, sizeof hub->broker_cert, "%s/broker.cert", hub->auth);
    zcert_t *certs [4];
    certs [0] = s_cert (hub->broker_cert);
    snprintf (path, sizeof path, "%s/agencies/buyer.cert", hub->auth);
    certs [1] = s_cert (path);
    snprintf (hub->buyer, sizeof hub->buyer, "%s_secret", path);
    snprintf (path, sizeof path, "%s/stranger.cert", hub->dir);
    certs [2] = s_cert (path);
    snprintf (hub->stranger, sizeof hub->stranger, "%s_secret", path);
    snprintf (hub->other_cert, sizeof hub->other_cert, "%s/other.cert", hub->dir);
    certs [3] = s_cert (hub->other_cert);
    for (int i = 0; i < 4; i++)
        zcert_destroy (&certs [i]);
    snprintf (path, sizeof path, "%s/agencies.cfg", hub->auth);
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fprintf (file, "agency\n    " BUYER "\n        roles = \"commissioner\"\n"
             "        ocid-prefixes = \"ocds-h6vhtk\"\n        cert = \"agencies/buyer.cert\"\n");
    fclose (file);
    snprintf (hub->proc.dir, sizeof hub->proc.dir, "%s", hub->dir);
    snprintf (hub->proc.store, sizeof hub->proc.store, "%s/store", hub->dir);
    snprintf (hub->proc.endpoints, sizeof hub->proc.endpoints, "%s/endpoints", hub->dir);
    snprintf (hub->proc.log, sizeof hub->proc.log, "%s/broker.log", hub->dir);
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "broker/cyclehubd");
    char *argv [] = { bin, "--store", hub->proc.store, "--api", "tcp://127.0.0.1:*",
                      "--events", "tcp://127.0.0.1:*", "--endpoints-file", hub->proc.endpoints,
                      plain? "--plain": "--auth", plain? NULL: hub->auth, NULL };
    char err [PATH_MAX + 48];
    snprintf (err, sizeof err, "%s.stderr", hub->proc.log);
    hub->proc.pid = hub_proc_spawn (argv, NULL, hub->proc.log, err);
    REQUIRE (hub->proc.pid > 0);
    for (int i = 0; i < 1000 && !*hub->proc.api; i++) {
        char *text = hub_proc_slurp (hub->proc.endpoints);
        if (!text || sscanf (text, "%255s %255s", hub->proc.api, hub->proc.events) != 2)
            *hub->proc.api = 0;
        free (text);
        REQUIRE (hub_proc_wait (hub->proc.pid, 0) == -1);
        hub_proc_sleep_ms (10);
    }
    REQUIRE (*hub->proc.api);
}

//  `cyclehub --api .. --events .. IDENTITY... COMMAND...` (NULL ends the
//  identity words, then NULL ends the command)
static void
s_run (hub_run_t *run, const hub_broker_proc_t *proc, const char *const *identity,
       const char *const *command)
{
    hub_argv_t a;
    hub_argv_init (&a, proc, NULL);
    for (int i = 0; identity [i]; i++)
        hub_argv_add (&a, identity [i]);
    for (int i = 0; command [i]; i++)
        hub_argv_add (&a, command [i]);
    hub_run_argv (run, a.argv, NULL, 20000);
}

//  Runs each command under identity and checks a refusal: exit 5, quickly
//  (the timeout is the default 5 s), the sentence holding needle, nothing
//  on stdout.
static void
s_refused (const hub_broker_proc_t *proc, const char *const *identity, const char *needle)
{
    const char *status [] = { "status", NULL };
    const char *history [] = { "history", NULL };
    const char *subscribe [] = { "subscribe", "--from", "1", NULL };
    const char *publish [] = { "commission", "open", "--commission", "ocds-h6vhtk-id0001",
                               "--title", "Carers", "--buyer", BUYER, NULL };
    const char *const *commands [] = { status, history, subscribe, publish };
    for (int i = 0; i < 4; i++) {
        hub_run_t run;
        s_run (&run, proc, identity, commands [i]);
        CHECK_MSG (run.status == 5 && run.elapsed_ms < 2500 && strstr (run.err, needle)
                   && *run.out == 0,
                   "%s with %s: status %d after %" PRId64 " ms, err '%s' (want '%s')",
                   commands [i][0], identity [0], run.status, run.elapsed_ms, run.err, needle);
        hub_run_free (&run);
    }
}

static bool
s_log_holds (const hub_broker_proc_t *proc, const char *text)
{
    char *log = hub_proc_slurp (proc->log);
    bool holds = log && strstr (log, text);
    free (log);
    return holds;
}

static void
test_curve_broker (void)
{
    s_curve_t hub;
    memset (&hub, 0, sizeof hub);
    s_broker_start (&hub, false);
    //  The registered key works
    const char *good [] = { "--cert", hub.buyer, "--server-key-file", hub.broker_cert, NULL };
    const char *status [] = { "status", NULL };
    hub_run_t run;
    s_run (&run, &hub.proc, good, status);
    CHECK_MSG (run.status == 0 && strstr (run.out, "hubId"), "good key: %d %s", run.status,
               run.err);
    hub_run_free (&run);

    //  The same from a context of a config file, its paths relative to it
    char config [PATH_MAX + 16], text [1024];
    snprintf (config, sizeof config, "%s/config", hub.dir);
    snprintf (text, sizeof text, "context\n    prod\n        api = %s\n        events = %s\n"
              "        cert = auth/agencies/buyer.cert_secret\n"
              "        server-key-file = auth/broker.cert\n", hub.proc.api, hub.proc.events);
    FILE *file = fopen (config, "w");
    REQUIRE (file);
    fputs (text, file);
    fclose (file);
    const char *context [] = { "--config", config, "--context", "prod", NULL };
    hub_argv_t a;
    hub_argv_init (&a, NULL, NULL);
    for (int i = 0; context [i]; i++)
        hub_argv_add (&a, context [i]);
    hub_argv_add (&a, "status");
    hub_run_argv (&run, a.argv, NULL, 20000);
    CHECK_MSG (run.status == 0 && strstr (run.out, "hubId"), "context: %d %s", run.status,
               run.err);
    hub_run_free (&run);

    //  A key the registry does not hold: named, with what to do
    const char *unregistered [] = { "--cert", hub.stranger, "--server-key-file", hub.broker_cert,
                                    NULL };
    s_refused (&hub.proc, unregistered, "is not registered");
    zcert_t *stranger = zcert_load (hub.stranger);
    REQUIRE (stranger);
    char key_field [64];
    snprintf (key_field, sizeof key_field, "key=%s", zcert_public_txt (stranger));
    //  ... and the broker's log names the key it refused
    CHECK_MSG (s_log_holds (&hub.proc, key_field), "broker log lacks %s", key_field);
    hub_run_t said;
    s_run (&said, &hub.proc, unregistered, status);
    CHECK (strstr (said.err, zcert_public_txt (stranger)));
    hub_run_free (&said);
    zcert_destroy (&stranger);

    //  Another broker's key: the broker cannot read our hello and hangs up
    const char *wrong_key [] = { "--cert", hub.buyer, "--server-key-file", hub.other_cert, NULL };
    s_refused (&hub.proc, wrong_key, "probably not this broker's");

    //  A development-mode client (PLAIN, an org-id) against CURVE
    const char *plain [] = { "--agency", BUYER, NULL };
    s_refused (&hub.proc, plain, "wants CURVE");

    //  A broker that is not there is still "unreachable", after the timeout
    hub_broker_proc_t gone = { .api = "tcp://127.0.0.1:1", .events = "tcp://127.0.0.1:2" };
    const char *quick [] = { "--agency", BUYER, "--timeout", "300", NULL };
    s_run (&run, &gone, quick, status);
    CHECK_MSG (run.status == 3 && strstr (run.err, "cannot be reached"), "gone: %d %s",
               run.status, run.err);
    hub_run_free (&run);
    hub_broker_cleanup (&hub.proc);
}

static void
test_plain_broker (void)
{
    s_curve_t hub;
    memset (&hub, 0, sizeof hub);
    s_broker_start (&hub, true);
    hub_broker_proc_t proc = hub.proc;
    //  An org-id the development broker refuses: the org-id is named
    const char *bad_org [] = { "--agency", "tower-hamlets", NULL };
    s_refused (&proc, bad_org, "refused the agency 'tower-hamlets'");
    CHECK_MSG (s_log_holds (&proc, "user=tower-hamlets"), "broker log lacks the org-id");
    //  CURVE keys against a development broker
    char *dir = hub_test_tmpdir ("identity-keys");
    REQUIRE (dir);
    char mine [PATH_MAX + 16], broker [PATH_MAX + 16], secret [PATH_MAX + 32];
    snprintf (mine, sizeof mine, "%s/me.cert", dir);
    snprintf (broker, sizeof broker, "%s/broker.cert", dir);
    snprintf (secret, sizeof secret, "%s_secret", mine);
    zcert_t *a = s_cert (mine), *b = s_cert (broker);
    zcert_destroy (&a);
    zcert_destroy (&b);
    const char *curve [] = { "--cert", secret, "--server-key-file", broker, NULL };
    s_refused (&proc, curve, "development mode (PLAIN)");
    hub_test_rmtree (dir);
    free (dir);
    hub_broker_cleanup (&proc);
}

//  A listener that is not a broker: it takes `closes` connections and
//  closes each at once, without a word, then stops listening
typedef struct {
    int fd;
    int closes;
    int accepted;
} s_closer_t;

static void *
s_closer_run (void *arg)
{
    s_closer_t *self = arg;
    while (self->accepted < self->closes) {
        struct pollfd pfd = { self->fd, POLLIN, 0 };
        if (poll (&pfd, 1, 5000) <= 0)
            break;
        int conn = accept (self->fd, NULL, NULL);
        if (conn >= 0) {
            close (conn);
            self->accepted++;
        }
    }
    close (self->fd);
    return NULL;
}

//  Runs `cyclehub status` against a listener that closes `closes`
//  connections without a word (then is gone); the run and how many
//  connections the client made
static int
s_against_closer (int closes, hub_run_t *run)
{
    s_closer_t closer = { socket (AF_INET, SOCK_STREAM, 0), closes, 0 };
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;
    REQUIRE (closer.fd >= 0 && bind (closer.fd, (struct sockaddr *) &addr, len) == 0
             && listen (closer.fd, 8) == 0
             && getsockname (closer.fd, (struct sockaddr *) &addr, &len) == 0);
    hub_broker_proc_t proc = { .events = "tcp://127.0.0.1:1" };
    snprintf (proc.api, sizeof proc.api, "tcp://127.0.0.1:%d", ntohs (addr.sin_port));
    pthread_t thread;
    REQUIRE (pthread_create (&thread, NULL, s_closer_run, &closer) == 0);
    const char *quick [] = { "--agency", BUYER, "--timeout", "1500", NULL };
    const char *status [] = { "status", NULL };
    s_run (run, &proc, quick, status);
    pthread_join (thread, NULL);
    return closer.accepted;
}

//  A connection closed without a word before any handshake is a CURVE
//  broker refusing a PLAIN client, or a broker killed during the
//  handshake. The client connects once more at once to tell them apart:
//  a refusal closes the second connection too, a dead broker takes none.
static void
test_silent_close (void)
{
    hub_run_t run;
    int connections = s_against_closer (5, &run);
    CHECK_MSG (run.status == 5 && strstr (run.err, "wants CURVE") && connections == 2,
               "closed each time: status %d after %d connections, err '%s'", run.status,
               connections, run.err);
    hub_run_free (&run);
    connections = s_against_closer (1, &run);
    CHECK_MSG (run.status == 3 && strstr (run.err, "cannot be reached") && connections == 1,
               "closed once, then gone: status %d after %d connections, err '%s'",
               run.status, connections, run.err);
    hub_run_free (&run);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    test_curve_broker ();
    test_plain_broker ();
    test_silent_close ();
    HUB_TEST_DONE ();
}
