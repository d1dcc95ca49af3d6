/*  hub_time: the one RFC 3339 parser and the one formatter. Inside the
    protobuf a time is UTC milliseconds since the epoch (int64 *_ms); at
    every text edge it is RFC 3339, written as "2026-03-01T09:00:00.000Z".

    The rules (docs/protocol.md, "Times"): a full date-time with an offset
    (Z or +HH:MM/-HH:MM), 'T' or 't' between date and time, at most
    millisecond precision (further digits must be zeros), years 0000..9999
    in UTC. Refused, with the reason: a date alone (the start or the end of
    that day, in which zone? a consultation could close a day early), and
    second 60 (epoch milliseconds have no leap seconds).
*/
#ifndef HUB_TIME_H
#define HUB_TIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Room for any formatted time: "9999-12-31T23:59:59.999Z" and a NUL
#define HUB_TIME_TEXT_MAX   32

//  The times RFC 3339 can write: 0000-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z
#define HUB_TIME_MIN_MS     (-62167219200000LL)
#define HUB_TIME_MAX_MS     (253402300799999LL)

/* Parses an RFC 3339 date-time ("2026-03-01T09:00:00Z",
   "2026-03-01T10:00:00.250+01:00") into UTC epoch milliseconds. Returns 0,
   or -1 with the reason in err (if not NULL), a clause that follows
   "\"TEXT\" is not a valid RFC 3339 time: ", e.g. "month 13 is out of
   range": not of the form, a field out of range (month 13, 30 February,
   hour 24, second 60), finer than a millisecond, a date alone, outside
   years 0000..9999. The caller quotes the text (it may hold anything).
   *ms is set only on success. */
int
    hub_time_parse (const char *text, int64_t *ms, char *err, size_t errsize);

/* Parses a time given on a command line: what hub_time_parse takes, or
   "now", or "now" plus or minus a count of s, m, h or d ("now+30d",
   "now-1h"), relative to now_ms. Same returns as hub_time_parse. */
int
    hub_time_parse_arg (const char *text, int64_t now_ms, int64_t *ms,
                        char *err, size_t errsize);

/* Writes ms as RFC 3339 UTC with milliseconds ("2026-03-01T09:00:00.000Z").
   Returns the length, or -1 if ms is outside HUB_TIME_MIN_MS..MAX_MS or
   buf is too small (HUB_TIME_TEXT_MAX always suffices). */
int
    hub_time_format (int64_t ms, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
