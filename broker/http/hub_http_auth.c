/*  hub_http_auth: bearer tokens and the per-token rate limit. See
    hub_http_auth.h.
*/
#include "hub_http_auth.h"
#include "hub_token.h"
#include "hub_access.h"
#include <sodium.h>
#include <sys/stat.h>

typedef struct {
    double tokens;                  //  requests it may still make now
    int64_t at_ms;                  //  when tokens was last brought up to date
} s_bucket_t;

struct _hub_http_auth_t {
    char *path;                     //  the tokens file, or NULL (development mode)
    hub_registry_t *registry;       //  borrowed; NULL in development mode
    zhashx_t *tokens;               //  id -> hub_token_entry_t *, as last read
    struct stat seen;               //  the file when last read (or st_ino 0: none)
    hub_token_entry_t dev;          //  the development token, when dev.id is set
    zhashx_t *buckets;              //  token id -> s_bucket_t *
    double rate;                    //  per second
    pthread_mutex_t lock;
};

static void
s_free_item (void **item)
{
    free (*item);
    *item = NULL;
}

//  Reads the tokens file again if it changed (another inode after the
//  CLI's rename, or another size or mtime). A missing file holds no tokens;
//  a line that does not parse is logged and skipped. Under the lock.
static void
s_refresh (hub_http_auth_t *self)
{
    struct stat st;
    if (stat (self->path, &st) != 0)
        memset (&st, 0, sizeof st);
    if (st.st_ino == self->seen.st_ino && st.st_dev == self->seen.st_dev
    &&  st.st_size == self->seen.st_size && st.st_mtim.tv_sec == self->seen.st_mtim.tv_sec
    &&  st.st_mtim.tv_nsec == self->seen.st_mtim.tv_nsec)
        return;
    self->seen = st;
    zhashx_purge (self->tokens);
    FILE *file = st.st_ino? fopen (self->path, "r"): NULL;
    if (!file)
        return;
    char line [512];
    unsigned number = 0, loaded = 0;
    while (fgets (line, sizeof line, file)) {
        number++;
        line [strcspn (line, "\n")] = 0;
        hub_token_entry_t entry;
        int rc = hub_token_parse_line (line, &entry);
        if (rc < 0)
            zsys_error ("http: %s line %u is not a token entry; skipped", self->path, number);
        if (rc != 0)
            continue;
        hub_token_entry_t *copy = malloc (sizeof *copy);
        if (copy) {
            *copy = entry;
            if (zhashx_insert (self->tokens, copy->id, copy) != 0)
                free (copy);
            else
                loaded++;
        }
    }
    fclose (file);
    zsys_info ("http: tokens read from %s: %u", self->path, loaded);
}

hub_http_auth_t *
hub_http_auth_new (const char *auth_dir, hub_registry_t *registry, const char *dev_agency,
                   double rate, char *dev_token, char *err, size_t errsize)
{
    if (sodium_init () < 0) {
        snprintf (err, errsize, "libsodium cannot start");
        return NULL;
    }
    hub_http_auth_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    self->registry = registry;
    self->rate = rate > 0? rate: 50;
    self->tokens = zhashx_new ();
    self->buckets = zhashx_new ();
    zhashx_set_destructor (self->tokens, s_free_item);
    zhashx_set_destructor (self->buckets, s_free_item);
    if (auth_dir) {
        self->path = zsys_sprintf ("%s/tokens", auth_dir);
        s_refresh (self);
    }
    else {
        uint8_t id [HUB_TOKEN_ID_BYTES], secret [HUB_TOKEN_SECRET_BYTES];
        randombytes_buf (id, sizeof id);
        randombytes_buf (secret, sizeof secret);
        hub_token_make (id, secret, dev_token, &self->dev);
        snprintf (self->dev.org_id, sizeof self->dev.org_id, "%s", dev_agency);
        snprintf (self->dev.name, sizeof self->dev.name, "development token");
    }
    return self;
}

void
hub_http_auth_destroy (hub_http_auth_t **self_p)
{
    hub_http_auth_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->tokens);
    zhashx_destroy (&self->buckets);
    zstr_free (&self->path);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

//  Takes one request from the token's bucket; 0, or the seconds to wait.
static unsigned
s_take (hub_http_auth_t *self, const char *id)
{
    int64_t now = zclock_mono ();
    double burst = 2 * self->rate;
    s_bucket_t *bucket = zhashx_lookup (self->buckets, id);
    if (!bucket) {
        bucket = calloc (1, sizeof *bucket);
        if (!bucket)
            return 1;
        bucket->tokens = burst;
        bucket->at_ms = now;
        zhashx_insert (self->buckets, id, bucket);
    }
    bucket->tokens += (double) (now - bucket->at_ms) * self->rate / 1000.0;
    if (bucket->tokens > burst)
        bucket->tokens = burst;
    bucket->at_ms = now;
    if (bucket->tokens >= 1) {
        bucket->tokens -= 1;
        return 0;
    }
    unsigned wait = (unsigned) ((1 - bucket->tokens) / self->rate + 0.999);
    return wait? wait: 1;
}

//  Finds the entry of a well-formed token and checks its secret. Under the lock.
static const hub_token_entry_t *
s_find (hub_http_auth_t *self, const char *token, const char *id)
{
    const hub_token_entry_t *entry = NULL;
    if (*self->dev.id)
        entry = streq (self->dev.id, id)? &self->dev: NULL;
    else {
        s_refresh (self);
        entry = zhashx_lookup (self->tokens, id);
    }
    return entry && hub_token_matches (token, entry)? entry: NULL;
}

unsigned
hub_http_auth_check (hub_http_auth_t *self, const char *authorization,
                     hub_http_identity_t *who, unsigned *retry_after_s,
                     char *why, size_t whysize)
{
    memset (who, 0, sizeof *who);
    if (!authorization || strncasecmp (authorization, "Bearer ", 7) != 0) {
        snprintf (why, whysize, "this request carries no token: send the header "
                  "\"Authorization: Bearer TOKEN\" with a token from `cyclehub tokens new`");
        return 401;
    }
    const char *token = authorization + 7;
    while (*token == ' ')
        token++;
    char id [HUB_TOKEN_ID_LEN + 1];
    if (hub_token_id (token, id)) {
        snprintf (why, whysize, "the bearer token is not a cyclehub token "
                  "(chub_ followed by its id and secret); copy it as `cyclehub tokens new` printed it");
        return 401;
    }
    pthread_mutex_lock (&self->lock);
    const hub_token_entry_t *entry = s_find (self, token, id);
    if (entry) {
        snprintf (who->agency, sizeof who->agency, "%s", entry->org_id);
        snprintf (who->token_id, sizeof who->token_id, "%s", entry->id);
        who->read_only = entry->read_only;
    }
    pthread_mutex_unlock (&self->lock);
    if (!entry) {
        snprintf (why, whysize, "token %s is unknown or revoked; ask the hub operator for a "
                  "new one (cyclehub tokens new ORG-ID)", id);
        return 401;
    }
    if (!self->registry)
        who->roles = HUB_ROLES_ALL_DEV;
    else
    if (hub_registry_agency (self->registry, who->agency, &who->roles,
                             who->name, sizeof who->name)) {
        snprintf (why, whysize, "token %s belongs to %s, which is not in the agency registry "
                  "(agencies.cfg) any more", id, who->agency);
        return 401;
    }
    pthread_mutex_lock (&self->lock);
    *retry_after_s = s_take (self, who->token_id);
    pthread_mutex_unlock (&self->lock);
    if (*retry_after_s) {
        snprintf (why, whysize, "token %s made more than %.0f requests a second; retry in %u s",
                  id, self->rate, *retry_after_s);
        return 429;
    }
    return 0;
}
