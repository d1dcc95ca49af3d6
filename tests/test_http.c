/*  test_http: the HTTP API end to end. A real cyclehubd in CURVE mode with
    --http on loopback, tokens from the real `cyclehub tokens`, requests by
    libcurl, and CURVE ZeroMQ sockets for the other side: a publish over
    HTTP reaches the events socket, a publish over ZeroMQ reads back over
    HTTP, every error status, idempotent retries, read-only and revoked
    tokens, a sample of the access table with the same verdicts both ways,
    personal data for the owner only, and hostile HTTP while a good client
    is still served. Then the rate limit, a full store, TLS and the refusals
    to serve plain HTTP off loopback, and the development token of --plain.
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_http_kit.h"
#include "hub_json.h"
#include "hub_proto.h"
#include <netinet/tcp.h>
#include <arpa/inet.h>

#define OCID "ocds-h6vhtk-http01"

static kit_hub_t s_hub;
static char s_buyer [128], s_partner [128], s_provider [128], s_observer [128], s_rival [128];

//  RFC 3339 of now + offset seconds.
static const char *
s_when (int64_t offset_s, char *buf, size_t size)
{
    time_t t = time (NULL) + offset_s;
    strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", gmtime (&t));
    return buf;
}

static uint64_t s_request_id = 0;

//  Publishes the JSON body of type as org_id over ZeroMQ (CURVE); returns
//  "OK" or the reject code's name.
static const char *
s_zmq_publish (const char *org_id, const char *type, const char *body_json, const char *msg_id)
{
    Cyclehub__V1__Envelope__BodyCase body_case = hub_proto_type_case (type);
    const ProtobufCFieldDescriptor *member = protobuf_c_message_descriptor_get_field (
        &cyclehub__v1__envelope__descriptor, body_case);
    char err [256];
    ProtobufCMessage *body = hub_json_decode (member->descriptor, body_json, strlen (body_json),
                                              err, sizeof err);
    if (!body) {
        fprintf (stderr, "bad test JSON: %s\n", err);
        return "BAD-TEST";
    }
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
    size_t size = cyclehub__v1__request__get_packed_size (&request);
    zframe_t *frame = zframe_new (NULL, size);
    cyclehub__v1__request__pack (&request, zframe_data (frame));
    zframe_send (&frame, dealer, 0);
    frame = zframe_recv (dealer);
    const char *verdict = "NO-REPLY";
    Cyclehub__V1__Reply *reply = frame? cyclehub__v1__reply__unpack (
        NULL, zframe_size (frame), zframe_data (frame)): NULL;
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK)
        verdict = "OK";
    else
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT)
        verdict = hub_proto_reject_name (reply->reject->code);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    zframe_destroy (&frame);
    zsock_destroy (&dealer);
    protobuf_c_message_free_unpacked (body, NULL);
    return verdict;
}

//  Publishes over HTTP; returns "OK" (201) or the problem's code.
static const char *
s_http_publish (const char *token, const char *type, const char *body_json, const char *key,
                char *code, size_t size)
{
    char path [256];
    snprintf (path, sizeof path, "/v1/messages/%s?commission=" OCID, type);
    kit_response_t r;
    kit_http (&s_hub, "POST", path, token, key, body_json, &r);
    snprintf (code, size, "%s", r.status == 201? "OK": kit_str (&r, "code"));
    if (r.status != 201 && !*code)
        snprintf (code, size, "HTTP-%ld", r.status);
    kit_response_free (&r);
    return code;
}

static size_t
s_count_events (const kit_response_t *r)
{
    return json_array_size (json_object_get (r->json, "events"));
}

//  ---------------------------------------------------------------------------

static void
test_publish_to_events (void)
{
    zsock_t *sub = kit_socket (&s_hub, ZMQ_SUB, KIT_OBSERVER);
    //  The subscription is in place once a heartbeat arrives
    char *topic = zstr_recv (sub);
    CHECK (topic && streq (topic, "$heartbeat"));
    zstr_free (&topic);
    zsock_flush (sub);

    const char *open =
        "{\"commissionId\": \"" OCID "\", \"commissionOpened\": {\"title\": \"Falls prevention\","
        " \"buyer\": \"" KIT_BUYER "\", \"partners\": [\"" KIT_PARTNER "\"]}}";
    kit_response_t r;
    kit_http (&s_hub, "POST", "/v1/messages/commission.opened", s_buyer, "open-1", open, &r);
    CHECK_MSG (r.status == 201, "%ld %s", r.status, r.body);
    CHECK (json_integer_value (json_object_get (r.json, "seq")) == 1);
    CHECK (json_is_false (json_object_get (r.json, "duplicate")));
    kit_response_free (&r);

    //  The event reaches the ZeroMQ events socket, sent by the token's agency
    bool seen = false;
    for (int i = 0; i < 5 && !seen; i++) {
        zmsg_t *msg = zmsg_recv (sub);
        if (!msg)
            break;
        char *t = zmsg_popstr (msg);
        zframe_t *data = zmsg_pop (msg);
        if (t && streq (t, "analyse/" OCID "/commission.opened")) {
            Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
                NULL, zframe_size (data), zframe_data (data));
            CHECK (event && event->seq == 1 && streq (event->sender, KIT_BUYER));
            CHECK (event && event->envelope && streq (event->envelope->msg_id, "open-1"));
            if (event)
                cyclehub__v1__event__free_unpacked (event, NULL);
            seen = true;
        }
        zstr_free (&t);
        zframe_destroy (&data);
        zmsg_destroy (&msg);
    }
    CHECK (seen);
    zsock_destroy (&sub);

    //  A retry with the same key and body: the original seq, duplicate
    kit_http (&s_hub, "POST", "/v1/messages/commission.opened", s_buyer, "open-1", open, &r);
    CHECK (r.status == 201);
    CHECK (json_integer_value (json_object_get (r.json, "seq")) == 1);
    CHECK (json_is_true (json_object_get (r.json, "duplicate")));
    kit_response_free (&r);
    //  The same key with another body: 409
    const char *other =
        "{\"commissionId\": \"" OCID "\", \"commissionOpened\": {\"title\": \"Another title\","
        " \"buyer\": \"" KIT_BUYER "\"}}";
    kit_http (&s_hub, "POST", "/v1/messages/commission.opened", s_buyer, "open-1", other, &r);
    CHECK (r.status == 409 && streq (kit_str (&r, "code"), "DUPLICATE_CONFLICT"));
    CHECK (streq (kit_str (&r, "field"), "msg_id"));
    CHECK (strstr (r.headers, "application/problem+json") != NULL);
    kit_response_free (&r);
}

static void
test_zmq_to_http (void)
{
    CHECK (streq (s_zmq_publish (KIT_BUYER, "needs.assessed",
                                 "{\"population\": \"Residents over 65\"}", "zmq-needs-1"), "OK"));
    kit_response_t r;
    kit_http (&s_hub, "GET", "/v1/history?commission=" OCID "&type=needs.assessed", s_observer,
              NULL, NULL, &r);
    CHECK_MSG (r.status == 200, "%ld %s", r.status, r.body);
    CHECK (s_count_events (&r) == 1);
    json_t *event = json_array_get (json_object_get (r.json, "events"), 0);
    CHECK (streq (json_string_value (json_object_get (event, "sender")), KIT_BUYER));
    CHECK (strstr (r.body, "\"msgId\":\"zmq-needs-1\"") && strstr (r.body, "Residents over 65"));
    kit_response_free (&r);

    //  Pages: one event each, following next
    kit_http (&s_hub, "GET", "/v1/history?limit=1", s_observer, NULL, NULL, &r);
    CHECK (r.status == 200 && s_count_events (&r) == 1);
    CHECK (json_is_false (json_object_get (r.json, "end")));
    char next [512];
    snprintf (next, sizeof next, "%s", kit_str (&r, "next"));
    CHECK (streq (next, "/v1/history?limit=1&after_seq=1"));
    kit_response_free (&r);
    kit_http (&s_hub, "GET", next, s_observer, NULL, NULL, &r);
    CHECK (r.status == 200 && s_count_events (&r) == 1 && strstr (r.body, "zmq-needs-1"));
    kit_response_free (&r);

    kit_http (&s_hub, "GET", "/v1/commissions/" OCID, s_observer, NULL, NULL, &r);
    CHECK (r.status == 200 && streq (kit_str (&r, "owner"), KIT_BUYER));
    CHECK (streq (kit_str (&r, "stage"), "STAGE_ANALYSE"));
    kit_response_free (&r);

    //  The list, with the lead agency's name from the registry, and its filters
    kit_http (&s_hub, "GET", "/v1/commissions?agency=" KIT_PARTNER, s_observer, NULL, NULL, &r);
    json_t *first = json_array_get (json_object_get (r.json, "commissions"), 0);
    CHECK (r.status == 200 && json_array_size (json_object_get (r.json, "commissions")) == 1);
    CHECK (streq (json_string_value (json_object_get (first, "commissionId")), OCID));
    CHECK (streq (json_string_value (json_object_get (first, "ownerName")), "Tower Hamlets Council"));
    CHECK (json_is_null (json_object_get (r.json, "next")));
    kit_response_free (&r);
    kit_http (&s_hub, "GET", "/v1/commissions?stage=plan", s_observer, NULL, NULL, &r);
    CHECK (r.status == 200 && json_array_size (json_object_get (r.json, "commissions")) == 0);
    kit_response_free (&r);
    kit_http (&s_hub, "GET", "/v1/commissions?agency=" KIT_PROVIDER, s_observer, NULL, NULL, &r);
    CHECK (r.status == 200 && json_array_size (json_object_get (r.json, "commissions")) == 0);
    kit_response_free (&r);

    kit_http (&s_hub, "GET", "/v1/status", s_observer, NULL, NULL, &r);
    CHECK (r.status == 200 && streq (kit_str (&r, "lastSeq"), "2"));
    //  Two publishes in the last 10 s: the rate's double written as the
    //  CLI writes it, as short as reads back (0.2, where jansson alone
    //  writes 0.20000000000000001)
    const char *rate = strstr (r.body, "\"publishRate\":");
    Cyclehub__V1__Status same = CYCLEHUB__V1__STATUS__INIT;
    same.publish_rate = rate? strtod (rate + 14, NULL): 0;
    char *cli = hub_json_encode (&same.base, 0);        //  {"publishRate":...}
    size_t len = cli? strlen (cli) - 2: 0;                 //  without the braces
    CHECK_MSG (same.publish_rate > 0 && len && strncmp (rate, cli + 1, len) == 0
               && (rate [len] == ',' || rate [len] == '}'),
               "%.40s (the CLI's: %s)", rate? rate: r.body, cli? cli: "");
    free (cli);
    kit_response_free (&r);
}

//  One expected problem: status and code.
static void
s_expect (const char *method, const char *path, const char *token, const char *key,
          const char *body, long status, const char *code, const char *field)
{
    kit_response_t r;
    kit_http (&s_hub, method, path, token, key, body, &r);
    CHECK_MSG (r.status == status && streq (kit_str (&r, "code"), code)
               && json_integer_value (json_object_get (r.json, "status")) == status
               && *kit_str (&r, "detail") && (!field || streq (kit_str (&r, "field"), field)),
               "%s %s: want %ld %s %s, got %ld %s", method, path, status, code,
               field? field: "", r.status, r.body? r.body: "");
    CHECK (strstr (r.headers, "Content-Type: application/problem+json") != NULL);
    if (status == 401)
        CHECK (strstr (r.headers, "WWW-Authenticate: Bearer") != NULL);
    kit_response_free (&r);
}

static void
test_errors (void)
{
    const char *path = "/v1/messages/needs.assessed?commission=" OCID;
    s_expect ("GET", "/v1/status", NULL, NULL, NULL, 401, "UNAUTHENTICATED", NULL);
    s_expect ("GET", "/v1/status", "chub_000000000000_nope", NULL, NULL, 401, "UNAUTHENTICATED", NULL);
    s_expect ("GET", "/v1/status",
              "chub_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL,
              401, "UNAUTHENTICATED", NULL);
    s_expect ("POST", path, s_buyer, "e-1", "{\"population\": ", 400, "MALFORMED", NULL);
    s_expect ("POST", path, s_buyer, "e-2", "{\"population\": \"x\", \"colour\": 1}",
              400, "MALFORMED", "colour");
    s_expect ("POST", path, s_buyer, "e-3", "{}", 422, "MISSING_FIELD", "needs_assessed.population");
    s_expect ("POST", path, s_buyer, NULL, "{\"population\": \"x\"}", 422, "MISSING_FIELD", "msg_id");
    s_expect ("POST", path, s_buyer, "bad/key", "{\"population\": \"x\"}", 422, "INVALID_VALUE",
              "msg_id");
    s_expect ("POST", "/v1/messages/tender.published?commission=" OCID, s_buyer, "e-4",
              "{\"procurementId\": \"p-1\", \"value\": {\"amount\": 1.5, \"currency\": \"GBP\"}}",
              422, "INVALID_VALUE", "value.amount");
    s_expect ("POST", "/v1/messages/needs.assessed", s_buyer, "e-5", "{\"population\": \"x\"}",
              422, "MISSING_FIELD", "commission_id");
    s_expect ("POST", path, s_partner, "e-6", "{\"population\": \"x\"}", 403, "NOT_AUTHORISED", NULL);
    s_expect ("POST", "/v1/messages/needs.assessed?commission=ocds-h6vhtk-nosuch", s_buyer, "e-7",
              "{\"population\": \"x\"}", 404, "UNKNOWN_COMMISSION", NULL);
    s_expect ("GET", "/v1/commissions/ocds-h6vhtk-nosuch", s_buyer, NULL, NULL,
              404, "UNKNOWN_COMMISSION", NULL);
    s_expect ("GET", "/v1/nothing", s_buyer, NULL, NULL, 404, "NOT_FOUND", NULL);
    s_expect ("DELETE", "/v1/status", s_buyer, NULL, NULL, 405, "METHOD_NOT_ALLOWED", NULL);
    s_expect ("POST", "/v1/messages/stage.change_requested?commission=" OCID, s_buyer, "e-8",
              "{\"target\": \"STAGE_REVIEW\"}", 409, "ILLEGAL_TRANSITION", NULL);
    s_expect ("POST", "/v1/messages/tender.publish?commission=" OCID, s_buyer, "e-9", "{}",
              400, "UNKNOWN_TYPE", NULL);
    s_expect ("POST", "/v1/messages/erasure.recorded?commission=" OCID, s_buyer, "e-10", "{}",
              400, "UNKNOWN_TYPE", NULL);
    //  An envelope posted under another type's path
    s_expect ("POST", "/v1/messages/needs.assessed", s_buyer, "e-11",
              "{\"commissionId\": \"" OCID "\", \"prioritiesAgreed\": {\"priorities\": [\"a\"]}}",
              400, "UNKNOWN_TYPE", NULL);
    //  The body's msgId disagrees with the Idempotency-Key
    s_expect ("POST", "/v1/messages/needs.assessed", s_buyer, "e-12",
              "{\"msgId\": \"other\", \"commissionId\": \"" OCID "\", \"needsAssessed\": "
              "{\"population\": \"x\"}}", 422, "INVALID_VALUE", "msg_id");

    //  History: an unknown type is a 400 listing the types, never an empty page
    kit_response_t r;
    kit_http (&s_hub, "GET", "/v1/history?type=tender.publish", s_buyer, NULL, NULL, &r);
    CHECK (r.status == 400 && streq (kit_str (&r, "code"), "UNKNOWN_TYPE"));
    CHECK (strstr (kit_str (&r, "detail"), "tender.published") != NULL);
    kit_response_free (&r);
    s_expect ("GET", "/v1/history?stage=later", s_buyer, NULL, NULL, 400, "MALFORMED", "stage");
    //  Repeated filters are OR'ed (test_http_ocds), but one unknown value
    //  among them is still a 400, not a narrower answer
    s_expect ("GET", "/v1/history?type=needs.assessed&type=tender.publish", s_buyer, NULL, NULL,
              400, "UNKNOWN_TYPE", "type");
    s_expect ("GET", "/v1/history?stage=do&stage=later", s_buyer, NULL, NULL, 400, "MALFORMED",
              "stage");
    s_expect ("GET", "/v1/history?agency=" KIT_BUYER "&agency=nobody", s_buyer, NULL, NULL,
              422, "INVALID_VALUE", "history.agencies");
    s_expect ("GET", "/v1/history?since=2026-03-01T00:00:00Z&since=2026-04-01T00:00:00Z",
              s_buyer, NULL, NULL, 400, "MALFORMED", "since");
    s_expect ("GET", "/v1/history?since=2026-03-01", s_buyer, NULL, NULL, 400, "MALFORMED", "since");
    s_expect ("GET", "/v1/history?limit=5000", s_buyer, NULL, NULL, 400, "MALFORMED", "limit");
    s_expect ("GET", "/v1/commissions?stage=nope", s_buyer, NULL, NULL, 400, "MALFORMED", "stage");

    //  A body over the limit (1 MiB), announced by Content-Length: 413
    size_t big = 1100 * 1024;
    char *body = malloc (big + 1);
    memset (body, ' ', big);
    body [big] = 0;
    body [0] = '{';
    body [big - 1] = '}';
    s_expect ("POST", path, s_buyer, "e-13", body, 413, "TOO_LARGE", NULL);
    free (body);
}

static void
test_tokens (void)
{
    char read_only [128], partner2 [128];
    kit_token (&s_hub, KIT_BUYER, true, read_only, sizeof read_only);
    kit_token (&s_hub, KIT_PARTNER, false, partner2, sizeof partner2);
    REQUIRE (*read_only && *partner2);
    //  A read-only token reads, and is refused a publish by the broker
    kit_response_t r;
    kit_http (&s_hub, "GET", "/v1/commissions/" OCID, read_only, NULL, NULL, &r);
    CHECK (r.status == 200);
    kit_response_free (&r);
    kit_http (&s_hub, "POST", "/v1/messages/needs.assessed?commission=" OCID, read_only, "ro-1",
              "{\"population\": \"x\"}", &r);
    CHECK (r.status == 403 && streq (kit_str (&r, "code"), "NOT_AUTHORISED"));
    CHECK (strstr (kit_str (&r, "detail"), "read-only") != NULL);
    kit_response_free (&r);

    //  list shows the token's id, never the token or its hash
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "clients/cyclehub");
    char id [16];
    snprintf (id, sizeof id, "%.12s", partner2 + 5);
    char *list [] = { bin, "tokens", "list", "--auth", s_hub.auth, NULL };
    hub_run_t run;
    hub_run_argv (&run, list, NULL, 30000);
    CHECK (run.status == 0 && strstr (run.out, id) && strstr (run.out, KIT_PARTNER " rw"));
    CHECK (!strstr (run.out, partner2 + 18));
    hub_run_free (&run);
    //  The tokens file is the owner's only
    char path [PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/tokens", s_hub.auth);
    struct stat st;
    CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);

    //  Revoked: refused from the next request on
    kit_http (&s_hub, "GET", "/v1/status", partner2, NULL, NULL, &r);
    CHECK (r.status == 200);
    kit_response_free (&r);
    char *revoke [] = { bin, "tokens", "revoke", id, "--auth", s_hub.auth, NULL };
    hub_run_argv (&run, revoke, NULL, 30000);
    CHECK (run.status == 0);
    hub_run_free (&run);
    kit_http (&s_hub, "GET", "/v1/status", partner2, NULL, NULL, &r);
    CHECK (r.status == 401 && strstr (kit_str (&r, "detail"), "revoked"));
    kit_response_free (&r);
    hub_run_argv (&run, revoke, NULL, 30000);
    CHECK (run.status == 2 && strstr (run.err, "no token"));
    hub_run_free (&run);
    //  A token for an agency outside the registry is not made
    char *stranger [] = { bin, "tokens", "new", "GB-LAE-E09000099", "--auth", s_hub.auth, NULL };
    hub_run_argv (&run, stranger, NULL, 30000);
    CHECK (run.status == 2 && strstr (run.err, "not an agency"));
    hub_run_free (&run);
}

//  The access table, cell by cell for a sample: the same verdict over HTTP
//  as over ZeroMQ.
static void
test_access_cells (void)
{
    char from [40], until [40], keep [40];
    char open [512];
    snprintf (open, sizeof open, "{\"consultationId\": \"c-1\", \"title\": \"Falls\", "
              "\"opensAt\": \"%s\", \"closesAt\": \"%s\"}", s_when (-3600, from, sizeof from),
              s_when (30 * 86400, until, sizeof until));
    char code [64];
    CHECK (streq (s_http_publish (s_buyer, "consultation.opened", open, "c-open", code,
                                  sizeof code), "OK"));
    s_when (365 * 86400, keep, sizeof keep);
    struct {
        const char *org;
        const char *token;
        const char *type;
        const char *body;           //  %s: a response id, per path
        const char *verdict;
    } cells [] = {
        { KIT_BUYER, s_buyer, "needs.assessed", "{\"population\": \"%s\"}", "OK" },
        { KIT_PARTNER, s_partner, "needs.assessed", "{\"population\": \"%s\"}", "NOT_AUTHORISED" },
        { KIT_PARTNER, s_partner, "partner.update", "{\"title\": \"%s\"}", "OK" },
        { KIT_PROVIDER, s_provider, "partner.update", "{\"title\": \"%s\"}", "NOT_AUTHORISED" },
        { KIT_OBSERVER, s_observer, "partner.update", "{\"title\": \"%s\"}", "NOT_AUTHORISED" },
        { KIT_RIVAL, s_rival, "priorities.agreed", "{\"priorities\": [\"%s\"]}", "NOT_AUTHORISED" },
        { KIT_PARTNER, s_partner, "consultation.response",
          "{\"consultationId\": \"c-1\", \"responseId\": \"%s\", \"respondentType\": "
          "\"RESPONDENT_TYPE_RESIDENT\", \"retentionUntil\": \"KEEP\", \"personal\": "
          "{\"fullName\": \"Ada Resident\"}}", "OK" },
        { KIT_PROVIDER, s_provider, "consultation.response",
          "{\"consultationId\": \"c-1\", \"responseId\": \"%s\", \"respondentType\": "
          "\"RESPONDENT_TYPE_ORGANISATION\", \"retentionUntil\": \"KEEP\"}", "OK" },
        { KIT_OBSERVER, s_observer, "consultation.response",
          "{\"consultationId\": \"c-1\", \"responseId\": \"%s\", \"respondentType\": "
          "\"RESPONDENT_TYPE_ORGANISATION\", \"retentionUntil\": \"KEEP\"}", "NOT_AUTHORISED" },
    };
    for (size_t i = 0; i < sizeof cells / sizeof cells [0]; i++) {
        char body [2][1024], key [2][32];
        for (int way = 0; way < 2; way++) {
            char id [32];
            snprintf (id, sizeof id, "cell-%zu-%s", i, way? "zmq": "http");
            snprintf (body [way], sizeof body [way], cells [i].body, id);
            char *at = strstr (body [way], "KEEP");
            if (at) {
                char rest [1024];
                snprintf (rest, sizeof rest, "%s%s", keep, at + 4);
                snprintf (at, sizeof body [way] - (size_t) (at - body [way]), "%s", rest);
            }
            snprintf (key [way], sizeof key [way], "%s", id);
        }
        const char *http = s_http_publish (cells [i].token, cells [i].type, body [0], key [0],
                                           code, sizeof code);
        const char *zmq = s_zmq_publish (cells [i].org, cells [i].type, body [1], key [1]);
        CHECK_MSG (streq (http, cells [i].verdict) && streq (zmq, cells [i].verdict),
                   "%s sends %s: want %s, HTTP %s, ZeroMQ %s", cells [i].org, cells [i].type,
                   cells [i].verdict, http, zmq);
    }
    //  The list says what the commission waits for: the consultation closing
    kit_response_t r;
    kit_http (&s_hub, "GET", "/v1/commissions", s_observer, NULL, NULL, &r);
    json_t *item = json_array_get (json_object_get (r.json, "commissions"), 0);
    CHECK (json_integer_value (json_object_get (item, "openConsultations")) == 1);
    CHECK (streq (json_string_value (json_object_get (item, "waitingFor")) ?: "",
                  "consultation c-1 closes"));
    char until_ms [40];
    snprintf (until_ms, sizeof until_ms, "%.19s.000Z", until);
    CHECK (streq (json_string_value (json_object_get (item, "nextDeadline")) ?: "", until_ms));
    kit_response_free (&r);
    //  Into plan, and a procurement planned: the list counts it by state
    CHECK (streq (s_http_publish (s_buyer, "priorities.agreed", "{\"priorities\": [\"Falls\"]}",
                                  "prio-1", code, sizeof code), "OK"));
    CHECK (streq (s_http_publish (s_buyer, "procurement.planned", "{\"procurementId\": \"p-1\", "
                                  "\"title\": \"Classes\", \"kind\": \"NOTICE_KIND_PIPELINE\"}",
                                  "plan-1", code, sizeof code), "OK"));
    kit_http (&s_hub, "GET", "/v1/commissions?stage=plan", s_observer, NULL, NULL, &r);
    item = json_array_get (json_object_get (r.json, "commissions"), 0);
    json_t *count = json_array_get (json_object_get (item, "procurements"), 0);
    CHECK_MSG (streq (json_string_value (json_object_get (count, "key")) ?: "", "planned")
               && streq (json_string_value (json_object_get (count, "count")) ?: "", "1"),
               "%s", r.body? r.body: "");
    kit_response_free (&r);
}

//  A consultation response's personal data: the commission's owner reads
//  it over HTTP, anyone else (the respondent too) reads it redacted.
static void
test_personal_data (void)
{
    const char *path = "/v1/history?commission=" OCID "&type=consultation.response";
    kit_response_t r;
    kit_http (&s_hub, "GET", path, s_buyer, NULL, NULL, &r);
    CHECK (r.status == 200 && s_count_events (&r) == 4);
    CHECK (r.body && strstr (r.body, "Ada Resident") != NULL);
    kit_response_free (&r);
    const char *readers [] = { s_partner, s_observer, s_provider, s_rival };
    for (int i = 0; i < 4; i++) {
        kit_http (&s_hub, "GET", path, readers [i], NULL, NULL, &r);
        CHECK (r.status == 200 && s_count_events (&r) == 4);
        CHECK (r.body && !strstr (r.body, "Ada Resident") && strstr (r.body, "\"redacted\":true"));
        kit_response_free (&r);
    }
}

//  ---------------------------------------------------------------------------
//  Hostile HTTP, over raw sockets

static int
s_connect (void)
{
    int port = 0;
    sscanf (s_hub.url, "http://127.0.0.1:%d", &port);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    struct timeval tv = { 5, 0 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

//  Sends text, reads the answer until the server closes or 5 s pass;
//  returns its status (0: none).
static int
s_raw (const char *text, size_t len, bool half_close)
{
    int fd = s_connect ();
    if (fd < 0)
        return -1;
    ssize_t sent = send (fd, text, len, MSG_NOSIGNAL);
    (void) sent;
    if (half_close)
        shutdown (fd, SHUT_WR);
    char answer [4096] = "";
    size_t got = 0;
    ssize_t n;
    while (got < sizeof answer - 1 && (n = recv (fd, answer + got, sizeof answer - 1 - got, 0)) > 0)
        got += (size_t) n;
    answer [got] = 0;
    close (fd);
    int status = 0;
    sscanf (answer, "HTTP/1.%*d %d", &status);
    return status;
}

//  The good client: a status read, answered within a second.
static void
s_good_client (const char *when)
{
    int64_t start = hub_proc_now_ms ();
    kit_response_t r;
    kit_http (&s_hub, "GET", "/v1/status", s_observer, NULL, NULL, &r);
    CHECK_MSG (r.status == 200 && hub_proc_now_ms () - start < 1000,
               "good client %s: %ld in %lld ms", when, r.status,
               (long long) (hub_proc_now_ms () - start));
    kit_response_free (&r);
}

static void
test_hostile (void)
{
    //  Slowloris: a request line and one header, then nothing; it holds its
    //  own thread while everyone else is served
    int slow = s_connect ();
    REQUIRE (slow >= 0);
    const char *part = "GET /v1/status HTTP/1.1\r\nHost: x\r\n";
    CHECK (send (slow, part, strlen (part), MSG_NOSIGNAL) == (ssize_t) strlen (part));
    s_good_client ("beside a slowloris");

    char auth [256];
    snprintf (auth, sizeof auth, "Authorization: Bearer %s\r\n", s_buyer);
    //  A truncated request: fewer body bytes than announced, then the end
    char head [1024];
    int len = snprintf (head, sizeof head, "POST /v1/messages/needs.assessed?commission=" OCID
                        " HTTP/1.1\r\nHost: x\r\n%sIdempotency-Key: trunc-1\r\n"
                        "Content-Length: 100\r\n\r\n{\"population\": \"tr", auth);
    int status = s_raw (head, (size_t) len, true);
    CHECK_MSG (status == 0 || status >= 400, "truncated request answered %d", status);
    s_good_client ("after a truncated request");
    kit_response_t r;
    kit_http (&s_hub, "GET", "/v1/history?type=needs.assessed&commission=" OCID, s_buyer, NULL,
              NULL, &r);
    CHECK (r.body && !strstr (r.body, "trunc-1"));
    kit_response_free (&r);

    //  A huge header (64 KiB): refused, never a success
    size_t huge = 64 * 1024;
    char *big = malloc (huge + 256);
    len = snprintf (big, 256, "GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset (big + len, 'a', huge);
    memcpy (big + len + huge, "\r\n\r\n", 5);
    status = s_raw (big, (size_t) len + huge + 4, false);
    CHECK_MSG (status == 0 || status == 431 || status == 413 || status == 400,
               "huge header answered %d", status);
    free (big);
    s_good_client ("after a huge header");

    //  100 MB announced: 413 at once, before the body, and the connection
    //  closed rather than the body read
    int fd = s_connect ();
    REQUIRE (fd >= 0);
    len = snprintf (head, sizeof head, "POST /v1/messages/needs.assessed?commission=" OCID
                    " HTTP/1.1\r\nHost: x\r\n%sIdempotency-Key: big-1\r\n"
                    "Content-Length: 104857600\r\n\r\n", auth);
    CHECK (send (fd, head, (size_t) len, MSG_NOSIGNAL) == len);
    char answer [2048] = "";
    ssize_t n = recv (fd, answer, sizeof answer - 1, 0);
    CHECK_MSG (n > 0 && strstr (answer, " 413 ") && strstr (answer, "TOO_LARGE"),
               "100 MB body: %s", answer);
    //  The server reads no more: sending the body fails long before 100 MB
    char *chunk = calloc (1, 1 << 20);
    size_t sent = 0;
    int64_t deadline = hub_proc_now_ms () + 10000;
    while (sent < 104857600 && hub_proc_now_ms () < deadline) {
        ssize_t k = send (fd, chunk, 1 << 20, MSG_NOSIGNAL);
        if (k <= 0)
            break;
        sent += (size_t) k;
    }
    CHECK_MSG (sent < 20 * 1048576, "the server took %zu bytes of a refused body", sent);
    free (chunk);
    close (fd);
    s_good_client ("after a 100 MB body");

    //  Invalid UTF-8 in the JSON
    const char bad_utf8 [] = "{\"population\": \"\xff\xfe caf\xc3\"}";
    kit_http (&s_hub, "POST", "/v1/messages/needs.assessed?commission=" OCID, s_buyer, "utf-1",
              bad_utf8, &r);
    CHECK (r.status == 400 && streq (kit_str (&r, "code"), "MALFORMED"));
    kit_response_free (&r);

    //  JSON nested 10,000 deep: refused at once, the broker still up
    char *deep = malloc (20002);
    memset (deep, '[', 10000);
    memset (deep + 10000, ']', 10000);
    deep [20000] = 0;
    int64_t start = hub_proc_now_ms ();
    kit_http (&s_hub, "POST", "/v1/messages/needs.assessed?commission=" OCID, s_buyer, "deep-1",
              deep, &r);
    CHECK (r.status == 400 && streq (kit_str (&r, "code"), "MALFORMED"));
    CHECK (strstr (kit_str (&r, "detail"), "nested deeper") != NULL);
    CHECK (hub_proc_now_ms () - start < 2000);
    kit_response_free (&r);
    free (deep);

    //  The slowloris is still open, and the good client still served
    s_good_client ("at the end");
    close (slow);
    CHECK (hub_proc_wait (s_hub.proc.pid, 0) == -1);
}

//  ---------------------------------------------------------------------------
//  Other brokers: rate limit, full store, TLS, refusals, development mode

static void
test_rate_limit (void)
{
    kit_hub_t hub;
    kit_setup (&hub, "http-rate");
    const char *extra [] = { "--http-rate", "1", NULL };
    REQUIRE (kit_start (&hub, false, extra) == 0);
    char token [128];
    kit_token (&hub, KIT_OBSERVER, true, token, sizeof token);
    //  Bursts of twice the rate: the third request at once is refused
    int ok = 0, limited = 0;
    kit_response_t r;
    for (int i = 0; i < 4; i++) {
        kit_http (&hub, "GET", "/v1/status", token, NULL, NULL, &r);
        ok += r.status == 200;
        if (r.status == 429) {
            limited++;
            CHECK (streq (kit_str (&r, "code"), "RATE_LIMITED"));
            CHECK (strstr (r.headers, "Retry-After: 1") != NULL);
        }
        kit_response_free (&r);
    }
    CHECK_MSG (ok == 2 && limited == 2, "ok %d limited %d", ok, limited);
    hub_proc_sleep_ms (1100);
    kit_http (&hub, "GET", "/v1/status", token, NULL, NULL, &r);
    CHECK (r.status == 200);
    kit_response_free (&r);
    kit_teardown (&hub);
}

static void
test_store_full (void)
{
    kit_hub_t hub;
    kit_setup (&hub, "http-full");
    const char *extra [] = { "--map-max", "2", NULL };
    REQUIRE (kit_start (&hub, false, extra) == 0);
    char token [128];
    kit_token (&hub, KIT_BUYER, false, token, sizeof token);
    kit_response_t r;
    kit_http (&hub, "POST", "/v1/messages/commission.opened?commission=ocds-h6vhtk-full01", token,
              "full-open", "{\"title\": \"Full\", \"buyer\": \"" KIT_BUYER "\"}", &r);
    CHECK (r.status == 201);
    kit_response_free (&r);
    //  Needs assessments of ~90 KB until the store is full: 507
    size_t text = 9000;
    char *body = malloc (12 * (text + 8) + 64);
    int used = sprintf (body, "{\"population\": \"p\", \"needStatements\": [");
    for (int i = 0; i < 10; i++) {
        body [used++] = i? ',': ' ';
        body [used++] = '"';
        memset (body + used, 'a' + i, text);
        used += (int) text;
        body [used++] = '"';
    }
    strcpy (body + used, "]}");
    bool full = false;
    for (int i = 0; i < 80 && !full; i++) {
        char key [32];
        snprintf (key, sizeof key, "full-%d", i);
        kit_http (&hub, "POST", "/v1/messages/needs.assessed?commission=ocds-h6vhtk-full01", token,
                  key, body, &r);
        if (r.status == 507) {
            full = true;
            CHECK (streq (kit_str (&r, "code"), "STORE_FULL"));
        }
        else
            CHECK_MSG (r.status == 201, "%ld %s", r.status, r.body? r.body: "");
        kit_response_free (&r);
    }
    CHECK (full);
    free (body);
    kit_teardown (&hub);
}

static void
test_tls_and_refusals (void)
{
    kit_hub_t hub;
    kit_setup (&hub, "http-tls");
    char cmd [PATH_MAX * 3], cert [PATH_MAX + 16], key [PATH_MAX + 16];
    snprintf (cert, sizeof cert, "%s/http.crt", hub.dir);
    snprintf (key, sizeof key, "%s/http.key", hub.dir);
    snprintf (cmd, sizeof cmd, "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
              "-keyout '%s' -out '%s' >/dev/null 2>&1", key, cert);
    REQUIRE (system (cmd) == 0);
    const char *extra [] = { "--http-cert", cert, "--http-key", key, NULL };
    REQUIRE (kit_start (&hub, false, extra) == 0);
    CHECK (strncmp (hub.url, "https://127.0.0.1:", 18) == 0);
    char token [128];
    kit_token (&hub, KIT_OBSERVER, true, token, sizeof token);
    kit_response_t r;
    kit_http (&hub, "GET", "/v1/status", token, NULL, NULL, &r);
    CHECK_MSG (r.status == 200, "https: %ld", r.status);
    kit_response_free (&r);
    //  Plain HTTP to the TLS port gets nothing useful
    char plain_url [300];
    snprintf (plain_url, sizeof plain_url, "%s", hub.url);
    snprintf (hub.url, sizeof hub.url, "http://%s", plain_url + 8);
    kit_http (&hub, "GET", "/v1/status", token, NULL, NULL, &r);
    CHECK (r.status != 200);
    kit_response_free (&r);
    hub_broker_stop (&hub.proc);

    //  Plain HTTP off loopback: refused, naming the way out
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "broker/cyclehubd");
    char *argv1 [] = { bin, "--auth", hub.auth, "--store", hub.proc.store,
                       "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*",
                       "--http", "0.0.0.0:0", NULL };
    hub_run_t run;
    hub_run_argv (&run, argv1, NULL, 20000);
    CHECK (run.status == 1 && strstr (run.err, "plain HTTP") && strstr (run.err, "reverse proxy"));
    hub_run_free (&run);
    char *argv2 [] = { bin, "--plain", "--store", hub.proc.store,
                       "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*",
                       "--http", "0.0.0.0:0", "--http-cert", cert, "--http-key", key, NULL };
    hub_run_argv (&run, argv2, NULL, 20000);
    CHECK (run.status == 1 && strstr (run.err, "loopback"));
    hub_run_free (&run);
    char *argv3 [] = { bin, "--auth", hub.auth, "--store", hub.proc.store,
                       "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*",
                       "--http", "127.0.0.1:0", "--http-cert", cert, NULL };
    hub_run_argv (&run, argv3, NULL, 20000);
    CHECK (run.status == 1 && strstr (run.err, "--http-key"));
    hub_run_free (&run);
    char *argv4 [] = { bin, "--plain", "--store", hub.proc.store, "--http", "nowhere", NULL };
    hub_run_argv (&run, argv4, NULL, 20000);
    CHECK (run.status == 1 && strstr (run.err, "HOST:PORT"));
    hub_run_free (&run);
    char *argv5 [] = { bin, "--plain", "--store", hub.proc.store, "--http", "127.0.0.1:0",
                       "--http-dev-agency", "Tower Hamlets", NULL };
    hub_run_argv (&run, argv5, NULL, 20000);
    CHECK (run.status == 1 && strstr (run.err, "--http-dev-agency"));
    hub_run_free (&run);
    char *argv6 [] = { bin, "--plain", "--http-rate", "0", NULL };
    hub_run_argv (&run, argv6, NULL, 20000);
    CHECK (run.status == 2 && strstr (run.err, "--http-rate"));
    hub_run_free (&run);
    kit_teardown (&hub);
}

static void
test_dev_mode (void)
{
    kit_hub_t hub;
    kit_setup (&hub, "http-dev");
    REQUIRE (kit_start (&hub, true, NULL) == 0);
    CHECK (strncmp (hub.dev_token, "chub_", 5) == 0);
    kit_response_t r;
    kit_http (&hub, "POST", "/v1/messages/commission.opened?commission=ocds-h6vhtk-dev001",
              hub.dev_token, "dev-open", "{\"title\": \"Dev\", \"buyer\": \"" KIT_BUYER "\"}", &r);
    CHECK_MSG (r.status == 201, "%ld %s", r.status, r.body? r.body: "");
    kit_response_free (&r);
    //  The broker printed the URL and the token on stdout
    char out [PATH_MAX + 64];
    snprintf (out, sizeof out, "%s.out", hub.proc.log);
    char *text = hub_proc_slurp (out);
    CHECK (text && strstr (text, hub.dev_token) && strstr (text, hub.url));
    free (text);
    //  A token of the tokens file means nothing in development mode
    kit_token (&hub, KIT_BUYER, false, s_rival, sizeof s_rival);
    kit_http (&hub, "GET", "/v1/status", s_rival, NULL, NULL, &r);
    CHECK (r.status == 401);
    kit_response_free (&r);
    kit_teardown (&hub);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    curl_global_init (CURL_GLOBAL_ALL);
    kit_setup (&s_hub, "http");
    REQUIRE (kit_start (&s_hub, false, NULL) == 0);
    kit_token (&s_hub, KIT_BUYER, false, s_buyer, sizeof s_buyer);
    kit_token (&s_hub, KIT_PARTNER, false, s_partner, sizeof s_partner);
    kit_token (&s_hub, KIT_PROVIDER, false, s_provider, sizeof s_provider);
    kit_token (&s_hub, KIT_OBSERVER, false, s_observer, sizeof s_observer);
    kit_token (&s_hub, KIT_RIVAL, false, s_rival, sizeof s_rival);
    REQUIRE (*s_buyer && *s_partner && *s_provider && *s_observer && *s_rival);

    test_publish_to_events ();
    test_zmq_to_http ();
    test_errors ();
    test_tokens ();
    test_access_cells ();
    test_personal_data ();
    test_hostile ();
    //  The partner leaves the registry: its token is refused within the
    //  registry's reload (about a second)
    kit_write_registry (&s_hub, false);
    long status = 0;
    for (int i = 0; i < 50 && status != 401; i++) {
        kit_response_t r;
        kit_http (&s_hub, "GET", "/v1/status", s_partner, NULL, NULL, &r);
        status = r.status;
        if (status == 401)
            CHECK (strstr (kit_str (&r, "detail"), "registry") != NULL);
        kit_response_free (&r);
        hub_proc_sleep_ms (100);
    }
    CHECK (status == 401);
    CHECK (hub_broker_stop (&s_hub.proc) == 0);
    kit_teardown (&s_hub);

    test_rate_limit ();
    test_store_full ();
    test_tls_and_refusals ();
    test_dev_mode ();
    curl_global_cleanup ();
    HUB_TEST_DONE ();
}
