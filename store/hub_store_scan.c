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

size_t
hub_store_index_key (uint8_t *buf, char kind, uint64_t seq, const char *key, size_t len)
{
    uint32_t block = (uint32_t) (seq >> S_BLOCK_SHIFT);
    uint16_t first = (uint16_t) (seq & S_BLOCK_MASK);
    buf [0] = (uint8_t) kind;
    buf [1] = (uint8_t) (block >> 24);
    buf [2] = (uint8_t) (block >> 16);
    buf [3] = (uint8_t) (block >> 8);
    buf [4] = (uint8_t) block;
    memcpy (buf + S_INDEX_HEAD, key, len);
    buf [S_INDEX_HEAD + len] = 0;
    buf [S_INDEX_HEAD + len + 1] = (uint8_t) (first >> 8);
    buf [S_INDEX_HEAD + len + 2] = (uint8_t) first;
    return S_INDEX_HEAD + len + S_INDEX_TAIL;
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
    uint8_t prefix [S_MAX_KEY]; //  the key's entries in the block: kind, block, key, NUL
    uint64_t block;             //  the block being read
    uint64_t last_block;        //  the block of the last seq in range
    bool in_block;              //  positioned on a run of the block
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

//  Next run of the key into v: the block's next run, or the first run of
//  the next block; an empty run when a block is done or holds none.
//  MDB_NOTFOUND past the last block.
static int
s_iter_run (s_iter_t *it, MDB_val *v)
{
    MDB_val k;
    v->mv_size = 0;
    v->mv_data = NULL;
    size_t prefix_len = S_INDEX_HEAD + it->key_len + 1;
    int rc;
    if (it->in_block)
        rc = mdb_cursor_get (it->index, &k, v, MDB_NEXT);
    else {
        if (!it->started) {
            it->started = true;
            it->block = it->from >> S_BLOCK_SHIFT;
        }
        else
            it->block++;
        if (it->block > it->last_block)
            return MDB_NOTFOUND;
        k.mv_size = hub_store_index_key (it->prefix, it->kind, it->block << S_BLOCK_SHIFT,
                                         it->key, it->key_len);
        k.mv_data = it->prefix;
        rc = mdb_cursor_get (it->index, &k, v, MDB_SET_RANGE);
    }
    //  A run of this key and block: the prefix, then the first offset
    if (rc == 0 && (k.mv_size != prefix_len + 2 || memcmp (k.mv_data, it->prefix, prefix_len)))
        rc = MDB_NOTFOUND;
    if (rc == 0 && (v->mv_size == 0 || v->mv_size % sizeof (uint16_t)))
        return MDB_CORRUPTED;
    it->in_block = rc == 0;
    if (rc == MDB_NOTFOUND) {
        v->mv_size = 0;                 //  this block is done, or has no run
        v->mv_data = NULL;
        return 0;
    }
    return rc;
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
        MDB_val v;
        int rc = s_iter_run (it, &v);
        if (rc)
            return rc;
        it->run = v.mv_data;
        it->run_n = v.mv_size / sizeof (uint16_t);
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
