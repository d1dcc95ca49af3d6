/*  hub_standstill: UK working days and the shortest standstill (UK6).
    Calendar arithmetic on day numbers (days since 1970-01-01), the UK's
    GMT/BST rule, and a binary search of the generated bank-holiday table.
*/
#include "hub_standstill.h"
#include "hub_holidays.h"
#include <string.h>

#define S_DAY_MS  INT64_C (86400000)
#define S_HOUR_MS INT64_C (3600000)

//  Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
//  Hinnant's civil-date algorithms)
static int64_t
s_days (int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0? y: y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2? -3: 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

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

//  0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday)
static int
s_weekday (int64_t days)
{
    int64_t w = (days + 3) % 7;
    return (int) (w < 0? w + 7: w);
}

//  The day number of the last Sunday of a month
static int64_t
s_last_sunday (int y, int m)
{
    int64_t last = s_days (y, m + 1, 1) - 1;
    return last - (s_weekday (last) + 1) % 7;
}

//  True if UK clocks show BST at the local midnight that starts `days`. The
//  clocks change at 01:00 UTC on the last Sundays of March and October, so
//  the midnight starting the March Sunday is still GMT and the one starting
//  the October Sunday is still BST.
static bool
s_bst_at_midnight (int64_t days)
{
    int y, m, d;
    s_civil (days, &y, &m, &d);
    return days > s_last_sunday (y, 3) && days <= s_last_sunday (y, 10);
}

//  The UK calendar date (day number) of a UTC instant
static int64_t
s_uk_day (int64_t ms)
{
    int64_t days = ms >= 0? ms / S_DAY_MS: -((-ms + S_DAY_MS - 1) / S_DAY_MS);
    //  The instant is in the UTC day `days`; UK time is UTC or UTC+1, so the
    //  UK date is that day or the next: the next once its local midnight has passed
    int64_t next_midnight = (days + 1) * S_DAY_MS - (s_bst_at_midnight (days + 1)? S_HOUR_MS: 0);
    return ms >= next_midnight? days + 1: days;
}

hub_nation_t
hub_standstill_nation (const char *org_id)
{
    if (org_id && (strncmp (org_id, "GB-LAS-", 7) == 0 || strncmp (org_id, "GB-SC-", 6) == 0))
        return HUB_NATION_SCOTLAND;
    if (org_id && (strncmp (org_id, "GB-LANI-", 8) == 0 || strncmp (org_id, "GB-NIC-", 7) == 0))
        return HUB_NATION_NORTHERN_IRELAND;
    return HUB_NATION_ENGLAND_WALES;
}

const char *
hub_standstill_nation_name (hub_nation_t nation)
{
    switch (nation) {
        case HUB_NATION_SCOTLAND:         return "scotland";
        case HUB_NATION_NORTHERN_IRELAND: return "northern-ireland";
        default:                          return "england-and-wales";
    }
}

static bool
s_bank_holiday (hub_nation_t nation, int ymd)
{
    size_t low = 0, high = hub_holidays_count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        const hub_holiday_t *h = &hub_holidays [mid];
        if (h->nation == (int) nation && h->ymd == ymd)
            return true;
        if (h->nation < (int) nation || (h->nation == (int) nation && h->ymd < ymd))
            low = mid + 1;
        else
            high = mid;
    }
    return false;
}

static bool
s_working_day (hub_nation_t nation, int64_t days)
{
    if (s_weekday (days) >= 5)
        return false;
    int y, m, d;
    s_civil (days, &y, &m, &d);
    return !s_bank_holiday (nation, y * 10000 + m * 100 + d);
}

bool
hub_standstill_is_working_day (hub_nation_t nation, int year, int month, int day)
{
    return s_working_day (nation, s_days (year, month, day));
}

int
hub_standstill_end (int64_t notice_ms, hub_nation_t nation, int64_t *end_ms)
{
    *end_ms = 0;
    int64_t day = s_uk_day (notice_ms);
    int64_t first = s_days (hub_holidays_first_year, 1, 1);
    int64_t last = s_days (hub_holidays_last_year, 12, 31);
    int counted = 0;
    for (; day >= first && day <= last; day++)
        if (s_working_day (nation, day) && ++counted == HUB_STANDSTILL_WORKING_DAYS)
            break;
    if (counted < HUB_STANDSTILL_WORKING_DAYS)
        return -1;
    //  Ends at the UK midnight that closes the 8th working day
    int64_t next = day + 1;
    *end_ms = next * S_DAY_MS - (s_bst_at_midnight (next)? S_HOUR_MS: 0);
    return 0;
}

int
hub_standstill_first_year (void)
{
    return hub_holidays_first_year;
}

int
hub_standstill_last_year (void)
{
    return hub_holidays_last_year;
}
