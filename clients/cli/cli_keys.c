/*  cli_keys: `cyclehub keys new NAME` (a CURVE certificate pair for an
    agency or the broker) and `cyclehub erase` (the owner's erasure of a
    consultation response's personal data).
*/
#include "cli.h"

static void
s_keys_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub keys new NAME\n"
        "Creates a CURVE certificate pair: NAME.cert (the public key: send it to the\n"
        "hub operator, who lists it in the agency registry) and NAME.cert_secret (the\n"
        "secret key: keep it, give it to cyclehub with --cert). NAME may include a\n"
        "directory. Existing files are never overwritten.\n"
        "For the broker itself: cyclehub keys new AUTH_DIR/broker.\n"
        "Exit status: 0 done, 2 usage, 4 the files could not be written.\n");
}

int
cli_keys (int argc, char **argv)
{
    if (argc >= 2 && (streq (argv [1], "--help") || streq (argv [1], "-h"))) {
        s_keys_usage (stdout);
        return CLI_OK;
    }
    if (argc != 3 || !streq (argv [1], "new") || !*argv [2]) {
        s_keys_usage (stderr);
        return CLI_USAGE;
    }
    char public_path [PATH_MAX], secret_path [PATH_MAX];
    snprintf (public_path, sizeof public_path, "%s.cert", argv [2]);
    snprintf (secret_path, sizeof secret_path, "%s.cert_secret", argv [2]);
    if (zsys_file_exists (public_path) || zsys_file_exists (secret_path)) {
        fprintf (stderr, "cyclehub: keys: %s or %s exists already; choose another NAME\n",
                 public_path, secret_path);
        return CLI_USAGE;
    }
    zcert_t *cert = zcert_new ();
    if (!cert) {
        fprintf (stderr, "cyclehub: keys: cannot create a certificate\n");
        return CLI_FAILED;
    }
    char created [HUB_TIME_TEXT_MAX] = "";
    hub_time_format (zclock_time (), created, sizeof created);
    zcert_set_meta (cert, "name", "%s", argv [2]);
    zcert_set_meta (cert, "created", "%s", created);
    //  zcert_save writes NAME.cert and NAME.cert_secret; the secret one is
    //  made readable by its owner only
    mode_t old = umask (077);
    int rc = zcert_save (cert, public_path);
    umask (old);
    if (rc == 0)
        chmod (public_path, 0644);
    if (rc != 0) {
        fprintf (stderr, "cyclehub: keys: cannot write %s: %s\n", public_path, strerror (errno));
        zcert_destroy (&cert);
        return CLI_FAILED;
    }
    printf ("%s\n%s\npublic key %s\n", public_path, secret_path, zcert_public_txt (cert));
    zcert_destroy (&cert);
    return CLI_OK;
}

static void
s_erase_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] erase --commission ID --response ID --reason TEXT\n"
        "                                     [--consultation ID]\n"
        "Erases the personal data of one consultation response (UK GDPR right to\n"
        "erasure): the stored response is replaced by its redacted form and an\n"
        "erasure.recorded audit event is stored and published. Only the commission's\n"
        "owner may erase. Asking again is harmless: it answers with the same audit seq.\n"
        "Prints the audit event's seq (and 'duplicate' if it was erased before).\n"
        "Exit status: 0 done, 1 rejected, 2 usage, 3 broker unreachable.\n");
}

int
cli_erase (cli_t *cli, int argc, char **argv)
{
    Cyclehub__V1__EraseRequest erase = CYCLEHUB__V1__ERASE_REQUEST__INIT;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv [i];
        if (streq (arg, "--help") || streq (arg, "-h")) {
            s_erase_usage (stdout);
            return CLI_OK;
        }
        const char *value = i + 1 < argc? argv [++i]: NULL;
        if (!value) {
            fprintf (stderr, "cyclehub: erase: %s needs a value\n", arg);
            return CLI_USAGE;
        }
        if (streq (arg, "--commission"))
            erase.commission_id = (char *) value;
        else
        if (streq (arg, "--consultation"))
            erase.consultation_id = (char *) value;
        else
        if (streq (arg, "--response"))
            erase.response_id = (char *) value;
        else
        if (streq (arg, "--reason"))
            erase.reason = (char *) value;
        else {
            fprintf (stderr, "cyclehub: erase: unknown flag %s\nTry 'cyclehub erase --help'.\n", arg);
            return CLI_USAGE;
        }
    }
    if (!*erase.commission_id || !*erase.response_id || !*erase.reason) {
        fprintf (stderr, "cyclehub: erase: give --commission, --response and --reason\n");
        return CLI_USAGE;
    }
    hub_client_t *client = hub_client_new (&cli->options);
    if (!client) {
        fprintf (stderr, "cyclehub: cannot connect to %s\n", cli->options.api_endpoint);
        return CLI_USAGE;
    }
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_ERASE;
    request.erase = &erase;
    Cyclehub__V1__Reply *reply = NULL;
    hub_result_t result;
    memset (&result, 0, sizeof result);
    int rc = hub_client_request (client, &request, &reply, &result);
    int exit_code = CLI_OK;
    if (rc == HUB_OK && reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK)
        printf ("%" PRIu64 "%s\n", reply->ack->seq, reply->ack->duplicate? " duplicate": "");
    else
        exit_code = cli_fail (rc == HUB_OK? HUB_EPROTO: rc, &result, "erase");
    if (reply)
        cyclehub__v1__reply__free_unpacked (reply, NULL);
    hub_client_destroy (&client);
    return exit_code;
}
