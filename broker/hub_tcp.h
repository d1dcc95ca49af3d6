/*  hub_tcp: what the kernel knows of a TCP connection that ZeroMQ does not
    tell. Its own file because linux/tcp.h (which has the fields) cannot be
    included beside netinet/tcp.h (which czmq.h includes).
*/
#ifndef HUB_TCP_H
#define HUB_TCP_H

#include <stdint.h>

/* The bytes the peer has acknowledged on the TCP socket fd (TCP_INFO's
   tcpi_bytes_acked), or -1 when fd is not a TCP socket (any more). */
int64_t
    hub_tcp_acked (int fd);

#endif
