/*  hub_dash_priv: what the dashboard's files share: an output buffer whose
    only way to write data is escaped, the page frame, and the formats of
    dates, money and names for people. Not for use outside hub_dash.
*/
#ifndef HUB_DASH_PRIV_H
#define HUB_DASH_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hub_dash.h"
#include <string.h>
#include "hub_proto.h"

//  Equal strings; NULL equals nothing
static inline bool
streq_safe (const char *a, const char *b)
{
    return a && b && strcmp (a, b) == 0;
}

//  Growing output. A failed allocation sets `failed`; later writes do nothing
//  and hub_dash_buf_finish returns NULL, so callers check once at the end.
typedef struct {
    char *data;                 //  malloc'd, NUL-terminated
    size_t len;                 //  bytes in data
    size_t cap;                 //  bytes allocated
    bool failed;                //  an allocation failed
} hub_dash_buf_t;

//  Markup the code wrote itself: never data
void hub_dash_raw (hub_dash_buf_t *b, const char *markup);
void hub_dash_rawf (hub_dash_buf_t *b, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
//  Data: escaped for text and attribute values (& < > " '), invalid UTF-8
//  and control characters (but tab and newline) as U+FFFD
void hub_dash_text (hub_dash_buf_t *b, const char *data);
//  Data in a URL path segment: percent-encoded, then escaped
void hub_dash_url_segment (hub_dash_buf_t *b, const char *data);
//  Returns the document (the caller frees it), or NULL if anything failed
char *hub_dash_buf_finish (hub_dash_buf_t *b);

//  The page frame: doctype, head with the CSS, header with the navigation
//  (`current`: "commissions", "hub" or NULL), the start of <main>; then the
//  end: footer and, when ctx->events_url is set, the live script
void hub_dash_page_begin (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx,
                          const char *title, const char *current);
void hub_dash_page_end (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx);
//  A link to a dashboard page: root + path (path is markup, e.g. "/hub")
void hub_dash_href (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const char *path);
//  The live status line and the attributes the script reads
void hub_dash_live_status (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx,
                           const char *commission_id);

//  The embedded assets (hub_dash_assets.c)
extern const char hub_dash_css [];
extern const char hub_dash_script [];

//  Formats for people (hub_dash_format.c). Dates are UK calendar dates
//  (Europe/London), GOV.UK style: "5 May 2026"; a deadline adds the time:
//  "15 March 2026 at 5pm", "30 April 2026 at midday", and one at midnight is
//  written as the day it closes: "midnight at the end of 14 May 2026".
#define HUB_DASH_DATE_MAX 64
void hub_dash_date (int64_t ms, char *buf, size_t size);
void hub_dash_deadline (int64_t ms, char *buf, size_t size);
//  The day a deadline falls on: one at midnight is the day it closes
void hub_dash_due_date (int64_t ms, char *buf, size_t size);
//  The last day a period covers, from its end (see hub_dash_format.c)
void hub_dash_period_end (int64_t ms, char *buf, size_t size);
#define HUB_DASH_PERIOD_END_SLACK_MS (2 * 3600000LL)
//  "Jan 2026": the month of ms (UK), for axes
void hub_dash_month (int64_t ms, char *buf, size_t size);
//  Whole days from now to ms, rounded up (a deadline later today is 1 day)
int64_t hub_dash_days_until (int64_t now_ms, int64_t ms);
//  "£128,000.00", "1,000 JPY"; "—" for no amount; from hub_money_format
#define HUB_DASH_MONEY_MAX 48
void hub_dash_money (const Cyclehub__V1__Money *m, char *buf, size_t size);
//  A number as people read it: "72.5", "3", "1,250"
void hub_dash_number (double d, char *buf, size_t size);
//  An agency: its name and org-id when the name is known, else the org-id
void hub_dash_agency (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const char *org_id);
//  The GOV.UK tag of a stage: <strong class="govuk-tag hub-stage--do" ...>Do</strong>
void hub_dash_stage_tag (hub_dash_buf_t *b, Cyclehub__V1__Stage stage);
const char *hub_dash_stage_label (Cyclehub__V1__Stage stage);
//  The day a waiting item falls due ("21 May 2027")
void hub_dash_wait_day (const hub_dash_wait_t *w, char *buf, size_t size);
//  A sentence for a waiting item: "Consultation falls-1 closes in 5 days"
void hub_dash_wait_text (hub_dash_buf_t *b, const hub_dash_wait_t *w, int64_t now_ms);

//  Events (hub_dash_events.c)
//  True if ev is an event of commission `id` with an envelope
bool hub_dash_event_of (const Cyclehub__V1__Event *ev, const char *id);
//  The id the event's body names for a field ("procurement_id"), or NULL
const char *hub_dash_event_id (const Cyclehub__V1__Event *ev, const char *field);
//  One line on what the event says, never from PersonalData: "Tender lot-1
//  published, value £125,000.00"
void hub_dash_event_summary (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx,
                             const Cyclehub__V1__Event *ev);
//  The "latest events" list (newest first, at most `max`)
void hub_dash_latest_events (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx,
                             const hub_dash_commission_t *c, size_t max);

//  The commission page's parts
void hub_dash_timeline (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx,
                        const hub_dash_commission_t *c);
void hub_dash_procurements (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx,
                            const hub_dash_commission_t *c);
void hub_dash_contracts (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx,
                         const hub_dash_commission_t *c);
void hub_dash_kpi_chart (hub_dash_buf_t *b, const hub_dash_commission_t *c,
                         const char *contract_id, const Cyclehub__V1__Kpi *kpi,
                         const char *code, int index);

#endif
