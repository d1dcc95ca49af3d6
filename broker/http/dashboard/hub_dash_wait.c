/*  hub_dash_wait: what a commission is waiting for at a given time, from its
    state (consultation dates, tender deadlines, standstills) and its events
    (when KPI reports fall due). One rule, used by the commissions page and
    available to the JSON API.
*/
#include <stdlib.h>
#include <string.h>
#include "hub_dash_priv.h"

#define DAY_MS 86400000LL

//  The contract's start (contract.signed's period) and the end of the last
//  period reported on it (kpi.reported); 0 when the events do not say
static void
s_contract_dates (const hub_dash_commission_t *c, const char *contract_id,
                  int64_t *start_ms, int64_t *reported_ms)
{
    *start_ms = *reported_ms = 0;
    for (size_t i = 0; i < c->n_events; i++) {
        const Cyclehub__V1__Event *ev = c->events [i];
        if (!hub_dash_event_of (ev, c->state->commission_id))
            continue;
        const Cyclehub__V1__Envelope *env = ev->envelope;
        if (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_SIGNED
        &&  env->contract_signed && streq_safe (env->contract_signed->contract_id, contract_id))
            *start_ms = env->contract_signed->period && env->contract_signed->period->start_ms
                      ? env->contract_signed->period->start_ms: ev->recorded_at_ms;
        if (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_KPI_REPORTED
        &&  env->kpi_reported && streq_safe (env->kpi_reported->contract_id, contract_id)
        &&  env->kpi_reported->period && env->kpi_reported->period->end_ms > *reported_ms)
            *reported_ms = env->kpi_reported->period->end_ms;
    }
}

static void
s_add (hub_dash_wait_t *all, size_t *n, hub_dash_wait_kind_t kind, int64_t at_ms,
       bool overdue, const char *item)
{
    all [(*n)++] = (hub_dash_wait_t) { kind, at_ms, overdue, item };
}

static void
s_consultations (const Cyclehub__V1__CommissionState *s, int64_t now,
                 hub_dash_wait_t *all, size_t *n)
{
    for (size_t i = 0; i < s->n_consultations; i++) {
        const Cyclehub__V1__ConsultationState *k = s->consultations [i];
        if (k->status == CYCLEHUB__V1__CONSULTATION_STATE__STATUS__STATUS_OPEN) {
            if (now < k->opens_at_ms)
                s_add (all, n, HUB_DASH_WAIT_CONSULTATION_OPENS, k->opens_at_ms, false, k->consultation_id);
            else if (now < k->closes_at_ms)
                s_add (all, n, HUB_DASH_WAIT_CONSULTATION_CLOSES, k->closes_at_ms, false, k->consultation_id);
            else
                s_add (all, n, HUB_DASH_WAIT_CONSULTATION_TO_CLOSE, k->closes_at_ms, true, k->consultation_id);
        }
        else
        if (k->status == CYCLEHUB__V1__CONSULTATION_STATE__STATUS__STATUS_CLOSED)
            s_add (all, n, HUB_DASH_WAIT_OUTCOME, 0, false, k->consultation_id);
    }
}

static void
s_procurements (const Cyclehub__V1__CommissionState *s, int64_t now,
                hub_dash_wait_t *all, size_t *n)
{
    for (size_t i = 0; i < s->n_procurements; i++) {
        const Cyclehub__V1__ProcurementState *p = s->procurements [i];
        if (p->status == CYCLEHUB__V1__PROCUREMENT_STATE__STATUS__STATUS_TENDER && p->tender_deadline_ms) {
            if (now < p->tender_deadline_ms)
                s_add (all, n, HUB_DASH_WAIT_TENDER_CLOSES, p->tender_deadline_ms, false, p->procurement_id);
            else
                s_add (all, n, HUB_DASH_WAIT_TENDER_TO_CLOSE, p->tender_deadline_ms, true, p->procurement_id);
        }
    }
    for (size_t i = 0; i < s->n_awards; i++) {
        const Cyclehub__V1__AwardState *a = s->awards [i];
        if (a->contract_id && *a->contract_id)
            continue;
        //  Only awards whose procurement is still awarded (not terminated)
        bool awarded = false;
        for (size_t j = 0; j < s->n_procurements; j++)
            if (streq_safe (s->procurements [j]->procurement_id, a->procurement_id))
                awarded = s->procurements [j]->status
                       == CYCLEHUB__V1__PROCUREMENT_STATE__STATUS__STATUS_AWARDED;
        if (!awarded)
            continue;
        if (now < a->standstill_ends_ms)
            s_add (all, n, HUB_DASH_WAIT_STANDSTILL_ENDS, a->standstill_ends_ms, false, a->award_id);
        else
            s_add (all, n, HUB_DASH_WAIT_CONTRACT_TO_SIGN, a->standstill_ends_ms, false, a->award_id);
    }
}

static void
s_contracts (const hub_dash_commission_t *c, int64_t now, hub_dash_wait_t *all, size_t *n)
{
    const Cyclehub__V1__CommissionState *s = c->state;
    for (size_t i = 0; i < s->n_contracts; i++) {
        const Cyclehub__V1__ContractState *k = s->contracts [i];
        if (k->status != CYCLEHUB__V1__CONTRACT_STATE__STATUS__STATUS_ACTIVE)
            continue;
        int64_t start, reported;
        s_contract_dates (c, k->contract_id, &start, &reported);
        int64_t from = reported > start? reported: start;
        if (!from)
            continue;               //  no events: nothing known about reports
        int64_t due = from + (HUB_DASH_KPI_PERIOD_DAYS + HUB_DASH_KPI_GRACE_DAYS) * DAY_MS;
        if (now > due)
            s_add (all, n, HUB_DASH_WAIT_KPI_OVERDUE, due, true, k->contract_id);
        else
            s_add (all, n, HUB_DASH_WAIT_KPI_DUE, due, false, k->contract_id);
    }
}

//  Overdue first, then what has a date ahead, then the rest; by date within
static int
s_rank (const hub_dash_wait_t *w, int64_t now)
{
    if (w->overdue)
        return 0;
    return w->at_ms > now? 1: 2;
}

static int
s_order (const hub_dash_wait_t *x, const hub_dash_wait_t *y, int64_t now)
{
    int rx = s_rank (x, now), ry = s_rank (y, now);
    if (rx != ry)
        return rx - ry;
    return x->at_ms < y->at_ms? -1: x->at_ms > y->at_ms;
}

size_t
hub_dash_waiting (const hub_dash_commission_t *c, int64_t now_ms,
                  hub_dash_wait_t *items, size_t max)
{
    const Cyclehub__V1__CommissionState *s = c? c->state: NULL;
    if (!s)
        return 0;
    size_t cap = s->n_consultations + s->n_procurements + s->n_awards + s->n_contracts;
    if (cap == 0)
        return 0;
    hub_dash_wait_t *all = calloc (cap, sizeof *all);
    if (!all)
        return 0;
    size_t n = 0;
    s_consultations (s, now_ms, all, &n);
    s_procurements (s, now_ms, all, &n);
    s_contracts (c, now_ms, all, &n);
    //  Insertion sort: stable, and n is small (a few items per commission)
    for (size_t i = 1; i < n; i++) {
        hub_dash_wait_t w = all [i];
        size_t j = i;
        while (j > 0 && s_order (&all [j - 1], &w, now_ms) > 0) {
            all [j] = all [j - 1];
            j--;
        }
        all [j] = w;
    }
    if (items && max)
        memcpy (items, all, (n < max? n: max) * sizeof *items);
    free (all);
    return n;
}
