/*  test_http_sse: GET /v1/events (Server-Sent Events) end to end. A real
    cyclehubd in CURVE mode with --http; streams read by libcurl in threads
    while events are published over HTTP and over ZeroMQ. Checks: both
    publishes reach the stream, in seq order, as id/event/data; a
    consultation response's personal data never appears on the stream,
    live or caught up, even for the commission's owner; the topic filter;
    resuming with Last-Event-ID (and ?after_seq=) across a broker restart
    with no gap and no duplicate; a bad Last-Event-ID and no token are
    refused; the broker's shutdown ends a stream; idle heartbeats.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_http_kit.h"
#include "hub_json.h"
#include "hub_proto.h"
#include <pthread.h>

#define OCID "ocds-h6vhtk-sse001"

static kit_hub_t s_hub;
static char s_buyer [128], s_partner [128], s_observer [128];
static uint64_t s_request_id = 0;

//  ---------------------------------------------------------------------------
//  A stream read in a thread for at most ms milliseconds

typedef struct {
    char path [512];
    const char *token;
    const char *last_event_id;      //  NULL: none
    long ms;
    pthread_t thread;
    kit_response_t r;
    CURLcode result;
    int64_t elapsed_ms;
} s_stream_t;

static void *
s_stream_run (void *arg)
{
    s_stream_t *s = arg;
    memset (&s->r, 0, sizeof s->r);
    CURL *curl = curl_easy_init ();
    char url [1024], line [512];
    snprintf (url, sizeof url, "%s%s", s_hub.url, s->path);
    struct curl_slist *headers = NULL;
    if (s->token) {
        snprintf (line, sizeof line, "Authorization: Bearer %s", s->token);
        headers = curl_slist_append (headers, line);
    }
    if (s->last_event_id) {
        snprintf (line, sizeof line, "Last-Event-ID: %s", s->last_event_id);
        headers = curl_slist_append (headers, line);
    }
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, kit_write_body);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &s->r);
    curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, kit_write_header);
    curl_easy_setopt (curl, CURLOPT_HEADERDATA, &s->r);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, s->ms);
    int64_t start = zclock_mono ();
    s->result = curl_easy_perform (curl);
    s->elapsed_ms = zclock_mono () - start;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &s->r.status);
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
    return NULL;
}

static void
s_stream_start (s_stream_t *s, const char *path, const char *token, const char *last_id, long ms)
{
    memset (s, 0, sizeof *s);
    snprintf (s->path, sizeof s->path, "%s", path);
    s->token = token;
    s->last_event_id = last_id;
    s->ms = ms;
    REQUIRE (pthread_create (&s->thread, NULL, s_stream_run, s) == 0);
}

static void
s_stream_join (s_stream_t *s)
{
    pthread_join (s->thread, NULL);
}

//  The ids of the stream's events, in order, as "1,2,3" into buf.
static const char *
s_ids (const s_stream_t *s, char *buf, size_t size)
{
    buf [0] = 0;
    size_t used = 0;
    for (const char *at = s->r.body; at && (at = strstr (at, "id: ")); at += 4)
        if (at == s->r.body || at [-1] == '\n')
            used += (size_t) snprintf (buf + used, size - used, "%s%" PRIu64, used? ",": "",
                                       (uint64_t) strtoull (at + 4, NULL, 10));
    return buf;
}

//  ---------------------------------------------------------------------------
//  Publishing

static const char *
s_http_publish (const char *token, const char *type, const char *body, const char *key)
{
    static char code [64];
    char path [256];
    snprintf (path, sizeof path, "/v1/messages/%s?commission=" OCID, type);
    kit_response_t r;
    kit_http (&s_hub, "POST", path, token, key, body, &r);
    snprintf (code, sizeof code, "%s", r.status == 201? "OK": r.body? r.body: "no answer");
    kit_response_free (&r);
    return code;
}

static const char *
s_zmq_publish (const char *org_id, const char *type, const char *body_json, const char *msg_id)
{
    Cyclehub__V1__Envelope__BodyCase body_case = hub_proto_type_case (type);
    const ProtobufCFieldDescriptor *member = protobuf_c_message_descriptor_get_field (
        &cyclehub__v1__envelope__descriptor, body_case);
    char err [256];
    ProtobufCMessage *body = hub_json_decode (member->descriptor, body_json, strlen (body_json),
                                              err, sizeof err);
    REQUIRE (body);
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = (char *) msg_id;
    env.commission_id = OCID;
    env.body_case = body_case;
    *(ProtobufCMessage **) ((char *) &env + member->offset) = body;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.request_id = ++s_request_id;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
    request.publish = &env;
    zsock_t *dealer = kit_socket (&s_hub, ZMQ_DEALER, org_id);
    zframe_t *frame = zframe_new (NULL, cyclehub__v1__request__get_packed_size (&request));
    cyclehub__v1__request__pack (&request, zframe_data (frame));
    zframe_send (&frame, dealer, 0);
    frame = zframe_recv (dealer);
    Cyclehub__V1__Reply *reply = frame? cyclehub__v1__reply__unpack (
        NULL, zframe_size (frame), zframe_data (frame)): NULL;
    const char *verdict = reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK? "OK": "REFUSED";
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    zframe_destroy (&frame);
    zsock_destroy (&dealer);
    protobuf_c_message_free_unpacked (body, NULL);
    return verdict;
}

static const char *
s_when (int64_t offset_s, char *buf, size_t size)
{
    time_t t = time (NULL) + offset_s;
    strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", gmtime (&t));
    return buf;
}

//  ---------------------------------------------------------------------------

//  Seqs 1-4 published while streams are open: over HTTP and over ZeroMQ,
//  with a consultation response holding personal data.
static void
test_live (void)
{
    s_stream_t observer, owner;
    s_stream_start (&observer, "/v1/events", s_observer, NULL, 5000);
    s_stream_start (&owner, "/v1/events?topic=analyse/" OCID "/", s_buyer, NULL, 5000);
    hub_proc_sleep_ms (1500);
    CHECK (streq (s_http_publish (s_buyer, "commission.opened", "{\"title\": \"Falls\", "
                                  "\"buyer\": \"" KIT_BUYER "\", \"partners\": [\"" KIT_PARTNER
                                  "\"]}", "sse-open"), "OK"));
    CHECK (streq (s_zmq_publish (KIT_BUYER, "needs.assessed", "{\"population\": \"Over 65s\"}",
                                 "sse-needs"), "OK"));
    char from [40], until [40], keep [40], body [1024];
    snprintf (body, sizeof body, "{\"consultationId\": \"c-1\", \"title\": \"Falls\", "
              "\"opensAt\": \"%s\", \"closesAt\": \"%s\"}", s_when (-3600, from, sizeof from),
              s_when (30 * 86400, until, sizeof until));
    CHECK (streq (s_http_publish (s_buyer, "consultation.opened", body, "sse-consult"), "OK"));
    snprintf (body, sizeof body, "{\"consultationId\": \"c-1\", \"responseId\": \"r-1\", "
              "\"respondentType\": \"RESPONDENT_TYPE_RESIDENT\", \"retentionUntil\": \"%s\", "
              "\"personal\": {\"fullName\": \"Ada Resident\", \"email\": \"ada@example.org\"}}",
              s_when (365 * 86400, keep, sizeof keep));
    CHECK (streq (s_http_publish (s_partner, "consultation.response", body, "sse-resp"), "OK"));
    s_stream_join (&observer);
    s_stream_join (&owner);
    char ids [256];
    CHECK_MSG (observer.r.status == 200 && streq (s_ids (&observer, ids, sizeof ids), "1,2,3,4"),
               "%ld [%s] %s", observer.r.status, ids, observer.r.body? observer.r.body: "");
    CHECK (strstr (observer.r.headers, "Content-Type: text/event-stream") != NULL);
    CHECK (observer.r.body && strncmp (observer.r.body, "retry: ", 7) == 0);
    CHECK (strstr (observer.r.body, "id: 1\nevent: commission.opened\ndata: {\"seq\":\"1\""));
    CHECK (strstr (observer.r.body, "id: 2\nevent: needs.assessed\ndata: {"));
    CHECK (strstr (observer.r.body, "\"msgId\":\"sse-needs\""));
    //  Personal data: redacted on the stream, for the owner too
    CHECK (strstr (observer.r.body, "\"redacted\":true") != NULL);
    CHECK (streq (s_ids (&owner, ids, sizeof ids), "1,2,3,4"));
    CHECK (owner.r.body && strstr (owner.r.body, "\"redacted\":true"));
    CHECK (owner.r.body && !strstr (owner.r.body, "Ada Resident")
           && !strstr (owner.r.body, "ada@example.org"));
    CHECK (observer.r.body && !strstr (observer.r.body, "Ada Resident"));
    //  (the owner reads it in history: the stream's redaction is its own)
    kit_response_t r;
    kit_http (&s_hub, "GET", "/v1/history?type=consultation.response", s_buyer, NULL, NULL, &r);
    CHECK (r.body && strstr (r.body, "Ada Resident"));
    kit_response_free (&r);
    kit_response_free (&observer.r);
    kit_response_free (&owner.r);
}

//  Catch-up from history: the whole history, a topic, the owner's view.
static void
test_catch_up (void)
{
    s_stream_t s;
    char ids [256];
    s_stream_start (&s, "/v1/events?after_seq=0", s_buyer, NULL, 2000);
    s_stream_join (&s);
    CHECK_MSG (streq (s_ids (&s, ids, sizeof ids), "1,2,3,4"), "[%s]", ids);
    CHECK (s.r.body && !strstr (s.r.body, "Ada Resident") && strstr (s.r.body, "\"redacted\":true"));
    kit_response_free (&s.r);
    //  A topic prefix: only the consultation's events
    s_stream_start (&s, "/v1/events?after_seq=0&topic=analyse/" OCID "/consultation.", s_observer,
                    NULL, 2000);
    s_stream_join (&s);
    CHECK_MSG (streq (s_ids (&s, ids, sizeof ids), "3,4"), "[%s]", ids);
    kit_response_free (&s.r);
    s_stream_start (&s, "/v1/events?after_seq=0&topic=do/", s_observer, NULL, 2000);
    s_stream_join (&s);
    CHECK (s.r.status == 200 && streq (s_ids (&s, ids, sizeof ids), ""));
    kit_response_free (&s.r);
    //  Last-Event-ID wins over after_seq (it is what a browser sends)
    s_stream_start (&s, "/v1/events?after_seq=0", s_observer, "2", 2000);
    s_stream_join (&s);
    CHECK_MSG (streq (s_ids (&s, ids, sizeof ids), "3,4"), "[%s]", ids);
    kit_response_free (&s.r);
    //  Refusals
    kit_response_t r;
    kit_http (&s_hub, "GET", "/v1/events?after_seq=yesterday", s_observer, NULL, NULL, &r);
    CHECK (r.status == 400 && streq (kit_str (&r, "code"), "MALFORMED")
           && streq (kit_str (&r, "field"), "after_seq"));
    kit_response_free (&r);
    kit_http (&s_hub, "GET", "/v1/events", NULL, NULL, NULL, &r);
    CHECK (r.status == 401 && streq (kit_str (&r, "code"), "UNAUTHENTICATED"));
    kit_response_free (&r);
    kit_http (&s_hub, "POST", "/v1/events", s_observer, NULL, "{}", &r);
    CHECK (r.status == 405);
    kit_response_free (&r);
}

//  The broker's shutdown ends a stream; after a restart on the same store
//  the client resumes with Last-Event-ID: no gap, no duplicate, with
//  events published while it catches up and then live.
static void
test_restart (void)
{
    s_stream_t s, idle;
    s_stream_start (&s, "/v1/events", s_observer, NULL, 20000);
    hub_proc_sleep_ms (1000);
    CHECK (hub_broker_stop (&s_hub.proc) == 0);
    s_stream_join (&s);
    //  Ended, not timed out (the last chunk may be cut by the server's
    //  stop: a client sees the end either way and reconnects)
    CHECK_MSG ((s.result == CURLE_OK || s.result == CURLE_PARTIAL_FILE) && s.elapsed_ms < 15000,
               "%d after %" PRId64 " ms", (int) s.result, s.elapsed_ms);
    kit_response_free (&s.r);

    REQUIRE (kit_start (&s_hub, false, NULL) == 0);
    //  Published while the client is away
    CHECK (streq (s_zmq_publish (KIT_BUYER, "needs.assessed", "{\"population\": \"All\"}",
                                 "sse-away"), "OK"));
    s_stream_start (&s, "/v1/events", s_observer, "4", 6000);
    s_stream_start (&idle, "/v1/events?topic=review/", s_observer, NULL, 17000);
    for (int i = 0; i < 6; i++) {
        char key [32];
        snprintf (key, sizeof key, "sse-more-%d", i);
        const char *verdict = i % 2
            ? s_zmq_publish (KIT_PARTNER, "partner.update", "{\"title\": \"Update\"}", key)
            : s_http_publish (s_partner, "partner.update", "{\"title\": \"Update\"}", key);
        CHECK (streq (verdict, "OK"));
        hub_proc_sleep_ms (300);
    }
    s_stream_join (&s);
    char ids [256];
    CHECK_MSG (streq (s_ids (&s, ids, sizeof ids), "5,6,7,8,9,10,11"), "[%s]", ids);
    kit_response_free (&s.r);
    //  Idle: a heartbeat comment within about 15 s, and no events
    s_stream_join (&idle);
    CHECK (idle.r.body && strstr (idle.r.body, "\n: hb\n\n") && !strstr (idle.r.body, "id: "));
    kit_response_free (&idle.r);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    curl_global_init (CURL_GLOBAL_ALL);
    kit_setup (&s_hub, "http-sse");
    REQUIRE (kit_start (&s_hub, false, NULL) == 0);
    kit_token (&s_hub, KIT_BUYER, false, s_buyer, sizeof s_buyer);
    kit_token (&s_hub, KIT_PARTNER, false, s_partner, sizeof s_partner);
    kit_token (&s_hub, KIT_OBSERVER, true, s_observer, sizeof s_observer);
    REQUIRE (*s_buyer && *s_partner && *s_observer);

    test_live ();
    test_catch_up ();
    test_restart ();

    kit_teardown (&s_hub);
    curl_global_cleanup ();
    HUB_TEST_DONE ();
}
