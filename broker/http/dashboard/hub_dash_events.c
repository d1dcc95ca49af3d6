/*  hub_dash_events: one line per event, for the timeline's table and the
    latest events. Each type says what happened in its own words, from its
    body's plain fields; no PersonalData field is ever read, so a response
    renders the same whether or not it was redacted.
*/
#include <stdio.h>
#include "hub_dash_priv.h"
#include "hub_time.h"

bool
hub_dash_event_of (const Cyclehub__V1__Event *ev, const char *id)
{
    return ev && ev->envelope && (!id || streq_safe (ev->envelope->commission_id, id));
}

const char *
hub_dash_event_id (const Cyclehub__V1__Event *ev, const char *field)
{
    return ev && ev->envelope? hub_types_body_string (ev->envelope, field): NULL;
}

//  "label <id>", the id in the id style
static void
s_id (hub_dash_buf_t *b, const char *label, const char *id)
{
    hub_dash_raw (b, label);
    hub_dash_raw (b, " <span class=\"hub-id\">");
    hub_dash_text (b, id);
    hub_dash_raw (b, "</span>");
}

static void
s_money (hub_dash_buf_t *b, const char *before, const Cyclehub__V1__Money *m)
{
    if (!m)
        return;
    char text [HUB_DASH_MONEY_MAX];
    hub_dash_money (m, text, sizeof text);
    hub_dash_raw (b, before);
    hub_dash_text (b, text);
}

static void
s_text (hub_dash_buf_t *b, const char *before, const char *text)
{
    if (!text || !*text)
        return;
    hub_dash_raw (b, before);
    hub_dash_text (b, text);
}

static bool
s_commission (hub_dash_buf_t *b, const Cyclehub__V1__Envelope *e)
{
    static const char *decisions [] = { "", "recommission", "redesign", "decommission" };
    switch (e->body_case) {
        case CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED:
            s_text (b, "Commission opened: ", e->commission_opened->title); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED:
            hub_dash_raw (b, "Needs assessed");
            s_text (b, " for ", e->needs_assessed->population); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_PRIORITIES_AGREED:
            hub_dash_rawf (b, "%zu priorit%s agreed", e->priorities_agreed->n_priorities,
                           e->priorities_agreed->n_priorities == 1? "y": "ies"); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_STRATEGY_APPROVED:
            s_text (b, "Strategy approved: ", e->strategy_approved->title); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_STAGE_CHANGE_REQUESTED:
            hub_dash_rawf (b, "Move to %s requested",
                           hub_dash_stage_label (e->stage_change_requested->target));
            s_text (b, ": ", e->stage_change_requested->reason); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE:
            s_text (b, "Partner update: ", e->partner_update->title); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_EVALUATION_PUBLISHED:
            s_text (b, "Evaluation published: ", e->evaluation_published->title); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_REVIEW_DECISION: {
            unsigned d = (unsigned) e->review_decision->decision;
            hub_dash_rawf (b, "Review decided: %s", d < 4 && d? decisions [d]: "unknown");
            break;
        }
        default: return false;
    }
    return true;
}

static bool
s_consultation (hub_dash_buf_t *b, const Cyclehub__V1__Envelope *e)
{
    static const char *types [] = { "respondent", "resident", "service user", "carer",
                                    "organisation", "provider", "staff" };
    switch (e->body_case) {
        case CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OPENED:
            s_id (b, "Consultation", e->consultation_opened->consultation_id);
            s_text (b, " opened: ", e->consultation_opened->title); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED: {
            //  Only the plain fields; personal is never read
            unsigned t = (unsigned) e->response_submitted->respondent_type;
            s_id (b, "Response to consultation", e->response_submitted->consultation_id);
            hub_dash_rawf (b, " from a%s %s", t == 4? "n": "", t < 7? types [t]: "respondent");
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_CLOSED:
            s_id (b, "Consultation", e->consultation_closed->consultation_id);
            hub_dash_raw (b, " closed");
            s_text (b, " early: ", e->consultation_closed->early_close_reason); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OUTCOME:
            s_id (b, "Outcome of consultation", e->consultation_outcome->consultation_id);
            hub_dash_raw (b, " published"); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED:
            s_id (b, "Personal data erased from a response to", e->erasure_recorded->consultation_id);
            break;
        default: return false;
    }
    return true;
}

static bool
s_procurement (hub_dash_buf_t *b, const Cyclehub__V1__Envelope *e)
{
    switch (e->body_case) {
        case CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_PLANNED:
            s_id (b, "Procurement", e->procurement_planned->procurement_id);
            hub_dash_raw (b, " planned");
            s_money (b, ", estimated ", e->procurement_planned->estimated_value); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_MARKET_ENGAGEMENT:
            s_id (b, "Market engagement for", e->market_engagement->procurement_id); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED:
            s_id (b, "Tender", e->tender_published->procurement_id);
            hub_dash_raw (b, " published");
            s_money (b, ", value ", e->tender_published->value); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_AMENDED:
            s_id (b, "Tender", e->tender_amended->procurement_id);
            hub_dash_raw (b, " amended");
            s_money (b, ", value now ", e->tender_amended->value); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_CLOSED:
            s_id (b, "Tender", e->tender_closed->procurement_id);
            hub_dash_rawf (b, " closed with %u bid%s", e->tender_closed->bids_received,
                           e->tender_closed->bids_received == 1? "": "s"); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_TERMINATED:
            s_id (b, "Procurement", e->procurement_terminated->procurement_id);
            s_text (b, " terminated: ", e->procurement_terminated->reason); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_DIRECT_AWARD:
            s_id (b, "Direct award", e->direct_award->award_id);
            s_money (b, ", value ", e->direct_award->value); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_AWARD_MADE:
            s_id (b, "Award", e->award_made->award_id);
            hub_dash_raw (b, " made");
            s_money (b, ", value ", e->award_made->value); break;
        default: return false;
    }
    return true;
}

static bool
s_contract (hub_dash_buf_t *b, const Cyclehub__V1__Envelope *e)
{
    static const char *ratings [] = { "no rating", "green", "amber", "red" };
    char n1 [64], n2 [64];
    switch (e->body_case) {
        case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_SIGNED:
            s_id (b, "Contract", e->contract_signed->contract_id);
            hub_dash_raw (b, " signed");
            s_money (b, ", value ", e->contract_signed->value); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_CHANGED:
            s_id (b, "Contract", e->contract_changed->contract_id);
            hub_dash_raw (b, " changed");
            s_money (b, ", value now ", e->contract_changed->new_value); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_ENDED:
            s_id (b, "Contract", e->contract_ended->contract_id);
            hub_dash_raw (b, e->contract_ended->how == CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_EXPIRED
                             ? " expired": " terminated"); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_KPI_REPORTED: {
            const Cyclehub__V1__KpiReported *k = e->kpi_reported;
            unsigned r = (unsigned) k->rating;
            hub_dash_number (k->value, n1, sizeof n1);
            hub_dash_number (k->target, n2, sizeof n2);
            s_id (b, "KPI", k->kpi_code);
            hub_dash_raw (b, " reported: ");
            hub_dash_text (b, n1);
            hub_dash_raw (b, " against a target of ");
            hub_dash_text (b, n2);
            hub_dash_rawf (b, " (%s)", r < 4? ratings [r]: "no rating");
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_MILESTONE_UPDATED:
            s_id (b, "Milestone", e->milestone_updated->milestone_id);
            s_text (b, " updated: ", e->milestone_updated->title); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_SOCIAL_VALUE_REPORTED:
            hub_dash_number (e->social_value_reported->quantity, n1, sizeof n1);
            hub_dash_raw (b, "Social value reported: ");
            hub_dash_text (b, n1);
            s_text (b, " ", e->social_value_reported->unit);
            s_text (b, " (", e->social_value_reported->measure_code);
            hub_dash_raw (b, e->social_value_reported->measure_code
                          && *e->social_value_reported->measure_code? ")": ""); break;
        case CYCLEHUB__V1__ENVELOPE__BODY_PAYMENT_REPORTED:
            s_id (b, "Payment", e->payment_reported->payment_id);
            s_money (b, " reported, ", e->payment_reported->amount); break;
        default: return false;
    }
    return true;
}

void
hub_dash_event_summary (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx,
                        const Cyclehub__V1__Event *ev)
{
    (void) ctx;
    const Cyclehub__V1__Envelope *e = ev->envelope;
    //  hub_types_body is NULL for a body case set with no member
    if (!e || !hub_types_body (e)
    ||  (!s_commission (b, e) && !s_consultation (b, e) && !s_procurement (b, e) && !s_contract (b, e)))
        hub_dash_text (b, ev->type && *ev->type? ev->type: "Event");
}

void
hub_dash_latest_events (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx,
                        const hub_dash_commission_t *c, size_t max)
{
    const char *id = c->state? c->state->commission_id: NULL;
    hub_dash_raw (b, "<ol class=\"hub-events\" id=\"hub-events\" reversed>\n");
    size_t shown = 0;
    for (size_t i = c->n_events; i-- > 0 && shown < max; ) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (!hub_dash_event_of (ev, id))
            continue;
        char iso [HUB_TIME_TEXT_MAX] = "", date [HUB_DASH_DATE_MAX];
        hub_time_format (ev->recorded_at_ms, iso, sizeof iso);
        hub_dash_date (ev->recorded_at_ms, date, sizeof date);
        hub_dash_rawf (b, "<li class=\"hub-event\" data-seq=\"%llu\" data-type=\"",
                       (unsigned long long) ev->seq);
        hub_dash_text (b, ev->type);
        hub_dash_raw (b, "\"><span class=\"hub-event__type\">");
        hub_dash_text (b, ev->type);
        hub_dash_raw (b, "</span> <time datetime=\"");
        hub_dash_text (b, iso);
        hub_dash_raw (b, "\">");
        hub_dash_text (b, date);
        hub_dash_raw (b, "</time><br>");
        hub_dash_event_summary (b, ctx, ev);
        hub_dash_raw (b, " <span class=\"hub-secondary\">from ");
        hub_dash_agency (b, ctx, ev->sender);
        hub_dash_raw (b, "</span></li>\n");
        shown++;
    }
    if (shown == 0)
        hub_dash_raw (b, "<li class=\"hub-event hub-event--none\">No events yet.</li>\n");
    hub_dash_raw (b, "</ol>\n");
}
