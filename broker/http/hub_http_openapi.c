/*  hub_http_openapi: GET /v1/openapi.json, the HTTP API as an OpenAPI 3.1
    document. It is built on each request from the tables the API itself
    runs on, so it cannot drift from them:
    - a schema per protobuf message and enum, walked from the descriptors,
      with the JSON names and forms of the codec (hub_json_field_name: a
      time is an RFC 3339 string, a 64-bit integer a string of digits,
      Money {"amount": decimal string, "currency"});
    - a publish path per message type of hub_types.def, its body's required
      fields from hub_fields.def;
    - the problem codes of each status from hub_http_problem_status.
    The hand-written parts are the shapes hub_http_read.c builds around the
    messages (the list and history pages) and the parameters of each path;
    tests/test_http_openapi.py checks real answers against them.
    Served without a token: it describes no data.
*/
#include "hub_http_routes.h"
#include "hub_http_problem.h"
#include "hub_json.h"
#include "hub_proto.h"
#include "hub_types.h"

#define S_SCHEMAS "#/components/schemas/"

static json_t *
s_ref (const char *kind, const char *name)
{
    char ref [200];
    snprintf (ref, sizeof ref, "#/components/%s/%s", kind, name);
    return json_pack ("{s:s}", "$ref", ref);
}

static void
    s_add_message (json_t *schemas, const ProtobufCMessageDescriptor *desc);

static void
s_add_enum (json_t *schemas, const ProtobufCEnumDescriptor *desc)
{
    if (json_object_get (schemas, desc->short_name))
        return;
    json_t *values = json_array ();
    for (unsigned i = 0; i < desc->n_values; i++)
        json_array_append_new (values, json_string (desc->values [i].name));
    json_object_set_new (schemas, desc->short_name, json_pack (
        "{s:s, s:o, s:s}", "type", "string", "enum", values, "description",
        "the value's name, as in proto/cyclehub.proto"));
}

//  The schema of one value of a field, as the codec writes it
static json_t *
s_value (json_t *schemas, const ProtobufCFieldDescriptor *field)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            return json_pack ("{s:s, s:s}", "type", "integer", "format", "int32");
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            return json_pack ("{s:s, s:i, s:I}", "type", "integer", "minimum", 0,
                              "maximum", (json_int_t) UINT32_MAX);
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            if (hub_json_field_is_time (field))
                return json_pack ("{s:s, s:s}", "type", "string", "format", "date-time");
            return json_pack ("{s:s, s:s}", "type", "string", "pattern", "^-?[0-9]+$");
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            return json_pack ("{s:s, s:s}", "type", "string", "pattern", "^[0-9]+$");
        case PROTOBUF_C_TYPE_FLOAT:
        case PROTOBUF_C_TYPE_DOUBLE:
            return json_pack ("{s:[{s:s}, {s:[s,s,s]}]}", "oneOf", "type", "number",
                              "enum", "NaN", "Infinity", "-Infinity");
        case PROTOBUF_C_TYPE_BOOL:
            return json_pack ("{s:s}", "type", "boolean");
        case PROTOBUF_C_TYPE_STRING:
            return json_pack ("{s:s}", "type", "string");
        case PROTOBUF_C_TYPE_BYTES:
            return json_pack ("{s:s, s:s}", "type", "string", "contentEncoding", "base64");
        case PROTOBUF_C_TYPE_ENUM: {
            const ProtobufCEnumDescriptor *desc = field->descriptor;
            s_add_enum (schemas, desc);
            return s_ref ("schemas", desc->short_name);
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            const ProtobufCMessageDescriptor *desc = field->descriptor;
            s_add_message (schemas, desc);
            return s_ref ("schemas", desc->short_name);
        }
    }
    return json_object ();
}

//  A message's schema (and those of every message and enum it holds).
//  Defaults are left out of the JSON, so no property is required here;
//  what a publish must hold is in the type's body schema (s_body_schema).
static void
s_add_message (json_t *schemas, const ProtobufCMessageDescriptor *desc)
{
    if (json_object_get (schemas, desc->short_name))
        return;
    if (desc == &cyclehub__v1__money__descriptor) {
        json_object_set_new (schemas, "Money", json_pack (
            "{s:s, s:{s:{s:s, s:s}, s:{s:s, s:s}}, s:b, s:s}", "type", "object",
            "properties", "amount", "type", "string", "pattern", "^[0-9]+(\\.[0-9]+)?$",
            "currency", "type", "string", "pattern", "^[A-Z]{3}$",
            "additionalProperties", 0, "description",
            "money in the currency's major unit as a decimal string, and its ISO 4217 code: "
            "{\"amount\": \"450000.00\", \"currency\": \"GBP\"}"));
        return;
    }
    json_t *schema = json_object ();
    json_object_set_new (schemas, desc->short_name, schema);     //  first: stops recursion
    json_t *properties = json_object ();
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields [i];
        char name [128];
        hub_json_field_name (field, name, sizeof name);
        json_t *value = s_value (schemas, field);
        if (field->label == PROTOBUF_C_LABEL_REPEATED)
            value = json_pack ("{s:s, s:o}", "type", "array", "items", value);
        json_object_set_new (properties, name, value);
    }
    char about [200];
    snprintf (about, sizeof about, "the JSON form of %s (proto/cyclehub.proto); fields "
              "holding their default are left out", desc->name);
    json_object_set_new (schema, "type", json_string ("object"));
    json_object_set_new (schema, "description", json_string (about));
    json_object_set_new (schema, "properties", properties);
    json_object_set_new (schema, "additionalProperties", json_false ());
}

//  The body a publish of type must hold: its message with the fields
//  hub_fields.def marks REQUIRED at the top level (nested ones are checked
//  by the broker and named in its 422)
static json_t *
s_body_schema (const hub_type_t *type, const ProtobufCMessageDescriptor *desc)
{
    json_t *required = json_array ();
    for (size_t i = 0; hub_types_field_at (i); i++) {
        const hub_field_t *row = hub_types_field_at (i);
        if (row->body_case != type->body_case || !row->required || strchr (row->path, '.'))
            continue;
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field_by_name (desc, row->path);
        char name [128];
        if (field) {
            hub_json_field_name (field, name, sizeof name);
            json_array_append_new (required, json_string (name));
        }
    }
    return json_pack ("{s:[o], s:o, s:s}", "allOf", s_ref ("schemas", desc->short_name),
                      "required", required, "description", type->summary);
}

//  The codes only the HTTP front end gives (hub_http_problem.h); the
//  broker's reject codes come from the RejectCode enum
static const struct {
    const char *code;
    unsigned status;
} s_http_codes [] = {
    { "UNAUTHENTICATED", 401 }, { "NOT_FOUND", 404 }, { "METHOD_NOT_ALLOWED", 405 },
    { "RATE_LIMITED", 429 }, { "UNAVAILABLE", 503 },
};

static const unsigned s_statuses [] = { 400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503, 507 };

//  Appends the problem codes of status to codes (an array)
static void
s_codes_of (unsigned status, json_t *codes)
{
    const ProtobufCEnumDescriptor *desc = &cyclehub__v1__reject_code__descriptor;
    for (unsigned i = 0; i < desc->n_values; i++) {
        Cyclehub__V1__RejectCode code = (Cyclehub__V1__RejectCode) desc->values [i].value;
        if (code && hub_http_problem_status (code) == status)
            json_array_append_new (codes, json_string (hub_http_problem_code_name (code)));
    }
    for (size_t i = 0; i < sizeof s_http_codes / sizeof s_http_codes [0]; i++)
        if (s_http_codes [i].status == status)
            json_array_append_new (codes, json_string (s_http_codes [i].code));
}

static json_t *
s_problem_schema (void)
{
    json_t *codes = json_array ();
    for (size_t i = 0; i < sizeof s_statuses / sizeof s_statuses [0]; i++)
        s_codes_of (s_statuses [i], codes);
    return json_pack (
        "{s:s, s:s, s:[sssss], s:b, s:{s:{s:s, s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:s},"
        " s:{s:o, s:s}, s:{s:s, s:s}, s:{s:s}}}",
        "type", "object", "description", "an RFC 9457 problem (application/problem+json): "
        "program against code, show detail to a person",
        "required", "type", "title", "status", "detail", "code",
        "additionalProperties", 0, "properties",
        "type", "type", "string", "pattern", "^urn:cyclehub:problem:[A-Z_]+$",
        "title", "type", "string",
        "status", "type", "integer",
        "detail", "type", "string", "description", "a sentence a person can act on",
        "code", "enum", codes, "description", "the stable reject code",
        "field", "type", "string", "description", "the offending field's path or parameter",
        "instance", "type", "string");
}

//  components/responses: Problem<status>, naming the status's codes
static json_t *
s_problem_responses (void)
{
    json_t *responses = json_object ();
    for (size_t i = 0; i < sizeof s_statuses / sizeof s_statuses [0]; i++) {
        unsigned status = s_statuses [i];
        json_t *codes = json_array ();
        s_codes_of (status, codes);
        char *list = json_dumps (codes, JSON_COMPACT);
        json_decref (codes);
        char about [400], name [24];
        snprintf (about, sizeof about, "a problem; code one of %s", list? list: "[]");
        free (list);
        json_t *response = json_pack ("{s:s, s:{s:{s:o}}}", "description", about, "content",
                                      "application/problem+json", "schema",
                                      s_ref ("schemas", "Problem"));
        if (status == 401)
            json_object_set_new (response, "headers", json_pack (
                "{s:o}", "WWW-Authenticate", s_ref ("headers", "WWW-Authenticate")));
        if (status == 429 || status == 503)
            json_object_set_new (response, "headers", json_pack (
                "{s:o}", "Retry-After", s_ref ("headers", "Retry-After")));
        snprintf (name, sizeof name, "Problem%u", status);
        json_object_set_new (responses, name, response);
    }
    return responses;
}

//  An operation's responses: ok_status with a JSON body of schema ok, the
//  problems of statuses (ending in 0), and any other problem as default
static json_t *
s_responses (const char *ok_status, const char *about, json_t *ok, const unsigned *statuses)
{
    json_t *responses = json_pack ("{s:{s:s, s:{s:{s:o}}}, s:o}", ok_status, "description",
                                   about, "content", "application/json", "schema", ok,
                                   "default", s_ref ("responses", "Problem500"));
    for (; *statuses; statuses++) {
        char status [16], name [24];
        snprintf (status, sizeof status, "%u", *statuses);
        snprintf (name, sizeof name, "Problem%u", *statuses);
        json_object_set_new (responses, status, s_ref ("responses", name));
    }
    return responses;
}

static json_t *
s_query (const char *name, const char *about, json_t *schema)
{
    return json_pack ("{s:s, s:s, s:s, s:o}", "name", name, "in", "query",
                      "description", about, "schema", schema);
}

//  POST /v1/messages/{type}: one path per type that clients may send, so
//  each names its own body. The body is the message alone (with
//  ?commission=) or the whole envelope holding it.
static void
s_add_publish (json_t *paths, json_t *schemas)
{
    static const unsigned statuses [] = { 400, 401, 403, 404, 409, 413, 422, 429, 503, 507, 0 };
    const ProtobufCMessageDescriptor *envelope = &cyclehub__v1__envelope__descriptor;
    s_add_message (schemas, envelope);
    for (size_t i = 0; hub_types_at (i); i++) {
        const hub_type_t *type = hub_types_at (i);
        const ProtobufCFieldDescriptor *member =
            protobuf_c_message_descriptor_get_field_by_name (envelope, type->member);
        if (type->relations == HUB_BROKER || !member)
            continue;                   //  only the broker writes it: 400 UNKNOWN_TYPE
        const ProtobufCMessageDescriptor *desc = member->descriptor;
        char body [160], member_name [128], path [160], operation [160];
        snprintf (body, sizeof body, "%sBody", desc->short_name);
        json_object_set_new (schemas, body, s_body_schema (type, desc));
        hub_json_field_name (member, member_name, sizeof member_name);
        json_t *in_envelope = json_pack ("{s:[o, {s:[s], s:{s:o}}]}", "allOf",
                                         s_ref ("schemas", "Envelope"), "required", member_name,
                                         "properties", member_name, s_ref ("schemas", body));
        snprintf (path, sizeof path, "/v1/messages/%s", type->name);
        snprintf (operation, sizeof operation, "publish%s", desc->short_name);
        json_t *post = json_pack (
            "{s:s, s:s, s:[s], s:[o, o], s:{s:b, s:{s:{s:{s:[o, o]}}}}, s:o}",
            "operationId", operation, "summary", type->summary, "tags", "publish",
            "parameters", s_ref ("parameters", "Idempotency-Key"),
            s_query ("commission", "the commission (ocid), when the body is the message alone",
                     json_pack ("{s:s}", "type", "string")),
            "requestBody", "required", 1, "content", "application/json", "schema", "anyOf",
            s_ref ("schemas", body), in_envelope,
            "responses", s_responses ("201", "stored and fsynced (a retry with the same "
                                      "Idempotency-Key and body: the original seq)",
                                      s_ref ("schemas", "PublishResult"), statuses));
        json_object_set_new (paths, path, json_pack ("{s:o}", "post", post));
    }
}

static json_t *
s_get (const char *operation, const char *summary, json_t *parameters, json_t *responses)
{
    return json_pack ("{s:{s:s, s:s, s:[s], s:o, s:o}}", "get", "operationId", operation,
                      "summary", summary, "tags", "read", "parameters", parameters,
                      "responses", responses);
}

static json_t *
s_stage_names (void)
{
    json_t *names = json_array ();
    const ProtobufCEnumDescriptor *desc = &cyclehub__v1__stage__descriptor;
    for (unsigned i = 0; i < desc->n_values; i++)
        if (desc->values [i].value)
            json_array_append_new (names, json_string (
                hub_proto_stage_name ((Cyclehub__V1__Stage) desc->values [i].value)));
    return json_pack ("{s:s, s:o}", "type", "string", "enum", names);
}

//  A filter that may be repeated (?type=a&type=b): any of its values
static json_t *
s_any (const char *name, const char *about, json_t *item)
{
    char text [300];
    snprintf (text, sizeof text, "only events %s; repeat it for several (OR'ed, at most 32)",
              about);
    json_t *query = s_query (name, text, json_pack ("{s:s, s:o, s:i}", "type", "array",
                                                    "items", item, "maxItems", 32));
    json_object_set_new (query, "style", json_string ("form"));
    json_object_set_new (query, "explode", json_true ());
    return query;
}

//  GET /v1/ocds/{commission} (hub_http_ocds.c): a token, unless the hub
//  runs with --http-public-ocds
static void
s_add_ocds (json_t *paths, json_t *schemas)
{
    static const unsigned statuses [] = { 401, 404, 422, 429, 503, 0 };
    json_object_set_new (schemas, "OcdsReleasePackage", json_pack (
        "{s:s, s:s, s:[sssss], s:{s:{s:s}, s:{s:s}, s:{s:s, s:[s]}, s:{s:s, s:s},"
        " s:{s:s, s:{s:s, s:[sssss]}}}}",
        "type", "object", "description", "an OCDS 1.1 release package, as `cyclehub export "
        "ocds` writes it: valid against release-package-schema.json of OCDS 1.1.5 "
        "(clients/integrations/ocds/schema/, checked in full by scripts/ocds-validate); "
        "amounts in the currency's major unit as exact JSON numbers; no personal data",
        "required", "uri", "version", "publisher", "publishedDate", "releases",
        "properties", "uri", "type", "string", "version", "const", "1.1",
        "publisher", "type", "object", "required", "name",
        "publishedDate", "type", "string", "format", "date-time",
        "releases", "type", "array", "items", "type", "object", "required",
        "ocid", "id", "date", "tag", "initiationType"));
    json_t *get = json_pack (
        "{s:s, s:s, s:[s], s:[{s:s, s:s, s:b, s:s, s:{s:s}}], s:[{s:[]}, {}], s:o}",
        "operationId", "getOcdsPackage", "summary", "the commission's OCDS release package "
        "(open data: no token needed when the hub runs with --http-public-ocds)",
        "tags", "read", "parameters", "name", "commission", "in", "path", "required", 1,
        "description", "the commission's ocid", "schema", "type", "string",
        "security", "bearer",
        "responses", s_responses ("200", "the release package",
                                  s_ref ("schemas", "OcdsReleasePackage"), statuses));
    json_object_set_new (paths, "/v1/ocds/{commission}", json_pack ("{s:o}", "get", get));
}

//  The read paths (hub_http_read.c) and the shapes it builds around the
//  messages
static void
s_add_reads (json_t *paths, json_t *schemas)
{
    static const unsigned statuses [] = { 400, 401, 429, 503, 0 };
    static const unsigned one [] = { 400, 401, 404, 429, 503, 0 };
    json_t *types = json_array ();
    for (size_t i = 0; hub_types_at (i); i++)
        json_array_append_new (types, json_string (hub_types_at (i)->name));
    const char *number = "^[0-9]+$";
    json_object_set_new (paths, "/v1/status", s_get (
        "getStatus", "the hub's status", json_array (),
        s_responses ("200", "the status", s_ref ("schemas", "Status"), statuses)));
    json_object_set_new (paths, "/v1/commissions", s_get (
        "listCommissions", "the commissions, a page at a time (follow next until null)",
        json_pack ("[o, o, o, o]",
            s_query ("stage", "only commissions in this stage", s_stage_names ()),
            s_query ("agency", "only commissions this org-id leads or partners",
                     json_pack ("{s:s}", "type", "string")),
            s_query ("after", "the page after this ocid (from next)",
                     json_pack ("{s:s}", "type", "string")),
            s_query ("limit", "at most this many (default 100)",
                     json_pack ("{s:s, s:i, s:i}", "type", "integer", "minimum", 0,
                                "maximum", 1000))),
        s_responses ("200", "a page of commissions", s_ref ("schemas", "CommissionPage"),
                     statuses)));
    json_object_set_new (paths, "/v1/commissions/{id}", s_get (
        "getCommission", "a commission's state",
        json_pack ("[{s:s, s:s, s:b, s:s, s:{s:s}}]", "name", "id", "in", "path", "required", 1,
                   "description", "the commission's ocid", "schema", "type", "string"),
        s_responses ("200", "the commission's state", s_ref ("schemas", "CommissionState"),
                     one)));
    json_object_set_new (paths, "/v1/history", s_get (
        "getHistory", "the stored events, a page at a time (follow next until end)",
        json_pack ("[o, o, o, o, o, o, o, o]",
            s_any ("commission", "of these commissions (ocids)",
                   json_pack ("{s:s}", "type", "string")),
            s_any ("type", "of these message types (an unknown one is a 400)",
                   json_pack ("{s:s, s:o}", "type", "string", "enum", types)),
            s_any ("agency", "sent by these agencies (org-ids)",
                   json_pack ("{s:s}", "type", "string")),
            s_any ("stage", "that left their commission in these stages", s_stage_names ()),
            s_query ("since", "recorded at or after", json_pack ("{s:s, s:s}", "type", "string",
                                                                 "format", "date-time")),
            s_query ("until", "recorded before", json_pack ("{s:s, s:s}", "type", "string",
                                                            "format", "date-time")),
            s_query ("after_seq", "events after this seq", json_pack ("{s:s, s:s}", "type",
                                                                      "string", "pattern", number)),
            s_query ("limit", "at most this many", json_pack ("{s:s, s:i, s:i}", "type",
                                                              "integer", "minimum", 0,
                                                              "maximum", 1000))),
        s_responses ("200", "a page of events", s_ref ("schemas", "EventPage"), statuses)));
    s_add_ocds (paths, schemas);
    s_add_message (schemas, &cyclehub__v1__event__descriptor);
    s_add_message (schemas, &cyclehub__v1__status__descriptor);
    s_add_message (schemas, &cyclehub__v1__commission_state__descriptor);
    s_add_message (schemas, &cyclehub__v1__commission_summary__descriptor);
}

//  The shapes hub_http_publish.c and hub_http_read.c build around the
//  messages
static void
s_add_pages (json_t *schemas)
{
    json_object_set_new (schemas, "PublishResult", json_pack (
        "{s:s, s:[ss], s:b, s:{s:{s:s, s:i}, s:{s:s}}}", "type", "object",
        "required", "seq", "duplicate", "additionalProperties", 0, "properties",
        "seq", "type", "integer", "minimum", 1, "duplicate", "type", "boolean"));
    //  a list entry is a CommissionSummary with its owner's registry name
    json_t *item = json_deep_copy (json_object_get (schemas, "CommissionSummary"));
    json_object_set_new (json_object_get (item, "properties"), "ownerName", json_pack (
        "{s:s, s:s}", "type", "string", "description", "the owner's name in the registry"));
    json_object_set_new (schemas, "CommissionListItem", item);
    json_object_set_new (schemas, "CommissionPage", json_pack (
        "{s:s, s:[ss], s:b, s:{s:{s:s, s:o}, s:{s:[ss], s:s}}}", "type", "object",
        "required", "commissions", "next", "additionalProperties", 0, "properties",
        "commissions", "type", "array", "items", s_ref ("schemas", "CommissionListItem"),
        "next", "type", "string", "null", "description", "the next page's link; null at the end"));
    json_object_set_new (schemas, "EventPage", json_pack (
        "{s:s, s:[ssss], s:b, s:{s:{s:s, s:o}, s:{s:s, s:s}, s:{s:s}, s:{s:s, s:s}}}",
        "type", "object", "required", "events", "next", "end", "lastSeq",
        "additionalProperties", 0, "properties",
        "events", "type", "array", "items", s_ref ("schemas", "Event"),
        "next", "type", "string", "description", "the next page's link (also the one to poll)",
        "end", "type", "boolean",
        "lastSeq", "type", "string", "pattern", "^[0-9]+$"));
}

//  GET /v1/events (Server-Sent Events) and GET /v1/openapi.json
static void
s_add_events (json_t *paths)
{
    static const unsigned statuses [] = { 400, 401, 429, 503, 0 };
    json_t *responses = s_responses (
        "200", "the event stream", json_pack ("{s:s}", "type", "string"), statuses);
    json_t *ok = json_object_get (responses, "200");
    json_object_set_new (ok, "content", json_pack (
        "{s:{s:{s:s, s:s}}}", "text/event-stream", "schema", "type", "string", "description",
        "per event: `id:` its seq, `event:` its type, `data:` the Event's JSON (schema "
        "Event, personal data redacted as on the events socket); comment lines as a "
        "heartbeat when idle"));
    json_object_set_new (paths, "/v1/events", json_pack (
        "{s:{s:s, s:s, s:[s], s:[o, o, {s:s, s:s, s:s, s:{s:s, s:s}}], s:o}}", "get",
        "operationId", "streamEvents", "summary", "the events as they are stored, after a "
        "resume point from history then live, with no gap and no duplicate",
        "tags", "read", "parameters",
        s_query ("topic", "only events whose topic starts with this prefix",
                 json_pack ("{s:s}", "type", "string")),
        s_query ("after_seq", "resume after this seq", json_pack ("{s:s, s:s}", "type",
                                                                  "string", "pattern", "^[0-9]+$")),
        "name", "Last-Event-ID", "in", "header", "description",
        "resume after this seq (a reconnecting EventSource sends it)",
        "schema", "type", "string", "pattern", "^[0-9]+$",
        "responses", responses));
    json_object_set_new (paths, "/v1/openapi.json", json_pack (
        "{s:{s:s, s:s, s:[s], s:[], s:{s:{s:s, s:{s:{s:{s:s}}}}}}}", "get",
        "operationId", "getOpenApi", "summary", "this document (no token needed)",
        "tags", "meta", "security", "responses", "200", "description", "the OpenAPI 3.1 document",
        "content", "application/json", "schema", "type", "object"));
}

static json_t *
s_document (void)
{
    json_t *schemas = json_object ();
    json_t *paths = json_object ();
    s_add_publish (paths, schemas);
    s_add_reads (paths, schemas);
    s_add_events (paths);
    s_add_pages (schemas);
    json_object_set_new (schemas, "Problem", s_problem_schema ());
    json_t *components = json_pack (
        "{s:o, s:o, s:{s:{s:s, s:s, s:b, s:s, s:{s:s, s:s}}}, s:{s:{s:s, s:{s:s, s:i}},"
        " s:{s:s, s:{s:s}}}, s:{s:{s:s, s:s, s:s}}}",
        "schemas", schemas, "responses", s_problem_responses (),
        "parameters", "Idempotency-Key", "name", "Idempotency-Key", "in", "header", "required", 1, "description",
        "the message's msg_id: a retry with the same key and body gets the original seq",
        "schema", "type", "string", "pattern", "^[A-Za-z0-9._:-]{1,128}$",
        "headers", "Retry-After", "description", "seconds to wait before retrying",
        "schema", "type", "integer", "minimum", 0,
        "WWW-Authenticate", "description", "the scheme to use: Bearer realm=\"cyclehub\"",
        "schema", "type", "string",
        "securitySchemes", "bearer", "type", "http", "scheme", "bearer", "description",
        "a token of a registered agency (cyclehub tokens new ORG-ID)");
    return json_pack ("{s:s, s:{s:s, s:s, s:s}, s:[{s:[]}], s:o, s:o}",
                      "openapi", "3.1.0", "info", "title", "cyclehub HTTP API",
                      "version", "1", "description", "The hub's HTTP API (docs/http.md). JSON "
                      "is the canonical form of proto/hub_json: lowerCamelCase names (input "
                      "also takes the field names), times as RFC 3339, 64-bit integers as "
                      "strings of digits (input also takes numbers), money as {\"amount\": "
                      "decimal string, \"currency\"}.",
                      "security", "bearer", "paths", paths, "components", components);
}

void
hub_http_openapi (hub_http_req_t *req)
{
    json_t *document = s_document ();
    if (document)
        hub_http_send_json (req, 200, document);
}
