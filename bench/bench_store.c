/*  bench_store: the history store's append and scan rates, beside a raw
    LMDB loop run on the same machine in the same run (the ceiling).
    Usage: bench_store [--tsv] [--quick] [--batch N] [events] (default
    1,000,000; --quick 100,000; both the store and raw LMDB commit every N
    events, default 1,000: the broker's commits at 10k msgs/s are about 14).
    Prints a table, or with --tsv one "metric<TAB>value<TAB>unit"
    line per figure (scripts/bench.sh reads those). Each append loop's
    thread CPU time per event is printed too: the rest of its time is
    the wait for its syncs.
*/
#include "hub_store.h"
#include "hub_proto.h"

#include <czmq.h>
#include <lmdb.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCOMMISSIONS 500
#define NAGENCIES    20
#define BASE_MS      1764000000000LL

typedef struct {
    void *data;
    size_t size;
    int commission;
    int agency;
    int type;
    int stage;
    char msg_id [24];
} bench_event_t;

static char s_commissions [NCOMMISSIONS][32];
static char s_agencies [NAGENCIES][24];

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

//  Realistic ~200-byte events: a partner update with a short body
static void
s_make (bench_event_t *ev, uint64_t seq, uint64_t *agency_counter)
{
    ev->commission = (int) ((seq * 2654435761u) % NCOMMISSIONS);
    ev->agency = (int) ((seq * 40503u) % NAGENCIES);
    ev->type = (int) (seq % 20);
    ev->stage = (int) (seq % 5) + 1;
    //  msg_ids as a publisher generates them: its own counter
    snprintf (ev->msg_id, sizeof ev->msg_id, "p%02d-%012" PRIu64, ev->agency,
              ++agency_counter [ev->agency]);
    char title [64];
    snprintf (title, sizeof title, "Quarterly partner update %" PRIu64, seq);
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    update.title = title;
    update.body = "Service mobilisation is on track; two providers joined the framework "
                  "and the next review is booked.";
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = ev->msg_id;
    env.commission_id = s_commissions [ev->commission];
    env.sent_at_ms = BASE_MS + (int64_t) seq;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    Cyclehub__V1__Event event = CYCLEHUB__V1__EVENT__INIT;
    event.seq = seq;
    event.recorded_at_ms = BASE_MS + (int64_t) seq;
    event.sender = s_agencies [ev->agency];
    event.stage = (Cyclehub__V1__Stage) ev->stage;
    event.type = (char *) hub_proto_type_name (hub_proto_type_at ((size_t) ev->type));
    event.envelope = &env;
    ev->size = cyclehub__v1__event__get_packed_size (&event);
    ev->data = malloc (ev->size);
    cyclehub__v1__event__pack (&event, ev->data);
}

typedef struct {
    uint64_t events;
    uint64_t bytes;
} sink_t;

static int
s_sink (uint64_t seq, const void *data, size_t size, void *arg)
{
    sink_t *sink = arg;
    sink->events++;
    sink->bytes += size + (seq & 1) + ((const uint8_t *) data) [0];
    return 0;
}

//  Pages through the whole log with filter; returns events delivered
static uint64_t
s_paged (hub_store_t *store, const hub_store_filter_t *filter, size_t limit)
{
    sink_t sink = { 0, 0 };
    uint64_t from = 1, next = 0;
    bool end = false;
    while (!end) {
        if (hub_store_scan (store, NULL, filter, from, limit, 0, s_sink, &sink, &next, &end)) {
            fprintf (stderr, "scan failed: %s\n", hub_store_strerror (store));
            exit (1);
        }
        from = next;
    }
    return sink.events;
}

static void
s_check (int rc, const char *what)
{
    if (rc) {
        fprintf (stderr, "bench_store: %s failed: %d %s\n", what, rc, mdb_strerror (rc));
        exit (1);
    }
}

//  This thread's CPU time (user and system, not time waiting for a sync)
static double
s_cpu (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
s_table (double store_append, double raw_append, double store_scan, double raw_scan,
         double type_rate, double commission_rate, double stage_rate)
{
    printf ("\n%-52s %14s %14s %8s\n", "measure", "store /s", "raw LMDB /s", "ratio");
    printf ("%-52s %14.0f %14.0f %8.2f\n", "append (synced commits, all indexes)",
            store_append, raw_append, store_append / raw_append);
    printf ("%-52s %14.0f %14.0f %8.2f\n", "unfiltered scan (events visited)",
            store_scan, raw_scan, store_scan / raw_scan);
    printf ("%-52s %14.0f %14.0f %8.2f\n", "filtered pages of 1000, type index (1/20)",
            type_rate, raw_scan, type_rate / raw_scan);
    printf ("%-52s %14.0f %14.0f %8.2f\n", "filtered pages of 100, commission index (1/500)",
            commission_rate, raw_scan, commission_rate / raw_scan);
    printf ("%-52s %14.0f %14s %8s\n", "  (commission pages per second)",
            commission_rate / 100.0, "", "");
    printf ("%-52s %14.0f %14.0f %8.2f\n", "stage + since filter, no index (events examined)",
            stage_rate, raw_scan, stage_rate / raw_scan);
}

int
main (int argc, char *argv [])
{
    uint64_t n = 1000000, group = 1000;
    bool tsv = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--tsv") == 0)
            tsv = true;
        else
        if (strcmp (argv [i], "--quick") == 0)
            n = 100000;
        else
        if (strcmp (argv [i], "--batch") == 0 && i + 1 < argc && atoi (argv [i + 1]) > 0)
            group = (uint64_t) atoi (argv [++i]);
        else
        if (argv [i][0] >= '1' && argv [i][0] <= '9')
            n = strtoull (argv [i], NULL, 10);
        else {
            fprintf (stderr, "usage: bench_store [--tsv] [--quick] [--batch N] [events]\n");
            return 2;
        }
    }
    if (n < group)
        n = group;
    n -= n % group;
    zsys_init ();
    //  Quiet: its events carry a partner update under every type name (the
    //  store indexes by name), so the store warns about each "response"
    zsys_set_logstream (NULL);
    for (int i = 0; i < NCOMMISSIONS; i++)
        snprintf (s_commissions [i], sizeof s_commissions [i], "ocds-h6vhtk-%06d", i);
    for (int i = 0; i < NAGENCIES; i++)
        snprintf (s_agencies [i], sizeof s_agencies [i], "GB-LAE-A%02d", i);

    const char *base = getenv ("TMPDIR");
    char root [512];
    snprintf (root, sizeof root, "%s/cyclehub-bench-XXXXXX", base && *base? base: "/tmp");
    if (!mkdtemp (root)) {
        perror ("mkdtemp");
        return 1;
    }
    char store_dir [600], raw_dir [600];
    snprintf (store_dir, sizeof store_dir, "%s/store", root);
    snprintf (raw_dir, sizeof raw_dir, "%s/raw", root);
    if (mkdir (raw_dir, 0775)) {
        perror ("mkdir");
        return 1;
    }

    //  Events are packed up front: the bench measures the store, not protobuf-c
    bench_event_t *events = calloc (n + 1, sizeof *events);
    uint64_t counters [NAGENCIES] = { 0 };
    size_t total = 0;
    for (uint64_t seq = 1; seq <= n; seq++) {
        s_make (&events [seq], seq, counters);
        total += events [seq].size;
    }
    printf ("%sbench_store: %" PRIu64 " events, %.0f bytes each on average, synced group commits of %" PRIu64 "\n",
            tsv? "# ": "", n, (double) total / (double) n, group);

    //  ---- the store: appends with every index, dedupe key and count
    hub_store_t *store = NULL;
    char err [256];
    if (hub_store_open (&store, store_dir, NULL, err, sizeof err)) {
        fprintf (stderr, "open: %s\n", err);
        return 1;
    }
    double t0 = s_now (), cpu0 = s_cpu ();
    for (uint64_t first = 1; first <= n; first += group) {
        hub_store_batch_t *batch;
        s_check (hub_store_batch_begin (store, &batch), "batch begin");
        for (uint64_t seq = first; seq < first + group; seq++) {
            bench_event_t *ev = &events [seq];
            hub_store_event_t e = {
                .seq = seq, .recorded_at_ms = BASE_MS + (int64_t) seq,
                .commission_id = s_commissions [ev->commission],
                .agency = s_agencies [ev->agency],
                .type = hub_proto_type_name (hub_proto_type_at ((size_t) ev->type)),
                .stage = ev->stage, .msg_id = ev->msg_id,
                .data = ev->data, .size = ev->size };
            memcpy (e.digest, ev->msg_id, HUB_STORE_DIGEST_SIZE);
            s_check (hub_store_batch_append (batch, &e), "append");
        }
        int rc = hub_store_batch_commit (&batch);
        if (rc) {
            fprintf (stderr, "commit: %s\n", hub_store_strerror (store));
            return 1;
        }
    }
    double store_append = (double) n / (s_now () - t0);
    double store_cpu = (s_cpu () - cpu0) * 1e9 / (double) n;

    //  Scans: an unfiltered pass, then filtered page reads
    hub_store_filter_t all = { 0 };
    t0 = s_now ();
    uint64_t got = s_paged (store, &all, 0);
    double store_scan = (double) got / (s_now () - t0);
    if (got != n)
        fprintf (stderr, "unfiltered scan saw %" PRIu64 " of %" PRIu64 "\n", got, n);

    hub_store_filter_t by_type = { .type = hub_proto_type_name (hub_proto_type_at (3)) };
    t0 = s_now ();
    got = s_paged (store, &by_type, 1000);
    double t_type = s_now () - t0;
    uint64_t got_type = got;

    hub_store_filter_t by_commission = { .commission_id = s_commissions [17] };
    t0 = s_now ();
    uint64_t got_commission = 0;
    int reps = 0;
    while (s_now () - t0 < 0.5) {
        got_commission += s_paged (store, &by_commission, 100);
        reps++;
    }
    double t_commission = s_now () - t0;

    hub_store_filter_t by_stage = { .stage = 3, .since_ms = BASE_MS + (int64_t) n / 2 };
    t0 = s_now ();
    uint64_t got_stage = s_paged (store, &by_stage, 1000);
    double t_stage = s_now () - t0;
    hub_store_stat_t st;
    hub_store_stat (store, NULL, &st);
    hub_store_destroy (&store);

    //  ---- raw LMDB: 200-byte records, synced txns of 1,000, MDB_APPEND
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    s_check (mdb_env_create (&env), "env create");
    s_check (mdb_env_set_mapsize (env, (size_t) (n * 400 + (64 << 20))), "mapsize");
    s_check (mdb_env_open (env, raw_dir, MDB_NOTLS, 0664), "env open");
    s_check (mdb_txn_begin (env, NULL, 0, &txn), "txn");
    s_check (mdb_dbi_open (txn, NULL, MDB_INTEGERKEY, &dbi), "dbi");
    s_check (mdb_txn_commit (txn), "commit");
    char record [200];
    memset (record, 'r', sizeof record);
    t0 = s_now ();
    cpu0 = s_cpu ();
    for (uint64_t first = 1; first <= n; first += group) {
        s_check (mdb_txn_begin (env, NULL, 0, &txn), "txn");
        MDB_cursor *cursor;
        s_check (mdb_cursor_open (txn, dbi, &cursor), "cursor");
        for (uint64_t seq = first; seq < first + group; seq++) {
            MDB_val k = { sizeof seq, &seq }, v = { sizeof record, record };
            s_check (mdb_cursor_put (cursor, &k, &v, MDB_APPEND), "put");
        }
        mdb_cursor_close (cursor);
        s_check (mdb_txn_commit (txn), "commit");
    }
    double raw_append = (double) n / (s_now () - t0);
    double raw_cpu = (s_cpu () - cpu0) * 1e9 / (double) n;
    t0 = s_now ();
    s_check (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn), "txn");
    MDB_cursor *cursor;
    s_check (mdb_cursor_open (txn, dbi, &cursor), "cursor");
    MDB_val k, v;
    sink_t sink = { 0, 0 };
    while (mdb_cursor_get (cursor, &k, &v, MDB_NEXT) == 0) {
        uint64_t seq;
        memcpy (&seq, k.mv_data, sizeof seq);
        s_sink (seq, v.mv_data, v.mv_size, &sink);
    }
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    double raw_scan = (double) sink.events / (s_now () - t0);
    mdb_env_close (env);

    double type_rate = (double) got_type / t_type;
    double commission_rate = (double) got_commission / t_commission;
    double stage_rate = (double) (n / 2) / t_stage;
    if (tsv) {
        printf ("store_append_all_indexes\t%.0f\tevents/s\n", store_append);
        printf ("raw_lmdb_append_group%" PRIu64 "\t%.0f\trecords/s\n", group, raw_append);
        printf ("store_append_cpu\t%.0f\tns/event\n", store_cpu);
        printf ("raw_lmdb_append_cpu\t%.0f\tns/record\n", raw_cpu);
        printf ("store_scan_unfiltered\t%.0f\tevents/s\n", store_scan);
        printf ("raw_lmdb_scan\t%.0f\trecords/s\n", raw_scan);
        printf ("store_scan_type_index\t%.0f\tevents/s\n", type_rate);
        printf ("store_scan_commission_index\t%.0f\tevents/s\n", commission_rate);
        printf ("store_scan_stage_since\t%.0f\tevents/s\n", stage_rate);
    }
    else {
        s_table (store_append, raw_append, store_scan, raw_scan, type_rate, commission_rate, stage_rate);
        printf ("%-52s %14.0f %14.0f\n", "  (append CPU, ns an event; the rest is syncs)",
                store_cpu, raw_cpu);
    }
    printf ("%sstore map %zu MiB, %zu MiB used; stage filter matched %" PRIu64
            "; %d commission passes\n", tsv? "# ": "\n", st.map_size >> 20, st.used_bytes >> 20, got_stage, reps);

    for (uint64_t seq = 1; seq <= n; seq++)
        free (events [seq].data);
    free (events);
    char cmd [700];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system (cmd) != 0)
        fprintf (stderr, "could not remove %s\n", root);
    return 0;
}
