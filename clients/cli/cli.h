/*  cli: shared pieces of the cyclehub command-line tool. Exit codes, the
    global settings, the one flag parser (cli_args) and the commands that
    main.c's table dispatches to.
*/
#ifndef CLI_H
#define CLI_H

#include "cyclehub.h"
#include <czmq.h>
#include <getopt.h>

#define CLI_OK          0       /* done */
#define CLI_REJECTED    1       /* the broker rejected the request */
#define CLI_USAGE       2       /* bad flags or bad input (JSON, values) */
#define CLI_UNREACHABLE 3       /* the broker did not answer within the timeout */
#define CLI_FAILED      4       /* anything else (a file, out of memory) */
#define CLI_REFUSED     5       /* the broker refused our identity (key, org-id, mode) */

#define CLI_SETTINGS 6             /* api, events, agency, cert, server-key(-file) */

typedef struct {
    hub_connect_options_t options;  /* endpoints, agency, timeout: flags set them,
                                       cli_config_apply fills the rest */
    bool verbose;                   /* say more on stderr */
    const char *config;             /* --config FILE, or NULL */
    const char *context;            /* --context NAME, or NULL */
    /* cli_config.c's: */
    bool applied;                   /* cli_config_apply ran */
    char config_file [PATH_MAX];    /* the config file looked at, or "" */
    char context_name [64];         /* the context used, or "" */
    char values [CLI_SETTINGS][PATH_MAX];   /* settings taken from the context */
    const char *source [CLI_SETTINGS];      /* "flag", the variable, "context", or NULL */
} cli_t;

/* cli_config (cli_config.c): fills the connection settings no flag gave
   from the environment (CYCLEHUB_API, _EVENTS, _AGENCY, _CERT,
   _SERVER_KEY, _SERVER_KEY_FILE), then from the selected context of the
   config file (--config, $CYCLEHUB_CONFIG, ~/.config/cyclehub/config;
   --context, $CYCLEHUB_CONTEXT, its `current`). Once; cli_connect_ready
   calls it. Returns CLI_OK or CLI_USAGE (said why: an unknown key or
   context, a file that cannot be read). */
int
    cli_config_apply (cli_t *cli);

/* `cyclehub context list|use NAME|show [NAME]` */
int
    cli_context (cli_t *cli, int argc, char **argv);

/* cli_args (cli_args.c): the one flag parser. A command's handler gets
   argv with argv [0] its name, and parses it so:

       cli_args_t args;
       int rc = cli_args_begin (&args, cli, "history", argc, argv, s_options, 0);
       if (rc == CLI_ARGS_HELP) { s_usage (stdout); return CLI_OK; }
       int key;
       while ((key = cli_args_next (&args)))
           switch (key) { case 'c': ... args.value ...; if bad: cli_args_bad (&args, why); }
       (checks across flags: cli_args_fail (&args, "sentence", ...))
       if (cli_args_end (&args, 0)) return args.rc;

   Own flags are getopt_long options whose val is above 1, not 'h', and
   below CLI_ARGS_GLOBAL; the global flags (--api, --events, --agency,
   --cert, --server-key, --server-key-file, --timeout, --verbose) are merged
   in and applied to cli->options wherever they come, unless the command has
   a flag of the same name (then it is the command's). Words that are not
   flags are the operands, in order; "--" makes the rest operands. */
#define CLI_ARGS_MAX        192         /* own flags + globals + help */
#define CLI_ARGS_OPERANDS   4
#define CLI_ARGS_GLOBAL     0x10000     /* keys of the global flags */
#define CLI_ARGS_HELP       1           /* cli_args_begin: --help or -h was given */
#define CLI_ARGS_OFFLINE    1           /* flag: the command never connects */
#define CLI_ARGS_STOP       2           /* flag: stop at the first operand */

typedef struct {
    cli_t *cli;                         /* the global settings, set by global flags */
    const char *command;                /* as typed, "procure award"; NULL before one */
    int argc;
    char **argv;
    unsigned flags;                     /* CLI_ARGS_OFFLINE, CLI_ARGS_STOP */
    const char *optstring;              /* getopt's: operands in order, or stop at one */
    struct option options [CLI_ARGS_MAX];   /* own, then the globals not shadowed, help */
    const char *flag;                   /* the flag cli_args_next returned (its long name) */
    const char *value;                  /* its value, or NULL (borrowed from argv) */
    const char *operands [CLI_ARGS_OPERANDS];   /* words that are not flags, in order */
    int n_operands;                     /* how many came (may exceed CLI_ARGS_OPERANDS) */
    const char *extra;                  /* the first operand beyond CLI_ARGS_OPERANDS */
    int rest;                           /* CLI_ARGS_STOP: argv index of the first operand */
    int rc;                             /* CLI_OK, or CLI_USAGE once something was said */
    bool done;
} cli_args_t;

/* Prepares the parse of argv with own flags (NULL-terminated, may be NULL).
   Returns CLI_ARGS_HELP if --help or -h came anywhere among the flags (the
   caller prints its usage on stdout and exits 0, doing nothing else), or 0. */
int
    cli_args_begin (cli_args_t *self, cli_t *cli, const char *command, int argc, char **argv,
                    const struct option *own, unsigned flags);

/* Returns the key of the next own flag (its value in self->value), or 0
   at the end or once a flag was bad (said on stderr, self->rc set). */
int
    cli_args_next (cli_args_t *self);

/* The value of the flag just returned is bad: says "bad value for --FLAG:
   'VALUE'" and why (may be NULL). Returns -1. */
int
    cli_args_bad (cli_args_t *self, const char *why);

/* A usage error in a sentence (printf format; NULL: already said). Only
   the first is printed. Returns -1. */
int
    cli_args_fail (cli_args_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Ends the parse: more than max_operands operands is an error; on any
   error prints "Try 'cyclehub CMD --help'.". Unless CLI_ARGS_OFFLINE, then
   checks the identity (cli_connect_ready). Returns self->rc: CLI_OK or
   CLI_USAGE. */
int
    cli_args_end (cli_args_t *self, int max_operands);

/* True if name (a long flag without "--", up to an "=") is one of the
   parse's flags, own or global. */
bool
    cli_args_known (const cli_args_t *self, const char *name);

/* For the commands that parse their own flags (export):
   takes the global flags out of argv [1 ..] (both --flag VALUE and
   --flag=VALUE; not after "--"), applying them, except those named in
   keeps (comma-separated), which stay the command's. Returns CLI_OK or
   CLI_USAGE (said why). */
int
    cli_args_globals (cli_t *cli, const char *command, int *argc, char **argv,
                      const char *keeps);

/* Before a command connects: $CYCLEHUB_CERT and $CYCLEHUB_SERVER_KEY(_FILE)
   where no flag gave them, both halves of CURVE or an agency, keys that can
   be read. Returns CLI_OK or CLI_USAGE (said why). */
int
    cli_connect_ready (cli_t *cli);

/* A client on cli's options, or NULL (said why on stderr). */
hub_client_t *
    cli_client (cli_t *cli);

/* cli_filter (cli_filter.c): the event filters of history and subscribe,
   each repeatable (OR'ed), checked as they are given, and the output
   formats. */
#define CLI_FILTER_MAX 32

typedef struct {
    const char *commissions [CLI_FILTER_MAX];
    size_t n_commissions;
    const char *agencies [CLI_FILTER_MAX];
    size_t n_agencies;
    const char *types [CLI_FILTER_MAX];
    size_t n_types;
    int stages [CLI_FILTER_MAX];
    size_t n_stages;
    Cyclehub__V1__Stage query_stages [CLI_FILTER_MAX];
} cli_filter_t;

/* Adds value of the flag just parsed: kind 't' type, 'c' commission, 'a'
   agency, 's' stage. A type or stage the hub does not know, or an agency
   that is no org-id, is a usage error listing the valid ones. Returns 0
   or -1 (said why). */
int
    cli_filter_add (cli_filter_t *self, cli_args_t *args, char kind, const char *value);

/* The type another spelling names: its JSON member ("responseSubmitted",
   "response_submitted"), its message ("ResponseSubmitted") or its command
   ("consult respond"); NULL if none. */
const hub_type_t *
    cli_type_spelt (const char *text);

/* "unknown WHAT 'TEXT'", with the type's name if TEXT is another spelling
   of one, else the list of types: a usage error (cli_args_fail). */
int
    cli_type_unknown (cli_args_t *args, const char *what, const char *text);

/* Puts the filters into a history query (borrowed from self): one value
   in the single field, several in the repeated one. */
void
    cli_filter_query (cli_filter_t *self, Cyclehub__V1__HistoryQuery *query);

/* True if the event matches every filter given (one value of each). */
bool
    cli_filter_match (const cli_filter_t *self, const Cyclehub__V1__Event *event);

enum { CLI_FORMAT_JSON, CLI_FORMAT_PRETTY, CLI_FORMAT_TABLE, CLI_FORMAT_RAW };

/* "json", "pretty", "table", "raw": the format, or -1. */
int
    cli_format_parse (const char *text);

/* One event as its output line(s) in format, or NULL (freed with zstr_free). */
char *
    cli_format_event (const Cyclehub__V1__Event *event, int format);

/* Prints one event in format (cli_query.c), whole or not at all: a
   signal before any of it is written leaves it unprinted and returns 1.
   Returns 0, 1 or -1 (cannot be written). */
int
    cli_print_event (const Cyclehub__V1__Event *event, int format);

/* Where a relative start begins: from "-N" (the last N events of the
   log; then since_ms is unused) or, from NULL, the first event recorded
   at or after since_ms. Asks the broker. Returns the exit code. */
int
    cli_start_seq (cli_t *cli, const char *from, int64_t since_ms, uint64_t *seq);

/* Parses a decimal unsigned integer (digits only, no sign, no overflow).
   Returns true and sets *value, or false. */
bool
    cli_parse_u64 (const char *text, uint64_t *value);

/* Maps a library return code to an exit code, printing why on stderr. */
int
    cli_fail (int rc, const hub_result_t *result, const char *what);

/* Publishes env and prints "<seq>" or "<seq> duplicate". Returns the exit code. */
int
    cli_publish_envelope (cli_t *cli, const Cyclehub__V1__Envelope *env);

/* `cyclehub GROUP VERB [FLAGS]`, GROUP being "commission", "consult",
   "procure" or "monitor" (argv [0]), its verbs the rows of hub_types.def;
   `cyclehub commission ID` shows a commission (cli_commission_show). */
int
    cli_group (cli_t *cli, int argc, char **argv);

/* Prints the verbs of a group, comma-separated, wrapped at width with
   indent spaces before each line but the first. */
void
    cli_message_verb_list (FILE *out, const char *group, int indent, int width);

/* `cyclehub status` and `cyclehub commission ID` (cli_query.c) */
int
    cli_status (cli_t *cli, int argc, char **argv);
int
    cli_commission_show (cli_t *cli, int argc, char **argv);
/* `cyclehub commission list`: the broker's commission list (cli_query.c). */
int
    cli_commission_list (cli_t *cli, int argc, char **argv);

/* `cyclehub history [FLAGS]` (cli_query.c) */
int
    cli_history (cli_t *cli, int argc, char **argv);

/* `cyclehub subscribe [FLAGS]` (cli_subscribe.c) */
int
    cli_subscribe (cli_t *cli, int argc, char **argv);

/* `cyclehub publish TYPE [FILE|-]`, `-m JSON`, `--lines` */
int
    cli_publish (cli_t *cli, int argc, char **argv);

/* A JSON object as an Envelope of type: a whole Envelope (it has
   "commissionId") or the body alone (cli_message.c). Returns the
   envelope, or NULL with the reason in error. */
Cyclehub__V1__Envelope *
    cli_envelope_of (json_t *json, const hub_type_t *type, char *error, size_t size);

/* `publish [TYPE] --lines [FILE|-]` (cli_lines.c): JSON lines published
   pipelined, one report line per input line, a summary on stderr. type
   NULL: each line names its type. Returns the exit code. */
int
    cli_publish_lines (cli_t *cli, const hub_type_t *type, const char *path,
                       const char *commission, bool dry_run);

/* `cyclehub bridge nats --url URL [FLAGS]`: the event log into JetStream
   (cli_bridge.c). Runs until SIGINT/SIGTERM; returns the exit code. */
int
    cli_bridge (cli_t *cli, int argc, char **argv);

/* `cyclehub relay webhook ...`: events as signed HTTP POSTs (cli_relay.c). */
int
    cli_relay (cli_t *cli, int argc, char **argv);

/* `cyclehub export ocds ...`: an OCDS package of procurement history (cli_export.c). */
int
    cli_export (cli_t *cli, int argc, char **argv);

/* `cyclehub keys new NAME`: a CURVE certificate pair. */
int
    cli_keys (cli_t *cli, int argc, char **argv);

/* `cyclehub tokens new|list|revoke`: the HTTP API's bearer tokens (cli_tokens.c). */
int
    cli_tokens (int argc, char **argv);

/* `cyclehub erase`: erase a consultation response's personal data. */
int
    cli_erase (cli_t *cli, int argc, char **argv);

#endif
