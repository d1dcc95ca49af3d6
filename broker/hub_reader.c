/*  hub_reader: history pages, built in their own thread. See hub_reader.h.
    A page is written once, into a buffer that ZeroMQ then owns: it goes
    through the pipe and out of the api socket without a copy (a page of
    1,000 events is ~250 KB; three copies and two fresh allocations of it
    per page showed in the broker's profile).
*/
#include "hub_reader.h"
#include "hub_query.h"

static void
s_free_page (void *data, void *hint)
{
    (void) data;
    free (hint);                //  the buffer's start; data is the Reply in it
}

//  Sends the page frame (out's buffer from start) with ZeroMQ owning the
//  buffer; out is left empty. Returns 0 or -1 (the buffer is freed).
static int
s_send_page (zsock_t *pipe, hub_buf_t *out, size_t start, int flags)
{
    zmq_msg_t msg;
    uint8_t *data = out->data;
    size_t size = out->size - start;
    *out = (hub_buf_t) { NULL, 0, 0 };
    if (zmq_msg_init_data (&msg, data + start, size, s_free_page, data)) {
        free (data);
        return -1;
    }
    if (zmq_msg_send (&msg, zsock_resolve (pipe), flags) < 0) {
        zmq_msg_close (&msg);   //  calls s_free_page
        return -1;
    }
    return 0;
}

//  Answers one history request; returns -1 when the pipe is closing.
static int
s_serve (zsock_t *pipe, const hub_reader_args_t *args, size_t *expect)
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
        //  Room for a page the size of the last one: one allocation
        hub_buf_t reply = { NULL, 0, 0 };
        hub_buf_reserve (&reply, *expect);
        size_t start = hub_query_history_frame (args->store, args->config, request->request_id,
                                                request->history, reader, &reply);
        *expect = reply.capacity;
        if (zframe_send (&routing, pipe, ZFRAME_MORE) == 0
        &&  s_send_page (pipe, &reply, start, ZMQ_SNDMORE) == 0)
            zframe_send (&source, pipe, 0);
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
    size_t expect = 0;          //  the last page's size, to allocate the next at once
    while (s_serve (pipe, args, &expect) == 0)
        ;
}
