/*  hub_queries: the form of the read requests. Each limit has its own
    sentence, naming the field, its length and what a valid value looks
    like, so a client can fix its request instead of retrying it.
*/
#include <string.h>
#include "hub_queries.h"
#include "hub_validate.h"

#define S_CODE(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name
#define S_TYPE_MAX   64

//  A filter (optional: "" passes): one over max bytes, or one `valid` does
//  not accept, is INVALID_VALUE at field with a sentence naming `shape`
static int
s_filter (const char *value, size_t max, bool (*valid) (const char *), const char *field,
          const char *shape, bool optional, hub_verdict_t *v)
{
    if (!*value && optional)
        return 0;
    if (strnlen (value, max + 1) > max)
        return hub_verdict_set (v, S_CODE (INVALID_VALUE), field,
                                "%s is %zu bytes long; it is at most %zu bytes (%s)%s",
                                field, strlen (value), max, shape,
                                optional? ", or empty for any": "");
    if (!valid (value))
        return hub_verdict_set (v, S_CODE (INVALID_VALUE), field, "%s \"%s\" is not %s",
                                field, value, shape);
    return 0;
}

static bool
s_type_name (const char *value)
{
    return hub_proto_type_case (value) != CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET;
}

int
hub_queries_check_history (const Cyclehub__V1__HistoryQuery *query, hub_verdict_t *v)
{
    if (s_filter (query->commission_id, HUB_VALIDATE_OCID_MAX, hub_validate_ocid,
                  "history.commission_id", "an ocid such as ocds-h6vhtk-056931", true, v)
    ||  s_filter (query->agency, HUB_VALIDATE_ORG_ID_MAX, hub_validate_org_id,
                  "history.agency", "an org-id such as GB-LAE-E09000033", true, v)
    ||  s_filter (query->type, S_TYPE_MAX, s_type_name,
                  "history.type", "a message type name such as tender.published", true, v))
        return -1;
    //  Each value of the lists (OR'ed filters) as its single field's
    for (size_t i = 0; i < query->n_commission_ids; i++)
        if (s_filter (query->commission_ids [i], HUB_VALIDATE_OCID_MAX, hub_validate_ocid,
                      "history.commission_ids", "an ocid such as ocds-h6vhtk-056931", false, v))
            return -1;
    for (size_t i = 0; i < query->n_agencies; i++)
        if (s_filter (query->agencies [i], HUB_VALIDATE_ORG_ID_MAX, hub_validate_org_id,
                      "history.agencies", "an org-id such as GB-LAE-E09000033", false, v))
            return -1;
    for (size_t i = 0; i < query->n_types; i++)
        if (s_filter (query->types [i], S_TYPE_MAX, s_type_name, "history.types",
                      "a message type name such as tender.published", false, v))
            return -1;
    if (query->until_ms && query->until_ms <= query->since_ms)
        return hub_verdict_set (v, S_CODE (INVALID_VALUE), "history.until_ms",
                                "history.until_ms must be later than since_ms (or 0 for no bound)");
    return 0;
}

int
hub_queries_check_commission (const Cyclehub__V1__CommissionQuery *query, hub_verdict_t *v)
{
    if (!*query->commission_id)
        return hub_verdict_set (v, S_CODE (MISSING_FIELD), "commission.commission_id",
                                "commission.commission_id is empty; give the ocid of the "
                                "commission to read, such as ocds-h6vhtk-056931");
    return s_filter (query->commission_id, HUB_VALIDATE_OCID_MAX, hub_validate_ocid,
                     "commission.commission_id", "an ocid such as ocds-h6vhtk-056931", false, v);
}

int
hub_queries_check_commissions (const Cyclehub__V1__CommissionListQuery *query, hub_verdict_t *v)
{
    return s_filter (query->agency, HUB_VALIDATE_ORG_ID_MAX, hub_validate_org_id,
                     "commissions.agency", "an org-id such as GB-LAE-E09000033", true, v)
        || s_filter (query->after_id, HUB_VALIDATE_OCID_MAX, hub_validate_ocid,
                     "commissions.after_id", "an ocid such as ocds-h6vhtk-056931", true, v)
        ? -1: 0;
}
