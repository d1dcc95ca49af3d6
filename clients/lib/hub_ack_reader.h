/*  hub_ack_reader: reads the broker's answer to a PublishBatch in place.
    Nearly every reply an async publisher gets is a Reply whose body is an
    AckBatch of acks; protobuf-c's unpack allocates a message for each
    result and each ack, then frees them all, which cost a quarter of
    libcyclehub's instructions per publish. This reader takes such a reply
    without allocating. Anything else (a rejection among the results,
    another body, a field it does not know, malformed bytes) it declines,
    and the caller unpacks the reply in full, so what the client reports
    never depends on which path read the reply (test_ack_reader).
*/
#ifndef HUB_ACK_READER_H
#define HUB_ACK_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t seq;
    bool duplicate;
} hub_ack_t;

/* Reads a packed Reply whose body is an AckBatch of acks only: its
   request_id into *request_id, and its acks in order into acks (at most
   max). Returns how many acks, or -1 if the bytes are anything else or
   hold more than max results: the caller then unpacks them. */
int
    hub_ack_reader_read (const uint8_t *data, size_t size, uint64_t *request_id,
                         hub_ack_t *acks, size_t max);

#endif
