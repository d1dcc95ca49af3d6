/*  cli_config: where the CLI finds its hub. Each connection setting comes
    from, in order: its flag, its environment variable, the selected
    context of the client config file, the default. The config file
    (--config FILE, else $CYCLEHUB_CONFIG, else $XDG_CONFIG_HOME/cyclehub/
    config or ~/.config/cyclehub/config) is czmq's zconfig format, as the
    broker's:

        current = prod
        context
            prod
                description = "Tower Hamlets hub"
                api = tcp://hub.example.org:7400
                events = tcp://hub.example.org:7401
                cert = tower-hamlets.cert_secret      # relative: to this file
                server-key-file = broker.cert
            local
                api = tcp://127.0.0.1:7400
                agency = GB-LAE-E09000033

    The context is --context NAME, else $CYCLEHUB_CONTEXT, else `current`.
    `cyclehub context list|use|show` (this file) read and select them.
*/
#include "cli.h"
#include <errno.h>

//  One connection setting: its flag (and context key), its variable
typedef struct {
    const char *key;
    const char *env;                    //  NULL: none
    size_t offset;                      //  of the const char * in hub_connect_options_t
} s_setting_t;

#define S_OPT(field) offsetof (hub_connect_options_t, field)
static const s_setting_t s_settings [] = {
    { "api",             "CYCLEHUB_API",             S_OPT (api_endpoint) },
    { "events",          "CYCLEHUB_EVENTS",          S_OPT (events_endpoint) },
    { "agency",          "CYCLEHUB_AGENCY",          S_OPT (agency) },
    { "cert",            "CYCLEHUB_CERT",            S_OPT (client_cert) },
    { "server-key",      "CYCLEHUB_SERVER_KEY",      S_OPT (server_public_key) },
    { "server-key-file", "CYCLEHUB_SERVER_KEY_FILE", S_OPT (server_public_key_file) },
};
#define S_SETTINGS (sizeof s_settings / sizeof s_settings [0])
static const char s_valid_keys [] =
    "description, api, events, agency, cert, server-key, server-key-file, timeout";

static bool
s_valid_key (const char *name)
{
    static const char *keys [] = { "description", "api", "events", "agency", "cert",
                                   "server-key", "server-key-file", "timeout" };
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++)
        if (streq (keys [i], name))
            return true;
    return false;
}

static const char **
s_field (cli_t *cli, size_t i)
{
    return (const char **) ((char *) &cli->options + s_settings [i].offset);
}

//  The config file's path into cli->config_file; false if there is no
//  home to look in
static bool
s_config_path (cli_t *cli)
{
    const char *env = getenv ("CYCLEHUB_CONFIG");
    const char *xdg = getenv ("XDG_CONFIG_HOME");
    const char *home = getenv ("HOME");
    if (cli->config)
        snprintf (cli->config_file, sizeof cli->config_file, "%s", cli->config);
    else
    if (env && *env)
        snprintf (cli->config_file, sizeof cli->config_file, "%s", env);
    else
    if (xdg && *xdg)
        snprintf (cli->config_file, sizeof cli->config_file, "%s/cyclehub/config", xdg);
    else
    if (home && *home)
        snprintf (cli->config_file, sizeof cli->config_file, "%s/.config/cyclehub/config", home);
    else
        return false;
    return true;
}

//  Loads the config file; *root NULL if there is none (an error only if it
//  was named with --config or $CYCLEHUB_CONFIG). Checks every key.
static int
s_config_load (cli_t *cli, zconfig_t **root)
{
    *root = NULL;
    if (!s_config_path (cli))
        return CLI_OK;
    bool named = cli->config || (getenv ("CYCLEHUB_CONFIG") && *getenv ("CYCLEHUB_CONFIG"));
    if (!zsys_file_exists (cli->config_file)) {
        if (!named)
            return CLI_OK;
        fprintf (stderr, "cyclehub: no config file %s\n", cli->config_file);
        return CLI_USAGE;
    }
    *root = zconfig_load (cli->config_file);
    if (!*root) {
        fprintf (stderr, "cyclehub: %s cannot be read as a config file (czmq's zconfig "
                 "format: 'key = value', nested by four spaces)\n", cli->config_file);
        return CLI_USAGE;
    }
    for (zconfig_t *item = zconfig_child (*root); item; item = zconfig_next (item)) {
        const char *name = zconfig_name (item);
        if (streq (name, "context"))
            for (zconfig_t *context = zconfig_child (item); context; context = zconfig_next (context)) {
                if (*zconfig_value (context)) {
                    fprintf (stderr, "cyclehub: %s: context '%s' has a value: a context is a "
                             "name with its keys below it, four spaces in (the keys: %s)\n",
                             cli->config_file, zconfig_name (context), s_valid_keys);
                    zconfig_destroy (root);
                    return CLI_USAGE;
                }
                for (zconfig_t *key = zconfig_child (context); key; key = zconfig_next (key))
                    if (!s_valid_key (zconfig_name (key)) || zconfig_child (key)) {
                        fprintf (stderr, "cyclehub: %s: unknown key '%s' in context '%s' "
                                 "(the keys: %s)\n", cli->config_file, zconfig_name (key),
                                 zconfig_name (context), s_valid_keys);
                        zconfig_destroy (root);
                        return CLI_USAGE;
                    }
            }
        if (!streq (name, "context") && !streq (name, "current")) {
            fprintf (stderr, "cyclehub: %s: unknown section '%s' (a config file holds "
                     "'current = NAME' and 'context' sections)\n", cli->config_file, name);
            zconfig_destroy (root);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

//  Lists the contexts' names, comma-separated, on stderr
static void
s_names (zconfig_t *root)
{
    zconfig_t *contexts = root? zconfig_locate (root, "context"): NULL;
    zconfig_t *context = contexts? zconfig_child (contexts): NULL;
    if (!context)
        fprintf (stderr, "none");
    for (; context; context = zconfig_next (context))
        fprintf (stderr, "%s%s", zconfig_name (context), zconfig_next (context)? ", ": "");
}

//  The selected context's name (--context, $CYCLEHUB_CONTEXT, `current`)
//  and its node; CLI_USAGE if one was named that is not there
static int
s_selected (cli_t *cli, zconfig_t *root, const char **name, zconfig_t **node)
{
    const char *env = getenv ("CYCLEHUB_CONTEXT");
    *name = cli->context? cli->context: env && *env? env:
            root? zconfig_get (root, "current", NULL): NULL;
    *node = NULL;
    if (!*name || !**name) {
        *name = NULL;
        return CLI_OK;
    }
    zconfig_t *contexts = root? zconfig_locate (root, "context"): NULL;
    for (zconfig_t *c = contexts? zconfig_child (contexts): NULL; c; c = zconfig_next (c))
        if (streq (zconfig_name (c), *name))
            *node = c;
    if (*node)
        return CLI_OK;
    fprintf (stderr, "cyclehub: no context '%s' in %s (the contexts: ", *name,
             root? cli->config_file: "no config file");
    s_names (root);
    fprintf (stderr, ")\n");
    return CLI_USAGE;
}

//  A context's path setting, relative to the config file's directory
static void
s_context_path (cli_t *cli, const char *value, char *buf, size_t size)
{
    const char *slash = strrchr (cli->config_file, '/');
    if (*value == '/' || !slash)
        snprintf (buf, size, "%s", value);
    else
        snprintf (buf, size, "%.*s/%s", (int) (slash - cli->config_file), cli->config_file, value);
}

//  Where a setting came from, as a rank: 0 flag, 1 variable, 2 context, 3 unset
static int
s_rank (const char *source)
{
    return !source? 3: streq (source, "flag")? 0: streq (source, "context")? 2: 1;
}

//  Fills what no flag set from the environment, then from the context
static int
s_fill (cli_t *cli, zconfig_t *node)
{
    for (size_t i = 0; i < S_SETTINGS; i++) {
        const char **field = s_field (cli, i);
        const char *env = getenv (s_settings [i].env);
        if (*field)
            cli->source [i] = cli->source [i]? cli->source [i]: "flag";
        else
        if (env && *env) {
            *field = env;
            cli->source [i] = s_settings [i].env;
        }
        else
        if (node && zconfig_get (node, s_settings [i].key, NULL)) {
            const char *value = zconfig_get (node, s_settings [i].key, NULL);
            bool path = streq (s_settings [i].key, "cert")
                     || streq (s_settings [i].key, "server-key-file");
            if (path)
                s_context_path (cli, value, cli->values [i], sizeof cli->values [i]);
            else
                snprintf (cli->values [i], sizeof cli->values [i], "%s", value);
            *field = cli->values [i];
            cli->source [i] = "context";
        }
    }
    //  The broker's key in either form is one setting: a form given by a
    //  flag hides the other from the environment or the context, and a
    //  variable hides the context's
    int key = s_rank (cli->source [4]), file = s_rank (cli->source [5]);
    if (key != file && key < 3 && file < 3) {
        size_t drop = key > file? 4: 5;
        *s_field (cli, drop) = NULL;
        cli->source [drop] = NULL;
    }
    const char *timeout = node? zconfig_get (node, "timeout", NULL): NULL;
    uint64_t ms = 0;
    if (timeout && (!cli_parse_u64 (timeout, &ms) || ms == 0 || ms > INT32_MAX)) {
        fprintf (stderr, "cyclehub: %s: timeout = '%s' is not milliseconds (1 or more)\n",
                 cli->config_file, timeout);
        return CLI_USAGE;
    }
    if (!cli->options.timeout_ms && timeout)
        cli->options.timeout_ms = (int) ms;
    return CLI_OK;
}

int
cli_config_apply (cli_t *cli)
{
    if (cli->applied)
        return CLI_OK;
    cli->applied = true;
    zconfig_t *root;
    int rc = s_config_load (cli, &root);
    const char *name = NULL;
    zconfig_t *node = NULL;
    if (rc == CLI_OK)
        rc = s_selected (cli, root, &name, &node);
    if (rc == CLI_OK) {
        snprintf (cli->context_name, sizeof cli->context_name, "%s", name? name: "");
        rc = s_fill (cli, node);
    }
    zconfig_destroy (&root);
    return rc;
}

//  --------------------------------------------------------------------------
//  cyclehub context list | use NAME | show [NAME]

static void
s_context_usage (FILE *out)
{
    fprintf (out,
        "Usage: cyclehub [--config FILE] context list\n"
        "       cyclehub [--config FILE] context use NAME\n"
        "       cyclehub [--config FILE] [--context NAME] context show [NAME]\n"
        "Named hubs in the client config file (--config FILE, else $CYCLEHUB_CONFIG, else\n"
        "~/.config/cyclehub/config), selected with --context NAME, $CYCLEHUB_CONTEXT or\n"
        "the file's 'current = NAME'. Each connection setting comes from its flag, else\n"
        "its variable (CYCLEHUB_API, CYCLEHUB_EVENTS, CYCLEHUB_AGENCY, CYCLEHUB_CERT,\n"
        "CYCLEHUB_SERVER_KEY, CYCLEHUB_SERVER_KEY_FILE), else the context, else the default.\n"
        "\n"
        "  list        the contexts, '*' before the one selected\n"
        "  use NAME    select NAME: rewrites the file's 'current = NAME' line\n"
        "  show [NAME] the settings a command would use, and where each comes from\n"
        "\n"
        "The file (czmq's zconfig format, four spaces per level; relative paths are\n"
        "relative to the file):\n"
        "  current = prod\n"
        "  context\n"
        "      prod\n"
        "          description = \"Tower Hamlets hub\"\n"
        "          api = tcp://hub.example.org:7400\n"
        "          events = tcp://hub.example.org:7401\n"
        "          cert = tower-hamlets.cert_secret\n"
        "          server-key-file = broker.cert\n"
        "      local\n"
        "          api = tcp://127.0.0.1:7400\n"
        "          agency = GB-LAE-E09000033\n"
        "Keys of a context: %s.\n"
        "Exit status: 0 done, 2 usage (an unknown context or key), 4 the file cannot be\n"
        "written.\n", s_valid_keys);
}

static int
s_context_list (cli_t *cli)
{
    zconfig_t *root;
    if (s_config_load (cli, &root))
        return CLI_USAGE;
    const char *name;
    zconfig_t *node;
    int rc = s_selected (cli, root, &name, &node);
    zconfig_t *contexts = root? zconfig_locate (root, "context"): NULL;
    for (zconfig_t *c = contexts? zconfig_child (contexts): NULL; c && rc == CLI_OK;
         c = zconfig_next (c))
        printf ("%s %-16s %-32s %s\n", c == node? "*": " ", zconfig_name (c),
                zconfig_get (c, "api", "(api: the default)"), zconfig_get (c, "description", ""));
    if (rc == CLI_OK && !contexts)
        fprintf (stderr, "cyclehub: no contexts%s%s (see cyclehub context --help)\n",
                 root? " in ": "", root? cli->config_file: "");
    zconfig_destroy (&root);
    return rc;
}

//  Rewrites the file's "current = ..." line in place (or adds one at the
//  top), leaving the rest as it was, through a temporary file and a rename
static int
s_write_current (const char *path, const char *name)
{
    char tmp [PATH_MAX + 8];
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    FILE *in = fopen (path, "r");
    FILE *out = in? fopen (tmp, "w"): NULL;
    bool ok = out != NULL, written = false;
    char line [4096];
    while (ok && fgets (line, sizeof line, in)) {
        if (strncmp (line, "current", 7) == 0 && strchr (" =\t", line [7])) {
            if (!written)
                ok = fprintf (out, "current = \"%s\"\n", name) > 0;
            written = true;
        }
        else
            ok = fputs (line, out) >= 0;
    }
    if (in)
        fclose (in);
    if (ok && !written) {
        //  No such line: the selection goes first, then the file again
        ok = fclose (out) == 0 && (in = fopen (tmp, "r")) && (out = fopen (path, "w"));
        ok = ok && fprintf (out, "current = \"%s\"\n", name) > 0;
        while (ok && fgets (line, sizeof line, in))
            ok = fputs (line, out) >= 0;
        if (in)
            fclose (in);
        ok = out && fclose (out) == 0 && ok;
        unlink (tmp);
    }
    else
        ok = out && fclose (out) == 0 && ok && rename (tmp, path) == 0;
    if (ok)
        return CLI_OK;
    unlink (tmp);
    fprintf (stderr, "cyclehub: cannot write %s: %s\n", path, strerror (errno));
    return CLI_FAILED;
}

static int
s_context_use (cli_t *cli, const char *name)
{
    zconfig_t *root;
    if (s_config_load (cli, &root))
        return CLI_USAGE;
    cli->context = name;
    const char *selected;
    zconfig_t *node;
    int rc = s_selected (cli, root, &selected, &node);
    zconfig_destroy (&root);
    if (rc == CLI_OK)
        rc = s_write_current (cli->config_file, name);
    if (rc == CLI_OK)
        printf ("context %s selected in %s\n", name, cli->config_file);
    return rc;
}

static int
s_context_show (cli_t *cli, const char *name)
{
    if (name)
        cli->context = name;
    if (cli_config_apply (cli))
        return CLI_USAGE;
    printf ("%-16s %s\n", "config", *cli->config_file? cli->config_file: "(none)");
    printf ("%-16s %s\n", "context", *cli->context_name? cli->context_name: "(none)");
    for (size_t i = 0; i < S_SETTINGS; i++) {
        const char *value = *s_field (cli, i);
        const char *fallback = i == 0? "tcp://127.0.0.1:7400": i == 1? "tcp://127.0.0.1:7401": "-";
        printf ("%-16s %s (%s)\n", s_settings [i].key, value? value: fallback,
                cli->source [i]? cli->source [i]: value? "flag": "default");
    }
    printf ("%-16s %d\n", "timeout", cli->options.timeout_ms? cli->options.timeout_ms: 5000);
    return CLI_OK;
}

int
cli_context (cli_t *cli, int argc, char **argv)
{
    cli_args_t args;
    if (cli_args_begin (&args, cli, "context", argc, argv, NULL, CLI_ARGS_OFFLINE) == CLI_ARGS_HELP) {
        s_context_usage (stdout);
        return CLI_OK;
    }
    while (cli_args_next (&args))
        ;
    const char *verb = args.operands [0];
    bool use = verb && streq (verb, "use");
    if (args.rc == CLI_OK && (!verb || !(use || streq (verb, "list") || streq (verb, "show"))))
        cli_args_fail (&args, "give list, use NAME or show [NAME]");
    else
    if (args.rc == CLI_OK && use && args.n_operands < 2)
        cli_args_fail (&args, "give the context's NAME: cyclehub context use NAME");
    if (cli_args_end (&args, streq (verb? verb: "", "list")? 1: 2))
        return args.rc;
    if (streq (verb, "list"))
        return s_context_list (cli);
    return use? s_context_use (cli, args.operands [1]): s_context_show (cli, args.operands [1]);
}
