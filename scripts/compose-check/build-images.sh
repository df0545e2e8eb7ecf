#!/bin/bash
# Builds every image compose.yaml builds (the root Dockerfile, SERVICE=<name>, tagged mercato/<name>:dev)
# with podman, giving npm this machine's CA bundle as build mounts (../shared/containers/README.md) —
# what `docker compose build` does elsewhere. Names on the command line build only those.
set -euo pipefail
cd "$(dirname "$0")/../.."
services=("$@")
if [ ${#services[@]} -eq 0 ]; then
  services=(fake-payment-provider fake-carrier mail-catcher identity catalog inventory cart orders payments
    invoices notifications shipping recommendations web gateway)
fi
ca=/etc/ssl/certs/ca-certificates.crt
npmrc=${XDG_CACHE_HOME:-$HOME/.cache}/mercato-containers/npmrc-hostca
mounts=()
[ -f "$ca" ] && [ -f "$npmrc" ] && mounts=(-v "$ca:/etc/host-ca-bundle.crt:ro" -v "$npmrc:/usr/local/etc/npmrc:ro")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for s in "${services[@]}"; do
  start=$(date +%s)
  # npm's warnings only when the build fails.
  podman build --pull=never -q "${mounts[@]}" -f Dockerfile --build-arg "SERVICE=$s" -t "mercato/$s:dev" . \
    >"$log" 2>&1 || {
    tail -40 "$log"
    echo "building mercato/$s:dev failed" >&2
    exit 1
  }
  echo "built mercato/$s:dev in $(($(date +%s) - start)) s ($(podman image inspect "mercato/$s:dev" --format '{{.Size}}' | awk '{printf "%d MB", $1/1e6}'))"
done
