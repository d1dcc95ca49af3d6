/*  hub_bridge: the hub's event log copied into a NATS JetStream stream, in
    seq order, each event once (hub_bridge.h, docs/scale-out.md). The
    stream is the cursor: on start the bridge reads the hub seq of the
    stream's last message and follows the hub from the next one.
*/
#include "hub_bridge.h"
#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <nats/nats.h>

#define S_HDR_SEQ       "Cyclehub-Seq"
#define S_HDR_TYPE      "Cyclehub-Type"
#define S_DUPLICATES_NS (120LL * 1000000000LL)  /* the stream's dedupe window: 2 min */
#define S_ACK_WAIT_MS   5000    /* an ack not back by then counts as lost */
#define S_PROGRESS_MS   5000    /* progress line on stderr */
#define S_SUBJECT_MAX   1024
#define S_FORMAT_KEY    "cyclehub-body-format="    /* in the stream's description */
#define S_CT_JSON       "application/json"
#define S_CT_PROTOBUF   "application/protobuf; proto=cyclehub.v1.Event"

typedef struct {
    //  Settings
    const char *url;                /* the NATS server(s), comma-separated */
    const char *stream;             /* stream name */
    const char *prefix;             /* subject prefix P: subjects are P.> */
    int replicas;                   /* replicas of a stream we create */
    hub_bridge_format_t format;     /* as asked; HUB_BRIDGE_FORMAT_STREAM: the stream's */
    bool json;                      /* bodies as canonical JSON, not protobuf (resolved) */
    int window;                     /* async publishes in flight at most */
    const hub_bridge_config_t *config;  /* hub options and topics */
    //  NATS
    natsConnection *conn;           /* connection, reconnecting forever */
    jsCtx *js;                      /* JetStream context with the ack handler */
    //  Hub
    char hub_id [64];               /* the broker's hub id: half of Nats-Msg-Id */
    hub_subscriber_t *sub;          /* follows the hub from the stream's cursor */
    //  Main thread only
    uint64_t expect_last;           /* stream seq the next publish expects last */
    uint64_t published;             /* publishes handed to the library */
    uint64_t resyncs;               /* times the bridge re-read the stream */
    int64_t started;                /* zclock_mono at start, for the overall rate */
    //  Shared with the NATS threads (ack handler, connection callbacks)
    pthread_mutex_t mutex;          /* guards the fields below */
    uint64_t acked_seq;             /* highest hub seq JetStream acked */
    uint64_t acked;                 /* acks received */
    uint64_t duplicates;            /* ... of which JetStream had already */
    uint64_t failures;              /* negative acks and ack timeouts */
    bool trouble;                   /* re-read the stream before going on */
    char trouble_why [256];         /* the first reason, for the log */
} s_bridge_t;

//  --------------------------------------------------------------------------
//  Small helpers

//  A subject prefix is one or more non-empty tokens without wildcards or
//  white space.
bool
hub_bridge_prefix_valid (const char *prefix)
{
    if (!*prefix || *prefix == '.' || prefix [strlen (prefix) - 1] == '.'
    ||  strstr (prefix, ".."))
        return false;
    for (const char *c = prefix; *c; c++)
        if (*c == '*' || *c == '>' || (unsigned char) *c <= ' ' || *c == 0x7f)
            return false;
    return true;
}

//  Appends text as one subject token: '.', ' ', '*', '>' and control
//  characters become '_', and an empty token is "_". Returns 0, or -1 if
//  it does not fit.
static int
s_token_append (char *buf, size_t size, size_t *len, const char *text)
{
    if (!text || !*text)
        text = "_";
    for (const char *c = text; *c; c++) {
        if (*len + 2 > size)
            return -1;
        unsigned char ch = (unsigned char) *c;
        buf [(*len)++] = ch == '.' || ch == '*' || ch == '>' || ch <= ' ' || ch == 0x7f? '_': (char) ch;
    }
    buf [*len] = 0;
    return 0;
}

//  P.<stage>.<commission>.<type>; returns 0 or -1 if too long.
static int
s_subject (char *buf, size_t size, const char *prefix, const Cyclehub__V1__Event *event)
{
    int n = snprintf (buf, size, "%s.%s.", prefix, hub_proto_stage_name (event->stage));
    if (n < 0 || (size_t) n >= size)
        return -1;
    size_t len = (size_t) n;
    const char *commission = event->envelope? event->envelope->commission_id: NULL;
    if (s_token_append (buf, size, &len, commission) || len + 2 > size)
        return -1;
    buf [len++] = '.';
    buf [len] = 0;
    return s_token_append (buf, size, &len, event->type);
}

//  Writes a NATS error as a sentence into a caller's buffer, returned.
typedef struct {
    char text [256];
} s_error_t;

static const char *
s_nats_error (s_error_t *error, natsStatus status, jsErrCode jerr)
{
    const char *last = nats_GetLastError (NULL);
    snprintf (error->text, sizeof error->text, "%s%s%s (status %d, JetStream error %d)",
              natsStatus_GetText (status), last && *last? ": ": "", last? last: "",
              (int) status, (int) jerr);
    return error->text;
}

static void
s_trouble (s_bridge_t *self, const char *why)
{
    pthread_mutex_lock (&self->mutex);
    if (!self->trouble) {
        self->trouble = true;
        snprintf (self->trouble_why, sizeof self->trouble_why, "%s", why);
    }
    pthread_mutex_unlock (&self->mutex);
}

static bool
s_in_trouble (s_bridge_t *self)
{
    pthread_mutex_lock (&self->mutex);
    bool trouble = self->trouble;
    pthread_mutex_unlock (&self->mutex);
    return trouble;
}

//  Sleeps up to ms, waking early on a signal. Returns false if interrupted.
static bool
s_nap (int ms)
{
    for (int slept = 0; slept < ms && !zsys_interrupted; slept += 50)
        zclock_sleep (50);
    return !zsys_interrupted;
}

//  --------------------------------------------------------------------------
//  NATS callbacks (on the library's threads)

static void
s_on_ack (jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *arg)
{
    (void) js;
    s_bridge_t *self = arg;
    const char *value = NULL;
    uint64_t seq = 0;
    if (natsMsgHeader_Get (msg, S_HDR_SEQ, &value) == NATS_OK && value)
        seq = strtoull (value, NULL, 10);
    pthread_mutex_lock (&self->mutex);
    if (pa) {
        self->acked++;
        self->duplicates += pa->Duplicate;
        if (seq > self->acked_seq)
            self->acked_seq = seq;
    }
    else {
        self->failures++;
        if (!self->trouble) {
            //  A lost or refused publish: those after it fail their
            //  expected-last-sequence check, so nothing gets ahead of it
            self->trouble = true;
            snprintf (self->trouble_why, sizeof self->trouble_why,
                      "publish of seq %" PRIu64 " failed: %s (JetStream error %d)", seq,
                      pae && pae->ErrText? pae->ErrText: natsStatus_GetText (pae? pae->Err: NATS_ERR),
                      pae? (int) pae->ErrCode: 0);
        }
    }
    pthread_mutex_unlock (&self->mutex);
    natsMsg_Destroy (msg);
}

static void
s_on_disconnected (natsConnection *conn, void *arg)
{
    (void) arg;
    if (!natsConnection_IsClosed (conn))
        zsys_warning ("bridge: NATS connection lost; reconnecting");
}

static void
s_on_reconnected (natsConnection *conn, void *arg)
{
    char url [256] = "";
    natsConnection_GetConnectedUrl (conn, url, sizeof url);
    zsys_info ("bridge: NATS reconnected url=%s", url);
    //  Publishes in flight may be lost: find out from the stream itself
    s_trouble (arg, "the NATS connection was re-established");
}

static void
s_on_error (natsConnection *conn, natsSubscription *sub, natsStatus status, void *arg)
{
    (void) conn;
    (void) sub;
    (void) arg;
    zsys_warning ("bridge: NATS error: %s", natsStatus_GetText (status));
}

//  --------------------------------------------------------------------------
//  Setup

static int
s_connect (s_bridge_t *self)
{
    s_error_t error;
    natsOptions *options = NULL;
    char *urls = strdup (self->url);
    const char *servers [16];
    int count = 0;
    for (char *save = NULL, *url = strtok_r (urls, ",", &save); url && count < 16;
         url = strtok_r (NULL, ",", &save))
        servers [count++] = url;
    natsStatus status = natsOptions_Create (&options);
    if (status == NATS_OK && count)
        status = natsOptions_SetServers (options, servers, count);
    if (status == NATS_OK)
        status = natsOptions_SetName (options, "cyclehub-bridge");
    if (status == NATS_OK)
        status = natsOptions_SetMaxReconnect (options, -1);
    if (status == NATS_OK)
        status = natsOptions_SetReconnectWait (options, 250);
    if (status == NATS_OK)
        status = natsOptions_SetTimeout (options, 2000);
    if (status == NATS_OK)
        status = natsOptions_SetDisconnectedCB (options, s_on_disconnected, self);
    if (status == NATS_OK)
        status = natsOptions_SetReconnectedCB (options, s_on_reconnected, self);
    if (status == NATS_OK)
        status = natsOptions_SetErrorHandler (options, s_on_error, self);
    if (status == NATS_OK && count)
        status = natsConnection_Connect (&self->conn, options);
    natsOptions_Destroy (options);
    free (urls);
    if (!count || status != NATS_OK) {
        fprintf (stderr, "cyclehub: bridge: cannot connect to NATS at %s: %s\n", self->url,
                 count? s_nats_error (&error, status, 0): "no URL");
        return count? HUB_INTEG_UNREACHABLE: HUB_INTEG_CONFIG;
    }
    jsOptions js_options;
    jsOptions_Init (&js_options);
    js_options.Wait = 5000;
    js_options.PublishAsync.MaxPending = self->window;
    js_options.PublishAsync.AckHandler = s_on_ack;
    js_options.PublishAsync.AckHandlerClosure = self;
    js_options.PublishAsync.StallWait = 200;
    status = natsConnection_JetStream (&self->js, self->conn, &js_options);
    if (status != NATS_OK) {
        fprintf (stderr, "cyclehub: bridge: no JetStream context: %s\n", s_nats_error (&error, status, 0));
        return HUB_INTEG_FAILED;
    }
    return HUB_INTEG_OK;
}

//  True for errors worth a retry while a cluster elects its leaders.
static bool
s_transient (natsStatus status, jsErrCode jerr)
{
    return status == NATS_TIMEOUT || status == NATS_NO_RESPONDERS
        || status == NATS_CONNECTION_DISCONNECTED || jerr == 10008 /* cluster not available */
        || jerr == 10074 /* no meta leader */ || jerr == 10023 /* insufficient resources */;
}

static const char *
s_format_name (bool json)
{
    return json? "json": "protobuf";
}

//  The description recording the format: the stream's own (without an
//  older record) followed by the record.
static void
s_describe (char *buf, size_t size, const char *own, bool json)
{
    snprintf (buf, size, "%s; " S_FORMAT_KEY "%s", own && *own? own: "cyclehub event log",
              s_format_name (json));
}

//  The format recorded in a description: 1 json, 0 protobuf, -1 none.
static int
s_recorded (const char *description)
{
    const char *at = description? strstr (description, S_FORMAT_KEY): NULL;
    if (!at)
        return -1;
    at += strlen (S_FORMAT_KEY);
    size_t len = strcspn (at, " ;,");
    return len == 4 && !strncmp (at, "json", 4)? 1:
           len == 8 && !strncmp (at, "protobuf", 8)? 0: -1;
}

//  The format of a stream that has no record: its last message's
//  Content-Type (streams fed before formats were recorded), or -1 if it is
//  empty or says neither.
static int
s_format_of_last (s_bridge_t *self, const jsStreamInfo *info)
{
    if (info->State.Msgs == 0)
        return -1;
    natsMsg *msg = NULL;
    jsErrCode jerr = 0;
    if (js_GetMsg (&msg, self->js, self->stream, info->State.LastSeq, NULL, &jerr) != NATS_OK)
        return -1;
    const char *type = NULL;
    natsMsgHeader_Get (msg, "Content-Type", &type);
    int json = !type? -1: streq (type, S_CT_JSON)? 1: streq (type, S_CT_PROTOBUF)? 0: -1;
    natsMsg_Destroy (msg);
    return json;
}

//  A stream keeps one body format: the one recorded in its description
//  (JetStream's stream metadata would be the place, but it needs
//  nats-server 2.10 and a newer libnats than Debian 12's 2.9 and 3.4).
//  No record yet: the last message's format, else the one asked, is
//  recorded now. Asked for another: refused. Returns an hub_integ_rc_t.
static int
s_ensure_format (s_bridge_t *self, jsStreamInfo *info)
{
    jsStreamConfig *config = info->Config;
    int json = s_recorded (config->Description);
    bool record = json < 0;
    if (json < 0)
        json = s_format_of_last (self, info);
    if (json < 0)
        json = self->format == HUB_BRIDGE_FORMAT_JSON;
    bool asked_json = self->format == HUB_BRIDGE_FORMAT_JSON;
    if (self->format != HUB_BRIDGE_FORMAT_STREAM && asked_json != (json == 1)) {
        fprintf (stderr, "cyclehub: bridge: stream %s holds %s bodies, not %s: a stream keeps "
                 "one format; run with --format %s, or give another --stream\n", self->stream,
                 s_format_name (json), s_format_name (asked_json), s_format_name (json));
        return HUB_INTEG_CONFIG;
    }
    self->json = json == 1;
    if (!record)
        return HUB_INTEG_OK;
    char description [512];
    s_describe (description, sizeof description, config->Description, self->json);
    const char *own = config->Description;
    config->Description = description;
    jsStreamInfo *updated = NULL;
    jsErrCode jerr = 0;
    natsStatus status = js_UpdateStream (&updated, self->js, config, NULL, &jerr);
    config->Description = own;
    jsStreamInfo_Destroy (updated);
    if (status != NATS_OK) {
        s_error_t error;
        fprintf (stderr, "cyclehub: bridge: cannot record the body format in stream %s: %s\n",
                 self->stream, s_nats_error (&error, status, jerr));
        return HUB_INTEG_FAILED;
    }
    zsys_info ("bridge: stream %s records format=%s", self->stream, s_format_name (self->json));
    return HUB_INTEG_OK;
}

//  Creates the stream, or checks that an existing one fits.
static int
s_ensure_stream (s_bridge_t *self)
{
    s_error_t error;
    char subject [S_SUBJECT_MAX];
    snprintf (subject, sizeof subject, "%s.>", self->prefix);
    int64_t deadline = zclock_mono () + 30000;
    while (true) {
        jsStreamInfo *info = NULL;
        jsErrCode jerr = 0;
        natsStatus status = js_GetStreamInfo (&info, self->js, self->stream, NULL, &jerr);
        if (status == NATS_OK) {
            jsStreamConfig *config = info->Config;
            bool holds = false;
            char subjects [512] = "";
            for (int i = 0; i < config->SubjectsLen; i++) {
                holds |= streq (config->Subjects [i], subject);
                size_t len = strlen (subjects);
                snprintf (subjects + len, sizeof subjects - len, "%s%s", i? ", ": "",
                          config->Subjects [i]);
            }
            int rc = HUB_INTEG_OK;
            if (!holds) {
                fprintf (stderr, "cyclehub: bridge: stream %s exists with subjects [%s], "
                         "not %s: choose another --stream or --subject-prefix\n",
                         self->stream, subjects, subject);
                rc = HUB_INTEG_FAILED;
            }
            else
            if (config->Storage != js_FileStorage) {
                fprintf (stderr, "cyclehub: bridge: stream %s keeps its messages in memory; "
                         "the bridge needs file storage: choose another --stream\n", self->stream);
                rc = HUB_INTEG_FAILED;
            }
            else
            if (config->Retention != js_LimitsPolicy) {
                fprintf (stderr, "cyclehub: bridge: stream %s is a work-queue or interest stream; "
                         "the bridge resumes from its last message, so it needs limits "
                         "retention: choose another --stream\n", self->stream);
                rc = HUB_INTEG_FAILED;
            }
            else
            if (config->Replicas != self->replicas)
                zsys_warning ("bridge: stream %s has %d replicas, not the %d asked: left as it is",
                              self->stream, (int) config->Replicas, self->replicas);
            if (rc == HUB_INTEG_OK)
                rc = s_ensure_format (self, info);
            jsStreamInfo_Destroy (info);
            return rc;
        }
        if (status == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
            jsStreamConfig config;
            jsStreamConfig_Init (&config);
            const char *subjects [] = { subject };
            config.Name = self->stream;
            config.Subjects = subjects;
            config.SubjectsLen = 1;
            config.Storage = js_FileStorage;
            config.Replicas = self->replicas;
            config.Duplicates = S_DUPLICATES_NS;
            //  A new stream takes the format asked, protobuf if none
            self->json = self->format == HUB_BRIDGE_FORMAT_JSON;
            char description [128];
            s_describe (description, sizeof description, NULL, self->json);
            config.Description = description;
            jerr = 0;
            status = js_AddStream (&info, self->js, &config, NULL, &jerr);
            jsStreamInfo_Destroy (info);
            if (status == NATS_OK) {
                zsys_info ("bridge: created stream %s subjects=%s replicas=%d storage=file "
                           "format=%s", self->stream, subject, self->replicas,
                           s_format_name (self->json));
                return HUB_INTEG_OK;
            }
        }
        if (!s_transient (status, jerr) || zclock_mono () > deadline) {
            fprintf (stderr, "cyclehub: bridge: cannot use stream %s: %s%s\n", self->stream,
                     s_nats_error (&error, status, jerr),
                     status == NATS_NO_RESPONDERS || status == NATS_TIMEOUT?
                     "; is JetStream enabled on the server (-js)?": "");
            return status == NATS_TIMEOUT || status == NATS_NO_RESPONDERS? HUB_INTEG_UNREACHABLE: HUB_INTEG_FAILED;
        }
        zsys_info ("bridge: JetStream not ready (%s); retrying", natsStatus_GetText (status));
        if (!s_nap (500))
            return HUB_INTEG_OK;
    }
}

//  Reads the stream's last message: *cursor_p gets its Cyclehub-Seq (0 for
//  an empty stream), *last_p the stream's last seq. Returns 0, -1 on a
//  NATS error worth a retry, or an exit code > 0 if the stream does not fit.
static int
s_read_cursor (s_bridge_t *self, uint64_t *cursor_p, uint64_t *last_p)
{
    s_error_t error;
    //  A short wait: while a cluster elects a leader, asking again is quicker
    jsOptions options;
    jsOptions_Init (&options);
    options.Wait = 2000;
    jsStreamInfo *info = NULL;
    jsErrCode jerr = 0;
    natsStatus status = js_GetStreamInfo (&info, self->js, self->stream, &options, &jerr);
    if (status != NATS_OK) {
        zsys_warning ("bridge: cannot read stream %s: %s", self->stream, s_nats_error (&error, status, jerr));
        return -1;
    }
    uint64_t last = info->State.LastSeq, messages = info->State.Msgs;
    jsStreamInfo_Destroy (info);
    *last_p = last;
    *cursor_p = 0;
    if (messages == 0)
        return 0;
    natsMsg *msg = NULL;
    status = js_GetMsg (&msg, self->js, self->stream, last, &options, &jerr);
    if (status != NATS_OK) {
        zsys_warning ("bridge: cannot read message %" PRIu64 " of stream %s: %s",
                      last, self->stream, s_nats_error (&error, status, jerr));
        return jerr == JSNoMessageFoundErr? HUB_INTEG_FAILED: -1;
    }
    const char *seq_text = NULL, *msg_id = NULL;
    natsMsgHeader_Get (msg, S_HDR_SEQ, &seq_text);
    natsMsgHeader_Get (msg, "Nats-Msg-Id", &msg_id);
    int rc = 0;
    size_t id_len = strlen (self->hub_id);
    if (!seq_text || !isdigit ((unsigned char) *seq_text)) {
        fprintf (stderr, "cyclehub: bridge: the last message of stream %s (seq %" PRIu64 ") has "
                 "no " S_HDR_SEQ " header: the stream must be fed by the bridge only\n",
                 self->stream, last);
        rc = HUB_INTEG_FAILED;
    }
    else
    if (!msg_id || strncmp (msg_id, self->hub_id, id_len) != 0 || msg_id [id_len] != ':') {
        fprintf (stderr, "cyclehub: bridge: stream %s holds the events of another hub "
                 "(Nats-Msg-Id %s; this hub is %s): use another --stream\n",
                 self->stream, msg_id? msg_id: "missing", self->hub_id);
        rc = HUB_INTEG_FAILED;
    }
    else
        *cursor_p = strtoull (seq_text, NULL, 10);
    natsMsg_Destroy (msg);
    return rc;
}

//  Asks the broker for its hub id (and checks that it answers).
static int
s_hub_status (s_bridge_t *self, uint64_t *last_seq)
{
    hub_connect_options_t hub = hub_integ_hub (&self->config->hub);
    hub_client_t *client = hub_client_new (&hub);
    if (!client) {
        fprintf (stderr, "cyclehub: bridge: cannot connect to %s: check --api and --agency\n",
                 self->config->hub.api_endpoint);
        return HUB_INTEG_CONFIG;
    }
    Cyclehub__V1__Reply *reply = NULL;
    hub_result_t result;
    int rc = hub_client_status (client, &reply, &result);
    hub_client_destroy (&client);
    if (rc != HUB_OK)
        return hub_integ_fail (rc, &result, "bridge: status");
    snprintf (self->hub_id, sizeof self->hub_id, "%s",
              reply->status->hub_id && *reply->status->hub_id? reply->status->hub_id: "hub");
    *last_seq = reply->status->last_seq;
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    return HUB_INTEG_OK;
}

//  (Re)starts the hub subscriber at from.
static int
s_follow (s_bridge_t *self, uint64_t from)
{
    hub_subscriber_destroy (&self->sub);
    hub_connect_options_t hub = hub_integ_hub (&self->config->hub);
    self->sub = hub_subscriber_new (&hub);
    if (!self->sub)
        return HUB_ENOMEM;
    for (size_t i = 0; i < self->config->n_topics; i++)
        hub_subscriber_add_topic (self->sub, self->config->topics [i]);
    hub_subscriber_set_from (self->sub, from);
    int rc = hub_subscriber_start (self->sub);
    if (rc != HUB_OK)
        hub_subscriber_destroy (&self->sub);
    return rc;
}

//  --------------------------------------------------------------------------
//  Publishing

//  Waits up to wait_ms for every publish in flight to be acked; what is
//  still in flight after that is abandoned (the library forgets it: a late
//  arrival in the stream is harmless, see s_resync). Returns true if all
//  were acked.
static bool
s_drain (s_bridge_t *self, int wait_ms)
{
    jsPubOptions options;
    jsPubOptions_Init (&options);
    options.MaxWait = wait_ms;
    if (js_PublishAsyncComplete (self->js, &options) == NATS_OK)
        return true;
    natsMsgList pending;
    if (js_PublishAsyncGetPendingList (&pending, self->js) == NATS_OK) {
        zsys_info ("bridge: abandoned %d publishes without an ack", pending.Count);
        natsMsgList_Destroy (&pending);
    }
    return false;
}

//  Finds where the stream is and follows the hub from there. Used at start
//  and after any doubt (a failed or refused publish, a reconnect): whatever
//  reached the stream is in it in order (each publish expects the stream's
//  last seq to be its predecessor's), so the stream's last message says
//  exactly what to send next. A publish abandoned in flight that lands
//  later is either refused (the stream moved on) or takes the place its
//  re-send would have taken, which JetStream then drops by its Nats-Msg-Id.
//  Returns 0, an exit code, or -1 if interrupted.
static int
s_resync (s_bridge_t *self)
{
    int nap = 100;
    while (!zsys_interrupted) {
        pthread_mutex_lock (&self->mutex);
        self->trouble = false;
        self->trouble_why [0] = 0;
        pthread_mutex_unlock (&self->mutex);
        uint64_t cursor = 0, last = 0;
        int rc = s_read_cursor (self, &cursor, &last);
        if (rc > 0)
            return rc;
        if (rc == 0) {
            rc = s_follow (self, cursor + 1);
            if (rc == HUB_OK) {
                pthread_mutex_lock (&self->mutex);
                self->acked_seq = cursor;
                pthread_mutex_unlock (&self->mutex);
                self->expect_last = last;
                if (cursor)
                    zsys_info ("bridge: stream %s holds hub seqs up to %" PRIu64
                               " (stream seq %" PRIu64 "); following the hub from %" PRIu64,
                               self->stream, cursor, last, cursor + 1);
                else
                    zsys_info ("bridge: stream %s holds no hub event; following the hub "
                               "from seq 1", self->stream);
                return 0;
            }
            zsys_warning ("bridge: cannot follow the hub: %s", hub_strerror (rc));
        }
        if (!s_nap (nap))
            break;
        nap = nap < 2000? nap * 2: 2000;
    }
    return -1;
}

//  Publishes one event. Returns 0, -1 to resync, or an exit code > 0.
static int
s_publish (s_bridge_t *self, Cyclehub__V1__Event *event)
{
    s_error_t error;
    char subject [S_SUBJECT_MAX];
    if (s_subject (subject, sizeof subject, self->prefix, event)) {
        fprintf (stderr, "cyclehub: bridge: seq %" PRIu64 " makes a subject over %d bytes\n",
                 event->seq, S_SUBJECT_MAX);
        return HUB_INTEG_FAILED;
    }
    void *body = NULL;
    size_t size = 0;
    if (self->json) {
        body = hub_json_encode (&event->base, 0);
        size = body? strlen (body): 0;
    }
    else {
        size = cyclehub__v1__event__get_packed_size (event);
        body = malloc (size? size: 1);
        if (body)
            cyclehub__v1__event__pack (event, body);
    }
    if (!body) {
        fprintf (stderr, "cyclehub: bridge: seq %" PRIu64 " cannot be encoded\n", event->seq);
        return HUB_INTEG_FAILED;
    }
    char seq_text [24], msg_id [100];
    snprintf (seq_text, sizeof seq_text, "%" PRIu64, event->seq);
    snprintf (msg_id, sizeof msg_id, "%s:%" PRIu64, self->hub_id, event->seq);
    natsMsg *msg = NULL;
    natsStatus status = natsMsg_Create (&msg, subject, NULL, body, (int) size);
    free (body);
    if (status == NATS_OK)
        status = natsMsgHeader_Set (msg, S_HDR_SEQ, seq_text);
    if (status == NATS_OK)
        status = natsMsgHeader_Set (msg, S_HDR_TYPE, event->type? event->type: "");
    if (status == NATS_OK)
        status = natsMsgHeader_Set (msg, "Content-Type", self->json? S_CT_JSON: S_CT_PROTOBUF);
    jsPubOptions options;
    jsPubOptions_Init (&options);
    options.MsgId = msg_id;
    options.ExpectLastSeq = self->expect_last;
    options.MaxWait = S_ACK_WAIT_MS;
    //  A full window stalls the call for StallWait: go on waiting, unless
    //  something went wrong meanwhile
    while (status == NATS_OK || status == NATS_TIMEOUT) {
        if (zsys_interrupted || s_in_trouble (self)) {
            natsMsg_Destroy (msg);
            return -1;
        }
        status = js_PublishMsgAsync (self->js, &msg, &options);
        if (status == NATS_OK)
            break;
    }
    natsMsg_Destroy (msg);
    if (status == NATS_MAX_PAYLOAD) {
        fprintf (stderr, "cyclehub: bridge: seq %" PRIu64 " (%zu bytes) is over the NATS "
                 "server's max_payload: raise max_payload in its configuration\n", event->seq, size);
        return HUB_INTEG_FAILED;
    }
    if (status != NATS_OK) {
        s_trouble (self, s_nats_error (&error, status, 0));
        return -1;
    }
    self->published++;
    self->expect_last++;
    return 0;
}

static void
s_progress (s_bridge_t *self, const char *what, uint64_t *last_acked, int64_t *last_time)
{
    pthread_mutex_lock (&self->mutex);
    uint64_t acked = self->acked, seq = self->acked_seq, duplicates = self->duplicates,
             failures = self->failures;
    pthread_mutex_unlock (&self->mutex);
    int64_t now = zclock_mono ();
    double rate = now > *last_time? (double) (acked - *last_acked) * 1000.0 / (double) (now - *last_time): 0;
    zsys_info ("bridge: %s seq=%" PRIu64 " published=%" PRIu64 " acked=%" PRIu64
               " duplicates=%" PRIu64 " failures=%" PRIu64 " resyncs=%" PRIu64 " rate=%.0f/s",
               what, seq, self->published, acked, duplicates, failures, self->resyncs, rate);
    //  The rate is of acks since the last line (the "stopped" line: since start)
    *last_acked = acked;
    *last_time = now;
}

//  The main loop: hub events in, JetStream publishes out.
static int
s_run (s_bridge_t *self)
{
    int rc = s_resync (self);
    if (rc)
        return rc < 0? HUB_INTEG_OK: rc;
    uint64_t last_acked = 0;
    int64_t last_time = zclock_mono (), next_progress = last_time + S_PROGRESS_MS;
    bool idle_flushed = true;
    while (!zsys_interrupted) {
        if (s_in_trouble (self)) {
            pthread_mutex_lock (&self->mutex);
            zsys_warning ("bridge: %s; re-reading the stream", self->trouble_why);
            pthread_mutex_unlock (&self->mutex);
            s_drain (self, 1000);
            self->resyncs++;
            rc = s_resync (self);
            if (rc)
                return rc < 0? HUB_INTEG_OK: rc;
            continue;
        }
        if (zclock_mono () >= next_progress) {
            s_progress (self, "progress", &last_acked, &last_time);
            next_progress = zclock_mono () + S_PROGRESS_MS;
        }
        Cyclehub__V1__Event *event = NULL;
        int lib_rc = hub_subscriber_recv (self->sub, 200, &event);
        if (lib_rc == HUB_TIMEOUT) {
            //  Idle: collect the acks, so the stream is known to be level
            if (!idle_flushed) {
                jsPubOptions options;
                jsPubOptions_Init (&options);
                options.MaxWait = 1000;
                if (js_PublishAsyncComplete (self->js, &options) == NATS_OK && !s_in_trouble (self)) {
                    idle_flushed = true;
                    s_progress (self, "idle", &last_acked, &last_time);
                }
            }
            continue;
        }
        if (lib_rc == HUB_EINTR)
            break;
        if (lib_rc != HUB_OK) {
            zsys_warning ("bridge: hub: %s; retrying", hub_strerror (lib_rc));
            s_nap (200);
            continue;
        }
        idle_flushed = false;
        rc = s_publish (self, event);
        cyclehub__v1__event__free_unpacked (event, NULL);
        if (rc > 0)
            return rc;
    }
    return HUB_INTEG_OK;
}

//  --------------------------------------------------------------------------
//  Public API

void
hub_bridge_config_default (hub_bridge_config_t *config)
{
    memset (config, 0, sizeof *config);
    hub_connect_options_default (&config->hub);
    config->stream = HUB_BRIDGE_STREAM;
    config->prefix = HUB_BRIDGE_PREFIX;
    config->replicas = 1;
    config->window = HUB_BRIDGE_WINDOW;
}

hub_bridge_format_t
hub_bridge_format_parse (const char *name)
{
    return !name? HUB_BRIDGE_FORMAT_STREAM:
           streq (name, "json")? HUB_BRIDGE_FORMAT_JSON:
           streq (name, "protobuf")? HUB_BRIDGE_FORMAT_PROTOBUF: HUB_BRIDGE_FORMAT_STREAM;
}

bool
hub_bridge_stream_valid (const char *stream)
{
    return stream && *stream && !strpbrk (stream, ". *>\t\r\n/\\");
}

//  Checks the settings and copies them into self. Returns 0, or -1 (said why).
static int
s_configure (s_bridge_t *self, const hub_bridge_config_t *config)
{
    const char *bad = NULL;
    if (!config->url)
        bad = "give the NATS server with --url nats://HOST:PORT";
    else
    if (!hub_bridge_stream_valid (config->stream))
        bad = "the stream name must be one token (no '.', ' ', '*', '>', '/', '\\')";
    else
    if (!config->prefix || !hub_bridge_prefix_valid (config->prefix))
        bad = "the subject prefix must be non-empty tokens without wildcards or spaces";
    else
    if (config->replicas < 1 || config->replicas > 5)
        bad = "replicas must be 1 to 5";
    else
    if (config->window < 1)
        bad = "the window must be at least 1";
    if (bad) {
        fprintf (stderr, "cyclehub: bridge: %s\n", bad);
        return -1;
    }
    self->config = config;
    self->url = config->url;
    self->stream = config->stream;
    self->prefix = config->prefix;
    self->replicas = config->replicas;
    self->format = config->format;
    self->window = config->window;
    return 0;
}

int
hub_bridge_run (const hub_bridge_config_t *config)
{
    s_bridge_t self;
    memset (&self, 0, sizeof self);
    if (s_configure (&self, config))
        return HUB_INTEG_CONFIG;
    pthread_mutex_init (&self.mutex, NULL);
    uint64_t hub_last = 0;
    int rc = s_hub_status (&self, &hub_last);
    if (rc == HUB_INTEG_OK)
        rc = s_connect (&self);
    if (rc == HUB_INTEG_OK)
        rc = s_ensure_stream (&self);
    if (rc == HUB_INTEG_OK) {
        zsys_info ("bridge: hub_id=%s last_seq=%" PRIu64 " -> nats=%s stream=%s subjects=%s.> "
                   "window=%d body=%s", self.hub_id, hub_last, self.url, self.stream, self.prefix,
                   self.window, self.json? "json": "protobuf");
        self.started = zclock_mono ();
        rc = s_run (&self);
    }
    //  Stop: the acks of what was sent, then the figures
    if (self.js) {
        if (!s_drain (&self, 10000))
            zsys_warning ("bridge: some acks did not come: the next start finds out from the stream");
        uint64_t none = 0;
        int64_t since = self.started? self.started: zclock_mono ();
        s_progress (&self, "stopped", &none, &since);
    }
    hub_subscriber_destroy (&self.sub);
    jsCtx_Destroy (self.js);
    if (self.conn) {
        natsConnection_Close (self.conn);
        natsConnection_Destroy (self.conn);
    }
    nats_Close ();
    pthread_mutex_destroy (&self.mutex);
    return rc;
}
