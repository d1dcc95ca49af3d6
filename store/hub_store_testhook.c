/*  hub_store_testhook: the crash harness's power cut between two syncs
    (test_crash --lose-meta; docs/design.md, "One sync per commit"). With
    defer_meta_sync and HUB_TEST_LOSE_META=N in the environment, the
    store keeps both meta pages as they were before its Nth commit; when
    the next commit or sync begins (the one that would carry the Nth
    commit's meta page to disk), it waits 100 ms (time for anything the
    broker sent too early to reach its clients), puts them back, which is
    what the disk may hold after a power cut before that sync (the commit's
    data pages synced, its meta page not), and kills the process with
    SIGKILL. LMDB then opens at the commit before the Nth. Unset, it costs
    one getenv at open and two comparisons per commit.
*/
#include "hub_store_priv.h"

#include <czmq.h>

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

//  LMDB's two meta pages are pages 0 and 1 of data.mdb
static int
s_meta_io (hub_store_t *self, bool write)
{
    MDB_stat stat;
    if (mdb_env_stat (self->env, &stat))
        return -1;
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/data.mdb", self->dir);
    int fd = open (path, write? O_WRONLY: O_RDONLY);
    if (fd < 0)
        return -1;
    size_t size = 2 * (size_t) stat.ms_psize;
    if (!self->lose_meta_pages)
        self->lose_meta_pages = malloc (size);
    ssize_t done = !self->lose_meta_pages? -1
                 : write? pwrite (fd, self->lose_meta_pages, size, 0)
                        : pread (fd, self->lose_meta_pages, size, 0);
    close (fd);
    return done == (ssize_t) size? 0: -1;
}

void
hub_store_testhook_arm (hub_store_t *self)
{
    const char *at = getenv ("HUB_TEST_LOSE_META");
    self->lose_meta_at = at? strtoull (at, NULL, 10): 0;
    if (self->lose_meta_at)
        zsys_warning ("store: test hook armed: commit %" PRIu64 " loses its meta page",
                      self->lose_meta_at);
}

void
hub_store_testhook_save (hub_store_t *self)
{
    if (self->lose_meta_at && self->commits + 1 == self->lose_meta_at
    &&  s_meta_io (self, false))
        self->lose_meta_at = 0;
}

void
hub_store_testhook_fire (hub_store_t *self)
{
    if (!self->lose_meta_pages || self->commits != self->lose_meta_at)
        return;
    usleep (100 * 1000);
    if (s_meta_io (self, true) == 0)
        raise (SIGKILL);
    zsys_error ("store: test hook could not put the meta pages back");
}
