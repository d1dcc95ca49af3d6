/*  hub_page: one history page as it came off the wire, read in place.

    hub_client_history_page asks for a page as hub_client_history does, but
    keeps the broker's reply as one buffer: no unpack, no allocation per
    event. hub_page_next hands out each event's packed bytes (borrowed from
    the page) with its top-level fields read in place (seq, stage, type,
    sender, the Envelope's bytes: hub_event_reader.h); unpack an event only
    if the whole of it is wanted:

        hub_page_t *page;
        if (hub_client_history_page (client, &query, &page, NULL) == HUB_OK) {
            const uint8_t *data;
            size_t size;
            hub_event_fields_t fields;
            int rc;
            while ((rc = hub_page_next (page, &data, &size, &fields)) == 1)
                printf ("%" PRIu64 "\n", fields.seq);
            //  rc 0: the end; -1: this event's bytes are not an Event
            hub_page_destroy (&page);
        }

    The page's framing is checked when it arrives (HUB_EPROTO, with the
    offset in result->reason, for a page that is not well-formed), so
    hub_page_next cannot run past it. Not for clients in outward mode
    (HUB_EINVAL): their pages must pass the outward point unpacked.
*/
#ifndef HUB_PAGE_H
#define HUB_PAGE_H

#include "hub_client.h"
#include "hub_event_reader.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _hub_page_t hub_page_t;

/* One history page for query (borrowed), as hub_client_history. On HUB_OK
   *page_p is the page (destroy it with hub_page_destroy). Returns as
   hub_client_history, and HUB_EPROTO if the page is not well-formed,
   HUB_EINVAL in outward mode. */
int
    hub_client_history_page (hub_client_t *self, const Cyclehub__V1__HistoryQuery *query,
                             hub_page_t **page_p, hub_result_t *result);

/* Takes a packed Reply holding a HistoryPage (frame: malloc'd, owned by
   the page from here on, also when this fails). Returns the page, or NULL
   if the bytes are not a well-formed page reply; then, if why is not NULL,
   a sentence saying where it broke. */
hub_page_t *
    hub_page_new (uint8_t *frame, size_t size, char *why, size_t why_size);

/* Frees the page; every pointer it handed out dies with it. Nulls *self_p. */
void
    hub_page_destroy (hub_page_t **self_p);

/* The page's figures, as in HistoryPage. */
size_t
    hub_page_count (hub_page_t *self);
uint64_t
    hub_page_next_seq (hub_page_t *self);
bool
    hub_page_end (hub_page_t *self);
uint64_t
    hub_page_last_seq (hub_page_t *self);

/* The next event, in page order: *data and *size its packed bytes, and (if
   fields is not NULL) its top-level fields, read in place; all borrowed
   from the page. Returns 1, 0 past the last event, or -1 (still with
   *data and *size) if the bytes are not a well-formed Event: skip it, the
   next call goes on with the event after it. */
int
    hub_page_next (hub_page_t *self, const uint8_t **data, size_t *size,
                   hub_event_fields_t *fields);

#ifdef __cplusplus
}
#endif
#endif
