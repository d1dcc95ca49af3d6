/*  hub_ocds_priv: what the files of the OCDS converter share.

    hub_ocds.c        the public API: commissions, their domain state and
                      bookkeeping, parties, the package
    hub_ocds_build.c  the table of release builders (the ocds column of
                      proto/hub_types.def) and the helpers they share
    hub_ocds_planning.c, hub_ocds_tender.c, hub_ocds_contract.c
                      the builders, one function per message type: the
                      planning process; tender and award; contract and
                      implementation
    hub_ocds_json.c   JSON helpers: exact amounts, times, documents
    hub_ocds_merge.c  the compiled release (OCDS merge)

    A commission's bookkeeping is a JSON object, so that hub_ocds_add can
    work on a copy and keep it only when the event is taken whole:
      { "buyer": org-id, "parties": {org-id: role bits},
        "planning": true once the planning process has a release,
        "processes": {procurement id: {"ocid", "tender_release",
                                       "parties": {org-id: role bits}}} }
    Awards, contracts and stages are not in it: they are the domain's
    (hub_commission_t, read through hub_commission.h).
*/
#ifndef HUB_OCDS_PRIV_H
#define HUB_OCDS_PRIV_H

#include <jansson.h>
#include "hub_ocds.h"
#include "hub_commission.h"
#include "hub_types.h"

//  Party roles, as bits, in the order they are written
enum {
    HUB_OCDS_BUYER = 1,
    HUB_OCDS_PROCURING_ENTITY = 2,
    HUB_OCDS_SUPPLIER = 4,
    HUB_OCDS_PAYER = 8,
    HUB_OCDS_PAYEE = 16,
    HUB_OCDS_INTERESTED = 32
};

//  What a builder works with
typedef struct {
    hub_ocds_t *ocds;                       //  for hub_ocds_fail
    const Cyclehub__V1__Event *event;       //  the event
    const Cyclehub__V1__Envelope *env;      //  its envelope
    const hub_commission_t *state;          //  the commission before the event;
                                            //  NULL for commission.opened
    json_t *book;                           //  the commission's bookkeeping (a copy)
    const char *ocid;                       //  the commission's ocid
    json_t *release;                        //  out: the release made, or NULL
    json_t *process;                        //  out: its procurement's process, or
                                            //  NULL for the planning process
} hub_ocds_ctx_t;

//  A builder: makes ctx->release (or none). Returns 0, or -1 after hub_ocds_fail.
typedef int (hub_ocds_builder_fn) (hub_ocds_ctx_t *ctx);

//  One per row of proto/hub_types.def: hub_ocds_build_<ocds>
#define HUB_TYPE(CASE, member, Type, name, group, verb, summary, stages, cycle, \
                 relations, rule, ocds, check) \
    hub_ocds_builder_fn hub_ocds_build_##ocds;
#include "hub_types.def"
#undef HUB_TYPE

//  hub_ocds_build.c: the builder of a body case, NULL if it makes no release
hub_ocds_builder_fn *
    hub_ocds_builder (Cyclehub__V1__Envelope__BodyCase body_case);
//  a release in the planning process ("planning", then "planningUpdate");
//  returns its planning object
json_t *
    hub_ocds_planning_release (hub_ocds_ctx_t *ctx);
//  a release in the procurement's contracting process; NULL after a failure
json_t *
    hub_ocds_process_release (hub_ocds_ctx_t *ctx, const char *procurement_id, const char *tag);
//  the release's tender object, remembered as the one the next amendment amends
json_t *
    hub_ocds_tender (hub_ocds_ctx_t *ctx, const char *procurement_id);
//  a release in the contract's process with contracts [{id, awardID}];
//  returns the contract, NULL after a failure (no such contract)
json_t *
    hub_ocds_contract_release (hub_ocds_ctx_t *ctx, const char *contract_id, const char *tag);
//  the commission's buyer
const char *
    hub_ocds_buyer (hub_ocds_ctx_t *ctx);
//  "<prefix>-<seq>"
void
    hub_ocds_seq_id (char *buf, size_t size, const char *prefix, hub_ocds_ctx_t *ctx);
//  hub_ocds.c: adds a partner of the commission with its role
//  (interestedParty, or buyer for a joint commissioner)
void
    hub_ocds_partner (hub_ocds_ctx_t *ctx, const char *org_id);

//  hub_ocds.c: the contracting process of a procurement (created on first
//  use with its ocid and registered, so that no commission can take its
//  ocid); NULL after hub_ocds_fail
json_t *
    hub_ocds_process (hub_ocds_ctx_t *ctx, const char *procurement_id);
//  adds a role to a party of the commission (process NULL) or of a process
void
    hub_ocds_role (hub_ocds_ctx_t *ctx, json_t *process, const char *org_id, int role);
//  sets a message and returns -1
int
    hub_ocds_fail (hub_ocds_t *self, uint64_t seq, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  hub_ocds_json.c
json_t *
    hub_ocds_release_new (hub_ocds_ctx_t *ctx, const char *ocid, const char *tag);
void
    hub_ocds_set_time (json_t *obj, const char *key, int64_t ms);
void
    hub_ocds_set_str (json_t *obj, const char *key, const char *value);
void
    hub_ocds_set_period (json_t *obj, const char *key, int64_t start_ms, int64_t end_ms);
void
    hub_ocds_append (json_t *obj, const char *key, json_t *item);
json_t *
    hub_ocds_child (json_t *obj, const char *key);
int
    hub_ocds_value (hub_ocds_ctx_t *ctx, const Cyclehub__V1__Money *money, const char *field,
                    json_t **value);
int
    hub_ocds_money_text (const Cyclehub__V1__Money *money, char *buf, size_t size);
json_t *
    hub_ocds_org_ref (const char *org_id);
json_t *
    hub_ocds_document (const char *id, const char *type, const char *title,
                       const char *description, int64_t published_ms);
json_t *
    hub_ocds_amendment (json_t *release, const Cyclehub__V1__Event *event,
                        const char *description, const char *amends);
void
    hub_ocds_unmark (char *text);

//  hub_ocds_merge.c: the compiled release of one ocid's releases
json_t *
    hub_ocds_compiled (const char *ocid, json_t *releases);

#endif
