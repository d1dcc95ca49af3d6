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

static int
s_entry_cmp (const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    size_t n = x->len < y->len? x->len: y->len;
    int c = memcmp (x->key, y->key, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len? -1: 1;
    return x->seq < y->seq? -1: x->seq > y->seq;
}

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
    size_t n = x->len < y->len? x->len: y->len;
    int c = memcmp (x->key, y->key, n);
    if (c)
        return c;
    return x->len < y->len? -1: x->len > y->len;
}

//  Puts a batch's n index entries, made in seq order, in tree order (block,
//  key, seq) without a sort's n log n comparisons of keys (qsort was a third
//  of a commit's instructions): each entry's (block, key) is numbered
//  through a hash table, the few distinct ones (the batch's commissions,
//  agencies or types) are sorted, and the entries are placed by counting,
//  which keeps each key's seqs in order. A key's seqs must be together and
//  ascending (one run each); the keys' order only keeps the cursor moving
//  forward. Returns 0, or -1 if out of memory.
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

//  Writes one index's n entries (made in seq order), its kind of key:
//  one put per run, the entries of one key in one block (hub_store_priv.h)
static int
s_write_runs (hub_store_t *self, MDB_cursor *cursor, char kind, s_entry_t *entries, size_t n)
{
    if (n == 0)
        return 0;
    if (s_order_entries (entries, n))
        return ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; ) {
        const s_entry_t *first = &entries [i];
        uint64_t block = first->seq >> S_BLOCK_SHIFT;
        size_t j = i;
        while (j < n && entries [j].len == first->len
           && (entries [j].seq >> S_BLOCK_SHIFT) == block
           && memcmp (entries [j].key, first->key, first->len) == 0) {
            self->offsets [j - i] = (uint16_t) (entries [j].seq & S_BLOCK_MASK);
            j++;
        }
        uint8_t buf [S_MAX_KEY];
        MDB_val k = { hub_store_index_key (buf, kind, first->seq, first->key, first->len), buf };
        MDB_val v = { (j - i) * sizeof (uint16_t), self->offsets };
        rc = mdb_cursor_put (cursor, &k, &v, MDB_NOOVERWRITE);
        i = j;
    }
    return rc;
}

//  Room for n index entries and a run of up to n offsets; false if out of
//  memory (the message set)
static bool
s_index_scratch (hub_store_t *self, size_t n)
{
    if (s_grow ((void **) &self->entries, &self->entries_max, n, sizeof *self->entries)
    ||  s_grow ((void **) &self->offsets, &self->offsets_max, n, sizeof *self->offsets)) {
        hub_store_set_error (self, "out of memory");
        return false;
    }
    return true;
}

//  The kinds of index key, in key order, so one cursor moves forward
static const char s_kinds [3] = { S_INDEX_AGENCY, S_INDEX_COMMISSION, S_INDEX_TYPE };

//  The key of kind among an event's fields
static const char *
s_kind_key (const hub_store_event_t *e, char kind)
{
    return kind == S_INDEX_COMMISSION? e->commission_id
         : kind == S_INDEX_AGENCY? e->agency: e->type;
}

//  The three indexes' runs of the batch
static int
s_write_indexes (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn, int *fault)
{
    if (!s_index_scratch (self, batch->nevents)) {
        *fault = HUB_STORE_ERROR;
        return S_FAULT;
    }
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->dbi [S_DB_INDEX], &cursor);
    if (rc)
        return rc;
    for (size_t kind = 0; kind < sizeof s_kinds && rc == 0; kind++) {
        size_t n = 0;
        for (size_t i = 0; i < batch->nevents; i++) {
            const hub_store_event_t *e = &batch->events [i];
            const char *key = s_kind_key (e, s_kinds [kind]);
            if (key && *key)
                self->entries [n++] = (s_entry_t) { key, strlen (key), e->seq };
        }
        rc = s_write_runs (self, cursor, s_kinds [kind], self->entries, n);
    }
    mdb_cursor_close (cursor);
    return rc;
}

//  The upgrade's runs of one block: the entries gathered for each kind
//  (block_size apart in self->entries), then none
static int
s_write_block (hub_store_t *self, MDB_cursor *index, size_t n [], size_t block_size,
               uint64_t *count)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof s_kinds && rc == 0; i++) {
        rc = s_write_runs (self, index, s_kinds [i], self->entries + i * block_size, n [i]);
        *count += n [i];
        n [i] = 0;
    }
    return rc;
}

//  Format 1 or 2 -> 3: the log's events read back block by block (the keys
//  point into the events' pages, which the transaction does not write)
int
hub_store_build_index (hub_store_t *self, MDB_txn *txn, uint64_t *count)
{
    const size_t block_size = S_BLOCK_MASK + 1;
    *count = 0;
    if (!s_index_scratch (self, sizeof s_kinds * block_size))
        return ENOMEM;
    MDB_cursor *events = NULL, *index = NULL;
    int rc = mdb_cursor_open (txn, self->dbi [S_DB_EVENTS], &events);
    if (rc == 0)
        rc = mdb_cursor_open (txn, self->dbi [S_DB_INDEX], &index);
    size_t n [sizeof s_kinds] = { 0 };
    uint64_t block = 0;
    MDB_val k, v;
    for (rc = rc? rc: mdb_cursor_get (events, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (events, &k, &v, MDB_NEXT)) {
        uint64_t seq;
        memcpy (&seq, k.mv_data, sizeof seq);
        if ((seq >> S_BLOCK_SHIFT) != block) {
            rc = s_write_block (self, index, n, block_size, count);
            if (rc)
                break;
            block = seq >> S_BLOCK_SHIFT;
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
        rc = s_write_block (self, index, n, block_size, count);
    if (index)
        mdb_cursor_close (index);
    if (events)
        mdb_cursor_close (events);
    return rc;
}

//  Puts the sorted dedupe keys; a key stored before is the batch's fault
static int
s_put_dedupe (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn, size_t n, int *fault)
{
    MDB_cursor *cursor = NULL;
    int rc = mdb_cursor_open (txn, self->dbi [S_DB_DEDUPE], &cursor);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const hub_store_event_t *e = &batch->events [self->entries [i].seq];
        uint8_t value [S_DEDUPE_VALUE];
        memcpy (value, &e->seq, 8);
        memcpy (value + 8, e->digest, HUB_STORE_DIGEST_SIZE);
        MDB_val k = { self->entries [i].len, (void *) self->entries [i].key };
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

//  Dedupe keys, sorted so neighbouring keys share pages. The keys are
//  built (hub_store_dedupe_key) into one scratch buffer, malloc'd per
//  commit, and sorted through the index scratch array.
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
        //  Checked at append: it fits. seq stands for the event's index here.
        size_t len = hub_store_dedupe_key (p, e->agency, e->msg_id);
        self->entries [n++] = (s_entry_t) { p, len, i };
        p += len + 1;
    }
    //  A publisher's msg_ids mostly ascend (libcyclehub's counter), so a
    //  batch's keys are often in order already: glibc's merge sort would
    //  still compare n log n times
    size_t sorted = 1;
    while (sorted < n && s_entry_cmp (&self->entries [sorted - 1], &self->entries [sorted]) <= 0)
        sorted++;
    if (sorted < n)
        qsort (self->entries, n, sizeof (s_entry_t), s_entry_cmp);
    int rc = s_put_dedupe (self, batch, txn, n, fault);
    free (keys);
    return rc;
}

//  Adds delta to each aggregated key: one read-modify-write per key
static int
s_count_flush (hub_store_t *self, MDB_txn *txn, s_count_t *counts, size_t *n)
{
    int rc = 0;
    for (size_t c = 0; c < *n && rc == 0; c++) {
        //  Append checked that the key fits
        char key [S_COUNT_KEY_MAX];
        size_t plen = strlen (counts [c].prefix), nlen = strlen (counts [c].name);
        if (plen + nlen >= sizeof key)
            nlen = sizeof key - 1 - plen;
        memcpy (key, counts [c].prefix, plen);
        memcpy (key + plen, counts [c].name, nlen);
        MDB_val k = { plen + nlen, key }, v;
        uint64_t total = 0;
        rc = mdb_get (txn, self->dbi [S_DB_COUNTS], &k, &v);
        if (rc == 0 && v.mv_size == sizeof total)
            memcpy (&total, v.mv_data, sizeof total);
        if (rc == 0 || rc == MDB_NOTFOUND) {
            total += counts [c].delta;
            v.mv_size = sizeof total;
            v.mv_data = &total;
            rc = mdb_put (txn, self->dbi [S_DB_COUNTS], &k, &v, 0);
        }
    }
    *n = 0;
    return rc;
}

//  Two per event: the names are mostly the same few static strings (the
//  type table's, the stage table's), so a pointer compares first
static int
s_count_add (hub_store_t *self, MDB_txn *txn, s_count_t *counts, size_t *n, size_t max,
             const char *prefix, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (counts [i].prefix == prefix
        && (counts [i].name == name || strcmp (counts [i].name, name) == 0)) {
            counts [i].delta++;
            return 0;
        }
    if (*n == max) {
        //  More distinct keys than the table holds: write what it has
        int rc = s_count_flush (self, txn, counts, n);
        if (rc)
            return rc;
    }
    counts [(*n)++] = (s_count_t) { prefix, name, 1 };
    return 0;
}

static const char s_stage_prefix [] = "stage:";
static const char s_type_prefix [] = "type:";

//  Writes the counts of the batch, aggregated so each key is written once
static int
s_write_counts (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn)
{
    s_count_t counts [64];
    size_t n = 0;
    const size_t max = sizeof counts / sizeof counts [0];
    int rc = 0;
    for (size_t i = 0; i < batch->nevents && rc == 0; i++) {
        const hub_store_event_t *e = &batch->events [i];
        rc = s_count_add (self, txn, counts, &n, max, s_stage_prefix,
                          hub_proto_stage_name ((Cyclehub__V1__Stage) e->stage));
        if (rc == 0 && e->type && *e->type)
            rc = s_count_add (self, txn, counts, &n, max, s_type_prefix, e->type);
    }
    if (rc == 0)
        rc = s_count_flush (self, txn, counts, &n);
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
            if (batch->nevents)
                self->last_seq = batch->events [batch->nevents - 1].seq;
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
