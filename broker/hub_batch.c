/*  hub_batch: the requests drained between two commits, their accepted
    events and the commission states they leave, stored in one transaction.
    The publish path (hub_ingest.c) and erasure (hub_erase.c) fill slots and
    ask the batch about them; neither sees how it keeps track.
*/
#include "hub_batch.h"
#include "hub_commission.h"
#include "hub_proto.h"
#include "hub_latency.h"

#define S_CODE(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name

//  A commission's state as the batch leaves it, encoded when it closes.
typedef struct {
    char *id;                           //  commission id
    uint8_t *data;                      //  hub_commission_encode's bytes
    size_t size;                        //  their length
} s_state_bytes_t;

//  The batch's arena: requests and member envelopes are unpacked into it
//  (hub_batch_allocator) and all freed at once when the batch is emptied:
//  a pointer bumped per field, where malloc and free per field were a
//  tenth of the broker's instructions per publish.
#define S_CHUNK_SIZE (64 * 1024)

//  The dedupe keys of the batch's accepted publishes: open addressing over
//  at least twice as many entries as slots, each key copied into the arena.
//  An entry of an earlier generation is empty, so emptying the batch is one
//  increment. czmq's table allocated an item and a copy of the key for each
//  publish and freed both: a tenth of the instructions that check one.
typedef struct {
    uint64_t hash;
    const char *key;                    //  in the arena
    size_t size;                        //  hub_store_dedupe_key_size
    hub_slot_t *slot;
    uint32_t generation;
} s_key_t;

typedef struct _s_chunk_t {
    struct _s_chunk_t *next;
    size_t size;                        //  bytes in data
    size_t used;                        //  bytes handed out
    max_align_t data [];
} s_chunk_t;

struct _hub_batch_t {
    ProtobufCAllocator arena;           //  allocates from chunks
    s_chunk_t *chunks;                  //  the current chunk first
    hub_slot_t *slots;                  //  capacity slots (buffers reused)
    size_t capacity;                    //  slots for requests
    size_t allocated;                   //  capacity and the spare for batch envelopes
    size_t nslots;                      //  in use
    size_t accepted;                    //  HUB_SLOT_PUBLISH slots: events to store
    zhashx_t *touched;                  //  commission ids changed (values unused)
    const char *last_touched;           //  the id last put in touched, or NULL
    s_key_t *keys;                      //  dedupe key -> accepted slot (s_key_find)
    size_t keys_mask;                   //  entries in keys, less one (a power of two)
    uint32_t generation;                //  of the keys in use (others are empty)
    zhashx_t *erasures;                 //  target seq (text) -> accepted hub_slot_t *
    zlistx_t *states;                   //  s_state_bytes_t, encoded by hub_batch_close
    int64_t commit_us;                  //  the last commit's transaction
    int64_t sync_us;                    //  its LMDB commit
    int64_t done_at;                    //  when it ended
};

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

static void *
s_arena_alloc (void *arg, size_t size)
{
    hub_batch_t *self = arg;
    size = (size + sizeof (max_align_t) - 1) / sizeof (max_align_t) * sizeof (max_align_t);
    s_chunk_t *chunk = self->chunks;
    if (chunk && chunk->size - chunk->used >= size) {
        void *block = (char *) chunk->data + chunk->used;
        chunk->used += size;
        return block;
    }
    //  A large block gets a chunk of its own, behind the current one,
    //  which goes on serving small blocks
    bool large = size > S_CHUNK_SIZE / 4;
    s_chunk_t *fresh = malloc (sizeof *fresh + (large? size: S_CHUNK_SIZE));
    if (!fresh)
        return NULL;
    fresh->size = large? size: S_CHUNK_SIZE;
    fresh->used = size;
    if (large && chunk) {
        fresh->next = chunk->next;
        chunk->next = fresh;
    }
    else {
        fresh->next = chunk;
        self->chunks = fresh;
    }
    return fresh->data;
}

static void
s_arena_free (void *arg, void *block)
{
    (void) arg;                         //  freed with the batch's arena
    (void) block;
}

//  Frees the arena's chunks, keeping one of the usual size for the next
//  batch (none under AddressSanitizer, so that a block used after its
//  batch was emptied is a use after free it reports).
static void
s_arena_reset (hub_batch_t *self, bool keep)
{
#if defined (__SANITIZE_ADDRESS__)
    keep = false;
#endif
    s_chunk_t *kept = NULL;
    for (s_chunk_t *chunk = self->chunks, *next; chunk; chunk = next) {
        next = chunk->next;
        if (keep && !kept && chunk->size == S_CHUNK_SIZE) {
            kept = chunk;
            kept->used = 0;
            kept->next = NULL;
        }
        else
            free (chunk);
    }
    self->chunks = kept;
}

ProtobufCAllocator *
hub_batch_allocator (hub_batch_t *self)
{
    return &self->arena;
}

hub_batch_t *
hub_batch_new (size_t capacity, size_t spare)
{
    hub_batch_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->arena = (ProtobufCAllocator) { s_arena_alloc, s_arena_free, self };
    self->capacity = capacity;
    self->allocated = capacity + spare;
    self->slots = calloc (self->allocated, sizeof (hub_slot_t));
    self->touched = zhashx_new ();
    size_t entries = 16;
    while (entries < 2 * self->allocated)
        entries *= 2;
    self->keys = calloc (entries, sizeof (s_key_t));
    self->keys_mask = entries - 1;
    self->generation = 1;
    self->erasures = zhashx_new ();
    self->states = zlistx_new ();
    if (!self->slots || !self->touched || !self->keys || !self->erasures || !self->states) {
        hub_batch_destroy (&self);
        return NULL;
    }
    zlistx_set_destructor (self->states, s_state_bytes_free);
    return self;
}

void
hub_batch_destroy (hub_batch_t **self_p)
{
    hub_batch_t *self = *self_p;
    if (!self)
        return;
    if (self->slots) {
        for (size_t i = 0; i < self->allocated; i++) {
            hub_buf_free (&self->slots [i].event);
            hub_buf_free (&self->slots [i].replacement);
            hub_buf_free (&self->slots [i].audit_envelope);
        }
        free (self->slots);
    }
    zhashx_destroy (&self->touched);
    free (self->keys);
    zhashx_destroy (&self->erasures);
    zlistx_destroy (&self->states);
    s_arena_reset (self, false);
    free (self);
    *self_p = NULL;
}

static hub_slot_t *
s_clear_slot (hub_batch_t *self)
{
    hub_slot_t *slot = &self->slots [self->nslots];
    slot->routed = false;
    slot->request = NULL;
    slot->publish = NULL;
    slot->member_env = NULL;
    slot->member = false;
    slot->members = 0;
    slot->arrived_us = 0;
    slot->request_id = 0;
    slot->kind = HUB_SLOT_REJECT;
    slot->inflight = false;
    slot->personal = false;
    slot->sender [0] = 0;
    slot->key [0] = 0;
    slot->roles = 0;
    slot->socket = NULL;
    slot->read_only = false;
    slot->commission_id = NULL;
    slot->msg_id = NULL;
    slot->target_seq = 0;
    hub_verdict_clear (&slot->verdict);
    return slot;
}

hub_slot_t *
hub_batch_free_slot (hub_batch_t *self)
{
    return self->nslots < self->capacity? s_clear_slot (self): NULL;
}

hub_slot_t *
hub_batch_member_slot (hub_batch_t *self)
{
    return self->nslots < self->allocated? s_clear_slot (self): NULL;
}

void
hub_batch_add (hub_batch_t *self)
{
    assert (self->nslots < self->allocated);
    self->nslots++;
}

size_t
hub_batch_size (hub_batch_t *self)
{
    return self->nslots;
}

hub_slot_t *
hub_batch_slot (hub_batch_t *self, size_t index)
{
    assert (index < self->nslots);
    return &self->slots [index];
}

bool
hub_batch_full (hub_batch_t *self)
{
    return self->nslots >= self->capacity;
}

size_t
hub_batch_accepted (hub_batch_t *self)
{
    return self->accepted;
}

static inline uint64_t
s_word (const uint8_t *data)
{
    uint64_t word;
    memcpy (&word, data, sizeof word);
    return word;
}

static inline uint64_t
s_rotl (uint64_t x, int bits)
{
    return (x << bits) | (x >> (64 - bits));
}

//  murmur3's 64-bit finaliser: every input bit reaches every output bit
static inline uint64_t
s_avalanche (uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

//  Two lanes over the bytes eight at a time, each its own multiplier, then
//  each finalised with the other. A byte at a time (FNV-1a, the digest
//  before) was a chain of one multiply per byte: a fifth of the api
//  thread's time on a 250-byte publish (docs/performance.md).
void
hub_batch_digest (hub_slot_t *slot)
{
    const uint8_t *data = slot->envelope;
    size_t size = slot->envelope_size;
    uint64_t a = 0x9e3779b97f4a7c15ULL ^ size, b = 0xc2b2ae3d27d4eb4fULL + size;
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t w = s_word (data + i);
        a = s_rotl ((a ^ w) * 0x87c37b91114253d5ULL, 31);
        b = s_rotl ((b + w) * 0x4cf5ad432745937fULL, 27);
    }
    uint64_t tail = 0;
    if (i < size)
        memcpy (&tail, data + i, size - i);
    a = s_avalanche (a ^ tail);
    b = s_avalanche (b + tail + a);
    a = s_avalanche (a + b);
    memcpy (slot->digest, &a, 8);
    memcpy (slot->digest + 8, &b, 8);
}

bool
hub_batch_digest_legacy_equal (const hub_slot_t *slot, const uint8_t *digest)
{
    const uint8_t *data = slot->envelope;
    size_t size = slot->envelope_size;
    uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL ^ size;
    for (size_t i = 0; i < size; i++) {
        a = (a ^ data [i]) * 0x100000001b3ULL;
        b = (b ^ data [i] ^ (b >> 29)) * 0x100000001b3ULL;
    }
    uint8_t legacy [HUB_STORE_DIGEST_SIZE];
    memcpy (legacy, &a, 8);
    memcpy (legacy + 8, &b, 8);
    return memcmp (legacy, digest, sizeof legacy) == 0;
}

//  Packs the slot's Event: its own fields (hub_proto_event_head, as
//  protobuf-c would pack them, without its descriptor-driven walk: a tenth
//  of the check's instructions), then the envelope's bytes as field 7.
//  0, or -1 on OOM.
static int
s_pack_event (hub_slot_t *slot, uint64_t seq, int64_t now, const hub_cycle_outcome_t *outcome)
{
    hub_proto_event_head_t head = {
        .seq = seq, .recorded_at_ms = now, .sender = slot->sender, .stage = outcome->to,
        .changed = outcome->changed, .from = outcome->from, .to = outcome->to,
        .type = slot->type };
    slot->event.size = 0;
    if (hub_buf_reserve (&slot->event, hub_proto_event_head_max (&head) + 11 + slot->envelope_size))
        return -1;
    uint8_t *out = slot->event.data;
    size_t at = hub_proto_event_head (out, &head);
    out [at++] = (7 << 3) | 2;
    at += hub_proto_varint (out + at, slot->envelope_size);
    memcpy (out + at, slot->envelope, slot->envelope_size);
    slot->event.size = at + slot->envelope_size;
    return 0;
}

//  Every key entry empty: a new generation (all are cleared once in 2^32)
static void
s_keys_empty (hub_batch_t *self)
{
    if (++self->generation == 0) {
        memset (self->keys, 0, (self->keys_mask + 1) * sizeof (s_key_t));
        self->generation = 1;
    }
}

hub_batch_key_t
hub_batch_key (const char *key, size_t len)
{
    return (hub_batch_key_t) { key, len + 1, hub_store_dedupe_key_hash (key, len + 1) };
}

//  The entry holding key, or the empty one where it would go
static s_key_t *
s_key_find (hub_batch_t *self, const hub_batch_key_t *key)
{
    for (size_t i = (size_t) key->hash & self->keys_mask; ; i = (i + 1) & self->keys_mask) {
        s_key_t *entry = &self->keys [i];
        if (entry->generation != self->generation
        || (entry->hash == key->hash && entry->size == key->size
            && memcmp (entry->key, key->key, key->size) == 0))
            return entry;
    }
}

//  Adds key (copied) for slot, unless the batch holds it already. 0, or
//  -1 if out of memory.
static int
s_key_add (hub_batch_t *self, const hub_batch_key_t *key, hub_slot_t *slot)
{
    s_key_t *entry = s_key_find (self, key);
    if (entry->generation == self->generation)
        return 0;
    char *copy = s_arena_alloc (self, key->size);
    if (!copy)
        return -1;
    memcpy (copy, key->key, key->size);
    *entry = (s_key_t) { key->hash, copy, key->size, slot, self->generation };
    return 0;
}

int
hub_batch_accept (hub_batch_t *self, hub_slot_t *slot, const hub_batch_key_t *key,
                  uint64_t seq, int64_t now, const hub_cycle_outcome_t *outcome)
{
    if (s_pack_event (slot, seq, now, outcome)) {
        slot->kind = HUB_SLOT_REJECT;
        return hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                                "the broker is out of memory; retry later");
    }
    if (key && s_key_add (self, key, slot)) {
        slot->kind = HUB_SLOT_REJECT;
        return hub_verdict_set (&slot->verdict, S_CODE (INTERNAL), "",
                                "the broker is out of memory; retry later");
    }
    slot->kind = HUB_SLOT_PUBLISH;
    slot->seq = seq;
    slot->recorded_ms = now;
    slot->stage = outcome->to;
    //  A batch's publishes mostly come in runs for one commission
    if (!self->last_touched || strcmp (self->last_touched, slot->commission_id) != 0) {
        zhashx_insert (self->touched, slot->commission_id, (void *) 1);
        self->last_touched = slot->commission_id;
    }
    if (slot->target_seq) {
        char target [32];
        snprintf (target, sizeof target, "%" PRIu64, slot->target_seq);
        zhashx_insert (self->erasures, target, slot);
    }
    self->accepted++;
    return 0;
}

hub_slot_t *
hub_batch_find_key (hub_batch_t *self, const hub_batch_key_t *key)
{
    s_key_t *entry = s_key_find (self, key);
    return entry->generation == self->generation? entry->slot: NULL;
}

hub_slot_t *
hub_batch_find_erasure (hub_batch_t *self, uint64_t target_seq)
{
    char target [32];
    snprintf (target, sizeof target, "%" PRIu64, target_seq);
    return zhashx_lookup (self->erasures, target);
}

uint64_t
hub_batch_last_seq (hub_batch_t *self)
{
    //  Seqs are assigned in slot order: the last accepted slot holds the highest
    for (size_t i = self->nslots; i-- > 0; )
        if (self->slots [i].kind == HUB_SLOT_PUBLISH)
            return self->slots [i].seq;
    return 0;
}

void
hub_batch_close (hub_batch_t *self, zhashx_t *states)
{
    for (void *item = zhashx_first (self->touched); item; item = zhashx_next (self->touched)) {
        const char *id = zhashx_cursor (self->touched);
        hub_commission_t *state = zhashx_lookup (states, id);
        s_state_bytes_t *bytes = calloc (1, sizeof *bytes);
        if (!bytes || !state || hub_commission_encode (state, &bytes->data, &bytes->size)
        ||  !(bytes->id = strdup (id))) {
            void *item_p = bytes;
            s_state_bytes_free (&item_p);
            zsys_error ("ingest: cannot encode the state of %s", id);
            continue;
        }
        zlistx_add_end (self->states, bytes);
    }
}

//  Stores one accepted slot: the erased event's replacement, then the event.
static int
s_commit_slot (hub_store_batch_t *txn, hub_slot_t *slot)
{
    int rc = 0;
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
    return rc;
}

int
hub_batch_commit (hub_batch_t *self, hub_store_t *store)
{
    int64_t start = hub_latency_now ();
    self->sync_us = 0;
    hub_store_batch_t *txn;
    int rc = hub_store_batch_begin (store, &txn);
    if (rc) {
        self->done_at = hub_latency_now ();
        self->commit_us = self->done_at - start;
        return rc;
    }
    for (size_t i = 0; i < self->nslots && rc == 0; i++)
        if (self->slots [i].kind == HUB_SLOT_PUBLISH)
            rc = s_commit_slot (txn, &self->slots [i]);
    for (s_state_bytes_t *state = zlistx_first (self->states); state && rc == 0;
         state = zlistx_next (self->states))
        rc = hub_store_batch_put_commission (txn, state->id, state->data, state->size);
    int64_t sync_start = hub_latency_now ();
    if (rc == 0)
        rc = hub_store_batch_commit (&txn);
    else
        hub_store_batch_abort (&txn);
    self->done_at = hub_latency_now ();
    self->sync_us = self->done_at - sync_start;
    self->commit_us = self->done_at - start;
    return rc;
}

void
hub_batch_commit_times (hub_batch_t *self, int64_t *commit_us, int64_t *sync_us,
                        int64_t *done_at)
{
    *commit_us = self->commit_us;
    *sync_us = self->sync_us;
    *done_at = self->done_at;
}

void
hub_batch_fail (hub_batch_t *self, const hub_verdict_t *verdict, zhashx_t *states)
{
    for (size_t i = 0; i < self->nslots; i++) {
        hub_slot_t *slot = &self->slots [i];
        if (slot->kind == HUB_SLOT_PUBLISH || (slot->kind == HUB_SLOT_DUPLICATE && slot->inflight)) {
            slot->kind = HUB_SLOT_REJECT;
            slot->verdict = *verdict;
        }
    }
    for (void *item = zhashx_first (self->touched); item; item = zhashx_next (self->touched))
        zhashx_delete (states, zhashx_cursor (self->touched));
    self->accepted = 0;
    zhashx_purge (self->touched);
    self->last_touched = NULL;
    s_keys_empty (self);
    zhashx_purge (self->erasures);
}

void
hub_batch_empty (hub_batch_t *self)
{
    for (size_t i = 0; i < self->nslots; i++) {
        hub_slot_t *slot = &self->slots [i];
        slot->request = NULL;           //  in the arena, freed below
        slot->member_env = NULL;
        if (slot->routed)
            zmq_msg_close (&slot->body);
    }
    s_arena_reset (self, true);
    self->nslots = 0;
    self->accepted = 0;
    zhashx_purge (self->touched);
    self->last_touched = NULL;
    s_keys_empty (self);
    zhashx_purge (self->erasures);
    zlistx_purge (self->states);
}
