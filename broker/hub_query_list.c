/*  hub_query_list: the commission list (CommissionListQuery), built from
    the stored commission states in id order, never from the history. Each
    state is decoded once and summarised: stage, open consultations,
    procurements by state, and the earliest deadline still pending.
*/
#include "hub_query.h"
#include "hub_queries.h"
#include "hub_proto.h"

#define S_LIST_DEFAULT  100
#define S_LIST_MAX      1000

typedef struct {
    const Cyclehub__V1__CommissionListQuery *query;
    size_t limit;
    Cyclehub__V1__CommissionSummary **items;
    size_t count;
    Cyclehub__V1__CommissionState **states;     //  decoded, freed after packing
    bool more;                                  //  a match exists past the page
    bool failed;                                //  out of memory
} s_list_t;

//  Does the agency lead the commission or is it a listed partner?
static bool
s_party (const Cyclehub__V1__CommissionState *state, const char *agency)
{
    if (state->owner && streq (state->owner, agency))
        return true;
    for (size_t i = 0; i < state->n_partners; i++)
        if (streq (state->partners [i], agency))
            return true;
    return false;
}

//  A pending deadline earlier than the one held so far replaces it.
static void
s_deadline (Cyclehub__V1__CommissionSummary *item, int64_t at_ms, const char *what,
            const char *id)
{
    if (at_ms <= 0 || (item->next_deadline_ms && item->next_deadline_ms <= at_ms))
        return;
    item->next_deadline_ms = at_ms;
    if (item->waiting_for != protobuf_c_empty_string)
        free (item->waiting_for);
    item->waiting_for = zsys_sprintf (what, id);
}

static const char *
s_procurement_state (Cyclehub__V1__ProcurementState__Status status)
{
    const ProtobufCEnumValue *value = protobuf_c_enum_descriptor_get_value (
        &cyclehub__v1__procurement_state__status__descriptor, (int) status);
    //  "STATUS_TENDER" -> "tender"; the lower-casing is done by the caller
    return value? value->name + 7: "unspecified";
}

//  Fills item from state (strings borrowed from it, except waiting_for
//  and the procurement keys, which item owns).
static int
s_summarise (const Cyclehub__V1__CommissionState *state, Cyclehub__V1__CommissionSummary *item)
{
    item->commission_id = state->commission_id;
    item->title = state->title;
    item->owner = state->owner;
    item->partners = state->partners;
    item->n_partners = state->n_partners;
    item->stage = state->stage;
    item->cycle = state->cycle;
    item->updated_at_ms = state->updated_at_ms;
    item->last_seq = state->last_seq;
    for (size_t i = 0; i < state->n_consultations; i++) {
        const Cyclehub__V1__ConsultationState *c = state->consultations [i];
        if (c->status == CYCLEHUB__V1__CONSULTATION_STATE__STATUS__STATUS_OPEN) {
            item->open_consultations++;
            s_deadline (item, c->closes_at_ms, "consultation %s closes", c->consultation_id);
        }
    }
    item->procurements = calloc (state->n_procurements + 1, sizeof (void *));
    if (!item->procurements)
        return -1;
    for (size_t i = 0; i < state->n_procurements; i++) {
        const Cyclehub__V1__ProcurementState *p = state->procurements [i];
        if (p->status == CYCLEHUB__V1__PROCUREMENT_STATE__STATUS__STATUS_TENDER)
            s_deadline (item, p->tender_deadline_ms, "tender %s closes", p->procurement_id);
        char key [32];
        snprintf (key, sizeof key, "%s", s_procurement_state (p->status));
        for (char *c = key; *c; c++)
            *c = (char) tolower ((unsigned char) *c);
        size_t at = 0;
        while (at < item->n_procurements && !streq (item->procurements [at]->key, key))
            at++;
        if (at == item->n_procurements) {
            Cyclehub__V1__Count *count = calloc (1, sizeof *count);
            if (!count)
                return -1;
            cyclehub__v1__count__init (count);
            count->key = strdup (key);
            item->procurements [item->n_procurements++] = count;
        }
        item->procurements [at]->count++;
    }
    //  An award whose contract is not signed yet waits for its standstill
    for (size_t i = 0; i < state->n_awards; i++) {
        const Cyclehub__V1__AwardState *a = state->awards [i];
        if ((!a->contract_id || !*a->contract_id) && a->standstill_ends_ms)
            s_deadline (item, a->standstill_ends_ms, "standstill of award %s ends", a->award_id);
    }
    return 0;
}

static int
s_visit (const char *commission_id, const void *data, size_t size, void *arg)
{
    (void) commission_id;
    s_list_t *list = arg;
    Cyclehub__V1__CommissionState *state = cyclehub__v1__commission_state__unpack (NULL, size, data);
    if (!state) {
        zsys_error ("query: stored state of %s does not decode", commission_id);
        return 0;
    }
    const Cyclehub__V1__CommissionListQuery *query = list->query;
    if ((query->stage && state->stage != query->stage)
    ||  (query->agency && *query->agency && !s_party (state, query->agency))) {
        cyclehub__v1__commission_state__free_unpacked (state, NULL);
        return 0;
    }
    if (list->count == list->limit) {
        list->more = true;
        cyclehub__v1__commission_state__free_unpacked (state, NULL);
        return 1;
    }
    Cyclehub__V1__CommissionSummary *item = calloc (1, sizeof *item);
    if (!item) {
        list->failed = true;
        cyclehub__v1__commission_state__free_unpacked (state, NULL);
        return 1;
    }
    cyclehub__v1__commission_summary__init (item);
    list->items [list->count] = item;
    list->states [list->count] = state;
    list->count++;
    if (s_summarise (state, item))
        list->failed = true;
    return list->failed;
}

static void
s_free (s_list_t *list)
{
    for (size_t i = 0; i < list->count; i++) {
        Cyclehub__V1__CommissionSummary *item = list->items [i];
        for (size_t j = 0; j < item->n_procurements; j++) {
            free (item->procurements [j]->key);
            free (item->procurements [j]);
        }
        free (item->procurements);
        if (item->waiting_for != protobuf_c_empty_string)
            free (item->waiting_for);
        free (item);
        cyclehub__v1__commission_state__free_unpacked (list->states [i], NULL);
    }
    free (list->items);
    free (list->states);
}

void
hub_query_commissions (hub_store_t *store, uint64_t request_id,
                       const Cyclehub__V1__CommissionListQuery *query, hub_buf_t *out)
{
    s_list_t list = { .query = query };
    list.limit = query->limit == 0? S_LIST_DEFAULT
               : query->limit > S_LIST_MAX? S_LIST_MAX: query->limit;
    list.items = calloc (list.limit, sizeof (void *));
    list.states = calloc (list.limit, sizeof (void *));
    hub_verdict_t verdict = { 0 };
    if (hub_queries_check_commissions (query, &verdict))
        ;
    else
    if (!list.items || !list.states)
        hub_verdict_set (&verdict, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INTERNAL, "",
                         "the broker is out of memory; ask for a smaller page");
    else
    if (hub_store_commission_each (store, NULL, query->after_id, s_visit, &list) || list.failed)
        hub_verdict_set (&verdict, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_INTERNAL, "",
                         "the commissions could not be read; retry later");
    if (verdict.code) {
        s_free (&list);
        hub_query_reject (request_id, &verdict, out);
        return;
    }
    Cyclehub__V1__CommissionList result = CYCLEHUB__V1__COMMISSION_LIST__INIT;
    result.commissions = list.items;
    result.n_commissions = list.count;
    result.next_after_id = list.more && list.count? list.items [list.count - 1]->commission_id: "";
    Cyclehub__V1__Reply reply = CYCLEHUB__V1__REPLY__INIT;
    reply.request_id = request_id;
    reply.body_case = CYCLEHUB__V1__REPLY__BODY_COMMISSIONS;
    reply.commissions = &result;
    out->size = 0;
    size_t size = cyclehub__v1__reply__get_packed_size (&reply);
    if (hub_buf_reserve (out, size) == 0)
        out->size = cyclehub__v1__reply__pack (&reply, out->data);
    s_free (&list);
}
