/*  hub_event_reader: reads a few fields of a packed Event in place, without
    unpacking or allocating. The store's scans and indexes and the broker's
    history pages run it on every stored event they look at, where a full
    protobuf_c unpack would cost an allocation per field.

    The field numbers come from the generated descriptors (resolved once,
    on first use), so the reader follows the .proto: renaming a field it
    reads fails the first call with an assertion, in every test.
    Pointers handed out point into the caller's bytes (strings are NOT
    NUL-terminated) and live as long as those bytes.
*/
#ifndef HUB_EVENT_READER_H
#define HUB_EVENT_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The top-level fields of an Event. A field absent from the bytes reads
   as 0, or NULL with length 0. When a field occurs more than once, the
   last occurrence wins (as protobuf's own parser does). */
typedef struct {
    uint64_t seq;
    int64_t recorded_at_ms;
    const char *sender;          /* agency org-id */
    size_t sender_len;
    int stage;                   /* Cyclehub__V1__Stage after the event */
    const char *type;            /* message type name */
    size_t type_len;
    const uint8_t *envelope;     /* the Envelope's bytes, read on demand */
    size_t envelope_len;
} hub_event_fields_t;

/* Reads the top-level fields of the packed Event data. Returns true, or
   false if the bytes are not well-formed wire format (fields then holds
   what was read before the fault). */
bool
    hub_event_read (const void *data, size_t size, hub_event_fields_t *fields);

/* The commission id of the event's Envelope: *id and *len (id "" and len 0
   if the Envelope has none). Returns false if the Envelope's bytes are not
   well-formed. */
bool
    hub_event_commission (const hub_event_fields_t *fields, const char **id, size_t *len);

/* The ids of a consultation response (an Envelope whose body is
   response_submitted): its consultation id and response id (either may
   come back empty). Returns false if the event holds no response body or
   its bytes are not well-formed. */
bool
    hub_event_response (const hub_event_fields_t *fields,
                        const char **consultation_id, size_t *consultation_len,
                        const char **response_id, size_t *response_len);

#ifdef __cplusplus
}
#endif
#endif
