#!/usr/bin/env bash
# Installs the Debian packages that cyclehub's build, tests and run need,
# only those missing. Run as root on Debian 12 (make run / make test call it).
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config        # toolchain
  libczmq-dev libzmq3-dev                 # sockets
  libprotobuf-c-dev protobuf-c-compiler   # wire format
  liblmdb-dev lmdb-utils                  # history store (+ mdb_stat, mdb_dump)
  libjansson-dev                          # JSON codec
  libsodium-dev                           # HMAC for webhooks
  libcurl4-openssl-dev                    # webhook relay (and the HTTP API's tests)
  libmicrohttpd-dev libgnutls28-dev       # the broker's HTTP front end (TLS by GnuTLS)
  python3                                 # test helpers
  libclang-rt-14-dev                      # libFuzzer runtime (clang only recommends it)
  python3-jsonschema                      # OCDS validator (tests)
  help2man                                # man pages from --help (cmake --install)
  nats-server libnats-dev                 # scale-out bridge (and its tests; a peer in make bench)
  mosquitto libmosquitto-dev              # make bench: Mosquitto QoS 1, a peer measured in the same run
  clang                                   # libFuzzer targets (make fuzz)
  chromium fonts-liberation2              # the dashboard's browser test (headless; Arial-metric font)
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: run 'sudo scripts/deps.sh' (or as root) to install them" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${#missing[@]} packages"
