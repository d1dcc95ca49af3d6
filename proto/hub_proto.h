/*  hub_proto: helpers over the generated cyclehub.v1 descriptors.

    The wire format itself is proto/cyclehub.proto, compiled by protoc-c into
    the build tree. This module adds what every part needs and protobuf-c does
    not give: message type names and topics, a deep check of an unpacked
    message (unknown fields, UTF-8, sizes), and personal-data redaction driven
    by the schema (every PersonalData message found by a descriptor walk).
*/
#ifndef HUB_PROTO_H
#define HUB_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "cyclehub.pb-c.h"
#include "hub_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The limits of every message: on its bytes (hub_wire), and once unpacked
   (hub_proto_check, for messages that were never bytes). */
#define HUB_PROTO_MAX_STRING   65536   /* bytes in one string field */
#define HUB_PROTO_MAX_REPEATED 1000    /* elements in one repeated field */
#define HUB_PROTO_MAX_BATCH    HUB_PROTO_MAX_REPEATED  /* envelopes in one PublishBatch:
                                                    a list, held to a list's limit */
#define HUB_PROTO_MAX_DEPTH    16

/* Returns the type name of an Envelope body case ("tender.published", from
   hub_types.def), or NULL for NOT_SET or a case this build does not know. Static storage. */
const char *
    hub_proto_type_name (Cyclehub__V1__Envelope__BodyCase body_case);

/* Returns the body case named by a type name, or 0 (NOT_SET) if unknown. */
Cyclehub__V1__Envelope__BodyCase
    hub_proto_type_case (const char *type_name);

/* Iterates over every known type: returns the i-th body case for i from 0,
   or 0 past the end. */
Cyclehub__V1__Envelope__BodyCase
    hub_proto_type_at (size_t i);

/* Returns the lower-case stage name ("analyse", "plan", "do", "review",
   "closed"), or "unspecified". Static storage. */
const char *
    hub_proto_stage_name (Cyclehub__V1__Stage stage);

/* Returns the stage named, or STAGE_UNSPECIFIED (0) if unknown. */
Cyclehub__V1__Stage
    hub_proto_stage_from_name (const char *name);

/* Returns the stable upper-case name of a reject code ("ILLEGAL_TRANSITION"). */
const char *
    hub_proto_reject_name (Cyclehub__V1__RejectCode code);

/* Writes the topic of an event, "<stage>/<commission-id>/<type>", into buf.
   Returns the topic's length, or -1 if it does not fit (buf is then ""). */
int
    hub_proto_topic (char *buf, size_t size, Cyclehub__V1__Stage stage,
                     const char *commission_id, const char *type_name);

/* Outcome of a deep check. */
typedef enum {
    HUB_CHECK_OK = 0,
    HUB_CHECK_UNKNOWN_FIELD,      /* a field number this schema does not have */
    HUB_CHECK_BAD_UTF8,           /* a string field is not valid UTF-8 */
    HUB_CHECK_TOO_LARGE,          /* over HUB_PROTO_MAX_STRING / _REPEATED / _DEPTH */
    HUB_CHECK_UNKNOWN_ENUM        /* an enum value the schema does not define */
} hub_check_t;

/* Walks an unpacked message and everything below it. On the first problem
   returns its kind and writes the dotted field path ("tender_published.
   value.currency") into path (always NUL-terminated, truncated to size).
   Returns HUB_CHECK_OK with path "" if the message is clean. */
hub_check_t
    hub_proto_check (const ProtobufCMessage *msg, char *path, size_t size);

/* Clears every PersonalData found below msg: its fields are emptied and
   `redacted` is set. msg must come from protobuf_c_message_unpack with the
   default allocator (it frees and allocates with it). Returns the number of
   PersonalData messages that held data before, or -1 if out of memory. */
int
    hub_proto_redact (ProtobufCMessage *msg);

/* Returns true if the body of this type can hold a PersonalData message
   anywhere below it (a static walk of the schema's descriptors). */
bool
    hub_proto_type_may_be_personal (Cyclehub__V1__Envelope__BodyCase body_case);

/* THE outward point for personal data (docs/design.md, "Personal data: the
   one outward point"): every event that leaves the hub for anyone who may
   not read its personal data, or for a consumer that forwards it outside
   the hub, passes through here before it is sent. Callers: the broker's
   events socket, history pages for anyone but the commission's owner and
   the erasure's replacement (through hub_proto_redact_event, the packed
   form below); libcyclehub's outward mode (hub_connect_options_t.outward),
   which the webhook relay, the NATS bridge and the OCDS export always use,
   for live events, history and gap fill alike; and any new way out (the
   HTTP events and their catch-up from history) must call it too.
   Empties every PersonalData below the event and sets its `redacted`,
   leaving the rest of the event as it was. event must come from
   cyclehub__v1__event__unpack with the default allocator. Returns the
   number of PersonalData that held data, or -1 if out of memory (the
   event may then be half redacted: do not send it). */
int
    hub_proto_outward_event (Cyclehub__V1__Event *event);

/* hub_proto_outward_event on a packed Event: *out (malloc'd, the caller
   frees) and *out_size receive the packed Event with every PersonalData
   emptied. Returns the number of PersonalData that held data (0: *out is
   still a fresh copy), or -1 if data is not an Event or memory runs out. */
int
    hub_proto_redact_event (const void *data, size_t size, uint8_t **out, size_t *out_size);

/* hub_proto_outward_event on a packed Event the caller holds in malloc'd
   memory, in place: when anything was taken out, *data (freed) and *size
   are replaced by the redacted packing; else they stay as they are. Returns
   the number of PersonalData that held data; -1 if the bytes do not unpack
   (not an Event, or no memory to unpack: protobuf-c cannot tell); -2 if
   memory ran out while redacting. On either the bytes are unchanged: do
   not send them. libcyclehub's outward mode, for history pages and
   hub_subscriber_recv_packed. */
int
    hub_proto_outward_bytes (uint8_t **data, size_t *size);

/* Returns true if msg holds a PersonalData message anywhere below it with
   any field set (redacted or not, a PersonalData counts only if it holds data). */
bool
    hub_proto_has_personal (const ProtobufCMessage *msg);

/* Finds length-delimited field `number` at the top level of the protobuf
   bytes buf. Returns how many times it occurs (0, 1, ...) or -1 if buf is
   not well-formed wire format; *data and *len point at the first
   occurrence's payload (inside buf). */
int
    hub_proto_wire_field (const uint8_t *buf, size_t size, uint32_t number,
                          const uint8_t **data, size_t *len);

/* Writes v as a protobuf varint at out (at least 10 bytes); returns the
   number of bytes written. */
size_t
    hub_proto_varint (uint8_t *out, uint64_t v);

/* The head of a stored Event: fields 1 to 6 written as protobuf-c packs
   them (proto3: zero numbers and empty or NULL strings left out; the
   change written whenever changed is set, its zero stages left out), so
   the envelope's bytes can follow as field 7 as they came
   (hub_batch.c). */
typedef struct {
    uint64_t seq;
    int64_t recorded_at_ms;
    const char *sender;
    int stage;
    bool changed;               //  the StageChange from -> to is written
    int from, to;
    const char *type;
} hub_proto_event_head_t;

/* The most bytes hub_proto_event_head writes for head */
size_t
    hub_proto_event_head_max (const hub_proto_event_head_t *head);

/* Writes the head at out (hub_proto_event_head_max bytes); returns the
   number of bytes written. */
size_t
    hub_proto_event_head (uint8_t *out, const hub_proto_event_head_t *head);

/* The Reply of request_id carrying an AckBatch of count results, as
   protobuf-c packs it: its size, then the bytes at out (that many). An
   ack is written directly, a reject (rare) through protobuf-c; the
   broker's reply to a PublishBatch (hub_query_ack_batch). */
size_t
    hub_proto_ack_batch_size (uint64_t request_id,
                              Cyclehub__V1__PublishResult *const *results, size_t count);
void
    hub_proto_ack_batch (uint8_t *out, uint64_t request_id,
                         Cyclehub__V1__PublishResult *const *results, size_t count);

/* Returns true if the bytes are valid UTF-8 (no overlongs, no surrogates);
   a NUL counts as a character here (hub_wire_text_ok refuses it). */
bool
    hub_proto_utf8_valid (const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif
