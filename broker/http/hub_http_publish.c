/*  hub_http_publish: POST /v1/messages/{type}. The body is the message's
    canonical JSON (proto/hub_json, the CLI's codec), in either of the two
    forms `cyclehub publish` reads: the whole Envelope
    ({"commissionId": ..., "<member>": {...}}) or the type's body alone with
    ?commission=ID. The Idempotency-Key header is the msg_id. The Envelope
    goes to the broker in the same Request the api socket takes; the answer
    (201 {"seq", "duplicate"}) comes after its commit.
*/
#include "hub_http_routes.h"
#include "hub_http_problem.h"
#include "hub_json.h"
#include "hub_proto.h"
#include "hub_types.h"

#define S_CODE(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name

//  A refusal of the JSON before the broker sees it: a problem with the
//  status of its reject code, the JSON path (hub_json's errors start with
//  it) as the field.
static void
s_refuse_json (hub_http_req_t *req, const char *error)
{
    //  The shape of the JSON (syntax, unknown or repeated fields, two
    //  members of a oneof) is a malformed request; anything else hub_json
    //  refuses is a value (type, range, time, money, enum): invalid
    bool syntax = strncmp (error, "invalid JSON", 12) == 0 || strncmp (error, "JSON at line", 12) == 0;
    bool malformed = syntax || strstr (error, "unknown field") || strstr (error, "give it once")
                  || strstr (error, "members of one");
    //  hub_json names the field first: "tenderPublished.value.amount: ..."
    char field [128] = "";
    const char *colon = strstr (error, ": ");
    size_t len = colon? (size_t) (colon - error): 0;
    if (!syntax && len && len < sizeof field && !memchr (error, ' ', len))
        snprintf (field, sizeof field, "%.*s", (int) len, error);
    Cyclehub__V1__RejectCode code = malformed? S_CODE (MALFORMED): S_CODE (INVALID_VALUE);
    hub_http_problem (req, hub_http_problem_status (code), hub_proto_reject_name (code), field,
                      NULL, "%s", error);
}

//  The list of types a client may publish, for a refusal's sentence.
static void
s_type_list (char *buf, size_t size)
{
    size_t used = 0;
    buf [0] = 0;
    for (size_t i = 0; hub_types_at (i) && used < size; i++) {
        const hub_type_t *row = hub_types_at (i);
        if (row->relations != HUB_BROKER)
            used += (size_t) snprintf (buf + used, size - used, "%s%s", used? ", ": "", row->name);
    }
}

//  Builds the Envelope from the body; NULL with the refusal answered.
static Cyclehub__V1__Envelope *
s_envelope (hub_http_req_t *req, const hub_type_t *row)
{
    char error [512];
    json_t *json = hub_json_parse (req->body? req->body: "", req->body_size, error, sizeof error);
    if (!json) {
        s_refuse_json (req, error);
        return NULL;
    }
    if (!json_is_object (json)) {
        json_decref (json);
        s_refuse_json (req, "invalid JSON: the body must be a JSON object");
        return NULL;
    }
    const ProtobufCFieldDescriptor *member = protobuf_c_message_descriptor_get_field (
        &cyclehub__v1__envelope__descriptor, row->body_case);
    Cyclehub__V1__Envelope *env = NULL;
    if (json_object_get (json, "commissionId") || json_object_get (json, "commission_id"))
        env = (Cyclehub__V1__Envelope *) hub_json_to_message (
            &cyclehub__v1__envelope__descriptor, json, error, sizeof error);
    else {
        ProtobufCMessage *body = hub_json_to_message (member->descriptor, json, error, sizeof error);
        if (body) {
            env = malloc (sizeof *env);
            if (env) {
                cyclehub__v1__envelope__init (env);
                env->body_case = row->body_case;
                *(ProtobufCMessage **) ((char *) env + member->offset) = body;
            }
            else
                protobuf_c_message_free_unpacked (body, NULL);
        }
    }
    json_decref (json);
    if (!env) {
        s_refuse_json (req, *error? error: "out of memory");
        return NULL;
    }
    if (env->body_case != row->body_case) {
        const char *has = hub_proto_type_name (env->body_case);
        hub_http_problem (req, 400, "UNKNOWN_TYPE", member->name, NULL,
                          "the envelope holds %s, not %s; post it to /v1/messages/%s",
                          has? has: "no message", row->name, has? has: row->name);
        protobuf_c_message_free_unpacked (&env->base, NULL);
        return NULL;
    }
    return env;
}

//  Sets the envelope's msg_id from the Idempotency-Key and its commission
//  from ?commission=, refusing a disagreement with the body. 0 or -1
//  (answered).
static int
s_ids (hub_http_req_t *req, Cyclehub__V1__Envelope *env, const char *key)
{
    const char *commission = hub_http_arg (req, "commission");
    if (env->msg_id && *env->msg_id && strcmp (env->msg_id, key) != 0) {
        hub_http_problem (req, 422, "INVALID_VALUE", "msg_id", NULL,
                          "the body's msgId \"%.128s\" differs from the Idempotency-Key header "
                          "\"%.128s\"; leave msgId out (the header is the msg_id) or send the same",
                          env->msg_id, key);
        return -1;
    }
    bool has_commission = env->commission_id && *env->commission_id;
    if (has_commission && commission && strcmp (commission, env->commission_id) != 0) {
        hub_http_problem (req, 422, "INVALID_VALUE", "commission_id", NULL,
                          "?commission=%.80s differs from the body's commissionId %.80s; give one",
                          commission, env->commission_id);
        return -1;
    }
    if (!has_commission && !commission) {
        hub_http_problem (req, 422, "MISSING_FIELD", "commission_id", NULL,
                          "no commission: add ?commission=OCID to the URL, or send the whole "
                          "envelope with \"commissionId\"");
        return -1;
    }
    //  An unset string is protobuf-c's shared empty string, never freed
    if (env->msg_id != protobuf_c_empty_string)
        free (env->msg_id);
    env->msg_id = strdup (key);
    if (!has_commission) {
        if (env->commission_id != protobuf_c_empty_string)
            free (env->commission_id);
        env->commission_id = strdup (commission);
    }
    return env->msg_id && env->commission_id? 0: -1;
}

void
hub_http_publish (hub_http_req_t *req)
{
    const hub_type_t *row = hub_types_named (req->rest);
    if (!row || row->relations == HUB_BROKER) {
        char types [2048];
        s_type_list (types, sizeof types);
        hub_http_problem (req, 400, "UNKNOWN_TYPE", NULL, NULL,
                          "there is no message type \"%.64s\" a client may publish; the types "
                          "are: %s", req->rest, types);
        return;
    }
    const char *key = hub_http_header (req, "Idempotency-Key");
    if (!key || !*key) {
        hub_http_problem (req, 422, "MISSING_FIELD", "msg_id", NULL,
                          "a publish needs the header Idempotency-Key: a unique id of this "
                          "message (A-Z a-z 0-9 . _ : -, up to 128), sent again unchanged on a retry");
        return;
    }
    Cyclehub__V1__Envelope *env = s_envelope (req, row);
    if (!env)
        return;
    if (s_ids (req, env, key)) {
        if (!req->responded)
            hub_http_problem (req, 500, "INTERNAL", NULL, NULL, "out of memory; retry later");
        protobuf_c_message_free_unpacked (&env->base, NULL);
        return;
    }
    Cyclehub__V1__Request request = CYCLEHUB__V1__REQUEST__INIT;
    request.body_case = CYCLEHUB__V1__REQUEST__BODY_PUBLISH;
    request.publish = env;
    Cyclehub__V1__Reply *reply = hub_http_call (req, &request);
    protobuf_c_message_free_unpacked (&env->base, NULL);
    if (!reply)
        return;
    if (reply->body_case == CYCLEHUB__V1__REPLY__BODY_ACK)
        hub_http_send_json (req, 201, json_pack ("{s:I, s:b}", "seq", (json_int_t) reply->ack->seq,
                                                 "duplicate", reply->ack->duplicate));
    else
        hub_http_problem_unexpected (req, reply);
    cyclehub__v1__reply__free_unpacked (reply, NULL);
}
