/*  hub_store_commit: write batches. Appending only records pointers; the
    commit runs the whole batch in one write transaction (events, indexes,
    dedupe keys, counts, responses, commission states, replacements) and
    grows the map and retries when it is full.
*/
#include "hub_store_priv.h"
#include "hub_proto.h"
#include "hub_event_reader.h"

#include <czmq.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  One counts key aggregated over a batch: "stage:do", "type:tender.published"
typedef struct {
    const char *prefix;         //  "stage:" or "type:"
    const char *name;           //  the stage's or type's name (borrowed)
    uint64_t delta;             //  events of the batch under it
} s_count_t;

static int
s_grow (void **array, size_t *max, size_t need, size_t item)
{
    if (need <= *max)
        return 0;
    size_t n = *max? *max * 2: 64;
    while (n < need)
        n *= 2;
    void *grown = realloc (*array, n * item);
    if (!grown)
        return -1;
    *array = grown;
    *max = n;
    return 0;
}

int
hub_store_batch_begin (hub_store_t *self, hub_store_batch_t **batch_p)
{
    assert (self);
    assert (batch_p);
    *batch_p = NULL;
    if (self->read_only || self->batch_open) {
        hub_store_set_error (self, self->read_only? "the store is open read-only"
                                                  : "a batch is already open");
        return HUB_STORE_INVALID;
    }
    hub_store_batch_t *batch = calloc (1, sizeof *batch);
    if (!batch) {
        hub_store_set_error (self, "out of memory");
        return HUB_STORE_ERROR;
    }
    batch->store = self;
    batch->next_seq = self->last_seq + 1;
    self->batch_open = true;
    *batch_p = batch;
    return 0;
}

static bool
s_key_ok (const char *key)
{
    return !key || strlen (key) <= S_MAX_INDEX_KEY;
}

int
hub_store_batch_append (hub_store_batch_t *self, const hub_store_event_t *event)
{
    assert (self);
    assert (event);
    hub_store_t *store = self->store;
    if (event->seq != self->next_seq) {
        hub_store_set_error (store, "append: seq %" PRIu64 " is out of order, expected %" PRIu64,
                             event->seq, self->next_seq);
        return HUB_STORE_INVALID;
    }
    if (!event->data && event->size) {
        hub_store_set_error (store, "append: seq %" PRIu64 " has no data", event->seq);
        return HUB_STORE_INVALID;
    }
    //  The dedupe key (hub_store_dedupe_key) is agency, NUL, msg_id
    if (!s_key_ok (event->commission_id) || !s_key_ok (event->agency) || !s_key_ok (event->type)
    || (event->msg_id && *event->msg_id
        && (event->agency? strlen (event->agency): 0) + 1 + strlen (event->msg_id)
           > HUB_STORE_DEDUPE_KEY_MAX)
    || (event->type && strlen (event->type) + 6 >= S_COUNT_KEY_MAX)) {
        hub_store_set_error (store, "append: seq %" PRIu64 " has an empty or over-long key",
                             event->seq);
        return HUB_STORE_INVALID;
    }
    if (s_grow ((void **) &self->events, &self->events_max, self->nevents + 1,
                sizeof *self->events)) {
        hub_store_set_error (store, "out of memory");
        return HUB_STORE_ERROR;
    }
    self->events [self->nevents++] = *event;
    self->next_seq++;
    return 0;
}

int
hub_store_batch_put_commission (hub_store_batch_t *self, const char *commission_id,
                                const void *data, size_t size)
{
    assert (self);
    size_t len = commission_id? strlen (commission_id): 0;
    if (len == 0 || len > S_MAX_KEY || (!data && size)) {
        hub_store_set_error (self->store, "put commission: id must be 1 to %d bytes", S_MAX_KEY);
        return HUB_STORE_INVALID;
    }
    if (s_grow ((void **) &self->commissions, &self->commissions_max, self->ncommissions + 1,
                sizeof *self->commissions)) {
        hub_store_set_error (self->store, "out of memory");
        return HUB_STORE_ERROR;
    }
    self->commissions [self->ncommissions++] = (s_commission_t) { commission_id, data, size };
    return 0;
}

int
hub_store_batch_replace (hub_store_batch_t *self, uint64_t seq,
                         const void *data, size_t size)
{
    assert (self);
    if (seq == 0 || (!data && size)) {
        hub_store_set_error (self->store, "replace: bad seq or data");
        return HUB_STORE_INVALID;
    }
    if (s_grow ((void **) &self->replaces, &self->replaces_max, self->nreplaces + 1,
                sizeof *self->replaces)) {
        hub_store_set_error (self->store, "out of memory");
        return HUB_STORE_ERROR;
    }
    self->replaces [self->nreplaces++] = (s_replace_t) { seq, data, size };
    return 0;
}

void
hub_store_batch_abort (hub_store_batch_t **batch_p)
{
    assert (batch_p);
    hub_store_batch_t *self = *batch_p;
    if (!self)
        return;
    self->store->batch_open = false;
    free (self->events);
    free (self->commissions);
    free (self->replaces);
    free (self);
    *batch_p = NULL;
}

//  --------------------------------------------------------------------------
//  The writers of a batch, each in the batch's transaction

//  Events: appended in seq order, so MDB_APPEND skips the tree search
static int
s_write_events (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn, int *fault)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->dbi [S_DB_EVENTS], &cursor);
    if (rc)
        return rc;
    for (size_t i = 0; i < batch->nevents && rc == 0; i++) {
        hub_store_event_t *e = &batch->events [i];
        MDB_val k = { sizeof e->seq, &e->seq };
        MDB_val v = { e->size, (void *) e->data };
        rc = mdb_cursor_put (cursor, &k, &v, MDB_APPEND);
    }
    mdb_cursor_close (cursor);
    if (rc == MDB_KEYEXIST) {
        hub_store_set_error (self, "commit: seq %" PRIu64 " is already stored",
                             batch->events [0].seq);
        *fault = HUB_STORE_INVALID;
        return S_FAULT;
    }
    return rc;
}

//  A distinct (block, key) among a batch's entries for one index
typedef struct {
    const char *key;
    size_t len;
    uint64_t block;
    size_t count;               //  its entries
    uint32_t id;                //  its number in the order first seen
} s_group_t;

static int
s_group_cmp (const void *a, const void *b)
{
    const s_group_t *x = a, *y = b;
    if (x->block != y->block)
        return x->block < y->block? -1: 1;
    return hub_store_key_cmp (x->key, x->len, y->key, y->len);
}

//  Puts a batch's n index entries, made in seq order, in tree order (block,
//  key, seq) without a sort's n log n comparisons of keys (qsort was a third
//  of a commit's instructions): each entry's (block, key) is numbered
//  through a hash table, the few distinct ones (the batch's commissions,
//  agencies or types) are sorted, and the entries are placed by counting,
//  which keeps each key's seqs in order. A key's seqs must be together and
//  ascending (one run each); the keys' order only keeps the cursor moving
//  forward. The dedupe keys are ordered so too, by agency (s_write_dedupe).
//  Returns 0, or -1 if out of memory.
static int
s_order_entries (s_entry_t *entries, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    uint32_t *slots = malloc (cap * sizeof *slots + n * 2 * sizeof (uint32_t));
    s_group_t *groups = malloc (n * sizeof *groups);
    s_entry_t *out = malloc (n * sizeof *out);
    if (!slots || !groups || !out) {
        free (slots);
        free (groups);
        free (out);
        return -1;
    }
    uint32_t *group_of = slots + cap;       //  entry -> group id
    uint32_t *start = group_of + n;         //  group id -> its first place
    memset (slots, 0xff, cap * sizeof *slots);
    uint32_t ngroups = 0;
    for (size_t i = 0; i < n; i++) {
        const s_entry_t *e = &entries [i];
        uint64_t block = e->seq >> S_BLOCK_SHIFT;
        size_t slot = (size_t) hub_store_hash (e->key, e->len, block) & (cap - 1);
        while (slots [slot] != UINT32_MAX) {
            s_group_t *g = &groups [slots [slot]];
            if (g->block == block && g->len == e->len && memcmp (g->key, e->key, e->len) == 0)
                break;
            slot = (slot + 1) & (cap - 1);
        }
        if (slots [slot] == UINT32_MAX) {
            groups [ngroups] = (s_group_t) { e->key, e->len, block, 0, ngroups };
            slots [slot] = ngroups++;
        }
        groups [slots [slot]].count++;
        group_of [i] = slots [slot];
    }
    qsort (groups, ngroups, sizeof *groups, s_group_cmp);
    uint32_t at = 0;
    for (uint32_t g = 0; g < ngroups; g++) {
        start [groups [g].id] = at;
        at += (uint32_t) groups [g].count;
    }
    for (size_t i = 0; i < n; i++)
        out [start [group_of [i]]++] = entries [i];
    memcpy (entries, out, n * sizeof *out);
    free (slots);
    free (groups);
    free (out);
    return 0;
}

//  Room for n index entries (and a blob of size bytes); false if out of
//  memory (the message set)
static bool
s_index_scratch (hub_store_t *self, size_t n, size_t size)
{
    if (s_grow ((void **) &self->entries, &self->entries_max, n, sizeof *self->entries)
    ||  s_grow ((void **) &self->blob, &self->blob_max, size, 1)) {
        hub_store_set_error (self, "out of memory");
        return false;
    }
    return true;
}

//  Writes a blob's entry i at `at`: its place in the table, the key's
//  length and the key. Returns where the entry's count goes.
static size_t
s_blob_key (uint8_t *blob, uint32_t i, size_t at, const char *key, size_t len)
{
    uint32_t place = (uint32_t) at;
    memcpy (blob + sizeof (uint32_t) + (size_t) i * sizeof place, &place, sizeof place);
    uint16_t n16 = (uint16_t) len;
    memcpy (blob + at, &n16, 2);
    memcpy (blob + at + 2, key, len);
    return at + 2 + len;
}

//  Puts the blob of one kind's n entries of one block, ordered by key then
//  seq (s_order_entries), under the key of the blob's first seq (the
//  layout: hub_store_priv.h)
static int
s_put_blob (hub_store_t *self, MDB_cursor *index, char kind, uint64_t first,
            const s_entry_t *entries, size_t n, unsigned flags)
{
    if (n == 0)
        return 0;
    //  Written in one pass after room for a place per entry, then moved
    //  down behind the places of the keys there are
    size_t room = sizeof (uint32_t) + n * sizeof (uint32_t), size = room;
    for (size_t i = 0; i < n; i++)
        size += 6 + entries [i].len;
    if (!s_index_scratch (self, 0, size))
        return ENOMEM;
    uint8_t *blob = self->blob;
    uint32_t nkeys = 0;
    size_t at = room;
    for (size_t i = 0; i < n; ) {
        size_t j = i + 1;
        while (j < n && entries [j].len == entries [i].len
           && memcmp (entries [j].key, entries [i].key, entries [i].len) == 0)
            j++;
        at = s_blob_key (blob, nkeys++, at, entries [i].key, entries [i].len);
        uint16_t n16 = (uint16_t) (j - i);
        memcpy (blob + at, &n16, 2);
        at += 2;
        for (; i < j; i++, at += 2) {
            n16 = (uint16_t) (entries [i].seq & S_BLOCK_MASK);
            memcpy (blob + at, &n16, 2);
        }
    }
    size_t unused = (n - nkeys) * sizeof (uint32_t);
    for (uint32_t i = 0; i < nkeys; i++) {
        uint32_t place;
        memcpy (&place, blob + sizeof nkeys + (size_t) i * sizeof place, sizeof place);
        place -= (uint32_t) unused;
        memcpy (blob + sizeof nkeys + (size_t) i * sizeof place, &place, sizeof place);
    }
    memmove (blob + room - unused, blob + room, at - room);
    memcpy (blob, &nkeys, sizeof nkeys);
    uint8_t key [S_INDEX_KEY];
    hub_store_index_key (key, first, kind);
    MDB_val k = { sizeof key, key }, v = { at - unused, blob };
    return mdb_cursor_put (index, &k, &v, flags);
}

//  The kinds of index key, in key order, so a block's blobs append
static const char s_kinds [3] = { S_INDEX_AGENCY, S_INDEX_COMMISSION, S_INDEX_TYPE };

//  A blob being merged: its next entry
typedef struct {
    const uint8_t *blob;
    size_t size;
    uint32_t n, i;              //  its entries, and the next one's number
    const char *key;            //  the next entry's key, run and count
    size_t len;
    const uint8_t *run;
    size_t count;
} s_head_t;

static int
s_head_read (s_head_t *head)
{
    return head->i < head->n? hub_store_blob_entry (head->blob, head->size, head->i, &head->key,
                                                    &head->len, &head->run, &head->count): 0;
}

//  Merges the n blobs of heads (one kind's, in seq order) into self->blob
//  (*size bytes): the keys in order, each key's runs one after the other,
//  so its offsets still ascend. Two passes: the keys counted and sized,
//  then written. 0, ENOMEM or MDB_CORRUPTED.
static int
s_merge_blobs (hub_store_t *self, s_head_t *heads, size_t n, size_t *size)
{
    uint32_t nkeys = 0;
    size_t total = sizeof nkeys;
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        if (pass == 1 && !s_index_scratch (self, 0, total))
            return ENOMEM;
        size_t at = sizeof nkeys + (size_t) nkeys * sizeof (uint32_t);
        uint32_t key_i = 0;
        for (size_t h = 0; h < n && rc == 0; h++) {
            heads [h].i = 0;
            rc = hub_store_blob_count (heads [h].blob, heads [h].size, &heads [h].n);
            if (rc == 0)
                rc = s_head_read (&heads [h]);
        }
        while (rc == 0) {
            s_head_t *least = NULL;
            for (size_t h = 0; h < n; h++)
                if (heads [h].i < heads [h].n && (!least
                ||  hub_store_key_cmp (heads [h].key, heads [h].len, least->key, least->len) < 0))
                    least = &heads [h];
            if (!least)
                break;
            const char *key = least->key;
            size_t len = least->len, count = 0;
            size_t count_at = pass == 1? s_blob_key (self->blob, key_i++, at, key, len)
                                       : at + 2 + len;
            at = count_at + 2;
            for (size_t h = 0; h < n && rc == 0; h++) {
                s_head_t *head = &heads [h];
                if (head->i >= head->n || hub_store_key_cmp (head->key, head->len, key, len))
                    continue;
                if (pass == 1)
                    memcpy (self->blob + at, head->run, head->count * 2);
                at += head->count * 2;
                count += head->count;
                head->i++;
                rc = s_head_read (head);
            }
            if (count > S_BLOCK_MASK + 1)
                rc = MDB_CORRUPTED;         //  more seqs than a block has
            if (pass == 1) {
                uint16_t n16 = (uint16_t) count;
                memcpy (self->blob + count_at, &n16, 2);
            }
            else
                nkeys++;
        }
        total = pass == 0? at + (size_t) nkeys * sizeof (uint32_t): at;
    }
    if (rc == 0)
        memcpy (self->blob, &nkeys, sizeof nkeys);
    *size = total;
    return rc;
}

//  Merges the blobs of block into one per kind, under the key of the
//  first: the blobs copied (a put may move the pages they are in) and
//  deleted, then the merged ones put in their place
static int
s_merge_block (hub_store_t *self, MDB_cursor *index, uint64_t block)
{
    uint8_t key [S_INDEX_KEY];
    hub_store_index_key (key, block << S_BLOCK_SHIFT, 0);
    MDB_val k = { sizeof key, key }, v;
    size_t total = 0, nblobs = 0;
    uint64_t first = UINT64_MAX;
    int rc;
    for (rc = mdb_cursor_get (index, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get (index, &k, &v, MDB_NEXT)) {
        if (k.mv_size != S_INDEX_KEY || hub_store_key_block (&k) != block)
            break;
        if (first == UINT64_MAX)
            first = block << S_BLOCK_SHIFT | hub_store_key_offset (&k);
        total += v.mv_size;
        nblobs++;
    }
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    uint8_t *copy = malloc (total + 1);
    s_head_t *heads = calloc (2 * nblobs + 1, sizeof *heads);  //  and a kind's
    char *kinds = malloc (nblobs + 1);
    if (!copy || !heads || !kinds) {
        free (copy);
        free (heads);
        free (kinds);
        return ENOMEM;
    }
    size_t at = 0, n = 0;
    k = (MDB_val) { sizeof key, key };
    for (rc = mdb_cursor_get (index, &k, &v, MDB_SET_RANGE); rc == 0 && n < nblobs;
         rc = mdb_cursor_get (index, &k, &v, MDB_SET_RANGE)) {
        if (k.mv_size != S_INDEX_KEY || hub_store_key_block (&k) != block)
            break;
        kinds [n] = (char) ((const uint8_t *) k.mv_data) [6];
        if (!memchr (s_kinds, kinds [n], sizeof s_kinds)) {
            rc = MDB_CORRUPTED;         //  a kind no merge would write back
            break;
        }
        memcpy (copy + at, v.mv_data, v.mv_size);
        heads [n++] = (s_head_t) { .blob = copy + at, .size = v.mv_size };
        at += v.mv_size;
        rc = mdb_cursor_del (index, 0);
        if (rc)
            break;
        k = (MDB_val) { sizeof key, key };
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
    //  Each kind's blobs, in seq order, merged into one
    s_head_t *same = heads + n;
    for (size_t kind = 0; kind < sizeof s_kinds && rc == 0; kind++) {
        size_t m = 0, size = 0;
        for (size_t i = 0; i < n; i++)
            if (kinds [i] == s_kinds [kind])
                same [m++] = heads [i];
        if (m == 0)
            continue;
        rc = s_merge_blobs (self, same, m, &size);
        if (rc == 0) {
            hub_store_index_key (key, first, s_kinds [kind]);
            k = (MDB_val) { sizeof key, key };
            v = (MDB_val) { size, self->blob };
            rc = mdb_cursor_put (index, &k, &v, MDB_NOOVERWRITE);
        }
    }
    free (copy);
    free (heads);
    free (kinds);
    return rc;
}

//  After a commit's blobs in block: its blobs of each kind merged into one
//  when the block is complete, or when a kind has S_INDEX_MERGE_AT. How
//  many there are is counted in the tree the first time, then followed
//  (each commit adds at most one per kind), so a commit does not walk the
//  block's blobs.
static int
s_merge_check (hub_store_t *self, hub_store_batch_t *batch, MDB_cursor *index,
               uint64_t block, bool complete)
{
    size_t most = 0;
    if (self->index_block == block)
        most = self->index_blobs + 1;
    else {
        uint8_t key [S_INDEX_KEY];
        hub_store_index_key (key, block << S_BLOCK_SHIFT, 0);
        MDB_val k = { sizeof key, key }, v;
        size_t blobs [3] = { 0 };
        int rc;
        for (rc = mdb_cursor_get (index, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get (index, &k, &v, MDB_NEXT)) {
            if (k.mv_size != S_INDEX_KEY || hub_store_key_block (&k) != block)
                break;
            const char *kind = memchr (s_kinds, ((const uint8_t *) k.mv_data) [6], sizeof s_kinds);
            if (kind && ++blobs [kind - s_kinds] > most)
                most = blobs [kind - s_kinds];
        }
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    if (most >= S_INDEX_MERGE_AT || (complete && most > 1)) {
        int rc = s_merge_block (self, index, block);
        if (rc)
            return rc;
        most = 1;
    }
    batch->index_block = block;
    batch->index_blobs = most;
    return 0;
}

//  The kind's key among an event's fields
static const char *
s_kind_key (const hub_store_event_t *e, char kind)
{
    return kind == S_INDEX_COMMISSION? e->commission_id
         : kind == S_INDEX_AGENCY? e->agency: e->type;
}

//  The three indexes' blobs of the batch: for each block it reaches, one
//  blob per kind, appended; then the block's blobs merged if it is time
static int
s_write_indexes (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn, int *fault)
{
    size_t nevents = batch->nevents;
    if (!s_index_scratch (self, sizeof s_kinds * nevents, 0)) {
        *fault = HUB_STORE_ERROR;
        return S_FAULT;
    }
    //  Each kind's entries in (block, key, seq) order, nevents apart
    s_entry_t *entries [sizeof s_kinds];
    size_t n [sizeof s_kinds], at [sizeof s_kinds] = { 0 };
    for (size_t kind = 0; kind < sizeof s_kinds; kind++) {
        entries [kind] = self->entries + kind * nevents;
        n [kind] = 0;
        for (size_t i = 0; i < nevents; i++) {
            const hub_store_event_t *e = &batch->events [i];
            const char *key = s_kind_key (e, s_kinds [kind]);
            if (key && *key)
                entries [kind][n [kind]++] = (s_entry_t) { key, strlen (key), e->seq };
        }
        if (s_order_entries (entries [kind], n [kind])) {
            hub_store_set_error (self, "out of memory");
            *fault = HUB_STORE_ERROR;
            return S_FAULT;
        }
    }
    MDB_cursor *index;
    int rc = mdb_cursor_open (txn, self->dbi [S_DB_INDEX], &index);
    if (rc)
        return rc;
    uint64_t first = batch->events [0].seq, last = batch->events [nevents - 1].seq;
    for (uint64_t block = first >> S_BLOCK_SHIFT; block <= last >> S_BLOCK_SHIFT && rc == 0;
         block++) {
        uint64_t block_first = block << S_BLOCK_SHIFT;
        for (size_t kind = 0; kind < sizeof s_kinds && rc == 0; kind++) {
            size_t from = at [kind];
            while (at [kind] < n [kind] && entries [kind][at [kind]].seq >> S_BLOCK_SHIFT == block)
                at [kind]++;
            rc = s_put_blob (self, index, s_kinds [kind], first > block_first? first: block_first,
                             entries [kind] + from, at [kind] - from, MDB_APPEND);
        }
        if (rc == 0)
            rc = s_merge_check (self, batch, index, block,
                                (last >> S_BLOCK_SHIFT) > block || (last & S_BLOCK_MASK) == S_BLOCK_MASK);
    }
    mdb_cursor_close (index);
    if (rc == ENOMEM) {
        hub_store_set_error (self, "out of memory");
        *fault = HUB_STORE_ERROR;
        return S_FAULT;
    }
    if (rc == MDB_CORRUPTED) {
        //  A blob a merge could not read: every later commit in the block
        //  would fail the same way, so say what is wrong
        hub_store_set_error (self, "commit: the index of seqs %" PRIu64 " to %" PRIu64 " is "
                             "damaged (a blob does not parse), so no batch can be stored "
                             "there; restore the store from a backup",
                             (first >> S_BLOCK_SHIFT) << S_BLOCK_SHIFT,
                             ((last >> S_BLOCK_SHIFT) << S_BLOCK_SHIFT) + S_BLOCK_MASK);
        *fault = HUB_STORE_ERROR;
        return S_FAULT;
    }
    return rc;
}

//  The upgrade's blobs of one block whose first seq is first: the entries
//  gathered for each kind (block_size apart in self->entries), then none
static int
s_write_block (hub_store_t *self, MDB_cursor *index, uint64_t first, size_t n [],
               size_t block_size, uint64_t *count)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof s_kinds && rc == 0; i++) {
        s_entry_t *entries = self->entries + i * block_size;
        rc = s_order_entries (entries, n [i])? ENOMEM
           : s_put_blob (self, index, s_kinds [i], first, entries, n [i], MDB_APPEND);
        *count += n [i];
        n [i] = 0;
    }
    return rc;
}

//  Format 1, 2 or 3 -> 4: the index emptied, then filled from the log's
//  events read back block by block (the keys point into the events' pages,
//  which the transaction does not write)
int
hub_store_build_index (hub_store_t *self, MDB_txn *txn, uint64_t *count)
{
    const size_t block_size = S_BLOCK_MASK + 1;
    *count = 0;
    if (!s_index_scratch (self, sizeof s_kinds * block_size, 0))
        return ENOMEM;
    MDB_cursor *events = NULL, *index = NULL;
    int rc = mdb_drop (txn, self->dbi [S_DB_INDEX], 0);
    if (rc == 0)
        rc = mdb_cursor_open (txn, self->dbi [S_DB_EVENTS], &events);
    if (rc == 0)
        rc = mdb_cursor_open (txn, self->dbi [S_DB_INDEX], &index);
    size_t n [sizeof s_kinds] = { 0 };
    uint64_t first = 0;             //  the block's first seq
    MDB_val k, v;
    for (rc = rc? rc: mdb_cursor_get (events, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (events, &k, &v, MDB_NEXT)) {
        uint64_t seq;
        memcpy (&seq, k.mv_data, sizeof seq);
        if (first == 0 || (seq >> S_BLOCK_SHIFT) != (first >> S_BLOCK_SHIFT)) {
            if (first)
                rc = s_write_block (self, index, first, n, block_size, count);
            if (rc)
                break;
            first = seq;
        }
        hub_event_fields_t f;
        const char *id = "";
        size_t id_len = 0;
        if (!hub_event_read (v.mv_data, v.mv_size, &f) || !hub_event_commission (&f, &id, &id_len))
            continue;
        //  In s_kinds' order: agency, commission, type
        const char *keys [sizeof s_kinds] = { f.sender, id, f.type };
        size_t lens [sizeof s_kinds] = { f.sender_len, id_len, f.type_len };
        for (size_t i = 0; i < sizeof s_kinds; i++)
            if (lens [i] && lens [i] <= S_MAX_INDEX_KEY)
                self->entries [i * block_size + n [i]++] = (s_entry_t) { keys [i], lens [i], seq };
    }
    if (rc == MDB_NOTFOUND)         //  the log's end: its last block
        rc = first? s_write_block (self, index, first, n, block_size, count): 0;
    if (index)
        mdb_cursor_close (index);
    if (events)
        mdb_cursor_close (events);
    return rc;
}

//  Puts the batch's n dedupe keys, in the order of the index scratch; a key
//  stored before is the batch's fault. An entry's len is its agency's
//  length (s_write_dedupe): the key runs on past it to the msg_id's NUL.
static int
s_put_dedupe (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn, size_t n, int *fault)
{
    MDB_cursor *cursor = NULL;
    int rc = mdb_cursor_open (txn, self->dbi [S_DB_DEDUPE], &cursor);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const s_entry_t *entry = &self->entries [i];
        const hub_store_event_t *e = &batch->events [entry->seq];
        uint8_t value [S_DEDUPE_VALUE];
        memcpy (value, &e->seq, 8);
        memcpy (value + 8, e->digest, HUB_STORE_DIGEST_SIZE);
        MDB_val k = { hub_store_dedupe_key_size (entry->key) - 1, (void *) entry->key };
        MDB_val v = { sizeof value, value };
        rc = mdb_cursor_put (cursor, &k, &v, MDB_NOOVERWRITE);
        if (rc == MDB_KEYEXIST) {
            hub_store_set_error (self, "commit: msg_id %s of %s (seq %" PRIu64 ") is already "
                                 "stored", e->msg_id, e->agency? e->agency: "", e->seq);
            *fault = HUB_STORE_INVALID;
            rc = S_FAULT;
        }
    }
    if (cursor)
        mdb_cursor_close (cursor);
    return rc;
}

//  Dedupe keys, built (hub_store_dedupe_key) into one scratch buffer,
//  malloc'd per commit. They are put grouped by agency, agencies in key
//  order, each agency's keys in the batch's order: a publisher's msg_ids
//  mostly follow its sending order, so an agency's keys land near each
//  other and the cursor seldom goes back to the root. The order is only
//  for speed (a key stored twice is found in any order); a full sort of
//  the keys cost 900 instructions per event where 20 agencies interleave.
static int
s_write_dedupe (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn, int *fault)
{
    size_t n = 0, total = 0;
    for (size_t i = 0; i < batch->nevents; i++) {
        const hub_store_event_t *e = &batch->events [i];
        if (e->msg_id && *e->msg_id)
            total += (e->agency? strlen (e->agency): 0) + 1 + strlen (e->msg_id) + 1;
    }
    if (total == 0)
        return 0;
    char *keys = malloc (total);
    if (!keys) {
        hub_store_set_error (self, "out of memory");
        *fault = HUB_STORE_ERROR;
        return S_FAULT;
    }
    char *p = keys;
    for (size_t i = 0; i < batch->nevents; i++) {
        const hub_store_event_t *e = &batch->events [i];
        if (!e->msg_id || !*e->msg_id)
            continue;
        //  Checked at append: it fits. seq stands for the event's index here,
        //  len for the agency's length, the group the entry is ordered by.
        size_t len = hub_store_dedupe_key (p, e->agency, e->msg_id);
        self->entries [n++] = (s_entry_t) { p, strlen (p), i };
        p += len + 1;
    }
    int rc;
    if (s_order_entries (self->entries, n)) {
        hub_store_set_error (self, "out of memory");
        *fault = HUB_STORE_ERROR;
        rc = S_FAULT;
    }
    else
        rc = s_put_dedupe (self, batch, txn, n, fault);
    free (keys);
    return rc;
}

//  A batch's counts, aggregated so each key is written once: up to
//  S_COUNTS entries, found through a table of S_COUNTS * 2 slots hashed
//  by the names' addresses. The names are nearly always the same few
//  static strings (the stage and type tables'), so a slot matches by
//  address; a name met at a new address is looked for by content among
//  the entries (once per address and batch) and its slot points there.
#define S_COUNTS 64

typedef struct {
    const char *prefix;         //  the slot's prefix and name, as addresses
    const char *name;
    uint8_t entry;              //  its entry + 1; 0: the slot is free
} s_count_slot_t;

typedef struct {
    s_count_t entries [S_COUNTS];
    size_t n;
    s_count_slot_t slots [S_COUNTS * 2];
    size_t nslots;
} s_counts_t;

//  Adds each entry's delta to its key: one read-modify-write per key, then
//  empties the table
static int
s_count_flush (hub_store_t *self, MDB_txn *txn, s_counts_t *counts)
{
    int rc = 0;
    for (size_t c = 0; c < counts->n && rc == 0; c++) {
        const s_count_t *entry = &counts->entries [c];
        //  Append checked that the key fits
        char key [S_COUNT_KEY_MAX];
        size_t plen = strlen (entry->prefix), nlen = strlen (entry->name);
        if (plen + nlen >= sizeof key)
            nlen = sizeof key - 1 - plen;
        memcpy (key, entry->prefix, plen);
        memcpy (key + plen, entry->name, nlen);
        MDB_val k = { plen + nlen, key }, v;
        uint64_t total = 0;
        rc = mdb_get (txn, self->dbi [S_DB_COUNTS], &k, &v);
        if (rc == 0 && v.mv_size == sizeof total)
            memcpy (&total, v.mv_data, sizeof total);
        if (rc == 0 || rc == MDB_NOTFOUND) {
            total += entry->delta;
            v.mv_size = sizeof total;
            v.mv_data = &total;
            rc = mdb_put (txn, self->dbi [S_DB_COUNTS], &k, &v, 0);
        }
    }
    counts->n = 0;
    counts->nslots = 0;
    memset (counts->slots, 0, sizeof counts->slots);
    return rc;
}

//  Counts one event under prefix and name
static int
s_count_add (hub_store_t *self, MDB_txn *txn, s_counts_t *counts,
             const char *prefix, const char *name)
{
    const size_t mask = S_COUNTS * 2 - 1;
    uint64_t address = (uint64_t) ((uintptr_t) name ^ (uintptr_t) prefix);
    size_t slot = (size_t) ((address * 0x9E3779B97F4A7C15ull) >> 40) & mask;
    while (counts->slots [slot].entry) {
        s_count_slot_t *s = &counts->slots [slot];
        if (s->name == name && s->prefix == prefix) {
            counts->entries [s->entry - 1].delta++;
            return 0;
        }
        slot = (slot + 1) & mask;
    }
    if (counts->n == S_COUNTS || counts->nslots == S_COUNTS) {
        //  More distinct keys (or addresses) than the table holds: write
        //  what it has, then start again from an empty table
        int rc = s_count_flush (self, txn, counts);
        return rc? rc: s_count_add (self, txn, counts, prefix, name);
    }
    size_t c = 0;
    while (c < counts->n && !(counts->entries [c].prefix == prefix
                           && strcmp (counts->entries [c].name, name) == 0))
        c++;
    if (c == counts->n)
        counts->entries [counts->n++] = (s_count_t) { prefix, name, 0 };
    counts->entries [c].delta++;
    counts->slots [slot] = (s_count_slot_t) { prefix, name, (uint8_t) (c + 1) };
    counts->nslots++;
    return 0;
}

static const char s_stage_prefix [] = "stage:";
static const char s_type_prefix [] = "type:";

//  Writes the counts of the batch, each key once
static int
s_write_counts (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn)
{
    s_counts_t counts = { .n = 0 };
    int rc = 0;
    for (size_t i = 0; i < batch->nevents && rc == 0; i++) {
        const hub_store_event_t *e = &batch->events [i];
        rc = s_count_add (self, txn, &counts, s_stage_prefix,
                          hub_proto_stage_name ((Cyclehub__V1__Stage) e->stage));
        if (rc == 0 && e->type && *e->type)
            rc = s_count_add (self, txn, &counts, s_type_prefix, e->type);
    }
    if (rc == 0)
        rc = s_count_flush (self, txn, &counts);
    return rc;
}

static int
s_write_commissions (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn)
{
    int rc = 0;
    for (size_t i = 0; i < batch->ncommissions && rc == 0; i++) {
        s_commission_t *c = &batch->commissions [i];
        MDB_val k = { strlen (c->id), (void *) c->id };
        MDB_val v = { c->size, (void *) c->data };
        rc = mdb_put (txn, self->dbi [S_DB_COMMISSIONS], &k, &v, 0);
    }
    return rc;
}

//  Runs the whole batch in txn. Returns an LMDB code; a failure of the
//  batch's own content returns S_FAULT with the hub_store code in *fault.
static int
s_batch_run (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn, int *fault)
{
    int rc = 0;
    if (batch->nevents) {
        rc = s_write_events (self, batch, txn, fault);
        if (rc == 0)
            rc = s_write_indexes (self, batch, txn, fault);
        if (rc == 0)
            rc = s_write_dedupe (self, batch, txn, fault);
        if (rc == 0)
            rc = s_write_counts (self, batch, txn);
        if (rc == 0)
            rc = hub_store_write_responses (self, batch, txn);
    }
    if (rc == 0)
        rc = s_write_commissions (self, batch, txn);
    if (rc == 0)
        rc = hub_store_write_replaces (self, batch, txn, fault);
    return rc;
}

int
hub_store_batch_commit (hub_store_batch_t **batch_p)
{
    assert (batch_p);
    hub_store_batch_t *batch = *batch_p;
    if (!batch)
        return HUB_STORE_INVALID;
    hub_store_t *self = batch->store;
    int result = 0;
    while (true) {
        MDB_txn *txn;
        int rc = hub_store_txn_begin (self, 0, &txn);
        if (rc) {
            result = hub_store_lmdb_error (self, "begin write", rc);
            break;
        }
        int fault = 0;
        rc = s_batch_run (self, batch, txn, &fault);
        if (rc == 0)
            rc = mdb_txn_commit (txn);
        else
            mdb_txn_abort (txn);
        if (rc == 0) {
            if (batch->nevents) {
                self->last_seq = batch->events [batch->nevents - 1].seq;
                self->index_block = batch->index_block;
                self->index_blobs = batch->index_blobs;
            }
            break;
        }
        if (rc == S_FAULT) {
            result = fault;         //  the batch's own fault; message set
            break;
        }
        if (rc != MDB_MAP_FULL) {
            result = hub_store_lmdb_error (self, "commit", rc);
            break;
        }
        result = hub_store_grow_map (self);
        if (result)
            break;
    }
    hub_store_batch_abort (batch_p);
    return result;
}
