/*  hub_ingest: the publish path, as a two-stage pipeline.

    The broker thread drains the api socket into the open batch, checking
    each request on arrival against the schema, the dedupe keys, the access
    rules and the commission states as changed by every request before it
    (committed or not). A writer thread commits one batch at a time in one
    LMDB transaction. While it fsyncs, the open batch keeps filling, so a
    batch holds everything that arrived during the previous commit: that is
    group commit, and it is what makes durable publishing fast. Only after a
    batch's commit does any of its senders get a reply and any subscriber
    its events. Queries are answered in their batch's turn (history pages
    by the reader thread, hub_reader.c). Erasures (requested, or by the
    retention sweep) ride the same batches: hub_erase.c. A batch, its slots
    and its commit are hub_batch.c.
*/
#include "hub_ingest.h"
#include "hub_log.h"
#include "hub_batch.h"
#include "hub_erase.h"
#include "hub_query.h"
#include "hub_validate.h"
#include "hub_cycle.h"
#include "hub_access.h"
#include "hub_erasure.h"
#include "hub_commission.h"
#include "hub_proto.h"
#include "hub_reader.h"
#include "hub_wire.h"
#include "hub_outflow.h"
#include "hub_latency.h"

#define S_CODE(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name

struct _hub_ingest_t {
    const hub_broker_config_t *config;  //  the actor's copy
    hub_store_t *store;                 //  borrowed
    hub_registry_t *registry;           //  borrowed; NULL in PLAIN mode
    void *api;                          //  the ROUTER, as a raw libzmq handle (borrowed)
    void *events;                       //  the PUB, as a raw libzmq handle (borrowed)
    void *http;                         //  HTTP front end's inproc ROUTER (borrowed), or NULL
    zhashx_t *states;                   //  commission id -> hub_commission_t *, as of every check so far
    hub_batch_t *batches [2];           //  the two batches, used in turn
    hub_batch_t *open;                  //  filling
    hub_batch_t *committing;            //  with the writer, or NULL
    zactor_t *writer;                   //  commits one batch at a time
    zactor_t *reader;                   //  builds history pages
    hub_outflow_t *outflow;             //  unread reply bytes per connection
    hub_reader_args_t reader_args;      //  the reader's store and config
    uint64_t last_seq;                  //  last committed seq
    uint64_t next_seq;                  //  next seq to assign
    int64_t last_recorded_ms;           //  recorded_at is kept non-decreasing
    int64_t started_ms;                 //  for the status reply's uptime
    int64_t last_commit_ms;             //  when events were last committed (broker clock)
    hub_ingest_count_fn *subscribers;   //  the status reply's subscribers, or NULL
    void *subscribers_arg;
    uint64_t sweep_from;                //  where the next retention sweep starts
    uint64_t rate_buckets [10];         //  accepted publishes per second, a ring
    int64_t rate_second [10];           //  the second each bucket counts
    zhashx_t *stopped;                  //  routing id (hex) -> reject code: connections whose
                                        //  publishes are refused for space until a status
    hub_buf_t reply;                    //  reply scratch
    hub_latency_t latency;              //  the publish path's latency budget (status)
    uint64_t commits;                   //  batches handed to the writer
    uint64_t batch_requests;            //  requests (and batch envelopes) in them
    //  AckBatch scratch, one entry per envelope (HUB_PROTO_MAX_BATCH)
    Cyclehub__V1__PublishResult *results;
    Cyclehub__V1__PublishResult **result_ptrs;
    Cyclehub__V1__Ack *acks;
    Cyclehub__V1__Reject *rejects;
    bool may_be_personal [64];          //  by body case: the schema marks personal data below it
};

static void
s_commission_free (void **item)
{
    hub_commission_destroy ((hub_commission_t **) item);
}

static void s_writer_actor (zsock_t *pipe, void *args);

hub_ingest_t *
hub_ingest_new (const hub_broker_config_t *config, hub_store_t *store,
                hub_registry_t *registry, zsock_t *api, zsock_t *events)
{
    hub_ingest_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->store = store;
    self->registry = registry;
    self->api = zsock_resolve (api);
    self->events = zsock_resolve (events);
    self->states = zhashx_new ();
    self->stopped = zhashx_new ();
    if (self->states)
        zhashx_set_destructor (self->states, s_commission_free);
    self->started_ms = zclock_time ();
    self->sweep_from = 1;
    //  A PublishBatch received while the batch has room takes its envelopes'
    //  slots from the spare, so a batch request is never split or held back
    self->batches [0] = hub_batch_new (config->batch_max, HUB_PROTO_MAX_BATCH);
    self->batches [1] = hub_batch_new (config->batch_max, HUB_PROTO_MAX_BATCH);
    self->results = calloc (HUB_PROTO_MAX_BATCH, sizeof *self->results);
    self->result_ptrs = calloc (HUB_PROTO_MAX_BATCH, sizeof *self->result_ptrs);
    self->acks = calloc (HUB_PROTO_MAX_BATCH, sizeof *self->acks);
    self->rejects = calloc (HUB_PROTO_MAX_BATCH, sizeof *self->rejects);
    self->open = self->batches [0];
    self->outflow = hub_outflow_new (config->reply_budget);
    if (!self->states || !self->outflow || !self->stopped || !self->batches [0] || !self->batches [1]
    ||  !self->results || !self->result_ptrs || !self->acks || !self->rejects
    ||  hub_store_last_seq (store, NULL, &self->last_seq)
    ||  !(self->writer = zactor_new (s_writer_actor, store))) {
        hub_ingest_destroy (&self);
        return NULL;
    }
    self->reader_args.store = store;
    self->reader_args.config = config;
    self->reader = zactor_new (hub_reader_actor, &self->reader_args);
    if (!self->reader) {
        hub_ingest_destroy (&self);
        return NULL;
    }
    self->next_seq = self->last_seq + 1;
    for (size_t i = 0; hub_proto_type_at (i); i++) {
        Cyclehub__V1__Envelope__BodyCase body_case = hub_proto_type_at (i);
        if ((size_t) body_case < sizeof self->may_be_personal)
            self->may_be_personal [body_case] = hub_proto_type_may_be_personal (body_case);
    }
    //  recorded_at continues from the last stored event
    if (self->last_seq > 0) {
        void *data;
        size_t size;
        if (hub_store_get (store, NULL, self->last_seq, &data, &size) == 0) {
            Cyclehub__V1__Event *last = cyclehub__v1__event__unpack (NULL, size, data);
            if (last) {
                self->last_recorded_ms = last->recorded_at_ms;
                self->last_commit_ms = last->recorded_at_ms;
                cyclehub__v1__event__free_unpacked (last, NULL);
            }
            free (data);
        }
    }
    zsys_info ("ingest: ready last_seq=%" PRIu64 " hub_id=%s",
               self->last_seq, hub_store_hub_id (store));
    return self;
}

void
hub_ingest_destroy (hub_ingest_t **self_p)
{
    hub_ingest_t *self = *self_p;
    if (!self)
        return;
    zactor_destroy (&self->reader);
    zactor_destroy (&self->writer);
    hub_outflow_destroy (&self->outflow);
    hub_batch_destroy (&self->batches [0]);
    hub_batch_destroy (&self->batches [1]);
    zhashx_destroy (&self->states);
    zhashx_destroy (&self->stopped);
    hub_buf_free (&self->reply);
    free (self->results);
    free (self->result_ptrs);
    free (self->acks);
    free (self->rejects);
    free (self);
    *self_p = NULL;
}

//  HTTP front end (issue 13): reads the identity frame hub_http puts before
//  each request on the inproc socket, "ORG-ID ROLES rw|ro" (hub_ingest.h).
//  Only this process can connect to inproc, so it is as trusted as the ZAP
//  handler's metadata. Returns 0, or -1 with the slot rejected (the rest of
//  the message drained).
static int
s_receive_identity (hub_ingest_t *self, hub_slot_t *slot)
{
    char text [128] = "", access [4] = "";
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    int size = zmq_msg_more (&slot->routing)? zmq_msg_recv (&frame, self->http, 0): -1;
    if (size > 0 && (size_t) size < sizeof text)
        memcpy (text, zmq_msg_data (&frame), (size_t) size);
    bool more = size >= 0 && zmq_msg_more (&frame);
    zmq_msg_close (&frame);
    if (sscanf (text, "%63s %u %3s", slot->sender, &slot->roles, access) == 3 && more
    &&  (streq (access, "rw") || streq (access, "ro"))) {
        slot->read_only = streq (access, "ro");
        return 0;
    }
    while (more && zmq_msg_recv (&slot->body, self->http, 0) >= 0 && zmq_msg_more (&slot->body))
        ;
    slot->sender [0] = 0;
    slot->roles = 0;
    hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "",
                     "an HTTP front-end request needs its identity frame");
    return -1;
}

//  Receives one request into slot (a free slot of the open batch); returns
//  false when nothing is waiting.
static bool
s_receive (hub_ingest_t *self, void *socket, hub_slot_t *slot)
{
    zmq_msg_init (&slot->routing);
    if (zmq_msg_recv (&slot->routing, socket, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&slot->routing);
        return false;
    }
    slot->routed = true;
    slot->socket = socket;
    slot->arrived_us = hub_latency_now ();
    zmq_msg_init (&slot->body);
    //  HTTP front end (issue 13): the identity frame comes first
    if (socket == self->http && s_receive_identity (self, slot))
        return true;
    if (!zmq_msg_more (&slot->routing)
    ||  zmq_msg_recv (&slot->body, socket, 0) < 0) {
        hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "",
                         "a request is exactly one frame holding a packed Request");
        return true;
    }
    //  Any frame past the first makes the request malformed; drain them
    if (zmq_msg_more (&slot->body)) {
        zmq_msg_t extra;
        zmq_msg_init (&extra);
        while (zmq_msg_recv (&extra, socket, 0) >= 0 && zmq_msg_more (&extra))
            ;
        zmq_msg_close (&extra);
        slot->request_id = hub_wire_request_id (zmq_msg_data (&slot->body),
                                                zmq_msg_size (&slot->body));
        hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "",
                         "a request is exactly one frame holding a packed Request; "
                         "this one had several");
        return true;
    }
    if (socket == self->http)
        return true;                //  sender and roles came with the identity frame
    //  The sender is a property of the connection, set by the ZAP handler
    const char *user = zmq_msg_gets (&slot->body, "User-Id");
    const char *key = zmq_msg_gets (&slot->body, "X-Key");
    snprintf (slot->sender, sizeof slot->sender, "%s", user? user: "");
    snprintf (slot->key, sizeof slot->key, "%s", key? key: "");
    if (!self->registry)
        slot->roles = *slot->sender? HUB_ROLES_ALL_DEV: 0;
    else {
        //  A key revoked since the connection was admitted is refused here
        char org_id [64];
        if (hub_registry_lookup (self->registry, slot->key, org_id, sizeof org_id, &slot->roles)
        ||  strcmp (org_id, slot->sender) != 0) {
            slot->roles = 0;
            slot->request_id = hub_wire_request_id (zmq_msg_data (&slot->body), zmq_msg_size (&slot->body));
            hub_verdict_set (&slot->verdict, S_CODE (NOT_AUTHORISED), "",
                             "the key of this connection is no longer registered for %s; "
                             "ask the hub operator to register the agency's new key", slot->sender);
        }
    }
    return true;
}

static void s_check_batch (hub_slot_t *slot);

//  Checks the shape of one request: its size, its bytes (hub_wire), the unpack.
static void
s_check_request (hub_ingest_t *self, hub_slot_t *slot)
{
    size_t size = zmq_msg_size (&slot->body);
    const uint8_t *data = zmq_msg_data (&slot->body);
    //  Every reply carries the request's id when the bytes hold one, even
    //  a refusal of a frame too large or too broken to unpack
    slot->request_id = hub_wire_request_id (data, size);
    if (size == 0) {
        hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "",
                         "the request frame is empty; send a packed cyclehub.v1.Request");
        return;
    }
    if (size > self->config->request_max) {
        const uint8_t *batch;
        size_t batch_size;
        bool is_batch = hub_proto_wire_field (data, size, CYCLEHUB__V1__REQUEST__BODY_PUBLISH_BATCH,
                                              &batch, &batch_size) > 0;
        hub_verdict_set (&slot->verdict, S_CODE (TOO_LARGE), is_batch? "publish_batch": "",
                         "the request is %zu bytes; the limit is %zu%s", size,
                         self->config->request_max,
                         is_batch? ": send fewer envelopes per batch": "");
        return;
    }
    //  The bytes hold exactly what the schema declares, within its limits:
    //  checked on the bytes, before anything is unpacked or reads a C string
    hub_wire_fault_t wire;
    if (hub_wire_check_request (data, size, &wire)) {
        hub_verdict_set (&slot->verdict, wire.code, wire.field, "%s", wire.reason);
        return;
    }
    slot->request = cyclehub__v1__request__unpack (hub_batch_allocator (self->open), size, data);
    if (!slot->request) {
        hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "",
                         "the frame is not a cyclehub.v1.Request protobuf");
        return;
    }
    if (slot->request->body_case == CYCLEHUB__V1__REQUEST__BODY_PUBLISH_BATCH) {
        s_check_batch (slot);
        return;
    }
    if (slot->request->body_case == CYCLEHUB__V1__REQUEST__BODY__NOT_SET) {
        hub_verdict_set (&slot->verdict, S_CODE (UNKNOWN_TYPE), "",
                         "the request has no body: set publish, publish_batch, history, "
                         "commission, status or erase");
        return;
    }
    if (slot->request->body_case != CYCLEHUB__V1__REQUEST__BODY_PUBLISH
    &&  slot->request->body_case != CYCLEHUB__V1__REQUEST__BODY_ERASE) {
        slot->kind = HUB_SLOT_QUERY;
        return;
    }
    if (slot->request->body_case == CYCLEHUB__V1__REQUEST__BODY_ERASE) {
        slot->kind = HUB_SLOT_PUBLISH;     //  s_check_erase decides
        return;
    }
    //  The stored event embeds the envelope bytes exactly as sent, so the
    //  request must carry one envelope field (protobuf would merge several)
    int found = hub_proto_wire_field (data, size, CYCLEHUB__V1__REQUEST__BODY_PUBLISH,
                                      &slot->envelope, &slot->envelope_size);
    if (found != 1)
        hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "publish",
                         "a request carries exactly one publish envelope");
    else {
        slot->publish = slot->request->publish;
        slot->kind = HUB_SLOT_PUBLISH;     //  s_check_publish decides
    }
}

//  ---------------------------------------------------------------------------
//  PublishBatch: many envelopes in one request. The request itself is only
//  checked for its form and its count; each envelope becomes a slot of its
//  own right after it (a member), checked, deduplicated, stored and
//  published exactly as a single publish is, and the answers go back
//  together in one AckBatch.

static void
s_check_batch (hub_slot_t *slot)
{
    //  More than HUB_PROTO_MAX_BATCH (a list's limit) was refused on the wire
    if (slot->request->publish_batch->n_envelopes == 0)
        hub_verdict_set (&slot->verdict, S_CODE (MISSING_FIELD), "publish_batch.envelopes",
                         "the publish batch holds no envelopes; send 1 to %d", HUB_PROTO_MAX_BATCH);
    else
        slot->kind = HUB_SLOT_BATCH;
}

//  Adds one member slot per envelope of the batch request in head, which
//  has just joined the open batch. Each shares the head's frames.
static void
s_expand (hub_batch_t *batch, hub_slot_t *head)
{
    const Cyclehub__V1__PublishBatch *request = head->request->publish_batch;
    for (size_t i = 0; i < request->n_envelopes; i++) {
        hub_slot_t *member = hub_batch_member_slot (batch);
        assert (member);            //  the spare holds HUB_PROTO_MAX_BATCH
        member->routed = true;
        member->member = true;
        zmq_msg_init (&member->routing);
        zmq_msg_copy (&member->routing, &head->routing);
        zmq_msg_init (&member->body);
        zmq_msg_copy (&member->body, &head->body);     //  for its connection's properties
        member->socket = head->socket;
        member->request_id = head->request_id;
        member->arrived_us = head->arrived_us;
        memcpy (member->sender, head->sender, sizeof member->sender);
        memcpy (member->key, head->key, sizeof member->key);
        member->roles = head->roles;
        member->read_only = head->read_only;
        member->envelope = request->envelopes [i].data;     //  in head->request
        member->envelope_size = request->envelopes [i].len;
        hub_batch_add (batch);
        head->members++;
    }
}

//  The form of one envelope of a batch, as s_check_request checks a single
//  publish's: its bytes against the schema (all there is to check of its
//  form: hub_wire.h), then unpacked.
static void
s_check_member (hub_batch_t *batch, hub_slot_t *slot)
{
    hub_wire_fault_t wire;
    if (hub_wire_check (&cyclehub__v1__envelope__descriptor, slot->envelope,
                        slot->envelope_size, &wire)) {
        hub_verdict_set (&slot->verdict, wire.code, wire.field, "%s", wire.reason);
        return;
    }
    slot->member_env = cyclehub__v1__envelope__unpack (hub_batch_allocator (batch),
                                                       slot->envelope_size, slot->envelope);
    if (!slot->member_env) {
        hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "",
                         "the envelope is not a cyclehub.v1.Envelope protobuf");
        return;
    }
    slot->publish = slot->member_env;
    slot->kind = HUB_SLOT_PUBLISH;     //  s_check_publish decides
}

//  The commission's state as of this point in the batch, loaded into the
//  cache from the store on first use. NULL if there is no such commission.
static hub_commission_t *
s_state (hub_ingest_t *self, hub_store_txn_t *snapshot, const char *commission_id)
{
    hub_commission_t *state = zhashx_lookup (self->states, commission_id);
    if (state)
        return state;
    void *data;
    size_t size;
    if (hub_store_commission_get (self->store, snapshot, commission_id, &data, &size) != 0)
        return NULL;
    state = hub_commission_decode (data, size);
    free (data);
    if (state)
        zhashx_insert (self->states, commission_id, state);
    else
        zsys_error ("ingest: stored state of %s does not decode", commission_id);
    return state;
}

//  Now, kept non-decreasing across events.
static int64_t
s_now (hub_ingest_t *self)
{
    int64_t now = zclock_time () + self->config->clock_offset_ms;
    return now < self->last_recorded_ms? self->last_recorded_ms: now;
}

//  Accepts a checked slot of the open batch as the next seq: packs its
//  Event and moves the clock and the commission's last seq on. `key` is its
//  dedupe key (NULL for an erasure). Returns 0, or -1 with the slot rejected.
static int
s_accept (hub_ingest_t *self, hub_slot_t *slot, hub_commission_t *state,
          const hub_batch_key_t *key, const hub_cycle_outcome_t *outcome, int64_t now)
{
    if (hub_batch_accept (self->open, slot, key, self->next_seq, now, outcome))
        return -1;
    self->next_seq++;
    self->last_recorded_ms = now;
    hub_commission_set_last_seq (state, slot->seq, now);
    return 0;
}

//  Dedupe: the same (agency, msg_id) earlier in this batch, in the batch
//  being committed, or stored. True if that answers the slot: a duplicate
//  (acked with the first seq) or a conflict (same msg_id, other content).
static bool
s_check_duplicate (hub_ingest_t *self, hub_store_txn_t *snapshot, hub_slot_t *slot,
                   const hub_batch_key_t *key)
{
    hub_slot_t *first = hub_batch_find_key (self->open, key);
    if (!first && self->committing)
        first = hub_batch_find_key (self->committing, key);
    uint64_t stored_seq = 0;
    uint8_t stored_digest [HUB_STORE_DIGEST_SIZE];
    if (first) {
        memcpy (stored_digest, first->digest, sizeof stored_digest);
        stored_seq = first->seq;
        slot->inflight = true;
    }
    else
    if (hub_store_dedupe_find (self->store, snapshot, key->key, key->size - 1,
                               &stored_seq, stored_digest) != 0)
        stored_seq = 0;
    if (!stored_seq)
        return false;
    //  A stored digest may be the old function's (a store written before)
    bool same = memcmp (stored_digest, slot->digest, sizeof stored_digest) == 0
             || (!first && hub_batch_digest_legacy_equal (slot, stored_digest));
    if (!same) {
        slot->inflight = false;
        hub_verdict_set (&slot->verdict, S_CODE (DUPLICATE_CONFLICT), "msg_id",
                         "msg_id %s was already used by %s for different content "
                         "(seq %" PRIu64 "); use a new msg_id for a new message",
                         slot->msg_id, slot->sender, stored_seq);
        return true;
    }
    slot->kind = HUB_SLOT_DUPLICATE;
    slot->seq = stored_seq;
    return true;
}

//  commission.opened: the ocid's prefix must be one the registry binds to
//  the sender; in PLAIN development mode (no registry) any prefix is allowed.
static int
s_check_prefix (hub_ingest_t *self, hub_slot_t *slot, const char *ocid)
{
    char prefixes [256] = "";
    //  HTTP front end (issue 13): a token's agency has no key; look it up by org-id
    int found = !self->registry? 0
              : slot->socket == self->http && self->http
              ? hub_registry_agency_prefixes (self->registry, slot->sender, prefixes, sizeof prefixes)
              : hub_registry_prefixes (self->registry, slot->key, prefixes, sizeof prefixes);
    if (found != 0)
        prefixes [0] = 0;           //  revoked since it was received: it holds none
    return hub_access_check_prefix (ocid, slot->sender, self->registry? prefixes: NULL,
                                    &slot->verdict);
}

//  HTTP front end (issue 13): a read-only token reads and never writes.
static int
s_check_read_only (hub_slot_t *slot)
{
    if (!slot->read_only)
        return 0;
    return hub_verdict_set (&slot->verdict, S_CODE (NOT_AUTHORISED), "",
                            "this token of %s is read-only; publish with a token made without "
                            "--read-only", slot->sender);
}

//  Checks a publish against the schema rules, dedupe, the access rules and
//  the state machine, and on success assigns its seq and builds its Event.
static void
s_check_publish (hub_ingest_t *self, hub_store_txn_t *snapshot, hub_slot_t *slot)
{
    const Cyclehub__V1__Envelope *env = slot->publish;
    slot->kind = HUB_SLOT_REJECT;
    if (!slot->roles) {
        hub_verdict_set (&slot->verdict, S_CODE (NOT_AUTHORISED), "",
                         "the connection carries no registered agency identity");
        return;
    }
    if (s_check_read_only (slot))
        return;
    if (hub_validate_envelope (env, &slot->verdict))
        return;
    slot->commission_id = env->commission_id;
    slot->msg_id = env->msg_id;
    slot->type = hub_proto_type_name (env->body_case);
    hub_batch_digest (slot);
    //  Validated: the sender and msg_id are set and within their limits, so
    //  the key is never refused
    char key_bytes [HUB_STORE_DEDUPE_KEY_MAX + 1];
    size_t key_len = hub_store_dedupe_key (key_bytes, slot->sender, env->msg_id);
    assert (key_len);
    hub_batch_key_t key = hub_batch_key (key_bytes, key_len);
    if (s_check_duplicate (self, snapshot, slot, &key))
        return;

    //  Access, then the state machine, against the state as changed
    //  earlier in the batch
    hub_commission_t *state = s_state (self, snapshot, env->commission_id);
    if (hub_access_check (state, env, slot->sender, slot->roles, &slot->verdict))
        return;
    if (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED
    &&  s_check_prefix (self, slot, env->commission_id))
        return;
    hub_commission_t *before = state;
    int64_t now = s_now (self);
    if (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED
    &&  hub_erasure_check_retention (env->response_submitted, now,
                                     self->config->retention_max_days, &slot->verdict))
        return;
    hub_cycle_outcome_t outcome;
    if (hub_cycle_apply (&state, env, slot->sender, now, &outcome, &slot->verdict))
        return;
    if (state != before)
        zhashx_update (self->states, env->commission_id, state);
    slot->personal = (size_t) env->body_case < sizeof self->may_be_personal
                  && self->may_be_personal [env->body_case]
                  && hub_proto_has_personal (&env->base);
    s_accept (self, slot, state, &key, &outcome, now);
}

//  Accepts an erasure prepared by hub_erase.c: the commission's stage stays.
static void
s_accept_erasure (hub_ingest_t *self, hub_store_txn_t *snapshot, hub_slot_t *slot, int64_t now)
{
    hub_commission_t *state = s_state (self, snapshot, slot->commission_id);
    if (!state) {
        slot->kind = HUB_SLOT_REJECT;
        hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                         "the broker could not prepare the erasure; retry later");
        return;
    }
    Cyclehub__V1__Stage stage = hub_commission_stage (state);
    hub_cycle_outcome_t outcome = { stage, stage, false };
    s_accept (self, slot, state, NULL, &outcome, now);
}

//  An erase request: the domain's rules (form, then only the commission's
//  owner), then hub_erase.c finds the response and prepares the erasure.
static void
s_check_erase (hub_ingest_t *self, hub_store_txn_t *snapshot, hub_slot_t *slot)
{
    const Cyclehub__V1__EraseRequest *request = slot->request->erase;
    slot->kind = HUB_SLOT_REJECT;
    if (s_check_read_only (slot))
        return;
    if (hub_erasure_check_request (request, &slot->verdict))
        return;
    hub_commission_t *state = s_state (self, snapshot, request->commission_id);
    if (hub_erasure_check_allowed (state, request->commission_id, slot->sender, slot->roles,
                                   &slot->verdict))
        return;
    int64_t now = s_now (self);
    if (hub_erase_prepare (self->store, snapshot, self->open, self->committing, slot, now) == 0)
        s_accept_erasure (self, snapshot, slot, now);
}

//  ---------------------------------------------------------------------------
//  The writer thread: commits one batch at a time (hub_batch_commit)

static void
s_writer_actor (zsock_t *pipe, void *args)
{
    hub_store_t *store = args;
    zsock_signal (pipe, 0);
    while (true) {
        char *command = NULL;
        void *batch = NULL;
        if (zsock_recv (pipe, "sp", &command, &batch) != 0)
            break;
        bool term = !command || streq (command, "$TERM");
        if (!term)
            zsock_send (pipe, "i", hub_batch_commit ((hub_batch_t *) batch, store));
        zstr_free (&command);
        if (term)
            break;
    }
}

//  ---------------------------------------------------------------------------
//  Replies and events

//  Publishes one stored event on the events socket; personal fields never
//  leave on the stream, so such events go out redacted.
static void
s_publish (hub_ingest_t *self, hub_slot_t *slot)
{
    char topic [512];
    int topic_len = hub_proto_topic (topic, sizeof topic, slot->stage, slot->commission_id,
                                     slot->type);
    if (topic_len < 0)
        return;
    uint8_t *redacted = NULL;
    const uint8_t *data = slot->event.data;
    size_t size = slot->event.size;
    if (slot->personal) {
        if (hub_proto_redact_event (data, size, &redacted, &size) < 0) {
            zsys_error ("ingest: cannot redact seq=%" PRIu64 "; not published", slot->seq);
            return;
        }
        data = redacted;
    }
    zmq_send (self->events, topic, (size_t) topic_len, ZMQ_SNDMORE);
    zmq_send (self->events, data, size, 0);
    free (redacted);
}

static double
s_rate (hub_ingest_t *self, int64_t now_s, uint64_t add)
{
    size_t at = (size_t) (now_s % 10);
    if (self->rate_second [at] != now_s) {
        self->rate_second [at] = now_s;
        self->rate_buckets [at] = 0;
    }
    self->rate_buckets [at] += add;
    uint64_t total = 0;
    for (size_t i = 0; i < 10; i++)
        if (now_s - self->rate_second [i] < 10)
            total += self->rate_buckets [i];
    return total / 10.0;
}

static void
s_answer_query (hub_ingest_t *self, hub_slot_t *slot)
{
    Cyclehub__V1__Request *request = slot->request;
    if (!slot->roles) {
        hub_verdict_t verdict;
        hub_verdict_set (&verdict, S_CODE (NOT_AUTHORISED), "",
                         "the connection carries no registered agency identity");
        hub_query_reject (slot->request_id, &verdict, &self->reply);
        return;
    }
    switch (request->body_case) {
        case CYCLEHUB__V1__REQUEST__BODY_HISTORY: {
            //  Rarely here (the reader's queue is full): the page to the front
            size_t start = hub_query_history (self->store, self->config, slot->request_id,
                                              request->history, slot->sender, &self->reply);
            if (start) {
                self->reply.size -= start;
                memmove (self->reply.data, self->reply.data + start, self->reply.size);
            }
            break;
        }
        case CYCLEHUB__V1__REQUEST__BODY_COMMISSION:
            hub_query_commission (self->store, slot->request_id, request->commission, &self->reply);
            break;
        case CYCLEHUB__V1__REQUEST__BODY_COMMISSIONS:
            hub_query_commissions (self->store, slot->request_id, request->commissions,
                                   &self->reply);
            break;
        default: {
            hub_query_figures_t figures = {
                .started_ms = self->started_ms,
                .publish_rate = s_rate (self, zclock_time () / 1000, 0),
                .subscribers = self->subscribers? self->subscribers (self->subscribers_arg): 0,
                .last_commit_ms = self->last_commit_ms,
                .latency = &self->latency,
                .batches = self->commits,
                .batch_requests = self->batch_requests
            };
            hub_query_status (self->store, slot->request_id, &figures, &self->reply);
        }
    }
}

//  Hands a history request to the reader thread. Returns 0, or -1 when the
//  reader's queue is full (the caller then answers it here).
static int
s_to_reader (hub_ingest_t *self, hub_slot_t *slot)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, zmq_msg_data (&slot->routing), zmq_msg_size (&slot->routing));
    zmsg_addmem (msg, zmq_msg_data (&slot->body), zmq_msg_size (&slot->body));
    zmsg_addstr (msg, slot->sender);
    zmsg_addstr (msg, slot->socket == self->http? "http": "api");
    zsock_t *pipe = zactor_sock (self->reader);
    zsock_set_sndtimeo (pipe, 0);
    if (zmsg_send (&msg, pipe) != 0) {
        zmsg_destroy (&msg);
        return -1;
    }
    zmq_msg_close (&slot->routing);
    return 0;
}

//  Is the slot's publish acknowledged (stored now, or before: a duplicate)?
//  If so its time in the broker ends now; one rule for single publishes
//  and a batch's members alike.
static bool
s_acked (hub_ingest_t *self, const hub_slot_t *slot, int64_t now)
{
    if (slot->kind != HUB_SLOT_PUBLISH && slot->kind != HUB_SLOT_DUPLICATE)
        return false;
    hub_latency_add (&self->latency, HUB_LATENCY_IN_BROKER,
                     slot->arrived_us? now - slot->arrived_us: 0);
    return true;
}

//  The AckBatch of the batch request in slot `at`: one result per member.
static void
s_ack_batch (hub_ingest_t *self, hub_batch_t *batch, size_t at)
{
    hub_slot_t *head = hub_batch_slot (batch, at);
    int64_t now = hub_latency_now ();
    for (size_t i = 0; i < head->members; i++) {
        hub_slot_t *member = hub_batch_slot (batch, at + 1 + i);
        Cyclehub__V1__PublishResult *result = &self->results [i];
        cyclehub__v1__publish_result__init (result);
        result->msg_id = member->publish && member->publish->msg_id
                       ? member->publish->msg_id: "";
        if (s_acked (self, member, now)) {
            cyclehub__v1__ack__init (&self->acks [i]);
            self->acks [i].seq = member->seq;
            self->acks [i].duplicate = member->kind == HUB_SLOT_DUPLICATE;
            result->result_case = CYCLEHUB__V1__PUBLISH_RESULT__RESULT_ACK;
            result->ack = &self->acks [i];
        }
        else {
            cyclehub__v1__reject__init (&self->rejects [i]);
            self->rejects [i].code = member->verdict.code;
            self->rejects [i].reason = member->verdict.reason;
            self->rejects [i].field = member->verdict.field;
            result->result_case = CYCLEHUB__V1__PUBLISH_RESULT__RESULT_REJECT;
            result->reject = &self->rejects [i];
        }
        self->result_ptrs [i] = result;
    }
    hub_query_ack_batch (head->request_id, self->result_ptrs, head->members, &self->reply);
}

//  Replies to the routed slot `at` of a finished batch.
static void
s_reply (hub_ingest_t *self, hub_batch_t *batch, size_t at)
{
    hub_slot_t *slot = hub_batch_slot (batch, at);
    if (slot->kind == HUB_SLOT_QUERY && slot->roles
    &&  slot->request->body_case == CYCLEHUB__V1__REQUEST__BODY_HISTORY
    &&  s_to_reader (self, slot) == 0)
        return;                     //  the reader thread answers it
    if (slot->kind == HUB_SLOT_BATCH)
        s_ack_batch (self, batch, at);
    else
    if (s_acked (self, slot, hub_latency_now ()))
        hub_query_ack (slot->request_id, slot->seq, slot->kind == HUB_SLOT_DUPLICATE, &self->reply);
    else
    if (slot->kind == HUB_SLOT_QUERY)
        s_answer_query (self, slot);
    else
        hub_query_reject (slot->request_id, &slot->verdict, &self->reply);
    //  Unread reply bytes are counted on the api socket only: an HTTP
    //  connection's thread reads each reply before it sends again
    bool api = slot->socket == self->api;
    if ((!api || hub_outflow_send (self->outflow, zmq_msg_data (&slot->routing),
                                   zmq_msg_size (&slot->routing), self->reply.size))
    &&  zmq_msg_send (&slot->routing, slot->socket, ZMQ_SNDMORE) >= 0)
        zmq_send (slot->socket, self->reply.data, self->reply.size, 0);
    else
        zmq_msg_close (&slot->routing);
}

//  A committed (or failed) batch: replies in arrival order, then events in
//  seq order; the batch is emptied for reuse.
static void
s_finish (hub_ingest_t *self, hub_batch_t *batch, int rc)
{
    if (rc == 0 && hub_batch_accepted (batch)) {
        self->last_seq = hub_batch_last_seq (batch);
        s_rate (self, zclock_time () / 1000, hub_batch_accepted (batch));
        //  The broker's clock, as the events' recorded times are
        int64_t now = zclock_time () + self->config->clock_offset_ms;
        self->last_commit_ms = now > self->last_recorded_ms? now: self->last_recorded_ms;
    }
    int64_t start = hub_latency_now ();
    size_t size = hub_batch_size (batch);
    for (size_t i = 0; i < size; i++) {
        hub_slot_t *slot = hub_batch_slot (batch, i);
        if (slot->member)
            zmq_msg_close (&slot->routing);     //  answered in its batch's AckBatch
        else
        if (slot->routed)
            s_reply (self, batch, i);
    }
    for (size_t i = 0; i < size; i++) {
        hub_slot_t *slot = hub_batch_slot (batch, i);
        if (slot->kind == HUB_SLOT_PUBLISH)
            s_publish (self, slot);
    }
    hub_batch_empty (batch);
    hub_latency_add (&self->latency, HUB_LATENCY_REPLY, hub_latency_now () - start);
}

//  ---------------------------------------------------------------------------
//  Space: a publisher's order across a STORE_FULL or DISK_FULL refusal.
//  A connection refused for space is stopped: its later publishes and
//  erasures are refused with the same code without trying the store, until
//  it sends a status request. So nothing it sent after a refused publish is
//  stored before it has seen the refusal and chosen to re-send (first) or
//  drop it; a smaller publish that would fit is not stored ahead of it.

#define S_STOPPED_MAX 10000             //  a bound on the table (stopped connections)

//  Stops the connections of the batch's publishes refused with code
static void
s_stop (hub_ingest_t *self, hub_batch_t *batch, Cyclehub__V1__RejectCode code)
{
    for (size_t i = 0; i < hub_batch_size (batch); i++) {
        hub_slot_t *slot = hub_batch_slot (batch, i);
        if (!slot->routed || slot->kind != HUB_SLOT_REJECT || slot->verdict.code != code)
            continue;
        if (zhashx_size (self->stopped) >= S_STOPPED_MAX)
            zhashx_purge (self->stopped);
        char key [HUB_OUTFLOW_KEY_MAX];
        hub_outflow_key (zmq_msg_data (&slot->routing), zmq_msg_size (&slot->routing), key);
        zhashx_update (self->stopped, key, (void *) (uintptr_t) code);
    }
}

//  A write from a stopped connection is refused; a status request resumes it
static bool
s_stopped (hub_ingest_t *self, hub_slot_t *slot)
{
    if (zhashx_size (self->stopped) == 0 || !slot->routed)
        return false;
    char key [HUB_OUTFLOW_KEY_MAX];
    hub_outflow_key (zmq_msg_data (&slot->routing), zmq_msg_size (&slot->routing), key);
    if (slot->kind == HUB_SLOT_QUERY
    &&  slot->request->body_case == CYCLEHUB__V1__REQUEST__BODY_STATUS) {
        zhashx_delete (self->stopped, key);
        return false;
    }
    uintptr_t code = (uintptr_t) zhashx_lookup (self->stopped, key);
    if (slot->kind != HUB_SLOT_PUBLISH || !code)
        return false;
    slot->kind = HUB_SLOT_REJECT;
    hub_verdict_set (&slot->verdict, (Cyclehub__V1__RejectCode) code, "",
                     "an earlier publish on this connection was refused for lack of space "
                     "(%s), so this one is refused too, to keep your order: send a status "
                     "request, then re-send the refused ones first (libcyclehub does this)",
                     hub_proto_reject_name ((Cyclehub__V1__RejectCode) code));
    return true;
}

//  Nothing of a failed batch is stored, and the open batch was checked
//  against its effects: every publish both accepted is refused, the states
//  they changed are read again from the store, and seqs restart after the
//  last committed one.
static void
s_fail (hub_ingest_t *self, int rc)
{
    hub_verdict_t verdict;
    if (rc == HUB_STORE_FULL)
        hub_verdict_set (&verdict, S_CODE (STORE_FULL), "",
                         "the store is at its maximum size (--map-max); nothing of this "
                         "request was stored: the operator must raise --map-max, then retry");
    else
    if (rc == HUB_STORE_DISK_FULL)
        hub_verdict_set (&verdict, S_CODE (DISK_FULL), "",
                         "the disk holding the hub's store is full; nothing of this request "
                         "was stored: the operator must free space on it (the broker's log "
                         "gives the free space), then retry");
    else
        hub_verdict_set (&verdict, S_CODE (INTERNAL), "",
                         "the broker could not store the message (%s); retry later",
                         hub_store_strerror (self->store));
    zsys_error ("ingest: commit of %zu events failed: %s", hub_batch_accepted (self->committing),
                hub_store_strerror (self->store));
    hub_batch_fail (self->committing, &verdict, self->states);
    hub_batch_fail (self->open, &verdict, self->states);
    if (rc == HUB_STORE_FULL || rc == HUB_STORE_DISK_FULL) {
        s_stop (self, self->committing, verdict.code);
        s_stop (self, self->open, verdict.code);
    }
    self->next_seq = self->last_seq + 1;
}

//  Hands the open batch on when the writer is free: to the writer if it
//  has events to store, else straight to its replies (nothing to wait for).
static void
s_kick (hub_ingest_t *self)
{
    hub_batch_t *batch = self->open;
    if (self->committing || hub_batch_size (batch) == 0)
        return;
    if (hub_batch_accepted (batch) == 0) {
        s_finish (self, batch, 0);
        return;
    }
    hub_slot_t *first = hub_batch_slot (batch, 0);
    if (first->arrived_us)
        hub_latency_add (&self->latency, HUB_LATENCY_WAIT, hub_latency_now () - first->arrived_us);
    self->commits++;
    self->batch_requests += hub_batch_size (batch);
    hub_batch_close (batch, self->states);
    self->committing = batch;
    self->open = batch == self->batches [0]? self->batches [1]: self->batches [0];
    zsock_send (self->writer, "sp", "COMMIT", batch);
}

//  Checks one received slot of the open batch. *over says whether its
//  connection is past its reply budget: -1 until asked, then 0 or 1, kept
//  by the caller for a PublishBatch's members (they share one connection,
//  and asking took 3% of the instructions per publish).
static void
s_check (hub_ingest_t *self, hub_store_txn_t *snapshot, hub_slot_t *slot, int *over)
{
    if (slot->member)
        s_check_member (self->open, slot);  //  a request's own form was checked on receipt
    if (*slot->verdict.reason == 0 && slot->kind != HUB_SLOT_BATCH) {
        if (*over < 0)
            *over = hub_outflow_over (self->outflow, zmq_msg_data (&slot->routing),
                                      zmq_msg_size (&slot->routing),
                                      hub_outflow_fd (&slot->body), 0);
        if (*over) {
            slot->kind = HUB_SLOT_REJECT;
            hub_verdict_set (&slot->verdict, S_CODE (OVERLOADED), "",
                             "this connection has over %zu bytes of replies it has not "
                             "read; read them, then send this request again",
                             self->config->reply_budget);
        }
    }
    if (s_stopped (self, slot) || slot->kind != HUB_SLOT_PUBLISH)
        return;
    if (slot->request && slot->request->body_case == CYCLEHUB__V1__REQUEST__BODY_ERASE)
        s_check_erase (self, snapshot, slot);
    else
        s_check_publish (self, snapshot, slot);
}

bool
hub_ingest_has_room (hub_ingest_t *self)
{
    return !hub_batch_full (self->open);
}

zsock_t *
hub_ingest_writer (hub_ingest_t *self)
{
    return zactor_sock (self->writer);
}

#define S_DRAIN_SLOTS 512              //  slots a drain takes, at most, a turn of the loop

//  Receives what waits on socket (api or http) into the open batch.
static void
s_drain (hub_ingest_t *self, void *socket)
{
    hub_batch_t *batch = self->open;
    size_t first = hub_batch_size (batch);
    int64_t start = hub_latency_now ();
    hub_slot_t *slot;
    //  A request's form is checked on receipt, so that a PublishBatch's
    //  envelopes can take the slots right after it. At most S_DRAIN_SLOTS
    //  a turn of the loop: a finished commit is then answered, and the
    //  writer given the next batch, without waiting for a long check
    while (hub_batch_size (batch) - first < S_DRAIN_SLOTS
       &&  (slot = hub_batch_free_slot (batch)) && s_receive (self, socket, slot)) {
        if (*slot->verdict.reason == 0)
            s_check_request (self, slot);
        hub_batch_add (batch);
        if (slot->kind == HUB_SLOT_BATCH)
            s_expand (batch, slot);
    }
    if (hub_batch_size (batch) > first) {
        int64_t received = hub_latency_now ();
        hub_latency_add (&self->latency, HUB_LATENCY_RECEIVE, received - start);
        hub_store_txn_t *snapshot = NULL;
        if (hub_store_read_begin (self->store, &snapshot))
            snapshot = NULL;        //  each lookup then takes its own
        int over = -1;
        for (size_t i = first; i < hub_batch_size (batch); i++) {
            hub_slot_t *received = hub_batch_slot (batch, i);
            if (!received->member)
                over = -1;          //  another connection's, or another request's
            s_check (self, snapshot, received, &over);
        }
        //  Snapshots stay short: the writer must wait for them to end
        //  before it can grow the map
        hub_store_read_end (&snapshot);
        hub_latency_add (&self->latency, HUB_LATENCY_CHECK, hub_latency_now () - received);
    }
    s_kick (self);
}

void
hub_ingest_drain (hub_ingest_t *self)
{
    s_drain (self, self->api);
}

//  HTTP front end (issue 13)
void
hub_ingest_set_subscribers (hub_ingest_t *self, hub_ingest_count_fn *fn, void *arg)
{
    self->subscribers = fn;
    self->subscribers_arg = arg;
}

void
hub_ingest_set_http (hub_ingest_t *self, zsock_t *http)
{
    self->http = http? zsock_resolve (http): NULL;
}

void
hub_ingest_drain_http (hub_ingest_t *self)
{
    if (self->http)
        s_drain (self, self->http);
}

void
hub_ingest_committed (hub_ingest_t *self)
{
    int rc = -1;
    if (zsock_recv (self->writer, "i", &rc) != 0 || !self->committing)
        return;
    int64_t commit_us, sync_us, done_at;
    hub_batch_commit_times (self->committing, &commit_us, &sync_us, &done_at);
    hub_latency_add (&self->latency, HUB_LATENCY_COMMIT, commit_us);
    hub_latency_add (&self->latency, HUB_LATENCY_SYNC, sync_us);
    hub_latency_add (&self->latency, HUB_LATENCY_HANDOVER, hub_latency_now () - done_at);
    hub_log_debug ("ingest: committed requests=%zu events=%zu rc=%d open=%zu",
                   hub_batch_size (self->committing), hub_batch_accepted (self->committing),
                   rc, hub_batch_size (self->open));
    hub_batch_t *batch = self->committing;
    if (rc != 0)
        s_fail (self, rc);              //  refuses the open batch's publishes too
    self->committing = NULL;
    //  An open batch with publishes goes to the writer before this one is
    //  answered, so that its commit overlaps these replies and events (the
    //  writer waited for them before); this batch, emptied by s_finish, is
    //  then the open one. One without publishes (after a failed commit,
    //  every one) is answered by s_kick: after this one, as its requests
    //  came after
    bool overlap = hub_batch_accepted (self->open) > 0;
    if (overlap)
        s_kick (self);
    s_finish (self, batch, rc);
    if (!overlap)
        s_kick (self);
}

zsock_t *
hub_ingest_reader (hub_ingest_t *self)
{
    return zactor_sock (self->reader);
}

void
hub_ingest_forward (hub_ingest_t *self)
{
    zmsg_t *msg = zmsg_recv (self->reader);
    if (!msg)
        return;
    zframe_t *routing = zmsg_first (msg);
    zframe_t *reply = zmsg_next (msg);
    zframe_t *source = zmsg_next (msg);
    void *socket = source && zframe_streq (source, "http") && self->http? self->http: self->api;
    if (!routing || !reply) {
        zmsg_destroy (&msg);
        return;
    }
    //  A page that would take an api connection past what it may leave
    //  unread: the refusal instead, which the client can match to its
    //  request (dropping it would leave a client that reads waiting)
    if (socket == self->api
    &&  hub_outflow_over (self->outflow, zframe_data (routing), zframe_size (routing), -1,
                          zframe_size (reply))) {
        hub_verdict_t verdict;
        hub_verdict_set (&verdict, S_CODE (OVERLOADED), "",
                         "this page would leave this connection over %zu bytes of replies "
                         "it has not read; read them, then ask for this page again",
                         self->config->reply_budget);
        hub_query_reject (hub_wire_request_id (zframe_data (reply), zframe_size (reply)),
                          &verdict, &self->reply);
        zframe_reset (reply, self->reply.data, self->reply.size);
    }
    //  The frame itself goes on, not a copy: ZeroMQ takes its buffer over
    zmsg_remove (msg, reply);
    if ((socket != self->api
         || hub_outflow_send (self->outflow, zframe_data (routing), zframe_size (routing),
                              zframe_size (reply)))
    &&  zmq_send (socket, zframe_data (routing), zframe_size (routing), ZMQ_SNDMORE) >= 0)
        zframe_send (&reply, socket, 0);
    zframe_destroy (&reply);            //  unless sent
    zmsg_destroy (&msg);
}

void
hub_ingest_flush (hub_ingest_t *self)
{
    while (self->committing || hub_batch_size (self->open)) {
        if (self->committing)
            hub_ingest_committed (self);
        else
            s_kick (self);
    }
}

//  The sweep's erasures join the open batch like received requests: hub_erase.c
//  prepares them from one read snapshot, then each is accepted in turn.
void
hub_ingest_sweep (hub_ingest_t *self)
{
    if (!hub_ingest_has_room (self))
        return;
    hub_store_txn_t *snapshot;
    if (hub_store_read_begin (self->store, &snapshot))
        return;
    hub_batch_t *batch = self->open;
    size_t first = hub_batch_size (batch);
    int64_t now = s_now (self);
    size_t queued = hub_erase_sweep (self->store, snapshot, batch, self->committing, now,
                                     &self->sweep_from);
    for (size_t i = first; i < hub_batch_size (batch); i++)
        s_accept_erasure (self, snapshot, hub_batch_slot (batch, i), now);
    hub_store_read_end (&snapshot);
    if (queued)
        zsys_info ("ingest: retention sweep erases %zu responses", queued);
    s_kick (self);
}

void
hub_ingest_heartbeat (hub_ingest_t *self)
{
    Cyclehub__V1__Event beat = CYCLEHUB__V1__EVENT__INIT;
    beat.seq = self->last_seq;
    beat.recorded_at_ms = zclock_time ();
    beat.type = "$heartbeat";
    uint8_t buf [128];
    size_t size = cyclehub__v1__event__pack (&beat, buf);
    zmq_send (self->events, "$heartbeat", 10, ZMQ_SNDMORE);
    zmq_send (self->events, buf, size, 0);
    hub_outflow_sweep (self->outflow);
}

void
hub_ingest_set_events (hub_ingest_t *self, zsock_t *events)
{
    self->events = zsock_resolve (events);
}
