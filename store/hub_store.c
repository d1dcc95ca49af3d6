/*  hub_store: the LMDB history of cyclehub (see hub_store.h for the API).
    This file holds the environment: open and close, the meta database and
    the format migration, read snapshots and the gate that lets the map
    grow. The other concerns are in hub_store_*.c (hub_store_priv.h).
*/
#include "hub_store_priv.h"

#include <czmq.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

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
//  Under this many bytes free, an EIO from a write is taken for a full disk
#define S_DISK_LOW             (UINT64_C (16) << 20)

//  The oldest format this build upgrades: 1 (no responses index), 2 (the
//  indexes as three trees of dup lists, by_commission, by_agency, by_type)
//  and 3 (the index tree holding a run per key, block and batch)
#define S_FORMAT_MIGRATABLE    1
static const char *s_old_dbs [] = { "by_commission", "by_agency", "by_type" };

static const struct {
    const char *name;
    unsigned flags;
} s_dbs [S_DB_COUNT] = {
    { "events",        MDB_INTEGERKEY },
    //  Index keys begin with their block and first offset (hub_store_priv.h),
    //  so a commit appends its blobs at the tree's end rather than writing
    //  into the region of every key it has; a lookup walks the blocks from
    //  its start seq
    { "index",         0 },
    { "commissions",   0 },
    { "dedupe",        0 },
    { "counts",        0 },
    { "responses",     0 },
    { "meta",          0 },
};

//  --------------------------------------------------------------------------
//  Errors

void
hub_store_set_error (hub_store_t *self, const char *fmt, ...)
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

//  A write that failed for want of disk: ENOSPC, or EIO with little space
//  left (LMDB reports a short write, which a full disk causes, as EIO; a
//  real I/O fault with space free stays an error). Logs the free space.
static bool
s_disk_full (hub_store_t *self, const char *what, int rc)
{
    if (rc != ENOSPC && rc != EIO)
        return false;
    struct statvfs fs;
    if (statvfs (self->dir, &fs))
        return rc == ENOSPC;
    uint64_t avail = (uint64_t) fs.f_bavail * fs.f_frsize;
    uint64_t size = (uint64_t) fs.f_blocks * fs.f_frsize;
    if (rc == EIO && avail >= S_DISK_LOW)
        return false;
    hub_store_set_error (self, "%s: the file system holding the store is full (%" PRIu64
                         " of %" PRIu64 " bytes free): %s", what, avail, size, mdb_strerror (rc));
    zsys_error ("store: disk full dir=%s %s failed error=%s avail_bytes=%" PRIu64
                " size_bytes=%" PRIu64 " avail_inodes=%" PRIu64, self->dir, what,
                mdb_strerror (rc), avail, size, (uint64_t) fs.f_favail);
    return true;
}

//  Records an LMDB error, logs it, and returns the hub_store code for it
int
hub_store_lmdb_error (hub_store_t *self, const char *what, int rc)
{
    if (s_disk_full (self, what, rc))
        return HUB_STORE_DISK_FULL;
    hub_store_set_error (self, "%s: %s", what, mdb_strerror (rc));
    zsys_error ("store: %s failed rc=%d error=%s", what, rc, mdb_strerror (rc));
    return rc == MDB_MAP_FULL? HUB_STORE_FULL: HUB_STORE_ERROR;
}

void
hub_store_errf (char *err, size_t errsize, const char *fmt, ...)
{
    if (!err || errsize == 0)
        return;
    va_list args;
    va_start (args, fmt);
    vsnprintf (err, errsize, fmt, args);
    va_end (args);
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
int
hub_store_resize (hub_store_t *self, size_t size)
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

int
hub_store_txn_begin (hub_store_t *self, unsigned flags, MDB_txn **txn_p)
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
        rc = hub_store_resize (self, 0);
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

int
hub_store_snapshot (hub_store_t *self, hub_store_txn_t *txn, MDB_txn **mtxn, bool *own)
{
    if (txn) {
        assert (txn->store == self);
        *mtxn = txn->txn;
        *own = false;
        return 0;
    }
    int rc = hub_store_txn_begin (self, MDB_RDONLY, mtxn);
    if (rc)
        return hub_store_lmdb_error (self, "begin read snapshot", rc);
    *own = true;
    return 0;
}

void
hub_store_snapshot_done (hub_store_t *self, MDB_txn *mtxn, bool own)
{
    if (own)
        s_read_end (self, mtxn);
}

int
hub_store_read_begin (hub_store_t *self, hub_store_txn_t **txn_p)
{
    assert (self);
    assert (txn_p);
    *txn_p = NULL;
    hub_store_txn_t *txn = calloc (1, sizeof *txn);
    if (!txn) {
        hub_store_set_error (self, "out of memory");
        return HUB_STORE_ERROR;
    }
    int rc = hub_store_txn_begin (self, MDB_RDONLY, &txn->txn);
    if (rc) {
        free (txn);
        return hub_store_lmdb_error (self, "begin read snapshot", rc);
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
    if (txn->dedupe)
        mdb_cursor_close (txn->dedupe);
    s_read_end (txn->store, txn->txn);
    free (txn);
    *txn_p = NULL;
}

//  Map full: grows the map by doubling up to the maximum. 0 to retry (the
//  batch, or the open's upgrade), or the hub_store code to give up with.
int
hub_store_grow_map (hub_store_t *self)
{
    MDB_envinfo info;
    mdb_env_info (self->env, &info);
    size_t size = info.me_mapsize;
    if (size >= self->map_size_max) {
        hub_store_set_error (self, "the store is full: the map is at its maximum of %zu bytes",
                             self->map_size_max);
        zsys_error ("store: map full dir=%s map_size_max=%zu", self->dir, self->map_size_max);
        return HUB_STORE_FULL;
    }
    size_t grown = size > self->map_size_max / 2? self->map_size_max: size * 2;
    int rc = hub_store_resize (self, grown);
    if (rc) {
        hub_store_set_error (self, "cannot grow the map to %zu bytes: %s", grown,
                             rc == ETIMEDOUT? "read snapshots stayed open": mdb_strerror (rc));
        zsys_error ("store: map grow failed dir=%s size=%zu", self->dir, grown);
        return HUB_STORE_ERROR;
    }
    zsys_info ("store: map grown dir=%s from=%zu to=%zu", self->dir, size, grown);
    return 0;
}

//  --------------------------------------------------------------------------
//  Files and meta

//  mkdir -p; what it creates is the broker's alone (0700, whatever the
//  umask): a store directory holds personal data
int
hub_store_mkdirs (const char *dir)
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
        if (mkdir (path, 0700) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir (path, 0700) == 0) {
        if (chmod (path, 0700))
            return -1;
    }
    else
    if (errno != EEXIST)
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
s_meta_put_version (hub_store_t *self, MDB_txn *txn, int version)
{
    char buf [32];
    snprintf (buf, sizeof buf, "%d", version);
    return s_meta_put (self, txn, "format_version", buf);
}

//  --------------------------------------------------------------------------
//  Open: the databases, the format version, the migration

//  A new store: writes its format version and hub id
static int
s_meta_create (hub_store_t *self, MDB_txn *txn, char *err, size_t errsize)
{
    if (s_random_hex (self->hub_id, 8)) {
        hub_store_errf (err, errsize, "cannot read /dev/urandom for the hub id: %s",
                        strerror (errno));
        return HUB_STORE_ERROR;
    }
    int rc = s_meta_put_version (self, txn, HUB_STORE_FORMAT_VERSION);
    if (rc == 0)
        rc = s_meta_put (self, txn, "hub_id", self->hub_id);
    if (rc) {
        hub_store_errf (err, errsize, "cannot initialise the store in %s: %s",
                        self->dir, mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    zsys_info ("store: created dir=%s hub_id=%s format_version=%d",
               self->dir, self->hub_id, HUB_STORE_FORMAT_VERSION);
    return 0;
}

//  Checks the meta of an existing store: *migrate is set to the format of
//  a store this build upgrades (writable opens only), else 0
static int
s_meta_check (hub_store_t *self, MDB_txn *txn, const char *version_text,
              int *migrate, char *err, size_t errsize)
{
    char *endp;
    long version = strtol (version_text, &endp, 10);
    bool known = *version_text && !*endp;
    bool upgradable = known && version >= S_FORMAT_MIGRATABLE
                   && version < HUB_STORE_FORMAT_VERSION;
    *migrate = upgradable && !self->read_only? (int) version: 0;
    if (upgradable && self->read_only) {
        hub_store_errf (err, errsize, "the store in %s has format version %ld, which this build "
                        "upgrades to format version %d when it opens it read-write: start "
                        "cyclehubd on it once, then open it read-only", self->dir, version,
                        HUB_STORE_FORMAT_VERSION);
        return HUB_STORE_VERSION;
    }
    if (!known || (version != HUB_STORE_FORMAT_VERSION && !*migrate)) {
        hub_store_errf (err, errsize, "the store in %s has format version %s, but this build "
                        "reads format version %d only; migrate the store or use a matching build",
                        self->dir, version_text, HUB_STORE_FORMAT_VERSION);
        return HUB_STORE_VERSION;
    }
    int rc = s_meta_get (self, txn, "hub_id", self->hub_id, sizeof self->hub_id);
    if (rc) {
        hub_store_errf (err, errsize, "the store in %s has no hub id: %s",
                        self->dir, mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    return 0;
}

//  Deletes the trees of dup lists that format 2 kept its indexes in
static int
s_drop_old_indexes (MDB_txn *txn)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof s_old_dbs / sizeof s_old_dbs [0] && rc == 0; i++) {
        MDB_dbi dbi;
        rc = mdb_dbi_open (txn, s_old_dbs [i], 0, &dbi);
        if (rc == 0)
            rc = mdb_drop (txn, dbi, 1);
        else
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    return rc;
}

//  Upgrades a store of format `from` in the open's transaction, so a
//  failure leaves it as it was: format 1 -> 2 added the responses index,
//  2 -> 3 the index of runs in place of the trees of dup lists, 3 -> 4 the
//  index of blobs in place of the runs; all built from the stored events
static int
s_migrate (hub_store_t *self, MDB_txn *txn, int from, char *err, size_t errsize)
{
    int64_t started = zclock_mono ();
    uint64_t responses = 0, entries = 0;
    int rc = 0;
    if (from < 2)
        rc = hub_store_build_responses (self, txn, &responses);
    if (rc == 0)
        rc = hub_store_build_index (self, txn, &entries);
    if (rc == 0)
        rc = s_drop_old_indexes (txn);
    if (rc == 0)
        rc = s_meta_put_version (self, txn, HUB_STORE_FORMAT_VERSION);
    if (rc == MDB_MAP_FULL)
        return HUB_STORE_FULL;      //  s_open_txn grows the map and retries
    if (rc) {
        hub_store_errf (err, errsize, "cannot upgrade the store in %s from format version %d "
                        "to %d: %s", self->dir, from, HUB_STORE_FORMAT_VERSION,
                        mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    zsys_info ("store: upgraded dir=%s from_version=%d to_version=%d responses=%" PRIu64
               " index_entries=%" PRIu64 " ms=%" PRId64, self->dir, from,
               HUB_STORE_FORMAT_VERSION, responses, entries, zclock_mono () - started);
    return 0;
}

//  Opens the meta database and checks (or writes) the format version, then
//  opens the others: a store of another format is named as such rather
//  than failing on a database it lacks or whose flags changed
static int
s_open_meta (hub_store_t *self, MDB_txn *txn, int *migrate, char *err, size_t errsize)
{
    unsigned create = self->read_only? 0: MDB_CREATE;
    *migrate = 0;
    int rc = mdb_dbi_open (txn, s_dbs [S_DB_META].name, create, &self->dbi [S_DB_META]);
    if (rc) {
        hub_store_errf (err, errsize, "%s is not a cyclehub store (database meta: %s)",
                        self->dir, mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    char version [64];
    rc = s_meta_get (self, txn, "format_version", version, sizeof version);
    if (rc == MDB_NOTFOUND && !self->read_only)
        return s_meta_create (self, txn, err, errsize);
    if (rc) {
        hub_store_errf (err, errsize, "%s is not a cyclehub store (no format version: %s)",
                        self->dir, mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    return s_meta_check (self, txn, version, migrate, err, errsize);
}

static int
s_open_dbs (hub_store_t *self, MDB_txn *txn, char *err, size_t errsize)
{
    unsigned create = self->read_only? 0: MDB_CREATE;
    int migrate;
    int result = s_open_meta (self, txn, &migrate, err, errsize);
    for (int i = 0; i < S_DB_META && result == 0; i++) {
        int rc = mdb_dbi_open (txn, s_dbs [i].name, s_dbs [i].flags | create, &self->dbi [i]);
        if (rc == MDB_MAP_FULL)
            result = HUB_STORE_FULL;    //  creating a database the upgrade adds
        else
        if (rc) {
            hub_store_errf (err, errsize, "%s is not a cyclehub store (database %s: %s)",
                            self->dir, s_dbs [i].name, mdb_strerror (rc));
            result = HUB_STORE_ERROR;
        }
    }
    if (result == 0 && migrate)
        result = s_migrate (self, txn, migrate, err, errsize);
    if (result == 0) {
        int rc = hub_store_mdb_last_seq (self, txn, &self->last_seq);
        if (rc) {
            hub_store_errf (err, errsize, "cannot read the last seq in %s: %s",
                            self->dir, mdb_strerror (rc));
            result = HUB_STORE_ERROR;
        }
    }
    return result;
}

//  Opens the databases, checks or writes meta, in one transaction.
//  HUB_STORE_FULL: an upgrade outgrew the map.
static int
s_open_once (hub_store_t *self, char *err, size_t errsize)
{
    MDB_txn *txn = NULL;
    int rc = hub_store_txn_begin (self, self->read_only? MDB_RDONLY: 0, &txn);
    if (rc) {
        hub_store_errf (err, errsize, "cannot begin a transaction in %s: %s",
                        self->dir, mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    int result = s_open_dbs (self, txn, err, errsize);
    if (result == 0) {
        //  Committing (even a read transaction) keeps the dbi handles for later
        rc = mdb_txn_commit (txn);
        if (rc == MDB_MAP_FULL)
            result = HUB_STORE_FULL;
        else
        if (rc) {
            hub_store_errf (err, errsize, "cannot commit the store's databases in %s: %s",
                            self->dir, mdb_strerror (rc));
            result = HUB_STORE_ERROR;
        }
    }
    else
        mdb_txn_abort (txn);
    if (self->read_only)
        s_readers_leave (self);
    return result;
}

//  An existing store opens with its map at the size of its data (LMDB
//  raises a smaller configured size only that far), so an upgrade that
//  writes finds it full: grow it, as a commit does, and run the open again
static int
s_open_txn (hub_store_t *self, char *err, size_t errsize)
{
    int result;
    while ((result = s_open_once (self, err, errsize)) == HUB_STORE_FULL) {
        result = hub_store_grow_map (self);
        if (result) {
            hub_store_errf (err, errsize, "cannot upgrade the store in %s: %s",
                            self->dir, hub_store_strerror (self));
            break;
        }
    }
    return result;
}

void
hub_store_options_default (hub_store_options_t *opts)
{
    assert (opts);
    memset (opts, 0, sizeof *opts);
    opts->map_size = S_DEFAULT_MAP_SIZE;
    opts->map_size_max = S_DEFAULT_MAP_MAX;
    opts->max_readers = S_DEFAULT_READERS;
}

//  The caller's options, defaults filled in and sizes in whole pages
static hub_store_options_t
s_options (const hub_store_options_t *opts)
{
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
    return o;
}

//  Creates, configures and opens the LMDB environment; clears stale readers
static int
s_env_open (hub_store_t *self, const hub_store_options_t *o, char *err, size_t errsize)
{
    int rc = mdb_env_create (&self->env);
    if (rc) {
        hub_store_errf (err, errsize, "cannot create an LMDB environment: %s", mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    if ((rc = mdb_env_set_maxdbs (self->env, S_MAX_DBS))
    ||  (rc = mdb_env_set_maxreaders (self->env, o->max_readers))
    ||  (rc = mdb_env_set_mapsize (self->env, o->map_size))) {
        hub_store_errf (err, errsize, "cannot configure the LMDB environment: %s",
                        mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    unsigned flags = S_ENV_FLAGS | (o->nosync? MDB_NOSYNC: 0) | (o->read_only? MDB_RDONLY: 0);
    //  data.mdb and lock.mdb are created the broker's alone
    rc = mdb_env_open (self->env, self->dir, flags, 0600);
    if (rc) {
        hub_store_errf (err, errsize, "cannot open the store in %s: %s",
                        self->dir, mdb_strerror (rc));
        return HUB_STORE_ERROR;
    }
    if (o->nosync && !o->read_only)
        zsys_warning ("store: opened with nosync dir=%s: commits are not durable, "
                      "use for benchmarks only", self->dir);
    int dead = 0;
    rc = mdb_reader_check (self->env, &dead);
    if (rc)
        zsys_warning ("store: reader check failed dir=%s error=%s", self->dir, mdb_strerror (rc));
    else
    if (dead)
        zsys_info ("store: cleared stale readers dir=%s count=%d", self->dir, dead);
    return 0;
}

static void
s_free (hub_store_t *self)
{
    if (self->env)
        mdb_env_close (self->env);
    if (self->lock_fd >= 0)
        close (self->lock_fd);          //  the writer lock goes with it
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
    free (self->entries);
    free (self->blob);
    free (self->dir);
    free (self);
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
        hub_store_errf (err, errsize, "no store directory given");
        return HUB_STORE_INVALID;
    }
    hub_store_options_t o = s_options (opts);
    if (!o.read_only && hub_store_mkdirs (dir)) {
        hub_store_errf (err, errsize, "cannot create the store directory %s: %s",
                        dir, strerror (errno));
        return HUB_STORE_ERROR;
    }
    if (!o.read_only && hub_store_check_private (dir, err, errsize))
        return HUB_STORE_ERROR;
    hub_store_t *self = calloc (1, sizeof *self);
    if (!self) {
        hub_store_errf (err, errsize, "out of memory");
        return HUB_STORE_ERROR;
    }
    pthread_mutex_init (&self->mutex, NULL);
    pthread_cond_init (&self->cond, NULL);
    self->read_only = o.read_only;
    self->lock_fd = -1;
    self->index_block = UINT64_MAX;
    self->map_size_max = o.map_size_max;
    self->dir = strdup (dir);
    int result = HUB_STORE_ERROR;
    if (!self->dir)
        hub_store_errf (err, errsize, "out of memory");
    else
    if (o.read_only || (self->lock_fd = hub_store_lock_writer (dir, err, errsize)) >= 0)
        result = s_env_open (self, &o, err, errsize);
    if (result == 0)
        result = s_open_txn (self, err, errsize);
    if (result) {
        s_free (self);
        return result;
    }
    *store_p = self;
    return 0;
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
    s_free (self);
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
    int rc = hub_store_txn_begin (self, 0, &txn);
    if (rc)
        return hub_store_lmdb_error (self, "begin write", rc);
    rc = s_meta_put_version (self, txn, version);
    //  Format 1 had no responses index: drop it, as format 1 left the store
    if (rc == 0 && version == 1)
        rc = mdb_drop (txn, self->dbi [S_DB_RESPONSES], 1);
    //  Formats 1 and 2 had no index tree, but trees of dup lists: empty the
    //  one, and make the others with an entry each for the upgrade to drop.
    //  Format 3's index held runs: an entry of another layout stands for
    //  them, which a scan would trip over were it left.
    if (rc == 0 && version < 4)
        rc = mdb_drop (txn, self->dbi [S_DB_INDEX], 0);
    if (rc == 0 && version == 3) {
        uint8_t key [S_INDEX_KEY];
        hub_store_index_key (key, 1, S_INDEX_COMMISSION);
        MDB_val k = { sizeof key, key }, v = { 3, "run" };
        rc = mdb_put (txn, self->dbi [S_DB_INDEX], &k, &v, 0);
    }
    for (size_t i = 0; i < sizeof s_old_dbs / sizeof s_old_dbs [0] && rc == 0 && version < 3; i++) {
        MDB_dbi dbi;
        uint64_t seq = 1;
        MDB_val k = { 4, "old" }, v = { sizeof seq, &seq };
        rc = mdb_dbi_open (txn, s_old_dbs [i], MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED
                                               | MDB_INTEGERDUP, &dbi);
        if (rc == 0)
            rc = mdb_put (txn, dbi, &k, &v, 0);
    }
    if (rc) {
        mdb_txn_abort (txn);
        return hub_store_lmdb_error (self, "write format version", rc);
    }
    rc = mdb_txn_commit (txn);
    if (rc)
        return hub_store_lmdb_error (self, "commit format version", rc);
    zsys_warning ("store: format version set to %d dir=%s (test only)", version, self->dir);
    return 0;
}
