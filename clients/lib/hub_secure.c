/*  hub_secure: CURVE or PLAIN credentials for client sockets. See
    hub_secure.h.
*/
#include "hub_secure.h"

int
hub_secure_init (hub_secure_t *self, const hub_connect_options_t *options)
{
    memset (self, 0, sizeof *self);
    const char *agency = options->agency? options->agency: getenv ("CYCLEHUB_AGENCY");
    bool curve = options->server_public_key || options->client_cert;
    if (curve) {
        if (!options->server_public_key || !options->client_cert) {
            zsys_error ("client: CURVE needs both the broker's public key and the agency's certificate");
            return -1;
        }
        self->cert = zcert_load (options->client_cert);
        if (!self->cert) {
            zsys_error ("client: cannot read the certificate %s "
                        "(create one with: cyclehub keys new NAME)", options->client_cert);
            return -1;
        }
        const char *key = options->server_public_key;
        if (strlen (key) == 40 && !strchr (key, '/'))
            snprintf (self->server_key, sizeof self->server_key, "%s", key);
        else {
            zcert_t *server = zcert_load (key);
            if (!server) {
                zsys_error ("client: the broker's key must be 40 Z85 characters or a "
                            "certificate file; cannot read %s", key);
                hub_secure_fini (self);
                return -1;
            }
            snprintf (self->server_key, sizeof self->server_key, "%s", zcert_public_txt (server));
            zcert_destroy (&server);
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
