/*  hub_broker: the broker actor. One thread owns the sockets and the store.
    The publish path drains up to batch_max requests, checks each against
    the schema, the dedupe keys and the commission's state (including changes
    made earlier in the same batch), stores the accepted ones in one LMDB
    transaction, and only after the commit replies and publishes.
*/
#include "hub_broker.h"
#include "hub_zap.h"
#include "hub_ingest.h"
#include "hub_query.h"
#include "hub_erasure.h"
#include "hub_guard.h"

void
hub_broker_config_default (hub_broker_config_t *config)
{
    memset (config, 0, sizeof *config);
    config->api_endpoint = "tcp://127.0.0.1:7400";
    config->events_endpoint = "tcp://127.0.0.1:7401";
    config->store_dir = "./var/cyclehub";
    hub_store_options_default (&config->store);
    config->batch_max = 4096;
    config->request_max = 1024 * 1024;
    config->events_hwm = 10000;
    config->reply_budget = 8 * 1024 * 1024;
    config->handshake_ms = 5000;
    config->max_connections = 0;
    config->subscribers_per_agency = 4;
    config->subs_max = 64;
    config->heartbeat_ms = 1000;
    config->sweep_ms = 60000;
    config->retention_max_days = HUB_ERASURE_RETENTION_MAX_DAYS;
    config->page_max = 1000;
    config->page_max_bytes = 4 * 1024 * 1024;
    hub_http_config_default (&config->http);
}

//  Is every tcp endpoint on a loopback address? The plain (no CURVE) mode
//  is for development on one machine only.
static bool
s_is_loopback (const char *endpoint)
{
    if (strncmp (endpoint, "tcp://", 6) != 0)
        return strncmp (endpoint, "ipc://", 6) == 0 || strncmp (endpoint, "inproc://", 9) == 0;
    const char *host = endpoint + 6;
    return strncmp (host, "127.", 4) == 0 || strncmp (host, "localhost:", 10) == 0
        || strncmp (host, "[::1]:", 6) == 0;
}

//  Binds a socket that authenticates every peer: CURVE with the broker's
//  certificate, or PLAIN (development mode) when cert is NULL.
static zsock_t *
s_bind (int type, const char *endpoint, zcert_t *cert, int hwm, int64_t maxmsgsize,
        int handshake_ms, char *bound, size_t size)
{
    zsock_t *sock = zsock_new (type);
    if (!sock)
        return NULL;
    zsock_set_zap_domain (sock, HUB_ZAP_DOMAIN);
    if (cert) {
        zcert_apply (cert, sock);
        zsock_set_curve_server (sock, 1);
    }
    else
        zsock_set_plain_server (sock, 1);
    zsock_set_linger (sock, 1000);
    if (hwm >= 0) {
        zsock_set_sndhwm (sock, hwm);
        zsock_set_rcvhwm (sock, hwm);
    }
    if (maxmsgsize > 0)
        zsock_set_maxmsgsize (sock, (int) maxmsgsize);
    //  libzmq's default (30 s) lets silent connections hold descriptors
    zsock_set_handshake_ivl (sock, handshake_ms);
    if (type == ZMQ_XPUB) {
        //  Every (un)subscription reaches hub_guard, with its connection's
        //  metadata; nothing else changes for subscribers (XPUB is a PUB)
        int verboser = 1;
        zmq_setsockopt (zsock_resolve (sock), ZMQ_XPUB_VERBOSER, &verboser, sizeof verboser);
    }
    if (type == ZMQ_ROUTER) {
        //  Replies queue per client up to this; a client that keeps more
        //  requests in flight than that without reading loses replies (and
        //  re-sends: dedupe makes that safe). Requests queue to 1000.
        zsock_set_sndhwm (sock, 100000);
        zsock_set_router_mandatory (sock, 0);
    }
    if (zsock_bind (sock, "%s", endpoint) < 0) {
        zsock_destroy (&sock);
        return NULL;
    }
    char *last = zsock_last_endpoint (sock);
    snprintf (bound, size, "%s", last? last: endpoint);
    zstr_free (&last);
    return sock;
}

//  A revoked key's subscribers keep their connection (ZeroMQ cannot close
//  one peer of a PUB): close the events socket and bind it again, so that
//  every subscriber reconnects through the ZAP handler, which refuses the
//  revoked key. The others catch up on the events they missed meanwhile
//  from history (libcyclehub's subscriber sees the gap in seqs).
static int
s_rebind_events (zsock_t **events_p, hub_guard_t *guard, const hub_broker_config_t *config,
                 zcert_t *cert, const char *bound, char *error, size_t size)
{
    hub_guard_unwatch (guard, true);
    zsock_set_linger (*events_p, 0);
    zsock_destroy (events_p);
    char again [256];
    //  libzmq closes the listener in its I/O thread: the port frees shortly
    for (int attempt = 0; attempt < 100 && !*events_p; attempt++) {
        *events_p = s_bind (ZMQ_XPUB, bound, cert, config->events_hwm, HUB_GUARD_FRAME_MAX,
                            config->handshake_ms, again, sizeof again);
        if (!*events_p)
            zclock_sleep (20);
    }
    if (!*events_p || hub_guard_watch (guard, *events_p, true)) {
        snprintf (error, size, "a key was revoked, and the events socket could not be bound "
                  "again to %s: %s", bound, zmq_strerror (zmq_errno ()));
        return -1;
    }
    zsys_info ("broker: a key was revoked; events socket rebound to %s, every subscriber "
               "reconnects through the registry", bound);
    return 0;
}

void
hub_broker_actor (zsock_t *pipe, void *args)
{
    hub_broker_config_t config = *(hub_broker_config_t *) args;
    //  The caller's strings are valid only during zactor_new: copy them
    char *api_endpoint = strdup (config.api_endpoint);
    char *events_endpoint = strdup (config.events_endpoint);
    char *store_dir = strdup (config.store_dir);
    char *auth_dir = config.auth_dir? strdup (config.auth_dir): NULL;
    config.api_endpoint = api_endpoint;
    config.events_endpoint = events_endpoint;
    config.store_dir = store_dir;
    config.auth_dir = auth_dir;
    hub_http_config_t *http_config = hub_http_config_dup (&config.http);    //  HTTP (issue 13)
    zsock_signal (pipe, 0);

    hub_store_t *store = NULL;
    hub_registry_t *registry = NULL;
    zcert_t *cert = NULL;
    zactor_t *zap = NULL;
    zsock_t *api = NULL, *events = NULL;
    hub_ingest_t *ingest = NULL;
    hub_guard_t *guard = NULL;
    char events_inproc [64] = "";   //  HTTP's Server-Sent Events read the events here
    zsock_t *http_sock = NULL;      //  HTTP (issue 13): the inproc ROUTER hub_http talks to
    hub_http_t *http = NULL;
    char http_url [600] = "";
    char error [512] = "";
    char api_bound [256], events_bound [256];

    if (auth_dir) {
        registry = hub_registry_new (auth_dir, error, sizeof error);
        if (!registry)
            goto done;
        char path [PATH_MAX];
        snprintf (path, sizeof path, "%s/broker.cert_secret", auth_dir);
        cert = zcert_load (path);
        if (!cert) {
            snprintf (error, sizeof error, "cannot read the broker's certificate %.200s "
                      "(create it with: cyclehub keys new %.200s/broker)", path, auth_dir);
            goto done;
        }
    }
    else
    if (!config.plain) {
        snprintf (error, sizeof error, "choose --auth DIR (CURVE keys and the agency registry) "
                  "or --plain (development mode on loopback, no encryption)");
        goto done;
    }
    else
    if (!s_is_loopback (api_endpoint) || !s_is_loopback (events_endpoint)) {
        snprintf (error, sizeof error, "refusing to bind %s / %s without CURVE: plain "
                  "development mode is for loopback addresses only; use --auth DIR",
                  api_endpoint, events_endpoint);
        goto done;
    }
    if (hub_store_open (&store, store_dir, &config.store, error, sizeof error))
        goto done;
    hub_zap_args_t zap_args = { registry, config.verbose };
    zap = zactor_new (hub_zap_actor, &zap_args);
    if (!zap) {
        snprintf (error, sizeof error, "cannot start the ZAP handler");
        goto done;
    }
    //  The api reads frames up to 4x request_max, so that a request a little
    //  over the limit is answered TOO_LARGE rather than disconnected
    api = s_bind (ZMQ_ROUTER, api_endpoint, cert, -1, (int64_t) config.request_max * 4,
                  config.handshake_ms, api_bound, sizeof api_bound);
    if (!api) {
        snprintf (error, sizeof error, "cannot bind the api socket to %s: %s",
                  api_endpoint, zmq_strerror (zmq_errno ()));
        goto done;
    }
    events = s_bind (ZMQ_XPUB, events_endpoint, cert, config.events_hwm,
                     HUB_GUARD_FRAME_MAX, config.handshake_ms,
                     events_bound, sizeof events_bound);
    if (!events) {
        snprintf (error, sizeof error, "cannot bind the events socket to %s: %s",
                  events_endpoint, zmq_strerror (zmq_errno ()));
        goto done;
    }
    ingest = hub_ingest_new (&config, store, registry, api, events);
    if (!ingest) {
        snprintf (error, sizeof error, "cannot read the store's state: %s",
                  hub_store_strerror (store));
        goto done;
    }
    guard = hub_guard_new (&config);
    if (!guard || hub_guard_watch (guard, api, false) || hub_guard_watch (guard, events, true)) {
        snprintf (error, sizeof error, "cannot start the socket monitors: %s",
                  zmq_strerror (zmq_errno ()));
        goto done;
    }
    zsys_info ("broker: limits connections=%zu handshake_ms=%d reply_budget=%zu "
               "events_hwm=%d subscribers_per_agency=%d subscriptions_max=%d",
               hub_guard_max_connections (guard), config.handshake_ms, config.reply_budget,
               config.events_hwm, config.subscribers_per_agency, config.subs_max);
    //  HTTP front end (issue 13): its own ROUTER on inproc only, fed into
    //  the same publish path (hub_ingest.h says why the sender is trusted)
    if (http_config && http_config->endpoint) {
        char inproc [64];
        snprintf (inproc, sizeof inproc, HUB_INGEST_HTTP_ENDPOINT, (void *) pipe);
        snprintf (events_inproc, sizeof events_inproc, HUB_INGEST_EVENTS_ENDPOINT, (void *) pipe);
        if (zsock_bind (events, "%s", events_inproc) < 0) {
            snprintf (error, sizeof error, "cannot bind the events socket to %s", events_inproc);
            goto done;
        }
        http_sock = zsock_new (ZMQ_ROUTER);
        if (http_sock) {
            zsock_set_sndhwm (http_sock, 100000);
            zsock_set_router_mandatory (http_sock, 0);
        }
        if (!http_sock || zsock_bind (http_sock, "%s", inproc) < 0) {
            snprintf (error, sizeof error, "cannot bind the HTTP front end's %s", inproc);
            goto done;
        }
        hub_ingest_set_http (ingest, http_sock);
        http = hub_http_new (http_config, inproc, events_inproc, registry, auth_dir, config.plain,
                             error, sizeof error);
        if (!http)
            goto done;
        //  READY gives the URL, and in development mode the token to print
        snprintf (http_url, sizeof http_url, " %s %s", hub_http_url (http),
                  hub_http_dev_token (http));
    }
    if (registry)
        zsys_info ("broker: CURVE mode, %zu agency keys registered", hub_registry_size (registry));
    else
        zsys_warning ("broker: PLAIN development mode: no encryption, agencies name "
                      "themselves with a PLAIN username; loopback only, never in production");
    zstr_sendf (pipe, "READY %s %s%s", api_bound, events_bound, http_url);

    zmq_pollitem_t items [] = {
        { zsock_resolve (pipe), 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (hub_ingest_writer (ingest)), 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (api), 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (hub_ingest_reader (ingest)), 0, ZMQ_POLLIN, 0 },
        { hub_guard_monitor (guard, false), 0, ZMQ_POLLIN, 0 },
        { hub_guard_monitor (guard, true), 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (events), 0, ZMQ_POLLIN, 0 },
        { http_sock? zsock_resolve (http_sock): NULL, 0, ZMQ_POLLIN, 0 },   //  HTTP (issue 13)
    };
    int nitems = http_sock? 8: 7;
    unsigned revocations = registry? hub_registry_revocations (registry): 0;
    int64_t next_heartbeat = zclock_mono () + config.heartbeat_ms;
    int64_t next_sweep = zclock_mono () + 1000;
    while (true) {
        int64_t wait = next_heartbeat - zclock_mono ();
        if (wait < 0)
            wait = 0;
        //  A full open batch waits for the writer before reading more:
        //  requests then queue in the socket (back-pressure to clients)
        items [2].events = hub_ingest_has_room (ingest)? ZMQ_POLLIN: 0;
        items [7].events = items [2].events;
        int rc = zmq_poll (items, nitems, (long) wait);
        if (rc < 0 && zmq_errno () != EINTR)
            break;
        if (rc > 0 && (items [0].revents & ZMQ_POLLIN)) {
            char *command = zstr_recv (pipe);
            bool term = !command || streq (command, "$TERM");
            zstr_free (&command);
            if (term)
                break;
        }
        if (rc > 0 && (items [1].revents & ZMQ_POLLIN))
            hub_ingest_committed (ingest);
        if (rc > 0 && (items [2].revents & ZMQ_POLLIN))
            hub_ingest_drain (ingest);
        if (rc > 0 && (items [3].revents & ZMQ_POLLIN))
            hub_ingest_forward (ingest);
        //  Connections ended before subscriptions, so a reused descriptor
        //  is seen as new
        hub_guard_on_monitor (guard, false);
        hub_guard_on_monitor (guard, true);
        if (rc > 0 && (items [6].revents & ZMQ_POLLIN))
            hub_guard_on_subscriptions (guard, events);
        if (rc > 0 && nitems > 7 && (items [7].revents & ZMQ_POLLIN))
            hub_ingest_drain_http (ingest);
        if (zclock_mono () >= next_heartbeat) {
            hub_ingest_heartbeat (ingest);
            if (registry)
                hub_registry_refresh (registry);
            next_heartbeat = zclock_mono () + config.heartbeat_ms;
        }
        if (registry && hub_registry_revocations (registry) != revocations) {
            revocations = hub_registry_revocations (registry);
            if (s_rebind_events (&events, guard, &config, cert, events_bound, error, sizeof error))
                break;
            if (*events_inproc)
                zsock_bind (events, "%s", events_inproc);
            hub_ingest_set_events (ingest, events);
            items [5].socket = hub_guard_monitor (guard, true);
            items [6].socket = zsock_resolve (events);
        }
        if (zclock_mono () >= next_sweep) {
            hub_ingest_sweep (ingest);
            next_sweep = zclock_mono () + config.sweep_ms;
        }
    }
    //  Everything received is committed and answered before the sockets close;
    //  HTTP requests not yet received get 503 from here on (issue 13)
    hub_http_stopping (http);
    if (events)
        hub_ingest_flush (ingest);
    zsys_info ("broker: stopping");

done:
    if (*error) {
        zsys_error ("broker: %s", error);
        zstr_sendf (pipe, "ERROR %s", error);
    }
    hub_http_destroy (&http);       //  its threads end before the socket they talk to
    hub_ingest_destroy (&ingest);
    hub_guard_destroy (&guard);
    zsock_destroy (&http_sock);
    hub_http_config_free (&http_config);
    zsock_destroy (&events);
    zsock_destroy (&api);
    zactor_destroy (&zap);
    zcert_destroy (&cert);
    hub_registry_destroy (&registry);
    hub_store_destroy (&store);
    free (auth_dir);
    free (api_endpoint);
    free (events_endpoint);
    free (store_dir);
}
