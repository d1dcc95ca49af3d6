/*  hub_ocds_contract: the releases of a procurement's contracting process
    from the contract on: signed, changed, ended, and the monitoring
    reports as implementation milestones and transactions. The contract's
    award and procurement come from the commission's domain state.
*/
#include <stdio.h>
#include <string.h>
#include "hub_ocds_priv.h"
#include "hub_money.h"
#include "hub_number.h"

//  contract.signed (UK7): the award becomes active
int
hub_ocds_build_contract_signed (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__ContractSigned *m = ctx->env->contract_signed;
    const char *procurement_id = hub_commission_award_procurement (ctx->state, m->award_id);
    if (!procurement_id)
        return hub_ocds_fail (ctx->ocds, ctx->event->seq, "contract.signed refers to award "
                              "\"%.64s\", which the commission does not have: feed the "
                              "commission's whole history", m->award_id);
    json_t *value;
    if (hub_ocds_value (ctx, m->value, "contract_signed.value", &value))
        return -1;
    if (!hub_ocds_process_release (ctx, procurement_id, "contract")) {
        json_decref (value);
        return -1;
    }
    json_t *award = json_object ();
    json_object_set_new (award, "id", json_string (m->award_id));
    json_object_set_new (award, "status", json_string ("active"));
    hub_ocds_append (ctx->release, "awards", award);
    json_t *contract = json_object ();
    json_object_set_new (contract, "id", json_string (m->contract_id));
    json_object_set_new (contract, "awardID", json_string (m->award_id));
    json_object_set_new (contract, "status", json_string ("active"));
    if (m->period)
        hub_ocds_set_period (contract, "period", m->period->start_ms, m->period->end_ms);
    if (value)
        json_object_set_new (contract, "value", value);
    hub_ocds_set_time (contract, "dateSigned", ctx->event->recorded_at_ms);
    hub_ocds_append (ctx->release, "contracts", contract);
    return 0;
}

//  contract.changed (UK10)
int
hub_ocds_build_contract_changed (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__ContractChanged *m = ctx->env->contract_changed;
    json_t *value;
    if (hub_ocds_value (ctx, m->new_value, "contract_changed.new_value", &value))
        return -1;
    json_t *contract = hub_ocds_contract_release (ctx, m->contract_id, "contractAmendment");
    if (!contract) {
        json_decref (value);
        return -1;
    }
    if (value)
        json_object_set_new (contract, "value", value);
    hub_ocds_set_period (contract, "period", 0, m->new_end_ms);
    hub_ocds_append (contract, "amendments",
                     hub_ocds_amendment (ctx->release, ctx->event, m->description, NULL));
    return 0;
}

//  contract.ended (UK11/UK12): OCDS "terminated" covers both ends, completed
//  (expired) or cut short; the document says which
int
hub_ocds_build_contract_ended (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__ContractEnded *m = ctx->env->contract_ended;
    json_t *contract = hub_ocds_contract_release (ctx, m->contract_id, "contractTermination");
    if (!contract)
        return -1;
    bool early = m->how == CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_TERMINATED;
    json_object_set_new (contract, "status", json_string ("terminated"));
    hub_ocds_set_period (contract, "period", 0, m->ended_at_ms);
    if (m->reason && *m->reason) {
        char id [96];
        hub_ocds_seq_id (id, sizeof id, "termination", ctx);
        hub_ocds_append (contract, "documents",
                         hub_ocds_document (id, early? "cancellationDetails": NULL,
                                            early? "Contract terminated early": "Contract expired",
                                            m->reason, ctx->event->recorded_at_ms));
    }
    return 0;
}

//  A milestone in the contract's implementation
static void
s_milestone (json_t *contract, json_t *milestone)
{
    hub_ocds_append (hub_ocds_child (contract, "implementation"), "milestones", milestone);
}

//  kpi.reported (UK9): a reporting milestone rated by the KPI
int
hub_ocds_build_kpi (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__KpiReported *m = ctx->env->kpi_reported;
    json_t *contract = hub_ocds_contract_release (ctx, m->contract_id, "implementation");
    if (!contract)
        return -1;
    json_t *milestone = json_object ();
    char id [96], title [160], value [HUB_NUMBER_TEXT_MAX], target [HUB_NUMBER_TEXT_MAX];
    char text [160];
    hub_ocds_seq_id (id, sizeof id, "kpi", ctx);
    json_object_set_new (milestone, "id", json_string (id));
    snprintf (title, sizeof title, "KPI %.64s report", m->kpi_code);
    json_object_set_new (milestone, "title", json_string (title));
    json_object_set_new (milestone, "type", json_string ("reporting"));
    hub_ocds_set_str (milestone, "code", m->kpi_code);
    hub_number_format (m->value, value, sizeof value);
    hub_number_format (m->target, target, sizeof target);
    snprintf (text, sizeof text, "Value %s against target %s%s", value, target,
              m->breach? " (breach)": "");
    json_object_set_new (milestone, "description", json_string (text));
    if (m->period)
        hub_ocds_set_time (milestone, "dueDate", m->period->end_ms);
    hub_ocds_set_time (milestone, "dateModified", ctx->event->recorded_at_ms);
    const char *status = NULL;
    if (m->breach || m->rating == CYCLEHUB__V1__RATING__RATING_RED)
        status = "notMet";
    else
    if (m->rating == CYCLEHUB__V1__RATING__RATING_AMBER)
        status = "partiallyMet";
    else
    if (m->rating == CYCLEHUB__V1__RATING__RATING_GREEN)
        status = "met";
    hub_ocds_set_str (milestone, "status", status);
    s_milestone (contract, milestone);
    return 0;
}

static const char *
s_milestone_status (Cyclehub__V1__MilestoneStatus status)
{
    switch (status) {
        case CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_COMPLETE: return "met";
        case CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_MISSED:   return "notMet";
        case CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_NOT_STARTED:
        case CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_ON_TRACK:
        case CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_AT_RISK:  return "scheduled";
        default: return NULL;
    }
}

//  milestone.updated: a delivery milestone, updated by id
int
hub_ocds_build_milestone (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__MilestoneUpdated *m = ctx->env->milestone_updated;
    json_t *contract = hub_ocds_contract_release (ctx, m->contract_id, "implementation");
    if (!contract)
        return -1;
    json_t *milestone = json_object ();
    json_object_set_new (milestone, "id", json_string (m->milestone_id));
    hub_ocds_set_str (milestone, "title", m->title);
    json_object_set_new (milestone, "type", json_string ("delivery"));
    hub_ocds_set_time (milestone, "dueDate", m->due_ms);
    hub_ocds_set_time (milestone, "dateMet", m->completed_ms);
    hub_ocds_set_time (milestone, "dateModified", ctx->event->recorded_at_ms);
    hub_ocds_set_str (milestone, "status", s_milestone_status (m->status));
    s_milestone (contract, milestone);
    return 0;
}

//  social_value.reported: a met reporting milestone naming the measure; the
//  proxy value is written exactly, as text (a milestone has no value)
int
hub_ocds_build_social_value (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__SocialValueReported *m = ctx->env->social_value_reported;
    json_t *value;
    if (hub_ocds_value (ctx, m->proxy_value, "social_value_reported.proxy_value", &value))
        return -1;
    json_decref (value);
    json_t *contract = hub_ocds_contract_release (ctx, m->contract_id, "implementation");
    if (!contract)
        return -1;
    json_t *milestone = json_object ();
    char id [96], text [320], quantity [HUB_NUMBER_TEXT_MAX], money [96], proxy [128] = "";
    bool framework = m->framework && *m->framework;
    hub_ocds_seq_id (id, sizeof id, "social-value", ctx);
    json_object_set_new (milestone, "id", json_string (id));
    snprintf (text, sizeof text, "Social value %.64s%s%.64s report",
              framework? m->framework: "", framework? " ": "", m->measure_code);
    json_object_set_new (milestone, "title", json_string (text));
    json_object_set_new (milestone, "type", json_string ("reporting"));
    hub_ocds_set_str (milestone, "code", m->measure_code);
    hub_number_format (m->quantity, quantity, sizeof quantity);
    if (hub_ocds_money_text (m->proxy_value, money, sizeof money) > 0)
        snprintf (proxy, sizeof proxy, "; proxy value %s", money);
    snprintf (text, sizeof text, "Quantity %s%s%.64s%s", quantity,
              m->unit && *m->unit? " ": "", m->unit, proxy);
    json_object_set_new (milestone, "description", json_string (text));
    if (m->period)
        hub_ocds_set_time (milestone, "dueDate", m->period->end_ms);
    hub_ocds_set_time (milestone, "dateMet", ctx->event->recorded_at_ms);
    json_object_set_new (milestone, "status", json_string ("met"));
    s_milestone (contract, milestone);
    return 0;
}

//  payment.reported (UK8): a transaction from the buyer; the payee is known
//  when the contract has a single supplier
int
hub_ocds_build_payment (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__PaymentReported *m = ctx->env->payment_reported;
    json_t *value;
    if (hub_ocds_value (ctx, m->amount, "payment_reported.amount", &value))
        return -1;
    json_t *contract = hub_ocds_contract_release (ctx, m->contract_id, "implementation");
    if (!contract) {
        json_decref (value);
        return -1;
    }
    const char *buyer = hub_ocds_buyer (ctx);
    json_t *transaction = json_object ();
    json_object_set_new (transaction, "id", json_string (m->payment_id));
    hub_ocds_set_time (transaction, "date", m->paid_ms? m->paid_ms: ctx->event->recorded_at_ms);
    if (value)
        json_object_set_new (transaction, "value", value);
    json_object_set_new (transaction, "payer", hub_ocds_org_ref (buyer));
    hub_ocds_role (ctx, ctx->process, buyer, HUB_OCDS_PAYER);
    const char *payee = hub_commission_contract_supplier (ctx->state, m->contract_id, 0);
    if (payee && !hub_commission_contract_supplier (ctx->state, m->contract_id, 1)) {
        json_object_set_new (transaction, "payee", hub_ocds_org_ref (payee));
        hub_ocds_role (ctx, ctx->process, payee, HUB_OCDS_PAYEE);
    }
    hub_ocds_append (hub_ocds_child (contract, "implementation"), "transactions", transaction);
    return 0;
}
