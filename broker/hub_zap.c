/*  hub_zap: ZAP handler mapping a connection's credentials to an agency.
    See hub_zap.h. Runs on inproc://zeromq.zap.01 in the process's context.
*/
#include "hub_zap.h"
#include "hub_validate.h"

//  Answers one ZAP request; returns -1 if the request was not ZAP at all.
static int
s_handle (zsock_t *handler, bool verbose)
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
    char *user_id = NULL;
    if (version && streq (version, "1.0") && mechanism) {
        if (streq (mechanism, "PLAIN")) {
            char *username = zmsg_popstr (request);
            if (username && hub_validate_org_id (username)) {
                status = "200";
                text = "OK";
                user_id = username;
                username = NULL;
            }
            else
                text = "the PLAIN username must be the agency's org-id, e.g. GB-LAE-E09000033";
            zstr_free (&username);
        }
        else
            text = "this hub needs a PLAIN (development) or CURVE identity";
    }
    if (verbose || !streq (status, "200"))
        zsys_info ("zap: %s mechanism=%s address=%s user=%s (%s)",
                   streq (status, "200")? "allow": "deny",
                   mechanism? mechanism: "-", address? address: "-",
                   user_id? user_id: "-", text);

    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, "1.0");
    zmsg_addstr (reply, sequence? sequence: "");
    zmsg_addstr (reply, status);
    zmsg_addstr (reply, text);
    zmsg_addstr (reply, user_id? user_id: "");
    zmsg_addmem (reply, NULL, 0);       //  no metadata
    zmsg_send (&reply, handler);

    zstr_free (&user_id);
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
    bool verbose = args && *(bool *) args;
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
            s_handle (handler, verbose);
        else
            break;
    }
    zpoller_destroy (&poller);
    zsock_destroy (&handler);
}
