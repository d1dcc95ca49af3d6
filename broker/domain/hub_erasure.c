/*  hub_erasure: the rules of an erasure request (form, then who may), and
    when a response's retention date makes the sweep erase it. The sentences
    are what a refused client prints, so each names what to change.
*/
#include <string.h>
#include "hub_erasure.h"
#include "hub_validate.h"
#include "hub_access.h"

#define S_CODE(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name

int
hub_erasure_check_request (const Cyclehub__V1__EraseRequest *request, hub_verdict_t *v)
{
    if (!hub_validate_ocid (request->commission_id))
        return hub_verdict_set (v, S_CODE (INVALID_VALUE), "erase.commission_id",
                                "commission_id must be an ocid such as ocds-h6vhtk-056931");
    if (!hub_validate_local_id (request->response_id))
        return hub_verdict_set (v, S_CODE (MISSING_FIELD), "erase.response_id",
                                "response_id must name the consultation response to erase");
    if (*request->consultation_id && !hub_validate_local_id (request->consultation_id))
        return hub_verdict_set (v, S_CODE (INVALID_VALUE), "erase.consultation_id",
                                "consultation_id must be the id of one of the commission's "
                                "consultations");
    if (!*request->reason)
        return hub_verdict_set (v, S_CODE (MISSING_FIELD), "erase.reason",
                                "give the reason for the erasure (it is kept in the audit record)");
    return 0;
}

int
hub_erasure_check_allowed (const hub_commission_t *state, const char *commission_id,
                           const char *sender, unsigned roles, hub_verdict_t *v)
{
    if (!state)
        return hub_verdict_set (v, S_CODE (UNKNOWN_COMMISSION), "erase.commission_id",
                                "there is no commission %s", commission_id);
    //  Erasing is seeing: only the one who may read the data may erase it
    if (!roles || !hub_access_sees_personal (state, sender))
        return hub_verdict_set (v, S_CODE (NOT_AUTHORISED), "",
                                "only the commission's owner (%s) may erase its responses",
                                hub_commission_owner (state));
    return 0;
}

int
hub_erasure_check_retention (const Cyclehub__V1__ResponseSubmitted *response, int64_t now_ms,
                             unsigned max_days, hub_verdict_t *v)
{
    int64_t latest = now_ms + (int64_t) max_days * INT64_C (86400000);
    if (!response || response->retention_until_ms <= latest)
        return 0;
    char asked [32], limit [32];
    return hub_verdict_set (v, S_CODE (INVALID_VALUE), "response_submitted.retention_until_ms",
                            "response_submitted.retention_until_ms %s is too far ahead: this hub "
                            "keeps a response's personal data at most %u days, so the latest "
                            "retention date it accepts now is %s; give an earlier date (the "
                            "operator sets the limit: cyclehubd --retention-max-days)",
                            hub_verdict_when (asked, sizeof asked, response->retention_until_ms),
                            max_days, hub_verdict_when (limit, sizeof limit, latest));
}

bool
hub_erasure_due (const Cyclehub__V1__ResponseSubmitted *response, int64_t now_ms)
{
    return response && response->retention_until_ms
        && response->retention_until_ms <= now_ms;
}
