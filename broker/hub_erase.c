/*  hub_erase: the erasure of a consultation response's personal data, on
    its owner's request or by the retention sweep. Both ride the publish
    path's batches: the redacted event replaces the stored one and an
    erasure.recorded audit event is appended in the same transaction.
*/
#include "hub_ingest_priv.h"

typedef struct {
    const char *consultation_id;//  wanted ("" = any)
    const char *response_id;    //  wanted (or NULL: match on target_seq)
    uint64_t target_seq;        //  wanted audit target (erasure.recorded scan)
    uint64_t seq;               //  found
    hub_buf_t bytes;            //  the found event's bytes
} s_find_t;

static int
s_find_response (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_find_t *find = arg;
    Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, size, data);
    bool match = false;
    if (event && event->envelope) {
        const Cyclehub__V1__Envelope *env = event->envelope;
        if (find->response_id)
            match = env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED
                 && streq (env->response_submitted->response_id, find->response_id)
                 && (!*find->consultation_id
                     || streq (env->response_submitted->consultation_id, find->consultation_id));
        else
            match = env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED
                 && env->erasure_recorded->target_seq == find->target_seq;
    }
    if (event)
        cyclehub__v1__event__free_unpacked (event, NULL);
    if (!match)
        return 0;
    find->seq = seq;
    find->bytes.size = 0;
    if (hub_buf_reserve (&find->bytes, size) == 0) {
        memcpy (find->bytes.data, data, size);
        find->bytes.size = size;
    }
    return 1;
}

//  Scans a commission's events of one type for a match; 0 if found.
static int
s_find (hub_ingest_t *self, hub_store_txn_t *snapshot, const char *commission_id,
        const char *type, s_find_t *find)
{
    hub_store_filter_t filter = { .commission_id = commission_id, .type = type };
    uint64_t from = 1;
    bool end = false;
    find->seq = 0;
    while (!end && !find->seq) {
        if (hub_store_scan (self->store, snapshot, &filter, from, 1000, 0,
                            s_find_response, find, &from, &end))
            return -1;
    }
    return find->seq? 0: -1;
}

//  Turns slot into the erasure of the stored event `bytes` (seq target):
//  its redacted form replaces it, and an erasure.recorded audit event from
//  `requester` is appended. Returns 0, or -1 with the slot rejected.
static int
s_erase (hub_ingest_t *self, hub_store_txn_t *snapshot, hub_slot_t *slot, uint64_t target,
         const uint8_t *bytes, size_t size, const char *requester, const char *reason)
{
    uint8_t *redacted;
    size_t redacted_size;
    Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, size, bytes);
    if (!event || !event->envelope
    ||  event->envelope->body_case != CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED
    ||  hub_proto_redact_event (bytes, size, &redacted, &redacted_size) < 0) {
        if (event)
            cyclehub__v1__event__free_unpacked (event, NULL);
        slot->kind = HUB_SLOT_REJECT;
        return hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                                "the stored response %" PRIu64 " cannot be read", target);
    }
    slot->replacement.size = 0;
    if (hub_buf_reserve (&slot->replacement, redacted_size) == 0) {
        memcpy (slot->replacement.data, redacted, redacted_size);
        slot->replacement.size = redacted_size;
    }
    free (redacted);
    hub_commission_t *state = hub_ingest_state (self, snapshot, event->envelope->commission_id);
    if (!state || slot->replacement.size != redacted_size) {
        cyclehub__v1__event__free_unpacked (event, NULL);
        slot->kind = HUB_SLOT_REJECT;
        return hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                                "the broker could not prepare the erasure; retry later");
    }
    const Cyclehub__V1__ResponseSubmitted *response = event->envelope->response_submitted;
    snprintf (slot->audit_ids [0], sizeof slot->audit_ids [0], "%s", event->envelope->commission_id);
    snprintf (slot->audit_ids [1], sizeof slot->audit_ids [1], "erasure:%" PRIu64, target);
    Cyclehub__V1__ErasureRecorded audit = CYCLEHUB__V1__ERASURE_RECORDED__INIT;
    audit.target_seq = target;
    audit.consultation_id = response->consultation_id;
    audit.response_id = response->response_id;
    audit.requested_by = (char *) requester;
    audit.reason = (char *) reason;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = slot->audit_ids [1];
    env.commission_id = slot->audit_ids [0];
    int64_t now = hub_ingest_now (self);
    env.sent_at_ms = now;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED;
    env.erasure_recorded = &audit;
    slot->audit_envelope.size = 0;
    size_t env_size = cyclehub__v1__envelope__get_packed_size (&env);
    int rc = hub_buf_reserve (&slot->audit_envelope, env_size);
    if (rc == 0)
        slot->audit_envelope.size = cyclehub__v1__envelope__pack (&env, slot->audit_envelope.data);
    cyclehub__v1__event__free_unpacked (event, NULL);
    if (rc) {
        slot->kind = HUB_SLOT_REJECT;
        return hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                                "the broker is out of memory; retry later");
    }
    slot->envelope = slot->audit_envelope.data;
    slot->envelope_size = slot->audit_envelope.size;
    slot->commission_id = slot->audit_ids [0];
    slot->msg_id = slot->audit_ids [1];
    slot->type = hub_proto_type_name (CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED);
    slot->target_seq = target;
    hub_ingest_digest (slot->envelope, slot->envelope_size, slot->digest);
    Cyclehub__V1__Stage stage = hub_commission_stage (state);
    hub_cycle_outcome_t outcome = { stage, stage, false };
    char key [32];
    snprintf (key, sizeof key, "%" PRIu64, target);
    zhashx_insert (self->open->erased, key, (void *) (uintptr_t) (slot - self->open->slots + 1));
    return hub_ingest_build_event (self, slot, state, &outcome, now);
}

//  An erase request from a client: only the commission's owner may erase,
//  and erasing an erased response again is acknowledged as a duplicate.
void
hub_ingest_check_erase (hub_ingest_t *self, hub_store_txn_t *snapshot, hub_slot_t *slot)
{
    const Cyclehub__V1__EraseRequest *request = slot->request->erase;
    slot->kind = HUB_SLOT_REJECT;
    if (!hub_validate_ocid (request->commission_id)) {
        hub_verdict_set (&slot->verdict, S_CODE (INVALID_VALUE), "erase.commission_id",
                         "commission_id must be an ocid such as ocds-h6vhtk-056931");
        return;
    }
    if (!hub_validate_local_id (request->response_id)) {
        hub_verdict_set (&slot->verdict, S_CODE (MISSING_FIELD), "erase.response_id",
                         "response_id must name the consultation response to erase");
        return;
    }
    if (*request->consultation_id && !hub_validate_local_id (request->consultation_id)) {
        hub_verdict_set (&slot->verdict, S_CODE (INVALID_VALUE), "erase.consultation_id",
                         "consultation_id must be the id of one of the commission's consultations");
        return;
    }
    if (!*request->reason) {
        hub_verdict_set (&slot->verdict, S_CODE (MISSING_FIELD), "erase.reason",
                         "give the reason for the erasure (it is kept in the audit record)");
        return;
    }
    hub_commission_t *state = hub_ingest_state (self, snapshot, request->commission_id);
    if (!state) {
        hub_verdict_set (&slot->verdict, S_CODE (UNKNOWN_COMMISSION), "erase.commission_id",
                         "there is no commission %s", request->commission_id);
        return;
    }
    if (!slot->roles || !hub_access_sees_personal (state, slot->sender)) {
        hub_verdict_set (&slot->verdict, S_CODE (NOT_AUTHORISED), "",
                         "only the commission's owner (%s) may erase its responses",
                         hub_commission_owner (state));
        return;
    }
    s_find_t find = { .consultation_id = request->consultation_id,
                      .response_id = request->response_id };
    if (s_find (self, snapshot, request->commission_id, "consultation.response", &find)) {
        hub_buf_free (&find.bytes);
        hub_verdict_set (&slot->verdict, S_CODE (INVALID_VALUE), "erase.response_id",
                         "commission %s has no stored response %s", request->commission_id,
                         request->response_id);
        return;
    }
    uint64_t target = find.seq;
    char key [32];
    snprintf (key, sizeof key, "%" PRIu64, target);
    size_t earlier = (size_t) (uintptr_t) zhashx_lookup (self->open->erased, key);
    size_t committing = self->committing
        ? (size_t) (uintptr_t) zhashx_lookup (self->committing->erased, key): 0;
    Cyclehub__V1__Event *stored = cyclehub__v1__event__unpack (NULL, find.bytes.size, find.bytes.data);
    bool erased = stored && !hub_proto_has_personal (&stored->base);
    if (stored)
        cyclehub__v1__event__free_unpacked (stored, NULL);
    if (earlier || committing || erased) {
        //  Idempotent: the audit event of the first erasure is the answer
        slot->kind = HUB_SLOT_DUPLICATE;
        slot->seq = target;
        if (earlier || committing) {
            slot->same_as = earlier? (int) earlier - 1: -1;
            slot->inflight = true;
            slot->seq = earlier? self->open->slots [earlier - 1].seq
                               : self->committing->slots [committing - 1].seq;
        }
        else {
            s_find_t audit = { .consultation_id = "", .target_seq = target };
            if (s_find (self, snapshot, request->commission_id, "erasure.recorded", &audit) == 0)
                slot->seq = audit.seq;
            hub_buf_free (&audit.bytes);
        }
        hub_buf_free (&find.bytes);
        return;
    }
    s_erase (self, snapshot, slot, target, find.bytes.data, find.bytes.size,
             slot->sender, request->reason);
    hub_buf_free (&find.bytes);
}

//  ---------------------------------------------------------------------------
//  Retention sweep

typedef struct {
    hub_ingest_t *self;
    hub_store_txn_t *snapshot;
    int64_t now;
    size_t queued;
} s_sweep_t;

static int
s_sweep_visit (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_sweep_t *sweep = arg;
    hub_ingest_t *self = sweep->self;
    hub_batch_t *batch = self->open;
    char key [32];
    snprintf (key, sizeof key, "%" PRIu64, seq);
    if (zhashx_lookup (batch->erased, key)
    ||  (self->committing && zhashx_lookup (self->committing->erased, key)))
        return 0;           //  being erased already
    Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, size, data);
    bool due = event && event->envelope
        && event->envelope->body_case == CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED
        && event->envelope->response_submitted->retention_until_ms
        && event->envelope->response_submitted->retention_until_ms <= sweep->now
        && hub_proto_has_personal (&event->base);
    if (event)
        cyclehub__v1__event__free_unpacked (event, NULL);
    if (!due)
        return 0;
    hub_slot_t *slot = &batch->slots [batch->nslots];
    hub_ingest_slot_reset (slot);
    snprintf (slot->sender, sizeof slot->sender, "%s", "retention");
    if (s_erase (self, sweep->snapshot, slot, seq, data, size, "retention",
                 "the response's retention date has passed") == 0) {
        batch->nslots++;
        sweep->queued++;
    }
    return batch->nslots == self->config->batch_max;
}

void
hub_ingest_sweep (hub_ingest_t *self)
{
    if (!hub_ingest_has_room (self))
        return;
    s_sweep_t sweep = { self, NULL, zclock_time (), 0 };
    if (hub_store_read_begin (self->store, &sweep.snapshot))
        return;
    hub_store_filter_t filter = { .type = "consultation.response" };
    uint64_t next = self->sweep_from;
    bool end = false;
    if (hub_store_scan (self->store, sweep.snapshot, &filter, self->sweep_from, 5000, 0,
                        s_sweep_visit, &sweep, &next, &end) == 0)
        self->sweep_from = end? 1: next;
    hub_store_read_end (&sweep.snapshot);
    if (sweep.queued)
        zsys_info ("ingest: retention sweep erases %zu responses", sweep.queued);
    hub_ingest_kick (self);
}

