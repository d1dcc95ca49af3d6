/*  hub_dash_kpi: one KPI's chart: a bar per reported period (kpi.reported),
    coloured by its red/amber/green rating and labelled with it (colour is
    never the only sign), the target as a dashed mark, and the same data as
    a visually hidden table and the SVG's title and description.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "hub_dash_priv.h"

#define MAX_POINTS 24           //  the latest periods drawn; the table has the same
#define W 640.0
#define H 250.0
#define LEFT 60.0
#define RIGHT 16.0
#define TOP 24.0
#define BOTTOM 64.0

static const char *s_rating_name [] = { "no rating", "green", "amber", "red" };
static const char *s_rating_fill [] = { "#505a5f", "#00703c", "#b35c00", "#d4351c" };

static int
s_by_period (const void *a, const void *b)
{
    const Cyclehub__V1__KpiReported *x = *(const Cyclehub__V1__KpiReported *const *) a;
    const Cyclehub__V1__KpiReported *y = *(const Cyclehub__V1__KpiReported *const *) b;
    int64_t px = x->period? x->period->start_ms: 0, py = y->period? y->period->start_ms: 0;
    return px < py? -1: px > py;
}

static size_t
s_points (const hub_dash_commission_t *c, const char *contract_id, const char *code,
          const Cyclehub__V1__KpiReported **pts)
{
    size_t n = 0;
    for (size_t i = c->n_events; i-- > 0 && n < MAX_POINTS; ) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (hub_dash_event_of (ev, c->state->commission_id)
        &&  ev->envelope->body_case == CYCLEHUB__V1__ENVELOPE__BODY_KPI_REPORTED
        &&  ev->envelope->kpi_reported
        &&  streq_safe (ev->envelope->kpi_reported->contract_id, contract_id)
        &&  streq_safe (ev->envelope->kpi_reported->kpi_code, code))
            pts [n++] = ev->envelope->kpi_reported;
    }
    qsort (pts, n, sizeof *pts, s_by_period);
    return n;
}

//  "Jul to Sep 2026" (the period's months), or "Jul 2026"
static void
s_period (const Cyclehub__V1__KpiReported *k, char *buf, size_t size)
{
    char from [16], to [16];
    int64_t start = k->period? k->period->start_ms: 0, end = k->period? k->period->end_ms: start;
    hub_dash_month (start, from, sizeof from);
    hub_dash_month (end - HUB_DASH_PERIOD_END_SLACK_MS, to, sizeof to);
    if (strcmp (from, to) == 0)
        snprintf (buf, size, "%s", from);
    else if (strcmp (from + 4, to + 4) == 0)
        snprintf (buf, size, "%.3s to %s", from, to);
    else
        snprintf (buf, size, "%s to %s", from, to);
}

//  A round top for the value axis: 1, 2 or 5 times a power of ten
static double
s_nice (double max)
{
    if (!(max > 0))
        return 1;
    double p = pow (10, floor (log10 (max)));
    for (double m = 1; m <= 10; m = m == 1? 2: m == 2? 5: 10)
        if (m * p >= max)
            return m * p;
    return 10 * p;
}

static void
s_table (hub_dash_buf_t *b, const Cyclehub__V1__KpiReported **pts, size_t n, const char *unit)
{
    char period [96], v [64], t [64];
    hub_dash_raw (b, "<table class=\"hub-visually-hidden\"><caption>Reported value against target "
                     "per period</caption><thead><tr><th scope=\"col\">Period</th><th scope=\"col\">Value</th>"
                     "<th scope=\"col\">Target</th><th scope=\"col\">Rating</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        unsigned r = (unsigned) pts [i]->rating < 4? (unsigned) pts [i]->rating: 0;
        s_period (pts [i], period, sizeof period);
        hub_dash_number (pts [i]->value, v, sizeof v);
        hub_dash_number (pts [i]->target, t, sizeof t);
        hub_dash_raw (b, "<tr><th scope=\"row\">");
        hub_dash_text (b, period);
        hub_dash_raw (b, "</th><td>");
        hub_dash_text (b, v);
        hub_dash_text (b, unit);
        hub_dash_raw (b, "</td><td>");
        hub_dash_text (b, t);
        hub_dash_text (b, unit);
        hub_dash_rawf (b, "</td><td>%s</td></tr>", s_rating_name [r]);
    }
    hub_dash_raw (b, "</tbody></table>\n");
}

static void
s_axis (hub_dash_buf_t *b, double top, const char *unit)
{
    char label [64];
    double plot_h = H - TOP - BOTTOM;
    for (int i = 0; i <= 4; i++) {
        double y = TOP + plot_h - plot_h * i / 4;
        hub_dash_number (top * i / 4, label, sizeof label);
        hub_dash_rawf (b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"hub-svg-small\">",
                       LEFT, W - RIGHT, y, y, i? "#b1b4b6": "#0b0c0c", LEFT - 6, y + 4);
        hub_dash_text (b, label);
        hub_dash_text (b, unit);
        hub_dash_raw (b, "</text>");
    }
}

static void
s_bar (hub_dash_buf_t *b, const Cyclehub__V1__KpiReported *k, double cx, double slot, double top)
{
    double plot_h = H - TOP - BOTTOM, base = TOP + plot_h;
    unsigned r = (unsigned) k->rating < 4? (unsigned) k->rating: 0;
    char v [64], t [64], period [96];
    hub_dash_number (k->value, v, sizeof v);
    hub_dash_number (k->target, t, sizeof t);
    s_period (k, period, sizeof period);
    double bw = slot * 0.5 < 56? slot * 0.5: 56;
    double vh = isfinite (k->value) && k->value > 0? plot_h * fmin (k->value / top, 1): 0;
    double ty = base - (isfinite (k->target) && k->target > 0? plot_h * fmin (k->target / top, 1): 0);
    hub_dash_rawf (b, "<g class=\"hub-kpi__point\" data-rating=\"%s\" data-value=\"", s_rating_name [r]);
    hub_dash_text (b, v);
    hub_dash_raw (b, "\" data-target=\"");
    hub_dash_text (b, t);
    hub_dash_raw (b, "\"><title>");
    hub_dash_text (b, period);
    hub_dash_raw (b, ": ");
    hub_dash_text (b, v);
    hub_dash_raw (b, " against a target of ");
    hub_dash_text (b, t);
    hub_dash_rawf (b, ", %s</title>", s_rating_name [r]);
    hub_dash_rawf (b, "<rect class=\"hub-kpi__bar hub-kpi__bar--%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                      "height=\"%.1f\" fill=\"%s\"/>", s_rating_name [r] [0] == 'n'? "none": s_rating_name [r],
                   cx - bw / 2, base - vh, bw, vh, s_rating_fill [r]);
    hub_dash_rawf (b, "<line class=\"hub-kpi__target\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                      "stroke=\"#0b0c0c\" stroke-width=\"3\" stroke-dasharray=\"6 3\"/>",
                   cx - bw / 2 - 8, cx + bw / 2 + 8, ty, ty);
    //  The value above both the bar and the target mark, so neither hides it
    double label_y = fmin (base - vh, ty) - 8;
    hub_dash_rawf (b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"hub-svg-value\">",
                   cx, label_y < TOP + 4? TOP + 4: label_y);
    hub_dash_text (b, v);
    hub_dash_rawf (b, "</text><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"hub-svg-small\">",
                   cx, base + 18);
    hub_dash_text (b, period);
    hub_dash_rawf (b, "</text><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"hub-svg-small "
                      "hub-svg-strong\">%s</text></g>", cx, base + 36,
                   r == 1? "Green": r == 2? "Amber": r == 3? "Red": "No rating");
}

void
hub_dash_kpi_chart (hub_dash_buf_t *b, const hub_dash_commission_t *c, const char *contract_id,
                    const Cyclehub__V1__Kpi *kpi, const char *code, int index)
{
    const Cyclehub__V1__KpiReported *pts [MAX_POINTS];
    size_t n = s_points (c, contract_id, code, pts);
    const char *unit = kpi && kpi->unit? kpi->unit: "";
    hub_dash_raw (b, "<div class=\"hub-kpi\" data-kpi=\"");
    hub_dash_text (b, code);
    hub_dash_raw (b, "\"><h4 class=\"hub-heading-s\">KPI <span class=\"hub-id\">");
    hub_dash_text (b, code);
    hub_dash_raw (b, "</span>");
    if (kpi && kpi->description && *kpi->description) {
        hub_dash_raw (b, ": ");
        hub_dash_text (b, kpi->description);
    }
    hub_dash_raw (b, "</h4>\n");
    if (n == 0) {
        hub_dash_raw (b, "<p class=\"hub-body\">No report yet.</p></div>\n");
        return;
    }
    double top = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite (pts [i]->value) && pts [i]->value > top) top = pts [i]->value;
        if (isfinite (pts [i]->target) && pts [i]->target > top) top = pts [i]->target;
    }
    top = s_nice (top * 1.1);
    hub_dash_rawf (b, "<svg class=\"hub-kpi__chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                      "aria-labelledby=\"kpi-%d-title kpi-%d-desc\"><title id=\"kpi-%d-title\">KPI ",
                   W, H, index, index, index);
    hub_dash_text (b, code);
    hub_dash_rawf (b, ": reported value against target, %zu period%s</title><desc id=\"kpi-%d-desc\">",
                   n, n == 1? "": "s", index);
    for (size_t i = 0; i < n; i++) {
        char period [96], v [64], t [64];
        s_period (pts [i], period, sizeof period);
        hub_dash_number (pts [i]->value, v, sizeof v);
        hub_dash_number (pts [i]->target, t, sizeof t);
        hub_dash_text (b, period);
        hub_dash_raw (b, ": ");
        hub_dash_text (b, v);
        hub_dash_raw (b, " against ");
        hub_dash_text (b, t);
        hub_dash_rawf (b, " (%s). ", s_rating_name [(unsigned) pts [i]->rating < 4? pts [i]->rating: 0]);
    }
    hub_dash_raw (b, "</desc>");
    s_axis (b, top, unit);
    double slot = (W - LEFT - RIGHT) / (double) (n < 4? 4: n);
    for (size_t i = 0; i < n; i++)
        s_bar (b, pts [i], LEFT + slot * (i + 0.5), slot, top);
    hub_dash_raw (b, "</svg>\n<p class=\"hub-kpi__legend hub-secondary\">Bars: reported value, coloured by "
                     "its rating. Dashed line: target.</p>\n");
    s_table (b, pts, n, unit);
    hub_dash_raw (b, "</div>\n");
}
