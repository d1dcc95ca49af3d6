/*  hub_nats: real nats-server processes for the bridge's tests and bench.
    Starts one server or a cluster node with JetStream on free loopback
    ports, and tells when its JetStream answers. Include after hub_test.h
    and hub_proc.h.
*/
#ifndef HUB_NATS_H
#define HUB_NATS_H

#include <nats/nats.h>
#include <sys/prctl.h>

typedef struct {
    pid_t pid;
    int port;                       /* client port */
    int cluster_port;               /* route port, 0 for a single server */
    char name [16];
    char dir [PATH_MAX];            /* JetStream store */
    char log [PATH_MAX + 16];
    char url [64];
    char routes [256];              /* every node's route URL, comma-separated */
} hub_nats_t;

/* Starts argv (searched in PATH) with stdin and stdout on /dev/null and
   stderr appended to err_path; the child dies with its parent. */
static inline pid_t
hub_nats_spawn (char *const argv [], const char *err_path)
{
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    if (pid == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        int null = open ("/dev/null", O_RDWR);
        int err = open (err_path? err_path: "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (null < 0 || err < 0)
            _exit (126);
        dup2 (null, 0);
        dup2 (null, 1);
        dup2 (err, 2);
        execvp (argv [0], argv);
        _exit (127);
    }
    return pid;
}

/* Names a node and gives it free ports and a store under base. */
static inline void
hub_nats_init (hub_nats_t *n, const char *base, const char *name, bool clustered)
{
    memset (n, 0, sizeof *n);
    snprintf (n->name, sizeof n->name, "%s", name);
    n->port = hub_proc_free_port ();
    n->cluster_port = clustered? hub_proc_free_port (): 0;
    snprintf (n->dir, sizeof n->dir, "%s/%s", base, name);
    snprintf (n->log, sizeof n->log, "%s/%s.log", base, name);
    snprintf (n->url, sizeof n->url, "nats://127.0.0.1:%d", n->port);
}

/* Sets every node's routes to all the nodes' route URLs. */
static inline void
hub_nats_routes (hub_nats_t *nodes, int count)
{
    char routes [256] = "";
    for (int i = 0; i < count; i++) {
        size_t len = strlen (routes);
        snprintf (routes + len, sizeof routes - len, "%snats://127.0.0.1:%d", i? ",": "",
                  nodes [i].cluster_port);
    }
    for (int i = 0; i < count; i++)
        snprintf (nodes [i].routes, sizeof nodes [i].routes, "%s", routes);
}

/* Starts the node's nats-server (JetStream on; a cluster node if it has a
   route port). Returns its pid (also in n->pid), or -1. */
static inline pid_t
hub_nats_spawn_node (hub_nats_t *n, const char *cluster_name)
{
    char port [16], cluster [64];
    snprintf (port, sizeof port, "%d", n->port);
    snprintf (cluster, sizeof cluster, "nats://127.0.0.1:%d", n->cluster_port);
    char *argv [24] = { "nats-server", "-a", "127.0.0.1", "-p", port, "-js", "-sd", n->dir,
                        "-n", n->name };
    int argc = 10;
    if (n->cluster_port) {
        argv [argc++] = "--cluster_name";
        argv [argc++] = (char *) cluster_name;
        argv [argc++] = "--cluster";
        argv [argc++] = cluster;
        argv [argc++] = "--routes";
        argv [argc++] = n->routes;
    }
    argv [argc] = NULL;
    n->pid = hub_nats_spawn (argv, n->log);
    return n->pid;
}

/* Adds a JetStream stream `name` over one subject pattern, file storage
   (replicas 0: the server's default). The server's answer: NATS_OK, or why
   not. */
static inline natsStatus
hub_nats_add_stream (jsCtx *js, const char *name, const char *subject, int replicas)
{
    jsStreamConfig config;
    jsStreamConfig_Init (&config);
    const char *subjects [] = { subject };
    config.Name = name;
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    if (replicas)
        config.Replicas = replicas;
    jsStreamInfo *info = NULL;
    natsStatus status = js_AddStream (&info, js, &config, NULL, NULL);
    jsStreamInfo_Destroy (info);
    return status;
}

/* A connection that does not reconnect, or NULL. */
static inline natsConnection *
hub_nats_connect (const char *url, int timeout_ms)
{
    natsOptions *options = NULL;
    natsConnection *conn = NULL;
    natsOptions_Create (&options);
    natsOptions_SetURL (options, url);
    natsOptions_SetTimeout (options, timeout_ms);
    natsOptions_SetMaxReconnect (options, 0);
    natsOptions_SetAllowReconnect (options, false);
    if (natsConnection_Connect (&conn, options) != NATS_OK)
        conn = NULL;
    natsOptions_Destroy (options);
    return conn;
}

/* True once the server answers and its JetStream answers too; with peers
   over 1 (a cluster), once a stream of that many replicas can be placed:
   the meta group has a leader and knows every peer (before that a stream
   of 3 replicas is refused, "no suitable peers for placement"). */
static inline bool
hub_nats_ready (const char *url, int peers)
{
    natsConnection *conn = hub_nats_connect (url, 500);
    if (!conn)
        return false;
    jsCtx *js = NULL;
    jsOptions options;
    jsOptions_Init (&options);
    options.Wait = 1000;
    jsAccountInfo *info = NULL;
    jsErrCode jerr = 0;
    bool ready = natsConnection_JetStream (&js, conn, &options) == NATS_OK
              && js_GetAccountInfo (&info, js, NULL, &jerr) == NATS_OK;
    jsAccountInfo_Destroy (info);
    if (ready && peers > 1) {
        ready = hub_nats_add_stream (js, "HUB_READY_PROBE", "hub.ready.probe", peers) == NATS_OK;
        if (ready)
            js_DeleteStream (js, "HUB_READY_PROBE", NULL, NULL);
    }
    jsCtx_Destroy (js);
    natsConnection_Destroy (conn);
    return ready;
}

#endif
