/*  test_bridge: `cyclehub bridge nats` end to end, against a real cyclehubd
    and real nats-server processes on loopback: every hub seq lands in the
    stream once and in order, across a killed bridge, a restarted NATS
    server, and a three-node cluster losing its stream leader. The library
    (clients/integrations/bridge) is also called directly for its checks.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_nats.h"
#include "cyclehub.h"
#include "hub_bridge.h"
#include <czmq.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#define S_AGENCY    "GB-LAE-E09000033"
#define S_COMMISSIONS 4
#define S_MAX_PROCS 16

static const char *s_commission [S_COMMISSIONS] = {
    "ocds-abc123-0001", "ocds-abc123-0002", "ocds-abc123-0003", "ocds-abc123-a.b"
};

//  Every child process, so that no exit path leaves one behind
static pid_t s_procs [S_MAX_PROCS];

static void
s_track (pid_t pid)
{
    for (int i = 0; i < S_MAX_PROCS; i++)
        if (s_procs [i] == 0) {
            s_procs [i] = pid;
            return;
        }
}

static void
s_untrack (pid_t pid)
{
    for (int i = 0; i < S_MAX_PROCS; i++)
        if (s_procs [i] == pid)
            s_procs [i] = 0;
}

static void
s_kill_all (void)
{
    for (int i = 0; i < S_MAX_PROCS; i++)
        if (s_procs [i] > 0) {
            kill (s_procs [i], SIGKILL);
            waitpid (s_procs [i], NULL, 0);
            s_procs [i] = 0;
        }
}

//  Like hub_proc_spawn, but the child dies with the test (even SIGKILLed)
static pid_t
s_spawn (char *const argv [], const char *err_path)
{
    pid_t pid = hub_nats_spawn (argv, err_path);
    if (pid > 0)
        s_track (pid);
    return pid;
}

static int
s_stop (pid_t *pid, int sig, int timeout_ms)
{
    if (*pid <= 0)
        return -1;
    int rc = hub_proc_stop (*pid, sig, timeout_ms);
    s_untrack (*pid);
    *pid = 0;
    return rc;
}

//  --------------------------------------------------------------------------
//  nats-server processes

static int
s_nats_start (hub_nats_t *n, int wait_ms)
{
    if (hub_nats_spawn_node (n, "hubtest") > 0)
        s_track (n->pid);
    if (n->pid <= 0 || wait_ms == 0)
        return n->pid > 0? 0: -1;
    int64_t deadline = hub_proc_now_ms () + wait_ms;
    while (hub_proc_now_ms () < deadline) {
        if (hub_nats_ready (n->url, 1))
            return 0;
        if (hub_proc_wait (n->pid, 0) != -1) {
            s_untrack (n->pid);
            n->pid = 0;
            break;
        }
        hub_proc_sleep_ms (50);
    }
    fprintf (stderr, "nats-server %s did not get ready; log:\n", n->name);
    char *log = hub_proc_slurp (n->log);
    fprintf (stderr, "%s\n", log? log: "");
    free (log);
    return -1;
}

//  --------------------------------------------------------------------------
//  The hub side

static void
s_on_result (const hub_result_t *result, void *arg)
{
    int *failed = arg;
    if (result->rc != HUB_OK) {
        (*failed)++;
        fprintf (stderr, "publish failed: %s %s\n", hub_strerror (result->rc), result->reason);
    }
}

//  Opens the commissions (first == 0), then publishes partner updates
//  round robin until count events were published in this call.
static void
s_publish (const hub_broker_proc_t *broker, int first, int count)
{
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = broker->api;
    options.agency = S_AGENCY;
    options.window = 256;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    int failed = 0;
    hub_client_set_handler (client, s_on_result, &failed);
    for (int i = first; i < first + count; i++) {
        Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        Cyclehub__V1__CommissionOpened opened = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
        Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
        char title [64];
        env.commission_id = (char *) s_commission [i % S_COMMISSIONS];
        if (i < S_COMMISSIONS) {
            opened.title = "Adult social care";
            opened.buyer = S_AGENCY;
            env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
            env.commission_opened = &opened;
        }
        else {
            snprintf (title, sizeof title, "update %d", i);
            update.title = title;
            update.body = "Capacity is on track for the winter; the day centres reopen in March.";
            env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
            env.partner_update = &update;
        }
        REQUIRE (hub_client_publish_async (client, &env, NULL, NULL) == HUB_OK);
    }
    REQUIRE (hub_client_flush (client, 30000) == HUB_OK);
    CHECK (failed == 0);
    hub_client_destroy (&client);
}

//  Publishes in the background of the test (a child process), so the
//  bridge has live events to carry while the test breaks things.
static pid_t
s_publish_in_child (const hub_broker_proc_t *broker, int first, int count)
{
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    if (pid == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        s_publish (broker, first, count);
        _exit (hub_test_failed? 1: 0);
    }
    if (pid > 0)
        s_track (pid);
    return pid;
}

static pid_t
s_bridge_start (const hub_broker_proc_t *broker, const char *log, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, broker, S_AGENCY);
    hub_argv_add (&a, "bridge");
    hub_argv_add (&a, "nats");
    va_list args;
    va_start (args, log);
    hub_argv_addv (&a, args);
    va_end (args);
    return s_spawn (a.argv, log);
}

//  --------------------------------------------------------------------------
//  The NATS side

static jsCtx *
s_js (natsConnection *conn)
{
    jsCtx *js = NULL;
    jsOptions options;
    jsOptions_Init (&options);
    options.Wait = 5000;
    return natsConnection_JetStream (&js, conn, &options) == NATS_OK? js: NULL;
}

//  Messages in the stream, or -1 if it cannot be read now.
static int64_t
s_stream_count (jsCtx *js, const char *stream)
{
    jsStreamInfo *info = NULL;
    jsErrCode jerr = 0;
    if (js_GetStreamInfo (&info, js, stream, NULL, &jerr) != NATS_OK)
        return -1;
    int64_t count = (int64_t) info->State.Msgs;
    jsStreamInfo_Destroy (info);
    return count;
}

//  Waits until the stream holds count messages (or more). Returns the
//  count last seen.
static int64_t
s_wait_count (jsCtx *js, const char *stream, int64_t count, int timeout_ms)
{
    int64_t deadline = hub_proc_now_ms () + timeout_ms, seen = -1;
    while (hub_proc_now_ms () < deadline) {
        seen = s_stream_count (js, stream);
        if (seen >= count)
            break;
        hub_proc_sleep_ms (20);
    }
    return seen;
}

static char *
s_leader (jsCtx *js, const char *stream)
{
    jsStreamInfo *info = NULL;
    jsErrCode jerr = 0;
    char *leader = NULL;
    if (js_GetStreamInfo (&info, js, stream, NULL, &jerr) == NATS_OK
    &&  info->Cluster && info->Cluster->Leader)
        leader = strdup (info->Cluster->Leader);
    jsStreamInfo_Destroy (info);
    return leader;
}

//  The subject the bridge must give an event, mapped here independently.
static void
s_expected_subject (char *buf, size_t size, const char *prefix, const Cyclehub__V1__Event *event)
{
    char commission [160], type [160];
    snprintf (commission, sizeof commission, "%s", event->envelope->commission_id);
    snprintf (type, sizeof type, "%s", event->type);
    for (char *c = commission; *c; c++)
        *c = *c == '.'? '_': *c;
    for (char *c = type; *c; c++)
        *c = *c == '.'? '_': *c;
    snprintf (buf, size, "%s.%s.%s.%s", prefix, hub_proto_stage_name (event->stage),
              commission, type);
}

typedef struct {
    uint64_t next;                  /* the hub seq expected next */
    uint64_t count;                 /* messages read */
    int bad;                        /* messages that failed a check */
    const char *prefix;
    const char *hub_id;
    bool json;
} s_reader_t;

//  Checks one message of the stream: the hub seq that follows the last
//  one, in its header, its Nats-Msg-Id and its body; subject and type.
static void
s_check_msg (s_reader_t *r, natsMsg *msg)
{
    const char *seq_text = NULL, *type = NULL, *msg_id = NULL;
    natsMsgHeader_Get (msg, "Cyclehub-Seq", &seq_text);
    natsMsgHeader_Get (msg, "Cyclehub-Type", &type);
    natsMsgHeader_Get (msg, "Nats-Msg-Id", &msg_id);
    uint64_t seq = seq_text? strtoull (seq_text, NULL, 10): 0;
    char id [128];
    snprintf (id, sizeof id, "%s:%" PRIu64, r->hub_id, seq);
    bool ok = seq == r->next && msg_id && streq (msg_id, id) && type;
    if (ok && !r->json) {
        Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
            NULL, (size_t) natsMsg_GetDataLength (msg), (const uint8_t *) natsMsg_GetData (msg));
        char subject [512] = "";
        if (event && event->envelope)
            s_expected_subject (subject, sizeof subject, r->prefix, event);
        ok = event && event->seq == seq && streq (event->type, type)
          && streq (natsMsg_GetSubject (msg), subject);
        if (event)
            cyclehub__v1__event__free_unpacked (event, NULL);
    }
    else
    if (ok) {
        char needle [64];
        snprintf (needle, sizeof needle, "\"seq\":\"%" PRIu64 "\"", seq);
        ok = natsMsg_GetData (msg) && strstr (natsMsg_GetData (msg), needle);
    }
    if (!ok && r->bad++ < 5)
        fprintf (stderr, "bad message: expected seq %" PRIu64 ", got %s subject=%s type=%s id=%s\n",
                 r->next, seq_text? seq_text: "-", natsMsg_GetSubject (msg), type? type: "-",
                 msg_id? msg_id: "-");
    r->count++;
    r->next = seq + 1;
}

//  Reads the whole stream through an ephemeral push consumer (no acks).
static void
s_read_stream (jsCtx *js, const char *stream, const char *filter, s_reader_t *r, uint64_t expected)
{
    jsSubOptions options;
    jsSubOptions_Init (&options);
    options.Stream = stream;
    options.Config.AckPolicy = js_AckNone;
    options.Config.DeliverPolicy = js_DeliverAll;
    natsSubscription *sub = NULL;
    jsErrCode jerr = 0;
    natsStatus status = js_SubscribeSync (&sub, js, filter, NULL, &options, &jerr);
    CHECK_MSG (status == NATS_OK, "subscribe: %s %d", natsStatus_GetText (status), (int) jerr);
    if (status != NATS_OK)
        return;
    natsSubscription_SetPendingLimits (sub, -1, -1);
    while (r->count < expected) {
        natsMsg *msg = NULL;
        if (natsSubscription_NextMsg (&msg, sub, 3000) != NATS_OK)
            break;
        s_check_msg (r, msg);
        natsMsg_Destroy (msg);
    }
    //  Nothing after the last one
    natsMsg *extra = NULL;
    if (natsSubscription_NextMsg (&extra, sub, 300) == NATS_OK) {
        r->bad++;
        natsMsg_Destroy (extra);
    }
    natsSubscription_Unsubscribe (sub);
    natsSubscription_Destroy (sub);
}

//  Reads the whole stream through a durable pull consumer, acking each.
static void
s_read_durable (jsCtx *js, const char *stream, const char *durable, s_reader_t *r,
                uint64_t expected)
{
    jsSubOptions options;
    jsSubOptions_Init (&options);
    options.Stream = stream;
    options.Config.AckPolicy = js_AckExplicit;
    natsSubscription *sub = NULL;
    jsErrCode jerr = 0;
    natsStatus status = NATS_TIMEOUT;
    //  Right after a node died the consumer may need a new leader
    for (int attempt = 0; attempt < 50 && status != NATS_OK; attempt++) {
        status = js_PullSubscribe (&sub, js, "cyclehub.>", durable, NULL, &options, &jerr);
        if (status != NATS_OK)
            hub_proc_sleep_ms (200);
    }
    CHECK_MSG (status == NATS_OK, "pull subscribe: %s %d", natsStatus_GetText (status), (int) jerr);
    if (status != NATS_OK)
        return;
    int64_t deadline = hub_proc_now_ms () + 60000;
    while (r->count < expected && hub_proc_now_ms () < deadline) {
        natsMsgList list = { 0 };
        if (natsSubscription_Fetch (&list, sub, 500, 2000, &jerr) != NATS_OK)
            continue;
        for (int i = 0; i < list.Count; i++) {
            s_check_msg (r, list.Msgs [i]);
            natsMsg_Ack (list.Msgs [i], NULL);
        }
        natsMsgList_Destroy (&list);
    }
    natsSubscription_Unsubscribe (sub);
    natsSubscription_Destroy (sub);
}

//  --------------------------------------------------------------------------

static char *
s_hub_id (const hub_broker_proc_t *broker, uint64_t *last_seq)
{
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = broker->api;
    options.agency = S_AGENCY;
    hub_client_t *client = hub_client_new (&options);
    Cyclehub__V1__Reply *reply = NULL;
    REQUIRE (hub_client_status (client, &reply, NULL) == HUB_OK);
    char *id = strdup (reply->status->hub_id);
    *last_seq = reply->status->last_seq;
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    hub_client_destroy (&client);
    return id;
}

static void
s_show_log (const char *path)
{
    char *text = hub_proc_slurp (path);
    fprintf (stderr, "---- %s\n%s----\n", path, text? text: "");
    free (text);
}

static void
s_test_usage (const hub_broker_proc_t *broker)
{
    hub_run_t r;
    hub_cli (&r, NULL, NULL, NULL, "bridge", "nats", "--help", NULL);
    CHECK (r.status == 0);
    CHECK (strstr (r.out, "--url") && strstr (r.out, "--stream") && strstr (r.out, "CYCLEHUB")
        && strstr (r.out, "--subject-prefix") && strstr (r.out, "cyclehub")
        && strstr (r.out, "--replicas") && strstr (r.out, "--topic") && strstr (r.out, "--json")
        && strstr (r.out, "--window") && strstr (r.out, "256"));
    hub_run_free (&r);
    hub_cli (&r, NULL, NULL, NULL, "--help", NULL);
    CHECK (strstr (r.out, "bridge nats"));
    hub_run_free (&r);
    hub_cli (&r, broker, S_AGENCY, NULL, "bridge", "nats", NULL);
    CHECK (r.status == 2 && strstr (r.err, "--url"));
    hub_run_free (&r);
    hub_cli (&r, broker, S_AGENCY, NULL, "bridge", "nats", "--url", "nats://127.0.0.1:1",
             "--subject-prefix", "a.*", NULL);
    CHECK (r.status == 2);
    hub_run_free (&r);
    hub_cli (&r, broker, S_AGENCY, NULL, "bridge", "kafka", NULL);
    CHECK (r.status == 2);
    hub_run_free (&r);
    //  No NATS there: unreachable, said plainly
    char url [64];
    snprintf (url, sizeof url, "nats://127.0.0.1:%d", hub_proc_free_port ());
    hub_cli (&r, broker, S_AGENCY, NULL, "bridge", "nats", "--url", url, NULL);
    CHECK (r.status == 3 && strstr (r.err, "cannot connect to NATS"));
    hub_run_free (&r);
}

//  The stream's description, or "" (caller frees)
static char *
s_description (jsCtx *js, const char *stream)
{
    jsStreamInfo *info = NULL;
    char *text = NULL;
    if (js_GetStreamInfo (&info, js, stream, NULL, NULL) == NATS_OK)
        text = strdup (info->Config->Description? info->Config->Description: "");
    jsStreamInfo_Destroy (info);
    return text? text: strdup ("");
}

//  A stream keeps one body format: recorded by the first run (CYCLEHUB
//  protobuf by default, JSONS json), another --format is refused with
//  exit 2 before anything is published; a stream fed before formats were
//  recorded is judged by its last message's Content-Type.
static void
s_test_formats (const hub_broker_proc_t *broker, jsCtx *js, const char *url)
{
    char *text = s_description (js, "CYCLEHUB");
    CHECK_MSG (strstr (text, "cyclehub-body-format=protobuf"), "CYCLEHUB: %s", text);
    free (text);
    text = s_description (js, "JSONS");
    CHECK_MSG (strstr (text, "cyclehub-body-format=json"), "JSONS: %s", text);
    free (text);
    int64_t before = s_stream_count (js, "CYCLEHUB");
    hub_run_t r;
    hub_cli (&r, broker, S_AGENCY, NULL, "bridge", "nats", "--url", url, "--format", "json", NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, "stream CYCLEHUB holds protobuf bodies, not json")
               && strstr (r.err, "--format protobuf"), "status %d err %s", r.status, r.err);
    hub_run_free (&r);
    hub_cli (&r, broker, S_AGENCY, NULL, "bridge", "nats", "--url", url, "--stream", "JSONS",
             "--subject-prefix", "hub.json", "--format", "protobuf", NULL);
    CHECK_MSG (r.status == 2 && strstr (r.err, "holds json bodies"), "err %s", r.err);
    hub_run_free (&r);
    hub_cli (&r, broker, S_AGENCY, NULL, "bridge", "nats", "--url", url, "--format", "xml", NULL);
    CHECK (r.status == 2 && strstr (r.err, "json or protobuf"));
    hub_run_free (&r);
    CHECK (s_stream_count (js, "CYCLEHUB") == before);

    //  A stream from before: no record, a JSON message last
    REQUIRE (hub_nats_add_stream (js, "LEGACY", "legacy.>", 0) == NATS_OK);
    natsMsg *msg = NULL;
    REQUIRE (natsMsg_Create (&msg, "legacy.analyse.x.y", NULL, "{}", 2) == NATS_OK);
    natsMsgHeader_Set (msg, "Content-Type", "application/json");
    jsPubAck *ack = NULL;
    CHECK (js_PublishMsg (&ack, js, msg, NULL, NULL) == NATS_OK);
    jsPubAck_Destroy (ack);
    natsMsg_Destroy (msg);
    hub_cli (&r, broker, S_AGENCY, NULL, "bridge", "nats", "--url", url, "--stream", "LEGACY",
             "--subject-prefix", "legacy", NULL);
    //  Adopts json and records it, then refuses the message itself (not the bridge's)
    CHECK_MSG (r.status == 4 && strstr (r.err, "no Cyclehub-Seq"), "status %d err %s",
               r.status, r.err);
    hub_run_free (&r);
    text = s_description (js, "LEGACY");
    CHECK_MSG (strstr (text, "cyclehub-body-format=json"), "LEGACY: %s", text);
    free (text);
}

//  One server: a killed bridge, a restarted server, a stream that does not
//  fit, a filtered JSON bridge.
static void
s_test_single (hub_broker_proc_t *broker, const char *base, const char *hub_id)
{
    hub_nats_t n;
    hub_nats_init (&n, base, "single", false);
    REQUIRE (s_nats_start (&n, 20000) == 0);
    natsConnection *conn = hub_nats_connect (n.url, 2000);
    REQUIRE (conn);
    jsCtx *js = s_js (conn);
    REQUIRE (js);

    //  A stream that does not fit
    REQUIRE (hub_nats_add_stream (js, "OTHER", "other.>", 0) == NATS_OK);
    hub_run_t r;
    hub_cli (&r, broker, S_AGENCY, NULL, "bridge", "nats", "--url", n.url, "--stream", "OTHER", NULL);
    CHECK (r.status == 4 && strstr (r.err, "other.>") && strstr (r.err, "choose another"));
    hub_run_free (&r);

    char bridge_log [PATH_MAX + 16];
    snprintf (bridge_log, sizeof bridge_log, "%s/bridge.log", base);
    //  3000 in the hub before the bridge starts, 3000 while it runs
    s_publish (broker, 0, 3000);
    pid_t bridge = s_bridge_start (broker, bridge_log, "--url", n.url, NULL);
    pid_t publisher = s_publish_in_child (broker, 3000, 3000);
    int64_t seen = s_wait_count (js, "CYCLEHUB", 3500, 30000);
    CHECK_MSG (seen >= 3500, "stream holds %" PRId64, seen);
    s_stop (&bridge, SIGKILL, 1000);
    int64_t at_kill = s_stream_count (js, "CYCLEHUB");
    printf ("bridge SIGKILLed with %" PRId64 " of 6000 in the stream\n", at_kill);
    CHECK (s_stop (&publisher, 0, 60000) == 0);

    //  Restarted: it goes on from the stream's last message
    bridge = s_bridge_start (broker, bridge_log, "--url", n.url, NULL);
    publisher = s_publish_in_child (broker, 6000, 2000);
    seen = s_wait_count (js, "CYCLEHUB", 7000, 30000);
    CHECK_MSG (seen >= 7000, "stream holds %" PRId64, seen);

    //  The server stopped and started again mid-stream, same port and store
    CHECK (s_stop (&n.pid, SIGTERM, 10000) >= 0);
    CHECK (s_stop (&publisher, 0, 60000) == 0);
    publisher = s_publish_in_child (broker, 8000, 2000);
    hub_proc_sleep_ms (500);
    REQUIRE (s_nats_start (&n, 20000) == 0);
    CHECK (s_stop (&publisher, 0, 60000) == 0);
    jsCtx_Destroy (js);
    natsConnection_Destroy (conn);
    conn = hub_nats_connect (n.url, 2000);
    REQUIRE (conn);
    js = s_js (conn);
    uint64_t last_seq = 0;
    free (s_hub_id (broker, &last_seq));
    CHECK (last_seq == 10000);
    seen = s_wait_count (js, "CYCLEHUB", (int64_t) last_seq, 30000);
    CHECK_MSG (seen == (int64_t) last_seq, "stream holds %" PRId64 " of %" PRIu64, seen, last_seq);
    hub_proc_sleep_ms (300);
    CHECK (s_stream_count (js, "CYCLEHUB") == (int64_t) last_seq);

    //  SIGTERM: a clean stop after the acks
    int rc = s_stop (&bridge, SIGTERM, 15000);
    CHECK_MSG (rc == 0, "bridge exit %d", rc);

    //  Exactly once, in order, right subjects and headers; the stream seq
    //  is the hub seq since the stream started at hub seq 1
    s_reader_t reader = { .next = 1, .prefix = "cyclehub", .hub_id = hub_id };
    s_read_stream (js, "CYCLEHUB", "cyclehub.>", &reader, last_seq);
    CHECK_MSG (reader.count == last_seq && reader.bad == 0 && reader.next == last_seq + 1,
               "read %" PRIu64 " bad %d", reader.count, reader.bad);
    //  A known subject, spelt out: '.' in the commission id and the type is '_'
    natsMsg *msg = NULL;
    CHECK (js_GetLastMsg (&msg, js, "CYCLEHUB", "cyclehub.analyse.ocds-abc123-a_b.partner_update",
                          NULL, NULL) == NATS_OK);
    natsMsg_Destroy (msg);

    //  Filtered, as JSON, into another stream under another prefix
    bridge = s_bridge_start (broker, bridge_log, "--url", n.url, "--stream", "JSONS",
                             "--subject-prefix", "hub.json", "--json",
                             "--topic", "analyse/ocds-abc123-0002/", "--window", "16", NULL);
    seen = s_wait_count (js, "JSONS", 2500, 30000);
    hub_proc_sleep_ms (500);
    CHECK_MSG (s_stream_count (js, "JSONS") == 2500, "JSONS holds %" PRId64, seen);
    rc = s_stop (&bridge, SIGTERM, 15000);
    CHECK (rc == 0);
    CHECK (js_GetLastMsg (&msg, js, "JSONS", "hub.json.>", NULL, NULL) == NATS_OK);
    if (msg) {
        const char *seq_text = NULL;
        natsMsgHeader_Get (msg, "Cyclehub-Seq", &seq_text);
        CHECK (seq_text && streq (seq_text, "9998"));   //  seq 4k+2 last at 9998
        CHECK (natsMsg_GetData (msg)[0] == '{' && strstr (natsMsg_GetData (msg), "ocds-abc123-0002"));
        CHECK (streq (natsMsg_GetSubject (msg), "hub.json.analyse.ocds-abc123-0002.partner_update"));
    }
    natsMsg_Destroy (msg);
    s_test_formats (broker, js, n.url);

    if (hub_test_failed)
        s_show_log (bridge_log);
    jsCtx_Destroy (js);
    natsConnection_Destroy (conn);
    s_stop (&n.pid, SIGTERM, 10000);
}

//  Three nodes, a stream with three replicas, its leader killed mid-stream.
static void
s_test_cluster (hub_broker_proc_t *broker, const char *base, const char *hub_id)
{
    hub_nats_t nodes [3];
    char urls [256] = "";
    for (int i = 0; i < 3; i++) {
        char name [8];
        snprintf (name, sizeof name, "n%d", i + 1);
        hub_nats_init (&nodes [i], base, name, true);
        size_t len = strlen (urls);
        snprintf (urls + len, sizeof urls - len, "%s%s", i? ",": "", nodes [i].url);
    }
    hub_nats_routes (nodes, 3);
    int64_t start = hub_proc_now_ms ();
    for (int i = 0; i < 3; i++)
        REQUIRE (s_nats_start (&nodes [i], 0) == 0);
    //  Adaptive: poll until every node's JetStream answers and places 3 replicas
    bool ready = false;
    while (!ready && hub_proc_now_ms () < start + 30000) {
        ready = true;
        for (int i = 0; i < 3 && ready; i++)
            ready = hub_nats_ready (nodes [i].url, 3);
        if (!ready)
            hub_proc_sleep_ms (100);
    }
    REQUIRE (ready);
    printf ("cluster ready in %" PRId64 " ms\n", hub_proc_now_ms () - start);

    char bridge_log [PATH_MAX + 16];
    snprintf (bridge_log, sizeof bridge_log, "%s/bridge-cluster.log", base);
    pid_t bridge = s_bridge_start (broker, bridge_log, "--url", urls, "--stream", "HUBR3",
                                   "--replicas", "3", NULL);
    pid_t publisher = s_publish_in_child (broker, 10000, 3000);
    natsConnection *conn = hub_nats_connect (nodes [0].url, 2000);
    REQUIRE (conn);
    jsCtx *js = s_js (conn);
    int64_t seen = s_wait_count (js, "HUBR3", 6000, 60000);
    CHECK_MSG (seen >= 6000, "HUBR3 holds %" PRId64, seen);
    //  Kill the stream's leader
    char *leader = s_leader (js, "HUBR3");
    CHECK (leader);
    int victim = 0;
    for (int i = 0; i < 3; i++)
        if (leader && streq (leader, nodes [i].name))
            victim = i;
    printf ("killing %s (stream leader %s) with %" PRId64 " in the stream\n",
            nodes [victim].name, leader? leader: "?", s_stream_count (js, "HUBR3"));
    free (leader);
    jsCtx_Destroy (js);
    natsConnection_Destroy (conn);
    s_stop (&nodes [victim].pid, SIGKILL, 1000);
    CHECK (s_stop (&publisher, 0, 60000) == 0);
    publisher = s_publish_in_child (broker, 13000, 2000);
    CHECK (s_stop (&publisher, 0, 60000) == 0);
    uint64_t last_seq = 0;
    free (s_hub_id (broker, &last_seq));
    CHECK (last_seq == 15000);

    //  A consumer on a surviving node
    hub_nats_t *survivor = &nodes [(victim + 1) % 3];
    conn = hub_nats_connect (survivor->url, 2000);
    REQUIRE (conn);
    js = s_js (conn);
    seen = s_wait_count (js, "HUBR3", (int64_t) last_seq, 60000);
    CHECK_MSG (seen == (int64_t) last_seq, "HUBR3 holds %" PRId64 " of %" PRIu64, seen, last_seq);
    int rc = s_stop (&bridge, SIGTERM, 15000);
    CHECK_MSG (rc == 0, "bridge exit %d", rc);
    s_reader_t reader = { .next = 1, .prefix = "cyclehub", .hub_id = hub_id };
    s_read_durable (js, "HUBR3", "reader", &reader, last_seq);
    CHECK_MSG (reader.count == last_seq && reader.bad == 0 && reader.next == last_seq + 1,
               "read %" PRIu64 " bad %d next %" PRIu64, reader.count, reader.bad, reader.next);
    CHECK (s_stream_count (js, "HUBR3") == (int64_t) last_seq);
    if (hub_test_failed)
        s_show_log (bridge_log);
    jsCtx_Destroy (js);
    natsConnection_Destroy (conn);
    for (int i = 0; i < 3; i++)
        s_stop (&nodes [i].pid, SIGTERM, 10000);
}

//  The library's own checks: subject prefixes, stream names, and a
//  configuration refused before anything is contacted
static void
s_test_library_config (void)
{
    CHECK (hub_bridge_prefix_valid ("cyclehub") && hub_bridge_prefix_valid ("a.b.c"));
    CHECK (!hub_bridge_prefix_valid ("") && !hub_bridge_prefix_valid (".a")
        && !hub_bridge_prefix_valid ("a.") && !hub_bridge_prefix_valid ("a..b")
        && !hub_bridge_prefix_valid ("a.*") && !hub_bridge_prefix_valid ("a b")
        && !hub_bridge_prefix_valid ("a.>"));
    CHECK (hub_bridge_stream_valid ("CYCLEHUB") && !hub_bridge_stream_valid ("A.B")
        && !hub_bridge_stream_valid ("a/b") && !hub_bridge_stream_valid (""));
    hub_bridge_config_t config;
    hub_bridge_config_default (&config);
    CHECK (streq (config.stream, HUB_BRIDGE_STREAM) && streq (config.prefix, HUB_BRIDGE_PREFIX)
        && config.window == HUB_BRIDGE_WINDOW && config.replicas == 1
        && config.format == HUB_BRIDGE_FORMAT_STREAM);
    CHECK (hub_bridge_run (&config) == HUB_INTEG_CONFIG);           //  no url
    config.url = "nats://127.0.0.1:1";
    config.replicas = 6;
    CHECK (hub_bridge_run (&config) == HUB_INTEG_CONFIG);
    config.replicas = 1;
    config.prefix = "bad prefix";
    CHECK (hub_bridge_run (&config) == HUB_INTEG_CONFIG);
}

int
main (void)
{
    atexit (s_kill_all);
    signal (SIGPIPE, SIG_IGN);
    zsys_init ();
    zsys_set_logstream (stderr);
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "bridge") == 0);
    s_track (broker.pid);
    char *base = hub_test_tmpdir ("bridge-nats");
    REQUIRE (base);
    uint64_t last_seq = 0;
    char *hub_id = s_hub_id (&broker, &last_seq);

    int64_t start = hub_proc_now_ms ();
    s_test_library_config ();
    s_test_usage (&broker);
    s_test_single (&broker, base, hub_id);
    printf ("single server: %" PRId64 " ms\n", hub_proc_now_ms () - start);
    start = hub_proc_now_ms ();
    s_test_cluster (&broker, base, hub_id);
    printf ("cluster: %" PRId64 " ms\n", hub_proc_now_ms () - start);

    s_untrack (broker.pid);
    hub_broker_cleanup (&broker);
    s_kill_all ();
    if (!getenv ("HUB_KEEP_TMP"))
        hub_test_rmtree (base);
    free (base);
    free (hub_id);
    nats_Close ();
    HUB_TEST_DONE ();
}
