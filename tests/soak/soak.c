/*  hub_soak: a steady mixed load on one broker for a set time, printing the
    broker's memory every 10 s (not a ctest: scripts/soak.sh runs it).
    Two publishers (async window, paced), a hub_subscriber reading every
    event, and a history reader paging through random ranges. At the end:
    the first, last and largest RSS, and whether the subscriber saw every
    event once, in order. $SOAK_SECONDS (default 300), $SOAK_RATE (publishes
    a second per publisher, default 500).
*/
#include <czmq.h>
#include <pthread.h>
#include "hub_test.h"
#include "hub_proc.h"
#include "cyclehub.h"
#include "crash/hub_rel.h"

#define BUYER "GB-LAE-E09000049"

typedef struct {
    const hub_broker_proc_t *broker;
    volatile int *stop;
    int index, rate;
    uint64_t sent, failed;
} s_pub_t;

static void *
s_publisher (void *arg)
{
    s_pub_t *self = arg;
    hub_connect_options_t options;
    hub_rel_options (&options, self->broker, BUYER);
    options.window = 128;
    hub_client_t *client = hub_client_new (&options);
    char ocid [64];
    snprintf (ocid, sizeof ocid, "ocds-soakxx-%d", self->index);
    Cyclehub__V1__Envelope *env = hub_envelope_new (ocid, NULL);
    Cyclehub__V1__CommissionOpened *opened = hub_envelope_commission_opened (env);
    hub_set_string (&opened->title, "Soak");
    hub_set_string (&opened->buyer, BUYER);
    if (hub_client_publish (client, env, NULL) != HUB_OK)
        self->failed++;
    hub_envelope_destroy (&env);
    int64_t start = hub_proc_now_ms ();
    while (!*self->stop) {
        //  Paced: what was sent must not run ahead of rate x elapsed
        int64_t due = (int64_t) (self->sent * 1000 / (uint64_t) self->rate);
        int64_t elapsed = hub_proc_now_ms () - start;
        if (due > elapsed) {
            hub_proc_sleep_ms ((int) (due - elapsed < 50? due - elapsed: 50));
            continue;
        }
        env = hub_envelope_new (ocid, NULL);
        Cyclehub__V1__PartnerUpdatePosted *update = hub_envelope_partner_update (env);
        hub_set_string (&update->title, "soak update");
        hub_set_string (&update->body, "a steady stream of small partner updates");
        int rc = hub_client_publish_async (client, env, NULL, NULL);
        hub_envelope_destroy (&env);
        if (rc == HUB_OK)
            self->sent++;
        else
            self->failed++;
    }
    if (hub_client_flush (client, 10000) != HUB_OK)
        self->failed++;
    hub_client_destroy (&client);
    return NULL;
}

typedef struct {
    const hub_broker_proc_t *broker;
    volatile int *stop;
    uint64_t delivered, out_of_order, errors;
} s_sub_t;

static void *
s_subscriber (void *arg)
{
    s_sub_t *self = arg;
    hub_connect_options_t options;
    hub_rel_options (&options, self->broker, BUYER);
    hub_subscriber_t *sub = hub_subscriber_new (&options);
    if (!sub || hub_subscriber_start (sub) != HUB_OK) {
        self->errors++;
        hub_subscriber_destroy (&sub);
        return NULL;
    }
    uint64_t expect = 1;
    while (!*self->stop) {
        Cyclehub__V1__Event *event = NULL;
        int rc = hub_subscriber_recv (sub, 200, &event);
        if (rc == HUB_TIMEOUT)
            continue;
        if (rc != HUB_OK) {
            self->errors++;
            continue;
        }
        self->out_of_order += event->seq != expect;
        expect = event->seq + 1;
        self->delivered++;
        cyclehub__v1__event__free_unpacked (event, NULL);
    }
    hub_subscriber_destroy (&sub);
    return NULL;
}

typedef struct {
    const hub_broker_proc_t *broker;
    volatile int *stop;
    uint64_t pages, errors;
} s_reader_t;

static void *
s_reader (void *arg)
{
    s_reader_t *self = arg;
    hub_connect_options_t options;
    hub_rel_options (&options, self->broker, BUYER);
    hub_client_t *client = hub_client_new (&options);
    unsigned seed = 7;
    uint64_t last = 1;
    while (!*self->stop) {
        Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        query.from_seq = 1 + rand_r (&seed) % last;
        query.limit = 200;
        Cyclehub__V1__Reply *reply = NULL;
        hub_result_t result;
        if (hub_client_history (client, &query, &reply, &result) == HUB_OK) {
            self->pages++;
            if (reply->page && reply->page->last_seq)
                last = reply->page->last_seq;
            cyclehub__v1__reply__free_unpacked (reply, NULL);
        }
        else
            self->errors++;
        hub_proc_sleep_ms (20);
    }
    hub_client_destroy (&client);
    return NULL;
}

int
main (void)
{
    int seconds = getenv ("SOAK_SECONDS")? atoi (getenv ("SOAK_SECONDS")): 300;
    int rate = getenv ("SOAK_RATE")? atoi (getenv ("SOAK_RATE")): 500;
    if (rate < 1)
        rate = 1;
    zsys_init ();
    zsys_set_logstream (NULL);
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start_with (&broker, "soak", NULL) == 0);
    printf ("soak: broker pid %d, %d s, 2 publishers at %d/s, 1 subscriber, 1 history reader\n",
            (int) broker.pid, seconds, rate);
    volatile int stop = 0;
    s_pub_t pubs [2];
    s_sub_t sub = { .broker = &broker, .stop = &stop };
    s_reader_t reader = { .broker = &broker, .stop = &stop };
    pthread_t threads [4];
    for (int i = 0; i < 2; i++) {
        pubs [i] = (s_pub_t) { .broker = &broker, .stop = &stop, .index = i, .rate = rate };
        pthread_create (&threads [i], NULL, s_publisher, &pubs [i]);
    }
    pthread_create (&threads [2], NULL, s_subscriber, &sub);
    pthread_create (&threads [3], NULL, s_reader, &reader);
    long first = -1, last = -1, max = -1, first_anon = -1, last_anon = -1, max_anon = -1;
    int64_t start = hub_proc_now_ms ();
    for (int t = 10; t <= seconds; t += 10) {
        int64_t wait = start + t * 1000 - hub_proc_now_ms ();
        if (wait > 0)
            hub_proc_sleep_ms ((int) wait);
        long rss = hub_rel_proc_kb (broker.pid, "VmRSS");
        long anon = hub_rel_proc_kb (broker.pid, "RssAnon");
        if (first < 0) {
            first = rss;
            first_anon = anon;
        }
        last = rss;
        last_anon = anon;
        if (rss > max)
            max = rss;
        if (anon > max_anon)
            max_anon = anon;
        printf ("t=%4d s  VmRSS %7ld kB  RssAnon %7ld kB  published %" PRIu64 "  delivered %"
                PRIu64 "  pages %" PRIu64 "\n", t, rss, anon, pubs [0].sent + pubs [1].sent,
                sub.delivered, reader.pages);
        fflush (stdout);
    }
    stop = 1;
    for (int i = 0; i < 4; i++)
        pthread_join (threads [i], NULL);
    printf ("soak: VmRSS first %ld kB, last %ld kB, max %ld kB; RssAnon first %ld kB, last %ld kB, "
            "max %ld kB (VmRSS includes the LMDB map pages touched, which grow with the store)\n",
            first, last, max, first_anon, last_anon, max_anon);
    printf ("soak: published %" PRIu64 " (failed calls %" PRIu64 "), delivered %" PRIu64
            " (out of order %" PRIu64 ", errors %" PRIu64 "), history pages %" PRIu64
            " (errors %" PRIu64 ")\n", pubs [0].sent + pubs [1].sent + 2,
            pubs [0].failed + pubs [1].failed, sub.delivered, sub.out_of_order, sub.errors,
            reader.pages, reader.errors);
    int rc = hub_broker_stop (&broker);
    printf ("soak: broker exit %d\n", rc);
    CHECK (rc == 0);
    CHECK (pubs [0].failed + pubs [1].failed == 0);
    CHECK (sub.out_of_order == 0 && sub.errors == 0);
    CHECK (reader.errors == 0);
    hub_broker_cleanup (&broker);
    HUB_TEST_DONE ();
}
