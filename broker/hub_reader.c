/*  hub_reader: history pages, built in their own thread. See hub_reader.h.
*/
#include "hub_reader.h"
#include "hub_query.h"

//  Answers one history request; returns -1 when the pipe is closing.
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
        zmsg_t *out = zmsg_new ();
        zmsg_append (out, &routing);
        zmsg_addmem (out, reply->data, reply->size);
        zmsg_append (out, &source);
        zmsg_send (&out, pipe);
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
