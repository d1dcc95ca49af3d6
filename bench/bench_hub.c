/*  bench_hub: the hub's figures, each beside its ceiling measured in the
    same run. Starts cyclehubd (synced, as in production) on a temp store,
    drives it with libcyclehub, and prints one table (or, with --tsv, one
    "metric<TAB>value<TAB>unit" line per figure).

    Usage: bench_hub [--tsv] [--quick] [--wire] [--only replay] [--broker PATH]
      --quick   smaller counts (a smoke run, seconds instead of minutes)
      --wire    only the wire comparison: each figure with one publish per
                request, then with PublishBatch, back to back on one broker,
                and the broker's latency budget at 10k msgs/s for each
      --only replay  only the replay figures: one client paging through
                the history, then a hub_subscriber catching up on it
*/
#include <czmq.h>
#include <lmdb.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "cyclehub.h"
#include "bench_kit.h"

#define BUYER "GB-LAE-E09000033"

typedef struct {
    bool tsv;
    bool quick;
    bool wire;                   //  --wire
    bool replay_only;            //  --only replay
    const char *broker;          //  path of cyclehubd
    char bindir [PATH_MAX];      //  where bench_hub (and bench_forward) live
    char dir [PATH_MAX];         //  temp dir
} s_bench_t;

//  ---------------------------------------------------------------------------
//  The broker process

typedef struct {
    pid_t pid;
    char store [PATH_MAX + 16];
    char api [256];
    char events [256];
    int batch_max;               //  its clients' batch_max (0: the library's default)
} s_broker_t;

static int
s_broker_start (s_bench_t *bench, s_broker_t *broker, const char *name)
{
    char endpoints [PATH_MAX + 32];
    snprintf (broker->store, sizeof broker->store, "%s/%s", bench->dir, name);
    snprintf (endpoints, sizeof endpoints, "%s/%s.endpoints", bench->dir, name);
    char *argv [] = { (char *) bench->broker, "--plain", "--store", broker->store,
                      "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*",
                      "--endpoints-file", endpoints,
                      //  The fan-out figures subscribe 10 SUB sockets as one
                      //  agency: past the default of 4 the rest are closed
                      "--subscribers-per-agency", "16", NULL };
    broker->pid = hub_bench_spawn_quiet (argv);
    if (hub_bench_endpoints (endpoints, broker->api, broker->events, NULL, NULL) == 0)
        return 0;
    fprintf (stderr, "bench: cyclehubd did not start (%s)\n", bench->broker);
    return -1;
}

static void
s_broker_stop (s_broker_t *broker)
{
    if (broker->pid > 0) {
        kill (broker->pid, SIGTERM);
        waitpid (broker->pid, NULL, 0);
        broker->pid = 0;
    }
}

//  The broker's resident memory, MiB: field is "VmRSS" (all), "RssAnon"
//  (its own heap and stacks) or "RssFile" (mapped file pages: LMDB's map,
//  which the kernel reclaims under pressure).
static double
s_broker_rss_mib (s_broker_t *broker, const char *field)
{
    char path [64];
    snprintf (path, sizeof path, "/proc/%d/status", (int) broker->pid);
    FILE *file = fopen (path, "r");
    double rss = 0;
    char line [256];
    size_t len = strlen (field);
    while (file && fgets (line, sizeof line, file))
        if (strncmp (line, field, len) == 0 && line [len] == ':')
            rss = atof (line + len + 1) / 1024.0;
    if (file)
        fclose (file);
    return rss;
}

//  CPU time the broker has used so far (user + system, all its threads),
//  usecs. Its difference over a run, divided by the messages, is the
//  broker's cost per message: steadier than a rate on a machine whose
//  spare capacity drifts, since it does not count time spent waiting.
static double
s_broker_cpu_us (s_broker_t *broker)
{
    char path [64], line [1024];
    snprintf (path, sizeof path, "/proc/%d/stat", (int) broker->pid);
    FILE *file = fopen (path, "r");
    bool read = file && fgets (line, sizeof line, file);
    if (file)
        fclose (file);
    char *end = read? strrchr (line, ')'): NULL;
    unsigned long long user = 0, sys = 0;
    //  After "pid (comm)": state and ten fields, then utime and stime
    if (!end || sscanf (end + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                        &user, &sys) != 2)
        return 0;
    return (double) (user + sys) * 1e6 / (double) sysconf (_SC_CLK_TCK);
}

static hub_client_t *
s_client (s_broker_t *broker, int window)
{
    return hub_bench_client (broker->api, broker->events, BUYER, window, broker->batch_max);
}

//  An envelope of about `size` bytes once stored: a partner.update whose
//  body is padded to fit, and starts with a send time stamp.
static Cyclehub__V1__Envelope *
s_message (const char *ocid, size_t size)
{
    Cyclehub__V1__Envelope *env = hub_envelope_new (ocid, NULL);
    Cyclehub__V1__PartnerUpdatePosted *update = (Cyclehub__V1__PartnerUpdatePosted *)
        hub_envelope_body (env, CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE);
    hub_set_string (&update->title, "Weekly capacity");
    //  The event adds about 130 bytes around the body text
    size_t pad = size > 150? size - 130: 20;
    char *text = malloc (pad + 1);
    memset (text, 'x', pad);
    memcpy (text, "t=0000000000000000 ", 19);
    text [pad] = 0;
    hub_set_string (&update->body, text);
    free (text);
    return env;
}

//  Writes the current time (usecs) into the message's stamp.
static void
s_stamp (Cyclehub__V1__Envelope *env, int64_t usecs)
{
    char stamp [20];
    snprintf (stamp, sizeof stamp, "t=%016" PRId64, usecs);
    memcpy (env->partner_update->body, stamp, 18);
}

static int64_t
s_stamp_of (const Cyclehub__V1__Event *event)
{
    if (!event->envelope || event->envelope->body_case != CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE)
        return 0;
    return strtoll (event->envelope->partner_update->body + 2, NULL, 10);
}

static int
s_open (s_broker_t *broker, const char *ocid)
{
    hub_result_t result;
    int rc = hub_bench_open (broker->api, broker->events, BUYER, ocid, "Benchmark commission", &result);
    if (rc != HUB_OK)
        fprintf (stderr, "bench: cannot open %s: %s %s\n", ocid, hub_strerror (rc), result.reason);
    return rc;
}

//  ---------------------------------------------------------------------------
//  Durable publish throughput: N publishers, each a thread with a window

typedef struct {
    s_broker_t *broker;
    char ocid [64];
    size_t size;
    int count;
    int window;
    int acked;
    int rejected;
    int64_t *latency;            //  saturation: per-publish ack latency (usecs), or NULL
    int64_t *sent_at;
} s_publisher_t;

static void
s_on_result (const hub_result_t *result, void *arg)
{
    s_publisher_t *pub = arg;
    if (result->rc == HUB_OK)
        pub->acked++;
    else
        pub->rejected++;
    //  This client sends async publishes only: tokens are 1, 2, ... in order
    if (pub->latency && result->token >= 1 && result->token <= (uint64_t) pub->count)
        pub->latency [result->token - 1] = zclock_usecs () - pub->sent_at [result->token - 1];
}

static void *
s_publisher_run (void *arg)
{
    s_publisher_t *pub = arg;
    hub_client_t *client = s_client (pub->broker, pub->window);
    hub_client_set_handler (client, s_on_result, pub);
    Cyclehub__V1__Envelope *env = s_message (pub->ocid, pub->size);
    for (int i = 0; i < pub->count; i++) {
        if (pub->sent_at)
            pub->sent_at [i] = zclock_usecs ();
        if (hub_client_publish_async (client, env, NULL, NULL) != HUB_OK)
            pub->rejected++;
    }
    hub_client_flush (client, 60000);
    hub_envelope_destroy (&env);
    hub_client_destroy (&client);
    return NULL;
}

static double
s_publish_rate (s_broker_t *broker, int publishers, size_t size, int count, int window,
                int64_t **latency_p)
{
    s_publisher_t pubs [8];
    pthread_t threads [8];
    for (int p = 0; p < publishers; p++) {
        pubs [p] = (s_publisher_t) { broker, "", size, count, window, 0, 0, NULL, NULL };
        snprintf (pubs [p].ocid, sizeof pubs [p].ocid, "ocds-bench0-%zu-%d-%d-b%d", size, publishers, p,
                  broker->batch_max);
        if (s_open (broker, pubs [p].ocid))
            return 0;
        if (latency_p && p == 0) {
            pubs [p].latency = calloc ((size_t) count, sizeof (int64_t));
            pubs [p].sent_at = calloc ((size_t) count, sizeof (int64_t));
        }
    }
    int64_t start = zclock_usecs ();
    for (int p = 0; p < publishers; p++)
        pthread_create (&threads [p], NULL, s_publisher_run, &pubs [p]);
    int acked = 0, rejected = 0;
    for (int p = 0; p < publishers; p++) {
        pthread_join (threads [p], NULL);
        acked += pubs [p].acked;
        rejected += pubs [p].rejected;
    }
    double seconds = (zclock_usecs () - start) / 1e6;
    if (rejected || acked != publishers * count)
        fprintf (stderr, "bench: %d acked, %d rejected of %d\n", acked, rejected, publishers * count);
    if (latency_p) {
        *latency_p = pubs [0].latency;
        free (pubs [0].sent_at);
    }
    return acked / seconds;
}

//  ---------------------------------------------------------------------------
//  Latency at a fixed offered rate: publish-to-ack, and publish-to-subscriber

typedef struct {
    s_broker_t *broker;
    int expected;
    int received;
    int64_t *latency;
    volatile bool ready;
} s_subscriber_t;

static void *
s_subscriber_run (void *arg)
{
    s_subscriber_t *sub = arg;
    zsock_t *sock = zsock_new (ZMQ_SUB);
    zsock_set_plain_username (sock, BUYER);
    zsock_set_plain_password (sock, "dev");
    zsock_set_rcvhwm (sock, 0);
    zsock_set_rcvtimeo (sock, 5000);
    zsock_set_subscribe (sock, "analyse/ocds-bench0-lat");
    zsock_connect (sock, "%s", sub->broker->events);
    zclock_sleep (300);
    sub->ready = true;
    while (sub->received < sub->expected) {
        zmsg_t *msg = zmsg_recv (sock);
        if (!msg)
            break;
        int64_t now = zclock_usecs ();
        zframe_t *body = zmsg_last (msg);
        Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, zframe_size (body), zframe_data (body));
        if (event) {
            int64_t sent = s_stamp_of (event);
            if (sent && sub->received < sub->expected)
                sub->latency [sub->received++] = now - sent;
            cyclehub__v1__event__free_unpacked (event, NULL);
        }
        zmsg_destroy (&msg);
    }
    zsock_destroy (&sock);
    return NULL;
}

typedef struct {
    int64_t *sent_at;
    int64_t *latency;
    uint64_t first_token;
    size_t count;
    size_t done;
} s_paced_t;

static void
s_on_paced (const hub_result_t *result, void *arg)
{
    s_paced_t *paced = arg;
    size_t i = (size_t) (result->token - paced->first_token);
    if (result->rc == HUB_OK && i < paced->count) {
        paced->latency [i] = zclock_usecs () - paced->sent_at [i];
        paced->done++;
    }
}

//  Offers `rate` msgs/s for `count` messages, with `subscribers` SUB sockets
//  listening; fills ack latencies (and subscriber latencies if any).
static void
s_paced (s_bench_t *bench, s_broker_t *broker, int rate, int count, int subscribers,
         const char *tag)
{
    char ocid [64];
    snprintf (ocid, sizeof ocid, "ocds-bench0-lat%d-b%d", subscribers, broker->batch_max);
    if (s_open (broker, ocid))
        return;
    s_subscriber_t subs [16];
    pthread_t threads [16];
    for (int s = 0; s < subscribers; s++) {
        subs [s] = (s_subscriber_t) { broker, count, 0, calloc ((size_t) count, sizeof (int64_t)), false };
        pthread_create (&threads [s], NULL, s_subscriber_run, &subs [s]);
    }
    for (int s = 0; s < subscribers; s++)
        while (!subs [s].ready)
            zclock_sleep (10);

    hub_client_t *client = s_client (broker, 4096);
    s_paced_t paced = { calloc ((size_t) count, sizeof (int64_t)),
                        calloc ((size_t) count, sizeof (int64_t)), 0, (size_t) count, 0 };
    hub_client_set_handler (client, s_on_paced, &paced);
    Cyclehub__V1__Envelope *env = s_message (ocid, 200);
    int64_t start = zclock_usecs ();
    for (int i = 0; i < count; i++) {
        //  Sleep until the message is due (a spinning pacer would take a
        //  core from the broker on this 2-core machine), reading acks
        int64_t due = start + (int64_t) i * 1000000 / rate;
        hub_client_poll (client, NULL, 0);
        int64_t wait = due - zclock_usecs ();
        if (wait > 0)
            usleep ((useconds_t) wait);
        hub_client_poll (client, NULL, 0);
        int64_t now = zclock_usecs ();
        paced.sent_at [i] = now;
        s_stamp (env, now);
        uint64_t token;
        hub_client_publish_async (client, env, &token, NULL);
        if (i == 0)
            paced.first_token = token;
    }
    hub_client_flush (client, 30000);
    hub_envelope_destroy (&env);
    hub_client_destroy (&client);

    char metric [96];
    if (subscribers == 0) {
        snprintf (metric, sizeof metric, "ack_latency_p50_%s", tag);
        hub_bench_emit (bench->tsv, metric, hub_bench_percentile (paced.latency, paced.done, 50), "us", NULL);
        snprintf (metric, sizeof metric, "ack_latency_p99_%s", tag);
        hub_bench_emit (bench->tsv, metric, hub_bench_percentile (paced.latency, paced.done, 99), "us", "target <= 2000 (issue 16)");
        snprintf (metric, sizeof metric, "ack_latency_p99.9_%s", tag);
        hub_bench_emit (bench->tsv, metric, hub_bench_percentile (paced.latency, paced.done, 99.9), "us", NULL);
    }
    int64_t *all = calloc ((size_t) count * (size_t) (subscribers? subscribers: 1), sizeof (int64_t));
    size_t n = 0;
    for (int s = 0; s < subscribers; s++) {
        pthread_join (threads [s], NULL);
        memcpy (all + n, subs [s].latency, (size_t) subs [s].received * sizeof (int64_t));
        n += (size_t) subs [s].received;
        free (subs [s].latency);
    }
    if (subscribers) {
        snprintf (metric, sizeof metric, "sub_latency_p50_%s_%dsub", tag, subscribers);
        hub_bench_emit (bench->tsv, metric, hub_bench_percentile (all, n, 50), "us", NULL);
        snprintf (metric, sizeof metric, "sub_latency_p99_%s_%dsub", tag, subscribers);
        hub_bench_emit (bench->tsv, metric, hub_bench_percentile (all, n, 99), "us", NULL);
        if (n < (size_t) count * (size_t) subscribers)
            fprintf (stderr, "bench: subscribers got %zu of %d events\n", n, count * subscribers);
    }
    free (all);
    free (paced.sent_at);
    free (paced.latency);
}

//  ---------------------------------------------------------------------------
//  Replay: one client pages through the whole history

static double
s_replay (s_broker_t *broker, uint64_t *events_p)
{
    hub_client_t *client = s_client (broker, 1);
    uint64_t from = 1, events = 0;
    int64_t start = zclock_usecs ();
    while (true) {
        Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        query.from_seq = from;
        query.limit = 1000;
        Cyclehub__V1__Reply *reply = NULL;
        if (hub_client_history (client, &query, &reply, NULL) != HUB_OK)
            break;
        events += reply->page->n_events;
        from = reply->page->next_seq;
        bool end = reply->page->end;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        if (end)
            break;
    }
    double seconds = (zclock_usecs () - start) / 1e6;
    hub_client_destroy (&client);
    *events_p = events;
    return events / seconds;
}

//  This process's CPU time so far, all threads, in microseconds.
static int64_t
s_cpu_usecs (void)
{
    struct rusage usage;
    getrusage (RUSAGE_SELF, &usage);
    return (int64_t) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000
         + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

//  A hub_subscriber catching up on the whole history (its pages, the
//  filter, and with `packed` false one unpack per event): what an
//  application replaying sees. Packed, each event's fields are read in
//  place (hub_event_read), as a program passing events on would. cpu_ns
//  gets this process's CPU (the client and its I/O thread) and the
//  broker's per event, steadier figures than the rate on a shared machine.
static double
s_replay_subscriber (s_broker_t *broker, uint64_t events, bool packed, double cpu_ns [2])
{
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = broker->api;
    options.events_endpoint = broker->events;
    options.agency = BUYER;
    options.timeout_ms = 30000;
    hub_subscriber_t *sub = hub_subscriber_new (&options);
    uint64_t got = 0;
    int64_t start = zclock_usecs ();
    int64_t cpu = s_cpu_usecs ();
    double broker_cpu = s_broker_cpu_us (broker);
    Cyclehub__V1__Event *event = NULL;
    hub_packed_event_t lent;
    hub_event_fields_t fields;
    uint64_t last = 0;
    int rc = HUB_OK;
    while (got < events && rc == HUB_OK) {
        if (packed) {
            rc = hub_subscriber_recv_packed (sub, 5000, &lent);
            if (rc == HUB_OK && (!hub_event_read (lent.data, lent.size, &fields)
                                 || fields.seq != last + 1))
                rc = HUB_EPROTO;
            last = fields.seq;
        }
        else {
            rc = hub_subscriber_recv (sub, 5000, &event);
            if (rc == HUB_OK)
                cyclehub__v1__event__free_unpacked (event, NULL);
        }
        got += rc == HUB_OK;
    }
    if (got < events)
        fprintf (stderr, "bench: the subscriber got %" PRIu64 " of %" PRIu64 " events: %s\n",
                 got, events, hub_strerror (rc));
    double seconds = (zclock_usecs () - start) / 1e6;
    cpu_ns [0] = got? (s_cpu_usecs () - cpu) * 1e3 / got: 0;
    cpu_ns [1] = got? (s_broker_cpu_us (broker) - broker_cpu) * 1e3 / got: 0;
    hub_subscriber_destroy (&sub);
    return got / seconds;
}

static void
s_replay_cpu_emit (bool tsv, const char *figure, const double cpu_ns [2])
{
    char metric [96];
    snprintf (metric, sizeof metric, "%s_client_cpu", figure);
    hub_bench_emit (tsv, metric, cpu_ns [0], "ns/event", "the client's CPU, all its threads");
    snprintf (metric, sizeof metric, "%s_broker_cpu", figure);
    hub_bench_emit (tsv, metric, cpu_ns [1], "ns/event", "the broker's CPU, all its threads");
}

typedef struct {
    s_broker_t *broker;
    double rate;
    uint64_t events;
} s_replay_arg_t;

static void *
s_replay_thread (void *arg)
{
    s_replay_arg_t *replay = arg;
    replay->rate = s_replay (replay->broker, &replay->events);
    return NULL;
}

//  ---------------------------------------------------------------------------
//  Ceilings: a forward-only czmq loop and a raw LMDB loop

//  The forward ceiling is bench_forward's: a zero-logic czmq forwarder, its
//  sender and its receiver in three processes, as the hub and its clients
//  run (measured in this process, with one context for all three, it came
//  out at 0.4 of that and flattered every ratio). mode: "push" (PUSH ->
//  forwarder -> SUB) or "dealer" (the hub's pattern: each message acked).
static double
s_ceiling_forward (s_bench_t *bench, const char *mode, int count, size_t size)
{
    char cmd [PATH_MAX + 128];
    snprintf (cmd, sizeof cmd, "'%s/bench_forward' measure %s %zu %d", bench->bindir, mode, size, count);
    FILE *out = popen (cmd, "r");
    char line [256] = "";
    double rate = 0;
    if (out && fgets (line, sizeof line, out))
        sscanf (line, "%*s %lf", &rate);
    if (!out || pclose (out) != 0) {
        fprintf (stderr, "bench: %s failed: %s", cmd, line);
        rate = 0;
    }
    return rate;
}

static double
s_ceiling_lmdb (const char *dir, int count, size_t size)
{
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    zsys_dir_create ("%s", dir);
    mdb_env_create (&env);
    mdb_env_set_mapsize (env, (size_t) count * (size + 64) * 2 + (64 << 20));
    if (mdb_env_open (env, dir, 0, 0644)) {
        mdb_env_close (env);
        return 0;
    }
    char *value = calloc (1, size);
    int64_t start = zclock_usecs ();
    for (int i = 0; i < count; ) {
        mdb_txn_begin (env, NULL, 0, &txn);
        if (i == 0)
            mdb_dbi_open (txn, NULL, MDB_INTEGERKEY, &dbi);
        for (int k = 0; k < 1000 && i < count; k++, i++) {
            uint64_t key = (uint64_t) i + 1;
            MDB_val k_val = { sizeof key, &key }, v_val = { size, value };
            mdb_put (txn, dbi, &k_val, &v_val, MDB_APPEND);
        }
        mdb_txn_commit (txn);
    }
    double rate = count / ((zclock_usecs () - start) / 1e6);
    mdb_env_close (env);
    free (value);
    return rate;
}

//  ---------------------------------------------------------------------------
//  --wire: one publish per request against PublishBatch, back to back

//  The broker's latency histograms (Status.latency), to subtract two
typedef struct {
    char stage [32];
    uint64_t count, total;
    uint64_t buckets [32];
} s_stage_t;

static size_t
s_budget (s_broker_t *broker, s_stage_t *stages, size_t max, uint64_t *batches,
          uint64_t *requests)
{
    hub_client_t *client = s_client (broker, 1);
    Cyclehub__V1__Reply *reply = NULL;
    size_t n = 0;
    if (hub_client_status (client, &reply, NULL) == HUB_OK) {
        Cyclehub__V1__Status *status = reply->status;
        for (size_t i = 0; i < status->n_latency && n < max; i++, n++) {
            Cyclehub__V1__LatencyStage *stage = status->latency [i];
            snprintf (stages [n].stage, sizeof stages [n].stage, "%s", stage->stage);
            stages [n].count = stage->count;
            stages [n].total = stage->total_us;
            for (size_t b = 0; b < 32; b++)
                stages [n].buckets [b] = b < stage->n_buckets? stage->buckets [b]: 0;
        }
        *batches = status->batches;
        *requests = status->batch_requests;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    hub_client_destroy (&client);
    return n;
}

static double
s_bucket_percentile (const uint64_t *buckets, uint64_t count, unsigned p)
{
    uint64_t want = (count * p + 99) / 100, seen = 0;
    for (unsigned i = 0; i < 32 && count; i++)
        if ((seen += buckets [i]) >= want)
            return (double) (UINT64_C (1) << i);
    return 0;
}

//  Prints the budget of what happened between two s_budget snapshots
static void
s_budget_emit (s_bench_t *bench, const char *tag, s_stage_t *before, s_stage_t *after,
               size_t n, uint64_t batches, uint64_t requests)
{
    char metric [128], note [128];
    for (size_t i = 0; i < n; i++) {
        uint64_t count = after [i].count - before [i].count;
        uint64_t buckets [32];
        for (size_t b = 0; b < 32; b++)
            buckets [b] = after [i].buckets [b] - before [i].buckets [b];
        snprintf (metric, sizeof metric, "budget_%.40s_%.31s_mean", tag, after [i].stage);
        snprintf (note, sizeof note, "%" PRIu64 " samples; p50 <= %.0f us, p99 <= %.0f us", count,
                  s_bucket_percentile (buckets, count, 50), s_bucket_percentile (buckets, count, 99));
        hub_bench_emit (bench->tsv, metric, count? (double) (after [i].total - before [i].total) / (double) count: 0,
                "us", note);
    }
    snprintf (metric, sizeof metric, "budget_%.40s_requests_per_commit", tag);
    hub_bench_emit (bench->tsv, metric, batches? (double) requests / (double) batches: 0, "reqs", NULL);
}

//  fdatasync of 4 KiB appends in the bench's directory: the disk's share
static void
s_fsync_emit (s_bench_t *bench, int count)
{
    int done = 0;
    int64_t *took = hub_bench_fsync (bench->dir, count, &done);
    if (done) {
        hub_bench_emit (bench->tsv, "fdatasync_p50_4KiB", hub_bench_percentile (took, (size_t) done, 50), "us", NULL);
        hub_bench_emit (bench->tsv, "fdatasync_p99_4KiB", hub_bench_percentile (took, (size_t) done, 99), "us", NULL);
    }
    free (took);
}

static int
s_wire_compare (s_bench_t *bench, int n_pub, int n_lat)
{
    s_fsync_emit (bench, bench->quick? 200: 1000);
    s_broker_t broker = { 0 };
    if (s_broker_start (bench, &broker, "wire"))
        return 1;
    double rates [2][2];
    const char *modes [2] = { "single", "batched" };
    //  Throughput, one mode after the other for each run, so both see the same machine
    int publishers [2] = { 1, 4 };
    for (int r = 0; r < 2; r++)
        for (int m = 0; m < 2; m++) {
            broker.batch_max = m == 0? 1: 0;
            double cpu = s_broker_cpu_us (&broker);
            rates [r][m] = s_publish_rate (&broker, publishers [r], 200, n_pub / publishers [r],
                                           1024, NULL);
            cpu = (s_broker_cpu_us (&broker) - cpu) / (n_pub / publishers [r] * publishers [r]);
            char metric [96];
            snprintf (metric, sizeof metric, "publish_durable_200B_%dpub_%s", publishers [r], modes [m]);
            hub_bench_emit (bench->tsv, metric, rates [r][m], "msgs/s", m? "PublishBatch (batch_max 64)": "batch_max 1");
            snprintf (metric, sizeof metric, "broker_cpu_per_msg_200B_%dpub_%s", publishers [r], modes [m]);
            hub_bench_emit (bench->tsv, metric, cpu, "us", "broker CPU (all threads) per publish");
        }
    for (int r = 0; r < 2; r++) {
        char metric [96];
        snprintf (metric, sizeof metric, "ratio_batched_to_single_%dpub", publishers [r]);
        hub_bench_emit (bench->tsv, metric, rates [r][1] / rates [r][0], "x", NULL);
    }
    //  Ack latency at 10k msgs/s, and the broker's budget of each run
    for (int m = 0; m < 2; m++) {
        broker.batch_max = m == 0? 1: 0;
        s_stage_t before [16], after [16];
        uint64_t b0 = 0, r0 = 0, b1 = 0, r1 = 0;
        size_t n = s_budget (&broker, before, 16, &b0, &r0);
        char tag [32];
        snprintf (tag, sizeof tag, "10k_%s", modes [m]);
        s_paced (bench, &broker, 10000, n_lat, 0, tag);
        if (s_budget (&broker, after, 16, &b1, &r1) == n)
            s_budget_emit (bench, tag, before, after, n, b1 - b0, r1 - r0);
    }
    s_broker_stop (&broker);
    return 0;
}

//  --only replay: the replay figure alone (the store filled as in the
//  full run), then the same history read through hub_subscriber
static int
s_replay_only (s_bench_t *bench, int n_replay)
{
    s_broker_t broker = { 0 };
    if (s_broker_start (bench, &broker, "replay"))
        return 1;
    s_publish_rate (&broker, 4, 200, n_replay / 4, 1024, NULL);
    uint64_t replayed = 0;
    double replay = s_replay (&broker, &replayed);
    char metric [96], note [96];
    snprintf (metric, sizeof metric, "replay_%dk_events_1client", n_replay / 1000);
    snprintf (note, sizeof note, "%" PRIu64 " events, pages of 1000", replayed);
    hub_bench_emit (bench->tsv, metric, replay, "events/s", note);
    double cpu_ns [2];
    double sub = s_replay_subscriber (&broker, replayed, false, cpu_ns);
    snprintf (metric, sizeof metric, "replay_%dk_events_subscriber", n_replay / 1000);
    hub_bench_emit (bench->tsv, metric, sub, "events/s", "hub_subscriber catch-up, every event");
    s_replay_cpu_emit (bench->tsv, "replay_subscriber", cpu_ns);
    sub = s_replay_subscriber (&broker, replayed, true, cpu_ns);
    snprintf (metric, sizeof metric, "replay_%dk_events_subscriber_packed", n_replay / 1000);
    hub_bench_emit (bench->tsv, metric, sub, "events/s", "hub_subscriber_recv_packed catch-up");
    s_replay_cpu_emit (bench->tsv, "replay_subscriber_packed", cpu_ns);
    s_broker_stop (&broker);
    return 0;
}

int
main (int argc, char *argv [])
{
    //  As a program that reads from the hub would (hub_client.h); the
    //  broker is its own process, with glibc's defaults
    hub_malloc_for_reading ();
    s_bench_t bench = { 0 };
    char default_broker [PATH_MAX];
    hub_bench_beside (default_broker, sizeof default_broker, argv [0], "../broker/cyclehubd");
    bench.broker = default_broker;
    hub_bench_beside (bench.bindir, sizeof bench.bindir, argv [0], ".");
    for (int i = 1; i < argc; i++) {
        if (streq (argv [i], "--tsv"))
            bench.tsv = true;
        else
        if (streq (argv [i], "--quick"))
            bench.quick = true;
        else
        if (streq (argv [i], "--wire"))
            bench.wire = true;
        else
        if (streq (argv [i], "--only") && i + 1 < argc && streq (argv [i + 1], "replay")) {
            bench.replay_only = true;
            i++;
        }
        else
        if (streq (argv [i], "--broker") && i + 1 < argc)
            bench.broker = argv [++i];
        else {
            fprintf (stderr, "usage: bench_hub [--tsv] [--quick] [--wire] [--only replay] [--broker PATH]\n");
            return 2;
        }
    }
    if (hub_bench_start (bench.dir, sizeof bench.dir, NULL, "cyclehub-bench", "bench_hub"))
        return 1;
    int n_pub = bench.quick? 10000: 200000;
    int n_lat = bench.quick? 2000: 30000;
    int n_replay = bench.quick? 40000: 1000000;
    hub_bench_header (bench.tsv);
    if (bench.wire) {
        int rc = s_wire_compare (&bench, n_pub, n_lat);
        hub_bench_rmtree (bench.dir, "bench");
        return rc;
    }
    if (bench.replay_only) {
        int rc = s_replay_only (&bench, n_replay);
        hub_bench_rmtree (bench.dir, "bench");
        return rc;
    }

    //  Ceilings first
    double fwd = s_ceiling_forward (&bench, "push", bench.quick? 100000: 1000000, 200);
    hub_bench_emit (bench.tsv, "ceiling_forward_czmq_200B", fwd, "msgs/s", "PUSH -> PULL/PUB -> SUB, 3 processes, no logic");
    double fwd_acked = s_ceiling_forward (&bench, "dealer", bench.quick? 100000: 1000000, 200);
    hub_bench_emit (bench.tsv, "ceiling_forward_czmq_acked_200B", fwd_acked, "msgs/s",
            "DEALER -> ROUTER/PUB -> SUB, each acked, window 1024");
    char lmdb_dir [PATH_MAX + 16];
    snprintf (lmdb_dir, sizeof lmdb_dir, "%s/raw-lmdb", bench.dir);
    double raw = s_ceiling_lmdb (lmdb_dir, bench.quick? 100000: 1000000, 200);
    hub_bench_emit (bench.tsv, "ceiling_lmdb_sync_group1000_200B", raw, "msgs/s", "raw appends, synced txns of 1000");

    //  Durable publish throughput
    s_broker_t broker = { 0 };
    if (s_broker_start (&bench, &broker, "throughput"))
        return 1;
    struct { size_t size; int publishers; } runs [] = { { 200, 1 }, { 200, 4 }, { 2000, 1 }, { 2000, 4 } };
    int64_t *saturation = NULL;
    for (size_t r = 0; r < sizeof runs / sizeof runs [0]; r++) {
        int count = n_pub / runs [r].publishers / (runs [r].size > 1000? 4: 1);
        double cpu = s_broker_cpu_us (&broker);
        double rate = s_publish_rate (&broker, runs [r].publishers, runs [r].size, count, 1024,
                                      r == 0? &saturation: NULL);
        cpu = (s_broker_cpu_us (&broker) - cpu) / (count * runs [r].publishers);
        char metric [96], note [96];
        const char *size = runs [r].size == 200? "200B": "2KB";
        snprintf (metric, sizeof metric, "publish_durable_%s_%dpub", size, runs [r].publishers);
        snprintf (note, sizeof note, "%.2f of forward ceiling, %.2f of LMDB", rate / fwd, rate / raw);
        hub_bench_emit (bench.tsv, metric, rate, "msgs/s", note);
        snprintf (metric, sizeof metric, "broker_cpu_per_msg_%s_%dpub", size, runs [r].publishers);
        hub_bench_emit (bench.tsv, metric, cpu, "us", "broker CPU (all threads) per publish");
        if (r == 0 && saturation) {
            int count0 = count;
                hub_bench_emit (bench.tsv, "ack_latency_p50_saturation", hub_bench_percentile (saturation, (size_t) count0, 50), "us", "window 1024");
            hub_bench_emit (bench.tsv, "ack_latency_p99_saturation", hub_bench_percentile (saturation, (size_t) count0, 99), "us", NULL);
            hub_bench_emit (bench.tsv, "ack_latency_p99.9_saturation", hub_bench_percentile (saturation, (size_t) count0, 99.9), "us", NULL);
            free (saturation);
        }
    }
    s_broker_stop (&broker);

    //  Latency at 10k msgs/s: ack, then publish-to-subscriber
    if (s_broker_start (&bench, &broker, "latency"))
        return 1;
    s_paced (&bench, &broker, 10000, n_lat, 0, "10k");
    s_paced (&bench, &broker, 10000, n_lat, 1, "10k");
    s_paced (&bench, &broker, 10000, n_lat, 10, "10k");
    s_broker_stop (&broker);

    //  Replay and RSS with n_replay events stored
    if (s_broker_start (&bench, &broker, "replay"))
        return 1;
    double fill = s_publish_rate (&broker, 4, 200, n_replay / 4, 1024, NULL);
    (void) fill;
    char metric [96];
    snprintf (metric, sizeof metric, "broker_rss_after_%dk_events", n_replay / 1000);
    hub_bench_emit (bench.tsv, metric, s_broker_rss_mib (&broker, "VmRSS"), "MiB", "all resident pages");
    snprintf (metric, sizeof metric, "broker_rss_anon_after_%dk_events", n_replay / 1000);
    hub_bench_emit (bench.tsv, metric, s_broker_rss_mib (&broker, "RssAnon"), "MiB", "heap: target <= 64");
    snprintf (metric, sizeof metric, "broker_rss_file_after_%dk_events", n_replay / 1000);
    hub_bench_emit (bench.tsv, metric, s_broker_rss_mib (&broker, "RssFile"), "MiB", "LMDB map pages (reclaimable)");
    uint64_t replayed = 0;
    double replay = s_replay (&broker, &replayed);
    double cpu_ns [2], packed_cpu_ns [2];
    double replay_sub = s_replay_subscriber (&broker, replayed, false, cpu_ns);
    double replay_packed = s_replay_subscriber (&broker, replayed, true, packed_cpu_ns);
    //  History reads share the broker with publishes (its reader thread):
    //  measure what a client paging through everything does to publish latency
    pthread_t reader;
    s_replay_arg_t replay_arg = { &broker, 0, 0 };
    pthread_create (&reader, NULL, s_replay_thread, &replay_arg);
    s_paced (&bench, &broker, 10000, n_lat, 0, "10k_during_replay");
    pthread_join (reader, NULL);
    snprintf (metric, sizeof metric, "replay_%dk_events_1client", n_replay / 1000);
    char note [96];
    snprintf (note, sizeof note, "%" PRIu64 " events, pages of 1000", replayed);
    hub_bench_emit (bench.tsv, metric, replay, "events/s", note);
    snprintf (metric, sizeof metric, "replay_%dk_events_subscriber", n_replay / 1000);
    hub_bench_emit (bench.tsv, metric, replay_sub, "events/s", "hub_subscriber catch-up, every event");
    snprintf (metric, sizeof metric, "replay_%dk_events_subscriber_packed", n_replay / 1000);
    hub_bench_emit (bench.tsv, metric, replay_packed, "events/s", "hub_subscriber_recv_packed catch-up");
    s_replay_cpu_emit (bench.tsv, "replay_subscriber", cpu_ns);
    s_replay_cpu_emit (bench.tsv, "replay_subscriber_packed", packed_cpu_ns);
    s_broker_stop (&broker);

    hub_bench_rmtree (bench.dir, "bench");
    return 0;
}
