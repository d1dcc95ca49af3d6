/*  hub_reader: serves history pages off the broker thread, so a client
    paging through a large history does not hold up the publish path.

    A czmq actor with its own read snapshots of the store. The broker sends
    it [routing id][request frame][reader org-id][source]; it answers with
    [routing id][packed Reply][source], which the broker forwards to the
    socket named by source ("api", or "http" for the HTTP front end).
*/
#ifndef HUB_READER_H
#define HUB_READER_H

#include <czmq.h>
#include "hub_broker.h"

typedef struct {
    hub_store_t *store;                 /* borrowed; read functions are thread-safe */
    const hub_broker_config_t *config;  /* page limits */
} hub_reader_args_t;

/* The actor function; args is a hub_reader_args_t *, which must outlive it. */
void
    hub_reader_actor (zsock_t *pipe, void *args);

#endif
