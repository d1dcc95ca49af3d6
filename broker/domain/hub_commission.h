/*  hub_commission: the in-memory state of one commission (stage, cycle,
    owner and partners, consultations, procurements, awards, contracts),
    with its encoding as a packed cyclehub.v1.CommissionState. The state is
    changed only by hub_cycle_apply; the broker stores, rolls back (dup) and
    reads it (accessors, for replies and access rules). Pure: no I/O.
*/
#ifndef HUB_COMMISSION_H
#define HUB_COMMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hub_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _hub_commission_t hub_commission_t;

/* Creates an empty state for commission_id in stage analyse, cycle 1, with
   no owner yet (hub_cycle_apply fills it from commission.opened). Returns
   NULL if commission_id is not a valid ocid or memory runs out. */
hub_commission_t *
    hub_commission_new (const char *commission_id);

/* Destroys the state and NULLs *self_p; does nothing if either is NULL. */
void
    hub_commission_destroy (hub_commission_t **self_p);

/* Returns a deep copy that shares nothing with self (the broker keeps one to
   roll back a failed batch), or NULL if memory runs out. */
hub_commission_t *
    hub_commission_dup (const hub_commission_t *self);

/* Encodes self as a packed cyclehub.v1.CommissionState into a malloc'd
   buffer: *data (the caller frees it) and *size. Returns 0, or -1 if memory
   runs out (then *data is NULL). Equal states encode to equal bytes. */
int
    hub_commission_encode (const hub_commission_t *self, uint8_t **data, size_t *size);

/* Decodes a packed CommissionState. Returns a new state (the caller destroys
   it), or NULL if the bytes are not a protobuf CommissionState, hold unknown
   fields or bad UTF-8, or describe an impossible state (bad ocid or org-id,
   unknown stage or status, over-long or duplicate ids, including response
   ids within one agency's namespace (or reusing a shared id of an older
   state), a responding agency listed twice or with no ids, more response
   ids than responses counted,
   dangling references between awards, procurements and contracts). */
hub_commission_t *
    hub_commission_decode (const void *data, size_t size);

/* Scalars. Strings are borrowed: valid until self changes or is destroyed. */
const char *
    hub_commission_id (const hub_commission_t *self);
const char *
    hub_commission_title (const hub_commission_t *self);
/* The buyer's org-id ("" before commission.opened was applied). */
const char *
    hub_commission_owner (const hub_commission_t *self);
Cyclehub__V1__Stage
    hub_commission_stage (const hub_commission_t *self);
/* 1 for the first cycle, +1 each time review goes back to analyse. */
uint32_t
    hub_commission_cycle (const hub_commission_t *self);
int64_t
    hub_commission_opened_at (const hub_commission_t *self);
int64_t
    hub_commission_updated_at (const hub_commission_t *self);
uint64_t
    hub_commission_last_seq (const hub_commission_t *self);

/* Records the sequence number of the last event stored for the commission
   and when it was recorded (also sets updated_at). */
void
    hub_commission_set_last_seq (hub_commission_t *self, uint64_t seq, int64_t at_ms);

/* Partners, as listed by commission.opened. */
size_t
    hub_commission_partner_count (const hub_commission_t *self);
/* The i-th partner's org-id, or NULL if i is out of range. */
const char *
    hub_commission_partner (const hub_commission_t *self, size_t i);
bool
    hub_commission_is_partner (const hub_commission_t *self, const char *org_id);

/* Consultations. Status is STATUS_UNSPECIFIED if there is no such id. */
Cyclehub__V1__ConsultationState__Status
    hub_commission_consultation_status (const hub_commission_t *self, const char *consultation_id);
/* Number of responses accepted, 0 if there is no such consultation. */
uint32_t
    hub_commission_consultation_responses (const hub_commission_t *self, const char *consultation_id);
/* True if the consultation accepted a response with this id from `agency`
   (response ids are each agency's own: two agencies may both send r-1), or
   the id is one a state stored before ids were per agency kept for every
   agency; false if there is no such consultation. A state stored before
   response ids were kept at all knows only the count of its older
   responses, not their ids. */
bool
    hub_commission_consultation_has_response (const hub_commission_t *self,
                                              const char *consultation_id,
                                              const char *agency, const char *response_id);
/* Number of responses `agency` sent to the consultation whose ids are kept
   (0 if none, or no such consultation): what counts against its cap. */
uint32_t
    hub_commission_consultation_agency_responses (const hub_commission_t *self,
                                                  const char *consultation_id,
                                                  const char *agency);
/* The reason given for closing before the closing date: "" if it was not
   closed early (or is open), NULL if there is no such consultation. */
const char *
    hub_commission_consultation_close_reason (const hub_commission_t *self,
                                              const char *consultation_id);
size_t
    hub_commission_consultation_count (const hub_commission_t *self);

/* Procurements. Status is STATUS_UNSPECIFIED if there is no such id. */
Cyclehub__V1__ProcurementState__Status
    hub_commission_procurement_status (const hub_commission_t *self, const char *procurement_id);
/* The tender deadline (end of the tender period), 0 if none or no such id. */
int64_t
    hub_commission_procurement_deadline (const hub_commission_t *self, const char *procurement_id);
size_t
    hub_commission_procurement_count (const hub_commission_t *self);

/* Awards. The id of the award's procurement, or NULL if there is no such award. */
const char *
    hub_commission_award_procurement (const hub_commission_t *self, const char *award_id);
/* The contract signed on the award: "" if none yet, NULL if no such award. */
const char *
    hub_commission_award_contract (const hub_commission_t *self, const char *award_id);

/* The end of the award's standstill: 0 if none applies (a direct award with
   no_standstill_reason) or there is no such award. */
int64_t
    hub_commission_award_standstill_end (const hub_commission_t *self, const char *award_id);

/* Contracts. Status is STATUS_UNSPECIFIED if there is no such id. */
Cyclehub__V1__ContractState__Status
    hub_commission_contract_status (const hub_commission_t *self, const char *contract_id);
/* The i-th supplier of the contract, or NULL if there is no such contract or
   i is out of range: iterate from 0 until NULL. Every contract has at least
   one supplier, so a NULL at i = 0 means "no such contract". */
const char *
    hub_commission_contract_supplier (const hub_commission_t *self, const char *contract_id, size_t i);
/* The award the contract was signed on, or NULL if there is no such contract. */
const char *
    hub_commission_contract_award (const hub_commission_t *self, const char *contract_id);
/* True if org_id is one of the contract's suppliers (false if no such contract). */
bool
    hub_commission_is_contract_supplier (const hub_commission_t *self, const char *contract_id,
                                         const char *org_id);

#ifdef __cplusplus
}
#endif
#endif
