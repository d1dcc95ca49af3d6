/*  hub_queries: the form of the read requests (history, commission). A
    client's mistake in a query gets a stable code and a sentence, never
    INTERNAL: every filter string is checked for its characters and length
    here, before the store sees it. Pure functions over the request.
*/
#ifndef HUB_QUERIES_H
#define HUB_QUERIES_H

#include "hub_proto.h"
#include "hub_verdict.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Is the history query well formed? Checks, in this order, stopping at the
   first problem (v->field is "history.<name>"), each with its own sentence:
   INVALID_VALUE   commission_id is set but over HUB_VALIDATE_OCID_MAX
                   bytes, or not an ocid
   INVALID_VALUE   agency is set but over HUB_VALIDATE_ORG_ID_MAX bytes, or
                   not an org-id
   INVALID_VALUE   type is set but over 64 bytes, or not a message type name
   INVALID_VALUE   a value of commission_ids, agencies or types fails its
                   single field's check (field "history.commission_ids", ...)
   INVALID_VALUE   until_ms is set and not later than since_ms
   (An unknown stage is the schema check's, hub_proto_check.) Returns 0, or
   -1 with v filled. */
int
    hub_queries_check_history (const Cyclehub__V1__HistoryQuery *query, hub_verdict_t *v);

/* Is the commission query well formed? MISSING_FIELD if commission_id is
   empty, INVALID_VALUE if it is over HUB_VALIDATE_OCID_MAX bytes or not an
   ocid (field "commission.commission_id"). Returns 0, or -1 with v filled. */
int
    hub_queries_check_commission (const Cyclehub__V1__CommissionQuery *query, hub_verdict_t *v);

/* A commission list query: an agency filter that is an org-id (or ""), a
   page start that is an ocid (or ""); an unknown stage is the schema
   check's. Returns 0, or -1 with INVALID_VALUE naming the field. */
int
    hub_queries_check_commissions (const Cyclehub__V1__CommissionListQuery *query,
                                   hub_verdict_t *v);

#ifdef __cplusplus
}
#endif
#endif
