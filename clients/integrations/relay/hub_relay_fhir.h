/*  hub_relay_fhir: the relay's FHIR notification Bundles, as pure functions
    of an event (no I/O). Two forms of the same topic-based notification
    (docs/integration.md, "Which FHIR form"): R4B, whose first entry is a
    SubscriptionStatus, and R4 as the HL7 Subscriptions R5 Backport guide
    has it, whose first entry is a Parameters resource with the
    backport-subscription-status-r4 profile. In both the event travels as a
    Binary holding its canonical JSON.
*/
#ifndef HUB_RELAY_FHIR_H
#define HUB_RELAY_FHIR_H

#include "hub_relay.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HUB_RELAY_FHIR_R4_PROFILE \
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4"

typedef struct {
    hub_relay_format_t format;    /* HUB_RELAY_FHIR_R4B or HUB_RELAY_FHIR_R4 */
    const char *base;             /* base of the topic and Subscription URLs */
    const char *subscription;     /* the Subscription id named */
} hub_relay_fhir_t;

/* The notification of event (its canonical JSON in event_json), or with
   event NULL a heartbeat saying last_seq events were sent, at now_ms. An
   event's notification is the same bytes every time. Returns the Bundle
   as compact JSON (caller frees), or NULL if out of memory. */
char *
    hub_relay_fhir_bundle (const hub_relay_fhir_t *fhir, const Cyclehub__V1__Event *event,
                           const char *event_json, uint64_t last_seq, int64_t now_ms);

#ifdef __cplusplus
}
#endif
#endif
