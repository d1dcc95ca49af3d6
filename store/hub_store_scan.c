/*  hub_store_scan: filtered scans of the event log, through the most
    selective index the filter names, and the time -> seq binary search.
    The filter's fields are read from the stored bytes in place
    (hub_event_reader), never unpacked.
*/
#include "hub_store_priv.h"
#include "hub_event_reader.h"

#include <czmq.h>

#include <string.h>

//  Binary search for the first seq with recorded_at_ms >= time_ms
int
hub_store_mdb_seq_at_time (hub_store_t *self, MDB_txn *txn, int64_t time_ms, uint64_t *seq)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->dbi [S_DB_EVENTS], &cursor);
    if (rc)
        return rc;
    MDB_val k, v;
    uint64_t lo = 1, hi = 0;
    rc = mdb_cursor_get (cursor, &k, &v, MDB_LAST);
    if (rc == 0) {
        memcpy (&hi, k.mv_data, sizeof hi);
        rc = mdb_cursor_get (cursor, &k, &v, MDB_FIRST);
        if (rc == 0)
            memcpy (&lo, k.mv_data, sizeof lo);
    }
    if (rc == MDB_NOTFOUND) {
        *seq = 1;
        mdb_cursor_close (cursor);
        return 0;
    }
    //  Invariant: every seq < lo is before time_ms; answer in [lo, hi + 1]
    uint64_t end = hi + 1;
    while (rc == 0 && lo < end) {
        uint64_t mid = lo + (end - lo) / 2;
        k.mv_size = sizeof mid;
        k.mv_data = &mid;
        rc = mdb_cursor_get (cursor, &k, &v, MDB_SET_RANGE);
        if (rc)
            break;
        uint64_t found;
        memcpy (&found, k.mv_data, sizeof found);
        hub_event_fields_t f;
        if (!hub_event_read (v.mv_data, v.mv_size, &f))
            f.recorded_at_ms = INT64_MAX;     //  unreadable: treat as late
        if (f.recorded_at_ms >= time_ms)
            end = mid;
        else
            lo = found + 1;
    }
    mdb_cursor_close (cursor);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    *seq = lo < end? end: lo;
    return 0;
}

int
hub_store_seq_at_time (hub_store_t *self, hub_store_txn_t *txn,
                       int64_t time_ms, uint64_t *seq)
{
    assert (self);
    assert (seq);
    MDB_txn *mtxn;
    bool own;
    int rc = hub_store_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    rc = hub_store_mdb_seq_at_time (self, mtxn, time_ms, seq);
    hub_store_snapshot_done (self, mtxn, own);
    return rc? hub_store_lmdb_error (self, "seq at time", rc): 0;
}

void
hub_store_index_key (uint8_t *buf, uint64_t seq, char kind)
{
    uint32_t block = (uint32_t) (seq >> S_BLOCK_SHIFT);
    uint16_t first = (uint16_t) (seq & S_BLOCK_MASK);
    buf [0] = (uint8_t) (block >> 24);
    buf [1] = (uint8_t) (block >> 16);
    buf [2] = (uint8_t) (block >> 8);
    buf [3] = (uint8_t) block;
    buf [4] = (uint8_t) (first >> 8);
    buf [5] = (uint8_t) first;
    buf [6] = (uint8_t) kind;
}

int
hub_store_blob_count (const uint8_t *blob, size_t size, uint32_t *n)
{
    if (size < sizeof *n)
        return MDB_CORRUPTED;
    memcpy (n, blob, sizeof *n);
    return *n <= (size - sizeof *n) / sizeof (uint32_t)? 0: MDB_CORRUPTED;
}

int
hub_store_blob_entry (const uint8_t *blob, size_t size, uint32_t i, const char **key,
                      size_t *len, const uint8_t **run, size_t *count)
{
    uint32_t place;
    uint16_t n16;
    memcpy (&place, blob + 4 + (size_t) i * 4, sizeof place);
    if (place > size || size - place < 2)
        return MDB_CORRUPTED;
    memcpy (&n16, blob + place, 2);
    *len = n16;
    *key = (const char *) blob + place + 2;
    size_t at = place + 2 + (size_t) n16;
    if (at > size || size - at < 2)
        return MDB_CORRUPTED;
    memcpy (&n16, blob + at, 2);
    *count = n16;
    *run = blob + at + 2;
    return size - at - 2 >= (size_t) n16 * 2? 0: MDB_CORRUPTED;
}

//  The run of key in a blob: binary search of its entries. 0 (found, or
//  not: *count 0), or MDB_CORRUPTED.
static int
s_blob_find (const uint8_t *blob, size_t size, const char *key, size_t len,
             const uint8_t **run, size_t *count)
{
    *count = 0;
    uint32_t n;
    int rc = hub_store_blob_count (blob, size, &n);
    uint32_t lo = 0, hi = n;
    while (rc == 0 && lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *k;
        size_t k_len, k_count;
        const uint8_t *k_run;
        rc = hub_store_blob_entry (blob, size, mid, &k, &k_len, &k_run, &k_count);
        if (rc)
            break;
        int c = hub_store_key_cmp (k, k_len, key, len);
        if (c == 0) {
            *run = k_run;
            *count = k_count;
            break;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return rc;
}

//  --------------------------------------------------------------------------
//  Where scan candidates come from: an index's runs, block by block, or
//  the event log

typedef struct {
    MDB_cursor *events;         //  cursor on the event log
    MDB_cursor *index;          //  cursor on the index, or NULL
    char kind;                  //  the index's kind of key
    const char *key;            //  the index key wanted
    size_t key_len;
    uint64_t block;             //  the block being read
    uint64_t last_block;        //  the block of the last seq in range
    bool in_block;              //  positioned on a blob of the block
    const uint8_t *run;         //  the current run's offsets (may be unaligned)
    size_t run_n;
    size_t run_i;
    bool started;               //  first candidate fetched
    uint64_t from;              //  first seq wanted
} s_iter_t;

//  Next event of the log itself (no index)
static int
s_iter_log (s_iter_t *it, uint64_t *seq, MDB_val *data)
{
    MDB_val k;
    int rc;
    if (!it->started) {
        k.mv_size = sizeof it->from;
        k.mv_data = &it->from;
        rc = mdb_cursor_get (it->events, &k, data, MDB_SET_RANGE);
        it->started = true;
    }
    else
        rc = mdb_cursor_get (it->events, &k, data, MDB_NEXT);
    if (rc == 0)
        memcpy (seq, k.mv_data, sizeof *seq);
    return rc;
}

//  Next run of the key: from the block's next blob of the kind, or the
//  first of the next block; an empty run when a blob or block has none.
//  MDB_NOTFOUND past the last block.
static int
s_iter_run (s_iter_t *it, const uint8_t **run, size_t *count)
{
    MDB_val k, v;
    *count = 0;
    int rc;
    if (it->in_block)
        rc = mdb_cursor_get (it->index, &k, &v, MDB_NEXT);
    else {
        if (!it->started) {
            it->started = true;
            it->block = it->from >> S_BLOCK_SHIFT;
        }
        else
            it->block++;
        if (it->block > it->last_block)
            return MDB_NOTFOUND;
        //  From the block's first offset, at this kind: a complete block's
        //  one blob of the kind is the first entry found
        uint8_t key [S_INDEX_KEY];
        hub_store_index_key (key, it->block << S_BLOCK_SHIFT, it->kind);
        k.mv_size = sizeof key;
        k.mv_data = key;
        rc = mdb_cursor_get (it->index, &k, &v, MDB_SET_RANGE);
    }
    if (rc == 0 && k.mv_size != S_INDEX_KEY)
        return MDB_CORRUPTED;
    it->in_block = rc == 0 && hub_store_key_block (&k) == it->block;
    if (rc == MDB_NOTFOUND || (rc == 0 && !it->in_block))
        return 0;                       //  the block is done
    if (rc || ((const uint8_t *) k.mv_data) [6] != (uint8_t) it->kind)
        return rc;                      //  another kind's blob: an empty run
    return s_blob_find (v.mv_data, v.mv_size, it->key, it->key_len, run, count);
}

//  Next candidate: its seq and event bytes. MDB_NOTFOUND at the end.
static int
s_iter_next (s_iter_t *it, uint64_t *seq, MDB_val *data)
{
    if (!it->index)
        return s_iter_log (it, seq, data);
    while (true) {
        while (it->run_i < it->run_n) {
            uint16_t offset;
            memcpy (&offset, it->run + it->run_i++ * sizeof offset, sizeof offset);
            if (offset > S_BLOCK_MASK)
                return MDB_CORRUPTED;   //  a damaged blob: not another block's seq
            uint64_t s = (it->block << S_BLOCK_SHIFT) | offset;
            if (s < it->from)
                continue;
            //  Candidates ascend, so the seek mostly stays on the cursor's page
            MDB_val k = { sizeof s, &s };
            int rc = mdb_cursor_get (it->events, &k, data, MDB_SET_KEY);
            if (rc == MDB_NOTFOUND)
                continue;               //  an index entry without event: skip
            if (rc)
                return rc;
            *seq = s;
            return 0;
        }
        int rc = s_iter_run (it, &it->run, &it->run_n);
        if (rc)
            return rc;
        it->run_i = 0;
    }
}

//  --------------------------------------------------------------------------
//  Scan

//  What a scan looks for and where: the filter's keys (commission, type,
//  agency, the order of selectivity) and the seq range
typedef struct {
    const hub_store_filter_t *fl;
    const char *keys [3];
    size_t key_lens [3];        //  0 for a key not checked per event
    bool need_fields;           //  events must be read to match
    uint64_t start;             //  first seq that can match
    uint64_t bound;             //  one past the last seq that can match
} s_plan_t;

static const char s_key_kinds [3] = { S_INDEX_COMMISSION, S_INDEX_TYPE, S_INDEX_AGENCY };

//  The seq range: from_seq or since_ms, up to to_seq or the last seq
static int
s_plan_range (hub_store_t *self, MDB_txn *mtxn, s_plan_t *plan, uint64_t from_seq)
{
    uint64_t last = 0;
    int rc = hub_store_mdb_last_seq (self, mtxn, &last);
    if (rc)
        return rc;
    plan->start = from_seq? from_seq: 1;
    if (plan->fl->since_ms) {
        uint64_t at;
        rc = hub_store_mdb_seq_at_time (self, mtxn, plan->fl->since_ms, &at);
        if (rc)
            return rc;
        if (at > plan->start)
            plan->start = at;
    }
    plan->bound = last + 1;
    if (plan->fl->to_seq && plan->fl->to_seq < last)
        plan->bound = plan->fl->to_seq + 1;
    return 0;
}

//  Opens the candidates' cursors, through the most selective index the
//  filter names (its key need not be checked per event)
static int
s_plan_iter (hub_store_t *self, MDB_txn *mtxn, s_plan_t *plan, s_iter_t *it)
{
    it->from = plan->start;
    int rc = mdb_cursor_open (mtxn, self->dbi [S_DB_EVENTS], &it->events);
    for (int i = 0; i < 3 && rc == 0; i++) {
        if (plan->key_lens [i] == 0)
            continue;
        rc = mdb_cursor_open (mtxn, self->dbi [S_DB_INDEX], &it->index);
        if (rc)
            break;
        it->kind = s_key_kinds [i];
        it->key = plan->keys [i];
        it->key_len = plan->key_lens [i];
        it->last_block = (plan->bound - 1) >> S_BLOCK_SHIFT;
        plan->key_lens [i] = 0;
        break;
    }
    const hub_store_filter_t *fl = plan->fl;
    plan->need_fields = plan->key_lens [0] || plan->key_lens [1] || plan->key_lens [2]
                     || fl->stage || fl->since_ms || fl->until_ms || fl->n_commission_ids
                     || fl->n_agencies || fl->n_types || fl->n_stages;
    return rc;
}

static inline bool
s_str_eq (const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp (a, b, alen) == 0;
}

typedef enum { S_MATCH, S_SKIP, S_PAST } s_match_t;

//  True if the text is one of the n values (n 0: any text)
static bool
s_any_of (const char *text, size_t len, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s_str_eq (text, len, values [i], strlen (values [i])))
            return true;
    return n == 0;
}

//  The filter's lists of values, each OR'ed within itself
static bool
s_match_lists (const hub_store_filter_t *fl, const hub_event_fields_t *f)
{
    bool stage = fl->n_stages == 0;
    for (size_t i = 0; i < fl->n_stages; i++)
        stage |= (int) f->stage == fl->stages [i];
    const char *id = "";
    size_t id_len = 0;
    if (fl->n_commission_ids && !hub_event_commission (f, &id, &id_len))
        return false;
    return stage && s_any_of (f->type, f->type_len, fl->types, fl->n_types)
        && s_any_of (f->sender, f->sender_len, fl->agencies, fl->n_agencies)
        && s_any_of (id, id_len, fl->commission_ids, fl->n_commission_ids);
}

//  Does the event match the plan's per-event checks? S_PAST: recorded_at
//  reached until_ms, and recorded_at never decreases: nothing later can
static s_match_t
s_match (const s_plan_t *plan, const MDB_val *data)
{
    const hub_store_filter_t *fl = plan->fl;
    hub_event_fields_t f;
    if (!hub_event_read (data->mv_data, data->mv_size, &f))
        return S_SKIP;              //  unreadable bytes match no filter
    if (fl->until_ms && f.recorded_at_ms >= fl->until_ms)
        return S_PAST;
    if ((fl->since_ms && f.recorded_at_ms < fl->since_ms)
    ||  (fl->stage && f.stage != fl->stage))
        return S_SKIP;
    if (plan->key_lens [1]
    && !s_str_eq (f.type, f.type_len, plan->keys [1], plan->key_lens [1]))
        return S_SKIP;
    if (plan->key_lens [2]
    && !s_str_eq (f.sender, f.sender_len, plan->keys [2], plan->key_lens [2]))
        return S_SKIP;
    if (plan->key_lens [0]) {
        const char *id;
        size_t id_len;
        if (!hub_event_commission (&f, &id, &id_len)
        || !s_str_eq (id, id_len, plan->keys [0], plan->key_lens [0]))
            return S_SKIP;
    }
    return s_match_lists (fl, &f)? S_MATCH: S_SKIP;
}

//  One page of a scan, and where the next one starts
typedef struct {
    size_t limit, max_bytes;
    hub_store_visit_fn *visit;
    void *arg;
    uint64_t next;              //  where the next page starts
    bool done;                  //  no matching event past the page
    uint64_t last_visited;
} s_page_t;

//  Visits the matches until the page is full, then finds the next match
static int
s_scan_run (s_iter_t *it, const s_plan_t *plan, s_page_t *page)
{
    uint64_t visited = 0, bytes = 0;
    bool visiting = true;
    while (true) {
        uint64_t seq;
        MDB_val data;
        int rc = s_iter_next (it, &seq, &data);
        if (rc == MDB_NOTFOUND || (rc == 0 && seq >= plan->bound)) {
            page->next = plan->bound;
            page->done = true;
            return 0;
        }
        if (rc)
            return rc;
        s_match_t match = plan->need_fields? s_match (plan, &data): S_MATCH;
        if (match == S_SKIP)
            continue;
        if (match == S_PAST || !visiting) {
            //  Past until_ms (the end), or a match past the page
            page->next = seq;
            page->done = match == S_PAST;
            return 0;
        }
        int stop = page->visit? page->visit (seq, data.mv_data, data.mv_size, page->arg): 0;
        visited++;
        bytes += data.mv_size;
        page->last_visited = seq;
        if (stop || (page->limit && visited >= page->limit)
        || (page->max_bytes && bytes >= page->max_bytes))
            visiting = false;
    }
}

//  The filter's keys, in the order of the indexes' selectivity
static int
s_plan_keys (hub_store_t *self, const hub_store_filter_t *fl, s_plan_t *plan)
{
    memset (plan, 0, sizeof *plan);
    plan->fl = fl;
    plan->keys [0] = fl->commission_id;
    plan->keys [1] = fl->type;
    plan->keys [2] = fl->agency;
    for (int i = 0; i < 3; i++) {
        plan->key_lens [i] = plan->keys [i]? strlen (plan->keys [i]): 0;
        if (plan->key_lens [i] > S_MAX_INDEX_KEY) {
            hub_store_set_error (self, "scan filter key over %d bytes", S_MAX_INDEX_KEY);
            return HUB_STORE_INVALID;
        }
    }
    return 0;
}

int
hub_store_scan (hub_store_t *self, hub_store_txn_t *txn,
                const hub_store_filter_t *filter, uint64_t from_seq,
                size_t limit, size_t max_bytes,
                hub_store_visit_fn *visit, void *arg,
                uint64_t *next_seq, bool *end)
{
    assert (self);
    static const hub_store_filter_t none;
    s_plan_t plan;
    int rc = s_plan_keys (self, filter? filter: &none, &plan);
    if (rc)
        return rc;
    MDB_txn *mtxn;
    bool own;
    rc = hub_store_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    s_iter_t it;
    memset (&it, 0, sizeof it);
    s_page_t page = { limit, max_bytes, visit, arg, 0, false, 0 };
    rc = s_plan_range (self, mtxn, &plan, from_seq);
    if (rc == 0 && plan.start >= plan.bound) {
        //  Past the whole range: the end, and the next page starts after it
        page.next = plan.start > plan.bound? plan.start: plan.bound;
        page.done = true;
    }
    else
    if (rc == 0)
        rc = s_plan_iter (self, mtxn, &plan, &it);
    if (rc == 0 && !page.done)
        rc = s_scan_run (&it, &plan, &page);
    if (it.index)
        mdb_cursor_close (it.index);
    if (it.events)
        mdb_cursor_close (it.events);
    hub_store_snapshot_done (self, mtxn, own);
    if (rc)
        return hub_store_lmdb_error (self, "scan", rc);
    if (page.next <= page.last_visited)
        page.next = page.last_visited + 1;
    if (next_seq)
        *next_seq = page.next;
    if (end)
        *end = page.done;
    return 0;
}
