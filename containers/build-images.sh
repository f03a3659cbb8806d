#!/usr/bin/env bash
# Builds sagesim's local images by hand: a thin wrapper over `sagesim images build` (the one
# implementation, src/images/build-images.ts, which talks to the engine through its API; debootstrap
# runs in base/make-rootfs.sh). Run from a checkout after `npm run build` (npm ci does it).
#
# Usage: build-images.sh [--force] [--list] [image ...]     (images: sklearn xgboost knn; default all;
#        `base` alone builds the base image only)
#   --force  rebuild even when an image with the same content hash exists (the base rootfs tarball
#            cache is kept; delete $SAGESIM_CACHE_DIR to re-run debootstrap)
#   --list   list the images with their content hash and whether they are built (`sagesim images ls`)
# Environment: SAGESIM_CACHE_DIR (default ~/.cache/sagesim), SAGESIM_BASE_METHOD=debootstrap|dockerfile,
#              DEBOOTSTRAP_MIRROR (passed to debootstrap when set), DOCKER_HOST=unix://... (the engine).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="$here/../bin/sagesim.js"
if [[ -n "${SAGESIM_IMAGES_WRAPPER:-}" ]]; then
  # An older dist/ spawned this script again: it would loop.
  echo "build-images.sh: the sagesim in dist/ is older than this script: run \`npm run build\`, then try again" >&2
  exit 2
fi
if [[ ! -f "$here/../dist/cli/main.js" ]]; then
  echo "build-images.sh: sagesim is not built yet: run \`npm run build\` (npm ci does it), then try again" >&2
  exit 2
fi
export SAGESIM_IMAGES_WRAPPER=1
args=()
for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --list) exec node "$cli" images ls ;;
    *) args+=("$arg") ;;
  esac
done
exec node "$cli" images build "${args[@]}"
