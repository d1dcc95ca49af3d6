/*  hub_verdict: the outcome of a domain check. A rejection carries a stable
    code (the wire's RejectCode), the dotted path of the offending field and
    one sentence a person can act on; the broker copies all three into Reject.
*/
#ifndef HUB_VERDICT_H
#define HUB_VERDICT_H

#include "hub_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    Cyclehub__V1__RejectCode code;   /* 0 = accepted */
    char field [128];                /* dotted proto field path, e.g. "tender_published.value.amount" ("" if none) */
    char reason [512];               /* one sentence a person can act on */
} hub_verdict_t;

/* Resets self to "accepted": code 0, empty field and reason. */
void
    hub_verdict_clear (hub_verdict_t *self);

/* Sets code, field (NULL means "") and a printf-formatted reason; returns -1
   so callers can `return hub_verdict_set (...)`. Over-long field paths and
   reasons are truncated (a truncated reason ends in "..."). self may be NULL,
   in which case nothing is written and -1 is still returned. */
int
    hub_verdict_set (hub_verdict_t *self, Cyclehub__V1__RejectCode code,
                     const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

/* Writes a time (ms since the epoch) as RFC 3339 UTC to the second
   ("2025-01-01T00:00:00Z"), or "<n> ms" if it has no calendar form, for
   reasons that name a date. Returns buf. */
const char *
    hub_verdict_when (char *buf, size_t size, int64_t ms);

#ifdef __cplusplus
}
#endif
#endif
