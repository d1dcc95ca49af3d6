/*  hub_settings: cyclehubd's flags and config file, one table (s_rows).
    To add a setting: a field in hub_broker_config_t (or hub_settings_t),
    its default in hub_broker_config_default, and one row below; then the
    row's key in docs/operations.md (test_config checks it is there).
*/
#include "hub_settings.h"
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>

typedef enum { S_DEFAULT, S_FILE, S_FLAG } s_origin_t;

struct _hub_settings_t {
    hub_broker_config_t broker;     //  what the broker actor reads
    const char *endpoints_file;     //  write the bound endpoints there once ready
    const char *config_file;        //  --config
    const char *backup_dir;         //  --backup: copy the store and exit
    bool check_config;              //  --check-config: check, print, exit
    bool help;                      //  --help
    zconfig_t *file;                //  the config file: owns the strings taken from it
    s_origin_t origin [64];         //  per row: where its value came from
    int line [64];                  //  per row from the file: its line (0: unknown)
};

typedef struct s_row_t s_row_t;

//  A kind of value: parses text into the field (0, or -1 with what the
//  value should be in err), and shows the field as text
typedef int (s_parse_fn) (const s_row_t *row, const char *text, void *field,
                          char *err, size_t errsize);
typedef void (s_show_fn) (const void *field, char *buf, size_t size);

typedef struct {
    s_parse_fn *parse;
    s_show_fn *show;
} s_kind_t;

struct s_row_t {
    const char *flag;               //  --flag on the command line
    const char *key;                //  key under 'cyclehubd' in the file; NULL: a command
    const char *arg;                //  the flag's value in --help (a unit); NULL: a switch
    const s_kind_t *kind;           //  how the value parses and shows
    size_t offset;                  //  the field, in hub_settings_t
    long long min, max;             //  numbers: the range
    const char *unset;              //  what an empty string or 0 means (0 then allowed)
    const char *help;               //  one sentence; --help adds the default and key
};

static s_parse_fn s_parse_string, s_parse_switch, s_parse_int, s_parse_unsigned,
                  s_parse_size, s_parse_mib, s_parse_rate, s_parse_duration;
static s_show_fn s_show_string, s_show_switch, s_show_int, s_show_unsigned,
                 s_show_size, s_show_mib, s_show_rate, s_show_duration;
static const s_kind_t
    s_string = { s_parse_string, s_show_string },
    s_switch = { s_parse_switch, s_show_switch },
    s_int = { s_parse_int, s_show_int },
    s_unsigned = { s_parse_unsigned, s_show_unsigned },
    s_size = { s_parse_size, s_show_size },
    s_mib = { s_parse_mib, s_show_mib },            //  size_t bytes, given in MiB
    s_rate = { s_parse_rate, s_show_rate },         //  double, given whole
    s_duration = { s_parse_duration, s_show_duration };

#define S_AT(field) offsetof (hub_settings_t, field)

static const s_row_t s_rows [] = {
    { "api", "api", "ENDPOINT", &s_string, S_AT (broker.api_endpoint), 0, 0, NULL,
      "the api ROUTER socket: publishes and queries" },
    { "events", "events", "ENDPOINT", &s_string, S_AT (broker.events_endpoint), 0, 0, NULL,
      "the events PUB socket" },
    { "store", "store", "DIR", &s_string, S_AT (broker.store_dir), 0, 0, NULL,
      "the LMDB store directory, created (mode 0700) if missing" },
    { "auth", "auth", "DIR", &s_string, S_AT (broker.auth_dir), 0, 0, "none",
      "CURVE mode: DIR holds broker.cert_secret (the broker's certificate) and "
      "agencies.cfg (the agency registry); see docs/operations.md" },
    { "plain", "plain", NULL, &s_switch, S_AT (broker.plain), 0, 0, NULL,
      "development mode without CURVE: agencies name themselves with a PLAIN "
      "username (their org-id); loopback only" },
    { "map-max", "map_max_mib", "MIB", &s_mib, S_AT (broker.store.map_size_max), 1, 1 << 26, NULL,
      "the largest the store may grow to; past it publishes are refused STORE_FULL" },
    { "nosync", "nosync", NULL, &s_switch, S_AT (broker.store.nosync), 0, 0, NULL,
      "do not fsync at commit: for benchmarks only, loses acknowledged messages on "
      "power loss" },
    { "sweep-interval", "sweep_interval", "MS", &s_int, S_AT (broker.sweep_ms), 10, 86400000, NULL,
      "how often the retention sweep erases the personal data of responses past "
      "their retention date" },
    { "retention-max-days", "retention_max_days", "DAYS", &s_unsigned,
      S_AT (broker.retention_max_days), 1, 36500, NULL,
      "the latest retention date a consultation response may carry, in days after it "
      "arrives; later ones are refused (7 years: 2557)" },
    { "clock-offset", "clock_offset", "DURATION", &s_duration, S_AT (broker.clock_offset_ms),
      0, 0, NULL,
      "tests and rehearsals only: run the broker's clock (the dates its rules check, "
      "events' recorded times) this far from the wall clock: [+|-]N with s, m, h or d, "
      "e.g. +12d to sign a contract after its award's standstill; the clock never goes "
      "back past a time already recorded" },
    { "reply-budget", "reply_budget", "MIB", &s_mib, S_AT (broker.reply_budget), 1, 4096, NULL,
      "unread reply bytes per api connection before its requests are refused OVERLOADED" },
    { "page-max", "page_max", "N", &s_unsigned, S_AT (broker.page_max), 100, 100000, NULL,
      "events per history page, at most (pages are also at most 4 MiB; a query that "
      "names no limit gets 1000)" },
    { "handshake-timeout", "handshake_timeout", "MS", &s_int, S_AT (broker.handshake_ms),
      100, 60000, NULL,
      "close a connection that has not finished its ZeroMQ handshake by then" },
    { "max-connections", "max_connections", "N", &s_size, S_AT (broker.max_connections),
      16, 10000000, "the descriptor limit less 256",
      "open connections on both sockets, at most" },
    { "events-hwm", "events_hwm", "N", &s_int, S_AT (broker.events_hwm), 100, 10000000, NULL,
      "events queued per subscriber that does not read, before it misses some" },
    { "subscribers-per-agency", "subscribers_per_agency", "N", &s_int,
      S_AT (broker.subscribers_per_agency), 1, 10000, NULL,
      "events connections with subscriptions, per agency" },
    { "subscriptions-max", "subscriptions_max", "N", &s_int, S_AT (broker.subs_max),
      1, 100000, NULL, "subscriptions per events connection" },
    { "endpoints-file", "endpoints_file", "FILE", &s_string, S_AT (endpoints_file),
      0, 0, "none",
      "write the bound endpoints (api, events, then the HTTP URL; one a line) to FILE "
      "once ready (useful with port 0 or '*')" },
    { "verbose", "verbose", NULL, &s_switch, S_AT (broker.verbose), 0, 0, NULL,
      "also log each connection's authentication and each batch (the D: lines)" },
    { "http", "http", "HOST:PORT", &s_string, S_AT (broker.http.endpoint), 0, 0, "off",
      "serve the HTTP API (docs/http.md) on HOST:PORT (also tcp://HOST:PORT); plain HTTP "
      "on loopback only" },
    { "http-cert", "http_cert", "FILE", &s_string, S_AT (broker.http.cert_file), 0, 0, "none",
      "TLS: the server's PEM certificate (chain), with --http-key; needed off loopback" },
    { "http-key", "http_key", "FILE", &s_string, S_AT (broker.http.key_file), 0, 0, "none",
      "TLS: the certificate's PEM private key" },
    { "http-dev-agency", "http_dev_agency", "ORG-ID", &s_string, S_AT (broker.http.dev_agency),
      0, 0, "GB-LAE-E09000033",
      "--plain: the agency of the development token printed at start" },
    { "http-rate", "http_rate", "N", &s_rate, S_AT (broker.http.rate), 1, 1000000, NULL,
      "HTTP requests a second per token, bursts of 2N" },
    { "http-connections", "http_connections", "N", &s_unsigned,
      S_AT (broker.http.connection_limit), 1, 10000, NULL, "HTTP connections at once" },
    { "http-idle-timeout", "http_idle_timeout", "S", &s_unsigned,
      S_AT (broker.http.idle_timeout_s), 1, 3600, NULL,
      "close an HTTP connection idle this many seconds" },
    { "http-body-max", "http_body_max", "BYTES", &s_size, S_AT (broker.http.body_max),
      1024, 64 * 1024 * 1024, NULL, "the largest HTTP request body" },
    { "http-public-ocds", "http_public_ocds", NULL, &s_switch, S_AT (broker.http.public_ocds),
      0, 0, NULL, "serve GET /v1/ocds/{commission} (open data, no personal data) without a "
      "token; every other path still needs one" },
    //  Commands: no key in the file
    { "config", NULL, "FILE", &s_string, S_AT (config_file), 0, 0, NULL,
      "read settings from a czmq zconfig file, section 'cyclehubd' (flags win); see "
      "docs/operations.md" },
    { "check-config", NULL, NULL, &s_switch, S_AT (check_config), 0, 0, NULL,
      "check the settings (the store directory, the auth and TLS files too), print the "
      "effective configuration with where each value came from, and exit (0: good, 2: not); "
      "binds nothing and never writes the store" },
    { "backup", NULL, "DIR", &s_string, S_AT (backup_dir), 0, 0, NULL,
      "copy the store at --store (live or not) into DIR and exit" },
    { "help", NULL, NULL, &s_switch, S_AT (help), 0, 0, NULL, "print this help and exit" },
};

#define S_ROWS (sizeof s_rows / sizeof s_rows [0])

//  ---------------------------------------------------------------------
//  The kinds of value

static int
s_parse_string (const s_row_t *row, const char *text, void *field, char *err, size_t errsize)
{
    if (!*text && !row->unset) {
        snprintf (err, errsize, "%s, not empty", row->arg);
        return -1;
    }
    *(const char **) field = *text? text: NULL;      //  "": not set
    return 0;
}

static void
s_show_string (const void *field, char *buf, size_t size)
{
    const char *value = *(const char *const *) field;
    snprintf (buf, size, "%s", value? value: "");
}

static int
s_parse_switch (const s_row_t *row, const char *text, void *field, char *err, size_t errsize)
{
    (void) row;
    static const char *on [] = { "1", "true", "yes", "on" }, *off [] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp (text, on [i]) == 0 || strcasecmp (text, off [i]) == 0) {
            *(bool *) field = strcasecmp (text, on [i]) == 0;
            return 0;
        }
    }
    snprintf (err, errsize, "1 or 0 (also true/false, yes/no, on/off)");
    return -1;
}

static void
s_show_switch (const void *field, char *buf, size_t size)
{
    snprintf (buf, size, "%d", *(const bool *) field? 1: 0);
}

//  A whole number in the row's range (0 too if the row says what 0 means)
static int
s_whole (const s_row_t *row, const char *text, long long *value, char *err, size_t errsize)
{
    char *end;
    errno = 0;
    long long n = strtoll (text, &end, 10);
    bool ok = *text && *end == 0 && !errno
           && ((n >= row->min && n <= row->max) || (n == 0 && row->unset));
    if (!ok) {
        snprintf (err, errsize, "%s, a whole number from %lld to %lld%s%s%s", row->arg,
                  row->min, row->max, row->unset? " (0: ": "", row->unset? row->unset: "",
                  row->unset? ")": "");
        return -1;
    }
    *value = n;
    return 0;
}

#define S_NUMBER(name, type, scale) \
static int \
s_parse_##name (const s_row_t *row, const char *text, void *field, char *err, size_t errsize) \
{ \
    long long n; \
    if (s_whole (row, text, &n, err, errsize)) \
        return -1; \
    *(type *) field = (type) n * (scale); \
    return 0; \
} \
static void \
s_show_##name (const void *field, char *buf, size_t size) \
{ \
    snprintf (buf, size, "%llu", (unsigned long long) (*(const type *) field / (scale))); \
}

S_NUMBER (unsigned, unsigned, 1)
S_NUMBER (size, size_t, 1)
S_NUMBER (mib, size_t, (size_t) 1 << 20)
S_NUMBER (rate, double, 1)

//  int may be below zero in principle; the rows' ranges are positive
static int
s_parse_int (const s_row_t *row, const char *text, void *field, char *err, size_t errsize)
{
    long long n;
    if (s_whole (row, text, &n, err, errsize))
        return -1;
    *(int *) field = (int) n;
    return 0;
}

static void
s_show_int (const void *field, char *buf, size_t size)
{
    snprintf (buf, size, "%d", *(const int *) field);
}

//  [+|-]N with s, m, h or d, into milliseconds; at most 100 years either
//  way: more is a typo, not a rehearsal
static int
s_parse_duration (const s_row_t *row, const char *text, void *field, char *err, size_t errsize)
{
    (void) row;
    char *end;
    errno = 0;
    long long n = strtoll (text, &end, 10);
    long long unit = end [0] == 's'? 1000: end [0] == 'm'? 60000
                   : end [0] == 'h'? 3600000: end [0] == 'd'? 86400000: 0;
    if (end == text || errno || !unit || end [1] || llabs (n) > 36500LL * 86400
    ||  llabs (n) * unit > 36500LL * 86400000) {
        snprintf (err, errsize, "[+|-]N with s, m, h or d (at most 100 years), e.g. +12d or -3h");
        return -1;
    }
    *(int64_t *) field = (int64_t) (n * unit);
    return 0;
}

static void
s_show_duration (const void *field, char *buf, size_t size)
{
    int64_t ms = *(const int64_t *) field;
    if (ms == 0) {
        snprintf (buf, size, "0s");
        return;
    }
    const char *unit = ms % 86400000 == 0? "d": ms % 3600000 == 0? "h": ms % 60000 == 0? "m": "s";
    int64_t per = *unit == 'd'? 86400000: *unit == 'h'? 3600000: *unit == 'm'? 60000: 1000;
    snprintf (buf, size, "%+lld%s", (long long) (ms / per), unit);
}

//  ---------------------------------------------------------------------
//  The config file

//  The line of the nth (from 0) `name` at depth (0: a section, 1: a key
//  in section 'cyclehubd'); 0 if not found. zconfig keeps no line numbers,
//  so read the file again: only for messages.
static int
s_line_of (const char *path, int depth, const char *name, int nth)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return 0;
    char text [1024];
    int number = 0, found = 0;
    bool inside = false;
    size_t len = strlen (name);
    while (fgets (text, sizeof text, file)) {
        number++;
        size_t indent = strspn (text, " ");
        if (indent == 0 && text [0] != '#' && text [0] != '\n')
            inside = strncmp (text, "cyclehubd", 9) == 0 && strchr (" \t=#\r\n", text [9]);
        if (indent != (size_t) depth * 4 || (depth && !inside))
            continue;
        const char *at = text + indent;
        if (strncmp (at, name, len) == 0 && strchr (" \t=#\r\n", at [len]) && found++ == nth) {
            fclose (file);
            return number;
        }
    }
    fclose (file);
    return 0;
}

//  Where the file is, for a message: "FILE:LINE" or "FILE"
static const char *
s_where (const char *path, int line, char *buf, size_t size)
{
    if (line)
        snprintf (buf, size, "%s:%d", path, line);
    else
        snprintf (buf, size, "%s", path);
    return buf;
}

static const s_row_t *
s_row_by_key (const char *key)
{
    for (size_t i = 0; i < S_ROWS; i++)
        if (s_rows [i].key && streq (s_rows [i].key, key))
            return &s_rows [i];
    return NULL;
}

//  "api, events, ...": every key, for a message naming the valid ones
static void
s_keys (char *buf, size_t size)
{
    size_t used = 0;
    buf [0] = 0;
    for (size_t i = 0; i < S_ROWS && used < size; i++)
        if (s_rows [i].key)
            used += snprintf (buf + used, size - used, "%s%s", used? ", ": "", s_rows [i].key);
}

//  Is the file's tree what the table knows? One section, 'cyclehubd', of
//  known keys, each with a value and given once; 0, or -1 said why
static int
s_file_shape (zconfig_t *root, const char *path)
{
    char where [PATH_MAX + 16], keys [1024];
    s_keys (keys, sizeof keys);
    int nth = 0;
    for (zconfig_t *section = zconfig_child (root); section; section = zconfig_next (section)) {
        const char *name = zconfig_name (section);
        if (!streq (name, "cyclehubd")) {
            fprintf (stderr, "cyclehubd: %s: unknown section '%s': the settings go in one "
                     "section, 'cyclehubd', each key indented 4 spaces under it (keys: %s)\n",
                     s_where (path, s_line_of (path, 0, name, 0), where, sizeof where), name, keys);
            return -1;
        }
        if (nth++) {
            fprintf (stderr, "cyclehubd: %s: section 'cyclehubd' given twice\n",
                     s_where (path, s_line_of (path, 0, name, 1), where, sizeof where));
            return -1;
        }
        for (zconfig_t *item = zconfig_child (section); item; item = zconfig_next (item)) {
            const char *key = zconfig_name (item);
            int seen = 0;
            for (zconfig_t *before = zconfig_child (section); before != item;
                 before = zconfig_next (before))
                seen += streq (zconfig_name (before), key);
            int line = s_line_of (path, 1, key, seen);
            s_where (path, line, where, sizeof where);
            if (!s_row_by_key (key)) {
                char spelt [128];           //  a flag's spelling: http-rate for http_rate
                snprintf (spelt, sizeof spelt, "%s", key);
                for (char *dash = strchr (spelt, '-'); dash; dash = strchr (dash, '-'))
                    *dash = '_';
                const s_row_t *like = s_row_by_key (spelt);
                fprintf (stderr, "cyclehubd: %s: unknown key '%s' in section cyclehubd%s%s%s; "
                         "the keys are: %s\n", where, key, like? " (did you mean '": "",
                         like? like->key: "", like? "'?)": "", keys);
                return -1;
            }
            if (zconfig_child (item) || seen) {
                fprintf (stderr, "cyclehubd: %s: key '%s' %s\n", where, key, seen
                         ? "given twice in section cyclehubd: keep one"
                         : "holds a section of its own: it takes a value, 'key = value'");
                return -1;
            }
        }
    }
    return 0;
}

//  Loads the file and applies its values; 0, or -1 said why on stderr
static int
s_load_file (hub_settings_t *self, const char *path)
{
    FILE *probe = fopen (path, "r");
    if (!probe) {
        fprintf (stderr, "cyclehubd: cannot read config file %s: %s\n", path, strerror (errno));
        return -1;
    }
    fclose (probe);
    //  zconfig says where the syntax fails on the log stream: on stderr too
    zsys_set_logstream (stderr);
    self->file = zconfig_load (path);
    zsys_set_logstream (stdout);
    if (!self->file) {
        fprintf (stderr, "cyclehubd: cannot read config file %s: not in czmq's zconfig format "
                 "(the line above says where)\n", path);
        return -1;
    }
    if (s_file_shape (self->file, path))
        return -1;
    zconfig_t *section = zconfig_locate (self->file, "cyclehubd");
    for (zconfig_t *item = section? zconfig_child (section): NULL; item; item = zconfig_next (item)) {
        const s_row_t *row = s_row_by_key (zconfig_name (item));
        size_t index = (size_t) (row - s_rows);
        const char *value = zconfig_value (item)? zconfig_value (item): "";
        char err [256], where [PATH_MAX + 16];
        self->line [index] = s_line_of (path, 1, row->key, 0);
        if (row->kind->parse (row, value, (char *) self + row->offset, err, sizeof err)) {
            fprintf (stderr, "cyclehubd: %s: %s takes %s (not '%s')\n",
                     s_where (path, self->line [index], where, sizeof where), row->key, err, value);
            return -1;
        }
        self->origin [index] = S_FILE;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  The command line

//  One flag's value into its field; 0, or -1 said why
static int
s_apply_flag (hub_settings_t *self, size_t index, const char *arg)
{
    const s_row_t *row = &s_rows [index];
    char err [256];
    if (row->kind->parse (row, arg? arg: "1", (char *) self + row->offset, err, sizeof err)) {
        fprintf (stderr, "cyclehubd: --%s takes %s (not '%s')\n", row->flag, err, arg);
        return -1;
    }
    self->origin [index] = S_FLAG;
    return 0;
}

int
hub_settings_parse (hub_settings_t *self, int argc, char *argv [], int *status)
{
    assert (S_ROWS <= sizeof self->origin / sizeof self->origin [0]);
    struct option options [S_ROWS + 1];
    for (size_t i = 0; i < S_ROWS; i++)
        options [i] = (struct option) { s_rows [i].flag,
                                        s_rows [i].arg? required_argument: no_argument,
                                        NULL, 256 + (int) i };
    options [S_ROWS] = (struct option) { 0, 0, 0, 0 };
    //  First every flag (a usage error or --help before anything is read),
    //  then the file, then the flags over it
    int *given = calloc ((size_t) argc + 1, sizeof (int));
    char **values = calloc ((size_t) argc + 1, sizeof (char *));
    int count = 0, opt, rc = 0;
    *status = 2;
    optind = 1;
    while (given && values && (opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        if (opt < 256) {
            fprintf (stderr, "Try 'cyclehubd --help'.\n");
            rc = -1;
            break;
        }
        given [count] = opt - 256;
        values [count++] = optarg;
        if (streq (s_rows [opt - 256].flag, "config"))
            self->config_file = optarg;
        if (streq (s_rows [opt - 256].flag, "help")) {
            hub_settings_usage (stdout);
            *status = 0;
            rc = -1;
            break;
        }
    }
    if (!given || !values)
        rc = -1;
    if (rc == 0 && optind < argc) {
        fprintf (stderr, "cyclehubd: unexpected argument '%s'\nTry 'cyclehubd --help'.\n",
                 argv [optind]);
        rc = -1;
    }
    if (rc == 0 && self->config_file)
        rc = s_load_file (self, self->config_file);
    for (int i = 0; rc == 0 && i < count; i++)
        rc = s_apply_flag (self, (size_t) given [i], values [i]);
    if (rc == 0 && self->broker.auth_dir && self->broker.plain) {
        fprintf (stderr, "cyclehubd: --auth and --plain exclude each other (auth and plain in "
                 "the config file)\n");
        rc = -1;
    }
    free (given);
    free (values);
    return rc;
}

//  ---------------------------------------------------------------------
//  Help and the effective configuration

//  Writes text from column `indent` (the cursor is at `column`, before it),
//  wrapped before column 79
static void
s_wrap (FILE *out, const char *text, int column, int indent)
{
    size_t room = 78 - (size_t) indent;
    while (*text) {
        size_t len = strlen (text), cut = len;
        if (len > room) {
            cut = room;
            while (cut > 0 && text [cut] != ' ')
                cut--;
            if (cut == 0)
                cut = strcspn (text, " ");
        }
        fprintf (out, "%*s%.*s\n", indent - column, "", (int) cut, text);
        text += cut;
        text += strspn (text, " ");
        column = 0;
    }
}

void
hub_settings_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehubd [OPTION]...\n"
        "The cyclehub broker: takes publishes on the api socket, checks them, stores\n"
        "them durably in LMDB, acknowledges them, and publishes stage events.\n\n");
    hub_settings_t *defaults = hub_settings_new ();
    for (size_t i = 0; defaults && i < S_ROWS; i++) {
        const s_row_t *row = &s_rows [i];
        char head [64], value [256], text [1024];
        int column = snprintf (head, sizeof head, "  --%s%s%s", row->flag,
                               row->arg? " ": "", row->arg? row->arg: "");
        row->kind->show ((char *) defaults + row->offset, value, sizeof value);
        bool unset = !*value || (streq (value, "0") && row->unset);
        if (!row->key)
            snprintf (text, sizeof text, "%s", row->help);
        else
            snprintf (text, sizeof text, "%s (default %s; key %s)", row->help,
                      row->arg? (unset? (row->unset? row->unset: "none"): value)
                              : (streq (value, "1")? "on": "off"), row->key);
        fputs (head, out);
        if (column > 25) {
            fputc ('\n', out);
            column = 0;
        }
        s_wrap (out, text, column, 26);
    }
    hub_settings_destroy (&defaults);
    fprintf (out,
        "\nOne of --auth and --plain is required. Without CURVE the broker refuses any\n"
        "endpoint that is not a loopback address.\n"
        "A config file (--config) holds the same settings as keys of its section\n"
        "'cyclehubd', e.g. (docs/cyclehubd.cfg.example):\n"
        "  cyclehubd\n"
        "      plain = 1\n"
        "      api = tcp://127.0.0.1:7400\n"
        "      store = ./var/cyclehub\n"
        "An unknown key is refused. cyclehubd --check-config [--config FILE] prints every\n"
        "key with its value and where it came from.\n"
        "Stop with SIGINT or SIGTERM: the batch in flight is committed and answered.\n"
        "Exit status: 0 stopped by a signal (or --help, a good --check-config, a\n"
        "finished --backup); 1 the broker could not start, failed while running, or\n"
        "the backup failed; 2 bad settings.\n");
}

void
hub_settings_print (hub_settings_t *self, FILE *out)
{
    fprintf (out, "#   cyclehubd's effective configuration (cyclehubd --check-config):\n"
                  "#   each key's value, and where it came from: default, file or flag\n"
                  "cyclehubd\n");
    for (size_t i = 0; i < S_ROWS; i++) {
        const s_row_t *row = &s_rows [i];
        if (!row->key)
            continue;
        char value [PATH_MAX], quoted [PATH_MAX + 80], origin [PATH_MAX + 64];
        row->kind->show ((char *) self + row->offset, value, sizeof value);
        //  Quoted only when zconfig needs it: empty, or a space, # or quote inside
        char quote = strchr (value, '"')? '\'': '"';
        if (*value && !strpbrk (value, " \t#'\""))
            snprintf (quoted, sizeof quoted, "%s = %s", row->key, value);
        else
            snprintf (quoted, sizeof quoted, "%s = %c%s%c", row->key, quote, value, quote);
        if (self->origin [i] == S_FILE)
            snprintf (origin, sizeof origin, "file %s", self->config_file);
        if (self->origin [i] == S_FILE && self->line [i])
            snprintf (origin, sizeof origin, "file %s:%d", self->config_file, self->line [i]);
        if (self->origin [i] == S_FLAG)
            snprintf (origin, sizeof origin, "flag --%s", row->flag);
        if (self->origin [i] == S_DEFAULT)
            snprintf (origin, sizeof origin, "default");
        bool unset = row->unset && (!*value || streq (value, "0"));
        fprintf (out, "    %-44s # %s%s%s%s\n", quoted, origin,
                 unset? " (": "", unset? row->unset: "", unset? ")": "");
    }
}

//  ---------------------------------------------------------------------

hub_settings_t *
hub_settings_new (void)
{
    hub_settings_t *self = calloc (1, sizeof *self);
    if (self)
        hub_broker_config_default (&self->broker);
    return self;
}

void
hub_settings_destroy (hub_settings_t **self_p)
{
    if (*self_p) {
        zconfig_destroy (&(*self_p)->file);
        free (*self_p);
        *self_p = NULL;
    }
}

hub_broker_config_t *
hub_settings_broker (hub_settings_t *self)
{
    return &self->broker;
}

const char *
hub_settings_endpoints_file (hub_settings_t *self)
{
    return self->endpoints_file;
}

const char *
hub_settings_backup_dir (hub_settings_t *self)
{
    return self->backup_dir;
}

bool
hub_settings_check_only (hub_settings_t *self)
{
    return self->check_config;
}
