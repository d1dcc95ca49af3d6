/*  Tests of the erasure rules (broker/domain/hub_erasure): every refusal
    of an erase request with its code, field and sentence, the order the
    checks run in, who may erase, and when the retention sweep is due.
    The commission is built by hub_cycle_apply from a real commission.opened.
*/
#include "hub_erasure.h"
#include "hub_cycle.h"
#include "hub_access.h"
#include "hub_commission.h"
#include "hub_test.h"

#define REJ(c)      CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##c
#define CID         "ocds-h6vhtk-000042"
#define BUYER       "GB-LAE-E08000035"      //  opens the commission: its owner
#define PARTNER     "GB-NHS-QWO"            //  listed on commission.opened
#define NOW         INT64_C (1744329600000)

static hub_commission_t *
s_commission (void)
{
    char *partners [] = { PARTNER };
    Cyclehub__V1__CommissionOpened opened = CYCLEHUB__V1__COMMISSION_OPENED__INIT;
    opened.title = "Community mental health support";
    opened.description = "Early help for adults in the city";
    opened.buyer = BUYER;
    opened.n_partners = 1;
    opened.partners = partners;
    Cyclehub__V1__Envelope env = CYCLEHUB__V1__ENVELOPE__INIT;
    env.msg_id = "m-1";
    env.commission_id = CID;
    env.sent_at_ms = NOW;
    env.body_case = CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED;
    env.commission_opened = &opened;
    hub_commission_t *state = NULL;
    hub_verdict_t v;
    REQUIRE (hub_cycle_apply (&state, &env, BUYER, NOW, NULL, &v) == 0);
    REQUIRE (state && strcmp (hub_commission_owner (state), BUYER) == 0);
    return state;
}

//  A well-formed request, changed by each case
static Cyclehub__V1__EraseRequest
s_request (void)
{
    Cyclehub__V1__EraseRequest request = CYCLEHUB__V1__ERASE_REQUEST__INIT;
    request.commission_id = CID;
    request.consultation_id = "c-1";
    request.response_id = "r-1";
    request.reason = "Subject access: erasure requested by the respondent";
    return request;
}

//  Checks a refusal: its code, field and exact sentence
static void
s_refused (int rc, const hub_verdict_t *v, Cyclehub__V1__RejectCode code,
           const char *field, const char *reason)
{
    CHECK (rc == -1);
    CHECK_MSG (v->code == code, "code %d, wanted %d", v->code, code);
    CHECK_MSG (strcmp (v->field, field) == 0, "field '%s', wanted '%s'", v->field, field);
    CHECK_MSG (strcmp (v->reason, reason) == 0, "reason '%s'", v->reason);
}

static void
s_test_form (void)
{
    hub_verdict_t v;
    Cyclehub__V1__EraseRequest request = s_request ();
    hub_verdict_clear (&v);
    CHECK (hub_erasure_check_request (&request, &v) == 0 && v.code == 0);
    //  The consultation and respondent may be left out here: the broker
    //  then refuses with the candidates (hub_erasure_choose)
    request.consultation_id = "";
    CHECK (hub_erasure_check_request (&request, &v) == 0);
    request.respondent = "GB-CHC-1089464";
    CHECK (hub_erasure_check_request (&request, &v) == 0);

    request = s_request ();
    request.commission_id = "";
    s_refused (hub_erasure_check_request (&request, &v), &v, REJ (MISSING_FIELD),
               "erase.commission_id",
               "erase.commission_id is empty; give the commission's ocid, such as "
               "ocds-h6vhtk-056931");
    const char *ocids [] = { "CID", "ocds-h6vhtk", "ocds-H6VHTK-1", "ocds-h6vhtk-a b" };
    for (size_t i = 0; i < sizeof ocids / sizeof *ocids; i++) {
        request = s_request ();
        request.commission_id = (char *) ocids [i];
        char reason [300];
        snprintf (reason, sizeof reason, "erase.commission_id \"%s\" is not well formed "
                  "(give the commission's ocid, such as ocds-h6vhtk-056931)", ocids [i]);
        s_refused (hub_erasure_check_request (&request, &v), &v, REJ (INVALID_VALUE),
                   "erase.commission_id", reason);
    }
    request = s_request ();
    request.response_id = "";
    s_refused (hub_erasure_check_request (&request, &v), &v, REJ (MISSING_FIELD),
               "erase.response_id",
               "erase.response_id is empty; give the id of the consultation response to "
               "erase: 1 to 64 characters of A-Z a-z 0-9 . _ : -");
    const char *responses [] = { "r 1", "r/1" };
    for (size_t i = 0; i < sizeof responses / sizeof *responses; i++) {
        request = s_request ();
        request.response_id = (char *) responses [i];
        hub_erasure_check_request (&request, &v);
        CHECK (v.code == REJ (INVALID_VALUE) && strcmp (v.field, "erase.response_id") == 0
               && strstr (v.reason, responses [i]));
    }
    //  Each id over its length: INVALID_VALUE with the length and the limit
    char long_id [601];
    memset (long_id, 'a', 600);
    long_id [600] = 0;
    request = s_request ();
    request.response_id = long_id;
    s_refused (hub_erasure_check_request (&request, &v), &v, REJ (INVALID_VALUE),
               "erase.response_id",
               "erase.response_id is 600 bytes long; it is at most 64 (give the id of the "
               "consultation response to erase: 1 to 64 characters of A-Z a-z 0-9 . _ : -)");
    request = s_request ();
    request.consultation_id = long_id;
    hub_erasure_check_request (&request, &v);
    CHECK (v.code == REJ (INVALID_VALUE) && strcmp (v.field, "erase.consultation_id") == 0
           && strstr (v.reason, "600 bytes long; it is at most 64"));
    request = s_request ();
    request.respondent = long_id;
    hub_erasure_check_request (&request, &v);
    CHECK (v.code == REJ (INVALID_VALUE) && strcmp (v.field, "erase.respondent") == 0
           && strstr (v.reason, "600 bytes long; it is at most 41"));
    request = s_request ();
    request.consultation_id = "c 1";
    hub_erasure_check_request (&request, &v);
    CHECK (v.code == REJ (INVALID_VALUE) && strcmp (v.field, "erase.consultation_id") == 0);
    request = s_request ();
    request.respondent = "XX-NOPE-1";
    hub_erasure_check_request (&request, &v);
    CHECK (v.code == REJ (INVALID_VALUE) && strcmp (v.field, "erase.respondent") == 0
           && strstr (v.reason, "XX-NOPE-1"));
    request = s_request ();
    request.reason = "";
    s_refused (hub_erasure_check_request (&request, &v), &v, REJ (MISSING_FIELD),
               "erase.reason",
               "give the reason for the erasure (it is kept in the audit record)");
    char *long_reason = malloc (10002);
    memset (long_reason, 'x', 10001);
    long_reason [10001] = 0;
    request.reason = long_reason;
    s_refused (hub_erasure_check_request (&request, &v), &v, REJ (TOO_LARGE), "erase.reason",
               "erase.reason is 10001 bytes long; it is at most 10000");
    free (long_reason);

    //  Several problems: the first in the documented order is reported
    request = s_request ();
    request.reason = "";
    request.consultation_id = "c 1";
    CHECK (hub_erasure_check_request (&request, &v) == -1
        && strcmp (v.field, "erase.consultation_id") == 0);
    request.response_id = "";
    CHECK (hub_erasure_check_request (&request, &v) == -1
        && strcmp (v.field, "erase.response_id") == 0);
    request.commission_id = "";
    CHECK (hub_erasure_check_request (&request, &v) == -1
        && strcmp (v.field, "erase.commission_id") == 0);
}

//  Which stored response an erase names: exactly one, or a refusal that
//  lists the candidates (response ids repeat across consultations and
//  agencies)
static void
s_test_choose (void)
{
    hub_verdict_t v;
    hub_erasure_target_t two_consultations [] = {
        { "c-1", "GB-CHC-1089464", 11 }, { "c-2", "GB-CHC-1089464", 12 }
    };
    hub_erasure_target_t two_agencies [] = {
        { "c-1", "GB-CHC-1089464", 11 }, { "c-1", "GB-CHC-2000001", 13 }
    };
    Cyclehub__V1__EraseRequest request = s_request ();
    hub_verdict_clear (&v);
    CHECK (hub_erasure_choose (&request, two_consultations, 1, 1, &v) == 0 && v.code == 0);
    s_refused (hub_erasure_choose (&request, NULL, 0, 0, &v), &v, REJ (INVALID_VALUE),
               "erase.response_id", "commission " CID " has no stored response r-1 in "
               "consultation c-1");
    request.respondent = "GB-CHC-2000001";
    s_refused (hub_erasure_choose (&request, NULL, 0, 0, &v), &v, REJ (INVALID_VALUE),
               "erase.response_id", "commission " CID " has no stored response r-1 in "
               "consultation c-1 from GB-CHC-2000001");
    //  No consultation: refused even when one response matches, listing it
    request = s_request ();
    request.consultation_id = "";
    s_refused (hub_erasure_choose (&request, two_consultations, 1, 1, &v), &v,
               REJ (MISSING_FIELD), "erase.consultation_id",
               "name the response's consultation (and, if two agencies used the id, its "
               "respondent): response r-1 of " CID " is in c-1 (from GB-CHC-1089464)");
    s_refused (hub_erasure_choose (&request, two_consultations, 2, 2, &v), &v,
               REJ (MISSING_FIELD), "erase.consultation_id",
               "name the response's consultation (and, if two agencies used the id, its "
               "respondent): response r-1 of " CID " is in c-1 (from GB-CHC-1089464), "
               "c-2 (from GB-CHC-1089464)");
    s_refused (hub_erasure_choose (&request, two_consultations, 2, 5, &v), &v,
               REJ (MISSING_FIELD), "erase.consultation_id",
               "name the response's consultation (and, if two agencies used the id, its "
               "respondent): response r-1 of " CID " is in c-1 (from GB-CHC-1089464), "
               "c-2 (from GB-CHC-1089464) and 3 more");
    //  Two agencies used the id in the consultation: the respondent decides
    request = s_request ();
    s_refused (hub_erasure_choose (&request, two_agencies, 2, 2, &v), &v,
               REJ (MISSING_FIELD), "erase.respondent",
               "2 agencies sent a response r-1 to consultation c-1: GB-CHC-1089464, "
               "GB-CHC-2000001; name the one to erase in erase.respondent");
    request.respondent = "GB-CHC-2000001";
    CHECK (hub_erasure_choose (&request, two_agencies + 1, 1, 1, &v) == 0);
}

static void
s_test_allowed (void)
{
    hub_commission_t *state = s_commission ();
    hub_verdict_t v;
    hub_verdict_clear (&v);
    CHECK (hub_erasure_check_allowed (state, CID, BUYER, HUB_ROLE_COMMISSIONER, &v) == 0);
    CHECK (v.code == 0);
    s_refused (hub_erasure_check_allowed (NULL, "ocds-h6vhtk-000404", BUYER, HUB_ROLES_ALL_DEV, &v),
               &v, REJ (UNKNOWN_COMMISSION), "erase.commission_id",
               "there is no commission ocds-h6vhtk-000404");
    //  A partner sees the redacted form only, so it may not erase either;
    //  nor may a stranger, an empty sender, or the owner's org-id on a
    //  connection without roles
    const char *senders [] = { PARTNER, "GB-NIC-100001", "", BUYER };
    unsigned roles [] = { HUB_ROLES_ALL_DEV, HUB_ROLES_ALL_DEV, HUB_ROLES_ALL_DEV, 0 };
    for (size_t i = 0; i < sizeof senders / sizeof *senders; i++)
        s_refused (hub_erasure_check_allowed (state, CID, senders [i], roles [i], &v),
                   &v, REJ (NOT_AUTHORISED), "",
                   "only the commission's owner (" BUYER ") may erase its responses");
    hub_commission_destroy (&state);
}

static void
s_test_due (void)
{
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    CHECK (!hub_erasure_due (&response, NOW));         //  no retention date: kept
    response.retention_until_ms = NOW + 1;
    CHECK (!hub_erasure_due (&response, NOW));
    response.retention_until_ms = NOW;
    CHECK (hub_erasure_due (&response, NOW));
    response.retention_until_ms = NOW - 86400000;
    CHECK (hub_erasure_due (&response, NOW));
    CHECK (!hub_erasure_due (NULL, NOW));
    CHECK (strcmp (HUB_ERASURE_RETENTION_BY, "retention") == 0);
}

//  A retention date has an upper bound (issue 17: 2199 was accepted):
//  HUB_ERASURE_RETENTION_MAX_DAYS by default (7 years), the operator's own
//  otherwise; a date beyond it is INVALID_VALUE naming the latest accepted
static void
s_test_retention_limit (void)
{
    const int64_t day = 86400000;
    Cyclehub__V1__ResponseSubmitted response = CYCLEHUB__V1__RESPONSE_SUBMITTED__INIT;
    hub_verdict_t v;
    CHECK (HUB_ERASURE_RETENTION_MAX_DAYS == 2557);
    response.retention_until_ms = NOW + 2557 * day;
    CHECK (hub_erasure_check_retention (&response, NOW, HUB_ERASURE_RETENTION_MAX_DAYS, &v) == 0);
    response.retention_until_ms = NOW + 30 * day;
    CHECK (hub_erasure_check_retention (&response, NOW, HUB_ERASURE_RETENTION_MAX_DAYS, &v) == 0);
    response.retention_until_ms = NOW + 2557 * day + 1;
    CHECK (hub_erasure_check_retention (&response, NOW, HUB_ERASURE_RETENTION_MAX_DAYS, &v) == -1);
    //  2199-01-01T00:00:00Z, as in the issue
    response.retention_until_ms = INT64_C (7226582400000);
    hub_verdict_clear (&v);
    CHECK (hub_erasure_check_retention (&response, NOW, HUB_ERASURE_RETENTION_MAX_DAYS, &v) == -1);
    CHECK (v.code == REJ (INVALID_VALUE));
    CHECK (strcmp (v.field, "response_submitted.retention_until_ms") == 0);
    CHECK_MSG (strstr (v.reason, "response_submitted.retention_until_ms 2199-01-01T00:00:00.000Z is too far ahead"),
               "%s", v.reason);
    //  NOW is 2025-04-11: the latest date accepted is 7 years on
    CHECK_MSG (strstr (v.reason, "latest retention date it accepts now is 2032-04-11T00:00:00.000Z"),
               "%s", v.reason);
    CHECK (strstr (v.reason, "--retention-max-days"));
    //  The operator's limit
    response.retention_until_ms = NOW + 31 * day;
    CHECK (hub_erasure_check_retention (&response, NOW, 30, &v) == -1);
    CHECK (strstr (v.reason, "at most 30 days"));
    CHECK (hub_erasure_check_retention (&response, NOW, 31, &v) == 0);
    CHECK (hub_erasure_check_retention (NULL, NOW, 30, &v) == 0);
}

int
main (void)
{
    s_test_form ();
    s_test_choose ();
    s_test_allowed ();
    s_test_due ();
    s_test_retention_limit ();
    HUB_TEST_DONE ();
}
