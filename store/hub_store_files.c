/*  hub_store_files: who may read the store's files. They hold personal
    data, so the broker makes them its own alone (directory 0700, files
    0600, whatever the umask) and refuses to open, read-write, a store that
    another user can read or write: a mode cannot be trusted to have been
    meant, so the operator is told the fix instead of it being made quietly.
*/
#include "hub_store_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *s_files [] = { "data.mdb", "lock.mdb" };

//  Checks one path: it must be ours, with no group or other bits. Returns
//  0, or HUB_STORE_ERROR with the sentence in err.
static int
s_check (const char *path, const char *dir, bool is_dir, char *err, size_t errsize)
{
    struct stat st;
    if (stat (path, &st)) {
        if (errno == ENOENT && !is_dir)
            return 0;                   //  not created yet: LMDB creates it 0600
        hub_store_errf (err, errsize, "cannot check %s: %s", path, strerror (errno));
        return HUB_STORE_ERROR;
    }
    if (st.st_uid != geteuid ()) {
        hub_store_errf (err, errsize, "the store's %s %s belongs to uid %u, not to the user "
                        "the broker runs as (uid %u); run cyclehubd as its owner, or: "
                        "chown -R %u %s", is_dir? "directory": "file", path,
                        (unsigned) st.st_uid, (unsigned) geteuid (), (unsigned) geteuid (), dir);
        return HUB_STORE_ERROR;
    }
    if (st.st_mode & 077) {
        hub_store_errf (err, errsize, "the store's %s %s has mode %04o: other users can read "
                        "or write it, and it holds personal data; fix with: chmod 700 %s; "
                        "chmod 600 %s/*.mdb", is_dir? "directory": "file", path,
                        (unsigned) (st.st_mode & 07777), dir, dir);
        return HUB_STORE_ERROR;
    }
    return 0;
}

int
hub_store_check_private (const char *dir, char *err, size_t errsize)
{
    int rc = s_check (dir, dir, true, err, errsize);
    for (size_t i = 0; rc == 0 && i < sizeof s_files / sizeof s_files [0]; i++) {
        char path [PATH_MAX];
        snprintf (path, sizeof path, "%s/%s", dir, s_files [i]);
        rc = s_check (path, dir, false, err, errsize);
    }
    return rc;
}

int
hub_store_lock_writer (const char *dir, char *err, size_t errsize)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/writer.lock", dir);
    int fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        hub_store_errf (err, errsize, "cannot open %s: %s", path, strerror (errno));
        return -1;
    }
    if (flock (fd, LOCK_EX | LOCK_NB) == 0) {
        char pid [24];
        int len = snprintf (pid, sizeof pid, "%ld\n", (long) getpid ());
        if (ftruncate (fd, 0) || pwrite (fd, pid, (size_t) len, 0) != len) {
            hub_store_errf (err, errsize, "cannot write %s: %s", path, strerror (errno));
            close (fd);
            return -1;
        }
        return fd;
    }
    int saved = errno;
    char holder [24] = "";
    ssize_t got = pread (fd, holder, sizeof holder - 1, 0);
    holder [got > 0? got: 0] = '\0';
    holder [strcspn (holder, "\n")] = '\0';
    close (fd);
    if (saved == EWOULDBLOCK)
        hub_store_errf (err, errsize, "the store %s is already open for writing by another "
                        "process (pid %s, another cyclehubd?): a store has one writer; stop "
                        "that one first, or give this one its own --store", dir,
                        *holder? holder: "unknown");
    else
        hub_store_errf (err, errsize, "cannot lock %s: %s", path, strerror (saved));
    return -1;
}

int
hub_store_create_private (const char *path)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0 && fchmod (fd, 0600)) {      //  the umask may have taken bits off
        int saved = errno;
        close (fd);
        errno = saved;
        return -1;
    }
    return fd;
}
