/*  hub_settings_check: what cyclehubd --check-config looks at beyond the
    values' forms, cheaply and without side effects: no socket is bound and
    the store is opened read-only if at all, so it is safe beside a running
    broker. What it cannot know (a port in use) the start still reports.
*/
#include "hub_settings.h"
#include "hub_registry.h"
#include <errno.h>
#include <sys/stat.h>

//  CURVE (a certificate and a registry that load) or plain on loopback
static int
s_check_mode (const hub_broker_config_t *config, char *err, size_t errsize)
{
    if (config->auth_dir) {
        hub_registry_t *registry = hub_registry_new (config->auth_dir, err, errsize);
        if (!registry)
            return -1;
        hub_registry_destroy (&registry);
        char path [PATH_MAX];
        snprintf (path, sizeof path, "%s/broker.cert_secret", config->auth_dir);
        zcert_t *cert = zcert_load (path);
        if (!cert) {
            snprintf (err, errsize, "cannot read the broker's certificate %.200s (create it "
                      "with: cyclehub keys new %.200s/broker)", path, config->auth_dir);
            return -1;
        }
        zcert_destroy (&cert);
        return 0;
    }
    if (!config->plain) {
        snprintf (err, errsize, "choose --auth DIR (CURVE keys and the agency registry) or "
                  "--plain (development mode on loopback, no encryption)");
        return -1;
    }
    if (!hub_broker_loopback (config->api_endpoint)
    ||  !hub_broker_loopback (config->events_endpoint)) {
        snprintf (err, errsize, "plain development mode binds loopback addresses only, not "
                  "%.200s / %.200s; use --auth DIR", config->api_endpoint, config->events_endpoint);
        return -1;
    }
    return 0;
}

//  A missing store directory is created at start, parents too: the nearest
//  existing parent must be a directory this user can write in
static int
s_check_creatable (const char *dir, char *err, size_t errsize)
{
    char parent [PATH_MAX];
    snprintf (parent, sizeof parent, "%s", dir);
    struct stat st;
    while (true) {
        char *slash = strrchr (parent, '/');
        if (!slash)
            snprintf (parent, sizeof parent, ".");
        else
            slash [slash == parent? 1: 0] = 0;      //  "/a" -> "/", "a/b" -> "a"
        if (stat (parent, &st) == 0 || !slash || streq (parent, "/"))
            break;
    }
    errno = S_ISDIR (st.st_mode)? 0: ENOTDIR;
    if (!errno && access (parent, W_OK | X_OK) == 0)
        return 0;
    snprintf (err, errsize, "the store directory %.200s does not exist and cannot be created "
              "in %.200s: %s", dir, parent, strerror (errno? errno: EACCES));
    return -1;
}

//  The store directory: one the broker may open (its modes, its format),
//  or, if missing, one it can create
static int
s_check_store (const hub_broker_config_t *config, char *err, size_t errsize)
{
    const char *dir = config->store_dir;
    struct stat st;
    if (stat (dir, &st) != 0)
        return s_check_creatable (dir, err, errsize);
    if (!S_ISDIR (st.st_mode)) {
        snprintf (err, errsize, "the store %.200s is not a directory", dir);
        return -1;
    }
    if (access (dir, W_OK | X_OK) != 0) {
        snprintf (err, errsize, "the store directory %.200s is not writable: %s", dir,
                  strerror (errno));
        return -1;
    }
    if (hub_store_check_private (dir, err, errsize))
        return -1;
    char data [PATH_MAX];
    snprintf (data, sizeof data, "%s/data.mdb", dir);
    if (access (data, F_OK) != 0)
        return 0;                   //  an empty directory: the store is created at start
    hub_store_options_t options = config->store;
    options.read_only = true;
    hub_store_t *store = NULL;
    if (hub_store_open (&store, dir, &options, err, errsize))
        return -1;
    hub_store_destroy (&store);
    return 0;
}

//  A file the broker must read
static int
s_check_readable (const char *path, const char *what, char *err, size_t errsize)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (err, errsize, "cannot read the %s %.200s: %s", what, path, strerror (errno));
        return -1;
    }
    fclose (file);
    return 0;
}

static int
s_check_http (const hub_http_config_t *http, char *err, size_t errsize)
{
    if (!http->cert_file != !http->key_file) {
        snprintf (err, errsize, "TLS needs both --http-cert and --http-key (http_cert, http_key)");
        return -1;
    }
    if (http->cert_file
    && (s_check_readable (http->cert_file, "HTTP TLS certificate", err, errsize)
    ||  s_check_readable (http->key_file, "HTTP TLS key", err, errsize)))
        return -1;
    return 0;
}

int
hub_settings_check (hub_settings_t *self, char *err, size_t errsize)
{
    const hub_broker_config_t *config = hub_settings_broker (self);
    return s_check_mode (config, err, errsize) || s_check_store (config, err, errsize)
        || s_check_http (&config->http, err, errsize)? -1: 0;
}
