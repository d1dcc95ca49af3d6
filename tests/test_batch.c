/*  test_batch: PublishBatch against a real cyclehubd, over a raw DEALER and
    through libcyclehub. A batch mixing good and bad envelopes is answered
    by one AckBatch with one result per envelope, in order, each with its
    msg_id and the code a single publish of it would get; duplicates inside
    a batch and across batches are acked with the first seq; a batch over
    1000 envelopes, over the frame limit or empty is refused as a whole with
    its code; single publishes still work beside batches; the async
    publisher, batching by default, delivers each publish's own ack or
    rejection and stores exactly the accepted ones, in order; and the status
    reply carries the publish path's latency budget.
*/
#include <czmq.h>
#include "hub_test.h"
#include "hub_proc.h"
#include "cyclehub.h"
#include "hub_wire_kit.h"

#define BUYER   "GB-LAE-E09000033"
#define OCID    "ocds-batch0-e2e"
#define C(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name

//  A packed partner.update (title may be NULL: missing)
static ProtobufCBinaryData
s_update (const char *ocid, const char *msg_id, const char *title)
{
    Cyclehub__V1__Envelope *env = hub_envelope_new (ocid, msg_id);
    Cyclehub__V1__PartnerUpdatePosted *update = hub_envelope_partner_update (env);
    if (title)
        hub_set_string (&update->title, title);
    ProtobufCBinaryData bytes;
    bytes.len = cyclehub__v1__envelope__get_packed_size (env);
    bytes.data = malloc (bytes.len);
    cyclehub__v1__envelope__pack (env, bytes.data);
    hub_envelope_destroy (&env);
    return bytes;
}

static Cyclehub__V1__Reply *
s_batch (zsock_t *sock, uint64_t request_id, ProtobufCBinaryData *envelopes, size_t n)
{
    Cyclehub__V1__PublishBatch batch = CYCLEHUB__V1__PUBLISH_BATCH__INIT;
    batch.envelopes = envelopes;
    batch.n_envelopes = n;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.request_id = request_id;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH_BATCH;
    request.publish_batch = &batch;
    return hub_kit_exchange (sock, &request);
}

//  Checks result i: acked (code 0) with seq (0: any), or rejected with code
static void
s_expect (const Cyclehub__V1__AckBatch *batch, size_t i, const char *msg_id,
          Cyclehub__V1__RejectCode code, uint64_t seq, bool duplicate, const char *field)
{
    CHECK_MSG (i < batch->n_results, "result %zu missing", i);
    if (i >= batch->n_results)
        return;
    const Cyclehub__V1__PublishResult *result = batch->results [i];
    CHECK_MSG (streq (result->msg_id, msg_id), "result %zu: msg_id '%s', expected '%s'", i,
               result->msg_id, msg_id);
    if (code == 0) {
        bool acked = result->result_case == CYCLEHUB__V1__PUBLISH_RESULT__RESULT_ACK;
        CHECK_MSG (acked, "result %zu: not acked (%s)", i,
                   acked? "": result->reject->reason);
        if (acked) {
            CHECK_MSG (!seq || result->ack->seq == seq, "result %zu: seq %" PRIu64 ", expected %"
                       PRIu64, i, result->ack->seq, seq);
            CHECK_MSG (result->ack->duplicate == duplicate, "result %zu: duplicate flag", i);
        }
        return;
    }
    bool rejected = result->result_case == CYCLEHUB__V1__PUBLISH_RESULT__RESULT_REJECT;
    CHECK_MSG (rejected && result->reject->code == code, "result %zu: expected %s, got %s", i,
               hub_proto_reject_name (code),
               rejected? hub_proto_reject_name (result->reject->code): "an ack");
    if (rejected) {
        CHECK_MSG (*result->reject->reason, "result %zu: a rejection without a sentence", i);
        if (field)
            CHECK_MSG (streq (result->reject->field, field), "result %zu: field '%s', expected '%s'",
                       i, result->reject->field, field);
    }
}

static void
s_free (ProtobufCBinaryData *envelopes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free (envelopes [i].data);
}

//  A batch refused as a whole: one Reject with code and field
static void
s_expect_refused (Cyclehub__V1__Reply *reply, uint64_t request_id,
                  Cyclehub__V1__RejectCode code, const char *field, const char *what)
{
    CHECK_MSG (reply && reply->request_id == request_id
               && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
               && reply->reject->code == code && streq (reply->reject->field, field),
               "%s: expected %s at '%s', got %s '%s'", what, hub_proto_reject_name (code), field,
               reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
               ? hub_proto_reject_name (reply->reject->code): "no rejection",
               reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT
               ? reply->reject->reason: "");
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
}

static void
s_raw_batches (hub_broker_proc_t *broker)
{
    zsock_t *sock = hub_kit_dealer (broker->api, BUYER, 10000);
    //  An old client's single publish opens the commission
    Cyclehub__V1__Envelope *env = hub_envelope_new (OCID, "open-1");
    Cyclehub__V1__CommissionOpened *opened = hub_envelope_commission_opened (env);
    hub_set_string (&opened->title, "Batch commission");
    hub_set_string (&opened->buyer, BUYER);
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.request_id = 1;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
    request.publish = env;
    Cyclehub__V1__Reply *reply = hub_kit_exchange (sock, &request);
    CHECK (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK && reply->ack->seq == 1);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    hub_envelope_destroy (&env);

    //  Good and bad envelopes mixed: one result each, in order
    enum { N = 8 };
    ProtobufCBinaryData mixed [N];
    mixed [0] = s_update (OCID, "a-1", "first");
    mixed [1] = s_update (OCID, "a-missing", NULL);
    mixed [2] = s_update (OCID, "a-utf8", "bad \xff\xfe text");
    mixed [3] = s_update ("ocds-batch0-nosuch", "a-nosuch", "nowhere");
    mixed [4] = s_update (OCID, "a-1", "first");            //  the same again: a duplicate
    mixed [5] = s_update (OCID, "a-1", "other content");    //  the same id, other content
    mixed [6] = s_update (OCID, "a-2", "second");
    mixed [7].len = 3;
    mixed [7].data = malloc (3);
    memcpy (mixed [7].data, "\xff\xff\xff", 3);
    reply = s_batch (sock, 2, mixed, N);
    CHECK_MSG (reply && reply->request_id == 2
               && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK_BATCH,
               "the mixed batch got no AckBatch");
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK_BATCH) {
        const Cyclehub__V1__AckBatch *acks = reply->ack_batch;
        CHECK_MSG (acks->n_results == N, "%zu results for %d envelopes", acks->n_results, N);
        s_expect (acks, 0, "a-1", 0, 2, false, NULL);
        s_expect (acks, 1, "a-missing", C (MISSING_FIELD), 0, false, "partner_update.title");
        s_expect (acks, 2, "", C (MALFORMED), 0, false, "partner_update.title");
        s_expect (acks, 3, "a-nosuch", C (UNKNOWN_COMMISSION), 0, false, NULL);
        s_expect (acks, 4, "a-1", 0, 2, true, NULL);
        s_expect (acks, 5, "a-1", C (DUPLICATE_CONFLICT), 0, false, "msg_id");
        s_expect (acks, 6, "a-2", 0, 3, false, NULL);
        s_expect (acks, 7, "", C (MALFORMED), 0, false, NULL);
    }
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    s_free (mixed, N);

    //  Across batches: a-1 again is a duplicate of seq 2; b-1 is new
    ProtobufCBinaryData again [2] = { s_update (OCID, "a-1", "first"),
                                      s_update (OCID, "b-1", "third") };
    reply = s_batch (sock, 3, again, 2);
    CHECK (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK_BATCH);
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK_BATCH) {
        s_expect (reply->ack_batch, 0, "a-1", 0, 2, true, NULL);
        s_expect (reply->ack_batch, 1, "b-1", 0, 4, false, NULL);
    }
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    s_free (again, 2);

    //  Over 1000 envelopes: refused as a whole, nothing stored
    ProtobufCBinaryData *many = calloc (HUB_PROTO_MAX_BATCH + 1, sizeof *many);
    for (size_t i = 0; i <= HUB_PROTO_MAX_BATCH; i++) {
        char id [32];
        snprintf (id, sizeof id, "many-%zu", i);
        many [i] = s_update (OCID, id, "many");
    }
    s_expect_refused (s_batch (sock, 4, many, HUB_PROTO_MAX_BATCH + 1), 4, C (TOO_LARGE),
                      "publish_batch.envelopes", "1001 envelopes");
    s_free (many, HUB_PROTO_MAX_BATCH + 1);
    free (many);

    //  Over the frame limit (1 MiB) in 700 envelopes: refused as a whole
    char *text = malloc (1601);
    memset (text, 'x', 1600);
    text [1600] = 0;
    ProtobufCBinaryData *big = calloc (700, sizeof *big);
    for (size_t i = 0; i < 700; i++) {
        char id [32];
        snprintf (id, sizeof id, "big-%zu", i);
        big [i] = s_update (OCID, id, text);
    }
    s_expect_refused (s_batch (sock, 5, big, 700), 5, C (TOO_LARGE), "publish_batch",
                      "1.1 MiB batch");
    s_free (big, 700);
    free (big);
    free (text);

    //  No envelopes at all
    s_expect_refused (s_batch (sock, 6, NULL, 0), 6, C (MISSING_FIELD),
                      "publish_batch.envelopes", "an empty batch");

    //  The history holds exactly the accepted ones: seqs 1 to 4
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    query.from_seq = 1;
    Cyclehub__V1__Request history = CYCLEHUB__V1__REQUEST__INIT;
    history.request_id = 7;
    history.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    history.history = &query;
    reply = hub_kit_exchange (sock, &history);
    CHECK (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_PAGE);
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_PAGE) {
        CHECK_MSG (reply->page->n_events == 4 && reply->page->last_seq == 4,
                   "%zu events stored, last seq %" PRIu64, reply->page->n_events,
                   reply->page->last_seq);
        const char *ids [4] = { "open-1", "a-1", "a-2", "b-1" };
        for (size_t i = 0; i < reply->page->n_events && i < 4; i++) {
            Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
                NULL, reply->page->events [i].len, reply->page->events [i].data);
            CHECK (event && event->seq == i + 1 && streq (event->envelope->msg_id, ids [i]));
            if (event)
                cyclehub__v1__event__free_unpacked (event, NULL);
        }
    }
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    zsock_destroy (&sock);
}

//  The async publisher with batching: every publish its own outcome
typedef struct {
    int acked;
    int rejected;
    uint64_t bad_token;             //  the one meant to be refused
    bool bad_refused;               //  ... and it was, with its code
    uint64_t last_seq;
    bool ordered;                   //  acks' seqs increase
} s_tally_t;

static void
s_on_result (const hub_result_t *result, void *arg)
{
    s_tally_t *tally = arg;
    if (result->rc == HUB_OK) {
        tally->acked++;
        tally->ordered &= result->seq > tally->last_seq;
        tally->last_seq = result->seq;
    }
    else {
        tally->rejected++;
        if (result->token == tally->bad_token && result->code == C (UNKNOWN_COMMISSION))
            tally->bad_refused = true;
    }
}

static void
s_async (hub_broker_proc_t *broker, int batch_max, uint64_t first_seq)
{
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = broker->api;
    options.events_endpoint = broker->events;
    options.agency = BUYER;
    options.window = 200;
    options.batch_max = batch_max;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    s_tally_t tally = { 0, 0, 0, false, first_seq - 1, true };
    hub_client_set_handler (client, s_on_result, &tally);
    enum { N = 500 };
    for (int i = 0; i < N; i++) {
        bool bad = i == N / 2;
        Cyclehub__V1__Envelope *env = hub_envelope_new (bad? "ocds-batch0-nosuch": OCID, NULL);
        hub_set_string (&hub_envelope_partner_update (env)->title, "async");
        uint64_t token;
        CHECK (hub_client_publish_async (client, env, &token, NULL) == HUB_OK);
        if (bad)
            tally.bad_token = token;
        hub_envelope_destroy (&env);
    }
    CHECK (hub_client_flush (client, -1) == HUB_OK);
    CHECK_MSG (tally.acked == N - 1 && tally.rejected == 1 && tally.bad_refused && tally.ordered,
               "batch_max %d: acked %d, rejected %d, the bad one %s, %s", batch_max, tally.acked,
               tally.rejected, tally.bad_refused? "refused": "not refused",
               tally.ordered? "in order": "out of order");
    CHECK_MSG (tally.last_seq == first_seq + N - 2, "batch_max %d: last seq %" PRIu64, batch_max,
               tally.last_seq);
    hub_client_destroy (&client);
}

//  Status.latency: every stage, with the publishes and commits seen so far
static void
s_status (hub_broker_proc_t *broker, uint64_t publishes)
{
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = broker->api;
    options.agency = BUYER;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    Cyclehub__V1__Reply *reply = NULL;
    CHECK (hub_client_status (client, &reply, NULL) == HUB_OK);
    if (reply) {
        const Cyclehub__V1__Status *status = reply->status;
        const char *stages [] = { "receive", "check", "wait_for_writer", "commit",
                                  "lmdb_commit", "handover", "reply", "in_broker" };
        CHECK_MSG (status->n_latency == 8, "%zu latency stages", status->n_latency);
        for (size_t i = 0; i < status->n_latency && i < 8; i++) {
            const Cyclehub__V1__LatencyStage *stage = status->latency [i];
            CHECK_MSG (streq (stage->stage, stages [i]) && stage->count > 0
                       && stage->max_us >= stage->p50_us / 2 && stage->p99_us >= stage->p50_us
                       && stage->n_buckets == 32,
                       "stage %zu: %s count %" PRIu64, i, stage->stage, stage->count);
            if (streq (stage->stage, "in_broker"))
                CHECK_MSG (stage->count == publishes, "in_broker counted %" PRIu64
                           " publishes, expected %" PRIu64, stage->count, publishes);
        }
        CHECK (status->batches > 0 && status->batch_requests >= status->batches);
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    hub_client_destroy (&client);
}

int
main (void)
{
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "batch") == 0);
    s_raw_batches (&broker);
    s_async (&broker, 0, 5);            //  the default: batched
    s_async (&broker, 1, 5 + 499);      //  one publish per request, as before batches
    //  Acked publishes: open-1; a-1, a-1 again, a-2; a-1 again, b-1; 2 x 499
    s_status (&broker, 1 + 3 + 2 + 2 * 499);
    hub_broker_cleanup (&broker);
    HUB_TEST_DONE ();
}
