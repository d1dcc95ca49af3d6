/*  make_seeds: writes the seed corpora of the fuzz targets from realistic
    messages: packed Requests of every message type against every prelude
    commission (request), their canonical JSON and a few queries (json), and
    HistoryQuery filters over the history store's keys (history).
    Usage: make_seeds <corpus-root>   (writes <root>/request, json, history)
*/
#include "fuzz_build.h"
#include "hub_validate.h"
#include "hub_json.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_BODY(t)    CYCLEHUB__V1__ENVELOPE__BODY_##t

static const char *s_root;
static size_t s_written;

static void
s_write (const char *dir, const char *name, const void *data, size_t size)
{
    char path [512];
    snprintf (path, sizeof path, "%s/%s", s_root, dir);
    if (mkdir (path, 0755) && errno != EEXIST) {
        perror (path);
        exit (1);
    }
    snprintf (path, sizeof path, "%s/%s/%s", s_root, dir, name);
    FILE *file = fopen (path, "wb");
    if (!file || fwrite (data, 1, size, file) != size || fclose (file)) {
        perror (path);
        exit (1);
    }
    s_written++;
}

//  The ids a message of `type` names to fit the prelude's commissions
static void
s_spec_for (Cyclehub__V1__Envelope__BodyCase type, const char *commission, int stage_index,
            fb_spec_t *spec)
{
    memset (spec, 0, sizeof *spec);
    spec->commission_id = commission;
    spec->msg_id = "seed-1";
    spec->sent_at_ms = FB_NOW_MS;
    switch (type) {
        case S_BODY (CONSULTATION_OPENED):    spec->consultation_id = "k-new"; break;
        case S_BODY (RESPONSE_SUBMITTED):     spec->consultation_id = "k-open";
                                              spec->with_personal = 1; break;
        case S_BODY (CONSULTATION_CLOSED):    spec->consultation_id = "k-open"; break;
        case S_BODY (CONSULTATION_OUTCOME):   spec->consultation_id = "k-closed"; break;
        case S_BODY (PROCUREMENT_PLANNED):    spec->procurement_id = "p-planned"; break;
        case S_BODY (MARKET_ENGAGEMENT):      spec->procurement_id = "p-planned"; break;
        case S_BODY (TENDER_PUBLISHED):       spec->procurement_id = "p-engage"; break;
        case S_BODY (TENDER_AMENDED):         spec->procurement_id = "p-tender"; break;
        case S_BODY (TENDER_CLOSED):          spec->procurement_id = "p-tender"; break;
        case S_BODY (PROCUREMENT_TERMINATED): spec->procurement_id = "p-planned"; break;
        case S_BODY (DIRECT_AWARD):           spec->procurement_id = "p-engage";
                                              spec->award_id = "a-new"; break;
        case S_BODY (AWARD_MADE):             spec->procurement_id = "p-eval";
                                              spec->award_id = "a-new";
                                              spec->standstill_ends_ms = FB_NOW_MS + 10 * FB_DAY_MS;
                                              break;
        case S_BODY (CONTRACT_SIGNED):        spec->award_id = "a-ready";
                                              spec->contract_id = "c-new"; break;
        case S_BODY (CONTRACT_CHANGED):
        case S_BODY (CONTRACT_ENDED):
        case S_BODY (KPI_REPORTED):
        case S_BODY (MILESTONE_UPDATED):
        case S_BODY (SOCIAL_VALUE_REPORTED):
        case S_BODY (PAYMENT_REPORTED):       spec->contract_id = "c-active"; break;
        case S_BODY (STAGE_CHANGE_REQUESTED): {
            static const int next [] = {
                CYCLEHUB__V1__STAGE__STAGE_PLAN, CYCLEHUB__V1__STAGE__STAGE_DO,
                CYCLEHUB__V1__STAGE__STAGE_REVIEW, CYCLEHUB__V1__STAGE__STAGE_ANALYSE,
                CYCLEHUB__V1__STAGE__STAGE_CLOSED, CYCLEHUB__V1__STAGE__STAGE_ANALYSE
            };
            spec->target = next [stage_index];
            break;
        }
        default:
            break;
    }
}

static void
s_write_request (const char *name, uint64_t request_id, const uint8_t *env, size_t env_size)
{
    uint8_t *req;
    size_t req_size;
    if (fb_request_publish (request_id, env, env_size, &req, &req_size))
        exit (1);
    s_write ("request", name, req, req_size);
    free (req);
}

static void
s_write_json (const char *name, const ProtobufCMessage *msg)
{
    char *text = hub_json_encode (msg, 0);
    if (!text) {
        fprintf (stderr, "make_seeds: %s does not encode to JSON\n", name);
        exit (1);
    }
    s_write ("json", name, text, strlen (text));
    free (text);
}

static void
s_requests (void)
{
    const char *commissions [FB_COMMISSIONS + 1];
    for (size_t c = 0; c < FB_COMMISSIONS; c++)
        commissions [c] = fb_commissions [c];
    commissions [FB_COMMISSIONS] = "ocds-fuzz01-new";
    for (size_t c = 0; c <= FB_COMMISSIONS; c++) {
        for (size_t t = 0; hub_proto_type_at (t); t++) {
            Cyclehub__V1__Envelope__BodyCase type = hub_proto_type_at (t);
            //  A new commission only takes commission.opened: one seed is enough
            if (c == FB_COMMISSIONS && type != S_BODY (COMMISSION_OPENED)
            &&  type != S_BODY (NEEDS_ASSESSED))
                continue;
            fb_spec_t spec;
            s_spec_for (type, commissions [c], (int) c, &spec);
            uint8_t *env;
            size_t env_size;
            if (fb_envelope (type, &spec, &env, &env_size))
                exit (1);
            Cyclehub__V1__Envelope *unpacked = cyclehub__v1__envelope__unpack (NULL, env_size, env);
            hub_verdict_t v;
            if (!unpacked
            || (hub_validate_envelope (unpacked, &v) && type != S_BODY (ERASURE_RECORDED))) {
                fprintf (stderr, "make_seeds: %s does not validate: %s\n",
                         hub_proto_type_name (type), v.reason);
                exit (1);
            }
            char name [128];
            snprintf (name, sizeof name, "seed-%s-%s", commissions [c] + 12,
                      hub_proto_type_name (type));
            s_write_request (name, 0, env, env_size);
            if (c == 2) {
                //  The do commission's message as JSON, for fuzz_json
                snprintf (name, sizeof name, "seed-%s.json", hub_proto_type_name (type));
                s_write_json (name, &unpacked->base);
            }
            cyclehub__v1__envelope__free_unpacked (unpacked, NULL);
            free (env);
        }
    }
    //  Senders and clocks (request_id picks them: sender = id % 4, hours = id / 4)
    struct {
        const char *name;
        uint64_t request_id;
        Cyclehub__V1__Envelope__BodyCase type;
        int commission;
        fb_spec_t spec;
    } extra [] = {
        { "seed-x-open-by-partner", 1, S_BODY (COMMISSION_OPENED), -1,
          { .commission_id = "ocds-fuzz01-new" } },
        { "seed-x-sign-after-standstill", (151 * 24) << 2, S_BODY (CONTRACT_SIGNED), 2,
          { .award_id = "a-standstill", .contract_id = "c-new" } },
        { "seed-x-sign-in-standstill", 2, S_BODY (CONTRACT_SIGNED), 2,
          { .award_id = "a-standstill", .contract_id = "c-new" } },
        { "seed-x-amend-after-deadline", (215 * 24) << 2, S_BODY (TENDER_AMENDED), 3,
          { .procurement_id = "p-tender" } },
        { "seed-x-decommission", 0, S_BODY (REVIEW_DECISION), 3,
          { .decision = CYCLEHUB__V1__DECISION__DECISION_DECOMMISSION } },
        { "seed-x-plan-to-analyse", 0, S_BODY (STAGE_CHANGE_REQUESTED), 1,
          { .target = CYCLEHUB__V1__STAGE__STAGE_ANALYSE } },
        { "seed-x-cancel-plan", 3, S_BODY (STAGE_CHANGE_REQUESTED), 1,
          { .target = CYCLEHUB__V1__STAGE__STAGE_CLOSED } },
        { "seed-x-tender-from-plan", 0, S_BODY (TENDER_PUBLISHED), 1,
          { .procurement_id = "p-planned" } },
        { "seed-x-direct-from-plan", 0, S_BODY (DIRECT_AWARD), 1,
          { .procurement_id = "p-new", .award_id = "a-new" } },
        { "seed-x-priorities-analyse", 0, S_BODY (PRIORITIES_AGREED), 0, { 0 } },
        { "seed-x-evaluation-do", 0, S_BODY (EVALUATION_PUBLISHED), 2, { 0 } },
        { "seed-x-terminate-awarded", 0, S_BODY (PROCUREMENT_TERMINATED), 2,
          { .procurement_id = "p-award" } },
        { "seed-x-close-eval", 0, S_BODY (TENDER_CLOSED), 2, { .procurement_id = "p-eval" } },
        { "seed-x-award-eval", 0, S_BODY (AWARD_MADE), 3,
          { .procurement_id = "p-eval", .award_id = "a-new" } },
        { "seed-x-end-ended", 0, S_BODY (CONTRACT_ENDED), 2, { .contract_id = "c-ended" } },
        { "seed-x-response-closed", 0, S_BODY (RESPONSE_SUBMITTED), 0,
          { .consultation_id = "k-closed" } },
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra [0]; i++) {
        fb_spec_t *spec = &extra [i].spec;
        if (extra [i].commission >= 0)
            spec->commission_id = fb_commissions [extra [i].commission];
        spec->msg_id = "seed-2";
        uint8_t *env;
        size_t env_size;
        if (fb_envelope (extra [i].type, spec, &env, &env_size))
            exit (1);
        s_write_request (extra [i].name, extra [i].request_id, env, env_size);
        free (env);
    }
    //  A PublishBatch of two envelopes (the first extra's, twice with two ids)
    {
        ProtobufCBinaryData bytes [2];
        for (size_t i = 0; i < 2; i++) {
            fb_spec_t spec = extra [0].spec;
            spec.commission_id = fb_commissions [extra [0].commission >= 0? extra [0].commission: 0];
            spec.msg_id = i? "seed-b2": "seed-b1";
            if (fb_envelope (extra [0].type, &spec, &bytes [i].data, &bytes [i].len))
                exit (1);
        }
        Cyclehub__V1__PublishBatch batch = CYCLEHUB__V1__PUBLISH_BATCH__INIT;
        batch.envelopes = bytes;
        batch.n_envelopes = 2;
        Cyclehub__V1__Request breq = CYCLEHUB__V1__REQUEST__INIT;
        breq.request_id = 9;
        breq.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH_BATCH;
        breq.publish_batch = &batch;
        size_t bsize = cyclehub__v1__request__get_packed_size (&breq);
        uint8_t *bbuf = malloc (bsize);
        if (!bbuf)
            exit (1);
        s_write ("request", "seed-q-batch", bbuf, cyclehub__v1__request__pack (&breq, bbuf));
        free (bbuf);
        free (bytes [0].data);
        free (bytes [1].data);
    }
    //  Queries, and frames the broker refuses
    uint8_t buf [512];
    Cyclehub__V1__Request req = CYCLEHUB__V1__REQUEST__INIT;
    Cyclehub__V1__HistoryQuery history = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    history.commission_id = (char *) fb_commissions [2];
    history.limit = 10;
    req.request_id = 7;
    req.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    req.history = &history;
    s_write ("request", "seed-q-history", buf, cyclehub__v1__request__pack (&req, buf));
    s_write_json ("seed-q-history.json", &req.base);
    Cyclehub__V1__CommissionQuery cq = CYCLEHUB__V1__COMMISSION_QUERY__INIT;
    cq.commission_id = (char *) fb_commissions [3];
    req.body_case = CYCLEHUB__V1__REQUEST__BODY_COMMISSION;
    req.commission = &cq;
    s_write ("request", "seed-q-commission", buf, cyclehub__v1__request__pack (&req, buf));
    s_write_json ("seed-q-commission.json", &req.base);
    Cyclehub__V1__StatusQuery sq = CYCLEHUB__V1__STATUS_QUERY__INIT;
    req.body_case = CYCLEHUB__V1__REQUEST__BODY_STATUS;
    req.status = &sq;
    s_write ("request", "seed-q-status", buf, cyclehub__v1__request__pack (&req, buf));
    s_write_json ("seed-q-status.json", &req.base);
    Cyclehub__V1__EraseRequest eq = CYCLEHUB__V1__ERASE_REQUEST__INIT;
    eq.commission_id = (char *) fb_commissions [0];
    eq.response_id = "r-1";
    eq.reason = "asked by the respondent";
    req.body_case = CYCLEHUB__V1__REQUEST__BODY_ERASE;
    req.erase = &eq;
    s_write ("request", "seed-q-erase", buf, cyclehub__v1__request__pack (&req, buf));
    s_write_json ("seed-q-erase.json", &req.base);

    //  A publish of a whole envelope, as JSON
    fb_spec_t spec;
    s_spec_for (S_BODY (RESPONSE_SUBMITTED), fb_commissions [0], 0, &spec);
    uint8_t *env;
    size_t env_size;
    if (fb_envelope (S_BODY (RESPONSE_SUBMITTED), &spec, &env, &env_size))
        exit (1);
    uint8_t *framed;
    size_t framed_size;
    if (fb_request_publish (9, env, env_size, &framed, &framed_size))
        exit (1);
    Cyclehub__V1__Request *publish = cyclehub__v1__request__unpack (NULL, framed_size, framed);
    if (!publish)
        exit (1);
    s_write_json ("seed-q-publish.json", &publish->base);
    cyclehub__v1__request__free_unpacked (publish, NULL);

    //  Two publish fields (the broker refuses: it stores the raw bytes of one)
    uint8_t twice [1024];
    if (framed_size * 2 > sizeof twice)
        exit (1);
    memcpy (twice, framed, framed_size);
    memcpy (twice + framed_size, framed + 2, framed_size - 2);
    s_write ("request", "seed-m-two-publish", twice, framed_size * 2 - 2);
    //  An unknown field inside the envelope, and bad UTF-8 in msg_id
    const uint8_t unknown [] = {
        0x08, 0x01, 0x52, 0x07,                 //  request_id 1, publish of 7 bytes:
        0x0a, 0x02, 'm', '1',                   //    msg_id "m1"
        0xf8, 0x03, 0x01                        //    field 63 (unknown), varint 1
    };
    s_write ("request", "seed-m-unknown-field", unknown, sizeof unknown);
    const uint8_t bad_utf8 [] = { 0x08, 0x01, 0x52, 0x04, 0x0a, 0x02, 0xc0, 0xaf };
    s_write ("request", "seed-m-bad-utf8", bad_utf8, sizeof bad_utf8);
    free (framed);
    free (env);
}

static void
s_history_query (const char *name, Cyclehub__V1__HistoryQuery *q)
{
    uint8_t buf [2048];
    if (cyclehub__v1__history_query__get_packed_size (q) > sizeof buf)
        exit (1);
    s_write ("history", name, buf, cyclehub__v1__history_query__pack (q, buf));
}

static void
s_history (void)
{
    Cyclehub__V1__HistoryQuery q = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    s_history_query ("seed-all", &q);
    q.limit = 100;
    s_history_query ("seed-all-pages", &q);
    for (size_t c = 0; c < FB_HISTORY_COMMISSIONS; c++) {
        char name [64];
        snprintf (name, sizeof name, "seed-commission-%zu", c);
        Cyclehub__V1__HistoryQuery one = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        one.commission_id = (char *) fb_history_commissions [c];
        one.limit = (uint32_t) (50 + 7 * c);
        s_history_query (name, &one);
    }
    for (size_t a = 0; a + 1 < FB_HISTORY_AGENCIES; a++) {
        char name [64];
        snprintf (name, sizeof name, "seed-agency-%zu", a);
        Cyclehub__V1__HistoryQuery one = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        one.agency = (char *) fb_history_agencies [a];
        one.stage = CYCLEHUB__V1__STAGE__STAGE_DO;
        one.limit = 40;
        s_history_query (name, &one);
    }
    Cyclehub__V1__HistoryQuery t = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    t.type = "tender.published";
    t.commission_id = (char *) fb_history_commissions [0];
    t.limit = 3 | (64u << 16);            //  3 per page, or 1 KiB
    s_history_query ("seed-type-commission", &t);
    Cyclehub__V1__HistoryQuery w = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    w.since_ms = FB_T0_MS + 600000;
    w.until_ms = FB_T0_MS + 3 * FB_DAY_MS;
    w.limit = 200;
    s_history_query ("seed-window", &w);
    w.agency = FB_SUPPLIER;
    w.from_seq = 500;
    w.to_seq = 2500;
    w.limit = 0 | (32u << 16);
    s_history_query ("seed-window-agency-seqs", &w);
    Cyclehub__V1__HistoryQuery e = CYCLEHUB__V1__HISTORY_QUERY__INIT;
    e.from_seq = 2990;
    e.limit = 4;
    s_history_query ("seed-tail", &e);
    e.from_seq = 5000;
    s_history_query ("seed-past-end", &e);
    e.from_seq = 0;
    e.commission_id = "ocds-nosuch-1";
    s_history_query ("seed-no-such-key", &e);
    char long_key [600];
    memset (long_key, 'a', sizeof long_key - 1);
    long_key [sizeof long_key - 1] = 0;
    e.commission_id = long_key;
    s_history_query ("seed-long-key", &e);
    //  Raw bytes (not a HistoryQuery): each byte picks a key, a time or a seq
    const uint8_t raw1 [] = { 0xff, 0x01, 0x02, 0x03, 0x10, 0x20, 0x00, 0xf0, 0x00, 0x08,
                              0x40, 0x00, 0x05, 0x00, 0x02, 0x00 };
    s_write ("history", "seed-raw-1", raw1, sizeof raw1);
    const uint8_t raw2 [] = { 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x01, 0x00, 0x00, 0xff };
    s_write ("history", "seed-raw-2", raw2, sizeof raw2);
}

int
main (int argc, char *argv [])
{
    if (argc != 2) {
        fprintf (stderr, "usage: make_seeds <corpus-root>\n");
        return 2;
    }
    s_root = argv [1];
    s_requests ();
    s_history ();
    printf ("make_seeds: wrote %zu files under %s\n", s_written, s_root);
    return 0;
}
