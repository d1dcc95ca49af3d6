/*  hub_ingest: the publish path of the broker (drain, check, one commit,
    ack, publish) and the $heartbeat. Owned by the broker actor's thread.
*/
#ifndef HUB_INGEST_H
#define HUB_INGEST_H

#include "hub_broker.h"
#include "hub_registry.h"

typedef struct _hub_ingest_t hub_ingest_t;

/* Reads the store's last seq and prepares the batch slots. The sockets,
   the store and the registry (NULL in PLAIN development mode) are borrowed.
   Returns NULL if the store cannot be read. */
hub_ingest_t *
    hub_ingest_new (const hub_broker_config_t *config, hub_store_t *store,
                    hub_registry_t *registry, zsock_t *api, zsock_t *events);

void
    hub_ingest_destroy (hub_ingest_t **self_p);

/* Receives what waits on the api socket into the open batch (up to
   batch_max), checking each request as it comes, and hands the batch to
   the writer if it is free. Call when the api socket is readable and
   hub_ingest_has_room. */
void
    hub_ingest_drain (hub_ingest_t *self);

/* HTTP front end (issue 13). The broker binds a second ROUTER, on inproc
   only (HUB_INGEST_HTTP_ENDPOINT), where each of hub_http's connection
   threads sends [identity][packed Request] through its own DEALER; the
   replies come back on it as on the api socket. identity is ASCII
   "ORG-ID ROLES ACCESS": the token's agency, its roles (the decimal
   hub_access bitmask) and "rw" or "ro" (a read-only token: publish and
   erase are NOT_AUTHORISED). Only code in this process can reach inproc,
   so the sender in that frame cannot be forged from outside. Requests from
   it take the api socket's path: the same checks, batches and commits. */
#define HUB_INGEST_HTTP_ENDPOINT "inproc://cyclehub-http-%p"

/* The events socket is bound on this inproc endpoint too when HTTP is on:
   hub_http's Server-Sent Events threads connect a SUB to it (inproc skips
   the CURVE handshake, and only code in this process can reach it). */
#define HUB_INGEST_EVENTS_ENDPOINT "inproc://cyclehub-events-%p"

/* What the status reply reports as connected subscribers: fn (arg), asked
   at each status query (none set: 0). */
typedef size_t (hub_ingest_count_fn) (void *arg);
void
    hub_ingest_set_subscribers (hub_ingest_t *self, hub_ingest_count_fn *fn, void *arg);

/* Lends the http socket (NULL: none). */
void
    hub_ingest_set_http (hub_ingest_t *self, zsock_t *http);

/* As hub_ingest_drain, for the http socket. */
void
    hub_ingest_drain_http (hub_ingest_t *self);

/* True while the open batch can take more requests. */
bool
    hub_ingest_has_room (hub_ingest_t *self);

/* The writer thread's pipe: readable when a commit is done. Then call
   hub_ingest_committed, which replies to that batch's senders, publishes
   its events and hands the next batch on. */
zsock_t *
    hub_ingest_writer (hub_ingest_t *self);
void
    hub_ingest_committed (hub_ingest_t *self);

/* The history reader thread's pipe: readable when a page is ready. Then
   call hub_ingest_forward, which sends it to its client. */
zsock_t *
    hub_ingest_reader (hub_ingest_t *self);
void
    hub_ingest_forward (hub_ingest_t *self);

/* Commits and answers everything received so far (at shutdown). */
void
    hub_ingest_flush (hub_ingest_t *self);

/* The retention sweep: erases the personal fields of consultation
   responses whose retention date has passed (a bounded slice of the log per
   call, resuming where the last call stopped), as one batch: the redacted
   events replace the originals and an erasure.recorded audit event is
   stored and published for each. */
void
    hub_ingest_sweep (hub_ingest_t *self);

/* Sends "$heartbeat" with the last seq on the events socket (and, once a
   second, forgets the reply accounting of connections that read all). */
void
    hub_ingest_heartbeat (hub_ingest_t *self);

/* The events socket after the broker closed and rebound it (borrowed). */
void
    hub_ingest_set_events (hub_ingest_t *self, zsock_t *events);

#endif
