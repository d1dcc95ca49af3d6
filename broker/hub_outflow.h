/*  hub_outflow: the bytes of replies in flight to each api connection.

    A reply the client has not read waits in the broker's memory once the
    connection's TCP buffers are full (libzmq queues up to the ROUTER's
    SNDHWM, 100,000 messages, per connection: history pages are up to
    4 MiB). ZeroMQ cannot tell how much of that queue is unread, but the
    kernel can: the bytes handed to ZeroMQ for the client, less those its
    TCP has acknowledged since (TCP_INFO, hub_tcp), are in flight. (The kernel's send
    queue alone is empty while ZeroMQ's I/O thread has not yet written a
    reply, which on a busy machine let a client that reads nothing past
    the budget; it is still the measure on ipc.) Past the budget,
    new requests are refused with OVERLOADED and finished history pages are
    replaced by that refusal; past budget + budget/4 (refusals pile up too,
    when nobody reads them) replies are dropped. A client that reads its
    replies as they come, with a bounded number of requests in flight, never
    reaches the budget; a page that would take a connection past it is
    refused rather than dropped. Owned by the broker actor's thread.
*/
#ifndef HUB_OUTFLOW_H
#define HUB_OUTFLOW_H

#include <czmq.h>

typedef struct _hub_outflow_t hub_outflow_t;

/* budget: bytes of unread replies per connection (0: no limit). */
hub_outflow_t *
    hub_outflow_new (size_t budget);

void
    hub_outflow_destroy (hub_outflow_t **self_p);

/* The text key of a routing id, as this table and hub_ingest's table of
   stopped connections keep it: lower-case hex of its first 255 bytes, into
   key (HUB_OUTFLOW_KEY_MAX bytes). Returns key. No printf: one per request. */
#define HUB_OUTFLOW_KEY_MAX (2 * 255 + 1)
char *
    hub_outflow_key (const void *routing, size_t routing_size, char *key);

/* Would a reply of `more` bytes (0: is it already) take the connection
   (its ROUTER routing id) past its budget, with replies still unread? A
   connection that has read everything is never over. fd is its descriptor
   (a request's "__fd" property; -1 if unknown), remembered for later
   calls. */
bool
    hub_outflow_over (hub_outflow_t *self, const void *routing, size_t routing_size, int fd,
                      size_t more);

/* Counts a reply of size bytes about to be sent. Returns true to send it,
   false when the connection is so far over its budget that the reply is
   to be dropped (its client is not reading). */
bool
    hub_outflow_send (hub_outflow_t *self, const void *routing, size_t routing_size, size_t size);

/* Forgets the connections whose replies have all been read, or that are
   gone (call once a second). */
void
    hub_outflow_sweep (hub_outflow_t *self);

/* The descriptor of the connection a received message came from, or -1. */
int
    hub_outflow_fd (zmq_msg_t *msg);

#endif
