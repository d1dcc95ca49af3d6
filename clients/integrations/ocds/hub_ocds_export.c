/*  hub_ocds_export: a hub's history as an OCDS package (hub_ocds_export.h).
    Reads the whole history (a release needs its commission's earlier
    events), converts it, filters by --since on the package text (so
    amounts stay exactly as the converter wrote them) and writes it.
*/
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <jansson.h>
#include "hub_ocds_export.h"
#include "hub_access.h"
#include "hub_validate.h"
#include "hub_time.h"

int
hub_ocds_read_agencies (hub_ocds_t *ocds, const char *path, char *err, size_t size)
{
    zconfig_t *root = zconfig_load (path);
    if (!root) {
        snprintf (err, size, "cannot read %s: it must be an agencies.cfg (czmq zconfig)", path);
        return -1;
    }
    int count = 0;
    zconfig_t *agencies = zconfig_locate (root, "agency");
    for (zconfig_t *entry = agencies? zconfig_child (agencies): NULL;
         entry && count >= 0; entry = zconfig_next (entry)) {
        const char *org_id = zconfig_name (entry);
        const char *name = zconfig_get (entry, "name", "");
        unsigned roles = 0;
        if (!hub_validate_org_id (org_id)) {
            snprintf (err, size, "%s: agency %.60s: not an org-id (SCHEME-id, e.g. "
                      "GB-LAE-E09000033)", path, org_id);
            count = -1;
        }
        else
        if (hub_access_parse_roles (zconfig_get (entry, "roles", "observer"), &roles)) {
            snprintf (err, size, "%s: agency %s: roles must list commissioner, partner, "
                      "provider or observer", path, org_id);
            count = -1;
        }
        else
        if (*name && hub_ocds_agency (ocds, org_id, name, roles & HUB_ROLE_COMMISSIONER) == 0)
            count++;
    }
    zconfig_destroy (&root);
    return count;
}

//  Feeds every event of the query's history to ocds. Returns a hub_integ_rc_t.
static int
s_feed (const hub_ocds_export_config_t *config, hub_client_t *client,
        Cyclehub__V1__HistoryQuery *query, hub_ocds_t *ocds, uint64_t *events)
{
    int rc = HUB_INTEG_OK;
    query->limit = 1000;
    while (rc == HUB_INTEG_OK) {
        Cyclehub__V1__Reply *reply = NULL;
        hub_result_t result;
        int lib_rc = hub_client_history (client, query, &reply, &result);
        if (lib_rc != HUB_OK)
            return hub_integ_fail (lib_rc, &result, "export");
        Cyclehub__V1__HistoryPage *page = reply->page;
        for (size_t i = 0; i < page->n_events && rc == HUB_INTEG_OK; i++) {
            if (hub_ocds_add_packed (ocds, page->events [i].data, page->events [i].len)) {
                fprintf (stderr, "cyclehub: export: cannot convert to OCDS: %s\n",
                         hub_ocds_error (ocds));
                rc = HUB_INTEG_FAILED;
            }
            (*events)++;
        }
        if (config->verbose)
            fprintf (stderr, "cyclehub: export: page of %zu events, next seq %" PRIu64 "\n",
                     page->n_events, page->next_seq);
        bool done = page->end || page->n_events == 0 || page->next_seq <= query->from_seq;
        query->from_seq = page->next_seq;
        cyclehub__v1__reply__free_unpacked (reply, NULL);
        if (done)
            break;
    }
    return rc;
}

//  Skips the JSON value (object, array, string or scalar) that starts at p,
//  in text as jansson writes it. Returns the position after it.
static const char *
s_skip_value (const char *p)
{
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p [1])
                p++;
        return *p? p + 1: p;
    }
    if (*p != '{' && *p != '[') {
        while (*p && !strchr (",}] \n", *p))
            p++;
        return p;
    }
    int depth = 0;
    for (; *p; p++) {
        if (*p == '"') {
            p = s_skip_value (p) - 1;
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        else
        if ((*p == '}' || *p == ']') && --depth == 0)
            return p + 1;
    }
    return p;
}

static const char *
s_skip_space (const char *p)
{
    while (*p == ' ' || *p == '\n')
        p++;
    return p;
}

//  The opening bracket of the package's top-level "releases" array, or NULL.
static const char *
s_releases (const char *package)
{
    const char *p = strchr (package, '{');
    if (!p)
        return NULL;
    p = s_skip_space (p + 1);
    while (*p == '"') {
        const char *key = p;
        p = s_skip_space (s_skip_value (p));
        if (*p != ':')
            return NULL;
        p = s_skip_space (p + 1);
        if (strncmp (key, "\"releases\"", 10) == 0 && *p == '[')
            return p;
        p = s_skip_space (s_skip_value (p));
        if (*p == ',')
            p = s_skip_space (p + 1);
    }
    return NULL;
}

//  Keeps in a release package only the releases dated at or after
//  since_ms. Works on the text, so that amounts stay exactly as the
//  converter wrote them (a JSON library would read them as doubles), and
//  keeps jansson's layout. Returns a new text (caller frees) and the count
//  kept, or NULL.
static char *
s_since (const char *package, int64_t since_ms, size_t *kept)
{
    const char *open = s_releases (package);
    if (!open)
        return NULL;
    char *out = malloc (strlen (package) + 1);
    if (!out)
        return NULL;
    size_t len = (size_t) (open + 1 - package);
    memcpy (out, package, len);
    //  what jansson wrote before each element: "" or "\n" and an indent
    const char *first = s_skip_space (open + 1);
    size_t indent = (size_t) (first - (open + 1));
    const char *p = first;
    *kept = 0;
    while (*p == '{') {
        const char *end = s_skip_value (p);
        json_t *release = json_loadb (p, (size_t) (end - p), 0, NULL);
        int64_t date_ms = 0;
        const char *date = json_string_value (json_object_get (release, "date"));
        bool keep = date && hub_time_parse (date, &date_ms, NULL, 0) == 0 && date_ms >= since_ms;
        json_decref (release);
        if (keep) {
            if (*kept)
                out [len++] = ',';
            memcpy (out + len, open + 1, indent);
            len += indent;
            memcpy (out + len, p, (size_t) (end - p));
            len += (size_t) (end - p);
            (*kept)++;
        }
        p = s_skip_space (end);
        if (*p == ',')
            p = s_skip_space (p + 1);
    }
    //  the closing bracket, with the indent before it as written; with
    //  none kept, "[]" as jansson writes an empty array
    const char *close = p;
    if (*kept)
        while (close > open && (close [-1] == ' ' || close [-1] == '\n'))
            close--;
    memcpy (out + len, close, strlen (close) + 1);
    return out;
}

//  Writes text to path atomically: a temporary file in the same
//  directory, fsynced, then renamed over path. Returns 0, or -1.
static int
s_write_atomic (const char *path, const char *text)
{
    char *tmp = zsys_sprintf ("%s.XXXXXX", path);
    if (!tmp)
        return -1;
    int fd = mkstemp (tmp);
    int rc = -1;
    if (fd >= 0) {
        size_t len = strlen (text);
        bool ok = fchmod (fd, 0644) == 0 && write (fd, text, len) == (ssize_t) len
               && fsync (fd) == 0;
        ok = close (fd) == 0 && ok;
        if (ok && rename (tmp, path) == 0)
            rc = 0;
        else
            unlink (tmp);
    }
    if (rc)
        fprintf (stderr, "cyclehub: export: cannot write %s: %s\n", path, strerror (errno));
    free (tmp);
    return rc;
}


//  Checks the configuration. Returns 0, or -1 (said why).
static int
s_check_config (const hub_ocds_export_config_t *config)
{
    if (!config->commission == !config->all) {
        fprintf (stderr, "cyclehub: export: give either --commission ID or --all\n");
        return -1;
    }
    if (config->since_given && config->ocds.record) {
        fprintf (stderr, "cyclehub: export: --since applies to release packages only "
                 "(a record holds its whole history)\n");
        return -1;
    }
    return 0;
}

//  Reads the history into ocds: an unknown commission is an error, not an
//  empty package. Returns a hub_integ_rc_t.
static int
s_read (const hub_ocds_export_config_t *config, hub_ocds_t *ocds, uint64_t *events)
{
    hub_connect_options_t hub = hub_integ_hub (&config->hub);
    hub_client_t *client = hub_client_new (&hub);
    if (!client) {
        fprintf (stderr, "cyclehub: export: no agency: give --agency or set CYCLEHUB_AGENCY\n");
        return HUB_INTEG_CONFIG;
    }
    int rc = HUB_INTEG_OK;
    if (config->commission) {
        Cyclehub__V1__Reply *reply = NULL;
        hub_result_t result;
        int lib_rc = hub_client_commission (client, config->commission, &reply, &result);
        if (lib_rc != HUB_OK)
            rc = hub_integ_fail (lib_rc, &result, "export");
        else
            cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    if (rc == HUB_INTEG_OK) {
        //  From the first event: the converter needs commission.opened and
        //  every award before a contract, so --since filters the releases
        Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        query.commission_id = (char *) config->commission;
        rc = s_feed (config, client, &query, ocds, events);
    }
    hub_client_destroy (&client);
    return rc;
}

//  Says on stderr what a reader of the package should know
static void
s_notes (const hub_ocds_export_config_t *config, hub_ocds_t *ocds, size_t releases,
         uint64_t events)
{
    if (releases == 0)
        fprintf (stderr, "cyclehub: export: %s%s has no release%s: the package has no "
                 "%s (OCDS asks for at least one; do not publish it)\n",
                 config->commission? "commission ": "",
                 config->commission? config->commission: "the hub",
                 config->since_given? " since the given time": "",
                 config->ocds.record? "records": "releases");
    else
    if (config->verbose)
        fprintf (stderr, "cyclehub: export: %" PRIu64 " events, %zu releases\n", events, releases);
    size_t n = 0;
    while (hub_ocds_unnamed (ocds, n))
        n++;
    if (n)
        fprintf (stderr, "cyclehub: export: note: %zu part%s (first %s)%s\n",
                 n, n == 1? "y has no name": "ies have no name", hub_ocds_unnamed (ocds, 0),
                 config->agencies_file? ": add them to the agencies file"
                                      : ": give --agencies FILE to name them");
}

//  Writes text and a newline to the file or stdout. Returns a hub_integ_rc_t.
static int
s_output (const hub_ocds_export_config_t *config, const char *text)
{
    char *line = zsys_sprintf ("%s\n", text);
    int rc = HUB_INTEG_OK;
    if (!line)
        rc = HUB_INTEG_FAILED;
    else
    if (config->out_path)
        rc = s_write_atomic (config->out_path, line)? HUB_INTEG_FAILED: HUB_INTEG_OK;
    else
    if (fputs (line, stdout) == EOF || fflush (stdout) != 0) {
        fprintf (stderr, "cyclehub: export: cannot write stdout: %s\n", strerror (errno));
        rc = HUB_INTEG_FAILED;
    }
    free (line);
    return rc;
}

int
hub_ocds_export (const hub_ocds_export_config_t *config)
{
    if (s_check_config (config))
        return HUB_INTEG_CONFIG;
    hub_ocds_t *ocds = hub_ocds_new (&config->ocds);
    if (!ocds)
        return HUB_INTEG_FAILED;
    int rc = HUB_INTEG_OK;
    char err [512];
    if (config->agencies_file && hub_ocds_read_agencies (ocds, config->agencies_file, err, sizeof err) < 0) {
        fprintf (stderr, "cyclehub: export: %s\n", err);
        rc = HUB_INTEG_CONFIG;
    }
    uint64_t events = 0;
    if (rc == HUB_INTEG_OK)
        rc = s_read (config, ocds, &events);
    char *text = NULL;
    size_t releases = hub_ocds_release_count (ocds);
    if (rc == HUB_INTEG_OK) {
        text = hub_ocds_package (ocds, config->pretty? HUB_OCDS_PRETTY: 0);
        if (text && config->since_given) {
            char *kept = s_since (text, config->since_ms, &releases);
            free (text);
            text = kept;
        }
        if (!text) {
            fprintf (stderr, "cyclehub: export: cannot build the package (out of memory)\n");
            rc = HUB_INTEG_FAILED;
        }
    }
    if (rc == HUB_INTEG_OK) {
        s_notes (config, ocds, releases, events);
        rc = s_output (config, text);
    }
    free (text);
    hub_ocds_destroy (&ocds);
    return rc;
}
