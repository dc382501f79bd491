#!/usr/bin/env bash
# Installs the Debian packages the test suites need, when a command is missing:
#   iproute2  `ip` and `tc`, for the stress suite's link faults between network namespaces
# Needs root (CI runs as root); without it, the tests that need a package skip with a reason.
set -euo pipefail

declare -A wanted=([ip]=iproute2 [tc]=iproute2)
missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "-- not root: skipping apt-get install ${missing[*]}"
  exit 0
fi
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "-- apt-get install ${packages[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
