/*  hub_cycle: the commissioning state machine as data plus small handlers.
    Which message types each stage takes is the stages column of
    proto/hub_types.def, which also names each type's handler; each handler
    checks everything first and mutates only after the last check, so a
    rejection leaves the state exactly as it was.
*/
#include "hub_cycle.h"
#include "hub_commission_priv.h"
#include "hub_time.h"
#include "hub_standstill.h"
#include <stdio.h>
#include <string.h>

#define S_REJ(c)     CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##c
#define S_STAGE(s)   CYCLEHUB__V1__STAGE__STAGE_##s
#define S_BODY(t)    CYCLEHUB__V1__ENVELOPE__BODY_##t
#define S_CONS(s)    CYCLEHUB__V1__CONSULTATION_STATE__STATUS__STATUS_##s
#define S_PROC(s)    CYCLEHUB__V1__PROCUREMENT_STATE__STATUS__STATUS_##s
#define S_CONTRACT(s) CYCLEHUB__V1__CONTRACT_STATE__STATUS__STATUS_##s

//  The stages in which each message type may be sent are the stages column
//  of proto/hub_types.def; which consultation, procurement or contract state
//  it needs is checked by its handler, named by the cycle column.

//  Everything a handler needs
typedef struct {
    hub_commission_t *c;        //  the state, changed only after all checks
    const char *type;           //  the message type name, for reasons
    const char *sender;         //  the publishing agency's org-id
    int64_t now;                //  now_ms
    hub_verdict_t *v;           //  filled on rejection
} s_ctx_t;

//  --------------------------------------------------------------------------
//  Names for reasons

static bool
s_blank (const char *s)
{
    for (; s && *s; s++)
        if (!strchr (" \t\r\n", *s))
            return false;
    return true;
}

static const char *
s_consultation_state (Cyclehub__V1__ConsultationState__Status status)
{
    switch (status) {
        case S_CONS (OPEN):              return "open";
        case S_CONS (CLOSED):            return "closed without a published outcome";
        case S_CONS (OUTCOME_PUBLISHED): return "finished (outcome published)";
        default:                         return "in an unknown state";
    }
}

static const char *
s_consultation_next (Cyclehub__V1__ConsultationState__Status status)
{
    switch (status) {
        case S_CONS (OPEN):   return "consultation.response, consultation.closed";
        case S_CONS (CLOSED): return "consultation.outcome";
        default:              return "nothing more";
    }
}

static const char *
s_procurement_state (Cyclehub__V1__ProcurementState__Status status)
{
    switch (status) {
        case S_PROC (PLANNED):    return "planned";
        case S_PROC (ENGAGEMENT): return "in market engagement";
        case S_PROC (TENDER):     return "in tender";
        case S_PROC (EVALUATION): return "in evaluation";
        case S_PROC (AWARDED):    return "awarded (standstill)";
        case S_PROC (CONTRACTED): return "contracted";
        case S_PROC (TERMINATED): return "terminated";
        default:                  return "in an unknown state";
    }
}

static const char *
s_procurement_next (Cyclehub__V1__ProcurementState__Status status)
{
    switch (status) {
        case S_PROC (PLANNED):
            return "procurement.planned, procurement.engagement, tender.published, "
                   "award.direct, procurement.terminated";
        case S_PROC (ENGAGEMENT):
            return "procurement.engagement, tender.published, award.direct, procurement.terminated";
        case S_PROC (TENDER):
            return "tender.amended (before the deadline), tender.closed (once it has passed), "
                   "procurement.terminated";
        case S_PROC (EVALUATION):
            return "award.made, procurement.terminated";
        case S_PROC (AWARDED):
            return "contract.signed (once the standstill has ended), procurement.terminated";
        case S_PROC (CONTRACTED):
            return "nothing more: its contract carries on";
        default:
            return "nothing more";
    }
}

static const char *
s_contract_state (Cyclehub__V1__ContractState__Status status)
{
    switch (status) {
        case S_CONTRACT (ACTIVE):     return "active";
        case S_CONTRACT (TERMINATED): return "terminated";
        case S_CONTRACT (EXPIRED):    return "expired";
        default:                      return "in an unknown state";
    }
}

static const char *
s_stage_name (Cyclehub__V1__Stage stage)
{
    return hub_proto_stage_name (stage);
}

//  --------------------------------------------------------------------------
//  Stage table and transitions

void
hub_cycle_allowed_types (Cyclehub__V1__Stage stage, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    buf [0] = 0;
    size_t at = 0;
    const hub_type_t *type;
    for (size_t i = 0; (type = hub_types_at (i)); i++) {
        if (stage < 0 || stage > 31 || !(type->stages & (1u << stage)))
            continue;
        int len = snprintf (buf + at, size - at, "%s%s", at? ", ": "", type->name);
        if (len < 0 || (size_t) len >= size - at) {
            buf [at] = 0;           //  drop a partial name rather than print half of it
            return;
        }
        at += (size_t) len;
    }
    if (at == 0)
        snprintf (buf, size, "none");
}

bool
hub_cycle_transition_legal (Cyclehub__V1__Stage from, Cyclehub__V1__Stage to)
{
    if (from == to || from == S_STAGE (CLOSED) || from == S_STAGE (UNSPECIFIED))
        return false;
    if (to == S_STAGE (CLOSED))
        return from >= S_STAGE (ANALYSE) && from <= S_STAGE (REVIEW);
    return (from == S_STAGE (ANALYSE) && to == S_STAGE (PLAN))
        || (from == S_STAGE (PLAN)    && to == S_STAGE (ANALYSE))
        || (from == S_STAGE (PLAN)    && to == S_STAGE (DO))
        || (from == S_STAGE (DO)      && to == S_STAGE (REVIEW))
        || (from == S_STAGE (REVIEW)  && to == S_STAGE (ANALYSE));
}

//  Checks that the commission may move to `to`: the stage graph, then the
//  Gunning rules, which a cancellation (stage.change_requested to closed)
//  overrides: abandoning a commission is not a decision taken on proposals.
static int
s_check_move (const s_ctx_t *x, const char *field, Cyclehub__V1__Stage to, bool cancel)
{
    const hub_commission_t *c = x->c;
    if (!hub_cycle_transition_legal (c->stage, to)) {
        char targets [64] = "";
        for (int s = S_STAGE (ANALYSE); s <= S_STAGE (CLOSED); s++)
            if (hub_cycle_transition_legal (c->stage, (Cyclehub__V1__Stage) s))
                snprintf (targets + strlen (targets), sizeof targets - strlen (targets),
                          "%s%s", *targets? ", ": "", s_stage_name ((Cyclehub__V1__Stage) s));
        return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                                "%s is not allowed: commission %s cannot move from stage %s to "
                                "stage %s; from %s it can move to: %s", x->type, c->id,
                                s_stage_name (c->stage), s_stage_name (to),
                                s_stage_name (c->stage), *targets? targets: "nothing");
    }
    if (cancel)
        return 0;
    for (size_t i = 0; i < c->n_consultations; i++) {
        const hub_consultation_t *k = &c->consultations [i];
        if (c->stage == S_STAGE (PLAN) && k->status == S_CONS (OPEN))
            return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                                    "%s is not allowed: it would move commission %s from plan to "
                                    "%s while consultation %s is still open, and a commission may "
                                    "not leave plan during a consultation (Gunning); close it with "
                                    "consultation.closed first", x->type, c->id,
                                    s_stage_name (to), k->id);
        if (c->stage == S_STAGE (REVIEW) && k->status != S_CONS (OUTCOME_PUBLISHED))
            return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                                    "%s is not allowed: it would move commission %s from review to "
                                    "%s while consultation %s is %s, and its outcome must be "
                                    "published first (Gunning); %s", x->type, c->id,
                                    s_stage_name (to), k->id, s_consultation_state (k->status),
                                    k->status == S_CONS (OPEN)
                                    ? "close it, then publish consultation.outcome"
                                    : "publish consultation.outcome");
    }
    return 0;
}

static void
s_move (hub_commission_t *c, Cyclehub__V1__Stage to)
{
    if (c->stage == S_STAGE (REVIEW) && to == S_STAGE (ANALYSE))
        c->cycle++;                 //  the next cycle
    c->stage = to;
}

//  --------------------------------------------------------------------------
//  Shared rejections

static int
s_not_in_state (const s_ctx_t *x, const char *field, const char *what, const char *id,
                const char *state, const char *next)
{
    return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                            "%s is not allowed: %s %s is %s; allowed there: %s",
                            x->type, what, id, state, next);
}

static int
s_no_such (const s_ctx_t *x, const char *field, const char *what, const char *id,
           const char *hint)
{
    return hub_verdict_set (x->v, S_REJ (INVALID_VALUE), field,
                            "commission %s has no %s %s: check the id, or %s",
                            x->c->id, what, id, hint);
}

static int
s_exists (const s_ctx_t *x, const char *field, const char *what, const char *id)
{
    return hub_verdict_set (x->v, S_REJ (INVALID_VALUE), field,
                            "%s %s already exists in commission %s: choose a new id",
                            what, id, x->c->id);
}

static int
s_full (const s_ctx_t *x, const char *what, size_t n)
{
    if (n < HUB_CYCLE_MAX_ITEMS)
        return 0;
    return hub_verdict_set (x->v, S_REJ (TOO_LARGE), "",
                            "commission %s already holds %zu %s, the most one commission may "
                            "hold: open a new commission", x->c->id, n, what);
}

static int
s_no_memory (const s_ctx_t *x)
{
    return hub_verdict_set (x->v, S_REJ (INTERNAL), "",
                            "the broker ran out of memory applying %s; retry later", x->type);
}

//  --------------------------------------------------------------------------
//  Commission and stage messages

static int
s_priorities_agreed (s_ctx_t *x)
{
    if (x->c->stage == S_STAGE (ANALYSE)) {
        if (s_check_move (x, "priorities_agreed", S_STAGE (PLAN), false))
            return -1;
        s_move (x->c, S_STAGE (PLAN));
    }
    return 0;
}

static int
s_stage_change_requested (s_ctx_t *x, const Cyclehub__V1__StageChangeRequested *m)
{
    const char *field = "stage_change_requested.target";
    if (m->target == x->c->stage)
        return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                                "stage.change_requested is not allowed: commission %s is already "
                                "in stage %s", x->c->id, s_stage_name (x->c->stage));
    if (s_check_move (x, field, m->target, m->target == S_STAGE (CLOSED)))
        return -1;
    s_move (x->c, m->target);
    return 0;
}

static int
s_evaluation_published (s_ctx_t *x)
{
    if (x->c->stage == S_STAGE (DO)) {
        if (s_check_move (x, "evaluation_published", S_STAGE (REVIEW), false))
            return -1;
        s_move (x->c, S_STAGE (REVIEW));
    }
    return 0;
}

static int
s_review_decision (s_ctx_t *x, const Cyclehub__V1__ReviewDecision *m)
{
    //  Decommissioning is a decision taken on the review: Gunning applies
    Cyclehub__V1__Stage to = m->decision == CYCLEHUB__V1__DECISION__DECISION_DECOMMISSION
                           ? S_STAGE (CLOSED): S_STAGE (ANALYSE);
    if (s_check_move (x, "review_decision.decision", to, false))
        return -1;
    s_move (x->c, to);
    return 0;
}

//  --------------------------------------------------------------------------
//  Consultations: open -> closed -> outcome published

static int
s_consultation_opened (s_ctx_t *x, const Cyclehub__V1__ConsultationOpened *m)
{
    const char *field = "consultation_opened.consultation_id";
    if (hub_commission_find_consultation (x->c, m->consultation_id))
        return s_exists (x, field, "consultation", m->consultation_id);
    if (s_full (x, "consultations", x->c->n_consultations))
        return -1;
    if (hub_commission_reserve (x->c, 1, 0, 0, 0))
        return s_no_memory (x);
    hub_consultation_t *k = &x->c->consultations [x->c->n_consultations++];
    memset (k, 0, sizeof *k);
    hub_commission_copy (k->id, sizeof k->id, m->consultation_id);
    k->status = S_CONS (OPEN);
    k->stage = x->c->stage;
    k->opens_at_ms = m->opens_at_ms;
    k->closes_at_ms = m->closes_at_ms;
    return 0;
}

//  Finds the consultation a message names and checks its status
static hub_consultation_t *
s_consultation (s_ctx_t *x, const char *field, const char *id,
                Cyclehub__V1__ConsultationState__Status need)
{
    hub_consultation_t *k = hub_commission_find_consultation (x->c, id);
    if (!k)
        s_no_such (x, field, "consultation", id, "open it with consultation.opened first");
    else
    if (k->status != need) {
        s_not_in_state (x, field, "consultation", id, s_consultation_state (k->status),
                        s_consultation_next (k->status));
        return NULL;
    }
    return k;
}

//  A response is taken from the opening date up to, not at, the closing
//  date, by the broker's clock: the status alone is not enough, because a
//  consultation whose closing date has passed stays open until its owner
//  sends consultation.closed
static int
s_check_consultation_dates (s_ctx_t *x, const hub_consultation_t *k)
{
    const char *field = "response_submitted.consultation_id";
    char when [40], now [40];
    if (x->now < k->opens_at_ms)
        return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                                "consultation.response is not allowed yet: consultation %s opens "
                                "at %s (it is now %s); send the response from then", k->id,
                                hub_verdict_when (when, sizeof when, k->opens_at_ms),
                                hub_verdict_when (now, sizeof now, x->now));
    if (k->closes_at_ms && x->now >= k->closes_at_ms)
        return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                                "consultation.response is not allowed: consultation %s closed at "
                                "%s (it is now %s), and responses are taken only between its "
                                "opening and closing dates; its owner closes it with "
                                "consultation.closed", k->id,
                                hub_verdict_when (when, sizeof when, k->closes_at_ms),
                                hub_verdict_when (now, sizeof now, x->now));
    return 0;
}

static int
s_response_submitted (s_ctx_t *x, const Cyclehub__V1__ResponseSubmitted *m)
{
    hub_consultation_t *k = s_consultation (x, "response_submitted.consultation_id",
                                            m->consultation_id, S_CONS (OPEN));
    if (!k || s_check_consultation_dates (x, k))
        return -1;
    //  Response ids are each agency's own, and so is the cap: one agency's
    //  responses neither use up another's ids nor fill the consultation
    const char *field = "response_submitted.response_id";
    if (hub_consultation_has_response (k, x->sender, m->response_id))
        return hub_verdict_set (x->v, S_REJ (INVALID_VALUE), field,
                                "response %s already exists in consultation %s of commission %s "
                                "(from %s): choose a new response_id for a new response",
                                m->response_id, k->id, x->c->id, x->sender);
    const hub_respondent_t *respondent = hub_consultation_respondent (k, x->sender);
    size_t sent = respondent? respondent->responses.n: 0;
    if (sent >= HUB_CYCLE_MAX_RESPONSES)
        return hub_verdict_set (x->v, S_REJ (TOO_LARGE), field,
                                "%s already sent %zu responses to consultation %s of commission "
                                "%s, the most one agency may send to one consultation: open "
                                "another consultation for further responses", x->sender, sent,
                                k->id, x->c->id);
    if (!respondent && k->n_respondents >= HUB_CYCLE_MAX_RESPONDENTS)
        return hub_verdict_set (x->v, S_REJ (TOO_LARGE), field,
                                "consultation %s of commission %s already holds responses from "
                                "%zu agencies, the most one consultation may hold: open another "
                                "consultation for further responses", k->id, x->c->id,
                                k->n_respondents);
    hub_respondent_t *to = hub_consultation_reserve_response (k, x->sender);
    if (!to)
        return s_no_memory (x);
    hub_commission_copy (to->responses.ids [to->responses.n++], sizeof (hub_local_id_t),
                         m->response_id);
    if (k->responses < UINT32_MAX)
        k->responses++;
    return 0;
}

static int
s_consultation_closed (s_ctx_t *x, const Cyclehub__V1__ConsultationClosed *m)
{
    hub_consultation_t *k = s_consultation (x, "consultation_closed.consultation_id",
                                            m->consultation_id, S_CONS (OPEN));
    if (!k)
        return -1;
    //  Closing before the announced date cuts people off: say why (kept in the state)
    char when [40];
    if (x->now < k->closes_at_ms && s_blank (m->early_close_reason))
        return hub_verdict_set (x->v, S_REJ (MISSING_FIELD), "consultation_closed.early_close_reason",
                                "consultation.closed before the closing date needs a reason: "
                                "consultation %s closes at %s; give early_close_reason (why it "
                                "closes early), or send consultation.closed from then", k->id,
                                hub_verdict_when (when, sizeof when, k->closes_at_ms));
    k->status = S_CONS (CLOSED);
    k->closed_at_ms = x->now;
    hub_commission_copy (k->early_close_reason, sizeof k->early_close_reason,
                         m->early_close_reason? m->early_close_reason: "");
    return 0;
}

static int
s_consultation_outcome (s_ctx_t *x, const Cyclehub__V1__ConsultationOutcomePublished *m)
{
    hub_consultation_t *k = s_consultation (x, "consultation_outcome.consultation_id",
                                            m->consultation_id, S_CONS (CLOSED));
    if (!k)
        return -1;
    k->status = S_CONS (OUTCOME_PUBLISHED);
    return 0;
}

//  --------------------------------------------------------------------------
//  Procurements: planned / engagement -> tender -> evaluation -> awarded ->
//  contracted, direct award from planned / engagement, terminated from any
//  state before contracted

static bool
s_before_tender (const hub_procurement_t *p)
{
    return !p || p->status == S_PROC (PLANNED) || p->status == S_PROC (ENGAGEMENT);
}

//  Returns the procurement `id`, appending it with `status` if it is new.
//  Call only after hub_commission_reserve made room for one procurement.
static hub_procurement_t *
s_procurement_upsert (hub_commission_t *c, const char *id,
                      Cyclehub__V1__ProcurementState__Status status)
{
    hub_procurement_t *p = hub_commission_find_procurement (c, id);
    if (!p) {
        p = &c->procurements [c->n_procurements++];
        memset (p, 0, sizeof *p);
        hub_commission_copy (p->id, sizeof p->id, id);
    }
    p->status = status;
    return p;
}

//  Finds the procurement a message names (it must exist)
static hub_procurement_t *
s_procurement (s_ctx_t *x, const char *field, const char *id)
{
    hub_procurement_t *p = hub_commission_find_procurement (x->c, id);
    if (!p)
        s_no_such (x, field, "procurement", id,
                   "start it with procurement.planned or tender.published");
    return p;
}

static int
s_procurement_planned (s_ctx_t *x, const Cyclehub__V1__ProcurementPlanned *m)
{
    //  A second notice for a planned procurement (UK3 after UK1) is fine
    const char *field = "procurement_planned.procurement_id";
    hub_procurement_t *p = hub_commission_find_procurement (x->c, m->procurement_id);
    if (p && p->status != S_PROC (PLANNED))
        return s_not_in_state (x, field, "procurement", p->id,
                               s_procurement_state (p->status), s_procurement_next (p->status));
    if (!p && s_full (x, "procurements", x->c->n_procurements))
        return -1;
    if (hub_commission_reserve (x->c, 0, 1, 0, 0))
        return s_no_memory (x);
    p = s_procurement_upsert (x->c, m->procurement_id, S_PROC (PLANNED));
    hub_commission_copy (p->title, sizeof p->title, m->title);
    return 0;
}

static int
s_market_engagement (s_ctx_t *x, const Cyclehub__V1__MarketEngagement *m)
{
    //  Preliminary market engagement may come first, or be repeated
    const char *field = "market_engagement.procurement_id";
    hub_procurement_t *p = hub_commission_find_procurement (x->c, m->procurement_id);
    if (!s_before_tender (p))
        return s_not_in_state (x, field, "procurement", p->id,
                               s_procurement_state (p->status), s_procurement_next (p->status));
    if (!p && s_full (x, "procurements", x->c->n_procurements))
        return -1;
    if (hub_commission_reserve (x->c, 0, 1, 0, 0))
        return s_no_memory (x);
    s_procurement_upsert (x->c, m->procurement_id, S_PROC (ENGAGEMENT));
    return 0;
}

static int
s_tender_published (s_ctx_t *x, const Cyclehub__V1__TenderPublished *m)
{
    const char *field = "tender_published.procurement_id";
    hub_procurement_t *p = hub_commission_find_procurement (x->c, m->procurement_id);
    if (!s_before_tender (p))
        return s_not_in_state (x, field, "procurement", p->id,
                               s_procurement_state (p->status), s_procurement_next (p->status));
    if (!p && s_full (x, "procurements", x->c->n_procurements))
        return -1;
    bool to_do = x->c->stage == S_STAGE (PLAN);
    if (to_do && s_check_move (x, field, S_STAGE (DO), false))
        return -1;
    if (hub_commission_reserve (x->c, 0, 1, 0, 0))
        return s_no_memory (x);
    p = s_procurement_upsert (x->c, m->procurement_id, S_PROC (TENDER));
    hub_commission_copy (p->title, sizeof p->title, m->title);
    p->tender_deadline_ms = m->tender_period? m->tender_period->end_ms: 0;
    if (to_do)
        s_move (x->c, S_STAGE (DO));
    return 0;
}

static int
s_tender_amended (s_ctx_t *x, const Cyclehub__V1__TenderAmended *m)
{
    const char *field = "tender_amended.procurement_id";
    hub_procurement_t *p = s_procurement (x, field, m->procurement_id);
    if (!p)
        return -1;
    if (p->status != S_PROC (TENDER))
        return s_not_in_state (x, field, "procurement", p->id,
                               s_procurement_state (p->status), s_procurement_next (p->status));
    char when [HUB_TIME_TEXT_MAX] = "", now [HUB_TIME_TEXT_MAX] = "";
    hub_time_format (p->tender_deadline_ms, when, sizeof when);
    if (x->now >= p->tender_deadline_ms)
        return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                                "tender.amended is not allowed: the tender period of procurement "
                                "%s ended at %s, and a tender may be amended only before its "
                                "deadline; allowed there: tender.closed, procurement.terminated",
                                p->id, when);
    hub_time_format (m->new_deadline_ms, when, sizeof when);
    hub_time_format (x->now, now, sizeof now);
    if (m->new_deadline_ms && m->new_deadline_ms <= x->now)
        return hub_verdict_set (x->v, S_REJ (INVALID_VALUE), "tender_amended.new_deadline_ms",
                                "tender_amended.new_deadline_ms %s is not in the future (now is "
                                "%s): give a new deadline after now", when, now);
    if (m->new_deadline_ms)
        p->tender_deadline_ms = m->new_deadline_ms;
    return 0;
}

static int
s_tender_closed (s_ctx_t *x, const Cyclehub__V1__TenderClosed *m)
{
    const char *field = "tender_closed.procurement_id";
    hub_procurement_t *p = s_procurement (x, field, m->procurement_id);
    if (!p)
        return -1;
    if (p->status != S_PROC (TENDER))
        return s_not_in_state (x, field, "procurement", p->id,
                               s_procurement_state (p->status), s_procurement_next (p->status));
    char when [40], now [40];
    if (x->now < p->tender_deadline_ms)
        return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                                "tender.closed is not allowed yet: the tender period of procurement "
                                "%s ends at %s (it is now %s), and a tender closes only once its "
                                "period has ended; send tender.closed from then, or stop the "
                                "procurement early with procurement.terminated", p->id,
                                hub_verdict_when (when, sizeof when, p->tender_deadline_ms),
                                hub_verdict_when (now, sizeof now, x->now));
    p->status = S_PROC (EVALUATION);
    return 0;
}

static int
s_procurement_terminated (s_ctx_t *x, const Cyclehub__V1__ProcurementTerminated *m)
{
    const char *field = "procurement_terminated.procurement_id";
    hub_procurement_t *p = s_procurement (x, field, m->procurement_id);
    if (!p)
        return -1;
    if (p->status == S_PROC (CONTRACTED) || p->status == S_PROC (TERMINATED))
        return s_not_in_state (x, field, "procurement", p->id,
                               s_procurement_state (p->status), s_procurement_next (p->status));
    p->status = S_PROC (TERMINATED);
    return 0;
}

//  Appends an award; call after reserving room and copying the suppliers
static void
s_award_add (hub_commission_t *c, const char *award_id, const char *procurement_id,
             hub_orgs_t *suppliers, int64_t standstill_ends_ms)
{
    hub_award_t *a = &c->awards [c->n_awards++];
    memset (a, 0, sizeof *a);
    hub_commission_copy (a->id, sizeof a->id, award_id);
    hub_commission_copy (a->procurement_id, sizeof a->procurement_id, procurement_id);
    a->suppliers = *suppliers;          //  takes the list over
    a->standstill_ends_ms = standstill_ends_ms;
}

//  The standstill an award notice carries must last at least 8 working days
//  from the broker's clock, in the buyer's nation (hub_standstill.h has the
//  exact rule; docs/domain.md explains it)
static int
s_check_standstill (s_ctx_t *x, const char *field, int64_t ends_ms, const char *otherwise)
{
    hub_nation_t nation = hub_standstill_nation (x->c->owner);
    int64_t least;
    char when [40], now [40], given [40];
    if (hub_standstill_end (x->now, nation, &least))
        return hub_verdict_set (x->v, S_REJ (INTERNAL), field,
                                "the broker cannot count working days at %s: its bank-holiday "
                                "table (broker/domain/data/uk-bank-holidays.csv) covers %d to %d; "
                                "its operator must add the years from GOV.UK and rebuild",
                                hub_verdict_when (now, sizeof now, x->now),
                                hub_standstill_first_year (), hub_standstill_last_year ());
    if (ends_ms >= least)
        return 0;
    return hub_verdict_set (x->v, S_REJ (INVALID_VALUE), field,
                            "%s %s is too soon: a standstill lasts at least %d working days "
                            "from the award notice (now, %s), counting neither weekends nor the "
                            "bank holidays of %s (buyer %s); give an end at %s or later%s",
                            field, hub_verdict_when (given, sizeof given, ends_ms),
                            HUB_STANDSTILL_WORKING_DAYS, hub_verdict_when (now, sizeof now, x->now),
                            hub_standstill_nation_name (nation), x->c->owner,
                            hub_verdict_when (when, sizeof when, least), otherwise);
}

static int
s_direct_award (s_ctx_t *x, const Cyclehub__V1__DirectAward *m)
{
    const char *field = "direct_award.procurement_id";
    hub_procurement_t *p = hub_commission_find_procurement (x->c, m->procurement_id);
    if (!s_before_tender (p))
        return s_not_in_state (x, field, "procurement", p->id,
                               s_procurement_state (p->status), s_procurement_next (p->status));
    if (hub_commission_find_award (x->c, m->award_id))
        return s_exists (x, "direct_award.award_id", "award", m->award_id);
    if ((!p && s_full (x, "procurements", x->c->n_procurements))
    ||  s_full (x, "awards", x->c->n_awards))
        return -1;
    //  No standstill when the notice names the exemption (hub_validate then
    //  made sure no end was given); else the same rule as award.made
    bool exempt = !s_blank (m->no_standstill_reason);
    if (!exempt && s_check_standstill (x, "direct_award.standstill_ends_ms", m->standstill_ends_ms,
                                       ", or no_standstill_reason naming the exemption relied on"))
        return -1;
    bool to_do = x->c->stage == S_STAGE (PLAN);
    if (to_do && s_check_move (x, field, S_STAGE (DO), false))
        return -1;
    hub_orgs_t suppliers;
    if (hub_commission_reserve (x->c, 0, 1, 1, 0)
    ||  hub_orgs_set (&suppliers, m->n_suppliers, m->suppliers))
        return s_no_memory (x);
    s_procurement_upsert (x->c, m->procurement_id, S_PROC (AWARDED));
    s_award_add (x->c, m->award_id, m->procurement_id, &suppliers,
                 exempt? 0: m->standstill_ends_ms);
    if (to_do)
        s_move (x->c, S_STAGE (DO));
    return 0;
}

static int
s_award_made (s_ctx_t *x, const Cyclehub__V1__AwardMade *m)
{
    const char *field = "award_made.procurement_id";
    hub_procurement_t *p = s_procurement (x, field, m->procurement_id);
    if (!p)
        return -1;
    if (p->status != S_PROC (EVALUATION))
        return s_not_in_state (x, field, "procurement", p->id,
                               s_procurement_state (p->status), s_procurement_next (p->status));
    if (hub_commission_find_award (x->c, m->award_id))
        return s_exists (x, "award_made.award_id", "award", m->award_id);
    if (s_full (x, "awards", x->c->n_awards)
    ||  s_check_standstill (x, "award_made.standstill_ends_ms", m->standstill_ends_ms, ""))
        return -1;
    hub_orgs_t suppliers;
    if (hub_commission_reserve (x->c, 0, 0, 1, 0)
    ||  hub_orgs_set (&suppliers, m->n_suppliers, m->suppliers))
        return s_no_memory (x);
    s_award_add (x->c, m->award_id, p->id, &suppliers, m->standstill_ends_ms);
    p->status = S_PROC (AWARDED);
    return 0;
}

static int
s_contract_signed (s_ctx_t *x, const Cyclehub__V1__ContractSigned *m)
{
    const char *field = "contract_signed.award_id";
    hub_award_t *a = hub_commission_find_award (x->c, m->award_id);
    if (!a)
        return s_no_such (x, field, "award", m->award_id,
                          "make the award with award.made or award.direct first");
    if (hub_commission_find_contract (x->c, m->contract_id))
        return s_exists (x, "contract_signed.contract_id", "contract", m->contract_id);
    if (*a->contract_id)
        return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                                "contract.signed is not allowed: award %s already has contract %s, "
                                "and an award leads to one contract", a->id, a->contract_id);
    hub_procurement_t *p = hub_commission_find_procurement (x->c, a->procurement_id);
    if (!p || p->status != S_PROC (AWARDED))
        return s_not_in_state (x, field, "the procurement of award", a->id,
                               p? s_procurement_state (p->status): "missing",
                               p? s_procurement_next (p->status): "nothing");
    char when [40], now [40];
    if (a->standstill_ends_ms > x->now)
        return hub_verdict_set (x->v, S_REJ (ILLEGAL_TRANSITION), field,
                                "contract.signed is not allowed yet: the standstill of award %s "
                                "ends at %s (it is now %s, by the broker's clock), and the "
                                "contract may be signed only once it has ended; sign from then",
                                a->id, hub_verdict_when (when, sizeof when, a->standstill_ends_ms),
                                hub_verdict_when (now, sizeof now, x->now));
    if (s_full (x, "contracts", x->c->n_contracts))
        return -1;
    hub_orgs_t suppliers;
    if (hub_commission_reserve (x->c, 0, 0, 0, 1)
    ||  hub_orgs_dup (&suppliers, &a->suppliers))
        return s_no_memory (x);
    hub_contract_t *k = &x->c->contracts [x->c->n_contracts++];
    memset (k, 0, sizeof *k);
    hub_commission_copy (k->id, sizeof k->id, m->contract_id);
    hub_commission_copy (k->award_id, sizeof k->award_id, a->id);
    k->suppliers = suppliers;
    k->status = S_CONTRACT (ACTIVE);
    hub_commission_copy (a->contract_id, sizeof a->contract_id, m->contract_id);
    p->status = S_PROC (CONTRACTED);
    return 0;
}

//  --------------------------------------------------------------------------
//  Contracts: active -> terminated | expired; changes and monitoring while active

static hub_contract_t *
s_active_contract (s_ctx_t *x, const char *field, const char *id)
{
    hub_contract_t *k = hub_commission_find_contract (x->c, id);
    if (!k)
        s_no_such (x, field, "contract", id, "sign it with contract.signed first");
    else
    if (k->status != S_CONTRACT (ACTIVE)) {
        s_not_in_state (x, field, "contract", id, s_contract_state (k->status),
                        "nothing more: reports and changes are accepted only for an active contract");
        return NULL;
    }
    return k;
}

static int
s_contract_ended (s_ctx_t *x, const Cyclehub__V1__ContractEnded *m)
{
    hub_contract_t *k = s_active_contract (x, "contract_ended.contract_id", m->contract_id);
    if (!k)
        return -1;
    k->status = m->how == CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_EXPIRED
              ? S_CONTRACT (EXPIRED): S_CONTRACT (TERMINATED);
    return 0;
}

//  Messages that only need an active contract and change nothing
static int
s_contract_report (s_ctx_t *x, const char *field, const char *contract_id)
{
    return s_active_contract (x, field, contract_id)? 0: -1;
}

//  --------------------------------------------------------------------------

static int
s_open (hub_commission_t **state_p, const Cyclehub__V1__Envelope *env, const char *sender,
        int64_t now_ms, hub_cycle_outcome_t *out, hub_verdict_t *v)
{
    const Cyclehub__V1__CommissionOpened *m = env->commission_opened;
    if (*state_p)
        return hub_verdict_set (v, S_REJ (UNKNOWN_COMMISSION), "commission_id",
                                "commission %s already exists (stage %s, cycle %u): choose a new "
                                "ocid to open another commission", (*state_p)->id,
                                s_stage_name ((*state_p)->stage), (*state_p)->cycle);
    if (!sender || strcmp (sender, m->buyer) != 0)
        return hub_verdict_set (v, S_REJ (NOT_AUTHORISED), "commission_opened.buyer",
                                "only the buyer may open its commission: the buyer is %s but the "
                                "sender is %s; publish as the buyer, or name yourself as buyer",
                                m->buyer, sender? sender: "unknown");
    if (!hub_validate_ocid (env->commission_id))
        return hub_verdict_set (v, S_REJ (INVALID_VALUE), "commission_id",
                                "commission_id is not an ocid: use ocds-, six lower-case letters "
                                "or digits, -, then a local id, e.g. ocds-h6vhtk-056931");
    hub_commission_t *c = hub_commission_new (env->commission_id);
    if (!c || hub_orgs_set (&c->partners, m->n_partners, m->partners)) {
        hub_commission_destroy (&c);
        return hub_verdict_set (v, S_REJ (INTERNAL), "",
                                "the broker ran out of memory opening commission %s; retry later",
                                env->commission_id);
    }
    hub_commission_copy (c->title, sizeof c->title, m->title);
    hub_commission_copy (c->owner, sizeof c->owner, m->buyer);
    c->opened_at_ms = now_ms;
    c->updated_at_ms = now_ms;
    *state_p = c;
    if (out) {
        out->from = S_STAGE (UNSPECIFIED);
        out->to = c->stage;
        out->changed = true;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  One adapter per name in the cycle column of proto/hub_types.def: each
//  hands its handler the body (hub_cycle_apply checked it is there)

typedef int (s_cycle_fn) (s_ctx_t *x, const Cyclehub__V1__Envelope *env);

static int
s_cycle_record (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    (void) x;
    (void) env;
    return 0;                   //  recorded, no state change
}

static int
s_cycle_priorities_agreed (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    (void) env;
    return s_priorities_agreed (x);
}

static int
s_cycle_stage_change_requested (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_stage_change_requested (x, env->stage_change_requested);
}

static int
s_cycle_consultation_opened (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_consultation_opened (x, env->consultation_opened);
}

static int
s_cycle_response_submitted (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_response_submitted (x, env->response_submitted);
}

static int
s_cycle_consultation_closed (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_consultation_closed (x, env->consultation_closed);
}

static int
s_cycle_consultation_outcome (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_consultation_outcome (x, env->consultation_outcome);
}

static int
s_cycle_procurement_planned (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_procurement_planned (x, env->procurement_planned);
}

static int
s_cycle_market_engagement (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_market_engagement (x, env->market_engagement);
}

static int
s_cycle_tender_published (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_tender_published (x, env->tender_published);
}

static int
s_cycle_tender_amended (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_tender_amended (x, env->tender_amended);
}

static int
s_cycle_tender_closed (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_tender_closed (x, env->tender_closed);
}

static int
s_cycle_procurement_terminated (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_procurement_terminated (x, env->procurement_terminated);
}

static int
s_cycle_direct_award (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_direct_award (x, env->direct_award);
}

static int
s_cycle_award_made (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_award_made (x, env->award_made);
}

static int
s_cycle_contract_signed (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_contract_signed (x, env->contract_signed);
}

static int
s_cycle_contract_ended (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_contract_ended (x, env->contract_ended);
}

//  Changes and monitoring reports: the contract they name must be active
static int
s_cycle_contract_report (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    char field [96];
    snprintf (field, sizeof field, "%s.contract_id", hub_types_of (env->body_case)->member);
    return s_contract_report (x, field, hub_types_body_string (env, "contract_id"));
}

static int
s_cycle_evaluation_published (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    (void) env;
    return s_evaluation_published (x);
}

static int
s_cycle_review_decision (s_ctx_t *x, const Cyclehub__V1__Envelope *env)
{
    return s_review_decision (x, env->review_decision);
}

//  The handler of each body case; a row naming an adapter that does not
//  exist fails to compile. "none": commission.opened (s_open creates the
//  commission) and erasure.recorded (broker-only).
#define s_cycle_none NULL
static s_cycle_fn *const s_handlers [] = {
#define HUB_TYPE(CASE, member, Type, name, group, verb, summary, stages, cycle, \
                 relations, rule, ocds_tag, check) \
    [CYCLEHUB__V1__ENVELOPE__BODY_##CASE] = s_cycle_##cycle,
#include "hub_types.def"
#undef HUB_TYPE
};
#undef s_cycle_none
#define S_NHANDLERS (sizeof s_handlers / sizeof s_handlers [0])

int
hub_cycle_apply (hub_commission_t **state_p, const Cyclehub__V1__Envelope *env,
                 const char *sender, int64_t now_ms, hub_cycle_outcome_t *out,
                 hub_verdict_t *v)
{
    hub_verdict_clear (v);
    Cyclehub__V1__Stage before = state_p && *state_p? (*state_p)->stage: S_STAGE (UNSPECIFIED);
    if (out) {
        out->from = out->to = before;
        out->changed = false;
    }
    if (!state_p || !env)
        return hub_verdict_set (v, S_REJ (INTERNAL), "", "hub_cycle_apply called without a state or an envelope");

    const hub_type_t *rule = hub_types_of (env->body_case);
    const char *type = rule? rule->name: NULL;
    s_cycle_fn *handler = (size_t) env->body_case < S_NHANDLERS
                        ? s_handlers [env->body_case]: NULL;
    if (!rule || (!handler && env->body_case != S_BODY (COMMISSION_OPENED)))
        return hub_verdict_set (v, S_REJ (UNKNOWN_TYPE), "",
                                "the envelope's body is not a message type clients may send");
    //  A hand-built envelope may set a body case with a NULL member
    if (!hub_types_body (env))
        return hub_verdict_set (v, S_REJ (MISSING_FIELD), rule->member,
                                "%s is set as the body but is empty", rule->member);
    if (env->body_case == S_BODY (COMMISSION_OPENED))
        return s_open (state_p, env, sender, now_ms, out, v);

    hub_commission_t *c = *state_p;
    if (!c)
        return hub_verdict_set (v, S_REJ (UNKNOWN_COMMISSION), "commission_id",
                                "there is no commission %s: open it with commission.opened first, "
                                "or check the ocid", env->commission_id);
    if (!env->commission_id || strcmp (env->commission_id, c->id) != 0)
        return hub_verdict_set (v, S_REJ (INTERNAL), "commission_id",
                                "the broker applied a message for %s to commission %s; retry later",
                                env->commission_id? env->commission_id: "(none)", c->id);
    if (c->stage == S_STAGE (CLOSED))
        return hub_verdict_set (v, S_REJ (ILLEGAL_TRANSITION), "",
                                "%s is not allowed: commission %s is closed, and a closed "
                                "commission takes no more messages; open a new commission "
                                "with commission.opened", type, c->id);
    if (c->stage < 0 || c->stage > 31 || !(rule->stages & (1u << c->stage))) {
        char allowed [sizeof v->reason];
        hub_cycle_allowed_types (c->stage, allowed, sizeof allowed);
        return hub_verdict_set (v, S_REJ (ILLEGAL_TRANSITION), "",
                                "%s is not allowed: commission %s is in stage %s; allowed there: %s",
                                type, c->id, s_stage_name (c->stage), allowed);
    }

    s_ctx_t ctx = { c, type, sender? sender: "", now_ms, v };
    int rc = handler (&ctx, env);
    if (rc)
        return -1;
    c->updated_at_ms = now_ms;
    if (out) {
        out->to = c->stage;
        out->changed = out->from != out->to;
    }
    return 0;
}
