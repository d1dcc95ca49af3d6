/*  hub_dash_fixture: commissions for the dashboard's tests, built as the
    broker builds them: each envelope decoded from JSON, checked by
    hub_validate_envelope and applied by hub_cycle_apply at its time and
    sender, then stored as a packed Event and CommissionState and unpacked
    again (what the HTTP front end will hand the renderer).

    hub_fx_cycle() applies tests/data/cycle/cycle.txt as written (with its
    @clock times, a minute between events); hub_fx_apply() adds one message.
*/
#ifndef HUB_DASH_FIXTURE_H
#define HUB_DASH_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "hub_json.h"
#include "hub_time.h"
#include "hub_cycle.h"
#include "hub_validate.h"
#include "hub_dash.h"

#define HUB_FX_MAX_EVENTS 256

typedef struct {
    hub_commission_t *state;                        //  the domain's state
    Cyclehub__V1__CommissionState *unpacked;        //  its stored form, unpacked
    Cyclehub__V1__Event *events [HUB_FX_MAX_EVENTS];
    size_t n_events;
    char ocid [80];
    int64_t clock;                                  //  the broker's clock for the next event
    char error [2048];                              //  why the last apply failed
} hub_fx_t;

static inline int64_t
hub_fx_time (const char *text)
{
    int64_t ms = 0;
    if (hub_time_parse (text, &ms, NULL, 0))
        abort ();
    return ms;
}

//  The renderer's view of the commission
static inline hub_dash_commission_t
hub_fx_view (hub_fx_t *fx)
{
    return (hub_dash_commission_t) { fx->unpacked, (const Cyclehub__V1__Event *const *) fx->events,
                                     fx->n_events };
}

static inline int
s_fx_store (hub_fx_t *fx, const Cyclehub__V1__Envelope *env, const char *type, const char *sender,
            const hub_cycle_outcome_t *out)
{
    Cyclehub__V1__Event ev = CYCLEHUB__V1__EVENT__INIT;
    Cyclehub__V1__StageChange change = CYCLEHUB__V1__STAGE_CHANGE__INIT;
    ev.seq = fx->n_events + 1;
    ev.recorded_at_ms = fx->clock;
    ev.sender = (char *) sender;
    ev.stage = out->to;
    if (out->changed) {
        change.from = out->from;
        change.to = out->to;
        ev.change = &change;
    }
    ev.type = (char *) type;
    ev.envelope = (Cyclehub__V1__Envelope *) env;
    size_t size = cyclehub__v1__event__get_packed_size (&ev);
    uint8_t *data = malloc (size);
    cyclehub__v1__event__pack (&ev, data);
    fx->events [fx->n_events++] = cyclehub__v1__event__unpack (NULL, size, data);
    free (data);
    hub_commission_set_last_seq (fx->state, ev.seq, fx->clock);
    uint8_t *state;
    size_t state_size;
    if (hub_commission_encode (fx->state, &state, &state_size))
        return -1;
    if (fx->unpacked)
        cyclehub__v1__commission_state__free_unpacked (fx->unpacked, NULL);
    fx->unpacked = cyclehub__v1__commission_state__unpack (NULL, state_size, state);
    free (state);
    return fx->unpacked? 0: -1;
}

/* Applies one message, `body_json` being the body of `type` (or a whole
   Envelope if it has "commissionId"), sent by `sender` at fx->clock; the
   clock then moves on a minute. Returns 0, or -1 with fx->error. */
static inline int
hub_fx_apply (hub_fx_t *fx, const char *type, const char *sender, const char *body_json)
{
    const hub_type_t *row = hub_types_named (type);
    json_error_t jerr;
    json_t *body = json_loads (body_json, 0, &jerr);
    if (!row || !body) {
        snprintf (fx->error, sizeof fx->error, "%s: unknown type or bad JSON: %s", type, jerr.text);
        json_decref (body);
        return -1;
    }
    json_t *root = body;
    if (!json_object_get (body, "commissionId")) {
        root = json_object ();
        json_object_set_new (root, "commissionId", json_string (fx->ocid));
        json_object_set_new (root, row->member, body);
    }
    if (!json_object_get (root, "msgId")) {
        char id [32];
        snprintf (id, sizeof id, "fx-%zu", fx->n_events + 1);
        json_object_set_new (root, "msgId", json_string (id));
    }
    char err [256];
    Cyclehub__V1__Envelope *env = (Cyclehub__V1__Envelope *)
        hub_json_to_message (&cyclehub__v1__envelope__descriptor, root, err, sizeof err);
    json_decref (root);
    hub_verdict_t v;
    hub_cycle_outcome_t out;
    int rc = -1;
    if (!env)
        snprintf (fx->error, sizeof fx->error, "%s: %s", type, err);
    else if (hub_validate_envelope (env, &v) || hub_cycle_apply (&fx->state, env, sender, fx->clock, &out, &v))
        snprintf (fx->error, sizeof fx->error, "%s: %s %s", type, v.field, v.reason);
    else
        rc = s_fx_store (fx, env, type, sender, &out);
    if (env)
        protobuf_c_message_free_unpacked (&env->base, NULL);
    fx->clock += 60000;
    return rc;
}

static inline void
hub_fx_init (hub_fx_t *fx, const char *ocid, const char *clock)
{
    memset (fx, 0, sizeof *fx);
    snprintf (fx->ocid, sizeof fx->ocid, "%s", ocid);
    fx->clock = hub_fx_time (clock);
}

static inline char *
hub_fx_slurp (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    fseek (file, 0, SEEK_END);
    long size = ftell (file);
    rewind (file);
    char *text = malloc ((size_t) size + 1);
    size_t got = fread (text, 1, (size_t) size, file);
    text [got] = 0;
    fclose (file);
    return text;
}

/* Applies tests/data/cycle/cycle.txt (under $HUB_SRC_DIR, else ..): the
   commission ocds-h6vhtk-056931, 18 events, ending in analyse, cycle 2.
   Returns 0, or -1 with fx->error. */
static inline int
hub_fx_cycle (hub_fx_t *fx)
{
    const char *src = getenv ("HUB_SRC_DIR");
    char dir [1024], path [1400];
    snprintf (dir, sizeof dir, "%s/tests/data/cycle", src && *src? src: "..");
    hub_fx_init (fx, "ocds-h6vhtk-056931", "2026-01-01T00:00:00Z");
    snprintf (path, sizeof path, "%s/cycle.txt", dir);
    FILE *manifest = fopen (path, "r");
    if (!manifest) {
        snprintf (fx->error, sizeof fx->error, "cannot read %s", path);
        return -1;
    }
    char line [512];
    int rc = 0;
    while (rc == 0 && fgets (line, sizeof line, manifest)) {
        char a [256], b [64], c [64], d [32];
        if (line [0] == '#' || line [0] == '\n')
            continue;
        if (sscanf (line, "@clock %255s", a) == 1) {
            fx->clock = hub_fx_time (a);
            continue;
        }
        if (sscanf (line, "%255s %63s %63s %31s", a, b, c, d) != 4)
            continue;
        snprintf (path, sizeof path, "%s/%s", dir, a);
        char *text = hub_fx_slurp (path);
        rc = text? hub_fx_apply (fx, b, c, text): -1;
        free (text);
        if (rc == 0 && strcmp (hub_proto_stage_name (fx->unpacked->stage), d) != 0) {
            snprintf (fx->error, sizeof fx->error, "%s: stage %s, cycle.txt says %s", a,
                      hub_proto_stage_name (fx->unpacked->stage), d);
            rc = -1;
        }
    }
    fclose (manifest);
    return rc;
}

static inline void
hub_fx_destroy (hub_fx_t *fx)
{
    for (size_t i = 0; i < fx->n_events; i++)
        cyclehub__v1__event__free_unpacked (fx->events [i], NULL);
    if (fx->unpacked)
        cyclehub__v1__commission_state__free_unpacked (fx->unpacked, NULL);
    hub_commission_destroy (&fx->state);
    memset (fx, 0, sizeof *fx);
}

//  A message at a given time
#define HUB_FX_AT(fx, when, type, sender, json) \
    ((fx)->clock = hub_fx_time (when), hub_fx_apply ((fx), (type), (sender), (json)))

#define HUB_FX_COUNCIL  "GB-LAE-E09000033"
#define HUB_FX_TRUST    "GB-NHS-RWE"
#define HUB_FX_CHARITY  "GB-CHC-1234567"
#define HUB_FX_PROVIDER "GB-COH-01234567"
#define HUB_FX_CARE     "GB-COH-07654321"

/* The cycle's contract keeps reporting after the review: two more quarters
   (amber, then red with a breach) and social value. */
static inline int
hub_fx_more_reports (hub_fx_t *fx)
{
    return HUB_FX_AT (fx, "2027-01-08T10:00:00Z", "kpi.reported", HUB_FX_PROVIDER,
            "{\"contractId\":\"contract-1\",\"kpiCode\":\"KPI-1\",\"period\":{\"start\":\"2026-10-01T00:00:00Z\","
            "\"end\":\"2026-12-31T23:59:59Z\"},\"value\":64,\"target\":70,\"rating\":\"RATING_AMBER\"}")
        || HUB_FX_AT (fx, "2027-01-08T10:05:00Z", "social_value.reported", HUB_FX_PROVIDER,
            "{\"contractId\":\"contract-1\",\"framework\":\"TOMs\",\"measureCode\":\"NT1\",\"unit\":\"FTE\","
            "\"quantity\":3.5,\"proxyValue\":{\"amount\":\"102083.33\",\"currency\":\"GBP\"},"
            "\"period\":{\"start\":\"2026-10-01T00:00:00Z\",\"end\":\"2026-12-31T23:59:59Z\"}}")
        || HUB_FX_AT (fx, "2027-04-06T10:00:00Z", "kpi.reported", HUB_FX_PROVIDER,
            "{\"contractId\":\"contract-1\",\"kpiCode\":\"KPI-1\",\"period\":{\"start\":\"2027-01-01T00:00:00Z\","
            "\"end\":\"2027-03-31T23:59:59Z\"},\"value\":52,\"target\":70,\"rating\":\"RATING_RED\",\"breach\":true}");
}

/* Carers' breaks: in plan, a consultation open from 4 to 28 May 2027 with
   one response carrying personal data (never to be shown). */
static inline int
hub_fx_carers (hub_fx_t *fx)
{
    hub_fx_init (fx, "ocds-h6vhtk-000102", "2027-03-01T09:00:00Z");
    return hub_fx_apply (fx, "commission.opened", HUB_FX_COUNCIL,
            "{\"title\":\"Carers' breaks and respite\",\"buyer\":\"" HUB_FX_COUNCIL "\","
            "\"partners\":[\"" HUB_FX_CHARITY "\"]}")
        || HUB_FX_AT (fx, "2027-03-02T09:00:00Z", "needs.assessed", HUB_FX_COUNCIL,
            "{\"population\":\"Unpaid carers in the borough\",\"needStatements\":[\"Few breaks\"]}")
        || HUB_FX_AT (fx, "2027-04-01T09:00:00Z", "priorities.agreed", HUB_FX_COUNCIL,
            "{\"priorities\":[\"Short breaks\"],\"summary\":\"Agreed by the board\"}")
        || HUB_FX_AT (fx, "2027-05-03T09:00:00Z", "consultation.opened", HUB_FX_COUNCIL,
            "{\"consultationId\":\"carers-1\",\"title\":\"Breaks for carers\",\"opensAt\":\"2027-05-04T09:00:00Z\","
            "\"closesAt\":\"2027-05-28T17:00:00Z\",\"audience\":\"Carers\",\"waysToRespond\":[\"online\"]}")
        || HUB_FX_AT (fx, "2027-05-10T09:00:00Z", "consultation.response", HUB_FX_CHARITY,
            "{\"consultationId\":\"carers-1\",\"responseId\":\"r-1\",\"respondentType\":\"RESPONDENT_TYPE_CARER\","
            "\"answers\":[{\"questionId\":\"q1\",\"choice\":\"agree\"}],\"retentionUntil\":\"2028-05-10T00:00:00Z\","
            "\"personal\":{\"fullName\":\"Zebedee Personal-Name\",\"email\":\"zebedee@example.org\","
            "\"phone\":\"07700 900123\",\"postalAddress\":\"1 Secret Street, E1 1AA\","
            "\"freeText\":[\"My private circumstances\"]}}");
}

/* Home care: in do; lot-a contracted in 2026 and never reported on (KPI
   report overdue by 2027), lot-b awarded on 12 May 2027, standstill to
   midnight at the end of 21 May 2027. */
static inline int
hub_fx_homecare (hub_fx_t *fx)
{
    hub_fx_init (fx, "ocds-h6vhtk-000103", "2026-01-10T09:00:00Z");
    return hub_fx_apply (fx, "commission.opened", HUB_FX_TRUST,
            "{\"title\":\"Home care for adults, north locality\",\"buyer\":\"" HUB_FX_TRUST "\"}")
        || HUB_FX_AT (fx, "2026-01-12T09:00:00Z", "priorities.agreed", HUB_FX_TRUST,
            "{\"priorities\":[\"Reliable visits\"]}")
        || HUB_FX_AT (fx, "2026-02-01T09:00:00Z", "tender.published", HUB_FX_TRUST,
            "{\"procurementId\":\"lot-a\",\"title\":\"Home care, north\",\"description\":\"Visits\","
            "\"value\":{\"amount\":\"900000.00\",\"currency\":\"GBP\"},\"procedure\":\"PROCEDURE_OPEN\","
            "\"tenderPeriod\":{\"start\":\"2026-02-01T09:00:00Z\",\"end\":\"2026-03-01T12:00:00Z\"},"
            "\"socialValueWeightPct\":10}")
        || HUB_FX_AT (fx, "2026-03-02T10:00:00Z", "tender.closed", HUB_FX_TRUST,
            "{\"procurementId\":\"lot-a\",\"bidsReceived\":6}")
        || HUB_FX_AT (fx, "2026-03-02T10:30:00Z", "award.made", HUB_FX_TRUST,
            "{\"procurementId\":\"lot-a\",\"awardId\":\"award-a\",\"suppliers\":[\"" HUB_FX_CARE "\"],"
            "\"value\":{\"amount\":\"880000.00\",\"currency\":\"GBP\"},\"standstillEnds\":\"2026-03-12T00:00:00Z\"}")
        || HUB_FX_AT (fx, "2026-03-13T09:00:00Z", "contract.signed", HUB_FX_TRUST,
            "{\"contractId\":\"contract-a\",\"awardId\":\"award-a\",\"period\":{\"start\":\"2026-04-01T00:00:00Z\","
            "\"end\":\"2028-03-31T23:59:59Z\"},\"value\":{\"amount\":\"880000.00\",\"currency\":\"GBP\"},"
            "\"kpis\":[{\"code\":\"HC-1\",\"description\":\"Visits on time\",\"unit\":\"%\",\"target\":95}]}")
        || HUB_FX_AT (fx, "2027-04-20T09:00:00Z", "tender.published", HUB_FX_TRUST,
            "{\"procurementId\":\"lot-b\",\"title\":\"Night visits\",\"description\":\"Night visits\","
            "\"value\":{\"amount\":\"250000.00\",\"currency\":\"GBP\"},\"procedure\":\"PROCEDURE_OPEN\","
            "\"tenderPeriod\":{\"start\":\"2027-04-20T09:00:00Z\",\"end\":\"2027-05-11T12:00:00Z\"},"
            "\"socialValueWeightPct\":15}")
        || HUB_FX_AT (fx, "2027-05-12T09:00:00Z", "tender.closed", HUB_FX_TRUST,
            "{\"procurementId\":\"lot-b\",\"bidsReceived\":3}")
        || HUB_FX_AT (fx, "2027-05-12T09:30:00Z", "award.made", HUB_FX_TRUST,
            "{\"procurementId\":\"lot-b\",\"awardId\":\"award-b\",\"suppliers\":[\"" HUB_FX_CARE "\"],"
            "\"value\":{\"amount\":\"245500.00\",\"currency\":\"GBP\"},\"standstillEnds\":\"2027-05-21T23:00:00Z\"}");
}

//  Agency names, as the registry would give them
static inline const char *
hub_fx_name (const char *org_id, void *arg)
{
    (void) arg;
    static const char *names [][2] = {
        { HUB_FX_COUNCIL, "London Borough of Tower Hamlets" },
        { HUB_FX_TRUST, "University Hospitals of Leicester NHS Trust" },
        { HUB_FX_CHARITY, "Older People's Forum" },
        { HUB_FX_PROVIDER, "Steady Steps CIC" },
        { HUB_FX_CARE, "North Home Care Ltd" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names [0]; i++)
        if (strcmp (names [i][0], org_id) == 0)
            return names [i][1];
    return NULL;
}

#endif
