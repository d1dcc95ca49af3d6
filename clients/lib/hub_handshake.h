/*  hub_handshake: watches a client socket's handshake with ZeroMQ's socket
    monitor, so that a broker refusing the client's identity is known at
    once and said in a sentence (what failed, what to check), instead of
    looking like a broker that does not answer. Internal to libcyclehub.

    What the monitor tells, and what it means here:
    - HANDSHAKE_FAILED_AUTH with the ZAP status (400): the broker's ZAP
      handler refused the credentials: a CURVE key not in the agency
      registry, or a PLAIN username that is no org-id;
    - HANDSHAKE_FAILED_PROTOCOL, mechanism mismatch: the broker wants the
      other mechanism (CURVE in production, PLAIN in development mode);
    - with CURVE, the connection closed before the handshake succeeded (or
      HANDSHAKE_FAILED_NO_DETAIL): the broker could not read our HELLO,
      which is what a wrong broker key (--server-key) gives.
*/
#ifndef HUB_HANDSHAKE_H
#define HUB_HANDSHAKE_H

#include "hub_secure.h"

typedef struct _hub_handshake_t hub_handshake_t;

/* Starts watching sock's handshakes: call before sock connects. endpoint
   is where it connects (for the sentence). accepted: the broker accepted
   this client before (on an earlier socket), so a connection closed in
   the middle of a handshake is a broker that died or restarted, not a
   refusal. Returns NULL if the monitor cannot be set up (then nothing is
   watched). */
hub_handshake_t *
    hub_handshake_new (zsock_t *sock, const hub_secure_t *secure, const char *endpoint,
                       bool accepted);

/* True once a handshake succeeded (here, or before: see accepted). */
bool
    hub_handshake_accepted (hub_handshake_t *self);

/* Stops watching (before sock is destroyed). Nulls *self_p. */
void
    hub_handshake_destroy (hub_handshake_t **self_p);

/* The socket to poll for monitor events (ZMQ_POLLIN). */
void *
    hub_handshake_resolve (hub_handshake_t *self);

/* Reads the events waiting. Returns true once the broker refused us. */
bool
    hub_handshake_read (hub_handshake_t *self);

/* True if the refusal read was a connection closed without a word before
   any handshake succeeded: a CURVE broker dropping a PLAIN greeting (or a
   broker key that is not its own), but also a broker killed during the
   handshake. Only the first closes a second connection the same way. */
bool
    hub_handshake_silent (hub_handshake_t *self);

/* The refusal as a sentence, or "" if none. */
const char *
    hub_handshake_why (hub_handshake_t *self);

#endif
