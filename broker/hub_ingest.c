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
    retention sweep) ride the same batches: hub_erase.c.
*/
#include "hub_ingest_priv.h"
#include "hub_wire.h"

//  128-bit content digest of the envelope bytes (two FNV-1a 64 lanes). Not
//  cryptographic: it only tells a retry from a reused msg_id.
void
hub_ingest_digest (const uint8_t *data, size_t size, uint8_t out [HUB_STORE_DIGEST_SIZE])
{
    uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL ^ size;
    for (size_t i = 0; i < size; i++) {
        a = (a ^ data [i]) * 0x100000001b3ULL;
        b = (b ^ data [i] ^ (b >> 29)) * 0x100000001b3ULL;
    }
    memcpy (out, &a, 8);
    memcpy (out + 8, &b, 8);
}

static void
s_commission_free (void **item)
{
    hub_commission_destroy ((hub_commission_t **) item);
}

static void s_writer_actor (zsock_t *pipe, void *args);

static void
s_state_bytes_free (void **item)
{
    s_state_bytes_t *state = *item;
    if (state) {
        free (state->id);
        free (state->data);
        free (state);
        *item = NULL;
    }
}

static int
s_batch_init (hub_batch_t *batch, size_t capacity)
{
    batch->slots = calloc (capacity, sizeof (hub_slot_t));
    batch->touched = zhashx_new ();
    batch->ids = zhashx_new ();
    batch->erased = zhashx_new ();
    batch->states = zlistx_new ();
    if (!batch->slots || !batch->touched || !batch->ids || !batch->erased || !batch->states)
        return -1;
    zlistx_set_destructor (batch->states, s_state_bytes_free);
    return 0;
}

static void
s_batch_fini (hub_batch_t *batch, size_t capacity)
{
    if (batch->slots) {
        for (size_t i = 0; i < capacity; i++) {
            hub_buf_free (&batch->slots [i].event);
            hub_buf_free (&batch->slots [i].replacement);
            hub_buf_free (&batch->slots [i].audit_envelope);
        }
        free (batch->slots);
    }
    zhashx_destroy (&batch->touched);
    zhashx_destroy (&batch->ids);
    zhashx_destroy (&batch->erased);
    zlistx_destroy (&batch->states);
}

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
    if (self->states)
        zhashx_set_destructor (self->states, s_commission_free);
    self->started_ms = zclock_time ();
    self->sweep_from = 1;
    self->open = &self->batches [0];
    if (!self->states
    ||  s_batch_init (&self->batches [0], config->batch_max)
    ||  s_batch_init (&self->batches [1], config->batch_max)
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
    s_batch_fini (&self->batches [0], self->config->batch_max);
    s_batch_fini (&self->batches [1], self->config->batch_max);
    zhashx_destroy (&self->states);
    hub_buf_free (&self->reply);
    free (self);
    *self_p = NULL;
}

void
hub_ingest_slot_reset (hub_slot_t *slot)
{
    slot->routed = false;
    slot->request = NULL;
    slot->request_id = 0;
    slot->kind = HUB_SLOT_REJECT;
    slot->same_as = -1;
    slot->inflight = false;
    slot->personal = false;
    slot->sender [0] = 0;
    slot->key [0] = 0;
    slot->roles = 0;
    slot->commission_id = NULL;
    slot->msg_id = NULL;
    slot->target_seq = 0;
    hub_verdict_clear (&slot->verdict);
}

//  Receives one request into slot; returns false when nothing is waiting.
static bool
s_receive (hub_ingest_t *self, hub_slot_t *slot)
{
    zmq_msg_init (&slot->routing);
    if (zmq_msg_recv (&slot->routing, self->api, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&slot->routing);
        return false;
    }
    hub_ingest_slot_reset (slot);
    slot->routed = true;
    zmq_msg_init (&slot->body);
    if (!zmq_msg_more (&slot->routing)
    ||  zmq_msg_recv (&slot->body, self->api, 0) < 0) {
        hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "",
                         "a request is exactly one frame holding a packed Request");
        return true;
    }
    //  Any frame past the first makes the request malformed; drain them
    if (zmq_msg_more (&slot->body)) {
        zmq_msg_t extra;
        zmq_msg_init (&extra);
        while (zmq_msg_recv (&extra, self->api, 0) >= 0 && zmq_msg_more (&extra))
            ;
        zmq_msg_close (&extra);
        hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "",
                         "a request is exactly one frame holding a packed Request; "
                         "this one had several");
        return true;
    }
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
            hub_verdict_set (&slot->verdict, S_CODE (NOT_AUTHORISED), "",
                             "the key of this connection is no longer registered for %s; "
                             "ask the hub operator to register the agency's new key", slot->sender);
        }
    }
    return true;
}

//  Checks the shape of one request: size, unpack, unknown fields, UTF-8.
static void
s_check_request (hub_ingest_t *self, hub_slot_t *slot)
{
    size_t size = zmq_msg_size (&slot->body);
    const uint8_t *data = zmq_msg_data (&slot->body);
    if (size == 0) {
        hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "",
                         "the request frame is empty; send a packed cyclehub.v1.Request");
        return;
    }
    if (size > self->config->request_max) {
        hub_verdict_set (&slot->verdict, S_CODE (TOO_LARGE), "",
                         "the request is %zu bytes; the limit is %zu", size, self->config->request_max);
        return;
    }
    slot->request = cyclehub__v1__request__unpack (NULL, size, data);
    if (!slot->request) {
        hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), "",
                         "the frame is not a cyclehub.v1.Request protobuf");
        return;
    }
    slot->request_id = slot->request->request_id;
    //  The bytes hold exactly what the schema declares, strings are UTF-8
    //  with no NUL: checked on the bytes, before anything reads a C string
    hub_wire_fault_t wire;
    if (hub_wire_check_request (data, size, &wire)) {
        hub_verdict_set (&slot->verdict, wire.code, wire.field, "%s", wire.reason);
        return;
    }
    char path [128];
    hub_check_t check = hub_proto_check (&slot->request->base, path, sizeof path);
    //  Field paths of a publish start at the envelope, as the field checks' do
    if (strncmp (path, "publish.", 8) == 0)
        memmove (path, path + 8, strlen (path + 8) + 1);
    switch (check) {
        case HUB_CHECK_OK:
            break;
        case HUB_CHECK_UNKNOWN_FIELD:
            hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), path,
                             "field %s is not in the cyclehub.v1 schema; upgrade the client "
                             "or drop the field", path);
            return;
        case HUB_CHECK_BAD_UTF8:
            hub_verdict_set (&slot->verdict, S_CODE (MALFORMED), path,
                             "field %s is not valid UTF-8", path);
            return;
        case HUB_CHECK_TOO_LARGE:
            hub_verdict_set (&slot->verdict, S_CODE (TOO_LARGE), path,
                             "field %s is over its limit (%d bytes per string, %d elements per list)",
                             path, HUB_PROTO_MAX_STRING, HUB_PROTO_MAX_REPEATED);
            return;
        case HUB_CHECK_UNKNOWN_ENUM:
            hub_verdict_set (&slot->verdict, S_CODE (INVALID_VALUE), path,
                             "field %s holds an enum value the schema does not define", path);
            return;
    }
    if (slot->request->body_case == CYCLEHUB__V1__REQUEST__BODY__NOT_SET) {
        hub_verdict_set (&slot->verdict, S_CODE (UNKNOWN_TYPE), "",
                         "the request has no body: set publish, history, commission, status or erase");
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
    else
        slot->kind = HUB_SLOT_PUBLISH;     //  s_check_publish decides
}

//  The commission's state as of this point in the batch, loaded into the
//  cache from the store on first use. NULL if there is no such commission.
hub_commission_t *
hub_ingest_state (hub_ingest_t *self, hub_store_txn_t *snapshot, const char *commission_id)
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

int64_t
hub_ingest_now (hub_ingest_t *self)
{
    int64_t now = zclock_time ();
    return now < self->last_recorded_ms? self->last_recorded_ms: now;
}

//  Assigns the next seq to an accepted slot and builds its Event: the
//  event's own fields packed, then the envelope bytes appended as field 7
//  (protobuf-c packs fields in number order, so the result is what packing
//  the whole Event would give). Returns 0, or -1 (slot rejected) on OOM.
int
hub_ingest_build_event (hub_ingest_t *self, hub_slot_t *slot, hub_commission_t *state,
               const hub_cycle_outcome_t *outcome, int64_t now)
{
    Cyclehub__V1__Event event = CYCLEHUB__V1__EVENT__INIT;
    Cyclehub__V1__StageChange change = CYCLEHUB__V1__STAGE_CHANGE__INIT;
    event.seq = self->next_seq;
    event.recorded_at_ms = now;
    event.sender = slot->sender;
    event.stage = outcome->to;
    event.type = (char *) slot->type;
    if (outcome->changed) {
        change.from = outcome->from;
        change.to = outcome->to;
        event.change = &change;
    }
    size_t head = cyclehub__v1__event__get_packed_size (&event);
    slot->event.size = 0;
    if (hub_buf_reserve (&slot->event, head + 11 + slot->envelope_size)) {
        slot->kind = HUB_SLOT_REJECT;
        return hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                                "the broker is out of memory; retry later");
    }
    uint8_t *out = slot->event.data;
    size_t at = cyclehub__v1__event__pack (&event, out);
    out [at++] = (7 << 3) | 2;
    at += hub_proto_varint (out + at, slot->envelope_size);
    memcpy (out + at, slot->envelope, slot->envelope_size);
    slot->event.size = at + slot->envelope_size;

    slot->kind = HUB_SLOT_PUBLISH;
    slot->seq = self->next_seq++;
    slot->recorded_ms = now;
    slot->stage = outcome->to;
    self->last_recorded_ms = now;
    hub_commission_set_last_seq (state, slot->seq, now);
    zhashx_insert (self->open->touched, slot->commission_id, (void *) 1);
    self->open->accepted++;
    return 0;
}

//  Checks a publish against the schema rules, dedupe, the access rules and
//  the state machine, and on success assigns its seq and builds its Event.
static void
s_check_publish (hub_ingest_t *self, hub_store_txn_t *snapshot, size_t index)
{
    hub_slot_t *slot = &self->open->slots [index];
    const Cyclehub__V1__Envelope *env = slot->request->publish;
    slot->kind = HUB_SLOT_REJECT;
    if (!slot->roles) {
        hub_verdict_set (&slot->verdict, S_CODE (NOT_AUTHORISED), "",
                         "the connection carries no registered agency identity");
        return;
    }
    if (hub_validate_envelope (env, &slot->verdict))
        return;
    slot->commission_id = env->commission_id;
    slot->msg_id = env->msg_id;
    slot->type = hub_proto_type_name (env->body_case);

    //  Dedupe: the same (agency, msg_id) earlier in this batch, or stored
    hub_ingest_digest (slot->envelope, slot->envelope_size, slot->digest);
    //  The dedupe key "agency\x1fmsg_id" (both bounded: 64 and 128 bytes)
    char key [200];
    size_t sender_len = strlen (slot->sender), id_len = strlen (env->msg_id);
    memcpy (key, slot->sender, sender_len);
    key [sender_len] = '\x1f';
    memcpy (key + sender_len + 1, env->msg_id, id_len + 1);
    size_t earlier = (size_t) (uintptr_t) zhashx_lookup (self->open->ids, key);
    size_t committing = self->committing
        ? (size_t) (uintptr_t) zhashx_lookup (self->committing->ids, key): 0;
    uint64_t stored_seq = 0;
    uint8_t stored_digest [HUB_STORE_DIGEST_SIZE];
    if (earlier || committing) {
        hub_slot_t *first = earlier? &self->open->slots [earlier - 1]
                                 : &self->committing->slots [committing - 1];
        memcpy (stored_digest, first->digest, sizeof stored_digest);
        stored_seq = first->seq;
        slot->same_as = earlier? (int) earlier - 1: -1;
        slot->inflight = true;
    }
    else
    if (hub_store_dedupe_get (self->store, snapshot, slot->sender, env->msg_id,
                              &stored_seq, stored_digest) != 0)
        stored_seq = 0;
    if (stored_seq) {
        if (memcmp (stored_digest, slot->digest, sizeof stored_digest) != 0) {
            slot->same_as = -1;
            slot->inflight = false;
            hub_verdict_set (&slot->verdict, S_CODE (DUPLICATE_CONFLICT), "msg_id",
                             "msg_id %s was already used by %s for different content "
                             "(seq %" PRIu64 "); use a new msg_id for a new message",
                             env->msg_id, slot->sender, stored_seq);
            return;
        }
        slot->kind = HUB_SLOT_DUPLICATE;
        slot->seq = stored_seq;
        return;
    }

    //  Access, then the state machine, against the state as changed
    //  earlier in the batch
    hub_commission_t *state = hub_ingest_state (self, snapshot, env->commission_id);
    if (hub_access_check (state, env, slot->sender, slot->roles, &slot->verdict))
        return;
    hub_commission_t *before = state;
    int64_t now = hub_ingest_now (self);
    hub_cycle_outcome_t outcome;
    if (hub_cycle_apply (&state, env, slot->sender, now, &outcome, &slot->verdict))
        return;
    if (state != before)
        zhashx_update (self->states, env->commission_id, state);
    slot->personal = (size_t) env->body_case < sizeof self->may_be_personal
                  && self->may_be_personal [env->body_case]
                  && hub_proto_has_personal (&env->base);
    if (hub_ingest_build_event (self, slot, state, &outcome, now) == 0)
        zhashx_insert (self->open->ids, key, (void *) (uintptr_t) (index + 1));
}

//  ---------------------------------------------------------------------------
//  The writer thread: commits one batch at a time

//  Writes a batch's accepted events, replacements and states in one
//  transaction. Returns 0 or a hub_store_rc_t. Runs in the writer thread;
//  the batch is not touched by the broker thread meanwhile.
static int
s_commit (hub_store_t *store, hub_batch_t *batch)
{
    hub_store_batch_t *txn;
    int rc = hub_store_batch_begin (store, &txn);
    if (rc)
        return rc;
    for (size_t i = 0; i < batch->nslots && rc == 0; i++) {
        hub_slot_t *slot = &batch->slots [i];
        if (slot->kind != HUB_SLOT_PUBLISH)
            continue;
        if (slot->target_seq)
            rc = hub_store_batch_replace (txn, slot->target_seq,
                                          slot->replacement.data, slot->replacement.size);
        hub_store_event_t event = {
            .seq = slot->seq,
            .recorded_at_ms = slot->recorded_ms,
            .commission_id = slot->commission_id,
            .agency = slot->sender,
            .type = slot->type,
            .stage = slot->stage,
            .msg_id = slot->msg_id,
            .data = slot->event.data,
            .size = slot->event.size
        };
        memcpy (event.digest, slot->digest, sizeof event.digest);
        if (rc == 0)
            rc = hub_store_batch_append (txn, &event);
    }
    for (s_state_bytes_t *state = zlistx_first (batch->states); state && rc == 0;
         state = zlistx_next (batch->states))
        rc = hub_store_batch_put_commission (txn, state->id, state->data, state->size);
    if (rc == 0)
        rc = hub_store_batch_commit (&txn);
    else
        hub_store_batch_abort (&txn);
    return rc;
}

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
        if (!term) {
            hub_batch_t *work = batch;
            work->rc = s_commit (store, work);
            zsock_send (pipe, "i", work->rc);
        }
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
    if (hub_proto_topic (topic, sizeof topic, slot->stage, slot->commission_id, slot->type) < 0)
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
    zmq_send (self->events, topic, strlen (topic), ZMQ_SNDMORE);
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
        case CYCLEHUB__V1__REQUEST__BODY_HISTORY:
            hub_query_history (self->store, self->config, slot->request_id,
                               request->history, slot->sender, &self->reply);
            break;
        case CYCLEHUB__V1__REQUEST__BODY_COMMISSION:
            hub_query_commission (self->store, slot->request_id, request->commission, &self->reply);
            break;
        default: {
            hub_query_figures_t figures = {
                .started_ms = self->started_ms,
                .publish_rate = s_rate (self, zclock_time () / 1000, 0)
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
    zsock_t *pipe = zactor_sock (self->reader);
    zsock_set_sndtimeo (pipe, 0);
    if (zmsg_send (&msg, pipe) != 0) {
        zmsg_destroy (&msg);
        return -1;
    }
    zmq_msg_close (&slot->routing);
    return 0;
}

//  A committed (or failed) batch: replies in arrival order, then events in
//  seq order; the batch is emptied for reuse.
static void
s_finish (hub_ingest_t *self, hub_batch_t *batch, int rc)
{
    if (rc == 0 && batch->accepted) {
        //  The last HUB_SLOT_PUBLISH of the batch holds its highest seq
        for (size_t i = batch->nslots; i-- > 0; )
            if (batch->slots [i].kind == HUB_SLOT_PUBLISH) {
                self->last_seq = batch->slots [i].seq;
                break;
            }
        s_rate (self, zclock_time () / 1000, batch->accepted);
    }
    for (size_t i = 0; i < batch->nslots; i++) {
        hub_slot_t *slot = &batch->slots [i];
        if (!slot->routed)
            continue;
        if (slot->kind == HUB_SLOT_QUERY && slot->roles
        &&  slot->request->body_case == CYCLEHUB__V1__REQUEST__BODY_HISTORY
        &&  s_to_reader (self, slot) == 0)
            continue;               //  the reader thread answers it
        if (slot->kind == HUB_SLOT_PUBLISH || slot->kind == HUB_SLOT_DUPLICATE)
            hub_query_ack (slot->request_id, slot->seq, slot->kind == HUB_SLOT_DUPLICATE, &self->reply);
        else
        if (slot->kind == HUB_SLOT_QUERY)
            s_answer_query (self, slot);
        else
            hub_query_reject (slot->request_id, &slot->verdict, &self->reply);
        if (zmq_msg_send (&slot->routing, self->api, ZMQ_SNDMORE) >= 0)
            zmq_send (self->api, self->reply.data, self->reply.size, 0);
        else
            zmq_msg_close (&slot->routing);
    }
    for (size_t i = 0; i < batch->nslots; i++) {
        hub_slot_t *slot = &batch->slots [i];
        if (slot->kind == HUB_SLOT_PUBLISH)
            s_publish (self, slot);
        if (slot->request)
            cyclehub__v1__request__free_unpacked (slot->request, NULL);
        slot->request = NULL;
        if (slot->routed)
            zmq_msg_close (&slot->body);
    }
    batch->nslots = 0;
    batch->accepted = 0;
    zhashx_purge (batch->touched);
    zhashx_purge (batch->ids);
    zhashx_purge (batch->erased);
    zlistx_purge (batch->states);
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
                         "the store is at its maximum size; the operator must make room "
                         "(raise --map-max or free disk), then retry");
    else
        hub_verdict_set (&verdict, S_CODE (INTERNAL), "",
                         "the broker could not store the message (%s); retry later",
                         hub_store_strerror (self->store));
    zsys_error ("ingest: commit of %zu events failed: %s", self->committing->accepted,
                hub_store_strerror (self->store));
    hub_batch_t *batches [2] = { self->committing, self->open };
    for (int b = 0; b < 2; b++) {
        hub_batch_t *batch = batches [b];
        for (size_t i = 0; i < batch->nslots; i++) {
            hub_slot_t *slot = &batch->slots [i];
            if (slot->kind == HUB_SLOT_PUBLISH || (slot->kind == HUB_SLOT_DUPLICATE && slot->inflight)) {
                slot->kind = HUB_SLOT_REJECT;
                slot->verdict = verdict;
            }
        }
        for (void *item = zhashx_first (batch->touched); item; item = zhashx_next (batch->touched))
            zhashx_delete (self->states, zhashx_cursor (batch->touched));
        batch->accepted = 0;
        zhashx_purge (batch->touched);
        zhashx_purge (batch->ids);
        zhashx_purge (batch->erased);
    }
    self->next_seq = self->last_seq + 1;
}

//  Hands the open batch on when the writer is free: to the writer if it
//  has events to store, else straight to its replies (nothing to wait for).
void
hub_ingest_kick (hub_ingest_t *self)
{
    hub_batch_t *batch = self->open;
    if (self->committing || batch->nslots == 0)
        return;
    if (batch->accepted == 0) {
        s_finish (self, batch, 0);
        return;
    }
    //  The states as this batch leaves them: later batches change the
    //  cached states while the writer works
    for (void *item = zhashx_first (batch->touched); item; item = zhashx_next (batch->touched)) {
        const char *id = zhashx_cursor (batch->touched);
        hub_commission_t *state = zhashx_lookup (self->states, id);
        s_state_bytes_t *bytes = calloc (1, sizeof *bytes);
        if (!bytes || !state || hub_commission_encode (state, &bytes->data, &bytes->size)
        ||  !(bytes->id = strdup (id))) {
            void *item_p = bytes;
            s_state_bytes_free (&item_p);
            zsys_error ("ingest: cannot encode the state of %s", id);
            continue;       //  the store keeps the last committed state
        }
        zlistx_add_end (batch->states, bytes);
    }
    self->committing = batch;
    self->open = batch == &self->batches [0]? &self->batches [1]: &self->batches [0];
    zsock_send (self->writer, "sp", "COMMIT", batch);
}

//  Checks one received slot of the open batch.
static void
s_check (hub_ingest_t *self, hub_store_txn_t *snapshot, size_t index)
{
    hub_slot_t *slot = &self->open->slots [index];
    if (*slot->verdict.reason == 0)
        s_check_request (self, slot);
    if (slot->kind != HUB_SLOT_PUBLISH)
        return;
    if (slot->request->body_case == CYCLEHUB__V1__REQUEST__BODY_ERASE)
        hub_ingest_check_erase (self, snapshot, slot);
    else
        s_check_publish (self, snapshot, index);
}

bool
hub_ingest_has_room (hub_ingest_t *self)
{
    return self->open->nslots < self->config->batch_max;
}

zsock_t *
hub_ingest_writer (hub_ingest_t *self)
{
    return zactor_sock (self->writer);
}

void
hub_ingest_drain (hub_ingest_t *self)
{
    hub_batch_t *batch = self->open;
    size_t first = batch->nslots;
    while (batch->nslots < self->config->batch_max
        && s_receive (self, &batch->slots [batch->nslots]))
        batch->nslots++;
    if (batch->nslots > first) {
        hub_store_txn_t *snapshot = NULL;
        if (hub_store_read_begin (self->store, &snapshot))
            snapshot = NULL;        //  each lookup then takes its own
        for (size_t i = first; i < batch->nslots; i++)
            s_check (self, snapshot, i);
        //  Snapshots stay short: the writer must wait for them to end
        //  before it can grow the map
        hub_store_read_end (&snapshot);
    }
    hub_ingest_kick (self);
}

void
hub_ingest_committed (hub_ingest_t *self)
{
    int rc = -1;
    if (zsock_recv (self->writer, "i", &rc) != 0 || !self->committing)
        return;
    if (self->config->verbose)
        zsys_debug ("ingest: committed requests=%zu events=%zu rc=%d open=%zu",
                    self->committing->nslots, self->committing->accepted, rc, self->open->nslots);
    if (rc != 0)
        s_fail (self, rc);
    hub_batch_t *batch = self->committing;
    self->committing = NULL;
    s_finish (self, batch, rc);
    hub_ingest_kick (self);
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
    if (routing && reply
    &&  zmq_send (self->api, zframe_data (routing), zframe_size (routing), ZMQ_SNDMORE) >= 0)
        zmq_send (self->api, zframe_data (reply), zframe_size (reply), 0);
    zmsg_destroy (&msg);
}

void
hub_ingest_flush (hub_ingest_t *self)
{
    while (self->committing || self->open->nslots) {
        if (self->committing)
            hub_ingest_committed (self);
        else
            hub_ingest_kick (self);
    }
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
}
