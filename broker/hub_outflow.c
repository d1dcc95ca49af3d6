/*  hub_outflow: bytes of unread replies per api connection. See
    hub_outflow.h.
*/
#include "hub_outflow.h"
#include <sys/ioctl.h>
#include <linux/sockios.h>

typedef struct {
    int fd;                     //  the connection's descriptor, or -1
    size_t bytes;               //  sent since it was last seen drained
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

//  Has the client acknowledged every byte sent on fd? A descriptor that is
//  not a socket any more (the connection ended) holds nothing either.
static bool
s_drained (int fd)
{
    int queued = 0;
    if (fd < 0 || ioctl (fd, SIOCOUTQ, &queued) != 0)
        return true;
    return queued == 0;
}

//  The flow of a routing id; created when create is set.
static s_flow_t *
s_flow (hub_outflow_t *self, const void *routing, size_t routing_size, bool create)
{
    char key [2 * 256 + 1];
    if (routing_size > 255)
        routing_size = 255;
    for (size_t i = 0; i < routing_size; i++)
        snprintf (key + 2 * i, 3, "%02x", ((const uint8_t *) routing) [i]);
    key [2 * routing_size] = 0;
    s_flow_t *flow = zhashx_lookup (self->flows, key);
    if (!flow && create && (flow = calloc (1, sizeof *flow))) {
        flow->fd = -1;
        zhashx_insert (self->flows, key, flow);
    }
    return flow;
}

//  Would `more` bytes take the flow past limit with replies unread?
static bool
s_past (s_flow_t *flow, size_t more, size_t limit)
{
    if (flow->bytes + more <= limit)
        return false;
    if (s_drained (flow->fd)) {
        flow->bytes = 0;
        return false;
    }
    return true;
}

bool
hub_outflow_over (hub_outflow_t *self, const void *routing, size_t routing_size, int fd)
{
    if (!self->budget)
        return false;
    s_flow_t *flow = s_flow (self, routing, routing_size, true);
    if (!flow)
        return false;
    if (fd >= 0)
        flow->fd = fd;
    return s_past (flow, 0, self->budget);
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
        if (flow && s_drained (flow->fd))
            zhashx_delete (self->flows, key);
    }
    zlistx_destroy (&keys);
}
