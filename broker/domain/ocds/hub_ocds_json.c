/*  hub_ocds_json: the JSON pieces every OCDS release builder uses.

    Exact amounts: a JSON number is text, so an amount never passes through
    a double. It is written from the integer minor units in the currency's
    major unit by hub_money_format_number (450000, 450000.5) and held in the
    JSON tree as a marker string "\0A<number text>". Protobuf strings are C
    strings and cannot hold NUL, so no text from an event can look like a
    marker; after jansson writes the tree (marker as "\u0000A1250000.5"),
    hub_ocds_unmark replaces each quoted marker with its bare number text.
*/
#include <stdio.h>
#include <string.h>
#include "hub_ocds_priv.h"
#include "hub_money.h"
#include "hub_time.h"

#define S_MARK      "\0A"        /* amount marker: NUL, 'A', then the number text */
#define S_MARK_LEN  2
#define S_MARK_OUT  "\"\\u0000A" /* the marker's opening as jansson writes it */

//  A new release with the fields every release has, in the order written;
//  parties and buyer are filled when the release is finished (hub_ocds.c)
json_t *
hub_ocds_release_new (hub_ocds_ctx_t *ctx, const char *ocid, const char *tag)
{
    json_t *rel = json_object ();
    char id [256];
    snprintf (id, sizeof id, "%s-%llu", ocid, (unsigned long long) ctx->event->seq);
    char date [HUB_TIME_TEXT_MAX];
    hub_time_format (ctx->event->recorded_at_ms, date, sizeof date);
    json_object_set_new (rel, "ocid", json_string (ocid));
    json_object_set_new (rel, "id", json_string (id));
    json_object_set_new (rel, "date", json_string (date));
    json_t *tags = json_array ();
    json_array_append_new (tags, json_string (tag));
    json_object_set_new (rel, "tag", tags);
    json_object_set_new (rel, "initiationType", json_string ("tender"));
    json_object_set_new (rel, "language", json_string ("en"));
    json_object_set_new (rel, "parties", json_null ());
    json_object_set_new (rel, "buyer", json_null ());
    return rel;
}

//  Sets key to a time string; an unset (0) or unwritable time is left out
void
hub_ocds_set_time (json_t *obj, const char *key, int64_t ms)
{
    char buf [HUB_TIME_TEXT_MAX];
    if (ms && hub_time_format (ms, buf, sizeof buf) >= 0)
        json_object_set_new (obj, key, json_string (buf));
}

void
hub_ocds_set_str (json_t *obj, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new (obj, key, json_string (value));
}

void
hub_ocds_set_period (json_t *obj, const char *key, int64_t start_ms, int64_t end_ms)
{
    if (!start_ms && !end_ms)
        return;
    json_t *period = json_object ();
    hub_ocds_set_time (period, "startDate", start_ms);
    hub_ocds_set_time (period, "endDate", end_ms);
    json_object_set_new (obj, key, period);
}

//  Appends item to the array obj.key, created on first use
void
hub_ocds_append (json_t *obj, const char *key, json_t *item)
{
    json_t *array = json_object_get (obj, key);
    if (!array) {
        array = json_array ();
        json_object_set_new (obj, key, array);
    }
    json_array_append_new (array, item);
}

//  The object obj.key, created on first use
json_t *
hub_ocds_child (json_t *obj, const char *key)
{
    json_t *child = json_object_get (obj, key);
    if (!child) {
        child = json_object ();
        json_object_set_new (obj, key, child);
    }
    return child;
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

//  An OCDS Value from Money into *value, or NULL when the money is unset
//  (absent, or zero with no currency). Returns -1 on bad money.
int
hub_ocds_value (hub_ocds_ctx_t *ctx, const Cyclehub__V1__Money *money, const char *field,
                json_t **value)
{
    uint64_t seq = ctx->event->seq;
    *value = NULL;
    bool no_currency = !money || !money->currency || !*money->currency;
    if (!money || (money->amount == 0 && no_currency))
        return 0;
    if (no_currency)
        return hub_ocds_fail (ctx->ocds, seq, "%s has an amount but no currency", field);
    char err [200];
    if (hub_money_check_currency (money->currency, err, sizeof err))
        return hub_ocds_fail (ctx->ocds, seq, "%s.currency: %s", field, err);
    *value = json_object ();
    json_object_set_new (*value, "amount", s_amount_marker (money->amount, money->currency));
    json_object_set_new (*value, "currency", json_string (money->currency));
    return 0;
}

//  "450000.00 GBP" for money that hub_ocds_value accepted; "" for none
int
hub_ocds_money_text (const Cyclehub__V1__Money *money, char *buf, size_t size)
{
    char amount [HUB_MONEY_TEXT_MAX];
    if (!money || !money->currency || !*money->currency
    ||  hub_money_format (money->amount, money->currency, amount, sizeof amount) < 0) {
        if (size)
            *buf = 0;
        return 0;
    }
    return snprintf (buf, size, "%s %s", amount, money->currency);
}

json_t *
hub_ocds_org_ref (const char *org_id)
{
    json_t *ref = json_object ();
    json_object_set_new (ref, "id", json_string (org_id));
    return ref;
}

json_t *
hub_ocds_document (const char *id, const char *type, const char *title, const char *description,
                   int64_t published_ms)
{
    json_t *doc = json_object ();
    json_object_set_new (doc, "id", json_string (id));
    hub_ocds_set_str (doc, "documentType", type);
    hub_ocds_set_str (doc, "title", title);
    hub_ocds_set_str (doc, "description", description);
    hub_ocds_set_time (doc, "datePublished", published_ms);
    return doc;
}

//  An amendment made by this release; amends is the release it amends, or NULL
json_t *
hub_ocds_amendment (json_t *release, const Cyclehub__V1__Event *event, const char *description,
                    const char *amends)
{
    json_t *amendment = json_object ();
    char id [32];
    snprintf (id, sizeof id, "%llu", (unsigned long long) event->seq);
    json_object_set_new (amendment, "id", json_string (id));
    hub_ocds_set_time (amendment, "date", event->recorded_at_ms);
    hub_ocds_set_str (amendment, "description", description);
    hub_ocds_set_str (amendment, "amendsReleaseID", amends);
    json_object_set (amendment, "releaseID", json_object_get (release, "id"));
    return amendment;
}

//  Replaces each quoted amount marker in the dumped text with its number
//  text, in place (the text only shrinks).
void
hub_ocds_unmark (char *text)
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
