/*  hub_tcp: see hub_tcp.h.
*/
#include "hub_tcp.h"
#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>

int64_t
hub_tcp_acked (int fd)
{
    struct tcp_info info;
    socklen_t size = sizeof info;
    if (fd < 0 || getsockopt (fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0
    ||  size < offsetof (struct tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
        return -1;
    return (int64_t) info.tcpi_bytes_acked;
}
