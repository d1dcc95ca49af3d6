/*  hub_access: the access table. Each row: a message type, the relations
    to the commission that may send it, and the rule's name for the reason.
    See hub_access.h.
*/
#include "hub_access.h"
#include <stdio.h>
#include <string.h>

typedef enum {
    S_OWNER = 1,        //  the commission's owner, holding the commissioner role
    S_PARTNER = 2,      //  a listed partner, holding the partner role
    S_SUPPLIER = 4,     //  the named contract's supplier, holding the provider role
    S_ANYONE = 8        //  any registered agency
} s_relation_t;

typedef struct {
    Cyclehub__V1__Envelope__BodyCase body_case;
    unsigned relations;
    const char *rule;
} s_rule_t;

#define S_RULE(name, relations, rule) { CYCLEHUB__V1__ENVELOPE__BODY_##name, relations, rule }

static const s_rule_t s_rules [] = {
    S_RULE (COMMISSION_OPENED,      S_OWNER, "a commission is opened by its buyer, a commissioner"),
    S_RULE (NEEDS_ASSESSED,         S_OWNER, "commission messages come from the commission's owner"),
    S_RULE (PRIORITIES_AGREED,      S_OWNER, "commission messages come from the commission's owner"),
    S_RULE (STRATEGY_APPROVED,      S_OWNER, "commission messages come from the commission's owner"),
    S_RULE (STAGE_CHANGE_REQUESTED, S_OWNER, "commission messages come from the commission's owner"),
    S_RULE (PARTNER_UPDATE,         S_OWNER | S_PARTNER,
            "partner updates come from the commission's owner or a listed partner"),
    S_RULE (CONSULTATION_OPENED,    S_OWNER, "consultations are run by the commission's owner"),
    S_RULE (RESPONSE_SUBMITTED,     S_ANYONE, "any registered agency may respond to an open consultation"),
    S_RULE (CONSULTATION_CLOSED,    S_OWNER, "consultations are run by the commission's owner"),
    S_RULE (CONSULTATION_OUTCOME,   S_OWNER, "consultations are run by the commission's owner"),
    S_RULE (PROCUREMENT_PLANNED,    S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (MARKET_ENGAGEMENT,      S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (TENDER_PUBLISHED,       S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (TENDER_AMENDED,         S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (TENDER_CLOSED,          S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (PROCUREMENT_TERMINATED, S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (DIRECT_AWARD,           S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (AWARD_MADE,             S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (CONTRACT_SIGNED,        S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (CONTRACT_CHANGED,       S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (CONTRACT_ENDED,         S_OWNER, "procurement notices come from the commission's owner"),
    S_RULE (KPI_REPORTED,           S_OWNER | S_PARTNER | S_SUPPLIER,
            "monitoring reports come from the contract's supplier, the buyer or a listed partner"),
    S_RULE (MILESTONE_UPDATED,      S_OWNER | S_PARTNER | S_SUPPLIER,
            "monitoring reports come from the contract's supplier, the buyer or a listed partner"),
    S_RULE (SOCIAL_VALUE_REPORTED,  S_OWNER | S_PARTNER | S_SUPPLIER,
            "monitoring reports come from the contract's supplier, the buyer or a listed partner"),
    S_RULE (PAYMENT_REPORTED,       S_OWNER | S_PARTNER | S_SUPPLIER,
            "monitoring reports come from the contract's supplier, the buyer or a listed partner"),
    S_RULE (EVALUATION_PUBLISHED,   S_OWNER, "evaluations come from the commission's owner"),
    S_RULE (REVIEW_DECISION,        S_OWNER, "review decisions come from the commission's owner"),
    //  erasure.recorded has no row: only the broker writes it
};

static const struct {
    const char *name;
    unsigned role;
} s_role_names [] = {
    { "commissioner", HUB_ROLE_COMMISSIONER },
    { "partner", HUB_ROLE_PARTNER },
    { "provider", HUB_ROLE_PROVIDER },
    { "observer", HUB_ROLE_OBSERVER },
};
#define S_NROLES (sizeof (s_role_names) / sizeof (s_role_names [0]))

int
hub_access_parse_roles (const char *text, unsigned *roles)
{
    unsigned result = 0;
    const char *at = text;
    //  Every item must name a role: "commissioner,", ",partner" and
    //  "commissioner,,partner" are as wrong as "commisioner"
    while (at) {
        const char *end = strchr (at, ',');
        size_t len = end? (size_t) (end - at): strlen (at);
        while (len && (*at == ' ')) {
            at++;
            len--;
        }
        while (len && at [len - 1] == ' ')
            len--;
        size_t i;
        for (i = 0; i < S_NROLES; i++)
            if (strlen (s_role_names [i].name) == len && strncmp (s_role_names [i].name, at, len) == 0)
                break;
        if (i == S_NROLES)
            return -1;
        result |= s_role_names [i].role;
        at = end? end + 1: NULL;
    }
    if (!result)
        return -1;
    *roles = result;
    return 0;
}

void
hub_access_format_roles (unsigned roles, char *buf, size_t size)
{
    size_t at = 0;
    if (!buf || !size)
        return;
    buf [0] = 0;
    for (size_t i = 0; i < S_NROLES && at < size; i++)
        if (roles & s_role_names [i].role) {
            int n = snprintf (buf + at, size - at, "%s%s", at? ",": "", s_role_names [i].name);
            if (n < 0)
                break;
            at += (size_t) n;
        }
}

//  The contract a monitoring message names, or NULL. A hand-built envelope
//  may set a body case with a NULL member: the state machine rejects it.
#define S_CONTRACT_OF(member) (env->member? env->member->contract_id: NULL)
static const char *
s_contract_of (const Cyclehub__V1__Envelope *env)
{
    switch (env->body_case) {
        case CYCLEHUB__V1__ENVELOPE__BODY_KPI_REPORTED: return S_CONTRACT_OF (kpi_reported);
        case CYCLEHUB__V1__ENVELOPE__BODY_MILESTONE_UPDATED: return S_CONTRACT_OF (milestone_updated);
        case CYCLEHUB__V1__ENVELOPE__BODY_SOCIAL_VALUE_REPORTED: return S_CONTRACT_OF (social_value_reported);
        case CYCLEHUB__V1__ENVELOPE__BODY_PAYMENT_REPORTED: return S_CONTRACT_OF (payment_reported);
        default: return NULL;
    }
}

int
hub_access_check (const hub_commission_t *state, const Cyclehub__V1__Envelope *env,
                  const char *sender, unsigned roles, hub_verdict_t *v)
{
    const char *type = hub_proto_type_name (env->body_case);
    const s_rule_t *rule = NULL;
    for (size_t i = 0; i < sizeof (s_rules) / sizeof (s_rules [0]); i++)
        if (s_rules [i].body_case == env->body_case)
            rule = &s_rules [i];
    if (!rule)
        return hub_verdict_set (v, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED, "",
                                "no agency may publish %s: only the broker writes erasure "
                                "records, and a client's envelope needs a body it may send",
                                type? type: "an envelope without a body");
    if (!sender || !*sender)
        return hub_verdict_set (v, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED, "",
                                "%s is refused: the connection has no registered agency "
                                "identity, and %s", type, rule->rule);
    if (!roles)
        return hub_verdict_set (v, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED, "",
                                "%s may not publish %s for %s: it holds no role, and %s",
                                sender, type, env->commission_id? env->commission_id: "(none)",
                                rule->rule);

    //  Which relations does the sender hold, with the role each needs?
    unsigned held = S_ANYONE;
    if (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED) {
        const char *buyer = env->commission_opened? env->commission_opened->buyer: NULL;
        if (buyer && strcmp (buyer, sender) == 0 && (roles & HUB_ROLE_COMMISSIONER))
            held |= S_OWNER;
    }
    else
    if (state) {
        if (strcmp (hub_commission_owner (state), sender) == 0 && (roles & HUB_ROLE_COMMISSIONER))
            held |= S_OWNER;
        if (hub_commission_is_partner (state, sender) && (roles & HUB_ROLE_PARTNER))
            held |= S_PARTNER;
        const char *contract = s_contract_of (env);
        if (contract) {
            if (hub_commission_contract_status (state, contract)
                    == CYCLEHUB__V1__CONTRACT_STATE__STATUS__STATUS_UNSPECIFIED)
                return 0;       //  a dangling reference: the state machine says so
            if (hub_commission_is_contract_supplier (state, contract, sender)
            &&  (roles & HUB_ROLE_PROVIDER))
                held |= S_SUPPLIER;
        }
    }
    else
        return 0;               //  unknown commission: the state machine says so
    if (held & rule->relations)
        return 0;
    char have [64];
    hub_access_format_roles (roles, have, sizeof have);
    return hub_verdict_set (v, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED, "",
                            "%s may not publish %s for %s: %s (its roles: %s)",
                            sender, type, env->commission_id? env->commission_id: "(none)",
                            rule->rule, *have? have: "none");
}

bool
hub_access_sees_personal (const hub_commission_t *state, const char *reader)
{
    return state && reader && *reader && strcmp (hub_commission_owner (state), reader) == 0;
}
