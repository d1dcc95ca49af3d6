/*  hub_store_read: the store's point reads (an event by seq, a commission's
    state, a dedupe key), the dedupe key's one format, counts and stat.
*/
#include "hub_store_priv.h"

#include <czmq.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int
hub_store_mdb_last_seq (hub_store_t *self, MDB_txn *txn, uint64_t *seq)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->dbi [S_DB_EVENTS], &cursor);
    if (rc)
        return rc;
    MDB_val k, v;
    rc = mdb_cursor_get (cursor, &k, &v, MDB_LAST);
    mdb_cursor_close (cursor);
    if (rc == MDB_NOTFOUND) {
        *seq = 0;
        return 0;
    }
    if (rc == 0)
        memcpy (seq, k.mv_data, sizeof *seq);
    return rc;
}

int
hub_store_last_seq (hub_store_t *self, hub_store_txn_t *txn, uint64_t *seq)
{
    assert (self);
    assert (seq);
    MDB_txn *mtxn;
    bool own;
    int rc = hub_store_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    rc = hub_store_mdb_last_seq (self, mtxn, seq);
    hub_store_snapshot_done (self, mtxn, own);
    return rc? hub_store_lmdb_error (self, "read last seq", rc): 0;
}

//  Gets a copy of a value; NOTFOUND is a normal result
static int
s_get_copy (hub_store_t *self, hub_store_txn_t *txn, int db, MDB_val *key,
            void **data, size_t *size)
{
    assert (data);
    assert (size);
    *data = NULL;
    *size = 0;
    MDB_txn *mtxn;
    bool own;
    int rc = hub_store_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    MDB_val v;
    int result = 0;
    rc = mdb_get (mtxn, self->dbi [db], key, &v);
    if (rc == MDB_NOTFOUND)
        result = HUB_STORE_NOTFOUND;
    else
    if (rc)
        result = hub_store_lmdb_error (self, "get", rc);
    else {
        *data = malloc (v.mv_size? v.mv_size: 1);
        if (*data) {
            memcpy (*data, v.mv_data, v.mv_size);
            *size = v.mv_size;
        }
        else {
            hub_store_set_error (self, "out of memory");
            result = HUB_STORE_ERROR;
        }
    }
    hub_store_snapshot_done (self, mtxn, own);
    return result;
}

int
hub_store_get (hub_store_t *self, hub_store_txn_t *txn, uint64_t seq,
               void **data, size_t *size)
{
    assert (self);
    MDB_val key = { sizeof seq, &seq };
    return s_get_copy (self, txn, S_DB_EVENTS, &key, data, size);
}

int
hub_store_commission_get (hub_store_t *self, hub_store_txn_t *txn,
                          const char *commission_id, void **data, size_t *size)
{
    assert (self);
    size_t len = commission_id? strlen (commission_id): 0;
    if (len == 0 || len > S_MAX_KEY) {
        if (data)
            *data = NULL;
        if (size)
            *size = 0;
        hub_store_set_error (self, "commission id must be 1 to %d bytes", S_MAX_KEY);
        return HUB_STORE_INVALID;
    }
    MDB_val key = { len, (void *) commission_id };
    return s_get_copy (self, txn, S_DB_COMMISSIONS, &key, data, size);
}

int
hub_store_commission_each (hub_store_t *self, hub_store_txn_t *txn, const char *after_id,
                           hub_store_commission_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    size_t after_len = after_id? strlen (after_id): 0;
    if (after_len > S_MAX_KEY) {
        hub_store_set_error (self, "commission id must be 1 to %d bytes", S_MAX_KEY);
        return HUB_STORE_INVALID;
    }
    MDB_txn *mtxn;
    bool own;
    int rc = hub_store_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    MDB_cursor *cursor;
    rc = mdb_cursor_open (mtxn, self->dbi [S_DB_COMMISSIONS], &cursor);
    if (rc) {
        hub_store_snapshot_done (self, mtxn, own);
        return hub_store_lmdb_error (self, "open a cursor on commissions", rc);
    }
    MDB_val key = { after_len, (void *) after_id }, value;
    rc = mdb_cursor_get (cursor, &key, &value, after_len? MDB_SET_RANGE: MDB_FIRST);
    //  SET_RANGE lands on after_id itself when it exists: the page starts after it
    if (rc == 0 && after_len && key.mv_size == after_len
    &&  memcmp (key.mv_data, after_id, after_len) == 0)
        rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    char id [S_MAX_KEY + 1];
    while (rc == 0) {
        memcpy (id, key.mv_data, key.mv_size);
        id [key.mv_size] = 0;
        if (fn (id, value.mv_data, value.mv_size, arg))
            break;
        rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    hub_store_snapshot_done (self, mtxn, own);
    return rc == 0 || rc == MDB_NOTFOUND? 0: hub_store_lmdb_error (self, "read commissions", rc);
}

//  Plain copies, no printf: the broker builds one key per publish
size_t
hub_store_dedupe_key (char *buf, const char *agency,
                      const char *msg_id)
{
    size_t alen = agency? strlen (agency): 0;
    size_t mlen = msg_id? strlen (msg_id): 0;
    if (mlen == 0 || alen + 1 + mlen > HUB_STORE_DEDUPE_KEY_MAX)
        return 0;
    memcpy (buf, agency? agency: "", alen);
    buf [alen] = '\0';
    memcpy (buf + alen + 1, msg_id, mlen + 1);
    return alen + 1 + mlen;
}

int
hub_store_dedupe_get (hub_store_t *self, hub_store_txn_t *txn,
                      const char *agency, const char *msg_id,
                      uint64_t *seq, uint8_t digest [HUB_STORE_DIGEST_SIZE])
{
    assert (self);
    char buf [HUB_STORE_DEDUPE_KEY_MAX + 1];
    size_t len = hub_store_dedupe_key (buf, agency, msg_id);
    if (len == 0) {
        hub_store_set_error (self, "dedupe key: msg_id must be set and agency + msg_id "
                             "under %d bytes", HUB_STORE_DEDUPE_KEY_MAX);
        return HUB_STORE_INVALID;
    }
    return hub_store_dedupe_find (self, txn, buf, len, seq, digest);
}

int
hub_store_dedupe_find (hub_store_t *self, hub_store_txn_t *txn, const char *key,
                       size_t len, uint64_t *seq, uint8_t digest [HUB_STORE_DIGEST_SIZE])
{
    assert (self);
    assert (key && len);
    MDB_txn *mtxn;
    bool own;
    int rc = hub_store_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    MDB_val k = { len, (void *) key }, v;
    int result = 0;
    if (own)
        rc = mdb_get (mtxn, self->dbi [S_DB_DEDUPE], &k, &v);
    else {
        //  A snapshot's lookups (a drain's publishes) mostly follow one
        //  another in key order (a publisher's msg_ids ascend): through one
        //  cursor, LMDB looks on the last lookup's page before it descends
        //  the tree. A miss still positions the cursor (MDB_SET_RANGE).
        if (!txn->dedupe)
            rc = mdb_cursor_open (mtxn, self->dbi [S_DB_DEDUPE], &txn->dedupe);
        MDB_val found = k;
        if (rc == 0)
            rc = mdb_cursor_get (txn->dedupe, &found, &v, MDB_SET_RANGE);
        if (rc == 0 && (found.mv_size != len || memcmp (found.mv_data, key, len) != 0))
            rc = MDB_NOTFOUND;
    }
    if (rc == MDB_NOTFOUND)
        result = HUB_STORE_NOTFOUND;
    else
    if (rc)
        result = hub_store_lmdb_error (self, "dedupe get", rc);
    else
    if (v.mv_size != S_DEDUPE_VALUE) {
        hub_store_set_error (self, "dedupe value has %zu bytes, expected %d",
                             v.mv_size, S_DEDUPE_VALUE);
        result = HUB_STORE_ERROR;
    }
    else {
        if (seq)
            memcpy (seq, v.mv_data, sizeof *seq);
        if (digest)
            memcpy (digest, (uint8_t *) v.mv_data + 8, HUB_STORE_DIGEST_SIZE);
    }
    hub_store_snapshot_done (self, mtxn, own);
    return result;
}

size_t
hub_store_dedupe_key_size (const char *key)
{
    size_t alen = strlen (key);
    return alen + 1 + strlen (key + alen + 1) + 1;
}

uint64_t
hub_store_dedupe_key_hash (const char *key, size_t size)
{
    //  In memory only: the broker's table of publishes awaiting commit
    return hub_store_hash (key, size, 0);
}

int
hub_store_counts (hub_store_t *self, hub_store_txn_t *txn,
                  hub_store_count_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    MDB_txn *mtxn;
    bool own;
    int rc = hub_store_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    MDB_cursor *cursor;
    rc = mdb_cursor_open (mtxn, self->dbi [S_DB_COUNTS], &cursor);
    if (rc == 0) {
        MDB_val k, v;
        for (rc = mdb_cursor_get (cursor, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT)) {
            char key [S_COUNT_KEY_MAX + 1];
            uint64_t count = 0;
            if (k.mv_size > S_COUNT_KEY_MAX || v.mv_size != sizeof count)
                continue;
            memcpy (key, k.mv_data, k.mv_size);
            key [k.mv_size] = '\0';
            memcpy (&count, v.mv_data, sizeof count);
            fn (key, count, arg);
        }
        mdb_cursor_close (cursor);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    hub_store_snapshot_done (self, mtxn, own);
    return rc? hub_store_lmdb_error (self, "counts", rc): 0;
}

int
hub_store_stat (hub_store_t *self, hub_store_txn_t *txn, hub_store_stat_t *stat)
{
    assert (self);
    assert (stat);
    memset (stat, 0, sizeof *stat);
    MDB_txn *mtxn;
    bool own;
    int rc = hub_store_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    MDB_stat st;
    MDB_envinfo info;
    rc = hub_store_mdb_last_seq (self, mtxn, &stat->last_seq);
    if (rc == 0)
        rc = mdb_stat (mtxn, self->dbi [S_DB_COMMISSIONS], &st);
    if (rc == 0) {
        stat->commissions = st.ms_entries;
        rc = mdb_stat (mtxn, self->dbi [S_DB_INDEX], &st);
    }
    if (rc == 0) {
        stat->index_entries = st.ms_entries;
        rc = mdb_env_stat (self->env, &st);
    }
    if (rc == 0)
        rc = mdb_env_info (self->env, &info);
    if (rc == 0) {
        stat->map_size = info.me_mapsize;
        stat->used_bytes = (size_t) (info.me_last_pgno + 1) * st.ms_psize;
        //  A store opened bigger than its maximum takes no more than it has
        stat->map_size_max = self->map_size_max > stat->map_size? self->map_size_max: stat->map_size;
    }
    hub_store_snapshot_done (self, mtxn, own);
    return rc? hub_store_lmdb_error (self, "stat", rc): 0;
}
