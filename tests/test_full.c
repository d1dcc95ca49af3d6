/*  test_full: a store at its --map-max. Publishes of ~100 KB until the
    broker refuses them with STORE_FULL (code and reason); nothing acked may
    be lost (every acked seq readable from history with its content) and
    nothing refused stored; seqs stay dense. Then a restart with a larger
    --map-max: the refused publishes, re-sent with their msg_ids, are
    accepted and the seqs continue densely.

    test_full           with --map-max 64 (the store's initial map size is
                        64 MiB, so this holds whatever the clamping)
    test_full --tiny    with --map-max 2: STORE_FULL must come before ~3 MiB
                        is stored (registered as test_full_tiny)
*/
#include <czmq.h>
#include "hub_test.h"
#include "hub_proc.h"
#include "cyclehub.h"
#include "crash/hub_rel.h"

#define BUYER "GB-LAE-E09000048"
#define OCID  "ocds-fullst-big"
#define MAX_MSGS 4000
#define LINKS 45                    //  2000-byte links: ~100 KB a message

typedef struct {
    uint64_t seq [MAX_MSGS];        //  acked seq by message number
    bool full [MAX_MSGS];           //  refused with STORE_FULL
    int acked, store_full, other;
    char other_reason [700];
    char full_reason [600];
    char full_field [128];
} s_tally_t;

static char s_link [2001];

static Cyclehub__V1__Envelope *
s_message (int n)
{
    char msg_id [32], title [64];
    snprintf (msg_id, sizeof msg_id, "full-%d", n);
    Cyclehub__V1__Envelope *env = hub_envelope_new (OCID, msg_id);
    if (n == 0) {
        Cyclehub__V1__CommissionOpened *opened = hub_envelope_commission_opened (env);
        hub_set_string (&opened->title, "A full store");
        hub_set_string (&opened->buyer, BUYER);
        return env;
    }
    Cyclehub__V1__PartnerUpdatePosted *update = hub_envelope_partner_update (env);
    snprintf (title, sizeof title, "big update %d", n);
    hub_set_string (&update->title, title);
    char body [9001];
    memset (body, 'a' + n % 26, sizeof body - 1);
    body [sizeof body - 1] = 0;
    hub_set_string (&update->body, body);
    for (int i = 0; i < LINKS; i++)
        hub_add_string (&update->n_links, &update->links, s_link);
    return env;
}

static void
s_on_result (const hub_result_t *result, void *arg)
{
    s_tally_t *tally = arg;
    int n;
    if (sscanf (result->msg_id, "full-%d", &n) != 1 || n < 0 || n >= MAX_MSGS)
        return;
    if (result->rc == HUB_OK) {
        tally->seq [n] = result->seq;
        tally->full [n] = false;
        tally->acked++;
    }
    else
    if (result->rc == HUB_REJECTED && result->code == CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_STORE_FULL) {
        if (tally->store_full++ == 0) {
            snprintf (tally->full_reason, sizeof tally->full_reason, "%s", result->reason);
            snprintf (tally->full_field, sizeof tally->full_field, "%s", result->field);
        }
        tally->full [n] = true;
    }
    else
    if (tally->other++ == 0)
        snprintf (tally->other_reason, sizeof tally->other_reason, "%s: rc %d code %d %s",
                  result->msg_id, result->rc, (int) result->code, result->reason);
}

//  The history, checked against the tally
typedef struct {
    s_tally_t *tally;
    uint64_t expect, holes, events, wrong, refused_stored, seen [MAX_MSGS];
} s_check_t;

static int
s_check_event (const Cyclehub__V1__Event *event, void *arg)
{
    s_check_t *check = arg;
    check->holes += event->seq != check->expect;
    check->expect = event->seq + 1;
    check->events++;
    int n;
    const Cyclehub__V1__Envelope *env = event->envelope;
    if (!env || sscanf (env->msg_id, "full-%d", &n) != 1 || n < 0 || n >= MAX_MSGS) {
        check->wrong++;
        return 0;
    }
    check->seen [n]++;
    if (check->tally->full [n])
        check->refused_stored++;
    //  The content is what was sent
    if (n > 0) {
        char title [64];
        snprintf (title, sizeof title, "big update %d", n);
        const Cyclehub__V1__PartnerUpdatePosted *update = env->partner_update;
        if (!update || !streq (update->title, title) || update->n_links != LINKS
        ||  strlen (update->body) != 9000 || update->body [0] != 'a' + n % 26
        ||  (check->tally->seq [n] && check->tally->seq [n] != event->seq))
            check->wrong++;
    }
    return 0;
}

//  Publishes messages from..to-1 (stopping early after `stop_after` STORE_FULL
//  refusals); returns the next message number.
static int
s_publish (hub_client_t *client, s_tally_t *tally, int from, int to, int stop_after)
{
    int n = from;
    for (; n < to && tally->store_full < stop_after; n++) {
        Cyclehub__V1__Envelope *env = s_message (n);
        int rc = n == 0? hub_client_publish (client, env, NULL)
                       : hub_client_publish_async (client, env, NULL, NULL);
        hub_envelope_destroy (&env);
        if (n == 0) {
            REQUIRE (rc == HUB_OK);
            tally->seq [0] = 1;
            tally->acked++;
        }
        else
        if (rc == HUB_EFULL) {
            //  Not sent: the library reported the refusals before it and
            //  holds the publisher's order; this one is re-sent with them
            tally->full [n] = true;
            tally->store_full++;
        }
        else
            CHECK_MSG (rc == HUB_OK, "publish %d: %s", n, hub_strerror (rc));
    }
    CHECK (hub_client_flush (client, 60000) == HUB_OK);
    return n;
}

static void
s_check_history (hub_client_t *client, s_tally_t *tally, int sent, const char *when)
{
    s_check_t *check = calloc (1, sizeof *check);
    check->tally = tally;
    check->expect = 1;
    uint64_t last_seq = 0;
    CHECK (hub_rel_scan (client, s_check_event, check, &last_seq) == 0);
    int lost = 0, twice = 0;
    for (int n = 0; n < sent; n++) {
        lost += tally->seq [n] && !check->seen [n];
        twice += check->seen [n] > 1;
    }
    printf ("%s: %" PRIu64 " events in history (last seq %" PRIu64 "), %d acked, lost %d, "
            "stored twice %d, refused but stored %" PRIu64 ", holes %" PRIu64 ", wrong %" PRIu64 "\n",
            when, check->events, last_seq, tally->acked, lost, twice, check->refused_stored,
            check->holes, check->wrong);
    CHECK (lost == 0);
    CHECK (twice == 0);
    CHECK (check->refused_stored == 0);
    CHECK (check->holes == 0);
    CHECK (check->wrong == 0);
    CHECK (check->events == last_seq);
    CHECK (last_seq == (uint64_t) tally->acked);
    free (check);
}

int
main (int argc, char *argv [])
{
    bool tiny = argc > 1 && streq (argv [1], "--tiny");
    zsys_init ();
    zsys_set_logstream (NULL);
    memset (s_link, 'l', sizeof s_link - 1);
    memcpy (s_link, "https://example.org/", 20);
    int64_t started = hub_proc_now_ms ();
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    const char *small [] = { "--map-max", tiny? "2": "64", NULL };
    REQUIRE (hub_broker_start_with (&broker, "full", small) == 0);

    s_tally_t *tally = calloc (1, sizeof *tally);
    hub_connect_options_t options;
    hub_rel_options (&options, &broker, BUYER);
    options.window = 32;
    options.timeout_ms = 30000;
    hub_client_t *client = hub_client_new (&options);
    hub_client_set_handler (client, s_on_result, tally);

    //  Until STORE_FULL, and on for a while after it (every later publish
    //  must be refused cleanly, not crash or corrupt the store)
    int limit = tiny? 300: 1500;
    int sent = s_publish (client, tally, 0, limit, 40);
    Cyclehub__V1__Reply *reply = NULL;
    hub_result_t result;
    REQUIRE (hub_client_status (client, &reply, &result) == HUB_OK);
    uint64_t store_bytes = reply->status->store_bytes;
    cyclehub__v1__reply__free_unpacked (reply, NULL);
    printf ("--map-max %s: %d sent, %d acked, %d STORE_FULL, %d other; store_bytes %" PRIu64
            "; reason: %s\n", small [1], sent, tally->acked, tally->store_full, tally->other,
            store_bytes, tally->full_reason);
    CHECK_MSG (tally->store_full > 0, "no STORE_FULL after %d publishes of ~100 KB (%d acked)",
               sent, tally->acked);
    CHECK_MSG (tally->other == 0, "other rejections: %s", tally->other_reason);
    CHECK (strlen (tally->full_reason) > 10);
    if (tiny) {
        //  The maximum is honoured below the initial map size (64 MiB): the
        //  store once raised the maximum to the initial size instead
        CHECK_MSG ((uint64_t) tally->acked * 100 * 1024 < 3 * 1024 * 1024,
                   "--map-max 2 let %d messages of ~100 KB (%d MiB) in", tally->acked,
                   tally->acked / 10);
    }
    s_check_history (client, tally, sent, "full store");

    //  Restart larger: the refused publishes go in, seqs continue densely
    hub_client_destroy (&client);
    CHECK (hub_broker_stop (&broker) == 0);
    const char *large [] = { "--map-max", tiny? "128": "256", NULL };
    REQUIRE (hub_broker_start_with (&broker, "full", large) == 0);
    client = hub_client_new (&options);
    hub_client_set_handler (client, s_on_result, tally);
    int acked_before = tally->acked, refused = 0;
    uint64_t next_seq = (uint64_t) acked_before + 1;
    for (int n = 0; n < sent; n++)
        if (tally->full [n]) {
            refused++;
            Cyclehub__V1__Envelope *env = s_message (n);
            CHECK (hub_client_publish (client, env, &result) == HUB_OK);
            hub_envelope_destroy (&env);
            CHECK_MSG (result.seq == next_seq && !result.duplicate,
                       "re-sent msg %d got seq %" PRIu64 " (dup %d), expected %" PRIu64,
                       n, result.seq, result.duplicate, next_seq);
            tally->seq [n] = result.seq;
            tally->full [n] = false;
            tally->acked++;
            next_seq++;
        }
    //  And new ones
    int more = s_publish (client, tally, sent, sent + 50, INT_MAX);
    CHECK (tally->acked == acked_before + refused + 50);
    printf ("after the restart: %d refused re-sent and acked, %d new\n", refused, more - sent);
    s_check_history (client, tally, more, "after the restart");
    hub_client_destroy (&client);
    CHECK (hub_broker_stop (&broker) == 0);
    free (tally);
    printf ("test_full%s: %.1f s\n", tiny? " --tiny": "", (hub_proc_now_ms () - started) / 1000.0);
    if (hub_test_failed == 0)
        hub_broker_cleanup (&broker);
    else
        fprintf (stderr, "store and log kept in %s\n", broker.dir);
    HUB_TEST_DONE ();
}
