/*  hub_erase: the erasure of a consultation response's personal data, on
    its owner's request or by the retention sweep. Both ride the publish
    path's batches: the redacted event replaces the stored one and an
    erasure.recorded audit event is appended in the same transaction.
*/
#include "hub_erase.h"
#include "hub_erasure.h"
#include "hub_proto.h"

#define S_CODE(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name

//  ---------------------------------------------------------------------------
//  Finding stored events

typedef struct {
    uint64_t target_seq;                //  wanted audit target
    uint64_t seq;                       //  found, or 0
} s_find_t;

static int
s_find_visit (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_find_t *find = arg;
    Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, size, data);
    bool match = event && event->envelope
        && event->envelope->body_case == CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED
        && event->envelope->erasure_recorded->target_seq == find->target_seq;
    if (event)
        cyclehub__v1__event__free_unpacked (event, NULL);
    if (!match)
        return 0;
    find->seq = seq;
    return 1;
}

//  Scans a commission's events of one type for find's match; 0 if found.
static int
s_scan (hub_store_t *store, hub_store_txn_t *snapshot, const char *commission_id,
        const char *type, s_find_t *find)
{
    hub_store_filter_t filter = { .commission_id = commission_id, .type = type };
    uint64_t from = 1;
    bool end = false;
    find->seq = 0;
    while (!end && !find->seq) {
        if (hub_store_scan (store, snapshot, &filter, from, 1000, 0,
                            s_find_visit, find, &from, &end))
            return -1;
    }
    return find->seq? 0: -1;
}

//  The candidates of an erase request, from the responses index (no event
//  is read): the commission's responses with its response id, in its
//  consultation and from its respondent where it names them. Up to
//  S_CANDIDATES are kept for the refusal's sentence; all are counted.
#define S_CANDIDATES 8

typedef struct {
    hub_erasure_target_t targets [S_CANDIDATES];
    char ids [S_CANDIDATES][2][128];    //  the targets' consultation ids and agencies
    size_t n, total;
} s_candidates_t;

static int
s_candidate (const char *consultation_id, const char *agency, const char *response_id,
             uint64_t seq, void *arg)
{
    (void) response_id;
    s_candidates_t *found = arg;
    if (found->n < S_CANDIDATES) {
        size_t i = found->n++;
        snprintf (found->ids [i][0], sizeof found->ids [i][0], "%s", consultation_id);
        snprintf (found->ids [i][1], sizeof found->ids [i][1], "%s", agency);
        found->targets [i].consultation_id = found->ids [i][0];
        found->targets [i].agency = found->ids [i][1];
        found->targets [i].seq = seq;
    }
    found->total++;
    return 0;
}

//  The one stored response the request names: its seq, and a copy of its
//  bytes. Returns 0, or -1 with the slot's verdict set: no such response,
//  an ambiguous request (hub_erasure_choose), or a store fault.
static int
s_find_response (hub_store_t *store, hub_store_txn_t *snapshot, hub_slot_t *slot,
                 uint64_t *seq, hub_buf_t *bytes)
{
    const Cyclehub__V1__EraseRequest *request = slot->request->erase;
    s_candidates_t found = { .n = 0 };
    int rc = hub_store_response_each (store, snapshot, request->commission_id,
                                      request->consultation_id, request->respondent,
                                      request->response_id, s_candidate, &found);
    if (rc == 0 && hub_erasure_choose (request, found.targets, found.n, found.total,
                                       &slot->verdict))
        return -1;
    void *data = NULL;
    size_t size = 0;
    if (rc == 0)
        rc = hub_store_get (store, snapshot, found.targets [0].seq, &data, &size);
    if (rc == 0 && hub_buf_reserve (bytes, size) == 0) {
        memcpy (bytes->data, data, size);
        bytes->size = size;
        *seq = found.targets [0].seq;
    }
    free (data);
    if (rc == 0 && bytes->size)
        return 0;
    zsys_error ("erase: cannot read the response %s of %s: %s", request->response_id,
                request->commission_id, rc? hub_store_strerror (store): "out of memory");
    return hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                            "the broker could not read the stored response; retry later");
}

//  The seq of the erasure.recorded audit event of `target`; 0 if found.
static int
s_find_audit (hub_store_t *store, hub_store_txn_t *snapshot, const char *commission_id,
              uint64_t target, uint64_t *seq)
{
    s_find_t find = { .target_seq = target };
    if (s_scan (store, snapshot, commission_id, "erasure.recorded", &find))
        return -1;
    *seq = find.seq;
    return 0;
}

//  ---------------------------------------------------------------------------
//  Preparing an erasure

//  Packs the erasure.recorded audit envelope of `response` (stored in
//  commission_id as seq target) into the slot. Returns 0, or -1 on OOM.
static int
s_audit (hub_slot_t *slot, uint64_t target, const char *commission_id,
         const Cyclehub__V1__ResponseSubmitted *response, const char *requester,
         const char *reason, int64_t now)
{
    snprintf (slot->audit_ids [0], sizeof slot->audit_ids [0], "%s", commission_id);
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
    env.sent_at_ms = now;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED;
    env.erasure_recorded = &audit;
    slot->audit_envelope.size = 0;
    if (hub_buf_reserve (&slot->audit_envelope, cyclehub__v1__envelope__get_packed_size (&env)))
        return -1;
    slot->audit_envelope.size = cyclehub__v1__envelope__pack (&env, slot->audit_envelope.data);
    return 0;
}

//  Copies the redacted form of the stored response into slot->replacement.
//  Returns 0, or -1 (the slot rejected) if it cannot be read or copied.
static int
s_replacement (hub_slot_t *slot, uint64_t target, const uint8_t *bytes, size_t size)
{
    uint8_t *redacted;
    size_t redacted_size;
    if (hub_proto_redact_event (bytes, size, &redacted, &redacted_size) < 0) {
        slot->kind = HUB_SLOT_REJECT;
        return hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                                "the stored response %" PRIu64 " cannot be read", target);
    }
    slot->replacement.size = 0;
    int rc = hub_buf_reserve (&slot->replacement, redacted_size);
    if (rc == 0) {
        memcpy (slot->replacement.data, redacted, redacted_size);
        slot->replacement.size = redacted_size;
    }
    free (redacted);
    if (rc) {
        slot->kind = HUB_SLOT_REJECT;
        return hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                                "the broker could not prepare the erasure; retry later");
    }
    return 0;
}

//  Turns slot into the erasure of the stored response `bytes` (seq
//  target), ready to accept: its redacted form will replace it, and an
//  erasure.recorded audit event from `requester` is the slot's envelope.
//  Returns 0, or -1 with the slot rejected.
static int
s_prepare (hub_slot_t *slot, uint64_t target, const uint8_t *bytes, size_t size,
           const char *requester, const char *reason, int64_t now)
{
    Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, size, bytes);
    if (!event || !event->envelope
    ||  event->envelope->body_case != CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED) {
        if (event)
            cyclehub__v1__event__free_unpacked (event, NULL);
        slot->kind = HUB_SLOT_REJECT;
        return hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                                "the stored response %" PRIu64 " cannot be read", target);
    }
    int rc = s_replacement (slot, target, bytes, size);
    if (rc == 0
    &&  s_audit (slot, target, event->envelope->commission_id,
                 event->envelope->response_submitted, requester, reason, now)) {
        slot->kind = HUB_SLOT_REJECT;
        rc = hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                              "the broker is out of memory; retry later");
    }
    cyclehub__v1__event__free_unpacked (event, NULL);
    if (rc)
        return rc;
    slot->envelope = slot->audit_envelope.data;
    slot->envelope_size = slot->audit_envelope.size;
    slot->commission_id = slot->audit_ids [0];
    slot->msg_id = slot->audit_ids [1];
    slot->type = hub_proto_type_name (CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED);
    slot->target_seq = target;
    hub_batch_digest (slot);
    return 0;
}

//  The accepted slot of open or committing that erases target, or NULL.
static hub_slot_t *
s_erasing (hub_batch_t *open, hub_batch_t *committing, uint64_t target)
{
    hub_slot_t *first = hub_batch_find_erasure (open, target);
    if (!first && committing)
        first = hub_batch_find_erasure (committing, target);
    return first;
}

//  Erasing an erased response again is acknowledged as a duplicate of the
//  first erasure (its audit event). True if slot is made such a duplicate.
static bool
s_duplicate (hub_store_t *store, hub_store_txn_t *snapshot, hub_batch_t *open,
             hub_batch_t *committing, hub_slot_t *slot, uint64_t target, const hub_buf_t *bytes)
{
    hub_slot_t *first = s_erasing (open, committing, target);
    if (first) {
        slot->kind = HUB_SLOT_DUPLICATE;
        slot->inflight = true;
        slot->seq = first->seq;
        return true;
    }
    Cyclehub__V1__Event *stored = cyclehub__v1__event__unpack (NULL, bytes->size, bytes->data);
    bool erased = stored && !hub_proto_has_personal (&stored->base);
    if (stored)
        cyclehub__v1__event__free_unpacked (stored, NULL);
    if (!erased)
        return false;
    slot->kind = HUB_SLOT_DUPLICATE;
    uint64_t audit;
    slot->seq = s_find_audit (store, snapshot, slot->request->erase->commission_id,
                              target, &audit) == 0? audit: target;
    return true;
}

int
hub_erase_prepare (hub_store_t *store, hub_store_txn_t *snapshot, hub_batch_t *open,
                   hub_batch_t *committing, hub_slot_t *slot, int64_t now_ms)
{
    const Cyclehub__V1__EraseRequest *request = slot->request->erase;
    slot->kind = HUB_SLOT_REJECT;
    hub_buf_t bytes = { 0 };
    uint64_t target = 0;
    int rc = -1;
    if (s_find_response (store, snapshot, slot, &target, &bytes) == 0
    &&  !s_duplicate (store, snapshot, open, committing, slot, target, &bytes))
        rc = s_prepare (slot, target, bytes.data, bytes.size, slot->sender, request->reason, now_ms);
    hub_buf_free (&bytes);
    return rc;
}

//  ---------------------------------------------------------------------------
//  Retention sweep

typedef struct {
    hub_batch_t *open;                  //  receives the erasures
    hub_batch_t *committing;            //  or NULL
    int64_t now;                        //  retention dates up to now are due
    size_t added;                       //  erasures added to open
} s_sweep_t;

static int
s_sweep_visit (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_sweep_t *sweep = arg;
    if (s_erasing (sweep->open, sweep->committing, seq))
        return 0;           //  being erased already
    Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, size, data);
    bool due = event && event->envelope
        && event->envelope->body_case == CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED
        && hub_erasure_due (event->envelope->response_submitted, sweep->now)
        && hub_proto_has_personal (&event->base);
    if (event)
        cyclehub__v1__event__free_unpacked (event, NULL);
    if (!due)
        return 0;
    hub_slot_t *slot = hub_batch_free_slot (sweep->open);
    if (!slot)
        return 1;
    snprintf (slot->sender, sizeof slot->sender, "%s", HUB_ERASURE_RETENTION_BY);
    if (s_prepare (slot, seq, data, size, HUB_ERASURE_RETENTION_BY,
                   HUB_ERASURE_RETENTION_REASON, sweep->now) == 0) {
        hub_batch_add (sweep->open);
        sweep->added++;
    }
    return hub_batch_full (sweep->open);
}

size_t
hub_erase_sweep (hub_store_t *store, hub_store_txn_t *snapshot, hub_batch_t *open,
                 hub_batch_t *committing, int64_t now_ms, uint64_t *from_seq)
{
    s_sweep_t sweep = { open, committing, now_ms, 0 };
    hub_store_filter_t filter = { .type = "consultation.response" };
    uint64_t next = *from_seq;
    bool end = false;
    if (hub_store_scan (store, snapshot, &filter, *from_seq, 5000, 0,
                        s_sweep_visit, &sweep, &next, &end) == 0)
        *from_seq = end? 1: next;
    return sweep.added;
}
