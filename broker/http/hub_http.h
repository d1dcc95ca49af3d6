/*  hub_http: the broker's HTTP front end (issue 13), on libmicrohttpd.

    One thread per connection (MHD_USE_THREAD_PER_CONNECTION), so a slow
    client holds only its own thread. A connection's thread never touches
    the store or the broker's sockets: it owns a ZeroMQ DEALER connected to
    the broker actor's inproc ROUTER (hub_ingest.h) and sends it the same
    cyclehub.v1 Request the api socket takes, after a frame naming the
    bearer token's agency; the broker checks, stores and answers it as any
    other request (a publish is answered after its commit).

    The files of broker/http/, by concern:
      hub_http.c          the server: listen, limits, the route table,
                          a request's life (auth, body, dispatch), the
                          call to the broker
      hub_http_auth.c     bearer tokens (the tokens file, the development
                          token) and the per-token rate limit
      hub_http_problem.c  RFC 9457 problem responses; reject code -> status
      hub_http_publish.c  POST /v1/messages/{type}
      hub_http_read.c     GET /v1/status, /v1/commissions[/{id}], /v1/history
      hub_http_events.c   GET /v1/events (Server-Sent Events: history, then live)
      hub_http_ocds.c     GET /v1/ocds/{commission} (the OCDS release package)
    hub_http_handler.h is what a handler sees; to add an endpoint, write its
    handler in a file of its own and add a row to s_routes in hub_http.c.
*/
#ifndef HUB_HTTP_H
#define HUB_HTTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *endpoint;           /* HOST:PORT or tcp://HOST:PORT; NULL: no HTTP */
    const char *cert_file;          /* PEM certificate (chain) for TLS, with key_file */
    const char *key_file;           /* PEM private key */
    const char *dev_agency;         /* --plain: the development token's agency
                                       (default GB-LAE-E09000033) */
    unsigned connection_limit;      /* connections at once (default 256) */
    unsigned idle_timeout_s;        /* a connection idle this long is closed (default 30) */
    size_t header_max;              /* bytes of request line + headers (default 16 KiB) */
    size_t body_max;                /* bytes of a request body (default 1 MiB) */
    double rate;                    /* requests per second per token, sustained (default 50);
                                       bursts of twice that */
    unsigned reply_timeout_ms;      /* longest wait for the broker's answer (default 30000) */
    bool public_ocds;               /* GET /v1/ocds/{commission} without a token (open data) */
} hub_http_config_t;

typedef struct _hub_http_t hub_http_t;
struct _hub_registry_t;

/* Fills config with the defaults above (endpoint NULL: off). */
void
    hub_http_config_default (hub_http_config_t *config);

/* A deep copy of config (its strings too), or NULL if it is NULL or out of
   memory; free with hub_http_config_free. */
hub_http_config_t *
    hub_http_config_dup (const hub_http_config_t *config);
void
    hub_http_config_free (hub_http_config_t **config_p);

/* Starts the server. inproc is the broker's HTTP ROUTER endpoint (bound
   already), events its events socket's inproc endpoint (bound already); registry and auth_dir are NULL in --plain development mode,
   where only the development token is accepted and the server must listen
   on loopback. Plain HTTP is refused on any other address than loopback.
   Returns NULL with a sentence in err. config must outlive the server. */
hub_http_t *
    hub_http_new (const hub_http_config_t *config, const char *inproc, const char *events,
                  struct _hub_registry_t *registry, const char *auth_dir, bool plain,
                  char *err, size_t errsize);

/* The URL it serves, e.g. "http://127.0.0.1:7480" (the real port). */
const char *
    hub_http_url (hub_http_t *self);

/* The development token (--plain), or "" in CURVE mode. */
const char *
    hub_http_dev_token (hub_http_t *self);

/* Event streams (GET /v1/events) open now; 0 for NULL. */
size_t
    hub_http_streams (hub_http_t *self);

/* From now on requests are answered 503 (shutting down) instead of being
   sent to the broker; those sent already still get their answer. NULL is
   a no-op. */
void
    hub_http_stopping (hub_http_t *self);

/* Stops the server: closes every connection and joins its threads. */
void
    hub_http_destroy (hub_http_t **self_p);

#endif
