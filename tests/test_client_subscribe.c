/*  test_client_subscribe: subscribers against a real cyclehubd, each of
    which must see every matching event exactly once, in seq order (checked
    against history): one started late (all from history), one killed with
    SIGKILL and restarted from its cursor file, one slow with a tiny
    receive HWM (live events dropped, then backfilled), filtered ones
    (commission, topic prefix), and one that starts from now. Then a
    catch-up over several pages, each asked for before the one before it
    is worked through: with the broker killed and restarted in the middle,
    and a page asked for ahead and then not wanted; events lent as bytes;
    a filter whose density changes under the pages asked for ahead by seq
    range. First, hub_malloc_for_reading's effect on malloc.
*/
#include <czmq.h>
#include "hub_test.h"
#include "hub_proc.h"
#include "cyclehub.h"
#include <malloc.h>

#define COMMISSION_A "ocds-h6vhtk-subs0a"
#define COMMISSION_B "ocds-h6vhtk-subs0b"
#define BUYER        "GB-LAE-E09000033"
#define S_MAX        8192               //  seqs kept of a history

static hub_connect_options_t s_options;
static hub_client_t *s_client;

//  Seqs of the JSON lines in text ("seq":"N"), in order.
static size_t
s_seqs (const char *text, uint64_t *seqs, size_t max)
{
    size_t n = 0;
    for (const char *at = text? strstr (text, "\"seq\":\""): NULL; at && n < max;
         at = strstr (at + 1, "\"seq\":\""))
        seqs [n++] = strtoull (at + 7, NULL, 10);
    return n;
}

//  Seqs of the whole history for a commission ("" = all), via the library.
static size_t
s_history (const char *commission, uint64_t *seqs, size_t max)
{
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    query.commission_id = (char *) commission;
    size_t n = 0;
    while (true) {
        Cyclehub__V1__Reply *reply = NULL;
        if (hub_client_history (s_client, &query, &reply, NULL) != HUB_OK)
            return 0;
        for (size_t i = 0; i < reply->page->n_events && n < max; i++) {
            Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (
                NULL, reply->page->events [i].len, reply->page->events [i].data);
            seqs [n++] = event->seq;
            cyclehub__v1__event__free_unpacked (event, NULL);
        }
        bool end = reply->page->end;
        query.from_seq = reply->page->next_seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        if (end)
            return n;
    }
}

static bool
s_same (const char *who, const uint64_t *got, size_t ngot, const uint64_t *want, size_t nwant)
{
    if (ngot != nwant) {
        fprintf (stderr, "%s: %zu events, expected %zu\n", who, ngot, nwant);
        return false;
    }
    for (size_t i = 0; i < ngot; i++)
        if (got [i] != want [i]) {
            fprintf (stderr, "%s: event %zu is seq %llu, expected %llu\n", who, i,
                     (unsigned long long) got [i], (unsigned long long) want [i]);
            return false;
        }
    return true;
}

static void
s_open (const char *commission)
{
    Cyclehub__V1__Envelope *env = hub_envelope_new (commission, NULL);
    Cyclehub__V1__CommissionOpened *opened = hub_envelope_commission_opened (env);
    hub_set_string (&opened->title, "Subscribers");
    hub_set_string (&opened->buyer, BUYER);
    hub_result_t result;
    CHECK (hub_client_publish (s_client, env, &result) == HUB_OK);
    hub_envelope_destroy (&env);
}

//  Publishes n partner updates: B for every third (i % 3 == 0), else A.
static void
s_burst (int n)
{
    for (int i = 0; i < n; i++) {
        Cyclehub__V1__Envelope *env = hub_envelope_new (i % 3? COMMISSION_A: COMMISSION_B, NULL);
        hub_set_string (&hub_envelope_partner_update (env)->title, "burst");
        CHECK (hub_client_publish_async (s_client, env, NULL, NULL) == HUB_OK);
        hub_envelope_destroy (&env);
    }
    CHECK (hub_client_flush (s_client, -1) == HUB_OK);
}

//  A background `cyclehub subscribe ARGS...` writing to out_path.
static pid_t
s_spawn_subscriber (const hub_broker_proc_t *b, const char *out_path, const char *err_path, ...)
{
    hub_argv_t a;
    hub_argv_init (&a, b, BUYER);
    hub_argv_add (&a, "subscribe");
    va_list args;
    va_start (args, err_path);
    hub_argv_addv (&a, args);
    va_end (args);
    return hub_proc_spawn (a.argv, NULL, out_path, err_path);
}

//  Waits until the file at path has `lines` lines (or timeout); returns its text.
static char *
s_wait_lines (const char *path, size_t lines, int timeout_ms)
{
    int64_t deadline = hub_proc_now_ms () + timeout_ms;
    while (true) {
        char *text = hub_proc_slurp (path);
        if ((text && hub_proc_lines (text) >= lines) || hub_proc_now_ms () >= deadline)
            return text? text: strdup ("");
        free (text);
        hub_proc_sleep_ms (20);
    }
}

//  The slow one: library subscriber, RCVHWM 10, reading a few events now and then.
typedef struct {
    hub_subscriber_t *sub;
    uint64_t seqs [4096];
    size_t n;
} s_slow_t;

static void
s_slow_read (s_slow_t *slow, size_t count, int timeout_ms)
{
    for (size_t i = 0; i < count; i++) {
        Cyclehub__V1__Event *event = NULL;
        int rc = hub_subscriber_recv (slow->sub, timeout_ms, &event);
        if (rc != HUB_OK) {
            CHECK_MSG (rc == HUB_TIMEOUT, "slow recv: %s", hub_strerror (rc));
            return;
        }
        if (slow->n < 4096)
            slow->seqs [slow->n++] = event->seq;
        cyclehub__v1__event__free_unpacked (event, NULL);
        zclock_sleep (2);
    }
}

//  hub_malloc_for_reading: a block up to 4 MiB comes from the heap, not
//  mmap, and once freed stays in the process. Under ASan, whose allocator
//  takes no mallopt, it says so.
static void
s_test_malloc_for_reading (void)
{
#if defined(__SANITIZE_ADDRESS__)
    CHECK (hub_malloc_for_reading () == -1);
    return;
#endif
    CHECK (hub_malloc_for_reading () == 0);
    struct mallinfo2 before = mallinfo2 ();
    size_t size = 3 << 20;
    char *block = malloc (size);
    REQUIRE (block);
    memset (block, 1, size);
    struct mallinfo2 held = mallinfo2 ();
    CHECK_MSG (held.hblkhd == before.hblkhd && held.arena >= before.arena + size,
               "a 3 MiB block: mmapped %zu -> %zu, heap %zu -> %zu",
               before.hblkhd, held.hblkhd, before.arena, held.arena);
    free (block);
    struct mallinfo2 after = mallinfo2 ();
    CHECK_MSG (after.arena == held.arena, "freed, the heap went from %zu to %zu",
               held.arena, after.arena);
}

int
main (void)
{
    //  First, before the rest runs in the process it sets up
    s_test_malloc_for_reading ();
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    //  Pages of 1000 at most, so that the catch-ups below span several
    //  (libcyclehub asks for pages of up to 10000 events and a megabyte)
    const char *extra [] = { "--page-max", "1000", NULL };
    REQUIRE (hub_broker_start_with (&broker, "client-subscribe", extra) == 0);
    char *dir = hub_test_tmpdir ("subs");
    REQUIRE (dir);
    char cursor [PATH_MAX], out1 [PATH_MAX], out2 [PATH_MAX], outa [PATH_MAX], outt [PATH_MAX],
         err1 [PATH_MAX], err2 [PATH_MAX];
    snprintf (cursor, sizeof cursor, "%s/cursor", dir);
    snprintf (out1, sizeof out1, "%s/killed.1", dir);
    snprintf (out2, sizeof out2, "%s/killed.2", dir);
    snprintf (err1, sizeof err1, "%s/killed.1.err", dir);
    snprintf (err2, sizeof err2, "%s/killed.2.err", dir);
    snprintf (outa, sizeof outa, "%s/commission-a", dir);
    snprintf (outt, sizeof outt, "%s/topic", dir);

    hub_connect_options_default (&s_options);
    s_options.api_endpoint = broker.api;
    s_options.events_endpoint = broker.events;
    s_options.agency = BUYER;
    s_options.window = 64;
    s_options.timeout_ms = 10000;
    s_client = hub_client_new (&s_options);
    REQUIRE (s_client);

    //  Subscribers that start before anything is published
    pid_t killed = s_spawn_subscriber (&broker, out1, err1, "--cursor", cursor, NULL);
    pid_t by_commission = s_spawn_subscriber (&broker, outa, NULL, "--commission", COMMISSION_A,
                                              "--count", "397", NULL);
    pid_t by_topic = s_spawn_subscriber (&broker, outt, NULL, "--topic",
                                         "analyse/" COMMISSION_B "/", "--count", "205", NULL);
    REQUIRE (killed > 0 && by_commission > 0 && by_topic > 0);

    s_slow_t *slow = calloc (1, sizeof *slow);
    hub_connect_options_t slow_options = s_options;
    slow_options.rcvhwm = 10;
    slow->sub = hub_subscriber_new (&slow_options);
    REQUIRE (slow->sub);
    CHECK (hub_subscriber_start (slow->sub) == HUB_OK);
    hub_proc_sleep_ms (300);                //  let the SUB sockets connect (not required)

    //  Burst 1: 2 opens + 300 updates, the slow one reading a little now and then
    s_open (COMMISSION_A);
    s_open (COMMISSION_B);
    for (int chunk = 0; chunk < 3; chunk++) {
        s_burst (100);
        s_slow_read (slow, 5, 2000);
    }
    //  The killed one has printed everything so far: kill it between events
    char *text = s_wait_lines (out1, 302, 30000);
    CHECK_MSG (hub_proc_lines (text) == 302, "killed.1 has %zu lines", hub_proc_lines (text));
    free (text);
    //  (it saves its cursor when it comes back for the next event: give it
    //  time for the fsync, so the kill lands while it waits)
    hub_proc_sleep_ms (500);
    kill (killed, SIGKILL);
    CHECK (hub_proc_wait (killed, 5000) == 128 + SIGKILL);

    //  Burst 2 while it is down, then restart it from its cursor; burst 3 live
    for (int chunk = 0; chunk < 2; chunk++) {
        s_burst (100);
        s_slow_read (slow, 5, 2000);
    }
    text = hub_proc_slurp (cursor);
    CHECK_MSG (text && strtoull (text, NULL, 10) >= 301, "cursor %s", text? text: "(none)");
    free (text);
    pid_t restarted = s_spawn_subscriber (&broker, out2, err2, "--cursor", cursor,
                                          "--count", "300", "--stats", NULL);
    s_burst (100);
    s_slow_read (slow, 5, 2000);
    CHECK (hub_proc_wait (restarted, 60000) == 0);
    CHECK (hub_proc_wait (by_commission, 60000) == 0);
    CHECK (hub_proc_wait (by_topic, 60000) == 0);
    text = hub_proc_slurp (cursor);
    CHECK_MSG (text && strtoull (text, NULL, 10) == 602, "cursor after %s", text? text: "(none)");
    free (text);

    //  Everything stored: 602 events
    static uint64_t all [S_MAX], a [S_MAX], b [S_MAX], got [S_MAX];
    size_t nall = s_history ("", all, 4096);
    size_t na = s_history (COMMISSION_A, a, 4096);
    size_t nb = s_history (COMMISSION_B, b, 4096);
    CHECK_MSG (nall == 602 && na == 397 && nb == 205, "%zu %zu %zu", nall, na, nb);

    //  The killed one, both runs together: every event once, in order
    char *text1 = hub_proc_slurp (out1), *text2 = hub_proc_slurp (out2);
    size_t n1 = s_seqs (text1, got, 4096);
    size_t n2 = s_seqs (text2, got + n1, 4096 - n1);
    CHECK (s_same ("killed+restarted", got, n1 + n2, all, nall));
    free (text1);
    free (text2);
    char *stats = hub_proc_slurp (err2);
    CHECK_MSG (stats && strstr (stats, "delivered=300"), "stats: %s", stats? stats: "");
    free (stats);

    //  Filtered ones
    text = hub_proc_slurp (outa);
    CHECK (s_same ("commission A", got, s_seqs (text, got, 4096), a, na));
    free (text);
    text = hub_proc_slurp (outt);
    CHECK (s_same ("topic analyse/B/", got, s_seqs (text, got, 4096), b, nb));
    free (text);

    //  The slow one: read the rest; live events were dropped and backfilled
    s_slow_read (slow, nall - slow->n, 5000);
    CHECK (s_same ("slow", slow->seqs, slow->n, all, nall));
    hub_subscriber_stats_t figures;
    hub_subscriber_stats (slow->sub, &figures);
    printf ("slow: delivered=%llu history=%llu live=%llu dropped=%llu gaps=%llu pages=%llu\n",
            (unsigned long long) figures.delivered, (unsigned long long) figures.from_history,
            (unsigned long long) figures.from_live, (unsigned long long) figures.live_dropped,
            (unsigned long long) figures.gaps, (unsigned long long) figures.pages);
    CHECK (figures.delivered == nall);
    CHECK (figures.live_dropped > 0 && figures.gaps > 0 && figures.from_history > 0);
    Cyclehub__V1__Event *event = NULL;
    CHECK (hub_subscriber_recv (slow->sub, 100, &event) == HUB_TIMEOUT && !event);
    hub_subscriber_destroy (&slow->sub);
    free (slow);

    //  A late subscriber (CLI): everything from history
    hub_run_t r;
    hub_cli (&r, &broker, BUYER, NULL, "subscribe", "--count", "602", NULL);
    CHECK (r.status == 0);
    CHECK (s_same ("late", got, s_seqs (r.out, got, 4096), all, nall));
    hub_run_free (&r);
    //  ... from a seq, with a type filter
    hub_cli (&r, &broker, BUYER, NULL, "subscribe", "--from", "600", "--type", "partner.update",
             "--idle", "1500", NULL);
    CHECK (r.status == 0 && s_seqs (r.out, got, 4096) == 3 && got [0] == 600);
    hub_run_free (&r);

    //  From now: only what is published after it started
    hub_subscriber_t *fresh = hub_subscriber_new (&s_options);
    hub_subscriber_set_from (fresh, HUB_FROM_NOW);
    hub_subscriber_set_commission (fresh, COMMISSION_A);
    CHECK (hub_subscriber_start (fresh) == HUB_OK);
    CHECK (hub_subscriber_cursor (fresh) == 602);
    s_burst (6);                            //  4 for A, 2 for B
    size_t fresh_n = 0;
    uint64_t last = 602;
    while (fresh_n < 4 && hub_subscriber_recv (fresh, 5000, &event) == HUB_OK) {
        CHECK (event->seq > last && streq (event->envelope->commission_id, COMMISSION_A));
        last = event->seq;
        fresh_n++;
        cyclehub__v1__event__free_unpacked (event, NULL);
    }
    CHECK (fresh_n == 4);
    CHECK (hub_subscriber_recv (fresh, 1500, &event) == HUB_TIMEOUT);
    CHECK (hub_subscriber_cursor (fresh) == 608);
    hub_subscriber_destroy (&fresh);

    //  A page asked for and not wanted: its reply is discarded by request
    //  id, not taken for the next request's (replies come in request order)
    s_burst (2400);                         //  3008 events: four pages
    nall = s_history ("", all, S_MAX);
    CHECK_MSG (nall == 3008, "%zu events", nall);
    Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    query.from_seq = 1;
    hub_call_t *call = NULL;
    CHECK (hub_client_history_send (s_client, &query, &call) == HUB_OK && call);
    hub_client_call_cancel (s_client, &call);
    CHECK (!call);
    Cyclehub__V1__Reply *reply = NULL;
    query.from_seq = 1001;
    CHECK (hub_client_history (s_client, &query, &reply, NULL) == HUB_OK);
    event = reply? cyclehub__v1__event__unpack (NULL, reply->page->events [0].len,
                                                reply->page->events [0].data): NULL;
    CHECK_MSG (event && event->seq == 1001, "first seq %llu",
               event? (unsigned long long) event->seq: 0ULL);
    if (event)
        cyclehub__v1__event__free_unpacked (event, NULL);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    query.from_seq = 2001;
    CHECK (hub_client_history_send (s_client, &query, &call) == HUB_OK);
    CHECK (hub_client_history_wait (s_client, &call, &reply, NULL) == HUB_OK && !call);
    CHECK (reply && reply->page->n_events == 1000 && reply->page->next_seq == 3001);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);

    //  Catch-up from the start, the broker killed just after the first page
    //  came (the second asked for: answered or not, by chance) and
    //  restarted: every event once, in order
    hub_connect_options_t catchup_options = s_options;
    catchup_options.resend_ms = 500;
    hub_subscriber_t *catchup = hub_subscriber_new (&catchup_options);
    REQUIRE (catchup);
    CHECK (hub_subscriber_recv (catchup, 10000, &event) == HUB_OK);
    size_t ncatch = 0;
    if (event) {
        got [ncatch++] = event->seq;
        cyclehub__v1__event__free_unpacked (event, NULL);
    }
    kill (broker.pid, SIGKILL);
    CHECK (hub_proc_wait (broker.pid, 5000) == 128 + SIGKILL);
    broker.pid = 0;
    REQUIRE (hub_broker_start_with (&broker, "client-subscribe", extra) == 0);
    int64_t until = hub_proc_now_ms () + 30000;
    while (ncatch < nall && hub_proc_now_ms () < until) {
        int rc = hub_subscriber_recv (catchup, 1000, &event);
        if (rc == HUB_OK) {
            got [ncatch++] = event->seq;
            cyclehub__v1__event__free_unpacked (event, NULL);
        }
    }
    CHECK (s_same ("catch-up across a restart", got, ncatch, all, nall));
    CHECK (hub_subscriber_recv (catchup, 200, &event) == HUB_TIMEOUT);
    hub_subscriber_stats (catchup, &figures);
    CHECK (figures.delivered == nall && figures.from_history == nall);
    hub_subscriber_destroy (&catchup);
    //  Destroyed with the next page asked for (a leak here fails the ASan pass)
    catchup = hub_subscriber_new (&s_options);
    CHECK (hub_subscriber_recv (catchup, 10000, &event) == HUB_OK && event && event->seq == 1);
    if (event)
        cyclehub__v1__event__free_unpacked (event, NULL);
    hub_subscriber_destroy (&catchup);

    //  Lent as bytes: the same events, each one's bytes its own and intact
    //  until the next call, over several pages asked for ahead
    catchup = hub_subscriber_new (&s_options);
    ncatch = 0;
    hub_packed_event_t lent;
    while (ncatch < nall && hub_subscriber_recv_packed (catchup, 10000, &lent) == HUB_OK) {
        event = cyclehub__v1__event__unpack (NULL, lent.size, lent.data);
        CHECK (event && event->seq == lent.seq && event->envelope);
        got [ncatch++] = lent.seq;
        if (event)
            cyclehub__v1__event__free_unpacked (event, NULL);
    }
    CHECK (s_same ("lent as bytes", got, ncatch, all, nall));
    CHECK (hub_subscriber_recv_packed (catchup, 200, &lent) == HUB_TIMEOUT && !lent.data);
    hub_subscriber_stats (catchup, &figures);
    CHECK (figures.delivered == nall && figures.pages >= 4 && figures.gaps == 0);
    hub_subscriber_destroy (&catchup);

    //  A filter whose density changes: B is every third event, then every
    //  event. The pages asked for ahead span the seqs that held 1,000 Bs so
    //  far, so the dense part overfills them: each is cut at 1,000 and the
    //  rest of its range asked for before the next range (or, were it not,
    //  asked for afresh: what this checks is the outcome)
    for (int i = 0; i < 3500; i++) {
        Cyclehub__V1__Envelope *env = hub_envelope_new (COMMISSION_B, NULL);
        hub_set_string (&hub_envelope_partner_update (env)->title, "dense");
        CHECK (hub_client_publish_async (s_client, env, NULL, NULL) == HUB_OK);
        hub_envelope_destroy (&env);
    }
    CHECK (hub_client_flush (s_client, -1) == HUB_OK);
    nb = s_history (COMMISSION_B, b, S_MAX);
    CHECK_MSG (nb > 4500, "%zu events of B", nb);
    catchup = hub_subscriber_new (&s_options);
    CHECK (hub_subscriber_set_commission (catchup, COMMISSION_B) == 0);
    ncatch = 0;
    while (ncatch < nb && hub_subscriber_recv_packed (catchup, 10000, &lent) == HUB_OK)
        got [ncatch++] = lent.seq;
    CHECK (s_same ("filter of changing density", got, ncatch, b, nb));
    CHECK (hub_subscriber_recv_packed (catchup, 200, &lent) == HUB_TIMEOUT);
    hub_subscriber_stats (catchup, &figures);
    CHECK_MSG (figures.delivered == nb && figures.pages >= (nb + 999) / 1000 && figures.gaps == 0,
               "%" PRIu64 " delivered, %" PRIu64 " pages, %" PRIu64 " gaps",
               figures.delivered, figures.pages, figures.gaps);
    hub_subscriber_destroy (&catchup);

    //  A cursor file that holds no cursor is an error, not a silent restart
    FILE *file = fopen (cursor, "w");
    fputs ("garbage\n", file);
    fclose (file);
    fresh = hub_subscriber_new (&s_options);
    CHECK (hub_subscriber_set_cursor_file (fresh, cursor) == HUB_EIO);
    hub_subscriber_destroy (&fresh);

    //  A cursor file past the log's end (the hub restored from an older
    //  backup): refused on every call, not taken for caught up while the
    //  hub hands those seqs out again; the file is left as it was
    Cyclehub__V1__Reply *status = NULL;
    REQUIRE (hub_client_status (s_client, &status, NULL) == HUB_OK);
    uint64_t end = status->status->last_seq;
    cyclehub__v1__reply__free_unpacked (status, NULL);
    char line [64], want [128];
    for (int ahead = 1000; ahead >= 0; ahead -= 1000) {
        file = fopen (cursor, "w");
        REQUIRE (file);
        snprintf (line, sizeof line, "%" PRIu64 "\n", end + (uint64_t) ahead);
        fputs (line, file);
        fclose (file);
        fresh = hub_subscriber_new (&s_options);
        CHECK (hub_subscriber_set_cursor_file (fresh, cursor) == HUB_OK);
        if (ahead) {
            snprintf (want, sizeof want, "ends at seq %" PRIu64 ", before this subscriber's "
                      "cursor %" PRIu64, end, end + (uint64_t) ahead);
            CHECK (hub_subscriber_recv (fresh, 200, &event) == HUB_EBEHIND && !event);
            CHECK (hub_subscriber_recv (fresh, 200, &event) == HUB_EBEHIND && !event);
            CHECK_MSG (strstr (hub_subscriber_why (fresh), want), "%s", hub_subscriber_why (fresh));
        }
        else    //  at the end exactly: caught up, nothing to say
            CHECK (hub_subscriber_recv (fresh, 200, &event) == HUB_TIMEOUT
                   && !*hub_subscriber_why (fresh));
        hub_subscriber_destroy (&fresh);
        char *text = hub_proc_slurp (cursor);
        CHECK_MSG (text && streq (text, line), "cursor file %s", text? text: "(none)");
        free (text);
        if (!ahead)
            continue;
        //  The CLI says so, even with --exit-at-end (which is at its end at once)
        hub_cli (&r, &broker, BUYER, NULL, "subscribe", "--cursor", cursor, "--exit-at-end", NULL);
        snprintf (want, sizeof want, "set the cursor back to %" PRIu64, end);
        CHECK_MSG (r.status == 4 && strstr (r.err, want) && !*r.out, "%d %s", r.status, r.err);
        hub_run_free (&r);
    }

    hub_client_destroy (&s_client);
    hub_broker_cleanup (&broker);
    hub_test_rmtree (dir);
    free (dir);
    HUB_TEST_DONE ();
}
