/*  hub_guard: the limits ZeroMQ does not enforce by itself, on the broker's
    two sockets. Owned by the broker actor's thread.

    - Connections: libzmq accepts every TCP connection it can and has no
      per-socket cap. The guard counts them from each socket's monitor
      (ACCEPTED, DISCONNECTED) and shuts down a connection accepted past
      max_connections, so that silent connections cannot take the
      descriptors every registered client needs.
    - Subscriptions: the events socket is an XPUB that reports every
      (un)subscription with its connection's metadata (User-Id, and the
      descriptor libzmq calls __fd). The guard shuts down a connection that
      holds more than subs_max subscriptions, and one that would be the
      agency's subscriber number subscribers_per_agency + 1: each subscribing
      connection may hold events_hwm events unread, so that bounds what one
      agency's stuck subscribers cost. A subscription over 256 bytes ends
      its connection too; a frame over 1 KiB never reaches the guard
      (ZMQ_MAXMSGSIZE drops the connection).

    "Shut down" is shutdown(2) on the connection's descriptor: libzmq sees
    the connection end and cleans up as for any peer that went away; the
    descriptor itself stays libzmq's to close.
*/
#ifndef HUB_GUARD_H
#define HUB_GUARD_H

#include <czmq.h>
#include "hub_broker.h"

typedef struct _hub_guard_t hub_guard_t;

/* The largest frame the events socket reads (ZMQ_MAXMSGSIZE): it bounds
   the handshake's frames too, and CURVE's INITIATE is about 300 bytes plus
   the client's metadata. */
#define HUB_GUARD_FRAME_MAX 1024

/* The longest subscription the guard lets a connection keep (a topic
   prefix is at most ~140 bytes: stage, ocid, type). */
#define HUB_GUARD_SUBSCRIPTION_MAX 256

/* config is borrowed (the actor's copy). max_connections 0 means: the
   descriptor limit (RLIMIT_NOFILE soft) less a reserve of 256 for the
   store, threads and internal sockets. Returns NULL on out of memory. */
hub_guard_t *
    hub_guard_new (const hub_broker_config_t *config);

void
    hub_guard_destroy (hub_guard_t **self_p);

/* Starts counting the connections of sock (api or events; the events
   socket must be an XPUB with ZMQ_XPUB_VERBOSER set). Call again after
   the socket was rebound, with hub_guard_unwatch before closing it.
   Returns 0, or -1 if the monitor cannot start. */
int
    hub_guard_watch (hub_guard_t *self, zsock_t *sock, bool events);
void
    hub_guard_unwatch (hub_guard_t *self, bool events);

/* The monitor sockets to poll (NULL when not watching), and what to call
   when one is readable. Monitors are read before subscriptions, so a
   descriptor closed and reused is seen closed first. */
void *
    hub_guard_monitor (hub_guard_t *self, bool events);
void
    hub_guard_on_monitor (hub_guard_t *self, bool events);

/* Reads every waiting (un)subscription from the events XPUB and applies
   the limits. Call when the events socket is readable. */
void
    hub_guard_on_subscriptions (hub_guard_t *self, zsock_t *events);

/* Connections of the events socket that hold a subscription now (the
   hub's connected subscribers). */
size_t
    hub_guard_subscribers (hub_guard_t *self);

/* Connections open now, on both sockets, and the cap. */
size_t
    hub_guard_connections (hub_guard_t *self);
size_t
    hub_guard_max_connections (hub_guard_t *self);

#endif
