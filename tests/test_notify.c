/*  test_notify: cyclehubd under a Type=notify systemd unit (issue 15). A real
    broker started with $NOTIFY_SOCKET naming this test's datagram socket, as
    systemd does, must send READY=1 before anything else (systemctl start
    returns on it), WATCHDOG=1 while it serves (WatchdogSec restarts it
    otherwise), and STOPPING=1 last on SIGTERM; for a path and for an
    abstract name. A $NOTIFY_SOCKET that names no socket it can use must not
    stop the broker from serving and stopping cleanly.
*/
#include <czmq.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "hub_test.h"
#include "hub_proc.h"

//  Binds a datagram socket at name (a path, or "@abstract")
static int
s_listen (const char *name)
{
    int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE (fd >= 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    size_t length = strlen (name);
    REQUIRE (length < sizeof addr.sun_path);
    memcpy (addr.sun_path, name, length);
    if (name [0] == '@')
        addr.sun_path [0] = 0;
    REQUIRE (bind (fd, (struct sockaddr *) &addr,
                   (socklen_t) (offsetof (struct sockaddr_un, sun_path) + length)) == 0);
    return fd;
}

//  The next datagram into buf, "" if none came within timeout_ms
static const char *
s_next (int fd, char *buf, size_t size, int timeout_ms)
{
    struct pollfd item = { .fd = fd, .events = POLLIN };
    buf [0] = 0;
    if (poll (&item, 1, timeout_ms) == 1) {
        ssize_t n = recv (fd, buf, size - 1, 0);
        buf [n > 0? n: 0] = 0;
    }
    return buf;
}

static void
s_test_notify (const char *name)
{
    int fd = s_listen (name);
    setenv ("NOTIFY_SOCKET", name, 1);
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    REQUIRE (hub_broker_start (&broker, "notify") == 0);
    char buf [256];
    CHECK_MSG (streq (s_next (fd, buf, sizeof buf, 20000), "READY=1"),
               "%s: first datagram '%s', expected READY=1", name, buf);
    //  The heartbeat is once a second; 20 s leaves a slow ASan run room
    CHECK_MSG (streq (s_next (fd, buf, sizeof buf, 20000), "WATCHDOG=1"),
               "%s: then '%s', expected WATCHDOG=1", name, buf);
    CHECK (hub_broker_stop (&broker) == 0);
    char last [256] = "";
    while (*s_next (fd, buf, sizeof buf, 0))
        snprintf (last, sizeof last, "%s", buf);
    CHECK_MSG (streq (last, "STOPPING=1"), "%s: last datagram '%s', expected STOPPING=1", name, last);
    unsetenv ("NOTIFY_SOCKET");
    close (fd);
    hub_broker_cleanup (&broker);
}

//  A variable that names no usable socket: the broker serves and stops as ever
static void
s_test_unusable (const char *value)
{
    setenv ("NOTIFY_SOCKET", value, 1);
    hub_broker_proc_t broker;
    memset (&broker, 0, sizeof broker);
    CHECK_MSG (hub_broker_start (&broker, "notify-bad") == 0, "NOTIFY_SOCKET=%s: no start", value);
    CHECK_MSG (hub_broker_stop (&broker) == 0, "NOTIFY_SOCKET=%s: no clean stop", value);
    unsetenv ("NOTIFY_SOCKET");
    hub_broker_cleanup (&broker);
}

int
main (void)
{
    char *dir = hub_test_tmpdir ("notify-sock");
    REQUIRE (dir);
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/notify", dir);
    s_test_notify (path);
    char abstract [64];
    snprintf (abstract, sizeof abstract, "@cyclehub-test-notify-%d", (int) getpid ());
    s_test_notify (abstract);
    s_test_unusable ("relative/notify");
    snprintf (path, sizeof path, "%s/nobody-listens", dir);
    s_test_unusable (path);
    hub_test_rmtree (dir);
    free (dir);
    HUB_TEST_DONE ();
}
