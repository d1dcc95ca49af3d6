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

/* Drains up to batch_max waiting requests from the api socket and handles
   them as one batch: at most one write transaction, then every reply, then
   every event on the events socket. */
void
    hub_ingest_batch (hub_ingest_t *self);

/* The retention sweep: erases the personal fields of consultation
   responses whose retention date has passed (a bounded slice of the log per
   call, resuming where the last call stopped), as one batch: the redacted
   events replace the originals and an erasure.recorded audit event is
   stored and published for each. */
void
    hub_ingest_sweep (hub_ingest_t *self);

/* Sends "$heartbeat" with the last seq on the events socket. */
void
    hub_ingest_heartbeat (hub_ingest_t *self);

#endif
