/*  hub_envelope: building Envelopes without touching the oneof by hand.
    The conversions a client needs at its edges live beside the format:
    hub_money.h (exact amounts in major units, ISO 4217) and hub_time.h
    (RFC 3339), both included here.

    Ownership: an Envelope from hub_envelope_new, every body and sub-message
    from these helpers and every string set with hub_set_string come from
    malloc, so hub_envelope_destroy (protobuf_c_message_free_unpacked with
    the default allocator) frees the whole tree. Messages decoded by
    hub_json_decode follow the same rule and mix freely with these.

    Typical use, a tender notice:

        Cyclehub__V1__Envelope *env = hub_envelope_new ("ocds-h6vhtk-056931", NULL);
        Cyclehub__V1__TenderPublished *tender = hub_envelope_tender_published (env);
        hub_set_string (&tender->procurement_id, "lot-1");
        hub_set_string (&tender->title, "Community falls prevention");
        tender->value = hub_money_new (12500000, "GBP");
        tender->tender_period = hub_period_new (now_ms, now_ms + 30 * 86400000LL);
        tender->social_value_weight_pct = 20;
        hub_client_publish (client, env, &result);
        hub_envelope_destroy (&env);
*/
#ifndef HUB_ENVELOPE_H
#define HUB_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include "hub_proto.h"
#include "hub_money.h"
#include "hub_time.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A new Envelope for commission_id, with msg_id (NULL or "": the client
   generates one when publishing). Returns NULL if out of memory. */
Cyclehub__V1__Envelope *
    hub_envelope_new (const char *commission_id, const char *msg_id);

/* Frees an Envelope (or any message built by these helpers or decoded by
   hub_json) and everything in it; nulls *env_p. */
void
    hub_envelope_destroy (Cyclehub__V1__Envelope **env_p);

/* The message descriptor of a body case, or NULL if the case is unknown. */
const ProtobufCMessageDescriptor *
    hub_envelope_body_descriptor (Cyclehub__V1__Envelope__BodyCase body_case);

/* Replaces env's body with a new, empty message of body_case and returns it
   (borrowed: env owns it). Returns NULL if body_case is unknown or out of
   memory (env is then unchanged). */
ProtobufCMessage *
    hub_envelope_body (Cyclehub__V1__Envelope *env, Cyclehub__V1__Envelope__BodyCase body_case);

/* Replaces env's body with *body_p (a message of one of the body types),
   taking ownership and nulling *body_p. Returns 0, or -1 if the message is
   not a body type (ownership then stays with the caller). */
int
    hub_envelope_set_body (Cyclehub__V1__Envelope *env, ProtobufCMessage **body_p);

/* env's body, or NULL if none is set. Borrowed. */
const ProtobufCMessage *
    hub_envelope_get_body (const Cyclehub__V1__Envelope *env);

/* Typed shortcuts for hub_envelope_body, one per row of proto/hub_types.def
   (hub_envelope_tender_published, ...): each
   replaces env's body with a new empty message and returns it. */
#define HUB_TYPE(CASE, member, Type, ...) \
    Cyclehub__V1__##Type *hub_envelope_##member (Cyclehub__V1__Envelope *env);
#include "hub_types.def"
#undef HUB_TYPE

/* Sets a string field to a malloc'd copy of value (NULL = ""), freeing
   what was there. Returns 0, or -1 if out of memory (field unchanged). */
int
    hub_set_string (char **field, const char *value);

/* Appends a copy of value to a repeated string field (*n, *items).
   Returns 0, or -1 if out of memory. */
int
    hub_add_string (size_t *n, char ***items, const char *value);

/* New Money / Period messages (malloc'd; owned by whatever field they are
   stored in). NULL if out of memory. A Money amount is in minor units, as
   the protobuf carries it: hub_money_parse makes them from major-unit text
   ("450000.00" GBP gives 45000000). */
Cyclehub__V1__Money *
    hub_money_new (int64_t amount, const char *currency);
Cyclehub__V1__Period *
    hub_period_new (int64_t start_ms, int64_t end_ms);

#ifdef __cplusplus
}
#endif
#endif
