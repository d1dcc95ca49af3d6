#!/usr/bin/env bash
# test_install: what `cmake --install` puts on a host works there. Installs
# the build tree into a temp prefix, checks the files (the SONAME, the man
# pages render without warnings), builds a partner's C program with
#   cc partner.c $(pkg-config --cflags --libs cyclehub)
# (PKG_CONFIG_PATH at the prefix alone), and runs it against the installed
# cyclehubd on free ports: an ack, the status, and a rejection.
#   tests/deploy/install.sh BUILD-DIR [EXTRA-CFLAGS]
test_name=test_install
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
build=$1
extra_cflags=${2:-}

install_into_tmp "$build"
for f in bin/cyclehubd bin/cyclehub include/cyclehub/cyclehub.h include/cyclehub/cyclehub.pb-c.h \
         lib/systemd/system/cyclehubd.service share/man/man8/cyclehubd.8 share/man/man1/cyclehub.1 \
         share/doc/cyclehub/examples/cyclehubd.cfg; do
    [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
pc=$(find "$prefix" -name cyclehub.pc)
[ -n "$pc" ] || fail "no cyclehub.pc installed"
lib=$(find "$prefix" -name 'libcyclehub.so.*.*.*')
[ -n "$lib" ] || fail "no libcyclehub.so.X.Y.Z installed"
libdir=$(dirname "$lib")
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libcyclehub.so.0 ] || fail "SONAME is '$soname', expected libcyclehub.so.0"
[ -L "$libdir/libcyclehub.so" ] && [ -L "$libdir/$soname" ] || fail "the .so and SONAME links are missing"
"$prefix/bin/cyclehubd" --help >/dev/null || fail "the installed cyclehubd --help failed"
"$prefix/bin/cyclehub" --help >/dev/null || fail "the installed cyclehub --help failed"

# The man pages render, say what the programs' --help says, without groff warnings
for page in man8/cyclehubd.8:--backup man1/cyclehub.1:subscribe; do
    file=$prefix/share/man/${page%%:*}
    text=$(MANWIDTH=80 man --warnings -l "$file" 2>"$tmp/man.err") || fail "man -l $file failed"
    [ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err" >&2; fail "man -l $file warned"; }
    grep -q -- "${page##*:}" <<<"$text" || fail "man -l $file lacks ${page##*:}"
    grep -q "SEE ALSO" <<<"$text" || fail "man -l $file lacks the SEE ALSO of its .h2m file"
done

# A partner's program, built against the installed library only
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs cyclehub) || fail "pkg-config --cflags --libs cyclehub failed"
incdir=$(pkg-config --variable=includedir cyclehub)
[ "$(cd "$incdir" && pwd -P)" = "$(cd "$prefix/include" && pwd -P)" ] ||
    fail "cyclehub.pc's includedir is $incdir, not the prefix's include"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $extra_cflags -o "$tmp/partner" "$here/partner.c" $flags ||
    fail "cc partner.c \$(pkg-config --cflags --libs cyclehub) failed"
loads=$(LD_LIBRARY_PATH=$libdir ldd "$tmp/partner")
grep -q "libcyclehub.so.0 => $libdir/" <<<"$loads" ||
    fail "the partner's program does not load libcyclehub.so.0 from the prefix"

broker_start "$prefix/bin/cyclehubd" "$tmp/store"
envelope='{"commissionId": "ocds-h6vhtk-056931",
           "commissionOpened": {"title": "Falls prevention", "buyer": "GB-LAE-E09000033"}}'
out=$(LD_LIBRARY_PATH=$libdir "$tmp/partner" "$api" GB-LAE-E09000033 "$envelope") ||
    fail "the partner's program failed: $out"
[ "$out" = "$(printf 'seq 1\nlast_seq 1')" ] || fail "the partner's program printed '$out'"
# The same commission again: the broker's rejection reaches the program through the library
rc=0; out=$(LD_LIBRARY_PATH=$libdir "$tmp/partner" "$api" GB-LAE-E09000033 "$envelope" 2>&1) || rc=$?
[ "$rc" -eq 1 ] || fail "a second commission.opened exited $rc, expected 1: $out"
grep -q "ocds-h6vhtk-056931" <<<"$out" || fail "the rejection does not name the commission: $out"
broker_stop

# The unit's example config, with /etc and /var/lib moved here and free ports:
# the installed broker starts on it in CURVE mode, set up as the doc says
mkdir -p "$tmp/etc/cyclehub/auth/agencies"
"$prefix/bin/cyclehub" keys new "$tmp/etc/cyclehub/auth/broker" >/dev/null || fail "cyclehub keys new failed"
printf 'agency\n' >"$tmp/etc/cyclehub/auth/agencies.cfg"
sed -e "s#/etc/cyclehub#$tmp/etc/cyclehub#; s#/var/lib/cyclehub#$tmp/var/lib/cyclehub#" \
    -e "s#tcp://0.0.0.0:[0-9]*#tcp://127.0.0.1:*#" \
    "$prefix/share/doc/cyclehub/examples/cyclehubd.cfg" >"$tmp/etc/cyclehub/cyclehubd.cfg"
"$prefix/bin/cyclehubd" --config "$tmp/etc/cyclehub/cyclehubd.cfg" --endpoints-file "$tmp/endpoints.curve" \
    >"$tmp/curve.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 300); do
    [ -s "$tmp/endpoints.curve" ] && break
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.05
done
[ -s "$tmp/endpoints.curve" ] || { cat "$tmp/curve.log" >&2; fail "cyclehubd did not start on the example config"; }
grep -q "CURVE mode" "$tmp/curve.log" || fail "the example config did not start the broker in CURVE mode"
[ -f "$tmp/var/lib/cyclehub/data.mdb" ] || fail "the example config's store is not where the doc says"
broker_stop
echo "$test_name: ok ($prefix: $soname, cyclehub.pc, unit, man pages; partner program: ack, status, rejection; example config: CURVE broker)"
