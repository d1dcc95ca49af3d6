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
#define S_INDEX_HEAD           5        //  an index key's kind and block, before the key
#define S_INDEX_TAIL           3        //  and after it: a NUL and the run's first offset
#define S_MAX_INDEX_KEY        (S_MAX_KEY - S_INDEX_HEAD - S_INDEX_TAIL)
#define S_DEDUPE_VALUE         (8 + HUB_STORE_DIGEST_SIZE)
#define S_RESIZE_WAIT_S        30       //  how long a map resize waits for snapshots
#define S_COUNT_KEY_MAX        128

//  The named databases
enum {
    S_DB_EVENTS,            //  seq (native uint64, INTEGERKEY) -> packed Event
    S_DB_INDEX,             //  kind, block, key, run -> seq offsets (since format 3:
                            //  hub_store_index_key)
    S_DB_COMMISSIONS,       //  commission id -> state bytes
    S_DB_DEDUPE,            //  hub_store_dedupe_key: agency "\0" msg_id -> seq (uint64) + digest
    S_DB_COUNTS,            //  "stage:<name>" / "type:<name>" -> uint64
    S_DB_RESPONSES,         //  commission "\0" consultation "\0" response "\0" -> seq
                            //  (since format 2)
    S_DB_META,              //  "format_version" -> decimal, "hub_id" -> 16 hex
    S_DB_COUNT
};

//  One index entry of a batch, sorted by (key, seq) at commit
typedef struct {
    const char *key;            //  the index key (borrowed from the event)
    size_t len;                 //  its length
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
    uint64_t last_seq;          //  last committed seq (writer's view)
    char hub_id [17];           //  16 hex characters and NUL
    pthread_mutex_t mutex;      //  guards the fields below and errbuf
    pthread_cond_t cond;        //  signalled when readers drop or a resize ends
    unsigned readers;           //  snapshots open in this process
    bool resizing;              //  a map resize waits for readers to drain
    bool batch_open;            //  a batch exists (one at a time)
    s_entry_t *entries;         //  commit scratch: index entries
    size_t entries_max;         //  their capacity
    uint16_t *offsets;          //  commit scratch: one run's offsets in its block
    size_t offsets_max;         //  their capacity
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

//  The index (format 3) holds the three indexes of the event log, each a
//  kind of key: S_INDEX_COMMISSION, S_INDEX_AGENCY (the sender's org-id)
//  and S_INDEX_TYPE (the message type's name). An entry is a run: the seqs
//  of one batch under one key in one block of 8,192 seqs. Its key is
//  [kind][block, 4 bytes big-endian][key][NUL][the run's first offset in
//  the block, 2 bytes big-endian], so a key's runs in a block are together
//  and in seq order; its value is the run's offsets in the block (seq &
//  S_BLOCK_MASK), uint16_t in native order, ascending. One put per run
//  where dup lists took one insert per seq. Keys never hold a NUL.
#define S_INDEX_COMMISSION     'c'
#define S_INDEX_AGENCY         'a'
#define S_INDEX_TYPE           't'

//  Writes the index key of the run of kind and key starting at seq into
//  buf (S_MAX_KEY bytes); its length. len <= S_MAX_INDEX_KEY.
size_t
    hub_store_index_key (uint8_t *buf, char kind, uint64_t seq, const char *key, size_t len);

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
//  Format 1 or 2 -> 3: fills the index from the stored events; *count
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
