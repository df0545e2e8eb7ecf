#!/usr/bin/env bash
# Loads the images the CI `images` job saved (image-<service>.tar.gz, each mercato/<service>:ci) into
# the local Docker. With a second argument, also tags each as mercato/<service>:<that tag> (compose.yaml
# names the images mercato/<service>:dev).
#   bash scripts/ci/load-images.sh DIR [TAG]
set -euo pipefail
dir=${1:?usage: load-images.sh DIR [TAG]}
tag=${2:-}
shopt -s nullglob
archives=("$dir"/image-*.tar.gz)
if [ ${#archives[@]} -eq 0 ]; then
  echo "load-images: no image-*.tar.gz in $dir" >&2
  exit 1
fi
for archive in "${archives[@]}"; do
  service=$(basename "$archive" .tar.gz)
  service=${service#image-}
  gunzip -c "$archive" | docker load
  if [ -n "$tag" ]; then docker tag "mercato/$service:ci" "mercato/$service:$tag"; fi
done
docker image ls 'mercato/*'
