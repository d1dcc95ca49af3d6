/*  hub_access: who may publish what. The table is the relations and rule
    columns of proto/hub_types.def; the check over it is one pure function.
    See hub_access.h.
*/
#include "hub_access.h"
#include <stdio.h>
#include <string.h>

//  Who may send each type, and the sentence a refused sender reads, are the
//  relations and rule columns of proto/hub_types.def: HUB_OWNER needs the
//  commissioner role, HUB_PARTNER the partner role, HUB_SUPPLIER (of the
//  contract the message names) the provider role; HUB_ANYONE any role that
//  publishes: an agency holding only the observer role reads, it never
//  publishes (docs/protocol.md), so it holds no relation at all.

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

int
hub_access_check (const hub_commission_t *state, const Cyclehub__V1__Envelope *env,
                  const char *sender, unsigned roles, hub_verdict_t *v)
{
    const hub_type_t *rule = hub_types_of (env->body_case);
    const char *type = rule? rule->name: NULL;
    if (!rule || rule->relations == HUB_BROKER)
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
    unsigned held = (roles & ~HUB_ROLE_OBSERVER)? HUB_ANYONE: 0;
    if (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED) {
        const char *buyer = env->commission_opened? env->commission_opened->buyer: NULL;
        if (buyer && strcmp (buyer, sender) == 0 && (roles & HUB_ROLE_COMMISSIONER))
            held |= HUB_OWNER;
    }
    else
    if (state) {
        if (strcmp (hub_commission_owner (state), sender) == 0 && (roles & HUB_ROLE_COMMISSIONER))
            held |= HUB_OWNER;
        if (hub_commission_is_partner (state, sender) && (roles & HUB_ROLE_PARTNER))
            held |= HUB_PARTNER;
        //  A hand-built envelope may set a body case with a NULL member: then
        //  there is no contract, and the state machine rejects the message
        const char *contract = (rule->relations & HUB_SUPPLIER)
                             ? hub_types_body_string (env, "contract_id"): NULL;
        if (contract) {
            if (hub_commission_contract_status (state, contract)
                    == CYCLEHUB__V1__CONTRACT_STATE__STATUS__STATUS_UNSPECIFIED)
                return 0;       //  a dangling reference: the state machine says so
            if (hub_commission_is_contract_supplier (state, contract, sender)
            &&  (roles & HUB_ROLE_PROVIDER))
                held |= HUB_SUPPLIER;
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

//  Finds the next item of a comma-separated list, spaces around it
//  trimmed; returns its start (len in *len) or NULL past the last.
static const char *
s_item (const char **at, size_t *len)
{
    if (!*at)
        return NULL;
    const char *item = *at;
    const char *end = strchr (item, ',');
    *len = end? (size_t) (end - item): strlen (item);
    *at = end? end + 1: NULL;
    while (*len && *item == ' ') {
        item++;
        (*len)--;
    }
    while (*len && item [*len - 1] == ' ')
        (*len)--;
    return item;
}

//  "ocds-" and six lowercase letters or digits, as an ocid starts
static bool
s_is_prefix (const char *text, size_t len)
{
    if (len != HUB_ACCESS_PREFIX_SIZE - 1 || strncmp (text, "ocds-", 5) != 0)
        return false;
    for (size_t i = 5; i < len; i++)
        if (!((text [i] >= 'a' && text [i] <= 'z') || (text [i] >= '0' && text [i] <= '9')))
            return false;
    return true;
}

int
hub_access_parse_prefixes (const char *text)
{
    const char *at = text;
    size_t len;
    const char *item;
    if (!text)
        return -1;
    while ((item = s_item (&at, &len)))
        if (!s_is_prefix (item, len))
            return -1;
    return 0;
}

int
hub_access_check_prefix (const char *ocid, const char *sender, const char *prefixes,
                         hub_verdict_t *v)
{
    if (!prefixes)
        return 0;               //  development mode: every prefix is anyone's
    char prefix [HUB_ACCESS_PREFIX_SIZE] = "";
    //  The prefix is what comes before the ocid's second '-'
    if (ocid && strlen (ocid) > sizeof prefix - 1 && ocid [sizeof prefix - 1] == '-') {
        memcpy (prefix, ocid, sizeof prefix - 1);
        prefix [sizeof prefix - 1] = 0;
    }
    const char *at = prefixes;
    size_t len;
    const char *item;
    while ((item = s_item (&at, &len)))
        if (len == sizeof prefix - 1 && *prefix && memcmp (item, prefix, len) == 0)
            return 0;
    return hub_verdict_set (v, CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_NOT_AUTHORISED,
                            "commission_id",
                            "%s may not open commission %s: its ocid prefix %s is not "
                            "registered to %s (it holds: %s); a publisher's prefix is bound "
                            "to its agencies in the hub's agency registry (agencies.cfg, "
                            "ocid-prefixes): ask the hub operator to add %s, or use an ocid "
                            "under one of your own prefixes",
                            sender? sender: "(none)", ocid? ocid: "(none)",
                            *prefix? prefix: "(none)", sender? sender: "(none)",
                            *prefixes? prefixes: "no prefix", *prefix? prefix: "it");
}

bool
hub_access_sees_personal (const hub_commission_t *state, const char *reader)
{
    return state && reader && *reader && strcmp (hub_commission_owner (state), reader) == 0;
}
