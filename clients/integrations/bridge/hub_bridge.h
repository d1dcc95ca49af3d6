/*  hub_bridge: the hub's event log copied into a NATS JetStream stream, in
    seq order, each event once (docs/scale-out.md). The stream is the
    cursor: on start the bridge reads the hub seq of the stream's last
    message and follows the hub from the next one. It reads the hub in
    outward mode (hub_integ_hub): no personal data reaches the stream.
    `cyclehub bridge nats` is this library behind flags.
*/
#ifndef HUB_BRIDGE_H
#define HUB_BRIDGE_H

#include "hub_integ.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HUB_BRIDGE_STREAM   "CYCLEHUB"  /* default stream name */
#define HUB_BRIDGE_PREFIX   "cyclehub"  /* default subject prefix */
#define HUB_BRIDGE_WINDOW   256         /* default publishes awaiting their ack */

/* The body format of a stream's messages. A stream keeps one: the first run
   records it in the stream's description ("cyclehub-body-format=json"), and
   a later run that asks for the other is refused (HUB_INTEG_CONFIG). */
typedef enum {
    HUB_BRIDGE_FORMAT_STREAM = 0, /* the stream's recorded format; protobuf for a new one */
    HUB_BRIDGE_FORMAT_PROTOBUF,   /* the packed cyclehub.v1.Event */
    HUB_BRIDGE_FORMAT_JSON        /* its canonical JSON (hub_json.h): for people */
} hub_bridge_format_t;

typedef struct {
    hub_connect_options_t hub;    /* endpoints, agency, keys of the hub */
    const char *url;              /* NATS server(s), comma-separated (required) */
    const char *stream;           /* stream name (hub_bridge_stream_valid) */
    const char *prefix;           /* subject prefix P: subjects are P.> (hub_bridge_prefix_valid) */
    int replicas;                 /* replicas of a stream the bridge creates, 1..5 */
    hub_bridge_format_t format;   /* body format; HUB_BRIDGE_FORMAT_STREAM: the stream's */
    int window;                   /* publishes awaiting their ack at most, >= 1 */
    const char *const *topics;    /* hub topic prefixes, n_topics of them (none: all) */
    size_t n_topics;
} hub_bridge_config_t;

/* Fills config with the defaults above, 1 replica, the stream's body format
   (protobuf for a new stream), every topic; hub options from hub_connect_options_default. */
void
    hub_bridge_config_default (hub_bridge_config_t *config);

/* A subject prefix is one or more non-empty tokens without wildcards or
   white space. */
bool
    hub_bridge_prefix_valid (const char *prefix);

/* A stream name is non-empty and holds no '.', ' ', '*', '>', '/', '\\' or
   line breaks. */
bool
    hub_bridge_stream_valid (const char *stream);

/* "json" or "protobuf" as a format (HUB_BRIDGE_FORMAT_STREAM if neither). */
hub_bridge_format_t
    hub_bridge_format_parse (const char *name);

/* Bridges until SIGINT/SIGTERM, then waits for the acks of what it sent.
   Returns HUB_INTEG_OK when stopped so; HUB_INTEG_CONFIG for a bad
   setting or a format other than the stream's, HUB_INTEG_UNREACHABLE if
   the hub or NATS does not answer at start, HUB_INTEG_FAILED if the stream does not fit (other subjects,
   memory storage) or on another failure. Says why on stderr. */
int
    hub_bridge_run (const hub_bridge_config_t *config);

#ifdef __cplusplus
}
#endif
#endif
