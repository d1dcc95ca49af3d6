/*  hub_handshake: a client socket's handshake, watched. See hub_handshake.h.
*/
#include "hub_handshake.h"

#define S_EVENTS (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED \
                | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL \
                | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

struct _hub_handshake_t {
    void *watched;                  //  the client's socket (libzmq handle)
    zsock_t *pair;                  //  receives its monitor's events
    bool curve;                     //  the client speaks CURVE
    char key [41];                  //  CURVE: the client's public key
    char agency [64];               //  PLAIN: the org-id given
    char endpoint [256];
    bool handshaken;                //  a handshake succeeded on the current connection
    bool ever_handshaken;           //  one succeeded, here or on the client's earlier sockets
    bool silent;                    //  the refusal was a close without a word
    char why [640];                 //  the refusal, or ""
};

hub_handshake_t *
hub_handshake_new (zsock_t *sock, const hub_secure_t *secure, const char *endpoint,
                   bool accepted)
{
    static int s_count = 0;         //  monitor endpoints are per process
    hub_handshake_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->watched = zsock_resolve (sock);
    self->ever_handshaken = accepted;
    self->curve = secure->cert != NULL;
    if (secure->cert)
        snprintf (self->key, sizeof self->key, "%s", zcert_public_txt (secure->cert));
    snprintf (self->agency, sizeof self->agency, "%s", secure->agency? secure->agency: "");
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    char monitor [96];
    snprintf (monitor, sizeof monitor, "inproc://hub-handshake-%d-%p-%d", getpid (),
              (void *) self, __atomic_add_fetch (&s_count, 1, __ATOMIC_RELAXED));
    //  The pair connects before the client does: events sent with no peer
    //  are dropped
    if (zmq_socket_monitor (self->watched, monitor, S_EVENTS) == 0
    &&  (self->pair = zsock_new (ZMQ_PAIR))
    &&  zsock_connect (self->pair, "%s", monitor) == 0)
        return self;
    hub_handshake_destroy (&self);
    return NULL;
}

void
hub_handshake_destroy (hub_handshake_t **self_p)
{
    hub_handshake_t *self = *self_p;
    if (!self)
        return;
    zmq_socket_monitor (self->watched, NULL, 0);
    zsock_destroy (&self->pair);
    free (self);
    *self_p = NULL;
}

void *
hub_handshake_resolve (hub_handshake_t *self)
{
    return zsock_resolve (self->pair);
}

const char *
hub_handshake_why (hub_handshake_t *self)
{
    return self? self->why: "";
}

//  The sentence for one failure event (value: the ZAP status or the
//  protocol error)
static void
s_refused (hub_handshake_t *self, uint16_t event, uint32_t value)
{
    size_t size = sizeof self->why;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && self->curve)
        snprintf (self->why, size, "the broker at %s refused this client's CURVE key %s "
                  "(ZAP status %u): the key is not registered; ask the hub operator to add "
                  "your NAME.cert to the agency registry, and check --cert", self->endpoint,
                  self->key, value);
    else
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        snprintf (self->why, size, "the broker at %s refused the agency '%s' (ZAP status %u): "
                  "in development mode (PLAIN) the agency is an org-id such as "
                  "GB-LAE-E09000033; check --agency or CYCLEHUB_AGENCY", self->endpoint,
                  self->agency, value);
    else
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
    &&  value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH && self->curve)
        snprintf (self->why, size, "the broker at %s runs in development mode (PLAIN), not "
                  "CURVE: give --agency ORG-ID instead of --cert and --server-key",
                  self->endpoint);
    else
    if (self->curve)
        //  A wrong broker key, or a PLAIN broker that hung up before we
        //  read its greeting: the two look alike from here
        snprintf (self->why, size, "the broker at %s closed the connection during the CURVE "
                  "handshake: the broker's key given (--server-key or --server-key-file) is "
                  "probably not this broker's; check it against the hub's broker.cert (or the "
                  "broker runs in development mode (PLAIN): then give --agency ORG-ID)",
                  self->endpoint);
    else
        //  A CURVE broker drops a PLAIN greeting without a word
        snprintf (self->why, size, "the broker at %s closed the connection during the "
                  "handshake: it probably wants CURVE (production): give --cert "
                  "NAME.cert_secret and the broker's key (--server-key z85:KEY or "
                  "--server-key-file broker.cert) instead of --agency", self->endpoint);
}

bool
hub_handshake_silent (hub_handshake_t *self)
{
    return self && *self->why && self->silent;
}

bool
hub_handshake_accepted (hub_handshake_t *self)
{
    return self && self->ever_handshaken;
}

bool
hub_handshake_read (hub_handshake_t *self)
{
    void *pair = zsock_resolve (self->pair);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    //  Each event is two frames: event (2 bytes) and value (4), then the
    //  endpoint
    while (!*self->why && zmq_msg_recv (&msg, pair, ZMQ_DONTWAIT) >= 0) {
        bool more = zmq_msg_more (&msg);
        if (zmq_msg_size (&msg) >= 6) {
            uint16_t event;
            uint32_t value;
            memcpy (&event, zmq_msg_data (&msg), 2);
            memcpy (&value, (uint8_t *) zmq_msg_data (&msg) + 2, 4);
            if (event == ZMQ_EVENT_CONNECTED)
                self->handshaken = false;
            else
            if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
                self->handshaken = self->ever_handshaken = true;
            else
            if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
            ||  (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                 && value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH))
                s_refused (self, event, value);
            else
            //  A connection closed during the handshake, without a word: a
            //  refusal only if this broker never accepted us. Once it has,
            //  the same events mean a broker that died or restarted in the
            //  middle of a handshake (kill -9): the client re-sends instead
            if (!self->ever_handshaken
            &&  (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
              || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
              || (event == ZMQ_EVENT_DISCONNECTED && !self->handshaken))) {
                self->silent = true;
                s_refused (self, event, value);
            }
        }
        while (more && zmq_msg_recv (&msg, pair, ZMQ_DONTWAIT) >= 0)
            more = zmq_msg_more (&msg);
    }
    zmq_msg_close (&msg);
    return *self->why != 0;
}
