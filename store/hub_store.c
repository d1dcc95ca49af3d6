/*  hub_store: the LMDB history of cyclehub (see hub_store.h for the API).
    Event log, secondary indexes, commission state, dedupe keys, counts and
    meta live as named databases of one environment; a batch is one write
    transaction, grown and retried when the map is full.
*/
#include "hub_store.h"
#include "hub_proto.h"

#include <czmq.h>
#include <lmdb.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_DEFAULT_MAP_SIZE     ((size_t) 64 << 20)
#define S_DEFAULT_MAP_MAX      ((size_t) 16 << 30)
#define S_DEFAULT_READERS      126
#define S_MAX_KEY              511      //  LMDB's default maximum key size
#define S_BLOCK_SHIFT          13       //  index keys group seqs in blocks of 8,192
#define S_BLOCK_PREFIX         4        //  the block number, big-endian, before the key
#define S_MAX_INDEX_KEY        (S_MAX_KEY - S_BLOCK_PREFIX)
#define S_DEDUPE_VALUE         (8 + HUB_STORE_DIGEST_SIZE)
#define S_RESIZE_WAIT_S        30       //  how long a map resize waits for snapshots
#define S_COUNT_KEY_MAX        128

//  Environment flags. MDB_NOTLS: a snapshot is a plain object that any
//  thread may use and end, and reader slots belong to snapshots rather than
//  threads. No MDB_NOSYNC / MDB_NOMETASYNC by default: a commit returns only
//  after the data pages and then the meta page are on disk, so an acked
//  event survives power loss (NOMETASYNC would save one fdatasync per batch
//  but may lose the last batch on a system crash). No MDB_WRITEMAP either:
//  it saves a copy per dirty page but sizes the file to the whole map, and a
//  stray write through the shared mapping would corrupt the store; with
//  group commits of ~1,000 events the copy is not the cost that matters
//  (bench/bench_store.c measures it against a raw LMDB loop).
#define S_ENV_FLAGS            (MDB_NOTLS)

//  The named databases
enum {
    S_DB_EVENTS,            //  seq (native uint64, INTEGERKEY) -> packed Event
    S_DB_BY_COMMISSION,     //  block + commission id -> seqs (DUPSORT, DUPFIXED, INTEGERDUP)
    S_DB_BY_AGENCY,         //  block + sender org-id -> seqs
    S_DB_BY_TYPE,           //  block + message type name -> seqs
    S_DB_COMMISSIONS,       //  commission id -> state bytes
    S_DB_DEDUPE,            //  agency "\0" msg_id -> seq (uint64) + digest
    S_DB_COUNTS,            //  "stage:<name>" / "type:<name>" -> uint64
    S_DB_META,              //  "format_version" -> decimal, "hub_id" -> 16 hex
    S_DB_COUNT
};

static const struct {
    const char *name;
    unsigned flags;
} s_dbs [S_DB_COUNT] = {
    { "events",        MDB_INTEGERKEY },
    //  Index keys are [seq >> S_BLOCK_SHIFT, 4 bytes big-endian][key], so a
    //  batch's entries land in the current block's small region of the tree
    //  (a few pages) rather than one page per commission; a lookup walks
    //  the blocks from its start seq. The seqs are fixed-size dups.
    { "by_commission", MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP },
    { "by_agency",     MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP },
    { "by_type",       MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP },
    { "commissions",   0 },
    { "dedupe",        0 },
    { "counts",        0 },
    { "meta",          0 },
};

//  One index entry of a batch, sorted by (key, seq) at commit
typedef struct {
    const char *key;            //  the index key (borrowed from the event)
    size_t len;                 //  its length
    uint64_t seq;               //  the event's seq
} s_entry_t;

//  One counts key aggregated over a batch
typedef struct {
    char key [S_COUNT_KEY_MAX]; //  "stage:do", "type:tender.published"
    uint64_t delta;             //  events of the batch under it
} s_count_t;

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
    uint64_t *seqs;             //  commit scratch: one MDB_MULTIPLE run
    size_t seqs_max;            //  its capacity
    char errbuf [256];          //  the last error, for hub_store_strerror
};

struct _hub_store_txn_t {
    hub_store_t *store;         //  the store it reads
    MDB_txn *txn;               //  the LMDB read transaction
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

//  --------------------------------------------------------------------------
//  Errors

static void
s_set_error (hub_store_t *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_set_error (hub_store_t *self, const char *fmt, ...)
{
    char buf [sizeof self->errbuf];
    va_list args;
    va_start (args, fmt);
    vsnprintf (buf, sizeof buf, fmt, args);
    va_end (args);
    pthread_mutex_lock (&self->mutex);
    memcpy (self->errbuf, buf, sizeof buf);
    pthread_mutex_unlock (&self->mutex);
}

//  Records an LMDB error, logs it, and returns the hub_store code for it
static int
s_lmdb_error (hub_store_t *self, const char *what, int rc)
{
    s_set_error (self, "%s: %s", what, mdb_strerror (rc));
    zsys_error ("store: %s failed rc=%d error=%s", what, rc, mdb_strerror (rc));
    return rc == MDB_MAP_FULL? HUB_STORE_FULL: HUB_STORE_ERROR;
}

static void
s_errf (char *err, size_t errsize, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static void
s_errf (char *err, size_t errsize, const char *fmt, ...)
{
    if (!err || errsize == 0)
        return;
    va_list args;
    va_start (args, fmt);
    vsnprintf (err, errsize, fmt, args);
    va_end (args);
}

//  --------------------------------------------------------------------------
//  A tiny protobuf wire reader: just the Event fields a filter looks at,
//  without allocating or unpacking the body.

typedef struct {
    uint64_t seq;               //  field 1
    int64_t recorded_at_ms;     //  field 2
    const char *sender;         //  field 3
    size_t sender_len;
    int stage;                  //  field 4
    const char *type;           //  field 6
    size_t type_len;
    const uint8_t *envelope;    //  field 7, parsed on demand
    size_t envelope_len;
} s_fields_t;

static inline bool
s_varint (const uint8_t **p, const uint8_t *end, uint64_t *value)
{
    uint64_t v = 0;
    const uint8_t *q = *p;
    for (unsigned shift = 0; shift < 64 && q < end; shift += 7) {
        uint8_t byte = *q++;
        v |= (uint64_t) (byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *value = v;
            *p = q;
            return true;
        }
    }
    return false;
}

//  Skips a field of wire type wt; false on malformed input
static inline bool
s_skip (const uint8_t **p, const uint8_t *end, unsigned wt)
{
    uint64_t v;
    switch (wt) {
        case 0: return s_varint (p, end, &v);
        case 1: if (end - *p < 8) return false; *p += 8; return true;
        case 2:
            if (!s_varint (p, end, &v) || v > (uint64_t) (end - *p))
                return false;
            *p += v;
            return true;
        case 5: if (end - *p < 4) return false; *p += 4; return true;
        default: return false;
    }
}

//  Reads the top-level fields of a packed Event; false if malformed
static bool
s_event_fields (const void *data, size_t size, s_fields_t *f)
{
    memset (f, 0, sizeof *f);
    const uint8_t *p = data;
    const uint8_t *end = p + size;
    while (p < end) {
        uint64_t tag, v;
        if (!s_varint (&p, end, &tag))
            return false;
        unsigned field = (unsigned) (tag >> 3);
        unsigned wt = (unsigned) (tag & 7);
        if (wt == 0 && (field == 1 || field == 2 || field == 4)) {
            if (!s_varint (&p, end, &v))
                return false;
            if (field == 1)
                f->seq = v;
            else
            if (field == 2)
                f->recorded_at_ms = (int64_t) v;
            else
                f->stage = (int) (int32_t) v;
        }
        else
        if (wt == 2 && (field == 3 || field == 6 || field == 7)) {
            if (!s_varint (&p, end, &v) || v > (uint64_t) (end - p))
                return false;
            if (field == 3) {
                f->sender = (const char *) p;
                f->sender_len = (size_t) v;
            }
            else
            if (field == 6) {
                f->type = (const char *) p;
                f->type_len = (size_t) v;
            }
            else {
                f->envelope = p;
                f->envelope_len = (size_t) v;
            }
            p += v;
        }
        else
        if (!s_skip (&p, end, wt))
            return false;
    }
    return true;
}

//  Finds Envelope.commission_id (field 2) in the envelope bytes
static bool
s_envelope_commission (const s_fields_t *f, const char **id, size_t *len)
{
    *id = "";
    *len = 0;
    const uint8_t *p = f->envelope;
    const uint8_t *end = p + f->envelope_len;
    while (p && p < end) {
        uint64_t tag, v;
        if (!s_varint (&p, end, &tag))
            return false;
        if (tag == ((2 << 3) | 2)) {
            if (!s_varint (&p, end, &v) || v > (uint64_t) (end - p))
                return false;
            *id = (const char *) p;
            *len = (size_t) v;
            p += v;
        }
        else
        if (!s_skip (&p, end, (unsigned) (tag & 7)))
            return false;
    }
    return true;
}

static inline bool
s_str_eq (const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp (a, b, alen) == 0;
}

//  --------------------------------------------------------------------------
//  Snapshots and the resize gate. mdb_env_set_mapsize remaps the file, so
//  it must not run while any read transaction of this process holds
//  pointers into the map: readers register here, a resize waits for them.

static void
s_readers_enter (hub_store_t *self)
{
    pthread_mutex_lock (&self->mutex);
    while (self->resizing)
        pthread_cond_wait (&self->cond, &self->mutex);
    self->readers++;
    pthread_mutex_unlock (&self->mutex);
}

static void
s_readers_leave (hub_store_t *self)
{
    pthread_mutex_lock (&self->mutex);
    assert (self->readers > 0);
    self->readers--;
    if (self->readers == 0)
        pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

//  Sets the map size (0 = adopt the size another process set) once no
//  snapshot of this process is open. Returns an LMDB code, or ETIMEDOUT.
static int
s_resize (hub_store_t *self, size_t size)
{
    struct timespec deadline;
    clock_gettime (CLOCK_REALTIME, &deadline);
    deadline.tv_sec += S_RESIZE_WAIT_S;

    pthread_mutex_lock (&self->mutex);
    while (self->resizing)
        pthread_cond_wait (&self->cond, &self->mutex);
    self->resizing = true;
    int rc = 0;
    while (self->readers > 0 && rc == 0)
        rc = pthread_cond_timedwait (&self->cond, &self->mutex, &deadline);
    if (self->readers == 0)
        rc = mdb_env_set_mapsize (self->env, size);
    else
        rc = ETIMEDOUT;
    self->resizing = false;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    return rc;
}

static int
s_txn_begin (hub_store_t *self, unsigned flags, MDB_txn **txn_p)
{
    bool reader = (flags & MDB_RDONLY) != 0;
    for (int attempt = 0; ; attempt++) {
        if (reader)
            s_readers_enter (self);
        int rc = mdb_txn_begin (self->env, NULL, flags, txn_p);
        if (rc == 0)
            return 0;
        if (reader)
            s_readers_leave (self);
        if (rc != MDB_MAP_RESIZED || attempt > 0)
            return rc;
        //  Another process grew the map: adopt its size and retry
        rc = s_resize (self, 0);
        if (rc)
            return rc;
    }
}

static void
s_read_end (hub_store_t *self, MDB_txn *txn)
{
    mdb_txn_abort (txn);
    s_readers_leave (self);
}

//  Uses the caller's snapshot, or begins a private one (*own set)
static int
s_snapshot (hub_store_t *self, hub_store_txn_t *txn, MDB_txn **mtxn, bool *own)
{
    if (txn) {
        assert (txn->store == self);
        *mtxn = txn->txn;
        *own = false;
        return 0;
    }
    int rc = s_txn_begin (self, MDB_RDONLY, mtxn);
    if (rc)
        return s_lmdb_error (self, "begin read snapshot", rc);
    *own = true;
    return 0;
}

static void
s_snapshot_done (hub_store_t *self, MDB_txn *mtxn, bool own)
{
    if (own)
        s_read_end (self, mtxn);
}

//  --------------------------------------------------------------------------
//  Open and close

void
hub_store_options_default (hub_store_options_t *opts)
{
    assert (opts);
    memset (opts, 0, sizeof *opts);
    opts->map_size = S_DEFAULT_MAP_SIZE;
    opts->map_size_max = S_DEFAULT_MAP_MAX;
    opts->max_readers = S_DEFAULT_READERS;
}

//  mkdir -p
static int
s_mkdirs (const char *dir)
{
    char path [PATH_MAX];
    size_t len = strlen (dir);
    if (len == 0 || len >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy (path, dir, len + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir (path, 0775) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir (path, 0775) && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat (path, &st) || !S_ISDIR (st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static size_t
s_round_page (size_t size)
{
    size_t page = (size_t) sysconf (_SC_PAGESIZE);
    return (size + page - 1) / page * page;
}

static int
s_random_hex (char *out, size_t nbytes)
{
    uint8_t bytes [32];
    assert (nbytes <= sizeof bytes);
    int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t got = read (fd, bytes, nbytes);
    close (fd);
    if (got != (ssize_t) nbytes)
        return -1;
    for (size_t i = 0; i < nbytes; i++)
        snprintf (out + 2 * i, 3, "%02x", bytes [i]);
    return 0;
}

static int
s_meta_get (hub_store_t *self, MDB_txn *txn, const char *key, char *buf, size_t size)
{
    MDB_val k = { strlen (key), (void *) key }, v;
    int rc = mdb_get (txn, self->dbi [S_DB_META], &k, &v);
    if (rc)
        return rc;
    size_t n = v.mv_size < size - 1? v.mv_size: size - 1;
    memcpy (buf, v.mv_data, n);
    buf [n] = '\0';
    return 0;
}

static int
s_meta_put (hub_store_t *self, MDB_txn *txn, const char *key, const char *value)
{
    MDB_val k = { strlen (key), (void *) key };
    MDB_val v = { strlen (value), (void *) value };
    return mdb_put (txn, self->dbi [S_DB_META], &k, &v, 0);
}

static int
s_last_seq (hub_store_t *self, MDB_txn *txn, uint64_t *seq)
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

//  Opens the named databases and checks or writes meta, in one transaction
static int
s_open_dbs (hub_store_t *self, char *err, size_t errsize)
{
    MDB_txn *txn = NULL;
    unsigned create = self->read_only? 0: MDB_CREATE;
    int rc = s_txn_begin (self, self->read_only? MDB_RDONLY: 0, &txn);
    if (rc) {
        s_errf (err, errsize, "cannot begin a transaction in %s: %s", self->dir, mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    //  meta first, so a store of another format is named as such rather
    //  than failing on a database whose flags changed
    for (int j = 0; j < S_DB_COUNT; j++) {
        int i = (j + S_DB_META) % S_DB_COUNT;
        rc = mdb_dbi_open (txn, s_dbs [i].name, s_dbs [i].flags | create, &self->dbi [i]);
        if (rc) {
            s_errf (err, errsize, "%s is not a cyclehub store (database %s: %s)",
                    self->dir, s_dbs [i].name, mdb_strerror (rc));
            goto fail;
        }
    }
    char buf [64];
    rc = s_meta_get (self, txn, "format_version", buf, sizeof buf);
    if (rc == MDB_NOTFOUND && !self->read_only) {
        //  A new store: write its format version and hub id
        snprintf (buf, sizeof buf, "%d", HUB_STORE_FORMAT_VERSION);
        if (s_random_hex (self->hub_id, 8)) {
            s_errf (err, errsize, "cannot read /dev/urandom for the hub id: %s", strerror (errno));
            rc = EIO;
            goto fail;
        }
        rc = s_meta_put (self, txn, "format_version", buf);
        if (rc == 0)
            rc = s_meta_put (self, txn, "hub_id", self->hub_id);
        if (rc) {
            s_errf (err, errsize, "cannot initialise the store in %s: %s", self->dir, mdb_strerror (rc));
            goto fail;
        }
        zsys_info ("store: created dir=%s hub_id=%s format_version=%d",
                   self->dir, self->hub_id, HUB_STORE_FORMAT_VERSION);
    }
    else
    if (rc) {
        s_errf (err, errsize, "%s is not a cyclehub store (no format version: %s)",
                self->dir, mdb_strerror (rc));
        goto fail;
    }
    else {
        char *endp;
        long version = strtol (buf, &endp, 10);
        if (*buf == '\0' || *endp || version != HUB_STORE_FORMAT_VERSION) {
            s_errf (err, errsize, "the store in %s has format version %s, but this build "
                    "reads format version %d only; migrate the store or use a matching build",
                    self->dir, buf, HUB_STORE_FORMAT_VERSION);
            mdb_txn_abort (txn);
            if (self->read_only)
                s_readers_leave (self);
            return HUB_STORE_VERSION;
        }
        rc = s_meta_get (self, txn, "hub_id", self->hub_id, sizeof self->hub_id);
        if (rc) {
            s_errf (err, errsize, "the store in %s has no hub id: %s", self->dir, mdb_strerror (rc));
            goto fail;
        }
    }
    rc = s_last_seq (self, txn, &self->last_seq);
    if (rc) {
        s_errf (err, errsize, "cannot read the last seq in %s: %s", self->dir, mdb_strerror (rc));
        goto fail;
    }
    //  Committing (even a read transaction) keeps the dbi handles for later
    rc = mdb_txn_commit (txn);
    if (self->read_only)
        s_readers_leave (self);
    if (rc) {
        s_errf (err, errsize, "cannot commit the store's databases in %s: %s",
                self->dir, mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    return 0;

fail:
    mdb_txn_abort (txn);
    if (self->read_only)
        s_readers_leave (self);
    return HUB_STORE_ERROR;
}

int
hub_store_open (hub_store_t **store_p, const char *dir,
                const hub_store_options_t *opts, char *err, size_t errsize)
{
    assert (store_p);
    *store_p = NULL;
    if (err && errsize)
        *err = '\0';
    if (!dir || !*dir) {
        s_errf (err, errsize, "no store directory given");
        return HUB_STORE_INVALID;
    }
    hub_store_options_t o;
    if (opts)
        o = *opts;
    else
        hub_store_options_default (&o);
    if (o.map_size == 0)
        o.map_size = S_DEFAULT_MAP_SIZE;
    if (o.map_size_max == 0)
        o.map_size_max = S_DEFAULT_MAP_MAX;
    if (o.max_readers == 0)
        o.max_readers = S_DEFAULT_READERS;
    o.map_size = s_round_page (o.map_size);
    o.map_size_max = s_round_page (o.map_size_max);
    //  The maximum is the operator's limit: a smaller one lowers the
    //  initial size rather than being raised to it (a store already bigger
    //  than the maximum opens at its size and takes no more)
    if (o.map_size > o.map_size_max)
        o.map_size = o.map_size_max;

    if (!o.read_only && s_mkdirs (dir)) {
        s_errf (err, errsize, "cannot create the store directory %s: %s", dir, strerror (errno));
        return HUB_STORE_ERROR;
    }
    hub_store_t *self = calloc (1, sizeof *self);
    if (!self) {
        s_errf (err, errsize, "out of memory");
        return HUB_STORE_ERROR;
    }
    pthread_mutex_init (&self->mutex, NULL);
    pthread_cond_init (&self->cond, NULL);
    self->read_only = o.read_only;
    self->map_size_max = o.map_size_max;
    self->dir = strdup (dir);
    int result = HUB_STORE_ERROR;
    if (!self->dir) {
        s_errf (err, errsize, "out of memory");
        goto fail;
    }
    int rc = mdb_env_create (&self->env);
    if (rc) {
        s_errf (err, errsize, "cannot create an LMDB environment: %s", mdb_strerror (rc));
        goto fail;
    }
    if ((rc = mdb_env_set_maxdbs (self->env, S_DB_COUNT))
    ||  (rc = mdb_env_set_maxreaders (self->env, o.max_readers))
    ||  (rc = mdb_env_set_mapsize (self->env, o.map_size))) {
        s_errf (err, errsize, "cannot configure the LMDB environment: %s", mdb_strerror (rc));
        goto fail;
    }
    unsigned flags = S_ENV_FLAGS;
    if (o.nosync)
        flags |= MDB_NOSYNC;
    if (o.read_only)
        flags |= MDB_RDONLY;
    rc = mdb_env_open (self->env, dir, flags, 0664);
    if (rc) {
        s_errf (err, errsize, "cannot open the store in %s: %s", dir, mdb_strerror (rc));
        goto fail;
    }
    if (o.nosync && !o.read_only)
        zsys_warning ("store: opened with nosync dir=%s: commits are not durable, "
                      "use for benchmarks only", dir);
    int dead = 0;
    rc = mdb_reader_check (self->env, &dead);
    if (rc)
        zsys_warning ("store: reader check failed dir=%s error=%s", dir, mdb_strerror (rc));
    else
    if (dead)
        zsys_info ("store: cleared stale readers dir=%s count=%d", dir, dead);

    result = s_open_dbs (self, err, errsize);
    if (result)
        goto fail;
    *store_p = self;
    return 0;

fail:
    if (self->env)
        mdb_env_close (self->env);
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
    free (self->dir);
    free (self);
    return result;
}

void
hub_store_destroy (hub_store_t **store_p)
{
    assert (store_p);
    hub_store_t *self = *store_p;
    if (!self)
        return;
    assert (self->readers == 0);
    assert (!self->batch_open);
    mdb_env_close (self->env);
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
    free (self->entries);
    free (self->seqs);
    free (self->dir);
    free (self);
    *store_p = NULL;
}

const char *
hub_store_strerror (hub_store_t *self)
{
    assert (self);
    return self->errbuf [0]? self->errbuf: "no error";
}

const char *
hub_store_hub_id (hub_store_t *self)
{
    assert (self);
    return self->hub_id;
}

int
hub_store_test_set_format_version (hub_store_t *self, int version)
{
    assert (self);
    if (self->read_only || self->batch_open)
        return HUB_STORE_INVALID;
    MDB_txn *txn;
    int rc = s_txn_begin (self, 0, &txn);
    if (rc)
        return s_lmdb_error (self, "begin write", rc);
    char buf [32];
    snprintf (buf, sizeof buf, "%d", version);
    rc = s_meta_put (self, txn, "format_version", buf);
    if (rc) {
        mdb_txn_abort (txn);
        return s_lmdb_error (self, "write format version", rc);
    }
    rc = mdb_txn_commit (txn);
    if (rc)
        return s_lmdb_error (self, "commit format version", rc);
    zsys_warning ("store: format version set to %d dir=%s (test only)", version, self->dir);
    return 0;
}

//  --------------------------------------------------------------------------
//  Reads

int
hub_store_read_begin (hub_store_t *self, hub_store_txn_t **txn_p)
{
    assert (self);
    assert (txn_p);
    *txn_p = NULL;
    hub_store_txn_t *txn = calloc (1, sizeof *txn);
    if (!txn) {
        s_set_error (self, "out of memory");
        return HUB_STORE_ERROR;
    }
    int rc = s_txn_begin (self, MDB_RDONLY, &txn->txn);
    if (rc) {
        free (txn);
        return s_lmdb_error (self, "begin read snapshot", rc);
    }
    txn->store = self;
    *txn_p = txn;
    return 0;
}

void
hub_store_read_end (hub_store_txn_t **txn_p)
{
    assert (txn_p);
    hub_store_txn_t *txn = *txn_p;
    if (!txn)
        return;
    s_read_end (txn->store, txn->txn);
    free (txn);
    *txn_p = NULL;
}

int
hub_store_last_seq (hub_store_t *self, hub_store_txn_t *txn, uint64_t *seq)
{
    assert (self);
    assert (seq);
    MDB_txn *mtxn;
    bool own;
    int rc = s_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    rc = s_last_seq (self, mtxn, seq);
    s_snapshot_done (self, mtxn, own);
    return rc? s_lmdb_error (self, "read last seq", rc): 0;
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
    int rc = s_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    MDB_val v;
    int result = 0;
    rc = mdb_get (mtxn, self->dbi [db], key, &v);
    if (rc == MDB_NOTFOUND)
        result = HUB_STORE_NOTFOUND;
    else
    if (rc)
        result = s_lmdb_error (self, "get", rc);
    else {
        *data = malloc (v.mv_size? v.mv_size: 1);
        if (*data) {
            memcpy (*data, v.mv_data, v.mv_size);
            *size = v.mv_size;
        }
        else {
            s_set_error (self, "out of memory");
            result = HUB_STORE_ERROR;
        }
    }
    s_snapshot_done (self, mtxn, own);
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
        s_set_error (self, "commission id must be 1 to %d bytes", S_MAX_KEY);
        return HUB_STORE_INVALID;
    }
    MDB_val key = { len, (void *) commission_id };
    return s_get_copy (self, txn, S_DB_COMMISSIONS, &key, data, size);
}

//  Builds agency "\0" msg_id into buf; returns its length or 0 if invalid
static size_t
s_dedupe_key (char *buf, const char *agency, const char *msg_id)
{
    size_t alen = agency? strlen (agency): 0;
    size_t mlen = msg_id? strlen (msg_id): 0;
    if (mlen == 0 || alen + 1 + mlen > S_MAX_KEY)
        return 0;
    memcpy (buf, agency? agency: "", alen);
    buf [alen] = '\0';
    memcpy (buf + alen + 1, msg_id, mlen);
    return alen + 1 + mlen;
}

int
hub_store_dedupe_get (hub_store_t *self, hub_store_txn_t *txn,
                      const char *agency, const char *msg_id,
                      uint64_t *seq, uint8_t digest [HUB_STORE_DIGEST_SIZE])
{
    assert (self);
    char buf [S_MAX_KEY + 1];
    size_t len = s_dedupe_key (buf, agency, msg_id);
    if (len == 0) {
        s_set_error (self, "dedupe key: msg_id must be set and agency + msg_id under %d bytes",
                     S_MAX_KEY);
        return HUB_STORE_INVALID;
    }
    MDB_txn *mtxn;
    bool own;
    int rc = s_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    MDB_val k = { len, buf }, v;
    int result = 0;
    rc = mdb_get (mtxn, self->dbi [S_DB_DEDUPE], &k, &v);
    if (rc == MDB_NOTFOUND)
        result = HUB_STORE_NOTFOUND;
    else
    if (rc)
        result = s_lmdb_error (self, "dedupe get", rc);
    else
    if (v.mv_size != S_DEDUPE_VALUE) {
        s_set_error (self, "dedupe value has %zu bytes, expected %d", v.mv_size, S_DEDUPE_VALUE);
        result = HUB_STORE_ERROR;
    }
    else {
        if (seq)
            memcpy (seq, v.mv_data, sizeof *seq);
        if (digest)
            memcpy (digest, (uint8_t *) v.mv_data + 8, HUB_STORE_DIGEST_SIZE);
    }
    s_snapshot_done (self, mtxn, own);
    return result;
}

//  Binary search for the first seq with recorded_at_ms >= time_ms
static int
s_seq_at_time (hub_store_t *self, MDB_txn *txn, int64_t time_ms, uint64_t *seq)
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
        s_fields_t f;
        if (!s_event_fields (v.mv_data, v.mv_size, &f))
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
    int rc = s_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    rc = s_seq_at_time (self, mtxn, time_ms, seq);
    s_snapshot_done (self, mtxn, own);
    return rc? s_lmdb_error (self, "seq at time", rc): 0;
}

//  --------------------------------------------------------------------------
//  Scan

//  Builds an index key: block of seq, then the key bytes
static size_t
s_index_key (uint8_t *buf, uint64_t seq, const char *key, size_t len)
{
    uint32_t block = (uint32_t) (seq >> S_BLOCK_SHIFT);
    buf [0] = (uint8_t) (block >> 24);
    buf [1] = (uint8_t) (block >> 16);
    buf [2] = (uint8_t) (block >> 8);
    buf [3] = (uint8_t) block;
    memcpy (buf + S_BLOCK_PREFIX, key, len);
    return S_BLOCK_PREFIX + len;
}

//  Where scan candidates come from: an index's dup lists, block by block,
//  or the event log
typedef struct {
    MDB_cursor *events;         //  cursor on the event log
    MDB_cursor *index;          //  cursor on the chosen index, or NULL
    const char *key;            //  the index key wanted
    size_t key_len;
    uint64_t block;             //  the block being read
    uint64_t last_block;        //  the block of the last seq in range
    bool in_block;              //  positioned within block's dups
    const uint8_t *chunk;       //  the current page of seqs (may be unaligned)
    size_t chunk_n;
    size_t chunk_i;
    bool started;               //  first candidate fetched
    uint64_t from;              //  first seq wanted
} s_iter_t;

//  Next candidate: its seq and event bytes. MDB_NOTFOUND at the end.
static int
s_iter_next (s_iter_t *it, uint64_t *seq, MDB_val *data)
{
    MDB_val k, v;
    int rc;
    if (!it->index) {
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
    while (true) {
        while (it->chunk_i < it->chunk_n) {
            uint64_t s;
            memcpy (&s, it->chunk + it->chunk_i++ * sizeof s, sizeof s);
            if (s < it->from)
                continue;
            //  Candidates ascend, so the seek mostly stays on the cursor's page
            k.mv_size = sizeof s;
            k.mv_data = &s;
            rc = mdb_cursor_get (it->events, &k, data, MDB_SET_KEY);
            if (rc == MDB_NOTFOUND)
                continue;               //  an index entry without event: skip
            if (rc)
                return rc;
            *seq = s;
            return 0;
        }
        v.mv_size = 0;
        v.mv_data = NULL;
        if (it->in_block)
            rc = mdb_cursor_get (it->index, &k, &v, MDB_NEXT_MULTIPLE);
        else {
            //  Enter the next block holding the key
            if (!it->started) {
                it->started = true;
                it->block = it->from >> S_BLOCK_SHIFT;
            }
            else
                it->block++;
            if (it->block > it->last_block)
                return MDB_NOTFOUND;
            uint8_t buf [S_MAX_KEY];
            k.mv_size = s_index_key (buf, it->block << S_BLOCK_SHIFT, it->key, it->key_len);
            k.mv_data = buf;
            rc = mdb_cursor_get (it->index, &k, &v, MDB_SET);
            if (rc == MDB_NOTFOUND)
                continue;               //  no entry in this block
            if (rc == 0)
                rc = mdb_cursor_get (it->index, &k, &v, MDB_GET_MULTIPLE);
            //  A key with a single seq has no dup page: LMDB leaves v unset
            if (rc == 0 && !v.mv_data)
                rc = mdb_cursor_get (it->index, &k, &v, MDB_GET_CURRENT);
            if (rc == 0)
                it->in_block = true;
        }
        if (rc == MDB_NOTFOUND) {
            it->in_block = false;       //  this block is done
            it->chunk_n = it->chunk_i = 0;
            continue;
        }
        if (rc)
            return rc;
        if (v.mv_size % sizeof (uint64_t))
            return MDB_CORRUPTED;
        it->chunk = v.mv_data;
        it->chunk_n = v.mv_size / sizeof (uint64_t);
        it->chunk_i = 0;
    }
}

int
hub_store_scan (hub_store_t *self, hub_store_txn_t *txn,
                const hub_store_filter_t *filter, uint64_t from_seq,
                size_t limit, size_t max_bytes,
                hub_store_visit_fn *visit, void *arg,
                uint64_t *next_seq, bool *end)
{
    assert (self);
    hub_store_filter_t none;
    memset (&none, 0, sizeof none);
    const hub_store_filter_t *fl = filter? filter: &none;
    const char *keys [3] = { fl->commission_id, fl->type, fl->agency };
    const int key_dbs [3] = { S_DB_BY_COMMISSION, S_DB_BY_TYPE, S_DB_BY_AGENCY };
    size_t key_lens [3];
    for (int i = 0; i < 3; i++) {
        key_lens [i] = keys [i]? strlen (keys [i]): 0;
        if (key_lens [i] > S_MAX_INDEX_KEY) {
            s_set_error (self, "scan filter key over %d bytes", S_MAX_INDEX_KEY);
            return HUB_STORE_INVALID;
        }
    }
    const char *want_commission = keys [0];
    size_t want_commission_len = key_lens [0];
    const char *want_type = keys [1];
    size_t want_type_len = key_lens [1];
    const char *want_agency = keys [2];
    size_t want_agency_len = key_lens [2];

    MDB_txn *mtxn;
    bool own;
    int rc = s_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    int result = 0;
    s_iter_t it;
    memset (&it, 0, sizeof it);
    uint64_t visited = 0, bytes = 0, last_visited = 0;
    uint64_t next = 0;          //  where the next page starts
    bool done = false;          //  no matching event past the page
    bool visiting = true;
    uint64_t last = 0;

    rc = s_last_seq (self, mtxn, &last);
    if (rc)
        goto lmdb_fail;
    uint64_t start = from_seq? from_seq: 1;
    if (fl->since_ms) {
        uint64_t at;
        rc = s_seq_at_time (self, mtxn, fl->since_ms, &at);
        if (rc)
            goto lmdb_fail;
        if (at > start)
            start = at;
    }
    //  Past the whole range: the end, and the next page starts after it
    uint64_t bound = last + 1;
    if (fl->to_seq && fl->to_seq < last)
        bound = fl->to_seq + 1;
    if (start >= bound) {
        next = start > bound? start: bound;
        done = true;
        goto finish;
    }
    it.from = start;
    rc = mdb_cursor_open (mtxn, self->dbi [S_DB_EVENTS], &it.events);
    if (rc)
        goto lmdb_fail;
    //  The most selective index the filter names: commission, then type,
    //  then agency (keys [] is in that order)
    for (int i = 0; i < 3; i++) {
        if (key_lens [i] == 0)
            continue;
        rc = mdb_cursor_open (mtxn, self->dbi [key_dbs [i]], &it.index);
        if (rc)
            goto lmdb_fail;
        it.key = keys [i];
        it.key_len = key_lens [i];
        it.last_block = (bound - 1) >> S_BLOCK_SHIFT;
        //  Only the index's own key need not be checked per event
        if (i == 0)
            want_commission_len = 0;
        else
        if (i == 1)
            want_type_len = 0;
        else
            want_agency_len = 0;
        break;
    }
    bool need_fields = want_commission_len || want_type_len || want_agency_len
                    || fl->stage || fl->since_ms || fl->until_ms;

    while (true) {
        uint64_t seq;
        MDB_val data;
        rc = s_iter_next (&it, &seq, &data);
        if (rc == MDB_NOTFOUND || (rc == 0 && seq >= bound)) {
            next = bound;
            done = true;
            break;
        }
        if (rc)
            goto lmdb_fail;
        if (need_fields) {
            s_fields_t f;
            if (!s_event_fields (data.mv_data, data.mv_size, &f))
                continue;           //  unreadable bytes match no filter
            if (fl->until_ms && f.recorded_at_ms >= fl->until_ms) {
                //  recorded_at never decreases: nothing later can match
                next = seq;
                done = true;
                break;
            }
            if (fl->since_ms && f.recorded_at_ms < fl->since_ms)
                continue;
            if (fl->stage && f.stage != fl->stage)
                continue;
            if (want_type_len && !s_str_eq (f.type, f.type_len, want_type, want_type_len))
                continue;
            if (want_agency_len
            && !s_str_eq (f.sender, f.sender_len, want_agency, want_agency_len))
                continue;
            if (want_commission_len) {
                const char *id;
                size_t id_len;
                if (!s_envelope_commission (&f, &id, &id_len)
                || !s_str_eq (id, id_len, want_commission, want_commission_len))
                    continue;
            }
        }
        if (!visiting) {
            //  A match past the page: the next page starts here
            next = seq;
            done = false;
            break;
        }
        int stop = visit? visit (seq, data.mv_data, data.mv_size, arg): 0;
        visited++;
        bytes += data.mv_size;
        last_visited = seq;
        if (stop || (limit && visited >= limit) || (max_bytes && bytes >= max_bytes))
            visiting = false;
    }
finish:
    if (next <= last_visited)
        next = last_visited + 1;
    if (next_seq)
        *next_seq = next;
    if (end)
        *end = done;
    goto cleanup;

lmdb_fail:
    result = s_lmdb_error (self, "scan", rc);
cleanup:
    if (it.index)
        mdb_cursor_close (it.index);
    if (it.events)
        mdb_cursor_close (it.events);
    s_snapshot_done (self, mtxn, own);
    return result;
}

int
hub_store_counts (hub_store_t *self, hub_store_txn_t *txn,
                  hub_store_count_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    MDB_txn *mtxn;
    bool own;
    int rc = s_snapshot (self, txn, &mtxn, &own);
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
    s_snapshot_done (self, mtxn, own);
    return rc? s_lmdb_error (self, "counts", rc): 0;
}

int
hub_store_stat (hub_store_t *self, hub_store_txn_t *txn, hub_store_stat_t *stat)
{
    assert (self);
    assert (stat);
    memset (stat, 0, sizeof *stat);
    MDB_txn *mtxn;
    bool own;
    int rc = s_snapshot (self, txn, &mtxn, &own);
    if (rc)
        return rc;
    MDB_stat st;
    MDB_envinfo info;
    rc = s_last_seq (self, mtxn, &stat->last_seq);
    if (rc == 0)
        rc = mdb_stat (mtxn, self->dbi [S_DB_COMMISSIONS], &st);
    if (rc == 0) {
        stat->commissions = st.ms_entries;
        rc = mdb_env_stat (self->env, &st);
    }
    if (rc == 0)
        rc = mdb_env_info (self->env, &info);
    if (rc == 0) {
        stat->map_size = info.me_mapsize;
        stat->used_bytes = (size_t) (info.me_last_pgno + 1) * st.ms_psize;
    }
    s_snapshot_done (self, mtxn, own);
    return rc? s_lmdb_error (self, "stat", rc): 0;
}

//  --------------------------------------------------------------------------
//  Batches

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
        s_set_error (self, self->read_only? "the store is open read-only"
                                          : "a batch is already open");
        return HUB_STORE_INVALID;
    }
    hub_store_batch_t *batch = calloc (1, sizeof *batch);
    if (!batch) {
        s_set_error (self, "out of memory");
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
        s_set_error (store, "append: seq %" PRIu64 " is out of order, expected %" PRIu64,
                     event->seq, self->next_seq);
        return HUB_STORE_INVALID;
    }
    if (!event->data && event->size) {
        s_set_error (store, "append: seq %" PRIu64 " has no data", event->seq);
        return HUB_STORE_INVALID;
    }
    char buf [S_MAX_KEY + 1];
    if (!s_key_ok (event->commission_id) || !s_key_ok (event->agency) || !s_key_ok (event->type)
    || (event->msg_id && *event->msg_id && s_dedupe_key (buf, event->agency, event->msg_id) == 0)
    || (event->type && strlen (event->type) + 6 >= S_COUNT_KEY_MAX)) {
        s_set_error (store, "append: seq %" PRIu64 " has an empty or over-long key", event->seq);
        return HUB_STORE_INVALID;
    }
    if (s_grow ((void **) &self->events, &self->events_max, self->nevents + 1,
                sizeof *self->events)) {
        s_set_error (store, "out of memory");
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
        s_set_error (self->store, "put commission: id must be 1 to %d bytes", S_MAX_KEY);
        return HUB_STORE_INVALID;
    }
    if (s_grow ((void **) &self->commissions, &self->commissions_max, self->ncommissions + 1,
                sizeof *self->commissions)) {
        s_set_error (self->store, "out of memory");
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
        s_set_error (self->store, "replace: bad seq or data");
        return HUB_STORE_INVALID;
    }
    if (s_grow ((void **) &self->replaces, &self->replaces_max, self->nreplaces + 1,
                sizeof *self->replaces)) {
        s_set_error (self->store, "out of memory");
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

//  Index entries sort by block, then key, then seq: the order of the tree
static int
s_index_cmp (const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    uint64_t bx = x->seq >> S_BLOCK_SHIFT, by = y->seq >> S_BLOCK_SHIFT;
    if (bx != by)
        return bx < by? -1: 1;
    return s_entry_cmp (a, b);
}

//  Writes the index entries of the batch for one index: sorted in tree
//  order so each key's new seqs in a block go in as one MDB_MULTIPLE put.
static int
s_write_index (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn, int db)
{
    size_t n = 0;
    for (size_t i = 0; i < batch->nevents; i++) {
        const hub_store_event_t *e = &batch->events [i];
        const char *key = db == S_DB_BY_COMMISSION? e->commission_id
                        : db == S_DB_BY_AGENCY? e->agency: e->type;
        if (!key || !*key)
            continue;
        self->entries [n++] = (s_entry_t) { key, strlen (key), e->seq };
    }
    if (n == 0)
        return 0;
    qsort (self->entries, n, sizeof (s_entry_t), s_index_cmp);
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->dbi [db], &cursor);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && rc == 0; ) {
        const s_entry_t *first = &self->entries [i];
        size_t j = i;
        while (j < n && self->entries [j].len == first->len
           && (self->entries [j].seq >> S_BLOCK_SHIFT) == (first->seq >> S_BLOCK_SHIFT)
           && memcmp (self->entries [j].key, first->key, first->len) == 0) {
            self->seqs [j - i] = self->entries [j].seq;
            j++;
        }
        uint8_t buf [S_MAX_KEY];
        MDB_val k = { s_index_key (buf, first->seq, first->key, first->len), buf };
        if (j - i == 1) {
            MDB_val v = { sizeof (uint64_t), self->seqs };
            rc = mdb_cursor_put (cursor, &k, &v, MDB_APPENDDUP);
        }
        else {
            MDB_val v [2] = { { sizeof (uint64_t), self->seqs }, { j - i, NULL } };
            rc = mdb_cursor_put (cursor, &k, v, MDB_MULTIPLE | MDB_APPENDDUP);
        }
        i = j;
    }
    mdb_cursor_close (cursor);
    return rc;
}

//  Adds delta to each aggregated key: one read-modify-write per key
static int
s_count_flush (hub_store_t *self, MDB_txn *txn, s_count_t *counts, size_t *n)
{
    int rc = 0;
    for (size_t c = 0; c < *n && rc == 0; c++) {
        MDB_val k = { strlen (counts [c].key), counts [c].key }, v;
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

static int
s_count_add (hub_store_t *self, MDB_txn *txn, s_count_t *counts, size_t *n, size_t max,
             const char *prefix, const char *name)
{
    char key [S_COUNT_KEY_MAX];
    snprintf (key, sizeof key, "%s%s", prefix, name);
    for (size_t i = 0; i < *n; i++)
        if (strcmp (counts [i].key, key) == 0) {
            counts [i].delta++;
            return 0;
        }
    if (*n == max) {
        //  More distinct keys than the table holds: write what it has
        int rc = s_count_flush (self, txn, counts, n);
        if (rc)
            return rc;
    }
    memcpy (counts [*n].key, key, sizeof key);
    counts [*n].delta = 1;
    (*n)++;
    return 0;
}

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
        rc = s_count_add (self, txn, counts, &n, max, "stage:",
                          hub_proto_stage_name ((Cyclehub__V1__Stage) e->stage));
        if (rc == 0 && e->type && *e->type)
            rc = s_count_add (self, txn, counts, &n, max, "type:", e->type);
    }
    if (rc == 0)
        rc = s_count_flush (self, txn, counts, &n);
    return rc;
}

static int
s_dedupe_cmp (const void *a, const void *b)
{
    return s_entry_cmp (a, b);
}

//  Runs the whole batch in txn. Returns an LMDB code; a failure of the
//  batch's own content returns S_FAULT with the hub_store code in *fault.
#define S_FAULT (-1)

static int
s_batch_run (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn, int *fault)
{
    MDB_cursor *cursor = NULL;
    int rc = 0;
    //  Events: appended in seq order, so MDB_APPEND skips the tree search
    if (batch->nevents) {
        rc = mdb_cursor_open (txn, self->dbi [S_DB_EVENTS], &cursor);
        for (size_t i = 0; i < batch->nevents && rc == 0; i++) {
            hub_store_event_t *e = &batch->events [i];
            MDB_val k = { sizeof e->seq, &e->seq };
            MDB_val v = { e->size, (void *) e->data };
            rc = mdb_cursor_put (cursor, &k, &v, MDB_APPEND);
        }
        if (cursor)
            mdb_cursor_close (cursor);
        if (rc == MDB_KEYEXIST) {
            s_set_error (self, "commit: seq %" PRIu64 " is already stored",
                         batch->events [0].seq);
            *fault = HUB_STORE_INVALID;
            return S_FAULT;
        }
        if (rc)
            return rc;
        if (s_grow ((void **) &self->entries, &self->entries_max, batch->nevents,
                    sizeof *self->entries)
        ||  s_grow ((void **) &self->seqs, &self->seqs_max, batch->nevents,
                    sizeof *self->seqs)) {
            s_set_error (self, "out of memory");
            *fault = HUB_STORE_ERROR;
            return S_FAULT;
        }
        for (int db = S_DB_BY_COMMISSION; db <= S_DB_BY_TYPE && rc == 0; db++)
            rc = s_write_index (self, batch, txn, db);
        if (rc)
            return rc;

        //  Dedupe keys, sorted so neighbouring keys share pages. The keys
        //  live in one scratch buffer: agency "\0" msg_id per event.
        size_t n = 0, total = 0;
        for (size_t i = 0; i < batch->nevents; i++) {
            const hub_store_event_t *e = &batch->events [i];
            if (e->msg_id && *e->msg_id)
                total += (e->agency? strlen (e->agency): 0) + 1 + strlen (e->msg_id);
        }
        if (total) {
            char *keys = malloc (total);
            if (!keys) {
                s_set_error (self, "out of memory");
                *fault = HUB_STORE_ERROR;
                return S_FAULT;
            }
            char *p = keys;
            for (size_t i = 0; i < batch->nevents; i++) {
                const hub_store_event_t *e = &batch->events [i];
                if (!e->msg_id || !*e->msg_id)
                    continue;
                char buf [S_MAX_KEY + 1];
                size_t len = s_dedupe_key (buf, e->agency, e->msg_id);
                memcpy (p, buf, len);
                //  seq stands for the event's index in the batch here
                self->entries [n++] = (s_entry_t) { p, len, i };
                p += len;
            }
            qsort (self->entries, n, sizeof (s_entry_t), s_dedupe_cmp);
            rc = mdb_cursor_open (txn, self->dbi [S_DB_DEDUPE], &cursor);
            for (size_t i = 0; i < n && rc == 0; i++) {
                const hub_store_event_t *e = &batch->events [self->entries [i].seq];
                uint8_t value [S_DEDUPE_VALUE];
                memcpy (value, &e->seq, 8);
                memcpy (value + 8, e->digest, HUB_STORE_DIGEST_SIZE);
                MDB_val k = { self->entries [i].len, (void *) self->entries [i].key };
                MDB_val v = { sizeof value, value };
                rc = mdb_cursor_put (cursor, &k, &v, MDB_NOOVERWRITE);
                if (rc == MDB_KEYEXIST) {
                    s_set_error (self, "commit: msg_id %s of %s (seq %" PRIu64 ") is already "
                                 "stored", e->msg_id, e->agency? e->agency: "", e->seq);
                    *fault = HUB_STORE_INVALID;
                    rc = S_FAULT;
                }
            }
            if (cursor)
                mdb_cursor_close (cursor);
            free (keys);
            if (rc)
                return rc;
        }
        rc = s_write_counts (self, batch, txn);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < batch->ncommissions && rc == 0; i++) {
        s_commission_t *c = &batch->commissions [i];
        MDB_val k = { strlen (c->id), (void *) c->id };
        MDB_val v = { c->size, (void *) c->data };
        rc = mdb_put (txn, self->dbi [S_DB_COMMISSIONS], &k, &v, 0);
    }
    //  Replacements: overwrite the old bytes with zeros of the same size
    //  first (LMDB rewrites a same-size value in place), so the personal
    //  bytes do not linger in the page's free space once the new value
    //  moves in; the old page version is freed and never copied by a
    //  compacting backup.
    for (size_t i = 0; i < batch->nreplaces && rc == 0; i++) {
        s_replace_t *r = &batch->replaces [i];
        MDB_val k = { sizeof r->seq, &r->seq }, v;
        rc = mdb_get (txn, self->dbi [S_DB_EVENTS], &k, &v);
        if (rc == MDB_NOTFOUND) {
            s_set_error (self, "replace: no event with seq %" PRIu64, r->seq);
            *fault = HUB_STORE_NOTFOUND;
            return S_FAULT;
        }
        if (rc)
            break;
        MDB_val zero = { v.mv_size, NULL };
        rc = mdb_put (txn, self->dbi [S_DB_EVENTS], &k, &zero, MDB_RESERVE);
        if (rc == 0) {
            memset (zero.mv_data, 0, zero.mv_size);
            v.mv_size = r->size;
            v.mv_data = (void *) r->data;
            rc = mdb_put (txn, self->dbi [S_DB_EVENTS], &k, &v, 0);
        }
    }
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
        int rc = s_txn_begin (self, 0, &txn);
        if (rc) {
            result = s_lmdb_error (self, "begin write", rc);
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
            result = s_lmdb_error (self, "commit", rc);
            break;
        }
        //  Map full: grow by doubling up to the maximum, then retry it all
        MDB_envinfo info;
        mdb_env_info (self->env, &info);
        size_t size = info.me_mapsize;
        if (size >= self->map_size_max) {
            s_set_error (self, "the store is full: the map is at its maximum of %zu bytes",
                         self->map_size_max);
            zsys_error ("store: map full dir=%s map_size_max=%zu", self->dir, self->map_size_max);
            result = HUB_STORE_FULL;
            break;
        }
        size_t grown = size > self->map_size_max / 2? self->map_size_max: size * 2;
        rc = s_resize (self, grown);
        if (rc) {
            s_set_error (self, "cannot grow the map to %zu bytes: %s", grown,
                         rc == ETIMEDOUT? "read snapshots stayed open": mdb_strerror (rc));
            zsys_error ("store: map grow failed dir=%s size=%zu", self->dir, grown);
            result = HUB_STORE_ERROR;
            break;
        }
        zsys_info ("store: map grown dir=%s from=%zu to=%zu", self->dir, size, grown);
    }
    hub_store_batch_abort (batch_p);
    return result;
}

//  --------------------------------------------------------------------------
//  Backup

int
hub_store_backup (const char *src_dir, const char *dest_dir, char *err, size_t errsize)
{
    if (err && errsize)
        *err = '\0';
    if (!src_dir || !*src_dir || !dest_dir || !*dest_dir) {
        s_errf (err, errsize, "backup needs a source and a destination directory");
        return HUB_STORE_INVALID;
    }
    char path [PATH_MAX];
    struct stat st;
    snprintf (path, sizeof path, "%s/data.mdb", src_dir);
    if (stat (path, &st)) {
        s_errf (err, errsize, "no store in %s: %s", src_dir, strerror (errno));
        return HUB_STORE_ERROR;
    }
    snprintf (path, sizeof path, "%s/data.mdb", dest_dir);
    if (stat (path, &st) == 0) {
        s_errf (err, errsize, "%s already holds a store; back up into an empty directory",
                dest_dir);
        return HUB_STORE_INVALID;
    }
    if (s_mkdirs (dest_dir)) {
        s_errf (err, errsize, "cannot create %s: %s", dest_dir, strerror (errno));
        return HUB_STORE_ERROR;
    }
    MDB_env *env = NULL;
    int rc = mdb_env_create (&env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs (env, S_DB_COUNT);
    if (rc == 0)
        rc = mdb_env_set_mapsize (env, 0);      //  0: the size the store has
    if (rc == 0)
        rc = mdb_env_open (env, src_dir, MDB_RDONLY | MDB_NOTLS, 0664);
    if (rc) {
        s_errf (err, errsize, "cannot open the store in %s: %s", src_dir, mdb_strerror (rc));
        goto done;
    }
    rc = mdb_env_copy2 (env, dest_dir, MDB_CP_COMPACT);
    if (rc) {
        s_errf (err, errsize, "cannot copy %s into %s: %s", src_dir, dest_dir, mdb_strerror (rc));
        goto done;
    }
    zsys_info ("store: backup done src=%s dest=%s", src_dir, dest_dir);
done:
    if (env)
        mdb_env_close (env);
    if (rc)
        zsys_error ("store: backup failed src=%s dest=%s error=%s", src_dir, dest_dir,
                    mdb_strerror (rc));
    return rc? HUB_STORE_ERROR: 0;
}
