/*  test_full_order: a full store, end to end (issue 17).
    A publisher keeps up to 32 publishes in flight with libcyclehub's async
    publisher, alternating big (~100 KB) and small (~200 B) messages, until
    the store is full. Order: nothing published after the first refused
    message may be acked (a small one would still fit), the library
    returns HUB_EFULL once every refusal is reported, and the refused ones,
    re-sent first once there is room, are stored in publish order. Nothing
    acked is lost.

    The broker's rule alone, over a raw socket: after a refusal for space,
    a small publish that would fit is refused too, until a status request.

    Two ways to fill it, each its own code:
    - the map limit (--map-max 2): STORE_FULL;
    - a real full disk: the store on a 6 MiB tmpfs (root only, as in CI;
      skipped with the reason printed otherwise): DISK_FULL, never
      INTERNAL, with a log line giving the free space; the room comes back
      with a remount, no restart.
*/
#include <czmq.h>
#include <sys/mount.h>
#include "hub_test.h"
#include "hub_proc.h"
#include "cyclehub.h"
#include "crash/hub_rel.h"
#include "hub_wire_kit.h"

#define BUYER    "GB-LAE-E09000049"
#define OCID     "ocds-fullor-order"
#define MAX_MSGS 1000
#define C(name)  CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name

typedef struct {
    uint64_t seq [MAX_MSGS];        //  acked seq by message number
    bool refused [MAX_MSGS];        //  refused, to be re-sent
    int first_refused;              //  the lowest message number refused, or -1
    int acked, refused_count, other;
    int code;                       //  the refusals' code
    char reason [600];
} s_tally_t;

static char s_link [2001];

//  Message n: odd ones small, even ones ~100 KB
static Cyclehub__V1__Envelope *
s_message (int n)
{
    char msg_id [32], title [64];
    snprintf (msg_id, sizeof msg_id, "order-%d", n);
    Cyclehub__V1__Envelope *env = hub_envelope_new (OCID, msg_id);
    if (n == 0) {
        Cyclehub__V1__CommissionOpened *opened = hub_envelope_commission_opened (env);
        hub_set_string (&opened->title, "A full store, in order");
        hub_set_string (&opened->buyer, BUYER);
        return env;
    }
    Cyclehub__V1__PartnerUpdatePosted *update = hub_envelope_partner_update (env);
    snprintf (title, sizeof title, "update %d", n);
    hub_set_string (&update->title, title);
    if (n % 2 == 0)
        for (int i = 0; i < 48; i++)
            hub_add_string (&update->n_links, &update->links, s_link);
    return env;
}

static void
s_on_result (const hub_result_t *result, void *arg)
{
    s_tally_t *tally = arg;
    int n;
    if (sscanf (result->msg_id, "order-%d", &n) != 1 || n < 0 || n >= MAX_MSGS)
        return;
    if (result->rc == HUB_OK) {
        tally->seq [n] = result->seq;
        tally->acked++;
        return;
    }
    if (result->rc == HUB_REJECTED
    &&  (result->code == C (STORE_FULL) || result->code == C (DISK_FULL))) {
        tally->refused [n] = true;
        tally->refused_count++;
        if (tally->first_refused < 0 || n < tally->first_refused)
            tally->first_refused = n;
        if (!tally->code) {
            tally->code = result->code;
            snprintf (tally->reason, sizeof tally->reason, "%s", result->reason);
        }
        return;
    }
    if (tally->other++ == 0)
        fprintf (stderr, "other result for %s: rc %d %s %s\n", result->msg_id, result->rc,
                 hub_proto_reject_name (result->code), result->reason);
}

//  Publishes from message 1 until the library says HUB_EFULL; returns the
//  number of the first message not sent
static int
s_fill (hub_client_t *client, s_tally_t *tally)
{
    int n = 1;
    for (; n < MAX_MSGS; n++) {
        Cyclehub__V1__Envelope *env = s_message (n);
        int rc = hub_client_publish_async (client, env, NULL, NULL);
        hub_envelope_destroy (&env);
        if (rc == HUB_EFULL)
            break;
        CHECK_MSG (rc == HUB_OK, "publish %d: %s", n, hub_strerror (rc));
        //  A publisher that never hears HUB_EFULL (the code before this
        //  rule) goes on; the test lets it run 60 more, then stops
        if (tally->first_refused > 0 && n > tally->first_refused + 60)
            break;
    }
    CHECK (hub_client_flush (client, 60000) == HUB_OK);
    return n;
}

//  After the first refused message, nothing may have been acked
static void
s_check_order (s_tally_t *tally, int sent, const char *what)
{
    int late = 0;
    for (int n = tally->first_refused + 1; tally->first_refused > 0 && n < sent; n++)
        late += tally->seq [n] != 0;
    printf ("%s: %d sent, %d acked, %d refused (first %d, %s), acked after it %d\n", what,
            sent - 1, tally->acked, tally->refused_count, tally->first_refused,
            hub_proto_reject_name ((Cyclehub__V1__RejectCode) tally->code), late);
    CHECK_MSG (tally->first_refused > 0, "%s: nothing was refused", what);
    CHECK_MSG (late == 0, "%s: %d publishes sent after the first refused one were acked "
               "(stored ahead of it)", what, late);
    CHECK (tally->other == 0);
}

//  Re-sends the refused ones in order, then the one EFULL held back; then
//  the history holds every message up to `sent` once, in publish order
typedef struct {
    int next, wrong, events;
} s_seen_t;

static int
s_seen (const Cyclehub__V1__Event *event, void *arg)
{
    s_seen_t *seen = arg;
    int n;
    seen->events++;
    if (!event->envelope || sscanf (event->envelope->msg_id, "order-%d", &n) != 1
    ||  n != seen->next++)
        seen->wrong++;
    return 0;
}

static void
s_resend_and_check (hub_client_t *client, s_tally_t *tally, int sent, const char *what)
{
    for (int n = 1; n <= sent && n < MAX_MSGS; n++)
        if (tally->refused [n] || n == sent) {
            Cyclehub__V1__Envelope *env = s_message (n);
            hub_result_t result;
            int rc = hub_client_publish (client, env, &result);
            hub_envelope_destroy (&env);
            CHECK_MSG (rc == HUB_OK, "%s: re-sent %d: %s %s", what, n, hub_strerror (rc),
                       result.reason);
        }
    s_seen_t seen = { 0 };
    uint64_t last_seq = 0;
    CHECK (hub_rel_scan (client, s_seen, &seen, &last_seq) == 0);
    printf ("%s: history holds %d events, %d out of order\n", what, seen.events, seen.wrong);
    CHECK_MSG (seen.wrong == 0 && seen.events == sent + 1,
               "%s: %d of %d events out of publish order", what, seen.wrong, seen.events);
}

static hub_client_t *
s_client (const hub_broker_proc_t *broker, s_tally_t *tally)
{
    hub_connect_options_t options;
    hub_rel_options (&options, broker, BUYER);
    options.window = 32;
    options.timeout_ms = 30000;
    hub_client_t *client = hub_client_new (&options);
    REQUIRE (client);
    hub_client_set_handler (client, s_on_result, tally);
    Cyclehub__V1__Envelope *env = s_message (0);
    REQUIRE (hub_client_publish (client, env, NULL) == HUB_OK);
    hub_envelope_destroy (&env);
    return client;
}

//  The map limit: STORE_FULL, then a restart with a larger --map-max
static void
s_test_map_limit (void)
{
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    const char *small [] = { "--map-max", "2", NULL };
    REQUIRE (hub_broker_start_with (&broker, "order", small) == 0);
    s_tally_t *tally = calloc (1, sizeof *tally);
    tally->first_refused = -1;
    hub_client_t *client = s_client (&broker, tally);
    int sent = s_fill (client, tally);
    s_check_order (tally, sent, "map limit");
    CHECK_MSG (tally->code == C (STORE_FULL) && strstr (tally->reason, "--map-max"),
               "map limit: %s %s", hub_proto_reject_name (tally->code), tally->reason);
    hub_client_destroy (&client);
    CHECK (hub_broker_stop (&broker) == 0);
    const char *large [] = { "--map-max", "64", NULL };
    REQUIRE (hub_broker_start_with (&broker, "order", large) == 0);
    hub_connect_options_t options;
    hub_rel_options (&options, &broker, BUYER);
    client = hub_client_new (&options);
    s_resend_and_check (client, tally, sent, "map limit, after the restart");
    hub_client_destroy (&client);
    CHECK (hub_broker_stop (&broker) == 0);
    if (hub_test_failed == 0)
        hub_broker_cleanup (&broker);
    free (tally);
}

//  A real full disk: the store on a small tmpfs
static void
s_test_disk_full (void)
{
    if (geteuid () != 0) {
        printf ("disk full: SKIPPED: mounting a small tmpfs needs root (uid %u)\n",
                (unsigned) geteuid ());
        return;
    }
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    char *dir = hub_test_tmpdir ("diskfull");
    REQUIRE (dir);
    snprintf (broker.dir, sizeof broker.dir, "%s", dir);
    snprintf (broker.store, sizeof broker.store, "%s/store", dir);
    snprintf (broker.endpoints, sizeof broker.endpoints, "%s/endpoints", dir);
    snprintf (broker.log, sizeof broker.log, "%s/broker.log", dir);
    free (dir);
    REQUIRE (mkdir (broker.store, 0700) == 0);
    if (mount ("tmpfs", broker.store, "tmpfs", 0, "size=6m,mode=0700")) {
        printf ("disk full: SKIPPED: cannot mount a tmpfs: %s\n", strerror (errno));
        hub_test_rmtree (broker.dir);
        return;
    }
    s_tally_t *tally = calloc (1, sizeof *tally);
    tally->first_refused = -1;
    REQUIRE (hub_broker_start_with (&broker, "diskfull", NULL) == 0);
    hub_client_t *client = s_client (&broker, tally);
    int sent = s_fill (client, tally);
    s_check_order (tally, sent, "disk full");
    CHECK_MSG (tally->code == C (DISK_FULL) && strstr (tally->reason, "disk"),
               "disk full: %s %s", hub_proto_reject_name (tally->code), tally->reason);
    char *log = hub_proc_slurp (broker.log);
    CHECK_MSG (log && strstr (log, "store: disk full") && strstr (log, "avail_bytes="),
               "no log line with the free space in %s", broker.log);
    free (log);
    //  Room comes back (the operator frees space): the same broker takes
    //  the refused ones, re-sent first, and keeps everything in order
    CHECK (mount ("tmpfs", broker.store, "tmpfs", MS_REMOUNT, "size=64m,mode=0700") == 0);
    s_resend_and_check (client, tally, sent, "disk full, after room came back");
    hub_client_destroy (&client);
    CHECK (hub_broker_stop (&broker) == 0);
    //  A restart finds everything acked
    REQUIRE (hub_broker_start_with (&broker, "diskfull", NULL) == 0);
    hub_connect_options_t options;
    hub_rel_options (&options, &broker, BUYER);
    client = hub_client_new (&options);
    s_seen_t seen = { 0 };
    uint64_t last_seq = 0;
    CHECK (hub_rel_scan (client, s_seen, &seen, &last_seq) == 0);
    CHECK_MSG (seen.wrong == 0 && seen.events == sent + 1, "after a restart: %d events, %d "
               "out of order", seen.events, seen.wrong);
    hub_client_destroy (&client);
    CHECK (hub_broker_stop (&broker) == 0);
    CHECK (umount (broker.store) == 0);
    if (hub_test_failed == 0)
        hub_broker_cleanup (&broker);
    free (tally);
}

//  The broker's rule on its own, over a raw socket: after a refusal for
//  space, a small publish that would fit is refused too, until a status
static Cyclehub__V1__Reply *
s_raw (zsock_t *sock, Cyclehub__V1__Request *request)
{
    static uint64_t request_id = 9000;
    request->request_id = ++request_id;
    return hub_kit_exchange (sock, request);
}

//  Publishes message n on sock; returns the reply's reject code (0: acked)
static int
s_raw_publish (zsock_t *sock, int n, char *reason, size_t size)
{
    Cyclehub__V1__Envelope *env = s_message (n);
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
    request.publish = env;
    Cyclehub__V1__Reply *reply = s_raw (sock, &request);
    hub_envelope_destroy (&env);
    int code = -1;
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK)
        code = 0;
    else
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT) {
        code = reply->reject->code;
        if (reason)
            snprintf (reason, size, "%s", reply->reject->reason);
    }
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    return code;
}

static void
s_test_stop_raw (void)
{
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    const char *small [] = { "--map-max", "2", NULL };
    REQUIRE (hub_broker_start_with (&broker, "stop", small) == 0);
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    zsock_set_plain_username (sock, BUYER);
    zsock_set_plain_password (sock, "dev");
    zsock_set_rcvtimeo (sock, 10000);
    zsock_set_linger (sock, 0);
    zsock_connect (sock, "%s", broker.api);
    char reason [600] = "";
    REQUIRE (s_raw_publish (sock, 0, reason, sizeof reason) == 0);
    int n = 2, code = 0;
    while (n < MAX_MSGS && (code = s_raw_publish (sock, n, reason, sizeof reason)) == 0)
        n += 2;                                     //  the big ones, until full
    CHECK_MSG (code == C (STORE_FULL), "raw: big %d: code %d (%s)", n, code, reason);
    //  A small one would fit: refused all the same, saying why
    code = s_raw_publish (sock, 1, reason, sizeof reason);
    CHECK_MSG (code == C (STORE_FULL) && strstr (reason, "earlier publish"),
               "raw: a small publish after a refused big one: code %d (%s)", code, reason);
    //  A status resumes the connection: the small one goes in, a big one not
    Cyclehub__V1__StatusQuery status = CYCLEHUB__V1__STATUS_QUERY__INIT;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_STATUS;
    request.status = &status;
    Cyclehub__V1__Reply *reply = s_raw (sock, &request);
    CHECK (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_STATUS);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    code = s_raw_publish (sock, 1, reason, sizeof reason);
    CHECK_MSG (code == 0, "raw: the small one after a status: code %d (%s)", code, reason);
    code = s_raw_publish (sock, n, reason, sizeof reason);
    CHECK_MSG (code == C (STORE_FULL), "raw: the big one again: code %d (%s)", code, reason);
    zsock_destroy (&sock);
    CHECK (hub_broker_stop (&broker) == 0);
    if (hub_test_failed == 0)
        hub_broker_cleanup (&broker);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    memset (s_link, 'l', sizeof s_link - 1);
    memcpy (s_link, "https://example.org/", 20);
    s_test_stop_raw ();
    s_test_map_limit ();
    s_test_disk_full ();
    HUB_TEST_DONE ();
}
