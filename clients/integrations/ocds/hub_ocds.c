/*  hub_ocds: OCDS 1.1 release and record packages from stored events.

    Each procurement-relevant event becomes one partial release (what that
    event tells, plus the ids OCDS requires to place it); the record's
    compiledRelease merges them by the OCDS merge rules. Parties are carried
    whole in every release, with every role known so far, so that merging
    by id leaves each party with all its roles.

    Exact amounts: a JSON number is text, so an amount never passes through
    a double. It is written from the integer minor units in the currency's
    major unit by hub_money_format_number (450000, 450000.5) and held in the
    JSON tree as a marker string "\0A<number text>". Protobuf strings are C
    strings and cannot hold NUL, so no text from an event can look like a
    marker; after jansson writes the tree (marker as "\u0000A1250000.5"),
    s_unmark replaces each quoted marker with its bare number text.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "hub_ocds.h"
#include "hub_types.h"
#include "hub_money.h"
#include "hub_number.h"
#include "hub_time.h"

#define S_MARK      "\0A"        /* amount marker: NUL, 'A', then the number text */
#define S_MARK_LEN  2
#define S_MARK_OUT  "\"\\u0000A" /* the marker's opening as jansson writes it */

//  Party roles, in the order they are written
enum {
    S_ROLE_BUYER = 1,
    S_ROLE_PROCURING_ENTITY = 2,
    S_ROLE_SUPPLIER = 4,
    S_ROLE_PAYER = 8,
    S_ROLE_PAYEE = 16
};
static const char *s_role_names [] = {
    "buyer", "procuringEntity", "supplier", "payer", "payee"
};

struct _hub_ocds_t {
    char *publisher_name;        //  publisher.name
    char *publisher_uri;         //  publisher.uri, or NULL
    char *uri;                   //  package uri, or NULL for the default
    char *published_date;        //  publishedDate, or NULL for the default
    bool record;                 //  record package rather than release package
    json_t *commissions;         //  ocid -> state object (s_state_new), in first-seen order
    json_t *releases;            //  every release made, in seq order
    uint64_t last_seq;           //  seq of the last event taken
    int64_t last_recorded_ms;    //  recorded_at of the last event taken
    bool have_event;             //  any event taken yet
    char error [512];            //  why the last add failed, or ""
};

//  --------------------------------------------------------------------------
//  Small helpers

static char *
s_strdup_or (const char *s, const char *fallback)
{
    const char *v = s? s: fallback;
    return v? strdup (v): NULL;
}

static int
s_fail (hub_ocds_t *self, uint64_t seq, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
s_fail (hub_ocds_t *self, uint64_t seq, const char *format, ...)
{
    int n = snprintf (self->error, sizeof self->error, "event %llu: ", (unsigned long long) seq);
    va_list args;
    va_start (args, format);
    vsnprintf (self->error + n, sizeof self->error - (size_t) n, format, args);
    va_end (args);
    return -1;
}

//  Sets key to a time string; a time out of range was checked by the caller
//  for recorded_at, and is simply left out for optional times.
static void
s_set_time (json_t *obj, const char *key, int64_t ms)
{
    char buf [HUB_TIME_TEXT_MAX];
    if (ms && hub_time_format (ms, buf, sizeof buf) >= 0)
        json_object_set_new (obj, key, json_string (buf));
}

static void
s_set_str (json_t *obj, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new (obj, key, json_string (value));
}

//  The amount marker for minor units in a currency (see the file comment)
static json_t *
s_amount_marker (int64_t minor, const char *currency)
{
    char buf [S_MARK_LEN + HUB_MONEY_TEXT_MAX];
    memcpy (buf, S_MARK, S_MARK_LEN);
    int n = hub_money_format_number (minor, currency, buf + S_MARK_LEN, sizeof buf - S_MARK_LEN);
    return n < 0? NULL: json_stringn (buf, (size_t) (S_MARK_LEN + n));
}

//  Replaces each quoted amount marker in the dumped text with its number
//  text, in place (the text only shrinks).
static void
s_unmark (char *text)
{
    size_t mark_len = strlen (S_MARK_OUT);
    char *out = text;
    const char *in = text;
    while (*in) {
        if (*in == '"' && strncmp (in, S_MARK_OUT, mark_len) == 0) {
            in += mark_len;
            while (*in && *in != '"')
                *out++ = *in++;
            if (*in == '"')
                in++;
        }
        else
            *out++ = *in++;
    }
    *out = 0;
}

//  An OCDS Value from Money into *value, or NULL when the money is unset
//  (absent, or zero with no currency). Returns -1 on bad money.
static int
s_value (hub_ocds_t *self, uint64_t seq, const Cyclehub__V1__Money *money,
         const char *field, json_t **value)
{
    *value = NULL;
    bool no_currency = !money || !money->currency || !*money->currency;
    if (!money || (money->amount == 0 && no_currency))
        return 0;
    if (no_currency)
        return s_fail (self, seq, "%s has an amount but no currency", field);
    char err [200];
    if (hub_money_check_currency (money->currency, err, sizeof err))
        return s_fail (self, seq, "%s.currency: %s", field, err);
    *value = json_object ();
    json_object_set_new (*value, "amount", s_amount_marker (money->amount, money->currency));
    json_object_set_new (*value, "currency", json_string (money->currency));
    return 0;
}

static void
s_set_period (json_t *obj, const char *key, int64_t start_ms, int64_t end_ms)
{
    if (!start_ms && !end_ms)
        return;
    json_t *period = json_object ();
    s_set_time (period, "startDate", start_ms);
    s_set_time (period, "endDate", end_ms);
    json_object_set_new (obj, key, period);
}

//  --------------------------------------------------------------------------
//  Commission state: what later events need from earlier ones. A json
//  object, so that hub_ocds_add can work on a copy and commit it whole.

static json_t *
s_state_new (void)
{
    json_t *st = json_object ();
    json_object_set_new (st, "buyer", json_null ());
    json_object_set_new (st, "parties", json_object ());     //  org-id -> role bits
    json_object_set_new (st, "planned", json_object ());     //  procurement -> true
    json_object_set_new (st, "tender_release", json_object ()); //  procurement -> release id
    json_object_set_new (st, "awards", json_object ());      //  award -> {procurement, suppliers}
    json_object_set_new (st, "contracts", json_object ());   //  contract -> award
    return st;
}

static void
s_role_add (json_t *st, const char *org_id, int role)
{
    json_t *parties = json_object_get (st, "parties");
    json_t *bits = json_object_get (parties, org_id);
    json_int_t value = (bits? json_integer_value (bits): 0) | role;
    json_object_set_new (parties, org_id, json_integer (value));
}

//  Every party known, with its roles, as OCDS parties
static json_t *
s_parties (json_t *st)
{
    json_t *list = json_array ();
    const char *org_id;
    json_t *bits;
    json_object_foreach (json_object_get (st, "parties"), org_id, bits) {
        json_t *party = json_object ();
        json_object_set_new (party, "id", json_string (org_id));
        //  org-id SCHEME-id: the local id has no '-', so the scheme ends at the last one
        const char *dash = strrchr (org_id, '-');
        if (dash && dash > org_id && dash [1]) {
            json_t *identifier = json_object ();
            json_object_set_new (identifier, "scheme",
                                 json_stringn (org_id, (size_t) (dash - org_id)));
            json_object_set_new (identifier, "id", json_string (dash + 1));
            json_object_set_new (party, "identifier", identifier);
        }
        json_t *roles = json_array ();
        for (size_t i = 0; i < sizeof s_role_names / sizeof s_role_names [0]; i++)
            if (json_integer_value (bits) & (1 << i))
                json_array_append_new (roles, json_string (s_role_names [i]));
        json_object_set_new (party, "roles", roles);
        json_array_append_new (list, party);
    }
    return list;
}

static json_t *
s_org_ref (const char *org_id)
{
    json_t *ref = json_object ();
    json_object_set_new (ref, "id", json_string (org_id));
    return ref;
}

//  --------------------------------------------------------------------------
//  Release building

//  A new release with the fields every release has, in the order written
static json_t *
s_release_new (const char *ocid, const Cyclehub__V1__Event *event, const char *tag)
{
    json_t *rel = json_object ();
    char id [256];
    snprintf (id, sizeof id, "%s-%llu", ocid, (unsigned long long) event->seq);
    char date [HUB_TIME_TEXT_MAX];
    hub_time_format (event->recorded_at_ms, date, sizeof date);
    json_object_set_new (rel, "ocid", json_string (ocid));
    json_object_set_new (rel, "id", json_string (id));
    json_object_set_new (rel, "date", json_string (date));
    json_t *tags = json_array ();
    json_array_append_new (tags, json_string (tag));
    json_object_set_new (rel, "tag", tags);
    json_object_set_new (rel, "initiationType", json_string ("tender"));
    json_object_set_new (rel, "language", json_string ("en"));
    //  filled when the release is finished, once roles are known
    json_object_set_new (rel, "parties", json_null ());
    json_object_set_new (rel, "buyer", json_null ());
    return rel;
}

static json_t *
s_tender (json_t *rel, json_t *st, const char *procurement_id)
{
    json_t *tender = json_object ();
    json_object_set_new (tender, "id", json_string (procurement_id));
    json_object_set_new (rel, "tender", tender);
    //  the next amendment amends this release
    json_object_set_new (json_object_get (st, "tender_release"), procurement_id,
                         json_deep_copy (json_object_get (rel, "id")));
    return tender;
}

static json_t *
s_award (json_t *rel, const char *award_id)
{
    json_t *award = json_object ();
    json_object_set_new (award, "id", json_string (award_id));
    json_t *awards = json_array ();
    json_array_append_new (awards, award);
    json_object_set_new (rel, "awards", awards);
    return award;
}

static json_t *
s_contract (json_t *rel, const char *contract_id, const char *award_id)
{
    json_t *contract = json_object ();
    json_object_set_new (contract, "id", json_string (contract_id));
    json_object_set_new (contract, "awardID", json_string (award_id));
    json_t *contracts = json_array ();
    json_array_append_new (contracts, contract);
    json_object_set_new (rel, "contracts", contracts);
    return contract;
}

//  Appends an object to the array under key in obj, creating the array
static void
s_append (json_t *obj, const char *key, json_t *item)
{
    json_t *list = json_object_get (obj, key);
    if (!list) {
        list = json_array ();
        json_object_set_new (obj, key, list);
    }
    json_array_append_new (list, item);
}

static json_t *
s_amendment (const char *rel_id, const Cyclehub__V1__Event *event, const char *description,
             const char *amends)
{
    json_t *amendment = json_object ();
    char id [32];
    snprintf (id, sizeof id, "%llu", (unsigned long long) event->seq);
    json_object_set_new (amendment, "id", json_string (id));
    s_set_time (amendment, "date", event->recorded_at_ms);
    s_set_str (amendment, "description", description);
    s_set_str (amendment, "amendsReleaseID", amends);
    json_object_set_new (amendment, "releaseID", json_string (rel_id));
    return amendment;
}

static json_t *
s_document (const char *id, const char *type, const char *title, const char *description,
            int64_t published_ms)
{
    json_t *doc = json_object ();
    json_object_set_new (doc, "id", json_string (id));
    s_set_str (doc, "documentType", type);
    s_set_str (doc, "title", title);
    s_set_str (doc, "description", description);
    s_set_time (doc, "datePublished", published_ms);
    return doc;
}

//  A contract's implementation object, created on first use
static json_t *
s_implementation (json_t *contract)
{
    json_t *impl = json_object_get (contract, "implementation");
    if (!impl) {
        impl = json_object ();
        json_object_set_new (contract, "implementation", impl);
    }
    return impl;
}

//  Finds the contract's award; on a gap in the history fails
static const char *
s_contract_award (hub_ocds_t *self, json_t *st, uint64_t seq, const char *contract_id,
                  const char *type)
{
    const char *award_id = json_string_value (
        json_object_get (json_object_get (st, "contracts"), contract_id ? contract_id: ""));
    if (!award_id)
        s_fail (self, seq, "%s refers to contract \"%.64s\", which no contract.signed before "
                "it created: feed the commission's whole history", type,
                contract_id? contract_id: "");
    return award_id;
}

static const char *
s_procedure_method (Cyclehub__V1__Procedure procedure, const char **details)
{
    switch (procedure) {
        case CYCLEHUB__V1__PROCEDURE__PROCEDURE_OPEN:
            *details = "Open procedure (Procurement Act 2023)";
            return "open";
        case CYCLEHUB__V1__PROCEDURE__PROCEDURE_COMPETITIVE_FLEXIBLE:
            *details = "Competitive flexible procedure (Procurement Act 2023)";
            return "selective";
        case CYCLEHUB__V1__PROCEDURE__PROCEDURE_FRAMEWORK_CALL_OFF:
            *details = "Call-off from a framework";
            return "selective";
        default:
            *details = NULL;
            return NULL;
    }
}

static const char *
s_milestone_status (Cyclehub__V1__MilestoneStatus status)
{
    switch (status) {
        case CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_COMPLETE: return "met";
        case CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_MISSED:   return "notMet";
        case CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_NOT_STARTED:
        case CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_ON_TRACK:
        case CYCLEHUB__V1__MILESTONE_STATUS__MILESTONE_STATUS_AT_RISK:  return "scheduled";
        default: return NULL;
    }
}

//  Builds the release for one procurement-relevant event into *release
//  (NULL if the event makes none), updating st. Returns 0 or -1.
static int
s_build (hub_ocds_t *self, json_t *st, const char *ocid, const Cyclehub__V1__Event *event,
         json_t **release)
{
    const Cyclehub__V1__Envelope *env = event->envelope;
    uint64_t seq = event->seq;
    const char *buyer = json_string_value (json_object_get (st, "buyer"));
    json_t *rel = NULL;
    json_t *value = NULL;
    *release = NULL;

    if (env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_COMMISSION_OPENED) {
        const char *b = env->commission_opened->buyer;
        if (!b || !*b)
            return s_fail (self, seq, "commission.opened has no buyer");
        json_object_set_new (st, "buyer", json_string (b));
        s_role_add (st, b, S_ROLE_BUYER | S_ROLE_PROCURING_ENTITY);
        return 0;
    }
    //  A type exports a release when its row in proto/hub_types.def has a tag
    const hub_type_t *row = hub_types_of (env->body_case);
    if (!row || !row->ocds_tag)
        return 0;               //  not procurement: nothing to export
    const char *type = event->type && *event->type? event->type: "event";
    if (!buyer)
        return s_fail (self, seq, "%s comes before commission %.80s was opened: feed the "
                       "commission's history from its commission.opened", type, ocid);

    json_t *planned = json_object_get (st, "planned");
    json_t *awards = json_object_get (st, "awards");
    json_t *contracts = json_object_get (st, "contracts");

    switch (env->body_case) {
        case CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_PLANNED: {
            const Cyclehub__V1__ProcurementPlanned *m = env->procurement_planned;
            if (s_value (self, seq, m->estimated_value, "procurement_planned.estimated_value", &value))
                return -1;
            rel = s_release_new (ocid, event, json_object_get (planned, m->procurement_id)?
                                 "planningUpdate": "planning");
            json_t *tender = s_tender (rel, st, m->procurement_id);
            s_set_str (tender, "title", m->title);
            json_object_set_new (tender, "status", json_string (
                m->kind == CYCLEHUB__V1__NOTICE_KIND__NOTICE_KIND_PIPELINE? "planning": "planned"));
            json_object_set_new (tender, "procuringEntity", s_org_ref (buyer));
            if (value)
                json_object_set_new (tender, "value", value);
            json_object_set_new (tender, "mainProcurementCategory", json_string ("services"));
            s_set_period (tender, "tenderPeriod", m->expected_tender_ms, 0);
            json_object_set_new (planned, m->procurement_id, json_true ());
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_MARKET_ENGAGEMENT: {
            //  UK2: updates the planning of the process it engages the market for
            const Cyclehub__V1__MarketEngagement *m = env->market_engagement;
            rel = s_release_new (ocid, event, json_object_get (planned, m->procurement_id)?
                                 "planningUpdate": "planning");
            json_t *planning = json_object ();
            json_t *milestone = json_object ();
            char id [96];
            snprintf (id, sizeof id, "engagement-%llu", (unsigned long long) seq);
            json_object_set_new (milestone, "id", json_string (id));
            json_object_set_new (milestone, "title", json_string ("Preliminary market engagement"));
            json_object_set_new (milestone, "type", json_string ("engagement"));
            s_set_str (milestone, "description", m->description);
            if (m->period)
                s_set_time (milestone, "dueDate", m->period->end_ms);
            s_append (planning, "milestones", milestone);
            json_object_set_new (rel, "planning", planning);
            json_t *tender = s_tender (rel, st, m->procurement_id);
            json_object_set_new (tender, "procuringEntity", s_org_ref (buyer));
            json_object_set_new (planned, m->procurement_id, json_true ());
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_PUBLISHED: {
            const Cyclehub__V1__TenderPublished *m = env->tender_published;
            if (s_value (self, seq, m->value, "tender_published.value", &value))
                return -1;
            rel = s_release_new (ocid, event, "tender");
            json_t *tender = s_tender (rel, st, m->procurement_id);
            s_set_str (tender, "title", m->title);
            s_set_str (tender, "description", m->description);
            json_object_set_new (tender, "status", json_string ("active"));
            json_object_set_new (tender, "procuringEntity", s_org_ref (buyer));
            if (value)
                json_object_set_new (tender, "value", value);
            const char *details;
            const char *method = s_procedure_method (m->procedure, &details);
            s_set_str (tender, "procurementMethod", method);
            s_set_str (tender, "procurementMethodDetails", details);
            json_object_set_new (tender, "mainProcurementCategory", json_string ("services"));
            if (m->social_value_weight_pct) {
                char text [96];
                snprintf (text, sizeof text, "Social value weighting %u%% (PPN 06/20)",
                          m->social_value_weight_pct);
                json_object_set_new (tender, "awardCriteriaDetails", json_string (text));
            }
            if (m->tender_period)
                s_set_period (tender, "tenderPeriod", m->tender_period->start_ms,
                              m->tender_period->end_ms);
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_AMENDED: {
            const Cyclehub__V1__TenderAmended *m = env->tender_amended;
            if (s_value (self, seq, m->value, "tender_amended.value", &value))
                return -1;
            const char *amends = json_string_value (
                json_object_get (json_object_get (st, "tender_release"), m->procurement_id));
            char *amends_copy = amends? strdup (amends): NULL;
            rel = s_release_new (ocid, event, "tenderAmendment");
            json_t *tender = s_tender (rel, st, m->procurement_id);
            if (value)
                json_object_set_new (tender, "value", value);
            s_set_period (tender, "tenderPeriod", 0, m->new_deadline_ms);
            s_append (tender, "amendments",
                      s_amendment (json_string_value (json_object_get (rel, "id")), event,
                                   m->description, amends_copy));
            free (amends_copy);
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_TENDER_CLOSED: {
            //  the deadline passed: still active (evaluation), with the bids counted
            const Cyclehub__V1__TenderClosed *m = env->tender_closed;
            rel = s_release_new (ocid, event, "tenderUpdate");
            json_t *tender = s_tender (rel, st, m->procurement_id);
            json_object_set_new (tender, "status", json_string ("active"));
            json_object_set_new (tender, "numberOfTenderers", json_integer (m->bids_received));
            s_set_period (tender, "awardPeriod", event->recorded_at_ms, 0);
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_PROCUREMENT_TERMINATED: {
            const Cyclehub__V1__ProcurementTerminated *m = env->procurement_terminated;
            rel = s_release_new (ocid, event, "tenderCancellation");
            json_t *tender = s_tender (rel, st, m->procurement_id);
            json_object_set_new (tender, "status", json_string ("cancelled"));
            if (m->reason && *m->reason) {
                char id [96];
                snprintf (id, sizeof id, "cancellation-%llu", (unsigned long long) seq);
                s_append (tender, "documents",
                          s_document (id, "cancellationDetails", "Procurement termination notice (UK12)",
                                      m->reason, event->recorded_at_ms));
            }
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_AWARD_MADE:
        case CYCLEHUB__V1__ENVELOPE__BODY_DIRECT_AWARD: {
            bool direct = env->body_case == CYCLEHUB__V1__ENVELOPE__BODY_DIRECT_AWARD;
            const char *procurement_id = direct? env->direct_award->procurement_id:
                                                 env->award_made->procurement_id;
            const char *award_id = direct? env->direct_award->award_id: env->award_made->award_id;
            size_t n_suppliers = direct? env->direct_award->n_suppliers: env->award_made->n_suppliers;
            char **suppliers = direct? env->direct_award->suppliers: env->award_made->suppliers;
            int64_t standstill = direct? env->direct_award->standstill_ends_ms:
                                         env->award_made->standstill_ends_ms;
            if (s_value (self, seq, direct? env->direct_award->value: env->award_made->value,
                         direct? "direct_award.value": "award_made.value", &value))
                return -1;
            rel = s_release_new (ocid, event, "award");
            json_t *tender = s_tender (rel, st, procurement_id);
            json_object_set_new (tender, "status", json_string ("complete"));
            if (direct) {
                //  one supplier chosen without competition; several is a limited procedure
                json_object_set_new (tender, "procurementMethod",
                                     json_string (n_suppliers > 1? "limited": "direct"));
                json_object_set_new (tender, "procurementMethodDetails",
                                     json_string ("Direct award (Procurement Act 2023)"));
                s_set_str (tender, "procurementMethodRationale", env->direct_award->justification);
            }
            json_t *award = s_award (rel, award_id);
            //  pending through the standstill; active once a contract is signed
            json_object_set_new (award, "status", json_string ("pending"));
            s_set_time (award, "date", event->recorded_at_ms);
            if (value)
                json_object_set_new (award, "value", value);
            json_t *refs = json_array ();
            json_t *kept = json_array ();
            for (size_t i = 0; i < n_suppliers; i++) {
                json_array_append_new (refs, s_org_ref (suppliers [i]));
                json_array_append_new (kept, json_string (suppliers [i]));
                s_role_add (st, suppliers [i], S_ROLE_SUPPLIER);
            }
            json_object_set_new (award, "suppliers", refs);
            char date [HUB_TIME_TEXT_MAX];
            if (standstill && hub_time_format (standstill, date, sizeof date) >= 0) {
                char text [96];
                snprintf (text, sizeof text, "Standstill period ends %s.", date);
                json_object_set_new (award, "description", json_string (text));
            }
            json_t *kept_award = json_object ();
            json_object_set_new (kept_award, "procurement", json_string (procurement_id));
            json_object_set_new (kept_award, "suppliers", kept);
            json_object_set_new (awards, award_id, kept_award);
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_SIGNED: {
            const Cyclehub__V1__ContractSigned *m = env->contract_signed;
            if (!json_object_get (awards, m->award_id))
                return s_fail (self, seq, "contract.signed refers to award \"%.64s\", which no "
                               "award before it made: feed the commission's whole history",
                               m->award_id);
            if (s_value (self, seq, m->value, "contract_signed.value", &value))
                return -1;
            rel = s_release_new (ocid, event, "contract");
            json_t *award = s_award (rel, m->award_id);
            json_object_set_new (award, "status", json_string ("active"));
            json_t *contract = s_contract (rel, m->contract_id, m->award_id);
            json_object_set_new (contract, "status", json_string ("active"));
            if (m->period)
                s_set_period (contract, "period", m->period->start_ms, m->period->end_ms);
            if (value)
                json_object_set_new (contract, "value", value);
            s_set_time (contract, "dateSigned", event->recorded_at_ms);
            json_object_set_new (contracts, m->contract_id, json_string (m->award_id));
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_CHANGED: {
            const Cyclehub__V1__ContractChanged *m = env->contract_changed;
            const char *award_id = s_contract_award (self, st, seq, m->contract_id, type);
            if (!award_id)
                return -1;
            if (s_value (self, seq, m->new_value, "contract_changed.new_value", &value))
                return -1;
            rel = s_release_new (ocid, event, "contractAmendment");
            json_t *contract = s_contract (rel, m->contract_id, award_id);
            if (value)
                json_object_set_new (contract, "value", value);
            s_set_period (contract, "period", 0, m->new_end_ms);
            s_append (contract, "amendments",
                      s_amendment (json_string_value (json_object_get (rel, "id")), event,
                                   m->description, NULL));
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_CONTRACT_ENDED: {
            const Cyclehub__V1__ContractEnded *m = env->contract_ended;
            const char *award_id = s_contract_award (self, st, seq, m->contract_id, type);
            if (!award_id)
                return -1;
            bool early = m->how == CYCLEHUB__V1__CONTRACT_END__CONTRACT_END_TERMINATED;
            rel = s_release_new (ocid, event, "contractTermination");
            json_t *contract = s_contract (rel, m->contract_id, award_id);
            //  OCDS "terminated" covers both ends: completed (expired) or cut short
            json_object_set_new (contract, "status", json_string ("terminated"));
            s_set_period (contract, "period", 0, m->ended_at_ms);
            if (m->reason && *m->reason) {
                char id [96];
                snprintf (id, sizeof id, "termination-%llu", (unsigned long long) seq);
                s_append (contract, "documents",
                          s_document (id, early? "cancellationDetails": NULL,
                                      early? "Contract terminated early": "Contract expired",
                                      m->reason, event->recorded_at_ms));
            }
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_KPI_REPORTED: {
            const Cyclehub__V1__KpiReported *m = env->kpi_reported;
            const char *award_id = s_contract_award (self, st, seq, m->contract_id, type);
            if (!award_id)
                return -1;
            rel = s_release_new (ocid, event, "implementation");
            json_t *contract = s_contract (rel, m->contract_id, award_id);
            json_t *milestone = json_object ();
            char id [96];
            snprintf (id, sizeof id, "kpi-%llu", (unsigned long long) seq);
            json_object_set_new (milestone, "id", json_string (id));
            char title [160];
            snprintf (title, sizeof title, "KPI %.64s report", m->kpi_code);
            json_object_set_new (milestone, "title", json_string (title));
            json_object_set_new (milestone, "type", json_string ("reporting"));
            s_set_str (milestone, "code", m->kpi_code);
            char value_text [HUB_NUMBER_TEXT_MAX], target_text [HUB_NUMBER_TEXT_MAX], text [160];
            hub_number_format (m->value, value_text, sizeof value_text);
            hub_number_format (m->target, target_text, sizeof target_text);
            snprintf (text, sizeof text, "Value %s against target %s%s", value_text,
                      target_text, m->breach? " (breach)": "");
            json_object_set_new (milestone, "description", json_string (text));
            if (m->period)
                s_set_time (milestone, "dueDate", m->period->end_ms);
            s_set_time (milestone, "dateModified", event->recorded_at_ms);
            const char *status = NULL;
            if (m->breach || m->rating == CYCLEHUB__V1__RATING__RATING_RED)
                status = "notMet";
            else
            if (m->rating == CYCLEHUB__V1__RATING__RATING_AMBER)
                status = "partiallyMet";
            else
            if (m->rating == CYCLEHUB__V1__RATING__RATING_GREEN)
                status = "met";
            s_set_str (milestone, "status", status);
            s_append (s_implementation (contract), "milestones", milestone);
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_MILESTONE_UPDATED: {
            const Cyclehub__V1__MilestoneUpdated *m = env->milestone_updated;
            const char *award_id = s_contract_award (self, st, seq, m->contract_id, type);
            if (!award_id)
                return -1;
            rel = s_release_new (ocid, event, "implementation");
            json_t *contract = s_contract (rel, m->contract_id, award_id);
            json_t *milestone = json_object ();
            json_object_set_new (milestone, "id", json_string (m->milestone_id));
            s_set_str (milestone, "title", m->title);
            json_object_set_new (milestone, "type", json_string ("delivery"));
            s_set_time (milestone, "dueDate", m->due_ms);
            s_set_time (milestone, "dateMet", m->completed_ms);
            s_set_time (milestone, "dateModified", event->recorded_at_ms);
            s_set_str (milestone, "status", s_milestone_status (m->status));
            s_append (s_implementation (contract), "milestones", milestone);
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_SOCIAL_VALUE_REPORTED: {
            //  a delivered report: a met reporting milestone naming the measure
            const Cyclehub__V1__SocialValueReported *m = env->social_value_reported;
            const char *award_id = s_contract_award (self, st, seq, m->contract_id, type);
            if (!award_id)
                return -1;
            if (s_value (self, seq, m->proxy_value, "social_value_reported.proxy_value", &value))
                return -1;
            rel = s_release_new (ocid, event, "implementation");
            json_t *contract = s_contract (rel, m->contract_id, award_id);
            json_t *milestone = json_object ();
            char id [96];
            snprintf (id, sizeof id, "social-value-%llu", (unsigned long long) seq);
            json_object_set_new (milestone, "id", json_string (id));
            char text [320];
            snprintf (text, sizeof text, "Social value %.64s%s%.64s report",
                      m->framework && *m->framework? m->framework: "",
                      m->framework && *m->framework? " ": "", m->measure_code);
            json_object_set_new (milestone, "title", json_string (text));
            json_object_set_new (milestone, "type", json_string ("reporting"));
            s_set_str (milestone, "code", m->measure_code);
            //  the proxy value is written exactly, as text: a milestone has no value
            char quantity [HUB_NUMBER_TEXT_MAX], proxy [64] = "";
            hub_number_format (m->quantity, quantity, sizeof quantity);
            if (value) {
                json_decref (value);
                char amount [HUB_MONEY_TEXT_MAX];
                hub_money_format (m->proxy_value->amount, m->proxy_value->currency,
                                  amount, sizeof amount);
                snprintf (proxy, sizeof proxy, "; proxy value %s %s", amount,
                          m->proxy_value->currency);
            }
            snprintf (text, sizeof text, "Quantity %s%s%.64s%s", quantity,
                      m->unit && *m->unit? " ": "", m->unit, proxy);
            json_object_set_new (milestone, "description", json_string (text));
            if (m->period)
                s_set_time (milestone, "dueDate", m->period->end_ms);
            s_set_time (milestone, "dateMet", event->recorded_at_ms);
            json_object_set_new (milestone, "status", json_string ("met"));
            s_append (s_implementation (contract), "milestones", milestone);
            break;
        }
        case CYCLEHUB__V1__ENVELOPE__BODY_PAYMENT_REPORTED: {
            const Cyclehub__V1__PaymentReported *m = env->payment_reported;
            const char *award_id = s_contract_award (self, st, seq, m->contract_id, type);
            if (!award_id)
                return -1;
            if (s_value (self, seq, m->amount, "payment_reported.amount", &value))
                return -1;
            rel = s_release_new (ocid, event, "implementation");
            json_t *contract = s_contract (rel, m->contract_id, award_id);
            json_t *transaction = json_object ();
            json_object_set_new (transaction, "id", json_string (m->payment_id));
            s_set_time (transaction, "date", m->paid_ms? m->paid_ms: event->recorded_at_ms);
            if (value)
                json_object_set_new (transaction, "value", value);
            json_object_set_new (transaction, "payer", s_org_ref (buyer));
            s_role_add (st, buyer, S_ROLE_PAYER);
            //  the payee is known when the award names a single supplier
            json_t *award_suppliers = json_object_get (json_object_get (awards, award_id), "suppliers");
            if (json_array_size (award_suppliers) == 1) {
                const char *payee = json_string_value (json_array_get (award_suppliers, 0));
                json_object_set_new (transaction, "payee", s_org_ref (payee));
                s_role_add (st, payee, S_ROLE_PAYEE);
            }
            s_append (s_implementation (contract), "transactions", transaction);
            break;
        }
        default:
            break;
    }
    json_object_set_new (rel, "parties", s_parties (st));
    json_object_set_new (rel, "buyer", s_org_ref (buyer));
    *release = rel;
    return 0;
}

//  --------------------------------------------------------------------------
//  OCDS merge (compiled release): objects merge field by field, the latest
//  value wins; arrays whose items are all objects with an id merge item by
//  id; other arrays are replaced whole; null removes a field.

static void s_merge (json_t *dst, json_t *src);

static bool
s_identified (json_t *array)
{
    if (!json_array_size (array))
        return false;
    size_t i;
    json_t *item;
    json_array_foreach (array, i, item)
        if (!json_is_object (item) || !json_object_get (item, "id"))
            return false;
    return true;
}

static json_t *
s_merged_copy (json_t *src)
{
    if (json_is_object (src)) {
        json_t *copy = json_object ();
        s_merge (copy, src);
        return copy;
    }
    return json_deep_copy (src);
}

static void
s_merge (json_t *dst, json_t *src)
{
    const char *key;
    json_t *value;
    json_object_foreach (src, key, value) {
        json_t *have = json_object_get (dst, key);
        if (json_is_null (value))
            json_object_del (dst, key);
        else
        if (json_is_object (value) && json_is_object (have))
            s_merge (have, value);
        else
        if (json_is_array (value) && json_is_array (have)
        &&  s_identified (value) && s_identified (have)) {
            size_t i;
            json_t *item;
            json_array_foreach (value, i, item) {
                json_t *id = json_object_get (item, "id");
                json_t *match = NULL;
                size_t j;
                json_t *old;
                json_array_foreach (have, j, old)
                    if (json_equal (json_object_get (old, "id"), id)) {
                        match = old;
                        break;
                    }
                if (match)
                    s_merge (match, item);
                else
                    json_array_append_new (have, s_merged_copy (item));
            }
        }
        else
            json_object_set_new (dst, key, s_merged_copy (value));
    }
}

static json_t *
s_compiled (const char *ocid, json_t *releases)
{
    json_t *compiled = json_object ();
    json_object_set_new (compiled, "ocid", json_string (ocid));
    char id [256];
    snprintf (id, sizeof id, "%s-compiled", ocid);
    json_object_set_new (compiled, "id", json_string (id));
    json_object_set_new (compiled, "date", json_null ());
    json_t *tags = json_array ();
    json_array_append_new (tags, json_string ("compiled"));
    json_object_set_new (compiled, "tag", tags);
    size_t i;
    json_t *rel;
    json_array_foreach (releases, i, rel) {
        json_t *copy = json_copy (rel);          //  shallow: drop the per-release fields
        json_object_del (copy, "id");
        json_object_del (copy, "tag");
        s_merge (compiled, copy);
        json_decref (copy);
    }
    return compiled;
}

//  --------------------------------------------------------------------------
//  Public API

hub_ocds_t *
hub_ocds_new (const hub_ocds_options_t *options)
{
    hub_ocds_options_t none = { 0 };
    if (!options)
        options = &none;
    hub_ocds_t *self = (hub_ocds_t *) calloc (1, sizeof (hub_ocds_t));
    if (!self)
        return NULL;
    self->publisher_name = s_strdup_or (options->publisher_name, "cyclehub");
    self->publisher_uri = s_strdup_or (options->publisher_uri, NULL);
    self->uri = s_strdup_or (options->uri, NULL);
    self->published_date = s_strdup_or (options->published_date, NULL);
    self->record = options->record;
    self->commissions = json_object ();
    self->releases = json_array ();
    if (!self->publisher_name || !self->commissions || !self->releases
    || (options->publisher_uri && !self->publisher_uri)
    || (options->uri && !self->uri)
    || (options->published_date && !self->published_date))
        hub_ocds_destroy (&self);
    return self;
}

void
hub_ocds_destroy (hub_ocds_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hub_ocds_t *self = *self_p;
    free (self->publisher_name);
    free (self->publisher_uri);
    free (self->uri);
    free (self->published_date);
    json_decref (self->commissions);
    json_decref (self->releases);
    free (self);
    *self_p = NULL;
}

int
hub_ocds_add (hub_ocds_t *self, const Cyclehub__V1__Event *event)
{
    self->error [0] = 0;
    if (!event)
        return s_fail (self, 0, "no event");
    if (self->have_event && event->seq <= self->last_seq)
        return s_fail (self, event->seq, "is not after the last event taken (seq %llu): "
                       "feed events in seq order, each once", (unsigned long long) self->last_seq);
    const Cyclehub__V1__Envelope *env = event->envelope;
    if (!env || env->body_case == CYCLEHUB__V1__ENVELOPE__BODY__NOT_SET)
        return s_fail (self, event->seq, "has no envelope body");
    char date [HUB_TIME_TEXT_MAX];
    if (hub_time_format (event->recorded_at_ms, date, sizeof date) < 0)
        return s_fail (self, event->seq, "recorded_at %lld ms is outside years 0000..9999",
                       (long long) event->recorded_at_ms);
    const char *ocid = env->commission_id;
    if (!ocid || !*ocid)
        return s_fail (self, event->seq, "has no commission id");

    //  work on a copy of the commission's state, committed only on success
    json_t *current = json_object_get (self->commissions, ocid);
    json_t *st = current? json_deep_copy (current): s_state_new ();
    json_t *release = NULL;
    if (!st || s_build (self, st, ocid, event, &release)) {
        if (!st)
            s_fail (self, event->seq, "out of memory");
        json_decref (st);
        return -1;
    }
    //  a commission is listed once it has something to say
    if (current || release || json_object_get (st, "buyer") != json_null ())
        json_object_set_new (self->commissions, ocid, st);
    else
        json_decref (st);
    if (release)
        json_array_append_new (self->releases, release);
    self->last_seq = event->seq;
    self->last_recorded_ms = event->recorded_at_ms;
    self->have_event = true;
    return 0;
}

int
hub_ocds_add_packed (hub_ocds_t *self, const uint8_t *data, size_t size)
{
    self->error [0] = 0;
    Cyclehub__V1__Event *event = cyclehub__v1__event__unpack (NULL, size, data);
    if (!event)
        return s_fail (self, 0, "not a packed cyclehub.v1.Event");
    int rc = hub_ocds_add (self, event);
    cyclehub__v1__event__free_unpacked (event, NULL);
    return rc;
}

const char *
hub_ocds_error (hub_ocds_t *self)
{
    return self->error;
}

size_t
hub_ocds_release_count (hub_ocds_t *self)
{
    return json_array_size (self->releases);
}

char *
hub_ocds_package (hub_ocds_t *self, int flags)
{
    json_t *root = json_object ();
    if (!root)
        return NULL;

    //  the package uri: the caller's, else a URN naming the commission
    char *uri = NULL;
    if (self->uri)
        uri = strdup (self->uri);
    else
    if (json_object_size (self->commissions) == 1) {
        void *iter = json_object_iter (self->commissions);
        const char *ocid = json_object_iter_key (iter);
        const char *prefix = "urn:cyclehub:ocds:";
        uri = (char *) malloc (strlen (prefix) + 3 * strlen (ocid) + 1);
        if (uri) {
            char *out = uri + sprintf (uri, "%s", prefix);
            for (const unsigned char *c = (const unsigned char *) ocid; *c; c++)
                if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
                ||  (*c >= '0' && *c <= '9') || strchr ("-._~", *c))
                    *out++ = (char) *c;
                else
                    out += sprintf (out, "%%%02X", *c);
            *out = 0;
        }
    }
    else
        uri = strdup ("urn:cyclehub:ocds");
    char date [HUB_TIME_TEXT_MAX] = "1970-01-01T00:00:00.000Z";
    if (self->have_event)
        hub_time_format (self->last_recorded_ms, date, sizeof date);

    json_t *publisher = json_object ();
    json_object_set_new (publisher, "name", json_string (self->publisher_name));
    s_set_str (publisher, "uri", self->publisher_uri);
    json_object_set_new (root, "uri", json_string (uri? uri: ""));
    json_object_set_new (root, "version", json_string ("1.1"));
    json_object_set_new (root, "publisher", publisher);
    json_object_set_new (root, "publishedDate",
                         json_string (self->published_date? self->published_date: date));
    free (uri);

    if (self->record) {
        json_t *records = json_array ();
        const char *ocid;
        json_t *st;
        json_object_foreach (self->commissions, ocid, st) {
            json_t *mine = json_array ();
            size_t i;
            json_t *rel;
            json_array_foreach (self->releases, i, rel)
                if (strcmp (json_string_value (json_object_get (rel, "ocid")), ocid) == 0)
                    json_array_append (mine, rel);
            if (json_array_size (mine)) {
                json_t *record = json_object ();
                json_object_set_new (record, "ocid", json_string (ocid));
                json_object_set_new (record, "releases", mine);
                json_object_set_new (record, "compiledRelease", s_compiled (ocid, mine));
                json_array_append_new (records, record);
            }
            else
                json_decref (mine);
        }
        json_object_set_new (root, "records", records);
    }
    else
        json_object_set (root, "releases", self->releases);

    size_t dump_flags = JSON_PRESERVE_ORDER
                      | ((flags & HUB_OCDS_PRETTY)? JSON_INDENT (2): JSON_COMPACT);
    char *text = json_dumps (root, dump_flags);
    json_decref (root);
    if (text)
        s_unmark (text);
    return text;
}
