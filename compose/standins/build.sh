#!/bin/bash
# Builds local stand-ins for the infrastructure images compose.yaml names, from Debian's packages, on
# a machine where no registry is reachable (see ../../docs/compose.md). Tagged with the real names so
# compose.yaml stays exactly what it is anywhere else. Never push them. Anywhere with a registry,
# `docker compose pull` gets the real images instead and this script is not needed.
#   bash compose/standins/build.sh            # builds the ones missing
#   STANDINS_REBUILD=1 bash compose/standins/build.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build() { # <folder> <image>
  if [ -z "${STANDINS_REBUILD:-}" ] && podman image exists "$2"; then
    echo "standins: $2 exists"
    return
  fi
  echo "standins: building $2 from $1/"
  podman build --pull=never -q -t "$2" "$here/$1"
}
build postgres docker.io/library/postgres:17
build redis docker.io/library/redis:7
build rabbitmq docker.io/library/rabbitmq:4-management
build jaeger docker.io/jaegertracing/jaeger:2.21.0
