/*  bench_http: the HTTP front end's figures (make bench), beside the ZeroMQ
    ones. Starts cyclehubd --plain with --http on loopback (its development
    token; the per-token rate limit raised out of the way) and measures
      - HTTP publish: POST /v1/messages/partner.update with keep-alive, 1 and
        4 clients each with one request in flight (201 comes after the
        commit, like an ack): msgs/s and p50/p99 of the request;
      - SSE fan-out: 1, 10 and 50 clients on /v1/events while libcyclehub
        publishes as fast as its window allows: events/s delivered (all
        clients together) and publish -> SSE client latency.
    Usage: bench_http [--tsv] [--quick] [--broker PATH]
*/
#include <czmq.h>
#include <curl/curl.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "cyclehub.h"
#include "bench_kit.h"

#define BUYER "GB-LAE-E09000033"
#define OCID  "ocds-benchh-000001"

typedef struct {
    bool tsv;
    bool quick;
    const char *broker;              //  path of cyclehubd
    char dir [PATH_MAX / 2];         //  temp dir
    pid_t pid;                       //  cyclehubd
    char api [256], events [256];
    char url [256];                  //  http://127.0.0.1:PORT
    char token [128];                //  the development token
} s_bench_t;

static int
s_broker_start (s_bench_t *bench)
{
    char store [PATH_MAX], endpoints [PATH_MAX], http [32];
    snprintf (store, sizeof store, "%s/store", bench->dir);
    snprintf (endpoints, sizeof endpoints, "%s/endpoints", bench->dir);
    snprintf (http, sizeof http, "127.0.0.1:%d", hub_bench_free_port ());
    char *argv [] = { (char *) bench->broker, "--plain", "--store", store,
                      "--api", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*",
                      "--http", http, "--http-rate", "1000000", "--endpoints-file", endpoints, NULL };
    bench->pid = hub_bench_spawn_quiet (argv);
    if (hub_bench_endpoints (endpoints, bench->api, bench->events, bench->url, bench->token) == 0)
        return 0;
    fprintf (stderr, "bench_http: cyclehubd did not start with --http (%s)\n", bench->broker);
    return -1;
}

static hub_client_t *
s_client (s_bench_t *bench, int window)
{
    return hub_bench_client (bench->api, bench->events, BUYER, window, 0);
}

//  ---------------------------------------------------------------------------
//  HTTP publish: each client a thread with one keep-alive connection

typedef struct {
    s_bench_t *bench;
    int id;
    int64_t until;                   //  publish until this time (usecs)
    int64_t *latency;
    size_t done, capacity;
    int failed;
} s_poster_t;

static size_t
s_discard (char *data, size_t size, size_t n, void *arg)
{
    (void) data, (void) arg;
    return size * n;
}

static void *
s_poster_run (void *arg)
{
    s_poster_t *post = arg;
    CURL *curl = curl_easy_init ();
    char url [400], auth [200], key [64], body [256];
    snprintf (url, sizeof url, "%s/v1/messages/partner.update?commission=" OCID, post->bench->url);
    snprintf (auth, sizeof auth, "Authorization: Bearer %s", post->bench->token);
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
    //  About 200 bytes of body, as the ZeroMQ figures' messages
    char pad [160];
    memset (pad, 'x', sizeof pad - 1);
    pad [sizeof pad - 1] = 0;
    for (size_t i = 0; zclock_usecs () < post->until && post->done < post->capacity; i++) {
        struct curl_slist *headers = curl_slist_append (NULL, auth);
        snprintf (key, sizeof key, "Idempotency-Key: bench-%d-%zu", post->id, i);
        headers = curl_slist_append (headers, key);
        headers = curl_slist_append (headers, "Content-Type: application/json");
        snprintf (body, sizeof body, "{\"title\": \"Weekly capacity\", \"body\": \"%s\"}", pad);
        curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
        int64_t start = zclock_usecs ();
        long status = 0;
        if (curl_easy_perform (curl) == CURLE_OK)
            curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 201)
            post->latency [post->done++] = zclock_usecs () - start;
        else
            post->failed++;
        curl_slist_free_all (headers);
    }
    curl_easy_cleanup (curl);
    return NULL;
}

static void
s_http_publish (s_bench_t *bench, int clients)
{
    int64_t seconds = bench->quick? 1: 5;
    s_poster_t posts [8];
    pthread_t threads [8];
    int64_t start = zclock_usecs ();
    for (int c = 0; c < clients; c++) {
        posts [c] = (s_poster_t) { bench, c + clients * 100, start + seconds * 1000000, NULL, 0, 200000, 0 };
        posts [c].latency = calloc (posts [c].capacity, sizeof (int64_t));
        pthread_create (&threads [c], NULL, s_poster_run, &posts [c]);
    }
    int64_t *all = calloc (posts [0].capacity * (size_t) clients, sizeof (int64_t));
    size_t n = 0;
    int failed = 0;
    for (int c = 0; c < clients; c++) {
        pthread_join (threads [c], NULL);
        memcpy (all + n, posts [c].latency, posts [c].done * sizeof (int64_t));
        n += posts [c].done;
        failed += posts [c].failed;
        free (posts [c].latency);
    }
    double rate = (double) n / ((zclock_usecs () - start) / 1e6);
    char metric [96], note [96];
    snprintf (note, sizeof note, "keep-alive, %zu answered 201, %d failed", n, failed);
    snprintf (metric, sizeof metric, "http_publish_200B_%dclient", clients);
    hub_bench_emit (bench->tsv, metric, rate, "msgs/s", note);
    snprintf (metric, sizeof metric, "http_publish_p50_%dclient", clients);
    hub_bench_emit (bench->tsv, metric, hub_bench_percentile (all, n, 50), "us", "request -> 201 (after the commit)");
    snprintf (metric, sizeof metric, "http_publish_p99_%dclient", clients);
    hub_bench_emit (bench->tsv, metric, hub_bench_percentile (all, n, 99), "us", NULL);
    if (failed)
        fprintf (stderr, "bench_http: %d publishes failed\n", failed);
    free (all);
}

//  ---------------------------------------------------------------------------
//  SSE fan-out: each client a thread reading /v1/events on a raw socket

typedef struct {
    s_bench_t *bench;
    uint64_t after;                  //  the last seq before the run
    int expected;
    int received;
    int64_t *latency;                //  publish -> this client (usecs)
    int64_t last;                    //  time of the last event
    volatile bool ready;             //  the stream has started
} s_sse_t;

static int
s_sse_connect (s_sse_t *sse)
{
    int port = atoi (strrchr (sse->bench->url, ':') + 1);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                                .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    struct timeval timeout = { 10, 0 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    //  HTTP/1.0: the stream comes unchunked (closed at its end), so each
    //  line of it is an SSE line; HTTP/1.1's chunk sizes would cut lines
    char request [512];
    int len = snprintf (request, sizeof request,
        "GET /v1/events?topic=analyse/" OCID "/&after_seq=%" PRIu64 " HTTP/1.0\r\nHost: 127.0.0.1\r\n"
        "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n", sse->after, sse->bench->token);
    if (connect (fd, (struct sockaddr *) &addr, sizeof addr) || write (fd, request, (size_t) len) != len) {
        close (fd);
        return -1;
    }
    return fd;
}

//  Reads the stream line by line: "retry:" marks it started, each "data:"
//  line holds an event whose body starts with its publish time "t=USECS"
static void *
s_sse_run (void *arg)
{
    s_sse_t *sse = arg;
    int fd = s_sse_connect (sse);
    char buf [65536];
    size_t have = 0;
    while (fd >= 0 && sse->received < sse->expected) {
        ssize_t n = read (fd, buf + have, sizeof buf - have - 1);
        if (n <= 0)
            break;
        int64_t now = zclock_usecs ();
        have += (size_t) n;
        buf [have] = 0;
        char *line = buf, *end;
        while ((end = strchr (line, '\n'))) {
            *end = 0;
            char *stamp = strncmp (line, "data:", 5) == 0? strstr (line, "\"t="): NULL;
            if (stamp && sse->received < sse->expected) {
                sse->latency [sse->received++] = now - strtoll (stamp + 3, NULL, 10);
                sse->last = now;
            }
            else
            if (strncmp (line, "retry:", 6) == 0)
                sse->ready = true;
            line = end + 1;
        }
        have -= (size_t) (line - buf);
        memmove (buf, line, have);
    }
    if (fd >= 0)
        close (fd);
    sse->ready = true;
    return NULL;
}

static void
s_sse_fanout (s_bench_t *bench, int clients, int count)
{
    s_sse_t sses [64];
    pthread_t threads [64];
    //  The clients start after the last stored seq, so none misses the
    //  events published while it attaches (they come from history)
    uint64_t after = 0;
    hub_client_t *client = s_client (bench, 1024);
    Cyclehub__V1__Envelope *env = hub_envelope_new (OCID, NULL);
    Cyclehub__V1__PartnerUpdatePosted *update = (Cyclehub__V1__PartnerUpdatePosted *)
        hub_envelope_body (env, CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE);
    hub_set_string (&update->title, "Weekly capacity");
    hub_result_t result;
    if (hub_client_publish (client, env, &result) == HUB_OK)
        after = result.seq;
    for (int c = 0; c < clients; c++) {
        sses [c] = (s_sse_t) { bench, after, count, 0, calloc ((size_t) count, sizeof (int64_t)), 0, false };
        pthread_create (&threads [c], NULL, s_sse_run, &sses [c]);
    }
    for (int c = 0; c < clients; c++)
        while (!sses [c].ready)
            zclock_sleep (5);
    char text [200];
    memset (text, 'x', sizeof text - 1);
    text [sizeof text - 1] = 0;
    int64_t start = zclock_usecs ();
    for (int i = 0; i < count; i++) {
        //  "t=" and the publish time, as the SSE clients read it back
        char stamp [24];
        snprintf (stamp, sizeof stamp, "t=%016" PRId64, zclock_usecs ());
        memcpy (text, stamp, 18);
        hub_set_string (&update->body, text);
        hub_client_publish_async (client, env, NULL, NULL);
    }
    hub_client_flush (client, 60000);
    hub_envelope_destroy (&env);
    hub_client_destroy (&client);
    int64_t *all = calloc ((size_t) count * (size_t) clients, sizeof (int64_t));
    size_t n = 0;
    int64_t last = start;
    for (int c = 0; c < clients; c++) {
        pthread_join (threads [c], NULL);
        memcpy (all + n, sses [c].latency, (size_t) sses [c].received * sizeof (int64_t));
        n += (size_t) sses [c].received;
        last = sses [c].last > last? sses [c].last: last;
        free (sses [c].latency);
    }
    char metric [96], note [96];
    snprintf (note, sizeof note, "%zu of %d delivered", n, count * clients);
    snprintf (metric, sizeof metric, "sse_fanout_%dsub", clients);
    hub_bench_emit (bench->tsv, metric, n / ((last - start) / 1e6), "events/s", note);
    snprintf (metric, sizeof metric, "sse_fanout_p50_%dsub", clients);
    hub_bench_emit (bench->tsv, metric, hub_bench_percentile (all, n, 50), "us", "publish -> SSE client, saturated");
    snprintf (metric, sizeof metric, "sse_fanout_p99_%dsub", clients);
    hub_bench_emit (bench->tsv, metric, hub_bench_percentile (all, n, 99), "us", NULL);
    free (all);
}

static int
s_open (s_bench_t *bench)
{
    hub_result_t result;
    return hub_bench_open (bench->api, bench->events, BUYER, OCID, "HTTP benchmark commission",
                           &result) == HUB_OK? 0: -1;
}

int
main (int argc, char *argv [])
{
    s_bench_t bench = { 0 };
    char default_broker [PATH_MAX];
    hub_bench_beside (default_broker, sizeof default_broker, argv [0], "../broker/cyclehubd");
    bench.broker = default_broker;
    for (int i = 1; i < argc; i++) {
        if (streq (argv [i], "--tsv"))
            bench.tsv = true;
        else
        if (streq (argv [i], "--quick"))
            bench.quick = true;
        else
        if (streq (argv [i], "--broker") && i + 1 < argc)
            bench.broker = argv [++i];
        else {
            fprintf (stderr, "usage: bench_http [--tsv] [--quick] [--broker PATH]\n");
            return 2;
        }
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    if (hub_bench_start (bench.dir, sizeof bench.dir, NULL, "cyclehub-bench-http", "bench_http"))
        return 1;
    int rc = 1;
    if (s_broker_start (&bench) == 0 && s_open (&bench) == 0) {
        hub_bench_header (bench.tsv);
        s_http_publish (&bench, 1);
        s_http_publish (&bench, 4);
        int clients [] = { 1, 10, 50 };
        for (int i = 0; i < 3; i++)
            s_sse_fanout (&bench, clients [i], (bench.quick? 1000: 10000) / (clients [i] > 1? clients [i] / 5 + 1: 1));
        rc = 0;
    }
    if (bench.pid > 0) {
        kill (bench.pid, SIGTERM);
        waitpid (bench.pid, NULL, 0);
    }
    curl_global_cleanup ();
    hub_bench_rmtree (bench.dir, "bench_http");
    return rc;
}
