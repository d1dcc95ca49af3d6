/*  test_outward: personal data never leaves the hub through a consumer that
    forwards events outside it, even one run by the commission's owner (the
    one agency whose own reads do hold the personal data). The owner's
    consultation responses carry a name, an email, a phone number, an
    address and free text; each way out must deliver them redacted, with
    the PersonalData's `redacted` flag set, on every path the subscriber
    has: a first start from seq 1 (history), live events, a restart (catch-up
    from a cursor) and a gap (live events dropped, or a broker restart).
    1. libcyclehub's outward mode (hub_connect_options_t.outward): history
       pages and the subscriber (history, live, a forced gap with
       live_max 1), against the same calls without it (which do read the
       owner's data: the control that shows the test can see a leak).
    2. `cyclehub relay webhook` as the owner, JSON and FHIR, into a real
       HTTP receiver (tests/webhook_receiver.py).
    3. `cyclehub bridge nats` as the owner, protobuf and JSON, into a real
       nats-server's JetStream.
    4. `cyclehub export ocds` as the owner, release and record packages.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_nats.h"
#include "cyclehub.h"
#include <czmq.h>
#include <inttypes.h>
#include <jansson.h>
#include <nats/nats.h>

#define OCID     "ocds-h6vhtk-outw01"
#define OWNER    "GB-LAE-E09000033"
#define PARTNER  "GB-NHS-RWE"
#define SECRET   "s3cret-shared-with-the-receiver"
#define DAY_MS   (24LL * 3600 * 1000)

//  The personal values of every response: none may appear outside the hub
static const char *s_personal [] = {
    "Ada Outward-Person", "ada@outward.example", "+44 20 7946 0001",
    "1 Outward Lane, London E1 6AN", "my neighbour at number 3 had a fall"
};
#define S_PERSONAL (sizeof s_personal / sizeof s_personal [0])

static char s_dir [PATH_MAX - 64];     //  room for hub_nats_init's "/name"
static int s_responses;                 //  responses published so far
static int s_next_response = 1;

//  --------------------------------------------------------------------------
//  Publishing

static hub_client_t *
s_client (const hub_broker_proc_t *b, const char *agency, bool outward)
{
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = b->api;
    options.events_endpoint = b->events;
    options.agency = agency;
    options.outward = outward;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    return client;
}

static uint64_t
s_publish (const hub_broker_proc_t *b, const char *agency, Cyclehub__V1__Envelope *env)
{
    hub_client_t *client = s_client (b, agency, false);
    hub_result_t result;
    int rc = hub_client_publish (client, env, &result);
    CHECK_MSG (rc == HUB_OK, "publish %s: %s %s", hub_proto_type_name (env->body_case),
               hub_strerror (rc), result.reason);
    hub_client_destroy (&client);
    return result.seq;
}

//  A consultation response with every personal field set; returns its seq
static uint64_t
s_respond (const hub_broker_proc_t *b, const char *agency)
{
    char id [32];
    snprintf (id, sizeof id, "r-%d", s_next_response++);
    Cyclehub__V1__PersonalData personal = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    char *free_text [] = { (char *) s_personal [4] };
    personal.full_name = (char *) s_personal [0];
    personal.email = (char *) s_personal [1];
    personal.phone = (char *) s_personal [2];
    personal.postal_address = (char *) s_personal [3];
    personal.free_text = free_text;
    personal.n_free_text = 1;
    Cyclehub__V1__Answer answer = CYCLEHUB__V1__ANSWER__INIT;
    Cyclehub__V1__Answer *answers [] = { &answer };
    answer.question_id = "q1";
    answer.choice = "agree";
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    response.consultation_id = "c-1";
    response.response_id = id;
    response.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_RESIDENT;
    response.answers = answers;
    response.n_answers = 1;
    response.retention_until_ms = zclock_time () + 365 * DAY_MS;
    response.personal = &personal;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.commission_id = OCID;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED;
    env.response_submitted = &response;
    s_responses++;
    return s_publish (b, agency, &env);
}

static uint64_t
s_update (const hub_broker_proc_t *b)
{
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    update.title = "Capacity";
    update.body = "Two more clinicians from January";
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.commission_id = OCID;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    return s_publish (b, OWNER, &env);
}

//  The commission, its consultation, and responses from the owner and a
//  partner. Returns the last seq.
static uint64_t
s_setup (const hub_broker_proc_t *b)
{
    char *partners [] = { PARTNER };
    Cyclehub__V1__CommissionOpened opened = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
    opened.title = "Falls prevention";
    opened.buyer = OWNER;
    opened.partners = partners;
    opened.n_partners = 1;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.commission_id = OCID;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
    env.commission_opened = &opened;
    s_publish (b, OWNER, &env);
    Cyclehub__V1__ConsultationOpened consultation = CYCLEHUB__V1__CONSULTATION_OPENED__INIT;
    consultation.consultation_id = "c-1";
    consultation.title = "Have your say";
    consultation.opens_at_ms = zclock_time () - DAY_MS;
    consultation.closes_at_ms = zclock_time () + 30 * DAY_MS;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OPENED;
    env.consultation_opened = &consultation;
    s_publish (b, OWNER, &env);
    s_respond (b, OWNER);
    s_update (b);
    return s_respond (b, PARTNER);
}

//  --------------------------------------------------------------------------
//  Looking for a leak

//  The first personal value found in data, or NULL.
static const char *
s_leak (const void *data, size_t size)
{
    for (size_t i = 0; i < S_PERSONAL; i++)
        if (data && memmem (data, size, s_personal [i], strlen (s_personal [i])))
            return s_personal [i];
    return NULL;
}

//  Checks one event handed out by an outward path: no personal value, and
//  a response's PersonalData flagged redacted. Returns 1 for a response.
static int
s_check_event (const Cyclehub__V1__Event *event, const char *where)
{
    size_t size = cyclehub__v1__event__get_packed_size (event);
    uint8_t *bytes = malloc (size);
    cyclehub__v1__event__pack (event, bytes);
    const char *leak = s_leak (bytes, size);
    CHECK_MSG (!leak, "%s: seq %" PRIu64 " carries \"%s\"", where, event->seq, leak);
    free (bytes);
    if (!event->envelope
    ||  event->envelope->body_case != CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED)
        return 0;
    const Cyclehub__V1__PersonalData *pd = event->envelope->response_submitted->personal;
    CHECK_MSG (pd && pd->redacted, "%s: seq %" PRIu64 " not flagged redacted", where, event->seq);
    return 1;
}

//  The same for an event in its canonical JSON form (text).
static int
s_check_json (const char *text, size_t size, const char *where)
{
    const char *leak = s_leak (text, size);
    CHECK_MSG (!leak, "%s: carries \"%s\"", where, leak);
    json_t *event = json_loadb (text, size, 0, NULL);
    CHECK_MSG (event, "%s: not JSON", where);
    json_t *response = json_object_get (json_object_get (event, "envelope"), "responseSubmitted");
    int is_response = response != NULL;
    json_t *personal = json_object_get (response, "personal");
    if (response)
        CHECK_MSG (json_is_true (json_object_get (personal, "redacted")),
                   "%s: response not flagged redacted", where);
    json_decref (event);
    return is_response;
}

//  --------------------------------------------------------------------------
//  1. libcyclehub's outward mode

//  Reads the whole history with client; returns the number of events and
//  checks each as outward (or, for the control, returns in *leaked whether
//  any carried a personal value).
static size_t
s_history (hub_client_t *client, bool outward, bool *leaked, int *responses)
{
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    query.from_seq = 1;
    query.limit = 2;                    //  several pages
    size_t count = 0;
    *leaked = false;
    *responses = 0;
    while (true) {
        Cyclehub__V1__Reply *reply = NULL;
        REQUIRE (hub_client_history (client, &query, &reply, NULL) == HUB_OK);
        Cyclehub__V1__HistoryPage *page = reply->page;
        for (size_t i = 0; i < page->n_events; i++) {
            *leaked |= s_leak (page->events [i].data, page->events [i].len) != NULL;
            Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
                NULL, page->events [i].len, page->events [i].data);
            REQUIRE (event);
            if (outward)
                *responses += s_check_event (event, "history page");
            cyclehub__v1__event__free_unpacked (event, NULL);
            count++;
        }
        bool end = page->end || !page->next_seq;
        query.from_seq = page->next_seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        if (end)
            break;
    }
    return count;
}

static hub_subscriber_t *
s_subscriber (const hub_broker_proc_t *b, bool outward, int live_max)
{
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = b->api;
    options.events_endpoint = b->events;
    options.agency = OWNER;
    options.outward = outward;
    options.live_max = live_max;
    hub_subscriber_t *sub = hub_subscriber_new (&options);
    REQUIRE (sub);
    REQUIRE (hub_subscriber_start (sub) == HUB_OK);
    return sub;
}

//  Receives up to seq `last`; returns the responses among the events, each
//  checked as outward (or *leaked for the control).
static int
s_receive (hub_subscriber_t *sub, uint64_t last, bool outward, bool *leaked)
{
    int responses = 0;
    while (hub_subscriber_cursor (sub) < last) {
        Cyclehub__V1__Event *event = NULL;
        int rc = hub_subscriber_recv (sub, 5000, &event);
        CHECK_MSG (rc == HUB_OK, "recv: %s", hub_strerror (rc));
        if (rc != HUB_OK)
            break;
        if (outward)
            responses += s_check_event (event, "subscriber");
        else {
            size_t size = cyclehub__v1__event__get_packed_size (event);
            uint8_t *bytes = malloc (size);
            cyclehub__v1__event__pack (event, bytes);
            *leaked |= s_leak (bytes, size) != NULL;
            free (bytes);
        }
        cyclehub__v1__event__free_unpacked (event, NULL);
    }
    return responses;
}

//  s_receive through hub_subscriber_recv_packed: the lent bytes are what
//  is checked, as a program passing them on would send them.
static int
s_receive_packed (hub_subscriber_t *sub, uint64_t last, bool outward, bool *leaked)
{
    int responses = 0;
    while (hub_subscriber_cursor (sub) < last) {
        hub_packed_event_t lent;
        int rc = hub_subscriber_recv_packed (sub, 5000, &lent);
        CHECK_MSG (rc == HUB_OK, "recv_packed: %s", hub_strerror (rc));
        if (rc != HUB_OK)
            break;
        *leaked |= s_leak (lent.data, lent.size) != NULL;
        Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, lent.size, lent.data);
        CHECK (event && event->seq == lent.seq);
        if (event && outward)
            responses += s_check_event (event, "packed subscriber");
        if (event)
            cyclehub__v1__event__free_unpacked (event, NULL);
    }
    return responses;
}

static void
s_test_library (const hub_broker_proc_t *b, uint64_t *last)
{
    //  The control: the owner's own reads hold the personal data
    bool leaked = false;
    int responses = 0;
    hub_client_t *own = s_client (b, OWNER, false);
    size_t events = s_history (own, false, &leaked, &responses);
    CHECK (events == *last && leaked);
    hub_client_destroy (&own);
    hub_subscriber_t *sub = s_subscriber (b, false, 0);
    leaked = false;
    s_receive (sub, *last, false, &leaked);
    CHECK (leaked);
    hub_subscriber_destroy (&sub);

    //  Outward history pages: the same events, none personal
    hub_client_t *outward = s_client (b, OWNER, true);
    CHECK (s_history (outward, true, &leaked, &responses) == *last);
    CHECK (!leaked && responses == s_responses);
    hub_client_destroy (&outward);

    //  The outward subscriber: first from history...
    sub = s_subscriber (b, true, 1);
    CHECK (s_receive (sub, *last, true, &leaked) == s_responses);
    hub_subscriber_stats_t stats;
    hub_subscriber_stats (sub, &stats);
    CHECK (stats.from_history == *last);
    //  ... then live
    *last = s_respond (b, OWNER);
    CHECK (s_receive (sub, *last, true, &leaked) == 1);
    hub_subscriber_stats (sub, &stats);
    CHECK_MSG (stats.from_live == 1, "from_live %" PRIu64, stats.from_live);
    //  ... then a gap: live_max 1, while the application is away five
    //  events come, four are dropped and filled in from history
    uint64_t before = *last;
    for (int i = 0; i < 2; i++) {
        s_respond (b, OWNER);
        s_update (b);
    }
    *last = s_respond (b, PARTNER);
    zclock_sleep (1000);                //  let them all reach the SUB socket
    CHECK (s_receive (sub, *last, true, &leaked) == 3);
    hub_subscriber_stats (sub, &stats);
    CHECK_MSG (stats.live_dropped > 0 && stats.gaps > 0 && stats.from_history > before,
               "dropped %" PRIu64 " gaps %" PRIu64, stats.live_dropped, stats.gaps);
    hub_subscriber_destroy (&sub);

    //  Lent as bytes: the control holds the owner's personal data, the
    //  outward subscriber's bytes none, from history and live
    sub = s_subscriber (b, false, 0);
    leaked = false;
    s_receive_packed (sub, *last, false, &leaked);
    CHECK (leaked);
    hub_subscriber_destroy (&sub);
    sub = s_subscriber (b, true, 0);
    leaked = false;
    int responses_before = s_receive_packed (sub, *last, true, &leaked);
    *last = s_respond (b, OWNER);
    CHECK (s_receive_packed (sub, *last, true, &leaked) == 1 && responses_before > 0);
    CHECK (!leaked);
    hub_subscriber_stats (sub, &stats);
    CHECK (stats.from_history >= *last - 1 && stats.from_live == 1);
    hub_subscriber_destroy (&sub);
}

//  --------------------------------------------------------------------------
//  2. The webhook relay

typedef struct {
    pid_t pid;
    char url [64];
    char log [PATH_MAX + 32];
} s_receiver_t;

static void
s_receiver_start (s_receiver_t *r, const char *name, const char *secret_file)
{
    memset (r, 0, sizeof *r);
    char script [PATH_MAX], port_file [PATH_MAX + 64];
    hub_proc_src (script, sizeof script, "tests/webhook_receiver.py");
    snprintf (r->log, sizeof r->log, "%s/%s.log", s_dir, name);
    snprintf (port_file, sizeof port_file, "%s/%s.port", s_dir, name);
    char *argv [] = { "/usr/bin/python3", script, "--secret-file", (char *) secret_file,
                      "--log", r->log, "--port-file", port_file, NULL };
    r->pid = hub_proc_spawn (argv, NULL, NULL, NULL);
    REQUIRE (r->pid > 0);
    int port = 0;
    int64_t deadline = hub_proc_now_ms () + 10000;
    while (!port && hub_proc_now_ms () < deadline) {
        char *text = hub_proc_slurp (port_file);
        port = text? atoi (text): 0;
        free (text);
        if (!port)
            hub_proc_sleep_ms (20);
    }
    REQUIRE (port > 0);
    snprintf (r->url, sizeof r->url, "http://127.0.0.1:%d/hook", port);
}

static pid_t
s_relay_start (const hub_broker_proc_t *b, const s_receiver_t *r, const char *secret,
               const char *name, const char *format)
{
    static char cursor [PATH_MAX + 32], err [PATH_MAX + 32];
    snprintf (cursor, sizeof cursor, "%s/%s.cursor", s_dir, name);
    snprintf (err, sizeof err, "%s/%s.err", s_dir, name);
    hub_argv_t a;
    hub_argv_init (&a, b, OWNER);
    const char *args [] = { "relay", "webhook", "--url", r->url, "--secret-file", secret,
                            "--cursor", cursor, "--from", "1", "--format", format,
                            "--backoff-ms", "20", "--backoff-max-ms", "200" };
    for (size_t i = 0; i < sizeof args / sizeof args [0]; i++)
        hub_argv_add (&a, args [i]);
    pid_t pid = hub_proc_spawn (a.argv, NULL, NULL, err);
    REQUIRE (pid > 0);
    return pid;
}

//  The receiver's log as a JSON array (one object per request).
static json_t *
s_log (const s_receiver_t *r)
{
    json_t *list = json_array ();
    char *text = hub_proc_slurp (r->log);
    char *save = NULL;
    for (char *line = text? strtok_r (text, "\n", &save): NULL; line;
         line = strtok_r (NULL, "\n", &save)) {
        json_t *entry = json_loads (line, 0, NULL);
        if (entry)
            json_array_append_new (list, entry);
    }
    free (text);
    return list;
}

//  The highest seq the receiver took.
static uint64_t
s_received (const s_receiver_t *r)
{
    json_t *log = s_log (r);
    uint64_t high = 0;
    size_t i;
    json_t *entry;
    json_array_foreach (log, i, entry) {
        const char *seq = json_string_value (json_object_get (entry, "seq"));
        if (seq && *seq && json_integer_value (json_object_get (entry, "status")) == 200
        &&  strtoull (seq, NULL, 10) > high)
            high = strtoull (seq, NULL, 10);
    }
    json_decref (log);
    return high;
}

static bool
s_wait_received (const s_receiver_t *r, uint64_t last)
{
    int64_t deadline = hub_proc_now_ms () + 30000;
    while (hub_proc_now_ms () < deadline) {
        if (s_received (r) >= last)
            return true;
        hub_proc_sleep_ms (20);
    }
    return false;
}

//  The event in a FHIR notification: the Binary entry's base64 data.
static char *
s_fhir_event (json_t *bundle, size_t *size)
{
    json_t *entry;
    size_t i;
    json_array_foreach (json_object_get (bundle, "entry"), i, entry) {
        json_t *resource = json_object_get (entry, "resource");
        const char *data = json_string_value (json_object_get (resource, "data"));
        if (!data)
            continue;
        zarmour_t *armour = zarmour_new ();
        zarmour_set_mode (armour, ZARMOUR_MODE_BASE64_STD);
        zchunk_t *chunk = zarmour_decode (armour, data);
        zarmour_destroy (&armour);
        if (!chunk)
            return NULL;
        //  zarmour NUL-terminates what it decodes (and counts the NUL)
        char *text = strndup ((const char *) zchunk_data (chunk), zchunk_size (chunk));
        *size = strlen (text);
        zchunk_destroy (&chunk);
        return text;
    }
    return NULL;
}

//  Every request the receiver got: no personal value in any body (the
//  FHIR Binary decoded), every response flagged. Returns the responses
//  among the distinct seqs delivered.
static int
s_check_receiver (const s_receiver_t *r, bool fhir)
{
    json_t *log = s_log (r);
    char *seen = calloc (1, 100000);
    int responses = 0;
    size_t i;
    json_t *entry;
    json_array_foreach (log, i, entry) {
        const char *body = json_string_value (json_object_get (entry, "body"));
        const char *seq_text = json_string_value (json_object_get (entry, "seq"));
        uint64_t seq = seq_text? strtoull (seq_text, NULL, 10): 0;
        char where [64];
        snprintf (where, sizeof where, "relay %s seq %s", fhir? "fhir": "json", seq_text);
        const char *leak = s_leak (body, body? strlen (body): 0);
        CHECK_MSG (!leak, "%s: carries \"%s\"", where, leak);
        if (!body || !seq || seq >= 100000)
            continue;                   //  a heartbeat
        int response = 0;
        if (fhir) {
            json_t *bundle = json_loads (body, 0, NULL);
            size_t size = 0;
            char *event = bundle? s_fhir_event (bundle, &size): NULL;
            CHECK_MSG (event, "%s: no event in the Bundle", where);
            if (event)
                response = s_check_json (event, size, where);
            free (event);
            json_decref (bundle);
        }
        else
            response = s_check_json (body, strlen (body), where);
        if (!seen [seq])
            responses += response;
        seen [seq] = 1;
    }
    free (seen);
    json_decref (log);
    return responses;
}

static void
s_test_relay (hub_broker_proc_t *b, uint64_t *last)
{
    char secret [PATH_MAX + 16];
    snprintf (secret, sizeof secret, "%s/secret", s_dir);
    FILE *file = fopen (secret, "w");
    REQUIRE (file);
    fputs (SECRET "\n", file);
    fclose (file);
    chmod (secret, 0600);

    //  First start from --from 1: everything so far comes from history
    s_receiver_t r;
    s_receiver_start (&r, "json", secret);
    pid_t relay = s_relay_start (b, &r, secret, "json", "json");
    CHECK_MSG (s_wait_received (&r, *last), "history: up to %" PRIu64, s_received (&r));
    //  Live
    *last = s_respond (b, OWNER);
    CHECK_MSG (s_wait_received (&r, *last), "live: up to %" PRIu64, s_received (&r));
    //  A restart: what came meanwhile is caught up from the cursor
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    s_respond (b, OWNER);
    *last = s_respond (b, PARTNER);
    relay = s_relay_start (b, &r, secret, "json", "json");
    CHECK_MSG (s_wait_received (&r, *last), "restart: up to %" PRIu64, s_received (&r));
    //  A broker restart under the relay: what is published at once
    //  reaches it live or through a gap fill
    CHECK (hub_broker_stop (b) == 0);
    REQUIRE (hub_broker_start (b, "outward") == 0);
    s_respond (b, OWNER);
    *last = s_update (b);
    CHECK_MSG (s_wait_received (&r, *last), "broker restart: up to %" PRIu64, s_received (&r));
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    CHECK_MSG (s_check_receiver (&r, false) == s_responses, "responses %d of %d",
               s_check_receiver (&r, false), s_responses);
    hub_proc_stop (r.pid, SIGTERM, 5000);

    //  FHIR: the event inside each Bundle, base64, is redacted too
    s_receiver_t f;
    s_receiver_start (&f, "fhir", secret);
    relay = s_relay_start (b, &f, secret, "fhir", "fhir");
    CHECK_MSG (s_wait_received (&f, *last), "fhir: up to %" PRIu64, s_received (&f));
    CHECK (hub_proc_stop (relay, SIGTERM, 10000) == 0);
    CHECK (s_check_receiver (&f, true) == s_responses);
    hub_proc_stop (f.pid, SIGTERM, 5000);
}

//  --------------------------------------------------------------------------
//  3. The NATS bridge

static pid_t
s_bridge_start (const hub_broker_proc_t *b, const char *url, const char *stream,
                const char *prefix, bool json)
{
    char err [PATH_MAX + 32];
    snprintf (err, sizeof err, "%s/bridge-%s.err", s_dir, stream);
    hub_argv_t a;
    hub_argv_init (&a, b, OWNER);
    const char *args [] = { "bridge", "nats", "--url", url, "--stream", stream,
                            "--subject-prefix", prefix };
    for (size_t i = 0; i < sizeof args / sizeof args [0]; i++)
        hub_argv_add (&a, args [i]);
    if (json)
        hub_argv_add (&a, "--json");
    pid_t pid = hub_proc_spawn (a.argv, NULL, NULL, err);
    REQUIRE (pid > 0);
    return pid;
}

static uint64_t
s_stream_last (jsCtx *js, const char *stream)
{
    jsStreamInfo *info = NULL;
    jsErrCode jerr = 0;
    if (js_GetStreamInfo (&info, js, stream, NULL, &jerr) != NATS_OK)
        return 0;
    uint64_t count = info->State.Msgs;
    jsStreamInfo_Destroy (info);
    return count;
}

static bool
s_wait_stream (jsCtx *js, const char *stream, uint64_t count)
{
    int64_t deadline = hub_proc_now_ms () + 30000;
    while (hub_proc_now_ms () < deadline) {
        if (s_stream_last (js, stream) >= count)
            return true;
        hub_proc_sleep_ms (20);
    }
    return false;
}

//  Reads every message of the stream; checks each. Returns the responses.
static int
s_check_stream (jsCtx *js, const char *stream, const char *prefix, bool json, uint64_t count)
{
    jsSubOptions options;
    jsSubOptions_Init (&options);
    options.Stream = stream;
    options.Config.AckPolicy = js_AckNone;
    options.Config.DeliverPolicy = js_DeliverAll;
    natsSubscription *sub = NULL;
    jsErrCode jerr = 0;
    char filter [64];
    snprintf (filter, sizeof filter, "%s.>", prefix);
    REQUIRE (js_SubscribeSync (&sub, js, filter, NULL, &options, &jerr) == NATS_OK);
    int responses = 0;
    uint64_t read = 0;
    char where [64];
    snprintf (where, sizeof where, "bridge %s", stream);
    while (read < count) {
        natsMsg *msg = NULL;
        if (natsSubscription_NextMsg (&msg, sub, 3000) != NATS_OK)
            break;
        const char *data = natsMsg_GetData (msg);
        size_t size = (size_t) natsMsg_GetDataLength (msg);
        if (json)
            responses += s_check_json (data, size, where);
        else {
            Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
                NULL, size, (const uint8_t *) data);
            CHECK_MSG (event, "%s: unreadable message", where);
            if (event)
                responses += s_check_event (event, where);
            cyclehub__v1__event__free_unpacked (event, NULL);
        }
        natsMsg_Destroy (msg);
        read++;
    }
    CHECK_MSG (read == count, "%s: read %" PRIu64 " of %" PRIu64, where, read, count);
    natsSubscription_Unsubscribe (sub);
    natsSubscription_Destroy (sub);
    return responses;
}

static void
s_test_bridge (const hub_broker_proc_t *b, uint64_t *last)
{
    hub_nats_t n;
    hub_nats_init (&n, s_dir, "nats", false);
    REQUIRE (hub_nats_spawn_node (&n, "outward") > 0);
    int64_t deadline = hub_proc_now_ms () + 20000;
    while (!hub_nats_ready (n.url, 1) && hub_proc_now_ms () < deadline)
        hub_proc_sleep_ms (50);
    natsConnection *conn = hub_nats_connect (n.url, 2000);
    REQUIRE (conn);
    jsCtx *js = NULL;
    jsOptions js_options;
    jsOptions_Init (&js_options);
    js_options.Wait = 5000;
    REQUIRE (natsConnection_JetStream (&js, conn, &js_options) == NATS_OK);

    //  First start: an empty stream, so from seq 1 (history)
    pid_t proto = s_bridge_start (b, n.url, "OUTPROTO", "outproto", false);
    pid_t json = s_bridge_start (b, n.url, "OUTJSON", "outjson", true);
    CHECK (s_wait_stream (js, "OUTPROTO", *last) && s_wait_stream (js, "OUTJSON", *last));
    //  Live
    *last = s_respond (b, PARTNER);
    CHECK (s_wait_stream (js, "OUTPROTO", *last) && s_wait_stream (js, "OUTJSON", *last));
    //  A restart: the stream is the cursor; the rest comes from history
    CHECK (hub_proc_stop (proto, SIGTERM, 10000) == 0);
    CHECK (hub_proc_stop (json, SIGTERM, 10000) == 0);
    s_respond (b, OWNER);
    *last = s_update (b);
    proto = s_bridge_start (b, n.url, "OUTPROTO", "outproto", false);
    json = s_bridge_start (b, n.url, "OUTJSON", "outjson", true);
    CHECK (s_wait_stream (js, "OUTPROTO", *last) && s_wait_stream (js, "OUTJSON", *last));
    CHECK (hub_proc_stop (proto, SIGTERM, 10000) == 0);
    CHECK (hub_proc_stop (json, SIGTERM, 10000) == 0);
    CHECK (s_check_stream (js, "OUTPROTO", "outproto", false, *last) == s_responses);
    CHECK (s_check_stream (js, "OUTJSON", "outjson", true, *last) == s_responses);
    jsCtx_Destroy (js);
    natsConnection_Destroy (conn);
    hub_proc_stop (n.pid, SIGTERM, 5000);
}

//  --------------------------------------------------------------------------
//  4. The OCDS export

//  Checks one export run and its file.
static void
s_check_export (hub_run_t *r, const char *out, const char *what)
{
    CHECK_MSG (r->status == 0, "export %s: %s", what, r->err);
    char *text = hub_proc_slurp (out);
    CHECK (text && strstr (text, OCID));
    const char *leak = s_leak (text, text? strlen (text): 0);
    CHECK_MSG (!leak, "export %s carries \"%s\"", what, leak);
    leak = s_leak (r->err, strlen (r->err));
    CHECK_MSG (!leak, "export %s says \"%s\"", what, leak);
    free (text);
    hub_run_free (r);
    unlink (out);
}

static void
s_test_export (const hub_broker_proc_t *b)
{
    char out [PATH_MAX + 32];
    snprintf (out, sizeof out, "%s/export.json", s_dir);
    hub_run_t r;
    hub_cli (&r, b, OWNER, NULL, "export", "ocds", "--all", "--out", out, NULL);
    s_check_export (&r, out, "--all");
    hub_cli (&r, b, OWNER, NULL, "export", "ocds", "--commission", OCID, "--record",
             "--out", out, NULL);
    s_check_export (&r, out, "--record");
}

int
main (void)
{
    unsetenv ("http_proxy");
    unsetenv ("HTTP_PROXY");
    unsetenv ("all_proxy");
    unsetenv ("ALL_PROXY");
    signal (SIGPIPE, SIG_IGN);
    zsys_init ();
    char *dir = hub_test_tmpdir ("outward");
    REQUIRE (dir);
    snprintf (s_dir, sizeof s_dir, "%s", dir);
    free (dir);
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "outward") == 0);
    uint64_t last = s_setup (&broker);

    s_test_library (&broker, &last);
    s_test_relay (&broker, &last);
    s_test_bridge (&broker, &last);
    s_test_export (&broker);

    hub_broker_cleanup (&broker);
    if (!getenv ("HUB_KEEP_TMP"))
        hub_test_rmtree (s_dir);
    nats_Close ();
    HUB_TEST_DONE ();
}
