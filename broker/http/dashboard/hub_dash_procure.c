/*  hub_dash_procure: each procurement's path (planned, tender, award,
    standstill, contract, ended or terminated) with its dates and values,
    taken from the commission's events; the state says where it stands.
*/
#include <stdio.h>
#include "hub_dash_priv.h"

//  What the events say about one procurement
typedef struct {
    const Cyclehub__V1__Event *planned, *tender, *amended, *closed, *award, *terminated;
    const Cyclehub__V1__Event *signed_, *ended;
    const char *award_id;
} s_path_t;

static void
s_collect (const hub_dash_commission_t *c, const char *pid, s_path_t *p)
{
    *p = (s_path_t) { 0 };
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (!hub_dash_event_of (ev, c->state->commission_id) || !hub_types_body (ev->envelope))
            continue;
        const Cyclehub__V1__Envelope *e = ev->envelope;
        switch (e->body_case) {
            case CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_PLANNED:
            case CYCLEHUB__V1__ENVELOPE__BODY_MARKET_ENGAGEMENT:
                if (streq_safe (hub_dash_event_id (ev, "procurement_id"), pid) && !p->planned)
                    p->planned = ev;
                break;
            case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED:
                if (streq_safe (e->tender_published->procurement_id, pid))
                    p->tender = ev;
                break;
            case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_AMENDED:
                if (streq_safe (e->tender_amended->procurement_id, pid) && e->tender_amended->value)
                    p->amended = ev;
                break;
            case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_CLOSED:
                if (streq_safe (e->tender_closed->procurement_id, pid))
                    p->closed = ev;
                break;
            case CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_TERMINATED:
                if (streq_safe (e->procurement_terminated->procurement_id, pid))
                    p->terminated = ev;
                break;
            case CYCLEHUB__V1__ENVELOPE__BODY_AWARD_MADE:
            case CYCLEHUB__V1__ENVELOPE__BODY_DIRECT_AWARD:
                if (streq_safe (hub_dash_event_id (ev, "procurement_id"), pid)) {
                    p->award = ev;
                    p->award_id = hub_dash_event_id (ev, "award_id");
                }
                break;
            case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_SIGNED:
                if (p->award_id && streq_safe (e->contract_signed->award_id, p->award_id)) p->signed_ = ev;
                break;
            case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_ENDED:
                if (p->signed_ && streq_safe (e->contract_ended->contract_id,
                                              p->signed_->envelope->contract_signed->contract_id))
                    p->ended = ev;
                break;
            default: break;
        }
    }
}

typedef enum { STEP_DONE, STEP_CURRENT, STEP_TODO, STEP_SKIPPED } s_step_state_t;

static void
s_step_begin (hub_dash_buf_t *b, const char *key, const char *name, s_step_state_t st,
              const Cyclehub__V1__Event *ev)
{
    static const char *cls [] = { "done", "current", "todo", "skipped" };
    static const char *label [] = { "Done", "In progress", "Not reached", "Not used" };
    hub_dash_rawf (b, "<li class=\"hub-step hub-step--%s\" data-step=\"%s\"><span class=\"hub-step__name\">"
                      "%s</span> <span class=\"hub-step__status\">%s</span>",
                   cls [st], key, name, label [st]);
    if (ev) {
        char date [HUB_DASH_DATE_MAX];
        hub_dash_date (ev->recorded_at_ms, date, sizeof date);
        hub_dash_raw (b, "<span class=\"hub-step__detail\">");
        hub_dash_text (b, date);
        hub_dash_raw (b, "</span>");
    }
}

static void
s_detail_money (hub_dash_buf_t *b, const char *label, const Cyclehub__V1__Money *m)
{
    if (!m)
        return;
    char text [HUB_DASH_MONEY_MAX];
    hub_dash_money (m, text, sizeof text);
    hub_dash_rawf (b, "<span class=\"hub-step__detail\">%s ", label);
    hub_dash_text (b, text);
    hub_dash_raw (b, "</span>");
}

static void
s_detail_when (hub_dash_buf_t *b, const char *label, int64_t ms)
{
    char when [HUB_DASH_DATE_MAX];
    hub_dash_deadline (ms, when, sizeof when);
    hub_dash_rawf (b, "<span class=\"hub-step__detail\">%s ", label);
    hub_dash_text (b, when);
    hub_dash_raw (b, "</span>");
}

static s_step_state_t
s_state (bool done, bool *current_given, bool stopped)
{
    if (done)
        return STEP_DONE;
    if (*current_given || stopped)
        return STEP_TODO;
    *current_given = true;
    return STEP_CURRENT;
}

static void
s_path (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const s_path_t *p)
{
    bool cur = false, stop = p->terminated != NULL;
    bool direct = p->award && p->award->envelope->body_case == CYCLEHUB__V1__ENVELOPE__BODY_DIRECT_AWARD;
    hub_dash_raw (b, "<ol class=\"hub-path\">");
    s_step_begin (b, "planned", "Planned", p->planned? STEP_DONE: p->tender || p->award? STEP_SKIPPED
                  : s_state (false, &cur, stop), p->planned);
    if (p->planned && p->planned->envelope->body_case == CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_PLANNED)
        s_detail_money (b, "estimated", p->planned->envelope->procurement_planned->estimated_value);
    hub_dash_raw (b, "</li>");
    s_step_begin (b, "tender", "Tender", direct && !p->tender? STEP_SKIPPED
                  : s_state (p->closed != NULL, &cur, stop), p->tender);
    if (p->tender) {
        s_detail_money (b, "value", p->tender->envelope->tender_published->value);
        if (p->amended)
            s_detail_money (b, "amended to", p->amended->envelope->tender_amended->value);
        if (p->closed)
            hub_dash_rawf (b, "<span class=\"hub-step__detail\">%u bids</span>",
                           p->closed->envelope->tender_closed->bids_received);
    }
    hub_dash_raw (b, "</li>");
    s_step_begin (b, "award", direct? "Direct award": "Award", s_state (p->award != NULL, &cur, stop), p->award);
    if (p->award) {
        const Cyclehub__V1__Envelope *e = p->award->envelope;
        s_detail_money (b, "value", direct? e->direct_award->value: e->award_made->value);
        size_t n = direct? e->direct_award->n_suppliers: e->award_made->n_suppliers;
        char **sup = direct? e->direct_award->suppliers: e->award_made->suppliers;
        for (size_t i = 0; i < n; i++) {
            hub_dash_raw (b, "<span class=\"hub-step__detail\">to ");
            hub_dash_agency (b, ctx, sup [i]);
            hub_dash_raw (b, "</span>");
        }
    }
    hub_dash_raw (b, "</li>");
    int64_t standstill = !p->award? 0: direct? p->award->envelope->direct_award->standstill_ends_ms
                                             : p->award->envelope->award_made->standstill_ends_ms;
    bool standstill_over = p->award && (standstill == 0 || ctx->now_ms >= standstill || p->signed_);
    s_step_begin (b, "standstill", "Standstill", p->award && standstill == 0? STEP_SKIPPED
                  : s_state (standstill_over, &cur, stop), NULL);
    if (standstill)
        s_detail_when (b, standstill_over? "ended": "ends", standstill);
    else if (p->award)
        hub_dash_raw (b, "<span class=\"hub-step__detail\">no standstill applies</span>");
    hub_dash_raw (b, "</li>");
    s_step_begin (b, "contract", "Contract", s_state (p->signed_ != NULL, &cur, stop), p->signed_);
    if (p->signed_)
        s_detail_money (b, "value", p->signed_->envelope->contract_signed->value);
    hub_dash_raw (b, "</li>");
    if (p->terminated) {
        s_step_begin (b, "terminated", "Terminated", STEP_DONE, p->terminated);
        hub_dash_raw (b, "<span class=\"hub-step__detail\">");
        hub_dash_text (b, p->terminated->envelope->procurement_terminated->reason);
        hub_dash_raw (b, "</span></li>");
    }
    else {
        bool expired = p->ended && p->ended->envelope->contract_ended->how
                                   == CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_EXPIRED;
        s_step_begin (b, "ended", p->ended? (expired? "Expired": "Terminated"): "Ended",
                      p->ended? STEP_DONE: p->signed_ && !cur? (cur = true, STEP_CURRENT): STEP_TODO, p->ended);
        if (p->signed_ && !p->ended)
            hub_dash_raw (b, "<span class=\"hub-step__detail\">delivering</span>");
        hub_dash_raw (b, "</li>");
    }
    hub_dash_raw (b, "</ol>\n");
}

void
hub_dash_procurements (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const hub_dash_commission_t *c)
{
    static const char *status [] = { "Unknown", "Planned", "Market engagement", "Tender",
                                     "Evaluation", "Awarded", "Contracted", "Terminated" };
    static const char *colour [] = { "grey", "light-blue", "light-blue", "blue", "purple",
                                     "yellow", "green", "red" };
    const Cyclehub__V1__CommissionState *s = c->state;
    hub_dash_raw (b, "<h2 class=\"hub-heading-l\" id=\"procurements\">Procurements</h2>\n");
    if (s->n_procurements == 0)
        hub_dash_raw (b, "<p class=\"hub-body\">No procurement yet.</p>\n");
    for (size_t i = 0; i < s->n_procurements; i++) {
        const Cyclehub__V1__ProcurementState *pr = s->procurements [i];
        unsigned st = (unsigned) pr->status < 8? (unsigned) pr->status: 0;
        s_path_t p;
        s_collect (c, pr->procurement_id, &p);
        hub_dash_raw (b, "<section class=\"hub-procurement\" data-procurement=\"");
        hub_dash_text (b, pr->procurement_id);
        hub_dash_raw (b, "\"><h3 class=\"hub-heading-m\">");
        hub_dash_text (b, pr->title && *pr->title? pr->title: pr->procurement_id);
        hub_dash_raw (b, " <span class=\"hub-secondary hub-id\">");
        hub_dash_text (b, pr->procurement_id);
        hub_dash_rawf (b, "</span> <strong class=\"hub-tag hub-tag--%s\">%s</strong></h3>\n",
                       colour [st], status [st]);
        s_path (b, ctx, &p);
        hub_dash_raw (b, "</section>\n");
    }
}
