/*  hub_notify: the service notification protocol of systemd, without
    libsystemd (the broker builds and runs where there is no systemd).
    See hub_notify.h; the protocol is documented in sd_notify(3).
*/
#include "hub_notify.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
hub_notify (const char *state)
{
    const char *path = getenv ("NOTIFY_SOCKET");
    if (!path || !*path)
        return 0;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    size_t length = strlen (path);
    //  A path, or an abstract name written with a leading '@' (sent as NUL)
    if ((path [0] != '/' && path [0] != '@') || length >= sizeof addr.sun_path)
        return -1;
    memcpy (addr.sun_path, path, length);
    if (path [0] == '@')
        addr.sun_path [0] = 0;
    int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    size_t size = strlen (state);
    ssize_t sent = sendto (fd, state, size, MSG_NOSIGNAL, (struct sockaddr *) &addr,
                           (socklen_t) (offsetof (struct sockaddr_un, sun_path) + length));
    close (fd);
    return sent == (ssize_t) size? 0: -1;
}
