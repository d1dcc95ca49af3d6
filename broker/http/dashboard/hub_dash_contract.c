/*  hub_dash_contract: each contract's summary (suppliers, value, period),
    a KPI chart per indicator (hub_dash_kpi.c) and the social value
    reported on it, from the commission's state and events.
*/
#include <stdio.h>
#include "hub_dash_priv.h"

static const Cyclehub__V1__ContractSigned *
s_signed (const hub_dash_commission_t *c, const char *contract_id)
{
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (hub_dash_event_of (ev, c->state->commission_id)
        &&  ev->envelope->body_case == CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_SIGNED
        &&  ev->envelope->contract_signed
        &&  streq_safe (ev->envelope->contract_signed->contract_id, contract_id))
            return ev->envelope->contract_signed;
    }
    return NULL;
}

//  The value as last changed (contract.changed), else as signed
static const Cyclehub__V1__Money *
s_value (const hub_dash_commission_t *c, const char *contract_id, const Cyclehub__V1__ContractSigned *sg)
{
    const Cyclehub__V1__Money *value = sg? sg->value: NULL;
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (hub_dash_event_of (ev, c->state->commission_id)
        &&  ev->envelope->body_case == CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_CHANGED
        &&  ev->envelope->contract_changed
        &&  streq_safe (ev->envelope->contract_changed->contract_id, contract_id)
        &&  ev->envelope->contract_changed->new_value)
            value = ev->envelope->contract_changed->new_value;
    }
    return value;
}

static void
s_summary (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const hub_dash_commission_t *c,
           const Cyclehub__V1__ContractState *k, const Cyclehub__V1__ContractSigned *sg)
{
    char text [HUB_DASH_MONEY_MAX], from [HUB_DASH_DATE_MAX], to [HUB_DASH_DATE_MAX];
    hub_dash_raw (b, "<dl class=\"hub-summary\"><div class=\"hub-summary__row\"><dt class=\"hub-summary__key\">"
                     "Supplier</dt><dd class=\"hub-summary__value\">");
    for (size_t i = 0; i < k->n_suppliers; i++) {
        hub_dash_raw (b, i? "<br>": "");
        hub_dash_agency (b, ctx, k->suppliers [i]);
    }
    hub_dash_money (s_value (c, k->contract_id, sg), text, sizeof text);
    hub_dash_raw (b, "</dd></div><div class=\"hub-summary__row\"><dt class=\"hub-summary__key\">Value</dt>"
                     "<dd class=\"hub-summary__value\">");
    hub_dash_text (b, text);
    hub_dash_raw (b, "</dd></div>");
    if (sg && sg->period) {
        hub_dash_date (sg->period->start_ms, from, sizeof from);
        hub_dash_period_end (sg->period->end_ms, to, sizeof to);
        hub_dash_raw (b, "<div class=\"hub-summary__row\"><dt class=\"hub-summary__key\">Period</dt>"
                         "<dd class=\"hub-summary__value\">");
        hub_dash_text (b, from);
        hub_dash_raw (b, " to ");
        hub_dash_text (b, to);
        hub_dash_raw (b, "</dd></div>");
    }
    hub_dash_raw (b, "<div class=\"hub-summary__row\"><dt class=\"hub-summary__key\">Award</dt>"
                     "<dd class=\"hub-summary__value hub-id\">");
    hub_dash_text (b, k->award_id);
    hub_dash_raw (b, "</dd></div></dl>\n");
}

//  KPI codes reported on the contract that its signing did not list
static void
s_unlisted_kpis (hub_dash_buf_t *b, const hub_dash_commission_t *c, const char *contract_id,
                 const Cyclehub__V1__ContractSigned *sg, int *index)
{
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (!hub_dash_event_of (ev, c->state->commission_id)
        ||  ev->envelope->body_case != CYCLEHUB__V1__ENVELOPE__BODY_KPI_REPORTED
        ||  !ev->envelope->kpi_reported
        ||  !streq_safe (ev->envelope->kpi_reported->contract_id, contract_id))
            continue;
        const char *code = ev->envelope->kpi_reported->kpi_code;
        bool seen = false;
        for (size_t j = 0; sg && j < sg->n_kpis && !seen; j++)
            seen = streq_safe (sg->kpis [j]->code, code);
        for (size_t j = 0; j < i && !seen; j++)     //  drawn for an earlier report
            seen = hub_dash_event_of (c->events [j], c->state->commission_id)
                && c->events [j]->envelope->body_case == CYCLEHUB__V1__ENVELOPE__BODY_KPI_REPORTED
                && c->events [j]->envelope->kpi_reported
                && streq_safe (c->events [j]->envelope->kpi_reported->contract_id, contract_id)
                && streq_safe (c->events [j]->envelope->kpi_reported->kpi_code, code);
        if (!seen)
            hub_dash_kpi_chart (b, c, contract_id, NULL, code, (*index)++);
    }
}

static void
s_social_value (hub_dash_buf_t *b, const hub_dash_commission_t *c, const char *contract_id)
{
    size_t n = 0;
    char from [HUB_DASH_DATE_MAX], to [HUB_DASH_DATE_MAX], num [64], money [HUB_DASH_MONEY_MAX];
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (!hub_dash_event_of (ev, c->state->commission_id)
        ||  ev->envelope->body_case != CYCLEHUB__V1__ENVELOPE__BODY_SOCIAL_VALUE_REPORTED
        ||  !ev->envelope->social_value_reported
        ||  !streq_safe (ev->envelope->social_value_reported->contract_id, contract_id))
            continue;
        const Cyclehub__V1__SocialValueReported *sv = ev->envelope->social_value_reported;
        if (n++ == 0)
            hub_dash_raw (b, "<h4 class=\"hub-heading-s\">Social value reported</h4>\n"
                             "<table class=\"hub-table hub-social\"><thead><tr>"
                             "<th scope=\"col\" class=\"hub-table__header\">Period</th>"
                             "<th scope=\"col\" class=\"hub-table__header\">Measure</th>"
                             "<th scope=\"col\" class=\"hub-table__header hub-table__cell--numeric\">Quantity</th>"
                             "<th scope=\"col\" class=\"hub-table__header hub-table__cell--numeric\">Proxy value</th>"
                             "</tr></thead><tbody>\n");
        hub_dash_date (sv->period? sv->period->start_ms: ev->recorded_at_ms, from, sizeof from);
        hub_dash_period_end (sv->period? sv->period->end_ms: ev->recorded_at_ms, to, sizeof to);
        hub_dash_number (sv->quantity, num, sizeof num);
        hub_dash_money (sv->proxy_value, money, sizeof money);
        hub_dash_raw (b, "<tr><td class=\"hub-table__cell\">");
        hub_dash_text (b, from);
        hub_dash_raw (b, " to ");
        hub_dash_text (b, to);
        hub_dash_raw (b, "</td><td class=\"hub-table__cell\">");
        hub_dash_text (b, sv->framework);
        hub_dash_raw (b, " ");
        hub_dash_text (b, sv->measure_code);
        hub_dash_raw (b, "</td><td class=\"hub-table__cell hub-table__cell--numeric\">");
        hub_dash_text (b, num);
        hub_dash_raw (b, " ");
        hub_dash_text (b, sv->unit);
        hub_dash_raw (b, "</td><td class=\"hub-table__cell hub-table__cell--numeric\">");
        hub_dash_text (b, money);
        hub_dash_raw (b, "</td></tr>\n");
    }
    if (n)
        hub_dash_raw (b, "</tbody></table>\n");
    else
        hub_dash_raw (b, "<h4 class=\"hub-heading-s\">Social value reported</h4>"
                         "<p class=\"hub-body\">None reported yet.</p>\n");
}

void
hub_dash_contracts (hub_dash_buf_t *b, const hub_dash_ctx_t *ctx, const hub_dash_commission_t *c)
{
    static const char *status [] = { "Unknown", "Active", "Terminated", "Expired" };
    static const char *colour [] = { "grey", "green", "red", "grey" };
    const Cyclehub__V1__CommissionState *s = c->state;
    int index = 0;
    hub_dash_raw (b, "<h2 class=\"hub-heading-l\" id=\"contracts\">Contracts</h2>\n");
    if (s->n_contracts == 0)
        hub_dash_raw (b, "<p class=\"hub-body\">No contract yet.</p>\n");
    for (size_t i = 0; i < s->n_contracts; i++) {
        const Cyclehub__V1__ContractState *k = s->contracts [i];
        unsigned st = (unsigned) k->status < 4? (unsigned) k->status: 0;
        const Cyclehub__V1__ContractSigned *sg = s_signed (c, k->contract_id);
        hub_dash_raw (b, "<section class=\"hub-contract\" data-contract=\"");
        hub_dash_text (b, k->contract_id);
        hub_dash_raw (b, "\"><h3 class=\"hub-heading-m\">Contract <span class=\"hub-id\">");
        hub_dash_text (b, k->contract_id);
        hub_dash_rawf (b, "</span> <strong class=\"hub-tag hub-tag--%s\">%s</strong></h3>\n",
                       colour [st], status [st]);
        s_summary (b, ctx, c, k, sg);
        for (size_t j = 0; sg && j < sg->n_kpis; j++)
            hub_dash_kpi_chart (b, c, k->contract_id, sg->kpis [j], sg->kpis [j]->code, index++);
        s_unlisted_kpis (b, c, k->contract_id, sg, &index);
        s_social_value (b, c, k->contract_id);
        hub_dash_raw (b, "</section>\n");
    }
}
