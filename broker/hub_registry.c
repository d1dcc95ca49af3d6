/*  hub_registry: the agency registry (keys -> org-id, name, roles). See
    hub_registry.h for the files it reads.
*/
#include "hub_registry.h"
#include "hub_access.h"
#include "hub_validate.h"
#include <sys/stat.h>

typedef struct {
    char org_id [64];
    char name [256];
    unsigned roles;
    char prefixes [256];        //  its ocid prefixes, comma-separated; "" for none
} s_agency_t;

struct _hub_registry_t {
    char *dir;                  //  the auth directory
    char *path;                 //  its agencies.cfg
    zhashx_t *keys;             //  Z85 public key -> s_agency_t *
    struct timespec mtime;      //  of agencies.cfg at the last load
    int64_t checked_ms;         //  last mtime check
    bool missing;               //  agencies.cfg was gone at the last check
    unsigned revocations;       //  reloads that removed a key, since start
    pthread_mutex_t lock;
};

static void
s_agency_free (void **item)
{
    free (*item);
    *item = NULL;
}

//  Reads agencies.cfg into a new key table; NULL with err on any error.
static zhashx_t *
s_load (const char *dir, const char *path, char *err, size_t errsize)
{
    zconfig_t *root = zconfig_load (path);
    if (!root) {
        snprintf (err, errsize, "cannot read the agency registry %s", path);
        return NULL;
    }
    zhashx_t *keys = zhashx_new ();
    zhashx_set_destructor (keys, s_agency_free);
    zconfig_t *agencies = zconfig_locate (root, "agency");
    for (zconfig_t *entry = agencies? zconfig_child (agencies): NULL; entry; entry = zconfig_next (entry)) {
        const char *org_id = zconfig_name (entry);
        if (!hub_validate_org_id (org_id)) {
            snprintf (err, errsize, "%s: '%s' is not an org-id of a known scheme", path, org_id);
            goto fail;
        }
        unsigned roles;
        const char *role_text = zconfig_get (entry, "roles", "");
        if (hub_access_parse_roles (role_text, &roles)) {
            snprintf (err, errsize, "%s: agency %s: roles '%s' must list commissioner, "
                      "partner, provider or observer", path, org_id, role_text);
            goto fail;
        }
        //  The ocid prefixes it may open commissions under (hub_access)
        const char *prefixes = zconfig_get (entry, "ocid-prefixes", NULL);
        if (prefixes && (hub_access_parse_prefixes (prefixes)
                     ||  strlen (prefixes) >= sizeof ((s_agency_t *) 0)->prefixes)) {
            snprintf (err, errsize, "%s: agency %s: ocid-prefixes '%.100s' must list ocid "
                      "prefixes such as ocds-h6vhtk (\"ocds-\" and six lowercase letters or "
                      "digits), comma-separated, at most 20", path, org_id, prefixes);
            goto fail;
        }
        if (!prefixes && (roles & HUB_ROLE_COMMISSIONER))
            zsys_warning ("registry: agency %s is a commissioner without ocid-prefixes: it "
                          "cannot open commissions until %s lists them", org_id, path);
        int certs = 0;
        for (zconfig_t *item = zconfig_child (entry); item; item = zconfig_next (item)) {
            if (strncmp (zconfig_name (item), "cert", 4) != 0)
                continue;
            char file [PATH_MAX];
            snprintf (file, sizeof file, "%s/%s", dir, zconfig_value (item));
            zcert_t *cert = zcert_load (file);
            if (!cert) {
                snprintf (err, errsize, "%s: agency %s: cannot read certificate %s", path, org_id, file);
                goto fail;
            }
            s_agency_t *agency = calloc (1, sizeof *agency);
            snprintf (agency->org_id, sizeof agency->org_id, "%s", org_id);
            snprintf (agency->name, sizeof agency->name, "%s", zconfig_get (entry, "name", ""));
            agency->roles = roles;
            snprintf (agency->prefixes, sizeof agency->prefixes, "%s", prefixes? prefixes: "");
            if (zhashx_insert (keys, zcert_public_txt (cert), agency) != 0) {
                snprintf (err, errsize, "%s: certificate %s is registered twice", path, file);
                free (agency);
                zcert_destroy (&cert);
                goto fail;
            }
            zcert_destroy (&cert);
            certs++;
        }
        if (certs == 0) {
            snprintf (err, errsize, "%s: agency %s has no cert", path, org_id);
            goto fail;
        }
    }
    zconfig_destroy (&root);
    return keys;
fail:
    zhashx_destroy (&keys);
    zconfig_destroy (&root);
    return NULL;
}

static int
s_mtime (const char *path, struct timespec *mtime)
{
    struct stat st;
    if (stat (path, &st))
        return -1;
    *mtime = st.st_mtim;
    return 0;
}

hub_registry_t *
hub_registry_new (const char *auth_dir, char *err, size_t errsize)
{
    hub_registry_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->dir = strdup (auth_dir);
    self->path = zsys_sprintf ("%s/agencies.cfg", auth_dir);
    pthread_mutex_init (&self->lock, NULL);
    s_mtime (self->path, &self->mtime);
    self->keys = s_load (self->dir, self->path, err, errsize);
    if (!self->keys)
        hub_registry_destroy (&self);
    return self;
}

void
hub_registry_destroy (hub_registry_t **self_p)
{
    hub_registry_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->keys);
    pthread_mutex_destroy (&self->lock);
    free (self->dir);
    zstr_free (&self->path);
    free (self);
    *self_p = NULL;
}

int
hub_registry_refresh (hub_registry_t *self)
{
    int64_t now = zclock_mono ();
    pthread_mutex_lock (&self->lock);
    struct timespec mtime;
    int revoked = 0;
    if (now - self->checked_ms < 1000) {
        pthread_mutex_unlock (&self->lock);
        return 0;
    }
    self->checked_ms = now;
    //  A deleted registry revokes nobody (the last good one stays, as for a
    //  broken one), which an operator may not expect: say so loudly
    bool missing = s_mtime (self->path, &mtime) != 0;
    if (missing != self->missing)
        zsys_error (missing? "registry: %s is GONE (%s); every key of the last good registry "
                             "stays valid; to revoke everyone, write an agencies.cfg that "
                             "lists no agency (docs/operations.md)"
                           : "registry: %s is back%s", self->path,
                    missing? strerror (errno): "");
    self->missing = missing;
    if (missing || (mtime.tv_sec == self->mtime.tv_sec && mtime.tv_nsec == self->mtime.tv_nsec)) {
        pthread_mutex_unlock (&self->lock);
        return 0;
    }
    self->mtime = mtime;
    char err [512];
    zhashx_t *keys = s_load (self->dir, self->path, err, sizeof err);
    if (!keys)
        zsys_error ("registry: reload failed, keeping the last good registry: %s", err);
    else {
        for (void *item = zhashx_first (self->keys); item; item = zhashx_next (self->keys))
            if (!zhashx_lookup (keys, zhashx_cursor (self->keys)))
                revoked = 1;
        zhashx_destroy (&self->keys);
        self->keys = keys;
        self->revocations += revoked;
        zsys_info ("registry: reloaded keys=%zu revoked=%d", zhashx_size (keys), revoked);
    }
    pthread_mutex_unlock (&self->lock);
    return revoked;
}

int
hub_registry_lookup (hub_registry_t *self, const char *public_key,
                     char *org_id, size_t size, unsigned *roles)
{
    pthread_mutex_lock (&self->lock);
    s_agency_t *agency = zhashx_lookup (self->keys, public_key);
    if (agency) {
        snprintf (org_id, size, "%s", agency->org_id);
        *roles = agency->roles;
    }
    pthread_mutex_unlock (&self->lock);
    return agency? 0: -1;
}

unsigned
hub_registry_revocations (hub_registry_t *self)
{
    pthread_mutex_lock (&self->lock);
    unsigned revocations = self->revocations;
    pthread_mutex_unlock (&self->lock);
    return revocations;
}

size_t
hub_registry_size (hub_registry_t *self)
{
    pthread_mutex_lock (&self->lock);
    size_t size = zhashx_size (self->keys);
    pthread_mutex_unlock (&self->lock);
    return size;
}

int
hub_registry_prefixes (hub_registry_t *self, const char *public_key, char *prefixes, size_t size)
{
    pthread_mutex_lock (&self->lock);
    s_agency_t *agency = zhashx_lookup (self->keys, public_key);
    if (agency)
        snprintf (prefixes, size, "%s", agency->prefixes);
    pthread_mutex_unlock (&self->lock);
    return agency? 0: -1;
}

//  The agency with that org-id, or NULL; under the lock. A scan of the
//  keys: a registry holds hundreds, and the table is keyed by key for the
//  ZAP handler's lookups, which are the frequent ones.
static s_agency_t *
s_agency_named (hub_registry_t *self, const char *org_id)
{
    for (s_agency_t *agency = zhashx_first (self->keys); agency; agency = zhashx_next (self->keys))
        if (streq (agency->org_id, org_id))
            return agency;
    return NULL;
}

int
hub_registry_agency (hub_registry_t *self, const char *org_id, unsigned *roles,
                     char *name, size_t size)
{
    pthread_mutex_lock (&self->lock);
    s_agency_t *found = s_agency_named (self, org_id);
    if (found) {
        *roles = found->roles;
        if (name)
            snprintf (name, size, "%s", found->name);
    }
    pthread_mutex_unlock (&self->lock);
    return found? 0: -1;
}

int
hub_registry_agency_prefixes (hub_registry_t *self, const char *org_id,
                              char *prefixes, size_t size)
{
    pthread_mutex_lock (&self->lock);
    s_agency_t *found = s_agency_named (self, org_id);
    if (found)
        snprintf (prefixes, size, "%s", found->prefixes);
    pthread_mutex_unlock (&self->lock);
    return found? 0: -1;
}
