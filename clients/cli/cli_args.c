/*  cli_args: the one flag parser of the cyclehub CLI. Every command parses
    its argv with getopt_long over its own long options merged with the
    global ones (--api, --agency, ...), so the global flags work before or
    after the command, and every command says the same things about --help,
    an unknown flag and a missing value.
*/
#include "cli.h"
#include <errno.h>

//  The global flags, as keys of their own above every command's keys
enum {
    S_API = CLI_ARGS_GLOBAL,
    S_EVENTS,
    S_AGENCY,
    S_CERT,
    S_SERVER_KEY,
    S_SERVER_KEY_FILE,
    S_TIMEOUT,
    S_VERBOSE,
    S_CONFIG,
    S_CONTEXT
};

static const struct option s_globals [] = {
    { "api",             required_argument, NULL, S_API },
    { "events",          required_argument, NULL, S_EVENTS },
    { "agency",          required_argument, NULL, S_AGENCY },
    { "cert",            required_argument, NULL, S_CERT },
    { "server-key",      required_argument, NULL, S_SERVER_KEY },
    { "server-key-file", required_argument, NULL, S_SERVER_KEY_FILE },
    { "timeout",         required_argument, NULL, S_TIMEOUT },
    { "verbose",         no_argument,       NULL, S_VERBOSE },
    { "config",          required_argument, NULL, S_CONFIG },
    { "context",         required_argument, NULL, S_CONTEXT },
    { NULL, 0, NULL, 0 }
};

#define S_GLOBALS (sizeof s_globals / sizeof s_globals [0] - 1)

static const struct option *
s_named (const struct option *options, const char *name)
{
    for (size_t i = 0; options && options [i].name; i++)
        if (streq (options [i].name, name))
            return &options [i];
    return NULL;
}

//  "cyclehub: history: " or, before any command, "cyclehub: "
static void
s_say (const cli_args_t *self, const char *format, va_list args)
{
    fprintf (stderr, "cyclehub: %s%s", self->command? self->command: "",
             self->command? ": ": "");
    vfprintf (stderr, format, args);
    fputc ('\n', stderr);
}

int
cli_args_fail (cli_args_t *self, const char *format, ...)
{
    if (format && self->rc == CLI_OK) {
        va_list args;
        va_start (args, format);
        s_say (self, format, args);
        va_end (args);
    }
    self->rc = CLI_USAGE;
    return -1;
}

int
cli_args_bad (cli_args_t *self, const char *why)
{
    return cli_args_fail (self, "bad value for --%s: '%s'%s%s", self->flag,
                          self->value? self->value: "", why? ": ": "", why? why: "");
}

//  Applies one global flag to the connection options.
static void
s_global (cli_args_t *self, int key, const char *value)
{
    hub_connect_options_t *options = &self->cli->options;
    uint64_t timeout = 0;
    switch (key) {
        case S_API:             options->api_endpoint = value; break;
        case S_EVENTS:          options->events_endpoint = value; break;
        case S_AGENCY:          options->agency = value; break;
        case S_CERT:            options->client_cert = value; break;
        case S_SERVER_KEY:      options->server_public_key = value; break;
        case S_SERVER_KEY_FILE: options->server_public_key_file = value; break;
        case S_VERBOSE:         self->cli->verbose = self->cli->options.verbose = true; break;
        case S_CONFIG:          self->cli->config = value; break;
        case S_CONTEXT:         self->cli->context = value; break;
        case S_TIMEOUT:
            if (!cli_parse_u64 (value, &timeout) || timeout == 0 || timeout > INT32_MAX)
                cli_args_bad (self, "milliseconds, 1 or more");
            else
                options->timeout_ms = (int) timeout;
            break;
    }
}

int
cli_args_begin (cli_args_t *self, cli_t *cli, const char *command, int argc, char **argv,
                const struct option *own, unsigned flags)
{
    memset (self, 0, sizeof *self);
    self->cli = cli;
    self->command = command;
    self->argc = argc;
    self->argv = argv;
    self->flags = flags;
    //  The command's own flags first: a name both have is the command's
    //  (subscribe's --agency filter, relay's --timeout)
    size_t count = 0;
    for (size_t i = 0; own && own [i].name; i++) {
        assert (count < CLI_ARGS_MAX - S_GLOBALS - 2);
        assert (own [i].val > 1 && own [i].val != 'h' && own [i].val < CLI_ARGS_GLOBAL);
        self->options [count++] = own [i];
    }
    for (size_t i = 0; i < S_GLOBALS; i++)
        if (!s_named (own, s_globals [i].name))
            self->options [count++] = s_globals [i];
    self->options [count++] = (struct option) { "help", no_argument, NULL, 'h' };
    self->optstring = flags & CLI_ARGS_STOP? "+:h": "-:h";
    //  --help anywhere is a request for help, whatever else is wrong
    //  (a flag's value is never taken for it: getopt skips values)
    opterr = 0;
    optind = 0;
    int key;
    while ((key = getopt_long (argc, argv, self->optstring, self->options, NULL)) != -1)
        if (key == 'h')
            return CLI_ARGS_HELP;
    optind = 0;
    return 0;
}

bool
cli_args_known (const cli_args_t *self, const char *name)
{
    size_t len = strcspn (name, "=");
    for (size_t i = 0; self->options [i].name; i++)
        if (strlen (self->options [i].name) == len
        &&  strncmp (self->options [i].name, name, len) == 0)
            return true;
    return false;
}

//  The word getopt just refused, said in one line
static void
s_refused (cli_args_t *self, int key)
{
    const char *word = optind > 0 && optind <= self->argc? self->argv [optind - 1]: "";
    if (strncmp (word, "--", 2) != 0 && optopt) {
        cli_args_fail (self, "unknown flag '-%c'", optopt);
        return;
    }
    if (key == ':') {
        cli_args_fail (self, "%s needs a value", word);
        return;
    }
    const char *eq = strchr (word, '=');
    size_t len = eq? (size_t) (eq - word - 2): strlen (word + 2);
    size_t prefixed = 0;
    for (size_t i = 0; self->options [i].name; i++) {
        const char *name = self->options [i].name;
        if (strncmp (name, word + 2, len) == 0)
            prefixed += name [len]? 1: 1000;
    }
    if (prefixed >= 1000)
        cli_args_fail (self, "--%.*s takes no value (%s)", (int) len, word + 2, word);
    else
    if (prefixed > 1)
        cli_args_fail (self, "ambiguous flag '%s': write it whole", word);
    else
        cli_args_fail (self, "unknown flag '%s'", word);
}

static void
s_operand (cli_args_t *self, const char *word)
{
    if (self->n_operands < CLI_ARGS_OPERANDS)
        self->operands [self->n_operands] = word;
    else
    if (!self->extra)
        self->extra = word;
    self->n_operands++;
}

int
cli_args_next (cli_args_t *self)
{
    while (self->rc == CLI_OK && !self->done) {
        int index = -1;
        optopt = 0;
        int key = getopt_long (self->argc, self->argv, self->optstring, self->options, &index);
        if (key == -1) {
            //  The end, or "--" (what follows is operands), or with
            //  CLI_ARGS_STOP the first operand
            self->done = true;
            self->rest = optind;
            for (int i = optind; i < self->argc && !(self->flags & CLI_ARGS_STOP); i++)
                s_operand (self, self->argv [i]);
        }
        else
        if (key == 1)
            s_operand (self, optarg);
        else
        if (key == '?' || key == ':')
            s_refused (self, key);
        else
        if (key != 'h') {
            self->flag = index >= 0? self->options [index].name: "";
            self->value = optarg;
            if (key < CLI_ARGS_GLOBAL)
                return key;
            s_global (self, key, optarg);
        }
    }
    return 0;
}

int
cli_args_end (cli_args_t *self, int max_operands)
{
    if (self->rc == CLI_OK && self->n_operands > max_operands)
        cli_args_fail (self, "unexpected argument '%s'",
                       max_operands < CLI_ARGS_OPERANDS? self->operands [max_operands]:
                       self->extra);
    if (self->rc != CLI_OK) {
        fprintf (stderr, "Try 'cyclehub%s%s --help'.\n", self->command? " ": "",
                 self->command? self->command: "");
        return self->rc;
    }
    if (!(self->flags & CLI_ARGS_OFFLINE)) {
        self->rc = cli_connect_ready (self->cli);
        //  The command's --agency is its filter: say where yours goes
        if (self->rc != CLI_OK && !self->cli->options.agency
        &&  s_named (self->options, "agency")->val != S_AGENCY)
            fprintf (stderr, "cyclehub: after '%s', --agency is a filter: give your own before "
                     "the command\n", self->command);
    }
    return self->rc;
}

//  True if name is one of the comma-separated names in list
static bool
s_listed (const char *list, const char *name)
{
    size_t len = strlen (name);
    while (list && *list) {
        size_t span = strcspn (list, ",");
        if (span == len && strncmp (list, name, len) == 0)
            return true;
        list += span + (list [span] == ',');
    }
    return false;
}

int
cli_args_globals (cli_t *cli, const char *command, int *argc, char **argv, const char *keeps)
{
    cli_args_t args;
    memset (&args, 0, sizeof args);
    args.cli = cli;
    args.command = command;
    int kept = 1;
    bool operands = false;              //  after "--": not flags
    for (int i = 1; i < *argc && args.rc == CLI_OK; i++) {
        char *word = argv [i];
        operands |= streq (word, "--");
        const char *eq = strchr (word, '=');
        char name [32] = "";
        if (!operands && strncmp (word, "--", 2) == 0)
            snprintf (name, sizeof name, "%.*s",
                      (int) (eq? (size_t) (eq - word - 2): strlen (word + 2)), word + 2);
        const struct option *global = *name? s_named (s_globals, name): NULL;
        if (!global || s_listed (keeps, name)) {
            argv [kept++] = word;
            continue;
        }
        args.flag = global->name;
        args.value = global->has_arg? (eq? eq + 1: i + 1 < *argc? argv [++i]: NULL): NULL;
        if (global->has_arg && !args.value)
            cli_args_fail (&args, "%s needs a value", word);
        else
            s_global (&args, global->val, args.value);
    }
    *argc = kept;
    argv [kept] = NULL;
    if (args.rc != CLI_OK)
        fprintf (stderr, "Try 'cyclehub %s --help'.\n", command);
    return args.rc;
}

int
cli_connect_ready (cli_t *cli)
{
    hub_connect_options_t *options = &cli->options;
    if (cli_config_apply (cli))
        return CLI_USAGE;
    hub_connect_options_t defaults;
    hub_connect_options_default (&defaults);
    options->api_endpoint = options->api_endpoint? options->api_endpoint: defaults.api_endpoint;
    options->events_endpoint = options->events_endpoint? options->events_endpoint:
                               defaults.events_endpoint;
    options->timeout_ms = options->timeout_ms? options->timeout_ms: defaults.timeout_ms;
    const char *agency = options->agency;
    bool server = options->server_public_key || options->server_public_key_file;
    bool curve = options->client_cert || server;
    if (curve && !(options->client_cert && server)) {
        fprintf (stderr, "cyclehub: CURVE needs both --cert FILE and the broker's key "
                 "(--server-key z85:KEY or --server-key-file PATH)\n");
        return CLI_USAGE;
    }
    //  Bad keys are a usage error said once, before any command connects
    if (curve && hub_connect_options_check (options))
        return CLI_USAGE;
    if (!curve && (!agency || !*agency)) {
        fprintf (stderr, "cyclehub: who are you? give --agency ORG-ID or set CYCLEHUB_AGENCY, "
                 "e.g. GB-LAE-E09000033 (or a context: cyclehub context --help)\n");
        return CLI_USAGE;
    }
    return CLI_OK;
}
