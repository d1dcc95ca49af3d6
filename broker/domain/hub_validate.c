/*  hub_validate: state-independent field checks of a published Envelope.
    The fields of each type, required or not, and their kinds are the rows
    of proto/hub_fields.def; each kind (ids, org-ids, money, times, periods,
    text) has one helper, so every rejection names its field path and says
    what a valid value looks like. Cross-field rules are small functions
    named by the check column of proto/hub_types.def.
*/
#include "hub_validate.h"
#include <ctype.h>
#include "hub_money.h"
#include "hub_time.h"
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
    if (t < HUB_VALIDATE_TIME_MIN_MS || t >= HUB_VALIDATE_TIME_MAX_MS) {
        char when [HUB_TIME_TEXT_MAX] = "a time outside years 0000..9999";
        hub_time_format (t, when, sizeof when);
        return s_fail (v, S_REJ (INVALID_VALUE), at, name,
                       "%lld (%s) is out of range: give %s in " S_TIME_SHAPE,
                       (long long) t, when, what);
    }
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

//  Money inside the protobuf: minor units of an ISO 4217 List one currency
//  with minor units (hub_money), so that every text edge can write it.
static int
s_money (hub_verdict_t *v, const char *at, const char *name,
         const Cyclehub__V1__Money *m, bool required, const char *what)
{
    if (!m) {
        if (!required)
            return 0;
        return s_fail (v, S_REJ (MISSING_FIELD), at, name,
                       "is required: give %s as an amount and an ISO 4217 currency, e.g. "
                       "{\"amount\": \"1250.00\", \"currency\": \"GBP\"} in JSON "
                       "(125000 minor units in the protobuf)", what);
    }
    char path [128];
    snprintf (path, sizeof path, "%s.%s", at, name);
    char err [200];
    if (!m->currency || !*m->currency) {
        if (required || m->amount != 0)
            return s_fail (v, S_REJ (MISSING_FIELD), path, "currency",
                           "is required with an amount: give an ISO 4217 code such as GBP");
        return 0;
    }
    if (hub_money_check_currency (m->currency, err, sizeof err))
        return s_fail (v, S_REJ (INVALID_VALUE), path, "currency", "is wrong: %s", err);
    char amount [HUB_MONEY_TEXT_MAX], most [HUB_MONEY_TEXT_MAX];
    hub_money_format (m->amount, m->currency, amount, sizeof amount);
    hub_money_format (HUB_VALIDATE_MONEY_MAX, m->currency, most, sizeof most);
    if (m->amount < 0)
        return s_fail (v, S_REJ (INVALID_VALUE), path, "amount",
                       "is %s %s: an amount of money is zero or more", amount, m->currency);
    if (m->amount > HUB_VALIDATE_MONEY_MAX)
        return s_fail (v, S_REJ (INVALID_VALUE), path, "amount",
                       "is %s %s: over the limit of %s %s (10^15 minor units); was the "
                       "amount multiplied twice?", amount, m->currency, most, m->currency);
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
                       "is required: give %s as org-ids, " S_ORG_SHAPE, what);
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
                               "\"%s\" is listed twice: name each organisation once", items [i]);
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  The field rows: proto/hub_fields.def names each field of each body, whether
//  it is required, its kind and its meaning; one check per kind, below.

//  Text limits per kind, in bytes
static size_t
s_text_max (hub_field_kind_t kind)
{
    switch (kind) {
        case HUB_FIELD_TITLE:
        case HUB_FIELD_TITLES:  return HUB_VALIDATE_TITLE_MAX;
        case HUB_FIELD_URL:
        case HUB_FIELD_URLS:    return HUB_VALIDATE_URL_MAX;
        case HUB_FIELD_CODE:    return HUB_VALIDATE_CODE_MAX;
        case HUB_FIELD_EMAIL:   return 320;
        case HUB_FIELD_ADDRESS: return 1000;
        default:                return HUB_VALIDATE_TEXT_MAX;
    }
}

//  An enum: choices are its value names, lower case, without the prefix
//  they share with UNSPECIFIED ("open, competitive_flexible, ...")
static int
s_enum_field (hub_verdict_t *v, const char *at, const char *name,
              const ProtobufCFieldDescriptor *field, int value)
{
    const ProtobufCEnumDescriptor *desc = field->descriptor;
    const char *unset = desc->n_values? desc->values [0].name: "";
    size_t prefix = strlen (unset) > 11? strlen (unset) - 11: 0;      //  "UNSPECIFIED"
    char choices [256] = "";
    size_t at_choice = 0;
    int max = 0;
    for (unsigned i = 0; i < desc->n_values; i++) {
        if (desc->values [i].value > max)
            max = desc->values [i].value;
        if (desc->values [i].value == 0 || at_choice + 3 >= sizeof choices)
            continue;
        at_choice += (size_t) snprintf (choices + at_choice, sizeof choices - at_choice, "%s",
                                        at_choice? ", ": "");
        for (const char *c = desc->values [i].name + prefix; *c && at_choice + 1 < sizeof choices; c++)
            choices [at_choice++] = (char) tolower ((unsigned char) *c);
        choices [at_choice] = 0;
    }
    return s_enum (v, at, name, value, max, choices);
}

//  The Period row's need flags come from its start_ms and end_ms rows
static int
s_period_field (hub_verdict_t *v, const char *at, const hub_field_t *row,
                const Cyclehub__V1__Period *p)
{
    char path [96];
    int need = row->required? S_NEED_PERIOD: 0;
    snprintf (path, sizeof path, "%s.start_ms", row->path);
    const hub_field_t *start = hub_types_field (row->body_case, path);
    snprintf (path, sizeof path, "%s.end_ms", row->path);
    const hub_field_t *end = hub_types_field (row->body_case, path);
    need |= (start && start->required? S_NEED_START: 0) | (end && end->required? S_NEED_END: 0);
    return s_period (v, at, row->path, p, need, row->meaning);
}

static int
s_count_field (hub_verdict_t *v, const char *at, const hub_field_t *row,
               const ProtobufCFieldDescriptor *field, const void *slot)
{
    uint64_t n = field->type == PROTOBUF_C_TYPE_UINT64 || field->type == PROTOBUF_C_TYPE_INT64
               ? *(const uint64_t *) slot: *(const uint32_t *) slot;
    if (row->required && n == 0)
        return s_fail (v, S_REJ (MISSING_FIELD), at, row->path, "is required: give %s",
                       row->meaning);
    return 0;
}

//  Checks one field row of the body. A row below a message that is not set
//  passes: the message's own row says whether it is required.
static int
s_field (hub_verdict_t *v, const char *at, const ProtobufCMessage *body, const hub_field_t *row)
{
    const ProtobufCFieldDescriptor *field;
    const ProtobufCMessage *holder = hub_types_locate_row (body, row, &field);
    if (!holder || holder->descriptor == &cyclehub__v1__period__descriptor)
        return 0;                   //  a Period's times are checked by its own row
    const char *base = (const char *) holder;
    const void *slot = base + field->offset;
    size_t n = field->label == PROTOBUF_C_LABEL_REPEATED
             ? *(const size_t *) (base + field->quantifier_offset): 0;
    const char *name = row->path, *what = row->meaning;
    const char *str = field->type == PROTOBUF_C_TYPE_STRING && !n
                    ? *(const char * const *) slot: NULL;
    switch (row->kind) {
        case HUB_FIELD_ID:
            return (!row->required && (!str || !*str))? 0: s_local_id (v, at, name, str, what);
        case HUB_FIELD_ORG:
            return s_org_id (v, at, name, str, row->required, what);
        case HUB_FIELD_ORGS:
            return s_org_list (v, at, name, n, *(char ** const *) slot, row->required, what);
        case HUB_FIELD_TITLE:
        case HUB_FIELD_TEXT:
        case HUB_FIELD_URL:
        case HUB_FIELD_CODE:
        case HUB_FIELD_EMAIL:
        case HUB_FIELD_ADDRESS:
            return s_text (v, at, name, str, s_text_max (row->kind), row->required, what);
        case HUB_FIELD_TITLES:
        case HUB_FIELD_TEXTS:
        case HUB_FIELD_URLS:
            return s_text_list (v, at, name, n, *(char ** const *) slot,
                                s_text_max (row->kind), row->required, what);
        case HUB_FIELD_TIME:
            return s_time (v, at, name, *(const int64_t *) slot, row->required, what);
        case HUB_FIELD_PERIOD:
            return s_period_field (v, at, row, *(const Cyclehub__V1__Period * const *) slot);
        case HUB_FIELD_MONEY:
            return s_money (v, at, name, *(const Cyclehub__V1__Money * const *) slot,
                            row->required, what);
        case HUB_FIELD_ENUM: {
            int value = *(const int *) slot;
            return (!row->required && value == 0)? 0: s_enum_field (v, at, name, field, value);
        }
        case HUB_FIELD_NUMBER:
            return s_finite (v, at, name, *(const double *) slot);
        case HUB_FIELD_COUNT:
            return s_count_field (v, at, row, field, slot);
        case HUB_FIELD_MESSAGE:     //  its fields have rows
        case HUB_FIELD_LIST:        //  its items are checked by the type's check
            if (row->required && !n && !*(const void * const *) slot)
                return s_fail (v, S_REJ (MISSING_FIELD), at, name, "is required: give %s", what);
            return 0;
        case HUB_FIELD_BOOL:        //  false is a value: never missing
            return 0;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Cross-field rules: one per name in the check column of proto/hub_types.def

typedef int (s_check_fn) (const Cyclehub__V1__Envelope *env, hub_verdict_t *v);

static int
s_check_consultation_dates (const Cyclehub__V1__Envelope *env, hub_verdict_t *v)
{
    const Cyclehub__V1__ConsultationOpened *m = env->consultation_opened;
    if (m->closes_at_ms <= m->opens_at_ms)
        return s_fail (v, S_REJ (INVALID_VALUE), "consultation_opened", "closes_at_ms",
                       "is not after opens_at_ms: a consultation must close after it opens");
    return 0;
}

//  A direct award names its standstill's end (the same rule as award.made)
//  or the exemption relied on, never both
static int
s_check_direct_award_standstill (const Cyclehub__V1__Envelope *env, hub_verdict_t *v)
{
    const Cyclehub__V1__DirectAward *m = env->direct_award;
    bool exempt = !s_blank (m->no_standstill_reason);
    if (exempt && m->standstill_ends_ms)
        return s_fail (v, S_REJ (INVALID_VALUE), "direct_award", "no_standstill_reason",
                       "is given with standstill_ends_ms: give the standstill's end, or the "
                       "reason no standstill applies, not both");
    if (!exempt && !m->standstill_ends_ms)
        return s_fail (v, S_REJ (MISSING_FIELD), "direct_award", "standstill_ends_ms",
                       "is required: give the end of the standstill, at least 8 working days "
                       "after the award notice (Procurement Act 2023, UK6), or "
                       "no_standstill_reason naming the exemption relied on");
    return 0;
}

static int
s_check_answers (const Cyclehub__V1__Envelope *env, hub_verdict_t *v)
{
    const Cyclehub__V1__ResponseSubmitted *m = env->response_submitted;
    const char *at = "response_submitted";
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
    return 0;
}

static int
s_check_social_value_weight (const Cyclehub__V1__Envelope *env, hub_verdict_t *v)
{
    const Cyclehub__V1__TenderPublished *m = env->tender_published;
    if (m->social_value_weight_pct < 10 || m->social_value_weight_pct > 100)
        return s_fail (v, S_REJ (INVALID_VALUE), "tender_published", "social_value_weight_pct",
                       "is %u: give a weight from 10 to 100 (PPN 06/20 sets a minimum of 10%%)",
                       m->social_value_weight_pct);
    return 0;
}

static int
s_check_amends_something (const Cyclehub__V1__Envelope *env, hub_verdict_t *v)
{
    const Cyclehub__V1__TenderAmended *m = env->tender_amended;
    if (s_blank (m->description) && !m->value && !m->new_deadline_ms)
        return s_fail (v, S_REJ (MISSING_FIELD), "tender_amended", "description",
                       "is required when neither value nor new_deadline_ms is given: "
                       "say what the amendment changes");
    return 0;
}

static int
s_check_kpis (const Cyclehub__V1__Envelope *env, hub_verdict_t *v)
{
    const Cyclehub__V1__ContractSigned *m = env->contract_signed;
    const char *at = "contract_signed";
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
s_check_quantity (const Cyclehub__V1__Envelope *env, hub_verdict_t *v)
{
    if (env->social_value_reported->quantity < 0)
        return s_fail (v, S_REJ (INVALID_VALUE), "social_value_reported", "quantity",
                       "is negative: report the social value delivered as zero or more units");
    return 0;
}

//  The check of each body case; a row naming a check that does not exist
//  fails to compile
#define s_check_none NULL
static s_check_fn *const s_checks [] = {
#define HUB_TYPE(CASE, member, Type, name, group, verb, summary, stages, cycle, \
                 relations, rule, ocds_tag, check) \
    [CYCLEHUB__V1__ENVELOPE__BODY_##CASE] = s_check_##check,
#include "hub_types.def"
#undef HUB_TYPE
};
#undef s_check_none
#define S_NCHECKS (sizeof s_checks / sizeof s_checks [0])

//  --------------------------------------------------------------------------

static int
s_body (const Cyclehub__V1__Envelope *env, hub_verdict_t *v)
{
    if (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET)
        return hub_verdict_set (v, S_REJ (UNKNOWN_TYPE), "",
                                "the envelope has no body: set exactly one message, "
                                "e.g. commission_opened or tender_published");
    const hub_type_t *type = hub_types_of (env->body_case);
    if (!type)
        return hub_verdict_set (v, S_REJ (UNKNOWN_TYPE), "",
                                "the envelope's body (field %d) is not a message type this hub "
                                "knows: upgrade the hub or send a known type", (int) env->body_case);
    if (type->relations == HUB_BROKER)
        return hub_verdict_set (v, S_REJ (UNKNOWN_TYPE), type->member,
                                "%s (%s) is written by the broker only: to have a response's "
                                "personal data erased, send an EraseRequest",
                                type->member, type->name);
    //  A set case whose member is NULL (only possible in a hand-built
    //  message) is a missing field, never a crash
    const ProtobufCMessage *body = hub_types_body (env);
    if (!body)
        return hub_verdict_set (v, S_REJ (MISSING_FIELD), type->member,
                                "%s is set as the body but is empty", type->member);
    size_t nrows;
    const hub_field_t *rows = hub_types_fields (env->body_case, &nrows);
    for (size_t i = 0; i < nrows; i++)
        if (s_field (v, type->member, body, &rows [i]))
            return -1;
    s_check_fn *check = (size_t) env->body_case < S_NCHECKS? s_checks [env->body_case]: NULL;
    return check? check (env, v): 0;
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
