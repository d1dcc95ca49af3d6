/*  bench_kit: what the bench programs share. Their output lines (one
    table row, or with --tsv one "metric<TAB>value<TAB>unit" line, that
    scripts/bench-table.awk reads: keep the formats as they are),
    percentiles, their temp directory, and a cyclehubd of their own
    started on a temp store and found through its endpoints file.
    Static inline, so each program takes only what it uses; the broker
    helpers exist where cyclehub.h is included before this header.
*/
#ifndef HUB_BENCH_KIT_H
#define HUB_BENCH_KIT_H

#include <czmq.h>
#include <math.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>

//  The table's header row (none with --tsv)
static inline void
hub_bench_header (bool tsv)
{
    if (!tsv)
        printf ("%-44s %14s %-8s %s\n", "metric", "value", "unit", "note");
}

//  One figure; note may be NULL
static inline void
hub_bench_emit (bool tsv, const char *metric, double value, const char *unit, const char *note)
{
    if (tsv)
        printf ("%s\t%.*f\t%s\n", metric, value < 100? 2: 0, value, unit);
    else
        printf ("%-44s %14.*f %-8s %s\n", metric, value < 100? 2: 0, value, unit, note? note: "");
    fflush (stdout);
}

//  A figure that could not be measured here, and why (a comment with --tsv)
static inline void
hub_bench_skip (bool tsv, const char *what, const char *why)
{
    if (tsv)
        printf ("# %s: %s\n", what, why);
    else
        printf ("%-44s %14s %-8s %s\n", what, "-", "", why);
    fflush (stdout);
}

static inline int
hub_bench_cmp_i64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y? -1: x > y;
}

//  p-th percentile of n values, nearest rank (sorts them); 0 if n is 0
static inline double
hub_bench_percentile (int64_t *values, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort (values, n, sizeof (int64_t), hub_bench_cmp_i64);
    size_t at = (size_t) ceil (p / 100.0 * (double) n);
    return (double) values [at? (at <= n? at - 1: n - 1): 0];
}

//  fdatasync of a 4 KiB page rewritten in dir, count times (64 pages in
//  turn, so each sync writes a changed block, as an LMDB commit rewrites its
//  pages): the durations in usecs (malloc'd; free them), their number in
//  *done, short of count if the file system refused. NULL if out of memory.
static inline int64_t *
hub_bench_fsync (const char *dir, int count, int *done)
{
    char path [PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/fsync-probe", dir);
    int fd = open (path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char page [4096];
    memset (page, 'f', sizeof page);
    int64_t *took = calloc ((size_t) count, sizeof (int64_t));
    *done = 0;
    for (int i = 0; fd >= 0 && took && i < count; i++) {
        if (pwrite (fd, page, sizeof page, (off_t) (i % 64) * 4096) != (ssize_t) sizeof page)
            break;
        int64_t start = zclock_usecs ();
        if (fdatasync (fd))
            break;
        took [(*done)++] = zclock_usecs () - start;
    }
    if (fd >= 0)
        close (fd);
    unlink (path);
    return took;
}

//  The path of rel beside this program (argv0's directory): "." for that
//  directory, "../broker/cyclehubd" for the broker of the same build.
static inline void
hub_bench_beside (char *path, size_t size, const char *argv0, const char *rel)
{
    const char *slash = strrchr (argv0, '/');
    int dir = slash? (int) (slash - argv0): 1;
    snprintf (path, size, "%.*s/%s", dir, slash? argv0: ".", rel);
}

//  Makes dir (size bytes) a new directory base/name-XXXXXX. 0 or -1 (said
//  on stderr as who).
static inline int
hub_bench_tmpdir (char *dir, size_t size, const char *base, const char *name, const char *who)
{
    snprintf (dir, size, "%s/%s-XXXXXX", base, name);
    if (mkdtemp (dir))
        return 0;
    fprintf (stderr, "%s: ", who);
    perror ("mkdtemp");
    return -1;
}

//  What every bench does before it measures: czmq quiet, SIGPIPE ignored
//  (a peer that goes away is seen as an error, not a signal), and a temp
//  directory base/name-XXXXXX in dir, base NULL for $TMPDIR or /tmp.
//  0 or -1 (said on stderr as who).
static inline int
hub_bench_start (char *dir, size_t size, const char *base, const char *name, const char *who)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    signal (SIGPIPE, SIG_IGN);
    if (!base)
        base = getenv ("TMPDIR") && *getenv ("TMPDIR")? getenv ("TMPDIR"): "/tmp";
    return hub_bench_tmpdir (dir, size, base, name, who);
}

//  Removes the temp directory and all in it
static inline void
hub_bench_rmtree (const char *dir, const char *who)
{
    char cmd [PATH_MAX + 16];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system (cmd) != 0)
        fprintf (stderr, "%s: could not remove %s\n", who, dir);
}

//  A free loopback port (bound, read, closed), or 0
static inline int
hub_bench_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;
    int port = 0;
    if (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0
    &&  getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
        port = ntohs (addr.sin_port);
    close (fd);
    return port;
}

//  Starts argv (argv [0] the program) with its stdout on /dev/null; the pid,
//  or -1. The caller stops it (SIGTERM, then waitpid).
static inline pid_t
hub_bench_spawn_quiet (char *const *argv)
{
    pid_t pid = fork ();
    if (pid == 0) {
        int null = open ("/dev/null", O_WRONLY);
        dup2 (null, STDOUT_FILENO);
        execv (argv [0], argv);
        _exit (127);
    }
    return pid;
}

//  Waits up to 10 s for cyclehubd's --endpoints-file at path and reads its
//  API and events endpoints (256 bytes each) and, where url is not NULL, its
//  HTTP base URL (256) and development token (128). 0, or -1 if it did not
//  come.
static inline int
hub_bench_endpoints (const char *path, char *api, char *events, char *url, char *token)
{
    int want = url? 4: 2;
    for (int i = 0; i < 1000; i++) {
        FILE *file = fopen (path, "r");
        if (file) {
            int n = url? fscanf (file, "%255s %255s %255s %127s", api, events, url, token)
                       : fscanf (file, "%255s %255s", api, events);
            fclose (file);
            if (n == want)
                return 0;
        }
        zclock_sleep (10);
    }
    return -1;
}

#ifdef CYCLEHUB_H
//  A libcyclehub client of the broker at api/events as agency, with the
//  window given and batch_max (0: the library's default); long timeouts, so
//  a saturated broker slows a bench down instead of failing it.
static inline hub_client_t *
hub_bench_client (const char *api, const char *events, const char *agency, int window,
                  int batch_max)
{
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = api;
    options.events_endpoint = events;
    options.agency = agency;
    options.window = window;
    options.timeout_ms = 30000;
    options.resend_ms = 30000;
    if (batch_max)
        options.batch_max = batch_max;
    return hub_client_new (&options);
}

//  Opens commission ocid as buyer (a commission.opened titled title), so
//  that partner updates to it are accepted. HUB_OK or the error code, with
//  the broker's reason in result.
static inline int
hub_bench_open (const char *api, const char *events, const char *buyer, const char *ocid,
                const char *title, hub_result_t *result)
{
    memset (result, 0, sizeof *result);
    hub_client_t *client = hub_bench_client (api, events, buyer, 1, 0);
    if (!client)
        return -1;
    Cyclehub__V1__Envelope *env = hub_envelope_new (ocid, NULL);
    Cyclehub__V1__CommissionOpened *opened = (Cyclehub__V1__CommissionOpened *)
        hub_envelope_body (env, CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED);
    hub_set_string (&opened->title, title);
    hub_set_string (&opened->buyer, buyer);
    int rc = hub_client_publish (client, env, result);
    hub_envelope_destroy (&env);
    hub_client_destroy (&client);
    return rc;
}
#endif

#endif
