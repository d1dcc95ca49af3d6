/*  hub_secure: how a client socket proves who it is. Internal to
    libcyclehub (hub_client and hub_subscriber share it).

    CURVE (production): the agency's certificate (its secret key, from a
    file written by `cyclehub keys new`) and the broker's public key. The
    broker maps the key to the agency; no agency name is sent.
    PLAIN (loopback development mode): the agency's org-id as username.
*/
#ifndef HUB_SECURE_H
#define HUB_SECURE_H

#include <czmq.h>
#include "hub_client.h"

typedef struct {
    zcert_t *cert;                  /* CURVE: the client's certificate, or NULL for PLAIN */
    char server_key [41];           /* CURVE: the broker's public key, Z85 */
    char *agency;                   /* PLAIN username; with CURVE, as given (may be "") */
    char *password;                 /* PLAIN password */
} hub_secure_t;

/* Reads the credentials options asks for: the broker's key, as
   server_public_key ("z85:KEY" or a bare 40-character Z85 key, never a
   path) or server_public_key_file (its certificate); client_cert the path
   of the agency's secret certificate. Either a broker key and client_cert,
   or neither; without them an agency is required (PLAIN). Returns
   0, or -1 with a sentence logged (never falls back to PLAIN when CURVE was
   asked for). */
int
    hub_secure_init (hub_secure_t *self, const hub_connect_options_t *options);

/* Sets the socket's mechanism and keys (before connect). */
void
    hub_secure_apply (const hub_secure_t *self, zsock_t *sock);

void
    hub_secure_fini (hub_secure_t *self);

#endif
