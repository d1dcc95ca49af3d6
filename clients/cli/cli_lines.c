/*  cli_lines: `cyclehub publish [TYPE] --lines [FILE|-]`: many messages,
    one JSON object a line, published pipelined (libcyclehub's async
    publisher), with one report line per input line and a summary, so a
    partner can load a file of thousands of messages and see at once which
    were stored and which refused, and why.
*/
#include "cli.h"
#include <errno.h>

typedef struct {
    cli_t *cli;
    uint64_t *line_of;                  //  token - 1 -> input line number
    size_t tokens;                      //  entries of line_of in use
    size_t capacity;
    uint64_t stored, duplicates, rejected, invalid;
} s_run_t;

//  One completed publish: its report line
static void
s_completed (const hub_result_t *result, void *arg)
{
    s_run_t *run = arg;
    uint64_t line = result->token >= 1 && result->token <= run->tokens?
                    run->line_of [result->token - 1]: 0;
    if (result->rc == HUB_OK) {
        run->stored++;
        run->duplicates += result->duplicate;
        printf ("%" PRIu64 " seq %" PRIu64 "%s\n", line, result->seq,
                result->duplicate? " duplicate": "");
    }
    else {
        run->rejected++;
        printf ("%" PRIu64 " rejected %s %s: %s\n", line,
                result->rc == HUB_REJECTED? hub_proto_reject_name (result->code): "ERROR",
                *result->field? result->field: "-",
                result->rc == HUB_REJECTED? result->reason: hub_strerror (result->rc));
    }
}

//  A line {"type", "commissionId"?, "msgId"?, "body"} as an Envelope (of
//  type, if one is fixed). Returns it, or NULL with the reason in error.
static Cyclehub__V1__Envelope *
s_wrapped (json_t *json, const hub_type_t *type, char *error, size_t size)
{
    const char *name = json_string_value (json_object_get (json, "type"));
    const char *commission_id = json_string_value (json_object_get (json, "commissionId"));
    const char *msg_id = json_string_value (json_object_get (json, "msgId"));
    json_t *body = json_object_get (json, "body");
    const hub_type_t *row = name? hub_types_named (name): NULL;
    Cyclehub__V1__Envelope *env = NULL;
    if (!name)
        snprintf (error, size, "no \"type\": each line is {\"type\": TYPE, \"body\": {...}}");
    else
    if (!row && cli_type_spelt (name))
        snprintf (error, size, "unknown message type '%s': the type's name is %s", name,
                  cli_type_spelt (name)->name);
    else
    if (!row || row->relations == HUB_BROKER || !hub_envelope_body_descriptor (row->body_case))
        snprintf (error, size, "unknown message type '%s' (the list: cyclehub publish --help)",
                  name);
    else
    if (type && row != type)
        snprintf (error, size, "the line's \"type\" is %s, not %s", name, type->name);
    else
    if (!json_is_object (body))
        snprintf (error, size, "no \"body\" object");
    else
        env = cli_envelope_of (body, row, error, size);
    if (env && ((commission_id && hub_set_string (&env->commission_id, commission_id))
            ||  (msg_id && hub_set_string (&env->msg_id, msg_id)))) {
        snprintf (error, size, "out of memory");
        hub_envelope_destroy (&env);
    }
    return env;
}

//  One line as an Envelope: {"type", "body", ...}, or with type fixed, as
//  `publish TYPE` reads one message. Returns it, or NULL with the reason in
//  error.
static Cyclehub__V1__Envelope *
s_envelope (const char *text, const hub_type_t *type, const char *commission,
            char *error, size_t size)
{
    json_error_t jerror;
    json_t *json = json_loads (text, JSON_REJECT_DUPLICATES, &jerror);
    Cyclehub__V1__Envelope *env = NULL;
    if (!json || !json_is_object (json))
        snprintf (error, size, "%s", json? "expected a JSON object": jerror.text);
    else
    if (type && !json_object_get (json, "type"))
        env = cli_envelope_of (json, type, error, size);
    else
        env = s_wrapped (json, type, error, size);
    if (env && (!env->commission_id || !*env->commission_id)
    &&  (!commission || !*commission || hub_set_string (&env->commission_id, commission))) {
        snprintf (error, size, "no commission: give \"commissionId\" or --commission ID");
        hub_envelope_destroy (&env);
    }
    json_decref (json);
    return env;
}

//  Sends one envelope, remembering its line. Returns a library code.
static int
s_send (s_run_t *run, hub_client_t *client, const Cyclehub__V1__Envelope *env, uint64_t line)
{
    if (run->tokens == run->capacity) {
        size_t capacity = run->capacity? run->capacity * 2: 1024;
        uint64_t *grown = realloc (run->line_of, capacity * sizeof *grown);
        if (!grown)
            return HUB_ENOMEM;
        run->line_of = grown;
        run->capacity = capacity;
    }
    //  Tokens count from 1, one per publish of this client
    run->line_of [run->tokens++] = line;
    uint64_t token = 0;
    int rc = hub_client_publish_async (client, env, &token, NULL);
    if (rc != HUB_OK)
        run->tokens--;
    else
        assert (token == run->tokens);
    return rc;
}

//  Reads every line of file and publishes it (or prints it, dry_run).
//  Returns a library code (HUB_OK once every line was handled).
static int
s_each_line (s_run_t *run, hub_client_t *client, FILE *file, const hub_type_t *type,
             const char *commission)
{
    char *text = NULL;
    size_t size = 0;
    uint64_t line = 0;
    int rc = HUB_OK;
    while (rc == HUB_OK && !zsys_interrupted && getline (&text, &size, file) >= 0) {
        line++;
        const char *start = text + strspn (text, " \t\r\n");
        if (*start == 0 || *start == '#')
            continue;
        char error [512];
        Cyclehub__V1__Envelope *env = s_envelope (text, type, commission, error, sizeof error);
        if (!env) {
            run->invalid++;
            printf ("%" PRIu64 " invalid - -: %s\n", line, error);
            continue;
        }
        if (client)
            rc = s_send (run, client, env, line);
        else {
            char *json = hub_json_encode (&env->base, 0);
            printf ("%s\n", json? json: "{}");
            free (json);
        }
        hub_envelope_destroy (&env);
    }
    free (text);
    return rc == HUB_OK && zsys_interrupted? HUB_EINTR: rc;
}

int
cli_publish_lines (cli_t *cli, const hub_type_t *type, const char *path,
                   const char *commission, bool dry_run)
{
    FILE *file = !path || streq (path, "-")? stdin: fopen (path, "r");
    if (!file) {
        fprintf (stderr, "cyclehub: publish: cannot read %s: %s\n", path, strerror (errno));
        return CLI_USAGE;
    }
    s_run_t run = { .cli = cli };
    hub_client_t *client = dry_run? NULL: cli_client (cli);
    int rc = dry_run || client? CLI_OK: CLI_USAGE;
    if (client)
        hub_client_set_handler (client, s_completed, &run);
    int64_t start = zclock_mono ();
    int lib_rc = rc == CLI_OK? s_each_line (&run, client, file, type, commission): HUB_OK;
    //  What is in flight still gets its answer (also after a signal)
    int flushed = client && (lib_rc == HUB_OK || lib_rc == HUB_EINTR)?
                  hub_client_flush (client, -1): HUB_OK;
    lib_rc = flushed != HUB_OK? flushed: lib_rc;
    int64_t elapsed = zclock_mono () - start;
    if (file != stdin)
        fclose (file);
    hub_result_t why = { .rc = lib_rc };
    if (client)
        snprintf (why.reason, sizeof why.reason, "%s", hub_client_why (client));
    size_t unanswered = client? hub_client_in_flight (client): 0;
    hub_client_destroy (&client);
    free (run.line_of);
    if (rc != CLI_OK)
        return rc;
    fflush (stdout);
    fprintf (stderr, "cyclehub: publish: %" PRIu64 " stored (%" PRIu64 " duplicates), %" PRIu64
             " rejected, %" PRIu64 " invalid, %zu unanswered in %.3f s (%.0f messages/s)\n",
             run.stored, run.duplicates, run.rejected, run.invalid, unanswered,
             (double) elapsed / 1000, elapsed > 0? (double) run.stored * 1000 / (double) elapsed: 0);
    if (lib_rc != HUB_OK && lib_rc != HUB_EINTR)
        return cli_fail (lib_rc, &why, "publish");
    return run.invalid? CLI_USAGE: run.rejected? CLI_REJECTED: CLI_OK;
}
