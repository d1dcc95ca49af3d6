/*  hub_outflow: bytes of unread replies per api connection. See
    hub_outflow.h.
*/
#include "hub_outflow.h"
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include "hub_tcp.h"

typedef struct {
    int fd;                     //  the connection's descriptor, or -1
    size_t bytes;               //  handed to ZeroMQ and not known to be received
    uint64_t acked;             //  the peer's TCP acknowledged bytes when last asked (TCP_INFO)
    bool tcp;                   //  acked is known
} s_flow_t;

struct _hub_outflow_t {
    size_t budget;
    zhashx_t *flows;            //  routing id (hex) -> s_flow_t *
};

static void
s_flow_free (void **item)
{
    free (*item);
    *item = NULL;
}

hub_outflow_t *
hub_outflow_new (size_t budget)
{
    hub_outflow_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->budget = budget;
    self->flows = zhashx_new ();
    if (!self->flows) {
        free (self);
        return NULL;
    }
    zhashx_set_destructor (self->flows, s_flow_free);
    return self;
}

void
hub_outflow_destroy (hub_outflow_t **self_p)
{
    hub_outflow_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->flows);
    free (self);
    *self_p = NULL;
}

int
hub_outflow_fd (zmq_msg_t *msg)
{
    const char *text = zmq_msg_gets (msg, "__fd");
    return text? atoi (text): -1;
}

//  The bytes handed to ZeroMQ for the client that it has not received.
//  Over TCP: those handed over since the flow's baseline, less those the
//  client's TCP acknowledged since; the baseline then moves up to now. A
//  client that does not read closes its receive window, and the
//  acknowledgements stop. (ZeroMQ's framing makes the wire a few bytes a
//  reply longer than the replies, so this errs a little on the low side.)
//  Counting only a flow seen with every byte acknowledged as read, as
//  before, refused a client that reads as fast as pages come but keeps
//  several asked for ahead: its connection is never seen idle. The
//  kernel's send queue would not do: while ZeroMQ's I/O thread has not
//  written a reply yet (a busy machine), it is empty though nothing was
//  read. Elsewhere (ipc) that queue is all there is to ask: all or
//  nothing. A descriptor that is not a socket any more (the connection
//  ended) holds nothing.
static size_t
s_unread (s_flow_t *flow)
{
    int64_t acked = flow->tcp? hub_tcp_acked (flow->fd): -1;
    if (acked >= 0) {
        uint64_t received = (uint64_t) acked - flow->acked;
        flow->acked = (uint64_t) acked;
        flow->bytes = received >= flow->bytes? 0: flow->bytes - (size_t) received;
        return flow->bytes;
    }
    int queued = 0;
    if (flow->fd < 0 || ioctl (flow->fd, SIOCOUTQ, &queued) != 0 || queued == 0)
        flow->bytes = 0;
    return flow->bytes;
}

char *
hub_outflow_key (const void *routing, size_t routing_size, char *key)
{
    static const char digits [] = "0123456789abcdef";
    const uint8_t *id = routing;
    if (routing_size > 255)
        routing_size = 255;
    for (size_t i = 0; i < routing_size; i++) {
        key [2 * i] = digits [id [i] >> 4];
        key [2 * i + 1] = digits [id [i] & 15];
    }
    key [2 * routing_size] = 0;
    return key;
}

//  The flow of a routing id; created when create is set.
static s_flow_t *
s_flow (hub_outflow_t *self, const void *routing, size_t routing_size, bool create)
{
    char key [HUB_OUTFLOW_KEY_MAX];
    hub_outflow_key (routing, routing_size, key);
    s_flow_t *flow = zhashx_lookup (self->flows, key);
    if (!flow && create && (flow = calloc (1, sizeof *flow))) {
        flow->fd = -1;
        zhashx_insert (self->flows, key, flow);
    }
    return flow;
}

//  Would `more` bytes take the flow past limit with replies unread? Never
//  for a connection that has read everything, however large `more` is.
static bool
s_past (s_flow_t *flow, size_t more, size_t limit)
{
    if (flow->bytes + more <= limit)
        return false;
    size_t unread = s_unread (flow);
    return unread > 0 && unread + more > limit;
}

bool
hub_outflow_over (hub_outflow_t *self, const void *routing, size_t routing_size, int fd,
                  size_t more)
{
    if (!self->budget)
        return false;
    s_flow_t *flow = s_flow (self, routing, routing_size, true);
    if (!flow)
        return false;
    if (fd >= 0 && fd != flow->fd) {
        //  The flow counts from here: what the peer acknowledged so far
        //  was sent before it
        int64_t acked = hub_tcp_acked (fd);
        flow->fd = fd;
        flow->tcp = acked >= 0;
        flow->acked = acked >= 0? (uint64_t) acked: 0;
        flow->bytes = 0;
    }
    return s_past (flow, more, self->budget);
}

bool
hub_outflow_send (hub_outflow_t *self, const void *routing, size_t routing_size, size_t size)
{
    if (!self->budget)
        return true;
    s_flow_t *flow = s_flow (self, routing, routing_size, true);
    if (!flow)
        return true;
    if (s_past (flow, size, self->budget + self->budget / 4))
        return false;
    flow->bytes += size;
    return true;
}

void
hub_outflow_sweep (hub_outflow_t *self)
{
    zlistx_t *keys = zhashx_keys (self->flows);
    for (const char *key = zlistx_first (keys); key; key = zlistx_next (keys)) {
        s_flow_t *flow = zhashx_lookup (self->flows, key);
        if (flow && s_unread (flow) == 0)
            zhashx_delete (self->flows, key);
    }
    zlistx_destroy (&keys);
}
