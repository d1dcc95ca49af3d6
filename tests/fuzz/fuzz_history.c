/*  fuzz_history: hub_store_scan (history pages) against a brute-force filter.
    LLVMFuzzerInitialize writes a few thousand events across commissions,
    agencies, types, stages and times to a temp LMDB store, keeping them in
    memory too. Each input is a query: a HistoryQuery protobuf (limit's low
    16 bits are the page limit, its high 16 bits max_bytes / 16), or, if the
    bytes are not one, raw bytes picking known keys. Every page, walked via
    next_seq until end, must hold exactly the events the brute force finds,
    with the documented next_seq and end. Aborts on any mismatch.
*/
#include "hub_store.h"
#include "hub_proto.h"
#include "fuzz_build.h"
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define S_EVENTS     3000           //  events in the store
#define S_MAX_PAGES  64             //  pages walked per input, to keep inputs fast
#define S_MAX_KEY    507            //  hub_store_scan's longest filter key (hub_store.h)

typedef struct {
    uint64_t seq;
    int64_t recorded_at_ms;
    const char *commission_id;      //  static strings
    const char *agency;
    const char *type;
    int stage;
    uint8_t *data;                  //  the packed Event as stored
    size_t size;
} s_event_t;

//  Fuzz harness state (the accepted exception to "no mutable globals"): the
//  store and its events, written once by LLVMFuzzerInitialize and only read
//  afterwards; the temp directory is removed at exit.
static struct {
    char dir [256];                 //  mkdtemp directory of the store
    hub_store_t *store;
    s_event_t events [S_EVENTS];    //  events [i] has seq i + 1
} s_history;

static void
s_fail (const char *what, uint64_t detail)
{
    fprintf (stderr, "fuzz_history: mismatch: %s (%llu)\n", what, (unsigned long long) detail);
    abort ();
}

static void
s_cleanup (void)
{
    hub_store_destroy (&s_history.store);
    for (size_t i = 0; i < S_EVENTS; i++)
        free (s_history.events [i].data);
    DIR *dir = opendir (s_history.dir);
    if (dir) {
        struct dirent *entry;
        while ((entry = readdir (dir))) {
            if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
                continue;
            char path [512];
            snprintf (path, sizeof path, "%s/%s", s_history.dir, entry->d_name);
            unlink (path);
        }
        closedir (dir);
        rmdir (s_history.dir);
    }
}

//  A small deterministic generator, so every run builds the same store
static uint64_t
s_next (uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    const char *tmp = getenv ("TMPDIR");
    snprintf (s_history.dir, sizeof s_history.dir, "%s/fuzz_history.XXXXXX", tmp && *tmp? tmp: "/tmp");
    if (!mkdtemp (s_history.dir))
        s_fail ("mkdtemp failed", 0);
    atexit (s_cleanup);
    hub_store_options_t opts;
    hub_store_options_default (&opts);
    opts.nosync = true;
    char err [256];
    if (hub_store_open (&s_history.store, s_history.dir, &opts, err, sizeof err)) {
        fprintf (stderr, "fuzz_history: %s\n", err);
        s_fail ("hub_store_open failed", 0);
    }
    size_t ntypes = 0;
    while (hub_proto_type_at (ntypes))
        ntypes++;
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    int64_t at = FB_T0_MS;
    hub_store_batch_t *batch;
    if (hub_store_batch_begin (s_history.store, &batch))
        s_fail ("hub_store_batch_begin failed", 0);
    for (size_t i = 0; i < S_EVENTS; i++) {
        s_event_t *e = &s_history.events [i];
        uint64_t r = s_next (&rng);
        //  Runs of equal times, and some long gaps
        at += (r & 3) == 0? 0: (int64_t) ((r >> 2) % 5000) + ((r & 0xff) == 1? FB_DAY_MS: 0);
        e->seq = i + 1;
        e->recorded_at_ms = at;
        //  Skewed: the first commission and agency are the busiest
        size_t c = (r >> 16) % 16;
        e->commission_id = fb_history_commissions [c < FB_HISTORY_COMMISSIONS? c: 0];
        size_t a = (r >> 24) % 12;
        e->agency = fb_history_agencies [a < FB_HISTORY_AGENCIES? a: 0];
        e->type = hub_proto_type_name (hub_proto_type_at ((r >> 32) % ntypes));
        e->stage = 1 + (int) ((r >> 40) % 5);

        char msg_id [32];
        snprintf (msg_id, sizeof msg_id, "m-%zu", i + 1);
        Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
        env.msg_id = msg_id;
        env.commission_id = (char *) e->commission_id;
        env.sent_at_ms = at - 10;
        Cyclehub__V1__Event event = CYCLEHUB__V1__EVENT__INIT;
        event.seq = e->seq;
        event.recorded_at_ms = at;
        event.sender = (char *) e->agency;
        event.stage = (Cyclehub__V1__Stage) e->stage;
        event.type = (char *) e->type;
        event.envelope = &env;
        e->size = cyclehub__v1__event__get_packed_size (&event);
        e->data = malloc (e->size);
        if (!e->data)
            s_fail ("out of memory", 0);
        cyclehub__v1__event__pack (&event, e->data);

        hub_store_event_t stored = {
            .seq = e->seq, .recorded_at_ms = at, .commission_id = e->commission_id,
            .agency = e->agency, .type = e->type, .stage = e->stage, .msg_id = NULL,
            .data = e->data, .size = e->size
        };
        if (hub_store_batch_append (batch, &stored))
            s_fail ("hub_store_batch_append failed", e->seq);
    }
    if (hub_store_batch_commit (&batch))
        s_fail ("hub_store_batch_commit failed", 0);
    return 0;
}

//  ---------------------------------------------------------------------------
//  The model

static bool
s_key_match (const char *want, const char *have)
{
    return !want || !*want || strcmp (want, have) == 0;
}

static bool
s_match (const hub_store_filter_t *fl, const s_event_t *e)
{
    return s_key_match (fl->commission_id, e->commission_id)
        && s_key_match (fl->agency, e->agency)
        && s_key_match (fl->type, e->type)
        && (!fl->stage || fl->stage == e->stage)
        && (!fl->since_ms || e->recorded_at_ms >= fl->since_ms)
        && (!fl->until_ms || e->recorded_at_ms < fl->until_ms)
        && (!fl->to_seq || e->seq <= fl->to_seq);
}

//  First seq recorded at or after time_ms, S_EVENTS + 1 if none
static uint64_t
s_seq_at_time (int64_t time_ms)
{
    for (size_t i = 0; i < S_EVENTS; i++)
        if (s_history.events [i].recorded_at_ms >= time_ms)
            return i + 1;
    return S_EVENTS + 1;
}

//  What one scan visited
typedef struct {
    uint64_t seqs [S_EVENTS];
    size_t n;
} s_page_t;

static int
s_visit (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_page_t *page = arg;
    if (seq == 0 || seq > S_EVENTS)
        s_fail ("visited a seq that was never stored", seq);
    const s_event_t *e = &s_history.events [seq - 1];
    if (size != e->size || memcmp (data, e->data, size) != 0)
        s_fail ("visited bytes differ from the stored event", seq);
    if (page->n && seq <= page->seqs [page->n - 1])
        s_fail ("visited out of seq order", seq);
    if (page->n == S_EVENTS)
        s_fail ("visited more events than exist", seq);
    page->seqs [page->n++] = seq;
    return 0;
}

//  Runs the query page after page and checks each against the brute force
static void
s_check (const hub_store_filter_t *fl, uint64_t from_seq, size_t limit, size_t max_bytes)
{
    bool too_long = (fl->commission_id && strlen (fl->commission_id) > S_MAX_KEY)
                 || (fl->agency && strlen (fl->agency) > S_MAX_KEY)
                 || (fl->type && strlen (fl->type) > S_MAX_KEY);
    static s_page_t page;           //  large: kept off the stack
    static uint64_t matches [S_EVENTS];
    size_t nmatches = 0;
    uint64_t first = from_seq? from_seq: 1;
    for (size_t i = 0; i < S_EVENTS; i++)
        if (s_history.events [i].seq >= first && s_match (fl, &s_history.events [i]))
            matches [nmatches++] = s_history.events [i].seq;

    uint64_t cursor = from_seq;
    size_t pos = 0;                 //  matches [pos] is the next expected
    for (int pages = 0; pages < S_MAX_PAGES; pages++) {
        page.n = 0;
        uint64_t next = 0;
        bool end = false;
        int rc = hub_store_scan (s_history.store, NULL, fl, cursor, limit, max_bytes,
                                 s_visit, &page, &next, &end);
        if (too_long) {
            if (rc != HUB_STORE_INVALID)
                s_fail ("a filter key over S_MAX_KEY bytes was not refused", (uint64_t) rc);
            return;
        }
        if (rc)
            s_fail ("hub_store_scan failed (HUB_STORE_INVALID: a key within S_MAX_KEY refused?)", (uint64_t) -rc);
        //  The page: the next matches, up to limit, stopping once max_bytes is reached
        size_t bytes = 0, expect = 0;
        while (pos + expect < nmatches) {
            if (limit && expect >= limit)
                break;
            if (max_bytes && expect > 0 && bytes >= max_bytes)
                break;
            bytes += s_history.events [matches [pos + expect] - 1].size;
            expect++;
        }
        if (page.n != expect)
            s_fail ("the page holds another number of events", page.n);
        for (size_t i = 0; i < expect; i++)
            if (page.seqs [i] != matches [pos + i])
                s_fail ("the page holds another event", page.seqs [i]);
        pos += expect;
        if (end != (pos == nmatches))
            s_fail (end? "end, yet more events match": "not end, yet no more events match", pos);
        uint64_t last_visited = page.n? page.seqs [page.n - 1]: 0;
        if (next <= last_visited)
            s_fail ("next_seq does not move past the page", next);
        if (!end) {
            if (next != matches [pos])
                s_fail ("next_seq is not the next matching event", next);
            cursor = next;
            continue;
        }
        //  At the end: next_seq is where a follower resumes, so it must not
        //  pass a seq the filter could still match later
        uint64_t start = cursor? cursor: 1;
        if (fl->since_ms) {
            uint64_t at = s_seq_at_time (fl->since_ms);
            if (at > start)
                start = at;
        }
        uint64_t bound = fl->to_seq && fl->to_seq < S_EVENTS? fl->to_seq + 1: S_EVENTS + 1;
        uint64_t resume = start > bound? start: bound;
        if (next > resume)
            s_fail ("next_seq at the end skips seqs the filter could match", next);
        if (next < resume) {
            //  Allowed only where recorded_at reached until_ms: nothing later matches
            if (!fl->until_ms || next == 0 || next > S_EVENTS
            ||  s_history.events [next - 1].recorded_at_ms < fl->until_ms)
                s_fail ("next_seq at the end stops short without reason", next);
        }
        return;
    }
}

//  Raw bytes: each picks a key from the store's spaces, or a time or seq near them
static void
s_from_raw (const uint8_t *data, size_t size)
{
    uint8_t b [16] = { 0 };
    memcpy (b, data, size < sizeof b? size: sizeof b);
    hub_store_filter_t fl;
    memset (&fl, 0, sizeof fl);
    size_t ntypes = 0;
    while (hub_proto_type_at (ntypes))
        ntypes++;
    if (b [0] % (FB_HISTORY_COMMISSIONS + 1))
        fl.commission_id = fb_history_commissions [b [0] % (FB_HISTORY_COMMISSIONS + 1) - 1];
    if (b [1] % (FB_HISTORY_AGENCIES + 1))
        fl.agency = fb_history_agencies [b [1] % (FB_HISTORY_AGENCIES + 1) - 1];
    if (b [2] % (ntypes + 1))
        fl.type = hub_proto_type_name (hub_proto_type_at (b [2] % (ntypes + 1) - 1));
    fl.stage = b [3] % 7;
    int64_t span = s_history.events [S_EVENTS - 1].recorded_at_ms - FB_T0_MS + 2;
    uint16_t since = (uint16_t) (b [4] | b [5] << 8), until = (uint16_t) (b [6] | b [7] << 8);
    if (since)
        fl.since_ms = FB_T0_MS - 1 + (int64_t) since * span / 65535;
    if (until)
        fl.until_ms = FB_T0_MS - 1 + (int64_t) until * span / 65535;
    fl.to_seq = (uint64_t) (b [8] | b [9] << 8) % (S_EVENTS + 200);
    uint64_t from_seq = (uint64_t) (b [10] | b [11] << 8) % (S_EVENTS + 200);
    size_t limit = b [12];
    size_t max_bytes = (size_t) (b [13] | b [14] << 8);
    s_check (&fl, from_seq, limit, max_bytes);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    Cyclehub__V1__HistoryQuery *q = cyclehub__v1__history_query__unpack (NULL, size, data);
    if (!q) {
        s_from_raw (data, size);
        return 0;
    }
    hub_store_filter_t fl = {
        .commission_id = q->commission_id,
        .agency = q->agency,
        .type = q->type,
        .stage = q->stage,
        .since_ms = q->since_ms,
        .until_ms = q->until_ms,
        .to_seq = q->to_seq
    };
    s_check (&fl, q->from_seq, q->limit & 0xffff, (size_t) (q->limit >> 16) * 16);
    cyclehub__v1__history_query__free_unpacked (q, NULL);
    return 0;
}
