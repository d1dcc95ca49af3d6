/*  hub_ingest_priv: what the publish path's files share (hub_ingest.c:
    receive, check, commit, reply, publish; hub_erase.c: erasure and the
    retention sweep). Not a public interface: only broker/hub_ingest*.c and
    broker/hub_erase.c include it.
*/
#ifndef HUB_INGEST_PRIV_H
#define HUB_INGEST_PRIV_H

#include "hub_ingest.h"
#include "hub_query.h"
#include "hub_validate.h"
#include "hub_cycle.h"
#include "hub_access.h"
#include "hub_commission.h"
#include "hub_proto.h"
#include "hub_reader.h"

#define S_CODE(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name

typedef enum {
    HUB_SLOT_REJECT,               //  reply with slot->verdict
    HUB_SLOT_PUBLISH,              //  accepted: ack with slot->seq after the commit
    HUB_SLOT_DUPLICATE,            //  stored before: ack with slot->seq, duplicate
    HUB_SLOT_QUERY                 //  answered from a read snapshot after the commit
} hub_slot_kind_t;

typedef struct {
    bool routed;                        //  from a client (false: the retention sweep)
    zmq_msg_t routing;                  //  the ROUTER's routing id of the sender
    zmq_msg_t body;                     //  the request frame (envelope bytes point into it)
    Cyclehub__V1__Request *request;     //  unpacked, or NULL
    uint64_t request_id;                //  echoed in the reply
    hub_slot_kind_t kind;
    hub_verdict_t verdict;              //  why, when kind is HUB_SLOT_REJECT
    char sender [64];                   //  agency org-id from the connection
    char key [48];                      //  its CURVE public key (Z85), "" in PLAIN mode
    unsigned roles;                     //  its roles (hub_access.h)
    const char *commission_id;          //  of the event (borrowed from the request or audit)
    const char *msg_id;                 //  dedupe key with the sender, or NULL
    const uint8_t *envelope;            //  the raw Envelope bytes (in body, or audit_envelope)
    size_t envelope_size;
    uint8_t digest [HUB_STORE_DIGEST_SIZE];
    uint64_t seq;                       //  assigned (HUB_SLOT_PUBLISH) or original (HUB_SLOT_DUPLICATE)
    int same_as;                        //  slot index of an earlier publish in this batch, or -1
    bool inflight;                      //  HUB_SLOT_DUPLICATE of a publish not yet committed
    int64_t recorded_ms;                //  the event's recorded_at
    Cyclehub__V1__Stage stage;          //  the commission's stage after the event
    const char *type;                   //  type name (static)
    bool personal;                      //  the event holds personal data
    hub_buf_t event;                    //  the packed Event (buffers reused across batches)
    uint64_t target_seq;                //  erasure: the event whose bytes are replaced
    hub_buf_t replacement;              //  erasure: its redacted bytes
    hub_buf_t audit_envelope;           //  erasure: the packed audit Envelope
    char audit_ids [3][80];             //  erasure: commission, msg_id, ... for the envelope
} hub_slot_t;

//  One batch: the requests drained between two commits.
typedef struct {
    hub_slot_t *slots;                    //  batch_max slots (buffers reused)
    size_t nslots;                      //  in use
    size_t accepted;                    //  HUB_SLOT_PUBLISH slots: events to store
    zhashx_t *touched;                  //  commission ids changed (values unused)
    zhashx_t *ids;                      //  "agency\x1fmsg_id" -> slot index + 1
    zhashx_t *erased;                   //  target seq (text) -> slot index + 1
    zlistx_t *states;                   //  s_state_bytes_t, encoded when the batch closes
    int rc;                             //  the commit's result
} hub_batch_t;

//  A commission's state as written by a batch.
typedef struct {
    char *id;
    uint8_t *data;
    size_t size;
} s_state_bytes_t;

struct _hub_ingest_t {
    const hub_broker_config_t *config;  //  the actor's copy
    hub_store_t *store;                 //  borrowed
    hub_registry_t *registry;           //  borrowed; NULL in PLAIN mode
    void *api;                          //  raw libzmq handles (borrowed)
    void *events;
    zhashx_t *states;                   //  commission id -> hub_commission_t *, as of every check so far
    hub_batch_t batches [2];
    hub_batch_t *open;                    //  filling
    hub_batch_t *committing;              //  with the writer, or NULL
    zactor_t *writer;                   //  commits one batch at a time
    zactor_t *reader;                   //  builds history pages
    hub_reader_args_t reader_args;
    uint64_t last_seq;                  //  last committed seq
    uint64_t next_seq;                  //  next seq to assign
    int64_t last_recorded_ms;           //  recorded_at is kept non-decreasing
    int64_t started_ms;
    uint64_t sweep_from;                //  where the next retention sweep starts
    uint64_t rate_buckets [10];         //  accepted publishes per second, a ring
    int64_t rate_second [10];
    hub_buf_t reply;                    //  reply scratch
    bool may_be_personal [64];          //  by body case: the schema marks personal data below it
};

/* 128-bit content digest of envelope bytes (not cryptographic: it tells a
   retry from a reused msg_id). */
void
    hub_ingest_digest (const uint8_t *data, size_t size, uint8_t out [HUB_STORE_DIGEST_SIZE]);

/* Clears a slot for a new request (its buffers are kept). */
void
    hub_ingest_slot_reset (hub_slot_t *slot);

/* A commission's state as of this point (every check so far), loaded into
   the cache from the store on first use; NULL if there is none. */
hub_commission_t *
    hub_ingest_state (hub_ingest_t *self, hub_store_txn_t *snapshot, const char *commission_id);

/* Now, kept non-decreasing across events. */
int64_t
    hub_ingest_now (hub_ingest_t *self);

/* Assigns the next seq to an accepted slot of the open batch and builds its
   Event. Returns 0, or -1 with the slot rejected. */
int
    hub_ingest_build_event (hub_ingest_t *self, hub_slot_t *slot, hub_commission_t *state,
                            const hub_cycle_outcome_t *outcome, int64_t now);

/* Hands the open batch on when the writer is free. */
void
    hub_ingest_kick (hub_ingest_t *self);

/* Checks an erase request in the open batch (hub_erase.c). */
void
    hub_ingest_check_erase (hub_ingest_t *self, hub_store_txn_t *snapshot, hub_slot_t *slot);

#endif
