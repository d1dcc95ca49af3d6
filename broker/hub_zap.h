/*  hub_zap: the broker's ZAP handler (ZeroMQ RFC 27), a czmq actor.

    Every connection to the api and events sockets is authenticated here,
    and the User-Id it returns is the agency (org-id) that the broker reads
    from each frame's metadata: the sender never names itself in a message.

    With a registry, connections use CURVE: the client's public key must be
    registered, the User-Id is its agency's org-id, and the key itself goes
    along as the connection property X-Key (so the publish path can check
    that it was not revoked since). Without one (loopback development mode,
    chosen explicitly), connections use PLAIN: the username is the agency's
    org-id (any well-formed one), the password is ignored.
    Start it with zactor_new (hub_zap_actor, &args) before binding the sockets.
*/
#ifndef HUB_ZAP_H
#define HUB_ZAP_H

#include <czmq.h>

/* The ZAP domain the broker's sockets use. */
#define HUB_ZAP_DOMAIN "cyclehub"

#include "hub_registry.h"

typedef struct {
    hub_registry_t *registry;       /* CURVE mode; NULL for PLAIN development mode */
} hub_zap_args_t;

/* args: a hub_zap_args_t *, read during zactor_new; the registry is
   borrowed and must outlive the actor. */
void
    hub_zap_actor (zsock_t *pipe, void *args);

#endif
