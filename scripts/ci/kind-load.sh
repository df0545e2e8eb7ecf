#!/usr/bin/env bash
# Copies every mercato/<service>:ci image of the local Docker into the kind cluster's node, where the
# chart (image.tag ci, pullPolicy Never: .github/ci/kind-values.yaml) finds them without a registry.
#   bash scripts/ci/kind-load.sh CLUSTER
set -euo pipefail
cluster=${1:?usage: kind-load.sh CLUSTER}
mapfile -t images < <(docker image ls 'mercato/*' --format '{{.Repository}}:{{.Tag}}' | grep ':ci$' | sort)
if [ ${#images[@]} -eq 0 ]; then
  echo "kind-load: no mercato/*:ci image in the local Docker" >&2
  exit 1
fi
kind load docker-image --name "$cluster" "${images[@]}"
