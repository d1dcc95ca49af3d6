/*  hub_dash_timeline: the cycle as an SVG over time: the stages (analyse,
    plan, do, review) as coloured bands, a boundary at each stage change (a
    heavier one, labelled, where review goes back to analyse: the next
    cycle), and each event a mark in its lane (commission, consultation,
    procurement, contract) titled with its type and date. The same facts
    follow as a table, for anyone who cannot see the picture.
*/
#include <stdio.h>
#include "hub_dash_priv.h"
#include "hub_time.h"

#define W 960.0
#define LEFT 120.0
#define RIGHT 20.0
#define BAND_TOP 8.0
#define LANE_TOP 40.0
#define LANE_H 40.0
#define LANES 4
#define AXIS_H 30.0
#define MAX_MARKS 2000          //  the latest events drawn; older ones stay in the table
#define DAY_MS 86400000LL
#define MIN_SPAN_DAYS 60        //  the shortest time axis drawn

static const char *s_lane_name [LANES] = { "Commission", "Consultation", "Procurement", "Contract" };
static const char *s_lane_fill [LANES] = { "#1d70b8", "#912b88", "#0b0c0c", "#00703c" };

static int
s_lane (Cyclehub__V1__Envelope__BodyCase bc)
{
    if (bc >= 20 && bc < 30) return 1;
    if (bc == CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED) return 1;
    if (bc >= 30 && bc <= 37) return 2;
    if (bc >= 38 && bc <= 53) return 3;
    return 0;
}

//  Band colours: light tints of the stage tags' colours
static const char *
s_band_fill (Cyclehub__V1__Stage st)
{
    switch (st) {
        case CYCLEHUB__V1__STAGE__STAGE_ANALYSE: return "#d2e2f1";
        case CYCLEHUB__V1__STAGE__STAGE_PLAN:    return "#efdfed";
        case CYCLEHUB__V1__STAGE__STAGE_DO:      return "#cce2d8";
        case CYCLEHUB__V1__STAGE__STAGE_REVIEW:  return "#fcd6c3";
        default:                                 return "#e5e6e7";
    }
}

typedef struct {
    int64_t t0, t1;             //  the time axis
} s_scale_t;

static double
s_x (const s_scale_t *sc, int64_t t)
{
    double f = (double) (t - sc->t0) / (double) (sc->t1 - sc->t0);
    return LEFT + f * (W - LEFT - RIGHT);
}

static void
s_band (hub_dash_buf_t *b, const s_scale_t *sc, Cyclehub__V1__Stage st, int64_t from, int64_t to)
{
    double x0 = s_x (sc, from), x1 = s_x (sc, to);
    double bottom = LANE_TOP + LANES * LANE_H;
    hub_dash_rawf (b, "<g class=\"hub-band\" data-stage=\"%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                      "height=\"%.1f\" fill=\"%s\"/>", hub_proto_stage_name (st), x0, BAND_TOP,
                   x1 - x0, bottom - BAND_TOP, s_band_fill (st));
    if (x1 - x0 > 44)
        hub_dash_rawf (b, "<text x=\"%.1f\" y=\"%.1f\" class=\"hub-svg-strong\">%s</text>",
                       x0 + 6, BAND_TOP + 20, hub_dash_stage_label (st));
    hub_dash_raw (b, "</g>");
}

static void
s_boundary (hub_dash_buf_t *b, const s_scale_t *sc, const Cyclehub__V1__Event *ev, uint32_t *cycle)
{
    double x = s_x (sc, ev->recorded_at_ms), bottom = LANE_TOP + LANES * LANE_H;
    bool next_cycle = ev->change->from == CYCLEHUB__V1__STAGE__STAGE_REVIEW
                   && ev->change->to == CYCLEHUB__V1__STAGE__STAGE_ANALYSE;
    hub_dash_rawf (b, "<line class=\"hub-boundary%s\" data-from=\"%s\" data-to=\"%s\" x1=\"%.1f\" x2=\"%.1f\" "
                      "y1=\"%.1f\" y2=\"%.1f\" stroke=\"#0b0c0c\" stroke-width=\"%d\"%s/>",
                   next_cycle? " hub-boundary--cycle": "", hub_proto_stage_name (ev->change->from),
                   hub_proto_stage_name (ev->change->to), x, x, BAND_TOP, bottom + 4,
                   next_cycle? 4: 1, next_cycle? " stroke-dasharray=\"8 4\"": "");
    if (next_cycle)
        hub_dash_rawf (b, "<text x=\"%.1f\" y=\"%.1f\" class=\"hub-svg-strong\">Cycle %u begins</text>",
                       x + 6, BAND_TOP + 38, ++*cycle);
}

//  Month ticks at each month's first day (UK): every month, or every 3, 6
//  or 12 months on a long axis
static void
s_axis (hub_dash_buf_t *b, const s_scale_t *sc)
{
    double y = LANE_TOP + LANES * LANE_H;
    int64_t span_months = (sc->t1 - sc->t0) / (30 * DAY_MS) + 1;
    int step = span_months <= 12? 1: span_months <= 36? 3: span_months <= 72? 6: 12;
    char label [HUB_DASH_DATE_MAX], last [HUB_DASH_DATE_MAX];
    hub_dash_month (sc->t0, last, sizeof last);
    int month = 0;
    //  Walk day by day only to find month starts: a few thousand steps at most
    for (int64_t day = sc->t0 / DAY_MS + 1; day * DAY_MS < sc->t1; day++) {
        hub_dash_month (day * DAY_MS, label, sizeof label);
        if (strcmp (label, last) == 0)
            continue;
        snprintf (last, sizeof last, "%s", label);
        if (month++ % step)
            continue;
        double x = s_x (sc, day * DAY_MS);
        hub_dash_rawf (b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#505a5f\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"hub-svg-small\">",
                       x, x, y, y + 6, x, y + 20);
        hub_dash_text (b, label);
        hub_dash_raw (b, "</text>");
    }
}

static void
s_mark (hub_dash_buf_t *b, const s_scale_t *sc, const Cyclehub__V1__Event *ev, double *last_x, int *stack)
{
    int lane = s_lane (ev->envelope->body_case);
    double x = s_x (sc, ev->recorded_at_ms);
    //  Events close together in one lane step up and down so each stays visible
    stack [lane] = x - last_x [lane] < 8? (stack [lane] + 1) % 3: 0;
    last_x [lane] = x;
    double y = LANE_TOP + lane * LANE_H + LANE_H / 2 + (stack [lane] == 1? -10: stack [lane] == 2? 10: 0);
    char date [HUB_DASH_DATE_MAX];
    hub_dash_date (ev->recorded_at_ms, date, sizeof date);
    hub_dash_rawf (b, "<g class=\"hub-mark\" data-seq=\"%llu\" data-type=\"", (unsigned long long) ev->seq);
    hub_dash_text (b, ev->type);
    hub_dash_raw (b, "\"><title>");
    hub_dash_text (b, ev->type);
    hub_dash_raw (b, ", ");
    hub_dash_text (b, date);
    hub_dash_rawf (b, "</title><circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\" stroke=\"#ffffff\" "
                      "stroke-width=\"1.5\"/></g>", x, y, s_lane_fill [lane]);
}

static void
s_table (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const hub_dash_commission_t *c)
{
    hub_dash_raw (b, "<details class=\"hub-details\"><summary class=\"hub-details__summary\">"
                     "The timeline as a table</summary><table class=\"hub-table\" id=\"hub-timeline-table\">"
                     "<thead><tr><th scope=\"col\" class=\"hub-table__header\">Date</th>"
                     "<th scope=\"col\" class=\"hub-table__header\">Stage after</th>"
                     "<th scope=\"col\" class=\"hub-table__header\">Event</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (!hub_dash_event_of (ev, c->state->commission_id))
            continue;
        char date [HUB_DASH_DATE_MAX];
        hub_dash_date (ev->recorded_at_ms, date, sizeof date);
        hub_dash_raw (b, "<tr><td class=\"hub-table__cell\">");
        hub_dash_text (b, date);
        hub_dash_rawf (b, "</td><td class=\"hub-table__cell\">%s%s</td><td class=\"hub-table__cell\">",
                       hub_dash_stage_label (ev->stage), ev->change && ev->change->from != ev->change->to
                       && ev->change->from? " (changed)": "");
        hub_dash_text (b, ev->type);
        hub_dash_raw (b, ": ");
        hub_dash_event_summary (b, ctx, ev);
        hub_dash_raw (b, "</td></tr>\n");
    }
    hub_dash_raw (b, "</tbody></table></details>\n");
}

//  The SVG's description: each stage period in words
static void
s_desc (hub_dash_buf_t *b, const hub_dash_commission_t *c, size_t marks)
{
    hub_dash_rawf (b, "<desc id=\"timeline-desc\">%zu events. ", marks);
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (!hub_dash_event_of (ev, c->state->commission_id) || !ev->change || ev->change->from == ev->change->to)
            continue;
        char date [HUB_DASH_DATE_MAX];
        hub_dash_date (ev->recorded_at_ms, date, sizeof date);
        hub_dash_rawf (b, "%s from ", hub_dash_stage_label (ev->change->to));
        hub_dash_text (b, date);
        hub_dash_raw (b, ". ");
    }
    hub_dash_raw (b, "</desc>");
}

void
hub_dash_timeline (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const hub_dash_commission_t *c)
{
    const Cyclehub__V1__CommissionState *s = c->state;
    size_t first = 0, marks = 0;
    for (size_t i = 0; i < c->n_events; i++)
        marks += hub_dash_event_of (c->events [i], s->commission_id);
    for (size_t seen = marks; seen > MAX_MARKS && first < c->n_events; first++)
        seen -= hub_dash_event_of (c->events [first], s->commission_id);
    s_scale_t sc = { s->opened_at_ms, s->updated_at_ms > ctx->now_ms? s->updated_at_ms: ctx->now_ms };
    for (size_t i = first; i < c->n_events; i++)
        if (hub_dash_event_of (c->events [i], s->commission_id) && c->events [i]->recorded_at_ms < sc.t0)
            sc.t0 = c->events [i]->recorded_at_ms;
    //  A commission whose events all fall within a few days would get an
    //  axis of hours, with no month to mark: show at least MIN_SPAN_DAYS,
    //  mostly ahead of today, where its deadlines are
    int64_t short_by = MIN_SPAN_DAYS * DAY_MS - (sc.t1 - sc.t0);
    if (short_by > 0) {
        sc.t0 -= short_by / 4;
        sc.t1 += short_by - short_by / 4;
    }
    int64_t pad = (sc.t1 - sc.t0) / 40 + DAY_MS;
    sc.t0 -= pad;
    sc.t1 += pad;
    double height = LANE_TOP + LANES * LANE_H + AXIS_H + 8;
    hub_dash_raw (b, "<h2 class=\"hub-heading-l\" id=\"timeline\">Timeline</h2>\n");
    hub_dash_rawf (b, "<svg class=\"hub-timeline\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                      "aria-labelledby=\"timeline-title timeline-desc\"><title id=\"timeline-title\">"
                      "Timeline of the commissioning cycle: stages as bands, events as marks</title>",
                   W, height);
    s_desc (b, c, marks);
    //  Bands: from the first event's stage, changing at each stage change
    Cyclehub__V1__Stage stage = s->stage;
    int64_t from = sc.t0 + pad;
    bool started = false;
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (!hub_dash_event_of (ev, s->commission_id))
            continue;
        if (!started) {
            stage = ev->change && ev->change->to? ev->change->to: ev->stage;
            from = ev->recorded_at_ms;
            started = true;
        }
        else if (ev->change && ev->change->from != ev->change->to) {
            s_band (b, &sc, stage, from, ev->recorded_at_ms);
            stage = ev->change->to;
            from = ev->recorded_at_ms;
        }
    }
    //  The stage it is in now lasts until it changes: its band runs on
    s_band (b, &sc, stage, from, sc.t1);
    for (int l = 0; l < LANES; l++)
        hub_dash_rawf (b, "<text x=\"8\" y=\"%.1f\" class=\"hub-svg-small\">%s</text><line x1=\"%.1f\" "
                          "x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#b1b4b6\"/>",
                       LANE_TOP + l * LANE_H + LANE_H / 2 + 4, s_lane_name [l], LEFT,
                       W - RIGHT, LANE_TOP + l * LANE_H + LANE_H / 2, LANE_TOP + l * LANE_H + LANE_H / 2);
    uint32_t cycle = 1;
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (hub_dash_event_of (ev, s->commission_id) && ev->change && ev->change->from
        &&  ev->change->from != ev->change->to)
            s_boundary (b, &sc, ev, &cycle);
    }
    s_axis (b, &sc);
    double last_x [LANES] = { -100, -100, -100, -100 };
    int stack [LANES] = { 0 };
    for (size_t i = first; i < c->n_events; i++)
        if (hub_dash_event_of (c->events [i], s->commission_id))
            s_mark (b, &sc, c->events [i], last_x, stack);
    double now_x = s_x (&sc, ctx->now_ms);
    hub_dash_rawf (b, "<line class=\"hub-now\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                      "stroke=\"#d4351c\" stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                      "class=\"hub-svg-small hub-svg-now\">Today</text></svg>\n", now_x, now_x, BAND_TOP,
                   LANE_TOP + LANES * LANE_H, now_x - 4, LANE_TOP + LANES * LANE_H - 4);
    s_table (b, ctx, c);
}
