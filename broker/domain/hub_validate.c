/*  hub_validate: state-independent field checks of a published Envelope.
    Each message type has one small function; shared shapes (ids, org-ids,
    money, times, periods, text) have one helper each, so every rejection
    names its field path and says what a valid value looks like.
*/
#include "hub_validate.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define S_REJ(c) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##c

//  What a valid value looks like, for the reasons
#define S_ID_SHAPE    "1 to 64 characters of A-Z a-z 0-9 . _ : -"
#define S_ORG_SHAPE   "SCHEME-id with a known scheme (GB-LAE, GB-NHS, GB-CHC, GB-COH, GB-SC, " \
                      "GB-NIC, GB-LAS, GB-PLA, GB-LANI, GB-GOR, GB-EDU, GB-UKPRN, GB-MPR) " \
                      "and 1 to 32 letters or digits, e.g. GB-LAE-E08000025"
#define S_TIME_SHAPE  "milliseconds since the epoch (UTC) between 2000-01-01 and 2200-01-01"

static const char *s_org_schemes [] = {
    "GB-LAE-", "GB-NHS-", "GB-CHC-", "GB-COH-", "GB-SC-", "GB-NIC-",
    "GB-LAS-", "GB-PLA-", "GB-LANI-", "GB-GOR-", "GB-EDU-", "GB-UKPRN-", "GB-MPR-"
};

//  --------------------------------------------------------------------------
//  Shapes

static bool
s_alnum (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

//  1..max characters, each alphanumeric or one of extra
static bool
s_token (const char *s, size_t max, const char *extra)
{
    if (!s || !*s)
        return false;
    size_t len = 0;
    for (; s [len]; len++) {
        if (len >= max)
            return false;
        if (!s_alnum (s [len]) && !strchr (extra, s [len]))
            return false;
    }
    return true;
}

bool
hub_validate_local_id (const char *s)
{
    return s_token (s, HUB_VALIDATE_LOCAL_ID_MAX, "._:-");
}

bool
hub_validate_msg_id (const char *s)
{
    return s_token (s, HUB_VALIDATE_MSG_ID_MAX, "._:-");
}

bool
hub_validate_ocid (const char *s)
{
    if (!s || strncmp (s, "ocds-", 5) != 0)
        return false;
    for (int i = 5; i < 11; i++)
        if (!((s [i] >= 'a' && s [i] <= 'z') || (s [i] >= '0' && s [i] <= '9')))
            return false;           //  also stops at a NUL before the prefix ends
    if (s [11] != '-')
        return false;
    return s_token (s + 12, HUB_VALIDATE_LOCAL_ID_MAX, "._-");
}

bool
hub_validate_org_id (const char *s)
{
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof s_org_schemes / sizeof s_org_schemes [0]; i++) {
        size_t len = strlen (s_org_schemes [i]);
        if (strncmp (s, s_org_schemes [i], len) == 0)
            return s_token (s + len, HUB_VALIDATE_ORG_LOCAL_MAX, "");
    }
    return false;
}

bool
hub_validate_currency (const char *s)
{
    if (!s)
        return false;
    for (int i = 0; i < 3; i++)
        if (s [i] < 'A' || s [i] > 'Z')
            return false;
    return s [3] == 0;
}

//  --------------------------------------------------------------------------
//  Field helpers: each returns 0 or -1 with v filled. `at` is the path of
//  the enclosing message ("tender_published"), `name` the field in it.

static int
s_fail (hub_verdict_t *v, Cyclehub__V1__RejectCode code, const char *at,
        const char *name, const char *format, ...) __attribute__ ((format (printf, 5, 6)));

static int
s_fail (hub_verdict_t *v, Cyclehub__V1__RejectCode code, const char *at,
        const char *name, const char *format, ...)
{
    char path [128];
    snprintf (path, sizeof path, "%s%s%s", at, *at && *name? ".": "", name);
    char reason [512];
    va_list args;
    va_start (args, format);
    vsnprintf (reason, sizeof reason, format, args);
    va_end (args);
    return hub_verdict_set (v, code, path, "%s %s", path, reason);
}

static bool
s_blank (const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (!strchr (" \t\r\n", *s))
            return false;
    return true;
}

//  Free text: required means "not blank"
static int
s_text (hub_verdict_t *v, const char *at, const char *name, const char *s,
        size_t max, bool required, const char *what)
{
    if (required && s_blank (s))
        return s_fail (v, S_REJ (MISSING_FIELD), at, name,
                       "is required: give %s (1 to %zu bytes)", what, max);
    size_t len = s? strlen (s): 0;
    if (len > max)
        return s_fail (v, S_REJ (TOO_LARGE), at, name,
                       "is %zu bytes long; the limit is %zu bytes: shorten it or link to a document",
                       len, max);
    return 0;
}

static int
s_local_id (hub_verdict_t *v, const char *at, const char *name, const char *s,
            const char *what)
{
    if (!s || !*s)
        return s_fail (v, S_REJ (MISSING_FIELD), at, name,
                       "is required: give %s (" S_ID_SHAPE ")", what);
    if (!hub_validate_local_id (s))
        return s_fail (v, S_REJ (INVALID_VALUE), at, name,
                       "\"%.64s\" is not a valid id: use " S_ID_SHAPE, s);
    return 0;
}

static int
s_org_id (hub_verdict_t *v, const char *at, const char *name, const char *s,
          bool required, const char *what)
{
    if (!s || !*s) {
        if (!required)
            return 0;
        return s_fail (v, S_REJ (MISSING_FIELD), at, name,
                       "is required: give %s as an org-id, " S_ORG_SHAPE, what);
    }
    if (!hub_validate_org_id (s))
        return s_fail (v, S_REJ (INVALID_VALUE), at, name,
                       "\"%.48s\" is not an org-id of a known scheme: use " S_ORG_SHAPE, s);
    return 0;
}

static int
s_time (hub_verdict_t *v, const char *at, const char *name, int64_t t,
        bool required, const char *what)
{
    if (t == 0) {
        if (!required)
            return 0;
        return s_fail (v, S_REJ (MISSING_FIELD), at, name,
                       "is required: give %s in " S_TIME_SHAPE, what);
    }
    if (t < HUB_VALIDATE_TIME_MIN_MS || t >= HUB_VALIDATE_TIME_MAX_MS)
        return s_fail (v, S_REJ (INVALID_VALUE), at, name,
                       "%lld is out of range: give %s in " S_TIME_SHAPE,
                       (long long) t, what);
    return 0;
}

#define S_NEED_PERIOD  1        //  the Period message must be present
#define S_NEED_START   2        //  ... with start_ms set
#define S_NEED_END     4        //  ... with end_ms set

static int
s_period (hub_verdict_t *v, const char *at, const char *name,
          const Cyclehub__V1__Period *p, int need, const char *what)
{
    if (!p) {
        if (!(need & S_NEED_PERIOD))
            return 0;
        return s_fail (v, S_REJ (MISSING_FIELD), at, name,
                       "is required: give %s as {start_ms, end_ms} in " S_TIME_SHAPE, what);
    }
    char path [128];
    snprintf (path, sizeof path, "%s.%s", at, name);
    if (s_time (v, path, "start_ms", p->start_ms, need & S_NEED_START, "the start of the period")
    ||  s_time (v, path, "end_ms", p->end_ms, need & S_NEED_END, "the end of the period"))
        return -1;
    if (p->start_ms && p->end_ms && p->end_ms < p->start_ms)
        return s_fail (v, S_REJ (INVALID_VALUE), path, "end_ms",
                       "is before start_ms: a period must end at or after its start");
    return 0;
}

static int
s_money (hub_verdict_t *v, const char *at, const char *name,
         const Cyclehub__V1__Money *m, bool required, const char *what)
{
    if (!m) {
        if (!required)
            return 0;
        return s_fail (v, S_REJ (MISSING_FIELD), at, name,
                       "is required: give %s as an amount in minor units (pence) and an "
                       "ISO 4217 currency, e.g. {amount: 125000, currency: \"GBP\"}", what);
    }
    char path [128];
    snprintf (path, sizeof path, "%s.%s", at, name);
    if (m->amount < 0)
        return s_fail (v, S_REJ (INVALID_VALUE), path, "amount",
                       "is %lld: an amount of money is zero or more minor units (pence)",
                       (long long) m->amount);
    if (m->amount > HUB_VALIDATE_MONEY_MAX)
        return s_fail (v, S_REJ (INVALID_VALUE), path, "amount",
                       "is %lld: over 10^15 minor units; amounts are in pence, not "
                       "multiplied further", (long long) m->amount);
    if (!m->currency || !*m->currency) {
        if (required || m->amount != 0)
            return s_fail (v, S_REJ (MISSING_FIELD), path, "currency",
                           "is required with an amount: give an ISO 4217 code such as GBP");
        return 0;
    }
    if (!hub_validate_currency (m->currency))
        return s_fail (v, S_REJ (INVALID_VALUE), path, "currency",
                       "\"%.16s\" is not an ISO 4217 code: use three upper-case letters such as GBP",
                       m->currency);
    return 0;
}

static int
s_finite (hub_verdict_t *v, const char *at, const char *name, double d)
{
    if (!isfinite (d))
        return s_fail (v, S_REJ (INVALID_VALUE), at, name,
                       "is not a finite number: NaN and infinity are not measurements");
    return 0;
}

//  An enum that must be set to one of 1..max
static int
s_enum (hub_verdict_t *v, const char *at, const char *name, int value, int max,
        const char *choices)
{
    if (value == 0)
        return s_fail (v, S_REJ (MISSING_FIELD), at, name, "is required: choose one of %s", choices);
    if (value < 0 || value > max)
        return s_fail (v, S_REJ (INVALID_VALUE), at, name,
                       "%d is not a known value: choose one of %s", value, choices);
    return 0;
}

//  A list of free-text strings: each non-blank and at most `max` bytes
static int
s_text_list (hub_verdict_t *v, const char *at, const char *name, size_t n,
             char **items, size_t max, bool required, const char *what)
{
    if (required && n == 0)
        return s_fail (v, S_REJ (MISSING_FIELD), at, name,
                       "is required: give at least one entry (%s)", what);
    if (n > HUB_VALIDATE_LIST_MAX)
        return s_fail (v, S_REJ (TOO_LARGE), at, name,
                       "has %zu entries; the limit is %d", n, HUB_VALIDATE_LIST_MAX);
    for (size_t i = 0; i < n; i++) {
        char item [128];
        snprintf (item, sizeof item, "%s[%zu]", name, i);
        if (s_text (v, at, item, items [i], max, true, what))
            return -1;
    }
    return 0;
}

static int
s_org_list (hub_verdict_t *v, const char *at, const char *name, size_t n,
            char **items, bool required, const char *what)
{
    if (required && n == 0)
        return s_fail (v, S_REJ (MISSING_FIELD), at, name,
                       "is required: name at least one %s as an org-id, " S_ORG_SHAPE, what);
    if (n > HUB_VALIDATE_LIST_MAX)
        return s_fail (v, S_REJ (TOO_LARGE), at, name,
                       "has %zu entries; the limit is %d", n, HUB_VALIDATE_LIST_MAX);
    for (size_t i = 0; i < n; i++) {
        char item [128];
        snprintf (item, sizeof item, "%s[%zu]", name, i);
        if (s_org_id (v, at, item, items [i], true, what))
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp (items [i], items [j]) == 0)
                return s_fail (v, S_REJ (INVALID_VALUE), at, item,
                               "\"%s\" is listed twice: name each %s once", items [i], what);
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  One function per message type

static int
s_commission_opened (const Cyclehub__V1__CommissionOpened *m, hub_verdict_t *v)
{
    const char *at = "commission_opened";
    return s_text (v, at, "title", m->title, HUB_VALIDATE_TITLE_MAX, true, "the commission's title")
        || s_text (v, at, "description", m->description, HUB_VALIDATE_TEXT_MAX, false, "")
        || s_org_id (v, at, "buyer", m->buyer, true, "the commissioning buyer")
        || s_org_list (v, at, "partners", m->n_partners, m->partners, false, "partner")
        ? -1: 0;
}

static int
s_needs_assessed (const Cyclehub__V1__NeedsAssessed *m, hub_verdict_t *v)
{
    const char *at = "needs_assessed";
    return s_text (v, at, "population", m->population, HUB_VALIDATE_TITLE_MAX, true,
                   "the population assessed (who, where)")
        || s_text_list (v, at, "need_statements", m->n_need_statements, m->need_statements,
                        HUB_VALIDATE_TEXT_MAX, false, "a need statement")
        || s_text_list (v, at, "evidence_links", m->n_evidence_links, m->evidence_links,
                        HUB_VALIDATE_URL_MAX, false, "a link to evidence")
        ? -1: 0;
}

static int
s_priorities_agreed (const Cyclehub__V1__PrioritiesAgreed *m, hub_verdict_t *v)
{
    const char *at = "priorities_agreed";
    return s_text_list (v, at, "priorities", m->n_priorities, m->priorities,
                        HUB_VALIDATE_TITLE_MAX, true, "a priority agreed")
        || s_text (v, at, "summary", m->summary, HUB_VALIDATE_TEXT_MAX, false, "")
        ? -1: 0;
}

static int
s_strategy_approved (const Cyclehub__V1__StrategyApproved *m, hub_verdict_t *v)
{
    const char *at = "strategy_approved";
    return s_text (v, at, "title", m->title, HUB_VALIDATE_TITLE_MAX, true, "the strategy's title")
        || s_text (v, at, "summary", m->summary, HUB_VALIDATE_TEXT_MAX, false, "")
        || s_text (v, at, "document_url", m->document_url, HUB_VALIDATE_URL_MAX, false, "")
        ? -1: 0;
}

static int
s_stage_change_requested (const Cyclehub__V1__StageChangeRequested *m, hub_verdict_t *v)
{
    const char *at = "stage_change_requested";
    return s_enum (v, at, "target", m->target, CYCLEHUB__V1__STAGE__STAGE_CLOSED,
                   "analyse, plan, do, review, closed")
        || s_text (v, at, "reason", m->reason, HUB_VALIDATE_TEXT_MAX, false, "")
        ? -1: 0;
}

static int
s_partner_update (const Cyclehub__V1__PartnerUpdatePosted *m, hub_verdict_t *v)
{
    const char *at = "partner_update";
    return s_text (v, at, "title", m->title, HUB_VALIDATE_TITLE_MAX, true, "the update's title")
        || s_text (v, at, "body", m->body, HUB_VALIDATE_TEXT_MAX, false, "")
        || s_text_list (v, at, "links", m->n_links, m->links, HUB_VALIDATE_URL_MAX, false, "a link")
        ? -1: 0;
}

static int
s_consultation_opened (const Cyclehub__V1__ConsultationOpened *m, hub_verdict_t *v)
{
    const char *at = "consultation_opened";
    if (s_local_id (v, at, "consultation_id", m->consultation_id, "the consultation's id")
    ||  s_text (v, at, "title", m->title, HUB_VALIDATE_TITLE_MAX, true, "the consultation's title")
    ||  s_time (v, at, "opens_at_ms", m->opens_at_ms, true, "when the consultation opens")
    ||  s_time (v, at, "closes_at_ms", m->closes_at_ms, true, "when the consultation closes")
    ||  s_text (v, at, "audience", m->audience, HUB_VALIDATE_TEXT_MAX, false, "")
    ||  s_text_list (v, at, "ways_to_respond", m->n_ways_to_respond, m->ways_to_respond,
                     HUB_VALIDATE_TITLE_MAX, false, "a way to respond"))
        return -1;
    if (m->closes_at_ms <= m->opens_at_ms)
        return s_fail (v, S_REJ (INVALID_VALUE), at, "closes_at_ms",
                       "is not after opens_at_ms: a consultation must close after it opens");
    return 0;
}

static int
s_personal (const Cyclehub__V1__PersonalData *p, hub_verdict_t *v)
{
    const char *at = "response_submitted.personal";
    return s_text (v, at, "full_name", p->full_name, HUB_VALIDATE_TITLE_MAX, false, "")
        || s_text (v, at, "email", p->email, 320, false, "")
        || s_text (v, at, "phone", p->phone, HUB_VALIDATE_CODE_MAX, false, "")
        || s_text (v, at, "postal_address", p->postal_address, 1000, false, "")
        || s_text_list (v, at, "free_text", p->n_free_text, p->free_text,
                        HUB_VALIDATE_TEXT_MAX, false, "a free-text answer")
        ? -1: 0;
}

static int
s_response_submitted (const Cyclehub__V1__ResponseSubmitted *m, hub_verdict_t *v)
{
    const char *at = "response_submitted";
    if (s_local_id (v, at, "consultation_id", m->consultation_id, "the consultation's id")
    ||  s_local_id (v, at, "response_id", m->response_id, "the response's id")
    ||  s_enum (v, at, "respondent_type", m->respondent_type,
                CYCLEHUB__V1__RESPONDENT_TYPE__RESPONDENT_TYPE_STAFF,
                "resident, service_user, carer, organisation, provider, staff")
    ||  s_org_id (v, at, "organisation_id", m->organisation_id, false, "the organisation")
    ||  s_time (v, at, "retention_until_ms", m->retention_until_ms, true,
                "the date until which the response's personal data may be kept"))
        return -1;
    if (m->n_answers > HUB_VALIDATE_LIST_MAX)
        return s_fail (v, S_REJ (TOO_LARGE), at, "answers",
                       "has %zu entries; the limit is %d", m->n_answers, HUB_VALIDATE_LIST_MAX);
    for (size_t i = 0; i < m->n_answers; i++) {
        char item [64];
        snprintf (item, sizeof item, "%s.answers[%zu]", at, i);
        const Cyclehub__V1__Answer *a = m->answers [i];
        if (!a)
            return s_fail (v, S_REJ (MISSING_FIELD), item, "", "is empty");
        if (s_local_id (v, item, "question_id", a->question_id, "the question's id")
        ||  s_text (v, item, "choice", a->choice, HUB_VALIDATE_TITLE_MAX, false, ""))
            return -1;
    }
    return m->personal? s_personal (m->personal, v): 0;
}

static int
s_consultation_closed (const Cyclehub__V1__ConsultationClosed *m, hub_verdict_t *v)
{
    const char *at = "consultation_closed";
    return s_local_id (v, at, "consultation_id", m->consultation_id, "the consultation's id")
        || s_text (v, at, "summary", m->summary, HUB_VALIDATE_TEXT_MAX, false, "")
        || s_text (v, at, "early_close_reason", m->early_close_reason, HUB_VALIDATE_TITLE_MAX,
                   false, "")
        ? -1: 0;
}

static int
s_consultation_outcome (const Cyclehub__V1__ConsultationOutcomePublished *m, hub_verdict_t *v)
{
    const char *at = "consultation_outcome";
    return s_local_id (v, at, "consultation_id", m->consultation_id, "the consultation's id")
        || s_text (v, at, "summary", m->summary, HUB_VALIDATE_TEXT_MAX, true,
                   "a summary of the outcome and how responses were taken into account")
        || s_text (v, at, "document_url", m->document_url, HUB_VALIDATE_URL_MAX, false, "")
        || s_text_list (v, at, "changes_made", m->n_changes_made, m->changes_made,
                        HUB_VALIDATE_TEXT_MAX, false, "a change made")
        ? -1: 0;
}

static int
s_procurement_planned (const Cyclehub__V1__ProcurementPlanned *m, hub_verdict_t *v)
{
    const char *at = "procurement_planned";
    return s_local_id (v, at, "procurement_id", m->procurement_id, "the procurement's id")
        || s_text (v, at, "title", m->title, HUB_VALIDATE_TITLE_MAX, true, "the procurement's title")
        || s_enum (v, at, "kind", m->kind, CYCLEHUB__V1__NOTICE_KIND__NOTICE_KIND_PLANNED_PROCUREMENT,
                   "pipeline (UK1), planned_procurement (UK3)")
        || s_money (v, at, "estimated_value", m->estimated_value, false, "")
        || s_time (v, at, "expected_tender_ms", m->expected_tender_ms, false, "")
        ? -1: 0;
}

static int
s_market_engagement (const Cyclehub__V1__MarketEngagement *m, hub_verdict_t *v)
{
    const char *at = "market_engagement";
    return s_local_id (v, at, "procurement_id", m->procurement_id, "the procurement's id")
        || s_text (v, at, "description", m->description, HUB_VALIDATE_TEXT_MAX, false, "")
        || s_period (v, at, "period", m->period, 0, "")
        ? -1: 0;
}

static int
s_tender_published (const Cyclehub__V1__TenderPublished *m, hub_verdict_t *v)
{
    const char *at = "tender_published";
    if (s_local_id (v, at, "procurement_id", m->procurement_id, "the procurement's id")
    ||  s_text (v, at, "title", m->title, HUB_VALIDATE_TITLE_MAX, true, "the tender's title")
    ||  s_text (v, at, "description", m->description, HUB_VALIDATE_TEXT_MAX, false, "")
    ||  s_money (v, at, "value", m->value, true, "the tender's estimated value")
    ||  s_enum (v, at, "procedure", m->procedure,
                CYCLEHUB__V1__PROCEDURE__PROCEDURE_FRAMEWORK_CALL_OFF,
                "open, competitive_flexible, framework_call_off")
    ||  s_period (v, at, "tender_period", m->tender_period, S_NEED_PERIOD | S_NEED_END,
                  "the tender period, whose end is the deadline for tenders"))
        return -1;
    if (m->social_value_weight_pct < 10 || m->social_value_weight_pct > 100)
        return s_fail (v, S_REJ (INVALID_VALUE), at, "social_value_weight_pct",
                       "is %u: give a weight from 10 to 100 (PPN 06/20 sets a minimum of 10%%)",
                       m->social_value_weight_pct);
    return 0;
}

static int
s_tender_amended (const Cyclehub__V1__TenderAmended *m, hub_verdict_t *v)
{
    const char *at = "tender_amended";
    if (s_local_id (v, at, "procurement_id", m->procurement_id, "the procurement's id")
    ||  s_text (v, at, "description", m->description, HUB_VALIDATE_TEXT_MAX, false, "")
    ||  s_money (v, at, "value", m->value, false, "")
    ||  s_time (v, at, "new_deadline_ms", m->new_deadline_ms, false, ""))
        return -1;
    if (s_blank (m->description) && !m->value && !m->new_deadline_ms)
        return s_fail (v, S_REJ (MISSING_FIELD), at, "description",
                       "is required when neither value nor new_deadline_ms is given: "
                       "say what the amendment changes");
    return 0;
}

static int
s_tender_closed (const Cyclehub__V1__TenderClosed *m, hub_verdict_t *v)
{
    return s_local_id (v, "tender_closed", "procurement_id", m->procurement_id,
                       "the procurement's id");
}

static int
s_procurement_terminated (const Cyclehub__V1__ProcurementTerminated *m, hub_verdict_t *v)
{
    const char *at = "procurement_terminated";
    return s_local_id (v, at, "procurement_id", m->procurement_id, "the procurement's id")
        || s_text (v, at, "reason", m->reason, HUB_VALIDATE_TEXT_MAX, true,
                   "the reason the procurement was terminated")
        ? -1: 0;
}

static int
s_direct_award (const Cyclehub__V1__DirectAward *m, hub_verdict_t *v)
{
    const char *at = "direct_award";
    if (s_local_id (v, at, "procurement_id", m->procurement_id, "the procurement's id")
    ||  s_local_id (v, at, "award_id", m->award_id, "the award's id")
    ||  s_org_list (v, at, "suppliers", m->n_suppliers, m->suppliers, true, "supplier")
    ||  s_money (v, at, "value", m->value, true, "the award's value")
    ||  s_text (v, at, "justification", m->justification, HUB_VALIDATE_TEXT_MAX, true,
                "the justification for awarding directly (the ground relied on)")
    ||  s_text (v, at, "no_standstill_reason", m->no_standstill_reason, HUB_VALIDATE_TEXT_MAX,
                false, ""))
        return -1;
    //  Either a standstill (the same rule as award.made) or the exemption relied on
    bool exempt = !s_blank (m->no_standstill_reason);
    if (exempt && m->standstill_ends_ms)
        return s_fail (v, S_REJ (INVALID_VALUE), at, "no_standstill_reason",
                       "is given with standstill_ends_ms: give the standstill's end, or the "
                       "reason no standstill applies, not both");
    return s_time (v, at, "standstill_ends_ms", m->standstill_ends_ms, !exempt,
                   "the end of the standstill, at least 8 working days after the award notice "
                   "(Procurement Act 2023, UK6), or no_standstill_reason naming the exemption "
                   "relied on");
}

static int
s_award_made (const Cyclehub__V1__AwardMade *m, hub_verdict_t *v)
{
    const char *at = "award_made";
    return s_local_id (v, at, "procurement_id", m->procurement_id, "the procurement's id")
        || s_local_id (v, at, "award_id", m->award_id, "the award's id")
        || s_org_list (v, at, "suppliers", m->n_suppliers, m->suppliers, true, "supplier")
        || s_money (v, at, "value", m->value, true, "the award's value")
        || s_time (v, at, "standstill_ends_ms", m->standstill_ends_ms, true,
                   "the end of the standstill, at least 8 working days after the award notice "
                   "(Procurement Act 2023, UK6)")
        ? -1: 0;
}

static int
s_contract_signed (const Cyclehub__V1__ContractSigned *m, hub_verdict_t *v)
{
    const char *at = "contract_signed";
    if (s_local_id (v, at, "contract_id", m->contract_id, "the contract's id")
    ||  s_local_id (v, at, "award_id", m->award_id, "the id of the award the contract comes from")
    ||  s_period (v, at, "period", m->period, S_NEED_PERIOD | S_NEED_START | S_NEED_END,
                  "the contract's term")
    ||  s_money (v, at, "value", m->value, true, "the contract's value"))
        return -1;
    if (m->n_kpis > HUB_VALIDATE_LIST_MAX)
        return s_fail (v, S_REJ (TOO_LARGE), at, "kpis",
                       "has %zu entries; the limit is %d", m->n_kpis, HUB_VALIDATE_LIST_MAX);
    for (size_t i = 0; i < m->n_kpis; i++) {
        char item [64];
        snprintf (item, sizeof item, "%s.kpis[%zu]", at, i);
        const Cyclehub__V1__Kpi *k = m->kpis [i];
        if (!k)
            return s_fail (v, S_REJ (MISSING_FIELD), item, "", "is empty");
        if (s_local_id (v, item, "code", k->code, "the KPI's code")
        ||  s_text (v, item, "description", k->description, HUB_VALIDATE_TEXT_MAX, false, "")
        ||  s_text (v, item, "unit", k->unit, HUB_VALIDATE_CODE_MAX, false, "")
        ||  s_finite (v, item, "target", k->target))
            return -1;
    }
    return 0;
}

static int
s_contract_changed (const Cyclehub__V1__ContractChanged *m, hub_verdict_t *v)
{
    const char *at = "contract_changed";
    return s_local_id (v, at, "contract_id", m->contract_id, "the contract's id")
        || s_text (v, at, "description", m->description, HUB_VALIDATE_TEXT_MAX, true,
                   "a description of the change")
        || s_money (v, at, "new_value", m->new_value, false, "")
        || s_time (v, at, "new_end_ms", m->new_end_ms, false, "")
        ? -1: 0;
}

static int
s_contract_ended (const Cyclehub__V1__ContractEnded *m, hub_verdict_t *v)
{
    const char *at = "contract_ended";
    return s_local_id (v, at, "contract_id", m->contract_id, "the contract's id")
        || s_enum (v, at, "how", m->how, CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_EXPIRED,
                   "terminated, expired")
        || s_text (v, at, "reason", m->reason, HUB_VALIDATE_TEXT_MAX, false, "")
        || s_time (v, at, "ended_at_ms", m->ended_at_ms, false, "")
        ? -1: 0;
}

static int
s_kpi_reported (const Cyclehub__V1__KpiReported *m, hub_verdict_t *v)
{
    const char *at = "kpi_reported";
    return s_local_id (v, at, "contract_id", m->contract_id, "the contract's id")
        || s_local_id (v, at, "kpi_code", m->kpi_code, "the KPI's code")
        || s_period (v, at, "period", m->period, S_NEED_PERIOD | S_NEED_START | S_NEED_END,
                     "the period reported on")
        || s_finite (v, at, "value", m->value)
        || s_finite (v, at, "target", m->target)
        || s_enum (v, at, "rating", m->rating, CYCLEHUB__V1__RATING__RATING_RED,
                   "green, amber, red")
        ? -1: 0;
}

static int
s_milestone_updated (const Cyclehub__V1__MilestoneUpdated *m, hub_verdict_t *v)
{
    const char *at = "milestone_updated";
    return s_local_id (v, at, "contract_id", m->contract_id, "the contract's id")
        || s_local_id (v, at, "milestone_id", m->milestone_id, "the milestone's id")
        || s_text (v, at, "title", m->title, HUB_VALIDATE_TITLE_MAX, false, "")
        || s_enum (v, at, "status", m->status, CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_MISSED,
                   "not_started, on_track, at_risk, complete, missed")
        || s_time (v, at, "due_ms", m->due_ms, false, "")
        || s_time (v, at, "completed_ms", m->completed_ms, false, "")
        ? -1: 0;
}

static int
s_social_value_reported (const Cyclehub__V1__SocialValueReported *m, hub_verdict_t *v)
{
    const char *at = "social_value_reported";
    if (s_local_id (v, at, "contract_id", m->contract_id, "the contract's id")
    ||  s_text (v, at, "framework", m->framework, HUB_VALIDATE_CODE_MAX, false, "")
    ||  s_text (v, at, "measure_code", m->measure_code, HUB_VALIDATE_CODE_MAX, true,
                "the measure's code, e.g. NT1")
    ||  s_text (v, at, "unit", m->unit, HUB_VALIDATE_CODE_MAX, true, "the unit of the quantity")
    ||  s_finite (v, at, "quantity", m->quantity))
        return -1;
    if (m->quantity < 0)
        return s_fail (v, S_REJ (INVALID_VALUE), at, "quantity",
                       "is negative: report the social value delivered as zero or more units");
    return s_money (v, at, "proxy_value", m->proxy_value, false, "")
        || s_period (v, at, "period", m->period, S_NEED_PERIOD | S_NEED_START | S_NEED_END,
                     "the period reported on")
        ? -1: 0;
}

static int
s_payment_reported (const Cyclehub__V1__PaymentReported *m, hub_verdict_t *v)
{
    const char *at = "payment_reported";
    return s_local_id (v, at, "contract_id", m->contract_id, "the contract's id")
        || s_local_id (v, at, "payment_id", m->payment_id, "the payment's id")
        || s_money (v, at, "amount", m->amount, true, "the amount paid")
        || s_time (v, at, "invoice_received_ms", m->invoice_received_ms, false, "")
        || s_time (v, at, "paid_ms", m->paid_ms, false, "")
        ? -1: 0;
}

static int
s_evaluation_published (const Cyclehub__V1__EvaluationPublished *m, hub_verdict_t *v)
{
    const char *at = "evaluation_published";
    return s_text (v, at, "title", m->title, HUB_VALIDATE_TITLE_MAX, true, "the evaluation's title")
        || s_text (v, at, "summary", m->summary, HUB_VALIDATE_TEXT_MAX, false, "")
        || s_text (v, at, "document_url", m->document_url, HUB_VALIDATE_URL_MAX, false, "")
        || s_text_list (v, at, "findings", m->n_findings, m->findings,
                        HUB_VALIDATE_TEXT_MAX, false, "a finding")
        ? -1: 0;
}

static int
s_review_decision (const Cyclehub__V1__ReviewDecision *m, hub_verdict_t *v)
{
    const char *at = "review_decision";
    return s_enum (v, at, "decision", m->decision, CYCLEHUB__V1__DECISION__DECISION_DECOMMISSION,
                   "recommission, redesign, decommission")
        || s_text (v, at, "reason", m->reason, HUB_VALIDATE_TEXT_MAX, true,
                   "the reason for the decision")
        ? -1: 0;
}

//  --------------------------------------------------------------------------

//  Dispatches on the body; a set case whose member is NULL (only possible
//  in a hand-built message) is a missing field, never a crash.
#define S_BODY(member, fn) \
    if (!env->member) \
        return hub_verdict_set (v, S_REJ (MISSING_FIELD), #member, \
                                "%s is set as the body but is empty", #member); \
    return fn (env->member, v)

static int
s_body (const Cyclehub__V1__Envelope *env, hub_verdict_t *v)
{
    switch (env->body_case) {
        case CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED:
            S_BODY (commission_opened, s_commission_opened);
        case CYCLEHUB__V1__ENVELOPE__BODY_NEEDS_ASSESSED:
            S_BODY (needs_assessed, s_needs_assessed);
        case CYCLEHUB__V1__ENVELOPE__BODY_PRIORITIES_AGREED:
            S_BODY (priorities_agreed, s_priorities_agreed);
        case CYCLEHUB__V1__ENVELOPE__BODY_STRATEGY_APPROVED:
            S_BODY (strategy_approved, s_strategy_approved);
        case CYCLEHUB__V1__ENVELOPE__BODY_STAGE_CHANGE_REQUESTED:
            S_BODY (stage_change_requested, s_stage_change_requested);
        case CYCLEHUB__V1__ENVELOPE__BODY_PARTNER_UPDATE:
            S_BODY (partner_update, s_partner_update);
        case CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OPENED:
            S_BODY (consultation_opened, s_consultation_opened);
        case CYCLEHUB__V1__ENVELOPE__BODY_RESPONSE_SUBMITTED:
            S_BODY (response_submitted, s_response_submitted);
        case CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_CLOSED:
            S_BODY (consultation_closed, s_consultation_closed);
        case CYCLEHUB__V1__ENVELOPE__BODY_CONSULTATION_OUTCOME:
            S_BODY (consultation_outcome, s_consultation_outcome);
        case CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_PLANNED:
            S_BODY (procurement_planned, s_procurement_planned);
        case CYCLEHUB__V1__ENVELOPE__BODY_MARKET_ENGAGEMENT:
            S_BODY (market_engagement, s_market_engagement);
        case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED:
            S_BODY (tender_published, s_tender_published);
        case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_AMENDED:
            S_BODY (tender_amended, s_tender_amended);
        case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_CLOSED:
            S_BODY (tender_closed, s_tender_closed);
        case CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_TERMINATED:
            S_BODY (procurement_terminated, s_procurement_terminated);
        case CYCLEHUB__V1__ENVELOPE__BODY_DIRECT_AWARD:
            S_BODY (direct_award, s_direct_award);
        case CYCLEHUB__V1__ENVELOPE__BODY_AWARD_MADE:
            S_BODY (award_made, s_award_made);
        case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_SIGNED:
            S_BODY (contract_signed, s_contract_signed);
        case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_CHANGED:
            S_BODY (contract_changed, s_contract_changed);
        case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_ENDED:
            S_BODY (contract_ended, s_contract_ended);
        case CYCLEHUB__V1__ENVELOPE__BODY_KPI_REPORTED:
            S_BODY (kpi_reported, s_kpi_reported);
        case CYCLEHUB__V1__ENVELOPE__BODY_MILESTONE_UPDATED:
            S_BODY (milestone_updated, s_milestone_updated);
        case CYCLEHUB__V1__ENVELOPE__BODY_SOCIAL_VALUE_REPORTED:
            S_BODY (social_value_reported, s_social_value_reported);
        case CYCLEHUB__V1__ENVELOPE__BODY_PAYMENT_REPORTED:
            S_BODY (payment_reported, s_payment_reported);
        case CYCLEHUB__V1__ENVELOPE__BODY_EVALUATION_PUBLISHED:
            S_BODY (evaluation_published, s_evaluation_published);
        case CYCLEHUB__V1__ENVELOPE__BODY_REVIEW_DECISION:
            S_BODY (review_decision, s_review_decision);
        case CYCLEHUB__V1__ENVELOPE__BODY_ERASURE_RECORDED:
            return hub_verdict_set (v, S_REJ (UNKNOWN_TYPE), "erasure_recorded",
                                    "erasure_recorded (erasure.recorded) is written by the broker "
                                    "only: to have a response's personal data erased, send an "
                                    "EraseRequest");
        case CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET:
            return hub_verdict_set (v, S_REJ (UNKNOWN_TYPE), "",
                                    "the envelope has no body: set exactly one message, "
                                    "e.g. commission_opened or tender_published");
        default:
            break;
    }
    return hub_verdict_set (v, S_REJ (UNKNOWN_TYPE), "",
                            "the envelope's body (field %d) is not a message type this hub "
                            "knows: upgrade the hub or send a known type", (int) env->body_case);
}

int
hub_validate_envelope (const Cyclehub__V1__Envelope *env, hub_verdict_t *v)
{
    hub_verdict_clear (v);
    if (!env)
        return hub_verdict_set (v, S_REJ (MALFORMED), "", "there is no envelope to check");
    if (!env->msg_id || !*env->msg_id)
        return hub_verdict_set (v, S_REJ (MISSING_FIELD), "msg_id",
                                "msg_id is required: give an id unique among your messages "
                                "(1 to 128 characters of A-Z a-z 0-9 . _ : -), e.g. a UUID");
    if (!hub_validate_msg_id (env->msg_id))
        return hub_verdict_set (v, S_REJ (INVALID_VALUE), "msg_id",
                                "msg_id \"%.64s\" is not valid: use 1 to 128 characters of "
                                "A-Z a-z 0-9 . _ : -, e.g. a UUID", env->msg_id);
    if (!env->commission_id || !*env->commission_id)
        return hub_verdict_set (v, S_REJ (MISSING_FIELD), "commission_id",
                                "commission_id is required: give the commission's ocid, "
                                "e.g. ocds-h6vhtk-056931");
    if (!hub_validate_ocid (env->commission_id))
        return hub_verdict_set (v, S_REJ (INVALID_VALUE), "commission_id",
                                "commission_id \"%.80s\" is not an ocid: use ocds-, six lower-case "
                                "letters or digits, -, then 1 to 64 of A-Z a-z 0-9 . _ -, e.g. "
                                "ocds-h6vhtk-056931", env->commission_id);
    if (s_time (v, "", "sent_at_ms", env->sent_at_ms, false, "when the message was sent"))
        return -1;
    return s_body (env, v);
}
