#!/usr/bin/env bash
# Pushes one scanned image to GHCR as ghcr.io/<owner>/mercato-<service>, tagged with the commit and
# `main` (the workflow logs in first and calls this on main only).
#   bash scripts/ci/push-image.sh SERVICE LOCAL_IMAGE
set -euo pipefail
service=${1:?usage: push-image.sh SERVICE LOCAL_IMAGE}
local_image=${2:?usage: push-image.sh SERVICE LOCAL_IMAGE}
owner=${GITHUB_REPOSITORY_OWNER:?GITHUB_REPOSITORY_OWNER is not set}
repo="ghcr.io/${owner,,}/mercato-$service" # registry names are lower case
for tag in "${GITHUB_SHA:?GITHUB_SHA is not set}" main; do
  docker tag "$local_image" "$repo:$tag"
  docker push "$repo:$tag"
done
