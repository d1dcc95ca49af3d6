/*  cli: shared pieces of the cyclehub command-line tool. Exit codes, the
    global settings, and the message commands built from the descriptors.
*/
#ifndef CLI_H
#define CLI_H

#include "cyclehub.h"
#include <czmq.h>

#define CLI_OK          0       /* done */
#define CLI_REJECTED    1       /* the broker rejected the request */
#define CLI_USAGE       2       /* bad flags or bad input (JSON, values) */
#define CLI_UNREACHABLE 3       /* the broker did not answer within the timeout */
#define CLI_FAILED      4       /* anything else (a file, out of memory) */

typedef struct {
    hub_connect_options_t options;  /* endpoints, agency, timeout */
    bool verbose;                   /* say more on stderr */
} cli_t;

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

/* The message commands: group is "commission", "consult", "procure" or
   "monitor"; argv [0] is the verb. Returns an exit code, or -1 if the verb
   is not a message command of the group. */
int
    cli_message (cli_t *cli, const char *group, int argc, char **argv);

/* Prints the verbs of a group (for its --help). */
void
    cli_message_verbs (FILE *out, const char *group);

/* `cyclehub publish TYPE [FILE|-]` */
int
    cli_publish (cli_t *cli, int argc, char **argv);

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
    cli_keys (int argc, char **argv);

/* `cyclehub tokens new|list|revoke`: the HTTP API's bearer tokens (cli_tokens.c). */
int
    cli_tokens (int argc, char **argv);

/* `cyclehub erase`: erase a consultation response's personal data. */
int
    cli_erase (cli_t *cli, int argc, char **argv);

#endif
