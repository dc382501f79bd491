#!/usr/bin/env bash
# Installs the Debian packages the test suites need, when what they provide is missing:
#   iproute2       `ip` and `tc`: the stress suite's link faults between network namespaces
#   redis-server, nginx, postgresql   the real servers the tokio-net/net consumer tests talk to
#   wrk            load against http.createServer over tokio-net/net
#   openssl        the TLS test's throwaway certificate
# Needs root (CI runs as root); without it, the tests that need a package skip with a reason
# (except under TOKIO_NET_REQUIRE_SERVICES=1, set by .ci/run, where a missing server fails its test).
set -euo pipefail

declare -A wanted=(
  [ip]=iproute2 [tc]=iproute2 [redis-server]=redis-server [nginx]=nginx [wrk]=wrk
  [openssl]=openssl
)
missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${wanted[$cmd]}")
done
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "-- not root: skipping apt-get install ${missing[*]}"
  exit 0
fi
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "-- apt-get install ${packages[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
# The packages' own services are not wanted: the tests start private instances on free ports.
for service in nginx redis-server postgresql; do
  if command -v service >/dev/null 2>&1; then service "$service" stop >/dev/null 2>&1 || true; fi
done
