/*  hub_dash: the dashboard's pages as HTML, rendered from the broker's own
    protobuf messages. Pure functions: no sockets, no files, no clock (the
    time deadlines are counted from is an argument). The HTTP front end calls
    them and sends what they return; docs/dashboard.md describes the pages.

    Every function returns a NUL-terminated, malloc'd UTF-8 HTML document
    (the caller frees it with free()), or NULL if memory runs out. Nothing
    passed in is kept or changed. Every text taken from the data is
    HTML-escaped (invalid UTF-8 and control characters become U+FFFD), and
    the renderer never reads a PersonalData field: an unredacted
    consultation.response event renders exactly as its redacted form.

    The pages embed their CSS and a small script (no framework, nothing
    fetched from outside); hub_dash_csp() gives a Content-Security-Policy
    that allows exactly them. The script opens EventSource(ctx->events_url)
    and listens for each message type by name (the SSE `event:` field is the
    type, `data:` the Event's canonical JSON, `id:` its seq); without it the
    pages work as they are.
*/
#ifndef HUB_DASH_H
#define HUB_DASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cyclehub.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A KPI report is expected for each quarter of an active contract (from the
   contract's start, or the end of the last period reported), within the
   grace days after the quarter ends; later than that it is overdue. */
#define HUB_DASH_KPI_PERIOD_DAYS  92
#define HUB_DASH_KPI_GRACE_DAYS   30

/* Looks up an agency's display name by org-id. Returns a string borrowed
   for the duration of the render call, or NULL if the name is unknown. */
typedef const char *(hub_dash_name_fn) (const char *org_id, void *arg);

/* What every page needs besides its data. Zero-initialise and set what
   applies; a zeroed context renders plain pages with links under "". */
typedef struct {
    int64_t now_ms;             /* the time deadlines are counted from (UTC ms) */
    const char *root;           /* prefix of the dashboard's links: root + "/",
                                   root + "/commissions/<ocid>", root + "/hub",
                                   root + "/sign-in"; NULL or "" = "" */
    hub_dash_name_fn *name_of;  /* optional: agency names */
    void *name_arg;             /* passed to name_of */
    const char *viewer;         /* optional: the signed-in agency's org-id (header) */
    const char *events_url;     /* optional: the SSE URL the script opens, e.g.
                                   "/v1/events" or "/v1/events?topic=do/"; NULL:
                                   no script and no live status line */
} hub_dash_ctx_t;

/* One commission: its state and, optionally, its events oldest first. The
   events give what the state does not hold (values, dates, KPI reports,
   social value); without them the pages show the state alone. Events are
   the broker's stored Events (seq, recorded_at_ms, stage, change, type,
   envelope); events of other commissions are ignored. */
typedef struct {
    const Cyclehub__V1__CommissionState *state;
    const Cyclehub__V1__Event *const *events;
    size_t n_events;
} hub_dash_commission_t;

/* What a commission is waiting for. */
typedef enum {
    HUB_DASH_WAIT_CONSULTATION_OPENS,    /* opens on at_ms */
    HUB_DASH_WAIT_CONSULTATION_CLOSES,   /* closes at at_ms */
    HUB_DASH_WAIT_CONSULTATION_TO_CLOSE, /* closing date passed, still open */
    HUB_DASH_WAIT_OUTCOME,               /* closed, outcome not published (no date) */
    HUB_DASH_WAIT_TENDER_CLOSES,         /* tender period ends at at_ms */
    HUB_DASH_WAIT_TENDER_TO_CLOSE,       /* tender period ended, not closed */
    HUB_DASH_WAIT_STANDSTILL_ENDS,       /* standstill ends at at_ms */
    HUB_DASH_WAIT_CONTRACT_TO_SIGN,      /* standstill over, no contract yet */
    HUB_DASH_WAIT_KPI_DUE,               /* next KPI report due by at_ms */
    HUB_DASH_WAIT_KPI_OVERDUE            /* KPI report overdue since at_ms */
} hub_dash_wait_kind_t;

typedef struct {
    hub_dash_wait_kind_t kind;
    int64_t at_ms;              /* the date it concerns; 0 for WAIT_OUTCOME */
    bool overdue;               /* the date has passed and action is due */
    const char *item;           /* the consultation, procurement or contract id:
                                   borrowed from the state */
} hub_dash_wait_t;

/* Fills items (up to max) with what the commission waits for at now_ms, most
   urgent first (overdue, then by date, undated last), and returns how many
   there are in all (may exceed max; 0 also if memory runs out). items may
   be NULL when max is 0, to count. The JSON API's "next deadline" can use
   the same rule: the first item that is not overdue and has a date ahead. */
size_t
    hub_dash_waiting (const hub_dash_commission_t *c, int64_t now_ms,
                      hub_dash_wait_t *items, size_t max);

/* The commissions page: one row per commission (in the order given) with
   its stage as a tag, lead agency, next deadline and what is waiting. */
char *
    hub_dash_render_commissions (const hub_dash_ctx_t *ctx,
                                 const hub_dash_commission_t *list, size_t n);

/* One commission's page: the cycle's timeline (SVG), consultations,
   procurements with their path and values, contracts with their KPI charts
   and social value, and the latest events. */
char *
    hub_dash_render_commission (const hub_dash_ctx_t *ctx, const hub_dash_commission_t *c);

/* What the hub page shows beyond Status, which does not carry it; each
   unknown item is left out of the page. */
typedef struct {
    const Cyclehub__V1__Status *status;     /* required */
    uint64_t store_max_bytes;               /* the store's maximum size; 0 unknown */
    int64_t subscribers;                    /* connected subscribers; -1 unknown */
    int64_t last_commit_ms;                 /* the last commit's time; 0 unknown */
    /* optional: the commissions, to count them per stage */
    const Cyclehub__V1__CommissionState *const *commissions;
    size_t n_commissions;
} hub_dash_hub_t;

/* The hub page: events, commissions per stage, store size and headroom,
   subscribers, last commit, publish rate, events by type. */
char *
    hub_dash_render_hub (const hub_dash_ctx_t *ctx, const hub_dash_hub_t *hub);

/* The sign-in page: a form that POSTs `token` to root + "/sign-in" (the
   server keeps it in an HttpOnly, Secure, SameSite=Strict cookie). error:
   NULL for the plain form, or the sentence to show (GOV.UK error summary
   and field error), e.g. "The token is not valid or was revoked". */
char *
    hub_dash_render_signin (const hub_dash_ctx_t *ctx, const char *error);

/* Room for hub_dash_csp's header value. */
#define HUB_DASH_CSP_MAX 512

/* Writes a Content-Security-Policy header value that allows the pages' own
   embedded style and script (by their SHA-256) and nothing from elsewhere
   (connect-src 'self' for the event stream, form-action 'self', no frames).
   Returns its length, or -1 if buf is too small (HUB_DASH_CSP_MAX suffices). */
int
    hub_dash_csp (char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
