/*  bench_forward: the forward-only ceiling of the hub's figures. A zero-logic
    czmq forwarder, its sender and its receiver run as three processes (each
    with its own ZeroMQ context and I/O thread), as a hub and its clients do,
    so the ceiling is the same measurement as a peer benchmark's and the
    ratios of `make bench` mean what they say.

    Usage:
      bench_forward measure push|dealer SIZE COUNT   the rate (prints one line)
      bench_forward serve push|dealer                the forwarder (prints IN OUT)
      bench_forward send push|dealer IN SIZE COUNT   the sender (go on stdin)

    push:   PUSH -> PULL, zmsg loop -> PUB -> SUB (the classic forwarder)
    dealer: DEALER -> ROUTER, zmsg loop that answers each message with a
            16-byte ack and publishes it -> SUB: the hub's publish pattern
            (the sender keeps at most 1024 unacked, as libcyclehub's window)
    The PUB and SUB high-water marks are 0 (PUB never drops); the sender's is
    the default 1000 (it blocks), so the rate is what the receiver drains.
*/
#include <czmq.h>
#include <signal.h>
#include <sys/wait.h>

#define S_WINDOW 1024

static int
s_serve (bool dealer)
{
    zsock_t *in = zsock_new (dealer? ZMQ_ROUTER: ZMQ_PULL);
    zsock_t *out = zsock_new (ZMQ_PUB);
    zsock_set_rcvhwm (in, 0);
    zsock_set_sndhwm (in, 0);
    zsock_set_sndhwm (out, 0);
    int in_port = zsock_bind (in, "tcp://127.0.0.1:*");
    int out_port = zsock_bind (out, "tcp://127.0.0.1:*");
    if (in_port < 0 || out_port < 0)
        return 1;
    printf ("tcp://127.0.0.1:%d tcp://127.0.0.1:%d\n", in_port, out_port);
    fflush (stdout);
    char ack [16] = "ack";
    //  A SIGTERM that lands between the check and the blocking receive
    //  would be lost: the receive wakes up every 100 ms to look again
    zsock_set_rcvtimeo (in, 100);
    while (!zsys_interrupted) {
        zmsg_t *msg = zmsg_recv (in);
        if (!msg && zmq_errno () == EAGAIN)
            continue;
        if (!msg)
            break;
        if (dealer) {
            //  [identity][payload]: answer the sender, publish the payload
            zframe_t *identity = zmsg_pop (msg);
            zframe_send (&identity, in, ZFRAME_MORE);
            zsock_send (in, "b", ack, sizeof ack);
        }
        zmsg_send (&msg, out);
    }
    zsock_destroy (&out);
    zsock_destroy (&in);
    return 0;
}

static int
s_send (bool dealer, const char *endpoint, size_t size, long count)
{
    zsock_t *sock = zsock_new (dealer? ZMQ_DEALER: ZMQ_PUSH);
    zsock_set_linger (sock, 5000);
    if (zsock_connect (sock, "%s", endpoint))
        return 1;
    void *raw = zsock_resolve (sock);
    long sent = 0, acked = 0;
    char buf [64];
    //  Warm-ups (1 byte) until the receiver, subscribed, says go on stdin
    fcntl (STDIN_FILENO, F_SETFL, O_NONBLOCK);
    char go;
    for (int i = 0; i < 20000 && read (STDIN_FILENO, &go, 1) != 1; i++) {
        zmq_send (raw, "w", 1, 0);
        sent++;
        zclock_sleep (1);
        while (dealer && zmq_recv (raw, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            acked++;
    }
    char *payload = calloc (1, size);
    memset (payload, 'x', size);
    for (long i = 0; i < count; i++) {
        while (dealer && sent - acked >= S_WINDOW && zmq_recv (raw, buf, sizeof buf, 0) >= 0)
            acked++;
        zmq_send (raw, payload, size, 0);
        sent++;
        while (dealer && zmq_recv (raw, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            acked++;
    }
    zsock_set_rcvtimeo (sock, 5000);
    while (dealer && acked < sent && zmq_recv (raw, buf, sizeof buf, 0) >= 0)
        acked++;
    free (payload);
    zsock_destroy (&sock);
    return dealer && acked < sent? 1: 0;
}

//  Runs argv as a child with pipes on its stdin and stdout; the pid or -1
static pid_t
s_spawn (char **argv, int *to_child, int *from_child)
{
    int in [2], out [2];
    if (pipe (in) || pipe (out))
        return -1;
    pid_t pid = fork ();
    if (pid == 0) {
        dup2 (in [0], STDIN_FILENO);
        dup2 (out [1], STDOUT_FILENO);
        close (in [1]);
        close (out [0]);
        execv (argv [0], argv);
        _exit (127);
    }
    close (in [0]);
    close (out [1]);
    *to_child = in [1];
    *from_child = out [0];
    return pid;
}

static int
s_measure (char *self, char *mode, char *size_arg, char *count_arg)
{
    size_t size = (size_t) atol (size_arg);
    long count = atol (count_arg);
    int to_fwd, from_fwd, to_send, from_send;
    char *serve_argv [] = { self, "serve", mode, NULL };
    pid_t forwarder = s_spawn (serve_argv, &to_fwd, &from_fwd);
    char endpoints [600] = "", in [300] = "", out [300] = "";
    FILE *lines = fdopen (from_fwd, "r");
    if (forwarder < 0 || !fgets (endpoints, sizeof endpoints, lines)
    ||  sscanf (endpoints, "%299s %299s", in, out) != 2) {
        fprintf (stderr, "bench_forward: the forwarder did not start\n");
        return 1;
    }
    char *send_argv [] = { self, "send", mode, in, size_arg, count_arg, NULL };
    pid_t sender = s_spawn (send_argv, &to_send, &from_send);

    zsock_t *sub = zsock_new (ZMQ_SUB);
    zsock_set_rcvhwm (sub, 0);
    zsock_set_subscribe (sub, "");
    zsock_set_rcvtimeo (sub, 5000);
    zsock_connect (sub, "%s", out);
    void *raw = zsock_resolve (sub);
    char *buf = malloc (size + 1);
    long received = 0;
    int64_t start = 0;
    while (received < count) {
        int n = zmq_recv (raw, buf, size + 1, 0);
        if (n < 0)
            break;
        if (n == 1 && !start) {
            start = zclock_usecs ();
            if (write (to_send, "g", 1) != 1)
                break;
        }
        else
        if ((size_t) n == size)
            received++;
    }
    double rate = start? received / ((zclock_usecs () - start) / 1e6): 0;
    int status = 0;
    waitpid (sender, &status, 0);
    kill (forwarder, SIGTERM);
    waitpid (forwarder, NULL, 0);
    zsock_destroy (&sub);
    free (buf);
    fclose (lines);
    close (to_fwd);
    close (to_send);
    close (from_send);
    printf ("ceiling_forward_%s %.0f msgs/s %ld of %ld\n", mode, rate, received, count);
    return received == count && WIFEXITED (status) && WEXITSTATUS (status) == 0? 0: 1;
}

int
main (int argc, char *argv [])
{
    bool dealer = argc > 2 && streq (argv [2], "dealer");
    bool known = argc > 2 && (dealer || streq (argv [2], "push"));
    signal (SIGPIPE, SIG_IGN);
    if (known && argc == 5 && streq (argv [1], "measure")) {
        char self [PATH_MAX];
        ssize_t len = readlink ("/proc/self/exe", self, sizeof self - 1);
        self [len > 0? len: 0] = 0;
        return s_measure (self, argv [2], argv [3], argv [4]);
    }
    if (known && argc == 3 && streq (argv [1], "serve"))
        return s_serve (dealer);
    if (known && argc == 6 && streq (argv [1], "send"))
        return s_send (dealer, argv [3], (size_t) atol (argv [4]), atol (argv [5]));
    fprintf (stderr, "usage: bench_forward measure push|dealer SIZE COUNT\n"
                     "       bench_forward serve push|dealer\n"
                     "       bench_forward send push|dealer IN SIZE COUNT\n");
    return 2;
}
