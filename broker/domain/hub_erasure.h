/*  hub_erasure: which erasures of a consultation response's personal data
    are well formed and allowed, and when the retention sweep is due to erase
    one. Pure functions: no I/O, no store, no clock (the caller passes now).
    Finding the stored response and replacing it is the broker's (hub_erase).
*/
#ifndef HUB_ERASURE_H
#define HUB_ERASURE_H

#include <stdbool.h>
#include <stdint.h>
#include "hub_proto.h"
#include "hub_verdict.h"
#include "hub_commission.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Who the retention sweep's erasures are recorded as requested by, and why. */
#define HUB_ERASURE_RETENTION_BY      "retention"
#define HUB_ERASURE_RETENTION_REASON  "the response's retention date has passed"

/* The longest a response's personal data may be kept by default: 7 years
   (2557 days, leap days included), the limit a broker applies unless its
   operator sets another (cyclehubd --retention-max-days). */
#define HUB_ERASURE_RETENTION_MAX_DAYS 2557

/* Is the retention date of `response`, received at now_ms, within the
   hub's limit: at most max_days after now_ms? Returns 0, or -1 with v set
   to INVALID_VALUE, field response_submitted.retention_until_ms, and a
   sentence naming the latest date accepted. (A missing or out-of-range
   date is hub_validate's.) */
int
    hub_erasure_check_retention (const Cyclehub__V1__ResponseSubmitted *response, int64_t now_ms,
                                 unsigned max_days, hub_verdict_t *v);

/* Is `request` well formed? Checks, in this order, and stops at the first
   problem (v->field is the field's path, "erase.<name>"); an id over its
   length or with a character outside its alphabet is INVALID_VALUE, each
   with a sentence naming the limit:
   MISSING_FIELD / INVALID_VALUE   commission_id: an ocid
   MISSING_FIELD / INVALID_VALUE   response_id: a local id
   INVALID_VALUE   consultation_id, if set: a local id (it may be empty
                   here: hub_erasure_choose then lists the candidates)
   INVALID_VALUE   respondent, if set: an org-id
   MISSING_FIELD / TOO_LARGE       reason: 1 to HUB_VALIDATE_TEXT_MAX bytes
   Returns 0, or -1 with v filled. */
int
    hub_erasure_check_request (const Cyclehub__V1__EraseRequest *request, hub_verdict_t *v);

/* A stored response the request may name: its consultation, its
   responding agency (the stored event's sender) and its seq. */
typedef struct {
    const char *consultation_id;
    const char *agency;
    uint64_t seq;
} hub_erasure_target_t;

/* Does `request` name exactly one stored response? `candidates` (n of
   them, up to `total` found) are the commission's stored responses with
   the request's response id, and its consultation and respondent where it
   gives them. An erase must name its target unambiguously, since response
   ids repeat across consultations and across agencies:
   INVALID_VALUE   total is 0: no such response
   MISSING_FIELD   consultation_id is empty ("erase.consultation_id"); the
                   sentence lists the candidates' consultations and agencies
   MISSING_FIELD   total > 1: two agencies used the id in the consultation
                   ("erase.respondent"); the sentence lists the agencies
   Returns 0 (the target is candidates [0]), or -1 with v filled. */
int
    hub_erasure_choose (const Cyclehub__V1__EraseRequest *request,
                        const hub_erasure_target_t *candidates, size_t n, size_t total,
                        hub_verdict_t *v);

/* May `sender`, holding `roles`, erase responses of the commission
   `commission_id`, whose state is `state` (NULL: there is no such
   commission)? Only the commission's owner may. Returns 0, or -1 with v:
   UNKNOWN_COMMISSION  state is NULL
   NOT_AUTHORISED      sender is not the owner, or roles is 0 (a connection
                       without a registered identity), naming the owner */
int
    hub_erasure_check_allowed (const hub_commission_t *state, const char *commission_id,
                               const char *sender, unsigned roles, hub_verdict_t *v);

/* Is the retention sweep due to erase `response` at `now_ms`: its retention
   date is set and has passed (now included)? Whether it still holds personal
   data is the caller's check (hub_proto_has_personal). */
bool
    hub_erasure_due (const Cyclehub__V1__ResponseSubmitted *response, int64_t now_ms);

#ifdef __cplusplus
}
#endif
#endif
