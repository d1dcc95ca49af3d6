/*  hub_proc: real processes for end-to-end tests. Starts cyclehubd on a
    temporary store with ephemeral ports (reading the endpoints it writes),
    stops it, and runs the cyclehub CLI capturing its exit status, stdout
    and stderr. Binaries come from $HUB_BIN_DIR (the build tree), data from
    $HUB_SRC_DIR. Include after hub_test.h.
*/
#ifndef HUB_PROC_H
#define HUB_PROC_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/prctl.h>

#ifndef streq
#define streq(a, b) (strcmp ((a), (b)) == 0)
#endif

typedef struct {
    pid_t pid;                      /* cyclehubd, or 0 when stopped */
    char dir [PATH_MAX];            /* temp dir: store, endpoints, logs */
    char store [PATH_MAX + 16];
    char endpoints [PATH_MAX + 16];
    char log [PATH_MAX + 16];
    char api [256];                 /* bound endpoints, as cyclehubd wrote them */
    char events [256];
} hub_broker_proc_t;

typedef struct {
    int status;                     /* exit code; 128+N if killed by signal N; -1 if not run */
    char *out;                      /* stdout, NUL-terminated (caller frees) */
    char *err;                      /* stderr */
    int64_t elapsed_ms;
} hub_run_t;

static inline int64_t
hub_proc_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void
hub_proc_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
    while (nanosleep (&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* Path of a file in the build tree ($HUB_BIN_DIR/rel) or source tree. */
static inline void
hub_proc_bin (char *buf, size_t size, const char *rel)
{
    const char *dir = getenv ("HUB_BIN_DIR");
    snprintf (buf, size, "%s/%s", dir && *dir? dir: ".", rel);
}

static inline void
hub_proc_src (char *buf, size_t size, const char *rel)
{
    const char *dir = getenv ("HUB_SRC_DIR");
    snprintf (buf, size, "%s/%s", dir && *dir? dir: "..", rel);
}

/* Reads a whole file into a NUL-terminated malloc'd string (NULL if none). */
static inline char *
hub_proc_slurp (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    size_t capacity = 4096, len = 0;
    char *data = malloc (capacity);
    while (data) {
        len += fread (data + len, 1, capacity - len - 1, file);
        if (len < capacity - 1)
            break;
        capacity *= 2;
        char *grown = realloc (data, capacity);
        if (!grown) {
            free (data);
            data = NULL;
        }
        else
            data = grown;
    }
    fclose (file);
    if (data)
        data [len] = 0;
    return data;
}

/* Starts a process with stdin from in_path (NULL: /dev/null) and stdout,
   stderr to out_path, err_path (NULL: /dev/null). Returns its pid or -1. */
static inline pid_t
hub_proc_spawn (char *const argv [], const char *in_path, const char *out_path,
                const char *err_path)
{
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    if (pid != 0)
        return pid;
    prctl (PR_SET_PDEATHSIG, SIGKILL);          //  dies with the test
    int in = open (in_path? in_path: "/dev/null", O_RDONLY);
    int out = open (out_path? out_path: "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open (err_path? err_path: "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0)
        _exit (126);
    dup2 (in, 0);
    dup2 (out, 1);
    dup2 (err, 2);
    execv (argv [0], argv);
    _exit (127);
}

/* Waits for pid up to timeout_ms; returns its exit code (128+N for signal
   N), or -1 if it is still running (then it is left alone). */
static inline int
hub_proc_wait (pid_t pid, int timeout_ms)
{
    int64_t deadline = hub_proc_now_ms () + timeout_ms;
    while (true) {
        int status;
        pid_t done = waitpid (pid, &status, WNOHANG);
        if (done == pid)
            return WIFEXITED (status)? WEXITSTATUS (status):
                   WIFSIGNALED (status)? 128 + WTERMSIG (status): -1;
        if (done < 0 || hub_proc_now_ms () >= deadline)
            return -1;
        hub_proc_sleep_ms (5);
    }
}

/* Sends sig, waits up to timeout_ms, then SIGKILL. Returns the exit code. */
static inline int
hub_proc_stop (pid_t pid, int sig, int timeout_ms)
{
    kill (pid, sig);
    int rc = hub_proc_wait (pid, timeout_ms);
    if (rc == -1) {
        kill (pid, SIGKILL);
        rc = hub_proc_wait (pid, 5000);
    }
    return rc;
}

/* $HUB_BROKER_WRAPPER (e.g. "valgrind --leak-check=full --error-exitcode=99")
   is a space-separated command put in front of the broker's argv, so a
   script can run the end-to-end tests' broker under a checker (signals
   still reach the broker: valgrind runs it in its own process). Fills out
   (HUB_WRAP_MAX entries, NULL-terminated) with the wrapper's words, split
   into buf, then argv's. */
#define HUB_WRAP_MAX 96

static inline void
hub_proc_wrap (char *const argv [], char **out, char *buf, size_t size)
{
    int n = 0;
    const char *wrapper = getenv ("HUB_BROKER_WRAPPER");
    if (wrapper && *wrapper) {
        snprintf (buf, size, "%s", wrapper);
        for (char *word = strtok (buf, " "); word && n < HUB_WRAP_MAX / 2; word = strtok (NULL, " "))
            out [n++] = word;
    }
    for (int i = 0; argv [i] && n < HUB_WRAP_MAX - 1; i++)
        out [n++] = argv [i];
    out [n] = NULL;
}

/* A free tcp port on 127.0.0.1 chosen at run time, below the kernel's
   ephemeral range: a broker restarted on the same port must find it free,
   and a port in the ephemeral range can meanwhile be taken as the source
   port of a client reconnecting to it. Returns 0 if none was found. */
static inline int
hub_proc_free_port (void)
{
    int low = 32768;
    FILE *file = fopen ("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (file) {
        if (fscanf (file, "%d", &low) != 1)
            low = 32768;
        fclose (file);
    }
    int first = low > 12000? 10000: 1024, span = low - first;
    if (span < 100)
        return 0;
    static unsigned seed = 0;
    if (!seed)
        seed = (unsigned) getpid () ^ (unsigned) hub_proc_now_ms ();
    for (int attempt = 0; attempt < 200; attempt++) {
        int port = first + (int) (rand_r (&seed) % (unsigned) span);
        int fd = socket (AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return 0;
        struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
        addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        int rc = bind (fd, (struct sockaddr *) &addr, sizeof addr);
        close (fd);
        if (rc == 0)
            return port;
    }
    return 0;
}

/* Starts cyclehubd on store dir b->store (made under a new temp dir unless
   b->dir is already set, so a restart reuses the store and the first
   start's ports), with extra broker flags (NULL-terminated, may be NULL),
   under $HUB_BROKER_WRAPPER if set, and waits for its endpoints. The
   broker's stdout (its log) and stderr are appended to b->log. Returns 0, or -1 (said why on
   stderr). */
static inline int
hub_broker_start_once (hub_broker_proc_t *b, const char *tag, const char *const *extra)
{
    if (!*b->dir) {
        char *dir = hub_test_tmpdir (tag);
        if (!dir)
            return -1;
        snprintf (b->dir, sizeof b->dir, "%s", dir);
        free (dir);
        snprintf (b->store, sizeof b->store, "%s/store", b->dir);
        snprintf (b->endpoints, sizeof b->endpoints, "%s/endpoints", b->dir);
        snprintf (b->log, sizeof b->log, "%s/broker.log", b->dir);
    }
    unlink (b->endpoints);
    char bin [PATH_MAX];
    hub_proc_bin (bin, sizeof bin, "broker/cyclehubd");
    char api_arg [300], events_arg [300];
    if (*b->api) {
        snprintf (api_arg, sizeof api_arg, "%s", b->api);
        snprintf (events_arg, sizeof events_arg, "%s", b->events);
    }
    else {
        int api_port = hub_proc_free_port (), events_port = hub_proc_free_port ();
        if (api_port && events_port && api_port != events_port) {
            snprintf (api_arg, sizeof api_arg, "tcp://127.0.0.1:%d", api_port);
            snprintf (events_arg, sizeof events_arg, "tcp://127.0.0.1:%d", events_port);
        }
        else {
            snprintf (api_arg, sizeof api_arg, "tcp://127.0.0.1:*");
            snprintf (events_arg, sizeof events_arg, "tcp://127.0.0.1:*");
        }
    }
    char *argv [32] = { bin, "--api", api_arg, "--events", events_arg, "--store", b->store,
                        "--endpoints-file", b->endpoints, "--plain" };
    int argc = 10;
    for (int i = 0; extra && extra [i] && argc < 31; i++)
        argv [argc++] = (char *) extra [i];
    argv [argc] = NULL;
    char wrap_buf [1024];
    char *wrapped [HUB_WRAP_MAX];
    hub_proc_wrap (argv, wrapped, wrap_buf, sizeof wrap_buf);
    int log_fd = open (b->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    fflush (stdout);
    fflush (stderr);
    b->pid = fork ();
    if (b->pid == 0) {
        //  The broker dies with the test, even one that stops at a REQUIRE
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        int null = open ("/dev/null", O_RDWR);
        dup2 (null, 0);
        dup2 (log_fd >= 0? log_fd: null, 1);        //  its zsys log
        dup2 (log_fd >= 0? log_fd: null, 2);
        execv (wrapped [0], wrapped);
        _exit (127);
    }
    if (log_fd >= 0)
        close (log_fd);
    if (b->pid < 0)
        return -1;
    int64_t deadline = hub_proc_now_ms () + (getenv ("HUB_BROKER_WRAPPER")? 120000: 20000);
    while (hub_proc_now_ms () < deadline) {
        char *text = hub_proc_slurp (b->endpoints);
        if (text && sscanf (text, "%255s %255s", b->api, b->events) == 2) {
            free (text);
            return 0;
        }
        free (text);
        int rc = hub_proc_wait (b->pid, 0);
        if (rc != -1) {
            fprintf (stderr, "cyclehubd exited early (rc %d); log %s:\n", rc, b->log);
            char *log_text = hub_proc_slurp (b->log);
            fprintf (stderr, "%s\n", log_text? log_text: "");
            free (log_text);
            b->pid = 0;
            return -1;
        }
        hub_proc_sleep_ms (5);
    }
    fprintf (stderr, "cyclehubd wrote no endpoints in time\n");
    return -1;
}

/* hub_broker_start_once, retried with other ports if a first start loses
   its ports to another process between choosing and binding them. */
static inline int
hub_broker_start_with (hub_broker_proc_t *b, const char *tag, const char *const *extra)
{
    bool restart = *b->api != 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (hub_broker_start_once (b, tag, extra) == 0)
            return 0;
        if (restart)
            break;
        b->api [0] = b->events [0] = 0;
    }
    return -1;
}

static inline int
hub_broker_start (hub_broker_proc_t *b, const char *tag)
{
    return hub_broker_start_with (b, tag, NULL);
}

/* Stops cyclehubd with SIGTERM. Returns its exit code. */
static inline int
hub_broker_stop (hub_broker_proc_t *b)
{
    if (b->pid <= 0)
        return 0;
    int rc = hub_proc_stop (b->pid, SIGTERM, 15000);
    b->pid = 0;
    return rc;
}

/* Stops the broker and removes its temp dir. */
static inline void
hub_broker_cleanup (hub_broker_proc_t *b)
{
    hub_broker_stop (b);
    if (*b->dir && !getenv ("HUB_KEEP_TMP"))
        hub_test_rmtree (b->dir);
}

#define HUB_ARGV_MAX 64

/* Builds the argv of a CLI run: cyclehub --api .. --events .. --agency
   AGENCY [--timeout MS] then the NULL-terminated varargs. agency NULL
   leaves --agency out; b NULL leaves the endpoints out. Strings in argv
   point into args (static storage per call site is the caller's job). */
typedef struct {
    char bin [PATH_MAX];
    char *argv [HUB_ARGV_MAX];
    int argc;
} hub_argv_t;

static inline void
hub_argv_init (hub_argv_t *a, const hub_broker_proc_t *b, const char *agency)
{
    hub_proc_bin (a->bin, sizeof a->bin, "clients/cyclehub");
    a->argc = 0;
    a->argv [a->argc++] = a->bin;
    if (b) {
        a->argv [a->argc++] = "--api";
        a->argv [a->argc++] = (char *) b->api;
        a->argv [a->argc++] = "--events";
        a->argv [a->argc++] = (char *) b->events;
    }
    if (agency) {
        a->argv [a->argc++] = "--agency";
        a->argv [a->argc++] = (char *) agency;
    }
    a->argv [a->argc] = NULL;
}

static inline void
hub_argv_add (hub_argv_t *a, const char *arg)
{
    if (a->argc < HUB_ARGV_MAX - 1) {
        a->argv [a->argc++] = (char *) arg;
        a->argv [a->argc] = NULL;
    }
}

static inline void
hub_argv_addv (hub_argv_t *a, va_list args)
{
    const char *arg;
    while ((arg = va_arg (args, const char *)))
        hub_argv_add (a, arg);
}

/* Runs argv to completion (killed after timeout_ms) with stdin from the
   file in_path (NULL: /dev/null), capturing its output in r. */
static inline void
hub_run_argv (hub_run_t *r, char *const argv [], const char *in_path, int timeout_ms)
{
    memset (r, 0, sizeof *r);
    r->status = -1;
    char *dir = hub_test_tmpdir ("run");
    if (!dir)
        return;
    char out [PATH_MAX + 8], err [PATH_MAX + 8];
    snprintf (out, sizeof out, "%s/out", dir);
    snprintf (err, sizeof err, "%s/err", dir);
    int64_t start = hub_proc_now_ms ();
    pid_t pid = hub_proc_spawn (argv, in_path, out, err);
    if (pid > 0) {
        r->status = hub_proc_wait (pid, timeout_ms);
        if (r->status == -1) {
            kill (pid, SIGKILL);
            hub_proc_wait (pid, 5000);
        }
    }
    r->elapsed_ms = hub_proc_now_ms () - start;
    r->out = hub_proc_slurp (out);
    r->err = hub_proc_slurp (err);
    if (!r->out)
        r->out = strdup ("");
    if (!r->err)
        r->err = strdup ("");
    hub_test_rmtree (dir);
    free (dir);
}

/* Runs the CLI against broker b as agency: hub_cli (r, b, agency, in_path,
   "publish", "tender.published", file, NULL). */
static inline void
hub_cli (hub_run_t *r, const hub_broker_proc_t *b, const char *agency, const char *in_path, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, b, agency);
    va_list args;
    va_start (args, in_path);
    hub_argv_addv (&a, args);
    va_end (args);
    hub_run_argv (r, a.argv, in_path, 60000);
}

static inline void
hub_run_free (hub_run_t *r)
{
    free (r->out);
    free (r->err);
    r->out = r->err = NULL;
}

/* Counts lines in text. */
static inline size_t
hub_proc_lines (const char *text)
{
    size_t n = 0;
    for (const char *c = text; c && *c; c++)
        n += *c == '\n';
    return n;
}

#endif
