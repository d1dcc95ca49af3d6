/*  bench_bridge: events per second `cyclehub bridge nats` carries from the
    hub into a one-node and a three-node (3 replicas) JetStream, beside the
    plain JetStream async publish rate of 200-byte messages measured in the
    same run on the same servers. Everything on free loopback ports.

    usage: bench_bridge [EVENTS [WINDOW]]   (default 100000 events, window 256)
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_nats.h"
#include "cyclehub.h"
#include <czmq.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#define S_AGENCY "GB-LAE-E09000033"

static jsCtx *
s_js (const char *url, natsConnection **conn_p)
{
    natsOptions *options = NULL;
    natsOptions_Create (&options);
    natsOptions_SetURL (options, url);
    natsOptions_SetTimeout (options, 500);
    natsOptions_SetAllowReconnect (options, false);
    jsCtx *js = NULL;
    *conn_p = NULL;
    if (natsConnection_Connect (conn_p, options) == NATS_OK) {
        jsOptions js_options;
        jsOptions_Init (&js_options);
        js_options.Wait = 5000;
        js_options.PublishAsync.MaxPending = 256;
        js_options.PublishAsync.StallWait = 5000;
        natsConnection_JetStream (&js, *conn_p, &js_options);
    }
    natsOptions_Destroy (options);
    return js;
}

static void
s_js_close (jsCtx *js, natsConnection *conn)
{
    jsCtx_Destroy (js);
    natsConnection_Destroy (conn);
}

//  Starts nodes nats-servers (a cluster if more than one) and waits until
//  every JetStream answers. Returns 0 or -1.
static int
s_nats_up (hub_nats_t *n, int nodes, const char *base)
{
    for (int i = 0; i < nodes; i++) {
        char name [16];
        snprintf (name, sizeof name, "b%d-%d", nodes % 10, (i + 1) % 10);
        hub_nats_init (&n [i], base, name, nodes > 1);
    }
    hub_nats_routes (n, nodes);
    for (int i = 0; i < nodes; i++)
        hub_nats_spawn_node (&n [i], "bench");
    int64_t deadline = hub_proc_now_ms () + 30000;
    while (hub_proc_now_ms () < deadline) {
        bool ready = true;
        for (int i = 0; i < nodes && ready; i++)
            ready = hub_nats_ready (n [i].url, nodes);
        if (ready)
            return 0;
        hub_proc_sleep_ms (100);
    }
    return -1;
}

static void
s_nats_down (hub_nats_t *n, int nodes)
{
    for (int i = 0; i < nodes; i++)
        if (n [i].pid > 0)
            hub_proc_stop (n [i].pid, SIGTERM, 10000);
}

static int64_t
s_count (jsCtx *js, const char *stream, uint64_t *bytes)
{
    jsStreamInfo *info = NULL;
    if (js_GetStreamInfo (&info, js, stream, NULL, NULL) != NATS_OK)
        return -1;
    int64_t count = (int64_t) info->State.Msgs;
    if (bytes)
        *bytes = info->State.Bytes;
    jsStreamInfo_Destroy (info);
    return count;
}

//  Plain JetStream async publish of count 200-byte messages, window 256.
static double
s_plain_rate (const char *url, int replicas, long count)
{
    natsConnection *conn;
    jsCtx *js = s_js (url, &conn);
    if (!js)
        return 0;
    if (hub_nats_add_stream (js, "PLAIN", "plain.bench", replicas) != NATS_OK) {
        s_js_close (js, conn);
        return 0;
    }
    char body [200];
    memset (body, 'p', sizeof body);
    int64_t start = hub_proc_now_ms ();
    for (long i = 0; i < count; i++)
        if (js_PublishAsync (js, "plain.bench", body, sizeof body, NULL) != NATS_OK)
            break;
    jsPubOptions options;
    jsPubOptions_Init (&options);
    options.MaxWait = 60000;
    js_PublishAsyncComplete (js, &options);
    int64_t elapsed = hub_proc_now_ms () - start;
    int64_t stored = s_count (js, "PLAIN", NULL);
    js_DeleteStream (js, "PLAIN", NULL, NULL);
    s_js_close (js, conn);
    return stored == count && elapsed > 0? count * 1000.0 / (double) elapsed: 0;
}

//  Runs the bridge from an empty stream until it holds count events.
static double
s_bridge_rate (const hub_broker_proc_t *broker, const char *url, const char *urls,
               const char *replicas, const char *window, long count, const char *log,
               double *avg_bytes)
{
    natsConnection *conn;
    jsCtx *js = s_js (url, &conn);
    if (!js)
        return 0;
    hub_argv_t a;
    hub_argv_init (&a, broker, S_AGENCY);
    char *rest [] = { "bridge", "nats", "--url", (char *) urls, "--replicas", (char *) replicas,
                      "--window", (char *) window, NULL };
    for (int i = 0; rest [i]; i++)
        hub_argv_add (&a, rest [i]);
    int64_t start = hub_proc_now_ms ();
    pid_t bridge = hub_nats_spawn (a.argv, log);
    int64_t seen = 0, deadline = start + 300000;
    uint64_t bytes = 0;
    while (seen < count && hub_proc_now_ms () < deadline) {
        hub_proc_sleep_ms (5);
        seen = s_count (js, "CYCLEHUB", &bytes);
    }
    int64_t elapsed = hub_proc_now_ms () - start;
    hub_proc_stop (bridge, SIGTERM, 15000);
    *avg_bytes = seen > 0? (double) bytes / (double) seen: 0;
    js_DeleteStream (js, "CYCLEHUB", NULL, NULL);
    s_js_close (js, conn);
    return seen == count && elapsed > 0? count * 1000.0 / (double) elapsed: 0;
}

int
main (int argc, char *argv [])
{
    long count = argc > 1? atol (argv [1]): 100000;
    const char *window = argc > 2? argv [2]: "256";
    (void) hub_test_passed;
    (void) hub_test_failed;
    if (!getenv ("HUB_BIN_DIR"))
        setenv ("HUB_BIN_DIR", HUB_BENCH_BIN_DIR, 1);
    zsys_init ();
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    if (hub_broker_start (&broker, "bench-bridge")) {
        fprintf (stderr, "cyclehubd did not start\n");
        return 1;
    }
    char *base = hub_test_tmpdir ("bench-bridge-nats");

    //  The hub: count events (4 commissions opened, then partner updates)
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = broker.api;
    options.agency = S_AGENCY;
    options.window = 256;
    hub_client_t *client = hub_client_new (&options);
    int64_t start = hub_proc_now_ms ();
    for (long i = 0; i < count; i++) {
        Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__CommissionOpened opened = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
        Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
        char commission [32], title [32];
        snprintf (commission, sizeof commission, "ocds-abc123-%04ld", i % 4);
        env.commission_id = commission;
        if (i < 4) {
            opened.title = "Adult social care";
            opened.buyer = S_AGENCY;
            env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
            env.commission_opened = &opened;
        }
        else {
            snprintf (title, sizeof title, "update %ld", i);
            update.title = title;
            update.body = "Capacity is on track for the winter; the day centres reopen in March.";
            env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
            env.partner_update = &update;
        }
        if (hub_client_publish_async (client, &env, NULL, NULL) != HUB_OK)
            break;
    }
    hub_client_flush (client, 60000);
    double hub_rate = count * 1000.0 / (double) (hub_proc_now_ms () - start + 1);
    hub_client_destroy (&client);

    double plain [2] = { 0 }, bridged [2] = { 0 }, avg [2] = { 0 };
    for (int run = 0; run < 2; run++) {
        int nodes = run? 3: 1;
        hub_nats_t n [3];
        if (s_nats_up (n, nodes, base)) {
            fprintf (stderr, "nats-server (%d nodes) did not get ready\n", nodes);
            s_nats_down (n, nodes);
            continue;
        }
        char urls [256] = "", log [PATH_MAX + 32];
        for (int i = 0; i < nodes; i++) {
            size_t len = strlen (urls);
            snprintf (urls + len, sizeof urls - len, "%s%s", i? ",": "", n [i].url);
        }
        snprintf (log, sizeof log, "%s/bridge-%d.log", base, nodes);
        plain [run] = s_plain_rate (n [0].url, nodes, count);
        bridged [run] = s_bridge_rate (&broker, n [0].url, urls, nodes > 1? "3": "1", window,
                                       count, log, &avg [run]);
        s_nats_down (n, nodes);
    }
    printf ("bench_bridge: %ld events, bridge window %s (hub filled at %.0f events/s)\n",
            count, window, hub_rate);
    printf ("| JetStream            | plain async publish, 200 B | bridge, hub events (avg size) |\n");
    printf ("|----------------------|----------------------------|-------------------------------|\n");
    for (int run = 0; run < 2; run++)
        printf ("| %-20s | %19.0f msgs/s | %14.0f events/s (%3.0f B) |\n",
                run? "3 nodes, R3, file": "1 node, R1, file", plain [run], bridged [run], avg [run]);
    hub_broker_cleanup (&broker);
    if (!getenv ("HUB_KEEP_TMP"))
        hub_test_rmtree (base);
    free (base);
    nats_Close ();
    return plain [0] > 0 && bridged [0] > 0 && plain [1] > 0 && bridged [1] > 0? 0: 1;
}
