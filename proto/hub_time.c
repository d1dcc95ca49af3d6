/*  hub_time: RFC 3339 <-> UTC epoch milliseconds. See hub_time.h.
    Calendar arithmetic is done here on the proleptic Gregorian calendar
    (no timegm, no gmtime_r, no time zone database), so every year
    0000..9999 works the same on every platform.
*/
#include "hub_time.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MS_PER_DAY    86400000LL
#define S_SHAPE         "it is not of the form 2026-11-29T21:29:30.123Z"

static void
    s_say (char *err, size_t errsize, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_say (char *err, size_t errsize, const char *format, ...)
{
    if (!err || errsize == 0)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (err, errsize, format, args);
    va_end (args);
}

static bool
s_leap_year (int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
s_days_in_month (int64_t year, int month)
{
    static const int days [12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return month == 2 && s_leap_year (year)? 29: days [month - 1];
}

//  Days from 1970-01-01 to year-month-day. Counts in 400-year eras that
//  start on March 1st, so the leap day falls at the end of each year.
static int64_t
s_days_from_civil (int64_t year, int month, int day)
{
    if (month <= 2)
        year--;
    int64_t era = (year >= 0? year: year - 399) / 400;
    int64_t year_of_era = year - era * 400;                         //  0..399
    int64_t month_from_march = month > 2? month - 3: month + 9;     //  0..11
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100
                       + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

//  The inverse of s_days_from_civil
static void
s_civil_from_days (int64_t days, int64_t *year, int *month, int *day)
{
    days += 719468;
    int64_t era = (days >= 0? days: days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;                       //  0..146096
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524
                        - day_of_era / 146096) / 365;               //  0..399
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4
                        - year_of_era / 100);                       //  0..365
    int64_t month_from_march = (5 * day_of_year + 2) / 153;         //  0..11
    *day = (int) (day_of_year - (153 * month_from_march + 2) / 5 + 1);
    *month = (int) (month_from_march < 10? month_from_march + 3: month_from_march - 9);
    *year = year_of_era + era * 400 + (*month <= 2);
}

int
hub_time_format (int64_t ms, char *buf, size_t size)
{
    if (ms < HUB_TIME_MIN_MS || ms > HUB_TIME_MAX_MS || !buf)
        return -1;
    int64_t days = ms / S_MS_PER_DAY;
    int64_t rem = ms % S_MS_PER_DAY;
    if (rem < 0) {
        rem += S_MS_PER_DAY;
        days--;
    }
    int64_t year;
    int month, day;
    s_civil_from_days (days, &year, &month, &day);
    int len = snprintf (buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                        (int) year, month, day, (int) (rem / 3600000),
                        (int) (rem / 60000 % 60), (int) (rem / 1000 % 60), (int) (rem % 1000));
    return len < 0 || (size_t) len >= size? -1: len;
}

//  Reads n decimal digits at s; returns -1 if any is not a digit
static int
s_digits (const char *s, int n)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (s [i] < '0' || s [i] > '9')
            return -1;
        value = value * 10 + (s [i] - '0');
    }
    return value;
}

//  Reads the fraction and the offset after the seconds, at s [*pos].
//  Returns NULL, or the reason the text is wrong.
static const char *
s_parse_tail (const char *s, size_t len, size_t pos, int *msec, int *offset)
{
    *msec = 0;
    if (pos < len && s [pos] == '.') {
        size_t start = ++pos;
        for (; pos < len && s [pos] >= '0' && s [pos] <= '9'; pos++) {
            if (pos - start < 3)
                *msec = *msec * 10 + (s [pos] - '0');
            else
            if (s [pos] != '0')
                return "it is finer than a millisecond, which would be lost";
        }
        if (pos == start)
            return S_SHAPE;
        for (size_t place = pos - start; place < 3; place++)
            *msec *= 10;
    }
    *offset = 0;
    if (pos + 1 == len && (s [pos] == 'Z' || s [pos] == 'z'))
        return NULL;
    if (pos + 6 != len || (s [pos] != '+' && s [pos] != '-') || s [pos + 3] != ':')
        return S_SHAPE;
    int off_hour = s_digits (s + pos + 1, 2);
    int off_min = s_digits (s + pos + 4, 2);
    if (off_hour < 0 || off_min < 0)
        return S_SHAPE;
    if (off_hour > 23 || off_min > 59)
        return "its offset is out of range";
    *offset = (off_hour * 60 + off_min) * (s [pos] == '-'? -1: 1);
    return NULL;
}

int
hub_time_parse (const char *s, int64_t *ms, char *err, size_t errsize)
{
    size_t len = s? strlen (s): 0;
    int year = len >= 10? s_digits (s, 4): -1;
    int month = len >= 10? s_digits (s + 5, 2): -1;
    int day = len >= 10? s_digits (s + 8, 2): -1;
    if (len == 10 && year >= 0 && month >= 0 && day >= 0 && s [4] == '-' && s [7] == '-') {
        s_say (err, errsize, "a date alone is not a moment (the start or the end of the day? "
               "in which zone?): give the time and its offset, e.g. %.10sT00:00:00Z", s);
        return -1;
    }
    if (len < 20 || s [4] != '-' || s [7] != '-' || (s [10] != 'T' && s [10] != 't')
    ||  s [13] != ':' || s [16] != ':') {
        s_say (err, errsize, S_SHAPE);
        return -1;
    }
    int hour = s_digits (s + 11, 2);
    int min = s_digits (s + 14, 2);
    int sec = s_digits (s + 17, 2);
    int msec, offset;
    const char *why = s_parse_tail (s, len, 19, &msec, &offset);
    if (!why && (year < 0 || month < 0 || day < 0 || hour < 0 || min < 0 || sec < 0))
        why = S_SHAPE;
    if (why) {
        s_say (err, errsize, "%s", why);
        return -1;
    }
    if (month < 1 || month > 12)
        s_say (err, errsize, "month %d is out of range", month);
    else
    if (day < 1 || day > s_days_in_month (year, month))
        s_say (err, errsize, "day %d is out of range for %04d-%02d", day, year, month);
    else
    if (hour > 23)
        s_say (err, errsize, "hour %d is out of range", hour);
    else
    if (min > 59)
        s_say (err, errsize, "minute %d is out of range", min);
    else
    if (sec > 59)
        s_say (err, errsize, "second %d is out of range (a leap second cannot be stored: "
               "write :59.999)", sec);
    else {
        int64_t value = s_days_from_civil (year, month, day) * S_MS_PER_DAY
                      + ((int64_t) hour * 3600 + min * 60 + sec - (int64_t) offset * 60) * 1000
                      + msec;
        if (value >= HUB_TIME_MIN_MS && value <= HUB_TIME_MAX_MS) {
            *ms = value;
            return 0;
        }
        s_say (err, errsize, "it falls outside years 0000..9999 in UTC");
    }
    return -1;
}

int
hub_time_parse_arg (const char *text, int64_t now_ms, int64_t *ms, char *err, size_t errsize)
{
    if (!text || strncmp (text, "now", 3) != 0)
        return hub_time_parse (text, ms, err, errsize);
    const char *s = text + 3;
    if (*s == 0) {
        *ms = now_ms;
        return 0;
    }
    const char *shape = "write now, now+N or now-N with N a whole number of s, m, h or d, "
                        "e.g. now+30d";
    if ((*s != '+' && *s != '-') || s [1] < '0' || s [1] > '9') {
        s_say (err, errsize, "%s", shape);
        return -1;
    }
    char *end;
    long long count = strtoll (s + 1, &end, 10);
    int64_t unit = strcmp (end, "s") == 0? 1000: strcmp (end, "m") == 0? 60000:
                   strcmp (end, "h") == 0? 3600000: strcmp (end, "d") == 0? S_MS_PER_DAY: 0;
    if (!unit) {
        s_say (err, errsize, "%s", shape);
        return -1;
    }
    //  The bound on count keeps count * unit far from overflow
    int64_t value = 0;
    if (count <= 100000000LL)
        value = *s == '+'? now_ms + count * unit: now_ms - count * unit;
    if (count > 100000000LL || value < HUB_TIME_MIN_MS || value > HUB_TIME_MAX_MS) {
        s_say (err, errsize, "it falls outside years 0000..9999 in UTC");
        return -1;
    }
    *ms = value;
    return 0;
}
