/*  hub_http_auth: who an HTTP request comes from. Every request carries
    "Authorization: Bearer TOKEN"; the token (broker/domain/hub_token.h) is
    looked up in the tokens file beside agencies.cfg (AUTH_DIR/tokens,
    written by `cyclehub tokens`), which is read again whenever it changes
    (checked on every request, so a revocation holds from the next one), and
    its agency must be in the agency registry. In --plain development mode
    there is no registry: the one token is the development token, made at
    start and printed, for the agency given by --http-dev-agency.

    Each token also has a token bucket: `rate` requests a second, bursts of
    twice that; past it a request is refused 429 with the seconds to wait.
    Thread-safe: the connection threads share one.
*/
#ifndef HUB_HTTP_AUTH_H
#define HUB_HTTP_AUTH_H

#include "hub_http_handler.h"
#include "hub_registry.h"

typedef struct _hub_http_auth_t hub_http_auth_t;

/* Tokens of auth_dir checked against registry (both NULL in development
   mode, where dev_agency's token is made and copied into dev_token, at
   least HUB_TOKEN_LEN + 1 bytes). Returns NULL with a sentence in err. */
hub_http_auth_t *
    hub_http_auth_new (const char *auth_dir, hub_registry_t *registry, const char *dev_agency,
                       double rate, char *dev_token, char *err, size_t errsize);

void
    hub_http_auth_destroy (hub_http_auth_t **self_p);

/* Checks an Authorization header value (NULL if absent). Returns 0 with
   who filled in; 401 with why (no token, not a token, unknown or revoked,
   agency no longer registered); or 429 with *retry_after_s. */
unsigned
    hub_http_auth_check (hub_http_auth_t *self, const char *authorization,
                         hub_http_identity_t *who, unsigned *retry_after_s,
                         char *why, size_t whysize);

#endif
