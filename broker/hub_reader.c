/*  hub_reader: history pages, built in their own thread. See hub_reader.h.
*/
#include "hub_reader.h"
#include "hub_query.h"

static void
s_free (void *data, void *hint)
{
    (void) hint;
    free (data);
}

//  Answers one history request; returns -1 when the pipe is closing. The
//  reply's buffer goes to ZeroMQ as it is (freed by it once sent), not
//  copied into a frame; the next reply's buffer starts at this one's size.
static int
s_serve (zsock_t *pipe, const hub_reader_args_t *args, hub_buf_t *reply)
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
        hub_query_history (args->store, args->config, request->request_id, request->history,
                           reader, reply);
        size_t capacity = reply->capacity;
        zmq_msg_t page;
        if (zmq_msg_init_data (&page, reply->data, reply->size, s_free, NULL) == 0) {
            *reply = (hub_buf_t) { NULL, 0, 0 };
            hub_buf_reserve (reply, capacity);  //  a malloc, not a copy; fails harmlessly
            zframe_send (&routing, pipe, ZFRAME_MORE);
            zmq_msg_send (&page, zsock_resolve (pipe), ZMQ_SNDMORE);
            zframe_send (&source, pipe, 0);
            zmq_msg_close (&page);      //  if a send failed
        }
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
    hub_buf_t reply = { NULL, 0, 0 };
    while (s_serve (pipe, args, &reply) == 0)
        ;
    hub_buf_free (&reply);
}
