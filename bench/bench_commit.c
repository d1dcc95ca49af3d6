/*  bench_commit: what a small synced LMDB commit costs as it touches more
    trees. The hub's commit at 10k msgs/s carries about 14 publishes and
    touches nine trees (events, three indexes, dedupe keys, counts,
    commission states, LMDB's free list and main table); this measures raw
    LMDB commits of 14 records into 1, 3 and 7 trees of 200,000 records each,
    one after the other in one run, so the cost of the trees themselves is
    visible beside the disk's (docs/performance.md, "What a commit writes").

    Usage: bench_commit [DIR]   (default $TMPDIR or /tmp; a temp store in it)
*/
#include <czmq.h>
#include <lmdb.h>
#include "bench_kit.h"

#define S_PER_COMMIT  14
#define S_COMMITS     1500
#define S_PREFILL     200000
#define S_MAX_TREES   7

static int
s_cmp (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y? -1: x > y;
}

//  Appends one record of each tree per seq, from *seq on
static int
s_put (MDB_txn *txn, MDB_dbi *dbi, int trees, uint64_t *seq, int count, const char *value)
{
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        (*seq)++;
        uint64_t key = __builtin_bswap64 (*seq);     //  big-endian: appends in order
        for (int t = 0; t < trees && rc == 0; t++) {
            MDB_val k = { sizeof key, &key }, v = { t? 24: 200, (void *) value };
            rc = mdb_put (txn, dbi [t], &k, &v, MDB_APPEND);
        }
    }
    return rc;
}

static int
s_measure (const char *dir, int trees, int64_t *took)
{
    MDB_env *env;
    MDB_dbi dbi [S_MAX_TREES];
    MDB_txn *txn;
    char value [200];
    memset (value, 'x', sizeof value);
    if (mdb_env_create (&env) || mdb_env_set_mapsize (env, (size_t) 1 << 30)
    ||  mdb_env_set_maxdbs (env, S_MAX_TREES) || mdb_env_open (env, dir, 0, 0600))
        return -1;
    int rc = mdb_txn_begin (env, NULL, 0, &txn);
    for (int t = 0; t < trees && rc == 0; t++) {
        char name [16];
        snprintf (name, sizeof name, "t%d", t);
        rc = mdb_dbi_open (txn, name, MDB_CREATE, &dbi [t]);
    }
    rc = rc? rc: mdb_txn_commit (txn);
    uint64_t seq = 0;
    //  Trees of some depth first, as a store that has been in use
    for (int c = 0; c < S_PREFILL / 1000 && rc == 0; c++)
        if ((rc = mdb_txn_begin (env, NULL, 0, &txn)) == 0)
            rc = s_put (txn, dbi, trees, &seq, 1000, value)? -1: mdb_txn_commit (txn);
    for (int c = 0; c < S_COMMITS && rc == 0; c++) {
        int64_t start = zclock_usecs ();
        if ((rc = mdb_txn_begin (env, NULL, 0, &txn)) == 0)
            rc = s_put (txn, dbi, trees, &seq, S_PER_COMMIT, value)? -1: mdb_txn_commit (txn);
        took [c] = zclock_usecs () - start;
        zclock_sleep (1);           //  paced, as commits at 10k msgs/s are
    }
    mdb_env_close (env);
    return rc;
}

int
main (int argc, char *argv [])
{
    bool tsv = false;
    const char *parent = getenv ("TMPDIR")? getenv ("TMPDIR"): "/tmp";
    for (int i = 1; i < argc; i++) {
        if (streq (argv [i], "--tsv"))
            tsv = true;
        else
        if (argv [i][0] != '-')
            parent = argv [i];
        else {
            fprintf (stderr, "usage: bench_commit [--tsv] [DIR]\n");
            return 2;
        }
    }
    zsys_init ();
    hub_bench_header (tsv);
    //  The disk first, as bench_peers measures it: a slow disk is the cause
    int done = 0;
    int64_t *synced = hub_bench_fsync (parent, 1000, &done);
    if (done) {
        hub_bench_emit (tsv, "fsync_p50", hub_bench_percentile (synced, (size_t) done, 50), "us",
                        "fdatasync of a 4 KiB page");
        hub_bench_emit (tsv, "fsync_p99", hub_bench_percentile (synced, (size_t) done, 99), "us", NULL);
    }
    free (synced);
    int64_t *took = calloc (S_COMMITS, sizeof *took);
    int sizes [] = { 1, 3, 7 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes [0]; s++) {
        char dir [PATH_MAX];
        if (hub_bench_tmpdir (dir, sizeof dir, parent, "cyclehub-commit", "bench_commit"))
            return 1;
        int rc = s_measure (dir, sizes [s], took);
        hub_bench_rmtree (dir, "bench_commit");
        if (rc) {
            fprintf (stderr, "bench_commit: LMDB failed in %s (%d)\n", dir, rc);
            return 1;
        }
        qsort (took, S_COMMITS, sizeof *took, s_cmp);
        char metric [64], note [64];
        snprintf (metric, sizeof metric, "lmdb_commit_14rec_%dtree_p50", sizes [s]);
        snprintf (note, sizeof note, "synced commit of %d records into %d tree(s)", S_PER_COMMIT, sizes [s]);
        hub_bench_emit (tsv, metric, (double) took [S_COMMITS / 2], "us", note);
        snprintf (metric, sizeof metric, "lmdb_commit_14rec_%dtree_p99", sizes [s]);
        hub_bench_emit (tsv, metric, (double) took [S_COMMITS * 99 / 100], "us", NULL);
    }
    free (took);
    return 0;
}
