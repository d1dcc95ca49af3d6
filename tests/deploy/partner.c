/*  partner: a partner's C program, built by test_install against the
    installed libcyclehub alone (cc $(pkg-config --cflags --libs cyclehub)).
    Opens a commission from the JSON on its command line and prints the
    ack's seq, then the hub's last seq; exits 1 on any failure.
      partner API-ENDPOINT AGENCY ENVELOPE-JSON
*/
#include <cyclehub.h>
#include <stdio.h>
#include <string.h>

int
main (int argc, char *argv [])
{
    if (argc != 4) {
        fprintf (stderr, "usage: partner API-ENDPOINT AGENCY ENVELOPE-JSON\n");
        return 2;
    }
    char err [256];
    ProtobufCMessage *msg = hub_json_decode (&cyclehub__v1__envelope__descriptor,
                                             argv [3], strlen (argv [3]), err, sizeof err);
    if (!msg) {
        fprintf (stderr, "partner: %s\n", err);
        return 1;
    }
    hub_connect_options_t options;
    hub_connect_options_default (&options);
    options.api_endpoint = argv [1];
    options.agency = argv [2];
    hub_client_t *client = hub_client_new (&options);
    hub_result_t result;
    int rc = client? hub_client_publish (client, (Cyclehub__V1__Envelope *) msg, &result): HUB_ENOMEM;
    if (rc == HUB_OK)
        printf ("seq %llu\n", (unsigned long long) result.seq);
    else
        fprintf (stderr, "partner: publish: %s %s\n", hub_strerror (rc),
                 rc == HUB_REJECTED? result.reason: "");
    Cyclehub__V1__Reply *reply = NULL;
    if (rc == HUB_OK && (rc = hub_client_status (client, &reply, &result)) == HUB_OK)
        printf ("last_seq %llu\n", (unsigned long long) reply->status->last_seq);
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    protobuf_c_message_free_unpacked (msg, NULL);
    hub_client_destroy (&client);
    return rc == HUB_OK? 0: 1;
}
