/*  hub_commission: one commission's state in plain C structs, its deep copy,
    and its encoding as cyclehub.v1.CommissionState. Decoding checks the
    state as strictly as the state machine would have built it, because a
    stored state is the only input the broker trusts after a restart.
*/
#include "hub_commission_priv.h"
#include <stdlib.h>
#include <string.h>

//  --------------------------------------------------------------------------
//  Org-id lists

int
hub_orgs_set (hub_orgs_t *self, size_t n, char *const *ids)
{
    self->n = 0;
    self->ids = NULL;
    if (n == 0)
        return 0;
    self->ids = calloc (n, sizeof (hub_org_id_t));
    if (!self->ids)
        return -1;
    for (size_t i = 0; i < n; i++)
        hub_commission_copy (self->ids [i], sizeof (hub_org_id_t), ids [i]);
    self->n = n;
    return 0;
}

void
hub_orgs_free (hub_orgs_t *self)
{
    free (self->ids);
    self->ids = NULL;
    self->n = 0;
}

bool
hub_orgs_contains (const hub_orgs_t *self, const char *org_id)
{
    if (!org_id)
        return false;
    for (size_t i = 0; i < self->n; i++)
        if (strcmp (self->ids [i], org_id) == 0)
            return true;
    return false;
}

int
hub_orgs_dup (hub_orgs_t *dest, const hub_orgs_t *src)
{
    dest->n = 0;
    dest->ids = NULL;
    if (src->n == 0)
        return 0;
    dest->ids = malloc (src->n * sizeof (hub_org_id_t));
    if (!dest->ids)
        return -1;
    memcpy (dest->ids, src->ids, src->n * sizeof (hub_org_id_t));
    dest->n = src->n;
    return 0;
}

void
hub_commission_copy (char *dest, size_t size, const char *src)
{
    size_t len = src? strnlen (src, size - 1): 0;
    if (len)
        memcpy (dest, src, len);
    dest [len] = 0;
}

//  --------------------------------------------------------------------------
//  Life cycle

//  Frees what a consultation points to (its response ids)
static void
s_consultation_free (hub_consultation_t *self)
{
    free (self->shared_ids.ids);
    for (size_t i = 0; i < self->n_respondents; i++)
        free (self->respondents [i].responses.ids);
    free (self->respondents);
    memset (&self->shared_ids, 0, sizeof self->shared_ids);
    self->respondents = NULL;
    self->n_respondents = self->max_respondents = 0;
}

hub_commission_t *
hub_commission_new (const char *commission_id)
{
    if (!hub_validate_ocid (commission_id))
        return NULL;
    hub_commission_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    hub_commission_copy (self->id, sizeof self->id, commission_id);
    self->stage = CYCLEHUB__V1__STAGE__STAGE_ANALYSE;
    self->cycle = 1;
    return self;
}

void
hub_commission_destroy (hub_commission_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hub_commission_t *self = *self_p;
    hub_orgs_free (&self->partners);
    for (size_t i = 0; i < self->n_consultations; i++)
        s_consultation_free (&self->consultations [i]);
    for (size_t i = 0; i < self->n_awards; i++)
        hub_orgs_free (&self->awards [i].suppliers);
    for (size_t i = 0; i < self->n_contracts; i++)
        hub_orgs_free (&self->contracts [i].suppliers);
    free (self->consultations);
    free (self->procurements);
    free (self->awards);
    free (self->contracts);
    free (self);
    *self_p = NULL;
}

//  Grows an array to hold at least `need` elements (doubling), leaving its
//  contents alone. Returns 0 or -1.
static int
s_grow (void **array, size_t *max, size_t need, size_t elem)
{
    if (need <= *max)
        return 0;
    size_t size = *max? *max: 4;
    while (size < need)
        size *= 2;
    void *grown = realloc (*array, size * elem);
    if (!grown)
        return -1;
    *array = grown;
    *max = size;
    return 0;
}

int
hub_commission_reserve (hub_commission_t *self, size_t consultations,
                        size_t procurements, size_t awards, size_t contracts)
{
    return s_grow ((void **) &self->consultations, &self->max_consultations,
                   self->n_consultations + consultations, sizeof (hub_consultation_t))
        || s_grow ((void **) &self->procurements, &self->max_procurements,
                   self->n_procurements + procurements, sizeof (hub_procurement_t))
        || s_grow ((void **) &self->awards, &self->max_awards,
                   self->n_awards + awards, sizeof (hub_award_t))
        || s_grow ((void **) &self->contracts, &self->max_contracts,
                   self->n_contracts + contracts, sizeof (hub_contract_t))
        ? -1: 0;
}

hub_respondent_t *
hub_consultation_respondent (const hub_consultation_t *self, const char *agency)
{
    if (self && agency)
        for (size_t i = 0; i < self->n_respondents; i++)
            if (strcmp (self->respondents [i].agency, agency) == 0)
                return &self->respondents [i];
    return NULL;
}

static int
s_ids_reserve (hub_ids_t *self, size_t more)
{
    return s_grow ((void **) &self->ids, &self->max, self->n + more, sizeof (hub_local_id_t));
}

static bool
s_ids_contain (const hub_ids_t *self, const char *id)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp (self->ids [i], id) == 0)
            return true;
    return false;
}

hub_respondent_t *
hub_consultation_reserve_response (hub_consultation_t *self, const char *agency)
{
    hub_respondent_t *respondent = hub_consultation_respondent (self, agency);
    if (respondent)
        return s_ids_reserve (&respondent->responses, 1)? NULL: respondent;
    //  A new record counts only once it has room for its first id
    if (s_grow ((void **) &self->respondents, &self->max_respondents,
                self->n_respondents + 1, sizeof (hub_respondent_t)))
        return NULL;
    respondent = &self->respondents [self->n_respondents];
    memset (respondent, 0, sizeof *respondent);
    if (s_ids_reserve (&respondent->responses, 1))
        return NULL;
    hub_commission_copy (respondent->agency, sizeof respondent->agency, agency);
    self->n_respondents++;
    return respondent;
}

bool
hub_consultation_has_response (const hub_consultation_t *self, const char *agency,
                               const char *response_id)
{
    if (!self || !response_id)
        return false;
    if (s_ids_contain (&self->shared_ids, response_id))
        return true;
    const hub_respondent_t *respondent = hub_consultation_respondent (self, agency);
    return respondent && s_ids_contain (&respondent->responses, response_id);
}

//  Copies n elements of elem bytes into a fresh array (NULL when n is 0)
static int
s_array_dup (void **dest, size_t *max, const void *src, size_t n, size_t elem)
{
    *dest = NULL;
    *max = 0;
    if (n == 0)
        return 0;
    *dest = malloc (n * elem);
    if (!*dest)
        return -1;
    memcpy (*dest, src, n * elem);
    *max = n;
    return 0;
}

static int
s_ids_dup (hub_ids_t *dest, const hub_ids_t *src)
{
    dest->n = 0;
    if (s_array_dup ((void **) &dest->ids, &dest->max, src->ids, src->n, sizeof (hub_local_id_t)))
        return -1;
    dest->n = src->n;
    return 0;
}

//  Copies src into dest, sharing nothing; on failure dest holds what was
//  copied so far, safe to free with s_consultation_free
static int
s_consultation_dup (hub_consultation_t *dest, const hub_consultation_t *src)
{
    *dest = *src;
    memset (&dest->shared_ids, 0, sizeof dest->shared_ids);
    dest->respondents = NULL;
    dest->n_respondents = dest->max_respondents = 0;
    if (s_ids_dup (&dest->shared_ids, &src->shared_ids))
        return -1;
    if (src->n_respondents == 0)
        return 0;
    dest->respondents = calloc (src->n_respondents, sizeof (hub_respondent_t));
    if (!dest->respondents)
        return -1;
    dest->max_respondents = src->n_respondents;
    for (size_t i = 0; i < src->n_respondents; i++) {
        hub_respondent_t *to = &dest->respondents [i];
        memcpy (to->agency, src->respondents [i].agency, sizeof to->agency);
        dest->n_respondents = i + 1;
        if (s_ids_dup (&to->responses, &src->respondents [i].responses))
            return -1;
    }
    return 0;
}

hub_commission_t *
hub_commission_dup (const hub_commission_t *self)
{
    if (!self)
        return NULL;
    hub_commission_t *copy = malloc (sizeof *copy);
    if (!copy)
        return NULL;
    *copy = *self;
    //  Detach every pointer first, so destroy is safe after a partial copy
    copy->partners.ids = NULL;
    copy->partners.n = 0;
    copy->consultations = NULL;
    copy->procurements = NULL;
    copy->awards = NULL;
    copy->contracts = NULL;
    copy->n_consultations = copy->n_procurements = copy->n_awards = copy->n_contracts = 0;
    copy->max_consultations = copy->max_procurements = copy->max_awards = copy->max_contracts = 0;

    if (hub_orgs_dup (&copy->partners, &self->partners)
    ||  s_array_dup ((void **) &copy->procurements, &copy->max_procurements,
                     self->procurements, self->n_procurements, sizeof (hub_procurement_t)))
        goto failed;
    copy->n_procurements = self->n_procurements;

    if (self->n_consultations) {
        copy->consultations = calloc (self->n_consultations, sizeof (hub_consultation_t));
        if (!copy->consultations)
            goto failed;
        copy->max_consultations = self->n_consultations;
        for (size_t i = 0; i < self->n_consultations; i++) {
            copy->n_consultations = i + 1;
            if (s_consultation_dup (&copy->consultations [i], &self->consultations [i]))
                goto failed;
        }
    }

    if (self->n_awards) {
        copy->awards = calloc (self->n_awards, sizeof (hub_award_t));
        if (!copy->awards)
            goto failed;
        copy->max_awards = self->n_awards;
        for (size_t i = 0; i < self->n_awards; i++) {
            copy->awards [i] = self->awards [i];
            if (hub_orgs_dup (&copy->awards [i].suppliers, &self->awards [i].suppliers))
                goto failed;
            copy->n_awards = i + 1;
        }
    }
    if (self->n_contracts) {
        copy->contracts = calloc (self->n_contracts, sizeof (hub_contract_t));
        if (!copy->contracts)
            goto failed;
        copy->max_contracts = self->n_contracts;
        for (size_t i = 0; i < self->n_contracts; i++) {
            copy->contracts [i] = self->contracts [i];
            if (hub_orgs_dup (&copy->contracts [i].suppliers, &self->contracts [i].suppliers))
                goto failed;
            copy->n_contracts = i + 1;
        }
    }
    return copy;

failed:
    hub_commission_destroy (&copy);
    return NULL;
}

//  --------------------------------------------------------------------------
//  Encoding. The protobuf structs point into self's own storage: nothing is
//  copied but the arrays of pointers protobuf-c wants.

//  The arrays one encoding fills; each list of the state points into them.
//  calloc (n + 1, ...) so that zero-length lists still get a pointer.
typedef struct {
    char **orgs;                //  Partners, award and contract suppliers
    size_t org_at;              //  Next free slot in orgs
    char **ids;                 //  Response ids, shared and per agency
    size_t id_at;               //  Next free slot in ids
    Cyclehub__V1__RespondentState *respondents;     //  One per responding agency
    Cyclehub__V1__RespondentState **respondent_p;   //  Pointers to respondents
    size_t respondent_at;       //  Next free respondent
    Cyclehub__V1__ConsultationState *consultations, **consultation_p;
    Cyclehub__V1__ProcurementState *procurements, **procurement_p;
    Cyclehub__V1__AwardState *awards, **award_p;
    Cyclehub__V1__ContractState *contracts, **contract_p;
} s_wire_t;

static void
s_wire_free (s_wire_t *wire)
{
    free (wire->orgs);
    free (wire->ids);
    free (wire->respondents);
    free (wire->respondent_p);
    free (wire->consultations);
    free (wire->consultation_p);
    free (wire->procurements);
    free (wire->procurement_p);
    free (wire->awards);
    free (wire->award_p);
    free (wire->contracts);
    free (wire->contract_p);
}

//  Sizes every array for self; on -1 the caller still frees wire
static int
s_wire_alloc (s_wire_t *wire, const hub_commission_t *self)
{
    memset (wire, 0, sizeof *wire);
    //  One pointer per org-id of partners, award and contract suppliers
    size_t n_orgs = self->partners.n;
    for (size_t i = 0; i < self->n_awards; i++)
        n_orgs += self->awards [i].suppliers.n;
    for (size_t i = 0; i < self->n_contracts; i++)
        n_orgs += self->contracts [i].suppliers.n;
    //  And one per response id of every consultation, and one record per
    //  responding agency
    size_t n_ids = 0, n_respondents = 0;
    for (size_t i = 0; i < self->n_consultations; i++) {
        const hub_consultation_t *c = &self->consultations [i];
        n_ids += c->shared_ids.n;
        n_respondents += c->n_respondents;
        for (size_t j = 0; j < c->n_respondents; j++)
            n_ids += c->respondents [j].responses.n;
    }
    wire->orgs = calloc (n_orgs + 1, sizeof (char *));
    wire->ids = calloc (n_ids + 1, sizeof (char *));
    wire->respondents = calloc (n_respondents + 1, sizeof *wire->respondents);
    wire->respondent_p = calloc (n_respondents + 1, sizeof *wire->respondent_p);
    wire->consultations = calloc (self->n_consultations + 1, sizeof *wire->consultations);
    wire->consultation_p = calloc (self->n_consultations + 1, sizeof *wire->consultation_p);
    wire->procurements = calloc (self->n_procurements + 1, sizeof *wire->procurements);
    wire->procurement_p = calloc (self->n_procurements + 1, sizeof *wire->procurement_p);
    wire->awards = calloc (self->n_awards + 1, sizeof *wire->awards);
    wire->award_p = calloc (self->n_awards + 1, sizeof *wire->award_p);
    wire->contracts = calloc (self->n_contracts + 1, sizeof *wire->contracts);
    wire->contract_p = calloc (self->n_contracts + 1, sizeof *wire->contract_p);
    if (!wire->orgs || !wire->ids || !wire->respondents || !wire->respondent_p
    ||  !wire->consultations || !wire->consultation_p
    ||  !wire->procurements || !wire->procurement_p
    ||  !wire->awards || !wire->award_p || !wire->contracts || !wire->contract_p)
        return -1;
    return 0;
}

//  Lays an org-id list into wire->orgs; returns where it starts
static char **
s_wire_orgs (s_wire_t *wire, const hub_orgs_t *orgs)
{
    char **start = wire->orgs + wire->org_at;
    for (size_t i = 0; i < orgs->n; i++)
        wire->orgs [wire->org_at++] = (char *) orgs->ids [i];
    return start;
}

//  Lays an id list into wire->ids; returns where it starts
static char **
s_wire_ids (s_wire_t *wire, const hub_ids_t *ids)
{
    char **start = wire->ids + wire->id_at;
    for (size_t i = 0; i < ids->n; i++)
        wire->ids [wire->id_at++] = (char *) ids->ids [i];
    return start;
}

static void
s_encode_consultation (s_wire_t *wire, Cyclehub__V1__ConsultationState *to,
                       const hub_consultation_t *c)
{
    cyclehub__v1__consultation_state__init (to);
    to->consultation_id = (char *) c->id;
    to->status = c->status;
    to->stage = c->stage;
    to->opens_at_ms = c->opens_at_ms;
    to->closes_at_ms = c->closes_at_ms;
    to->responses = c->responses;
    to->early_close_reason = (char *) c->early_close_reason;
    to->closed_at_ms = c->closed_at_ms;
    to->n_response_ids = c->shared_ids.n;
    to->response_ids = s_wire_ids (wire, &c->shared_ids);
    to->n_respondents = c->n_respondents;
    to->respondents = wire->respondent_p + wire->respondent_at;
    for (size_t j = 0; j < c->n_respondents; j++) {
        const hub_respondent_t *from = &c->respondents [j];
        Cyclehub__V1__RespondentState *r = &wire->respondents [wire->respondent_at];
        cyclehub__v1__respondent_state__init (r);
        r->agency = (char *) from->agency;
        r->n_response_ids = from->responses.n;
        r->response_ids = s_wire_ids (wire, &from->responses);
        wire->respondent_p [wire->respondent_at++] = r;
    }
}

static void
s_encode_consultations (s_wire_t *wire, Cyclehub__V1__CommissionState *state,
                        const hub_commission_t *self)
{
    for (size_t i = 0; i < self->n_consultations; i++) {
        s_encode_consultation (wire, &wire->consultations [i], &self->consultations [i]);
        wire->consultation_p [i] = &wire->consultations [i];
    }
    state->n_consultations = self->n_consultations;
    state->consultations = wire->consultation_p;
}

static void
s_encode_procurements (s_wire_t *wire, Cyclehub__V1__CommissionState *state,
                       const hub_commission_t *self)
{
    for (size_t i = 0; i < self->n_procurements; i++) {
        const hub_procurement_t *p = &self->procurements [i];
        Cyclehub__V1__ProcurementState *to = &wire->procurements [i];
        cyclehub__v1__procurement_state__init (to);
        to->procurement_id = (char *) p->id;
        to->status = p->status;
        to->title = (char *) p->title;
        to->tender_deadline_ms = p->tender_deadline_ms;
        wire->procurement_p [i] = to;
    }
    state->n_procurements = self->n_procurements;
    state->procurements = wire->procurement_p;
}

static void
s_encode_awards (s_wire_t *wire, Cyclehub__V1__CommissionState *state,
                 const hub_commission_t *self)
{
    for (size_t i = 0; i < self->n_awards; i++) {
        const hub_award_t *a = &self->awards [i];
        Cyclehub__V1__AwardState *to = &wire->awards [i];
        cyclehub__v1__award_state__init (to);
        to->award_id = (char *) a->id;
        to->procurement_id = (char *) a->procurement_id;
        to->n_suppliers = a->suppliers.n;
        to->suppliers = s_wire_orgs (wire, &a->suppliers);
        to->standstill_ends_ms = a->standstill_ends_ms;
        to->contract_id = (char *) a->contract_id;
        wire->award_p [i] = to;
    }
    state->n_awards = self->n_awards;
    state->awards = wire->award_p;
}

static void
s_encode_contracts (s_wire_t *wire, Cyclehub__V1__CommissionState *state,
                    const hub_commission_t *self)
{
    for (size_t i = 0; i < self->n_contracts; i++) {
        const hub_contract_t *k = &self->contracts [i];
        Cyclehub__V1__ContractState *to = &wire->contracts [i];
        cyclehub__v1__contract_state__init (to);
        to->contract_id = (char *) k->id;
        to->award_id = (char *) k->award_id;
        to->n_suppliers = k->suppliers.n;
        to->suppliers = s_wire_orgs (wire, &k->suppliers);
        to->status = k->status;
        wire->contract_p [i] = to;
    }
    state->n_contracts = self->n_contracts;
    state->contracts = wire->contract_p;
}

int
hub_commission_encode (const hub_commission_t *self, uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    int rc = -1;
    s_wire_t wire;
    if (s_wire_alloc (&wire, self))
        goto done;

    Cyclehub__V1__CommissionState state = CYCLEHUB__V1__COMMISSION_STATE__INIT;
    state.commission_id = (char *) self->id;
    state.title = (char *) self->title;
    state.owner = (char *) self->owner;
    state.n_partners = self->partners.n;
    state.partners = s_wire_orgs (&wire, &self->partners);
    state.stage = self->stage;
    state.cycle = self->cycle;
    state.opened_at_ms = self->opened_at_ms;
    state.updated_at_ms = self->updated_at_ms;
    state.last_seq = self->last_seq;
    s_encode_consultations (&wire, &state, self);
    s_encode_procurements (&wire, &state, self);
    s_encode_awards (&wire, &state, self);
    s_encode_contracts (&wire, &state, self);

    size_t packed_size = cyclehub__v1__commission_state__get_packed_size (&state);
    //  + 1: malloc (0) may return NULL, and an empty state is still a state
    *data = malloc (packed_size + 1);
    if (!*data)
        goto done;
    *size = cyclehub__v1__commission_state__pack (&state, *data);
    rc = 0;

done:
    s_wire_free (&wire);
    return rc;
}

//  Copies a decoded org-id list, refusing ill-formed or repeated org-ids
static int
s_decode_orgs (hub_orgs_t *dest, size_t n, char **ids)
{
    for (size_t i = 0; i < n; i++) {
        if (!hub_validate_org_id (ids [i]))
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp (ids [i], ids [j]) == 0)
                return -1;
    }
    return hub_orgs_set (dest, n, ids);
}

static bool
s_fits (const char *s, size_t size)
{
    return s && strlen (s) < size;
}

//  Copies a decoded id list, refusing ill-formed or repeated ids and ids
//  already in `shared` (which every namespace holds)
static int
s_decode_ids (hub_ids_t *dest, size_t n, char **ids, const hub_ids_t *shared)
{
    for (size_t i = 0; i < n; i++) {
        if (!hub_validate_local_id (ids [i]) || (shared && s_ids_contain (shared, ids [i])))
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp (ids [i], ids [j]) == 0)
                return -1;
    }
    if (s_ids_reserve (dest, n))
        return -1;
    for (size_t i = 0; i < n; i++)
        hub_commission_copy (dest->ids [dest->n++], sizeof (hub_local_id_t), ids [i]);
    return 0;
}

//  The response ids of a decoded consultation. States come in three forms,
//  all accepted: a count and no ids (stored before ids were kept), a count
//  and shared ids (before ids were per agency: response_ids), and the
//  current one (per agency: respondents), possibly with shared ids too.
//  Every id accepted was counted.
static int
s_decode_responses (hub_consultation_t *to, const Cyclehub__V1__ConsultationState *c)
{
    size_t total = c->n_response_ids;
    if (s_decode_ids (&to->shared_ids, c->n_response_ids, c->response_ids, NULL))
        return -1;
    if (c->n_respondents
    &&  s_grow ((void **) &to->respondents, &to->max_respondents, c->n_respondents,
                sizeof (hub_respondent_t)))
        return -1;
    for (size_t i = 0; i < c->n_respondents; i++) {
        const Cyclehub__V1__RespondentState *r = c->respondents [i];
        if (!hub_validate_org_id (r->agency) || r->n_response_ids == 0
        ||  hub_consultation_respondent (to, r->agency))
            return -1;
        hub_respondent_t *respondent = &to->respondents [to->n_respondents++];
        memset (respondent, 0, sizeof *respondent);
        hub_commission_copy (respondent->agency, sizeof respondent->agency, r->agency);
        if (s_decode_ids (&respondent->responses, r->n_response_ids, r->response_ids,
                          &to->shared_ids))
            return -1;
        total += r->n_response_ids;
    }
    return total > c->responses? -1: 0;
}

//  Each s_decode_<part> checks one decoded record against what self already
//  holds and appends it; -1 refuses the whole state.

static int
s_decode_consultation (hub_commission_t *self, const Cyclehub__V1__ConsultationState *c)
{
    if (!hub_validate_local_id (c->consultation_id)
    ||  hub_commission_find_consultation (self, c->consultation_id)
    ||  c->status < CYCLEHUB__V1__CONSULTATION_STATE__STATUS__STATUS_OPEN
    ||  c->status > CYCLEHUB__V1__CONSULTATION_STATE__STATUS__STATUS_OUTCOME_PUBLISHED
    ||  c->stage < CYCLEHUB__V1__STAGE__STAGE_ANALYSE
    ||  c->stage > CYCLEHUB__V1__STAGE__STAGE_REVIEW
    ||  !s_fits (c->early_close_reason, HUB_COMMISSION_TITLE_SIZE))
        return -1;
    hub_consultation_t *to = &self->consultations [self->n_consultations++];
    memset (to, 0, sizeof *to);
    hub_commission_copy (to->id, sizeof to->id, c->consultation_id);
    to->status = c->status;
    to->stage = c->stage;
    to->opens_at_ms = c->opens_at_ms;
    to->closes_at_ms = c->closes_at_ms;
    to->responses = c->responses;
    to->closed_at_ms = c->closed_at_ms;
    hub_commission_copy (to->early_close_reason, sizeof to->early_close_reason,
                         c->early_close_reason);
    return s_decode_responses (to, c);
}

static int
s_decode_procurement (hub_commission_t *self, const Cyclehub__V1__ProcurementState *p)
{
    if (!hub_validate_local_id (p->procurement_id)
    ||  hub_commission_find_procurement (self, p->procurement_id)
    ||  p->status < CYCLEHUB__V1__PROCUREMENT_STATE__STATUS__STATUS_PLANNED
    ||  p->status > CYCLEHUB__V1__PROCUREMENT_STATE__STATUS__STATUS_TERMINATED
    ||  !s_fits (p->title, HUB_COMMISSION_TITLE_SIZE))
        return -1;
    hub_procurement_t *to = &self->procurements [self->n_procurements++];
    hub_commission_copy (to->id, sizeof to->id, p->procurement_id);
    to->status = p->status;
    hub_commission_copy (to->title, sizeof to->title, p->title);
    to->tender_deadline_ms = p->tender_deadline_ms;
    return 0;
}

static int
s_decode_award (hub_commission_t *self, const Cyclehub__V1__AwardState *a)
{
    if (!hub_validate_local_id (a->award_id)
    ||  hub_commission_find_award (self, a->award_id)
    ||  !hub_commission_find_procurement (self, a->procurement_id)
    ||  a->n_suppliers == 0
    ||  (*a->contract_id && !hub_validate_local_id (a->contract_id)))
        return -1;
    hub_award_t *to = &self->awards [self->n_awards];
    memset (to, 0, sizeof *to);
    if (s_decode_orgs (&to->suppliers, a->n_suppliers, a->suppliers))
        return -1;
    self->n_awards++;
    hub_commission_copy (to->id, sizeof to->id, a->award_id);
    hub_commission_copy (to->procurement_id, sizeof to->procurement_id, a->procurement_id);
    to->standstill_ends_ms = a->standstill_ends_ms;
    hub_commission_copy (to->contract_id, sizeof to->contract_id, a->contract_id);
    return 0;
}

static int
s_decode_contract (hub_commission_t *self, const Cyclehub__V1__ContractState *k)
{
    const hub_award_t *award = hub_commission_find_award (self, k->award_id);
    if (!hub_validate_local_id (k->contract_id)
    ||  hub_commission_find_contract (self, k->contract_id)
    ||  !award || strcmp (award->contract_id, k->contract_id) != 0
    ||  k->n_suppliers == 0
    ||  k->status < CYCLEHUB__V1__CONTRACT_STATE__STATUS__STATUS_ACTIVE
    ||  k->status > CYCLEHUB__V1__CONTRACT_STATE__STATUS__STATUS_EXPIRED)
        return -1;
    hub_contract_t *to = &self->contracts [self->n_contracts];
    memset (to, 0, sizeof *to);
    if (s_decode_orgs (&to->suppliers, k->n_suppliers, k->suppliers))
        return -1;
    self->n_contracts++;
    hub_commission_copy (to->id, sizeof to->id, k->contract_id);
    hub_commission_copy (to->award_id, sizeof to->award_id, k->award_id);
    to->status = k->status;
    return 0;
}

//  The parts in order: awards need their procurements, contracts their awards
static int
s_decode_parts (hub_commission_t *self, const Cyclehub__V1__CommissionState *state)
{
    for (size_t i = 0; i < state->n_consultations; i++)
        if (s_decode_consultation (self, state->consultations [i]))
            return -1;
    for (size_t i = 0; i < state->n_procurements; i++)
        if (s_decode_procurement (self, state->procurements [i]))
            return -1;
    for (size_t i = 0; i < state->n_awards; i++)
        if (s_decode_award (self, state->awards [i]))
            return -1;
    for (size_t i = 0; i < state->n_contracts; i++)
        if (s_decode_contract (self, state->contracts [i]))
            return -1;
    //  An award that names a contract must have it
    for (size_t i = 0; i < self->n_awards; i++)
        if (*self->awards [i].contract_id
        &&  !hub_commission_find_contract (self, self->awards [i].contract_id))
            return -1;
    return 0;
}

hub_commission_t *
hub_commission_decode (const void *data, size_t size)
{
    if (!data && size)
        return NULL;
    Cyclehub__V1__CommissionState *state =
        cyclehub__v1__commission_state__unpack (NULL, size, data);
    if (!state)
        return NULL;
    hub_commission_t *self = NULL;
    char path [128];
    if (hub_proto_check (&state->base, path, sizeof path) != HUB_CHECK_OK)
        goto failed;
    if (!hub_validate_org_id (state->owner)
    ||  !s_fits (state->title, HUB_COMMISSION_TITLE_SIZE)
    ||  state->stage < CYCLEHUB__V1__STAGE__STAGE_ANALYSE
    ||  state->stage > CYCLEHUB__V1__STAGE__STAGE_CLOSED
    ||  state->cycle < 1)
        goto failed;
    self = hub_commission_new (state->commission_id);
    if (!self)
        goto failed;
    hub_commission_copy (self->title, sizeof self->title, state->title);
    hub_commission_copy (self->owner, sizeof self->owner, state->owner);
    if (s_decode_orgs (&self->partners, state->n_partners, state->partners))
        goto failed;
    self->stage = state->stage;
    self->cycle = state->cycle;
    self->opened_at_ms = state->opened_at_ms;
    self->updated_at_ms = state->updated_at_ms;
    self->last_seq = state->last_seq;
    if (hub_commission_reserve (self, state->n_consultations, state->n_procurements,
                                state->n_awards, state->n_contracts)
    ||  s_decode_parts (self, state))
        goto failed;
    cyclehub__v1__commission_state__free_unpacked (state, NULL);
    return self;

failed:
    hub_commission_destroy (&self);
    cyclehub__v1__commission_state__free_unpacked (state, NULL);
    return NULL;
}

//  --------------------------------------------------------------------------
//  Lookups and accessors

#define S_FIND(list, n) \
    if (id) \
        for (size_t i = 0; i < self->n; i++) \
            if (strcmp (self->list [i].id, id) == 0) \
                return &self->list [i]; \
    return NULL

hub_consultation_t *
hub_commission_find_consultation (const hub_commission_t *self, const char *id)
{
    S_FIND (consultations, n_consultations);
}

hub_procurement_t *
hub_commission_find_procurement (const hub_commission_t *self, const char *id)
{
    S_FIND (procurements, n_procurements);
}

hub_award_t *
hub_commission_find_award (const hub_commission_t *self, const char *id)
{
    S_FIND (awards, n_awards);
}

hub_contract_t *
hub_commission_find_contract (const hub_commission_t *self, const char *id)
{
    S_FIND (contracts, n_contracts);
}

const char *
hub_commission_id (const hub_commission_t *self)
{
    return self->id;
}

const char *
hub_commission_title (const hub_commission_t *self)
{
    return self->title;
}

const char *
hub_commission_owner (const hub_commission_t *self)
{
    return self->owner;
}

Cyclehub__V1__Stage
hub_commission_stage (const hub_commission_t *self)
{
    return self->stage;
}

uint32_t
hub_commission_cycle (const hub_commission_t *self)
{
    return self->cycle;
}

int64_t
hub_commission_opened_at (const hub_commission_t *self)
{
    return self->opened_at_ms;
}

int64_t
hub_commission_updated_at (const hub_commission_t *self)
{
    return self->updated_at_ms;
}

uint64_t
hub_commission_last_seq (const hub_commission_t *self)
{
    return self->last_seq;
}

void
hub_commission_set_last_seq (hub_commission_t *self, uint64_t seq, int64_t at_ms)
{
    self->last_seq = seq;
    self->updated_at_ms = at_ms;
}

size_t
hub_commission_partner_count (const hub_commission_t *self)
{
    return self->partners.n;
}

const char *
hub_commission_partner (const hub_commission_t *self, size_t i)
{
    return i < self->partners.n? self->partners.ids [i]: NULL;
}

bool
hub_commission_is_partner (const hub_commission_t *self, const char *org_id)
{
    return hub_orgs_contains (&self->partners, org_id);
}

Cyclehub__V1__ConsultationState__Status
hub_commission_consultation_status (const hub_commission_t *self, const char *consultation_id)
{
    const hub_consultation_t *c = hub_commission_find_consultation (self, consultation_id);
    return c? c->status: CYCLEHUB__V1__CONSULTATION_STATE__STATUS__STATUS_UNSPECIFIED;
}

uint32_t
hub_commission_consultation_responses (const hub_commission_t *self, const char *consultation_id)
{
    const hub_consultation_t *c = hub_commission_find_consultation (self, consultation_id);
    return c? c->responses: 0;
}

const char *
hub_commission_consultation_close_reason (const hub_commission_t *self, const char *consultation_id)
{
    const hub_consultation_t *c = hub_commission_find_consultation (self, consultation_id);
    return c? c->early_close_reason: NULL;
}

bool
hub_commission_consultation_has_response (const hub_commission_t *self, const char *consultation_id,
                                          const char *agency, const char *response_id)
{
    return hub_consultation_has_response (hub_commission_find_consultation (self, consultation_id),
                                          agency, response_id);
}

uint32_t
hub_commission_consultation_agency_responses (const hub_commission_t *self,
                                              const char *consultation_id, const char *agency)
{
    const hub_respondent_t *respondent = hub_consultation_respondent (
        hub_commission_find_consultation (self, consultation_id), agency);
    return respondent? (uint32_t) respondent->responses.n: 0;
}

size_t
hub_commission_consultation_count (const hub_commission_t *self)
{
    return self->n_consultations;
}

Cyclehub__V1__ProcurementState__Status
hub_commission_procurement_status (const hub_commission_t *self, const char *procurement_id)
{
    const hub_procurement_t *p = hub_commission_find_procurement (self, procurement_id);
    return p? p->status: CYCLEHUB__V1__PROCUREMENT_STATE__STATUS__STATUS_UNSPECIFIED;
}

int64_t
hub_commission_procurement_deadline (const hub_commission_t *self, const char *procurement_id)
{
    const hub_procurement_t *p = hub_commission_find_procurement (self, procurement_id);
    return p? p->tender_deadline_ms: 0;
}

size_t
hub_commission_procurement_count (const hub_commission_t *self)
{
    return self->n_procurements;
}

const char *
hub_commission_award_procurement (const hub_commission_t *self, const char *award_id)
{
    const hub_award_t *a = hub_commission_find_award (self, award_id);
    return a? a->procurement_id: NULL;
}

const char *
hub_commission_contract_award (const hub_commission_t *self, const char *contract_id)
{
    const hub_contract_t *c = hub_commission_find_contract (self, contract_id);
    return c? c->award_id: NULL;
}

const char *
hub_commission_award_contract (const hub_commission_t *self, const char *award_id)
{
    const hub_award_t *a = hub_commission_find_award (self, award_id);
    return a? a->contract_id: NULL;
}

int64_t
hub_commission_award_standstill_end (const hub_commission_t *self, const char *award_id)
{
    const hub_award_t *a = hub_commission_find_award (self, award_id);
    return a? a->standstill_ends_ms: 0;
}

Cyclehub__V1__ContractState__Status
hub_commission_contract_status (const hub_commission_t *self, const char *contract_id)
{
    const hub_contract_t *k = hub_commission_find_contract (self, contract_id);
    return k? k->status: CYCLEHUB__V1__CONTRACT_STATE__STATUS__STATUS_UNSPECIFIED;
}

const char *
hub_commission_contract_supplier (const hub_commission_t *self, const char *contract_id, size_t i)
{
    const hub_contract_t *k = hub_commission_find_contract (self, contract_id);
    return k && i < k->suppliers.n? k->suppliers.ids [i]: NULL;
}

bool
hub_commission_is_contract_supplier (const hub_commission_t *self, const char *contract_id,
                                     const char *org_id)
{
    const hub_contract_t *k = hub_commission_find_contract (self, contract_id);
    return k && hub_orgs_contains (&k->suppliers, org_id);
}
