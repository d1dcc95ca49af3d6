/*  hub_validate: field checks of a published Envelope, message type by type,
    independent of any commission's state. Pure functions: no I/O, no clock.
    The broker runs these after hub_proto_check (unknown fields, UTF-8, frame
    limits) and before hub_cycle_apply (the state machine).
*/
#ifndef HUB_VALIDATE_H
#define HUB_VALIDATE_H

#include <stdbool.h>
#include "hub_proto.h"
#include "hub_verdict.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits, in bytes. A string over its limit is TOO_LARGE. */
#define HUB_VALIDATE_TITLE_MAX     500     /* titles, names, short labels */
#define HUB_VALIDATE_TEXT_MAX      10000   /* descriptions, summaries, reasons, free text */
#define HUB_VALIDATE_URL_MAX       2048    /* document and evidence links */
#define HUB_VALIDATE_CODE_MAX      64      /* KPI codes, measure codes, units, frameworks */
#define HUB_VALIDATE_LOCAL_ID_MAX  64      /* procurement, award, contract, consultation ... ids */
#define HUB_VALIDATE_MSG_ID_MAX    128     /* Envelope.msg_id */
#define HUB_VALIDATE_ORG_LOCAL_MAX 32      /* the id part of an org-id */
#define HUB_VALIDATE_OCID_MAX      (5 + 6 + 1 + HUB_VALIDATE_LOCAL_ID_MAX)
#define HUB_VALIDATE_ORG_ID_MAX    (9 + HUB_VALIDATE_ORG_LOCAL_MAX)   /* longest scheme "GB-UKPRN-" + id */
#define HUB_VALIDATE_LIST_MAX      HUB_PROTO_MAX_REPEATED             /* items in a repeated field */

/* Times (*_ms) that are set must lie in [2000-01-01, 2200-01-01) UTC. */
#define HUB_VALIDATE_TIME_MIN_MS   INT64_C (946684800000)
#define HUB_VALIDATE_TIME_MAX_MS   INT64_C (7258118400000)
/* Money amounts (minor units) above this are refused as a typo: 10^15 pence. */
#define HUB_VALIDATE_MONEY_MAX     INT64_C (1000000000000000)

/* Returns 0 if env is a well-formed publish, else -1 with v filled:
   MISSING_FIELD   a required field is empty (or an enum is UNSPECIFIED)
   INVALID_VALUE   a value is ill-formed or out of range
   TOO_LARGE       a string or list is over its limit
   UNKNOWN_TYPE    no body, or a body clients may not send (erasure.recorded).
   v->field is the dotted path of the field ("tender_published.value.amount",
   list elements as "partners[2]"). Checks stop at the first problem. */
int
    hub_validate_envelope (const Cyclehub__V1__Envelope *env, hub_verdict_t *v);

/* ocds-<6 lowercase alnum>-<local id: 1..64 of [A-Za-z0-9._-]> */
bool
    hub_validate_ocid (const char *s);

/* SCHEME-id: a known scheme then 1..32 of [A-Za-z0-9]. Known schemes:
   GB-LAE (English local authority), GB-NHS (NHS ODS code), GB-CHC (charity,
   England and Wales), GB-COH (Companies House), GB-SC (Scottish charity),
   GB-NIC (Northern Ireland charity), and also GB-LAS (Scottish local
   authority), GB-PLA (Welsh principal local authority), GB-LANI (Northern
   Ireland district council), GB-GOR (central government), GB-EDU (school),
   GB-UKPRN (learning provider), GB-MPR (mutual: co-operative or community
   benefit society). Any other scheme is refused. */
bool
    hub_validate_org_id (const char *s);

/* Procurement, award, contract, consultation, response, milestone, payment
   ids: 1..64 of [A-Za-z0-9._:-]. */
bool
    hub_validate_local_id (const char *s);

/* Envelope.msg_id: 1..128 of [A-Za-z0-9._:-]. */
bool
    hub_validate_msg_id (const char *s);

#ifdef __cplusplus
}
#endif
#endif
