/*  hub_page: a history page read in place. See hub_page.h. The reply
    bytes are held as they came; hub_event_reader walks them.
*/
#include "hub_page.h"
#include <stdio.h>
#include <stdlib.h>

struct _hub_page_t {
    uint8_t *frame;                 //  the packed Reply, ours
    size_t size;
    hub_page_reader_t reader;       //  the HistoryPage inside it
};

hub_page_t *
hub_page_new (uint8_t *frame, size_t size, char *why, size_t why_size)
{
    char scratch [8];
    if (!why) {
        why = scratch;
        why_size = sizeof scratch;
    }
    *why = 0;
    hub_page_t *self = calloc (1, sizeof *self);
    if (!self) {
        free (frame);
        snprintf (why, why_size, "out of memory");
        return NULL;
    }
    self->frame = frame;
    self->size = size;
    uint64_t request_id;
    const uint8_t *page;
    size_t len;
    int pages = hub_page_of_reply (frame, size, &request_id, &page, &len);
    if (pages != 1)
        snprintf (why, why_size, pages < 0? "the broker's reply is not well-formed protobuf":
                  "the broker's reply holds no history page");
    else
    if (!hub_page_read (page, len, &self->reader))
        snprintf (why, why_size, "the history page is not well-formed at byte %zu of %zu",
                  self->reader.fault_at, len);
    if (*why)
        hub_page_destroy (&self);
    return self;
}

void
hub_page_destroy (hub_page_t **self_p)
{
    hub_page_t *self = *self_p;
    if (!self)
        return;
    free (self->frame);
    free (self);
    *self_p = NULL;
}

int
hub_client_history_page (hub_client_t *self, const Cyclehub__V1__HistoryQuery *query,
                         hub_page_t **page_p, hub_result_t *result)
{
    *page_p = NULL;
    hub_result_t scratch;
    if (!result)
        result = &scratch;
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_HISTORY;
    request.history = (Cyclehub__V1__HistoryQuery *) query;
    uint8_t *frame = NULL;
    size_t size = 0;
    int rc = hub_client_request_raw (self, &request, &frame, &size, result);
    if (rc != HUB_OK)
        return rc;
    *page_p = hub_page_new (frame, size, result->reason, sizeof result->reason);
    return result->rc = *page_p? HUB_OK: HUB_EPROTO;
}

size_t
hub_page_count (hub_page_t *self)
{
    return self->reader.count;
}

uint64_t
hub_page_next_seq (hub_page_t *self)
{
    return self->reader.next_seq;
}

bool
hub_page_end (hub_page_t *self)
{
    return self->reader.end;
}

uint64_t
hub_page_last_seq (hub_page_t *self)
{
    return self->reader.last_seq;
}

int
hub_page_next (hub_page_t *self, const uint8_t **data, size_t *size, hub_event_fields_t *fields)
{
    if (!hub_page_next_event (&self->reader, data, size))
        return 0;
    hub_event_fields_t scratch;
    return hub_event_read (*data, *size, fields? fields: &scratch)? 1: -1;
}
