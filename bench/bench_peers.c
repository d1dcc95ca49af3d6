/*  bench_peers: the peers of the hub's figures, measured in the same run as
    them by `make bench` so that the machine's speed cancels in the ratios:
    the fdatasync distribution of the store's file system (a slow disk shows
    here first), NATS JetStream async publish and NATS core fan-out (a
    nats-server of our own), and Mosquitto QoS 1 (a mosquitto of our own),
    each skipped with a line saying so where it is not installed.

    Usage: bench_peers [--tsv] [--quick] [--dir DIR]
      --dir DIR   where to fsync (default $TMPDIR or /tmp: the bench store's)
*/
#include "hub_test.h"
#include "hub_proc.h"
#include "hub_nats.h"
#include <czmq.h>
#include <math.h>
#include <pthread.h>
#include "bench_kit.h"
#ifdef HUB_BENCH_MOSQUITTO
#include <mosquitto.h>
#endif

typedef struct {
    bool tsv;
    bool quick;
    char dir [PATH_MAX / 2];         //  temp dir (under --dir); room for names in it
} s_bench_t;

//  ---------------------------------------------------------------------------
//  fdatasync: a 4 KiB page rewritten and synced, as LMDB's commit does twice

static void
s_fsync (s_bench_t *bench)
{
    int count = bench->quick? 200: 2000;
    int done = 0;
    int64_t *took = hub_bench_fsync (bench->dir, count, &done);
    if (done < count)
        hub_bench_skip (bench->tsv, "fsync", "fdatasync failed on this file system");
    else {
        hub_bench_emit (bench->tsv, "fsync_p50", hub_bench_percentile (took, (size_t) done, 50), "us", "fdatasync of a 4 KiB page");
        hub_bench_emit (bench->tsv, "fsync_p99", hub_bench_percentile (took, (size_t) done, 99), "us", "ack target holds where < 500");
        hub_bench_emit (bench->tsv, "fsync_p99.9", hub_bench_percentile (took, (size_t) done, 99.9), "us", NULL);
    }
    free (took);
}

//  ---------------------------------------------------------------------------
//  NATS: JetStream async publish (window 256, file storage), core fan-out

static double
s_jetstream (const char *url, int count, size_t size)
{
    natsConnection *conn = hub_nats_connect (url, 2000);
    jsCtx *js = NULL;
    jsOptions options;
    jsOptions_Init (&options);
    options.Wait = 5000;
    options.PublishAsync.MaxPending = 256;
    options.PublishAsync.StallWait = 5000;
    if (!conn || natsConnection_JetStream (&js, conn, &options) != NATS_OK) {
        natsConnection_Destroy (conn);
        return 0;
    }
    double rate = 0;
    if (hub_nats_add_stream (js, "PEER", "peer.js", 0) == NATS_OK) {
        char *body = calloc (1, size);
        int64_t start = zclock_usecs ();
        int sent = 0;
        while (sent < count && js_PublishAsync (js, "peer.js", body, (int) size, NULL) == NATS_OK)
            sent++;
        jsPubOptions wait;
        jsPubOptions_Init (&wait);
        wait.MaxWait = 60000;
        if (js_PublishAsyncComplete (js, &wait) == NATS_OK && sent == count)
            rate = count / ((zclock_usecs () - start) / 1e6);
        free (body);
        js_DeleteStream (js, "PEER", NULL, NULL);
    }
    jsCtx_Destroy (js);
    natsConnection_Destroy (conn);
    return rate;
}

typedef struct {
    pthread_mutex_t lock;
    int64_t *latency;                //  send -> delivery, all subscribers
    size_t received;
    size_t capacity;
    int64_t last;                    //  time of the last delivery
} s_fanout_t;

static void
s_on_nats (natsConnection *conn, natsSubscription *sub, natsMsg *msg, void *arg)
{
    (void) conn, (void) sub;
    s_fanout_t *fan = arg;
    int64_t now = zclock_usecs (), sent;
    memcpy (&sent, natsMsg_GetData (msg), sizeof sent);
    pthread_mutex_lock (&fan->lock);
    if (fan->received < fan->capacity)
        fan->latency [fan->received++] = now - sent;
    fan->last = now;
    pthread_mutex_unlock (&fan->lock);
    natsMsg_Destroy (msg);
}

//  count 200-byte messages from one publisher to `subs` subscribers, each on
//  its own connection (as each SSE client has its own); a flush every 100
//  messages keeps the publisher near its subscribers instead of far ahead.
static void
s_nats_fanout (s_bench_t *bench, const char *url, int subs, int count)
{
    natsConnection *conns [64] = { NULL };
    natsSubscription *subscriptions [64] = { NULL };
    s_fanout_t fan = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, (size_t) count * (size_t) subs, 0 };
    fan.latency = calloc (fan.capacity, sizeof (int64_t));
    natsConnection *pub = hub_nats_connect (url, 2000);
    bool ok = pub != NULL;
    for (int s = 0; ok && s < subs; s++) {
        ok = (conns [s] = hub_nats_connect (url, 2000))
          && natsConnection_Subscribe (&subscriptions [s], conns [s], "peer.fan", s_on_nats, &fan) == NATS_OK
          && natsSubscription_SetPendingLimits (subscriptions [s], -1, -1) == NATS_OK
          && natsConnection_Flush (conns [s]) == NATS_OK;
    }
    char body [200] = { 0 };
    int64_t start = zclock_usecs ();
    for (int i = 0; ok && i < count; i++) {
        int64_t now = zclock_usecs ();
        memcpy (body, &now, sizeof now);
        natsConnection_Publish (pub, "peer.fan", body, sizeof body);
        if (i % 100 == 99)
            natsConnection_FlushTimeout (pub, 5000);
    }
    natsConnection_FlushTimeout (pub, 5000);
    for (int idle = 0; ok && idle < 50 && fan.received < fan.capacity; idle++)
        zclock_sleep (100);
    pthread_mutex_lock (&fan.lock);
    size_t received = fan.received;
    double seconds = (fan.last - start) / 1e6;
    pthread_mutex_unlock (&fan.lock);
    for (int s = 0; s < subs; s++) {
        natsSubscription_Destroy (subscriptions [s]);
        natsConnection_Destroy (conns [s]);
    }
    natsConnection_Destroy (pub);
    char metric [96], note [96];
    snprintf (note, sizeof note, "%zu of %zu delivered", received, fan.capacity);
    if (!ok || received == 0)
        hub_bench_skip (bench->tsv, "nats_core_fanout", "could not connect and subscribe");
    else {
        snprintf (metric, sizeof metric, "nats_core_fanout_%dsub", subs);
        hub_bench_emit (bench->tsv, metric, (double) received / seconds, "events/s", note);
        snprintf (metric, sizeof metric, "nats_core_fanout_p50_%dsub", subs);
        hub_bench_emit (bench->tsv, metric, hub_bench_percentile (fan.latency, received, 50), "us", "publish -> subscriber");
        snprintf (metric, sizeof metric, "nats_core_fanout_p99_%dsub", subs);
        hub_bench_emit (bench->tsv, metric, hub_bench_percentile (fan.latency, received, 99), "us", NULL);
    }
    free (fan.latency);
}

static void
s_nats (s_bench_t *bench)
{
    if (system ("command -v nats-server >/dev/null 2>&1") != 0) {
        hub_bench_skip (bench->tsv, "nats", "nats-server not installed (scripts/deps.sh installs it)");
        return;
    }
    hub_nats_t node;
    hub_nats_init (&node, bench->dir, "nats", false);
    hub_nats_spawn_node (&node, NULL);
    int64_t deadline = hub_proc_now_ms () + 20000;
    while (!hub_nats_ready (node.url, 1) && hub_proc_now_ms () < deadline)
        hub_proc_sleep_ms (100);
    double js = s_jetstream (node.url, bench->quick? 20000: 200000, 200);
    if (js > 0)
        hub_bench_emit (bench->tsv, "nats_jetstream_async_200B", js, "msgs/s", "window 256, file storage, acked before fsync");
    else
        hub_bench_skip (bench->tsv, "nats_jetstream_async_200B", "JetStream did not answer (see its log)");
    int subs [] = { 1, 10, 50 };
    for (int i = 0; i < 3; i++)
        s_nats_fanout (bench, node.url, subs [i], (bench->quick? 2000: 20000) / (subs [i] > 1? subs [i] / 5 + 1: 1));
    hub_proc_stop (node.pid, SIGTERM, 10000);
}

//  ---------------------------------------------------------------------------
//  Mosquitto QoS 1: publishers with a window of in-flight PUBACKs, and one
//  subscriber at QoS 1 receiving everything (persistence on: a snapshot,
//  so a PUBACK means "in the broker's memory", not "on disk")

#ifdef HUB_BENCH_MOSQUITTO
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    long sent, acked;
    int64_t sent_at [65536];         //  by message id
    int64_t *latency;                //  publish -> PUBACK
    long latencies;
    bool connected;
    int64_t first, last;             //  first publish, last PUBACK
} s_mqtt_pub_t;

static void
s_mqtt_on_connect (struct mosquitto *mosq, void *arg, int rc)
{
    (void) mosq;
    s_mqtt_pub_t *pub = arg;
    pthread_mutex_lock (&pub->lock);
    pub->connected = rc == 0;
    pthread_cond_broadcast (&pub->changed);
    pthread_mutex_unlock (&pub->lock);
}

static void
s_mqtt_on_publish (struct mosquitto *mosq, void *arg, int mid)
{
    (void) mosq;
    s_mqtt_pub_t *pub = arg;
    pthread_mutex_lock (&pub->lock);
    pub->latency [pub->latencies++] = zclock_usecs () - pub->sent_at [mid & 0xffff];
    pub->acked++;
    pub->last = zclock_usecs ();
    pthread_cond_broadcast (&pub->changed);
    pthread_mutex_unlock (&pub->lock);
}

static void
s_mqtt_on_message (struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
    (void) mosq, (void) msg;
    long *received = arg;
    __atomic_add_fetch (received, 1, __ATOMIC_RELAXED);
}

static struct mosquitto *
s_mqtt_client (int port, void *arg, int window)
{
    struct mosquitto *mosq = mosquitto_new (NULL, true, arg);
    if (!mosq)
        return NULL;
    mosquitto_int_option (mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set (mosq, (unsigned) window);
    mosquitto_connect_callback_set (mosq, s_mqtt_on_connect);
    mosquitto_publish_callback_set (mosq, s_mqtt_on_publish);
    if (mosquitto_connect (mosq, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS
    ||  mosquitto_loop_start (mosq) != MOSQ_ERR_SUCCESS) {
        mosquitto_destroy (mosq);
        return NULL;
    }
    return mosq;
}

typedef struct {
    int port, window;
    long count;
    s_mqtt_pub_t *state;
} s_mqtt_run_t;

static void *
s_mqtt_publisher (void *arg)
{
    s_mqtt_run_t *run = arg;
    s_mqtt_pub_t *pub = run->state;
    struct mosquitto *mosq = s_mqtt_client (run->port, pub, run->window);
    char body [200] = { 0 };
    pthread_mutex_lock (&pub->lock);
    for (int i = 0; mosq && i < 500 && !pub->connected; i++) {
        pthread_mutex_unlock (&pub->lock);
        zclock_sleep (10);
        pthread_mutex_lock (&pub->lock);
    }
    pub->first = zclock_usecs ();
    while (pub->connected && pub->sent < run->count) {
        while (pub->sent - pub->acked >= run->window)
            pthread_cond_wait (&pub->changed, &pub->lock);
        int mid;
        pub->sent++;
        pthread_mutex_unlock (&pub->lock);
        int64_t now = zclock_usecs ();
        //  The callback may run before publish returns: note the time by
        //  the next message id first (ids count 1..65535 per client, then wrap)
        pub->sent_at [(pub->sent - 1) % 65535 + 1] = now;
        mosquitto_publish (mosq, &mid, "peer/q1", sizeof body, body, 1, false);
        pthread_mutex_lock (&pub->lock);
    }
    while (pub->acked < pub->sent)
        pthread_cond_wait (&pub->changed, &pub->lock);
    pthread_mutex_unlock (&pub->lock);
    if (mosq) {
        mosquitto_disconnect (mosq);
        mosquitto_loop_stop (mosq, false);
        mosquitto_destroy (mosq);
    }
    return NULL;
}

//  One run: `pubs` publishers of count/pubs messages each, window `window`
static void
s_mqtt_run (s_bench_t *bench, int port, int pubs, int window, long count)
{
    long received = 0;
    struct mosquitto *sub = mosquitto_new (NULL, true, &received);
    mosquitto_message_callback_set (sub, s_mqtt_on_message);
    bool ok = sub && mosquitto_connect (sub, "127.0.0.1", port, 60) == MOSQ_ERR_SUCCESS
           && mosquitto_subscribe (sub, NULL, "peer/q1", 1) == MOSQ_ERR_SUCCESS
           && mosquitto_loop_start (sub) == MOSQ_ERR_SUCCESS;
    zclock_sleep (200);              //  the SUBACK
    s_mqtt_pub_t *states = calloc ((size_t) pubs, sizeof *states);
    s_mqtt_run_t runs [8];
    pthread_t threads [8];
    for (int p = 0; ok && p < pubs; p++) {
        states [p].latency = calloc ((size_t) (count / pubs), sizeof (int64_t));
        pthread_mutex_init (&states [p].lock, NULL);
        pthread_cond_init (&states [p].changed, NULL);
        runs [p] = (s_mqtt_run_t) { port, window, count / pubs, &states [p] };
        pthread_create (&threads [p], NULL, s_mqtt_publisher, &runs [p]);
    }
    long acked = 0;
    int64_t *all = calloc ((size_t) count, sizeof (int64_t));
    int64_t start = INT64_MAX, end = 0;      //  from the first publish (not the connects)
    for (int p = 0; ok && p < pubs; p++) {
        pthread_join (threads [p], NULL);
        start = states [p].first < start? states [p].first: start;
        end = states [p].last > end? states [p].last: end;
        memcpy (all + acked, states [p].latency, (size_t) states [p].latencies * sizeof (int64_t));
        acked += states [p].latencies;
        free (states [p].latency);
    }
    double seconds = (end - start) / 1e6;
    for (int idle = 0; ok && idle < 50 && __atomic_load_n (&received, __ATOMIC_RELAXED) < acked; idle++)
        zclock_sleep (100);
    if (sub) {
        mosquitto_disconnect (sub);
        mosquitto_loop_stop (sub, false);
        mosquitto_destroy (sub);
    }
    char metric [96], note [96];
    snprintf (note, sizeof note, "window %d, %ld acked, %ld delivered", window, acked, received);
    if (!ok || acked < count / pubs * pubs)
        hub_bench_skip (bench->tsv, "mosquitto_qos1", "mosquitto did not ack every message");
    else {
        snprintf (metric, sizeof metric, "mosquitto_qos1_200B_%dpub_window%d", pubs, window);
        hub_bench_emit (bench->tsv, metric, acked / seconds, "msgs/s", note);
        snprintf (metric, sizeof metric, "mosquitto_qos1_ack_p50_%dpub_window%d", pubs, window);
        hub_bench_emit (bench->tsv, metric, hub_bench_percentile (all, (size_t) acked, 50), "us", "publish -> PUBACK");
        snprintf (metric, sizeof metric, "mosquitto_qos1_ack_p99_%dpub_window%d", pubs, window);
        hub_bench_emit (bench->tsv, metric, hub_bench_percentile (all, (size_t) acked, 99), "us", NULL);
    }
    free (all);
    free (states);
}

static void
s_mosquitto (s_bench_t *bench)
{
    const char *binary = access ("/usr/sbin/mosquitto", X_OK) == 0? "/usr/sbin/mosquitto": NULL;
    if (!binary) {
        hub_bench_skip (bench->tsv, "mosquitto", "mosquitto not installed (scripts/deps.sh installs it)");
        return;
    }
    int port = hub_proc_free_port ();
    char conf [PATH_MAX + 16], log [PATH_MAX + 16];
    snprintf (conf, sizeof conf, "%s/mosquitto.conf", bench->dir);
    snprintf (log, sizeof log, "%s/mosquitto.log", bench->dir);
    FILE *file = fopen (conf, "w");
    if (!file)
        return;
    //  max_queued_messages 0: the default 1000 drops for a lagging subscriber
    fprintf (file, "listener %d 127.0.0.1\nallow_anonymous true\npersistence true\n"
                   "persistence_location %s/\nautosave_interval 1800\nmax_queued_messages 0\n"
                   "log_dest stderr\nlog_type error\n%s",
             port, bench->dir, getuid () == 0? "user root\n": "");
    fclose (file);
    char *argv [] = { (char *) binary, "-c", conf, NULL };
    pid_t pid = hub_proc_spawn (argv, NULL, NULL, log);
    mosquitto_lib_init ();
    //  Wait until it accepts a connection
    bool up = false;
    for (int i = 0; i < 100 && !up; i++) {
        struct mosquitto *probe = mosquitto_new (NULL, true, NULL);
        up = mosquitto_connect (probe, "127.0.0.1", port, 10) == MOSQ_ERR_SUCCESS;
        mosquitto_destroy (probe);
        if (!up)
            zclock_sleep (50);
    }
    if (!up)
        hub_bench_skip (bench->tsv, "mosquitto", "mosquitto did not start (see its log)");
    long count = bench->quick? 4000: 100000;
    if (up) {
        s_mqtt_run (bench, port, 1, 20, count);        //  the peer of ZeroMQ publish
        s_mqtt_run (bench, port, 1, 1, count / 5);     //  the peers of HTTP publish:
        s_mqtt_run (bench, port, 4, 1, count / 5);     //  one request in flight each
    }
    mosquitto_lib_cleanup ();
    hub_proc_stop (pid, SIGTERM, 10000);
}
#else
static void
s_mosquitto (s_bench_t *bench)
{
    hub_bench_skip (bench->tsv, "mosquitto", "built without libmosquitto-dev (scripts/deps.sh installs it)");
}
#endif

int
main (int argc, char *argv [])
{
    s_bench_t bench = { 0 };
    (void) hub_test_passed, (void) hub_test_failed;     //  the tests' kit, unused here
    const char *base = NULL;        //  $TMPDIR or /tmp
    for (int i = 1; i < argc; i++) {
        if (streq (argv [i], "--tsv"))
            bench.tsv = true;
        else
        if (streq (argv [i], "--quick"))
            bench.quick = true;
        else
        if (streq (argv [i], "--dir") && i + 1 < argc)
            base = argv [++i];
        else {
            fprintf (stderr, "usage: bench_peers [--tsv] [--quick] [--dir DIR]\n");
            return 2;
        }
    }
    if (hub_bench_start (bench.dir, sizeof bench.dir, base, "cyclehub-peers", "bench_peers"))
        return 1;
    hub_bench_header (bench.tsv);
    s_fsync (&bench);
    s_nats (&bench);
    s_mosquitto (&bench);
    hub_bench_rmtree (bench.dir, "bench_peers");
    return 0;
}
