/*  hub_cycle: the commissioning state machine. One pure function applies a
    validated Envelope to a commission's state: the commission's stages
    (analyse, plan, do, review, closed) with the Gunning rules, and inside
    them the consultation, procurement and contract sub-machines. The only
    inputs are the state, the envelope, the sender and the time.
*/
#ifndef HUB_CYCLE_H
#define HUB_CYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hub_proto.h"
#include "hub_verdict.h"
#include "hub_commission.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    Cyclehub__V1__Stage from;   /* stage before (UNSPECIFIED for commission.opened) */
    Cyclehub__V1__Stage to;     /* stage after */
    bool changed;               /* from != to (true for commission.opened) */
} hub_cycle_outcome_t;

/* Most consultations, procurements, awards or contracts one commission may
   hold: the stored state must stay decodable (HUB_PROTO_MAX_REPEATED). */
#define HUB_CYCLE_MAX_ITEMS HUB_PROTO_MAX_REPEATED

/* Most responses one agency may send to one consultation. Response ids are
   each agency's own namespace (two agencies may both send r-1), and the cap
   is per agency too, so no agency can fill a consultation for the others.
   The state keeps each agency's ids (to refuse a reused one) in a repeated
   field that must stay decodable, so an agency's 1001st response to one
   consultation is refused with TOO_LARGE: a consultation expecting more
   runs as several (by area, by channel). A state stored before ids were
   kept counts its older responses without their ids, and neither checks
   them for reuse nor counts them against this limit; a state stored before
   ids were per agency keeps its older ids reserved for every agency. */
#define HUB_CYCLE_MAX_RESPONSES HUB_PROTO_MAX_REPEATED
/* Most agencies that may respond to one consultation (the list of
   respondents is a repeated field too); only registered agencies publish,
   so a registry smaller than this never meets it. */
#define HUB_CYCLE_MAX_RESPONDENTS HUB_PROTO_MAX_REPEATED

/* Applies env, already validated by hub_validate_envelope, sent by `sender`
   (an org-id from the connection) at now_ms, to the commission's state.
   *state_p is NULL when no commission with env->commission_id exists.
   commission.opened creates it (*state_p set to a new state, stage analyse,
   cycle 1, owner = buyer; the sender must be the buyer, else NOT_AUTHORISED),
   and is UNKNOWN_COMMISSION "already exists" if *state_p is not NULL; any
   other message with *state_p NULL is UNKNOWN_COMMISSION.
   Returns 0 and mutates *state_p (updated_at = now_ms) on success; returns
   -1 with v filled and *state_p UNCHANGED on rejection. Codes:
   UNKNOWN_COMMISSION  see above
   ILLEGAL_TRANSITION  the message does not fit the commission's stage, or
                       the sub-state of the consultation, procurement, award
                       or contract it names (the reason names the current
                       state and what is legal there), or a date by now_ms:
                       a response outside the consultation's dates,
                       tender.amended after / tender.closed before the tender
                       period's end, contract.signed before the standstill's
                       end (the reason names the date)
   INVALID_VALUE       a dangling reference (no such consultation, procurement,
                       award, contract) or an id that already exists (a
                       response_id the sender already used in the same
                       consultation), or a standstill shorter than 8 working
                       days from now_ms in the buyer's nation (hub_standstill.h)
   MISSING_FIELD       consultation.closed before its closing date without
                       early_close_reason
   NOT_AUTHORISED      commission.opened by someone other than its buyer
   TOO_LARGE           the commission already holds HUB_CYCLE_MAX_ITEMS of a kind,
                       the sender already sent HUB_CYCLE_MAX_RESPONSES responses
                       to the consultation, or HUB_CYCLE_MAX_RESPONDENTS other
                       agencies responded to it
   UNKNOWN_TYPE        no body, or erasure.recorded (broker-only)
   INTERNAL            out of memory, env is for another commission, or now_ms
                       is outside the years of the bank-holiday table (awards)
   out may be NULL; when given it is always filled (from = to on rejection). */
int
    hub_cycle_apply (hub_commission_t **state_p, const Cyclehub__V1__Envelope *env,
                     const char *sender, int64_t now_ms, hub_cycle_outcome_t *out,
                     hub_verdict_t *v);

/* Fills buf with a comma-separated list of the message types legal in
   `stage` ("none" for closed), truncated to fit (always NUL-terminated). */
void
    hub_cycle_allowed_types (Cyclehub__V1__Stage stage, char *buf, size_t size);

/* True if DOMAIN.md's stage graph has an edge from -> to: analyse->plan,
   plan->analyse, plan->do, do->review, review->analyse, review->closed and
   any open stage -> closed. (The Gunning rules are checked by apply.) */
bool
    hub_cycle_transition_legal (Cyclehub__V1__Stage from, Cyclehub__V1__Stage to);

#ifdef __cplusplus
}
#endif
#endif
