/*  hub_http_problem: RFC 9457 problem responses, and the one table from
    the broker's reject codes to HTTP statuses. See hub_http_problem.h.
*/
#include "hub_http_problem.h"
#include "hub_json.h"

#define S_CODE(name) CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_##name

//  Every RejectCode has its row; test_http_problem fails if one is added
//  to the .proto without a row here.
static const struct {
    Cyclehub__V1__RejectCode code;
    unsigned status;
} s_status [] = {
    { S_CODE (UNSPECIFIED),         500 },
    { S_CODE (MALFORMED),           400 },  //  malformed request (JSON, wire rules)
    { S_CODE (TOO_LARGE),           413 },  //  the body, a string or a list over its limit
    { S_CODE (UNKNOWN_TYPE),        400 },  //  no body, or a type clients may not send
    { S_CODE (MISSING_FIELD),       422 },
    { S_CODE (INVALID_VALUE),       422 },
    { S_CODE (UNKNOWN_COMMISSION),  404 },  //  also commission.opened for one that exists
    { S_CODE (ILLEGAL_TRANSITION),  409 },
    { S_CODE (NOT_AUTHORISED),      403 },
    { S_CODE (DUPLICATE_CONFLICT),  409 },
    { S_CODE (STORE_FULL),          507 },
    { S_CODE (INTERNAL),            500 },
    { S_CODE (OVERLOADED),          503 },  //  the api socket's reply budget (not met over HTTP)
    { S_CODE (DISK_FULL),           507 },
};

unsigned
hub_http_problem_status (Cyclehub__V1__RejectCode code)
{
    for (size_t i = 0; i < sizeof s_status / sizeof s_status [0]; i++)
        if (s_status [i].code == code)
            return s_status [i].status;
    return 500;
}

const char *
hub_http_problem_code_name (Cyclehub__V1__RejectCode code)
{
    const ProtobufCEnumValue *value = protobuf_c_enum_descriptor_get_value (
        &cyclehub__v1__reject_code__descriptor, (int) code);
    return value? value->name + strlen ("REJECT_CODE_"): NULL;
}

static const char *
s_title (unsigned status)
{
    switch (status) {
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 413: return "Content Too Large";
        case 422: return "Unprocessable Content";
        case 429: return "Too Many Requests";
        case 503: return "Service Unavailable";
        case 507: return "Insufficient Storage";
        default:  return "Internal Server Error";
    }
}

void
hub_http_problem (hub_http_req_t *req, unsigned status, const char *code,
                  const char *field, const char *const *headers, const char *format, ...)
{
    char detail [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (detail, sizeof detail, format, args);
    va_end (args);
    char type [96];
    snprintf (type, sizeof type, "urn:cyclehub:problem:%s", code);
    json_t *problem = json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", type,
                                 "title", s_title (status), "status", (int) status,
                                 "detail", detail, "code", code,
                                 "instance", req->path? req->path: "");
    if (problem && field && *field)
        json_object_set_new (problem, "field", json_string (field));
    char *text = hub_json_dumps (problem, 0);
    json_decref (problem);
    if (!text) {
        //  json_pack refuses a detail that is not UTF-8: never expected, since
        //  the sentences are ours, but answer anyway
        hub_http_send (req, status, "application/problem+json", "{}", 2, headers);
        return;
    }
    char *line = zsys_sprintf ("%s\n", text);
    free (text);
    if (line)
        hub_http_send (req, status, "application/problem+json", line, strlen (line), headers);
    zstr_free (&line);
}

void
hub_http_problem_reject (hub_http_req_t *req, const Cyclehub__V1__Reject *reject)
{
    const char *name = hub_http_problem_code_name (reject->code);
    hub_http_problem (req, hub_http_problem_status (reject->code), name? name: "UNSPECIFIED",
                      reject->field, NULL, "%s", reject->reason? reject->reason: "");
}

void
hub_http_problem_unexpected (hub_http_req_t *req, const Cyclehub__V1__Reply *reply)
{
    if (reply && reply->body_case == CYCLEHUB__V1__REPLY__BODY_REJECT)
        hub_http_problem_reject (req, reply->reject);
    else
        hub_http_problem (req, 500, "INTERNAL", NULL, NULL,
                          "the broker gave an answer of an unexpected kind; retry later");
}
