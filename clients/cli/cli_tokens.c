/*  cli_tokens: `cyclehub tokens new|list|revoke`, the HTTP API's bearer
    tokens in AUTH_DIR/tokens (the format is broker/domain/hub_token.h).
    The token itself is printed once and never stored: the file keeps its
    hash. The file is rewritten whole each time, as a new file (0600,
    O_EXCL) renamed over the old one under a lock, so the broker, which
    reads it again when it changes, never sees half of it.
*/
#include "cli.h"
#include "hub_token.h"
#include "hub_validate.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub tokens new ORG-ID [--name NAME] [--read-only] --auth DIR\n"
        "       cyclehub tokens list --auth DIR\n"
        "       cyclehub tokens revoke ID --auth DIR\n"
        "Bearer tokens of the HTTP API (docs/http.md), kept in DIR/tokens beside the\n"
        "agency registry DIR/agencies.cfg (the broker's --auth DIR).\n"
        "  new      makes a token for ORG-ID (an agency of agencies.cfg) and prints it\n"
        "           once on stdout; only its hash is stored. --read-only: the token\n"
        "           reads and never publishes. --name: a note, e.g. the system using it\n"
        "  list     prints each token's id, agency, access (rw or ro), creation time and\n"
        "           name (never the token)\n"
        "  revoke   removes the token with that id: the broker refuses it from its\n"
        "           next request on\n"
        "Exit status: 0 done, 2 usage (or no such token), 4 the file could not be written.\n");
}

typedef struct {
    hub_token_entry_t *entries;
    size_t count;
} s_tokens_t;

//  Reads DIR/tokens (missing: none). Returns 0 or -1 (said why).
static int
s_load (const char *path, s_tokens_t *tokens)
{
    tokens->entries = NULL;
    tokens->count = 0;
    FILE *file = fopen (path, "r");
    if (!file)
        return errno == ENOENT? 0: (fprintf (stderr, "cyclehub: tokens: cannot read %s: %s\n",
                                             path, strerror (errno)), -1);
    char line [512];
    unsigned number = 0;
    while (fgets (line, sizeof line, file)) {
        number++;
        line [strcspn (line, "\n")] = 0;
        hub_token_entry_t entry;
        int rc = hub_token_parse_line (line, &entry);
        if (rc < 0)
            fprintf (stderr, "cyclehub: tokens: %s line %u is not a token entry; dropped\n",
                     path, number);
        if (rc != 0)
            continue;
        hub_token_entry_t *grown = realloc (tokens->entries, (tokens->count + 1) * sizeof *grown);
        if (!grown)
            break;
        tokens->entries = grown;
        tokens->entries [tokens->count++] = entry;
    }
    fclose (file);
    return 0;
}

//  Writes the tokens as a new file renamed over path. 0 or -1 (said why).
static int
s_save (const char *path, const s_tokens_t *tokens)
{
    char tmp [PATH_MAX];
    snprintf (tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp (tmp);         //  O_EXCL, mode 0600
    FILE *file = fd >= 0? fdopen (fd, "w"): NULL;
    bool ok = file != NULL
           && fputs ("# cyclehub HTTP tokens: id org-id access hash created name "
                     "(cyclehub tokens --help)\n", file) >= 0;
    for (size_t i = 0; ok && i < tokens->count; i++) {
        char line [512];
        ok = hub_token_format_line (&tokens->entries [i], line, sizeof line) > 0
          && fputs (line, file) >= 0;
    }
    ok = ok && fflush (file) == 0 && fsync (fileno (file)) == 0;
    if (file)
        ok = fclose (file) == 0 && ok;
    else
    if (fd >= 0)
        close (fd);
    if (ok && rename (tmp, path) == 0)
        return 0;
    fprintf (stderr, "cyclehub: tokens: cannot write %s: %s\n", path, strerror (errno));
    unlink (tmp);
    return -1;
}

//  Is org_id an agency of DIR/agencies.cfg?
static bool
s_registered (const char *dir, const char *org_id)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/agencies.cfg", dir);
    zconfig_t *root = zconfig_load (path);
    zconfig_t *agencies = root? zconfig_locate (root, "agency"): NULL;
    bool found = false;
    for (zconfig_t *entry = agencies? zconfig_child (agencies): NULL; entry && !found;
         entry = zconfig_next (entry))
        found = streq (zconfig_name (entry), org_id);
    zconfig_destroy (&root);
    return found;
}

static int
s_new (const char *dir, const char *org_id, const char *name, bool read_only, s_tokens_t *tokens)
{
    if (!hub_validate_org_id (org_id)) {
        fprintf (stderr, "cyclehub: tokens new: '%s' is not an org-id of a known scheme "
                 "(e.g. GB-LAE-E09000033)\n", org_id);
        return CLI_USAGE;
    }
    if (!s_registered (dir, org_id)) {
        fprintf (stderr, "cyclehub: tokens new: %s is not an agency of %s/agencies.cfg; the "
                 "broker accepts tokens of registered agencies only\n", org_id, dir);
        return CLI_USAGE;
    }
    if (!hub_token_name_ok (name)) {
        fprintf (stderr, "cyclehub: tokens new: --name takes up to %d bytes of text on one line\n",
                 HUB_TOKEN_NAME_MAX);
        return CLI_USAGE;
    }
    uint8_t id [HUB_TOKEN_ID_BYTES], secret [HUB_TOKEN_SECRET_BYTES];
    randombytes_buf (id, sizeof id);
    randombytes_buf (secret, sizeof secret);
    char token [HUB_TOKEN_LEN + 1];
    hub_token_entry_t entry = { .read_only = read_only };
    hub_token_make (id, secret, token, &entry);
    sodium_memzero (secret, sizeof secret);
    snprintf (entry.org_id, sizeof entry.org_id, "%s", org_id);
    snprintf (entry.name, sizeof entry.name, "%s", name);
    hub_time_format (zclock_time (), entry.created, sizeof entry.created);
    hub_token_entry_t *grown = realloc (tokens->entries, (tokens->count + 1) * sizeof *grown);
    if (!grown)
        return CLI_FAILED;
    tokens->entries = grown;
    tokens->entries [tokens->count++] = entry;
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/tokens", dir);
    if (s_save (path, tokens))
        return CLI_FAILED;
    printf ("%s\n", token);
    sodium_memzero (token, sizeof token);
    fprintf (stderr, "cyclehub: token %s for %s (%s) made; it is printed only now: keep it "
             "secret, revoke it with: cyclehub tokens revoke %s --auth %s\n", entry.id, org_id,
             read_only? "read-only": "read and publish", entry.id, dir);
    return CLI_OK;
}

static int
s_revoke (const char *dir, const char *id, s_tokens_t *tokens)
{
    size_t kept = 0;
    for (size_t i = 0; i < tokens->count; i++)
        if (!streq (tokens->entries [i].id, id))
            tokens->entries [kept++] = tokens->entries [i];
    if (kept == tokens->count) {
        fprintf (stderr, "cyclehub: tokens revoke: there is no token %s in %s/tokens "
                 "(cyclehub tokens list --auth %s)\n", id, dir, dir);
        return CLI_USAGE;
    }
    tokens->count = kept;
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/tokens", dir);
    if (s_save (path, tokens))
        return CLI_FAILED;
    fprintf (stderr, "cyclehub: token %s revoked\n", id);
    return CLI_OK;
}

//  Runs one verb with the tokens file locked (two runs at once must not
//  lose each other's change).
static int
s_run (const char *verb, const char *dir, const char *arg, const char *name, bool read_only)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/tokens.lock", dir);
    int lock = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (lock < 0 || flock (lock, LOCK_EX) != 0) {
        fprintf (stderr, "cyclehub: tokens: cannot lock %s: %s\n", path, strerror (errno));
        if (lock >= 0)
            close (lock);
        return CLI_FAILED;
    }
    snprintf (path, sizeof path, "%s/tokens", dir);
    s_tokens_t tokens;
    int rc = s_load (path, &tokens)? CLI_FAILED: CLI_OK;
    if (rc == CLI_OK && streq (verb, "new"))
        rc = s_new (dir, arg, name, read_only, &tokens);
    else
    if (rc == CLI_OK && streq (verb, "revoke"))
        rc = s_revoke (dir, arg, &tokens);
    else
    if (rc == CLI_OK)
        for (size_t i = 0; i < tokens.count; i++) {
            const hub_token_entry_t *entry = &tokens.entries [i];
            printf ("%s %s %s %s %s\n", entry->id, entry->org_id, entry->read_only? "ro": "rw",
                    entry->created, entry->name);
        }
    free (tokens.entries);
    close (lock);
    return rc;
}

int
cli_tokens (int argc, char **argv)
{
    const char *verb = argc > 1? argv [1]: NULL, *arg = NULL, *dir = NULL, *name = "";
    bool read_only = false;
    for (int i = 1; i < argc; i++)
        if (streq (argv [i], "--help") || streq (argv [i], "-h")) {
            s_usage (stdout);
            return CLI_OK;
        }
    for (int i = 2; i < argc; i++) {
        if (streq (argv [i], "--auth") && i + 1 < argc)
            dir = argv [++i];
        else
        if (streq (argv [i], "--name") && i + 1 < argc)
            name = argv [++i];
        else
        if (streq (argv [i], "--read-only"))
            read_only = true;
        else
        if (argv [i][0] != '-' && !arg)
            arg = argv [i];
        else {
            fprintf (stderr, "cyclehub: tokens: unexpected argument '%s'\n", argv [i]);
            s_usage (stderr);
            return CLI_USAGE;
        }
    }
    bool takes_arg = verb && (streq (verb, "new") || streq (verb, "revoke"));
    if (!verb || !(takes_arg || streq (verb, "list")) || takes_arg != (arg != NULL) || !dir) {
        s_usage (stderr);
        return CLI_USAGE;
    }
    if (sodium_init () < 0)
        return CLI_FAILED;
    return s_run (verb, dir, arg, name, read_only);
}
