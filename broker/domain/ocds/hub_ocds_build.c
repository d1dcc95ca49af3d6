/*  hub_ocds_build: the table of OCDS release builders, one per message
    type, named by the ocds column of proto/hub_types.def
    (hub_ocds_build_<ocds>, in hub_ocds_planning.c, hub_ocds_tender.c and
    hub_ocds_contract.c), and the helpers they share. A builder reads the
    event, the commission's domain state before it (ctx->state) and the
    bookkeeping, and makes at most one release (ctx->release): in the
    commission's ocid (its planning process) or in the ocid of the
    procurement the message is about (its contracting process). Parties and
    the buyer are added by hub_ocds.c when the release is finished.
*/
#include <stdio.h>
#include <string.h>
#include "hub_ocds_priv.h"
#include "hub_types.h"

//  --------------------------------------------------------------------------
//  Helpers

//  A release in the commission's planning process: "planning" for the
//  first, "planningUpdate" after. Returns its planning object.
json_t *
hub_ocds_planning_release (hub_ocds_ctx_t *ctx)
{
    json_t *book = ctx->book;
    bool first = !json_is_true (json_object_get (book, "planning"));
    ctx->release = hub_ocds_release_new (ctx, ctx->ocid, first? "planning": "planningUpdate");
    json_object_set_new (book, "planning", json_true ());
    return hub_ocds_child (ctx->release, "planning");
}

//  A release in the contracting process of a procurement; NULL on failure
json_t *
hub_ocds_process_release (hub_ocds_ctx_t *ctx, const char *procurement_id, const char *tag)
{
    json_t *process = hub_ocds_process (ctx, procurement_id);
    if (!process)
        return NULL;
    ctx->release = hub_ocds_release_new (
        ctx, json_string_value (json_object_get (process, "ocid")), tag);
    return ctx->release;
}

//  The release's tender object; the next amendment amends this release
json_t *
hub_ocds_tender (hub_ocds_ctx_t *ctx, const char *procurement_id)
{
    json_t *tender = hub_ocds_child (ctx->release, "tender");
    json_object_set_new (tender, "id", json_string (procurement_id));
    json_object_set (ctx->process, "tender_release", json_object_get (ctx->release, "id"));
    return tender;
}

const char *
hub_ocds_buyer (hub_ocds_ctx_t *ctx)
{
    return json_string_value (json_object_get (ctx->book, "buyer"));
}

//  A release in the contract's process with the contract {id, awardID};
//  NULL (and failed) if the commission has no such contract
json_t *
hub_ocds_contract_release (hub_ocds_ctx_t *ctx, const char *contract_id, const char *tag)
{
    const char *award_id = hub_commission_contract_award (ctx->state, contract_id);
    const char *procurement_id = award_id? hub_commission_award_procurement (ctx->state, award_id): NULL;
    if (!procurement_id) {
        hub_ocds_fail (ctx->ocds, ctx->event->seq, "%s refers to contract \"%.64s\", which the "
                       "commission does not have: feed the commission's whole history",
                       ctx->event->type && *ctx->event->type? ctx->event->type: "event",
                       contract_id);
        return NULL;
    }
    if (!hub_ocds_process_release (ctx, procurement_id, tag))
        return NULL;
    json_t *contract = json_object ();
    json_object_set_new (contract, "id", json_string (contract_id));
    json_object_set_new (contract, "awardID", json_string (award_id));
    hub_ocds_append (ctx->release, "contracts", contract);
    return contract;
}

//  An id made of a prefix and the event's seq
void
hub_ocds_seq_id (char *buf, size_t size, const char *prefix, hub_ocds_ctx_t *ctx)
{
    snprintf (buf, size, "%s-%llu", prefix, (unsigned long long) ctx->event->seq);
}

//  --------------------------------------------------------------------------
//  The table: a row naming a builder that does not exist fails to compile

#define hub_ocds_build_none NULL
static hub_ocds_builder_fn *const s_builders [] = {
#define HUB_TYPE(CASE, member, Type, name, group, verb, summary, stages, cycle, \
                 relations, rule, ocds, check) \
    [CYCLEHUB__V1__ENVELOPE__BODY_##CASE] = hub_ocds_build_##ocds,
#include "hub_types.def"
#undef HUB_TYPE
};
#undef hub_ocds_build_none

hub_ocds_builder_fn *
hub_ocds_builder (Cyclehub__V1__Envelope__BodyCase body_case)
{
    size_t i = (size_t) body_case;
    return i < sizeof s_builders / sizeof s_builders [0]? s_builders [i]: NULL;
}
