/*  hub_store: cyclehub's history, an embedded LMDB environment.

    The only code that includes lmdb.h. Holds the event log (seq -> packed
    Event bytes, exactly what the events socket sends), indexes by
    commission, sender agency and message type, the current state of each
    commission, dedupe keys, counts per stage and type, and a meta database
    (format version, hub id).

    One process writes (the broker, from one thread); any number of threads
    and processes read. Every function returns 0 on success or a negative
    hub_store_rc_t; "not found" is HUB_STORE_NOTFOUND (1), a normal result.
*/
#ifndef HUB_STORE_H
#define HUB_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HUB_STORE_OK = 0,
    HUB_STORE_NOTFOUND = 1,      /* a normal result: no such key */
    HUB_STORE_ERROR = -1,        /* an LMDB or system error; see hub_store_strerror */
    HUB_STORE_FULL = -2,         /* the map is at its configured maximum */
    HUB_STORE_VERSION = -3,      /* the store has a format this build cannot read */
    HUB_STORE_INVALID = -4,      /* a bad argument (seq out of order, empty key...) */
    HUB_STORE_DISK_FULL = -5     /* the file system holding the store is full: a write
                                    failed with ENOSPC, or with EIO (LMDB's report of a
                                    short write) while under 16 MiB are free */
} hub_store_rc_t;

/* Format 2 added the responses index; format 3 kept the commission,
   agency and type indexes as runs in one tree, where format 2 had three
   trees of dup lists (one insert per event and index); format 4 keeps them
   as blobs a commit appends, one per kind, where format 3 wrote a run per
   key in the middle of the tree. A store of format 1, 2 or 3 is upgraded
   when opened read-write (the indexes are built from its events, in the
   open's transaction, and logged); opened read-only it gives
   HUB_STORE_VERSION. */
#define HUB_STORE_FORMAT_VERSION 4
#define HUB_STORE_DIGEST_SIZE    16
#define HUB_STORE_DEDUPE_KEY_MAX 511   /* bytes in a dedupe key (LMDB's key limit) */

typedef struct _hub_store_t hub_store_t;
typedef struct _hub_store_txn_t hub_store_txn_t;    /* a read snapshot */
typedef struct _hub_store_batch_t hub_store_batch_t;

typedef struct {
    size_t map_size;          /* initial map size, bytes (default 64 MiB) */
    size_t map_size_max;      /* the map grows by doubling up to this (default 16 GiB);
                                 an initial map_size above it is lowered to it */
    unsigned max_readers;     /* reader slots (default 126) */
    bool nosync;              /* true: no fsync at commit (benchmarks only; logged) */
    bool read_only;           /* open for reading only (tools, backup) */
} hub_store_options_t;

/* Fills opts with the defaults above. */
void
    hub_store_options_default (hub_store_options_t *opts);

/* Opens (creating if needed) the store in directory dir, which is created
   if missing. opts may be NULL for the defaults. Clears stale reader slots.
   Read-write, it takes the store's writer lock (DIR/writer.lock, an flock
   held until hub_store_destroy or the process's end): a store open
   read-write in another process (or through another handle) is refused,
   with its pid in the sentence. Read-only opens and backups take no lock.
   On error returns HUB_STORE_ERROR or HUB_STORE_VERSION and, if err is not
   NULL, a sentence for a person in err. */
int
    hub_store_open (hub_store_t **store_p, const char *dir,
                    const hub_store_options_t *opts, char *err, size_t errsize);

/* Would hub_store_open (read-write) accept the directory's modes? The
   directory and its .mdb files must be this user's, with no group or other
   bits (they hold personal data). Returns 0, or HUB_STORE_ERROR with the
   sentence and the fix in err. For cyclehubd --check-config. */
int
    hub_store_check_private (const char *dir, char *err, size_t errsize);

/* Closes the store and NULLs *store_p. Idempotent. */
void
    hub_store_destroy (hub_store_t **store_p);

/* FOR TESTS AND MIGRATION TOOLS ONLY: rewrites the format version recorded
   in the store's meta database, so that a later hub_store_open meets a
   store of another format (HUB_STORE_VERSION). Versions 1 to 3 also
   leave the indexes as those formats had them: the index tree emptied,
   for 3 with an entry of another layout in it, for 1 and 2 the trees of
   dup lists there (with a placeholder entry each), and for 1 no responses
   index (a later read-write open upgrades the store).
   Destroy the store right after. Returns 0, HUB_STORE_INVALID (read-only
   store or a batch open) or HUB_STORE_ERROR. */
int
    hub_store_test_set_format_version (hub_store_t *self, int version);

/* Returns a sentence describing the last error of this store (static or
   owned by the store; valid until the next call on it). */
const char *
    hub_store_strerror (hub_store_t *self);

/* The hub id: 16 hex characters chosen at creation, stable for the store's
   life (used as the dedupe prefix of bridges). Owned by the store. */
const char *
    hub_store_hub_id (hub_store_t *self);

/* ---- read snapshots ---------------------------------------------------
   Every read function takes a snapshot, or NULL to use a private one for
   that call only. A snapshot sees the store as at its begin; data pointers
   handed out under it are valid until hub_store_read_end. A snapshot may
   be used and ended from any thread, but by one thread at a time.
   Growing the map (at commit) waits until every snapshot of this process
   has ended, so keep snapshots short, and never hold one on the writer
   thread across hub_store_batch_commit (the commit would fail with
   HUB_STORE_ERROR after 30 s instead of growing). */

int
    hub_store_read_begin (hub_store_t *self, hub_store_txn_t **txn_p);
void
    hub_store_read_end (hub_store_txn_t **txn_p);

/* Last seq stored (0 for an empty store). */
int
    hub_store_last_seq (hub_store_t *self, hub_store_txn_t *txn, uint64_t *seq);

/* The event stored under seq: *data is a malloc'd copy the caller frees. */
int
    hub_store_get (hub_store_t *self, hub_store_txn_t *txn, uint64_t seq,
                   void **data, size_t *size);

/* The state bytes of a commission (as written by the broker): a malloc'd
   copy the caller frees. HUB_STORE_NOTFOUND if there is none. */
int
    hub_store_commission_get (hub_store_t *self, hub_store_txn_t *txn,
                              const char *commission_id, void **data, size_t *size);

/* Visits the stored commission states in id order (byte order), starting
   after the id after_id (NULL or "": from the first): fn gets each id (a
   NUL-terminated copy) and its state bytes, valid during the call only,
   and returns 0 to go on or non-zero to stop. Returns 0 or an error. */
typedef int (hub_store_commission_fn) (const char *commission_id, const void *data,
                                       size_t size, void *arg);
int
    hub_store_commission_each (hub_store_t *self, hub_store_txn_t *txn, const char *after_id,
                               hub_store_commission_fn *fn, void *arg);

/* The one dedupe key format, on disk and in the broker's table of
   publishes awaiting commit: agency, a NUL, msg_id, written into buf with
   a closing NUL (so the key is two C strings back to back). buf needs
   room for the key and that NUL: HUB_STORE_DEDUPE_KEY_MAX + 1 bytes
   always do, and nothing is written when the key is refused. Returns the
   key's length without the closing NUL, or 0 if msg_id is NULL or "" or
   the key is over HUB_STORE_DEDUPE_KEY_MAX. No printf: one per publish. */
size_t
    hub_store_dedupe_key (char *buf, const char *agency,
                          const char *msg_id);

/* A dedupe key (as built above) as a hash table key: its size (both
   strings and their NULs: two keys are equal when their sizes and bytes
   are) and its hash (in memory only, never stored). */
size_t
    hub_store_dedupe_key_size (const char *key);
uint64_t
    hub_store_dedupe_key_hash (const char *key, size_t size);

/* Dedupe lookup of (agency, msg_id): the seq it was stored under and the
   digest of its content. HUB_STORE_NOTFOUND if never stored. */
int
    hub_store_dedupe_get (hub_store_t *self, hub_store_txn_t *txn,
                          const char *agency, const char *msg_id,
                          uint64_t *seq, uint8_t digest [HUB_STORE_DIGEST_SIZE]);

/* The same lookup by a key hub_store_dedupe_key built (len: what it
   returned, not 0), for a caller that holds the key already (the broker's
   check of a publish). */
int
    hub_store_dedupe_find (hub_store_t *self, hub_store_txn_t *txn, const char *key,
                           size_t len, uint64_t *seq, uint8_t digest [HUB_STORE_DIGEST_SIZE]);

/* First seq whose recorded_at_ms >= time_ms, by binary search (the broker
   keeps recorded_at non-decreasing). last_seq + 1 if none. */
int
    hub_store_seq_at_time (hub_store_t *self, hub_store_txn_t *txn,
                           int64_t time_ms, uint64_t *seq);

typedef struct {
    const char *commission_id;   /* NULL or "" = any */
    const char *agency;          /* sender org-id; NULL or "" = any */
    const char *type;            /* message type name; NULL or "" = any */
    int stage;                   /* Cyclehub__V1__Stage after the event; 0 = any */
    int64_t since_ms;            /* recorded_at_ms >= since_ms; 0 = any */
    int64_t until_ms;            /* recorded_at_ms < until_ms; 0 = any */
    uint64_t to_seq;             /* seq <= to_seq; 0 = no bound */
    /* Any of several values (when n_ > 0): checked per event, no index */
    const char *const *commission_ids;
    size_t n_commission_ids;
    const char *const *agencies;
    size_t n_agencies;
    const char *const *types;
    size_t n_types;
    const int *stages;
    size_t n_stages;
} hub_store_filter_t;

/* Called once per matching event, in seq order. data is valid only during
   the call. Return 0 to go on, non-zero to stop after this event. */
typedef int (hub_store_visit_fn) (uint64_t seq, const void *data, size_t size, void *arg);

/* Visits up to limit (0 = no bound) events with seq >= from_seq (0 = 1)
   that match filter (NULL = all), in seq order. *next_seq (if not NULL) is
   where the next page starts: the seq of the next matching event, or, at
   the end, one past the last seq the filter could still match in this
   snapshot (last_seq + 1, to_seq + 1, or the first event at or past
   until_ms), so a follower can resume from it later. *end (if not NULL)
   is true when no matching event exists past the page in this snapshot;
   finding that out may read past the page up to the next match.
   max_bytes (0 = no bound) stops the page once the visited bytes reach it
   (a page always holds at least one event). The stored bytes are read
   with a small wire-format reader for the filter's fields; events whose
   bytes do not parse match no filter. Returns 0, HUB_STORE_INVALID (a
   filter key over 507 bytes) or HUB_STORE_ERROR. */
int
    hub_store_scan (hub_store_t *self, hub_store_txn_t *txn,
                    const hub_store_filter_t *filter, uint64_t from_seq,
                    size_t limit, size_t max_bytes,
                    hub_store_visit_fn *visit, void *arg,
                    uint64_t *next_seq, bool *end);

/* Counts of stored events per stage name and per type name. Calls fn once
   per key ("stage:<name>" or "type:<name>"). */
typedef void (hub_store_count_fn) (const char *key, uint64_t count, void *arg);
int
    hub_store_counts (hub_store_t *self, hub_store_txn_t *txn,
                      hub_store_count_fn *fn, void *arg);

typedef struct {
    uint64_t last_seq;
    uint64_t commissions;        /* number of commission states */
    uint64_t index_entries;      /* entries of the commission, agency and type
                                    index: at most three per block of 8,192 seqs
                                    once complete, 3 x 31 in the last block */
    size_t map_size;             /* current map size, bytes */
    size_t used_bytes;           /* pages in use * page size */
    size_t map_size_max;         /* the most the map may grow to, bytes */
} hub_store_stat_t;

int
    hub_store_stat (hub_store_t *self, hub_store_txn_t *txn, hub_store_stat_t *stat);

/* ---- consultation responses -------------------------------------------
   The responses index: (commission id, consultation id, responding agency,
   response id) -> the seq of the consultation.response event that carried
   them, written at commit (from the event's bytes, for events appended
   with type "consultation.response"; the agency is the event's sender, as
   response ids are each agency's own). Redaction (hub_store_batch_replace)
   leaves it as it is. If two stored responses had the same ids, the first
   is kept. */

/* The seq of the response with these ids (consultation_id may be "" for a
   response stored without one). Returns 0, HUB_STORE_NOTFOUND,
   HUB_STORE_INVALID (commission_id or response_id NULL or "", consultation_id
   or agency NULL, or the parts over 507 bytes together) or HUB_STORE_ERROR. */
int
    hub_store_response_find (hub_store_t *self, hub_store_txn_t *txn,
                             const char *commission_id, const char *consultation_id,
                             const char *agency, const char *response_id, uint64_t *seq);

/* Called once per indexed response; the strings are valid only during the
   call. Return 0 to go on, non-zero to stop. */
typedef int (hub_store_response_fn) (const char *consultation_id, const char *agency,
                                     const char *response_id, uint64_t seq, void *arg);

/* Visits a commission's indexed responses, of one consultation
   (consultation_id NULL or "" = any), one responding agency (agency NULL or
   "" = any) and one response id (NULL or "" = any), in the order of
   (consultation id, agency, response id) bytes, not seq: a prefix scan of
   the index, no event is read. Returns 0, HUB_STORE_INVALID (no
   commission_id, or one over 507 bytes) or HUB_STORE_ERROR. */
int
    hub_store_response_each (hub_store_t *self, hub_store_txn_t *txn,
                             const char *commission_id, const char *consultation_id,
                             const char *agency, const char *response_id,
                             hub_store_response_fn *fn, void *arg);

/* ---- write batches ----------------------------------------------------
   A batch is one LMDB write transaction, run at commit. Adding only records
   pointers: every pointer handed to a batch must stay valid until commit or
   abort returns. Only one batch at a time, from the writer thread. */

typedef struct {
    uint64_t seq;                /* must be last_seq + 1, then +1 per event */
    int64_t recorded_at_ms;      /* non-decreasing */
    const char *commission_id;   /* index keys */
    const char *agency;
    const char *type;
    int stage;                   /* stage after the event (counts) */
    const char *msg_id;          /* dedupe key with agency; NULL = none */
    uint8_t digest [HUB_STORE_DIGEST_SIZE];
    const void *data;            /* the packed Event */
    size_t size;
} hub_store_event_t;

int
    hub_store_batch_begin (hub_store_t *self, hub_store_batch_t **batch_p);

/* Appends an event (the struct is copied; its strings and data are not).
   Returns HUB_STORE_INVALID if its seq is not the next, or a key is too
   long (commission_id, agency or type over 507 bytes; agency + msg_id over
   510, see hub_store_dedupe_key). msg_id NULL or "" stores no dedupe
   key; an empty commission_id, agency or type adds no index entry. */
int
    hub_store_batch_append (hub_store_batch_t *self, const hub_store_event_t *event);

/* Sets a commission's state bytes (the last put for an id wins). */
int
    hub_store_batch_put_commission (hub_store_batch_t *self, const char *commission_id,
                                    const void *data, size_t size);

/* Replaces the stored bytes of an existing event (redaction for erasure);
   its index entries are unchanged. HUB_STORE_NOTFOUND at commit if absent.
   The old bytes are zeroed in the page before the new ones are written, so
   no later snapshot or compacting backup holds them; the live data file
   may keep them in a freed page until LMDB reuses it. */
int
    hub_store_batch_replace (hub_store_batch_t *self, uint64_t seq,
                             const void *data, size_t size);

/* Runs the batch in one write transaction and commits it (synced unless
   nosync). On MDB_MAP_FULL it aborts, doubles the map (up to the maximum)
   and retries. Any failure aborts everything: nothing is half written.
   Returns 0, HUB_STORE_FULL, HUB_STORE_NOTFOUND (a replace of a missing
   seq), HUB_STORE_INVALID (a seq or (agency, msg_id) already stored) or
   HUB_STORE_ERROR; the batch is destroyed either way and *batch_p is
   NULLed. After a failure the store is as before the batch. */
int
    hub_store_batch_commit (hub_store_batch_t **batch_p);

/* Drops a batch without writing. Idempotent. */
void
    hub_store_batch_abort (hub_store_batch_t **batch_p);

/* ---- backup ------------------------------------------------------------ */

/* Hot backup: a compacting copy (mdb_env_copy2, MDB_CP_COMPACT) of the store
   in src_dir into dest_dir (created if missing; must not hold a store).
   Safe while a broker in another process writes to src_dir. LMDB forbids
   opening one environment twice in a process, so do not call this from a
   process that has src_dir open with hub_store_open. Returns 0,
   HUB_STORE_INVALID (dest_dir already holds data.mdb) or HUB_STORE_ERROR,
   with a sentence in err. */
int
    hub_store_backup (const char *src_dir, const char *dest_dir, char *err, size_t errsize);

#ifdef __cplusplus
}
#endif
#endif
