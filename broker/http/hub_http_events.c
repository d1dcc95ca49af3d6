/*  hub_http_events: GET /v1/events?topic=PREFIX&after_seq=N as Server-Sent
    Events (text/event-stream). Each event is

        id: SEQ
        event: TYPE
        data: {the event's JSON, as /v1/history writes it}

    A client that resumes (Last-Event-ID, or ?after_seq=) gets every event
    after that seq from history, then the live ones, with no gap and no
    duplicate. This is the Clone pattern of libcyclehub's subscriber, run
    by the connection's own thread (libmicrohttpd's thread per connection,
    so an SSE client counts against the connection limit like any other):
      1. subscribe first: a SUB on the broker's events socket (inproc),
         to every topic (the prefix is applied here, so that a seq missing
         from the live stream is always a real gap);
      2. page history from the last seq covered, up to its end;
      3. drain the live events, dropping seq <= covered; a seq beyond
         covered + 1, or a $heartbeat naming one, sends us back to 2.
    Every event, from history or live, passes through the one outward
    point (hub_proto_redact_event) whoever the token belongs to: the
    stream is for screens and forwarders, never for personal data.
    When idle a comment (": hb") goes out every S_HEARTBEAT_MS so proxies
    and the idle timeout keep the connection; the broker's shutdown ends
    the stream.
*/
#include <poll.h>
#include "hub_http_routes.h"
#include "hub_http_problem.h"
#include "hub_json.h"
#include "hub_proto.h"

#define S_HEARTBEAT_MS  15000   //  a comment when nothing was sent for this long
#define S_SILENCE_MS    5000    //  no broker heartbeat for this long: subscribe again
#define S_RETRY_MS      3000    //  the client's reconnection delay (retry:)
#define S_PAGE          200     //  events per history page

typedef struct {
    hub_http_req_t req;         //  a copy, for hub_http_call (answered already)
    char *topic;                //  prefix filter ("" = all)
    zsock_t *sub;
    uint64_t covered;           //  every seq <= covered was sent or filtered out
    bool catching_up;           //  paging history (else: live)
    bool started;
    int64_t last_sent_ms, last_heard_ms;
    char *pending;              //  text not yet written to the connection
    size_t pending_size, pending_at;
} s_stream_t;

static void
s_append (s_stream_t *self, const char *text)
{
    size_t size = strlen (text);
    char *grown = realloc (self->pending, self->pending_size + size + 1);
    if (!grown)
        return;
    memcpy (grown + self->pending_size, text, size + 1);
    self->pending = grown;
    self->pending_size += size;
}

static int
s_subscribe (s_stream_t *self)
{
    zsock_destroy (&self->sub);
    self->sub = zsock_new (ZMQ_SUB);
    if (!self->sub)
        return -1;
    zsock_set_rcvhwm (self->sub, 100000);
    zsock_set_subscribe (self->sub, "");
    if (zsock_connect (self->sub, "%s", hub_http_events_endpoint (self->req.server)) < 0)
        return -1;
    self->last_heard_ms = zclock_mono ();
    self->catching_up = true;
    return 0;
}

//  One event (packed, as stored) onto the stream, redacted, if its topic
//  matches. covered moves past it either way.
static void
s_event (s_stream_t *self, const void *data, size_t size)
{
    uint8_t *outward = NULL;
    size_t outward_size = 0;
    Cyclehub__V1__Event *event = NULL;
    if (hub_proto_redact_event (data, size, &outward, &outward_size) >= 0)
        event = cyclehub__v1__event__unpack (NULL, outward_size, outward);
    free (outward);
    if (!event || event->seq <= self->covered) {
        if (event)
            cyclehub__v1__event__free_unpacked (event, NULL);
        else
            zsys_warning ("http: an event could not be made outward; not sent on /v1/events");
        return;
    }
    self->covered = event->seq;
    char topic [512];
    hub_proto_topic (topic, sizeof topic, event->stage,
                     event->envelope? event->envelope->commission_id: "", event->type);
    char *json = NULL;
    if (strncmp (topic, self->topic, strlen (self->topic)) == 0) {
        json_t *item = hub_json_from_message (&event->base);
        json = hub_json_dumps (item, 0);
        json_decref (item);
    }
    if (json) {
        char *text = zsys_sprintf ("id: %" PRIu64 "\nevent: %s\ndata: %s\n\n", event->seq,
                                   event->type, json);
        if (text)
            s_append (self, text);
        zstr_free (&text);
        free (json);
    }
    cyclehub__v1__event__free_unpacked (event, NULL);
}

//  Step 2: one page of history after covered. -1 if the broker cannot answer.
static int
s_catch_up (s_stream_t *self)
{
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    query.from_seq = self->covered + 1;
    query.limit = S_PAGE;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    request.history = &query;
    Cyclehub__V1__Reply *reply = hub_http_call (&self->req, &request);
    if (!reply || reply->body_case != CYCLEHUB__V1__REPLY__BODY_PAGE) {
        if (reply)
            cyclehub__v1__reply__free_unpacked (reply, NULL);
        return -1;
    }
    for (size_t i = 0; i < reply->page->n_events; i++)
        s_event (self, reply->page->events [i].data, reply->page->events [i].len);
    if (reply->page->end || !reply->page->n_events)
        self->catching_up = false;
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    return 0;
}

//  Step 3: what the events socket has within timeout_ms.
static void
s_live (s_stream_t *self, int timeout_ms)
{
    zpoller_t *poller = zpoller_new (self->sub, NULL);
    if (!poller || !zpoller_wait (poller, timeout_ms)) {
        zpoller_destroy (&poller);
        return;
    }
    zpoller_destroy (&poller);
    for (int i = 0; i < 100 && !self->catching_up; i++) {
        zmsg_t *msg = zmsg_recv_nowait (self->sub);
        if (!msg)
            break;
        char *topic = zmsg_popstr (msg);
        zframe_t *frame = zmsg_pop (msg);
        self->last_heard_ms = zclock_mono ();
        Cyclehub__V1__Event *event = frame? cyclehub__v1__event__unpack (
            NULL, zframe_size (frame), zframe_data (frame)): NULL;
        uint64_t seq = event? event->seq: 0;
        if (event)
            cyclehub__v1__event__free_unpacked (event, NULL);
        bool heartbeat = topic && streq (topic, "$heartbeat");
        if ((heartbeat && seq > self->covered) || (!heartbeat && seq > self->covered + 1))
            self->catching_up = true;       //  a gap: history fills it
        else
        if (!heartbeat && seq == self->covered + 1)
            s_event (self, zframe_data (frame), zframe_size (frame));
        zstr_free (&topic);
        zframe_destroy (&frame);
        zmsg_destroy (&msg);
    }
}

//  True when the client closed its end: an idle stream would otherwise see
//  it only when the next heartbeat's write fails, and the hub's count of
//  subscribers would keep it until then
static bool
s_client_left (s_stream_t *self)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info (
        self->req.connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct pollfd p = { info? info->connect_fd: -1, POLLRDHUP, 0 };
    return info && poll (&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

//  Produces more text, waiting at most about a second. false: end the stream.
static bool
s_produce (s_stream_t *self)
{
    if (hub_http_is_stopping (self->req.server) || s_client_left (self))
        return false;
    if (!self->started) {
        self->started = true;
        char text [40];
        snprintf (text, sizeof text, "retry: %d\n\n", S_RETRY_MS);
        s_append (self, text);
        return s_subscribe (self) == 0;
    }
    if (zclock_mono () - self->last_heard_ms > S_SILENCE_MS && s_subscribe (self))
        return false;
    if (self->catching_up) {
        if (s_catch_up (self))
            return false;
    }
    else
        s_live (self, 1000);
    if (!self->pending_size && zclock_mono () - self->last_sent_ms >= S_HEARTBEAT_MS)
        s_append (self, ": hb\n\n");
    return true;
}

static ssize_t
s_read (void *cls, uint64_t pos, char *buf, size_t max)
{
    (void) pos;
    s_stream_t *self = cls;
    while (self->pending_at == self->pending_size) {
        free (self->pending);
        self->pending = NULL;
        self->pending_size = self->pending_at = 0;
        if (!s_produce (self))
            return MHD_CONTENT_READER_END_OF_STREAM;
    }
    size_t size = self->pending_size - self->pending_at;
    if (size > max)
        size = max;
    memcpy (buf, self->pending + self->pending_at, size);
    self->pending_at += size;
    self->last_sent_ms = zclock_mono ();
    return (ssize_t) size;
}

static void
s_free (void *cls)
{
    s_stream_t *self = cls;
    hub_http_stream_count (self->req.server, -1);
    zsock_destroy (&self->sub);
    free (self->topic);
    free (self->pending);
    free (self);
}

//  The seq to resume after: Last-Event-ID, else ?after_seq=, else the
//  last stored (live only). -1 when refused (answered).
static int
s_resume_point (hub_http_req_t *req, uint64_t *after)
{
    const char *text = hub_http_header (req, "Last-Event-ID");
    const char *name = "Last-Event-ID";
    if (!text || !*text) {
        text = hub_http_arg (req, "after_seq");
        name = "after_seq";
    }
    if (text && *text) {
        char *end;
        errno = 0;
        unsigned long long value = strtoull (text, &end, 10);
        if (*end || errno || !isdigit ((unsigned char) text [0])) {
            hub_http_problem (req, 400, "MALFORMED", name, NULL, "%s takes the seq of the last "
                              "event received (a whole number), not \"%.40s\"", name, text);
            return -1;
        }
        *after = value;
        return 0;
    }
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    query.limit = 1;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    request.history = &query;
    Cyclehub__V1__Reply *reply = hub_http_call (req, &request);
    if (!reply)
        return -1;
    int rc = reply->body_case == CYCLEHUB__V1__REPLY__BODY_PAGE? 0: -1;
    if (rc == 0)
        *after = reply->page->last_seq;
    else
        hub_http_problem_unexpected (req, reply);
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    return rc;
}

void
hub_http_events (hub_http_req_t *req)
{
    const char *topic = hub_http_arg (req, "topic");
    if (hub_http_arg_count (req, "topic") > 1) {
        hub_http_problem (req, 400, "MALFORMED", "topic", NULL, "give topic once: it is one "
                          "prefix of \"<stage>/<commission-id>/<type>\"");
        return;
    }
    //  A client resuming with Last-Event-ID asks the broker nothing first:
    //  refuse it here rather than open a stream that ends at once
    if (hub_http_is_stopping (req->server)) {
        const char *headers [] = { "Retry-After", "5", NULL };
        hub_http_problem (req, 503, "UNAVAILABLE", NULL, headers,
                          "the hub is shutting down; reconnect in 5 s with Last-Event-ID");
        return;
    }
    uint64_t after = 0;
    if (s_resume_point (req, &after))
        return;
    s_stream_t *self = calloc (1, sizeof *self);
    if (!self || !(self->topic = strdup (topic? topic: ""))) {
        free (self);
        hub_http_problem (req, 503, "UNAVAILABLE", NULL, NULL, "the hub is out of memory");
        return;
    }
    self->req = *req;
    self->req.responded = true;     //  problems inside the stream are not answers
    self->covered = after;
    self->last_sent_ms = zclock_mono ();
    hub_http_stream_count (self->req.server, +1);      //  s_free counts its end
    struct MHD_Response *response = MHD_create_response_from_callback (
        MHD_SIZE_UNKNOWN, 16 * 1024, s_read, self, s_free);
    if (!response) {
        s_free (self);
        return;
    }
    MHD_add_response_header (response, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header (response, "Cache-Control", "no-store");
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (response, "X-Accel-Buffering", "no");
    if (MHD_queue_response (req->connection, 200, response) == MHD_YES)
        req->responded = true;
    MHD_destroy_response (response);
}
