/*  hub_zap: the broker's ZAP handler (ZeroMQ RFC 27), a czmq actor.

    Every connection to the api and events sockets is authenticated here,
    and the User-Id it returns is the agency (org-id) that the broker reads
    from each frame's metadata: the sender never names itself in a message.

    Loopback development mode uses the PLAIN mechanism: the username is the
    agency's org-id (any well-formed one), the password is ignored. Start it
    with zactor_new (hub_zap_actor, NULL) before binding the sockets.
*/
#ifndef HUB_ZAP_H
#define HUB_ZAP_H

#include <czmq.h>

/* The ZAP domain the broker's sockets use. */
#define HUB_ZAP_DOMAIN "cyclehub"

void
    hub_zap_actor (zsock_t *pipe, void *args);

#endif
