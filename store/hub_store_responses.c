/*  hub_store_responses: the consultation responses index, so that erasure
    finds a response's seq without scanning and unpacking a commission's
    events. Key: commission id, consultation id, responding agency (the
    event's sender) and response id, each followed by a NUL (so the parts
    are C strings in the map and a prefix names a commission, a
    consultation or one agency's responses to it): response ids are each
    agency's own, so the agency is part of a response's name. Value: the
    seq (native uint64). (The agency joined the key within format 2: no
    store of format 2 had shipped with the three-part key.)
    Written at commit for consultation.response events, from the stored
    bytes, and built the same way when a format 1 store is upgraded.
*/
#include "hub_store_priv.h"
#include "hub_event_reader.h"
#include "hub_proto.h"

#include <czmq.h>

#include <inttypes.h>
#include <string.h>

//  Appends part (len bytes) and its NUL at buf [*at]; false if over S_MAX_KEY
static bool
s_key_part (char *buf, size_t *at, const char *part, size_t len)
{
    if (*at + len + 1 > S_MAX_KEY)
        return false;
    memcpy (buf + *at, part, len);
    buf [*at + len] = '\0';
    *at += len + 1;
    return true;
}

//  The key of a stored response event, or 0 if it is not one (or its ids
//  do not make a key: an empty commission or response id, or too long)
static size_t
s_event_key (char buf [S_MAX_KEY], const void *data, size_t size)
{
    hub_event_fields_t f;
    const char *commission, *consultation, *response;
    size_t commission_len, consultation_len, response_len, at = 0;
    if (!hub_event_read (data, size, &f)
    ||  !hub_event_commission (&f, &commission, &commission_len)
    ||  !hub_event_response (&f, &consultation, &consultation_len, &response, &response_len)
    ||  commission_len == 0 || response_len == 0
    ||  !s_key_part (buf, &at, commission, commission_len)
    ||  !s_key_part (buf, &at, consultation, consultation_len)
    ||  !s_key_part (buf, &at, f.sender? f.sender: "", f.sender_len)
    ||  !s_key_part (buf, &at, response, response_len))
        return 0;
    return at;
}

//  Indexes one event if it is a response. The first event stored under a
//  key keeps it (the domain refuses a response id an agency used twice in
//  a consultation; were one stored, the first is the one erasure finds).
static int
s_put (hub_store_t *self, MDB_txn *txn, uint64_t seq, const void *data, size_t size)
{
    char key [S_MAX_KEY];
    size_t len = s_event_key (key, data, size);
    if (len == 0) {
        zsys_warning ("store: response not indexed seq=%" PRIu64 " (no commission or "
                      "response id, or ids over %d bytes)", seq, S_MAX_KEY);
        return 0;
    }
    MDB_val k = { len, key }, v = { sizeof seq, &seq };
    int rc = mdb_put (txn, self->dbi [S_DB_RESPONSES], &k, &v, MDB_NOOVERWRITE);
    return rc == MDB_KEYEXIST? 0: rc;
}

//  Only the events of type consultation.response are read: for the others
//  the cost is one string compare per event
int
hub_store_write_responses (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn)
{
    const char *type = hub_proto_type_name (CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED);
    int rc = 0;
    for (size_t i = 0; i < batch->nevents && rc == 0; i++) {
        const hub_store_event_t *e = &batch->events [i];
        if (e->type && strcmp (e->type, type) == 0)
            rc = s_put (self, txn, e->seq, e->data, e->size);
    }
    return rc;
}

int
hub_store_build_responses (hub_store_t *self, MDB_txn *txn, uint64_t *count)
{
    const char *type = hub_proto_type_name (CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED);
    size_t type_len = strlen (type);
    *count = 0;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->dbi [S_DB_EVENTS], &cursor);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get (cursor, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT)) {
        hub_event_fields_t f;
        if (!hub_event_read (v.mv_data, v.mv_size, &f)
        ||  f.type_len != type_len || memcmp (f.type, type, type_len) != 0)
            continue;
        uint64_t seq;
        memcpy (&seq, k.mv_data, sizeof seq);
        rc = s_put (self, txn, seq, v.mv_data, v.mv_size);
        if (rc)
            break;
        (*count)++;
    }
    mdb_cursor_close (cursor);
    return rc == MDB_NOTFOUND? 0: rc;
}

//  --------------------------------------------------------------------------
//  Reads

//  Builds the key of the ids given, or the prefix of the leading ones that
//  are not NULL (a NULL part ends the key)
static size_t
s_ids_key (char buf [S_MAX_KEY], const char *commission, const char *consultation,
           const char *agency, const char *response)
{
    const char *parts [] = { commission, consultation, agency, response };
    size_t at = 0;
    for (size_t i = 0; i < 4 && parts [i]; i++)
        if (!s_key_part (buf, &at, parts [i], strlen (parts [i])))
            return 0;
    return at;
}

int
hub_store_response_find (hub_store_t *self, hub_store_txn_t *txn, const char *commission_id,
                         const char *consultation_id, const char *agency,
                         const char *response_id, uint64_t *seq)
{
    assert (self);
    assert (seq);
    char key [S_MAX_KEY];
    size_t len = 0;
    if (commission_id && *commission_id && consultation_id && agency && response_id
    &&  *response_id)
        len = s_ids_key (key, commission_id, consultation_id, agency, response_id);
    if (len == 0) {
        hub_store_set_error (self, "response find: commission and response ids must be set, "
                             "all four parts under %d bytes together", S_MAX_KEY - 4);
        return HUB_STORE_INVALID;
    }
    MDB_txn *mtxn;
    bool own;
    int rc = hub_store_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    MDB_val k = { len, key }, v;
    int result = 0;
    rc = mdb_get (mtxn, self->dbi [S_DB_RESPONSES], &k, &v);
    if (rc == MDB_NOTFOUND)
        result = HUB_STORE_NOTFOUND;
    else
    if (rc)
        result = hub_store_lmdb_error (self, "response find", rc);
    else
    if (v.mv_size != sizeof *seq) {
        hub_store_set_error (self, "responses value has %zu bytes, expected 8", v.mv_size);
        result = HUB_STORE_ERROR;
    }
    else
        memcpy (seq, v.mv_data, sizeof *seq);
    hub_store_snapshot_done (self, mtxn, own);
    return result;
}

//  Visits the keys under prefix whose agency and response id are agency
//  and response (NULL: any)
static int
s_each (hub_store_t *self, MDB_txn *mtxn, const char *prefix, size_t prefix_len,
        const char *agency, const char *response, hub_store_response_fn *fn, void *arg)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (mtxn, self->dbi [S_DB_RESPONSES], &cursor);
    if (rc)
        return rc;
    MDB_val k = { prefix_len, (void *) prefix }, v;
    for (rc = mdb_cursor_get (cursor, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT)) {
        const char *key = k.mv_data;
        if (k.mv_size < prefix_len || memcmp (key, prefix, prefix_len) != 0)
            break;
        //  Keys are four NUL-terminated parts (a malformed one is skipped)
        if (key [k.mv_size - 1] != '\0' || v.mv_size != sizeof (uint64_t))
            continue;
        const char *end = key + k.mv_size, *part [4] = { key };
        size_t n = 1;
        for (; n < 4 && part [n - 1] < end; n++)
            part [n] = part [n - 1] + strlen (part [n - 1]) + 1;
        if (n < 4 || part [3] >= end || part [3] + strlen (part [3]) + 1 != end
        ||  (agency && strcmp (part [2], agency) != 0)
        ||  (response && strcmp (part [3], response) != 0))
            continue;
        uint64_t seq;
        memcpy (&seq, v.mv_data, sizeof seq);
        if (fn (part [1], part [2], part [3], seq, arg))
            break;
    }
    mdb_cursor_close (cursor);
    return rc == MDB_NOTFOUND? 0: rc;
}

int
hub_store_response_each (hub_store_t *self, hub_store_txn_t *txn, const char *commission_id,
                         const char *consultation_id, const char *agency,
                         const char *response_id, hub_store_response_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    char prefix [S_MAX_KEY];
    size_t len = 0;
    bool by_consultation = consultation_id && *consultation_id;
    bool by_agency = agency && *agency;
    if (commission_id && *commission_id)
        len = s_ids_key (prefix, commission_id, by_consultation? consultation_id: NULL,
                         by_consultation && by_agency? agency: NULL, NULL);
    if (len == 0) {
        hub_store_set_error (self, "response each: the commission id must be 1 to %d bytes",
                             S_MAX_KEY - 3);
        return HUB_STORE_INVALID;
    }
    MDB_txn *mtxn;
    bool own;
    int rc = hub_store_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    rc = s_each (self, mtxn, prefix, len, by_agency? agency: NULL,
                 response_id && *response_id? response_id: NULL, fn, arg);
    hub_store_snapshot_done (self, mtxn, own);
    return rc? hub_store_lmdb_error (self, "response each", rc): 0;
}
