/*  hub_http_problem: errors as RFC 9457 problem details
    (application/problem+json):

        { "type": "urn:cyclehub:problem:DUPLICATE_CONFLICT",
          "title": "Conflict", "status": 409,
          "detail": "msg_id m-1 was used by GB-LAE-E09000033 for different content ...",
          "code": "DUPLICATE_CONFLICT", "field": "msg_id", "instance": "/v1/messages/..." }

    code is the broker's stable reject code (docs/protocol.md) or, for what
    only HTTP refuses, one of UNAUTHENTICATED (401), NOT_FOUND (404, a
    route), METHOD_NOT_ALLOWED (405), RATE_LIMITED (429) and UNAVAILABLE
    (503); field is the offending field's path when there is one; detail is
    the sentence a person can act on.
*/
#ifndef HUB_HTTP_PROBLEM_H
#define HUB_HTTP_PROBLEM_H

#include "hub_http_handler.h"

/* The HTTP status of a reject code: one table for every code of the
   RejectCode enum (500 for a value it does not know). */
unsigned
    hub_http_problem_status (Cyclehub__V1__RejectCode code);

/* The code's name as the problem gives it ("NOT_AUTHORISED"), or NULL for
   a value the enum does not define. */
const char *
    hub_http_problem_code_name (Cyclehub__V1__RejectCode code);

/* Answers with a problem. headers: NULL, or name, value pairs ending in
   NULL (WWW-Authenticate, Retry-After). field may be NULL or "". */
void
    hub_http_problem (hub_http_req_t *req, unsigned status, const char *code,
                      const char *field, const char *const *headers, const char *format, ...)
    __attribute__ ((format (printf, 6, 7)));

/* Answers with the problem of the broker's Reject. */
void
    hub_http_problem_reject (hub_http_req_t *req, const Cyclehub__V1__Reject *reject);

/* A reply that is neither what the handler expected nor a Reject: 500. */
void
    hub_http_problem_unexpected (hub_http_req_t *req, const Cyclehub__V1__Reply *reply);

#endif
