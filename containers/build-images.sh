#!/usr/bin/env bash
# Builds sagesim's local stand-ins for SageMaker's images, offline:
#   sagesim/base     a Debian bookworm root filesystem made with debootstrap and `docker import`ed
#                    (or, where debootstrap is missing, FROM debian:bookworm-slim, which needs a registry)
#   sagesim/sklearn, sagesim/xgboost, sagesim/knn   `docker build` FROM that base
# Every image is tagged :latest and :<content hash of the files that go into it> and carries the label
# sagesim.content-hash; an image whose hash is already present is skipped ("up to date").
#
# Usage: build-images.sh [--force] [--list] [image ...]     (images: sklearn xgboost knn; default all;
#        `base` builds the base image only)
#   --force  rebuild even when an image with the same content hash exists (the base rootfs tarball
#            cache is kept; delete $SAGESIM_CACHE_DIR to re-run debootstrap)
#   --list   print "<image> <hash> <present|missing>" for each image and exit
# Environment: SAGESIM_CACHE_DIR (default ~/.cache/sagesim), SAGESIM_BASE_METHOD=debootstrap|dockerfile,
#              DEBOOTSTRAP_MIRROR (passed to debootstrap when set).
# Output: one progress line per phase on stdout, prefixed with the image name.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
all_images=(sklearn xgboost knn)
force=0
list=0
only_base=0
images=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --list) list=1 ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    sklearn|xgboost|knn) images+=("$arg") ;;
    base) only_base=1 ;;
    *) echo "unknown argument: $arg (images: ${all_images[*]})" >&2; exit 2 ;;
  esac
done
[[ ${#images[@]} -eq 0 ]] && images=("${all_images[@]}")

say() { echo "$*"; }

if ! docker info >/dev/null 2>&1; then
  echo "Docker engine not reachable. Start it: 'sudo dockerd' or 'sudo systemctl start docker' on Linux, Docker Desktop on macOS/Windows." >&2
  exit 3
fi

# Content hash of the files under the given folders of containers/ (paths and bytes), 12 hex digits.
content_hash() {
  (cd "$here" && find "$@" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' ! -name '.DS_Store' -print0 \
    | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12
}

base_hash="$(content_hash base)"
base_tag="sagesim/base:$base_hash"
image_present() { docker image inspect "$1" >/dev/null 2>&1; }

if [[ $list -eq 1 ]]; then
  for name in "${images[@]}"; do
    h="$(content_hash base toolkit "$name")"
    if image_present "sagesim/$name:$h"; then state=present; else state=missing; fi
    echo "$name $h $state"
  done
  exit 0
fi

cache_dir="${SAGESIM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sagesim}"
mkdir -p "$cache_dir"
# Several builds may start at once (parallel test files, two terminals): one at a time.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_dir/build.lock"
  if ! flock -n 9; then
    say "waiting for another sagesim image build to finish"
    flock 9
  fi
fi

build_base() {
  if image_present "$base_tag" && [[ $force -eq 0 ]]; then
    say "sagesim/base: up to date ($base_hash)"
    return
  fi
  local method="${SAGESIM_BASE_METHOD:-}"
  if [[ -z "$method" ]]; then
    if command -v debootstrap >/dev/null 2>&1 && [[ "$(id -u)" -eq 0 ]]; then method=debootstrap; else method=dockerfile; fi
  fi
  case "$method" in
    debootstrap)
      local tarball="$cache_dir/rootfs-$base_hash.tar"
      if [[ -f "$tarball" ]]; then
        say "sagesim/base: using cached root filesystem $tarball"
      else
        say "sagesim/base: building a Debian bookworm root filesystem with debootstrap (takes a few minutes)"
        bash "$here/base/make-rootfs.sh" "$tarball" 2>&1 | sed -u 's/^/sagesim\/base: /'
        # Older root filesystems are of no further use.
        find "$cache_dir" -maxdepth 1 -name 'rootfs-*.tar' ! -name "rootfs-$base_hash.tar" -delete
      fi
      say "sagesim/base: importing into Docker as $base_tag"
      docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' \
        "$tarball" "$base_tag" >/dev/null
      ;;
    dockerfile)
      say "sagesim/base: debootstrap not available (or not root): building FROM debian:bookworm-slim with apt-get; this needs a reachable image registry"
      DOCKER_BUILDKIT=0 docker build --force-rm -q -f "$here/base/Dockerfile.fallback" -t "$base_tag" "$here" >/dev/null
      ;;
    *) echo "SAGESIM_BASE_METHOD must be debootstrap or dockerfile, got $method" >&2; exit 2 ;;
  esac
  docker tag "$base_tag" sagesim/base:latest
  say "sagesim/base: built $base_tag"
  prune_old sagesim/base "$base_hash"
}

build_image() {
  local name="$1"
  local hash
  hash="$(content_hash base toolkit "$name")"
  local tag="sagesim/$name:$hash"
  if image_present "$tag" && [[ $force -eq 0 ]]; then
    docker tag "$tag" "sagesim/$name:latest"
    say "sagesim/$name: up to date ($hash)"
    return
  fi
  build_base_once
  say "sagesim/$name: building $tag"
  # The classic builder resolves FROM against local images only, which is what an offline build needs.
  # --force-rm: a failed or interrupted (Ctrl-C) build leaves no intermediate container behind.
  if ! DOCKER_BUILDKIT=0 docker build --force-rm \
    --build-arg "BASE=$base_tag" \
    --label "sagesim.content-hash=$hash" \
    --label "sagesim.image=$name" \
    -f "$here/$name/Dockerfile" -t "$tag" -t "sagesim/$name:latest" "$here" >"$cache_dir/build-$name.log" 2>&1; then
    sed 's/^/  /' "$cache_dir/build-$name.log" >&2
    echo "sagesim/$name: docker build failed (log above, also in $cache_dir/build-$name.log)" >&2
    exit 1
  fi
  say "sagesim/$name: built $tag"
  prune_old "sagesim/$name" "$hash"
}

# Untags the images of older contents (a running container keeps its image; rmi then just fails).
prune_old() {
  local repo="$1" keep="$2" old
  for old in $(docker images "$repo" --format '{{.Tag}}'); do
    if [[ "$old" != "$keep" && "$old" != latest && "$old" != "<none>" ]]; then
      docker rmi "$repo:$old" >/dev/null 2>&1 || true
    fi
  done
}

base_done=0
build_base_once() {
  if [[ $base_done -eq 0 ]]; then build_base; base_done=1; fi
}

if [[ $only_base -eq 1 ]]; then build_base_once; exit 0; fi
for name in "${images[@]}"; do build_image "$name"; done
