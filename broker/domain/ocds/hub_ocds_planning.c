/*  hub_ocds_planning: the releases of a commission's planning process (its
    own ocid): the commission opened, needs assessed, priorities agreed,
    the strategy approved, and the notices that come before a procurement's
    tender (pipeline or planned procurement, UK1/UK3; market engagement,
    UK2). A notice is a planning milestone and document named by its
    procurement, not a tender: one ocid's tender is one procurement, and a
    commission plans several.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hub_ocds_priv.h"

//  commission.opened: the planning process starts, with the buyer and partners
int
hub_ocds_build_opened (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__CommissionOpened *m = ctx->env->commission_opened;
    json_object_set_new (ctx->book, "buyer", json_string (m->buyer));
    json_object_set_new (ctx->book, "title", json_string (m->title? m->title: ""));
    hub_ocds_role (ctx, NULL, m->buyer, HUB_OCDS_BUYER | HUB_OCDS_PROCURING_ENTITY);
    for (size_t i = 0; i < m->n_partners; i++)
        hub_ocds_partner (ctx, m->partners [i]);
    json_t *planning = hub_ocds_planning_release (ctx);
    hub_ocds_set_str (planning, "rationale",
                      m->description && *m->description? m->description: m->title);
    return 0;
}

//  needs.assessed: a needs assessment document, and one per evidence link
int
hub_ocds_build_needs (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__NeedsAssessed *m = ctx->env->needs_assessed;
    json_t *planning = hub_ocds_planning_release (ctx);
    char id [96], title [600];
    hub_ocds_seq_id (id, sizeof id, "needs", ctx);
    snprintf (title, sizeof title, "Needs assessment: %s", m->population);
    //  the statements, one per line
    size_t len = 1;
    for (size_t i = 0; i < m->n_need_statements; i++)
        len += strlen (m->need_statements [i]) + 1;
    char *statements = calloc (1, len);
    for (size_t i = 0; statements && i < m->n_need_statements; i++) {
        strcat (statements, m->need_statements [i]);
        if (i + 1 < m->n_need_statements)
            strcat (statements, "\n");
    }
    int64_t at = ctx->event->recorded_at_ms;
    hub_ocds_append (planning, "documents",
                     hub_ocds_document (id, "needsAssessment", title, statements, at));
    free (statements);
    for (size_t i = 0; i < m->n_evidence_links; i++) {
        char link_id [136];
        snprintf (link_id, sizeof link_id, "%s-evidence-%zu", id, i + 1);
        json_t *doc = hub_ocds_document (link_id, "needsAssessment", "Evidence for the needs assessment",
                                         NULL, at);
        json_object_set_new (doc, "url", json_string (m->evidence_links [i]));
        hub_ocds_append (planning, "documents", doc);
    }
    return 0;
}

//  priorities.agreed: the planning rationale is what was agreed
int
hub_ocds_build_priorities (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__PrioritiesAgreed *m = ctx->env->priorities_agreed;
    json_t *planning = hub_ocds_planning_release (ctx);
    size_t len = 32 + (m->summary? strlen (m->summary): 0);
    for (size_t i = 0; i < m->n_priorities; i++)
        len += strlen (m->priorities [i]) + 2;
    char *text = malloc (len);
    if (!text)
        return hub_ocds_fail (ctx->ocds, ctx->event->seq, "out of memory");
    strcpy (text, "Priorities agreed: ");
    for (size_t i = 0; i < m->n_priorities; i++) {
        strcat (text, m->priorities [i]);
        strcat (text, i + 1 < m->n_priorities? "; ": ".");
    }
    if (m->summary && *m->summary) {
        strcat (text, " ");
        strcat (text, m->summary);
    }
    json_object_set_new (planning, "rationale", json_string (text));
    free (text);
    return 0;
}

//  strategy.approved: the commissioning strategy as the procurement plan
int
hub_ocds_build_strategy (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__StrategyApproved *m = ctx->env->strategy_approved;
    json_t *planning = hub_ocds_planning_release (ctx);
    char id [96];
    hub_ocds_seq_id (id, sizeof id, "strategy", ctx);
    json_t *doc = hub_ocds_document (id, "procurementPlan", m->title, m->summary,
                                     ctx->event->recorded_at_ms);
    hub_ocds_set_str (doc, "url", m->document_url);
    hub_ocds_append (planning, "documents", doc);
    return 0;
}

//  procurement.planned: a pipeline (UK1) or planned procurement (UK3)
//  notice; the milestone is the procurement's expected tender, updated by
//  a later notice for the same procurement (same id)
int
hub_ocds_build_planned (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__ProcurementPlanned *m = ctx->env->procurement_planned;
    json_t *value;
    if (hub_ocds_value (ctx, m->estimated_value, "procurement_planned.estimated_value", &value))
        return -1;
    json_decref (value);            //  checked; written as text (a milestone has no value)
    bool pipeline = m->kind == CYCLEHUB__V1__NOTICE_KIND__NOTICE_KIND_PIPELINE;
    char money [96], text [400], id [96];
    hub_ocds_money_text (m->estimated_value, money, sizeof money);
    snprintf (text, sizeof text, "%s notice for procurement %s%s%s",
              pipeline? "Pipeline (UK1)": "Planned procurement (UK3)", m->procurement_id,
              *money? ", estimated value ": "", money);
    json_t *planning = hub_ocds_planning_release (ctx);
    json_t *milestone = json_object ();
    snprintf (id, sizeof id, "procurement-%s", m->procurement_id);
    json_object_set_new (milestone, "id", json_string (id));
    hub_ocds_set_str (milestone, "title", m->title && *m->title? m->title: id);
    json_object_set_new (milestone, "type", json_string ("preProcurement"));
    json_object_set_new (milestone, "code", json_string (m->procurement_id));
    json_object_set_new (milestone, "description", json_string (text));
    hub_ocds_set_time (milestone, "dueDate", m->expected_tender_ms);
    hub_ocds_set_time (milestone, "dateModified", ctx->event->recorded_at_ms);
    json_object_set_new (milestone, "status", json_string ("scheduled"));
    hub_ocds_append (planning, "milestones", milestone);
    hub_ocds_seq_id (id, sizeof id, "notice", ctx);
    hub_ocds_append (planning, "documents",
                     hub_ocds_document (id, "plannedProcurementNotice", m->title, text,
                                        ctx->event->recorded_at_ms));
    return 0;
}

//  procurement.engagement: preliminary market engagement (UK2)
int
hub_ocds_build_engagement (hub_ocds_ctx_t *ctx)
{
    const Cyclehub__V1__MarketEngagement *m = ctx->env->market_engagement;
    json_t *planning = hub_ocds_planning_release (ctx);
    json_t *milestone = json_object ();
    char id [96], title [160];
    hub_ocds_seq_id (id, sizeof id, "engagement", ctx);
    snprintf (title, sizeof title, "Preliminary market engagement for procurement %.64s",
              m->procurement_id);
    json_object_set_new (milestone, "id", json_string (id));
    json_object_set_new (milestone, "title", json_string (title));
    json_object_set_new (milestone, "type", json_string ("engagement"));
    json_object_set_new (milestone, "code", json_string (m->procurement_id));
    hub_ocds_set_str (milestone, "description", m->description);
    if (m->period)
        hub_ocds_set_time (milestone, "dueDate", m->period->end_ms);
    hub_ocds_append (planning, "milestones", milestone);
    return 0;
}
