/*  Tests of the domain rules (broker/domain): the commissioning state machine
    over every (stage x message type) pair against an explicit table, the
    consultation and procurement sub-machines, Gunning, standstill, tender
    deadlines, contract monitoring, whole cycles, the state's encoding and
    copies, and field validation rule by rule (code and field path).
*/
#include "hub_cycle.h"
#include "hub_validate.h"
#include "hub_commission.h"
#include "hub_standstill.h"
#include "hub_test.h"
#include <math.h>
#include <time.h>

#define REJ(c)      CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##c
#define STAGE(s)    CYCLEHUB__V1__STAGE__STAGE_##s
#define BODY(t)     CYCLEHUB__V1__ENVELOPE__BODY_##t
#define CONS(s)     CYCLEHUB__V1__CONSULTATION_STATE__STATUS__STATUS_##s
#define PROC(s)     CYCLEHUB__V1__PROCUREMENT_STATE__STATUS__STATUS_##s
#define KSTAT(s)    CYCLEHUB__V1__CONTRACT_STATE__STATUS__STATUS_##s

#define CID         "ocds-h6vhtk-000001"
#define BUYER       "GB-LAE-E08000035"
#define PARTNER     "GB-NHS-QWO"
#define SUPPLIER    "GB-CHC-1234567"
#define SUPPLIER2   "GB-COH-01234567"
#define DAY         INT64_C (86400000)
#define T0          INT64_C (1735689600000)         //  2025-01-01T00:00:00Z
#define NOW         (T0 + 100 * DAY)

//  The test's clock: canonical messages take their dates from it (a tender
//  period from a day before to 30 days after, a standstill ending 21 days
//  after, which is at least 8 working days at any time of year), and
//  fixture steps (MUST) are applied at it. Fixtures move it through their
//  history and leave it at NOW.
static int64_t s_clock = NOW;

#define STANDSTILL  (21 * DAY)          //  the canonical award's standstill

static void
s_at (int64_t t)
{
    s_clock = t;
}

//  --------------------------------------------------------------------------
//  Messages: one canonical, valid message of each type, built in place

typedef struct {
    Cyclehub__V1__Envelope env;
    Cyclehub__V1__CommissionOpened commission_opened;
    Cyclehub__V1__NeedsAssessed needs_assessed;
    Cyclehub__V1__PrioritiesAgreed priorities_agreed;
    Cyclehub__V1__StrategyApproved strategy_approved;
    Cyclehub__V1__StageChangeRequested stage_change_requested;
    Cyclehub__V1__PartnerUpdatePosted partner_update;
    Cyclehub__V1__ConsultationOpened consultation_opened;
    Cyclehub__V1__ResponseSubmitted response_submitted;
    Cyclehub__V1__ConsultationClosed consultation_closed;
    Cyclehub__V1__ConsultationOutcomePublished consultation_outcome;
    Cyclehub__V1__ProcurementPlanned procurement_planned;
    Cyclehub__V1__MarketEngagement market_engagement;
    Cyclehub__V1__TenderPublished tender_published;
    Cyclehub__V1__TenderAmended tender_amended;
    Cyclehub__V1__TenderClosed tender_closed;
    Cyclehub__V1__ProcurementTerminated procurement_terminated;
    Cyclehub__V1__DirectAward direct_award;
    Cyclehub__V1__AwardMade award_made;
    Cyclehub__V1__ContractSigned contract_signed;
    Cyclehub__V1__ContractChanged contract_changed;
    Cyclehub__V1__ContractEnded contract_ended;
    Cyclehub__V1__KpiReported kpi_reported;
    Cyclehub__V1__MilestoneUpdated milestone_updated;
    Cyclehub__V1__SocialValueReported social_value_reported;
    Cyclehub__V1__PaymentReported payment_reported;
    Cyclehub__V1__EvaluationPublished evaluation_published;
    Cyclehub__V1__ReviewDecision review_decision;
    Cyclehub__V1__ErasureRecorded erasure_recorded;
    Cyclehub__V1__Money money;
    Cyclehub__V1__Period period;
    Cyclehub__V1__Kpi kpi;
    Cyclehub__V1__Kpi *kpis [1];
    Cyclehub__V1__Answer answer;
    Cyclehub__V1__Answer *answers [1];
    Cyclehub__V1__PersonalData personal;
    char *texts [2];
    char *suppliers [2];
    char *partners [2];
} msg_t;

static Cyclehub__V1__Decision
s_decision (const char *name)
{
    if (name && strcmp (name, "redesign") == 0)
        return CYCLEHUB__V1__DECISION__DECISION_REDESIGN;
    if (name && strcmp (name, "decommission") == 0)
        return CYCLEHUB__V1__DECISION__DECISION_DECOMMISSION;
    return CYCLEHUB__V1__DECISION__DECISION_RECOMMISSION;
}

//  a and b are the ids the type refers to: consultation (+ response),
//  procurement (+ award), contract (+ award), a target stage or a decision
static void
s_msg (msg_t *m, Cyclehub__V1__Envelope__BodyCase type, const char *a, const char *b)
{
    memset (m, 0, sizeof *m);
    cyclehub__v1__envelope__init (&m->env);
    m->env.msg_id = "m-1";
    m->env.commission_id = CID;
    m->env.sent_at_ms = s_clock;
    m->env.body_case = type;
    char *ida = (char *) (a? a: "x-1");
    char *idb = (char *) (b? b: "y-1");
    cyclehub__v1__money__init (&m->money);
    m->money.amount = 125000000;
    m->money.currency = "GBP";
    cyclehub__v1__period__init (&m->period);
    m->texts [0] = "first";
    m->texts [1] = "second";
    m->suppliers [0] = SUPPLIER;
    m->suppliers [1] = SUPPLIER2;
    m->partners [0] = PARTNER;
    m->partners [1] = "GB-CHC-7654321";

    switch (type) {
        case BODY (COMMISSION_OPENED): {
            Cyclehub__V1__CommissionOpened *x = &m->commission_opened;
            cyclehub__v1__commission_opened__init (x);
            x->title = "Community mental health support";
            x->description = "Early help for adults in the city";
            x->buyer = BUYER;
            x->n_partners = 2;
            x->partners = m->partners;
            m->env.commission_opened = x;
            break;
        }
        case BODY (NEEDS_ASSESSED):
            cyclehub__v1__needs_assessed__init (&m->needs_assessed);
            m->needs_assessed.population = "Adults 18-64, city-wide";
            m->needs_assessed.n_need_statements = 2;
            m->needs_assessed.need_statements = m->texts;
            m->env.needs_assessed = &m->needs_assessed;
            break;
        case BODY (PRIORITIES_AGREED):
            cyclehub__v1__priorities_agreed__init (&m->priorities_agreed);
            m->priorities_agreed.n_priorities = 2;
            m->priorities_agreed.priorities = m->texts;
            m->env.priorities_agreed = &m->priorities_agreed;
            break;
        case BODY (STRATEGY_APPROVED):
            cyclehub__v1__strategy_approved__init (&m->strategy_approved);
            m->strategy_approved.title = "Mental health strategy 2025-2028";
            m->env.strategy_approved = &m->strategy_approved;
            break;
        case BODY (STAGE_CHANGE_REQUESTED):
            cyclehub__v1__stage_change_requested__init (&m->stage_change_requested);
            m->stage_change_requested.target = hub_proto_stage_from_name (a);
            m->stage_change_requested.reason = "as agreed at the board";
            m->env.stage_change_requested = &m->stage_change_requested;
            break;
        case BODY (PARTNER_UPDATE):
            cyclehub__v1__partner_update_posted__init (&m->partner_update);
            m->partner_update.title = "Trust capacity update";
            m->env.partner_update = &m->partner_update;
            break;
        case BODY (CONSULTATION_OPENED):
            cyclehub__v1__consultation_opened__init (&m->consultation_opened);
            m->consultation_opened.consultation_id = ida;
            m->consultation_opened.title = "Have your say on crisis support";
            m->consultation_opened.opens_at_ms = s_clock - DAY;
            m->consultation_opened.closes_at_ms = s_clock + 30 * DAY;
            m->env.consultation_opened = &m->consultation_opened;
            break;
        case BODY (RESPONSE_SUBMITTED): {
            Cyclehub__V1__ResponseSubmitted *x = &m->response_submitted;
            cyclehub__v1__response_submitted__init (x);
            x->consultation_id = ida;
            x->response_id = idb;
            x->respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_RESIDENT;
            x->retention_until_ms = s_clock + 365 * DAY;
            cyclehub__v1__answer__init (&m->answer);
            m->answer.question_id = "q1";
            m->answer.choice = "agree";
            m->answers [0] = &m->answer;
            x->n_answers = 1;
            x->answers = m->answers;
            cyclehub__v1__personal_data__init (&m->personal);
            m->personal.full_name = "A Resident";
            x->personal = &m->personal;
            m->env.response_submitted = x;
            break;
        }
        case BODY (CONSULTATION_CLOSED):
            cyclehub__v1__consultation_closed__init (&m->consultation_closed);
            m->consultation_closed.consultation_id = ida;
            m->env.consultation_closed = &m->consultation_closed;
            break;
        case BODY (CONSULTATION_OUTCOME):
            cyclehub__v1__consultation_outcome_published__init (&m->consultation_outcome);
            m->consultation_outcome.consultation_id = ida;
            m->consultation_outcome.summary = "Night-time crisis line added";
            m->env.consultation_outcome = &m->consultation_outcome;
            break;
        case BODY (PROCUREMENT_PLANNED):
            cyclehub__v1__procurement_planned__init (&m->procurement_planned);
            m->procurement_planned.procurement_id = ida;
            m->procurement_planned.title = "Crisis support lot 1";
            m->procurement_planned.kind = CYCLEHUB__V1__NOTICE_KIND__NOTICE_KIND_PLANNED_PROCUREMENT;
            m->procurement_planned.estimated_value = &m->money;
            m->procurement_planned.expected_tender_ms = s_clock + 60 * DAY;
            m->env.procurement_planned = &m->procurement_planned;
            break;
        case BODY (MARKET_ENGAGEMENT):
            cyclehub__v1__market_engagement__init (&m->market_engagement);
            m->market_engagement.procurement_id = ida;
            m->market_engagement.description = "Provider events in March";
            m->period.start_ms = s_clock - 10 * DAY;
            m->period.end_ms = s_clock;
            m->market_engagement.period = &m->period;
            m->env.market_engagement = &m->market_engagement;
            break;
        case BODY (TENDER_PUBLISHED): {
            Cyclehub__V1__TenderPublished *x = &m->tender_published;
            cyclehub__v1__tender_published__init (x);
            x->procurement_id = ida;
            x->title = "Crisis support lot 1";
            x->description = "Open procedure";
            x->value = &m->money;
            x->procedure = CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN;
            m->period.start_ms = s_clock - DAY;
            m->period.end_ms = s_clock + 30 * DAY;
            x->tender_period = &m->period;
            x->social_value_weight_pct = 20;
            m->env.tender_published = x;
            break;
        }
        case BODY (TENDER_AMENDED):
            cyclehub__v1__tender_amended__init (&m->tender_amended);
            m->tender_amended.procurement_id = ida;
            m->tender_amended.description = "Clarification on TUPE";
            m->env.tender_amended = &m->tender_amended;
            break;
        case BODY (TENDER_CLOSED):
            cyclehub__v1__tender_closed__init (&m->tender_closed);
            m->tender_closed.procurement_id = ida;
            m->tender_closed.bids_received = 4;
            m->env.tender_closed = &m->tender_closed;
            break;
        case BODY (PROCUREMENT_TERMINATED):
            cyclehub__v1__procurement_terminated__init (&m->procurement_terminated);
            m->procurement_terminated.procurement_id = ida;
            m->procurement_terminated.reason = "Need met by an existing framework";
            m->env.procurement_terminated = &m->procurement_terminated;
            break;
        case BODY (DIRECT_AWARD): {
            Cyclehub__V1__DirectAward *x = &m->direct_award;
            cyclehub__v1__direct_award__init (x);
            x->procurement_id = ida;
            x->award_id = idb;
            x->n_suppliers = 1;
            x->suppliers = m->suppliers;
            x->value = &m->money;
            x->justification = "Extreme urgency";
            x->standstill_ends_ms = s_clock + STANDSTILL;
            m->env.direct_award = x;
            break;
        }
        case BODY (AWARD_MADE): {
            Cyclehub__V1__AwardMade *x = &m->award_made;
            cyclehub__v1__award_made__init (x);
            x->procurement_id = ida;
            x->award_id = idb;
            x->n_suppliers = 2;
            x->suppliers = m->suppliers;
            x->value = &m->money;
            x->standstill_ends_ms = s_clock + STANDSTILL;
            m->env.award_made = x;
            break;
        }
        case BODY (CONTRACT_SIGNED): {
            Cyclehub__V1__ContractSigned *x = &m->contract_signed;
            cyclehub__v1__contract_signed__init (x);
            x->contract_id = ida;
            x->award_id = idb;
            m->period.start_ms = s_clock;
            m->period.end_ms = s_clock + 365 * DAY;
            x->period = &m->period;
            x->value = &m->money;
            cyclehub__v1__kpi__init (&m->kpi);
            m->kpi.code = "KPI-1";
            m->kpi.unit = "%";
            m->kpi.target = 95.0;
            m->kpis [0] = &m->kpi;
            x->n_kpis = 1;
            x->kpis = m->kpis;
            m->env.contract_signed = x;
            break;
        }
        case BODY (CONTRACT_CHANGED):
            cyclehub__v1__contract_changed__init (&m->contract_changed);
            m->contract_changed.contract_id = ida;
            m->contract_changed.description = "Extended by six months";
            m->contract_changed.new_end_ms = s_clock + 545 * DAY;
            m->env.contract_changed = &m->contract_changed;
            break;
        case BODY (CONTRACT_ENDED):
            cyclehub__v1__contract_ended__init (&m->contract_ended);
            m->contract_ended.contract_id = ida;
            m->contract_ended.how = CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_TERMINATED;
            m->contract_ended.reason = "Provider withdrew";
            m->contract_ended.ended_at_ms = s_clock;
            m->env.contract_ended = &m->contract_ended;
            break;
        case BODY (KPI_REPORTED): {
            Cyclehub__V1__KpiReported *x = &m->kpi_reported;
            cyclehub__v1__kpi_reported__init (x);
            x->contract_id = ida;
            x->kpi_code = "KPI-1";
            m->period.start_ms = s_clock - 30 * DAY;
            m->period.end_ms = s_clock;
            x->period = &m->period;
            x->value = 93.5;
            x->target = 95.0;
            x->rating = CYCLEHUB__V1__RATING__RATING_AMBER;
            m->env.kpi_reported = x;
            break;
        }
        case BODY (MILESTONE_UPDATED):
            cyclehub__v1__milestone_updated__init (&m->milestone_updated);
            m->milestone_updated.contract_id = ida;
            m->milestone_updated.milestone_id = "ms-1";
            m->milestone_updated.title = "Service live";
            m->milestone_updated.status = CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_ON_TRACK;
            m->milestone_updated.due_ms = s_clock + 10 * DAY;
            m->env.milestone_updated = &m->milestone_updated;
            break;
        case BODY (SOCIAL_VALUE_REPORTED): {
            Cyclehub__V1__SocialValueReported *x = &m->social_value_reported;
            cyclehub__v1__social_value_reported__init (x);
            x->contract_id = ida;
            x->framework = "TOMs";
            x->measure_code = "NT1";
            x->unit = "FTE";
            x->quantity = 4.5;
            x->proxy_value = &m->money;
            m->period.start_ms = s_clock - 90 * DAY;
            m->period.end_ms = s_clock;
            x->period = &m->period;
            m->env.social_value_reported = x;
            break;
        }
        case BODY (PAYMENT_REPORTED):
            cyclehub__v1__payment_reported__init (&m->payment_reported);
            m->payment_reported.contract_id = ida;
            m->payment_reported.payment_id = "pay-1";
            m->payment_reported.amount = &m->money;
            m->payment_reported.invoice_received_ms = s_clock - 20 * DAY;
            m->payment_reported.paid_ms = s_clock - 5 * DAY;
            m->env.payment_reported = &m->payment_reported;
            break;
        case BODY (EVALUATION_PUBLISHED):
            cyclehub__v1__evaluation_published__init (&m->evaluation_published);
            m->evaluation_published.title = "Year one evaluation";
            m->env.evaluation_published = &m->evaluation_published;
            break;
        case BODY (REVIEW_DECISION):
            cyclehub__v1__review_decision__init (&m->review_decision);
            m->review_decision.decision = s_decision (a);
            m->review_decision.reason = "Outcomes met; demand rising";
            m->env.review_decision = &m->review_decision;
            break;
        case BODY (ERASURE_RECORDED):
            cyclehub__v1__erasure_recorded__init (&m->erasure_recorded);
            m->erasure_recorded.target_seq = 1;
            m->erasure_recorded.consultation_id = ida;
            m->erasure_recorded.response_id = idb;
            m->erasure_recorded.requested_by = BUYER;
            m->env.erasure_recorded = &m->erasure_recorded;
            break;
        default:
            break;
    }
}

//  --------------------------------------------------------------------------
//  Applying messages

static void
s_encode (const hub_commission_t *c, uint8_t **data, size_t *size)
{
    REQUIRE (hub_commission_encode (c, data, size) == 0);
}

static bool
s_same_encoding (const hub_commission_t *a, const hub_commission_t *b)
{
    uint8_t *da, *db;
    size_t sa, sb;
    s_encode (a, &da, &sa);
    s_encode (b, &db, &sb);
    bool same = sa == sb && memcmp (da, db, sa) == 0;
    free (da);
    free (db);
    return same;
}

//  Applies m (which must validate, unless it is a type clients may not
//  send) and returns the reject code, 0 if accepted. Every rejection is
//  checked to leave the state byte-for-byte as it was, with a reason.
static Cyclehub__V1__RejectCode
s_apply_as (hub_commission_t **state, msg_t *m, const char *sender, int64_t now,
            hub_verdict_t *v, hub_cycle_outcome_t *out)
{
    hub_verdict_t check;
    if (hub_validate_envelope (&m->env, &check) != 0
    &&  m->env.body_case != BODY (ERASURE_RECORDED)) {
        fprintf (stderr, "FATAL: test message %s is invalid: %s\n",
                 hub_proto_type_name (m->env.body_case), check.reason);
        exit (1);
    }
    uint8_t *before = NULL;
    size_t before_size = 0;
    hub_commission_t *was = *state;
    if (was)
        s_encode (was, &before, &before_size);
    int rc = hub_cycle_apply (state, &m->env, sender, now, out, v);
    if (rc != 0) {
        CHECK (v->code != 0);
        CHECK (*v->reason);
        CHECK (*state == was);
        CHECK (out->changed == false && out->from == out->to);
        if (was && *state == was) {
            uint8_t *after;
            size_t after_size;
            s_encode (*state, &after, &after_size);
            CHECK_MSG (after_size == before_size && memcmp (before, after, after_size) == 0,
                       "state changed by rejected %s", hub_proto_type_name (m->env.body_case));
            free (after);
        }
    }
    else
        CHECK (v->code == 0);
    free (before);
    return rc == 0? 0: v->code;
}

static Cyclehub__V1__RejectCode
s_apply (hub_commission_t **state, msg_t *m, int64_t now, hub_verdict_t *v)
{
    hub_cycle_outcome_t out;
    return s_apply_as (state, m, BUYER, now, v, &out);
}

//  Builds and applies the canonical message; returns the reject code
static Cyclehub__V1__RejectCode
s_try (hub_commission_t **state, Cyclehub__V1__Envelope__BodyCase type,
       const char *a, const char *b, int64_t now, hub_verdict_t *v)
{
    msg_t m;
    s_msg (&m, type, a, b);
    return s_apply (state, &m, now, v);
}

//  Fixture steps: must be accepted
#define MUST(state, type, a, b) s_must (state, BODY (type), a, b, __LINE__)

static void
s_must (hub_commission_t **state, Cyclehub__V1__Envelope__BodyCase type,
        const char *a, const char *b, int line)
{
    hub_verdict_t v;
    if (s_try (state, type, a, b, s_clock, &v) != 0) {
        fprintf (stderr, "FATAL line %d: fixture step %s rejected: %s: %s\n", line,
                 hub_proto_type_name (type), hub_proto_reject_name (v.code), v.reason);
        exit (1);
    }
}

//  --------------------------------------------------------------------------
//  Fixtures: a commission in each stage, in its second cycle, holding from
//  the first (which ran from NOW - 300 days to NOW - 180 days, each step
//  when the dates allow it): p-planned (planned), p-engaged (engagement),
//  p-tender (tender, deadline NOW + 30 days), p-due (tender, its period
//  over), p-eval (evaluation), p-awarded (awarded, award a-awarded, its
//  standstill over), p-wait (awarded, award a-wait in a standstill that ends
//  at NOW + 10 days), p-contracted (contracted: a-1 -> k-1 active), p-direct
//  (direct award a-2 -> k-ended, expired), p-term (terminated), and
//  consultation c1 (outcome published).

#define WAIT_ENDS   (NOW + 10 * DAY)    //  the end of a-wait's standstill

//  consultation.closed before the closing date, with its reason
static void
s_close_early (hub_commission_t **c, const char *id)
{
    msg_t m;
    hub_verdict_t v;
    s_msg (&m, BODY (CONSULTATION_CLOSED), id, NULL);
    m.consultation_closed.early_close_reason = "Enough responses to decide";
    REQUIRE (s_apply (c, &m, s_clock, &v) == 0);
}

static hub_commission_t *
s_cycle2_analyse (void)
{
    hub_commission_t *c = NULL;
    msg_t m;
    hub_verdict_t v;
    s_at (NOW - 300 * DAY);             //  c1 runs for 30 days from here
    MUST (&c, COMMISSION_OPENED, NULL, NULL);
    MUST (&c, NEEDS_ASSESSED, NULL, NULL);
    MUST (&c, CONSULTATION_OPENED, "c1", NULL);
    MUST (&c, RESPONSE_SUBMITTED, "c1", "r1");
    s_at (NOW - 260 * DAY);             //  c1 has closed; tenders run for 30 days from here
    MUST (&c, CONSULTATION_CLOSED, "c1", NULL);
    MUST (&c, CONSULTATION_OUTCOME, "c1", NULL);
    MUST (&c, PRIORITIES_AGREED, NULL, NULL);
    MUST (&c, STRATEGY_APPROVED, NULL, NULL);
    MUST (&c, PROCUREMENT_PLANNED, "p-planned", NULL);
    MUST (&c, PROCUREMENT_PLANNED, "p-engaged", NULL);
    MUST (&c, MARKET_ENGAGEMENT, "p-engaged", NULL);
    MUST (&c, PROCUREMENT_PLANNED, "p-term", NULL);
    MUST (&c, PROCUREMENT_TERMINATED, "p-term", NULL);
    MUST (&c, TENDER_PUBLISHED, "p-due", NULL);
    MUST (&c, TENDER_PUBLISHED, "p-eval", NULL);
    MUST (&c, TENDER_PUBLISHED, "p-awarded", NULL);
    MUST (&c, TENDER_PUBLISHED, "p-wait", NULL);
    MUST (&c, TENDER_PUBLISHED, "p-contracted", NULL);
    MUST (&c, DIRECT_AWARD, "p-direct", "a-2");
    s_at (NOW - 220 * DAY);             //  the tender periods have ended
    MUST (&c, TENDER_CLOSED, "p-eval", NULL);
    MUST (&c, TENDER_CLOSED, "p-awarded", NULL);
    MUST (&c, TENDER_CLOSED, "p-wait", NULL);
    MUST (&c, TENDER_CLOSED, "p-contracted", NULL);
    MUST (&c, AWARD_MADE, "p-awarded", "a-awarded");
    MUST (&c, AWARD_MADE, "p-contracted", "a-1");
    s_msg (&m, BODY (AWARD_MADE), "p-wait", "a-wait");
    m.award_made.standstill_ends_ms = WAIT_ENDS;        //  longer than the least is fine
    REQUIRE (s_apply (&c, &m, s_clock, &v) == 0);
    MUST (&c, CONTRACT_SIGNED, "k-ended", "a-2");
    s_msg (&m, BODY (TENDER_PUBLISHED), "p-tender", NULL);
    m.period.end_ms = NOW + 30 * DAY;
    REQUIRE (s_apply (&c, &m, s_clock, &v) == 0);
    s_at (NOW - 180 * DAY);             //  the standstills of a-awarded and a-1 have ended
    MUST (&c, CONTRACT_SIGNED, "k-1", "a-1");
    s_msg (&m, BODY (CONTRACT_ENDED), "k-ended", NULL);
    m.contract_ended.how = CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_EXPIRED;
    REQUIRE (s_apply (&c, &m, s_clock, &v) == 0);
    MUST (&c, KPI_REPORTED, "k-1", NULL);
    MUST (&c, EVALUATION_PUBLISHED, NULL, NULL);
    MUST (&c, NEEDS_ASSESSED, NULL, NULL);
    MUST (&c, REVIEW_DECISION, "recommission", NULL);
    s_at (NOW);
    REQUIRE (hub_commission_stage (c) == STAGE (ANALYSE));
    REQUIRE (hub_commission_cycle (c) == 2);
    return c;
}

//  Adds consultations c-open (open, its dates running), c-due (still open,
//  but its closing date has passed) and c-closed (closed early, no outcome)
static void
s_add_consultations (hub_commission_t **c)
{
    MUST (c, CONSULTATION_OPENED, "c-open", NULL);
    msg_t m;
    hub_verdict_t v;
    s_msg (&m, BODY (CONSULTATION_OPENED), "c-due", NULL);
    m.consultation_opened.opens_at_ms = NOW - 40 * DAY;
    m.consultation_opened.closes_at_ms = NOW - 10 * DAY;
    REQUIRE (s_apply (c, &m, NOW, &v) == 0);
    MUST (c, CONSULTATION_OPENED, "c-closed", NULL);
    s_close_early (c, "c-closed");
}

//  A commission in `stage`; with_consultations adds c-open and c-closed in
//  that stage (or, for closed, in review before cancelling)
static hub_commission_t *
s_fixture (Cyclehub__V1__Stage stage, bool with_consultations)
{
    hub_commission_t *c = s_cycle2_analyse ();
    if (stage >= STAGE (PLAN))
        MUST (&c, PRIORITIES_AGREED, NULL, NULL);
    if (stage >= STAGE (DO))
        MUST (&c, STAGE_CHANGE_REQUESTED, "do", NULL);
    if (stage >= STAGE (REVIEW))
        MUST (&c, EVALUATION_PUBLISHED, NULL, NULL);
    if (with_consultations)
        s_add_consultations (&c);
    if (stage == STAGE (CLOSED))
        MUST (&c, STAGE_CHANGE_REQUESTED, "closed", NULL);
    REQUIRE (hub_commission_stage (c) == stage);
    return c;
}

//  --------------------------------------------------------------------------
//  The table: every (stage x message type) pair

typedef struct {
    Cyclehub__V1__RejectCode code;      //  0 = accepted
    Cyclehub__V1__Stage after;          //  the stage after, when accepted
} cell_t;

#define OK(s)   { 0, STAGE (s) }
#define ILL     { REJ (ILLEGAL_TRANSITION), 0 }
#define UNKC    { REJ (UNKNOWN_COMMISSION), 0 }
#define UTYPE   { REJ (UNKNOWN_TYPE), 0 }
#define MISS    { REJ (MISSING_FIELD), 0 }

typedef struct {
    Cyclehub__V1__Envelope__BodyCase type;
    const char *a, *b;                  //  the ids the message refers to
    bool consult;                       //  needs c-open / c-due / c-closed
    cell_t in [5];                      //  analyse, plan, do, review, closed
    bool dated;                         //  refused for a date: the reason names it
} row_t;

static const row_t s_table [] = {
    //                                                  analyse        plan          do            review         closed
    { BODY (COMMISSION_OPENED),      NULL, NULL, 0,   { UNKC,          UNKC,         UNKC,         UNKC,          UNKC }, 0 },
    { BODY (NEEDS_ASSESSED),         NULL, NULL, 0,   { OK (ANALYSE),  ILL,          ILL,          OK (REVIEW),   ILL }, 0 },
    { BODY (PRIORITIES_AGREED),      NULL, NULL, 0,   { OK (PLAN),     OK (PLAN),    ILL,          ILL,           ILL }, 0 },
    { BODY (STRATEGY_APPROVED),      NULL, NULL, 0,   { ILL,           OK (PLAN),    ILL,          ILL,           ILL }, 0 },
    { BODY (STAGE_CHANGE_REQUESTED), "closed", NULL, 0, { OK (CLOSED), OK (CLOSED),  OK (CLOSED),  OK (CLOSED),   ILL }, 0 },
    { BODY (PARTNER_UPDATE),         NULL, NULL, 0,   { OK (ANALYSE),  OK (PLAN),    OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (CONSULTATION_OPENED),    "c-new", NULL, 0, { OK (ANALYSE), OK (PLAN),    OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (RESPONSE_SUBMITTED),     "c-open", "r-9", 1, { OK (ANALYSE), OK (PLAN),  OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (RESPONSE_SUBMITTED),     "c-due", "r-9", 1, { ILL,          ILL,         ILL,          ILL,           ILL }, 1 },
    { BODY (CONSULTATION_CLOSED),    "c-due", NULL, 1, { OK (ANALYSE),  OK (PLAN),   OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (CONSULTATION_CLOSED),    "c-open", NULL, 1, { MISS,         MISS,        MISS,         MISS,          ILL }, 1 },
    { BODY (CONSULTATION_OUTCOME),   "c-closed", NULL, 1, { OK (ANALYSE), OK (PLAN), OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (PROCUREMENT_PLANNED),    "p-new", NULL, 0, { ILL,          OK (PLAN),    OK (DO),      ILL,           ILL }, 0 },
    { BODY (MARKET_ENGAGEMENT),      "p-planned", NULL, 0, { ILL,      OK (PLAN),    OK (DO),      ILL,           ILL }, 0 },
    { BODY (TENDER_PUBLISHED),       "p-new", NULL, 0, { ILL,          OK (DO),      OK (DO),      ILL,           ILL }, 0 },
    { BODY (TENDER_AMENDED),         "p-tender", NULL, 0, { ILL,       ILL,          OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (TENDER_CLOSED),          "p-due", NULL, 0, { ILL,          ILL,          OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (TENDER_CLOSED),          "p-tender", NULL, 0, { ILL,       ILL,          ILL,          ILL,           ILL }, 1 },
    { BODY (PROCUREMENT_TERMINATED), "p-eval", NULL, 0, { ILL,         OK (PLAN),    OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (DIRECT_AWARD),           "p-new", "a-new", 0, { ILL,       OK (DO),      OK (DO),      ILL,           ILL }, 0 },
    { BODY (AWARD_MADE),             "p-eval", "a-new", 0, { ILL,      ILL,          OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (CONTRACT_SIGNED),        "k-new", "a-awarded", 0, { ILL,   ILL,          OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (CONTRACT_SIGNED),        "k-new", "a-wait", 0, { ILL,      ILL,          ILL,          ILL,           ILL }, 1 },
    { BODY (CONTRACT_CHANGED),       "k-1", NULL, 0,  { OK (ANALYSE),  OK (PLAN),    OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (CONTRACT_ENDED),         "k-1", NULL, 0,  { OK (ANALYSE),  OK (PLAN),    OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (KPI_REPORTED),           "k-1", NULL, 0,  { OK (ANALYSE),  OK (PLAN),    OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (MILESTONE_UPDATED),      "k-1", NULL, 0,  { OK (ANALYSE),  OK (PLAN),    OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (SOCIAL_VALUE_REPORTED),  "k-1", NULL, 0,  { OK (ANALYSE),  OK (PLAN),    OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (PAYMENT_REPORTED),       "k-1", NULL, 0,  { OK (ANALYSE),  OK (PLAN),    OK (DO),      OK (REVIEW),   ILL }, 0 },
    { BODY (EVALUATION_PUBLISHED),   NULL, NULL, 0,   { ILL,           ILL,          OK (REVIEW),  OK (REVIEW),   ILL }, 0 },
    { BODY (REVIEW_DECISION),        "recommission", NULL, 0, { ILL,   ILL,          ILL,          OK (ANALYSE),  ILL }, 0 },
    { BODY (ERASURE_RECORDED),       "c1", "r1", 0,   { UTYPE,         UTYPE,        UTYPE,        UTYPE,         UTYPE }, 0 },
};
#define N_TABLE (sizeof s_table / sizeof s_table [0])

static void
test_stage_table (void)
{
    //  The table covers every message type hub_proto knows
    for (size_t i = 0; hub_proto_type_at (i); i++) {
        bool found = false;
        for (size_t r = 0; r < N_TABLE; r++)
            found |= s_table [r].type == hub_proto_type_at (i);
        CHECK_MSG (found, "no table row for %s", hub_proto_type_name (hub_proto_type_at (i)));
    }
    hub_commission_t *fixtures [2][5];
    for (int s = 0; s < 5; s++)
        for (int k = 0; k < 2; k++)
            fixtures [k][s] = s_fixture ((Cyclehub__V1__Stage) (s + 1), k);

    size_t cells = 0;
    for (size_t r = 0; r < N_TABLE; r++) {
        const row_t *row = &s_table [r];
        for (int s = 0; s < 5; s++) {
            Cyclehub__V1__Stage stage = (Cyclehub__V1__Stage) (s + 1);
            hub_commission_t *c = hub_commission_dup (fixtures [row->consult][s]);
            REQUIRE (c);
            uint32_t cycle = hub_commission_cycle (c);
            msg_t m;
            s_msg (&m, row->type, row->a, row->b);
            hub_verdict_t v;
            hub_cycle_outcome_t out;
            Cyclehub__V1__RejectCode code = s_apply_as (&c, &m, BUYER, NOW, &v, &out);
            const cell_t *want = &row->in [s];
            CHECK_MSG (code == want->code, "%s in %s: got %s (%s), want %s",
                       hub_proto_type_name (row->type), hub_proto_stage_name (stage),
                       hub_proto_reject_name (code), v.reason, hub_proto_reject_name (want->code));
            if (code == 0 && want->code == 0) {
                CHECK_MSG (hub_commission_stage (c) == want->after, "%s in %s: stage after %s",
                           hub_proto_type_name (row->type), hub_proto_stage_name (stage),
                           hub_proto_stage_name (hub_commission_stage (c)));
                CHECK (out.from == stage && out.to == want->after);
                CHECK (out.changed == (stage != want->after));
                CHECK (hub_commission_updated_at (c) == NOW);
                //  Only review -> analyse starts a new cycle
                CHECK (hub_commission_cycle (c) == cycle
                       + (stage == STAGE (REVIEW) && want->after == STAGE (ANALYSE)));
            }
            if (code == REJ (ILLEGAL_TRANSITION) || code == REJ (MISSING_FIELD))
                //  A stage rejection names the stage it was made in; a date
                //  rejection names the date that applies
                CHECK_MSG (strstr (v.reason, hub_proto_stage_name (stage))
                           || (row->dated && strstr (v.reason, ":00.000Z")),
                           "reason names neither stage %s nor a date: %s",
                           hub_proto_stage_name (stage), v.reason);
            cells++;
            hub_commission_destroy (&c);
        }
    }
    CHECK (cells == N_TABLE * 5);
    printf ("stage table: %zu rows x 5 stages = %zu cells\n", N_TABLE, cells);
    for (int s = 0; s < 5; s++)
        for (int k = 0; k < 2; k++)
            hub_commission_destroy (&fixtures [k][s]);
}

//  Stage changes requested from every stage to every stage
static void
test_stage_change_table (void)
{
    //  want [from][to]: 1 accepted, 0 ILLEGAL_TRANSITION (analyse .. closed)
    static const int want [5][5] = {
        //  A  P  D  R  C
        {   0, 1, 0, 0, 1 },    //  from analyse
        {   1, 0, 1, 0, 1 },    //  from plan
        {   0, 0, 0, 1, 1 },    //  from do
        {   1, 0, 0, 0, 1 },    //  from review
        {   0, 0, 0, 0, 0 },    //  from closed
    };
    static const char *names [5] = { "analyse", "plan", "do", "review", "closed" };
    for (int from = 0; from < 5; from++) {
        hub_commission_t *base = s_fixture ((Cyclehub__V1__Stage) (from + 1), false);
        for (int to = 0; to < 5; to++) {
            CHECK (hub_cycle_transition_legal ((Cyclehub__V1__Stage) (from + 1),
                                               (Cyclehub__V1__Stage) (to + 1)) == want [from][to]);
            hub_commission_t *c = hub_commission_dup (base);
            hub_verdict_t v;
            Cyclehub__V1__RejectCode code = s_try (&c, BODY (STAGE_CHANGE_REQUESTED),
                                                   names [to], NULL, NOW, &v);
            CHECK_MSG (code == (want [from][to]? 0: REJ (ILLEGAL_TRANSITION)),
                       "%s -> %s: %s %s", names [from], names [to],
                       hub_proto_reject_name (code), v.reason);
            if (code == 0) {
                CHECK (hub_commission_stage (c) == (Cyclehub__V1__Stage) (to + 1));
                CHECK (hub_commission_cycle (c) == 2u + (from == 3 && to == 0));
            }
            else
                CHECK (strcmp (v.field, "stage_change_requested.target") == 0
                       || from == 4);
            hub_commission_destroy (&c);
        }
        hub_commission_destroy (&base);
    }
    CHECK (!hub_cycle_transition_legal (STAGE (UNSPECIFIED), STAGE (ANALYSE)));
}

//  --------------------------------------------------------------------------
//  Procurement sub-machine: every state x every procurement message (in do)

enum { P_NONE, P_PLANNED, P_ENGAGEMENT, P_TENDER, P_DUE, P_EVALUATION, P_STANDSTILL,
       P_AWARDED, P_CONTRACTED, P_TERMINATED, P_STATES };

static const char *s_pstate_names [P_STATES] = {
    "none", "planned", "engagement", "tender", "tender (period over)", "evaluation",
    "awarded (in standstill)", "awarded (standstill over)", "contracted", "terminated"
};

//  The procurement table runs after the fixture, at LATER
#define LATER       (NOW + 100 * DAY)

//  Puts procurement p-x into state `state` as seen at LATER (award a-x,
//  contract k-x), each step at a time its dates allow
static void
s_procurement_into (hub_commission_t **c, int state)
{
    if (state == P_NONE)
        return;
    if (state <= P_TENDER) {
        s_at (LATER - DAY);
        if (state == P_PLANNED)
            MUST (c, PROCUREMENT_PLANNED, "p-x", NULL);
        if (state == P_ENGAGEMENT)
            MUST (c, MARKET_ENGAGEMENT, "p-x", NULL);
        if (state == P_TENDER)
            MUST (c, TENDER_PUBLISHED, "p-x", NULL);
        return;
    }
    if (state == P_DUE) {
        s_at (LATER - 40 * DAY);        //  its period ended at LATER - 10 days
        MUST (c, TENDER_PUBLISHED, "p-x", NULL);
        return;
    }
    s_at (LATER - 60 * DAY);
    MUST (c, TENDER_PUBLISHED, "p-x", NULL);
    s_at (LATER - 25 * DAY);
    MUST (c, TENDER_CLOSED, "p-x", NULL);
    if (state == P_EVALUATION)
        return;
    //  Awarded 25 days before LATER, its standstill is over; 2 days before, it is not
    if (state == P_STANDSTILL || state == P_TERMINATED)
        s_at (LATER - 2 * DAY);
    MUST (c, AWARD_MADE, "p-x", "a-x");
    s_at (LATER - DAY);
    if (state == P_CONTRACTED)
        MUST (c, CONTRACT_SIGNED, "k-x", "a-x");
    if (state == P_TERMINATED)
        MUST (c, PROCUREMENT_TERMINATED, "p-x", NULL);
}

typedef struct {
    Cyclehub__V1__RejectCode code;
    Cyclehub__V1__ProcurementState__Status after;
} pcell_t;

#define POK(s)  { 0, PROC (s) }
#define PILL    { REJ (ILLEGAL_TRANSITION), 0 }
#define PINV    { REJ (INVALID_VALUE), 0 }

static void
test_procurement_machine (void)
{
    static const struct {
        Cyclehub__V1__Envelope__BodyCase type;
        const char *a, *b;
        pcell_t in [P_STATES];
    } table [] = {
        //                                                   none             planned          engagement       tender         tender, over      evaluation     standstill  awarded           contracted  terminated
        { BODY (PROCUREMENT_PLANNED),    "p-x", NULL,   { POK (PLANNED),    POK (PLANNED),    PILL,             PILL,          PILL,             PILL,          PILL,       PILL,             PILL,       PILL } },
        { BODY (MARKET_ENGAGEMENT),      "p-x", NULL,   { POK (ENGAGEMENT), POK (ENGAGEMENT), POK (ENGAGEMENT), PILL,          PILL,             PILL,          PILL,       PILL,             PILL,       PILL } },
        { BODY (TENDER_PUBLISHED),       "p-x", NULL,   { POK (TENDER),     POK (TENDER),     POK (TENDER),     PILL,          PILL,             PILL,          PILL,       PILL,             PILL,       PILL } },
        { BODY (TENDER_AMENDED),         "p-x", NULL,   { PINV,             PILL,             PILL,             POK (TENDER),  PILL,             PILL,          PILL,       PILL,             PILL,       PILL } },
        { BODY (TENDER_CLOSED),          "p-x", NULL,   { PINV,             PILL,             PILL,             PILL,          POK (EVALUATION), PILL,          PILL,       PILL,             PILL,       PILL } },
        { BODY (PROCUREMENT_TERMINATED), "p-x", NULL,   { PINV,             POK (TERMINATED), POK (TERMINATED), POK (TERMINATED), POK (TERMINATED), POK (TERMINATED), POK (TERMINATED), POK (TERMINATED), PILL, PILL } },
        { BODY (DIRECT_AWARD),           "p-x", "a-y",  { POK (AWARDED),    POK (AWARDED),    POK (AWARDED),    PILL,          PILL,             PILL,          PILL,       PILL,             PILL,       PILL } },
        { BODY (AWARD_MADE),             "p-x", "a-y",  { PINV,             PILL,             PILL,             PILL,          PILL,             POK (AWARDED), PILL,       PILL,             PILL,       PILL } },
        { BODY (CONTRACT_SIGNED),        "k-y", "a-x",  { PINV,             PINV,             PINV,             PINV,          PINV,             PINV,          PILL,       POK (CONTRACTED), PILL,       PILL } },
    };
    hub_commission_t *base = s_fixture (STAGE (DO), false);
    size_t cells = 0;
    for (int state = 0; state < P_STATES; state++) {
        hub_commission_t *in_state = hub_commission_dup (base);
        s_procurement_into (&in_state, state);
        s_at (LATER);
        for (size_t r = 0; r < sizeof table / sizeof table [0]; r++) {
            hub_commission_t *c = hub_commission_dup (in_state);
            hub_verdict_t v;
            Cyclehub__V1__RejectCode code = s_try (&c, table [r].type, table [r].a, table [r].b, LATER, &v);
            const pcell_t *want = &table [r].in [state];
            CHECK_MSG (code == want->code, "%s on procurement %s: got %s (%s)",
                       hub_proto_type_name (table [r].type), s_pstate_names [state],
                       hub_proto_reject_name (code), v.reason);
            if (code == 0 && want->code == 0)
                CHECK_MSG (hub_commission_procurement_status (c, "p-x") == want->after,
                           "%s on procurement %s: status %d", hub_proto_type_name (table [r].type),
                           s_pstate_names [state], hub_commission_procurement_status (c, "p-x"));
            if (code == REJ (INVALID_VALUE))
                CHECK (strstr (v.reason, "has no"));
            if (code)
                CHECK (*v.field);
            cells++;
            hub_commission_destroy (&c);
        }
        hub_commission_destroy (&in_state);
    }
    printf ("procurement table: %zu cells\n", cells);
    s_at (NOW);

    //  A reason names the procurement's state and what is legal there
    hub_commission_t *c = hub_commission_dup (base);
    hub_verdict_t v;
    CHECK (s_try (&c, BODY (TENDER_AMENDED), "p-eval", NULL, NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strstr (v.reason, "procurement p-eval is in evaluation"));
    CHECK (strstr (v.reason, "award.made"));
    CHECK (strcmp (v.field, "tender_amended.procurement_id") == 0);

    //  Duplicate award and contract ids are refused
    CHECK (s_try (&c, BODY (DIRECT_AWARD), "p-fresh", "a-1", NOW, &v) == REJ (INVALID_VALUE));
    CHECK (strcmp (v.field, "direct_award.award_id") == 0);
    CHECK (s_try (&c, BODY (AWARD_MADE), "p-eval", "a-awarded", NOW, &v) == REJ (INVALID_VALUE));
    CHECK (strcmp (v.field, "award_made.award_id") == 0);
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-1", "a-awarded", NOW, &v) == REJ (INVALID_VALUE));
    CHECK (strcmp (v.field, "contract_signed.contract_id") == 0);
    //  An award leads to one contract
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-2", "a-1", NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strstr (v.reason, "already has contract k-1"));

    //  The contract takes its suppliers from the award
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-new", "a-awarded", NOW, &v) == 0);
    CHECK (hub_commission_contract_status (c, "k-new") == KSTAT (ACTIVE));
    CHECK (strcmp (hub_commission_contract_supplier (c, "k-new", 0), SUPPLIER) == 0);
    CHECK (strcmp (hub_commission_contract_supplier (c, "k-new", 1), SUPPLIER2) == 0);
    CHECK (hub_commission_contract_supplier (c, "k-new", 2) == NULL);
    CHECK (hub_commission_contract_supplier (c, "k-none", 0) == NULL);
    CHECK (hub_commission_is_contract_supplier (c, "k-new", SUPPLIER2));
    CHECK (!hub_commission_is_contract_supplier (c, "k-new", BUYER));
    CHECK (!hub_commission_is_contract_supplier (c, "k-none", SUPPLIER));
    CHECK (strcmp (hub_commission_award_contract (c, "a-awarded"), "k-new") == 0);
    CHECK (strcmp (hub_commission_award_procurement (c, "a-awarded"), "p-awarded") == 0);
    CHECK (hub_commission_award_contract (c, "a-none") == NULL);
    CHECK (hub_commission_procurement_status (c, "p-awarded") == PROC (CONTRACTED));
    hub_commission_destroy (&c);
    hub_commission_destroy (&base);
}

//  A UTC instant, for the calendar tests
static int64_t
s_utc (int y, int mo, int d, int h, int mi)
{
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                     .tm_hour = h, .tm_min = mi };
    return (int64_t) timegm (&tm) * 1000;
}

//  UK working days and the least standstill, by nation (the bank holidays
//  come from broker/domain/data/uk-bank-holidays.csv)
static void
test_working_days (void)
{
    const hub_nation_t EW = HUB_NATION_ENGLAND_WALES, SCO = HUB_NATION_SCOTLAND,
                       NI = HUB_NATION_NORTHERN_IRELAND;
    CHECK (hub_standstill_nation ("GB-LAS-S12000036") == SCO);
    CHECK (hub_standstill_nation ("GB-SC-SC012345") == SCO);
    CHECK (hub_standstill_nation ("GB-LANI-N09000003") == NI);
    CHECK (hub_standstill_nation ("GB-NIC-100001") == NI);
    CHECK (hub_standstill_nation (BUYER) == EW);
    CHECK (hub_standstill_nation ("GB-NHS-QWO") == EW);
    CHECK (hub_standstill_nation (NULL) == EW);
    CHECK (strcmp (hub_standstill_nation_name (SCO), "scotland") == 0);
    CHECK (hub_standstill_first_year () <= 2018 && hub_standstill_last_year () >= 2030);

    CHECK (!hub_standstill_is_working_day (EW, 2026, 5, 4));    //  Early May bank holiday
    CHECK (hub_standstill_is_working_day (EW, 2026, 5, 5));
    CHECK (!hub_standstill_is_working_day (EW, 2026, 5, 9));    //  a Saturday
    CHECK (!hub_standstill_is_working_day (SCO, 2026, 8, 3));   //  Scotland's summer holiday
    CHECK (hub_standstill_is_working_day (EW, 2026, 8, 3));
    CHECK (!hub_standstill_is_working_day (EW, 2026, 8, 31));
    CHECK (hub_standstill_is_working_day (SCO, 2026, 8, 31));
    CHECK (!hub_standstill_is_working_day (NI, 2026, 7, 13));   //  the Boyne, substitute day
    CHECK (hub_standstill_is_working_day (EW, 2026, 7, 13));
    CHECK (!hub_standstill_is_working_day (SCO, 2027, 1, 4));   //  2nd January, substitute day
    CHECK (hub_standstill_is_working_day (EW, 2027, 1, 4));
    CHECK (!hub_standstill_is_working_day (EW, 2022, 9, 19));   //  a one-off (state funeral)
    CHECK (!hub_standstill_is_working_day (EW, 2030, 12, 26));

    struct { int64_t notice; hub_nation_t nation; int64_t end; const char *why; } cases [] = {
        //  Counting the day of the notice: Monday .. Wednesday of the next week
        { s_utc (2026, 3, 2, 15, 0), EW, s_utc (2026, 3, 12, 0, 0), "a plain fortnight" },
        { s_utc (2026, 3, 7, 10, 0), EW, s_utc (2026, 3, 19, 0, 0), "a Saturday notice counts from Monday" },
        //  The end is a UK midnight: 23:00 UTC in summer; BST starts on 29 March 2026
        { s_utc (2026, 3, 20, 12, 0), EW, s_utc (2026, 3, 31, 23, 0), "across the clock change" },
        //  00:30 BST on Friday 5 June is still Thursday in UTC: the UK day counts
        { s_utc (2026, 6, 4, 23, 30), EW, s_utc (2026, 6, 16, 23, 0), "the UK date, not the UTC one" },
        { s_utc (2026, 5, 1, 9, 0), EW, s_utc (2026, 5, 13, 23, 0), "Early May bank holiday" },
        { s_utc (2026, 7, 27, 9, 0), EW, s_utc (2026, 8, 5, 23, 0), "England's August" },
        { s_utc (2026, 7, 27, 9, 0), SCO, s_utc (2026, 8, 6, 23, 0), "Scotland's summer holiday" },
        { s_utc (2026, 7, 6, 9, 0), EW, s_utc (2026, 7, 15, 23, 0), "England's July" },
        { s_utc (2026, 7, 6, 9, 0), NI, s_utc (2026, 7, 16, 23, 0), "the Boyne in Northern Ireland" },
        { s_utc (2026, 12, 22, 9, 0), EW, s_utc (2027, 1, 6, 0, 0), "Christmas and New Year" },
        { s_utc (2026, 12, 22, 9, 0), SCO, s_utc (2027, 1, 7, 0, 0), "... and 2nd January in Scotland" },
        { s_utc (2025, 4, 11, 0, 0), EW, s_utc (2025, 4, 24, 23, 0), "Easter 2025 (the tests' NOW)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        int64_t end = -1;
        CHECK_MSG (hub_standstill_end (cases [i].notice, cases [i].nation, &end) == 0
                   && end == cases [i].end, "%s: end %lld, want %lld", cases [i].why,
                   (long long) end, (long long) cases [i].end);
    }
    //  Every nation has its usual number of bank holidays (all on weekdays,
    //  substitutes included) in every year the table covers: 8 in England and
    //  Wales, 9 in Scotland, 10 in Northern Ireland, plus one-offs (2022: 2)
    for (int nation = (int) EW; nation <= (int) NI; nation++)
        for (int year = hub_standstill_first_year (); year <= hub_standstill_last_year (); year++) {
            int off = 0;
            for (int month = 1; month <= 12; month++)
                for (int day = 1; day <= 31; day++) {
                    int64_t at = s_utc (year, month, day, 12, 0);
                    struct tm tm;
                    time_t secs = (time_t) (at / 1000);
                    gmtime_r (&secs, &tm);
                    if (tm.tm_mon + 1 == month && tm.tm_wday != 0 && tm.tm_wday != 6
                    &&  !hub_standstill_is_working_day ((hub_nation_t) nation, year, month, day))
                        off++;
                }
            int usual = nation == (int) EW? 8: nation == (int) SCO? 9: 10;
            CHECK_MSG (off >= usual && off <= usual + 2, "%s %d: %d bank holidays on weekdays",
                       hub_standstill_nation_name ((hub_nation_t) nation), year, off);
        }

    //  Outside the years the table covers there is no answer
    int64_t end = 1;
    CHECK (hub_standstill_end (s_utc (2030, 12, 27, 9, 0), EW, &end) == -1 && end == 0);
    CHECK (hub_standstill_end (s_utc (2017, 6, 1, 9, 0), EW, &end) == -1);
    CHECK (hub_standstill_end (s_utc (2030, 12, 16, 9, 0), EW, &end) == 0);
}

//  Standstill: an award carries its end, at least 8 working days after the
//  notice by the broker's clock; a contract only once it has ended
static void
test_standstill (void)
{
    hub_commission_t *c = s_fixture (STAGE (DO), false);
    hub_verdict_t v;
    msg_t m;
    //  Procurements p-s and p-t, their tenders over, at NOW (Friday 11 April
    //  2025, before Easter): the least standstill ends at the end of Thursday
    //  24 April (BST), skipping Good Friday and Easter Monday
    s_at (NOW - 40 * DAY);
    MUST (&c, TENDER_PUBLISHED, "p-s", NULL);
    MUST (&c, TENDER_PUBLISHED, "p-t", NULL);
    s_at (NOW);
    MUST (&c, TENDER_CLOSED, "p-s", NULL);
    MUST (&c, TENDER_CLOSED, "p-t", NULL);
    const int64_t least = s_utc (2025, 4, 24, 23, 0);
    s_msg (&m, BODY (AWARD_MADE), "p-s", "a-s");
    m.award_made.standstill_ends_ms = least - 1;
    CHECK (s_apply (&c, &m, NOW, &v) == REJ (INVALID_VALUE));
    CHECK (strcmp (v.field, "award_made.standstill_ends_ms") == 0);
    CHECK_MSG (strstr (v.reason, "2025-04-24T23:00:00.000Z") && strstr (v.reason, "8 working days")
               && strstr (v.reason, "england-and-wales"), "%s", v.reason);
    m.award_made.standstill_ends_ms = least;
    CHECK (s_apply (&c, &m, NOW, &v) == 0);
    CHECK (hub_commission_award_standstill_end (c, "a-s") == least);
    CHECK (hub_commission_award_standstill_end (c, "a-none") == 0);
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-s", "a-s", NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strstr (v.reason, "standstill"));
    CHECK (strstr (v.reason, "a-s"));
    CHECK (strstr (v.reason, "2025-04-24T23:00:00.000Z"));
    CHECK (strcmp (v.field, "contract_signed.award_id") == 0);
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-s", "a-s", least - 1, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-s", "a-s", least, &v) == 0);
    CHECK (hub_commission_contract_status (c, "k-s") == KSTAT (ACTIVE));

    //  Past the bank-holiday table the broker cannot count: it says so
    s_msg (&m, BODY (AWARD_MADE), "p-t", "a-t");
    m.award_made.standstill_ends_ms = s_utc (2031, 2, 1, 0, 0);
    CHECK (s_apply (&c, &m, s_utc (2030, 12, 27, 9, 0), &v) == REJ (INTERNAL));
    CHECK (strstr (v.reason, "uk-bank-holidays.csv"));

    //  A direct award has the same standstill ...
    s_msg (&m, BODY (DIRECT_AWARD), "p-d", "a-d");
    m.direct_award.standstill_ends_ms = NOW + DAY;
    CHECK (s_apply (&c, &m, NOW, &v) == REJ (INVALID_VALUE));
    CHECK (strcmp (v.field, "direct_award.standstill_ends_ms") == 0);
    CHECK (strstr (v.reason, "no_standstill_reason"));
    m.direct_award.standstill_ends_ms = least;
    CHECK (s_apply (&c, &m, NOW, &v) == 0);
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-d", "a-d", NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-d", "a-d", least, &v) == 0);
    //  ... unless it states that none applies, and why: then a contract may follow at once
    s_msg (&m, BODY (DIRECT_AWARD), "p-e", "a-e");
    m.direct_award.standstill_ends_ms = 0;
    m.direct_award.no_standstill_reason = "Extreme urgency (s.41 and Schedule 5, para 13)";
    CHECK (s_apply (&c, &m, NOW, &v) == 0);
    CHECK (hub_commission_award_standstill_end (c, "a-e") == 0);
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-e", "a-e", NOW, &v) == 0);
    hub_commission_destroy (&c);

    //  A Scottish buyer counts Scotland's bank holidays: an award on Monday
    //  27 July 2026 ends a day later than in England (3 August is a holiday)
    int64_t t = s_utc (2026, 7, 27, 9, 0);
    s_at (t - 60 * DAY);
    s_msg (&m, BODY (COMMISSION_OPENED), NULL, NULL);
    m.commission_opened.buyer = "GB-LAS-S12000036";
    hub_cycle_outcome_t out;
    c = NULL;
    REQUIRE (s_apply_as (&c, &m, "GB-LAS-S12000036", s_clock, &v, &out) == 0);
    MUST (&c, PRIORITIES_AGREED, NULL, NULL);
    MUST (&c, TENDER_PUBLISHED, "p-1", NULL);
    s_at (t);
    MUST (&c, TENDER_CLOSED, "p-1", NULL);
    s_msg (&m, BODY (AWARD_MADE), "p-1", "a-1");
    m.award_made.standstill_ends_ms = s_utc (2026, 8, 5, 23, 0);
    CHECK (s_apply (&c, &m, t, &v) == REJ (INVALID_VALUE));
    CHECK_MSG (strstr (v.reason, "scotland") && strstr (v.reason, "2026-08-06T23:00:00.000Z"), "%s", v.reason);
    m.award_made.standstill_ends_ms = s_utc (2026, 8, 6, 23, 0);
    CHECK (s_apply (&c, &m, t, &v) == 0);
    s_at (NOW);
    hub_commission_destroy (&c);
}

//  Tender amendments only before the deadline
static void
test_tender_deadline (void)
{
    hub_commission_t *c = s_fixture (STAGE (DO), false);
    hub_verdict_t v;
    int64_t deadline = hub_commission_procurement_deadline (c, "p-tender");
    CHECK (deadline == NOW + 30 * DAY);
    CHECK (s_try (&c, BODY (TENDER_AMENDED), "p-tender", NULL, deadline - 1, &v) == 0);
    CHECK (s_try (&c, BODY (TENDER_AMENDED), "p-tender", NULL, deadline, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strstr (v.reason, "deadline"));
    CHECK (strcmp (v.field, "tender_amended.procurement_id") == 0);

    //  Extending the deadline moves it; a new deadline in the past is refused
    msg_t m;
    s_msg (&m, BODY (TENDER_AMENDED), "p-tender", NULL);
    m.tender_amended.new_deadline_ms = NOW - DAY;
    CHECK (s_apply (&c, &m, NOW, &v) == REJ (INVALID_VALUE));
    CHECK (strcmp (v.field, "tender_amended.new_deadline_ms") == 0);
    m.tender_amended.new_deadline_ms = deadline + 10 * DAY;
    CHECK (s_apply (&c, &m, NOW, &v) == 0);
    CHECK (hub_commission_procurement_deadline (c, "p-tender") == deadline + 10 * DAY);
    CHECK (s_try (&c, BODY (TENDER_AMENDED), "p-tender", NULL, deadline + 5 * DAY, &v) == 0);
    //  Closing before the (new) deadline is refused: terminate to stop early
    int64_t moved = deadline + 10 * DAY;
    CHECK (s_try (&c, BODY (TENDER_CLOSED), "p-tender", NULL, moved - 1, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strcmp (v.field, "tender_closed.procurement_id") == 0);
    CHECK_MSG (strstr (v.reason, "2025-05-21T00:00:00.000Z") && strstr (v.reason, "procurement.terminated"),
               "%s", v.reason);
    CHECK (hub_commission_procurement_status (c, "p-tender") == PROC (TENDER));
    //  Closing once it has passed is the normal path
    CHECK (s_try (&c, BODY (TENDER_CLOSED), "p-tender", NULL, moved, &v) == 0);
    CHECK (s_try (&c, BODY (TENDER_AMENDED), "p-tender", NULL, NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strstr (v.reason, "in evaluation"));
    hub_commission_destroy (&c);
}

//  Monitoring and changes only against an active contract of this commission,
//  in every open stage: k-1 was signed in cycle 1 and still delivers while
//  cycle 2 goes through analyse and plan again
static void
test_contract_monitoring (void)
{
    static const Cyclehub__V1__Envelope__BodyCase reports [] = {
        BODY (KPI_REPORTED), BODY (MILESTONE_UPDATED), BODY (SOCIAL_VALUE_REPORTED),
        BODY (PAYMENT_REPORTED), BODY (CONTRACT_CHANGED), BODY (CONTRACT_ENDED)
    };
    hub_verdict_t v;
    for (int stage = STAGE (ANALYSE); stage <= STAGE (REVIEW); stage++) {
        hub_commission_t *c = s_fixture ((Cyclehub__V1__Stage) stage, false);
        CHECK (hub_commission_cycle (c) == 2);
        for (size_t i = 0; i < sizeof reports / sizeof reports [0]; i++) {
            //  k-ended expired in cycle 1
            CHECK (s_try (&c, reports [i], "k-ended", NULL, NOW, &v) == REJ (ILLEGAL_TRANSITION));
            CHECK (strstr (v.reason, "contract k-ended is expired"));
            CHECK (strstr (v.field, ".contract_id"));
            //  no such contract
            CHECK (s_try (&c, reports [i], "k-nope", NULL, NOW, &v) == REJ (INVALID_VALUE));
            CHECK (strstr (v.reason, "has no contract k-nope"));
            //  the active contract of cycle 1 (contract.ended last: it ends it)
            if (reports [i] != BODY (CONTRACT_ENDED))
                CHECK_MSG (s_try (&c, reports [i], "k-1", NULL, NOW, &v) == 0, "%s in %s: %s",
                           hub_proto_type_name (reports [i]),
                           hub_proto_stage_name ((Cyclehub__V1__Stage) stage), v.reason);
        }
        msg_t m;
        s_msg (&m, BODY (CONTRACT_ENDED), "k-1", NULL);
        CHECK (s_apply (&c, &m, NOW, &v) == 0);
        CHECK (hub_commission_contract_status (c, "k-1") == KSTAT (TERMINATED));
        for (size_t i = 0; i < sizeof reports / sizeof reports [0]; i++) {
            CHECK (s_try (&c, reports [i], "k-1", NULL, NOW, &v) == REJ (ILLEGAL_TRANSITION));
            CHECK (strstr (v.reason, "terminated"));
        }
        //  Reports never move the commission
        CHECK (hub_commission_stage (c) == (Cyclehub__V1__Stage) stage);
        hub_commission_destroy (&c);
    }
    //  A closed commission takes no reports, even for a contract still active
    hub_commission_t *c = s_fixture (STAGE (CLOSED), false);
    CHECK (hub_commission_contract_status (c, "k-1") == KSTAT (ACTIVE));
    for (size_t i = 0; i < sizeof reports / sizeof reports [0]; i++) {
        CHECK (s_try (&c, reports [i], "k-1", NULL, NOW, &v) == REJ (ILLEGAL_TRANSITION));
        CHECK (strstr (v.reason, "is closed"));
    }
    hub_commission_destroy (&c);

    //  A terminated procurement cannot be contracted; a contracted one cannot be terminated
    c = s_fixture (STAGE (DO), false);
    CHECK (s_try (&c, BODY (PROCUREMENT_TERMINATED), "p-contracted", NULL, NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (s_try (&c, BODY (PROCUREMENT_TERMINATED), "p-awarded", NULL, NOW, &v) == 0);
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-new", "a-awarded", NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strstr (v.reason, "terminated"));
    hub_commission_destroy (&c);
}

//  --------------------------------------------------------------------------
//  Consultations: open -> closed -> outcome published

static void
test_consultation_machine (void)
{
    //  pending: announced, its opening date to come; due: still open, but its
    //  closing date has passed. Closing early needs a reason: row "early"
    //  sends one, the plain row does not
    enum { C_NONE, C_PENDING, C_OPEN, C_DUE, C_CLOSED, C_OUTCOME, C_STATES };
    static const char *names [C_STATES] = { "none", "pending", "open", "due", "closed", "outcome" };
    typedef struct { Cyclehub__V1__RejectCode code; Cyclehub__V1__ConsultationState__Status after; } ccell_t;
    #define COK(s) { 0, CONS (s) }
    #define CILL   { REJ (ILLEGAL_TRANSITION), 0 }
    #define CINV   { REJ (INVALID_VALUE), 0 }
    #define CMISS  { REJ (MISSING_FIELD), 0 }
    static const struct {
        Cyclehub__V1__Envelope__BodyCase type;
        bool early;
        ccell_t in [C_STATES];
    } table [] = {
        //                                    none         pending       open          due           closed        outcome
        { BODY (CONSULTATION_OPENED),  0, { COK (OPEN), CINV,         CINV,         CINV,         CINV,         CINV } },
        { BODY (RESPONSE_SUBMITTED),   0, { CINV,       CILL,         COK (OPEN),   CILL,         CILL,         CILL } },
        { BODY (CONSULTATION_CLOSED),  0, { CINV,       CMISS,        CMISS,        COK (CLOSED), CILL,         CILL } },
        { BODY (CONSULTATION_CLOSED),  1, { CINV,       COK (CLOSED), COK (CLOSED), COK (CLOSED), CILL,         CILL } },
        { BODY (CONSULTATION_OUTCOME), 0, { CINV,       CILL,         CILL,         CILL,         COK (OUTCOME_PUBLISHED), CILL } },
    };
    for (int stage = STAGE (ANALYSE); stage <= STAGE (REVIEW); stage++) {
        hub_commission_t *base = s_fixture ((Cyclehub__V1__Stage) stage, false);
        for (int state = 0; state < C_STATES; state++) {
            hub_commission_t *in_state = hub_commission_dup (base);
            msg_t m;
            hub_verdict_t v;
            if (state == C_PENDING || state == C_DUE) {
                s_msg (&m, BODY (CONSULTATION_OPENED), "c-x", NULL);
                m.consultation_opened.opens_at_ms = state == C_PENDING? NOW + 5 * DAY: NOW - 40 * DAY;
                m.consultation_opened.closes_at_ms = state == C_PENDING? NOW + 30 * DAY: NOW - 10 * DAY;
                REQUIRE (s_apply (&in_state, &m, NOW, &v) == 0);
            }
            if (state == C_OPEN || state >= C_CLOSED)
                MUST (&in_state, CONSULTATION_OPENED, "c-x", NULL);
            if (state >= C_CLOSED)
                s_close_early (&in_state, "c-x");
            if (state >= C_OUTCOME)
                MUST (&in_state, CONSULTATION_OUTCOME, "c-x", NULL);
            for (size_t r = 0; r < sizeof table / sizeof table [0]; r++) {
                hub_commission_t *c = hub_commission_dup (in_state);
                s_msg (&m, table [r].type, "c-x", "r-x");
                if (table [r].early)
                    m.consultation_closed.early_close_reason = "Budget withdrawn";
                Cyclehub__V1__RejectCode code = s_apply (&c, &m, NOW, &v);
                CHECK_MSG (code == table [r].in [state].code, "%s%s on consultation %s in %s: %s %s",
                           hub_proto_type_name (table [r].type), table [r].early? " (early)": "",
                           names [state], hub_proto_stage_name ((Cyclehub__V1__Stage) stage),
                           hub_proto_reject_name (code), v.reason);
                if (code == 0)
                    CHECK (hub_commission_consultation_status (c, "c-x") == table [r].in [state].after);
                if (code == REJ (MISSING_FIELD)) {
                    //  The reason names the closing date and what to do
                    CHECK (strcmp (v.field, "consultation_closed.early_close_reason") == 0);
                    CHECK (strstr (v.reason, ":00.000Z") && strstr (v.reason, "early_close_reason"));
                }
                else
                if (code)
                    CHECK (strstr (v.field, "consultation_id"));
                if (code == REJ (ILLEGAL_TRANSITION) && (state == C_PENDING || state == C_DUE)
                &&  table [r].type == BODY (RESPONSE_SUBMITTED))
                    //  A response out of the dates says which date applies
                    CHECK_MSG (strstr (v.reason, state == C_PENDING? "opens at": "closed at"),
                               "%s", v.reason);
                hub_commission_destroy (&c);
            }
            hub_commission_destroy (&in_state);
        }
        hub_commission_destroy (&base);
    }
    //  The reason for an early close is kept; a close on time has none
    hub_commission_t *k = s_fixture (STAGE (PLAN), true);
    CHECK (strcmp (hub_commission_consultation_close_reason (k, "c-closed"),
                   "Enough responses to decide") == 0);
    CHECK (strcmp (hub_commission_consultation_close_reason (k, "c1"), "") == 0);
    CHECK (strcmp (hub_commission_consultation_close_reason (k, "c-open"), "") == 0);
    CHECK (hub_commission_consultation_close_reason (k, "c-none") == NULL);
    //  A response is taken from the opening date, up to (not at) the closing date
    hub_verdict_t kv;
    CHECK (s_try (&k, BODY (RESPONSE_SUBMITTED), "c-open", "r-edge", NOW + 30 * DAY, &kv)
           == REJ (ILLEGAL_TRANSITION));
    CHECK (s_try (&k, BODY (RESPONSE_SUBMITTED), "c-open", "r-edge", NOW + 30 * DAY - 1, &kv) == 0);
    hub_commission_destroy (&k);

    //  Responses are counted; the reason for a closed consultation says so
    hub_commission_t *c = s_fixture (STAGE (PLAN), false);
    hub_verdict_t v;
    MUST (&c, CONSULTATION_OPENED, "c-x", NULL);
    MUST (&c, RESPONSE_SUBMITTED, "c-x", "r-a");
    MUST (&c, RESPONSE_SUBMITTED, "c-x", "r-b");
    MUST (&c, RESPONSE_SUBMITTED, "c-x", "r-c");
    CHECK (hub_commission_consultation_responses (c, "c-x") == 3);
    CHECK (hub_commission_consultation_responses (c, "c-none") == 0);
    CHECK (hub_commission_consultation_has_response (c, "c-x", BUYER, "r-b"));
    CHECK (!hub_commission_consultation_has_response (c, "c-x", BUYER, "r-d"));
    CHECK (!hub_commission_consultation_has_response (c, "c-none", BUYER, "r-b"));
    //  A response id is used once per consultation; another consultation may reuse it
    CHECK (s_try (&c, BODY (RESPONSE_SUBMITTED), "c-x", "r-b", NOW, &v) == REJ (INVALID_VALUE));
    CHECK (strcmp (v.field, "response_submitted.response_id") == 0);
    CHECK (strstr (v.reason, "response r-b already exists in consultation c-x"));
    CHECK (hub_commission_consultation_responses (c, "c-x") == 3);
    MUST (&c, CONSULTATION_OPENED, "c-y", NULL);
    MUST (&c, RESPONSE_SUBMITTED, "c-y", "r-b");
    CHECK (hub_commission_consultation_responses (c, "c-y") == 1);
    //  The response c1 took in cycle 1 (r1) is still known
    CHECK (hub_commission_consultation_has_response (c, "c1", BUYER, "r1"));
    s_close_early (&c, "c-y");
    s_close_early (&c, "c-x");
    CHECK (s_try (&c, BODY (RESPONSE_SUBMITTED), "c-x", "r-late", NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strstr (v.reason, "consultation c-x is closed"));
    CHECK (strstr (v.reason, "consultation.outcome"));
    CHECK (s_try (&c, BODY (RESPONSE_SUBMITTED), "c-zz", "r-1", NOW, &v) == REJ (INVALID_VALUE));
    CHECK (strcmp (v.field, "response_submitted.consultation_id") == 0);
    hub_commission_destroy (&c);
}

//  Gunning, both ways: not out of plan while a consultation is open, not out
//  of review until every outcome is published; cancelling is always allowed
static void
test_gunning (void)
{
    hub_verdict_t v;
    //  plan, with a consultation open
    hub_commission_t *plan = s_fixture (STAGE (PLAN), false);
    MUST (&plan, CONSULTATION_OPENED, "c-g", NULL);
    static const struct { Cyclehub__V1__Envelope__BodyCase type; const char *a, *b; } leave_plan [] = {
        { BODY (TENDER_PUBLISHED), "p-g", NULL },
        { BODY (DIRECT_AWARD), "p-g", "a-g" },
        { BODY (STAGE_CHANGE_REQUESTED), "do", NULL },
        { BODY (STAGE_CHANGE_REQUESTED), "analyse", NULL },
    };
    for (size_t i = 0; i < sizeof leave_plan / sizeof leave_plan [0]; i++) {
        hub_commission_t *c = hub_commission_dup (plan);
        CHECK_MSG (s_try (&c, leave_plan [i].type, leave_plan [i].a, leave_plan [i].b, NOW, &v)
                   == REJ (ILLEGAL_TRANSITION), "%s left plan", hub_proto_type_name (leave_plan [i].type));
        CHECK (strstr (v.reason, "Gunning"));
        CHECK (strstr (v.reason, "c-g"));
        //  Nothing half-done: no procurement p-g was created
        CHECK (hub_commission_procurement_status (c, "p-g") == 0);
        hub_commission_destroy (&c);
    }
    //  Staying in plan is fine; so is cancelling
    hub_commission_t *c = hub_commission_dup (plan);
    CHECK (s_try (&c, BODY (PROCUREMENT_PLANNED), "p-g", NULL, NOW, &v) == 0);
    CHECK (s_try (&c, BODY (STAGE_CHANGE_REQUESTED), "closed", NULL, NOW, &v) == 0);
    CHECK (hub_commission_stage (c) == STAGE (CLOSED));
    hub_commission_destroy (&c);
    //  Closing the consultation (no outcome needed yet) lets plan move on
    c = hub_commission_dup (plan);
    s_close_early (&c, "c-g");
    CHECK (s_try (&c, BODY (TENDER_PUBLISHED), "p-g", NULL, NOW, &v) == 0);
    CHECK (hub_commission_stage (c) == STAGE (DO));
    //  ... and leaving do with a consultation open is not restricted
    MUST (&c, CONSULTATION_OPENED, "c-do", NULL);
    CHECK (s_try (&c, BODY (EVALUATION_PUBLISHED), NULL, NULL, NOW, &v) == 0);
    CHECK (hub_commission_stage (c) == STAGE (REVIEW));
    hub_commission_destroy (&c);
    //  Leaving analyse with a consultation open is not restricted either
    c = s_fixture (STAGE (ANALYSE), false);
    MUST (&c, CONSULTATION_OPENED, "c-a", NULL);
    CHECK (s_try (&c, BODY (PRIORITIES_AGREED), NULL, NULL, NOW, &v) == 0);
    hub_commission_destroy (&c);
    hub_commission_destroy (&plan);

    //  review, with a consultation open, then closed, then its outcome published
    static const struct { Cyclehub__V1__Envelope__BodyCase type; const char *a; } leave_review [] = {
        { BODY (REVIEW_DECISION), "recommission" },
        { BODY (REVIEW_DECISION), "redesign" },
        { BODY (REVIEW_DECISION), "decommission" },
        { BODY (STAGE_CHANGE_REQUESTED), "analyse" },
    };
    hub_commission_t *review = s_fixture (STAGE (REVIEW), false);
    MUST (&review, CONSULTATION_OPENED, "c-r", NULL);
    for (int step = 0; step < 3; step++) {
        for (size_t i = 0; i < sizeof leave_review / sizeof leave_review [0]; i++) {
            c = hub_commission_dup (review);
            Cyclehub__V1__RejectCode code = s_try (&c, leave_review [i].type, leave_review [i].a,
                                                   NULL, NOW, &v);
            if (step < 2) {
                CHECK_MSG (code == REJ (ILLEGAL_TRANSITION), "%s %s left review at step %d",
                           hub_proto_type_name (leave_review [i].type), leave_review [i].a, step);
                CHECK (strstr (v.reason, "Gunning"));
                CHECK (strstr (v.reason, "c-r"));
                CHECK (hub_commission_stage (c) == STAGE (REVIEW));
            }
            else
                CHECK_MSG (code == 0, "%s %s: %s", hub_proto_type_name (leave_review [i].type),
                           leave_review [i].a, v.reason);
            hub_commission_destroy (&c);
        }
        //  Cancelling is allowed at every step
        c = hub_commission_dup (review);
        CHECK (s_try (&c, BODY (STAGE_CHANGE_REQUESTED), "closed", NULL, NOW, &v) == 0);
        hub_commission_destroy (&c);
        if (step == 0)
            s_close_early (&review, "c-r");
        if (step == 1)
            MUST (&review, CONSULTATION_OUTCOME, "c-r", NULL);
    }
    hub_commission_destroy (&review);
}

//  --------------------------------------------------------------------------
//  Whole cycles, creation, authorship

static void
test_whole_cycle (void)
{
    hub_commission_t *c = NULL;
    hub_verdict_t v;
    hub_cycle_outcome_t out;
    msg_t m;

    //  Nothing before commission.opened
    CHECK (s_try (&c, BODY (NEEDS_ASSESSED), NULL, NULL, NOW, &v) == REJ (UNKNOWN_COMMISSION));
    CHECK (c == NULL);
    CHECK (strcmp (v.field, "commission_id") == 0);
    //  Only the buyer may open it
    s_msg (&m, BODY (COMMISSION_OPENED), NULL, NULL);
    CHECK (s_apply_as (&c, &m, PARTNER, NOW, &v, &out) == REJ (NOT_AUTHORISED));
    CHECK (strcmp (v.field, "commission_opened.buyer") == 0);
    CHECK (c == NULL);
    CHECK (s_apply_as (&c, &m, NULL, NOW, &v, &out) == REJ (NOT_AUTHORISED));
    CHECK (c == NULL);
    CHECK (s_apply_as (&c, &m, BUYER, T0, &v, &out) == 0);
    REQUIRE (c);
    CHECK (out.from == STAGE (UNSPECIFIED) && out.to == STAGE (ANALYSE) && out.changed);
    CHECK (strcmp (hub_commission_id (c), CID) == 0);
    CHECK (strcmp (hub_commission_owner (c), BUYER) == 0);
    CHECK (strcmp (hub_commission_title (c), "Community mental health support") == 0);
    CHECK (hub_commission_partner_count (c) == 2);
    CHECK (strcmp (hub_commission_partner (c, 0), PARTNER) == 0);
    CHECK (hub_commission_partner (c, 2) == NULL);
    CHECK (hub_commission_is_partner (c, PARTNER));
    CHECK (!hub_commission_is_partner (c, BUYER));
    CHECK (!hub_commission_is_partner (c, NULL));
    CHECK (hub_commission_opened_at (c) == T0);
    CHECK (hub_commission_cycle (c) == 1);
    //  Opening it again is refused
    hub_commission_t *was = c;
    CHECK (s_apply_as (&c, &m, BUYER, NOW, &v, &out) == REJ (UNKNOWN_COMMISSION));
    CHECK (c == was);
    CHECK (strstr (v.reason, "already exists"));

    //  Three cycles, 100 days apart, each step when its dates allow it
    for (uint32_t cycle = 1; cycle <= 3; cycle++) {
        s_at (NOW + (cycle - 1) * 100 * DAY);
        CHECK (hub_commission_cycle (c) == cycle);
        CHECK (hub_commission_stage (c) == STAGE (ANALYSE));
        char pid [32], aid [32], kid [32];
        snprintf (pid, sizeof pid, "p-%u", cycle);
        snprintf (aid, sizeof aid, "a-%u", cycle);
        snprintf (kid, sizeof kid, "k-%u", cycle);
        s_msg (&m, BODY (PRIORITIES_AGREED), NULL, NULL);
        CHECK (s_apply_as (&c, &m, BUYER, s_clock, &v, &out) == 0);
        CHECK (out.from == STAGE (ANALYSE) && out.to == STAGE (PLAN) && out.changed);
        s_msg (&m, BODY (STRATEGY_APPROVED), NULL, NULL);
        CHECK (s_apply_as (&c, &m, BUYER, s_clock, &v, &out) == 0);
        CHECK (!out.changed && out.to == STAGE (PLAN));
        s_msg (&m, BODY (TENDER_PUBLISHED), pid, NULL);
        CHECK (s_apply_as (&c, &m, BUYER, s_clock, &v, &out) == 0);
        CHECK (out.from == STAGE (PLAN) && out.to == STAGE (DO) && out.changed);
        s_at (s_clock + 30 * DAY);          //  the tender period ends
        CHECK (s_try (&c, BODY (TENDER_CLOSED), pid, NULL, s_clock, &v) == 0);
        CHECK (s_try (&c, BODY (AWARD_MADE), pid, aid, s_clock, &v) == 0);
        s_at (s_clock + STANDSTILL);        //  the standstill ends
        CHECK (s_try (&c, BODY (CONTRACT_SIGNED), kid, aid, s_clock, &v) == 0);
        CHECK (s_try (&c, BODY (KPI_REPORTED), kid, NULL, s_clock, &v) == 0);
        s_msg (&m, BODY (EVALUATION_PUBLISHED), NULL, NULL);
        CHECK (s_apply_as (&c, &m, BUYER, s_clock, &v, &out) == 0);
        CHECK (out.from == STAGE (DO) && out.to == STAGE (REVIEW));
        //  Contracts from earlier cycles can still be reported on in review
        CHECK (s_try (&c, BODY (KPI_REPORTED), "k-1", NULL, s_clock, &v) == 0);
        s_msg (&m, BODY (REVIEW_DECISION), cycle == 2? "redesign": "recommission", NULL);
        CHECK (s_apply_as (&c, &m, BUYER, s_clock, &v, &out) == 0);
        CHECK (out.from == STAGE (REVIEW) && out.to == STAGE (ANALYSE) && out.changed);
    }
    CHECK (hub_commission_cycle (c) == 4);
    const int64_t later = NOW + 300 * DAY;
    s_at (later);
    //  Procurement ids are unique across cycles of one commission
    CHECK (s_try (&c, BODY (PRIORITIES_AGREED), NULL, NULL, later, &v) == 0);
    CHECK (s_try (&c, BODY (TENDER_PUBLISHED), "p-1", NULL, later, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strstr (v.reason, "p-1 is contracted"));
    CHECK (s_try (&c, BODY (TENDER_PUBLISHED), "p-4", NULL, later, &v) == 0);
    CHECK (s_try (&c, BODY (EVALUATION_PUBLISHED), NULL, NULL, later, &v) == 0);
    s_msg (&m, BODY (REVIEW_DECISION), "decommission", NULL);
    CHECK (s_apply_as (&c, &m, BUYER, later + DAY, &v, &out) == 0);
    CHECK (out.to == STAGE (CLOSED));
    CHECK (hub_commission_stage (c) == STAGE (CLOSED));
    CHECK (hub_commission_cycle (c) == 4);
    CHECK (hub_commission_updated_at (c) == later + DAY);
    s_at (NOW);
    //  Closed takes nothing
    CHECK (s_try (&c, BODY (PARTNER_UPDATE), NULL, NULL, NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strstr (v.reason, "closed"));
    hub_commission_set_last_seq (c, 42, NOW + 2 * DAY);
    CHECK (hub_commission_last_seq (c) == 42);
    CHECK (hub_commission_updated_at (c) == NOW + 2 * DAY);
    hub_commission_destroy (&c);
    CHECK (c == NULL);
    hub_commission_destroy (&c);           //  idempotent
    hub_commission_destroy (NULL);

    //  A message for another commission is a broker fault, not a state change
    c = s_fixture (STAGE (ANALYSE), false);
    s_msg (&m, BODY (NEEDS_ASSESSED), NULL, NULL);
    m.env.commission_id = "ocds-h6vhtk-000002";
    CHECK (s_apply (&c, &m, NOW, &v) == REJ (INTERNAL));
    //  A body case set with no body is refused, not followed
    s_msg (&m, BODY (CONSULTATION_OPENED), "c-null", NULL);
    m.env.consultation_opened = NULL;
    CHECK (hub_cycle_apply (&c, &m.env, BUYER, NOW, NULL, &v) == -1);
    CHECK (v.code == REJ (MISSING_FIELD));
    CHECK (strcmp (v.field, "consultation_opened") == 0);
    s_msg (&m, BODY (ERASURE_RECORDED), NULL, NULL);
    CHECK (s_apply (&c, &m, NOW, &v) == REJ (UNKNOWN_TYPE));
    m.env.body_case = CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET;
    CHECK (hub_cycle_apply (&c, &m.env, BUYER, NOW, NULL, &v) == -1);
    CHECK (v.code == REJ (UNKNOWN_TYPE));
    hub_commission_t *none = NULL;
    s_msg (&m, BODY (NEEDS_ASSESSED), NULL, NULL);
    CHECK (hub_cycle_apply (&none, &m.env, BUYER, NOW, NULL, &v) == -1);
    CHECK (v.code == REJ (UNKNOWN_COMMISSION) && none == NULL);
    hub_commission_destroy (&c);
}

static void
test_allowed_types (void)
{
    char buf [1024];
    hub_cycle_allowed_types (STAGE (ANALYSE), buf, sizeof buf);
    CHECK (strstr (buf, "needs.assessed, priorities.agreed"));
    CHECK (!strstr (buf, "tender.published"));
    CHECK (!strstr (buf, "commission.opened"));
    hub_cycle_allowed_types (STAGE (PLAN), buf, sizeof buf);
    CHECK (strstr (buf, "strategy.approved"));
    CHECK (strstr (buf, "tender.published"));
    CHECK (strstr (buf, "kpi.reported"));         //  a contract of the last cycle delivers on
    CHECK (!strstr (buf, "award.made"));
    hub_cycle_allowed_types (STAGE (DO), buf, sizeof buf);
    CHECK (strstr (buf, "kpi.reported"));
    CHECK (strstr (buf, "evaluation.published"));
    CHECK (!strstr (buf, "review.decision"));
    hub_cycle_allowed_types (STAGE (REVIEW), buf, sizeof buf);
    CHECK (strstr (buf, "review.decision"));
    hub_cycle_allowed_types (STAGE (CLOSED), buf, sizeof buf);
    CHECK (strcmp (buf, "none") == 0);
    //  Truncation keeps whole names and a terminator
    char small [20];
    hub_cycle_allowed_types (STAGE (ANALYSE), small, sizeof small);
    CHECK (strcmp (small, "needs.assessed") == 0);
    hub_cycle_allowed_types (STAGE (ANALYSE), small, 1);
    CHECK (small [0] == 0);

    //  A stage rejection lists what is allowed
    hub_commission_t *c = s_fixture (STAGE (ANALYSE), false);
    hub_verdict_t v;
    CHECK (s_try (&c, BODY (TENDER_AMENDED), "p-tender", NULL, NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (strstr (v.reason, "tender.amended is not allowed"));
    CHECK (strstr (v.reason, "is in stage analyse; allowed there: needs.assessed"));
    hub_commission_destroy (&c);
}

//  The most items one commission may hold keeps the state decodable
static void
test_capacity (void)
{
    hub_commission_t *c = s_fixture (STAGE (ANALYSE), false);
    hub_verdict_t v;
    size_t have = hub_commission_consultation_count (c);
    char id [32];
    for (size_t i = have; i < HUB_CYCLE_MAX_ITEMS; i++) {
        snprintf (id, sizeof id, "c-%zu", i);
        msg_t m;
        s_msg (&m, BODY (CONSULTATION_OPENED), id, NULL);
        REQUIRE (hub_cycle_apply (&c, &m.env, BUYER, NOW, NULL, &v) == 0);
    }
    CHECK (hub_commission_consultation_count (c) == HUB_CYCLE_MAX_ITEMS);
    CHECK (s_try (&c, BODY (CONSULTATION_OPENED), "c-one-more", NULL, NOW, &v) == REJ (TOO_LARGE));
    uint8_t *data;
    size_t size;
    s_encode (c, &data, &size);
    hub_commission_t *back = hub_commission_decode (data, size);
    CHECK (back && hub_commission_consultation_count (back) == HUB_CYCLE_MAX_ITEMS);
    hub_commission_destroy (&back);
    free (data);
    hub_commission_destroy (&c);

    //  One agency sends up to HUB_CYCLE_MAX_RESPONSES responses to one
    //  consultation; its next is TOO_LARGE (the stored state would not decode)
    CHECK (HUB_CYCLE_MAX_RESPONSES == HUB_PROTO_MAX_REPEATED);
    c = s_fixture (STAGE (ANALYSE), false);
    MUST (&c, CONSULTATION_OPENED, "c-big", NULL);
    for (size_t i = 0; i < HUB_CYCLE_MAX_RESPONSES; i++) {
        snprintf (id, sizeof id, "r-%zu", i);
        msg_t m;
        s_msg (&m, BODY (RESPONSE_SUBMITTED), "c-big", id);
        REQUIRE (hub_cycle_apply (&c, &m.env, BUYER, NOW, NULL, &v) == 0);
    }
    CHECK (hub_commission_consultation_responses (c, "c-big") == HUB_CYCLE_MAX_RESPONSES);
    CHECK (s_try (&c, BODY (RESPONSE_SUBMITTED), "c-big", "r-one-more", NOW, &v) == REJ (TOO_LARGE));
    CHECK (strcmp (v.field, "response_submitted.response_id") == 0);
    CHECK (strstr (v.reason, "open another consultation"));
    //  A reused id is still named as such, and other consultations are not affected
    CHECK (s_try (&c, BODY (RESPONSE_SUBMITTED), "c-big", "r-7", NOW, &v) == REJ (INVALID_VALUE));
    MUST (&c, CONSULTATION_OPENED, "c-next", NULL);
    MUST (&c, RESPONSE_SUBMITTED, "c-next", "r-one-more");
    s_encode (c, &data, &size);
    back = hub_commission_decode (data, size);
    CHECK (back && hub_commission_consultation_responses (back, "c-big") == HUB_CYCLE_MAX_RESPONSES);
    CHECK (back && hub_commission_consultation_has_response (back, "c-big", BUYER, "r-999"));
    CHECK (back && s_try (&back, BODY (RESPONSE_SUBMITTED), "c-big", "r-1000", NOW, &v) == REJ (TOO_LARGE));
    hub_commission_destroy (&back);
    free (data);
    hub_commission_destroy (&c);
}

//  Response ids and the response cap are per agency (issue 17): a non-party
//  that floods a consultation fills its own quota, not the consultation, and
//  cannot squat the ids another agency will use
#define OTHER       "GB-NIC-100001"         //  a registered agency with no relation

static Cyclehub__V1__RejectCode
s_respond_as (hub_commission_t **c, const char *sender, const char *consultation,
              const char *response, hub_verdict_t *v)
{
    msg_t m;
    s_msg (&m, BODY (RESPONSE_SUBMITTED), consultation, response);
    hub_cycle_outcome_t out;
    return s_apply_as (c, &m, sender, NOW, v, &out);
}

static void
test_response_namespaces (void)
{
    hub_commission_t *c = s_fixture (STAGE (PLAN), false);
    hub_verdict_t v;
    char id [32];
    MUST (&c, CONSULTATION_OPENED, "c-1", NULL);
    //  1,000 junk responses from one agency fill its own quota ...
    for (size_t i = 0; i < HUB_CYCLE_MAX_RESPONSES; i++) {
        snprintf (id, sizeof id, "junk-%zu", i);
        REQUIRE (s_respond_as (&c, OTHER, "c-1", id, &v) == 0);
    }
    CHECK (s_respond_as (&c, OTHER, "c-1", "junk-more", &v) == REJ (TOO_LARGE));
    CHECK (strcmp (v.field, "response_submitted.response_id") == 0);
    CHECK (strstr (v.reason, OTHER " already sent 1000 responses to consultation c-1"));
    CHECK (hub_commission_consultation_agency_responses (c, "c-1", OTHER) == HUB_CYCLE_MAX_RESPONSES);
    //  ... and the genuine responses still get in
    CHECK (s_respond_as (&c, BUYER, "c-1", "r-1", &v) == 0);
    CHECK (s_respond_as (&c, PARTNER, "c-1", "r-1", &v) == 0);
    //  Ids are each agency's own: OTHER may use r-1 too, nobody twice
    CHECK (s_respond_as (&c, SUPPLIER, "c-1", "junk-1", &v) == 0);
    CHECK (s_respond_as (&c, PARTNER, "c-1", "r-1", &v) == REJ (INVALID_VALUE));
    CHECK (strstr (v.reason, "response r-1 already exists in consultation c-1"));
    CHECK (strstr (v.reason, "from " PARTNER));
    CHECK (hub_commission_consultation_responses (c, "c-1") == HUB_CYCLE_MAX_RESPONSES + 3);
    CHECK (hub_commission_consultation_has_response (c, "c-1", BUYER, "r-1"));
    CHECK (hub_commission_consultation_has_response (c, "c-1", SUPPLIER, "junk-1"));
    CHECK (!hub_commission_consultation_has_response (c, "c-1", BUYER, "junk-1"));
    CHECK (!hub_commission_consultation_has_response (c, "c-1", SUPPLIER, "r-1"));
    CHECK (hub_commission_consultation_agency_responses (c, "c-1", BUYER) == 1);
    CHECK (hub_commission_consultation_agency_responses (c, "c-1", "GB-NHS-NONE") == 0);
    CHECK (hub_commission_consultation_agency_responses (c, "c-none", BUYER) == 0);
    //  The namespaces survive encoding, and the copy behaves the same
    uint8_t *data;
    size_t size;
    s_encode (c, &data, &size);
    hub_commission_t *back = hub_commission_decode (data, size);
    REQUIRE (back);
    CHECK (s_same_encoding (c, back));
    CHECK (hub_commission_consultation_has_response (back, "c-1", PARTNER, "r-1"));
    CHECK (!hub_commission_consultation_has_response (back, "c-1", OTHER, "r-1"));
    CHECK (s_respond_as (&back, OTHER, "c-1", "r-1", &v) == REJ (TOO_LARGE));
    CHECK (s_respond_as (&back, SUPPLIER2, "c-1", "r-1", &v) == 0);
    CHECK (s_respond_as (&back, SUPPLIER2, "c-1", "r-1", &v) == REJ (INVALID_VALUE));
    hub_commission_t *copy = hub_commission_dup (back);
    REQUIRE (copy);
    CHECK (s_same_encoding (copy, back));
    CHECK (s_respond_as (&copy, SUPPLIER2, "c-1", "r-2", &v) == 0);
    CHECK (!hub_commission_consultation_has_response (back, "c-1", SUPPLIER2, "r-2"));
    hub_commission_destroy (&copy);
    hub_commission_destroy (&back);
    free (data);
    hub_commission_destroy (&c);
}

//  A state stored by the version before ids were per agency: its ids are
//  in ConsultationState.response_ids. It decodes; those ids stay reserved
//  for every agency (so an erasure naming one stays unambiguous) and are
//  written back where they were; new ids go to their agency.
static void
test_response_ids_stored_before (void)
{
    Cyclehub__V1__CommissionState state = CYCLEHUB__V1__COMMISSION_STATE__INIT;
    state.commission_id = CID;
    state.owner = BUYER;
    state.stage = STAGE (PLAN);
    state.cycle = 1;
    Cyclehub__V1__ConsultationState k = CYCLEHUB__V1__CONSULTATION_STATE__INIT;
    k.consultation_id = "c-1";
    k.status = CONS (OPEN);
    k.stage = STAGE (PLAN);
    k.responses = 3;
    char *rids [2] = { "r-1", "r-2" };
    k.n_response_ids = 2;
    k.response_ids = rids;
    Cyclehub__V1__ConsultationState *ks [1] = { &k };
    state.n_consultations = 1;
    state.consultations = ks;
    uint8_t buf [1024];
    size_t n = cyclehub__v1__commission_state__pack (&state, buf);
    hub_commission_t *g = hub_commission_decode (buf, n);
    REQUIRE (g);
    hub_verdict_t v;
    CHECK (hub_commission_consultation_has_response (g, "c-1", OTHER, "r-1"));
    CHECK (hub_commission_consultation_has_response (g, "c-1", BUYER, "r-2"));
    CHECK (s_respond_as (&g, OTHER, "c-1", "r-2", &v) == REJ (INVALID_VALUE));
    CHECK (s_respond_as (&g, OTHER, "c-1", "r-3", &v) == 0);
    CHECK (s_respond_as (&g, BUYER, "c-1", "r-3", &v) == 0);
    CHECK (hub_commission_consultation_responses (g, "c-1") == 5);
    //  Written back: the old ids where they were, the new ones per agency
    uint8_t *data;
    size_t size;
    s_encode (g, &data, &size);
    Cyclehub__V1__CommissionState *out = cyclehub__v1__commission_state__unpack (NULL, size, data);
    REQUIRE (out && out->n_consultations == 1);
    const Cyclehub__V1__ConsultationState *ko = out->consultations [0];
    CHECK (ko->n_response_ids == 2 && strcmp (ko->response_ids [1], "r-2") == 0);
    CHECK (ko->n_respondents == 2);
    CHECK (ko->n_respondents == 2 && strcmp (ko->respondents [0]->agency, OTHER) == 0
        && ko->respondents [0]->n_response_ids == 1
        && strcmp (ko->respondents [0]->response_ids [0], "r-3") == 0);
    CHECK (ko->responses == 5);
    cyclehub__v1__commission_state__free_unpacked (out, NULL);
    hub_commission_t *back = hub_commission_decode (data, size);
    CHECK (back && s_same_encoding (g, back));
    hub_commission_destroy (&back);
    free (data);
    hub_commission_destroy (&g);

    //  Impossible per-agency states do not decode
    Cyclehub__V1__RespondentState r1 = CYCLEHUB__V1__RESPONDENT_STATE__INIT;
    char *r1_ids [2] = { "r-9", "r-8" };
    r1.agency = OTHER;
    r1.n_response_ids = 1;
    r1.response_ids = r1_ids;
    Cyclehub__V1__RespondentState *rs [2] = { &r1, &r1 };
    k.n_respondents = 1;
    k.respondents = rs;
    n = cyclehub__v1__commission_state__pack (&state, buf);
    g = hub_commission_decode (buf, n);
    CHECK (g && hub_commission_consultation_has_response (g, "c-1", OTHER, "r-9"));
    hub_commission_destroy (&g);
    #define BAD_RESPONSES(what, change, undo) do { \
        change; \
        n = cyclehub__v1__commission_state__pack (&state, buf); \
        g = hub_commission_decode (buf, n); \
        CHECK_MSG (g == NULL, "decoded a state with %s", what); \
        hub_commission_destroy (&g); \
        undo; \
    } while (0)
    BAD_RESPONSES ("an agency listed twice", k.n_respondents = 2, k.n_respondents = 1);
    BAD_RESPONSES ("a bad agency", r1.agency = "nobody", r1.agency = OTHER);
    BAD_RESPONSES ("an agency without ids", r1.n_response_ids = 0, r1.n_response_ids = 1);
    BAD_RESPONSES ("an agency's id repeated", r1_ids [1] = "r-9"; r1.n_response_ids = 2,
                   r1_ids [1] = "r-8"; r1.n_response_ids = 1);
    BAD_RESPONSES ("an agency reusing a shared id", r1_ids [0] = "r-1", r1_ids [0] = "r-9");
    BAD_RESPONSES ("a bad id", r1_ids [0] = "r 9", r1_ids [0] = "r-9");
    BAD_RESPONSES ("more ids than responses", k.responses = 2, k.responses = 3);
}

//  --------------------------------------------------------------------------
//  Encoding and copies

static void
test_encode_decode (void)
{
    hub_commission_t *c = s_fixture (STAGE (REVIEW), true);
    hub_verdict_t v;
    MUST (&c, RESPONSE_SUBMITTED, "c-open", "r-1");
    MUST (&c, RESPONSE_SUBMITTED, "c-open", "r-2");
    hub_commission_set_last_seq (c, 1234, NOW);
    uint8_t *data;
    size_t size;
    s_encode (c, &data, &size);
    CHECK (size > 100);
    hub_commission_t *back = hub_commission_decode (data, size);
    REQUIRE (back);
    CHECK (s_same_encoding (c, back));
    CHECK (hub_commission_stage (back) == STAGE (REVIEW));
    CHECK (hub_commission_cycle (back) == 2);
    CHECK (hub_commission_last_seq (back) == 1234);
    CHECK (strcmp (hub_commission_owner (back), BUYER) == 0);
    CHECK (hub_commission_is_partner (back, PARTNER));
    CHECK (hub_commission_consultation_status (back, "c-open") == CONS (OPEN));
    CHECK (hub_commission_consultation_status (back, "c-closed") == CONS (CLOSED));
    CHECK (hub_commission_consultation_status (back, "c1") == CONS (OUTCOME_PUBLISHED));
    CHECK (hub_commission_consultation_responses (back, "c-open") == 2);
    CHECK (hub_commission_consultation_has_response (back, "c-open", BUYER, "r-1"));
    CHECK (hub_commission_consultation_has_response (back, "c-open", BUYER, "r-2"));
    CHECK (hub_commission_consultation_has_response (back, "c1", BUYER, "r1"));
    CHECK (!hub_commission_consultation_has_response (back, "c-open", BUYER, "r-3"));
    CHECK (s_try (&back, BODY (RESPONSE_SUBMITTED), "c-open", "r-2", NOW, &v) == REJ (INVALID_VALUE));
    CHECK (hub_commission_procurement_status (back, "p-tender") == PROC (TENDER));
    CHECK (hub_commission_procurement_deadline (back, "p-tender") == NOW + 30 * DAY);
    CHECK (hub_commission_procurement_status (back, "p-term") == PROC (TERMINATED));
    CHECK (hub_commission_contract_status (back, "k-ended") == KSTAT (EXPIRED));
    CHECK (hub_commission_is_contract_supplier (back, "k-1", SUPPLIER2));
    CHECK (strcmp (hub_commission_award_contract (back, "a-1"), "k-1") == 0);
    //  The decoded state behaves as the original: same verdicts, same result
    CHECK (s_try (&c, BODY (REVIEW_DECISION), "recommission", NULL, NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (s_try (&back, BODY (REVIEW_DECISION), "recommission", NULL, NOW, &v) == REJ (ILLEGAL_TRANSITION));
    CHECK (s_try (&c, BODY (CONTRACT_SIGNED), "k-9", "a-awarded", NOW, &v) == 0);
    CHECK (s_try (&back, BODY (CONTRACT_SIGNED), "k-9", "a-awarded", NOW, &v) == 0);
    CHECK (s_same_encoding (c, back));
    hub_commission_destroy (&back);

    //  Garbage, truncation and impossible states do not decode
    CHECK (hub_commission_decode (NULL, 0) == NULL);
    CHECK (hub_commission_decode ("", 0) == NULL);
    CHECK (hub_commission_decode (data, size - 1) == NULL);
    CHECK (hub_commission_decode ("\xff\xff\xff\xff", 4) == NULL);
    uint32_t seed = 12345;
    uint8_t junk [256];
    int decoded = 0;
    for (int i = 0; i < 2000; i++) {
        size_t n = 1 + i % sizeof junk;
        for (size_t j = 0; j < n; j++) {
            seed = seed * 1103515245u + 12345u;
            junk [j] = (uint8_t) (seed >> 16);
        }
        hub_commission_t *g = hub_commission_decode (junk, n);
        decoded += g != NULL;
        hub_commission_destroy (&g);
    }
    CHECK (decoded == 0);
    //  Flipping each byte of a real state either fails or gives a valid state
    for (size_t i = 0; i < size; i++) {
        uint8_t *copy = malloc (size);
        memcpy (copy, data, size);
        copy [i] ^= 0x5a;
        hub_commission_t *g = hub_commission_decode (copy, size);
        if (g) {
            uint8_t *again;
            size_t again_size;
            s_encode (g, &again, &again_size);
            hub_commission_t *g2 = hub_commission_decode (again, again_size);
            CHECK (g2 != NULL);
            hub_commission_destroy (&g2);
            free (again);
        }
        hub_commission_destroy (&g);
        free (copy);
    }
    free (data);

    //  Hand-built states: good, then each made impossible in one way
    Cyclehub__V1__CommissionState state = CYCLEHUB__V1__COMMISSION_STATE__INIT;
    state.commission_id = CID;
    state.owner = BUYER;
    state.stage = STAGE (DO);
    state.cycle = 1;
    Cyclehub__V1__ProcurementState p = CYCLEHUB__V1__PROCUREMENT_STATE__INIT;
    p.procurement_id = "p-1";
    p.status = PROC (AWARDED);
    Cyclehub__V1__ProcurementState *ps [2] = { &p, &p };
    Cyclehub__V1__AwardState a = CYCLEHUB__V1__AWARD_STATE__INIT;
    a.award_id = "a-1";
    a.procurement_id = "p-1";
    char *sup [1] = { SUPPLIER };
    a.n_suppliers = 1;
    a.suppliers = sup;
    Cyclehub__V1__AwardState *as [1] = { &a };
    state.n_procurements = 1;
    state.procurements = ps;
    state.n_awards = 1;
    state.awards = as;
    Cyclehub__V1__ConsultationState k = CYCLEHUB__V1__CONSULTATION_STATE__INIT;
    k.consultation_id = "c-1";
    k.status = CONS (OPEN);
    k.stage = STAGE (DO);
    k.responses = 3;
    char *rids [3] = { "r-1", "r-2", "r-1" };
    k.n_response_ids = 2;
    k.response_ids = rids;
    Cyclehub__V1__ConsultationState *ks [1] = { &k };
    state.n_consultations = 1;
    state.consultations = ks;
    uint8_t buf [1024];
    size_t n = cyclehub__v1__commission_state__pack (&state, buf);
    hub_commission_t *g = hub_commission_decode (buf, n);
    CHECK (g != NULL);
    CHECK (g && strcmp (hub_commission_award_procurement (g, "a-1"), "p-1") == 0);
    CHECK (g && hub_commission_consultation_has_response (g, "c-1", BUYER, "r-2"));
    CHECK (g && hub_commission_consultation_responses (g, "c-1") == 3);
    hub_commission_destroy (&g);
    //  A state stored before response ids were kept: a count, no ids. It
    //  decodes, and takes new responses, whose ids it then keeps
    k.n_response_ids = 0;
    n = cyclehub__v1__commission_state__pack (&state, buf);
    g = hub_commission_decode (buf, n);
    CHECK (g != NULL);
    if (g) {
        CHECK (hub_commission_consultation_responses (g, "c-1") == 3);
        CHECK (!hub_commission_consultation_has_response (g, "c-1", BUYER, "r-1"));
        MUST (&g, RESPONSE_SUBMITTED, "c-1", "r-9");
        CHECK (hub_commission_consultation_responses (g, "c-1") == 4);
        CHECK (hub_commission_consultation_has_response (g, "c-1", BUYER, "r-9"));
        CHECK (s_try (&g, BODY (RESPONSE_SUBMITTED), "c-1", "r-9", NOW, &v) == REJ (INVALID_VALUE));
    }
    hub_commission_destroy (&g);
    k.n_response_ids = 2;
    #define BAD_STATE(what, change, undo) do { \
        change; \
        n = cyclehub__v1__commission_state__pack (&state, buf); \
        g = hub_commission_decode (buf, n); \
        CHECK_MSG (g == NULL, "decoded a state with %s", what); \
        hub_commission_destroy (&g); \
        undo; \
    } while (0)
    BAD_STATE ("a bad ocid", state.commission_id = "ocds-BAD-1", state.commission_id = CID);
    BAD_STATE ("a bad owner", state.owner = "GB-XXX-1", state.owner = BUYER);
    BAD_STATE ("no owner", state.owner = "", state.owner = BUYER);
    BAD_STATE ("stage 9", state.stage = 9, state.stage = STAGE (DO));
    BAD_STATE ("stage unspecified", state.stage = 0, state.stage = STAGE (DO));
    BAD_STATE ("cycle 0", state.cycle = 0, state.cycle = 1);
    BAD_STATE ("a duplicate procurement", state.n_procurements = 2, state.n_procurements = 1);
    BAD_STATE ("procurement status 8", p.status = 8, p.status = PROC (AWARDED));
    BAD_STATE ("a bad procurement id", p.procurement_id = "p 1", p.procurement_id = "p-1");
    BAD_STATE ("an award of no procurement", a.procurement_id = "p-2", a.procurement_id = "p-1");
    BAD_STATE ("an award without suppliers", a.n_suppliers = 0, a.n_suppliers = 1);
    BAD_STATE ("an award naming a missing contract", a.contract_id = "k-1", a.contract_id = "");
    BAD_STATE ("a bad supplier", sup [0] = "nobody", sup [0] = SUPPLIER);
    BAD_STATE ("a repeated response id", k.n_response_ids = 3, k.n_response_ids = 2);
    BAD_STATE ("a bad response id", rids [1] = "r 2", rids [1] = "r-2");
    BAD_STATE ("an empty response id", rids [1] = "", rids [1] = "r-2");
    BAD_STATE ("more response ids than responses", k.responses = 1, k.responses = 3);
    Cyclehub__V1__ConsultationState *twice [2] = { &k, &k };
    BAD_STATE ("a duplicate consultation", (state.n_consultations = 2, state.consultations = twice),
               (state.n_consultations = 1, state.consultations = ks));
    hub_commission_destroy (&c);
}

static void
test_dup (void)
{
    hub_commission_t *c = s_fixture (STAGE (DO), true);
    hub_commission_t *copy = hub_commission_dup (c);
    REQUIRE (copy);
    CHECK (copy != c);
    CHECK (s_same_encoding (c, copy));
    uint8_t *before;
    size_t before_size;
    s_encode (c, &before, &before_size);
    //  Change the copy in every list it has
    MUST (&copy, TENDER_CLOSED, "p-due", NULL);
    MUST (&copy, AWARD_MADE, "p-due", "a-dup");
    MUST (&copy, CONTRACT_SIGNED, "k-dup", "a-awarded");
    MUST (&copy, RESPONSE_SUBMITTED, "c-open", "r-1");
    MUST (&copy, CONSULTATION_CLOSED, "c-due", NULL);
    MUST (&copy, CONTRACT_ENDED, "k-1", NULL);
    MUST (&copy, CONSULTATION_OPENED, "c-dup", NULL);
    MUST (&copy, EVALUATION_PUBLISHED, NULL, NULL);
    uint8_t *after;
    size_t after_size;
    s_encode (c, &after, &after_size);
    CHECK (before_size == after_size && memcmp (before, after, after_size) == 0);
    CHECK (!s_same_encoding (c, copy));
    CHECK (hub_commission_stage (c) == STAGE (DO));
    CHECK (hub_commission_contract_status (c, "k-1") == KSTAT (ACTIVE));
    CHECK (hub_commission_contract_status (copy, "k-1") == KSTAT (TERMINATED));
    CHECK (hub_commission_consultation_has_response (copy, "c-open", BUYER, "r-1"));
    CHECK (!hub_commission_consultation_has_response (c, "c-open", BUYER, "r-1"));
    CHECK (hub_commission_consultation_responses (c, "c-open") == 0);
    //  The original still takes r-1; the copy refuses it
    hub_commission_t *c2 = hub_commission_dup (c);
    MUST (&c2, RESPONSE_SUBMITTED, "c-open", "r-1");
    hub_verdict_t v;
    CHECK (s_try (&copy, BODY (RESPONSE_SUBMITTED), "c-open", "r-1", NOW, &v) == REJ (INVALID_VALUE));
    hub_commission_destroy (&c2);
    //  The copy outlives the original
    hub_commission_destroy (&c);
    CHECK (hub_commission_is_contract_supplier (copy, "k-dup", SUPPLIER));
    CHECK (hub_commission_is_partner (copy, PARTNER));
    hub_commission_t *copy2 = hub_commission_dup (copy);
    CHECK (s_same_encoding (copy, copy2));
    CHECK (strcmp (hub_commission_consultation_close_reason (copy2, "c-closed"),
                   "Enough responses to decide") == 0);
    CHECK (hub_commission_consultation_status (copy2, "c-due") == CONS (CLOSED));
    hub_commission_destroy (&copy);
    hub_commission_destroy (&copy2);
    CHECK (hub_commission_dup (NULL) == NULL);
    CHECK (hub_commission_new ("not-an-ocid") == NULL);
    CHECK (hub_commission_new (NULL) == NULL);
    free (before);
    free (after);
}

//  --------------------------------------------------------------------------
//  Validation: one check per rule, code and field path

#define EXPECT(m, c, f) s_expect (m, REJ (c), f, __LINE__)
#define EXPECT_OK(m)    s_expect (m, 0, "", __LINE__)

static void
s_expect (msg_t *m, Cyclehub__V1__RejectCode code, const char *field, int line)
{
    hub_verdict_t v;
    int rc = hub_validate_envelope (&m->env, &v);
    CHECK_MSG (rc == (code? -1: 0) && v.code == code && strcmp (v.field, field) == 0,
               "line %d: got %s \"%s\" (%s), want %s \"%s\"", line,
               hub_proto_reject_name (v.code), v.field, v.reason,
               hub_proto_reject_name (code), field);
    if (code) {
        //  The reason names the field and is a sentence
        CHECK_MSG (!*field || strstr (v.reason, field), "line %d: reason without the field: %s",
                   line, v.reason);
        CHECK (strlen (v.reason) > 20);
    }
}

static char *
s_string (size_t len, char c)
{
    char *s = malloc (len + 1);
    memset (s, c, len);
    s [len] = 0;
    return s;
}

static void
test_validate (void)
{
    msg_t m;
    //  Every canonical message is valid
    for (size_t i = 0; hub_proto_type_at (i); i++) {
        if (hub_proto_type_at (i) == BODY (ERASURE_RECORDED))
            continue;
        s_msg (&m, hub_proto_type_at (i), "x-1", "y-1");
        if (hub_proto_type_at (i) == BODY (STAGE_CHANGE_REQUESTED))
            m.stage_change_requested.target = STAGE (PLAN);
        EXPECT_OK (&m);
    }
    char *long64 = s_string (64, 'a'), *long65 = s_string (65, 'a');
    char *long128 = s_string (128, 'm'), *long129 = s_string (129, 'm');
    char *t500 = s_string (500, 't'), *t501 = s_string (501, 't');
    char *t10001 = s_string (10001, 'd');

    //  Envelope
    s_msg (&m, BODY (NEEDS_ASSESSED), NULL, NULL);
    m.env.msg_id = "";                   EXPECT (&m, MISSING_FIELD, "msg_id");
    m.env.msg_id = "has space";          EXPECT (&m, INVALID_VALUE, "msg_id");
    m.env.msg_id = long129;              EXPECT (&m, INVALID_VALUE, "msg_id");
    m.env.msg_id = long128;              EXPECT_OK (&m);
    m.env.msg_id = "7d9f0c1e-3b2a-4e5f:01.x_y"; EXPECT_OK (&m);
    m.env.commission_id = "";            EXPECT (&m, MISSING_FIELD, "commission_id");
    m.env.commission_id = "ocds-H6VHTK-1"; EXPECT (&m, INVALID_VALUE, "commission_id");
    m.env.commission_id = "ocds-h6vhtk"; EXPECT (&m, INVALID_VALUE, "commission_id");
    m.env.commission_id = "ocds-h6vhtk-"; EXPECT (&m, INVALID_VALUE, "commission_id");
    m.env.commission_id = "ocds-h6vht-1"; EXPECT (&m, INVALID_VALUE, "commission_id");
    m.env.commission_id = CID;
    m.env.sent_at_ms = 1;                EXPECT (&m, INVALID_VALUE, "sent_at_ms");
    m.env.sent_at_ms = HUB_VALIDATE_TIME_MAX_MS; EXPECT (&m, INVALID_VALUE, "sent_at_ms");
    m.env.sent_at_ms = 0;                EXPECT_OK (&m);
    m.env.body_case = CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET;
    EXPECT (&m, UNKNOWN_TYPE, "");
    m.env.body_case = (Cyclehub__V1__Envelope__BodyCase) 99;
    EXPECT (&m, UNKNOWN_TYPE, "");
    s_msg (&m, BODY (ERASURE_RECORDED), NULL, NULL);
    EXPECT (&m, UNKNOWN_TYPE, "erasure_recorded");
    s_msg (&m, BODY (TENDER_CLOSED), NULL, NULL);
    m.env.tender_closed = NULL;          EXPECT (&m, MISSING_FIELD, "tender_closed");
    hub_verdict_t v;
    CHECK (hub_validate_envelope (NULL, &v) == -1 && v.code == REJ (MALFORMED));

    //  commission.opened: title, buyer, partners
    s_msg (&m, BODY (COMMISSION_OPENED), NULL, NULL);
    m.commission_opened.title = "";      EXPECT (&m, MISSING_FIELD, "commission_opened.title");
    m.commission_opened.title = " \t\n"; EXPECT (&m, MISSING_FIELD, "commission_opened.title");
    m.commission_opened.title = t501;    EXPECT (&m, TOO_LARGE, "commission_opened.title");
    m.commission_opened.title = t500;    EXPECT_OK (&m);
    m.commission_opened.description = t10001; EXPECT (&m, TOO_LARGE, "commission_opened.description");
    m.commission_opened.description = "";
    m.commission_opened.buyer = "";      EXPECT (&m, MISSING_FIELD, "commission_opened.buyer");
    m.commission_opened.buyer = "GB-XYZ-123"; EXPECT (&m, INVALID_VALUE, "commission_opened.buyer");
    m.commission_opened.buyer = "GB-LAE-";    EXPECT (&m, INVALID_VALUE, "commission_opened.buyer");
    m.commission_opened.buyer = "GB-LAE-E08!"; EXPECT (&m, INVALID_VALUE, "commission_opened.buyer");
    m.commission_opened.buyer = BUYER;
    m.partners [1] = "US-EIN-123";       EXPECT (&m, INVALID_VALUE, "commission_opened.partners[1]");
    m.partners [1] = PARTNER;            EXPECT (&m, INVALID_VALUE, "commission_opened.partners[1]");

    //  Money, procedure, period, social value weight
    s_msg (&m, BODY (TENDER_PUBLISHED), "p-1", NULL);
    m.tender_published.value = NULL;     EXPECT (&m, MISSING_FIELD, "tender_published.value");
    m.tender_published.value = &m.money;
    m.money.amount = -1;                 EXPECT (&m, INVALID_VALUE, "tender_published.value.amount");
    m.money.amount = HUB_VALIDATE_MONEY_MAX + 1; EXPECT (&m, INVALID_VALUE, "tender_published.value.amount");
    m.money.amount = 0;                  EXPECT_OK (&m);
    m.money.currency = "";               EXPECT (&m, MISSING_FIELD, "tender_published.value.currency");
    m.money.currency = "gbp";            EXPECT (&m, INVALID_VALUE, "tender_published.value.currency");
    m.money.currency = "GBPX";           EXPECT (&m, INVALID_VALUE, "tender_published.value.currency");
    //  only ISO 4217 List one, with minor units: what every text edge can write
    m.money.currency = "XYZ";            EXPECT (&m, INVALID_VALUE, "tender_published.value.currency");
    m.money.currency = "XAU";            EXPECT (&m, INVALID_VALUE, "tender_published.value.currency");
    m.money.currency = "DEM";            EXPECT (&m, INVALID_VALUE, "tender_published.value.currency");
    m.money.currency = "JPY";            EXPECT_OK (&m);
    {
        m.money.currency = "XYZ";
        hub_verdict_t v;
        CHECK (hub_validate_envelope (&m.env, &v) == -1 && strstr (v.reason,
               "tender_published.value.currency is wrong: \"XYZ\" is not an ISO 4217 currency code"));
        m.money.currency = "GBP";
        m.money.amount = HUB_VALIDATE_MONEY_MAX + 1;
        CHECK (hub_validate_envelope (&m.env, &v) == -1 && strstr (v.reason,
               "is 10000000000000.01 GBP: over the limit of 10000000000000.00 GBP"));
        m.money.amount = 0;
    }
    m.money.currency = "EUR";            EXPECT_OK (&m);
    m.tender_published.procedure = 0;    EXPECT (&m, MISSING_FIELD, "tender_published.procedure");
    m.tender_published.procedure = 17;   EXPECT (&m, INVALID_VALUE, "tender_published.procedure");
    m.tender_published.procedure = CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN;
    m.tender_published.social_value_weight_pct = 9;   EXPECT (&m, INVALID_VALUE, "tender_published.social_value_weight_pct");
    m.tender_published.social_value_weight_pct = 0;   EXPECT (&m, MISSING_FIELD, "tender_published.social_value_weight_pct");
    m.tender_published.social_value_weight_pct = 101; EXPECT (&m, INVALID_VALUE, "tender_published.social_value_weight_pct");
    m.tender_published.social_value_weight_pct = 10;  EXPECT_OK (&m);
    m.tender_published.social_value_weight_pct = 100; EXPECT_OK (&m);
    m.period.end_ms = m.period.start_ms - 1;
    EXPECT (&m, INVALID_VALUE, "tender_published.tender_period.end_ms");
    m.period.end_ms = 0;                 EXPECT (&m, MISSING_FIELD, "tender_published.tender_period.end_ms");
    m.period.end_ms = NOW;
    m.period.start_ms = INT64_C (946684799999);
    EXPECT (&m, INVALID_VALUE, "tender_published.tender_period.start_ms");
    m.period.start_ms = 0;               EXPECT_OK (&m);
    m.tender_published.tender_period = NULL;
    EXPECT (&m, MISSING_FIELD, "tender_published.tender_period");
    m.tender_published.tender_period = &m.period;
    m.tender_published.description = t10001; EXPECT (&m, TOO_LARGE, "tender_published.description");
    m.tender_published.description = "";
    m.tender_published.procurement_id = "p 1"; EXPECT (&m, INVALID_VALUE, "tender_published.procurement_id");
    m.tender_published.procurement_id = long65; EXPECT (&m, INVALID_VALUE, "tender_published.procurement_id");
    m.tender_published.procurement_id = long64; EXPECT_OK (&m);
    m.tender_published.procurement_id = "";     EXPECT (&m, MISSING_FIELD, "tender_published.procurement_id");

    //  Optional money: absent, or zero without a currency, is fine
    s_msg (&m, BODY (PROCUREMENT_PLANNED), "p-1", NULL);
    m.procurement_planned.estimated_value = NULL; EXPECT_OK (&m);
    m.procurement_planned.estimated_value = &m.money;
    m.money.amount = 0;
    m.money.currency = "";               EXPECT_OK (&m);
    m.money.amount = 5;                  EXPECT (&m, MISSING_FIELD, "procurement_planned.estimated_value.currency");
    m.money.currency = "GBP";
    m.procurement_planned.expected_tender_ms = HUB_VALIDATE_TIME_MAX_MS;
    EXPECT (&m, INVALID_VALUE, "procurement_planned.expected_tender_ms");
    m.procurement_planned.expected_tender_ms = -5;
    EXPECT (&m, INVALID_VALUE, "procurement_planned.expected_tender_ms");
    m.procurement_planned.expected_tender_ms = 0;
    m.procurement_planned.kind = 0;      EXPECT (&m, MISSING_FIELD, "procurement_planned.kind");

    //  Amendments must amend something; new deadlines in range
    s_msg (&m, BODY (TENDER_AMENDED), "p-1", NULL);
    m.tender_amended.description = "";   EXPECT (&m, MISSING_FIELD, "tender_amended.description");
    m.tender_amended.new_deadline_ms = NOW; EXPECT_OK (&m);
    m.tender_amended.new_deadline_ms = 3; EXPECT (&m, INVALID_VALUE, "tender_amended.new_deadline_ms");

    //  Doubles must be finite
    s_msg (&m, BODY (KPI_REPORTED), "k-1", NULL);
    m.kpi_reported.value = NAN;          EXPECT (&m, INVALID_VALUE, "kpi_reported.value");
    m.kpi_reported.value = 1.0;
    m.kpi_reported.target = INFINITY;    EXPECT (&m, INVALID_VALUE, "kpi_reported.target");
    m.kpi_reported.target = -INFINITY;   EXPECT (&m, INVALID_VALUE, "kpi_reported.target");
    m.kpi_reported.target = 1.0;
    m.kpi_reported.rating = 0;           EXPECT (&m, MISSING_FIELD, "kpi_reported.rating");
    m.kpi_reported.rating = CYCLEHUB__V1__RATING__RATING_RED;
    m.kpi_reported.period = NULL;        EXPECT (&m, MISSING_FIELD, "kpi_reported.period");
    m.kpi_reported.period = &m.period;
    m.kpi_reported.kpi_code = "";        EXPECT (&m, MISSING_FIELD, "kpi_reported.kpi_code");
    s_msg (&m, BODY (CONTRACT_SIGNED), "k-1", "a-1");
    m.kpi.target = NAN;                  EXPECT (&m, INVALID_VALUE, "contract_signed.kpis[0].target");
    m.kpi.target = 1;
    m.kpi.code = "";                     EXPECT (&m, MISSING_FIELD, "contract_signed.kpis[0].code");
    m.kpi.code = "KPI-1";
    m.contract_signed.period = NULL;     EXPECT (&m, MISSING_FIELD, "contract_signed.period");
    m.contract_signed.period = &m.period;
    m.period.start_ms = 0;               EXPECT (&m, MISSING_FIELD, "contract_signed.period.start_ms");
    m.period.start_ms = NOW + 400 * DAY; EXPECT (&m, INVALID_VALUE, "contract_signed.period.end_ms");
    m.period.start_ms = NOW;
    m.contract_signed.award_id = "";     EXPECT (&m, MISSING_FIELD, "contract_signed.award_id");

    //  Social value
    s_msg (&m, BODY (SOCIAL_VALUE_REPORTED), "k-1", NULL);
    m.social_value_reported.quantity = -1;  EXPECT (&m, INVALID_VALUE, "social_value_reported.quantity");
    m.social_value_reported.quantity = NAN; EXPECT (&m, INVALID_VALUE, "social_value_reported.quantity");
    m.social_value_reported.quantity = 0;
    m.money.currency = "£££";            EXPECT (&m, INVALID_VALUE, "social_value_reported.proxy_value.currency");
    m.money.currency = "GBP";
    m.social_value_reported.measure_code = ""; EXPECT (&m, MISSING_FIELD, "social_value_reported.measure_code");
    m.social_value_reported.measure_code = long65; EXPECT (&m, TOO_LARGE, "social_value_reported.measure_code");

    //  Payments
    s_msg (&m, BODY (PAYMENT_REPORTED), "k-1", NULL);
    m.payment_reported.amount = NULL;    EXPECT (&m, MISSING_FIELD, "payment_reported.amount");
    m.payment_reported.amount = &m.money;
    m.payment_reported.payment_id = "";  EXPECT (&m, MISSING_FIELD, "payment_reported.payment_id");

    //  Consultations and responses
    s_msg (&m, BODY (CONSULTATION_OPENED), "c-1", NULL);
    m.consultation_opened.closes_at_ms = m.consultation_opened.opens_at_ms;
    EXPECT (&m, INVALID_VALUE, "consultation_opened.closes_at_ms");
    m.consultation_opened.closes_at_ms = 0; EXPECT (&m, MISSING_FIELD, "consultation_opened.closes_at_ms");
    m.consultation_opened.opens_at_ms = 0;  EXPECT (&m, MISSING_FIELD, "consultation_opened.opens_at_ms");
    s_msg (&m, BODY (CONSULTATION_OPENED), "c/1", NULL);
    EXPECT (&m, INVALID_VALUE, "consultation_opened.consultation_id");
    s_msg (&m, BODY (RESPONSE_SUBMITTED), "c-1", "r-1");
    m.response_submitted.respondent_type = 0;
    EXPECT (&m, MISSING_FIELD, "response_submitted.respondent_type");
    m.response_submitted.respondent_type = 7;
    EXPECT (&m, INVALID_VALUE, "response_submitted.respondent_type");
    m.response_submitted.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_ORGANISATION;
    m.response_submitted.organisation_id = "Acme Ltd";
    EXPECT (&m, INVALID_VALUE, "response_submitted.organisation_id");
    m.response_submitted.organisation_id = "GB-MPR-12345R";
    EXPECT_OK (&m);
    m.response_submitted.retention_until_ms = 0;
    EXPECT (&m, MISSING_FIELD, "response_submitted.retention_until_ms");
    m.response_submitted.retention_until_ms = NOW;
    m.answer.question_id = "";           EXPECT (&m, MISSING_FIELD, "response_submitted.answers[0].question_id");
    m.answer.question_id = "q1";
    m.personal.email = t501;             EXPECT (&m, TOO_LARGE, "response_submitted.personal.email");
    m.personal.email = "";
    m.response_submitted.response_id = ""; EXPECT (&m, MISSING_FIELD, "response_submitted.response_id");
    s_msg (&m, BODY (CONSULTATION_OUTCOME), "c-1", NULL);
    m.consultation_outcome.summary = "";  EXPECT (&m, MISSING_FIELD, "consultation_outcome.summary");

    //  Awards
    s_msg (&m, BODY (AWARD_MADE), "p-1", "a-1");
    m.award_made.n_suppliers = 0;        EXPECT (&m, MISSING_FIELD, "award_made.suppliers");
    m.award_made.n_suppliers = 2;
    m.suppliers [0] = "GB-CHC-";         EXPECT (&m, INVALID_VALUE, "award_made.suppliers[0]");
    m.suppliers [0] = SUPPLIER;
    m.award_made.standstill_ends_ms = 12; EXPECT (&m, INVALID_VALUE, "award_made.standstill_ends_ms");
    //  The standstill end is mandatory on award.made (UK6)
    m.award_made.standstill_ends_ms = 0; EXPECT (&m, MISSING_FIELD, "award_made.standstill_ends_ms");
    s_msg (&m, BODY (DIRECT_AWARD), "p-1", "a-1");
    m.direct_award.justification = "";   EXPECT (&m, MISSING_FIELD, "direct_award.justification");
    m.direct_award.justification = "x";
    m.direct_award.award_id = "a:1.b_c-d"; EXPECT_OK (&m);
    //  award.direct: a standstill end, or the reason none applies; not both, not neither
    m.direct_award.standstill_ends_ms = 0; EXPECT (&m, MISSING_FIELD, "direct_award.standstill_ends_ms");
    m.direct_award.no_standstill_reason = "Extreme urgency"; EXPECT_OK (&m);
    m.direct_award.no_standstill_reason = " "; EXPECT (&m, MISSING_FIELD, "direct_award.standstill_ends_ms");
    m.direct_award.no_standstill_reason = t10001; EXPECT (&m, TOO_LARGE, "direct_award.no_standstill_reason");
    m.direct_award.no_standstill_reason = "Extreme urgency";
    m.direct_award.standstill_ends_ms = NOW + 30 * DAY;
    EXPECT (&m, INVALID_VALUE, "direct_award.no_standstill_reason");

    //  An early close's reason is short (it is kept in the commission's state)
    s_msg (&m, BODY (CONSULTATION_CLOSED), "c-1", NULL);
    m.consultation_closed.early_close_reason = t501;
    EXPECT (&m, TOO_LARGE, "consultation_closed.early_close_reason");
    m.consultation_closed.early_close_reason = "Budget withdrawn"; EXPECT_OK (&m);

    //  Enums that must be chosen
    s_msg (&m, BODY (STAGE_CHANGE_REQUESTED), "", NULL);
    EXPECT (&m, MISSING_FIELD, "stage_change_requested.target");
    m.stage_change_requested.target = 6;
    EXPECT (&m, INVALID_VALUE, "stage_change_requested.target");
    s_msg (&m, BODY (REVIEW_DECISION), NULL, NULL);
    m.review_decision.decision = 0;      EXPECT (&m, MISSING_FIELD, "review_decision.decision");
    m.review_decision.decision = 1;
    m.review_decision.reason = "";       EXPECT (&m, MISSING_FIELD, "review_decision.reason");
    s_msg (&m, BODY (CONTRACT_ENDED), "k-1", NULL);
    m.contract_ended.how = 0;            EXPECT (&m, MISSING_FIELD, "contract_ended.how");
    s_msg (&m, BODY (MILESTONE_UPDATED), "k-1", NULL);
    m.milestone_updated.status = 0;      EXPECT (&m, MISSING_FIELD, "milestone_updated.status");

    //  Lists
    s_msg (&m, BODY (PRIORITIES_AGREED), NULL, NULL);
    m.priorities_agreed.n_priorities = 0; EXPECT (&m, MISSING_FIELD, "priorities_agreed.priorities");
    m.priorities_agreed.n_priorities = 2;
    m.texts [1] = "";                    EXPECT (&m, MISSING_FIELD, "priorities_agreed.priorities[1]");
    m.texts [1] = t501;                  EXPECT (&m, TOO_LARGE, "priorities_agreed.priorities[1]");
    s_msg (&m, BODY (NEEDS_ASSESSED), NULL, NULL);
    m.needs_assessed.population = "";    EXPECT (&m, MISSING_FIELD, "needs_assessed.population");
    s_msg (&m, BODY (PROCUREMENT_TERMINATED), "p-1", NULL);
    m.procurement_terminated.reason = ""; EXPECT (&m, MISSING_FIELD, "procurement_terminated.reason");
    s_msg (&m, BODY (MARKET_ENGAGEMENT), "p-1", NULL);
    m.period.end_ms = m.period.start_ms - DAY;
    EXPECT (&m, INVALID_VALUE, "market_engagement.period.end_ms");
    m.market_engagement.period = NULL;   EXPECT_OK (&m);

    //  The shape functions
    static const char *orgs_ok [] = {
        "GB-LAE-E08000035", "GB-NHS-QWO", "GB-CHC-1234567", "GB-COH-SC123456", "GB-SC-SC012345",
        "GB-NIC-100000", "GB-LAS-S12000036", "GB-PLA-W06000015", "GB-LANI-N09000003",
        "GB-GOR-D1", "GB-EDU-100000", "GB-UKPRN-10001234", "GB-MPR-12345R",
        "GB-LAE-abcdefghijklmnopqrstuvwxyz012345"                                   //  32 long
    };
    for (size_t i = 0; i < sizeof orgs_ok / sizeof orgs_ok [0]; i++)
        CHECK_MSG (hub_validate_org_id (orgs_ok [i]), "org-id %s", orgs_ok [i]);
    CHECK (!hub_validate_org_id ("GB-LAE-abcdefghijklmnopqrstuvwxyz0123456"));        //  33 long
    CHECK (!hub_validate_org_id ("gb-lae-E08000035"));
    CHECK (!hub_validate_org_id ("GB-LAE-E0800 0035"));
    CHECK (!hub_validate_org_id ("XI-PB-1234"));
    CHECK (!hub_validate_org_id ("GB-LAE"));
    CHECK (!hub_validate_org_id (""));
    CHECK (!hub_validate_org_id (NULL));
    CHECK (HUB_VALIDATE_ORG_ID_MAX == (int) strlen ("GB-UKPRN-") + 32);
    CHECK (hub_validate_ocid ("ocds-h6vhtk-056931"));
    CHECK (hub_validate_ocid ("ocds-abc123-Lot_1.2-x"));
    CHECK (!hub_validate_ocid ("ocds-h6vhtk-056:931"));      //  ':' is not in an ocid
    CHECK (!hub_validate_ocid ("ocds-h6vhtkk-1"));
    CHECK (!hub_validate_ocid ("ocds-h6vh-1"));
    CHECK (!hub_validate_ocid ("OCDS-h6vhtk-1"));
    CHECK (!hub_validate_ocid (NULL));
    char ocid [128];
    snprintf (ocid, sizeof ocid, "ocds-h6vhtk-%s", long64);
    CHECK (hub_validate_ocid (ocid));
    CHECK ((int) strlen (ocid) == HUB_VALIDATE_OCID_MAX);
    snprintf (ocid, sizeof ocid, "ocds-h6vhtk-%s", long65);
    CHECK (!hub_validate_ocid (ocid));
    CHECK (hub_validate_local_id ("p-1:lot.2_a"));
    CHECK (hub_validate_local_id (long64));
    CHECK (!hub_validate_local_id (long65));
    CHECK (!hub_validate_local_id ("p/1"));
    CHECK (!hub_validate_local_id ("p\xc3\xa9"));
    CHECK (!hub_validate_local_id (""));
    CHECK (!hub_validate_local_id (NULL));
    CHECK (hub_validate_msg_id (long128));
    CHECK (!hub_validate_msg_id (long129));

    free (long64);
    free (long65);
    free (long128);
    free (long129);
    free (t500);
    free (t501);
    free (t10001);
}

static void
test_verdict (void)
{
    hub_verdict_t v;
    hub_verdict_clear (&v);
    CHECK (v.code == 0 && v.field [0] == 0 && v.reason [0] == 0);
    CHECK (hub_verdict_set (&v, REJ (INVALID_VALUE), "a.b", "value %d is bad", 7) == -1);
    CHECK (v.code == REJ (INVALID_VALUE));
    CHECK (strcmp (v.field, "a.b") == 0);
    CHECK (strcmp (v.reason, "value 7 is bad") == 0);
    CHECK (hub_verdict_set (&v, REJ (MISSING_FIELD), NULL, "x") == -1);
    CHECK (v.field [0] == 0);
    char *big = s_string (2000, 'r');
    hub_verdict_set (&v, REJ (TOO_LARGE), big, "%s", big);
    CHECK (strlen (v.field) == sizeof v.field - 1);
    CHECK (strlen (v.reason) == sizeof v.reason - 1);
    CHECK (strcmp (v.reason + sizeof v.reason - 4, "...") == 0);
    free (big);
    CHECK (hub_verdict_set (NULL, REJ (INTERNAL), "", "nothing") == -1);
    hub_verdict_clear (NULL);
}

int
main (void)
{
    test_verdict ();
    test_validate ();
    test_stage_table ();
    test_stage_change_table ();
    test_procurement_machine ();
    test_working_days ();
    test_standstill ();
    test_tender_deadline ();
    test_contract_monitoring ();
    test_consultation_machine ();
    test_gunning ();
    test_whole_cycle ();
    test_allowed_types ();
    test_capacity ();
    test_response_namespaces ();
    test_response_ids_stored_before ();
    test_encode_decode ();
    test_dup ();
    HUB_TEST_DONE ();
}
