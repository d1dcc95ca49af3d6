/*  hub_log: the broker's log lines, over zsys; debug lines only when
    verbose. See hub_log.h.
*/
#include "hub_log.h"
#include <czmq.h>
#include <stdatomic.h>

//  Process-wide, as the log stream itself is: set once by main before any
//  thread starts, read by every thread
static atomic_bool s_verbose;

void
hub_log_set_verbose (bool verbose)
{
    atomic_store (&s_verbose, verbose);
}

bool
hub_log_verbose (void)
{
    return atomic_load (&s_verbose);
}

//  zsys takes a finished line; build it once, then hand it to the level's
//  function
#define S_LOG(zfn, format) do { \
    va_list args; \
    va_start (args, format); \
    char *line = zsys_vprintf (format, args); \
    va_end (args); \
    if (line) \
        zfn ("%s", line); \
    free (line); \
} while (0)

void
hub_log_debug (const char *format, ...)
{
    if (hub_log_verbose ())
        S_LOG (zsys_debug, format);
}

void
hub_log_info (const char *format, ...)
{
    S_LOG (zsys_info, format);
}

void
hub_log_warning (const char *format, ...)
{
    S_LOG (zsys_warning, format);
}

void
hub_log_error (const char *format, ...)
{
    S_LOG (zsys_error, format);
}
