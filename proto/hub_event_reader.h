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

/* A packed HistoryPage read in place (libcyclehub's hub_page iterates with
   it): its figures, then its events' packed bytes one at a time, each
   pointing into the page's bytes, which must outlive the reader. */
typedef struct {
    size_t count;                /* events in the page */
    uint64_t next_seq;           /* as in HistoryPage */
    bool end;
    uint64_t last_seq;
    size_t fault_at;             /* after a false hub_page_read: the offset of the bad field */
    const uint8_t *at;           /* private: where hub_page_next_event reads on */
    const uint8_t *stop;
} hub_page_reader_t;

/* Walks the packed HistoryPage data once: checks that every field is
   well-formed wire format and every event entry is length-delimited,
   counts the events and reads next_seq, end and last_seq. Returns true
   (then hub_page_next_event hands out the events), or false with fault_at set
   (nothing to iterate). An empty page (size 0) is a page of no events. */
bool
    hub_page_read (const void *data, size_t size, hub_page_reader_t *page);

/* The next event's packed bytes (borrowed from the page's bytes), in page
   order: true, or false past the last. No allocation, no decoding; read
   fields with hub_event_read, or unpack the bytes if the whole Event is
   needed. */
bool
    hub_page_next_event (hub_page_reader_t *page, const uint8_t **data, size_t *size);

/* The HistoryPage inside a packed Reply: returns how many page fields the
   Reply holds at its top level (1 for a page reply, 0 for any other reply)
   and points *page, *len at the last one, with *request_id the Reply's;
   -1 if the bytes are not well-formed wire format. */
int
    hub_page_of_reply (const void *data, size_t size, uint64_t *request_id,
                       const uint8_t **page, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
