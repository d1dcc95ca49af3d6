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
#include "hub_notify.h"

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
    config->page_max = 10000;
    config->page_max_bytes = 4 * 1024 * 1024;
    hub_http_config_default (&config->http);
}

//  Is every tcp endpoint on a loopback address? The plain (no CURVE) mode
//  is for development on one machine only.
bool
hub_broker_loopback (const char *endpoint)
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

//  The actor's state: what setup opens, the poll loop uses, teardown closes
typedef struct {
    zsock_t *pipe;                  //  Our end of the actor's pipe
    hub_broker_config_t config;     //  The caller's, pointing at the copies below
    char *api_endpoint;             //  Copies of the caller's strings, which are
    char *events_endpoint;          //  valid only during zactor_new
    char *store_dir;
    char *auth_dir;                 //  NULL in plain development mode
    hub_http_config_t *http_config; //  HTTP (issue 13)
    hub_store_t *store;
    hub_registry_t *registry;       //  NULL in plain development mode
    zcert_t *cert;                  //  The broker's CURVE certificate, or NULL
    zactor_t *zap;                  //  ZAP handler: who may connect
    zsock_t *api, *events;          //  ROUTER for requests, XPUB for events
    hub_ingest_t *ingest;           //  The publish path
    hub_guard_t *guard;             //  Connection limits and socket monitors
    zsock_t *http_sock;             //  HTTP (issue 13): the inproc ROUTER hub_http talks to
    hub_http_t *http;
    char http_url [600];            //  " URL TOKEN" for READY when HTTP is on
    char events_inproc [64];        //  HTTP's Server-Sent Events read the events here
    char error [512];               //  Why setup or the loop ended, "" if it did not fail
    char api_bound [256], events_bound [256];   //  Endpoints as bound (port 0 resolved)
} s_broker_t;

static void
s_broker_init (s_broker_t *self, zsock_t *pipe, const hub_broker_config_t *config)
{
    memset (self, 0, sizeof *self);
    self->pipe = pipe;
    self->config = *config;
    //  The caller's strings are valid only during zactor_new: copy them
    self->api_endpoint = strdup (config->api_endpoint);
    self->events_endpoint = strdup (config->events_endpoint);
    self->store_dir = strdup (config->store_dir);
    self->auth_dir = config->auth_dir? strdup (config->auth_dir): NULL;
    self->config.api_endpoint = self->api_endpoint;
    self->config.events_endpoint = self->events_endpoint;
    self->config.store_dir = self->store_dir;
    self->config.auth_dir = self->auth_dir;
    self->http_config = hub_http_config_dup (&config->http);    //  HTTP (issue 13)
}

//  CURVE (registry and certificate) or plain development mode on loopback
static int
s_broker_security (s_broker_t *self)
{
    if (self->auth_dir) {
        self->registry = hub_registry_new (self->auth_dir, self->error, sizeof self->error);
        if (!self->registry)
            return -1;
        char path [PATH_MAX];
        snprintf (path, sizeof path, "%s/broker.cert_secret", self->auth_dir);
        self->cert = zcert_load (path);
        if (!self->cert) {
            snprintf (self->error, sizeof self->error, "cannot read the broker's certificate %.200s "
                      "(create it with: cyclehub keys new %.200s/broker)", path, self->auth_dir);
            return -1;
        }
    }
    else
    if (!self->config.plain) {
        snprintf (self->error, sizeof self->error, "choose --auth DIR (CURVE keys and the agency registry) "
                  "or --plain (development mode on loopback, no encryption)");
        return -1;
    }
    else
    if (!hub_broker_loopback (self->api_endpoint) || !hub_broker_loopback (self->events_endpoint)) {
        snprintf (self->error, sizeof self->error, "refusing to bind %s / %s without CURVE: plain "
                  "development mode is for loopback addresses only; use --auth DIR",
                  self->api_endpoint, self->events_endpoint);
        return -1;
    }
    return 0;
}

//  The store, the ZAP handler, the api and events sockets, the publish path
//  and the guard over the sockets
//  The status reply's connected subscribers: events socket connections
//  holding a subscription, and HTTP event streams
static size_t
s_subscribers (void *arg)
{
    s_broker_t *self = arg;
    return hub_guard_subscribers (self->guard) + hub_http_streams (self->http);
}

static int
s_broker_sockets (s_broker_t *self)
{
    hub_broker_config_t *config = &self->config;
    if (hub_store_open (&self->store, self->store_dir, &config->store,
                        self->error, sizeof self->error))
        return -1;
    hub_zap_args_t zap_args = { self->registry };
    self->zap = zactor_new (hub_zap_actor, &zap_args);
    if (!self->zap) {
        snprintf (self->error, sizeof self->error, "cannot start the ZAP handler");
        return -1;
    }
    //  The api reads frames up to 4x request_max, so that a request a little
    //  over the limit is answered TOO_LARGE rather than disconnected
    self->api = s_bind (ZMQ_ROUTER, self->api_endpoint, self->cert, -1,
                        (int64_t) config->request_max * 4, config->handshake_ms,
                        self->api_bound, sizeof self->api_bound);
    if (!self->api) {
        snprintf (self->error, sizeof self->error, "cannot bind the api socket to %s: %s",
                  self->api_endpoint, zmq_strerror (zmq_errno ()));
        return -1;
    }
    self->events = s_bind (ZMQ_XPUB, self->events_endpoint, self->cert, config->events_hwm,
                           HUB_GUARD_FRAME_MAX, config->handshake_ms,
                           self->events_bound, sizeof self->events_bound);
    if (!self->events) {
        snprintf (self->error, sizeof self->error, "cannot bind the events socket to %s: %s",
                  self->events_endpoint, zmq_strerror (zmq_errno ()));
        return -1;
    }
    self->ingest = hub_ingest_new (config, self->store, self->registry, self->api, self->events);
    if (!self->ingest) {
        snprintf (self->error, sizeof self->error, "cannot read the store's state: %s",
                  hub_store_strerror (self->store));
        return -1;
    }
    self->guard = hub_guard_new (config);
    if (!self->guard || hub_guard_watch (self->guard, self->api, false)
    ||  hub_guard_watch (self->guard, self->events, true)) {
        snprintf (self->error, sizeof self->error, "cannot start the socket monitors: %s",
                  zmq_strerror (zmq_errno ()));
        return -1;
    }
    hub_ingest_set_subscribers (self->ingest, s_subscribers, self);
    zsys_info ("broker: limits connections=%zu handshake_ms=%d reply_budget=%zu "
               "events_hwm=%d subscribers_per_agency=%d subscriptions_max=%d",
               hub_guard_max_connections (self->guard), config->handshake_ms,
               config->reply_budget, config->events_hwm, config->subscribers_per_agency,
               config->subs_max);
    return 0;
}

//  HTTP front end (issue 13): its own ROUTER on inproc only, fed into
//  the same publish path (hub_ingest.h says why the sender is trusted)
static int
s_broker_http (s_broker_t *self)
{
    if (!self->http_config || !self->http_config->endpoint)
        return 0;
    char inproc [64];
    snprintf (inproc, sizeof inproc, HUB_INGEST_HTTP_ENDPOINT, (void *) self->pipe);
    snprintf (self->events_inproc, sizeof self->events_inproc, HUB_INGEST_EVENTS_ENDPOINT,
              (void *) self->pipe);
    if (zsock_bind (self->events, "%s", self->events_inproc) < 0) {
        snprintf (self->error, sizeof self->error, "cannot bind the events socket to %s",
                  self->events_inproc);
        return -1;
    }
    self->http_sock = zsock_new (ZMQ_ROUTER);
    if (self->http_sock) {
        zsock_set_sndhwm (self->http_sock, 100000);
        zsock_set_router_mandatory (self->http_sock, 0);
    }
    if (!self->http_sock || zsock_bind (self->http_sock, "%s", inproc) < 0) {
        snprintf (self->error, sizeof self->error, "cannot bind the HTTP front end's %s", inproc);
        return -1;
    }
    hub_ingest_set_http (self->ingest, self->http_sock);
    self->http = hub_http_new (self->http_config, inproc, self->events_inproc, self->registry,
                               self->auth_dir,
                               self->config.plain, self->error, sizeof self->error);
    if (!self->http)
        return -1;
    //  READY gives the URL, and in development mode the token to print
    snprintf (self->http_url, sizeof self->http_url, " %s %s", hub_http_url (self->http),
              hub_http_dev_token (self->http));
    return 0;
}

//  Serves until $TERM, a poll error, or an events socket that cannot be
//  bound again (self->error says so)
static void
s_broker_loop (s_broker_t *self)
{
    hub_ingest_t *ingest = self->ingest;
    hub_guard_t *guard = self->guard;
    hub_registry_t *registry = self->registry;
    zmq_pollitem_t items [] = {
        { zsock_resolve (self->pipe), 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (hub_ingest_writer (ingest)), 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (self->api), 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (hub_ingest_reader (ingest)), 0, ZMQ_POLLIN, 0 },
        { hub_guard_monitor (guard, false), 0, ZMQ_POLLIN, 0 },
        { hub_guard_monitor (guard, true), 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (self->events), 0, ZMQ_POLLIN, 0 },
        { self->http_sock? zsock_resolve (self->http_sock): NULL, 0, ZMQ_POLLIN, 0 },   //  HTTP (issue 13)
    };
    int nitems = self->http_sock? 8: 7;
    unsigned revocations = registry? hub_registry_revocations (registry): 0;
    int64_t next_heartbeat = zclock_mono () + self->config.heartbeat_ms;
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
            char *command = zstr_recv (self->pipe);
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
            hub_guard_on_subscriptions (guard, self->events);
        if (rc > 0 && nitems > 7 && (items [7].revents & ZMQ_POLLIN))
            hub_ingest_drain_http (ingest);
        if (zclock_mono () >= next_heartbeat) {
            hub_ingest_heartbeat (ingest);
            hub_notify ("WATCHDOG=1");      //  systemd: the loop still turns
            if (registry)
                hub_registry_refresh (registry);
            next_heartbeat = zclock_mono () + self->config.heartbeat_ms;
        }
        if (registry && hub_registry_revocations (registry) != revocations) {
            revocations = hub_registry_revocations (registry);
            if (s_rebind_events (&self->events, guard, &self->config, self->cert,
                                 self->events_bound, self->error, sizeof self->error))
                break;
            if (*self->events_inproc)
                zsock_bind (self->events, "%s", self->events_inproc);
            hub_ingest_set_events (self->ingest, self->events);
            items [5].socket = hub_guard_monitor (guard, true);
            items [6].socket = zsock_resolve (self->events);
        }
        if (zclock_mono () >= next_sweep) {
            hub_ingest_sweep (ingest);
            next_sweep = zclock_mono () + self->config.sweep_ms;
        }
    }
}

//  Reports a failure to the log and the pipe, then closes everything setup
//  opened, in reverse order
static void
s_broker_teardown (s_broker_t *self)
{
    if (*self->error) {
        zsys_error ("broker: %s", self->error);
        zstr_sendf (self->pipe, "ERROR %s", self->error);
    }
    hub_http_destroy (&self->http);     //  its threads end before the socket they talk to
    hub_ingest_destroy (&self->ingest);
    hub_guard_destroy (&self->guard);
    zsock_destroy (&self->http_sock);
    hub_http_config_free (&self->http_config);
    zsock_destroy (&self->events);
    zsock_destroy (&self->api);
    zactor_destroy (&self->zap);
    zcert_destroy (&self->cert);
    hub_registry_destroy (&self->registry);
    hub_store_destroy (&self->store);
    free (self->auth_dir);
    free (self->api_endpoint);
    free (self->events_endpoint);
    free (self->store_dir);
}

void
hub_broker_actor (zsock_t *pipe, void *args)
{
    s_broker_t self;
    s_broker_init (&self, pipe, (hub_broker_config_t *) args);
    zsock_signal (pipe, 0);

    if (s_broker_security (&self) || s_broker_sockets (&self) || s_broker_http (&self))
        goto done;
    if (self.registry)
        zsys_info ("broker: CURVE mode, %zu agency keys registered",
                   hub_registry_size (self.registry));
    else
        zsys_warning ("broker: PLAIN development mode: no encryption, agencies name "
                      "themselves with a PLAIN username; loopback only, never in production");
    zstr_sendf (pipe, "READY %s %s%s", self.api_bound, self.events_bound, self.http_url);
    hub_notify ("READY=1");

    s_broker_loop (&self);
    hub_notify ("STOPPING=1");
    //  Everything received is committed and answered before the sockets close;
    //  HTTP requests not yet received get 503 from here on (issue 13)
    hub_http_stopping (self.http);
    if (self.events)
        hub_ingest_flush (self.ingest);
    zsys_info ("broker: stopping");

done:
    s_broker_teardown (&self);
}
