/*  fuzz_build: valid envelopes of every type, the in-memory prelude of
    fuzz_request and the key spaces of fuzz_history. Only tests/fuzz uses it;
    the messages are built on the stack with the protobuf-c INIT macros.
*/
#include "fuzz_build.h"
#include <stdlib.h>
#include <string.h>

#define S_BODY(t)    CYCLEHUB__V1__ENVELOPE__BODY_##t
#define S_STAGE(s)   CYCLEHUB__V1__STAGE__STAGE_##s

const char *const fb_commissions [FB_COMMISSIONS] = {
    "ocds-fuzz01-analyse", "ocds-fuzz01-plan", "ocds-fuzz01-do",
    "ocds-fuzz01-review", "ocds-fuzz01-closed"
};

const char *const fb_history_commissions [FB_HISTORY_COMMISSIONS] = {
    "ocds-h6vhtk-056931", "ocds-h6vhtk-056932", "ocds-abc123-home.care",
    "ocds-abc123-x", "ocds-zz9zz9-long_local-id.0001", "ocds-h6vhtk-0569"
};

const char *const fb_history_agencies [FB_HISTORY_AGENCIES] = {
    FB_BUYER, FB_PARTNER, FB_SUPPLIER, "GB-CHC-1234567", ""
};

static const char *
s_or (const char *s, const char *fallback)
{
    return s? s: fallback;
}

int
fb_envelope (Cyclehub__V1__Envelope__BodyCase type, const fb_spec_t *spec,
             uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    const char *consultation = s_or (spec->consultation_id, "k-1");
    const char *procurement = s_or (spec->procurement_id, "p-1");
    const char *award = s_or (spec->award_id, "a-1");
    const char *contract = s_or (spec->contract_id, "c-1");
    char *partners [] = { FB_PARTNER, "GB-CHC-1234567" };
    char *suppliers [] = { FB_SUPPLIER };
    char *texts [] = { "Older residents want care closer to home", "Waiting lists doubled" };
    char *links [] = { "https://example.org/jsna/2026" };

    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = (char *) s_or (spec->msg_id, "m-1");
    env.commission_id = (char *) spec->commission_id;
    env.sent_at_ms = spec->sent_at_ms;

    Cyclehub__V1__Money money = CYCLEHUB__V1__MONEY__INIT;
    money.amount = 25000000;
    money.currency = "GBP";
    Cyclehub__V1__Period period = CYCLEHUB__V1__PERIOD__INIT;
    period.start_ms = FB_T0_MS;
    period.end_ms = FB_T0_MS + 30 * FB_DAY_MS;

    Cyclehub__V1__CommissionOpened opened = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
    Cyclehub__V1__NeedsAssessed needs = CYCLEHUB__V1__NEEDS_ASSESSED__INIT;
    Cyclehub__V1__PrioritiesAgreed priorities = CYCLEHUB__V1__PRIORITIES_AGREED__INIT;
    Cyclehub__V1__StrategyApproved strategy = CYCLEHUB__V1__STRATEGY_APPROVED__INIT;
    Cyclehub__V1__StageChangeRequested change = CYCLEHUB__V1__STAGE_CHANGE_REQUESTED__INIT;
    Cyclehub__V1__PartnerUpdatePosted update = CYCLEHUB__V1__PARTNER_UPDATE_POSTED__INIT;
    Cyclehub__V1__ConsultationOpened c_opened = CYCLEHUB__V1__CONSULTATION_OPENED__INIT;
    Cyclehub__V1__Answer answer = CYCLEHUB__V1__ANSWER__INIT;
    Cyclehub__V1__Answer *answers [] = { &answer };
    Cyclehub__V1__PersonalData personal = CYCLEHUB__V1__PERSONAL_DATA__INIT;
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    Cyclehub__V1__ConsultationClosed c_closed = CYCLEHUB__V1__CONSULTATION_CLOSED__INIT;
    Cyclehub__V1__ConsultationOutcomePublished outcome = CYCLEHUB__V1__CONSULTATION_OUTCOME_PUBLISHED__INIT;
    Cyclehub__V1__ProcurementPlanned planned = CYCLEHUB__V1__PROCUREMENT_PLANNED__INIT;
    Cyclehub__V1__MarketEngagement engagement = CYCLEHUB__V1__MARKET_ENGAGEMENT__INIT;
    Cyclehub__V1__TenderPublished tender = CYCLEHUB__V1__TENDER_PUBLISHED__INIT;
    Cyclehub__V1__Period tender_period = CYCLEHUB__V1__PERIOD__INIT;
    Cyclehub__V1__TenderAmended amended = CYCLEHUB__V1__TENDER_AMENDED__INIT;
    Cyclehub__V1__TenderClosed t_closed = CYCLEHUB__V1__TENDER_CLOSED__INIT;
    Cyclehub__V1__ProcurementTerminated terminated = CYCLEHUB__V1__PROCUREMENT_TERMINATED__INIT;
    Cyclehub__V1__DirectAward direct = CYCLEHUB__V1__DIRECT_AWARD__INIT;
    Cyclehub__V1__AwardMade made = CYCLEHUB__V1__AWARD_MADE__INIT;
    Cyclehub__V1__Kpi kpi = CYCLEHUB__V1__KPI__INIT;
    Cyclehub__V1__Kpi *kpis [] = { &kpi };
    Cyclehub__V1__ContractSigned signed_ = CYCLEHUB__V1__CONTRACT_SIGNED__INIT;
    Cyclehub__V1__ContractChanged changed = CYCLEHUB__V1__CONTRACT_CHANGED__INIT;
    Cyclehub__V1__ContractEnded ended = CYCLEHUB__V1__CONTRACT_ENDED__INIT;
    Cyclehub__V1__KpiReported kpi_rep = CYCLEHUB__V1__KPI_REPORTED__INIT;
    Cyclehub__V1__MilestoneUpdated milestone = CYCLEHUB__V1__MILESTONE_UPDATED__INIT;
    Cyclehub__V1__SocialValueReported social = CYCLEHUB__V1__SOCIAL_VALUE_REPORTED__INIT;
    Cyclehub__V1__PaymentReported payment = CYCLEHUB__V1__PAYMENT_REPORTED__INIT;
    Cyclehub__V1__EvaluationPublished evaluation = CYCLEHUB__V1__EVALUATION_PUBLISHED__INIT;
    Cyclehub__V1__ReviewDecision decision = CYCLEHUB__V1__REVIEW_DECISION__INIT;
    Cyclehub__V1__ErasureRecorded erasure = CYCLEHUB__V1__ERASURE_RECORDED__INIT;

    env.body_case = type;
    switch (type) {
        case S_BODY (COMMISSION_OPENED):
            opened.title = "Home care for older people";
            opened.description = "Care at home, across the borough";
            opened.buyer = (char *) s_or (spec->buyer, FB_BUYER);
            opened.n_partners = 2;
            opened.partners = partners;
            env.commission_opened = &opened;
            break;
        case S_BODY (NEEDS_ASSESSED):
            needs.population = "Residents aged 65+ in the borough";
            needs.n_need_statements = 2;
            needs.need_statements = texts;
            needs.n_evidence_links = 1;
            needs.evidence_links = links;
            env.needs_assessed = &needs;
            break;
        case S_BODY (PRIORITIES_AGREED):
            priorities.n_priorities = 2;
            priorities.priorities = texts;
            priorities.summary = "Care closer to home";
            env.priorities_agreed = &priorities;
            break;
        case S_BODY (STRATEGY_APPROVED):
            strategy.title = "Home care strategy 2026-2030";
            strategy.document_url = "https://example.org/strategy.pdf";
            env.strategy_approved = &strategy;
            break;
        case S_BODY (STAGE_CHANGE_REQUESTED):
            change.target = spec->target? (Cyclehub__V1__Stage) spec->target: S_STAGE (PLAN);
            change.reason = "Ready to move on";
            env.stage_change_requested = &change;
            break;
        case S_BODY (PARTNER_UPDATE):
            update.title = "Workshop held";
            update.body = "Twelve providers attended";
            update.n_links = 1;
            update.links = links;
            env.partner_update = &update;
            break;
        case S_BODY (CONSULTATION_OPENED):
            c_opened.consultation_id = (char *) consultation;
            c_opened.title = "Your views on home care";
            c_opened.opens_at_ms = FB_T0_MS;
            c_opened.closes_at_ms = FB_T0_MS + 600 * FB_DAY_MS;     //  inside fuzz_request's clock range
            c_opened.audience = "Residents and carers";
            c_opened.n_ways_to_respond = 1;
            c_opened.ways_to_respond = links;
            env.consultation_opened = &c_opened;
            break;
        case S_BODY (RESPONSE_SUBMITTED):
            answer.question_id = "q1";
            answer.choice = "agree";
            response.consultation_id = (char *) consultation;
            response.response_id = "r-1";
            response.respondent_type = CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_CARER;
            response.n_answers = 1;
            response.answers = answers;
            response.retention_until_ms = FB_T0_MS + 730 * FB_DAY_MS;
            if (spec->with_personal) {
                personal.full_name = "Ann Example";
                personal.email = "ann@example.org";
                personal.n_free_text = 1;
                personal.free_text = texts;
                response.personal = &personal;
            }
            env.response_submitted = &response;
            break;
        case S_BODY (CONSULTATION_CLOSED):
            c_closed.consultation_id = (char *) consultation;
            c_closed.summary = "214 responses";
            c_closed.early_close_reason = "Enough responses to decide";  //  valid at any time
            env.consultation_closed = &c_closed;
            break;
        case S_BODY (CONSULTATION_OUTCOME):
            outcome.consultation_id = (char *) consultation;
            outcome.summary = "We changed the model after the responses";
            outcome.n_changes_made = 1;
            outcome.changes_made = texts;
            env.consultation_outcome = &outcome;
            break;
        case S_BODY (PROCUREMENT_PLANNED):
            planned.procurement_id = (char *) procurement;
            planned.title = "Home care lots 1-3";
            planned.kind = CYCLEHUB__V1__NOTICE_KIND__NOTICE_KIND_PIPELINE;
            planned.estimated_value = &money;
            planned.expected_tender_ms = FB_T0_MS + 60 * FB_DAY_MS;
            env.procurement_planned = &planned;
            break;
        case S_BODY (MARKET_ENGAGEMENT):
            engagement.procurement_id = (char *) procurement;
            engagement.description = "Supplier day";
            engagement.period = &period;
            env.market_engagement = &engagement;
            break;
        case S_BODY (TENDER_PUBLISHED):
            tender_period.start_ms = FB_T0_MS;
            tender_period.end_ms = spec->deadline_ms? spec->deadline_ms: FB_T0_MS + 365 * FB_DAY_MS;
            tender.procurement_id = (char *) procurement;
            tender.title = "Home care";
            tender.value = &money;
            tender.procedure = CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN;
            tender.tender_period = &tender_period;
            tender.social_value_weight_pct = 20;
            env.tender_published = &tender;
            break;
        case S_BODY (TENDER_AMENDED):
            amended.procurement_id = (char *) procurement;
            amended.description = "Clarified lot 2";
            amended.new_deadline_ms = FB_T0_MS + 400 * FB_DAY_MS;
            env.tender_amended = &amended;
            break;
        case S_BODY (TENDER_CLOSED):
            t_closed.procurement_id = (char *) procurement;
            t_closed.bids_received = 7;
            env.tender_closed = &t_closed;
            break;
        case S_BODY (PROCUREMENT_TERMINATED):
            terminated.procurement_id = (char *) procurement;
            terminated.reason = "Need met elsewhere";
            env.procurement_terminated = &terminated;
            break;
        case S_BODY (DIRECT_AWARD):
            direct.procurement_id = (char *) procurement;
            direct.award_id = (char *) award;
            direct.n_suppliers = 1;
            direct.suppliers = suppliers;
            direct.value = &money;
            direct.justification = "Urgency";
            direct.standstill_ends_ms = spec->standstill_ends_ms;
            if (!spec->standstill_ends_ms)
                direct.no_standstill_reason = "Extreme urgency: no standstill applies";
            env.direct_award = &direct;
            break;
        case S_BODY (AWARD_MADE):
            made.procurement_id = (char *) procurement;
            made.award_id = (char *) award;
            made.n_suppliers = 1;
            made.suppliers = suppliers;
            made.value = &money;
            made.standstill_ends_ms = spec->standstill_ends_ms? spec->standstill_ends_ms
                                                              : FB_NOW_MS + 21 * FB_DAY_MS;
            env.award_made = &made;
            break;
        case S_BODY (CONTRACT_SIGNED):
            kpi.code = "kpi-1";
            kpi.description = "Visits on time";
            kpi.unit = "percent";
            kpi.target = 95.5;
            signed_.contract_id = (char *) contract;
            signed_.award_id = (char *) award;
            signed_.period = &period;
            signed_.value = &money;
            signed_.n_kpis = 1;
            signed_.kpis = kpis;
            env.contract_signed = &signed_;
            break;
        case S_BODY (CONTRACT_CHANGED):
            changed.contract_id = (char *) contract;
            changed.description = "Extended by a year";
            changed.new_end_ms = FB_T0_MS + 800 * FB_DAY_MS;
            env.contract_changed = &changed;
            break;
        case S_BODY (CONTRACT_ENDED):
            ended.contract_id = (char *) contract;
            ended.how = CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_EXPIRED;
            ended.reason = "Term over";
            ended.ended_at_ms = FB_T0_MS + 100 * FB_DAY_MS;
            env.contract_ended = &ended;
            break;
        case S_BODY (KPI_REPORTED):
            kpi_rep.contract_id = (char *) contract;
            kpi_rep.kpi_code = "kpi-1";
            kpi_rep.period = &period;
            kpi_rep.value = 93.25;
            kpi_rep.target = 95.5;
            kpi_rep.rating = CYCLEHUB__V1__RATING__RATING_AMBER;
            env.kpi_reported = &kpi_rep;
            break;
        case S_BODY (MILESTONE_UPDATED):
            milestone.contract_id = (char *) contract;
            milestone.milestone_id = "ms-1";
            milestone.title = "Mobilisation";
            milestone.status = CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_ON_TRACK;
            milestone.due_ms = FB_T0_MS + 90 * FB_DAY_MS;
            env.milestone_updated = &milestone;
            break;
        case S_BODY (SOCIAL_VALUE_REPORTED):
            social.contract_id = (char *) contract;
            social.framework = "TOMs";
            social.measure_code = "NT1";
            social.unit = "FTE";
            social.quantity = 3.5;
            social.proxy_value = &money;
            social.period = &period;
            env.social_value_reported = &social;
            break;
        case S_BODY (PAYMENT_REPORTED):
            payment.contract_id = (char *) contract;
            payment.payment_id = "pay-1";
            payment.amount = &money;
            payment.invoice_received_ms = FB_T0_MS + 10 * FB_DAY_MS;
            payment.paid_ms = FB_T0_MS + 30 * FB_DAY_MS;
            env.payment_reported = &payment;
            break;
        case S_BODY (EVALUATION_PUBLISHED):
            evaluation.title = "Year one evaluation";
            evaluation.summary = "Mostly on track";
            evaluation.n_findings = 2;
            evaluation.findings = texts;
            env.evaluation_published = &evaluation;
            break;
        case S_BODY (REVIEW_DECISION):
            decision.decision = spec->decision? (Cyclehub__V1__Decision) spec->decision
                                              : CYCLEHUB__V1__DECISION__DECISION_RECOMMISSION;
            decision.reason = "Demand keeps growing";
            env.review_decision = &decision;
            break;
        case S_BODY (ERASURE_RECORDED):
            erasure.target_seq = 42;
            erasure.consultation_id = (char *) consultation;
            erasure.response_id = "r-1";
            erasure.requested_by = "retention";
            env.erasure_recorded = &erasure;
            break;
        default:
            return -1;
    }
    *size = cyclehub__v1__envelope__get_packed_size (&env);
    *data = malloc (*size? *size: 1);
    if (!*data)
        return -1;
    cyclehub__v1__envelope__pack (&env, *data);
    return 0;
}

int
fb_request_publish (uint64_t request_id, const uint8_t *env, size_t env_size,
                    uint8_t **data, size_t *size)
{
    *data = malloc (1 + 10 + 1 + 10 + env_size);
    if (!*data)
        return -1;
    size_t at = 0;
    (*data) [at++] = (1 << 3) | 0;
    at += hub_proto_varint (*data + at, request_id);
    (*data) [at++] = (CYCLEHUB__V1__REQUEST__BODY_PUBLISH << 3) | 2;
    at += hub_proto_varint (*data + at, env_size);
    memcpy (*data + at, env, env_size);
    *size = at + env_size;
    return 0;
}

//  --------------------------------------------------------------------------
//  The prelude: the same early steps for do and review, then their own

typedef struct {
    int commission;                     //  index into fb_commissions
    Cyclehub__V1__Envelope__BodyCase type;
    const char *id;                     //  consultation or procurement id
    const char *award;                  //  award id (awards, contracts)
    const char *contract;               //  contract id
    int target;                         //  stage change target
    int64_t deadline_ms;                //  tender deadline (0: default, far)
    int64_t standstill_ms;              //  award standstill end
    int phase;                          //  when it is applied (fb_prelude_step)
} s_step_t;

#define S_A 0
#define S_P 1
#define S_D 2
#define S_R 3
#define S_C 4
#define S_SOON    (FB_T0_MS + 10 * FB_DAY_MS)     //  a deadline that passed before FB_NOW_MS
#define S_LATER   (FB_T0_MS + 300 * FB_DAY_MS)    //  a standstill not over at FB_NOW_MS
#define S_READY   (FB_T0_MS + 30 * FB_DAY_MS)     //  a standstill over before phase 2

//  Steps that put a commission (do or review) into its working state
#define S_WORKING(c) \
    { .commission = c, .type = S_BODY (COMMISSION_OPENED) }, \
    { .commission = c, .type = S_BODY (PRIORITIES_AGREED) }, \
    { .commission = c, .type = S_BODY (CONSULTATION_OPENED), .id = "k-done" }, \
    { .commission = c, .type = S_BODY (RESPONSE_SUBMITTED), .id = "k-done" }, \
    { .commission = c, .type = S_BODY (CONSULTATION_CLOSED), .id = "k-done" }, \
    { .commission = c, .type = S_BODY (CONSULTATION_OUTCOME), .id = "k-done" }, \
    { .commission = c, .type = S_BODY (PROCUREMENT_PLANNED), .id = "p-planned" }, \
    { .commission = c, .type = S_BODY (TENDER_PUBLISHED), .id = "p-tender" }, \
    { .commission = c, .type = S_BODY (TENDER_PUBLISHED), .id = "p-eval", .deadline_ms = S_SOON }, \
    { .commission = c, .type = S_BODY (TENDER_PUBLISHED), .id = "p-award", .deadline_ms = S_SOON }, \
    { .commission = c, .type = S_BODY (TENDER_CLOSED), .id = "p-eval", .phase = 1 }, \
    { .commission = c, .type = S_BODY (TENDER_CLOSED), .id = "p-award", .phase = 1 }, \
    { .commission = c, .type = S_BODY (AWARD_MADE), .id = "p-award", .award = "a-standstill", .standstill_ms = S_LATER, .phase = 1 }, \
    { .commission = c, .type = S_BODY (DIRECT_AWARD), .id = "p-ready", .award = "a-ready", .standstill_ms = S_READY, .phase = 1 }, \
    { .commission = c, .type = S_BODY (DIRECT_AWARD), .id = "p-direct", .award = "a-direct", .standstill_ms = S_READY, .phase = 1 }, \
    { .commission = c, .type = S_BODY (DIRECT_AWARD), .id = "p-old", .award = "a-old", .phase = 1 }, \
    { .commission = c, .type = S_BODY (CONTRACT_SIGNED), .award = "a-direct", .contract = "c-active", .phase = 2 }, \
    { .commission = c, .type = S_BODY (CONTRACT_SIGNED), .award = "a-old", .contract = "c-ended", .phase = 2 }, \
    { .commission = c, .type = S_BODY (CONTRACT_ENDED), .contract = "c-ended", .phase = 2 }, \
    { .commission = c, .type = S_BODY (MARKET_ENGAGEMENT), .id = "p-engage", .phase = 2 }, \
    { .commission = c, .type = S_BODY (PROCUREMENT_PLANNED), .id = "p-term", .phase = 2 }, \
    { .commission = c, .type = S_BODY (PROCUREMENT_TERMINATED), .id = "p-term", .phase = 2 }

static const s_step_t s_prelude [] = {
    { .commission = S_A, .type = S_BODY (COMMISSION_OPENED) },
    { .commission = S_A, .type = S_BODY (NEEDS_ASSESSED) },
    { .commission = S_A, .type = S_BODY (CONSULTATION_OPENED), .id = "k-open" },
    { .commission = S_A, .type = S_BODY (CONSULTATION_OPENED), .id = "k-closed" },
    { .commission = S_A, .type = S_BODY (CONSULTATION_CLOSED), .id = "k-closed" },

    { .commission = S_P, .type = S_BODY (COMMISSION_OPENED) },
    { .commission = S_P, .type = S_BODY (PRIORITIES_AGREED) },
    { .commission = S_P, .type = S_BODY (STRATEGY_APPROVED) },
    { .commission = S_P, .type = S_BODY (CONSULTATION_OPENED), .id = "k-closed" },
    { .commission = S_P, .type = S_BODY (CONSULTATION_CLOSED), .id = "k-closed" },
    { .commission = S_P, .type = S_BODY (PROCUREMENT_PLANNED), .id = "p-planned" },
    { .commission = S_P, .type = S_BODY (MARKET_ENGAGEMENT), .id = "p-engage" },
    { .commission = S_P, .type = S_BODY (CONSULTATION_OPENED), .id = "k-open" },

    S_WORKING (S_D),
    { .commission = S_D, .type = S_BODY (CONSULTATION_OPENED), .id = "k-open", .phase = 2 },
    { .commission = S_D, .type = S_BODY (CONSULTATION_OPENED), .id = "k-closed", .phase = 2 },
    { .commission = S_D, .type = S_BODY (CONSULTATION_CLOSED), .id = "k-closed", .phase = 2 },

    S_WORKING (S_R),
    { .commission = S_R, .type = S_BODY (EVALUATION_PUBLISHED), .phase = 2 },
    { .commission = S_R, .type = S_BODY (CONSULTATION_OPENED), .id = "k-open", .phase = 2 },
    { .commission = S_R, .type = S_BODY (CONSULTATION_OPENED), .id = "k-closed", .phase = 2 },
    { .commission = S_R, .type = S_BODY (CONSULTATION_CLOSED), .id = "k-closed", .phase = 2 },

    { .commission = S_C, .type = S_BODY (COMMISSION_OPENED) },
    { .commission = S_C, .type = S_BODY (STAGE_CHANGE_REQUESTED), .target = S_STAGE (CLOSED) },
};
#define S_NSTEPS (sizeof s_prelude / sizeof s_prelude [0])

int
fb_prelude_step (size_t i, fb_spec_t *spec, Cyclehub__V1__Envelope__BodyCase *type,
                 int64_t *now_ms)
{
    if (i >= S_NSTEPS)
        return -1;
    const s_step_t *step = &s_prelude [i];
    memset (spec, 0, sizeof *spec);
    spec->commission_id = fb_commissions [step->commission];
    spec->consultation_id = step->id;
    spec->procurement_id = step->id;
    spec->award_id = step->award;
    spec->contract_id = step->contract;
    spec->target = step->target;
    spec->deadline_ms = step->deadline_ms;
    spec->standstill_ends_ms = step->standstill_ms;
    *type = step->type;
    //  One hour apart, in three phases, so that each step comes when its dates
    //  allow it: 0 before the earliest tender deadline (S_SOON); 1 after it
    //  (tenders close, awards are made); 2 after the direct awards'
    //  standstill (S_READY), to sign their contracts. All before FB_NOW_MS.
    static const int64_t phase_ms [] = { FB_T0_MS, S_SOON, S_READY + FB_DAY_MS };
    *now_ms = phase_ms [step->phase] + (int64_t) i * 3600000;
    return 0;
}
