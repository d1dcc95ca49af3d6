/*  Tests of the LMDB history store on real environments in temp dirs: a
    100k-event log checked against a brute-force model, every scan filter,
    map growth and the full map, crashes mid-commit, format versions,
    dedupe, commission state, counts, redaction and hot backup.
*/
#include "hub_store.h"
#include "hub_proto.h"
#include "hub_test.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define BASE_MS   1764000000000LL
#define NEVENTS   100000
#define BATCH     1000

//  ---------------------------------------------------------------------
//  A deterministic event log: every field of event seq is a function of
//  seq, so the brute-force model needs no storage.

static const char *s_commissions [] = {
    "ocds-h6vhtk-000001", "ocds-h6vhtk-000002", "ocds-h6vhtk-000003",
    "ocds-h6vhtk-000004", "ocds-h6vhtk-000005", "ocds-h6vhtk-000006",
    "ocds-h6vhtk-000007", "ocds-h6vhtk-000008",
    "ocds-h6vhtk-rare01",           //  seq 777 only: a key with one seq
    "ocds-h6vhtk-pair01"            //  seqs 5000 and 90000
};
static const char *s_agencies [] = {
    "GB-LAE-LDS", "GB-NHS-RR8", "GB-CHC-1089464", "GB-COH-0123456", "GB-LAE-BRD"
};
static const Cyclehub__V1__Envelope__BodyCase s_cases [] = {
    CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE,
    CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED,
    CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED,
    CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED
};

typedef struct {
    int commission;
    int agency;
    int type;
    int stage;
    int64_t recorded_at_ms;
} meta_t;

static meta_t
s_meta (uint64_t seq)
{
    meta_t m;
    m.commission = (int) ((seq * 7 + seq / 13) % 8);
    if (seq == 777)
        m.commission = 8;
    if (seq == 5000 || seq == 90000)
        m.commission = 9;
    m.agency = (int) ((seq / 3) % 5);
    m.type = (int) ((seq * 11 + seq / 100) % 4);
    m.stage = (int) ((seq / 1000 + seq % 3) % 5) + 1;
    m.recorded_at_ms = BASE_MS + (int64_t) (seq * 2 / 3);
    return m;
}

static const char *
s_type_name (int type)
{
    return hub_proto_type_name (s_cases [type]);
}

//  Packs event seq (with optional personal text) into a malloc'd buffer
static void *
s_pack (uint64_t seq, size_t pad, size_t *size)
{
    meta_t m = s_meta (seq);
    char msg_id [32], title [64], email [64];
    snprintf (email, sizeof email, "resident-%" PRIu64 "@example.org", seq);
    snprintf (msg_id, sizeof msg_id, "m-%" PRIu64, seq);
    snprintf (title, sizeof title, "update number %" PRIu64 " for the partners", seq);
    char *padding = calloc (1, pad + 1);
    memset (padding, 'x', pad);

    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = msg_id;
    env.commission_id = (char *) s_commissions [m.commission];
    env.sent_at_ms = m.recorded_at_ms - 5;
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    Cyclehub__V1__TenderPublished tender = CYCLEHUB__V1__TENDER_PUBLISHED__INIT;
    Cyclehub__V1__Money money = CYCLEHUB__V1__MONEY__INIT;
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    Cyclehub__V1__PersonalData pd = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    Cyclehub__V1__NeedsAssessed needs = CYCLEHUB__V1__NEEDS_ASSESSED__INIT;
    env.body_case = s_cases [m.type];
    switch (m.type) {
        case 0:
            update.title = title;
            update.body = padding;
            env.partner_update = &update;
            break;
        case 1:
            tender.procurement_id = "proc-1";
            tender.title = title;
            tender.description = padding;
            money.amount = (int64_t) seq * 100;
            money.currency = "GBP";
            tender.value = &money;
            tender.social_value_weight_pct = 10;
            env.tender_published = &tender;
            break;
        case 2:
            response.consultation_id = "cons-1";
            response.response_id = msg_id;
            response.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_RESIDENT;
            pd.full_name = "A Resident";
            pd.email = email;
            pd.postal_address = padding;
            response.personal = &pd;
            env.response_submitted = &response;
            break;
        default:
            needs.population = padding;
            env.needs_assessed = &needs;
            break;
    }
    Cyclehub__V1__Event ev = CYCLEHUB__V1__EVENT__INIT;
    ev.seq = seq;
    ev.recorded_at_ms = m.recorded_at_ms;
    ev.sender = (char *) s_agencies [m.agency];
    ev.stage = (Cyclehub__V1__Stage) m.stage;
    ev.type = (char *) s_type_name (m.type);
    ev.envelope = &env;
    *size = cyclehub__v1__event__get_packed_size (&ev);
    void *buf = malloc (*size);
    cyclehub__v1__event__pack (&ev, buf);
    free (padding);
    return buf;
}

static void
s_digest (uint64_t seq, uint8_t digest [HUB_STORE_DIGEST_SIZE])
{
    for (int i = 0; i < HUB_STORE_DIGEST_SIZE; i++)
        digest [i] = (uint8_t) (seq * 31 + (uint64_t) i * 7);
}

//  Appends events [first, last] to an open batch; buffers go in bufs
typedef struct {
    char msg_ids [BATCH * 20][24];
    void *bufs [BATCH * 20];
    size_t n;
} batchbuf_t;

static int
s_append_range (hub_store_batch_t *batch, batchbuf_t *bb, uint64_t first, uint64_t last,
                size_t pad)
{
    bb->n = 0;
    for (uint64_t seq = first; seq <= last; seq++) {
        if (bb->n == BATCH * 20)
            return HUB_STORE_INVALID;       //  a test asked for too big a batch
        meta_t m = s_meta (seq);
        hub_store_event_t e;
        memset (&e, 0, sizeof e);
        e.seq = seq;
        e.recorded_at_ms = m.recorded_at_ms;
        e.commission_id = s_commissions [m.commission];
        e.agency = s_agencies [m.agency];
        e.type = s_type_name (m.type);
        e.stage = m.stage;
        snprintf (bb->msg_ids [bb->n], sizeof bb->msg_ids [0], "m-%" PRIu64, seq);
        e.msg_id = bb->msg_ids [bb->n];
        s_digest (seq, e.digest);
        e.data = bb->bufs [bb->n] = s_pack (seq, pad, &e.size);
        bb->n++;
        int rc = hub_store_batch_append (batch, &e);
        if (rc)
            return rc;
    }
    return 0;
}

static void
s_batchbuf_free (batchbuf_t *bb)
{
    for (size_t i = 0; i < bb->n; i++)
        free (bb->bufs [i]);
    bb->n = 0;
}

//  Appends and commits [first, last] as one batch
static int
s_write_range (hub_store_t *store, uint64_t first, uint64_t last, size_t pad)
{
    static batchbuf_t bb;       //  test-only scratch, too big for the stack
    hub_store_batch_t *batch;
    int rc = hub_store_batch_begin (store, &batch);
    if (rc)
        return rc;
    rc = s_append_range (batch, &bb, first, last, pad);
    if (rc)
        hub_store_batch_abort (&batch);
    else
        rc = hub_store_batch_commit (&batch);
    s_batchbuf_free (&bb);
    return rc;
}

//  A new store in root/name; its path goes in dir (PATH_MAX bytes)
static hub_store_t *
s_open_in (const char *root, const char *name, char *dir)
{
    snprintf (dir, PATH_MAX, "%s/%s", root, name);
    char err [256];
    hub_store_t *store = NULL;
    REQUIRE (hub_store_open (&store, dir, NULL, err, sizeof err) == 0);
    return store;
}

//  Reads the seq field of stored bytes with the real unpacker
static uint64_t
s_unpacked_seq (const void *data, size_t size)
{
    Cyclehub__V1__Event *ev = cyclehub__v1__event__unpack (NULL, size, data);
    if (!ev)
        return 0;
    uint64_t seq = ev->seq;
    cyclehub__v1__event__free_unpacked (ev, NULL);
    return seq;
}

//  ---------------------------------------------------------------------
//  Scans against the model

typedef struct {
    uint64_t *seqs;
    size_t n;
    size_t max;
    size_t bytes;
    size_t last_size;
    bool bad;           //  a visited event's bytes do not decode to its seq
} collect_t;

static int
s_collect (uint64_t seq, const void *data, size_t size, void *arg)
{
    collect_t *c = arg;
    if (c->n == c->max) {
        c->max = c->max? c->max * 2: 1024;
        c->seqs = realloc (c->seqs, c->max * sizeof (uint64_t));
    }
    c->seqs [c->n++] = seq;
    c->bytes += size;
    c->last_size = size;
    if (s_unpacked_seq (data, size) != seq)
        c->bad = true;
    return 0;
}

static bool
s_model_match (uint64_t seq, const hub_store_filter_t *f)
{
    meta_t m = s_meta (seq);
    if (f->commission_id && *f->commission_id && strcmp (f->commission_id, s_commissions [m.commission]))
        return false;
    if (f->agency && *f->agency && strcmp (f->agency, s_agencies [m.agency]))
        return false;
    if (f->type && *f->type && strcmp (f->type, s_type_name (m.type)))
        return false;
    if (f->stage && f->stage != m.stage)
        return false;
    if (f->since_ms && m.recorded_at_ms < f->since_ms)
        return false;
    if (f->until_ms && m.recorded_at_ms >= f->until_ms)
        return false;
    if (f->to_seq && seq > f->to_seq)
        return false;
    return true;
}

//  Pages through a filter and checks every page against the model
static void
s_check_filter (hub_store_t *store, const hub_store_filter_t *f, uint64_t from,
                size_t limit, size_t max_bytes, uint64_t last, const char *label)
{
    //  The model's answer
    size_t nexp = 0;
    uint64_t *exp = malloc ((last + 1) * sizeof (uint64_t));
    for (uint64_t seq = from? from: 1; seq <= last; seq++)
        if (s_model_match (seq, f))
            exp [nexp++] = seq;

    size_t pos = 0;
    uint64_t cursor = from;
    bool ok = true;
    for (int pages = 0; pages < 100000 && ok; pages++) {
        collect_t c = { 0 };
        uint64_t next = 0;
        bool end = false;
        int rc = hub_store_scan (store, NULL, f, cursor, limit, max_bytes, s_collect, &c,
                                 &next, &end);
        CHECK_MSG (rc == 0, "%s: scan rc=%d", label, rc);
        CHECK_MSG (!c.bad, "%s: visited bytes do not hold their seq", label);
        //  The page is the model's next slice
        ok = c.n <= nexp - pos && (c.n == 0 || memcmp (c.seqs, exp + pos, c.n * 8) == 0);
        CHECK_MSG (ok, "%s: page at %" PRIu64 " differs from the model (%zu events)",
                   label, cursor, c.n);
        if (limit)
            CHECK_MSG (c.n <= limit, "%s: page over limit", label);
        if (max_bytes && c.n > 1)
            CHECK_MSG (c.bytes - c.last_size < max_bytes, "%s: page went past max_bytes", label);
        //  A short page must be the end or have hit max_bytes
        if (!end && limit && c.n < limit)
            CHECK_MSG (max_bytes && c.bytes >= max_bytes, "%s: short page without cause", label);
        pos += c.n;
        bool model_end = pos == nexp;
        CHECK_MSG (end == model_end, "%s: end=%d but model end=%d at pos %zu/%zu",
                   label, end, model_end, pos, nexp);
        if (!model_end)
            CHECK_MSG (next == exp [pos], "%s: next_seq %" PRIu64 " expected %" PRIu64,
                       label, next, exp [pos]);
        else
            CHECK_MSG (next > (pos? exp [pos - 1]: 0), "%s: next_seq at end", label);
        free (c.seqs);
        if (end || !ok || next != (model_end? next: exp [pos]))
            break;
        cursor = next;
    }
    CHECK_MSG (pos == nexp, "%s: scanned %zu of %zu matches", label, pos, nexp);
    free (exp);
}

//  A reader that scans with private snapshots while the writer commits
//  (and grows the map): checks the resize gate under load.
typedef struct {
    hub_store_t *store;
    volatile int stop;
    int errors;
    long scans;
} reader_t;

static void *
s_reader (void *arg)
{
    reader_t *r = arg;
    while (!r->stop) {
        uint64_t last = 0;
        if (hub_store_last_seq (r->store, NULL, &last))
            r->errors++;
        collect_t c = { 0 };
        hub_store_filter_t f = { .agency = s_agencies [1] };
        if (hub_store_scan (r->store, NULL, &f, last > 300? last - 300: 1, 50, 0,
                            s_collect, &c, NULL, NULL))
            r->errors++;
        if (c.bad)
            r->errors++;
        free (c.seqs);
        r->scans++;
    }
    return NULL;
}

typedef struct {
    char keys [256][64];
    uint64_t counts [256];
    int n;
} counts_t;

static void
s_count_cb (const char *key, uint64_t count, void *arg)
{
    counts_t *c = arg;
    if (c->n < 256) {
        snprintf (c->keys [c->n], sizeof c->keys [0], "%s", key);
        c->counts [c->n++] = count;
    }
}

static uint64_t
s_count_of (counts_t *c, const char *key)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp (c->keys [i], key) == 0)
            return c->counts [i];
    return 0;
}

//  ---------------------------------------------------------------------

static void
test_log (const char *root)
{
    char dir [PATH_MAX];
    snprintf (dir, sizeof dir, "%s/log/a/b", root);       //  mkdir -p
    hub_store_options_t opts;
    hub_store_options_default (&opts);
    opts.map_size = 64 << 10;
    char err [256];
    hub_store_t *store = NULL;
    REQUIRE (hub_store_open (&store, dir, &opts, err, sizeof err) == 0);
    char hub_id [17];
    snprintf (hub_id, sizeof hub_id, "%s", hub_store_hub_id (store));
    CHECK (strlen (hub_id) == 16 && strspn (hub_id, "0123456789abcdef") == 16);
    uint64_t last = 99;
    CHECK (hub_store_last_seq (store, NULL, &last) == 0 && last == 0);

    reader_t reader = { .store = store };
    pthread_t thread;
    REQUIRE (pthread_create (&thread, NULL, s_reader, &reader) == 0);
    int64_t t0 = zclock_mono ();
    for (uint64_t first = 1; first <= NEVENTS; first += BATCH) {
        int rc = s_write_range (store, first, first + BATCH - 1, 40);
        if (rc) {
            CHECK_MSG (rc == 0, "commit at %" PRIu64 ": %s", first, hub_store_strerror (store));
            break;
        }
    }
    reader.stop = 1;
    pthread_join (thread, NULL);
    CHECK_MSG (reader.errors == 0, "reader errors=%d", reader.errors);
    printf ("log: %d events in %" PRId64 " ms, %ld concurrent scans\n", NEVENTS,
            zclock_mono () - t0, reader.scans);

    hub_store_stat_t st;
    CHECK (hub_store_stat (store, NULL, &st) == 0);
    CHECK (st.last_seq == NEVENTS);
    CHECK_MSG (st.map_size > (64 << 10) && st.used_bytes <= st.map_size,
               "map grew to %zu, used %zu", st.map_size, st.used_bytes);

    //  Every event reads back as packed
    int mismatches = 0;
    for (uint64_t seq = 1; seq <= NEVENTS; seq++) {
        void *data = NULL;
        size_t size = 0;
        size_t esize;
        void *expect = s_pack (seq, 40, &esize);
        if (hub_store_get (store, NULL, seq, &data, &size) != 0
        ||  size != esize || memcmp (data, expect, size))
            mismatches++;
        free (data);
        free (expect);
    }
    CHECK_MSG (mismatches == 0, "%d events differ", mismatches);
    void *data = (void *) 1;
    size_t size = 1;
    CHECK (hub_store_get (store, NULL, NEVENTS + 1, &data, &size) == HUB_STORE_NOTFOUND);
    CHECK (data == NULL && size == 0);

    //  Sequence discipline
    hub_store_batch_t *batch;
    REQUIRE (hub_store_batch_begin (store, &batch) == 0);
    hub_store_batch_t *second = NULL;
    CHECK (hub_store_batch_begin (store, &second) == HUB_STORE_INVALID && !second);
    hub_store_event_t e = { .seq = NEVENTS, .data = "x", .size = 1 };
    CHECK (hub_store_batch_append (batch, &e) == HUB_STORE_INVALID);
    e.seq = NEVENTS + 2;
    CHECK (hub_store_batch_append (batch, &e) == HUB_STORE_INVALID);
    CHECK (strstr (hub_store_strerror (store), "out of order") != NULL);
    //  A dedupe key (agency, NUL, msg_id) over its limit is refused; at it, kept
    char msg_id [HUB_STORE_DEDUPE_KEY_MAX + 1];
    memset (msg_id, 'm', sizeof msg_id);
    msg_id [HUB_STORE_DEDUPE_KEY_MAX - 10] = 0;     //  with "GB-LAE-LDS" and its NUL: the limit + 1
    e = (hub_store_event_t) { .seq = NEVENTS + 1, .agency = "GB-LAE-LDS", .msg_id = msg_id,
                              .data = "x", .size = 1 };
    CHECK (hub_store_batch_append (batch, &e) == HUB_STORE_INVALID);
    CHECK (strstr (hub_store_strerror (store), "over-long key") != NULL);
    msg_id [HUB_STORE_DEDUPE_KEY_MAX - 11] = 0;
    CHECK (hub_store_batch_append (batch, &e) == 0);
    hub_store_batch_abort (&batch);
    hub_store_batch_abort (&batch);
    CHECK (batch == NULL);

    //  Filters against the model
    hub_store_filter_t f;
    const int64_t t_mid = BASE_MS + 30000, t_late = BASE_MS + 61000;
    struct { hub_store_filter_t f; uint64_t from; size_t limit, max_bytes; const char *label; } cases [] = {
        { { 0 }, 0, 0, 0, "all" },
        { { 0 }, 99001, 250, 0, "all paged" },
        { { .commission_id = s_commissions [3] }, 0, 1000, 0, "commission" },
        { { .commission_id = s_commissions [3] }, 50000, 333, 20000, "commission bytes" },
        { { .commission_id = s_commissions [8] }, 0, 10, 0, "rare commission" },
        { { .commission_id = s_commissions [8] }, 778, 10, 0, "rare commission past" },
        { { .commission_id = s_commissions [9] }, 0, 1, 0, "pair commission" },
        { { .commission_id = "ocds-nonexistent" }, 0, 10, 0, "unknown commission" },
        { { .agency = s_agencies [2] }, 0, 997, 0, "agency" },
        { { .type = "tender.published" }, 10, 5000, 0, "type" },
        { { .stage = 3 }, 0, 2500, 0, "stage" },
        { { .stage = 5, .agency = s_agencies [4] }, 0, 400, 0, "stage agency" },
        { { .commission_id = s_commissions [1], .type = "partner.update", .agency = s_agencies [0] },
          0, 100, 0, "commission type agency" },
        { { .since_ms = t_mid }, 0, 3000, 0, "since" },
        { { .since_ms = t_mid, .until_ms = t_late }, 0, 3000, 0, "since until" },
        { { .until_ms = BASE_MS + 1000 }, 0, 100, 0, "until early" },
        { { .type = "needs.assessed", .since_ms = t_mid, .until_ms = t_late, .stage = 2 },
          0, 77, 0, "type time stage" },
        { { .to_seq = 12345, .agency = s_agencies [3] }, 0, 500, 0, "to_seq" },
        { { .to_seq = 12345 }, 12000, 100, 3000, "to_seq bytes" },
        { { .commission_id = s_commissions [5], .to_seq = 60000, .since_ms = t_mid },
          0, 200, 0, "commission window" },
        { { 0 }, 0, 0, 5000, "all max_bytes" },
        { { .since_ms = BASE_MS + 1000000 }, 0, 10, 0, "since future" },
        { { 0 }, NEVENTS + 5, 10, 0, "from past end" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        uint64_t from = cases [i].from;
        s_check_filter (store, &cases [i].f, from, cases [i].limit, cases [i].max_bytes,
                        NEVENTS, cases [i].label);
    }
    //  Page end and next_seq at the log's end
    memset (&f, 0, sizeof f);
    uint64_t next = 0;
    bool end = false;
    collect_t c = { 0 };
    CHECK (hub_store_scan (store, NULL, &f, NEVENTS - 9, 10, 0, s_collect, &c, &next, &end) == 0);
    CHECK (c.n == 10 && end && next == NEVENTS + 1);
    c.n = 0;
    CHECK (hub_store_scan (store, NULL, &f, NEVENTS - 9, 9, 0, s_collect, &c, &next, &end) == 0);
    CHECK (c.n == 9 && !end && next == NEVENTS);
    free (c.seqs);

    //  seq_at_time against the model
    int64_t probes [] = { 0, BASE_MS, BASE_MS + 1, BASE_MS + 2, t_mid, t_late,
                          BASE_MS + 66666, BASE_MS + 66667, BASE_MS + 10000000 };
    for (size_t i = 0; i < sizeof probes / sizeof probes [0]; i++) {
        uint64_t expect = NEVENTS + 1;
        for (uint64_t seq = 1; seq <= NEVENTS; seq++)
            if (s_meta (seq).recorded_at_ms >= probes [i]) {
                expect = seq;
                break;
            }
        uint64_t seq = 0;
        CHECK (hub_store_seq_at_time (store, NULL, probes [i], &seq) == 0);
        CHECK_MSG (seq == expect, "seq_at_time %" PRId64 ": %" PRIu64 " expected %" PRIu64,
                   probes [i], seq, expect);
    }

    //  Dedupe
    uint64_t dseq = 0;
    uint8_t digest [HUB_STORE_DIGEST_SIZE], expect [HUB_STORE_DIGEST_SIZE];
    s_digest (4242, expect);
    CHECK (hub_store_dedupe_get (store, NULL, s_agencies [s_meta (4242).agency], "m-4242",
                                 &dseq, digest) == 0);
    CHECK (dseq == 4242 && memcmp (digest, expect, sizeof digest) == 0);
    CHECK (hub_store_dedupe_get (store, NULL, s_agencies [(s_meta (4242).agency + 1) % 5],
                                 "m-4242", &dseq, digest) == HUB_STORE_NOTFOUND);
    CHECK (hub_store_dedupe_get (store, NULL, s_agencies [0], "m-none", &dseq, digest)
           == HUB_STORE_NOTFOUND);
    CHECK (hub_store_dedupe_get (store, NULL, s_agencies [0], "", &dseq, digest)
           == HUB_STORE_INVALID);
    //  Through one snapshot (as the broker checks a drain's publishes, with
    //  one cursor that starts from its last page): hits and misses in
    //  ascending, descending and scattered order all answer as alone, asked
    //  by (agency, msg_id) and, every other time, by the key the broker
    //  builds (hub_store_dedupe_find)
    hub_store_txn_t *snapshot;
    REQUIRE (hub_store_read_begin (store, &snapshot) == 0);
    int wrong = 0;
    for (int pass = 0; pass < 3; pass++)
        for (uint64_t i = 1; i <= 3000; i++) {
            uint64_t seq = pass == 0? i: pass == 1? 3001 - i: (i * 7919) % 3000 + 1;
            char msg_id [32];
            snprintf (msg_id, sizeof msg_id, "m-%" PRIu64 "%s", seq, i % 3? "": "x");
            bool stored = i % 3 != 0;
            const char *agency = s_agencies [s_meta (seq).agency];
            dseq = 0;
            char key [HUB_STORE_DEDUPE_KEY_MAX + 1];
            size_t key_len = hub_store_dedupe_key (key, agency, msg_id);
            int rc = i % 2? hub_store_dedupe_get (store, snapshot, agency, msg_id, &dseq, digest)
                          : hub_store_dedupe_find (store, snapshot, key, key_len, &dseq, digest);
            s_digest (seq, expect);
            if (stored? rc != 0 || dseq != seq || memcmp (digest, expect, sizeof digest)
                      : rc != HUB_STORE_NOTFOUND)
                wrong++;
        }
    hub_store_read_end (&snapshot);
    CHECK_MSG (wrong == 0, "%d dedupe lookups through a snapshot answered wrong", wrong);
    //  A msg_id stored before fails the whole batch, which leaves nothing
    REQUIRE (hub_store_batch_begin (store, &batch) == 0);
    meta_t m = s_meta (4242);
    hub_store_event_t dup = { .seq = NEVENTS + 1, .recorded_at_ms = BASE_MS + 70000,
        .commission_id = "ocds-dup", .agency = s_agencies [m.agency], .type = "partner.update",
        .stage = 1, .msg_id = "m-4242", .data = "dup", .size = 3 };
    CHECK (hub_store_batch_append (batch, &dup) == 0);
    CHECK (hub_store_batch_put_commission (batch, "ocds-dup", "state", 5) == 0);
    CHECK (hub_store_batch_commit (&batch) == HUB_STORE_INVALID && !batch);
    CHECK (hub_store_last_seq (store, NULL, &last) == 0 && last == NEVENTS);
    CHECK (hub_store_commission_get (store, NULL, "ocds-dup", &data, &size) == HUB_STORE_NOTFOUND);

    //  Counts against the model
    counts_t counts = { .n = 0 };
    CHECK (hub_store_counts (store, NULL, s_count_cb, &counts) == 0);
    uint64_t stage_model [6] = { 0 }, type_model [4] = { 0 };
    for (uint64_t seq = 1; seq <= NEVENTS; seq++) {
        stage_model [s_meta (seq).stage]++;
        type_model [s_meta (seq).type]++;
    }
    for (int s = 1; s <= 5; s++) {
        char key [64];
        snprintf (key, sizeof key, "stage:%s", hub_proto_stage_name ((Cyclehub__V1__Stage) s));
        CHECK_MSG (s_count_of (&counts, key) == stage_model [s], "%s", key);
    }
    for (int t = 0; t < 4; t++) {
        char key [64];
        snprintf (key, sizeof key, "type:%s", s_type_name (t));
        CHECK_MSG (s_count_of (&counts, key) == type_model [t], "%s", key);
    }
    CHECK (counts.n == 9);

    //  Commission state: the last put of a batch wins; snapshots isolate
    REQUIRE (hub_store_batch_begin (store, &batch) == 0);
    CHECK (hub_store_batch_put_commission (batch, s_commissions [0], "first", 5) == 0);
    CHECK (hub_store_batch_put_commission (batch, s_commissions [0], "second", 6) == 0);
    CHECK (hub_store_batch_put_commission (batch, "", "x", 1) == HUB_STORE_INVALID);
    CHECK (hub_store_batch_commit (&batch) == 0);
    hub_store_txn_t *snap = NULL;
    CHECK (hub_store_read_begin (store, &snap) == 0);
    REQUIRE (hub_store_batch_begin (store, &batch) == 0);
    CHECK (hub_store_batch_put_commission (batch, s_commissions [0], "third", 5) == 0);
    CHECK (hub_store_batch_commit (&batch) == 0);
    CHECK (hub_store_commission_get (store, snap, s_commissions [0], &data, &size) == 0);
    CHECK (size == 6 && memcmp (data, "second", 6) == 0);
    free (data);
    hub_store_read_end (&snap);
    hub_store_read_end (&snap);
    CHECK (hub_store_commission_get (store, NULL, s_commissions [0], &data, &size) == 0);
    CHECK (size == 5 && memcmp (data, "third", 5) == 0);
    free (data);
    CHECK (hub_store_commission_get (store, NULL, "ocds-none", &data, &size) == HUB_STORE_NOTFOUND);
    CHECK (hub_store_stat (store, NULL, &st) == 0 && st.commissions == 1);

    //  Reopen: same hub id, last seq reloaded, the next append works
    hub_store_destroy (&store);
    hub_store_destroy (&store);
    REQUIRE (hub_store_open (&store, dir, NULL, err, sizeof err) == 0);
    CHECK (strcmp (hub_store_hub_id (store), hub_id) == 0);
    CHECK (hub_store_last_seq (store, NULL, &last) == 0 && last == NEVENTS);
    CHECK (s_write_range (store, NEVENTS + 1, NEVENTS + 10, 0) == 0);
    CHECK (hub_store_last_seq (store, NULL, &last) == 0 && last == NEVENTS + 10);
    hub_store_destroy (&store);

    //  Read-only open reads, refuses batches
    opts.read_only = true;
    REQUIRE (hub_store_open (&store, dir, &opts, err, sizeof err) == 0);
    CHECK (hub_store_last_seq (store, NULL, &last) == 0 && last == NEVENTS + 10);
    CHECK (hub_store_batch_begin (store, &batch) == HUB_STORE_INVALID);
    hub_store_destroy (&store);
}

static void
test_full (const char *root)
{
    char dir [PATH_MAX];
    snprintf (dir, sizeof dir, "%s/full", root);
    hub_store_options_t opts;
    hub_store_options_default (&opts);
    opts.map_size = 64 << 10;
    opts.map_size_max = 512 << 10;
    char err [256];
    hub_store_t *store = NULL;
    REQUIRE (hub_store_open (&store, dir, &opts, err, sizeof err) == 0);
    uint64_t next = 1;
    int rc = 0;
    while (next < 100000) {
        rc = s_write_range (store, next, next + 49, 500);
        if (rc)
            break;
        next += 50;
    }
    CHECK_MSG (rc == HUB_STORE_FULL, "rc=%d after %" PRIu64 " events", rc, next - 1);
    CHECK (strstr (hub_store_strerror (store), "full") != NULL);
    hub_store_stat_t st;
    CHECK (hub_store_stat (store, NULL, &st) == 0);
    CHECK (st.last_seq == next - 1 && st.map_size == opts.map_size_max);
    void *data;
    size_t size;
    CHECK (hub_store_get (store, NULL, next, &data, &size) == HUB_STORE_NOTFOUND);
    uint64_t dseq;
    char msg_id [32];
    snprintf (msg_id, sizeof msg_id, "m-%" PRIu64, next);
    CHECK (hub_store_dedupe_get (store, NULL, s_agencies [s_meta (next).agency], msg_id,
                                 &dseq, NULL) == HUB_STORE_NOTFOUND);
    //  Still readable, and small writes may still fit
    CHECK (hub_store_get (store, NULL, next - 1, &data, &size) == 0);
    CHECK (s_unpacked_seq (data, size) == next - 1);
    free (data);
    hub_store_destroy (&store);
    //  A bigger maximum takes the batch that did not fit
    opts.map_size_max = 4 << 20;
    REQUIRE (hub_store_open (&store, dir, &opts, err, sizeof err) == 0);
    CHECK (s_write_range (store, next, next + 49, 500) == 0);
    uint64_t last;
    CHECK (hub_store_last_seq (store, NULL, &last) == 0 && last == next + 49);
    hub_store_filter_t f = { 0 };
    s_check_filter (store, &f, 0, 100, 0, last, "after full");
    hub_store_destroy (&store);
}

//  One batch of many keys: 40 agencies whose msg_ids come in no order, and
//  more count keys than a commit aggregates at once (150 types, each named
//  from three buffers: the same name at three addresses), so the commit
//  writes its counts in several rounds; a msg_id twice in one batch
static void
test_batch_keys (const char *root)
{
    char dir [PATH_MAX];
    hub_store_t *store = s_open_in (root, "batch-keys", dir);
    enum { N = 600, AGENCIES = 40, TYPES = 150 };
    static char agencies [AGENCIES][16], types [3][TYPES][16], msg_ids [N][16];
    for (int a = 0; a < AGENCIES; a++)      //  GB-X-1 is a prefix of GB-X-10..19
        snprintf (agencies [a], sizeof agencies [a], "GB-X-%d", a);
    for (int copy = 0; copy < 3; copy++)
        for (int t = 0; t < TYPES; t++)
            snprintf (types [copy][t], sizeof types [copy][t], "t.%03d", t);
    uint64_t stage_model [6] = { 0 };
    hub_store_batch_t *batch;
    REQUIRE (hub_store_batch_begin (store, &batch) == 0);
    for (int i = 0; i < N; i++) {
        uint64_t seq = (uint64_t) i + 1;
        snprintf (msg_ids [i], sizeof msg_ids [i], "k-%d", (i * 7919) % N);
        int stage = i % 5 + 1;
        stage_model [stage]++;
        hub_store_event_t e = { .seq = seq, .recorded_at_ms = BASE_MS + i,
            .commission_id = "ocds-keys", .agency = agencies [(i * 13) % AGENCIES],
            .type = types [i % 3][i % TYPES], .stage = stage, .msg_id = msg_ids [i],
            .data = "keys", .size = 4 };
        CHECK (hub_store_batch_append (batch, &e) == 0);
    }
    CHECK (hub_store_batch_commit (&batch) == 0);

    counts_t counts = { .n = 0 };
    CHECK (hub_store_counts (store, NULL, s_count_cb, &counts) == 0);
    CHECK_MSG (counts.n == 5 + TYPES, "%d count keys", counts.n);
    int wrong = 0;
    for (int t = 0; t < TYPES; t++) {
        char key [64];
        snprintf (key, sizeof key, "type:t.%03d", t);
        wrong += s_count_of (&counts, key) != N / TYPES;
    }
    for (int st = 1; st <= 5; st++) {
        char key [64];
        snprintf (key, sizeof key, "stage:%s", hub_proto_stage_name ((Cyclehub__V1__Stage) st));
        wrong += s_count_of (&counts, key) != stage_model [st];
    }
    CHECK_MSG (wrong == 0, "%d counts wrong", wrong);

    wrong = 0;
    for (int i = 0; i < N; i++) {
        uint64_t seq = 0;
        uint8_t digest [HUB_STORE_DIGEST_SIZE];
        if (hub_store_dedupe_get (store, NULL, agencies [(i * 13) % AGENCIES], msg_ids [i],
                                  &seq, digest) != 0 || seq != (uint64_t) i + 1)
            wrong++;
    }
    CHECK_MSG (wrong == 0, "%d of %d dedupe keys not found as stored", wrong, N);

    //  A msg_id twice in one batch, between other agencies' keys: the batch
    //  is refused whole, saying which msg_id
    REQUIRE (hub_store_batch_begin (store, &batch) == 0);
    const char *agency [4] = { "GB-X-10", "GB-X-1", "GB-X-2", "GB-X-1" };
    const char *ids [4] = { "again", "again", "again", "again" };
    for (int i = 0; i < 4; i++) {
        hub_store_event_t e = { .seq = N + 1 + (uint64_t) i, .recorded_at_ms = BASE_MS + N,
            .commission_id = "ocds-keys", .agency = agency [i], .type = "t.000",
            .stage = 1, .msg_id = ids [i], .data = "twice", .size = 5 };
        CHECK (hub_store_batch_append (batch, &e) == 0);
    }
    CHECK (hub_store_batch_commit (&batch) == HUB_STORE_INVALID);
    CHECK_MSG (strstr (hub_store_strerror (store), "msg_id again of GB-X-1 "),
               "%s", hub_store_strerror (store));
    uint64_t last = 0;
    CHECK (hub_store_last_seq (store, NULL, &last) == 0 && last == N);
    hub_store_destroy (&store);
}

static void
test_version (const char *root)
{
    char dir [PATH_MAX];
    hub_store_t *store = s_open_in (root, "version", dir);
    char err [256];
    CHECK (s_write_range (store, 1, 5, 0) == 0);
    CHECK (hub_store_test_set_format_version (store, 99) == 0);
    hub_store_destroy (&store);
    int rc = hub_store_open (&store, dir, NULL, err, sizeof err);
    CHECK (rc == HUB_STORE_VERSION && store == NULL);
    char reads [64];
    snprintf (reads, sizeof reads, "reads format version %d", HUB_STORE_FORMAT_VERSION);
    CHECK_MSG (strstr (err, "format version 99") && strstr (err, reads), "%s", err);
    printf ("version: %s\n", err);
    //  A directory that is a file
    char file [PATH_MAX];
    snprintf (file, sizeof file, "%s/plainfile", root);
    FILE *fp = fopen (file, "w");
    fclose (fp);
    CHECK (hub_store_open (&store, file, NULL, err, sizeof err) == HUB_STORE_ERROR);
    CHECK (strlen (err) > 0);
}

static void
test_redaction (const char *root)
{
    char dir [PATH_MAX], backup [PATH_MAX];
    snprintf (dir, sizeof dir, "%s/redact", root);
    snprintf (backup, sizeof backup, "%s/redact-backup", root);
    char err [256];
    hub_store_t *store = NULL;
    REQUIRE (hub_store_open (&store, dir, NULL, err, sizeof err) == 0);
    CHECK (s_write_range (store, 1, 400, 30) == 0);
    //  Two responses with personal data: one to erase, one to keep
    uint64_t erase_seq = 150, keep_seq;
    while (s_meta (erase_seq).type != 2)
        erase_seq++;
    keep_seq = erase_seq + 1;
    while (s_meta (keep_seq).type != 2)
        keep_seq++;
    char secret [64], kept [64];
    snprintf (secret, sizeof secret, "resident-%" PRIu64 "@example.org", erase_seq);
    snprintf (kept, sizeof kept, "resident-%" PRIu64 "@example.org", keep_seq);
    size_t s1;
    void *b1 = s_pack (erase_seq, 30, &s1);
    REQUIRE (memmem (b1, s1, secret, strlen (secret)) != NULL);
    hub_store_batch_t *batch;

    //  Redact: unpack, clear PersonalData, repack, replace
    Cyclehub__V1__Event *ev = cyclehub__v1__event__unpack (NULL, s1, b1);
    REQUIRE (ev);
    CHECK (hub_proto_redact (&ev->base) == 1);
    size_t rsize = cyclehub__v1__event__get_packed_size (ev);
    uint8_t *redacted = malloc (rsize);
    cyclehub__v1__event__pack (ev, redacted);
    cyclehub__v1__event__free_unpacked (ev, NULL);
    //  A replace of a missing seq fails the batch as a whole
    REQUIRE (hub_store_batch_begin (store, &batch) == 0);
    CHECK (hub_store_batch_replace (batch, erase_seq, redacted, rsize) == 0);
    CHECK (hub_store_batch_replace (batch, 999999, redacted, rsize) == 0);
    CHECK (hub_store_batch_commit (&batch) == HUB_STORE_NOTFOUND);
    void *data;
    size_t size;
    CHECK (hub_store_get (store, NULL, erase_seq, &data, &size) == 0);
    CHECK (size == s1 && memcmp (data, b1, s1) == 0);
    free (data);
    REQUIRE (hub_store_batch_begin (store, &batch) == 0);
    CHECK (hub_store_batch_replace (batch, erase_seq, redacted, rsize) == 0);
    CHECK (hub_store_batch_commit (&batch) == 0);
    CHECK (hub_store_get (store, NULL, erase_seq, &data, &size) == 0);
    CHECK (size == rsize && memcmp (data, redacted, rsize) == 0);
    CHECK (memmem (data, size, secret, strlen (secret)) == NULL);
    free (data);
    //  Index entries unchanged: the responses index and the commission scan
    //  still find it (erasing it again is answered from them)
    meta_t m = s_meta (erase_seq);
    char response_id [32];
    snprintf (response_id, sizeof response_id, "m-%" PRIu64, erase_seq);
    uint64_t found = 0;
    CHECK (hub_store_response_find (store, NULL, s_commissions [m.commission], "cons-1",
                                    s_agencies [m.agency], response_id, &found) == 0
           && found == erase_seq);
    hub_store_filter_t f = { .commission_id = s_commissions [m.commission], .to_seq = erase_seq };
    collect_t c = { 0 };
    CHECK (hub_store_scan (store, NULL, &f, erase_seq, 0, 0, s_collect, &c, NULL, NULL) == 0);
    CHECK (c.n == 1 && c.seqs [0] == erase_seq && !c.bad);
    free (c.seqs);
    hub_store_destroy (&store);

    //  The backup holds the kept personal data but not the erased
    CHECK (hub_store_backup (dir, backup, err, sizeof err) == 0);
    char path [PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/data.mdb", backup);
    size_t fsize = 0;
    char *bytes = NULL;
    FILE *fp = fopen (path, "rb");
    if (fp) {
        fseek (fp, 0, SEEK_END);
        fsize = (size_t) ftell (fp);
        fseek (fp, 0, SEEK_SET);
        bytes = malloc (fsize);
        CHECK (fread (bytes, 1, fsize, fp) == fsize);
        fclose (fp);
    }
    CHECK (bytes && fsize > 0);
    CHECK (bytes && memmem (bytes, fsize, kept, strlen (kept)) != NULL);
    CHECK (bytes && memmem (bytes, fsize, secret, strlen (secret)) == NULL);
    free (bytes);
    //  A backup refuses a destination holding a store
    CHECK (hub_store_backup (dir, backup, err, sizeof err) == HUB_STORE_INVALID);
    CHECK (strstr (err, "already") != NULL);
    REQUIRE (hub_store_open (&store, backup, NULL, err, sizeof err) == 0);
    CHECK (hub_store_get (store, NULL, erase_seq, &data, &size) == 0);
    CHECK (size == rsize && memcmp (data, redacted, rsize) == 0);
    free (data);
    hub_store_destroy (&store);
    free (redacted);
    free (b1);
}

//  Checks a store after a crash or in a backup: a dense, readable log
static uint64_t
s_check_intact (const char *dir)
{
    char err [256];
    hub_store_t *store = NULL;
    int rc = hub_store_open (&store, dir, NULL, err, sizeof err);
    CHECK_MSG (rc == 0, "reopen %s: %s", dir, err);
    if (rc)
        return 0;
    uint64_t last = 0;
    CHECK (hub_store_last_seq (store, NULL, &last) == 0);
    hub_store_filter_t f = { 0 };
    collect_t c = { 0 };
    bool end = false;
    CHECK (hub_store_scan (store, NULL, &f, 0, 0, 0, s_collect, &c, NULL, &end) == 0);
    CHECK (end && !c.bad && c.n == last);
    bool dense = true;
    for (size_t i = 0; i < c.n; i++)
        if (c.seqs [i] != i + 1)
            dense = false;
    CHECK (dense);
    free (c.seqs);
    counts_t counts = { .n = 0 };
    CHECK (hub_store_counts (store, NULL, s_count_cb, &counts) == 0);
    uint64_t total = 0;
    for (int i = 0; i < counts.n; i++)
        if (strncmp (counts.keys [i], "stage:", 6) == 0)
            total += counts.counts [i];
    CHECK_MSG (total == last, "stage counts %" PRIu64 " for %" PRIu64 " events", total, last);
    hub_store_destroy (&store);
    return last;
}

//  Child: writes batches of n from the store's last seq, reporting each
//  committed seq on fd, forever
static void
s_child_writer (const char *dir, int fd, uint64_t n, size_t pad)
{
    char err [256];
    hub_store_t *store = NULL;
    if (hub_store_open (&store, dir, NULL, err, sizeof err))
        _exit (2);
    uint64_t last = 0;
    hub_store_last_seq (store, NULL, &last);
    while (true) {
        if (s_write_range (store, last + 1, last + n, pad))
            _exit (3);
        last += n;
        if (write (fd, &last, sizeof last) != sizeof last)
            _exit (4);
    }
}

//  Reads every seq reported so far; waits until at least min are seen
static uint64_t
s_read_reports (int fd, int min)
{
    uint64_t seq = 0, value;
    int seen = 0;
    while (seen < min && read (fd, &value, sizeof value) == sizeof value) {
        seq = value;
        seen++;
    }
    int flags = fcntl (fd, F_GETFL);
    fcntl (fd, F_SETFL, flags | O_NONBLOCK);
    while (read (fd, &value, sizeof value) == sizeof value)
        seq = value;
    fcntl (fd, F_SETFL, flags);
    return seq;
}

static void
test_crash (const char *root)
{
    char dir [PATH_MAX];
    hub_store_t *store = s_open_in (root, "crash", dir);
    char err [256];
    CHECK (s_write_range (store, 1, 1000, 100) == 0);
    hub_store_destroy (&store);

    //  Killed at a random point of a stream of large commits
    for (int round = 0; round < 3; round++) {
        int fds [2];
        REQUIRE (pipe (fds) == 0);
        fflush (NULL);
        pid_t pid = fork ();
        REQUIRE (pid >= 0);
        if (pid == 0) {
            close (fds [0]);
            s_child_writer (dir, fds [1], 3000, 600);
        }
        close (fds [1]);
        uint64_t reported = s_read_reports (fds [0], 2);
        usleep (1000 + 7000 * round);
        kill (pid, SIGKILL);
        int status;
        waitpid (pid, &status, 0);
        uint64_t more = s_read_reports (fds [0], 0);
        if (more > reported)
            reported = more;
        close (fds [0]);
        CHECK (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
        uint64_t last = s_check_intact (dir);
        CHECK_MSG (last >= reported && (last - 1000) % 3000 == 0,
                   "after kill: last %" PRIu64 " reported %" PRIu64, last, reported);
        printf ("crash round %d: reported %" PRIu64 ", recovered %" PRIu64 "\n",
                round, reported, last);
    }

    //  Killed with a batch appended and not committed: nothing of it
    uint64_t before = s_check_intact (dir);
    int fds [2];
    REQUIRE (pipe (fds) == 0);
    fflush (NULL);
    pid_t pid = fork ();
    REQUIRE (pid >= 0);
    if (pid == 0) {
        close (fds [0]);
        static batchbuf_t bb;
        hub_store_t *child = NULL;
        if (hub_store_open (&child, dir, NULL, err, sizeof err))
            _exit (2);
        hub_store_batch_t *batch;
        if (hub_store_batch_begin (child, &batch)
        ||  s_append_range (batch, &bb, before + 1, before + 500, 10))
            _exit (3);
        char ready = 'r';
        if (write (fds [1], &ready, 1) != 1)
            _exit (4);
        pause ();
        _exit (0);
    }
    close (fds [1]);
    char ready = 0;
    CHECK (read (fds [0], &ready, 1) == 1 && ready == 'r');
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
    close (fds [0]);
    CHECK (s_check_intact (dir) == before);
}

static void
test_backup (const char *root)
{
    char dir [PATH_MAX], dest [PATH_MAX];
    snprintf (dir, sizeof dir, "%s/live", root);
    snprintf (dest, sizeof dest, "%s/backups/one", root);
    char err [256];
    hub_store_t *store = NULL;
    REQUIRE (hub_store_open (&store, dir, NULL, err, sizeof err) == 0);
    for (uint64_t first = 1; first <= 5000; first += BATCH)
        CHECK (s_write_range (store, first, first + BATCH - 1, 100) == 0);
    hub_store_destroy (&store);

    int fds [2];
    REQUIRE (pipe (fds) == 0);
    fflush (NULL);
    pid_t pid = fork ();
    REQUIRE (pid >= 0);
    if (pid == 0) {
        close (fds [0]);
        s_child_writer (dir, fds [1], 500, 100);
    }
    close (fds [1]);
    uint64_t committed = s_read_reports (fds [0], 3);
    int rc = hub_store_backup (dir, dest, err, sizeof err);
    CHECK_MSG (rc == 0, "backup: %s", err);
    uint64_t during = s_read_reports (fds [0], 1);
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
    close (fds [0]);
    uint64_t last = s_check_intact (dest);
    CHECK_MSG (last >= committed && last >= 5000,
               "backup holds %" PRIu64 ", committed before it %" PRIu64, last, committed);
    printf ("backup: committed before %" PRIu64 ", backup holds %" PRIu64
            ", writer reached %" PRIu64 "\n", committed, last, during);
    CHECK (s_check_intact (dir) >= during);
    CHECK (hub_store_backup (dir, dest, err, sizeof err) == HUB_STORE_INVALID);
    snprintf (dest, sizeof dest, "%s/nothing-here", root);
    char dest2 [PATH_MAX];
    snprintf (dest2, sizeof dest2, "%s/b2", root);
    CHECK (hub_store_backup (dest, dest2, err, sizeof err) == HUB_STORE_ERROR);
}

//  ---------------------------------------------------------------------
//  The dedupe key: one format for the store and the broker's batch table

static void
test_dedupe_key (void)
{
    char key [HUB_STORE_DEDUPE_KEY_MAX + 1];
    CHECK (hub_store_dedupe_key (key, "GB-LAE-LDS", "m-1") == 14);
    CHECK (memcmp (key, "GB-LAE-LDS\0m-1\0", 15) == 0);
    CHECK (hub_store_dedupe_key (key, NULL, "m-1") == 4 && memcmp (key, "\0m-1\0", 5) == 0);
    CHECK (hub_store_dedupe_key (key, "GB-LAE-LDS", "") == 0);
    CHECK (hub_store_dedupe_key (key, "GB-LAE-LDS", NULL) == 0);
    //  The longest key fits; one byte more does not
    char agency [HUB_STORE_DEDUPE_KEY_MAX];
    memset (agency, 'a', sizeof agency);
    agency [HUB_STORE_DEDUPE_KEY_MAX - 2] = '\0';
    CHECK (hub_store_dedupe_key (key, agency, "m") == HUB_STORE_DEDUPE_KEY_MAX);
    CHECK (hub_store_dedupe_key (key, agency, "mm") == 0);

    //  As a hash table key: (ab, c) and (a, bc) are different keys, which a
    //  separator allowed inside an org-id or msg_id could not tell apart
    char k1 [HUB_STORE_DEDUPE_KEY_MAX + 1], k2 [HUB_STORE_DEDUPE_KEY_MAX + 1];
    char k3 [HUB_STORE_DEDUPE_KEY_MAX + 1];
    hub_store_dedupe_key (k1, "ab", "c");
    hub_store_dedupe_key (k2, "a", "bc");
    hub_store_dedupe_key (k3, "ab", "c");
    size_t size = hub_store_dedupe_key_size (k1);
    CHECK (size == 5 && memcmp (k1, "ab\0c\0", 5) == 0);
    CHECK (hub_store_dedupe_key_size (k2) == size && memcmp (k1, k2, size) != 0);
    CHECK (hub_store_dedupe_key_size (k3) == size && memcmp (k1, k3, size) == 0);
    CHECK (hub_store_dedupe_key_hash (k1, size) == hub_store_dedupe_key_hash (k3, size));
    CHECK (hub_store_dedupe_key_hash (k1, size) != hub_store_dedupe_key_hash (k2, size));
}

//  ---------------------------------------------------------------------
//  The responses index

typedef struct {
    size_t n;
    uint64_t seqs [16];
    char consultation [32];
} responses_t;

static int
s_each_collect (const char *consultation_id, const char *agency, const char *response_id,
                uint64_t seq, void *arg)
{
    (void) agency;
    responses_t *r = arg;
    char expect [32];
    snprintf (expect, sizeof expect, "m-%" PRIu64, seq);
    //  The response ids of the test log are the msg_ids "m-<seq>"
    if (strcmp (response_id, expect) != 0 || r->n == 16)
        return 1;
    snprintf (r->consultation, sizeof r->consultation, "%s", consultation_id);
    r->seqs [r->n++] = seq;
    return 0;
}

static int
s_each_first (const char *consultation_id, const char *agency, const char *response_id,
              uint64_t seq, void *arg)
{
    (void) agency;
    (void) consultation_id;
    (void) response_id;
    (*(uint64_t *) arg)++;
    return seq != 0;            //  stop at once
}

static int
s_each_count (const char *consultation_id, const char *agency, const char *response_id,
              uint64_t seq, void *arg)
{
    (void) agency;
    (void) consultation_id;
    (void) response_id;
    (void) seq;
    (*(uint64_t *) arg)++;
    return 0;
}

//  Checks every response of [1, last] is found under its ids, and that
//  each commission lists exactly its own
static void
s_check_responses (hub_store_t *store, uint64_t last, const char *what)
{
    uint64_t per_commission [10] = { 0 }, total = 0, bad = 0;
    for (uint64_t seq = 1; seq <= last; seq++) {
        meta_t m = s_meta (seq);
        if (m.type != 2)
            continue;
        char id [32];
        snprintf (id, sizeof id, "m-%" PRIu64, seq);
        uint64_t found = 0;
        int rc = hub_store_response_find (store, NULL, s_commissions [m.commission], "cons-1",
                                          s_agencies [m.agency], id, &found);
        if (rc != 0 || found != seq)
            bad++;
        per_commission [m.commission]++;
        total++;
    }
    CHECK_MSG (bad == 0 && total > 0, "%s: %" PRIu64 " of %" PRIu64 " responses not found",
               what, bad, total);
    for (int c = 0; c < 10; c++) {
        uint64_t listed = 0;
        CHECK (hub_store_response_each (store, NULL, s_commissions [c], NULL, NULL, NULL,
                                        s_each_count, &listed) == 0);
        CHECK_MSG (listed == per_commission [c], "%s: commission %d lists %" PRIu64
                   ", expected %" PRIu64, what, c, listed, per_commission [c]);
    }
}

static void
test_responses (const char *root)
{
    char dir [PATH_MAX];
    hub_store_t *store = s_open_in (root, "responses", dir);
    for (uint64_t first = 1; first <= 3000; first += BATCH)
        CHECK (s_write_range (store, first, first + BATCH - 1, 0) == 0);
    s_check_responses (store, 3000, "responses");

    uint64_t response = 1500;
    while (s_meta (response).type != 2)
        response++;
    const char *commission = s_commissions [s_meta (response).commission];
    const char *agency = s_agencies [s_meta (response).agency];
    const char *other_agency = s_agencies [(s_meta (response).agency + 1) % 5];
    char id [32];
    snprintf (id, sizeof id, "m-%" PRIu64, response);
    uint64_t seq = 0;
    //  Only the exact ids: another consultation, commission or id is not it
    CHECK (hub_store_response_find (store, NULL, commission, "cons-1", agency, id, &seq) == 0
           && seq == response);
    //  Only the exact ids: another consultation, agency, commission or id is not it
    CHECK (hub_store_response_find (store, NULL, commission, "cons-2", agency, id, &seq)
           == HUB_STORE_NOTFOUND);
    CHECK (hub_store_response_find (store, NULL, commission, "cons-1", other_agency, id, &seq)
           == HUB_STORE_NOTFOUND);
    CHECK (hub_store_response_find (store, NULL, commission, "cons-1", "", id, &seq)
           == HUB_STORE_NOTFOUND);
    CHECK (hub_store_response_find (store, NULL, "ocds-h6vhtk-999999", "cons-1", agency, id, &seq)
           == HUB_STORE_NOTFOUND);
    CHECK (hub_store_response_find (store, NULL, commission, "", agency, id, &seq)
           == HUB_STORE_NOTFOUND);
    CHECK (hub_store_response_find (store, NULL, commission, "cons-1", agency, "m-999999", &seq)
           == HUB_STORE_NOTFOUND);
    //  A partner update is not a response
    uint64_t other = 1500;
    while (s_meta (other).type == 2)
        other++;
    snprintf (id, sizeof id, "m-%" PRIu64, other);
    CHECK (hub_store_response_find (store, NULL, s_commissions [s_meta (other).commission],
                                    "cons-1", s_agencies [s_meta (other).agency], id, &seq)
           == HUB_STORE_NOTFOUND);
    //  Bad arguments
    snprintf (id, sizeof id, "m-%" PRIu64, response);
    CHECK (hub_store_response_find (store, NULL, NULL, "cons-1", agency, id, &seq)
           == HUB_STORE_INVALID);
    CHECK (hub_store_response_find (store, NULL, commission, "cons-1", agency, "", &seq)
           == HUB_STORE_INVALID);
    CHECK (hub_store_response_find (store, NULL, commission, NULL, agency, id, &seq)
           == HUB_STORE_INVALID);
    CHECK (hub_store_response_find (store, NULL, commission, "cons-1", NULL, id, &seq)
           == HUB_STORE_INVALID);
    CHECK (strstr (hub_store_strerror (store), "response") != NULL);
    CHECK (hub_store_response_each (store, NULL, "", NULL, NULL, NULL, s_each_count, &seq)
           == HUB_STORE_INVALID);

    //  Only the response id given: the candidates of the commission
    responses_t r = { 0 };
    CHECK (hub_store_response_each (store, NULL, commission, NULL, NULL, id, s_each_collect, &r)
           == 0);
    CHECK (r.n == 1 && r.seqs [0] == response && streq (r.consultation, "cons-1"));
    memset (&r, 0, sizeof r);
    CHECK (hub_store_response_each (store, NULL, commission, "cons-1", NULL, id,
                                    s_each_collect, &r) == 0);
    CHECK (r.n == 1 && r.seqs [0] == response);
    //  By agency: with and without the consultation
    memset (&r, 0, sizeof r);
    CHECK (hub_store_response_each (store, NULL, commission, "cons-1", agency, id,
                                    s_each_collect, &r) == 0);
    CHECK (r.n == 1 && r.seqs [0] == response);
    memset (&r, 0, sizeof r);
    CHECK (hub_store_response_each (store, NULL, commission, NULL, agency, id,
                                    s_each_collect, &r) == 0);
    CHECK (r.n == 1 && r.seqs [0] == response);
    memset (&r, 0, sizeof r);
    CHECK (hub_store_response_each (store, NULL, commission, "cons-1", other_agency, id,
                                    s_each_collect, &r) == 0);
    CHECK (r.n == 0);
    memset (&r, 0, sizeof r);
    CHECK (hub_store_response_each (store, NULL, commission, "cons-2", NULL, NULL,
                                    s_each_collect, &r) == 0);
    CHECK (r.n == 0);
    uint64_t visited = 0;
    CHECK (hub_store_response_each (store, NULL, commission, "", "", "", s_each_first, &visited)
           == 0);
    CHECK (visited == 1);

    //  A second response with the same ids (the domain refuses one; were
    //  one stored) does not move the index from the first
    size_t size;
    void *bytes = s_pack (response, 0, &size);
    hub_store_batch_t *batch;
    REQUIRE (hub_store_batch_begin (store, &batch) == 0);
    hub_store_event_t e = { .seq = 3001, .recorded_at_ms = s_meta (3000).recorded_at_ms,
                            .commission_id = commission, .agency = s_agencies [0],
                            .type = "consultation.response", .stage = 1, .msg_id = "again",
                            .data = bytes, .size = size };
    CHECK (hub_store_batch_append (batch, &e) == 0);
    CHECK (hub_store_batch_commit (&batch) == 0);
    free (bytes);
    CHECK (hub_store_response_find (store, NULL, commission, "cons-1", agency, id, &seq) == 0
           && seq == response);
    //  Reads in a snapshot see the store as at its begin
    hub_store_txn_t *txn;
    REQUIRE (hub_store_read_begin (store, &txn) == 0);
    CHECK (s_write_range (store, 3002, 3100, 0) == 0);
    uint64_t late = 3002;
    while (s_meta (late).type != 2)
        late++;
    snprintf (id, sizeof id, "m-%" PRIu64, late);
    const char *late_commission = s_commissions [s_meta (late).commission];
    const char *late_agency = s_agencies [s_meta (late).agency];
    CHECK (hub_store_response_find (store, txn, late_commission, "cons-1", late_agency, id, &seq)
           == HUB_STORE_NOTFOUND);
    hub_store_read_end (&txn);
    CHECK (hub_store_response_find (store, NULL, late_commission, "cons-1", late_agency, id, &seq)
           == 0 && seq == late);
    hub_store_destroy (&store);
}

//  The index scans a user makes (a commission, an agency, a type, and one
//  with two keys), checked against the model up to last
static void
s_check_indexes (hub_store_t *store, uint64_t last, const char *what)
{
    hub_store_filter_t filters [] = {
        { .commission_id = s_commissions [3] },
        { .agency = s_agencies [2] },
        { .type = s_type_name (1) },
        { .type = s_type_name (2), .agency = s_agencies [4] },
    };
    char label [128];
    for (size_t i = 0; i < sizeof filters / sizeof filters [0]; i++) {
        snprintf (label, sizeof label, "%s, index filter %zu", what, i);
        s_check_filter (store, &filters [i], 0, 100, 0, last, label);
        s_check_filter (store, &filters [i], last / 2 + 1, 1000, 0, last, label);
    }
}

//  The index as a commit writes it at any batch size: a blob per batch
//  and kind, a block's blobs merged into one at 32 and when the block is
//  complete, a batch reaching over three blocks. Scans match the model
//  before and after each merge, from the block's start and from its middle.
static void
test_index_batches (const char *root)
{
    char dir [PATH_MAX];
    hub_store_t *store = s_open_in (root, "index-batches", dir);
    char err [256];
    //  Batches of 1 to 40 events up to 20,000: block 0 completes inside a
    //  batch, and blocks of 200-odd batches merge every 32 of them
    uint64_t next = 1;
    int batches = 0;
    while (next <= 20000) {
        uint64_t size = 1 + (next * 7919) % 40;
        CHECK (s_write_range (store, next, next + size - 1, 0) == 0);
        next += size;
        batches++;
        if (batches == 31 || batches == 32 || batches == 33 || batches == 65
        ||  (next > 8192 && next - size <= 8192) || next > 20000) {
            char label [64];
            snprintf (label, sizeof label, "after %d batches, seq %" PRIu64, batches, next - 1);
            s_check_indexes (store, next - 1, label);
        }
    }
    //  Blocks 0 and 1 complete: a blob per kind each; block 2 at most 32
    //  per kind (unmerged, there would be one per batch and kind)
    hub_store_stat_t st;
    CHECK (hub_store_stat (store, NULL, &st) == 0);
    CHECK_MSG (st.index_entries > 6 && st.index_entries <= 6 + 3 * 32,
               "index entries %" PRIu64 " after %d batches", st.index_entries, batches);
    //  One batch over three blocks (its first and last partly)
    int rc = s_write_range (store, next, next + 17999, 0);
    CHECK_MSG (rc == 0, "batch over three blocks: %d %s", rc, hub_store_strerror (store));
    next += 18000;
    s_check_indexes (store, next - 1, "after a batch over three blocks");
    //  Blocks 2 to 3 now complete too, and block 4 has the batch's last blob
    CHECK (hub_store_stat (store, NULL, &st) == 0);
    CHECK_MSG (st.index_entries == 5 * 3, "index entries %" PRIu64, st.index_entries);
    hub_store_destroy (&store);
    //  Read back by another open, read-only
    hub_store_options_t opts;
    hub_store_options_default (&opts);
    opts.read_only = true;
    REQUIRE (hub_store_open (&store, dir, &opts, err, sizeof err) == 0);
    s_check_indexes (store, next - 1, "read-only");
    hub_store_destroy (&store);
}

//  A damaged index blob (the test hook leaves one, standing for format 3's
//  runs): a scan through it fails with an error rather than reading outside
//  it, and the commit that would merge it is refused with a sentence; the
//  store's events stay readable
static void
test_damaged_index (const char *root)
{
    char dir [PATH_MAX];
    hub_store_t *store = s_open_in (root, "damaged-index", dir);
    CHECK (s_write_range (store, 1, 100, 0) == 0);
    CHECK (hub_store_test_set_format_version (store, 3) == 0);
    hub_store_filter_t by_commission = { .commission_id = s_commissions [1] };
    uint64_t next = 0;
    bool end = false;
    CHECK (hub_store_scan (store, NULL, &by_commission, 0, 100, 0, NULL, NULL, &next, &end)
           == HUB_STORE_ERROR);
    CHECK_MSG (strstr (hub_store_strerror (store), "scan"), "%s", hub_store_strerror (store));
    //  The batch that completes the block merges its blobs, the damaged one too
    CHECK (s_write_range (store, 101, 8191, 0) == HUB_STORE_ERROR);
    CHECK_MSG (strstr (hub_store_strerror (store), "index of seqs 0 to 8191 is damaged"),
               "%s", hub_store_strerror (store));
    uint64_t last = 0;
    CHECK (hub_store_last_seq (store, NULL, &last) == 0 && last == 100);
    hub_store_filter_t all = { 0 };
    s_check_filter (store, &all, 0, 100, 0, 100, "damaged index, unfiltered");
    hub_store_destroy (&store);
}

//  A store of an older format opened by this build: refused read-only
//  with a sentence, upgraded read-write with the indexes that format
//  lacked built from its events. Format 1 had no responses index, and
//  formats 1 and 2 kept the commission, agency and type indexes as dup
//  lists in trees of their own.
static void
test_upgrade (const char *root, int from)
{
    char dir [PATH_MAX];
    snprintf (dir, sizeof dir, "%s/upgrade-%d", root, from);
    char err [256];
    hub_store_t *store = NULL;
    REQUIRE (hub_store_open (&store, dir, NULL, err, sizeof err) == 0);
    //  Past the first block of seqs, so the upgrade writes several
    for (uint64_t first = 1; first <= 10000; first += BATCH)
        CHECK (s_write_range (store, first, first + BATCH - 1, 20) == 0);
    char hub_id [17];
    snprintf (hub_id, sizeof hub_id, "%s", hub_store_hub_id (store));
    CHECK (hub_store_test_set_format_version (store, from) == 0);
    hub_store_destroy (&store);
    //  A compacting copy: no free pages left over from the dropped index,
    //  as in a store the older format wrote
    char copy [PATH_MAX];
    snprintf (copy, sizeof copy, "%s/upgrade-%d-copy", root, from);
    CHECK (hub_store_backup (dir, copy, err, sizeof err) == 0);
    snprintf (dir, sizeof dir, "%s", copy);

    hub_store_options_t opts;
    hub_store_options_default (&opts);
    opts.read_only = true;
    int rc = hub_store_open (&store, dir, &opts, err, sizeof err);
    CHECK (rc == HUB_STORE_VERSION && store == NULL);
    char version [32];
    snprintf (version, sizeof version, "format version %d", from);
    CHECK_MSG (strstr (err, version) && strstr (err, "read-write"), "%s", err);
    printf ("upgrade from %d, read-only: %s\n", from, err);

    //  With an initial map smaller than the data, LMDB maps just the data:
    //  the upgrade's first write finds the map full, and must grow it
    opts.read_only = false;
    opts.map_size = 64 << 10;
    rc = hub_store_open (&store, dir, &opts, err, sizeof err);
    CHECK_MSG (rc == 0, "upgrade: %s", err);
    REQUIRE (store);
    CHECK (streq (hub_store_hub_id (store), hub_id));
    uint64_t last = 0, seq = 0;
    CHECK (hub_store_last_seq (store, NULL, &last) == 0 && last == 10000);
    CHECK (hub_store_dedupe_get (store, NULL, s_agencies [s_meta (4321).agency], "m-4321",
                                 &seq, NULL) == 0 && seq == 4321);
    s_check_responses (store, 10000, "upgraded");
    s_check_indexes (store, 10000, "upgraded");
    //  A blob per kind and block, and nothing of the older index left
    hub_store_stat_t st;
    CHECK (hub_store_stat (store, NULL, &st) == 0);
    CHECK_MSG (st.index_entries == 2 * 3, "index entries %" PRIu64, st.index_entries);
    //  And it goes on indexing, in the block the upgrade's runs end in
    CHECK (s_write_range (store, 10001, 11000, 0) == 0);
    s_check_responses (store, 11000, "after upgrade");
    s_check_indexes (store, 11000, "after upgrade");
    hub_store_destroy (&store);
    //  Upgraded for good: a read-only open now reads it
    opts.read_only = true;
    REQUIRE (hub_store_open (&store, dir, &opts, err, sizeof err) == 0);
    s_check_responses (store, 11000, "read-only after upgrade");
    s_check_indexes (store, 11000, "read-only after upgrade");
    hub_store_destroy (&store);
}

//  The store's files are the broker's alone: created 0700 / 0600 with a
//  umask of 022, a backup too; a store another user can read or write is
//  refused read-write, with the fix in the sentence
static unsigned
s_mode (const char *dir, const char *file)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s%s%s", dir, file? "/": "", file? file: "");
    struct stat st;
    return stat (path, &st)? 01000: (unsigned) (st.st_mode & 0777);
}

static void
test_modes (const char *root)
{
    char dir [PATH_MAX], backup [PATH_MAX + 16], path [PATH_MAX + 16], err [512];
    snprintf (dir, sizeof dir, "%s/modes", root);
    snprintf (backup, sizeof backup, "%s/modes-backup", root);
    mode_t old_umask = umask (022);
    hub_store_t *store = NULL;
    REQUIRE (hub_store_open (&store, dir, NULL, err, sizeof err) == 0);
    hub_store_destroy (&store);
    CHECK_MSG (s_mode (dir, NULL) == 0700, "store directory mode %o", s_mode (dir, NULL));
    CHECK_MSG (s_mode (dir, "data.mdb") == 0600, "data.mdb mode %o", s_mode (dir, "data.mdb"));
    CHECK_MSG (s_mode (dir, "lock.mdb") == 0600, "lock.mdb mode %o", s_mode (dir, "lock.mdb"));
    CHECK (hub_store_backup (dir, backup, err, sizeof err) == 0);
    CHECK_MSG (s_mode (backup, NULL) == 0700, "backup directory mode %o", s_mode (backup, NULL));
    CHECK_MSG (s_mode (backup, "data.mdb") == 0600, "backup data.mdb mode %o",
               s_mode (backup, "data.mdb"));
    umask (old_umask);

    //  A directory others can read: refused read-write, the fix named;
    //  read-only tools may still open it
    REQUIRE (chmod (dir, 0755) == 0);
    CHECK (hub_store_open (&store, dir, NULL, err, sizeof err) == HUB_STORE_ERROR && !store);
    CHECK_MSG (strstr (err, "0755") && strstr (err, "chmod 700") && strstr (err, "chmod 600")
               && strstr (err, dir), "sentence: %s", err);
    hub_store_options_t opts;
    hub_store_options_default (&opts);
    opts.read_only = true;
    CHECK (hub_store_open (&store, dir, &opts, err, sizeof err) == 0);
    hub_store_destroy (&store);
    //  A data file others can write, a lock file the group can read
    REQUIRE (chmod (dir, 0700) == 0);
    snprintf (path, sizeof path, "%s/data.mdb", dir);
    REQUIRE (chmod (path, 0602) == 0);
    CHECK (hub_store_open (&store, dir, NULL, err, sizeof err) == HUB_STORE_ERROR);
    CHECK_MSG (strstr (err, "data.mdb") && strstr (err, "0602"), "sentence: %s", err);
    REQUIRE (chmod (path, 0600) == 0);
    snprintf (path, sizeof path, "%s/lock.mdb", dir);
    REQUIRE (chmod (path, 0640) == 0);
    CHECK (hub_store_open (&store, dir, NULL, err, sizeof err) == HUB_STORE_ERROR);
    CHECK_MSG (strstr (err, "lock.mdb") && strstr (err, "0640"), "sentence: %s", err);
    //  The fix the sentence gives makes it open again
    REQUIRE (chmod (path, 0600) == 0);
    CHECK (hub_store_open (&store, dir, NULL, err, sizeof err) == 0);
    hub_store_destroy (&store);
}

//  One writer per store: a second read-write open, here or in another
//  process, is refused naming the holder's pid; readers and backups are
//  not; the lock goes with the handle, and with the process however it
//  ends (test_crash's SIGKILLs of a real broker restart on its store)
static void
test_writer_lock (const char *root)
{
    char dir [PATH_MAX], err [512], pid [32], backup [PATH_MAX + 16];
    hub_store_t *store = s_open_in (root, "writer-lock", dir), *second = NULL;
    snprintf (pid, sizeof pid, "pid %ld", (long) getpid ());
    CHECK (hub_store_open (&second, dir, NULL, err, sizeof err) == HUB_STORE_ERROR && !second);
    CHECK_MSG (strstr (err, "already open for writing") && strstr (err, pid) && strstr (err, dir),
               "sentence: %s", err);
    CHECK_MSG (s_mode (dir, "writer.lock") == 0600, "writer.lock mode %o",
               s_mode (dir, "writer.lock"));
    //  From another process too (flock is per open file, so this is the
    //  same check; a child makes it the case a person meets)
    pid_t child = fork ();
    if (child == 0) {
        hub_store_t *other = NULL;
        char why [512];
        int rc = hub_store_open (&other, dir, NULL, why, sizeof why);
        _exit (rc == HUB_STORE_ERROR && strstr (why, pid)? 0: 1);
    }
    int status = -1;
    REQUIRE (child > 0 && waitpid (child, &status, 0) == child);
    CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    //  Readers and backups beside the writer
    hub_store_options_t opts;
    hub_store_options_default (&opts);
    opts.read_only = true;
    CHECK (hub_store_open (&second, dir, &opts, err, sizeof err) == 0);
    hub_store_destroy (&second);
    snprintf (backup, sizeof backup, "%s-backup", dir);
    CHECK_MSG (hub_store_backup (dir, backup, err, sizeof err) == 0, "%s", err);
    //  Closed, the store opens read-write again
    hub_store_destroy (&store);
    CHECK_MSG (hub_store_open (&second, dir, NULL, err, sizeof err) == 0, "%s", err);
    hub_store_destroy (&second);
}

int
main (void)
{
    zsys_init ();
    char *root = hub_test_tmpdir ("store");
    REQUIRE (root);
    int64_t t0 = zclock_mono ();
    test_version (root);
    test_full (root);
    test_redaction (root);
    test_crash (root);
    test_backup (root);
    test_log (root);
    test_dedupe_key ();
    test_batch_keys (root);
    test_responses (root);
    test_index_batches (root);
    test_damaged_index (root);
    test_upgrade (root, 1);
    test_upgrade (root, 2);
    test_upgrade (root, 3);
    test_modes (root);
    test_writer_lock (root);
    printf ("store tests took %" PRId64 " ms\n", zclock_mono () - t0);
    hub_test_rmtree (root);
    free (root);
    HUB_TEST_DONE ();
}
