/*  hub_verdict: a rejection code, a field path and a reason, filled by the
    pure domain checks (hub_validate, hub_cycle).
*/
#include "hub_verdict.h"
#include "hub_time.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void
hub_verdict_clear (hub_verdict_t *self)
{
    if (!self)
        return;
    self->code = CYCLEHUB__V1__REJECT_CODE__REJECT_CODE_UNSPECIFIED;
    self->field [0] = 0;
    self->reason [0] = 0;
}

int
hub_verdict_set (hub_verdict_t *self, Cyclehub__V1__RejectCode code,
                 const char *field, const char *format, ...)
{
    if (!self)
        return -1;
    self->code = code;
    snprintf (self->field, sizeof self->field, "%s", field? field: "");
    va_list args;
    va_start (args, format);
    int len = vsnprintf (self->reason, sizeof self->reason, format, args);
    va_end (args);
    if (len < 0)
        self->reason [0] = 0;
    else
    if ((size_t) len >= sizeof self->reason)
        //  Say that the sentence was cut rather than end it mid-word silently
        memcpy (self->reason + sizeof self->reason - 4, "...", 4);
    return -1;
}

const char *
hub_verdict_when (char *buf, size_t size, int64_t ms)
{
    hub_time_format (ms, buf, size);
    return buf;
}
