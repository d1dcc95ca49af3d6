/*  hub_broker: the cyclehub broker, a czmq actor.

    Owns the api ROUTER socket, the events PUB socket and the store. Runs the
    publish path (drain, check, one commit, ack, publish), serves history,
    commission and status queries, and sends a $heartbeat once a second.

    Start it with zactor_new (hub_broker_actor, &config); the config is read
    during zactor_new only. The actor then sends one string on its pipe:
    "READY <api-endpoint> <events-endpoint> [<http-url> [<dev-token>]]" (the endpoints as
    bound, with real port numbers; the URL when the HTTP front end runs, and
    the development token in --plain mode), or "ERROR <sentence>" after which it ends. Send
    "$TERM" (or destroy the actor) to stop: the batch in flight is finished,
    committed and replied to before the actor returns.
*/
#ifndef HUB_BROKER_H
#define HUB_BROKER_H

#include <czmq.h>
#include <stdbool.h>
#include "hub_store.h"
#include "hub_http.h"

typedef struct {
    const char *api_endpoint;        /* default tcp://127.0.0.1:7400 */
    const char *events_endpoint;     /* default tcp://127.0.0.1:7401 */
    const char *store_dir;           /* default ./var/cyclehub */
    const char *auth_dir;            /* CURVE: broker.cert_secret + agencies.cfg (hub_registry.h) */
    bool plain;                      /* no CURVE: PLAIN org-id identities, loopback only */
    int sweep_ms;                    /* retention sweep period (default 60000) */
    unsigned retention_max_days;     /* latest retention date a response may carry, in days
                                        after it arrives (default HUB_ERASURE_RETENTION_MAX_DAYS,
                                        7 years) */
    hub_store_options_t store;       /* map sizes, sync mode */
    size_t batch_max;                /* requests drained into one commit (default 4096) */
    size_t request_max;              /* largest request handled, bytes (default 1 MiB);
                                        a frame over 4x this disconnects the peer */
    int events_hwm;                  /* events queued per subscriber before drops (default 10000) */
    size_t reply_budget;             /* unread reply bytes per api connection before its
                                        requests are refused OVERLOADED (default 8 MiB) */
    int handshake_ms;                /* a connection that has not finished its handshake
                                        by then is closed (default 5000) */
    size_t max_connections;          /* open connections, both sockets (default 0: the
                                        descriptor limit less 256) */
    int subscribers_per_agency;      /* events connections with subscriptions, per
                                        agency (default 4) */
    int subs_max;                    /* subscriptions per events connection (default 64) */
    int heartbeat_ms;                /* $heartbeat period (default 1000) */
    unsigned page_max;               /* events per history page, at most (default 10000; 1000 unless asked) */
    size_t page_max_bytes;           /* bytes per history page, at most (default 4 MiB) */
    int64_t clock_offset_ms;         /* added to the wall clock for the domain rules and the
                                        events' recorded_at: tests and rehearsals only (default 0) */
    bool verbose;
    hub_http_config_t http;          /* the HTTP front end (issue 13): off unless http.endpoint */
} hub_broker_config_t;

/* Fills config with the defaults above. */
void
    hub_broker_config_default (hub_broker_config_t *config);

/* Is endpoint on a loopback address (or ipc/inproc)? --plain binds only
   those. */
bool
    hub_broker_loopback (const char *endpoint);

/* The actor function, for zactor_new; args is a hub_broker_config_t *. */
void
    hub_broker_actor (zsock_t *pipe, void *args);

#endif
