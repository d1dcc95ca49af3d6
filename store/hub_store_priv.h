/*  hub_store_priv: what the store's files share (not a public interface;
    only store/hub_store*.c include it). hub_store.c: environment, meta,
    format migration, snapshots and map growth; hub_store_read.c: point
    reads, counts, stat; hub_store_scan.c: filtered scans and time -> seq;
    hub_store_commit.c: batches and their commit; hub_store_responses.c:
    the consultation responses index; hub_store_backup.c: hot backup and
    the in-place redaction of replaced events; hub_store_files.c: the
    files' modes.
*/
#ifndef HUB_STORE_PRIV_H
#define HUB_STORE_PRIV_H

#include "hub_store.h"

#include <lmdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#define S_DEFAULT_MAP_SIZE     ((size_t) 64 << 20)
#define S_DEFAULT_MAP_MAX      ((size_t) 16 << 30)
#define S_DEFAULT_READERS      126
#define S_MAX_KEY              511      //  LMDB's default maximum key size
#define S_MAX_DBS              16       //  the named databases, and an upgrade's old ones
#define S_BLOCK_SHIFT          13       //  index entries group seqs in blocks of 8,192
#define S_BLOCK_MASK           ((UINT64_C (1) << S_BLOCK_SHIFT) - 1)
#define S_MAX_INDEX_KEY        507      //  an indexed key's longest, as hub_store.h documents
#define S_DEDUPE_VALUE         (8 + HUB_STORE_DIGEST_SIZE)
#define S_RESIZE_WAIT_S        30       //  how long a map resize waits for snapshots
#define S_COUNT_KEY_MAX        128

//  The named databases
enum {
    S_DB_EVENTS,            //  seq (native uint64, INTEGERKEY) -> packed Event
    S_DB_INDEX,             //  block, first offset, kind -> the blob of its runs (since
                            //  format 4: hub_store_index_key)
    S_DB_COMMISSIONS,       //  commission id -> state bytes
    S_DB_DEDUPE,            //  hub_store_dedupe_key: agency "\0" msg_id -> seq (uint64) + digest
    S_DB_COUNTS,            //  "stage:<name>" / "type:<name>" -> uint64
    S_DB_RESPONSES,         //  commission "\0" consultation "\0" response "\0" -> seq
                            //  (since format 2)
    S_DB_META,              //  "format_version" -> decimal, "hub_id" -> 16 hex
    S_DB_COUNT
};

//  One index entry of a batch, ordered by (key, seq) at commit; or one
//  dedupe key, ordered by agency (s_write_dedupe in hub_store_commit.c)
typedef struct {
    const char *key;            //  the index key (borrowed from the event)
    size_t len;                 //  its length (a dedupe key: its agency's)
    uint64_t seq;               //  the event's seq
} s_entry_t;

typedef struct {
    const char *id;             //  commission id (borrowed)
    const void *data;           //  state bytes (borrowed)
    size_t size;                //  their size
} s_commission_t;

typedef struct {
    uint64_t seq;               //  the event to replace
    const void *data;           //  new bytes (borrowed)
    size_t size;                //  their size
} s_replace_t;

struct _hub_store_t {
    MDB_env *env;               //  the LMDB environment
    MDB_dbi dbi [S_DB_COUNT];   //  the named databases
    char *dir;                  //  the store's directory
    size_t map_size_max;        //  the map grows up to this
    bool read_only;             //  opened with read_only
    int lock_fd;                //  holds writer.lock (read-write), or -1
    uint64_t last_seq;          //  last committed seq (writer's view)
    char hub_id [17];           //  16 hex characters and NUL
    pthread_mutex_t mutex;      //  guards the fields below and errbuf
    pthread_cond_t cond;        //  signalled when readers drop or a resize ends
    unsigned readers;           //  snapshots open in this process
    bool resizing;              //  a map resize waits for readers to drain
    bool batch_open;            //  a batch exists (one at a time)
    s_entry_t *entries;         //  commit scratch: index entries
    size_t entries_max;         //  their capacity
    uint8_t *blob;              //  commit scratch: one index blob
    size_t blob_max;            //  its capacity
    uint64_t index_block;       //  the last block a commit wrote blobs in (UINT64_MAX:
                                //  none known), and how many per kind at most there
    size_t index_blobs;
    char errbuf [256];          //  the last error, for hub_store_strerror
};

struct _hub_store_txn_t {
    hub_store_t *store;         //  the store it reads
    MDB_txn *txn;               //  the LMDB read transaction
    MDB_cursor *dedupe;         //  its dedupe lookups' cursor, once one is made
};

struct _hub_store_batch_t {
    hub_store_t *store;         //  the store it writes
    uint64_t next_seq;          //  the seq the next append must carry
    hub_store_event_t *events;  //  appended events (struct copies; data borrowed)
    size_t nevents;             //  how many
    size_t events_max;          //  capacity
    s_commission_t *commissions;
    size_t ncommissions;
    size_t commissions_max;
    s_replace_t *replaces;
    size_t nreplaces;
    size_t replaces_max;
    uint64_t index_block;       //  the store's index_block and index_blobs once this
    size_t index_blobs;         //  batch is committed
};

//  A failure of a batch's own content while it runs (s_batch_run and the
//  writers it calls): the hub_store code goes in *fault, the message in
//  the store's error.
#define S_FAULT (-1)

//  Errors (hub_store.c)
void
    hub_store_set_error (hub_store_t *self, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
int
    hub_store_lmdb_error (hub_store_t *self, const char *what, int rc);
void
    hub_store_errf (char *err, size_t errsize, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
int
    hub_store_mkdirs (const char *dir);

//  The store's files (hub_store_files.c; hub_store_check_private is in
//  hub_store.h). create_private: a new file (O_EXCL, no symlink followed),
//  mode 0600 whatever the umask; its descriptor, or -1 with errno.
int
    hub_store_create_private (const char *path);

//  One writer per store: takes an exclusive flock on DIR/writer.lock
//  (created 0600), held until the descriptor is closed (by the kernel when
//  the process dies, however it dies) and records this pid in it. Another
//  process holding it is refused with a sentence naming its pid (no wait).
//  Returns the descriptor, or -1 with the sentence in err.
int
    hub_store_lock_writer (const char *dir, char *err, size_t errsize);

//  Transactions and snapshots (hub_store.c). hub_store_snapshot uses the
//  caller's snapshot, or begins a private one (*own set) that
//  hub_store_snapshot_done ends.
int
    hub_store_txn_begin (hub_store_t *self, unsigned flags, MDB_txn **txn_p);
int
    hub_store_resize (hub_store_t *self, size_t size);
//  Map full: grows the map by doubling, up to the maximum. 0 to retry, or
//  HUB_STORE_FULL (at the maximum) or HUB_STORE_ERROR, the message set.
int
    hub_store_grow_map (hub_store_t *self);
int
    hub_store_snapshot (hub_store_t *self, hub_store_txn_t *txn, MDB_txn **mtxn, bool *own);
void
    hub_store_snapshot_done (hub_store_t *self, MDB_txn *mtxn, bool own);

//  LMDB-level reads (hub_store_read.c, hub_store_scan.c); LMDB codes
int
    hub_store_mdb_last_seq (hub_store_t *self, MDB_txn *txn, uint64_t *seq);
int
    hub_store_mdb_seq_at_time (hub_store_t *self, MDB_txn *txn, int64_t time_ms, uint64_t *seq);

//  The index (format 4) holds the three indexes of the event log, each a
//  kind of key: S_INDEX_COMMISSION, S_INDEX_AGENCY (the sender's org-id)
//  and S_INDEX_TYPE (the message type's name). Its entries are blobs: a
//  blob holds, for one kind, the runs of every key among the seqs of one
//  block of 8,192 from the blob's first offset on (a run: the offsets,
//  seq & S_BLOCK_MASK, of the key's seqs, ascending). Its key is
//  [block, 4 bytes big-endian][first offset, 2 bytes big-endian][kind], so
//  a commit appends one blob per kind at the tree's end (MDB_APPEND: full
//  pages, nothing rewritten in the middle of the tree), and a block's blobs
//  are together, in seq order. A block's blobs of a kind are merged into
//  one when they reach S_INDEX_MERGE_AT and when the block is complete, so
//  a scan reads fewer than that many of its kind per block (and steps over
//  as many of each other kind), and one in a complete block. The block is
//  32 bits of the key: seqs up to 2^45.
//  The blob: [n, uint32_t][n places, uint32_t, each entry's from the blob's
//  start][n entries in key order (memcmp, then length): key length
//  (uint16_t), the key, the run's count (uint16_t), its offsets
//  (uint16_t)], native byte order, read with memcpy (may be unaligned).
//  Keys never hold a NUL.
#define S_INDEX_COMMISSION     'c'
#define S_INDEX_AGENCY         'a'
#define S_INDEX_TYPE           't'
#define S_INDEX_KEY            7
#define S_INDEX_MERGE_AT       32

//  Writes the index key of the blob of kind whose first seq is seq into
//  buf (S_INDEX_KEY bytes)
void
    hub_store_index_key (uint8_t *buf, uint64_t seq, char kind);

//  An index key's block and first offset
static inline uint64_t
hub_store_key_block (const MDB_val *k)
{
    const uint8_t *p = k->mv_data;
    return (uint64_t) p [0] << 24 | (uint64_t) p [1] << 16 | (uint64_t) p [2] << 8 | p [3];
}

static inline uint64_t
hub_store_key_offset (const MDB_val *k)
{
    const uint8_t *p = k->mv_data;
    return (uint64_t) p [4] << 8 | p [5];
}

//  Keys in the blob's order: bytes, then the shorter first
static inline int
hub_store_key_cmp (const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp (a, b, alen < blen? alen: blen);
    return c? c: alen < blen? -1: alen > blen;
}

//  The blob's entry i (< n, from hub_store_blob_count): its key and run
//  (count offsets, unaligned), every length checked against the blob's
//  size. 0, or MDB_CORRUPTED.
int
    hub_store_blob_count (const uint8_t *blob, size_t size, uint32_t *n);
int
    hub_store_blob_entry (const uint8_t *blob, size_t size, uint32_t i, const char **key,
                          size_t *len, const uint8_t **run, size_t *count);

//  Writers run inside a batch's transaction; LMDB codes or S_FAULT
int
    hub_store_write_responses (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn);
int
    hub_store_write_replaces (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn,
                              int *fault);

//  Format 1 -> 2: fills the responses index from the stored events; *count
//  receives the responses indexed. An LMDB code.
int
    hub_store_build_responses (hub_store_t *self, MDB_txn *txn, uint64_t *count);
//  Format 1, 2 or 3 -> 4: fills the index from the stored events; *count
//  receives the entries indexed (each event once per kind of key it has).
//  An LMDB code.
int
    hub_store_build_index (hub_store_t *self, MDB_txn *txn, uint64_t *count);

//  A hash of len bytes for in-memory tables (never stored): FNV-1a's
//  multiply over eight bytes at a time, then the high bits folded into the
//  low ones a table's bucket takes.
static inline uint64_t
hub_store_hash (const void *data, size_t len, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = 14695981039346656037ULL ^ seed;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t word;
        memcpy (&word, p + i, 8);
        h = (h ^ word) * 1099511628211ULL;
    }
    uint64_t tail = 0;
    memcpy (&tail, p + i, len - i);
    h = (h ^ tail ^ len) * 1099511628211ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

#endif
