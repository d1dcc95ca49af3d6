/*  cli_export: `cyclehub export ocds`. Pages through the stored history of
    one commission (or of all), feeds it to the OCDS converter (hub_ocds)
    and writes one release or record package, to stdout or atomically to a
    file. The same history always exports to the same bytes.
*/
#include "cli.h"
#include "hub_ocds.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

static void
s_export_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [GLOBAL FLAGS] export ocds (--commission ID | --all) [FLAGS]\n"
        "Writes the procurement history as one OCDS 1.1 release package (or record package):\n"
        "one release per procurement event, id \"<ocid>-<seq>\", the ocid being the commission.\n"
        "\n"
        "  --commission ID        this commission's history\n"
        "  --all                  every commission, in one package\n"
        "  --since TIME           only releases of events recorded at or after TIME\n"
        "                         (RFC 3339, now, now-7d ...); release packages only\n"
        "  --record               a record package (releases and a compiledRelease per ocid)\n"
        "  --out FILE             write FILE (atomically: a temporary file, then rename)\n"
        "                         instead of stdout\n"
        "  --publisher-name NAME  publisher.name (default cyclehub)\n"
        "  --publisher-uri URI    publisher.uri\n"
        "  --uri URI              the package uri (default urn:cyclehub:ocds:<ocid>)\n"
        "  --pretty               indented JSON\n"
        "A commission with no procurement gives a package with no releases, and a note on\n"
        "stderr (OCDS asks for at least one release: such a package is not for publishing).\n"
        "Exit status: 0 done, 1 rejected (e.g. unknown commission), 2 usage,\n"
        "3 broker unreachable, 4 other failure (an event the converter cannot map, a file).\n");
}

//  Feeds every event of the query's history to ocds. Returns an exit code.
static int
s_feed (cli_t *cli, hub_client_t *client, Cyclehub__V1__HistoryQuery *query, hub_ocds_t *ocds,
        uint64_t *events)
{
    int rc = CLI_OK;
    query->limit = 1000;
    while (rc == CLI_OK) {
        Cyclehub__V1__Reply *reply = NULL;
        hub_result_t result;
        int lib_rc = hub_client_history (client, query, &reply, &result);
        if (lib_rc != HUB_OK)
            return cli_fail (lib_rc, &result, "export");
        Cyclehub__V1__HistoryPage *page = reply->page;
        for (size_t i = 0; i < page->n_events && rc == CLI_OK; i++) {
            if (hub_ocds_add_packed (ocds, page->events [i].data, page->events [i].len)) {
                fprintf (stderr, "cyclehub: export: cannot convert to OCDS: %s\n",
                         hub_ocds_error (ocds));
                rc = CLI_FAILED;
            }
            (*events)++;
        }
        if (cli->verbose)
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

static int
s_ocds (cli_t *cli, int argc, char **argv)
{
    const char *commission = NULL, *out_path = NULL;
    bool all = false, pretty = false, since_given = false;
    int64_t since_ms = 0;
    hub_ocds_options_t options = { 0 };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv [i];
        const char *value = i + 1 < argc? argv [i + 1]: NULL;
        if (streq (arg, "--help") || streq (arg, "-h")) {
            s_export_usage (stdout);
            return CLI_OK;
        }
        if (streq (arg, "--all") || streq (arg, "--record") || streq (arg, "--pretty")) {
            all |= streq (arg, "--all");
            options.record |= streq (arg, "--record");
            pretty |= streq (arg, "--pretty");
            continue;
        }
        bool ok = true;
        if (!value)
            ok = false;
        else
        if (streq (arg, "--commission"))
            ok = *(commission = value) != 0;
        else
        if (streq (arg, "--since"))
            ok = since_given = hub_time_parse_arg (value, zclock_time (), &since_ms, NULL, 0) == 0;
        else
        if (streq (arg, "--out"))
            ok = *(out_path = value) != 0;
        else
        if (streq (arg, "--publisher-name"))
            ok = *(options.publisher_name = value) != 0;
        else
        if (streq (arg, "--publisher-uri"))
            ok = *(options.publisher_uri = value) != 0;
        else
        if (streq (arg, "--uri"))
            ok = *(options.uri = value) != 0;
        else
            ok = false;
        if (!ok) {
            fprintf (stderr, "cyclehub: export: bad flag or value: %s%s%s\n"
                     "Try 'cyclehub export ocds --help'.\n", arg, value? " ": "", value? value: "");
            return CLI_USAGE;
        }
        i++;
    }
    if (!commission == !all) {
        fprintf (stderr, "cyclehub: export: give either --commission ID or --all\n"
                 "Try 'cyclehub export ocds --help'.\n");
        return CLI_USAGE;
    }
    if (since_given && options.record) {
        fprintf (stderr, "cyclehub: export: --since applies to release packages only "
                 "(a record holds its whole history)\n");
        return CLI_USAGE;
    }
    hub_client_t *client = hub_client_new (&cli->options);
    if (!client) {
        fprintf (stderr, "cyclehub: export: no agency: give --agency or set CYCLEHUB_AGENCY\n");
        return CLI_USAGE;
    }
    int rc = CLI_OK;
    //  An unknown commission is an error, not an empty package
    if (commission) {
        Cyclehub__V1__Reply *reply = NULL;
        hub_result_t result;
        int lib_rc = hub_client_commission (client, commission, &reply, &result);
        if (lib_rc != HUB_OK)
            rc = cli_fail (lib_rc, &result, "export");
        else
            cyclehub__v1__reply__free_unpacked (reply, NULL);
    }
    hub_ocds_t *ocds = rc == CLI_OK? hub_ocds_new (&options): NULL;
    if (rc == CLI_OK && !ocds)
        rc = CLI_FAILED;
    uint64_t events = 0;
    if (rc == CLI_OK) {
        //  From the first event: the converter needs commission.opened and
        //  every award before a contract, so --since filters the releases
        Cyclehub__V1__HistoryQuery query = CYCLEHUB__V1__HISTORY_QUERY__INIT;
        query.commission_id = (char *) commission;
        rc = s_feed (cli, client, &query, ocds, &events);
    }
    hub_client_destroy (&client);
    char *text = NULL;
    size_t releases = ocds? hub_ocds_release_count (ocds): 0;
    if (rc == CLI_OK) {
        text = hub_ocds_package (ocds, pretty? HUB_OCDS_PRETTY: 0);
        if (text && since_given) {
            char *kept = s_since (text, since_ms, &releases);
            free (text);
            text = kept;
        }
        if (!text) {
            fprintf (stderr, "cyclehub: export: cannot build the package (out of memory)\n");
            rc = CLI_FAILED;
        }
    }
    hub_ocds_destroy (&ocds);
    if (rc == CLI_OK) {
        if (releases == 0)
            fprintf (stderr, "cyclehub: export: %s%s has no procurement%s: the package has no "
                     "%s (OCDS asks for at least one; do not publish it)\n",
                     commission? "commission ": "", commission? commission: "the hub",
                     since_given? " since the given time": "",
                     options.record? "records": "releases");
        else
        if (cli->verbose)
            fprintf (stderr, "cyclehub: export: %" PRIu64 " events, %zu releases\n",
                     events, releases);
        char *line = zsys_sprintf ("%s\n", text);
        if (!line)
            rc = CLI_FAILED;
        else
        if (out_path)
            rc = s_write_atomic (out_path, line)? CLI_FAILED: CLI_OK;
        else
        if (fputs (line, stdout) == EOF || fflush (stdout) != 0) {
            fprintf (stderr, "cyclehub: export: cannot write stdout: %s\n", strerror (errno));
            rc = CLI_FAILED;
        }
        free (line);
    }
    free (text);
    return rc;
}

int
cli_export (cli_t *cli, int argc, char **argv)
{
    if (argc >= 2 && streq (argv [1], "ocds"))
        return s_ocds (cli, argc - 1, argv + 1);
    bool help = argc >= 2 && (streq (argv [1], "--help") || streq (argv [1], "-h"));
    if (!help)
        fprintf (stderr, "cyclehub: export: unknown or missing format '%s'\n",
                 argc >= 2? argv [1]: "");
    s_export_usage (help? stdout: stderr);
    return help? CLI_OK: CLI_USAGE;
}
