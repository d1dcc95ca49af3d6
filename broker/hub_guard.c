/*  hub_guard: connection and subscription limits, from socket monitors and
    the events XPUB's subscription messages. See hub_guard.h.
*/
#include "hub_guard.h"
#include <sys/resource.h>
#include <sys/socket.h>

//  One open connection, by descriptor
typedef struct {
    bool events;                //  on the events socket (else api)
    char agency [64];           //  events: the agency, once it subscribed
    size_t subs;                //  events: subscriptions it holds
} s_conn_t;

struct _hub_guard_t {
    const hub_broker_config_t *config;
    size_t max_connections;
    zhashx_t *conns;            //  "fd" -> s_conn_t *
    zhashx_t *subscribers;      //  agency -> (uintptr_t) subscribing connections
    void *monitor [2];          //  PAIR sockets: api, events (raw libzmq)
    void *watched [2];          //  the monitored sockets (raw libzmq)
    unsigned generation;        //  makes each monitor endpoint unique
    size_t refused;             //  connections shut down since the last log line
    int64_t logged_ms;
};

static void
s_conn_free (void **item)
{
    free (*item);
    *item = NULL;
}

hub_guard_t *
hub_guard_new (const hub_broker_config_t *config)
{
    hub_guard_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->conns = zhashx_new ();
    self->subscribers = zhashx_new ();
    if (!self->conns || !self->subscribers) {
        hub_guard_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->conns, s_conn_free);
    self->max_connections = config->max_connections;
    if (!self->max_connections) {
        struct rlimit limit;
        rlim_t soft = getrlimit (RLIMIT_NOFILE, &limit) == 0? limit.rlim_cur: 1024;
        self->max_connections = soft > 512? (size_t) soft - 256: 256;
    }
    return self;
}

void
hub_guard_destroy (hub_guard_t **self_p)
{
    hub_guard_t *self = *self_p;
    if (!self)
        return;
    hub_guard_unwatch (self, false);
    hub_guard_unwatch (self, true);
    zhashx_destroy (&self->conns);
    zhashx_destroy (&self->subscribers);
    free (self);
    *self_p = NULL;
}

int
hub_guard_watch (hub_guard_t *self, zsock_t *sock, bool events)
{
    hub_guard_unwatch (self, events);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://hub-guard-%p-%u", (void *) self,
              self->generation++);
    void *watched = zsock_resolve (sock);
    if (zmq_socket_monitor (watched, endpoint, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED))
        return -1;
    void *monitor = zmq_socket (zsys_init (), ZMQ_PAIR);
    if (!monitor || zmq_connect (monitor, endpoint)) {
        if (monitor)
            zmq_close (monitor);
        zmq_socket_monitor (watched, NULL, 0);
        return -1;
    }
    self->monitor [events] = monitor;
    self->watched [events] = watched;
    return 0;
}

//  Forgets the connections of one socket (it is closing: they all end)
static void
s_forget (hub_guard_t *self, bool events)
{
    zlistx_t *keys = zhashx_keys (self->conns);
    for (char *key = zlistx_first (keys); key; key = zlistx_next (keys)) {
        s_conn_t *conn = zhashx_lookup (self->conns, key);
        if (conn && conn->events == events)
            zhashx_delete (self->conns, key);
    }
    zlistx_destroy (&keys);
    if (events)
        zhashx_purge (self->subscribers);
}

void
hub_guard_unwatch (hub_guard_t *self, bool events)
{
    if (!self->monitor [events])
        return;
    zmq_socket_monitor (self->watched [events], NULL, 0);
    zmq_close (self->monitor [events]);
    self->monitor [events] = NULL;
    self->watched [events] = NULL;
    s_forget (self, events);
}

void *
hub_guard_monitor (hub_guard_t *self, bool events)
{
    return self->monitor [events];
}

//  Ends one connection; libzmq notices and closes it as a peer that left
static void
s_shut (hub_guard_t *self, int fd, const char *why)
{
    shutdown (fd, SHUT_RDWR);
    self->refused++;
    int64_t now = zclock_mono ();
    if (now - self->logged_ms >= 1000) {
        zsys_warning ("guard: closed %zu connection(s) in the last second; last: %s "
                      "(connections open %zu of %zu)", self->refused, why,
                      zhashx_size (self->conns), self->max_connections);
        self->refused = 0;
        self->logged_ms = now;
    }
}

static void
s_subscriber_gone (hub_guard_t *self, s_conn_t *conn)
{
    if (!*conn->agency)
        return;
    uintptr_t count = (uintptr_t) zhashx_lookup (self->subscribers, conn->agency);
    if (count > 1)
        zhashx_update (self->subscribers, conn->agency, (void *) (count - 1));
    else
        zhashx_delete (self->subscribers, conn->agency);
    conn->agency [0] = 0;
}

//  One monitor event: a connection accepted or ended
static void
s_monitor_event (hub_guard_t *self, bool events, uint16_t event, int fd)
{
    char key [16];
    snprintf (key, sizeof key, "%d", fd);
    s_conn_t *conn = zhashx_lookup (self->conns, key);
    if (event == ZMQ_EVENT_DISCONNECTED) {
        if (conn) {
            s_subscriber_gone (self, conn);
            zhashx_delete (self->conns, key);
        }
        return;
    }
    if (conn) {
        //  A descriptor reused before its end was reported: the old one is gone
        s_subscriber_gone (self, conn);
        zhashx_delete (self->conns, key);
    }
    conn = calloc (1, sizeof *conn);
    if (!conn)
        return;
    conn->events = events;
    zhashx_insert (self->conns, key, conn);
    if (zhashx_size (self->conns) > self->max_connections)
        s_shut (self, fd, "over the connection cap (--max-connections)");
}

void
hub_guard_on_monitor (hub_guard_t *self, bool events)
{
    void *monitor = self->monitor [events];
    while (monitor) {
        zmq_msg_t head, address;
        zmq_msg_init (&head);
        if (zmq_msg_recv (&head, monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&head);
            return;
        }
        //  Frame 1: event (uint16) and value (uint32, here the descriptor);
        //  frame 2: the endpoint
        zmq_msg_init (&address);
        if (zmq_msg_more (&head))
            zmq_msg_recv (&address, monitor, 0);
        if (zmq_msg_size (&head) >= 6) {
            const uint8_t *data = zmq_msg_data (&head);
            uint16_t event;
            uint32_t value;
            memcpy (&event, data, 2);
            memcpy (&value, data + 2, 4);
            s_monitor_event (self, events, event, (int) value);
        }
        zmq_msg_close (&address);
        zmq_msg_close (&head);
    }
}

//  One (un)subscription from the connection on fd, of agency
static void
s_subscription (hub_guard_t *self, int fd, const char *agency, bool subscribe)
{
    char key [16];
    snprintf (key, sizeof key, "%d", fd);
    s_conn_t *conn = zhashx_lookup (self->conns, key);
    if (!conn) {
        //  Accepted before the monitor started (a rebind): count it now
        conn = calloc (1, sizeof *conn);
        if (!conn)
            return;
        conn->events = true;
        zhashx_insert (self->conns, key, conn);
    }
    if (!subscribe) {
        conn->subs -= conn->subs > 0;
        return;
    }
    if (++conn->subs > (size_t) self->config->subs_max) {
        s_shut (self, fd, "more subscriptions than --subscriptions-max");
        return;
    }
    if (*conn->agency)
        return;
    uintptr_t count = (uintptr_t) zhashx_lookup (self->subscribers, agency);
    if (count >= (uintptr_t) self->config->subscribers_per_agency) {
        s_shut (self, fd, "the agency has --subscribers-per-agency subscribing connections");
        return;
    }
    snprintf (conn->agency, sizeof conn->agency, "%s", agency);
    zhashx_update (self->subscribers, agency, (void *) (count + 1));
}

void
hub_guard_on_subscriptions (hub_guard_t *self, zsock_t *events)
{
    void *handle = zsock_resolve (events);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (zmq_msg_recv (&msg, handle, ZMQ_DONTWAIT) >= 0) {
        //  An unsubscription libzmq makes up for a connection that ended
        //  carries no metadata: the monitor's DISCONNECTED counts that
        const char *fd_text = zmq_msg_size (&msg) > 0? zmq_msg_gets (&msg, "__fd"): NULL;
        const char *agency = fd_text? zmq_msg_gets (&msg, "User-Id"): NULL;
        if (fd_text && agency && zmq_msg_size (&msg) > 1 + HUB_GUARD_SUBSCRIPTION_MAX)
            s_shut (self, atoi (fd_text), "a subscription longer than any topic");
        else
        if (fd_text && agency)
            s_subscription (self, atoi (fd_text), agency,
                            *(const uint8_t *) zmq_msg_data (&msg) == 1);
    }
    zmq_msg_close (&msg);
}

size_t
hub_guard_subscribers (hub_guard_t *self)
{
    size_t count = 0;
    for (s_conn_t *conn = zhashx_first (self->conns); conn; conn = zhashx_next (self->conns))
        count += conn->events && conn->subs > 0;
    return count;
}

size_t
hub_guard_connections (hub_guard_t *self)
{
    return zhashx_size (self->conns);
}

size_t
hub_guard_max_connections (hub_guard_t *self)
{
    return self->max_connections;
}
