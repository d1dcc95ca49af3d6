/*  hub_notify: tells systemd how the broker is (sd_notify(3)'s protocol:
    READY=1 once it serves, WATCHDOG=1 from its loop, STOPPING=1 at $TERM),
    so that a Type=notify unit with WatchdogSec restarts a broker whose loop
    has stopped turning. Written without libsystemd: the protocol is one
    datagram to the socket $NOTIFY_SOCKET names, and without that variable
    (not started by systemd) every call does nothing.
*/
#ifndef HUB_NOTIFY_H
#define HUB_NOTIFY_H

/* Sends state (e.g. "READY=1", newline-separated assignments) to
   $NOTIFY_SOCKET. Returns 0 if sent or if there is no $NOTIFY_SOCKET, -1 if
   the variable names no usable socket or the send failed (errno says why);
   the broker carries on either way. */
int
    hub_notify (const char *state);

#endif
