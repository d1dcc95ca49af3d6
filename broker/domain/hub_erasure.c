/*  hub_erasure: the rules of an erasure request (form, then who may), and
    when a response's retention date makes the sweep erase it. The sentences
    are what a refused client prints, so each names what to change.
*/
#include <stdio.h>
#include <string.h>
#include "hub_erasure.h"
#include "hub_validate.h"
#include "hub_access.h"

#define S_CODE(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name

//  An id field: MISSING_FIELD when empty (if required), INVALID_VALUE over
//  its length or with a character outside the id alphabet
static int
s_id (const char *value, size_t max, bool (*valid) (const char *), bool required,
      const char *field, const char *what, hub_verdict_t *v)
{
    if (!*value)
        return required? hub_verdict_set (v, S_CODE (MISSING_FIELD), field, "%s is empty; %s",
                                          field, what): 0;
    if (strnlen (value, max + 1) > max)
        return hub_verdict_set (v, S_CODE (INVALID_VALUE), field,
                                "%s is %zu bytes long; it is at most %zu (%s)",
                                field, strlen (value), max, what);
    if (!valid (value))
        return hub_verdict_set (v, S_CODE (INVALID_VALUE), field, "%s \"%s\" is not well "
                                "formed (%s)", field, value, what);
    return 0;
}

int
hub_erasure_check_request (const Cyclehub__V1__EraseRequest *request, hub_verdict_t *v)
{
    if (s_id (request->commission_id, HUB_VALIDATE_OCID_MAX, hub_validate_ocid, true,
              "erase.commission_id", "give the commission's ocid, such as ocds-h6vhtk-056931", v)
    ||  s_id (request->response_id, HUB_VALIDATE_LOCAL_ID_MAX, hub_validate_local_id, true,
              "erase.response_id", "give the id of the consultation response to erase: "
              "1 to 64 characters of A-Z a-z 0-9 . _ : -", v)
    ||  s_id (request->consultation_id, HUB_VALIDATE_LOCAL_ID_MAX, hub_validate_local_id, false,
              "erase.consultation_id", "the id of the response's consultation: "
              "1 to 64 characters of A-Z a-z 0-9 . _ : -", v)
    ||  s_id (request->respondent, HUB_VALIDATE_ORG_ID_MAX, hub_validate_org_id, false,
              "erase.respondent", "the org-id of the agency that sent the response, "
              "such as GB-CHC-1089464", v))
        return -1;
    if (!*request->reason)
        return hub_verdict_set (v, S_CODE (MISSING_FIELD), "erase.reason",
                                "give the reason for the erasure (it is kept in the audit record)");
    if (strnlen (request->reason, HUB_VALIDATE_TEXT_MAX + 1) > HUB_VALIDATE_TEXT_MAX)
        return hub_verdict_set (v, S_CODE (TOO_LARGE), "erase.reason",
                                "erase.reason is %zu bytes long; it is at most %d",
                                strlen (request->reason), HUB_VALIDATE_TEXT_MAX);
    return 0;
}

//  Appends the candidates to the sentence: "c-1 (from GB-A), c-2 (from GB-B)"
static void
s_candidates (char *out, size_t size, const hub_erasure_target_t *candidates, size_t n,
              size_t total, bool consultations)
{
    size_t at = 0;
    out [0] = 0;
    for (size_t i = 0; i < n && at < size; i++) {
        int wrote = consultations
            ? snprintf (out + at, size - at, "%s%s (from %s)", i? ", ": "",
                        candidates [i].consultation_id, candidates [i].agency)
            : snprintf (out + at, size - at, "%s%s", i? ", ": "", candidates [i].agency);
        at += wrote > 0? (size_t) wrote: 0;
    }
    if (total > n && at < size)
        snprintf (out + at, size - at, " and %zu more", total - n);
}

int
hub_erasure_choose (const Cyclehub__V1__EraseRequest *request,
                    const hub_erasure_target_t *candidates, size_t n, size_t total,
                    hub_verdict_t *v)
{
    char list [320];
    if (total == 0)
        return hub_verdict_set (v, S_CODE (INVALID_VALUE), "erase.response_id",
                                "commission %s has no stored response %s%s%s%s%s",
                                request->commission_id, request->response_id,
                                *request->consultation_id? " in consultation ": "",
                                request->consultation_id,
                                *request->respondent? " from ": "", request->respondent);
    if (!*request->consultation_id) {
        s_candidates (list, sizeof list, candidates, n, total, true);
        return hub_verdict_set (v, S_CODE (MISSING_FIELD), "erase.consultation_id",
                                "name the response's consultation (and, if two agencies used "
                                "the id, its respondent): response %s of %s is in %s",
                                request->response_id, request->commission_id, list);
    }
    if (total > 1) {
        s_candidates (list, sizeof list, candidates, n, total, false);
        return hub_verdict_set (v, S_CODE (MISSING_FIELD), "erase.respondent",
                                "%zu agencies sent a response %s to consultation %s: %s; name "
                                "the one to erase in erase.respondent",
                                total, request->response_id, request->consultation_id, list);
    }
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
