/*  cli_keys: `cyclehub keys new NAME` (a CURVE certificate pair for an
    agency or the broker) and `cyclehub erase` (the owner's erasure of a
    consultation response's personal data).
*/
#include "cli.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

static void
s_keys_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub keys new NAME\n"
        "Creates a CURVE certificate pair: NAME.cert (the public key: send it to the\n"
        "hub operator, who lists it in the agency registry) and NAME.cert_secret (the\n"
        "secret key, readable by you only: keep it, give it to cyclehub with --cert).\n"
        "NAME may include a directory; it may not start with '-'. Existing files and\n"
        "links are never written through or over.\n"
        "For the broker itself: cyclehub keys new AUTH_DIR/broker.\n"
        "Exit status: 0 done, 2 usage or the files exist, 4 the files could not be written.\n");
}

//  The certificate as czmq's zcert_load reads it; the secret key only in
//  the secret file. Returns a string the caller frees, or NULL.
static char *
s_cert_text (zcert_t *cert, const char *name, bool secret)
{
    char created [HUB_TIME_TEXT_MAX] = "";
    hub_time_format (zclock_time (), created, sizeof created);
    zconfig_t *root = zconfig_new ("root", NULL);
    if (!root)
        return NULL;
    zconfig_set_comment (root, "   ZeroMQ CURVE %s Certificate, made by cyclehub keys new",
                         secret? "**Secret**": "Public");
    if (secret)
        zconfig_set_comment (root, "   DO NOT PROVIDE THIS FILE TO OTHER USERS "
                             "nor change its permissions.");
    zconfig_put (root, "metadata/name", name);
    zconfig_put (root, "metadata/created", created);
    zconfig_put (root, "curve/public-key", zcert_public_txt (cert));
    if (secret)
        zconfig_put (root, "curve/secret-key", zcert_secret_txt (cert));
    char *text = zconfig_str_save (root);
    zconfig_destroy (&root);
    return text;
}

//  Creates path with text, never through or over an existing file or link
//  (O_EXCL | O_NOFOLLOW: a link planted at path must not redirect a secret
//  key), with mode whatever the umask. Returns 0, or -1 with errno set.
static int
s_write_new (const char *path, const char *text, mode_t mode)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    size_t len = strlen (text);
    bool ok = fchmod (fd, mode) == 0 && write (fd, text, len) == (ssize_t) len
           && fsync (fd) == 0;
    int saved = errno;
    ok = close (fd) == 0 && ok;
    if (!ok) {
        unlink (path);
        errno = saved;
        return -1;
    }
    return 0;
}

//  `cyclehub keys new NAME`: the secret file first, so a failure leaves
//  no public key without its secret half.
static int
s_keys_new (const char *name)
{
    char public_path [PATH_MAX], secret_path [PATH_MAX];
    if (snprintf (public_path, sizeof public_path, "%s.cert", name) >= (int) sizeof public_path
    ||  snprintf (secret_path, sizeof secret_path, "%s.cert_secret", name) >= (int) sizeof secret_path) {
        fprintf (stderr, "cyclehub: keys: NAME is too long\n");
        return CLI_USAGE;
    }
    struct stat st;
    if (lstat (public_path, &st) == 0 || lstat (secret_path, &st) == 0) {
        fprintf (stderr, "cyclehub: keys: %s or %s exists already (a file or a link); "
                 "choose another NAME\n", public_path, secret_path);
        return CLI_USAGE;
    }
    zcert_t *cert = zcert_new ();
    char *secret_text = cert? s_cert_text (cert, name, true): NULL;
    char *public_text = cert? s_cert_text (cert, name, false): NULL;
    int rc = CLI_OK;
    const char *failed = NULL;
    if (!secret_text || !public_text) {
        fprintf (stderr, "cyclehub: keys: cannot create a certificate\n");
        rc = CLI_FAILED;
    }
    else
    if (s_write_new (secret_path, secret_text, 0600))
        failed = secret_path;
    else
    if (s_write_new (public_path, public_text, 0644)) {
        failed = public_path;
        int saved = errno;
        unlink (secret_path);
        errno = saved;
    }
    if (failed) {
        //  Created meanwhile (a race with another process, or a link):
        //  the same sentence as above
        bool exists = errno == EEXIST || errno == ELOOP;
        fprintf (stderr, "cyclehub: keys: cannot create %s: %s\n", failed,
                 exists? "it exists already (a file or a link); choose another NAME":
                 strerror (errno));
        rc = exists? CLI_USAGE: CLI_FAILED;
    }
    else
    if (rc == CLI_OK)
        printf ("%s\n%s\npublic key %s\n", public_path, secret_path, zcert_public_txt (cert));
    zstr_free (&secret_text);
    zstr_free (&public_text);
    zcert_destroy (&cert);
    return rc;
}

int
cli_keys (cli_t *cli, int argc, char **argv)
{
    cli_args_t args;
    if (cli_args_begin (&args, cli, "keys", argc, argv, NULL, CLI_ARGS_OFFLINE) == CLI_ARGS_HELP) {
        s_keys_usage (stdout);
        return CLI_OK;
    }
    //  A NAME like a flag: said as such, not as an unknown flag
    if (argc >= 3 && streq (argv [1], "new") && argv [2][0] == '-' && argv [2][1]
    &&  !(strncmp (argv [2], "--", 2) == 0 && cli_args_known (&args, argv [2] + 2))) {
        fprintf (stderr, "cyclehub: keys: NAME may not start with '-' (%s looks like a flag); "
                 "for such a file name write ./%s\n", argv [2], argv [2]);
        return CLI_USAGE;
    }
    while (cli_args_next (&args))
        ;
    if (args.rc == CLI_OK && (args.n_operands != 2 || !streq (args.operands [0], "new")
                          ||  !*args.operands [1])) {
        s_keys_usage (stderr);
        return CLI_USAGE;
    }
    if (cli_args_end (&args, 2))
        return args.rc;
    return s_keys_new (args.operands [1]);
}

static void
s_erase_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] erase --commission ID --consultation ID\n"
        "                                     --response ID --reason TEXT\n"
        "                                     [--respondent ORG-ID]\n"
        "Erases the personal data of one consultation response (UK GDPR right to\n"
        "erasure): the stored response is replaced by its redacted form and an\n"
        "erasure.recorded audit event is stored and published. Only the commission's\n"
        "owner may erase. Asking again is harmless: it answers with the same audit seq.\n"
        "Response ids repeat across consultations and across responding agencies:\n"
        "--respondent (the agency that sent it) is needed when two agencies used the\n"
        "id; a request that names several responses is refused, listing them.\n"
        "Prints the audit event's seq (and 'duplicate' if it was erased before).\n"
        "Exit status: 0 done, 1 rejected, 2 usage, 3 broker unreachable.\n");
}

static const struct option s_erase_options [] = {
    { "commission",   required_argument, NULL, 'c' },
    { "consultation", required_argument, NULL, 'C' },
    { "response",     required_argument, NULL, 'r' },
    { "respondent",   required_argument, NULL, 'p' },
    { "reason",       required_argument, NULL, 'R' },
    { NULL, 0, NULL, 0 }
};

int
cli_erase (cli_t *cli, int argc, char **argv)
{
    Cyclehub__V1__EraseRequest erase = CYCLEHUB__V1__ERASE_REQUEST__INIT;
    cli_args_t args;
    if (cli_args_begin (&args, cli, "erase", argc, argv, s_erase_options, 0) == CLI_ARGS_HELP) {
        s_erase_usage (stdout);
        return CLI_OK;
    }
    int key;
    while ((key = cli_args_next (&args))) {
        char *value = (char *) args.value;
        switch (key) {
            case 'c': erase.commission_id = value; break;
            case 'C': erase.consultation_id = value; break;
            case 'r': erase.response_id = value; break;
            case 'p': erase.respondent = value; break;
            case 'R': erase.reason = value; break;
        }
    }
    if (args.rc == CLI_OK && (!*erase.commission_id || !*erase.consultation_id
                          || !*erase.response_id || !*erase.reason))
        cli_args_fail (&args, "give --commission, --consultation, --response and --reason");
    if (cli_args_end (&args, 0))
        return args.rc;
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
