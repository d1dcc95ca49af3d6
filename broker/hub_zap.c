/*  hub_zap: ZAP handler mapping a connection's credentials to an agency.
    See hub_zap.h. Runs on inproc://zeromq.zap.01 in the process's context.
*/
#include "hub_zap.h"
#include "hub_log.h"
#include "hub_validate.h"

//  Appends one ZMTP metadata property (name, 4-byte big-endian length, value).
static size_t
s_property (uint8_t *out, const char *name, const char *value)
{
    size_t name_len = strlen (name), value_len = strlen (value);
    out [0] = (uint8_t) name_len;
    memcpy (out + 1, name, name_len);
    out [1 + name_len] = (uint8_t) (value_len >> 24);
    out [2 + name_len] = (uint8_t) (value_len >> 16);
    out [3 + name_len] = (uint8_t) (value_len >> 8);
    out [4 + name_len] = (uint8_t) value_len;
    memcpy (out + 5 + name_len, value, value_len);
    return 5 + name_len + value_len;
}

//  Answers one ZAP request; returns -1 if nothing could be read.
static int
s_handle (zsock_t *handler, const hub_zap_args_t *args)
{
    zmsg_t *request = zmsg_recv (handler);
    if (!request)
        return -1;
    char *version = zmsg_popstr (request);
    char *sequence = zmsg_popstr (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    char *identity = zmsg_popstr (request);
    char *mechanism = zmsg_popstr (request);

    const char *status = "400";
    const char *text = "no credentials this hub accepts";
    char user_id [64] = "";
    char refused [64] = "";             //  a PLAIN username refused, printable only
    char key [41] = "";
    if (version && streq (version, "1.0") && mechanism) {
        if (args->registry && streq (mechanism, "CURVE")) {
            zframe_t *credentials = zmsg_pop (request);
            unsigned roles;
            if (credentials && zframe_size (credentials) == 32
            &&  zmq_z85_encode (key, zframe_data (credentials), 32)) {
                hub_registry_refresh (args->registry);
                if (hub_registry_lookup (args->registry, key, user_id, sizeof user_id, &roles) == 0) {
                    status = "200";
                    text = "OK";
                }
                else
                    text = "this CURVE key is not in the agency registry";
            }
            zframe_destroy (&credentials);
        }
        else
        if (!args->registry && streq (mechanism, "PLAIN")) {
            char *username = zmsg_popstr (request);
            if (username && hub_validate_org_id (username)) {
                status = "200";
                text = "OK";
                snprintf (user_id, sizeof user_id, "%s", username);
            }
            else {
                text = "the PLAIN username must be the agency's org-id, e.g. GB-LAE-E09000033";
                for (size_t i = 0; username && username [i] && i + 1 < sizeof refused; i++)
                    refused [i] = isprint ((unsigned char) username [i])? username [i]: '?';
            }
            zstr_free (&username);
        }
        else
            text = args->registry? "this hub needs a registered CURVE key":
                                   "this hub (development mode) needs a PLAIN username: the org-id";
    }
    bool allowed = streq (status, "200");
    //  A refused identity is an event of interest; each admitted one only
    //  with --verbose
    if (!allowed)
        hub_log_warning ("zap: deny mechanism=%s address=%s user=%s key=%s (%s)",
                         mechanism? mechanism: "-", address? address: "-",
                         *refused? refused: *user_id? user_id: "-", *key? key: "-", text);
    else
        hub_log_debug ("zap: allow mechanism=%s address=%s user=%s key=%s",
                       mechanism? mechanism: "-", address? address: "-", user_id,
                       *key? key: "-");

    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, "1.0");
    zmsg_addstr (reply, sequence? sequence: "");
    zmsg_addstr (reply, status);
    zmsg_addstr (reply, text);
    zmsg_addstr (reply, user_id);
    uint8_t metadata [64];
    zmsg_addmem (reply, metadata, *key? s_property (metadata, "X-Key", key): 0);
    zmsg_send (&reply, handler);

    zstr_free (&version);
    zstr_free (&sequence);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&identity);
    zstr_free (&mechanism);
    zmsg_destroy (&request);
    return 0;
}

void
hub_zap_actor (zsock_t *pipe, void *args)
{
    hub_zap_args_t config = *(hub_zap_args_t *) args;
    zsock_t *handler = zsock_new_rep ("inproc://zeromq.zap.01");
    if (!handler) {
        zsys_error ("zap: cannot bind inproc://zeromq.zap.01 (another ZAP handler?)");
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, handler, NULL);
    while (!zsys_interrupted) {
        void *which = zpoller_wait (poller, -1);
        if (which == pipe) {
            char *command = zstr_recv (pipe);
            bool term = !command || streq (command, "$TERM");
            zstr_free (&command);
            if (term)
                break;
        }
        else
        if (which == handler)
            s_handle (handler, &config);
        else
            break;
    }
    zpoller_destroy (&poller);
    zsock_destroy (&handler);
}
