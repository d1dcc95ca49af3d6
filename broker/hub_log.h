/*  hub_log: the broker's log lines. One line per event, "module: event
    key=value ...", through czmq's zsys underneath (its "I:", "W:", "E:",
    "D:" prefixes and time stamps). Debug lines are written only after
    hub_log_set_verbose (true) (cyclehubd --verbose): an operator's log
    holds the events of interest, a developer asks for the rest.
*/
#ifndef HUB_LOG_H
#define HUB_LOG_H

#include <stdbool.h>

/* Turns debug lines on or off for the whole process (like zsys's own
   settings, process-wide); off until called. */
void
    hub_log_set_verbose (bool verbose);

/* True once debug lines are on: for code that would build a costly line. */
bool
    hub_log_verbose (void);

void
    hub_log_debug (const char *format, ...) __attribute__ ((format (printf, 1, 2)));
void
    hub_log_info (const char *format, ...) __attribute__ ((format (printf, 1, 2)));
void
    hub_log_warning (const char *format, ...) __attribute__ ((format (printf, 1, 2)));
void
    hub_log_error (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

#endif
