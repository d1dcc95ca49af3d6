/*  hub_dash_format: dates, money, numbers, agencies, stage tags and the
    sentences of what a commission waits for, written for people (GOV.UK
    style: "5 May 2026", "15 March 2026 at 5pm", "£128,000.00"). Dates are
    UK time, as the standstill rule counts them. Money goes through
    hub_money_format, numbers through hub_number_format: exact, then grouped.
*/
#include <stdio.h>
#include <string.h>
#include "hub_dash_priv.h"
#include "hub_money.h"
#include "hub_number.h"

#define DAY_MS 86400000LL

//  Days since 1970-01-01 to the civil date, and back (proleptic Gregorian)
static void
s_civil (int64_t days, int *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0? days: days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int) (doy - (153 * mp + 2) / 5 + 1);
    *m = (int) (mp < 10? mp + 3: mp - 9);
    *y = (int) (yoe + era * 400 + (*m <= 2));
}

static int64_t
s_days (int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0? y: y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2? m - 3: m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

//  01:00 UTC on the last Sunday of the month (31 days in March and October)
static int64_t
s_last_sunday_1am (int y, int m)
{
    int64_t days = s_days (y, m, 31);
    int64_t weekday = ((days % 7) + 11) % 7;      //  0 = Sunday (1970-01-01 was a Thursday)
    return (days - weekday) * DAY_MS + 3600000LL;
}

//  UK wall-clock time as ms: GMT, or BST (+1h) between the two changes
static int64_t
s_uk (int64_t ms)
{
    int y, m, d;
    s_civil (ms >= 0? ms / DAY_MS: (ms - DAY_MS + 1) / DAY_MS, &y, &m, &d);
    bool bst = ms >= s_last_sunday_1am (y, 3) && ms < s_last_sunday_1am (y, 10);
    return bst? ms + 3600000LL: ms;
}

static const char *s_months [] = { "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December" };

static void
s_local_date (int64_t local, char *buf, size_t size)
{
    int y, m, d;
    s_civil (local >= 0? local / DAY_MS: (local - DAY_MS + 1) / DAY_MS, &y, &m, &d);
    snprintf (buf, size, "%d %s %d", d, s_months [m - 1], y);
}

void
hub_dash_date (int64_t ms, char *buf, size_t size)
{
    s_local_date (s_uk (ms), buf, size);
}

void
hub_dash_deadline (int64_t ms, char *buf, size_t size)
{
    int64_t local = s_uk (ms);
    int64_t in_day = ((local % DAY_MS) + DAY_MS) % DAY_MS;
    int hour = (int) (in_day / 3600000LL), minute = (int) (in_day / 60000LL % 60);
    char date [HUB_DASH_DATE_MAX];
    if (in_day == 0) {
        //  A deadline at midnight closes the day before it: say so
        s_local_date (local - 1, date, sizeof date);
        snprintf (buf, size, "midnight at the end of %s", date);
        return;
    }
    s_local_date (local, date, sizeof date);
    if (hour == 12 && minute == 0)
        snprintf (buf, size, "%s at midday", date);
    else if (minute == 0)
        snprintf (buf, size, "%s at %d%s", date, hour % 12? hour % 12: 12, hour < 12? "am": "pm");
    else
        snprintf (buf, size, "%s at %d:%02d%s", date, hour % 12? hour % 12: 12, minute,
                  hour < 12? "am": "pm");
}

void
hub_dash_due_date (int64_t ms, char *buf, size_t size)
{
    int64_t local = s_uk (ms);
    s_local_date (((local % DAY_MS) + DAY_MS) % DAY_MS == 0? local - 1: local, buf, size);
}

//  A period's end is shown as the last day it covers: one ending at midnight
//  ends the day before, and so does one ending at 23:59:59 written in UTC
//  while the UK is on summer time (00:59 BST the next day), as reporters
//  often write it
void
hub_dash_period_end (int64_t ms, char *buf, size_t size)
{
    hub_dash_date (ms - HUB_DASH_PERIOD_END_SLACK_MS, buf, size);
}

void
hub_dash_month (int64_t ms, char *buf, size_t size)
{
    int64_t local = s_uk (ms);
    int y, m, d;
    s_civil (local >= 0? local / DAY_MS: (local - DAY_MS + 1) / DAY_MS, &y, &m, &d);
    snprintf (buf, size, "%.3s %d", s_months [m - 1], y);
}

int64_t
hub_dash_days_until (int64_t now_ms, int64_t ms)
{
    if (ms <= now_ms)
        return 0;
    return (ms - now_ms + DAY_MS - 1) / DAY_MS;
}

//  Inserts a comma every three digits of the integer part of text
static void
s_group (const char *text, char *buf, size_t size)
{
    const char *digits = text [0] == '-'? text + 1: text;
    size_t int_len = strcspn (digits, ".");
    size_t o = 0;
    if (text [0] == '-' && o + 1 < size)
        buf [o++] = '-';
    for (size_t i = 0; digits [i] && o + 1 < size; i++) {
        if (i > 0 && i < int_len && (int_len - i) % 3 == 0 && o + 2 < size)
            buf [o++] = ',';
        buf [o++] = digits [i];
    }
    buf [o] = 0;
}

void
hub_dash_money (const Cyclehub__V1__Money *m, char *buf, size_t size)
{
    char text [HUB_MONEY_TEXT_MAX], grouped [HUB_DASH_MONEY_MAX];
    if (!m || !m->currency || hub_money_format (m->amount, m->currency, text, sizeof text) < 0) {
        snprintf (buf, size, "not given");
        return;
    }
    s_group (text, grouped, sizeof grouped);
    if (strcmp (m->currency, "GBP") == 0)
        snprintf (buf, size, "\xC2\xA3%s", grouped);
    else
        snprintf (buf, size, "%s %s", grouped, m->currency);
}

void
hub_dash_number (double d, char *buf, size_t size)
{
    char text [HUB_NUMBER_TEXT_MAX];
    if (hub_number_format (d, text, sizeof text) < 0 || strchr (text, 'e') || strchr (text, 'N')
    ||  strchr (text, 'I'))
        snprintf (buf, size, "%s", text);
    else
        s_group (text, buf, size);
}

void
hub_dash_agency (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const char *org_id)
{
    const char *name = ctx->name_of && org_id? ctx->name_of (org_id, ctx->name_arg): NULL;
    if (name && *name) {
        hub_dash_text (b, name);
        hub_dash_raw (b, " <span class=\"hub-secondary\">");
        hub_dash_text (b, org_id);
        hub_dash_raw (b, "</span>");
    }
    else
        hub_dash_text (b, org_id && *org_id? org_id: "unknown");
}

const char *
hub_dash_stage_label (Cyclehub__V1__Stage stage)
{
    switch (stage) {
        case CYCLEHUB__V1__STAGE__STAGE_ANALYSE: return "Analyse";
        case CYCLEHUB__V1__STAGE__STAGE_PLAN:    return "Plan";
        case CYCLEHUB__V1__STAGE__STAGE_DO:      return "Do";
        case CYCLEHUB__V1__STAGE__STAGE_REVIEW:  return "Review";
        case CYCLEHUB__V1__STAGE__STAGE_CLOSED:  return "Closed";
        default:                                 return "Unknown";
    }
}

void
hub_dash_stage_tag (hub_dash_buf_t *b, Cyclehub__V1__Stage stage)
{
    const char *name = hub_proto_stage_name (stage);
    hub_dash_rawf (b, "<strong class=\"hub-tag hub-tag--%s\" data-stage=\"%s\">%s</strong>",
                   name, name, hub_dash_stage_label (stage));
}

void
hub_dash_wait_day (const hub_dash_wait_t *w, char *buf, size_t size)
{
    //  A KPI report is due by a day counted from a period's end, not an hour
    if (w->kind == HUB_DASH_WAIT_KPI_DUE || w->kind == HUB_DASH_WAIT_KPI_OVERDUE)
        hub_dash_period_end (w->at_ms, buf, size);
    else
        hub_dash_due_date (w->at_ms, buf, size);
}

void
hub_dash_wait_text (hub_dash_buf_t *b, const hub_dash_wait_t *w, int64_t now_ms)
{
    char when [HUB_DASH_DATE_MAX];
    if (w->kind == HUB_DASH_WAIT_KPI_DUE || w->kind == HUB_DASH_WAIT_KPI_OVERDUE)
        hub_dash_wait_day (w, when, sizeof when);
    else
        hub_dash_deadline (w->at_ms, when, sizeof when);
    int64_t days = hub_dash_days_until (now_ms, w->at_ms);
    const char *noun = w->kind <= HUB_DASH_WAIT_OUTCOME? "Consultation"
                     : w->kind <= HUB_DASH_WAIT_TENDER_TO_CLOSE? "Tender"
                     : w->kind <= HUB_DASH_WAIT_CONTRACT_TO_SIGN? "Award": "Contract";
    hub_dash_rawf (b, "%s <span class=\"hub-id\">", noun);
    hub_dash_text (b, w->item);
    hub_dash_raw (b, "</span>: ");
    switch (w->kind) {
        case HUB_DASH_WAIT_CONSULTATION_OPENS:
            hub_dash_rawf (b, "opens in %lld day%s", (long long) days, days == 1? "": "s"); break;
        case HUB_DASH_WAIT_CONSULTATION_CLOSES:
        case HUB_DASH_WAIT_TENDER_CLOSES:
            hub_dash_rawf (b, "closes in %lld day%s (%s)", (long long) days, days == 1? "": "s", when);
            break;
        case HUB_DASH_WAIT_CONSULTATION_TO_CLOSE:
            hub_dash_rawf (b, "closing date passed (%s); close it to move on", when); break;
        case HUB_DASH_WAIT_OUTCOME:
            hub_dash_raw (b, "closed, outcome not yet published"); break;
        case HUB_DASH_WAIT_TENDER_TO_CLOSE:
            hub_dash_rawf (b, "tender period ended (%s); close the tender to evaluate", when); break;
        case HUB_DASH_WAIT_STANDSTILL_ENDS:
            hub_dash_rawf (b, "standstill ends %s", when); break;
        case HUB_DASH_WAIT_CONTRACT_TO_SIGN:
            hub_dash_rawf (b, "standstill ended (%s); contract can be signed", when); break;
        case HUB_DASH_WAIT_KPI_DUE:
            hub_dash_rawf (b, "next KPI report due by %s", when); break;
        case HUB_DASH_WAIT_KPI_OVERDUE:
            hub_dash_rawf (b, "KPI report overdue since %s", when); break;
    }
}
