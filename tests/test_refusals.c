/*  test_refusals: what a client gets back for its mistakes, end to end
    against a real cyclehubd over a raw DEALER socket (issue 17):
    - every reply carries the request's request_id whenever the bytes hold
      one: a 2 MiB publish (TOO_LARGE), bytes that break off after the id,
      a request of two frames; an unreadable frame gets id 0;
    - no client input reaches INTERNAL: a sweep of every member of the
      Request oneof (the test fails when a new one has no sweep), each
      limit with its own code and field;
    - an erase names exactly one response: r-1 in consultations c-1 and
      c-2, and r-1 from two agencies in c-1; the documented form erases
      exactly the named one, an ambiguous one is refused listing the
      candidates;
    - cyclehubd refuses a store directory others can read, saying the fix,
      and creates its files 0600 under a umask of 022.
*/
#include <czmq.h>
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_proto.h"
#include "hub_wire_kit.h"

#define OWNER    "GB-LAE-E09000047"
#define AGENCY_A "GB-CHC-1089464"
#define AGENCY_B "GB-CHC-2000001"
#define OCID     "ocds-refuse-e2e"
#define DAY_MS   INT64_C (86400000)
#define C(name)  CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name
#define S_ACCEPTED 0                //  any reply but a rejection

static uint64_t s_request_id = 5000;

//  A PLAIN dealer of agency on api (hub_wire_kit.h)
#define s_dealer(api, agency) hub_kit_dealer ((api), (agency), 10000)

//  Sends msg (destroyed) and reads one reply (the caller frees it)
static Cyclehub__V1__Reply *
s_exchange_msg (zsock_t *sock, zmsg_t **msg_p)
{
    zmsg_send (msg_p, sock);
    return hub_kit_recv_reply (sock);
}

static Cyclehub__V1__Reply *
s_exchange (zsock_t *sock, const void *data, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, data, size);
    return s_exchange_msg (sock, &msg);
}

//  Checks a reply: its request_id, and a rejection with code (and field,
//  if not NULL) or, for S_ACCEPTED, no rejection. Never INTERNAL. Returns
//  the reply for more checks (the caller frees it), or NULL.
static Cyclehub__V1__Reply *
s_check_reply (Cyclehub__V1__Reply *reply, uint64_t request_id, int code, const char *field,
               const char *what)
{
    CHECK_MSG (reply, "%s: no reply", what);
    if (!reply)
        return NULL;
    CHECK_MSG (reply->request_id == request_id, "%s: reply carries request_id %" PRIu64
               ", expected %" PRIu64, what, reply->request_id, request_id);
    const Cyclehub__V1__Reject *reject = reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
                                       ? reply->reject: NULL;
    if (reject)
        CHECK_MSG (reject->code != C (INTERNAL), "%s: INTERNAL for a client's mistake (%s)",
                   what, reject->reason);
    if (code == S_ACCEPTED) {
        CHECK_MSG (!reject, "%s: refused %s (%s)", what,
                   reject? hub_proto_reject_name (reject->code): "", reject? reject->reason: "");
        return reply;
    }
    CHECK_MSG (reject, "%s: not refused (reply case %d)", what, (int) reply->body_case);
    if (reject) {
        CHECK_MSG ((int) reject->code == code, "%s: %s, expected %s (%s)", what,
                   hub_proto_reject_name (reject->code),
                   hub_proto_reject_name ((Cyclehub__V1__RejectCode) code), reject->reason);
        CHECK_MSG (strlen (reject->reason) > 15, "%s: no sentence", what);
        if (field)
            CHECK_MSG (streq (reject->field, field), "%s: field '%s', expected '%s' (%s)",
                       what, reject->field, field, reject->reason);
    }
    return reply;
}

static void
s_expect (zsock_t *sock, const void *data, size_t size, uint64_t request_id, int code,
          const char *field, const char *what)
{
    Cyclehub__V1__Reply *reply = s_check_reply (s_exchange (sock, data, size), request_id,
                                                code, field, what);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
}

//  Packs request with a new request_id, sends it, checks the reply; returns
//  it (the caller frees) when keep, else NULL
static Cyclehub__V1__Reply *
s_request (zsock_t *sock, Cyclehub__V1__Request *request, int code, const char *field,
           const char *what, bool keep)
{
    request->request_id = ++s_request_id;
    size_t size = cyclehub__v1__request__get_packed_size (request);
    uint8_t *data = malloc (size);
    cyclehub__v1__request__pack (request, data);
    Cyclehub__V1__Reply *reply = s_check_reply (s_exchange (sock, data, size),
                                                request->request_id, code, field, what);
    free (data);
    if (reply && !keep) {
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        reply = NULL;
    }
    return reply;
}

static void
s_publish (zsock_t *sock, Cyclehub__V1__Envelope *env, int code, const char *field,
           const char *what)
{
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
    request.publish = env;
    s_request (sock, &request, code, field, what, false);
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

//  A string of n copies of c (the caller frees)
static char *
s_long (size_t n, char c)
{
    char *s = malloc (n + 1);
    memset (s, c, n);
    s [n] = 0;
    return s;
}

//  ---------------------------------------------------------------------------
//  1. The request_id of every reply

static void
s_test_request_ids (zsock_t *sock)
{
    //  A 2 MiB publish: over the 1 MiB request limit, refused before unpack
    char *title = s_long (2 * 1024 * 1024, 't');
    Cyclehub__V1__Envelope env;
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    update.title = title;
    s_envelope (&env, "huge-1");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    hub_kit_buf_t request = { 0 };
    hub_kit_request (&request, 4242, &env, 0, NULL, 0);
    CHECK (request.size > 2 * 1024 * 1024);
    s_expect (sock, request.data, request.size, 4242, C (TOO_LARGE), NULL, "2 MiB publish");
    free (title);
    //  The id after a field the schema does not have (the walk skips it)
    request.size = 0;
    hub_kit_put (&request, "\x98\x06\x01", 3);          //  field 99, varint 1
    hub_kit_varint (&request, 1 << 3);
    hub_kit_varint (&request, 4243);
    s_expect (sock, request.data, request.size, 4243, C (MALFORMED), NULL,
              "unknown field before the id");
    //  Bytes that break off after the id: not a Request, but the id is read
    request.size = 0;
    hub_kit_varint (&request, 1 << 3);
    hub_kit_varint (&request, 4244);
    hub_kit_put (&request, "\x52\xff\xff\xff", 4);      //  field 10 of an absurd length
    s_expect (sock, request.data, request.size, 4244, C (MALFORMED), NULL,
              "truncated after the id");
    //  Two frames: the first one's id
    request.size = 0;
    hub_kit_varint (&request, 1 << 3);
    hub_kit_varint (&request, 4245);
    hub_kit_field (&request, CYCLEHUB__V1__REQUEST__BODY_STATUS, "", 0);
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, request.data, request.size);
    zmsg_addmem (msg, request.data, request.size);
    Cyclehub__V1__Reply *reply = s_check_reply (s_exchange_msg (sock, &msg), 4245,
                                                C (MALFORMED), NULL, "two frames");
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    //  Unreadable from the first byte: a refusal with id 0, as documented
    s_expect (sock, "\xff\xfe\x01garbage", 10, 0, C (MALFORMED), NULL, "garbage");
    s_expect (sock, "", 0, 0, C (MALFORMED), NULL, "empty frame");
    hub_kit_free (&request);
}

//  ---------------------------------------------------------------------------
//  2. No client input reaches INTERNAL: one sweep per Request body

static void
s_sweep_publish (zsock_t *sock)
{
    Cyclehub__V1__Envelope env;
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    update.title = "An update";
    char *long_id = s_long (600, 'a');
    s_envelope (&env, long_id);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    s_publish (sock, &env, C (INVALID_VALUE), "msg_id", "publish: msg_id of 600");
    s_envelope (&env, "sweep-1");
    env.commission_id = long_id;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    s_publish (sock, &env, C (INVALID_VALUE), "commission_id", "publish: ocid of 600");
    env.commission_id = "";
    s_publish (sock, &env, C (MISSING_FIELD), "commission_id", "publish: no ocid");
    //  A response whose ids are each at their limit, and one over
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    char *id64 = s_long (64, 'r');
    response.consultation_id = "c-1";
    response.response_id = id64;
    response.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_RESIDENT;
    response.retention_until_ms = zclock_time () + 30 * DAY_MS;
    s_envelope (&env, "sweep-2");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED;
    env.response_submitted = &response;
    s_publish (sock, &env, S_ACCEPTED, NULL, "publish: response id of 64");
    response.response_id = long_id;
    s_envelope (&env, "sweep-3");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED;
    env.response_submitted = &response;
    s_publish (sock, &env, C (INVALID_VALUE), "response_submitted.response_id",
               "publish: response id of 600");
    free (id64);
    free (long_id);
}

static void
s_sweep_history (zsock_t *sock)
{
    Cyclehub__V1__HistoryQuery history = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    request.history = &history;
    char *long_value = s_long (600, 'a');
    struct { const char *commission, *agency, *type; const char *field; } cases [] = {
        { long_value, "", "", "history.commission_id" },
        { "not an ocid", "", "", "history.commission_id" },
        { "", long_value, "", "history.agency" },
        { "", "XX-NOPE-1", "", "history.agency" },
        { "", "", long_value, "history.type" },
        { "", "", "no.such.type", "history.type" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        history.commission_id = (char *) cases [i].commission;
        history.agency = (char *) cases [i].agency;
        history.type = (char *) cases [i].type;
        char what [64];
        snprintf (what, sizeof what, "history: case %zu (%s)", i, cases [i].field);
        Cyclehub__V1__Reply *reply = s_request (sock, &request, C (INVALID_VALUE),
                                                cases [i].field, what, true);
        if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
        &&  strlen (cases [i].commission) + strlen (cases [i].agency) + strlen (cases [i].type)
            == 600)
            CHECK_MSG (strstr (reply->reject->reason, "600 bytes long; it is at most"),
                       "%s: the sentence names no limit: %s", what, reply->reject->reason);
        if (reply)
            cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    history.commission_id = history.agency = history.type = "";
    history.since_ms = 2000;
    history.until_ms = 1000;
    s_request (sock, &request, C (INVALID_VALUE), "history.until_ms", "history: until < since",
               false);
    //  Filters at their limits are read
    history.since_ms = history.until_ms = 0;
    history.commission_id = OCID;
    history.agency = OWNER;
    history.type = "commission.opened";
    Cyclehub__V1__Reply *reply = s_request (sock, &request, S_ACCEPTED, NULL,
                                            "history: valid filters", true);
    CHECK (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_PAGE
           && reply->page->n_events == 1);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    free (long_value);
}

static void
s_sweep_commission (zsock_t *sock)
{
    Cyclehub__V1__CommissionQuery query = CYCLEHUB__V1__COMMISSION_QUERY__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_COMMISSION;
    request.commission = &query;
    query.commission_id = "";
    s_request (sock, &request, C (MISSING_FIELD), "commission.commission_id",
               "commission: empty id", false);
    char *long_id = s_long (600, 'a');
    query.commission_id = long_id;
    s_request (sock, &request, C (INVALID_VALUE), "commission.commission_id",
               "commission: id of 600", false);
    free (long_id);
    query.commission_id = "not-an-ocid";
    s_request (sock, &request, C (INVALID_VALUE), "commission.commission_id",
               "commission: not an ocid", false);
    query.commission_id = "ocds-refuse-nosuch";
    s_request (sock, &request, C (UNKNOWN_COMMISSION), "commission.commission_id",
               "commission: unknown", false);
    query.commission_id = OCID;
    s_request (sock, &request, S_ACCEPTED, NULL, "commission: known", false);
}

static void
s_sweep_status (zsock_t *sock)
{
    Cyclehub__V1__StatusQuery status = CYCLEHUB__V1__STATUS_QUERY__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_STATUS;
    request.status = &status;
    s_request (sock, &request, S_ACCEPTED, NULL, "status", false);
    //  A StatusQuery holding a field it does not have
    hub_kit_buf_t bytes = { 0 };
    hub_kit_varint (&bytes, 1 << 3);
    hub_kit_varint (&bytes, ++s_request_id);
    hub_kit_field (&bytes, CYCLEHUB__V1__REQUEST__BODY_STATUS, "\x08\x01", 2);
    s_expect (sock, bytes.data, bytes.size, s_request_id, C (MALFORMED), NULL,
              "status: unknown field");
    hub_kit_free (&bytes);
}

static void
s_sweep_commissions (zsock_t *sock)
{
    Cyclehub__V1__CommissionListQuery list = CYCLEHUB__V1__COMMISSION_LIST_QUERY__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_COMMISSIONS;
    request.commissions = &list;
    s_request (sock, &request, S_ACCEPTED, NULL, "commissions: any", false);
    char *long_id = s_long (600, 'a');
    list.agency = long_id;
    s_request (sock, &request, C (INVALID_VALUE), "commissions.agency",
               "commissions: a 600-byte agency", false);
    list.agency = "not an org";
    s_request (sock, &request, C (INVALID_VALUE), "commissions.agency",
               "commissions: an agency that is not an org-id", false);
    list.agency = "";
    list.after_id = long_id;
    s_request (sock, &request, C (INVALID_VALUE), "commissions.after_id",
               "commissions: a 600-byte page start", false);
    free (long_id);
}

static void
s_sweep_erase (zsock_t *sock)
{
    Cyclehub__V1__EraseRequest erase = CYCLEHUB__V1__ERASE_REQUEST__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_ERASE;
    request.erase = &erase;
    s_request (sock, &request, C (MISSING_FIELD), "erase.commission_id", "erase: empty", false);
    char *long_id = s_long (600, 'a');
    erase.commission_id = OCID;
    erase.consultation_id = "c-1";
    erase.reason = "sweep";
    erase.response_id = long_id;
    s_request (sock, &request, C (INVALID_VALUE), "erase.response_id",
               "erase: response id of 600", false);
    erase.response_id = "r-1";
    erase.consultation_id = long_id;
    s_request (sock, &request, C (INVALID_VALUE), "erase.consultation_id",
               "erase: consultation id of 600", false);
    erase.consultation_id = "c-1";
    erase.respondent = long_id;
    s_request (sock, &request, C (INVALID_VALUE), "erase.respondent",
               "erase: respondent of 600", false);
    erase.respondent = "";
    erase.response_id = "r-none";
    s_request (sock, &request, C (INVALID_VALUE), "erase.response_id", "erase: no such response",
               false);
    erase.commission_id = "ocds-refuse-nosuch";
    s_request (sock, &request, C (UNKNOWN_COMMISSION), "erase.commission_id",
               "erase: unknown commission", false);
    free (long_id);
}

//  A batch refused as a whole (its envelopes' refusals: test_batch)
static void
s_sweep_publish_batch (zsock_t *sock)
{
    Cyclehub__V1__PublishBatch batch = CYCLEHUB__V1__PUBLISH_BATCH__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH_BATCH;
    request.publish_batch = &batch;
    s_request (sock, &request, C (MISSING_FIELD), "publish_batch.envelopes",
               "publish_batch: no envelopes", false);
    ProtobufCBinaryData *many = calloc (HUB_PROTO_MAX_BATCH + 1, sizeof *many);
    for (size_t i = 0; i <= HUB_PROTO_MAX_BATCH; i++) {
        many [i].data = (uint8_t *) "\x0a\x01x";     //  msg_id "x": never read
        many [i].len = 3;
    }
    batch.envelopes = many;
    batch.n_envelopes = HUB_PROTO_MAX_BATCH + 1;
    s_request (sock, &request, C (TOO_LARGE), "publish_batch.envelopes",
               "publish_batch: 1001 envelopes", false);
    free (many);
}

//  Every member of the Request oneof has its sweep here
static void
s_test_sweep (zsock_t *sock)
{
    struct { const char *name; void (*sweep) (zsock_t *); } sweeps [] = {
        { "publish", s_sweep_publish }, { "history", s_sweep_history },
        { "commission", s_sweep_commission }, { "status", s_sweep_status },
        { "erase", s_sweep_erase }, { "commissions", s_sweep_commissions },
        { "publish_batch", s_sweep_publish_batch }
    };
    const ProtobufCMessageDescriptor *desc = &cyclehub__v1__request__descriptor;
    for (unsigned f = 0; f < desc->n_fields; f++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [f];
        if (!(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        size_t i = 0;
        while (i < sizeof sweeps / sizeof sweeps [0] && !streq (sweeps [i].name, field->name))
            i++;
        CHECK_MSG (i < sizeof sweeps / sizeof sweeps [0],
                   "request type %s has no sweep in test_refusals", field->name);
        if (i < sizeof sweeps / sizeof sweeps [0])
            sweeps [i].sweep (sock);
    }
}

//  ---------------------------------------------------------------------------
//  3. An erase names exactly one response

static void
s_respond (zsock_t *sock, const char *msg_id, const char *consultation, const char *name)
{
    Cyclehub__V1__PersonalData personal = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    personal.full_name = (char *) name;
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    response.consultation_id = (char *) consultation;
    response.response_id = "r-1";
    response.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_RESIDENT;
    response.retention_until_ms = zclock_time () + 30 * DAY_MS;
    response.personal = &personal;
    Cyclehub__V1__Envelope env;
    s_envelope (&env, msg_id);
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED;
    env.response_submitted = &response;
    s_publish (sock, &env, S_ACCEPTED, NULL, msg_id);
}

//  Which of the names the owner still reads in the commission's history:
//  a bit per name
static unsigned
s_names_left (zsock_t *owner, const char *const *names, size_t n)
{
    Cyclehub__V1__HistoryQuery history = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    history.commission_id = OCID;
    history.type = "consultation.response";
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    request.history = &history;
    Cyclehub__V1__Reply *reply = s_request (owner, &request, S_ACCEPTED, NULL, "history", true);
    unsigned left = 0;
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_PAGE)
        for (size_t e = 0; e < reply->page->n_events; e++)
            for (size_t i = 0; i < n; i++)
                if (memmem (reply->page->events [e].data, reply->page->events [e].len,
                            names [i], strlen (names [i])))
                    left |= 1u << i;
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    return left;
}

//  Sends an erase; returns the reply (the caller frees it)
static Cyclehub__V1__Reply *
s_erase (zsock_t *owner, const char *consultation, const char *respondent, int code,
         const char *field, const char *what)
{
    Cyclehub__V1__EraseRequest erase = CYCLEHUB__V1__ERASE_REQUEST__INIT;
    erase.commission_id = OCID;
    erase.consultation_id = (char *) consultation;
    erase.respondent = (char *) respondent;
    erase.response_id = "r-1";
    erase.reason = "Erasure requested by the respondent";
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_ERASE;
    request.erase = &erase;
    return s_request (owner, &request, code, field, what, true);
}

static void
s_test_erase_target (zsock_t *owner, const char *api)
{
    zsock_t *a = s_dealer (api, AGENCY_A);
    zsock_t *b = s_dealer (api, AGENCY_B);
    //  r-1 from A in c-1 and in c-2, and from B in c-1
    const char *names [] = { "Alice A-c1", "Bob A-c2", "Carol B-c1" };
    s_respond (a, "a-c1", "c-1", names [0]);
    s_respond (a, "a-c2", "c-2", names [1]);
    s_respond (b, "b-c1", "c-1", names [2]);
    CHECK (s_names_left (owner, names, 3) == 7);

    //  The form docs/operations.md showed before (no consultation): refused,
    //  listing every candidate; nothing erased
    Cyclehub__V1__Reply *reply = s_erase (owner, "", "", C (MISSING_FIELD),
                                          "erase.consultation_id", "erase without consultation");
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT) {
        const char *reason = reply->reject->reason;
        CHECK_MSG (strstr (reason, "c-1 (from " AGENCY_A ")") && strstr (reason, "c-2 (from "
                   AGENCY_A ")") && strstr (reason, "c-1 (from " AGENCY_B ")"),
                   "the candidates are not listed: %s", reason);
    }
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    //  c-1 alone: two agencies used r-1 there
    reply = s_erase (owner, "c-1", "", C (MISSING_FIELD), "erase.respondent",
                     "erase in c-1 without respondent");
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT)
        CHECK_MSG (strstr (reply->reject->reason, AGENCY_A)
                   && strstr (reply->reject->reason, AGENCY_B),
                   "the agencies are not listed: %s", reply->reject->reason);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    CHECK_MSG (s_names_left (owner, names, 3) == 7, "a refused erase erased something");

    //  The documented form erases exactly the one it names
    reply = s_erase (owner, "c-2", "", S_ACCEPTED, NULL, "erase c-2's r-1 (one agency)");
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    CHECK_MSG (s_names_left (owner, names, 3) == 5, "erasing c-2's r-1 left %x",
               s_names_left (owner, names, 3));
    reply = s_erase (owner, "c-1", AGENCY_B, S_ACCEPTED, NULL, "erase B's r-1 in c-1");
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    CHECK_MSG (s_names_left (owner, names, 3) == 1, "erasing B's r-1 in c-1 left %x",
               s_names_left (owner, names, 3));
    reply = s_erase (owner, "c-1", AGENCY_A, S_ACCEPTED, NULL, "erase A's r-1 in c-1");
    uint64_t audit = reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK
                   ? reply->ack->seq: 0;
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    CHECK (s_names_left (owner, names, 3) == 0);
    //  Again: the same audit seq, a duplicate
    reply = s_erase (owner, "c-1", AGENCY_A, S_ACCEPTED, NULL, "erase A's r-1 in c-1 again");
    CHECK (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK
           && reply->ack->duplicate && reply->ack->seq == audit);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    //  A consultation without r-1, a respondent that did not send it
    reply = s_erase (owner, "c-3", "", C (INVALID_VALUE), "erase.response_id", "erase in c-3");
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    reply = s_erase (owner, "c-2", AGENCY_B, C (INVALID_VALUE), "erase.response_id",
                     "erase B's r-1 in c-2");
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    zsock_destroy (&a);
    zsock_destroy (&b);
}

//  Opens the commission and its consultations c-1, c-2 and c-3
static void
s_setup (zsock_t *owner)
{
    Cyclehub__V1__Envelope env;
    Cyclehub__V1__CommissionOpened opened = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
    opened.title = "Refusals";
    opened.buyer = OWNER;
    s_envelope (&env, "open-1");
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
    env.commission_opened = &opened;
    s_publish (owner, &env, S_ACCEPTED, NULL, "commission.opened");
    const char *consultations [] = { "c-1", "c-2", "c-3" };
    for (size_t i = 0; i < 3; i++) {
        Cyclehub__V1__ConsultationOpened consultation = CYCLEHUB__V1__CONSULTATION_OPENED__INIT;
        consultation.consultation_id = (char *) consultations [i];
        consultation.title = "Have your say";
        consultation.opens_at_ms = zclock_time () - DAY_MS;
        consultation.closes_at_ms = zclock_time () + 30 * DAY_MS;
        char msg_id [32];
        snprintf (msg_id, sizeof msg_id, "consult-%zu", i);
        s_envelope (&env, msg_id);
        env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OPENED;
        env.consultation_opened = &consultation;
        s_publish (owner, &env, S_ACCEPTED, NULL, msg_id);
    }
}

//  ---------------------------------------------------------------------------
//  4. cyclehubd refuses a store other users can read, with the fix

static void
s_test_store_modes (void)
{
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    char *dir = hub_test_tmpdir ("modes");
    REQUIRE (dir);
    snprintf (broker.dir, sizeof broker.dir, "%s", dir);
    snprintf (broker.store, sizeof broker.store, "%s/store", dir);
    snprintf (broker.endpoints, sizeof broker.endpoints, "%s/endpoints", dir);
    snprintf (broker.log, sizeof broker.log, "%s/broker.log", dir);
    free (dir);
    REQUIRE (mkdir (broker.store, 0700) == 0 && chmod (broker.store, 0755) == 0);
    CHECK_MSG (hub_broker_start_with (&broker, "modes", NULL) != 0,
               "cyclehubd started on a 0755 store");
    char *log = hub_proc_slurp (broker.log);
    CHECK_MSG (log && strstr (log, "mode 0755") && strstr (log, "chmod 700")
               && strstr (log, broker.store), "the log does not say why: %s", log? log: "");
    free (log);
    //  With the fix, it starts; what it creates is its own alone (umask 022)
    REQUIRE (chmod (broker.store, 0700) == 0);
    mode_t old_umask = umask (022);
    broker.api [0] = broker.events [0] = 0;
    CHECK (hub_broker_start_with (&broker, "modes", NULL) == 0);
    umask (old_umask);
    struct stat st;
    char path [PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/data.mdb", broker.store);
    CHECK_MSG (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600, "data.mdb mode %o",
               (unsigned) (st.st_mode & 0777));
    snprintf (path, sizeof path, "%s/lock.mdb", broker.store);
    CHECK_MSG (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600, "lock.mdb mode %o",
               (unsigned) (st.st_mode & 0777));
    CHECK (hub_broker_stop (&broker) == 0);
    hub_broker_cleanup (&broker);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    s_test_store_modes ();
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start_with (&broker, "refusals", NULL) == 0);
    zsock_t *owner = s_dealer (broker.api, OWNER);
    s_setup (owner);
    s_test_request_ids (owner);
    s_test_sweep (owner);
    s_test_erase_target (owner, broker.api);
    zsock_destroy (&owner);
    CHECK_MSG (hub_broker_stop (&broker) == 0, "the broker did not stop clean; log %s", broker.log);
    if (hub_test_failed == 0)
        hub_broker_cleanup (&broker);
    else
        fprintf (stderr, "store and log kept in %s\n", broker.dir);
    HUB_TEST_DONE ();
}
