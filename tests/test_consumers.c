/*  test_consumers: slow and dead consumers must not cost the broker its
    memory or anyone else their events.
    1. A raw SUB that subscribes and never reads, and a hub_subscriber that
       is paused (not calling recv), while 250k events are published: the
       broker's anonymous memory stays under a stated bound (its PUB queue
       per subscriber stops at SNDHWM = 10000 messages), and the paused
       subscriber, resumed, gets every event exactly once, in order.
    2. Clients that vanish (a child process SIGKILLed) with thousands of
       publishes and history pages in flight, unread: the broker's memory
       does not grow from round to round, the broker keeps serving, and it
       stops clean (under ASan, LeakSanitizer would change the exit code).
    The child is this program again: test_consumers --flood API AGENCY.
*/
#include <czmq.h>
#include <pthread.h>
#include "hub_test.h"
#include "hub_proc.h"
#include "cyclehub.h"
#include "crash/hub_rel.h"

#define PUBLISHER "GB-LAE-E09000046"
#define FLOODER   "GB-LAE-E09000047"
#define OCID      "ocds-consum-load"
#define EVENTS_HWM 10000            //  broker/hub_broker.c: config->events_hwm

static const char *s_body =
    "A partner update of about two hundred bytes: the kind of short note that "
    "partner agencies post many times a day about a commission, to fill the queue.";

//  ---------------------------------------------------------------------------
//  The load: publisher threads, and a sampler of the broker's memory

typedef struct {
    const hub_broker_proc_t *broker;
    int index, count;
    int acked, failed;
} s_pub_t;

static void *
s_publisher (void *arg)
{
    s_pub_t *self = arg;
    hub_connect_options_t options;
    hub_rel_options (&options, self->broker, PUBLISHER);
    options.window = 512;
    options.timeout_ms = 20000;
    hub_client_t *client = hub_client_new (&options);
    for (int n = 0; n < self->count; n++) {
        char msg_id [48];
        snprintf (msg_id, sizeof msg_id, "load-%d-%d", self->index, n);
        Cyclehub__V1__Envelope *env = hub_envelope_new (OCID, msg_id);
        Cyclehub__V1__PartnerUpdatePosted *update = hub_envelope_partner_update (env);
        hub_set_string (&update->title, msg_id);
        hub_set_string (&update->body, s_body);
        int rc = hub_client_publish_async (client, env, NULL, NULL);
        hub_envelope_destroy (&env);
        if (rc != HUB_OK) {
            self->failed++;
            n--;                    //  the same one again
            if (self->failed > 100)
                break;
        }
    }
    if (hub_client_flush (client, 60000) != HUB_OK)
        self->failed++;
    hub_client_destroy (&client);
    return NULL;
}

typedef struct {
    pid_t pid;
    volatile int stop;
    long max_anon_kb, max_rss_kb;
} s_sampler_t;

static void *
s_sampler (void *arg)
{
    s_sampler_t *self = arg;
    while (!self->stop) {
        long anon = hub_rel_proc_kb (self->pid, "RssAnon");
        long rss = hub_rel_proc_kb (self->pid, "VmRSS");
        if (anon > self->max_anon_kb)
            self->max_anon_kb = anon;
        if (rss > self->max_rss_kb)
            self->max_rss_kb = rss;
        hub_proc_sleep_ms (20);
    }
    return NULL;
}

//  ---------------------------------------------------------------------------
//  1. Slow consumers

static void
s_slow_consumers (hub_broker_proc_t *broker)
{
    int total = HUB_REL_ASAN? 210000: 250000;
    long base_anon = hub_rel_proc_kb (broker->pid, "RssAnon");

    //  The raw SUB that never reads: subscribed (a heartbeat proves it),
    //  then left alone
    zsock_t *stuck = zsock_new (ZMQ_SUB);
    zsock_set_plain_username (stuck, PUBLISHER);
    zsock_set_plain_password (stuck, "dev");
    zsock_set_rcvtimeo (stuck, 3000);
    zsock_set_linger (stuck, 0);
    zsock_set_subscribe (stuck, "");
    zsock_connect (stuck, "%s", broker->events);
    char *topic = zstr_recv (stuck);
    CHECK_MSG (topic && streq (topic, "$heartbeat"), "the raw SUB got no heartbeat");
    zstr_free (&topic);

    //  The hub_subscriber: every event from the start, paused after the
    //  first few
    hub_connect_options_t options;
    hub_rel_options (&options, broker, PUBLISHER);
    options.timeout_ms = 20000;
    hub_subscriber_t *sub = hub_subscriber_new (&options);
    REQUIRE (sub && hub_subscriber_start (sub) == HUB_OK);

    hub_client_t *client = hub_client_new (&options);
    Cyclehub__V1__Envelope *env = hub_envelope_new (OCID, "load-open");
    Cyclehub__V1__CommissionOpened *opened = hub_envelope_commission_opened (env);
    hub_set_string (&opened->title, "Slow consumers");
    hub_set_string (&opened->buyer, PUBLISHER);
    REQUIRE (hub_client_publish (client, env, NULL) == HUB_OK);
    hub_envelope_destroy (&env);

    s_sampler_t sampler = { .pid = broker->pid };
    pthread_t sampler_thread, threads [2];
    pthread_create (&sampler_thread, NULL, s_sampler, &sampler);
    s_pub_t pubs [2];
    int64_t started = hub_proc_now_ms ();
    for (int i = 0; i < 2; i++) {
        pubs [i] = (s_pub_t) { .broker = broker, .index = i, .count = total / 2 };
        pthread_create (&threads [i], NULL, s_publisher, &pubs [i]);
    }
    //  Read a little, then pause until the load is done
    uint64_t expect = 1, out_of_order = 0, delivered = 0;
    while (delivered < 500) {
        Cyclehub__V1__Event *event = NULL;
        if (hub_subscriber_recv (sub, 5000, &event) != HUB_OK)
            break;
        out_of_order += event->seq != expect;
        expect = event->seq + 1;
        delivered++;
        cyclehub__v1__event__free_unpacked (event, NULL);
    }
    for (int i = 0; i < 2; i++)
        pthread_join (threads [i], NULL);
    int64_t publish_ms = hub_proc_now_ms ()- started;
    hub_proc_sleep_ms (500);        //  let the PUB queues fill to their HWM
    sampler.stop = 1;
    pthread_join (sampler_thread, NULL);
    long loaded_anon = hub_rel_proc_kb (broker->pid, "RssAnon");
    for (int i = 0; i < 2; i++)
        CHECK_MSG (pubs [i].failed == 0, "publisher %d: %d failures", i, pubs [i].failed);

    //  The bound: two stuck subscribers (the raw SUB and the paused one),
    //  each with at most EVENTS_HWM messages queued in the broker; a message
    //  is a topic frame and an event frame, each a zmq_msg_t (64 bytes) in
    //  the pipe, plus the event's malloc'd bytes (~330 here) and the
    //  topic's; 700 bytes a message is generous. Plus 64 MiB for the
    //  broker's own caches and allocator slack; ASan adds its quarantine
    //  (256 MiB) and shadow memory. Without the HWM the queues would hold
    //  every event: 2 x 250k x 700 B = 350 MB.
    long per_message = 700;
    long bound_kb = 2L * EVENTS_HWM * per_message / 1024 + 64 * 1024
                  + (HUB_REL_ASAN? 640 * 1024: 0);
    long growth_kb = sampler.max_anon_kb - base_anon;
    printf ("slow consumers: %d events in %.1f s; broker RssAnon %ld kB before, max %ld kB "
            "(VmRSS max %ld kB), %ld kB after the load; growth %ld kB, bound %ld kB\n",
            total, publish_ms / 1000.0, base_anon, sampler.max_anon_kb, sampler.max_rss_kb,
            loaded_anon, growth_kb, bound_kb);
    CHECK_MSG (growth_kb < bound_kb, "broker anonymous memory grew %ld kB (bound %ld kB)",
               growth_kb, bound_kb);

    //  The paused subscriber resumes: every event, once, in order
    hub_result_t result;
    Cyclehub__V1__Reply *reply = NULL;
    REQUIRE (hub_client_status (client, &reply, &result) == HUB_OK);
    uint64_t last_seq = reply->status->last_seq;
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    CHECK (last_seq == (uint64_t) total + 1);
    int64_t resumed = hub_proc_now_ms ();
    while (expect <= last_seq) {
        Cyclehub__V1__Event *event = NULL;
        int rc = hub_subscriber_recv (sub, 10000, &event);
        if (rc != HUB_OK) {
            fprintf (stderr, "resumed subscriber: %s at seq %" PRIu64 "\n", hub_strerror (rc), expect);
            break;
        }
        if (event->seq != expect && out_of_order++ < 5)
            fprintf (stderr, "resumed subscriber: seq %" PRIu64 " where %" PRIu64 " expected\n",
                     event->seq, expect);
        expect = event->seq + 1;
        delivered++;
        cyclehub__v1__event__free_unpacked (event, NULL);
    }
    //  Nothing more: no duplicate trails behind
    Cyclehub__V1__Event *extra = NULL;
    int rc = hub_subscriber_recv (sub, 300, &extra);
    CHECK (rc == HUB_TIMEOUT && extra == NULL);
    if (extra)
        cyclehub__v1__event__free_unpacked (extra, NULL);
    hub_subscriber_stats_t stats;
    hub_subscriber_stats (sub, &stats);
    printf ("resumed subscriber: %" PRIu64 " events in %.1f s (from history %" PRIu64
            ", live %" PRIu64 ", gaps %" PRIu64 ", live dropped %" PRIu64 ", duplicates dropped %"
            PRIu64 ", pages %" PRIu64 ")\n", delivered, (hub_proc_now_ms () - resumed) / 1000.0,
            stats.from_history, stats.from_live, stats.gaps, stats.live_dropped,
            stats.live_duplicates, stats.pages);
    CHECK (delivered == last_seq);
    CHECK (out_of_order == 0);
    CHECK (stats.delivered == last_seq);
    CHECK (stats.gaps > 0 || stats.from_history > 0);   //  it had to backfill
    hub_subscriber_destroy (&sub);
    hub_client_destroy (&client);
    zsock_destroy (&stuck);
    hub_proc_sleep_ms (300);
    printf ("slow consumers gone: broker RssAnon %ld kB\n", hub_rel_proc_kb (broker->pid, "RssAnon"));
}

//  ---------------------------------------------------------------------------
//  2. Dead clients

//  The child: connects, opens its commission, sends `count` publishes and
//  `pages` history requests without reading a reply, then waits to die.
static int
s_flood (const char *api, const char *round, int count, int pages)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    zsock_set_plain_username (sock, FLOODER);
    zsock_set_plain_password (sock, "dev");
    zsock_set_sndhwm (sock, 0);
    zsock_set_rcvhwm (sock, 1);     //  so the replies pile up in the broker
    zsock_set_linger (sock, 0);
    zsock_connect (sock, "%s", api);
    char ocid [64];
    snprintf (ocid, sizeof ocid, "ocds-consum-flood%s", round);
    uint8_t buf [4096];
    for (int n = -1; n < count; n++) {
        char msg_id [64];
        snprintf (msg_id, sizeof msg_id, "flood-%s-%d", round, n);
        Cyclehub__V1__Envelope *env = hub_envelope_new (ocid, msg_id);
        if (n < 0) {
            Cyclehub__V1__CommissionOpened *opened = hub_envelope_commission_opened (env);
            hub_set_string (&opened->title, "Vanishing client");
            hub_set_string (&opened->buyer, FLOODER);
        }
        else {
            Cyclehub__V1__PartnerUpdatePosted *update = hub_envelope_partner_update (env);
            hub_set_string (&update->title, msg_id);
            hub_set_string (&update->body, s_body);
        }
        Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
        request.request_id = (uint64_t) n + 2;
        request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
        request.publish = env;
        zmq_send (zsock_resolve (sock), buf, cyclehub__v1__request__pack (&request, buf), 0);
        hub_envelope_destroy (&env);
    }
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    request.history = &query;
    query.limit = 1000;
    for (int i = 0; i < pages; i++) {
        request.request_id = 1000000 + i;
        query.from_seq = 1 + (uint64_t) i * 1000;
        zmq_send (zsock_resolve (sock), buf, cyclehub__v1__request__pack (&request, buf), 0);
    }
    printf ("sent\n");
    fflush (stdout);
    while (true)
        zclock_sleep (1000);
    return 0;
}

static void
s_dead_clients (hub_broker_proc_t *broker)
{
    int rounds = 4, count = HUB_REL_ASAN? 5000: 20000, pages = 200;
    long before = hub_rel_proc_kb (broker->pid, "RssAnon");
    long after [8] = { 0 }, peak [8] = { 0 };
    hub_connect_options_t options;
    hub_rel_options (&options, broker, PUBLISHER);
    options.timeout_ms = 20000;
    hub_client_t *client = hub_client_new (&options);
    for (int r = 0; r < rounds; r++) {
        char exe [PATH_MAX], round [16], count_arg [16], pages_arg [16], out [PATH_MAX + 32];
        ssize_t len = readlink ("/proc/self/exe", exe, sizeof exe - 1);
        REQUIRE (len > 0);
        exe [len] = 0;
        snprintf (round, sizeof round, "%d", r);
        snprintf (count_arg, sizeof count_arg, "%d", count);
        snprintf (pages_arg, sizeof pages_arg, "%d", pages);
        snprintf (out, sizeof out, "%s/flood.out", broker->dir);
        char *argv [] = { exe, "--flood", broker->api, round, count_arg, pages_arg, NULL };
        pid_t child = hub_proc_spawn (argv, NULL, out, NULL);
        REQUIRE (child > 0);
        //  Wait until it has sent everything and the broker has answered
        //  into the void for a while, then kill it mid-stream
        int64_t deadline = hub_proc_now_ms () + 30000;
        while (hub_proc_now_ms () < deadline) {
            char *text = hub_proc_slurp (out);
            bool sent = text && strstr (text, "sent");
            free (text);
            if (sent)
                break;
            hub_proc_sleep_ms (20);
        }
        //  until the broker's memory stops growing (every reply queued)
        long last = -1;
        for (int i = 0; i < 40; i++) {
            hub_proc_sleep_ms (HUB_REL_ASAN? 250: 100);
            peak [r] = hub_rel_proc_kb (broker->pid, "RssAnon");
            if (peak [r] == last && i > 3)
                break;
            last = peak [r];
        }
        kill (child, SIGKILL);
        CHECK (hub_proc_wait (child, 5000) == 128 + SIGKILL);
        //  The broker still serves, and has dropped the dead peer's queue
        Cyclehub__V1__Reply *reply = NULL;
        hub_result_t result;
        CHECK (hub_client_status (client, &reply, &result) == HUB_OK);
        if (reply)
            cyclehub__v1__reply__free_unpacked (reply, NULL);
        hub_proc_sleep_ms (500);
        after [r] = hub_rel_proc_kb (broker->pid, "RssAnon");
        printf ("dead client %d: broker RssAnon %ld kB with its replies queued, %ld kB after\n",
                r + 1, peak [r], after [r]);
    }
    hub_client_destroy (&client);
    //  Freed memory may stay with the allocator, so the test is that it does
    //  not grow round after round (a leak of even one page of replies per
    //  round would show as ~60 MB), and stays within a bound of the start
    long slack = HUB_REL_ASAN? 320 * 1024: 48 * 1024;
    CHECK_MSG (after [rounds - 1] <= after [0] + slack,
               "broker memory grew from %ld kB (round 1) to %ld kB (round %d)",
               after [0], after [rounds - 1], rounds);
    CHECK_MSG (after [rounds - 1] <= before + 256 * 1024 + slack,
               "broker memory %ld kB after the dead clients, %ld kB before", after [rounds - 1], before);
}

int
main (int argc, char *argv [])
{
    if (argc == 6 && streq (argv [1], "--flood"))
        return s_flood (argv [2], argv [3], atoi (argv [4]), atoi (argv [5]));
    zsys_init ();
    zsys_set_logstream (NULL);
    int64_t started = hub_proc_now_ms ();
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start_with (&broker, "consumers", NULL) == 0);
    s_slow_consumers (&broker);
    s_dead_clients (&broker);
    int rc = hub_broker_stop (&broker);
    CHECK_MSG (rc == 0, "the broker exited %d (LeakSanitizer or a crash?); log %s", rc, broker.log);
    printf ("test_consumers: %.1f s\n", (hub_proc_now_ms () - started) / 1000.0);
    if (hub_test_failed == 0)
        hub_broker_cleanup (&broker);
    else
        fprintf (stderr, "store and log kept in %s\n", broker.dir);
    HUB_TEST_DONE ();
}
