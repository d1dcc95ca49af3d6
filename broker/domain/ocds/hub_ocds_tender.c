/*  hub_ocds_tender: the releases of a procurement's contracting process
    from its tender to its award: tender, amendment, close, termination,
    award after evaluation and direct award.
*/
#include <stdio.h>
#include <string.h>
#include "hub_ocds_priv.h"
#include "hub_time.h"

static const char *
s_procedure_method (Cyclehub__V1__Procedure procedure, const char **details)
{
    switch (procedure) {
        case CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN:
            *details = "Open procedure (Procurement Act 2023)";
            return "open";
        case CYCLEHUB__V1__PROCEDURE__PROCEDURE_COMPETITIVE_FLEXIBLE:
            *details = "Competitive flexible procedure (Procurement Act 2023)";
            return "selective";
        case CYCLEHUB__V1__PROCEDURE__PROCEDURE_FRAMEWORK_CALL_OFF:
            *details = "Call-off from a framework";
            return "selective";
        default:
            *details = NULL;
            return NULL;
    }
}

//  tender.published (UK4)
int
hub_ocds_build_tender (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__TenderPublished *m = ctx->env->tender_published;
    json_t *value;
    if (hub_ocds_value (ctx, m->value, "tender_published.value", &value))
        return -1;
    if (!hub_ocds_process_release (ctx, m->procurement_id, "tender")) {
        json_decref (value);
        return -1;
    }
    json_t *tender = hub_ocds_tender (ctx, m->procurement_id);
    hub_ocds_set_str (tender, "title", m->title);
    hub_ocds_set_str (tender, "description", m->description);
    json_object_set_new (tender, "status", json_string ("active"));
    json_object_set_new (tender, "procuringEntity", hub_ocds_org_ref (hub_ocds_buyer (ctx)));
    if (value)
        json_object_set_new (tender, "value", value);
    const char *details;
    const char *method = s_procedure_method (m->procedure, &details);
    hub_ocds_set_str (tender, "procurementMethod", method);
    hub_ocds_set_str (tender, "procurementMethodDetails", details);
    json_object_set_new (tender, "mainProcurementCategory", json_string ("services"));
    if (m->social_value_weight_pct) {
        char text [96];
        snprintf (text, sizeof text, "Social value weighting %u%% (PPN 06/20)",
                  m->social_value_weight_pct);
        json_object_set_new (tender, "awardCriteriaDetails", json_string (text));
    }
    if (m->tender_period)
        hub_ocds_set_period (tender, "tenderPeriod", m->tender_period->start_ms,
                             m->tender_period->end_ms);
    return 0;
}

//  tender.amended: amends the process's previous tender release
int
hub_ocds_build_tender_amended (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__TenderAmended *m = ctx->env->tender_amended;
    json_t *value;
    if (hub_ocds_value (ctx, m->value, "tender_amended.value", &value))
        return -1;
    if (!hub_ocds_process_release (ctx, m->procurement_id, "tenderAmendment")) {
        json_decref (value);
        return -1;
    }
    json_t *amends = json_incref (json_object_get (ctx->process, "tender_release"));
    json_t *tender = hub_ocds_tender (ctx, m->procurement_id);
    if (value)
        json_object_set_new (tender, "value", value);
    hub_ocds_set_period (tender, "tenderPeriod", 0, m->new_deadline_ms);
    hub_ocds_append (tender, "amendments",
                     hub_ocds_amendment (ctx->release, ctx->event, m->description,
                                         json_string_value (amends)));
    json_decref (amends);
    return 0;
}

//  tender.closed: the deadline passed; still active (evaluation), bids counted
int
hub_ocds_build_tender_closed (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__TenderClosed *m = ctx->env->tender_closed;
    if (!hub_ocds_process_release (ctx, m->procurement_id, "tenderUpdate"))
        return -1;
    json_t *tender = hub_ocds_tender (ctx, m->procurement_id);
    json_object_set_new (tender, "status", json_string ("active"));
    json_object_set_new (tender, "numberOfTenderers", json_integer (m->bids_received));
    hub_ocds_set_period (tender, "awardPeriod", ctx->event->recorded_at_ms, 0);
    return 0;
}

//  procurement.terminated (UK12): the process is cancelled; a re-tender is
//  a new procurement, so a new process
int
hub_ocds_build_terminated (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__ProcurementTerminated *m = ctx->env->procurement_terminated;
    if (!hub_ocds_process_release (ctx, m->procurement_id, "tenderCancellation"))
        return -1;
    json_t *tender = hub_ocds_tender (ctx, m->procurement_id);
    json_object_set_new (tender, "status", json_string ("cancelled"));
    if (m->reason && *m->reason) {
        char id [96];
        hub_ocds_seq_id (id, sizeof id, "cancellation", ctx);
        hub_ocds_append (tender, "documents",
                         hub_ocds_document (id, "cancellationDetails",
                                            "Procurement termination notice (UK12)", m->reason,
                                            ctx->event->recorded_at_ms));
    }
    return 0;
}

//  What award.made and award.direct have in common
typedef struct {
    const char *procurement_id, *award_id;
    size_t n_suppliers;
    char **suppliers;
    const Cyclehub__V1__Money *value;
    const char *value_field;
    int64_t standstill_ends_ms;
    const char *no_standstill_reason;
} s_award_t;

//  The award release: pending through the standstill, active once a
//  contract is signed. The standstill (or why none applies) is told in the
//  award's description: OCDS 1.1 has no field for it.
static json_t *
s_award (hub_ocds_ctx_t *ctx, const s_award_t *a)
{
    json_t *value;
    if (hub_ocds_value (ctx, a->value, a->value_field, &value)
    ||  !hub_ocds_process_release (ctx, a->procurement_id, "award")) {
        json_decref (value);
        return NULL;
    }
    json_t *award = json_object ();
    json_object_set_new (award, "id", json_string (a->award_id));
    json_object_set_new (award, "status", json_string ("pending"));
    hub_ocds_set_time (award, "date", ctx->event->recorded_at_ms);
    if (value)
        json_object_set_new (award, "value", value);
    json_t *refs = json_array ();
    for (size_t i = 0; i < a->n_suppliers; i++) {
        json_array_append_new (refs, hub_ocds_org_ref (a->suppliers [i]));
        hub_ocds_role (ctx, ctx->process, a->suppliers [i], HUB_OCDS_SUPPLIER);
    }
    json_object_set_new (award, "suppliers", refs);
    char date [HUB_TIME_TEXT_MAX], text [640] = "";
    if (a->standstill_ends_ms && hub_time_format (a->standstill_ends_ms, date, sizeof date) >= 0)
        snprintf (text, sizeof text, "Standstill period ends %s.", date);
    else
    if (a->no_standstill_reason && *a->no_standstill_reason)
        snprintf (text, sizeof text, "No standstill period: %.500s", a->no_standstill_reason);
    hub_ocds_set_str (award, "description", text);
    hub_ocds_append (ctx->release, "awards", award);
    json_t *tender = hub_ocds_tender (ctx, a->procurement_id);
    json_object_set_new (tender, "status", json_string ("complete"));
    return tender;
}

//  award.made (UK6): after evaluation, with its standstill
int
hub_ocds_build_award_made (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__AwardMade *m = ctx->env->award_made;
    s_award_t a = { m->procurement_id, m->award_id, m->n_suppliers, m->suppliers, m->value,
                    "award_made.value", m->standstill_ends_ms, NULL };
    return s_award (ctx, &a)? 0: -1;
}

//  award.direct (UK5): without competition, with its justification
int
hub_ocds_build_direct_award (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__DirectAward *m = ctx->env->direct_award;
    s_award_t a = { m->procurement_id, m->award_id, m->n_suppliers, m->suppliers, m->value,
                    "direct_award.value", m->standstill_ends_ms, m->no_standstill_reason };
    json_t *tender = s_award (ctx, &a);
    if (!tender)
        return -1;
    //  one supplier chosen without competition; several is a limited procedure
    json_object_set_new (tender, "procurementMethod",
                         json_string (m->n_suppliers > 1? "limited": "direct"));
    json_object_set_new (tender, "procurementMethodDetails",
                         json_string ("Direct award (Procurement Act 2023)"));
    hub_ocds_set_str (tender, "procurementMethodRationale", m->justification);
    return 0;
}
