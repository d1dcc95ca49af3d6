/*  fuzz_build: well-formed cyclehub.v1 messages for the fuzz harnesses and
    their seed generator. One envelope of any client type, valid under
    hub_validate_envelope, built from a few ids; the prelude that puts
    in-memory commissions in every stage; the names the history store uses.
*/
#ifndef FUZZ_BUILD_H
#define FUZZ_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "hub_proto.h"

/* 2026-01-01T00:00:00Z: times of the prelude and the history store start here. */
#define FB_T0_MS       INT64_C (1767225600000)
#define FB_DAY_MS      INT64_C (86400000)
/* The default "now" of fuzz_request: 2026-06-01, after the prelude. */
#define FB_NOW_MS      (FB_T0_MS + 151 * FB_DAY_MS)

#define FB_BUYER       "GB-LAE-E09000033"
#define FB_PARTNER     "GB-NHS-RYJ"
#define FB_SUPPLIER    "GB-COH-01234567"

/* What an envelope names. NULL ids get a default ("k-1", "p-1", ...). */
typedef struct {
    const char *msg_id;             //  NULL: "m-1"
    const char *commission_id;      //  the ocid
    const char *consultation_id;
    const char *procurement_id;
    const char *award_id;
    const char *contract_id;
    const char *buyer;              //  commission.opened (NULL: FB_BUYER)
    int target;                     //  stage.change_requested (0: plan)
    int decision;                   //  review.decision (0: recommission)
    int64_t deadline_ms;            //  tender.published period end (0: T0 + 365 days)
    int64_t standstill_ends_ms;     //  award.made (0: FB_NOW + 21 days), award.direct (0: none
                                    //  applies, with no_standstill_reason)
    int64_t sent_at_ms;             //  Envelope.sent_at_ms (0: unset)
    int with_personal;              //  consultation.response: fill PersonalData
} fb_spec_t;

/* Packs a valid Envelope of body case `type` into a malloc'd buffer (*data,
   caller frees). Returns 0, or -1 for NOT_SET / an unknown case or no memory.
   erasure.recorded is built too (clients may not send it: a useful seed). */
int
    fb_envelope (Cyclehub__V1__Envelope__BodyCase type, const fb_spec_t *spec,
                 uint8_t **data, size_t *size);

/* Wraps envelope bytes in a packed Request (request_id, publish = bytes as
   they are) into a malloc'd buffer. Returns 0 or -1. */
int
    fb_request_publish (uint64_t request_id, const uint8_t *env, size_t env_size,
                        uint8_t **data, size_t *size);

/* The prelude: step i (from 0) as the envelope spec, its type and the time
   it is applied at. Returns 0, or -1 past the last step. All steps are sent
   by FB_BUYER and must be accepted by hub_cycle_apply. */
int
    fb_prelude_step (size_t i, fb_spec_t *spec, Cyclehub__V1__Envelope__BodyCase *type,
                     int64_t *now_ms);

/* The prelude's commissions, one per stage (analyse, plan, do, review, closed). */
#define FB_COMMISSIONS 5
extern const char *const fb_commissions [FB_COMMISSIONS];

/* The history store's key spaces (fuzz_history builds from them, make_seeds
   writes queries over them). */
#define FB_HISTORY_COMMISSIONS 6
#define FB_HISTORY_AGENCIES    5
extern const char *const fb_history_commissions [FB_HISTORY_COMMISSIONS];
extern const char *const fb_history_agencies [FB_HISTORY_AGENCIES];

#endif
