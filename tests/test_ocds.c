/*  Tests of the OCDS converter (broker/domain/ocds): a history the
    domain's rules accept becomes a release package (and a record package)
    that the OCDS 1.1.5 schema accepts (scripts/ocds-validate), with one
    ocid per process: the commission's planning process, and a contracting
    process per procurement, linked to it. The history has two lots, a lot
    terminated and re-tendered under a new procurement, and a pipeline
    notice of the next cycle; each ocid's releases must tell one coherent
    story. Also: parties with names and roles, exact amounts, the same
    bytes every time, and every refusal leaving the converter as it was.
*/
#include "hub_ocds.h"
#include "hub_proto.h"
#include "hub_test.h"

#include <stdbool.h>
#include <sys/wait.h>
#include <jansson.h>

#define OCID_1  "ocds-h6vhtk-056931"     //  lots P1, P2 (terminated), P3 (its re-tender), P4 next cycle
#define OCID_2  "ocds-h6vhtk-056932"     //  a direct award without standstill
#define OCID_3  "ocds-h6vhtk-056933"     //  planning only
#define BUYER   "GB-LAE-E08000025"
#define NHS     "GB-NHS-QWE"             //  OCID_1's partner; OCID_2's buyer
#define JOINT   "GB-LAE-E09000030"       //  OCID_1's partner and a commissioner: joint
#define SUPPLIER "GB-COH-01234567"
#define CHARITY  "GB-CHC-1234567"

#define streq(a, b) (strcmp ((a)? (a): "", (b)) == 0)

#define DAY_MS  86400000LL
#define T0_MS   1767607200000LL          //  Monday 2026-01-05T10:00:00Z

//  ----------------------------------------------------------------------
//  A history: packed events as a history page carries them

#define MAX_EVENTS 64

typedef struct {
    uint8_t *data [MAX_EVENTS];
    size_t size [MAX_EVENTS];
    size_t count;
    uint64_t seq;
} history_t;

//  Appends env for ocid, sent by sender, recorded `day` days after T0 (and
//  a few milliseconds per event, so that times only grow)
static void
s_push (history_t *h, const char *ocid, const char *sender, int day, Cyclehub__V1__Envelope *env)
{
    REQUIRE (h->count < MAX_EVENTS);
    char msg_id [32];
    snprintf (msg_id, sizeof msg_id, "m%zu", h->count + 1);
    env->msg_id = msg_id;
    env->commission_id = (char *) ocid;
    Cyclehub__V1__Event ev = CYCLEHUB__V1__EVENT__INIT;
    ev.seq = ++h->seq;
    ev.recorded_at_ms = T0_MS + day * DAY_MS + 123 * (int64_t) h->seq;
    ev.sender = (char *) sender;
    ev.stage = CYCLEHUB__V1__STAGE__STAGE_DO;
    ev.type = (char *) hub_proto_type_name (env->body_case);
    ev.envelope = env;
    size_t size = cyclehub__v1__event__get_packed_size (&ev);
    h->data [h->count] = (uint8_t *) malloc (size);
    REQUIRE (h->data [h->count]);
    cyclehub__v1__event__pack (&ev, h->data [h->count]);
    h->size [h->count++] = size;
}

static void
s_history_free (history_t *h)
{
    for (size_t i = 0; i < h->count; i++)
        free (h->data [i]);
    h->count = 0;
}

#define S_ENV(CASE, member, value) \
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT; \
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_##CASE; \
    env.member = &value

static void
s_opened (history_t *h, const char *ocid, const char *buyer, int day, size_t n_partners,
          char **partners)
{
    Cyclehub__V1__CommissionOpened m = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
    m.title = "Falls prevention";
    m.description = "Strength and balance services for residents over 65";
    m.buyer = (char *) buyer;
    m.n_partners = n_partners;
    m.partners = partners;
    S_ENV (COMMISSION_OPENED, commission_opened, m);
    s_push (h, ocid, buyer, day, &env);
}

static void
s_needs (history_t *h, const char *ocid, const char *sender, int day)
{
    Cyclehub__V1__NeedsAssessed m = CYCLEHUB__V1__NEEDS_ASSESSED__INIT;
    char *statements [] = { "Falls rising", "Hip fractures cost the NHS most" };
    char *links [] = { "https://data.example.org/jsna/falls" };
    m.population = "Residents over 65";
    m.n_need_statements = 2;
    m.need_statements = statements;
    m.n_evidence_links = 1;
    m.evidence_links = links;
    S_ENV (NEEDS_ASSESSED, needs_assessed, m);
    s_push (h, ocid, sender, day, &env);
}

static void
s_priorities (history_t *h, const char *ocid, const char *sender, int day)
{
    Cyclehub__V1__PrioritiesAgreed m = CYCLEHUB__V1__PRIORITIES_AGREED__INIT;
    char *priorities [] = { "Strength and balance classes", "Home hazard checks" };
    m.n_priorities = 2;
    m.priorities = priorities;
    m.summary = "Agreed by the health and wellbeing board.";
    S_ENV (PRIORITIES_AGREED, priorities_agreed, m);
    s_push (h, ocid, sender, day, &env);
}

static void
s_planned (history_t *h, const char *ocid, const char *pid, Cyclehub__V1__NoticeKind kind,
           int64_t pence, int day)
{
    Cyclehub__V1__ProcurementPlanned m = CYCLEHUB__V1__PROCUREMENT_PLANNED__INIT;
    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    value.amount = pence;
    value.currency = "GBP";
    m.procurement_id = (char *) pid;
    m.title = "Falls prevention service";
    m.kind = kind;
    m.estimated_value = pence? &value: NULL;
    m.expected_tender_ms = T0_MS + (day + 30) * DAY_MS;
    S_ENV (PROCUREMENT_PLANNED, procurement_planned, m);
    s_push (h, ocid, BUYER, day, &env);
}

//  A tender open from `day` for `days` days
static void
s_tender (history_t *h, const char *ocid, const char *pid, int64_t minor, const char *currency,
          int day, int days)
{
    Cyclehub__V1__TenderPublished m = CYCLEHUB__V1__TENDER_PUBLISHED__INIT;
    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
    value.amount = minor;
    value.currency = (char *) currency;
    period.start_ms = T0_MS + day * DAY_MS;
    period.end_ms = T0_MS + (day + days) * DAY_MS;
    m.procurement_id = (char *) pid;
    m.title = "Falls prevention service";
    m.description = "Classes in community venues";
    m.value = &value;
    m.procedure = CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN;
    m.tender_period = &period;
    m.social_value_weight_pct = 10;
    S_ENV (TENDER_PUBLISHED, tender_published, m);
    s_push (h, ocid, BUYER, day, &env);
}

static void
s_closed (history_t *h, const char *ocid, const char *pid, int day)
{
    Cyclehub__V1__TenderClosed m = CYCLEHUB__V1__TENDER_CLOSED__INIT;
    m.procurement_id = (char *) pid;
    m.bids_received = 4;
    S_ENV (TENDER_CLOSED, tender_closed, m);
    s_push (h, ocid, BUYER, day, &env);
}

static void
s_terminated (history_t *h, const char *ocid, const char *pid, int day)
{
    Cyclehub__V1__ProcurementTerminated m = CYCLEHUB__V1__PROCUREMENT_TERMINATED__INIT;
    m.procurement_id = (char *) pid;
    m.reason = "No compliant bids.";
    S_ENV (PROCUREMENT_TERMINATED, procurement_terminated, m);
    s_push (h, ocid, BUYER, day, &env);
}

//  award.made with a standstill of 20 days
static void
s_award (history_t *h, const char *ocid, const char *pid, const char *aid, char *supplier,
         int64_t pence, int day)
{
    Cyclehub__V1__AwardMade m = CYCLEHUB__V1__AWARD_MADE__INIT;
    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    char *suppliers [] = { supplier };
    value.amount = pence;
    value.currency = "GBP";
    m.procurement_id = (char *) pid;
    m.award_id = (char *) aid;
    m.n_suppliers = 1;
    m.suppliers = suppliers;
    m.value = &value;
    m.standstill_ends_ms = T0_MS + (day + 20) * DAY_MS;
    S_ENV (AWARD_MADE, award_made, m);
    s_push (h, ocid, BUYER, day, &env);
}

static void
s_contract (history_t *h, const char *ocid, const char *cid, const char *aid, int64_t pence,
            int day)
{
    Cyclehub__V1__ContractSigned m = CYCLEHUB__V1__CONTRACT_SIGNED__INIT;
    Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
    Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
    value.amount = pence;
    value.currency = "GBP";
    period.start_ms = T0_MS + (day + 1) * DAY_MS;
    period.end_ms = T0_MS + (day + 730) * DAY_MS;
    m.contract_id = (char *) cid;
    m.award_id = (char *) aid;
    m.period = &period;
    m.value = &value;
    S_ENV (CONTRACT_SIGNED, contract_signed, m);
    s_push (h, ocid, BUYER, day, &env);
}
static const char *
s_validator (void)
{
    static char path [PATH_MAX];
    const char *src = getenv ("HUB_SRC_DIR");
    if (src && *src) {
        snprintf (path, sizeof path, "%s/scripts/ocds-validate", src);
        if (access (path, R_OK) == 0)
            return path;
    }
    return HUB_OCDS_VALIDATOR;
}

static bool
s_validator_ready (void)
{
    if (access (s_validator (), R_OK) != 0) {
        CHECK_MSG (false, "the OCDS validator %s is missing (scripts/ocds-validate in the source tree)",
                   s_validator ());
        return false;
    }
    int rc = system ("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null");
    if (rc != 0) {
        CHECK_MSG (false, "/usr/bin/python3 cannot import jsonschema: install python3-jsonschema "
                   "(apt-get install -y python3-jsonschema, or scripts/deps.sh as root)");
        return false;
    }
    return true;
}

//  Runs the validator over a file (or "-" with the text piped in through
//  `pipe_from`, a shell command); returns its exit status, output in out.
static int
s_validate (const char *file, const char *pipe_from, char *out, size_t size)
{
    char cmd [PATH_MAX * 3];
    if (pipe_from)
        snprintf (cmd, sizeof cmd, "%s | /usr/bin/python3 '%s' - 2>&1", pipe_from, s_validator ());
    else
        snprintf (cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' 2>&1", s_validator (), file);
    FILE *p = popen (cmd, "r");
    REQUIRE (p);
    size_t n = fread (out, 1, size - 1, p);
    out [n] = 0;
    int status = pclose (p);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

static void
s_write (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    REQUIRE (f);
    fputs (text, f);
    fputc ('\n', f);
    fclose (f);
}

//  The history (seq: what, expected release ocid and tag)
static void
s_build_history (history_t *h)
{
    memset (h, 0, sizeof *h);
    char *partners [] = { NHS, JOINT };
    s_opened (h, OCID_1, BUYER, 0, 2, partners);                           //  1
    s_needs (h, OCID_1, BUYER, 0);                                          //  2
    s_priorities (h, OCID_1, BUYER, 1);                                     //  3 analyse -> plan
    {   Cyclehub__V1__StrategyApproved m = CYCLEHUB__V1__STRATEGY_APPROVED__INIT;
        m.title = "Falls prevention strategy 2026-2029";
        m.summary = "Prevent first falls; respond fast to the second.";
        m.document_url = "https://council.example/strategy.pdf";
        S_ENV (STRATEGY_APPROVED, strategy_approved, m);
        s_push (h, OCID_1, BUYER, 1, &env);                                 //  4
    }
    s_planned (h, OCID_1, "P1", CYCLEHUB__V1__NOTICE_KIND__NOTICE_KIND_PIPELINE,
               125000000, 2);                                               //  5
    {   Cyclehub__V1__MarketEngagement m = CYCLEHUB__V1__MARKET_ENGAGEMENT__INIT;
        Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
        period.start_ms = T0_MS + 3 * DAY_MS;
        period.end_ms = T0_MS + 4 * DAY_MS;
        m.procurement_id = "P1";
        m.description = "Provider event and questionnaire";
        m.period = &period;
        S_ENV (MARKET_ENGAGEMENT, market_engagement, m);
        s_push (h, OCID_1, BUYER, 3, &env);                                 //  6
    }
    s_tender (h, OCID_1, "P1", 123456789012345LL, "GBP", 5, 30);            //  7 plan -> do
    s_tender (h, OCID_1, "P2", 5000000, "GBP", 6, 14);                      //  8 lot 2
    {   Cyclehub__V1__TenderAmended m = CYCLEHUB__V1__TENDER_AMENDED__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        value.amount = 1;
        value.currency = "GBP";
        m.procurement_id = "P1";
        m.description = "Deadline extended; value corrected.";
        m.value = &value;
        m.new_deadline_ms = T0_MS + 40 * DAY_MS;
        S_ENV (TENDER_AMENDED, tender_amended, m);
        s_push (h, OCID_1, BUYER, 10, &env);                                //  9
    }
    s_terminated (h, OCID_1, "P2", 12);                                     //  10 lot 2 fails
    s_tender (h, OCID_1, "P3", 5500000, "GBP", 13, 17);                     //  11 lot 2 again
    s_closed (h, OCID_1, "P3", 31);                                         //  12
    s_closed (h, OCID_1, "P1", 41);                                         //  13
    s_award (h, OCID_1, "P1", "A1", SUPPLIER, 10, 42);                      //  14
    s_award (h, OCID_1, "P3", "A3", CHARITY, 5400000, 43);                  //  15
    s_contract (h, OCID_1, "C1", "A1", 99999, 63);                          //  16
    s_contract (h, OCID_1, "C3", "A3", 5400000, 64);                        //  17
    {   Cyclehub__V1__ContractChanged m = CYCLEHUB__V1__CONTRACT_CHANGED__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        value.amount = 100000;
        value.currency = "GBP";
        m.contract_id = "C1";
        m.description = "Weekend classes added";
        m.new_value = &value;
        S_ENV (CONTRACT_CHANGED, contract_changed, m);
        s_push (h, OCID_1, BUYER, 64, &env);                                //  18
    }
    {   Cyclehub__V1__KpiReported m = CYCLEHUB__V1__KPI_REPORTED__INIT;
        Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
        period.start_ms = T0_MS + 64 * DAY_MS;
        period.end_ms = T0_MS + 70 * DAY_MS;
        m.contract_id = "C1";
        m.kpi_code = "KPI-1";
        m.period = &period;
        m.value = 0.1;
        m.target = 80;                  //  "%g" once wrote this "8e+01"
        m.rating = CYCLEHUB__V1__RATING__RATING_AMBER;
        S_ENV (KPI_REPORTED, kpi_reported, m);
        s_push (h, OCID_1, SUPPLIER, 70, &env);                             //  19
    }
    {   Cyclehub__V1__MilestoneUpdated m = CYCLEHUB__V1__MILESTONE_UPDATED__INIT;
        m.contract_id = "C1";
        m.milestone_id = "M1";
        m.title = "Service mobilised";
        m.status = CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_COMPLETE;
        m.due_ms = T0_MS + 71 * DAY_MS;
        m.completed_ms = T0_MS + 70 * DAY_MS;
        S_ENV (MILESTONE_UPDATED, milestone_updated, m);
        s_push (h, OCID_1, SUPPLIER, 71, &env);                             //  20
    }
    {   Cyclehub__V1__PaymentReported m = CYCLEHUB__V1__PAYMENT_REPORTED__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        value.amount = 250050;
        value.currency = "GBP";
        m.contract_id = "C1";
        m.payment_id = "PAY-1";
        m.amount = &value;
        m.invoice_received_ms = T0_MS + 66 * DAY_MS;
        m.paid_ms = T0_MS + 72 * DAY_MS;
        S_ENV (PAYMENT_REPORTED, payment_reported, m);
        s_push (h, OCID_1, BUYER, 72, &env);                                //  21
    }
    {   Cyclehub__V1__SocialValueReported m = CYCLEHUB__V1__SOCIAL_VALUE_REPORTED__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
        value.amount = 1234;
        value.currency = "GBP";
        period.start_ms = T0_MS + 64 * DAY_MS;
        period.end_ms = T0_MS + 73 * DAY_MS;
        m.contract_id = "C1";
        m.framework = "TOMs";
        m.measure_code = "NT1";
        m.unit = "people";
        m.quantity = 3;
        m.period = &period;
        m.proxy_value = &value;
        S_ENV (SOCIAL_VALUE_REPORTED, social_value_reported, m);
        s_push (h, OCID_1, SUPPLIER, 73, &env);                             //  22
    }
    {   Cyclehub__V1__EvaluationPublished m = CYCLEHUB__V1__EVALUATION_PUBLISHED__INIT;
        m.title = "Year one evaluation";
        S_ENV (EVALUATION_PUBLISHED, evaluation_published, m);
        s_push (h, OCID_1, BUYER, 80, &env);                                //  23 do -> review
    }
    {   Cyclehub__V1__ReviewDecision m = CYCLEHUB__V1__REVIEW_DECISION__INIT;
        m.decision = CYCLEHUB__V1__DECISION__DECISION_RECOMMISSION;
        m.reason = "Outcomes met; widen to over 55s";
        S_ENV (REVIEW_DECISION, review_decision, m);
        s_push (h, OCID_1, BUYER, 81, &env);                                //  24 -> analyse, cycle 2
    }
    s_priorities (h, OCID_1, BUYER, 82);                                    //  25 -> plan
    s_planned (h, OCID_1, "P4", CYCLEHUB__V1__NOTICE_KIND__NOTICE_KIND_PIPELINE,
               0, 83);                                                      //  26 next cycle
    {   Cyclehub__V1__ContractEnded m = CYCLEHUB__V1__CONTRACT_ENDED__INIT;
        m.contract_id = "C3";
        m.how = CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_TERMINATED;
        m.reason = "Provider entered administration.";
        m.ended_at_ms = T0_MS + 84 * DAY_MS;
        S_ENV (CONTRACT_ENDED, contract_ended, m);
        s_push (h, OCID_1, BUYER, 84, &env);                                //  27
    }
    s_opened (h, OCID_2, NHS, 90, 0, NULL);                                 //  28
    s_priorities (h, OCID_2, NHS, 90);                                      //  29
    {   Cyclehub__V1__DirectAward m = CYCLEHUB__V1__DIRECT_AWARD__INIT;
        Cyclehub__V1__Money value = CYCLEHUB__V1__MONEY__INIT;
        char *suppliers [] = { CHARITY };
        value.amount = 4200000;
        value.currency = "GBP";
        m.procurement_id = "P9";
        m.award_id = "A9";
        m.n_suppliers = 1;
        m.suppliers = suppliers;
        m.value = &value;
        m.justification = "Extreme urgency: the incumbent provider failed.";
        m.no_standstill_reason = "Urgency: Procurement Act 2023 s.51(3)";
        S_ENV (DIRECT_AWARD, direct_award, m);
        s_push (h, OCID_2, NHS, 91, &env);                                  //  30
    }
    s_contract (h, OCID_2, "C9", "A9", 4200000, 91);                        //  31 no standstill
    s_opened (h, OCID_3, BUYER, 95, 0, NULL);                               //  32
    s_needs (h, OCID_3, BUYER, 95);                                         //  33
    {   Cyclehub__V1__ErasureRecorded m = CYCLEHUB__V1__ERASURE_RECORDED__INIT;
        m.target_seq = 2;
        m.consultation_id = "K1";
        m.response_id = "R1";
        m.requested_by = "retention";
        S_ENV (ERASURE_RECORDED, erasure_recorded, m);
        s_push (h, OCID_1, "", 96, &env);                                   //  34 nothing to export
    }
}

#define P(x) OCID_1 "-" x
//  The expected release per seq: its ocid and tag (NULL: none)
static const struct { const char *ocid, *tag; } s_expected [] = {
    { NULL, NULL },
    { OCID_1, "planning" }, { OCID_1, "planningUpdate" }, { OCID_1, "planningUpdate" },
    { OCID_1, "planningUpdate" }, { OCID_1, "planningUpdate" }, { OCID_1, "planningUpdate" },
    { P("P1"), "tender" }, { P("P2"), "tender" }, { P("P1"), "tenderAmendment" },
    { P("P2"), "tenderCancellation" }, { P("P3"), "tender" }, { P("P3"), "tenderUpdate" },
    { P("P1"), "tenderUpdate" }, { P("P1"), "award" }, { P("P3"), "award" },
    { P("P1"), "contract" }, { P("P3"), "contract" }, { P("P1"), "contractAmendment" },
    { P("P1"), "implementation" }, { P("P1"), "implementation" }, { P("P1"), "implementation" },
    { P("P1"), "implementation" }, { NULL, NULL }, { NULL, NULL },
    { OCID_1, "planningUpdate" }, { OCID_1, "planningUpdate" }, { P("P3"), "contractTermination" },
    { OCID_2, "planning" }, { OCID_2, "planningUpdate" }, { OCID_2 "-P9", "award" },
    { OCID_2 "-P9", "contract" }, { OCID_3, "planning" }, { OCID_3, "planningUpdate" },
    { NULL, NULL }
};
#define S_RELEASES 31

//  A converter fed the first `upto` events (half of them packed), with the
//  agencies named when `named`
static hub_ocds_t *
s_export (history_t *h, size_t upto, bool record, bool named)
{
    hub_ocds_options_t options = { .record = record };
    hub_ocds_t *ocds = hub_ocds_new (&options);
    REQUIRE (ocds);
    if (named) {
        CHECK (hub_ocds_agency (ocds, BUYER, "Doncaster Council", true) == 0);
        CHECK (hub_ocds_agency (ocds, JOINT, "Hackney Council", true) == 0);
        CHECK (hub_ocds_agency (ocds, NHS, "Northern Trust", false) == 0);
        CHECK (hub_ocds_agency (ocds, SUPPLIER, "Active Lives Ltd", false) == 0);
        CHECK (hub_ocds_agency (ocds, CHARITY, "Age Well", false) == 0);
        CHECK (hub_ocds_agency (ocds, "", "Nobody", false) == -1);
    }
    for (size_t i = 0; i < upto; i++) {
        Cyclehub__V1__Event *ev = cyclehub__v1__event__unpack (NULL, h->size [i], h->data [i]);
        REQUIRE (ev);
        int rc = (i % 2)? hub_ocds_add (ocds, ev): hub_ocds_add_packed (ocds, h->data [i], h->size [i]);
        CHECK_MSG (rc == 0, "seq %zu: %s", i + 1, hub_ocds_error (ocds));
        cyclehub__v1__event__free_unpacked (ev, NULL);
    }
    return ocds;
}

//  Validates text with scripts/ocds-validate; fails the test if invalid
static void
s_check_valid (const char *dir, const char *name, const char *text, bool have_validator)
{
    if (!have_validator)
        return;
    char path [PATH_MAX], out [8192];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    s_write (path, text);
    int rc = s_validate (path, NULL, out, sizeof out);
    CHECK_MSG (rc == 0, "%s: validator exit %d:\n%s", name, rc, out);
}

static json_t *
s_party (json_t *release, const char *id)
{
    size_t i;
    json_t *party;
    json_array_foreach (json_object_get (release, "parties"), i, party)
        if (streq (json_string_value (json_object_get (party, "id")), id))
            return party;
    return NULL;
}

static bool
s_has_role (json_t *party, const char *role)
{
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (party, "roles"), i, r)
        if (streq (json_string_value (r), role))
            return true;
    return false;
}

static void
s_test_release_package (history_t *h, const char *dir, bool have_validator)
{
    hub_ocds_t *ocds = s_export (h, h->count, false, true);
    CHECK (hub_ocds_release_count (ocds) == S_RELEASES);
    CHECK (hub_ocds_unnamed (ocds, 0) == NULL);
    char *pretty = hub_ocds_package (ocds, HUB_OCDS_PRETTY);
    char *compact = hub_ocds_package (ocds, 0);
    REQUIRE (pretty && compact);
    CHECK (!strchr (compact, '\n'));
    //  the same history, the same bytes
    hub_ocds_t *other = s_export (h, h->count, false, true);
    char *again = hub_ocds_package (other, HUB_OCDS_PRETTY);
    CHECK (again && streq (pretty, again));
    free (again);
    hub_ocds_destroy (&other);
    s_check_valid (dir, "release-package.json", pretty, have_validator);
    s_check_valid (dir, "release-package-compact.json", compact, have_validator);

    //  the golden file holds the bytes: any change to the output shows here
    //  (HUB_OCDS_REGEN=1 rewrites it; read the diff before committing it)
    char golden [PATH_MAX];
    snprintf (golden, sizeof golden, "%s/release-package.json", HUB_OCDS_TEST_DATA);
    if (getenv ("HUB_OCDS_REGEN"))
        s_write (golden, pretty);
    FILE *f = fopen (golden, "r");
    CHECK_MSG (f, "golden file %s missing (HUB_OCDS_REGEN=1 writes it)", golden);
    if (f) {
        char *want = (char *) calloc (1, 1 << 20);
        size_t n = fread (want, 1, (1 << 20) - 1, f);
        fclose (f);
        if (n && want [n - 1] == '\n')
            want [n - 1] = 0;
        CHECK_MSG (strcmp (want, pretty) == 0, "output differs from %s", golden);
        free (want);
    }

    json_t *package = json_loads (compact, 0, NULL);
    REQUIRE (package);
    CHECK (streq (json_string_value (json_object_get (package, "uri")), "urn:cyclehub:ocds"));
    json_t *releases = json_object_get (package, "releases");
    size_t i, made = 0;
    json_t *rel;
    json_array_foreach (releases, i, rel) {
        const char *id = json_string_value (json_object_get (rel, "id"));
        const char *ocid = json_string_value (json_object_get (rel, "ocid"));
        REQUIRE (id && ocid);
        //  "<ocid>-<seq>": the seq names the release expected
        CHECK (strncmp (id, ocid, strlen (ocid)) == 0 && id [strlen (ocid)] == '-');
        size_t seq = (size_t) strtoul (id + strlen (ocid) + 1, NULL, 10);
        REQUIRE (seq > 0 && seq < sizeof s_expected / sizeof s_expected [0]);
        CHECK_MSG (s_expected [seq].ocid && streq (ocid, s_expected [seq].ocid)
                   && streq (json_string_value (json_array_get (json_object_get (rel, "tag"), 0)),
                             s_expected [seq].tag), "seq %zu: %s", seq, ocid);
        //  a contracting process points at its commission's planning process
        json_t *link = json_array_get (json_object_get (rel, "relatedProcesses"), 0);
        bool process = strlen (ocid) > strlen (OCID_1);
        CHECK_MSG (process == (link != NULL), "seq %zu", seq);
        if (link) {
            CHECK (streq (json_string_value (json_array_get (json_object_get (link, "relationship"), 0)), "planning"));
            CHECK (streq (json_string_value (json_object_get (link, "scheme")), "ocid"));
            CHECK (strncmp (ocid, json_string_value (json_object_get (link, "identifier")),
                            strlen (OCID_1)) == 0);
        }
        made++;
    }
    CHECK (made == S_RELEASES);
    //  exact amounts, in the currency's major unit
    CHECK (strstr (compact, "\"value\":{\"amount\":1234567890123.45,\"currency\":\"GBP\"}"));
    CHECK (strstr (compact, "\"value\":{\"amount\":2500.5,\"currency\":\"GBP\"}"));
    CHECK (strstr (compact, "\"value\":{\"amount\":0.01,\"currency\":\"GBP\"}"));
    CHECK (strstr (compact, "Value 0.1 against target 80"));
    CHECK (strstr (compact, "Quantity 3 people; proxy value 12.34 GBP"));
    CHECK (strstr (compact, "Pipeline (UK1) notice for procurement P1, estimated value 1250000.00 GBP"));
    CHECK (strstr (compact, "\"amendsReleaseID\":\"" P("P1") "-7\""));
    //  the standstill, or why there is none, in the award's description
    CHECK (strstr (compact, "\"description\":\"Standstill period ends 2026-03-08T10:00:00.000Z.\""));
    CHECK (strstr (compact, "\"description\":\"No standstill period: Urgency: Procurement Act 2023 s.51(3)\""));

    //  parties: names from the agencies, roles per process
    json_t *tender_p1 = json_array_get (releases, 6), *award_p3 = json_array_get (releases, 14);
    json_t *buyer = s_party (tender_p1, BUYER), *joint = s_party (tender_p1, JOINT);
    json_t *nhs = s_party (tender_p1, NHS);
    CHECK (buyer && s_has_role (buyer, "buyer") && s_has_role (buyer, "procuringEntity"));
    CHECK (streq (json_string_value (json_object_get (buyer, "name")), "Doncaster Council"));
    CHECK (joint && s_has_role (joint, "buyer") && !s_has_role (joint, "procuringEntity"));
    CHECK (nhs && s_has_role (nhs, "interestedParty") && !s_has_role (nhs, "buyer"));
    CHECK (streq (json_string_value (json_object_get (nhs, "name")), "Northern Trust"));
    CHECK (streq (json_string_value (json_object_get (json_object_get (tender_p1, "buyer"), "name")),
                  "Doncaster Council"));
    //  lot P3's award names its own supplier, not lot P1's
    CHECK (s_party (award_p3, CHARITY) && s_has_role (s_party (award_p3, CHARITY), "supplier"));
    CHECK (!s_party (award_p3, SUPPLIER));
    json_t *payment = json_array_get (releases, 20);
    CHECK (s_has_role (s_party (payment, SUPPLIER), "payee"));
    CHECK (s_has_role (s_party (payment, BUYER), "payer"));
    json_decref (package);
    free (pretty);
    free (compact);
    hub_ocds_destroy (&ocds);

    //  without names: no name, and the converter says which parties lack one
    ocds = s_export (h, h->count, false, false);
    CHECK (streq (hub_ocds_unnamed (ocds, 0), BUYER));
    CHECK (streq (hub_ocds_unnamed (ocds, 1), NHS));
    compact = hub_ocds_package (ocds, 0);
    CHECK (compact && !strstr (compact, "\"name\":\"Doncaster"));
    s_check_valid (dir, "release-package-unnamed.json", compact, have_validator);
    free (compact);
    hub_ocds_destroy (&ocds);
    hub_ocds_destroy (&ocds);          //  idempotent
}

//  One record per ocid; each tells one story
static void
s_test_record_package (history_t *h, const char *dir, bool have_validator)
{
    hub_ocds_t *ocds = s_export (h, h->count, true, true);
    char *text = hub_ocds_package (ocds, HUB_OCDS_PRETTY);
    REQUIRE (text);
    json_t *package = json_loads (text, 0, NULL);
    json_t *records = json_object_get (package, "records");
    const char *ocids [] = { OCID_1, P("P1"), P("P2"), P("P3"), OCID_2, OCID_2 "-P9", OCID_3 };
    CHECK_MSG (json_array_size (records) == 7, "%zu records", json_array_size (records));
    size_t i, total = 0;
    json_t *record;
    json_array_foreach (records, i, record) {
        const char *ocid = json_string_value (json_object_get (record, "ocid"));
        CHECK_MSG (i < 7 && streq (ocid, ocids [i]), "record %zu: %s", i, ocid);
        json_t *compiled = json_object_get (record, "compiledRelease");
        json_t *releases = json_object_get (record, "releases");
        total += json_array_size (releases);
        CHECK (streq (json_string_value (json_object_get (compiled, "ocid")), ocid));
        //  coherent: an active contract and a planning release never share an ocid
        bool active = false, planning = false;
        size_t k;
        json_t *item;
        json_array_foreach (json_object_get (compiled, "contracts"), k, item)
            active |= streq (json_string_value (json_object_get (item, "status")), "active");
        json_array_foreach (releases, k, item) {
            const char *tag = json_string_value (json_array_get (json_object_get (item, "tag"), 0));
            planning |= strncmp (tag, "planning", 8) == 0;
        }
        const char *status = json_string_value (json_object_get (json_object_get (compiled, "tender"), "status"));
        CHECK_MSG (!(active && planning), "%s mixes planning and an active contract", ocid);
        CHECK_MSG (!(active && status && (streq (status, "planning") || streq (status, "planned"))),
                   "%s: tender %s with an active contract", ocid, status);
        //  a planning process has no tender, awards or contracts
        if (planning)
            CHECK (!json_object_get (compiled, "tender") && !json_object_get (compiled, "awards")
                && !json_object_get (compiled, "contracts"));
    }
    CHECK (total == S_RELEASES);
    //  each process as it ended
    json_t *p1 = json_object_get (json_array_get (records, 1), "compiledRelease");
    json_t *p2 = json_object_get (json_array_get (records, 2), "compiledRelease");
    json_t *p3 = json_object_get (json_array_get (records, 3), "compiledRelease");
    json_t *plan = json_object_get (json_array_get (records, 0), "compiledRelease");
    CHECK (streq (json_string_value (json_object_get (json_object_get (p1, "tender"), "status")), "complete"));
    CHECK (streq (json_string_value (json_object_get (json_array_get (json_object_get (p1, "contracts"), 0), "status")), "active"));
    CHECK (streq (json_string_value (json_object_get (json_array_get (json_object_get (p1, "awards"), 0), "status")), "active"));
    CHECK (streq (json_string_value (json_object_get (json_object_get (p2, "tender"), "status")), "cancelled"));
    CHECK (!json_object_get (p2, "awards"));
    CHECK (streq (json_string_value (json_object_get (json_array_get (json_object_get (p3, "contracts"), 0), "status")), "terminated"));
    //  the planning process holds both cycles' notices, as milestones
    json_t *milestones = json_object_get (json_object_get (plan, "planning"), "milestones");
    char *ms = json_dumps (milestones, JSON_COMPACT);
    CHECK_MSG (ms && strstr (ms, "\"id\":\"procurement-P1\"") && strstr (ms, "\"id\":\"procurement-P4\"")
               && strstr (ms, "\"type\":\"engagement\""), "%s", ms);
    free (ms);
    CHECK (strstr (text, "Priorities agreed: Strength and balance classes; Home hazard checks."));
    //  the releases of a record, as a release package, are valid OCDS
    if (have_validator) {
        json_t *releases = json_object_get (json_array_get (records, 1), "releases");
        json_t *sub = json_pack ("{s:s, s:s, s:{s:s}, s:s, s:O}", "uri", "urn:x", "version", "1.1",
                                 "publisher", "name", "x", "publishedDate",
                                 "2026-01-01T00:00:00Z", "releases", releases);
        char *sub_text = json_dumps (sub, 0);
        s_check_valid (dir, "record-p1.json", sub_text, have_validator);
        free (sub_text);
        json_decref (sub);
    }
    json_decref (package);
    free (text);
    hub_ocds_destroy (&ocds);
}

static void
s_test_options_and_currencies (bool have_validator, const char *dir)
{
    hub_ocds_options_t options = {
        .publisher_name = "Borough Council",
        .publisher_uri = "https://council.example/",
        .uri = "https://council.example/ocds/056931.json",
        .published_date = "2026-06-01T12:00:00Z"
    };
    hub_ocds_t *ocds = hub_ocds_new (&options);
    REQUIRE (ocds);
    history_t h;
    memset (&h, 0, sizeof h);
    s_opened (&h, OCID_1, BUYER, 0, 0, NULL);
    s_priorities (&h, OCID_1, BUYER, 0);
    s_tender (&h, OCID_1, "PJ", 12345, "JPY", 1, 30);      //  no minor unit
    s_tender (&h, OCID_1, "PB", 12345, "BHD", 1, 30);      //  three decimals
    s_tender (&h, OCID_1, "PG", 123456789012345LL, "GBP", 1, 30);
    s_tender (&h, OCID_1, "PZ", 7, "GBP", 1, 30);
    s_tender (&h, OCID_1, "PH", 45000050, "GBP", 1, 30);
    s_tender (&h, OCID_1, "PK", 12300, "KWD", 1, 30);
    for (size_t i = 0; i < h.count; i++)
        CHECK_MSG (hub_ocds_add_packed (ocds, h.data [i], h.size [i]) == 0, "%s",
                   hub_ocds_error (ocds));
    char *text = hub_ocds_package (ocds, 0);
    REQUIRE (text);
    CHECK (strstr (text, "{\"amount\":12345,\"currency\":\"JPY\"}"));
    CHECK (strstr (text, "{\"amount\":12.345,\"currency\":\"BHD\"}"));
    CHECK (strstr (text, "{\"amount\":1234567890123.45,\"currency\":\"GBP\"}"));
    CHECK (strstr (text, "{\"amount\":0.07,\"currency\":\"GBP\"}"));
    CHECK (strstr (text, "{\"amount\":450000.5,\"currency\":\"GBP\"}"));
    CHECK (strstr (text, "{\"amount\":12.3,\"currency\":\"KWD\"}"));
    CHECK (strstr (text, "\"uri\":\"https://council.example/ocds/056931.json\""));
    CHECK (strstr (text, "\"publisher\":{\"name\":\"Borough Council\",\"uri\":\"https://council.example/\"}"));
    CHECK (strstr (text, "\"publishedDate\":\"2026-06-01T12:00:00Z\""));
    s_check_valid (dir, "options.json", text, have_validator);
    free (text);
    hub_ocds_destroy (&ocds);
    s_history_free (&h);

    //  one commission and no uri given: a URN naming it; nothing fed: no releases
    ocds = hub_ocds_new (NULL);
    history_t one;
    memset (&one, 0, sizeof one);
    s_opened (&one, OCID_3, BUYER, 0, 0, NULL);
    CHECK (hub_ocds_add_packed (ocds, one.data [0], one.size [0]) == 0);
    text = hub_ocds_package (ocds, 0);
    CHECK (text && strstr (text, "\"uri\":\"urn:cyclehub:ocds:" OCID_3 "\""));
    free (text);
    hub_ocds_destroy (&ocds);
    s_history_free (&one);
    options = (hub_ocds_options_t) { .record = true };
    ocds = hub_ocds_new (&options);
    text = hub_ocds_package (ocds, 0);
    CHECK (text && strstr (text, "\"records\":[]")
           && strstr (text, "\"publishedDate\":\"1970-01-01T00:00:00.000Z\""));
    free (text);
    hub_ocds_destroy (&ocds);
}

//  Each refusal names the event and leaves the converter as it was
static void
s_test_errors (void)
{
    hub_ocds_t *ocds = hub_ocds_new (NULL);
    REQUIRE (ocds);
    history_t h;
    memset (&h, 0, sizeof h);
    s_tender (&h, OCID_1, "P1", 100, "GBP", 0, 30);             //  1: before opened
    s_opened (&h, OCID_1, BUYER, 0, 0, NULL);                   //  2
    s_contract (&h, OCID_1, "C9", "A9", 100, 0);                //  3: no such award
    s_tender (&h, OCID_1, "P1", 100, "ZZZ", 0, 30);             //  4: not a currency
    s_tender (&h, OCID_1, "P1", 100, "GBP", 0, 30);             //  5: stage analyse
    s_priorities (&h, OCID_1, BUYER, 1);                        //  6
    s_tender (&h, OCID_1, "P1", 100, "GBP", 1, 30);             //  7: fine
    s_closed (&h, OCID_1, "P1", 2);                             //  8: before the deadline
    s_opened (&h, OCID_1 "-P1", BUYER, 3, 0, NULL);             //  9: a process's ocid
    s_closed (&h, OCID_1, "P1", 40);                            //  10: fine

    CHECK (hub_ocds_add_packed (ocds, h.data [0], h.size [0]) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "event 1: tender.published comes before commission "
                   OCID_1 " was opened"));
    CHECK (hub_ocds_add_packed (ocds, h.data [1], h.size [1]) == 0);
    CHECK (*hub_ocds_error (ocds) == 0);
    CHECK (hub_ocds_add_packed (ocds, h.data [2], h.size [2]) == -1);
    CHECK_MSG (strstr (hub_ocds_error (ocds), "event 3: contract.signed refers to award \"A9\""),
               "%s", hub_ocds_error (ocds));
    CHECK (hub_ocds_add_packed (ocds, h.data [3], h.size [3]) == -1);
    CHECK_MSG (strstr (hub_ocds_error (ocds), "event 4: the domain's field checks refuse it: "
                       "INVALID_VALUE") && strstr (hub_ocds_error (ocds), "currency"),
               "%s", hub_ocds_error (ocds));
    CHECK (hub_ocds_add_packed (ocds, h.data [4], h.size [4]) == -1);
    CHECK_MSG (strstr (hub_ocds_error (ocds), "event 5: the domain's rules refuse this "
                       "tender.published at its recorded time (ILLEGAL_TRANSITION"),
               "%s", hub_ocds_error (ocds));
    CHECK (hub_ocds_release_count (ocds) == 1);
    CHECK (hub_ocds_add_packed (ocds, h.data [5], h.size [5]) == 0);
    CHECK (hub_ocds_add_packed (ocds, h.data [6], h.size [6]) == 0);
    CHECK (hub_ocds_release_count (ocds) == 3);
    CHECK (hub_ocds_add_packed (ocds, h.data [7], h.size [7]) == -1);
    CHECK_MSG (strstr (hub_ocds_error (ocds), "event 8: the domain's rules refuse this tender.closed"),
               "%s", hub_ocds_error (ocds));
    CHECK (hub_ocds_add_packed (ocds, h.data [8], h.size [8]) == -1);
    CHECK_MSG (strstr (hub_ocds_error (ocds), "has the ocid of a procurement of commission " OCID_1),
               "%s", hub_ocds_error (ocds));
    //  the refused close left the procurement in its tender: the late one is taken
    CHECK_MSG (hub_ocds_add_packed (ocds, h.data [9], h.size [9]) == 0, "%s", hub_ocds_error (ocds));
    CHECK (hub_ocds_release_count (ocds) == 4);
    //  the same event again, or an older one: out of order
    CHECK (hub_ocds_add_packed (ocds, h.data [9], h.size [9]) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "event 10: is not after the last event taken (seq 10)"));
    CHECK (hub_ocds_add_packed (ocds, h.data [1], h.size [1]) == -1);
    //  not an Event at all, and no event
    const uint8_t junk [] = { 0xff, 0xff, 0xff };
    CHECK (hub_ocds_add_packed (ocds, junk, sizeof junk) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "not a packed cyclehub.v1.Event"));
    CHECK (hub_ocds_add (ocds, NULL) == -1);
    Cyclehub__V1__Event empty = CYCLEHUB__V1__EVENT__INIT;
    empty.seq = 99;
    CHECK (hub_ocds_add (ocds, &empty) == -1);
    CHECK (strstr (hub_ocds_error (ocds), "has no envelope body"));
    CHECK (hub_ocds_release_count (ocds) == 4);
    char *text = hub_ocds_package (ocds, 0);
    CHECK (text && strstr (text, "\"id\":\"" OCID_1 "-P1-7\"") && strstr (text, "\"id\":\"" OCID_1 "-P1-10\""));
    CHECK (text && !strstr (text, "-8\"") && !strstr (text, "-3\""));
    free (text);
    hub_ocds_destroy (&ocds);
    s_history_free (&h);
}

int
main (void)
{
    char *dir = hub_test_tmpdir ("ocds");
    REQUIRE (dir);
    bool have_validator = s_validator_ready ();
    history_t h;
    s_build_history (&h);

    s_test_release_package (&h, dir, have_validator);
    s_test_record_package (&h, dir, have_validator);
    s_test_options_and_currencies (have_validator, dir);
    s_test_errors ();

    s_history_free (&h);
    if (hub_test_failed == 0)
        hub_test_rmtree (dir);
    else
        fprintf (stderr, "test_ocds: packages kept in %s\n", dir);
    free (dir);
    HUB_TEST_DONE ();
}
