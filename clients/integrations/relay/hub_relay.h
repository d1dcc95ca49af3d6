/*  hub_relay: the webhook relay. Follows the hub with the gap-free
    subscriber and POSTs each event, in seq order and one at a time, to an
    HTTP endpoint: canonical JSON or a FHIR subscription notification (R4B,
    or R4 as the Subscriptions Backport guide has it), signed with
    HMAC-SHA256. It reads the hub in outward mode
    (hub_integ_hub): no personal data reaches the receiver, even when it
    runs as the commission's owner. The cursor file moves past an event
    only once the receiver took it (2xx) or it was dead-lettered:
    at-least-once. A receiver that answers 401, 403 or 404 is taken for a
    misconfigured relay (URL, secret): the relay stops before that event
    (HUB_INTEG_RECEIVER) rather than dead-letter the history.
    docs/integration.md describes the requests, retries and dead letters;
    `cyclehub relay webhook` is this library behind flags.
*/
#ifndef HUB_RELAY_H
#define HUB_RELAY_H

#include "hub_integ.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HUB_RELAY_JSON = 0,           /* the event's canonical JSON */
    HUB_RELAY_FHIR_R4B,           /* FHIR R4B notification (SubscriptionStatus) */
    HUB_RELAY_FHIR_R4             /* FHIR R4, Subscriptions R5 Backport IG (Parameters) */
} hub_relay_format_t;

typedef struct {
    hub_connect_options_t hub;    /* endpoints, agency, keys of the hub */
    bool verbose;                 /* log each delivery */
    const char *url;              /* the receiver, http:// or https:// (required) */
    const char *secret_file;      /* the shared secret's file (required): 1 to 4096
                                     bytes, a trailing newline dropped */
    const char *cursor_file;      /* last seq handled (required); created if missing */
    const char *const *topics;    /* ZeroMQ topic prefixes, n_topics of them */
    size_t n_topics;
    const char *commission;       /* only this commission's events, or NULL */
    const char *type;             /* only events of this type, or NULL */
    uint64_t from;                /* start when the cursor file is new: a seq,
                                     HUB_FROM_START or HUB_FROM_NOW */
    hub_relay_format_t format;    /* the body of each request */
    uint64_t heartbeat_s;         /* fhir: heartbeat after this long idle; 0 none */
    const char *fhir_base;        /* fhir: base of the topic and Subscription URLs */
    const char *subscription;     /* fhir: the Subscription id named */
    uint64_t max_attempts;        /* attempts of a refused (4xx) event, >= 1; after
                                     that a 401/403/404 stops the relay, another
                                     4xx dead-letters the event */
    const char *dead_letter;      /* refused events as JSON lines; NULL: CURSOR.dead */
    uint64_t timeout_ms;          /* limit of one HTTP request */
    uint64_t backoff_ms;          /* first retry delay */
    uint64_t backoff_max_ms;      /* retry delay cap (raised to backoff_ms if lower) */
} hub_relay_config_t;

/* Fills config with the defaults: from the start, JSON, heartbeat 60 s,
   fhir_base https://cyclehub.example, subscription cyclehub, 5 attempts,
   timeout 10 s, back-off 1 s to 60 s; hub options from
   hub_connect_options_default. */
void
    hub_relay_config_default (hub_relay_config_t *config);

/* Relays until SIGINT/SIGTERM (czmq's zsys_interrupted), then returns after
   the request in flight. Returns HUB_INTEG_OK when stopped so;
   HUB_INTEG_CONFIG for a missing or bad setting (url, secret file, cursor
   file that holds no seq, no agency), HUB_INTEG_UNREACHABLE if the hub
   cannot be reached at start, HUB_INTEG_RECEIVER if the receiver kept
   answering 401, 403 or 404 (the cursor is left before that event, so a
   restart once the URL or secret is fixed sends it), HUB_INTEG_FAILED
   otherwise (a cursor or dead-letter file that cannot be written). Says
   why on stderr. */
int
    hub_relay_run (const hub_relay_config_t *config);

/* "json", "fhir-r4b" (or "fhir", its older name), "fhir-r4": the format,
   or -1. */
int
    hub_relay_format_parse (const char *name);

/* Sends the dead letters of path again, in order, with config's url,
   secret, format and retry settings (no hub, no cursor: each letter holds
   its event). Prints one line per letter on stdout ("SEQ delivered STATUS"
   or "SEQ refused STATUS: response") and a summary on stderr. The file is
   rewritten (atomically, under an flock the relay also takes) after each
   letter delivered, to hold only the letters not delivered, so a second
   replay never sends one again. Transient failures are retried up to
   max_attempts, then the letter is kept. Returns HUB_INTEG_OK if every
   letter was delivered (or there were none), HUB_INTEG_REJECTED if some
   were refused again (kept in the file), HUB_INTEG_RECEIVER on a
   401/403/404 (stops; the rest kept), HUB_INTEG_CONFIG for a bad setting
   or a line that is not a dead letter, HUB_INTEG_FAILED if the file
   cannot be read or written. */
int
    hub_relay_replay (const hub_relay_config_t *config, const char *path);

#ifdef __cplusplus
}
#endif
#endif
