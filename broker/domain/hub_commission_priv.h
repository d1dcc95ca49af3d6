/*  hub_commission_priv: the layout of hub_commission_t, shared by the
    modules of hub_domain that change it (hub_commission, hub_cycle) and by
    their tests. Everyone else uses the accessors in hub_commission.h.
    Ids are fixed-size: hub_validate bounds them before they get here.
*/
#ifndef HUB_COMMISSION_PRIV_H
#define HUB_COMMISSION_PRIV_H

#include "hub_commission.h"
#include "hub_validate.h"

#define HUB_COMMISSION_ID_SIZE     (HUB_VALIDATE_OCID_MAX + 1)
#define HUB_COMMISSION_LOCAL_SIZE  (HUB_VALIDATE_LOCAL_ID_MAX + 1)
#define HUB_COMMISSION_ORG_SIZE    (HUB_VALIDATE_ORG_ID_MAX + 1)
#define HUB_COMMISSION_TITLE_SIZE  (HUB_VALIDATE_TITLE_MAX + 1)

typedef char hub_org_id_t [HUB_COMMISSION_ORG_SIZE];
typedef char hub_local_id_t [HUB_COMMISSION_LOCAL_SIZE];

//  A list of org-ids in one block, so a copy is one memcpy
typedef struct {
    size_t n;                       //  number of org-ids
    hub_org_id_t *ids;              //  n org-ids, NULL when n is 0
} hub_orgs_t;

//  A list of local ids, grown by doubling
typedef struct {
    hub_local_id_t *ids;                                    //  in order; NULL when none
    size_t n;                                               //  used
    size_t max;                                             //  allocated
} hub_ids_t;

//  One agency's responses to a consultation: response ids are each
//  agency's own namespace, and the cap is per agency
typedef struct {
    hub_org_id_t agency;                                    //  the responding agency
    hub_ids_t responses;                                    //  its response ids
} hub_respondent_t;

typedef struct {
    char id [HUB_COMMISSION_LOCAL_SIZE];                    //  consultation_id
    Cyclehub__V1__ConsultationState__Status status;         //  open, closed, outcome published
    Cyclehub__V1__Stage stage;                              //  the stage it was opened in
    int64_t opens_at_ms;                                    //  as announced
    int64_t closes_at_ms;                                   //  as announced
    uint32_t responses;                                     //  responses accepted
    hub_ids_t shared_ids;                                   //  ids accepted before ids were per
                                                            //  agency (stored states): reserved
                                                            //  for every agency
    hub_respondent_t *respondents;                          //  in order of first response
    size_t n_respondents;                                   //  used
    size_t max_respondents;                                 //  allocated
    //  shared_ids.n + every respondent's ids <= responses: a state stored
    //  before ids were kept at all has a count and fewer ids
    int64_t closed_at_ms;                                   //  when closed, 0 while open
    char early_close_reason [HUB_COMMISSION_TITLE_SIZE];    //  "" unless closed early
} hub_consultation_t;

typedef struct {
    char id [HUB_COMMISSION_LOCAL_SIZE];                    //  procurement_id
    Cyclehub__V1__ProcurementState__Status status;          //  planned .. terminated
    char title [HUB_COMMISSION_TITLE_SIZE];                 //  latest title given
    int64_t tender_deadline_ms;                             //  end of the tender period, 0 if none
} hub_procurement_t;

typedef struct {
    char id [HUB_COMMISSION_LOCAL_SIZE];                    //  award_id
    char procurement_id [HUB_COMMISSION_LOCAL_SIZE];        //  the procurement awarded
    hub_orgs_t suppliers;                                   //  at least one
    int64_t standstill_ends_ms;                             //  0 if no standstill applies
    char contract_id [HUB_COMMISSION_LOCAL_SIZE];           //  "" until a contract is signed
} hub_award_t;

typedef struct {
    char id [HUB_COMMISSION_LOCAL_SIZE];                    //  contract_id
    char award_id [HUB_COMMISSION_LOCAL_SIZE];              //  the award it comes from
    hub_orgs_t suppliers;                                   //  copied from the award
    Cyclehub__V1__ContractState__Status status;             //  active, terminated, expired
} hub_contract_t;

struct _hub_commission_t {
    char id [HUB_COMMISSION_ID_SIZE];                       //  the ocid
    char title [HUB_COMMISSION_TITLE_SIZE];                 //  from commission.opened
    char owner [HUB_COMMISSION_ORG_SIZE];                   //  the buyer's org-id
    hub_orgs_t partners;                                    //  partner agencies
    Cyclehub__V1__Stage stage;                              //  analyse .. closed
    uint32_t cycle;                                         //  1, +1 per review -> analyse
    int64_t opened_at_ms;                                   //  when commission.opened was applied
    int64_t updated_at_ms;                                  //  last change
    uint64_t last_seq;                                      //  last event stored (broker)
    hub_consultation_t *consultations;                      //  in order of opening
    size_t n_consultations;                                 //  used
    size_t max_consultations;                               //  allocated
    hub_procurement_t *procurements;                        //  in order of creation
    size_t n_procurements;
    size_t max_procurements;
    hub_award_t *awards;                                    //  in order of award
    size_t n_awards;
    size_t max_awards;
    hub_contract_t *contracts;                              //  in order of signature
    size_t n_contracts;
    size_t max_contracts;
};

/* Lookups by id; NULL if absent. */
hub_consultation_t *
    hub_commission_find_consultation (const hub_commission_t *self, const char *id);
hub_procurement_t *
    hub_commission_find_procurement (const hub_commission_t *self, const char *id);
hub_award_t *
    hub_commission_find_award (const hub_commission_t *self, const char *id);
hub_contract_t *
    hub_commission_find_contract (const hub_commission_t *self, const char *id);

/* Makes room for `more` further elements of each list, so that appending
   after all checks have passed cannot fail. Returns 0 or -1 (out of memory;
   self is unchanged as far as any accessor or the encoding can tell). */
int
    hub_commission_reserve (hub_commission_t *self, size_t consultations,
                            size_t procurements, size_t awards, size_t contracts);

/* The respondent record of `agency` in the consultation, NULL if it has
   sent no response yet. */
hub_respondent_t *
    hub_consultation_respondent (const hub_consultation_t *self, const char *agency);

/* Makes room for one more response id of `agency` (adding its respondent
   record if it has none yet: the caller then records the id at once, as a
   record never stays empty), so that recording it after all checks have
   passed cannot fail. Returns the respondent, or NULL (out of memory; the
   consultation is unchanged as far as anyone can tell). */
hub_respondent_t *
    hub_consultation_reserve_response (hub_consultation_t *self, const char *agency);

/* True if `agency` already used this response id in the consultation, or
   the id is one of the shared ids of a state stored before ids were per
   agency. */
bool
    hub_consultation_has_response (const hub_consultation_t *self, const char *agency,
                                   const char *response_id);

/* Copies n org-ids into a new list. Returns 0 or -1 (out of memory). */
int
    hub_orgs_set (hub_orgs_t *self, size_t n, char *const *ids);
/* Copies src into dest (a new block). Returns 0 or -1 (out of memory). */
int
    hub_orgs_dup (hub_orgs_t *dest, const hub_orgs_t *src);
void
    hub_orgs_free (hub_orgs_t *self);
bool
    hub_orgs_contains (const hub_orgs_t *self, const char *org_id);

/* Copies src into a fixed-size field, truncating (never overflowing). */
void
    hub_commission_copy (char *dest, size_t size, const char *src);

#endif
