/*  hub_dash_hub: the hub's own page (events, commissions per stage, store
    size and headroom, subscribers, last commit, publish rate, events by
    type) and the sign-in page.
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "hub_dash_priv.h"
#include "hub_number.h"

static void
s_row (hub_dash_buf_t *b, const char *key, const char *value_markup)
{
    hub_dash_raw (b, "<div class=\"hub-summary__row\"><dt class=\"hub-summary__key\">");
    hub_dash_raw (b, key);
    hub_dash_raw (b, "</dt><dd class=\"hub-summary__value\">");
    hub_dash_raw (b, value_markup);
    hub_dash_raw (b, "</dd></div>");
}

static void
s_store (hub_dash_buf_t *b, const hub_dash_hub_t *hub)
{
    char used [32], max [32], line [160];
    hub_number_bytes (hub->status->store_bytes, used, sizeof used);
    if (hub->store_max_bytes == 0) {
        s_row (b, "Store size", used);
        return;
    }
    hub_number_bytes (hub->store_max_bytes, max, sizeof max);
    uint64_t free_bytes = hub->store_max_bytes > hub->status->store_bytes
                        ? hub->store_max_bytes - hub->status->store_bytes: 0;
    int pct = (int) (100.0 * (double) free_bytes / (double) hub->store_max_bytes);
    snprintf (line, sizeof line, "%s of %s", used, max);
    s_row (b, "Store size", line);
    hub_number_bytes (free_bytes, used, sizeof used);
    hub_dash_rawf (b, "<div class=\"hub-summary__row\"><dt class=\"hub-summary__key\">Headroom</dt>"
                      "<dd class=\"hub-summary__value\" data-headroom=\"%d\">%s free (%d%%)%s"
                      "<span class=\"hub-meter\" aria-hidden=\"true\"><span class=\"hub-meter__used hub-meter__used--%d\">"
                      "</span></span></dd></div>", pct, used, pct,
                   pct < 10? " <strong class=\"hub-tag hub-tag--red\">Low</strong>": "",
                   (100 - pct + 5) / 10 * 10);
}

static void
s_stages (hub_dash_buf_t *b, const hub_dash_hub_t *hub)
{
    if (!hub->commissions)
        return;
    uint64_t count [6] = { 0 };
    for (size_t i = 0; i < hub->n_commissions; i++)
        if (hub->commissions [i] && (unsigned) hub->commissions [i]->stage < 6)
            count [hub->commissions [i]->stage]++;
    hub_dash_raw (b, "<h2 class=\"hub-heading-l\">Commissions per stage</h2>\n<table class=\"hub-table\" "
                     "id=\"hub-stages\"><thead><tr><th scope=\"col\" class=\"hub-table__header\">Stage</th>"
                     "<th scope=\"col\" class=\"hub-table__header hub-table__cell--numeric\">Commissions</th>"
                     "</tr></thead><tbody>");
    for (int st = CYCLEHUB__V1__STAGE__STAGE_ANALYSE; st <= CYCLEHUB__V1__STAGE__STAGE_CLOSED; st++) {
        hub_dash_raw (b, "<tr><td class=\"hub-table__cell\">");
        hub_dash_stage_tag (b, (Cyclehub__V1__Stage) st);
        hub_dash_rawf (b, "</td><td class=\"hub-table__cell hub-table__cell--numeric\">%" PRIu64 "</td></tr>",
                       count [st]);
    }
    hub_dash_raw (b, "</tbody></table>\n");
}

static void
s_counts (hub_dash_buf_t *b, const char *heading, const char *id, const char *what,
          Cyclehub__V1__Count **counts, size_t n)
{
    if (n == 0)
        return;
    hub_dash_rawf (b, "<h2 class=\"hub-heading-l\">%s</h2>\n<table class=\"hub-table\" id=\"%s\"><thead><tr>"
                      "<th scope=\"col\" class=\"hub-table__header\">%s</th><th scope=\"col\" "
                      "class=\"hub-table__header hub-table__cell--numeric\">Events</th></tr></thead><tbody>",
                   heading, id, what);
    for (size_t i = 0; i < n; i++) {
        hub_dash_raw (b, "<tr><td class=\"hub-table__cell\">");
        hub_dash_text (b, counts [i]->key);
        hub_dash_rawf (b, "</td><td class=\"hub-table__cell hub-table__cell--numeric\">%" PRIu64 "</td></tr>",
                       counts [i]->count);
    }
    hub_dash_raw (b, "</tbody></table>\n");
}

//  Events by the stage they left their commission in, in the cycle's order
//  and tagged as the commissions above (the counts come keyed by name)
static void
s_stage_counts (hub_dash_buf_t *b, Cyclehub__V1__Count **counts, size_t n)
{
    if (n == 0)
        return;
    hub_dash_raw (b, "<h2 class=\"hub-heading-l\">Events by stage</h2>\n<table class=\"hub-table\" "
                     "id=\"hub-per-stage\"><thead><tr><th scope=\"col\" class=\"hub-table__header\">"
                     "Stage after the event</th><th scope=\"col\" class=\"hub-table__header "
                     "hub-table__cell--numeric\">Events</th></tr></thead><tbody>");
    for (int st = CYCLEHUB__V1__STAGE__STAGE_ANALYSE; st <= CYCLEHUB__V1__STAGE__STAGE_CLOSED; st++) {
        uint64_t count = 0;
        for (size_t i = 0; i < n; i++)
            if (counts [i]->key
            &&  strcmp (counts [i]->key, hub_proto_stage_name ((Cyclehub__V1__Stage) st)) == 0)
                count = counts [i]->count;
        hub_dash_raw (b, "<tr><td class=\"hub-table__cell\">");
        hub_dash_stage_tag (b, (Cyclehub__V1__Stage) st);
        hub_dash_rawf (b, "</td><td class=\"hub-table__cell hub-table__cell--numeric\">%" PRIu64 "</td></tr>",
                       count);
    }
    hub_dash_raw (b, "</tbody></table>\n");
}

//  How long the broker has run, as a person says it
static void
s_uptime (char *line, size_t size, uint64_t ms)
{
    uint64_t hours = ms / 3600000, days = hours / 24;
    if (hours == 0)
        snprintf (line, size, "under an hour");
    else
    if (days == 0)
        snprintf (line, size, "%" PRIu64 " hour%s", hours, hours == 1? "": "s");
    else
        snprintf (line, size, "%" PRIu64 " day%s %" PRIu64 " hour%s", days, days == 1? "": "s",
                  hours % 24, hours % 24 == 1? "": "s");
}

char *
hub_dash_render_hub (const hub_dash_ctx_t *ctx, const hub_dash_hub_t *hub)
{
    if (!hub || !hub->status)
        return NULL;
    const Cyclehub__V1__Status *st = hub->status;
    hub_dash_buf_t b = { 0 };
    char line [128], date [HUB_DASH_DATE_MAX];
    hub_dash_page_begin (&b, ctx, "Hub status", "hub");
    hub_dash_raw (&b, "<h1 class=\"hub-heading-xl\">Hub status</h1>\n");
    hub_dash_live_status (&b, ctx, NULL);
    hub_dash_raw (&b, "<dl class=\"hub-summary\" id=\"hub-status\">");
    hub_dash_raw (&b, "<div class=\"hub-summary__row\"><dt class=\"hub-summary__key\">Hub</dt>"
                      "<dd class=\"hub-summary__value hub-id\">");
    hub_dash_text (&b, st->hub_id && *st->hub_id? st->hub_id: "unnamed");
    hub_dash_raw (&b, "</dd></div>");
    snprintf (line, sizeof line, "%" PRIu64 " (the last event's number)", st->last_seq);
    s_row (&b, "Events stored", line);
    snprintf (line, sizeof line, "%" PRIu64, st->commissions);
    s_row (&b, "Commissions", line);
    s_store (&b, hub);
    if (hub->subscribers >= 0) {
        snprintf (line, sizeof line, "%" PRId64, hub->subscribers);
        s_row (&b, "Connected subscribers", line);
    }
    if (hub->last_commit_ms > 0) {
        hub_dash_deadline (hub->last_commit_ms, date, sizeof date);
        s_row (&b, "Last commit", date);
    }
    snprintf (line, sizeof line, "%.1f per second (last 10 seconds)", st->publish_rate);
    s_row (&b, "Publish rate", line);
    s_uptime (line, sizeof line, st->uptime_ms);
    s_row (&b, "Running for", line);
    hub_dash_raw (&b, "</dl>\n");
    s_stages (&b, hub);
    s_stage_counts (&b, st->per_stage, st->n_per_stage);
    s_counts (&b, "Events by type", "hub-per-type", "Message type", st->per_type, st->n_per_type);
    hub_dash_page_end (&b, ctx);
    return hub_dash_buf_finish (&b);
}

char *
hub_dash_render_signin (const hub_dash_ctx_t *ctx, const char *error)
{
    hub_dash_buf_t b = { 0 };
    bool err = error && *error;
    hub_dash_page_begin (&b, ctx, err? "Error: Sign in": "Sign in", NULL);
    if (err) {
        hub_dash_raw (&b, "<div class=\"hub-error-summary\" role=\"alert\" tabindex=\"-1\">"
                          "<h2 class=\"hub-error-summary__title\">There is a problem</h2><ul class=\"hub-list\">"
                          "<li><a href=\"#token\">");
        hub_dash_text (&b, error);
        hub_dash_raw (&b, "</a></li></ul></div>\n");
    }
    hub_dash_raw (&b, "<h1 class=\"hub-heading-xl\">Sign in to the dashboard</h1>\n"
                      "<p class=\"hub-body\">Use an access token of your agency. Ask the hub's operator "
                      "for one (<code>cyclehub tokens new</code>).</p>\n<form method=\"post\" action=\"");
    hub_dash_href (&b, ctx, "/sign-in");
    hub_dash_rawf (&b, "\" novalidate><div class=\"hub-form-group%s\">"
                       "<label class=\"hub-label\" for=\"token\">Access token</label>"
                       "<div class=\"hub-hint\" id=\"token-hint\">It is kept in a cookie for this site "
                       "only, never in the address.</div>", err? " hub-form-group--error": "");
    if (err) {
        hub_dash_raw (&b, "<p class=\"hub-error-message\" id=\"token-error\"><span class=\"hub-visually-hidden\">"
                          "Error:</span> ");
        hub_dash_text (&b, error);
        hub_dash_raw (&b, "</p>");
    }
    hub_dash_rawf (&b, "<input class=\"hub-input%s\" id=\"token\" name=\"token\" type=\"password\" "
                       "autocomplete=\"off\" spellcheck=\"false\" aria-describedby=\"token-hint%s\">"
                       "</div><button type=\"submit\" class=\"hub-button\">Sign in</button></form>\n",
                   err? " hub-input--error": "", err? " token-error": "");
    hub_dash_page_end (&b, ctx);
    return hub_dash_buf_finish (&b);
}
