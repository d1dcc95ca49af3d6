/*  hub_store_backup: what leaves the live data file. A hot, compacting
    backup into another directory, and the in-place redaction of replaced
    events (erasure) so that no later snapshot or backup holds the old bytes.
*/
#include "hub_store_priv.h"

#include <czmq.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  Replacements: overwrite the old bytes with zeros of the same size
//  first (LMDB rewrites a same-size value in place), so the personal
//  bytes do not linger in the page's free space once the new value
//  moves in; the old page version is freed and never copied by a
//  compacting backup.
int
hub_store_write_replaces (hub_store_t *self, hub_store_batch_t *batch, MDB_txn *txn,
                          int *fault)
{
    int rc = 0;
    for (size_t i = 0; i < batch->nreplaces && rc == 0; i++) {
        s_replace_t *r = &batch->replaces [i];
        MDB_val k = { sizeof r->seq, &r->seq }, v;
        rc = mdb_get (txn, self->dbi [S_DB_EVENTS], &k, &v);
        if (rc == MDB_NOTFOUND) {
            hub_store_set_error (self, "replace: no event with seq %" PRIu64, r->seq);
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

//  Checks the source holds a store and the destination none, and creates it
static int
s_backup_dirs (const char *src_dir, const char *dest_dir, char *err, size_t errsize)
{
    char path [PATH_MAX];
    struct stat st;
    snprintf (path, sizeof path, "%s/data.mdb", src_dir);
    if (stat (path, &st)) {
        hub_store_errf (err, errsize, "no store in %s: %s", src_dir, strerror (errno));
        return HUB_STORE_ERROR;
    }
    snprintf (path, sizeof path, "%s/data.mdb", dest_dir);
    if (stat (path, &st) == 0) {
        hub_store_errf (err, errsize, "%s already holds a store; back up into an empty "
                        "directory", dest_dir);
        return HUB_STORE_INVALID;
    }
    if (hub_store_mkdirs (dest_dir)) {
        hub_store_errf (err, errsize, "cannot create %s: %s", dest_dir, strerror (errno));
        return HUB_STORE_ERROR;
    }
    return 0;
}

int
hub_store_backup (const char *src_dir, const char *dest_dir, char *err, size_t errsize)
{
    if (err && errsize)
        *err = '\0';
    if (!src_dir || !*src_dir || !dest_dir || !*dest_dir) {
        hub_store_errf (err, errsize, "backup needs a source and a destination directory");
        return HUB_STORE_INVALID;
    }
    int result = s_backup_dirs (src_dir, dest_dir, err, errsize);
    if (result)
        return result;
    MDB_env *env = NULL;
    int rc = mdb_env_create (&env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs (env, S_MAX_DBS);
    if (rc == 0)
        rc = mdb_env_set_mapsize (env, 0);      //  0: the size the store has
    if (rc == 0)
        rc = mdb_env_open (env, src_dir, MDB_RDONLY | MDB_NOTLS, 0664);
    if (rc) {
        hub_store_errf (err, errsize, "cannot open the store in %s: %s",
                        src_dir, mdb_strerror (rc));
        goto done;
    }
    //  The copy is written into a file created 0600 (mdb_env_copy2 would
    //  create it 0666 less the umask), in a directory created 0700
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/data.mdb", dest_dir);
    int fd = hub_store_create_private (path);
    if (fd < 0) {
        rc = errno;
        hub_store_errf (err, errsize, "cannot create %s: %s", path, strerror (rc));
        goto done;
    }
    rc = mdb_env_copyfd2 (env, fd, MDB_CP_COMPACT);
    if (rc == 0 && fsync (fd))
        rc = errno;
    if (close (fd) && rc == 0)
        rc = errno;
    if (rc) {
        hub_store_errf (err, errsize, "cannot copy %s into %s: %s",
                        src_dir, dest_dir, mdb_strerror (rc));
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
