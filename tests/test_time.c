/*  Tests of hub_time: the one RFC 3339 parser (what it takes, every refusal
    with its reason, the rules for a date alone and second 60), the
    command-line forms (now, now+30d) and the one formatter.
*/
#include "hub_time.h"
#include "hub_test.h"

#define T_2026_03_01_09  INT64_C (1772355600000)   //  2026-03-01T09:00:00Z

static void
s_test_parse_ok (void)
{
    static const struct { const char *text; int64_t ms; } table [] = {
        { "2026-03-01T09:00:00Z",            T_2026_03_01_09 },
        { "2026-03-01t09:00:00z",            T_2026_03_01_09 },
        { "2026-03-01T10:00:00+01:00",       T_2026_03_01_09 },
        { "2026-03-01T04:00:00-05:00",       T_2026_03_01_09 },
        { "2026-03-01T14:30:00+05:30",       T_2026_03_01_09 },
        { "2026-03-01T09:00:00-00:00",       T_2026_03_01_09 },
        { "2026-03-01T09:00:00.250Z",        T_2026_03_01_09 + 250 },
        { "2026-03-01T09:00:00.25Z",         T_2026_03_01_09 + 250 },
        { "2026-03-01T09:00:00.2Z",          T_2026_03_01_09 + 200 },
        { "2026-03-01T09:00:00.250000000Z",  T_2026_03_01_09 + 250 },
        { "2026-03-01T10:00:00.250+01:00",   T_2026_03_01_09 + 250 },
        { "2024-02-29T00:00:00Z",            INT64_C (1709164800000) },
        { "2000-02-29T00:00:00Z",            INT64_C (951782400000) },
        { "1970-01-01T00:00:00Z",            0 },
        { "1969-12-31T23:59:59.999Z",        -1 },
        { "0000-01-01T00:00:00Z",            HUB_TIME_MIN_MS },
        { "9999-12-31T23:59:59.999Z",        HUB_TIME_MAX_MS },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        int64_t ms = 12345;
        char err [256] = "";
        int rc = hub_time_parse (table [i].text, &ms, err, sizeof err);
        CHECK_MSG (rc == 0 && ms == table [i].ms, "%s: rc %d ms %lld (%s)",
                   table [i].text, rc, (long long) ms, err);
    }
}

static void
s_test_parse_refused (void)
{
    static const struct { const char *text, *says; } table [] = {
        //  the rules: a date alone, and second 60, are refused with the reason
        { "2026-03-01", "a date alone is not a moment (the start or the end of the day? in "
                        "which zone?): give the time and its offset, e.g. 2026-03-01T00:00:00Z" },
        { "2026-12-31T23:59:60Z", "second 60 is out of range (a leap second cannot be stored" },
        //  fields out of range
        { "2026-13-01T00:00:00Z", "month 13 is out of range" },
        { "2026-00-10T00:00:00Z", "month 0 is out of range" },
        { "2026-02-30T00:00:00Z", "day 30 is out of range for 2026-02" },
        { "2026-02-29T00:00:00Z", "day 29 is out of range for 2026-02" },
        { "1900-02-29T00:00:00Z", "day 29 is out of range for 1900-02" },
        { "2026-04-31T00:00:00Z", "day 31 is out of range for 2026-04" },
        { "2026-04-00T00:00:00Z", "day 0 is out of range" },
        { "2026-11-29T24:00:00Z", "hour 24 is out of range" },
        { "2026-11-29T21:60:00Z", "minute 60 is out of range" },
        { "2026-11-29T21:29:61Z", "second 61 is out of range" },
        { "2026-11-29T21:29:30+24:00", "its offset is out of range" },
        { "2026-11-29T21:29:30+01:60", "its offset is out of range" },
        { "2026-11-29T21:29:30.1234Z", "it is finer than a millisecond, which would be lost" },
        { "0000-01-01T00:00:00+00:01", "it falls outside years 0000..9999 in UTC" },
        { "9999-12-31T23:59:59-00:01", "it falls outside years 0000..9999 in UTC" },
        //  not of the form
        { "2026-11-29T21:29:30",       "it is not of the form 2026-11-29T21:29:30.123Z" },
        { "2026-11-29 21:29:30Z",      "not of the form" },
        { "2026-11-29T21:29:30.Z",     "not of the form" },
        { "2026-11-29T21:29:30Zjunk",  "not of the form" },
        { "2026-11-29T21:29:30Z ",     "not of the form" },
        { " 2026-11-29T21:29:30Z",     "not of the form" },
        { "2026-1-29T21:29:30Z",       "not of the form" },
        { "2026-11-29T21:29:30+0100",  "not of the form" },
        { "2026-11-29T21:29:30+01",    "not of the form" },
        { "2026-11-29T2a:29:30Z",      "not of the form" },
        { "2026-11-29T21:29:30+0a:00", "not of the form" },
        { "20261129T212930Z",          "not of the form" },
        { "2026-03",                   "not of the form" },
        { "+2026-03-01T00:00:00Z",     "not of the form" },
        { "now",                       "not of the form" },     //  flags only
        { "",                          "not of the form" },
        { NULL,                        "not of the form" },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        int64_t ms = 12345;
        char err [256] = "";
        int rc = hub_time_parse (table [i].text, &ms, err, sizeof err);
        CHECK_MSG (rc == -1 && ms == 12345 && strstr (err, table [i].says),
                   "%s: rc %d, said \"%s\"", table [i].text? table [i].text: "(null)", rc, err);
    }
    int64_t ms = 0;
    CHECK (hub_time_parse ("2026-02-30T00:00:00Z", &ms, NULL, 0) == -1);
}

static void
s_test_parse_arg (void)
{
    const int64_t now = T_2026_03_01_09;
    static const struct { const char *text; int64_t ms; } table [] = {
        { "now",     T_2026_03_01_09 },
        { "now+30d", T_2026_03_01_09 + 30 * INT64_C (86400000) },
        { "now-2h",  T_2026_03_01_09 - 2 * INT64_C (3600000) },
        { "now+15m", T_2026_03_01_09 + 15 * 60000 },
        { "now+0s",  T_2026_03_01_09 },
        { "now+10s", T_2026_03_01_09 + 10000 },
        { "2026-03-01T09:00:00.250Z", T_2026_03_01_09 + 250 },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        int64_t ms = 12345;
        char err [256] = "";
        int rc = hub_time_parse_arg (table [i].text, now, &ms, err, sizeof err);
        CHECK_MSG (rc == 0 && ms == table [i].ms, "%s: rc %d (%s)", table [i].text, rc, err);
    }
    static const struct { const char *text, *says; } refused [] = {
        { "now+1y",     "write now, now+N or now-N with N a whole number of s, m, h or d" },
        { "now+",       "write now, now+N" },
        { "now+d",      "write now, now+N" },
        { "now+-1d",    "write now, now+N" },
        { "now+ 1d",    "write now, now+N" },
        { "now+1.5d",   "write now, now+N" },
        { "now+1dd",    "write now, now+N" },
        { "now*2",      "write now, now+N" },
        { "nowish",     "write now, now+N" },
        { "now+999999999d", "it falls outside years 0000..9999" },
        { "now+99999999999999999999999d", "it falls outside years 0000..9999" },
        { "now+3000000d", "it falls outside years 0000..9999" },
        { "2026-03-01", "a date alone is not a moment" },    //  the same rule as in JSON
        { "2026-03-01T09:00:60Z", "second 60" },
        { "tomorrow",   "not of the form" },
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        int64_t ms = 12345;
        char err [256] = "";
        int rc = hub_time_parse_arg (refused [i].text, now, &ms, err, sizeof err);
        CHECK_MSG (rc == -1 && ms == 12345 && strstr (err, refused [i].says),
                   "%s: rc %d, said \"%s\"", refused [i].text, rc, err);
    }
}

static void
s_test_format (void)
{
    static const struct { int64_t ms; const char *text; } table [] = {
        { T_2026_03_01_09,        "2026-03-01T09:00:00.000Z" },
        { T_2026_03_01_09 + 250,  "2026-03-01T09:00:00.250Z" },
        { 0,                      "1970-01-01T00:00:00.000Z" },
        { -1,                     "1969-12-31T23:59:59.999Z" },
        { INT64_C (1709164800000), "2024-02-29T00:00:00.000Z" },
        { HUB_TIME_MIN_MS,        "0000-01-01T00:00:00.000Z" },
        { HUB_TIME_MAX_MS,        "9999-12-31T23:59:59.999Z" },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        char text [HUB_TIME_TEXT_MAX];
        int len = hub_time_format (table [i].ms, text, sizeof text);
        CHECK_MSG (len == 24 && strcmp (text, table [i].text) == 0, "%lld gave %s",
                   (long long) table [i].ms, text);
        int64_t back;
        CHECK (hub_time_parse (text, &back, NULL, 0) == 0 && back == table [i].ms);
    }
    char text [HUB_TIME_TEXT_MAX];
    CHECK (hub_time_format (HUB_TIME_MIN_MS - 1, text, sizeof text) == -1);
    CHECK (hub_time_format (HUB_TIME_MAX_MS + 1, text, sizeof text) == -1);
    CHECK (hub_time_format (INT64_MIN, text, sizeof text) == -1);
    CHECK (hub_time_format (0, text, 24) == -1);             //  no room for the NUL
    CHECK (hub_time_format (0, text, 25) == 24);
    //  every day of four years (a leap year among them) survives the round trip
    int bad = 0;
    for (int64_t day = 0; day < 4 * 366; day++) {
        int64_t ms = INT64_C (1704067200000) + day * INT64_C (86400000) + 3723004;
        int64_t back = 0;
        if (hub_time_format (ms, text, sizeof text) != 24
        ||  hub_time_parse (text, &back, NULL, 0) || back != ms)
            bad++;
    }
    CHECK (bad == 0);
}

int
main (void)
{
    s_test_parse_ok ();
    s_test_parse_refused ();
    s_test_parse_arg ();
    s_test_format ();
    HUB_TEST_DONE ();
}
