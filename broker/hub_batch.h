/*  hub_batch: one batch of the publish path, the requests drained between
    two commits. It owns one slot per request (buffers reused from batch to
    batch), packs the Events of the slots it accepts, knows which dedupe
    keys and erasure targets those hold, and stores them in one transaction.
    The broker thread owns a batch, except during hub_batch_commit, which
    runs on the writer thread while the broker thread leaves it alone.
*/
#ifndef HUB_BATCH_H
#define HUB_BATCH_H

#include "hub_query.h"
#include "hub_cycle.h"

typedef enum {
    HUB_SLOT_REJECT,               //  reply with slot->verdict
    HUB_SLOT_PUBLISH,              //  accepted: ack with slot->seq after the commit
    HUB_SLOT_DUPLICATE,            //  stored before: ack with slot->seq, duplicate
    HUB_SLOT_QUERY,                //  answered from a read snapshot after the commit
    HUB_SLOT_BATCH                 //  a PublishBatch: its envelopes are the slots after it,
                                   //  answered together in one AckBatch
} hub_slot_kind_t;

//  One request of a batch: a plain record the publish path (hub_ingest.c)
//  and erasure (hub_erase.c) fill in; hub_batch_accept and hub_batch_commit
//  read it. Pointers marked borrowed point into the slot's own frames and
//  buffers and live until hub_batch_empty.
typedef struct {
    bool routed;                        //  from a client (false: the retention sweep)
    zmq_msg_t routing;                  //  the ROUTER's routing id of the sender
    zmq_msg_t body;                     //  the request frame (envelope bytes point into it)
    Cyclehub__V1__Request *request;     //  unpacked, or NULL (always NULL in a member)
    const Cyclehub__V1__Envelope *publish;  //  the envelope to publish: request->publish, or member_env
    Cyclehub__V1__Envelope *member_env; //  a batch member's own unpacked envelope, or NULL
    bool member;                        //  one envelope of the PublishBatch slot before it
    size_t members;                     //  HUB_SLOT_BATCH: its envelopes, the slots after it
    int64_t arrived_us;                 //  hub_latency_now () when received (0: not received)
    uint64_t request_id;                //  echoed in the reply
    hub_slot_kind_t kind;               //  what the reply will be
    hub_verdict_t verdict;              //  why, when kind is HUB_SLOT_REJECT
    char sender [64];                   //  agency org-id from the connection
    char key [48];                      //  its CURVE public key (Z85), "" in PLAIN mode
    unsigned roles;                     //  its roles (hub_access.h)
    void *socket;                       //  the socket it came on, replies go there (api or http)
    bool read_only;                     //  HTTP: a read-only token (no publish, no erase)
    const char *commission_id;          //  of the event (borrowed from the request or audit_ids)
    const char *msg_id;                 //  dedupe key with the sender, or NULL
    const uint8_t *envelope;            //  the raw Envelope bytes (in body, or audit_envelope)
    size_t envelope_size;               //  their length
    uint8_t digest [HUB_STORE_DIGEST_SIZE];  //  of the envelope bytes (hub_batch_digest)
    uint64_t seq;                       //  assigned (HUB_SLOT_PUBLISH) or original (HUB_SLOT_DUPLICATE)
    bool inflight;                      //  HUB_SLOT_DUPLICATE of a publish not yet committed
    int64_t recorded_ms;                //  the event's recorded_at
    Cyclehub__V1__Stage stage;          //  the commission's stage after the event
    const char *type;                   //  type name (static)
    bool personal;                      //  the event holds personal data
    hub_buf_t event;                    //  the packed Event
    uint64_t target_seq;                //  erasure: the event whose bytes are replaced, else 0
    hub_buf_t replacement;              //  erasure: its redacted bytes
    hub_buf_t audit_envelope;           //  erasure: the packed audit Envelope
    char audit_ids [2][80];             //  erasure: its commission id and msg_id
} hub_slot_t;

typedef struct _hub_batch_t hub_batch_t;

typedef struct {
    const char *key;                   //  hub_store_dedupe_key's bytes (borrowed)
    size_t size;                       //  hub_store_dedupe_key_size (with the closing NUL)
    uint64_t hash;                     //  hub_store_dedupe_key_hash
} hub_batch_key_t;

/* A batch of `capacity` slots for requests, plus `spare` slots for the
   envelopes of a PublishBatch received while the batch still had room.
   Returns NULL when out of memory. */
hub_batch_t *
    hub_batch_new (size_t capacity, size_t spare);

void
    hub_batch_destroy (hub_batch_t **self_p);

/* The next free slot, cleared for a new request (its buffers kept), or
   NULL when the batch is full. It joins the batch at hub_batch_add; until
   then the next call returns it again. */
hub_slot_t *
    hub_batch_free_slot (hub_batch_t *self);
void
    hub_batch_add (hub_batch_t *self);

/* The next slot for one envelope of a PublishBatch, cleared as by
   hub_batch_free_slot, past the capacity if need be (from the spare), or
   NULL when even the spare is used up. hub_batch_add adds it. */
hub_slot_t *
    hub_batch_member_slot (hub_batch_t *self);

/* Slots in the batch, and the slot at index (< hub_batch_size). */
size_t
    hub_batch_size (hub_batch_t *self);
hub_slot_t *
    hub_batch_slot (hub_batch_t *self, size_t index);

/* True when no slot is free for a request (the spare does not count). */
bool
    hub_batch_full (hub_batch_t *self);

/* Accepted slots: the events hub_batch_commit will store. */
size_t
    hub_batch_accepted (hub_batch_t *self);

/* Sets slot->digest from slot->envelope: a 128-bit content digest (not
   cryptographic; it tells a retry from a reused msg_id). */
void
    hub_batch_digest (hub_slot_t *slot);

/* True if digest is slot's envelope's digest as brokers before 2026-12
   computed it (two FNV-1a lanes), which stores written by them hold: a
   retry of a message stored then is still a duplicate, not a conflict. */
bool
    hub_batch_digest_legacy_equal (const hub_slot_t *slot, const uint8_t *digest);

/* Accepts a checked slot of this batch as the event `seq` recorded at
   `now`, in the outcome's stage: packs its Event (its fields, then the
   envelope bytes as sent), marks it HUB_SLOT_PUBLISH and remembers its
   commission as changed, its dedupe key (when `key` is not NULL; copied)
   and its erasure target (when slot->target_seq is set). Returns 0, or -1
   with the slot rejected (INTERNAL: out of memory). */
int
    hub_batch_accept (hub_batch_t *self, hub_slot_t *slot, const hub_batch_key_t *key,
                      uint64_t seq, int64_t now, const hub_cycle_outcome_t *outcome);

/* A publish's dedupe key (built by hub_store_dedupe_key, borrowed; len is
   what it returned) with its size and hash, worked out once for its
   lookups in the open and committing batches, in the store, and its
   accept. */
hub_batch_key_t
    hub_batch_key (const char *key, size_t len);

/* The accepted slot holding dedupe key `key`, or NULL if none. */
hub_slot_t *
    hub_batch_find_key (hub_batch_t *self, const hub_batch_key_t *key);

/* The accepted slot erasing the event `target_seq`, or NULL if none. */
hub_slot_t *
    hub_batch_find_erasure (hub_batch_t *self, uint64_t target_seq);

/* The highest seq accepted, or 0 if none. */
uint64_t
    hub_batch_last_seq (hub_batch_t *self);

/* Closes the batch for its commit: encodes the state of each commission it
   changed, as `states` (commission id -> hub_commission_t *) holds it now,
   since later batches change those states while the writer works. A state
   that cannot be encoded is logged and left out (the store then keeps its
   last committed state). */
void
    hub_batch_close (hub_batch_t *self, zhashx_t *states);

/* Writer thread: stores the accepted events (and the replacements of the
   events they erase) and the states encoded by hub_batch_close in one
   transaction. Returns 0 or a hub_store_rc_t. */
int
    hub_batch_commit (hub_batch_t *self, hub_store_t *store);

/* The times of the last hub_batch_commit (hub_latency_now microseconds):
   the whole transaction, its LMDB commit alone, and when it ended. */
void
    hub_batch_commit_times (hub_batch_t *self, int64_t *commit_us, int64_t *sync_us,
                            int64_t *done_at);

/* After a failed commit of this batch or of the one it was checked
   against: each accepted slot and each duplicate of an in-flight publish
   is rejected with `verdict`, the commissions the batch changed are
   dropped from `states` (to be read again from the store), and the batch
   remembers no keys or erasures. */
void
    hub_batch_fail (hub_batch_t *self, const hub_verdict_t *verdict, zhashx_t *states);

/* The allocator its slots' requests and member envelopes are unpacked
   with (protobuf-c's unpack): their memory lives until hub_batch_empty,
   which frees it all at once; never free_unpacked them. */
ProtobufCAllocator *
    hub_batch_allocator (hub_batch_t *self);

/* Empties the batch for reuse: frees each slot's request (and member
   envelope) and closes the body frame of each routed slot. Routing ids are the caller's to send or
   close before. */
void
    hub_batch_empty (hub_batch_t *self);

#endif
