/*  hub_dash_commission: one commission's page: a summary, the timeline,
    what it waits for, the consultations (with the Gunning checkpoints),
    procurements, contracts and the latest events. The parts with more to
    draw live in their own files (timeline, procurements, contracts).
*/
#include <stdio.h>
#include "hub_dash_priv.h"

#define LATEST_EVENTS 20

static void
s_row_begin (hub_dash_buf_t *b, const char *key)
{
    hub_dash_raw (b, "<div class=\"hub-summary__row\"><dt class=\"hub-summary__key\">");
    hub_dash_raw (b, key);
    hub_dash_raw (b, "</dt><dd class=\"hub-summary__value\">");
}

static void
s_summary (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const Cyclehub__V1__CommissionState *s)
{
    char date [HUB_DASH_DATE_MAX];
    hub_dash_raw (b, "<dl class=\"hub-summary\">");
    s_row_begin (b, "Stage");
    hub_dash_stage_tag (b, s->stage);
    hub_dash_rawf (b, " <span class=\"hub-secondary\">cycle %u</span></dd></div>", s->cycle);
    s_row_begin (b, "Lead agency");
    hub_dash_agency (b, ctx, s->owner);
    hub_dash_raw (b, "</dd></div>");
    s_row_begin (b, "Partners");
    if (s->n_partners == 0)
        hub_dash_raw (b, "None");
    for (size_t i = 0; i < s->n_partners; i++) {
        hub_dash_raw (b, i? "<br>": "");
        hub_dash_agency (b, ctx, s->partners [i]);
    }
    hub_dash_raw (b, "</dd></div>");
    hub_dash_date (s->opened_at_ms, date, sizeof date);
    s_row_begin (b, "Opened");
    hub_dash_text (b, date);
    hub_dash_raw (b, "</dd></div>");
    hub_dash_date (s->updated_at_ms, date, sizeof date);
    s_row_begin (b, "Last event");
    hub_dash_text (b, date);
    hub_dash_rawf (b, " <span class=\"hub-secondary\">(event %llu)</span></dd></div></dl>\n",
                   (unsigned long long) s->last_seq);
}

static void
s_waiting (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const hub_dash_commission_t *c)
{
    hub_dash_wait_t waits [32];
    size_t n = hub_dash_waiting (c, ctx->now_ms, waits, 32);
    hub_dash_raw (b, "<h2 class=\"hub-heading-l\" id=\"waiting\">Waiting for</h2>\n");
    if (n == 0) {
        hub_dash_raw (b, "<p class=\"hub-body\">Nothing is waiting.</p>\n");
        return;
    }
    hub_dash_raw (b, "<ul class=\"hub-list hub-list--bullet\">");
    for (size_t i = 0; i < n && i < 32; i++) {
        hub_dash_raw (b, "<li class=\"hub-wait\">");
        if (waits [i].overdue)
            hub_dash_raw (b, "<strong class=\"hub-tag hub-tag--red\">Overdue</strong> ");
        hub_dash_wait_text (b, &waits [i], ctx->now_ms);
        hub_dash_raw (b, "</li>");
    }
    hub_dash_raw (b, "</ul>\n");
}

//  The consultation.opened event of a consultation, for its title
static const Cyclehub__V1__ConsultationOpened *
s_opened (const hub_dash_commission_t *c, const char *consultation_id)
{
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (hub_dash_event_of (ev, c->state->commission_id)
        &&  ev->envelope->body_case == CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OPENED
        &&  ev->envelope->consultation_opened
        &&  streq_safe (ev->envelope->consultation_opened->consultation_id, consultation_id))
            return ev->envelope->consultation_opened;
    }
    return NULL;
}

static void
s_consultation (hub_dash_buf_t *b, const hub_dash_commission_t *c,
                const Cyclehub__V1__ConsultationState *k)
{
    static const char *status [] = { "Unknown", "Open", "Closed", "Outcome published" };
    static const char *colour [] = { "grey", "blue", "yellow", "green" };
    unsigned st = (unsigned) k->status < 4? (unsigned) k->status: 0;
    const Cyclehub__V1__ConsultationOpened *o = s_opened (c, k->consultation_id);
    char opens [HUB_DASH_DATE_MAX], closes [HUB_DASH_DATE_MAX], closed [HUB_DASH_DATE_MAX];
    hub_dash_deadline (k->opens_at_ms, opens, sizeof opens);
    hub_dash_deadline (k->closes_at_ms, closes, sizeof closes);
    hub_dash_raw (b, "<tr class=\"hub-table__row\" data-consultation=\"");
    hub_dash_text (b, k->consultation_id);
    hub_dash_raw (b, "\"><th scope=\"row\" class=\"hub-table__cell\">");
    hub_dash_text (b, o && o->title && *o->title? o->title: k->consultation_id);
    hub_dash_raw (b, "<br><span class=\"hub-secondary hub-id\">");
    hub_dash_text (b, k->consultation_id);
    hub_dash_rawf (b, "</span></th><td class=\"hub-table__cell\"><strong class=\"hub-tag hub-tag--%s\">"
                      "%s</strong></td><td class=\"hub-table__cell\">", colour [st], status [st]);
    hub_dash_text (b, opens);
    hub_dash_raw (b, " to ");
    hub_dash_text (b, closes);
    hub_dash_rawf (b, "</td><td class=\"hub-table__cell hub-table__cell--numeric\">%u</td>"
                      "<td class=\"hub-table__cell\"><ul class=\"hub-list hub-checks\">", k->responses);
    //  The Gunning checkpoints: consulted while formative, time to respond,
    //  closed (early only with a reason), responses taken into account
    hub_dash_rawf (b, "<li>Opened in %s</li>", hub_dash_stage_label (k->stage));
    if (k->closed_at_ms) {
        hub_dash_date (k->closed_at_ms, closed, sizeof closed);
        hub_dash_raw (b, "<li>Closed ");
        hub_dash_text (b, closed);
        if (k->early_close_reason && *k->early_close_reason) {
            hub_dash_raw (b, ", early: ");
            hub_dash_text (b, k->early_close_reason);
        }
        hub_dash_raw (b, "</li>");
    }
    hub_dash_raw (b, k->status == CYCLEHUB__V1__CONSULTATION_STATE__STATUS__STATUS_OUTCOME_PUBLISHED
                     ? "<li>Outcome published</li>": "<li>Outcome not yet published</li>");
    hub_dash_raw (b, "</ul></td></tr>\n");
}

static void
s_consultations (hub_dash_buf_t *b, const hub_dash_commission_t *c)
{
    const Cyclehub__V1__CommissionState *s = c->state;
    hub_dash_raw (b, "<h2 class=\"hub-heading-l\" id=\"consultations\">Consultations</h2>\n");
    if (s->n_consultations == 0) {
        hub_dash_raw (b, "<p class=\"hub-body\">No consultation yet.</p>\n");
        return;
    }
    hub_dash_raw (b, "<table class=\"hub-table\" id=\"hub-consultations\"><caption class=\"hub-table__caption\">"
                     "Each consultation, its dates and responses, and the Gunning checkpoints</caption>"
                     "<thead><tr><th scope=\"col\" class=\"hub-table__header\">Consultation</th>"
                     "<th scope=\"col\" class=\"hub-table__header\">Status</th>"
                     "<th scope=\"col\" class=\"hub-table__header\">Dates</th>"
                     "<th scope=\"col\" class=\"hub-table__header hub-table__cell--numeric\">Responses</th>"
                     "<th scope=\"col\" class=\"hub-table__header\">Checkpoints</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < s->n_consultations; i++)
        s_consultation (b, c, s->consultations [i]);
    hub_dash_raw (b, "</tbody></table>\n");
}

char *
hub_dash_render_commission (const hub_dash_ctx_t *ctx, const hub_dash_commission_t *c)
{
    if (!c || !c->state)
        return NULL;
    const Cyclehub__V1__CommissionState *s = c->state;
    hub_dash_buf_t b = { 0 };
    hub_dash_page_begin (&b, ctx, s->title && *s->title? s->title: s->commission_id, "commissions");
    hub_dash_raw (&b, "<a class=\"hub-back-link\" href=\"");
    hub_dash_href (&b, ctx, "/");
    hub_dash_raw (&b, "\">All commissions</a>\n<span class=\"hub-caption-l\">Commission <span class=\"hub-id\">");
    hub_dash_text (&b, s->commission_id);
    hub_dash_raw (&b, "</span></span>\n<h1 class=\"hub-heading-xl\">");
    hub_dash_text (&b, s->title && *s->title? s->title: s->commission_id);
    hub_dash_raw (&b, "</h1>\n");
    hub_dash_live_status (&b, ctx, s->commission_id);
    s_summary (&b, ctx, s);
    hub_dash_timeline (&b, ctx, c);
    s_waiting (&b, ctx, c);
    s_consultations (&b, c);
    hub_dash_procurements (&b, ctx, c);
    hub_dash_contracts (&b, ctx, c);
    hub_dash_raw (&b, "<h2 class=\"hub-heading-l\" id=\"latest\">Latest events</h2>\n");
    hub_dash_latest_events (&b, ctx, c, LATEST_EVENTS);
    hub_dash_page_end (&b, ctx);
    return hub_dash_buf_finish (&b);
}
