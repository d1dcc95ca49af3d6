/*  hub_reader: history pages, built in their own thread. See hub_reader.h.
*/
#include "hub_reader.h"
#include "hub_query.h"

#include <malloc.h>
#include <pthread.h>

//  Page buffers ZeroMQ has sent, kept for the next pages. A fresh buffer
//  of a page's size is memory the kernel maps in a 4 KiB page at a time
//  as the page is written, and glibc gives a large freed block back to
//  the kernel at once: with pages of a megabyte that cost the broker more
//  than reading the events (docs/performance.md, "Replay"). At most
//  S_POOL_MAX buffers and S_POOL_BYTES in all are kept. The pool is the
//  process's, not a reader's: ZeroMQ's I/O thread may free a page after
//  the reader that built it has ended.
#define S_POOL_MAX      4
#define S_POOL_BYTES    (8 << 20)

static struct {
    pthread_mutex_t lock;
    hub_buf_t buffers [S_POOL_MAX];
    size_t count;
    size_t bytes;
} s_pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

//  ZeroMQ's free function for a page: data points into the buffer, whose
//  start is base
static void
s_pool_put (void *data, void *base)
{
    (void) data;
    if (!base)
        return;
    size_t capacity = malloc_usable_size (base);
    pthread_mutex_lock (&s_pool.lock);
    bool keep = s_pool.count < S_POOL_MAX && s_pool.bytes + capacity <= S_POOL_BYTES;
    if (keep) {
        s_pool.buffers [s_pool.count++] = (hub_buf_t) { base, 0, capacity };
        s_pool.bytes += capacity;
    }
    pthread_mutex_unlock (&s_pool.lock);
    if (!keep)
        free (base);
}

//  The buffer freed last (its memory the most likely to be mapped still),
//  or none
static hub_buf_t
s_pool_take (void)
{
    hub_buf_t buffer = { NULL, 0, 0 };
    pthread_mutex_lock (&s_pool.lock);
    if (s_pool.count) {
        buffer = s_pool.buffers [--s_pool.count];
        s_pool.bytes -= buffer.capacity;
    }
    pthread_mutex_unlock (&s_pool.lock);
    return buffer;
}

//  Answers one history request; returns -1 when the pipe is closing. The
//  reply goes to ZeroMQ in the buffer it was built in (ZeroMQ hands it to
//  the pool once sent), not copied into a frame.
static int
s_serve (zsock_t *pipe, const hub_reader_args_t *args)
{
    zmsg_t *msg = zmsg_recv (pipe);
    if (!msg)
        return -1;
    if (zmsg_size (msg) != 4) {
        //  "$TERM" or anything else that is not a request ends the actor
        zmsg_destroy (&msg);
        return -1;
    }
    zframe_t *routing = zmsg_pop (msg);
    zframe_t *body = zmsg_pop (msg);
    char *reader = zmsg_popstr (msg);
    zframe_t *source = zmsg_pop (msg);     //  "api" or "http", echoed
    Cyclehub__V1__Request *request = cyclehub__v1__request__unpack (
        NULL, zframe_size (body), zframe_data (body));
    if (request && request->body_case == CYCLEHUB__V1__REQUEST__BODY_HISTORY) {
        hub_buf_t reply = s_pool_take ();
        size_t start = hub_query_history (args->store, args->config, request->request_id,
                                          request->history, reader, &reply);
        zmq_msg_t page;
        //  No buffer at all (out of memory): no reply; the client asks again
        if (reply.data && zmq_msg_init_data (&page, reply.data + start, reply.size - start,
                                             s_pool_put, reply.data) == 0) {
            zframe_send (&routing, pipe, ZFRAME_MORE);
            zmq_msg_send (&page, zsock_resolve (pipe), ZMQ_SNDMORE);
            zframe_send (&source, pipe, 0);
            zmq_msg_close (&page);      //  if a send failed
        }
        else
            hub_buf_free (&reply);
    }
    if (request)
        cyclehub__v1__request__free_unpacked (request, NULL);
    zframe_destroy (&routing);
    zframe_destroy (&body);
    zframe_destroy (&source);
    zstr_free (&reader);
    zmsg_destroy (&msg);
    return 0;
}

void
hub_reader_actor (zsock_t *pipe, void *args)
{
    zsock_signal (pipe, 0);
    while (s_serve (pipe, args) == 0)
        ;
}
