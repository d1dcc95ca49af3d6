/*  libcyclehub: the client library of the cyclehub message hub.

    One include for everything a client program needs:
    - hub_client.h      publish (sync, or async with a window, batched
                        on the wire: 64 publishes, 64 KiB or a 1 ms
                        linger per request by default), history,
                        commission state and status over the api socket
    - hub_subscriber.h  events matching a filter, once and in order, with
                        catch-up from history and an optional cursor file;
                        events unpacked, or lent as their packed bytes
    - hub_event_reader.h  an event's top-level fields read in place
    - hub_envelope.h    building Envelopes per message type; money and time
    - hub_json.h        the canonical JSON form of every message
*/
#ifndef CYCLEHUB_H
#define CYCLEHUB_H

#include "hub_proto.h"
#include "hub_client.h"
#include "hub_subscriber.h"
#include "hub_event_reader.h"
#include "hub_envelope.h"
#include "hub_json.h"

#endif
