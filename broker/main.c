/*  cyclehubd: the cyclehub broker. Thin: flags and config file, logging,
    signals and --backup; the work is done by the hub_broker actor.
*/
#include "hub_broker.h"
#include <getopt.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehubd [OPTION]...\n"
        "The cyclehub broker: takes publishes on the api socket, checks them, stores\n"
        "them durably in LMDB, acknowledges them, and publishes stage events.\n"
        "\n"
        "  --api ENDPOINT        api ROUTER socket (default tcp://127.0.0.1:7400)\n"
        "  --events ENDPOINT     events PUB socket (default tcp://127.0.0.1:7401)\n"
        "  --store DIR           the LMDB store, created if missing (default ./var/cyclehub)\n"
        "  --auth DIR            CURVE mode: DIR holds broker.cert_secret (the broker's\n"
        "                        certificate) and agencies.cfg (the agency registry);\n"
        "                        see docs/operations.md\n"
        "  --plain               development mode without CURVE: agencies name themselves\n"
        "                        with a PLAIN username (their org-id); loopback only\n"
        "  --http HOST:PORT      serve the HTTP API (docs/http.md) on HOST:PORT (also\n"
        "                        tcp://HOST:PORT); plain HTTP on loopback only\n"
        "  --http-cert FILE      TLS: the server's PEM certificate (chain), with\n"
        "  --http-key FILE       its PEM private key; needed off loopback\n"
        "  --http-dev-agency ORG-ID  --plain: the agency of the development token printed\n"
        "                        at start (default GB-LAE-E09000033)\n"
        "  --http-rate N         requests a second per token, bursts of 2N (default 50)\n"
        "  --http-connections N  HTTP connections at once (default 256)\n"
        "  --http-idle-timeout S close an HTTP connection idle S seconds (default 30)\n"
        "  --http-body-max BYTES largest request body (default 1048576)\n"
        "  --http-public-ocds    serve GET /v1/ocds/{commission} (open data, no personal\n"
        "                        data) without a token; every other path still needs one\n"
        "  --config FILE         read settings from a czmq zconfig file (flags win)\n"
        "  --backup DIR          copy the store at --store (live or not) into DIR and exit\n"
        "  --map-max MIB         largest the store may grow to, MiB (default 16384)\n"
        "  --nosync              do not fsync at commit: for benchmarks only, loses\n"
        "                        acknowledged messages on power loss\n"
        "  --sweep-interval MS   how often the retention sweep erases the personal data\n"
        "                        of responses past their retention date (default 60000)\n"
        "  --retention-max-days N  the latest retention date a consultation response may\n"
        "                        carry, in days after it arrives; later ones are refused\n"
        "                        (default 2557: 7 years; 1 to 36500)\n"
        "  --reply-budget MIB    unread reply bytes per api connection before its\n"
        "                        requests are refused OVERLOADED (default 8)\n"
        "  --handshake-timeout MS  close a connection that has not finished its\n"
        "                        ZeroMQ handshake by then (default 5000)\n"
        "  --max-connections N   open connections on both sockets, at most (default:\n"
        "                        the descriptor limit less 256)\n"
        "  --events-hwm N        events queued per subscriber that does not read,\n"
        "                        before it misses some (default 10000)\n"
        "  --subscribers-per-agency N  events connections with subscriptions per\n"
        "                        agency (default 4)\n"
        "  --subscriptions-max N subscriptions per events connection (default 64)\n"
        "  --endpoints-file FILE write the bound endpoints (api, events; one a line)\n"
        "                        to FILE once ready (useful with port 0 or '*')\n"
        "  --clock-offset DURATION  tests and rehearsals only: run the broker's clock\n"
        "                        (the dates its rules check, events' recorded times) this\n"
        "                        far from the wall clock: [+|-]N with s, m, h or d, e.g.\n"
        "                        +12d to sign a contract after its award's standstill;\n"
        "                        the clock never goes back past a time already recorded\n"
        "  --verbose             log every connection and batch\n"
        "  --help                print this help and exit\n"
        "\n"
        "One of --auth and --plain is required. Without CURVE the broker refuses any\n"
        "endpoint that is not a loopback address.\n"
        "The config file holds the same settings under 'cyclehubd':\n"
        "  cyclehubd\n"
        "      api = tcp://127.0.0.1:7400\n"
        "      events = tcp://127.0.0.1:7401\n"
        "      store = ./var/cyclehub\n"
        "      auth = /etc/cyclehub/auth\n"
        "      map_max_mib = 16384\n"
        "      clock_offset = 0s\n"
        "      retention_max_days = 2557\n"
        "      verbose = 0\n"
        "      http = 127.0.0.1:7480\n"
        "      http_cert = /etc/cyclehub/http.crt\n"
        "      http_key = /etc/cyclehub/http.key\n"
        "Stop with SIGINT or SIGTERM: the batch in flight is committed and answered.\n");
}

//  A signed duration, [+|-]N followed by s, m, h or d, into *ms; 0 or -1.
//  At most 100 years either way: more is a typo, not a rehearsal.
static int
s_duration (const char *text, int64_t *ms)
{
    char *end;
    errno = 0;
    long long n = strtoll (text, &end, 10);
    if (end == text || errno || !end [0] || end [1] || llabs (n) > 36500LL * 86400)
        return -1;
    long long unit = end [0] == 's'? 1000: end [0] == 'm'? 60000
                   : end [0] == 'h'? 3600000: end [0] == 'd'? 86400000: 0;
    if (!unit || llabs (n) * unit > 36500LL * 86400000)
        return -1;
    *ms = (int64_t) (n * unit);
    return 0;
}

//  Parses a retention limit in days (flag or config key); 0 or -1 with a message
static int
s_retention_days (const char *text, const char *what, hub_broker_config_t *config)
{
    char *end;
    long days = strtol (text, &end, 10);
    if (*end || end == text || days < 1 || days > 36500) {
        fprintf (stderr, "cyclehubd: %s takes a number of days, 1 to 36500 (7 years: 2557)\n", what);
        return -1;
    }
    config->retention_max_days = (unsigned) days;
    return 0;
}


//  One of the limit flags: a whole number in its range, or a usage error
static int
s_limit_flag (int opt, const char *arg, hub_broker_config_t *config)
{
    static const struct { int opt; const char *name; long min, max; } flags [] = {
        { 'R', "--reply-budget takes MiB, 1 to 4096", 1, 4096 },
        { 'H', "--handshake-timeout takes milliseconds, 100 to 60000", 100, 60000 },
        { 'C', "--max-connections takes a count, 16 to 10000000", 16, 10000000 },
        { 'E', "--events-hwm takes a count, 100 to 10000000", 100, 10000000 },
        { 'S', "--subscribers-per-agency takes a count, 1 to 10000", 1, 10000 },
        { 'M', "--subscriptions-max takes a count, 1 to 100000", 1, 100000 },
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags [0]; i++) {
        if (flags [i].opt != opt)
            continue;
        char *end;
        long value = strtol (arg, &end, 10);
        if (*end || end == arg || value < flags [i].min || value > flags [i].max) {
            fprintf (stderr, "cyclehubd: %s\n", flags [i].name);
            return -1;
        }
        switch (opt) {
            case 'R': config->reply_budget = (size_t) value << 20; break;
            case 'H': config->handshake_ms = (int) value; break;
            case 'C': config->max_connections = (size_t) value; break;
            case 'E': config->events_hwm = (int) value; break;
            case 'S': config->subscribers_per_agency = (int) value; break;
            default:  config->subs_max = (int) value; break;
        }
    }
    return 0;
}

//  Every connection costs a descriptor, and the usual soft limit (1024) is
//  far below what the hard limit allows: raise it, and say both
static void
s_raise_nofile (void)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
        return;
    rlim_t soft = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY? 1048576: limit.rlim_max;
    int rc = limit.rlim_cur > soft? setrlimit (RLIMIT_NOFILE, &limit): 0;
    getrlimit (RLIMIT_NOFILE, &limit);
    if (rc)
        zsys_warning ("cyclehubd: cannot raise the descriptor limit from %lu: %s",
                      (unsigned long) soft, strerror (errno));
    zsys_info ("cyclehubd: descriptors soft limit %lu (was %lu), hard limit %lu%s",
               (unsigned long) limit.rlim_cur, (unsigned long) soft,
               (unsigned long) limit.rlim_max,
               limit.rlim_cur < 4096? "; raise it (LimitNOFILE=, docs/operations.md)": "");
}

//  The HTTP front end's numeric flags; 0 or -1 with a message
static int
s_http_number (int opt, const char *text, hub_http_config_t *http)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull (text, &end, 10);
    bool ok = *end == 0 && end != text && !errno && text [0] != '-';
    switch (opt) {
        case 'r': ok = ok && n >= 1 && n <= 1000000; http->rate = (double) n; break;
        case 'L': ok = ok && n >= 1 && n <= 10000; http->connection_limit = (unsigned) n; break;
        case 'I': ok = ok && n >= 1 && n <= 3600; http->idle_timeout_s = (unsigned) n; break;
        default:  ok = ok && n >= 1024 && n <= 64 * 1024 * 1024; http->body_max = (size_t) n;
    }
    if (!ok)
        fprintf (stderr, "cyclehubd: %s takes a whole number (%s)\n",
                 opt == 'r'? "--http-rate": opt == 'L'? "--http-connections"
                 : opt == 'I'? "--http-idle-timeout": "--http-body-max",
                 opt == 'r'? "1 to 1000000 requests a second": opt == 'L'? "1 to 10000"
                 : opt == 'I'? "1 to 3600 seconds": "1024 to 67108864 bytes");
    return ok? 0: -1;
}

static int
s_load_config (const char *path, hub_broker_config_t *config, zconfig_t **root_p)
{
    zconfig_t *root = zconfig_load (path);
    if (!root) {
        fprintf (stderr, "cyclehubd: cannot read config file %s\n", path);
        return -1;
    }
    config->api_endpoint = zconfig_get (root, "cyclehubd/api", config->api_endpoint);
    config->events_endpoint = zconfig_get (root, "cyclehubd/events", config->events_endpoint);
    config->store_dir = zconfig_get (root, "cyclehubd/store", config->store_dir);
    config->auth_dir = zconfig_get (root, "cyclehubd/auth", config->auth_dir);
    config->plain = atoi (zconfig_get (root, "cyclehubd/plain", "0")) != 0;
    const char *map_max = zconfig_get (root, "cyclehubd/map_max_mib", NULL);
    if (map_max)
        config->store.map_size_max = (size_t) strtoull (map_max, NULL, 10) << 20;
    config->verbose = atoi (zconfig_get (root, "cyclehubd/verbose", "0")) != 0;
    config->http.endpoint = zconfig_get (root, "cyclehubd/http", config->http.endpoint);
    config->http.cert_file = zconfig_get (root, "cyclehubd/http_cert", config->http.cert_file);
    config->http.key_file = zconfig_get (root, "cyclehubd/http_key", config->http.key_file);
    const char *offset = zconfig_get (root, "cyclehubd/clock_offset", NULL);
    if (offset && s_duration (offset, &config->clock_offset_ms)) {
        fprintf (stderr, "cyclehubd: %s: clock_offset takes [+|-]N with s, m, h or d, e.g. +12d\n",
                 path);
        zconfig_destroy (&root);
        return -1;
    }
    const char *retention = zconfig_get (root, "cyclehubd/retention_max_days", NULL);
    if (retention && s_retention_days (retention, "retention_max_days in the config file", config)) {
        zconfig_destroy (&root);
        return -1;
    }
    *root_p = root;         //  the strings above live as long as root
    return 0;
}

//  The flags; each has no short form, the letter only names it in the switch
static const struct option s_options [] = {
    { "api", required_argument, 0, 'a' },
    { "events", required_argument, 0, 'e' },
    { "store", required_argument, 0, 's' },
    { "config", required_argument, 0, 'c' },
    { "auth", required_argument, 0, 'A' },
    { "plain", no_argument, 0, 'P' },
    { "backup", required_argument, 0, 'b' },
    { "map-max", required_argument, 0, 'm' },
    { "nosync", no_argument, 0, 'n' },
    { "endpoints-file", required_argument, 0, 'f' },
    { "sweep-interval", required_argument, 0, 'w' },
    { "clock-offset", required_argument, 0, 'o' },
    { "retention-max-days", required_argument, 0, 'T' },
    { "reply-budget", required_argument, 0, 'R' },
    { "handshake-timeout", required_argument, 0, 'H' },
    { "max-connections", required_argument, 0, 'C' },
    { "events-hwm", required_argument, 0, 'E' },
    { "subscribers-per-agency", required_argument, 0, 'S' },
    { "subscriptions-max", required_argument, 0, 'M' },
    { "verbose", no_argument, 0, 'v' },
    { "http", required_argument, 0, 'W' },
    { "http-cert", required_argument, 0, 'X' },
    { "http-key", required_argument, 0, 'K' },
    { "http-dev-agency", required_argument, 0, 'D' },
    { "http-rate", required_argument, 0, 'r' },
    { "http-connections", required_argument, 0, 'L' },
    { "http-idle-timeout", required_argument, 0, 'I' },
    { "http-body-max", required_argument, 0, 'B' },
    { "http-public-ocds", no_argument, 0, 'O' },
    { "help", no_argument, 0, 'h' },
    { 0, 0, 0, 0 }
};

//  What the command line asks of main itself rather than of the broker
typedef struct {
    const char *backup_dir;         //  --backup: copy the store there and exit
    const char *endpoints_file;     //  --endpoints-file: where to say the bound endpoints
} s_args_t;

static int
s_map_max (const char *text, hub_broker_config_t *config)
{
    char *end;
    unsigned long long mib = strtoull (text, &end, 10);
    if (*end || mib == 0) {
        fprintf (stderr, "cyclehubd: --map-max takes a size in MiB, e.g. 4096\n");
        return -1;
    }
    config->store.map_size_max = (size_t) mib << 20;
    return 0;
}

static int
s_sweep_interval (const char *text, hub_broker_config_t *config)
{
    char *end;
    long ms = strtol (text, &end, 10);
    if (*end || ms < 10 || ms > 86400000) {
        fprintf (stderr, "cyclehubd: --sweep-interval takes milliseconds, 10 to 86400000\n");
        return -1;
    }
    config->sweep_ms = (int) ms;
    return 0;
}

//  One flag into config or args; 0, or -1 when main must exit with *status
static int
s_flag (int opt, const char *arg, hub_broker_config_t *config, s_args_t *args, int *status)
{
    *status = 2;
    switch (opt) {
        case 'a': config->api_endpoint = arg; break;
        case 'e': config->events_endpoint = arg; break;
        case 's': config->store_dir = arg; break;
        case 'c': break;
        case 'A': config->auth_dir = arg; break;
        case 'P': config->plain = true; break;
        case 'b': args->backup_dir = arg; break;
        case 'm': return s_map_max (arg, config);
        case 'n': config->store.nosync = true; break;
        case 'f': args->endpoints_file = arg; break;
        case 'w': return s_sweep_interval (arg, config);
        case 'o':
            if (s_duration (arg, &config->clock_offset_ms)) {
                fprintf (stderr, "cyclehubd: --clock-offset takes [+|-]N with s, m, h or d "
                         "(at most 100 years), e.g. +12d or -3h\n");
                return -1;
            }
            break;
        case 'T': return s_retention_days (arg, "--retention-max-days", config);
        case 'R': case 'H': case 'C': case 'E': case 'S': case 'M':
            return s_limit_flag (opt, arg, config);
        case 'v': config->verbose = true; break;
        case 'W': config->http.endpoint = arg; break;
        case 'X': config->http.cert_file = arg; break;
        case 'K': config->http.key_file = arg; break;
        case 'D': config->http.dev_agency = arg; break;
        case 'O': config->http.public_ocds = true; break;
        case 'r': case 'L': case 'I': case 'B':
            return s_http_number (opt, arg, &config->http);
        case 'h':
            s_usage (stdout);
            *status = 0;
            return -1;
        default:
            fprintf (stderr, "Try 'cyclehubd --help'.\n");
            return -1;
    }
    return 0;
}

//  The flags over what the config file set; 0, or -1 when main must exit
//  with *status
static int
s_parse_flags (int argc, char *argv [], hub_broker_config_t *config, s_args_t *args,
               int *status)
{
    int opt;
    while ((opt = getopt_long (argc, argv, "", s_options, NULL)) != -1)
        if (s_flag (opt, optarg, config, args, status))
            return -1;
    *status = 2;
    if (config->auth_dir && config->plain) {
        fprintf (stderr, "cyclehubd: --auth and --plain exclude each other\n");
        return -1;
    }
    if (optind < argc) {
        fprintf (stderr, "cyclehubd: unexpected argument '%s'\nTry 'cyclehubd --help'.\n", argv [optind]);
        return -1;
    }
    return 0;
}

//  --backup: a copy of the store instead of a broker; the exit status
static int
s_backup (const hub_broker_config_t *config, const char *backup_dir)
{
    char error [512];
    if (hub_store_backup (config->store_dir, backup_dir, error, sizeof error)) {
        fprintf (stderr, "cyclehubd: backup failed: %s\n", error);
        return 1;
    }
    printf ("cyclehubd: backup of %s written to %s\n", config->store_dir, backup_dir);
    return 0;
}

//  Says where the broker listens, from its READY line (without "READY ")
static void
s_announce (const hub_broker_config_t *config, const char *ready, const char *endpoints_file)
{
    char api [256] = "", events [256] = "", http_url [400] = "", dev_token [128] = "";
    sscanf (ready, "%255s %255s %399s %127s", api, events, http_url, dev_token);
    zsys_info ("cyclehubd: ready api=%s events=%s store=%s%s", api, events, config->store_dir,
               config->store.nosync? " (nosync: benchmarks only)": "");
    if (config->clock_offset_ms)
        zsys_warning ("cyclehubd: clock offset %+lld ms in force: rules and recorded times use "
                      "the wall clock shifted by it (tests and rehearsals only)",
                      (long long) config->clock_offset_ms);
    if (endpoints_file) {
        char tmp [PATH_MAX];
        snprintf (tmp, sizeof tmp, "%s.tmp", endpoints_file);
        FILE *file = fopen (tmp, "w");
        //  HTTP: its URL on a third line, the development token on a fourth
        if (!file || fprintf (file, "%s\n%s\n%s%s%s%s", api, events, http_url, *http_url? "\n": "",
                              dev_token, *dev_token? "\n": "") < 0 || fclose (file) != 0
        ||  rename (tmp, endpoints_file) != 0)
            zsys_error ("cyclehubd: cannot write %s", endpoints_file);
    }
    if (*dev_token) {
        //  make run's tour: where the API is and the token to use (stdout)
        printf ("cyclehubd: HTTP API at %s\n"
                "cyclehubd: development token (agency %s): %s\n"
                "cyclehubd: try: curl -H 'Authorization: Bearer %s' %s/v1/status\n"
                "cyclehubd: dashboard at %s/ (sign in with the development token)\n",
                http_url, config->http.dev_agency? config->http.dev_agency: "GB-LAE-E09000033",
                dev_token, dev_token, http_url, http_url);
        fflush (stdout);
    }
    else
    if (*http_url)
        zsys_info ("cyclehubd: HTTP API at %s", http_url);
}

//  Starts the broker and runs until SIGINT/SIGTERM (czmq sets
//  zsys_interrupted) or the actor's end; the exit status
static int
s_run (hub_broker_config_t *config, const char *endpoints_file)
{
    s_raise_nofile ();
    zactor_t *broker = zactor_new (hub_broker_actor, config);
    char *status = broker? zstr_recv (broker): NULL;
    if (!status || strncmp (status, "READY ", 6) != 0) {
        fprintf (stderr, "cyclehubd: %s\n", status && strncmp (status, "ERROR ", 6) == 0
                 ? status + 6: "the broker did not start");
        zstr_free (&status);
        zactor_destroy (&broker);
        return 1;
    }
    s_announce (config, status + 6, endpoints_file);
    zstr_free (&status);

    zpoller_t *poller = zpoller_new (broker, NULL);
    while (!zsys_interrupted) {
        if (zpoller_wait (poller, 250)) {
            char *message = zstr_recv (broker);
            if (message)
                zsys_error ("cyclehubd: %s", message);
            zstr_free (&message);
            break;
        }
    }
    zpoller_destroy (&poller);
    zsys_info ("cyclehubd: shutting down");
    zactor_destroy (&broker);
    return 0;
}

int
main (int argc, char *argv [])
{
    hub_broker_config_t config;
    hub_broker_config_default (&config);
    s_args_t args = { NULL, NULL };
    zconfig_t *file_config = NULL;

    //  The config file first, so that flags override it
    for (int i = 1; i < argc - 1; i++)
        if (streq (argv [i], "--config") && s_load_config (argv [i + 1], &config, &file_config))
            return 2;
    int status;
    if (s_parse_flags (argc, argv, &config, &args, &status)) {
        zconfig_destroy (&file_config);
        return status;
    }
    zsys_init ();
    zsys_set_logident ("cyclehubd");

    if (args.backup_dir)
        status = s_backup (&config, args.backup_dir);
    else
        status = s_run (&config, args.endpoints_file);
    zconfig_destroy (&file_config);
    if (!args.backup_dir && status == 0)
        zsys_info ("cyclehubd: stopped");
    return status;
}
