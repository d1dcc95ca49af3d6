/*  test_wire_broker: the wire attacks of issue 17 against a real cyclehubd,
    over a raw DEALER socket, as the commission's owner (so nothing but the
    wire check stands in their way): a consultation response whose personal
    field starts with NUL or hides text after one (every PersonalData string
    field, found by walking its descriptor), a msg_id sent twice with the
    first copy invalid, a partner.update carrying a response_submitted member
    with personal data, a PersonalData sent twice. Each is refused MALFORMED
    with its field path and the request's id; a clean response is acked; and
    the history holds exactly the clean messages afterwards.
*/
#include <czmq.h>
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_proto.h"
#include "hub_wire_kit.h"

#define OWNER   "GB-LAE-E09000046"
#define OCID    "ocds-wire00-e2e"
#define DAY_MS  INT64_C (86400000)
#define C(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name
#define S_LIT(s) s, sizeof (s) - 1

static uint64_t s_request_id = 1000;

static zsock_t *
s_dealer (const char *api)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    zsock_set_plain_username (sock, OWNER);
    zsock_set_plain_password (sock, "dev");
    zsock_set_rcvtimeo (sock, 10000);
    zsock_set_linger (sock, 0);
    zsock_connect (sock, "%s", api);
    return sock;
}

static Cyclehub__V1__Reply *
s_exchange (zsock_t *sock, const void *data, size_t size)
{
    zframe_t *frame = zframe_new (data, size);
    zframe_send (&frame, sock, 0);
    return hub_kit_recv_reply (sock);
}

//  Sends the bytes (a Request with id request_id); expects an ack, or a
//  MALFORMED naming field. Returns true if the expectation held.
static bool
s_expect (zsock_t *sock, const hub_kit_buf_t *request, uint64_t request_id,
          const char *field, const char *what)
{
    Cyclehub__V1__Reply *reply = s_exchange (sock, request->data, request->size);
    CHECK_MSG (reply, "%s: no reply", what);
    if (!reply)
        return false;
    bool held = reply->request_id == request_id;
    CHECK_MSG (reply->request_id == request_id, "%s: reply to request %" PRIu64 ", expected %"
               PRIu64, what, reply->request_id, request_id);
    if (!field) {
        held &= reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK && !reply->ack->duplicate;
        CHECK_MSG (held, "%s: not acked (%s: %s)", what,
                   reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
                   ? hub_proto_reject_name (reply->reject->code): "-",
                   reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
                   ? reply->reject->reason: "");
    }
    else
    if (reply->body_case != CYCLEHUB__V1__REPLY__BODY_REJECT) {
        CHECK_MSG (false, "%s: accepted (reply case %d), expected MALFORMED at %s", what,
                   (int) reply->body_case, field);
        held = false;
    }
    else {
        const Cyclehub__V1__Reject *reject = reply->reject;
        held &= reject->code == C (MALFORMED) && streq (reject->field, field)
             && strlen (reject->reason) > 20;
        CHECK_MSG (held, "%s: %s at '%s' (%s), expected MALFORMED at '%s'", what,
                   hub_proto_reject_name (reject->code), reject->field, reject->reason, field);
    }
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    return held;
}

static void
s_envelope (Cyclehub__V1__Envelope *env, const char *msg_id)
{
    Cyclehub__V1__Envelope init = CYCLEHUB__V1__ENVELOPE__INIT;
    *env = init;
    env->msg_id = (char *) msg_id;
    env->commission_id = OCID;
    env->sent_at_ms = zclock_time ();
}

static void
s_response (Cyclehub__V1__ResponseSubmitted *response, const char *response_id)
{
    Cyclehub__V1__ResponseSubmitted init = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    *response = init;
    response->consultation_id = "c-1";
    response->response_id = (char *) response_id;
    response->respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_RESIDENT;
    response->retention_until_ms = zclock_time () + 365 * DAY_MS;
}

//  Opens the commission and its consultation c-1
static void
s_setup (zsock_t *sock)
{
    Cyclehub__V1__Envelope env;
    hub_kit_buf_t request = { 0 };
    Cyclehub__V1__CommissionOpened opened = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
    opened.title = "Wire checks";
    opened.buyer = OWNER;
    s_envelope (&env, "open-1");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
    env.commission_opened = &opened;
    hub_kit_request (&request, ++s_request_id, &env, 0, NULL, 0);
    REQUIRE (s_expect (sock, &request, s_request_id, NULL, "commission.opened"));
    Cyclehub__V1__ConsultationOpened consultation = CYCLEHUB__V1__CONSULTATION_OPENED__INIT;
    consultation.consultation_id = "c-1";
    consultation.title = "Have your say";
    consultation.opens_at_ms = zclock_time () - DAY_MS;
    consultation.closes_at_ms = zclock_time () + 30 * DAY_MS;
    s_envelope (&env, "consult-1");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OPENED;
    env.consultation_opened = &consultation;
    request.size = 0;
    hub_kit_request (&request, ++s_request_id, &env, 0, NULL, 0);
    REQUIRE (s_expect (sock, &request, s_request_id, NULL, "consultation.opened"));
    hub_kit_free (&request);
}

//  Every string field of PersonalData, with a value hiding data behind a NUL
static int
s_personal_fields (zsock_t *sock)
{
    const ProtobufCMessageDescriptor *desc = &cyclehub__v1__personal_data__descriptor;
    struct { const char *value; size_t size; } values [] = {
        { S_LIT ("\0Alice Example") },
        { S_LIT ("ok\0\xff\xfe Alice Example") },
        { S_LIT ("Alice Example\0 and more") },
        { S_LIT ("Alice \xff Example") }
    };
    int fields = 0;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        if (field->type != PROTOBUF_C_TYPE_STRING)
            continue;
        fields++;
        char path [128];
        snprintf (path, sizeof path, "response_submitted.personal.%s%s", field->name,
                  field->label == PROTOBUF_C_LABEL_REPEATED? "[0]": "");
        for (size_t v = 0; v < sizeof values / sizeof values [0]; v++) {
            char msg_id [64], response_id [64], what [200];
            snprintf (msg_id, sizeof msg_id, "hide-%s-%zu", field->name, v);
            snprintf (response_id, sizeof response_id, "r-%s-%zu", field->name, v);
            snprintf (what, sizeof what, "personal.%s, value %zu", field->name, v);
            Cyclehub__V1__Envelope env;
            Cyclehub__V1__ResponseSubmitted response;
            s_envelope (&env, msg_id);
            s_response (&response, response_id);
            hub_kit_buf_t request = { 0 };
            hub_kit_response (&request, ++s_request_id, &env, &response, field,
                              values [v].value, values [v].size);
            s_expect (sock, &request, s_request_id, path, what);
            hub_kit_free (&request);
        }
    }
    return fields;
}

static void
s_attacks (zsock_t *sock)
{
    Cyclehub__V1__Envelope env;
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    update.title = "Quarterly update";
    hub_kit_buf_t request = { 0 }, envelope = { 0 }, body = { 0 };

    //  msg_id twice, the first copy invalid UTF-8 (protobuf-c keeps the last)
    s_envelope (&env, "dup-1");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    hub_kit_field (&envelope, 1, "dup-\xff", 5);
    hub_kit_message (&envelope, &env.base);
    hub_kit_varint (&request, 1 << 3);
    hub_kit_varint (&request, ++s_request_id);
    hub_kit_field (&request, CYCLEHUB__V1__REQUEST__BODY_PUBLISH, envelope.data, envelope.size);
    s_expect (sock, &request, s_request_id, "msg_id", "msg_id twice, the first invalid");
    //  ... and twice, both valid
    request.size = 0;
    hub_kit_request (&request, ++s_request_id, &env, 1, "dup-2", 5);
    s_expect (sock, &request, s_request_id, "msg_id", "msg_id twice");

    //  partner.update with a response_submitted member holding PersonalData
    Cyclehub__V1__PersonalData personal = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    personal.full_name = "Alice Example";
    personal.email = "alice@example.org";
    Cyclehub__V1__ResponseSubmitted response;
    s_response (&response, "r-smuggled");
    response.personal = &personal;
    hub_kit_message (&body, &response.base);
    s_envelope (&env, "smuggle-1");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    request.size = 0;
    hub_kit_request (&request, ++s_request_id, &env, CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED,
                     body.data, body.size);
    s_expect (sock, &request, s_request_id, "response_submitted",
              "partner.update carrying a response_submitted member");

    //  A response with two PersonalData (protobuf would merge them)
    Cyclehub__V1__PersonalData other = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    other.phone = "01234 567890";
    hub_kit_buf_t second = { 0 };
    hub_kit_message (&second, &other.base);
    s_response (&response, "r-merged");
    response.personal = &personal;
    body.size = 0;
    hub_kit_message (&body, &response.base);
    hub_kit_field (&body, protobuf_c_message_descriptor_get_field_by_name (
                   &cyclehub__v1__response_submitted__descriptor, "personal")->id,
                   second.data, second.size);
    s_envelope (&env, "merge-1");
    request.size = 0;
    hub_kit_request (&request, ++s_request_id, &env, CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED,
                     body.data, body.size);
    s_expect (sock, &request, s_request_id, "response_submitted.personal",
              "a response with two PersonalData");

    hub_kit_free (&second);
    hub_kit_free (&body);
    hub_kit_free (&envelope);
    hub_kit_free (&request);
}

//  A clean response with personal data is acked (the refusals above are the
//  wire check's, not the setup's)
static void
s_clean (zsock_t *sock)
{
    Cyclehub__V1__PersonalData personal = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    personal.full_name = "Zo\xc3\xab Example";
    Cyclehub__V1__ResponseSubmitted response;
    s_response (&response, "r-clean");
    response.personal = &personal;
    Cyclehub__V1__Envelope env;
    s_envelope (&env, "clean-1");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED;
    env.response_submitted = &response;
    hub_kit_buf_t request = { 0 };
    hub_kit_request (&request, ++s_request_id, &env, 0, NULL, 0);
    s_expect (sock, &request, s_request_id, NULL, "a clean response");
    hub_kit_free (&request);
}

//  The msg_ids of the whole history, space-separated
static void
s_history (zsock_t *sock, char *out, size_t size)
{
    size_t at = 0;
    out [0] = 0;
    uint64_t from = 1;
    while (true) {
        Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        query.from_seq = from;
        Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
        request.request_id = ++s_request_id;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
        request.history = &query;
        uint8_t buf [128];
        Cyclehub__V1__Reply *reply = s_exchange (sock, buf, cyclehub__v1__request__pack (&request, buf));
        if (!reply || reply->body_case != CYCLEHUB__V1__REPLY__BODY_PAGE) {
            CHECK_MSG (false, "history: no page");
            if (reply)
                cyclehub__v1__reply__free_unpacked (reply, NULL);
            return;
        }
        for (size_t i = 0; i < reply->page->n_events; i++) {
            Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
                NULL, reply->page->events [i].len, reply->page->events [i].data);
            if (event && event->envelope)
                at += (size_t) snprintf (out + at, size - at, "%s%s", at? " ": "",
                                         event->envelope->msg_id);
            if (event)
                cyclehub__v1__event__free_unpacked (event, NULL);
        }
        bool end = reply->page->end || reply->page->next_seq <= from;
        from = reply->page->next_seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        if (end)
            return;
    }
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start_with (&broker, "wire", NULL) == 0);
    zsock_t *sock = s_dealer (broker.api);
    s_setup (sock);
    int fields = s_personal_fields (sock);
    CHECK_MSG (fields >= 5, "PersonalData has %d string fields", fields);
    s_attacks (sock);
    s_clean (sock);

    //  Nothing refused was stored, so nothing was broadcast either
    char history [4096];
    s_history (sock, history, sizeof history);
    CHECK_MSG (streq (history, "open-1 consult-1 clean-1"), "history holds: %s", history);
    zsock_destroy (&sock);

    CHECK_MSG (hub_broker_stop (&broker) == 0, "the broker did not stop clean; log %s", broker.log);
    if (hub_test_failed == 0)
        hub_broker_cleanup (&broker);
    else
        fprintf (stderr, "store and log kept in %s\n", broker.dir);
    HUB_TEST_DONE ();
}
