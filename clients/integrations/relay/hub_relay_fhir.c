/*  hub_relay_fhir: the relay's FHIR notification Bundles (hub_relay_fhir.h):
    a history Bundle whose first entry says which subscription, topic and
    event this is (a SubscriptionStatus in R4B, a backport Parameters in
    R4), then the event as a Binary.
*/
#include "hub_relay_fhir.h"
#include "hub_json.h"
#include <czmq.h>
#include <sodium.h>
#include <jansson.h>

//  Adds the entry {fullUrl, resource, request {method, url}, response {status}}
//  that a FHIR history Bundle needs (bdl-3, bdl-4). Takes resource.
static int
s_entry (json_t *entries, const char *full_url, json_t *resource, const char *method,
         const char *request_url, const char *status)
{
    json_t *entry = json_pack ("{s:s, s:o, s:{s:s, s:s}, s:{s:s}}",
                               "fullUrl", full_url, "resource", resource,
                               "request", "method", method, "url", request_url,
                               "response", "status", status);
    return entry? json_array_append_new (entries, entry): -1;
}

//  A UUID as a urn:uuid: URI: for a name, derived from its SHA-256 (RFC 9562
//  version 8), so the same notification always gets the same one; without,
//  random (version 4).
static void
s_urn_uuid (char *buf, size_t size, const char *name)
{
    uint8_t b [crypto_hash_sha256_BYTES];
    if (name)
        crypto_hash_sha256 (b, (const uint8_t *) name, strlen (name));
    else
        randombytes_buf (b, 16);
    b [6] = (uint8_t) ((b [6] & 0x0f) | (name? 0x80: 0x40));
    b [8] = (uint8_t) ((b [8] & 0x3f) | 0x80);
    snprintf (buf, size, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
              "%02x%02x%02x%02x%02x%02x", b [0], b [1], b [2], b [3], b [4], b [5], b [6],
              b [7], b [8], b [9], b [10], b [11], b [12], b [13], b [14], b [15]);
}

//  What the first entry says, whichever form carries it
typedef struct {
    const char *id;                 //  the status resource's id
    const char *subscription;       //  the Subscription's URL
    const char *type;               //  event-notification or heartbeat
    const char *number;             //  events since the subscription started
    const char *topic;              //  the topic's URL, or NULL (a heartbeat)
    const char *when;               //  the event's time
    const char *focus;              //  the Binary's URL, or NULL (a heartbeat)
} s_status_t;

//  R4B: a SubscriptionStatus (integer64 values are JSON strings)
static json_t *
s_status_r4b (const s_status_t *st)
{
    json_t *status = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:{s:s}}",
                                "resourceType", "SubscriptionStatus", "id", st->id,
                                "status", "active", "type", st->type,
                                "eventsSinceSubscriptionStart", st->number,
                                "subscription", "reference", st->subscription);
    if (status && st->focus
    && (json_object_set_new (status, "notificationEvent", json_pack (
            "[{s:s, s:s, s:{s:s}}]", "eventNumber", st->number, "timestamp", st->when,
            "focus", "reference", st->focus))
    ||  json_object_set_new (status, "topic", json_string (st->topic))))
        json_decref (status), status = NULL;
    return status;
}

//  R4 (Subscriptions R5 Backport IG): a Parameters resource with the
//  backport-subscription-status-r4 profile; R4 has no integer64, so the
//  counts are valueString, as the guide says
static json_t *
s_status_r4 (const s_status_t *st)
{
    json_t *params = json_pack ("[{s:s, s:{s:s}}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]",
                                "name", "subscription", "valueReference",
                                "reference", st->subscription,
                                "name", "status", "valueCode", "active",
                                "name", "type", "valueCode", st->type,
                                "name", "events-since-subscription-start",
                                "valueString", st->number);
    if (params && st->topic
    &&  json_array_insert_new (params, 1, json_pack ("{s:s, s:s}", "name", "topic",
                                                     "valueCanonical", st->topic)))
        json_decref (params), params = NULL;
    if (params && st->focus
    &&  json_array_append_new (params, json_pack (
            "{s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:{s:s}}]}", "name", "notification-event",
            "part", "name", "event-number", "valueString", st->number,
                    "name", "timestamp", "valueInstant", st->when,
                    "name", "focus", "valueReference", "reference", st->focus)))
        json_decref (params), params = NULL;
    return params? json_pack ("{s:s, s:s, s:{s:[s]}, s:o}", "resourceType", "Parameters",
                              "id", st->id, "meta", "profile", HUB_RELAY_FHIR_R4_PROFILE,
                              "parameter", params): NULL;
}

//  The Binary holding the event's canonical JSON, base64
static json_t *
s_binary (const char *id, const char *event_json)
{
    size_t len = strlen (event_json);
    size_t size = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc (size);
    if (!b64)
        return NULL;
    sodium_bin2base64 (b64, size, (const uint8_t *) event_json, len,
                       sodium_base64_VARIANT_ORIGINAL);
    json_t *binary = json_pack ("{s:s, s:s, s:s, s:s}", "resourceType", "Binary", "id", id,
                                "contentType", "application/json", "data", b64);
    free (b64);
    return binary;
}

char *
hub_relay_fhir_bundle (const hub_relay_fhir_t *fhir, const Cyclehub__V1__Event *event,
                       const char *event_json, uint64_t last_seq, int64_t now_ms)
{
    char subscription [512], status_url [600], urn [64], number [24], name [640];
    char when [40] = "", topic [512] = "", binary_id [48] = "", binary_url [600] = "";
    snprintf (subscription, sizeof subscription, "%s/fhir/Subscription/%s", fhir->base,
              fhir->subscription);
    snprintf (status_url, sizeof status_url, "%s/$status", subscription);
    snprintf (name, sizeof name, "%s#%" PRIu64, subscription, event? event->seq: 0);
    s_urn_uuid (urn, sizeof urn, event? name: NULL);
    snprintf (number, sizeof number, "%" PRIu64, event? event->seq: last_seq);
    hub_time_format (event? event->recorded_at_ms: now_ms, when, sizeof when);
    if (event) {
        snprintf (topic, sizeof topic, "%s/topic/%s", fhir->base,
                  hub_proto_stage_name (event->stage));
        snprintf (binary_id, sizeof binary_id, "cyclehub-event-%" PRIu64, event->seq);
        snprintf (binary_url, sizeof binary_url, "%s/fhir/Binary/%s", fhir->base, binary_id);
    }
    s_status_t st = { urn + strlen ("urn:uuid:"), subscription,
                      event? "event-notification": "heartbeat", number,
                      event? topic: NULL, when, event? binary_url: NULL };
    json_t *status = fhir->format == HUB_RELAY_FHIR_R4? s_status_r4 (&st): s_status_r4b (&st);
    json_t *binary = event? s_binary (binary_id, event_json): NULL;
    //  An event's notification is the same bytes every time it is sent
    char bundle_id [48] = "";
    if (event)
        snprintf (bundle_id, sizeof bundle_id, "cyclehub-notification-%" PRIu64, event->seq);
    json_t *bundle = json_pack ("{s:s, s:s*, s:s, s:s, s:[]}", "resourceType", "Bundle",
                                "id", event? bundle_id: NULL, "type", "history",
                                "timestamp", when, "entry");
    char *text = NULL;
    json_t *entries = json_object_get (bundle, "entry");
    if (status && bundle && (binary || !event)) {
        int rc = s_entry (entries, urn, status, "GET", status_url, "200");
        status = NULL;
        if (rc == 0 && binary) {
            rc = s_entry (entries, binary_url, binary, "POST", "Binary", "201");
            binary = NULL;
        }
        text = rc == 0? hub_json_dumps (bundle, 0): NULL;
    }
    json_decref (status);
    json_decref (binary);
    json_decref (bundle);
    return text;
}
