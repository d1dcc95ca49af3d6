# Shared by the deploy tests (sourced): a temp dir removed at exit, fail(),
# the install into a temp prefix, and a broker started and stopped there.
set -euo pipefail
tmp=$(mktemp -d)
broker_pid=
s_cleanup () {
    if [ -n "$broker_pid" ]; then kill -TERM "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap s_cleanup EXIT
fail () { echo "$test_name: FAIL: $*" >&2; exit 1; }

# install BUILD-DIR: cmake --install into $tmp/prefix
install_into_tmp () {
    prefix=$tmp/prefix
    cmake --install "$1" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
        { cat "$tmp/install.log" >&2; fail "cmake --install $1 --prefix $prefix failed"; }
}

# broker_start CYCLEHUBD STORE [FLAG...]: a --plain broker on free ports;
# sets api, events and broker_pid once it is ready
broker_start () {
    local bin=$1 store=$2; shift 2
    rm -f "$tmp/endpoints"
    "$bin" --plain --store "$store" --api 'tcp://127.0.0.1:*' --events 'tcp://127.0.0.1:*' \
        --endpoints-file "$tmp/endpoints" "$@" >>"$tmp/broker.log" 2>&1 &
    broker_pid=$!
    for _ in $(seq 1 300); do
        [ -s "$tmp/endpoints" ] && break
        kill -0 "$broker_pid" 2>/dev/null || { cat "$tmp/broker.log" >&2; broker_pid=; fail "the broker exited at start"; }
        sleep 0.05
    done
    [ -s "$tmp/endpoints" ] || fail "the broker wrote no endpoints file"
    api=$(sed -n 1p "$tmp/endpoints"); events=$(sed -n 2p "$tmp/endpoints")
}

# broker_stop: SIGTERM, and its exit status must be 0 (a clean stop)
broker_stop () {
    kill -TERM "$broker_pid"
    local rc=0; wait "$broker_pid" || rc=$?
    broker_pid=
    [ "$rc" -eq 0 ] || { cat "$tmp/broker.log" >&2; fail "the broker exited $rc on SIGTERM"; }
}
