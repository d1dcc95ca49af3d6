/*  hub_dash_list: the commissions page, one row per commission: title and
    id (a link to its page), stage tag, lead agency, next deadline and what
    is waiting (hub_dash_waiting).
*/
#include <stdio.h>
#include "hub_dash_priv.h"

#define WAIT_SHOWN 4            //  items listed per row; the commission's page has them all
#define WAIT_MAX   64           //  items looked at for the next deadline

static void
s_row (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const hub_dash_commission_t *c)
{
    const Cyclehub__V1__CommissionState *s = c->state;
    hub_dash_raw (b, "<tr class=\"hub-table__row\" data-commission=\"");
    hub_dash_text (b, s->commission_id);
    hub_dash_raw (b, "\"><th scope=\"row\" class=\"hub-table__cell\"><a href=\"");
    hub_dash_href (b, ctx, "/commissions/");
    hub_dash_url_segment (b, s->commission_id);
    hub_dash_raw (b, "\">");
    hub_dash_text (b, s->title && *s->title? s->title: s->commission_id);
    hub_dash_raw (b, "</a><br><span class=\"hub-secondary hub-id\">");
    hub_dash_text (b, s->commission_id);
    hub_dash_rawf (b, "</span></th><td class=\"hub-table__cell\">");
    hub_dash_stage_tag (b, s->stage);
    hub_dash_rawf (b, "<br><span class=\"hub-secondary\">cycle %u</span></td>"
                      "<td class=\"hub-table__cell\">", s->cycle);
    hub_dash_agency (b, ctx, s->owner);
    hub_dash_raw (b, "</td><td class=\"hub-table__cell\">");

    hub_dash_wait_t waits [WAIT_MAX];
    size_t n = hub_dash_waiting (c, ctx->now_ms, waits, WAIT_MAX);
    size_t shown = n < WAIT_SHOWN? n: WAIT_SHOWN;
    const hub_dash_wait_t *next = NULL;
    for (size_t i = 0; i < n && i < WAIT_MAX && !next; i++)
        if (!waits [i].overdue && waits [i].at_ms > ctx->now_ms)
            next = &waits [i];
    if (next) {
        char when [HUB_DASH_DATE_MAX];
        hub_dash_wait_day (next, when, sizeof when);
        hub_dash_text (b, when);
    }
    else
        hub_dash_raw (b, "<span class=\"hub-secondary\">None</span>");
    hub_dash_raw (b, "</td><td class=\"hub-table__cell\">");
    if (shown == 0)
        hub_dash_raw (b, "<span class=\"hub-secondary\">Nothing waiting</span>");
    else {
        hub_dash_raw (b, "<ul class=\"hub-list\">");
        for (size_t i = 0; i < shown; i++) {
            hub_dash_raw (b, waits [i].overdue? "<li class=\"hub-wait hub-wait--overdue\">"
                                              : "<li class=\"hub-wait\">");
            if (waits [i].overdue)
                hub_dash_raw (b, "<strong class=\"hub-tag hub-tag--red\">Overdue</strong> ");
            hub_dash_wait_text (b, &waits [i], ctx->now_ms);
            hub_dash_raw (b, "</li>");
        }
        if (n > shown)
            hub_dash_rawf (b, "<li class=\"hub-secondary\">and %zu more</li>", n - shown);
        hub_dash_raw (b, "</ul>");
    }
    hub_dash_raw (b, "</td></tr>\n");
}

char *
hub_dash_render_commissions (const hub_dash_ctx_t *ctx, const hub_dash_commission_t *list, size_t n)
{
    hub_dash_buf_t b = { 0 };
    char today [HUB_DASH_DATE_MAX];
    hub_dash_date (ctx->now_ms, today, sizeof today);
    hub_dash_page_begin (&b, ctx, "Commissions", "commissions");
    hub_dash_raw (&b, "<h1 class=\"hub-heading-xl\">Commissions</h1>\n");
    hub_dash_live_status (&b, ctx, NULL);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += list [i].state != NULL;
    hub_dash_rawf (&b, "<p class=\"hub-body\">%zu commission%s on this hub. Deadlines are counted "
                       "from ", count, count == 1? "": "s");
    hub_dash_text (&b, today);
    hub_dash_raw (&b, ".</p>\n");
    if (count == 0) {
        hub_dash_raw (&b, "<p class=\"hub-body\">No commission has been opened yet.</p>\n");
        hub_dash_page_end (&b, ctx);
        return hub_dash_buf_finish (&b);
    }
    hub_dash_raw (&b, "<table class=\"hub-table\" id=\"hub-commissions\">"
                      "<caption class=\"hub-visually-hidden\">Commissions, their stage, lead agency "
                      "and what each is waiting for</caption>\n<thead><tr>"
                      "<th scope=\"col\" class=\"hub-table__header\">Commission</th>"
                      "<th scope=\"col\" class=\"hub-table__header\">Stage</th>"
                      "<th scope=\"col\" class=\"hub-table__header\">Lead agency</th>"
                      "<th scope=\"col\" class=\"hub-table__header\">Next deadline</th>"
                      "<th scope=\"col\" class=\"hub-table__header\">Waiting for</th>"
                      "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++)
        if (list [i].state)
            s_row (&b, ctx, &list [i]);
    hub_dash_raw (&b, "</tbody></table>\n");
    hub_dash_page_end (&b, ctx);
    return hub_dash_buf_finish (&b);
}
