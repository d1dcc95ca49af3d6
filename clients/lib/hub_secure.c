/*  hub_secure: CURVE or PLAIN credentials for client sockets. See
    hub_secure.h.
*/
#include "hub_secure.h"

//  True if key is a CURVE public key in Z85: 40 characters of its alphabet.
static bool
s_is_z85_key (const char *key)
{
    static const char alphabet [] = "0123456789abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    return strlen (key) == 40 && strspn (key, alphabet) == 40;
}

//  The broker's public key: "z85:KEY" or a bare KEY is always the key
//  itself, never a path (a Z85 key may hold '/'); a certificate file comes
//  only through server_public_key_file. A bare value that also names an
//  existing file is refused as ambiguous. Returns 0, or -1 with a sentence.
static int
s_server_key (hub_secure_t *self, const hub_connect_options_t *options)
{
    const char *key = options->server_public_key;
    const char *file = options->server_public_key_file;
    if (key && file) {
        zsys_error ("client: give the broker's key once: --server-key z85:KEY "
                    "or --server-key-file PATH, not both");
        return -1;
    }
    if (file) {
        zcert_t *server = zcert_load (file);
        if (!server) {
            zsys_error ("client: cannot read the broker's certificate %s "
                        "(--server-key-file takes the broker.cert file from the hub operator)", file);
            return -1;
        }
        snprintf (self->server_key, sizeof self->server_key, "%s", zcert_public_txt (server));
        zcert_destroy (&server);
        return 0;
    }
    bool prefixed = strncmp (key, "z85:", 4) == 0;
    const char *z85 = prefixed? key + 4: key;
    if (!prefixed && s_is_z85_key (key) && zsys_file_exists (key)) {
        zsys_error ("client: '%s' could be a key or a file: write --server-key z85:%s "
                    "for the key, or --server-key-file %s for the file", key, key, key);
        return -1;
    }
    if (!s_is_z85_key (z85)) {
        zsys_error ("client: '%s' is not a broker key: give the key as --server-key z85:KEY "
                    "(the 40 characters of public-key in broker.cert) or the certificate file "
                    "as --server-key-file PATH", key);
        return -1;
    }
    snprintf (self->server_key, sizeof self->server_key, "%s", z85);
    return 0;
}

int
hub_connect_options_check (const hub_connect_options_t *options)
{
    hub_secure_t secure;
    if (hub_secure_init (&secure, options))
        return -1;
    hub_secure_fini (&secure);
    return 0;
}

int
hub_secure_init (hub_secure_t *self, const hub_connect_options_t *options)
{
    memset (self, 0, sizeof *self);
    const char *agency = options->agency? options->agency: getenv ("CYCLEHUB_AGENCY");
    bool server = options->server_public_key || options->server_public_key_file;
    bool curve = server || options->client_cert;
    if (curve) {
        if (!server || !options->client_cert) {
            zsys_error ("client: CURVE needs both the broker's public key and the agency's certificate");
            return -1;
        }
        self->cert = zcert_load (options->client_cert);
        if (!self->cert) {
            zsys_error ("client: cannot read the certificate %s "
                        "(create one with: cyclehub keys new NAME)", options->client_cert);
            return -1;
        }
        if (s_server_key (self, options)) {
            hub_secure_fini (self);
            return -1;
        }
    }
    else
    if (!agency || !*agency)
        return -1;
    self->agency = strdup (agency? agency: "");
    self->password = strdup (options->password? options->password: "dev");
    if (!self->agency || !self->password) {
        hub_secure_fini (self);
        return -1;
    }
    return 0;
}

void
hub_secure_apply (const hub_secure_t *self, zsock_t *sock)
{
    if (self->cert) {
        zcert_apply (self->cert, sock);
        zsock_set_curve_serverkey (sock, self->server_key);
    }
    else {
        zsock_set_plain_username (sock, self->agency);
        zsock_set_plain_password (sock, self->password);
    }
}

void
hub_secure_fini (hub_secure_t *self)
{
    zcert_destroy (&self->cert);
    free (self->agency);
    free (self->password);
    self->agency = NULL;
    self->password = NULL;
}
