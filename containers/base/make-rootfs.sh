#!/usr/bin/env bash
# Makes the sagesim base root filesystem as a tarball with debootstrap (Debian bookworm, minbase),
# so the base image is built offline from Debian packages alone, with no image registry.
# Usage: make-rootfs.sh <output.tar>
# The mirror is debootstrap's own default (or DEBOOTSTRAP_MIRROR when the user sets one).
set -euo pipefail

out="${1:?usage: make-rootfs.sh <output.tar>}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
include="$(grep -v '^#' "$here/packages.txt" | grep -v '^[[:space:]]*$' | paste -sd, -)"

work="$(mktemp -d "${TMPDIR:-/tmp}/sagesim-rootfs.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

root="$work/root"
echo "debootstrap: bookworm minbase with $include"
args=(--variant=minbase --include="$include" bookworm "$root")
if [[ -n "${DEBOOTSTRAP_MIRROR:-}" ]]; then args+=("$DEBOOTSTRAP_MIRROR"); fi
debootstrap "${args[@]}" 2>&1 | while IFS= read -r line; do
  # debootstrap is chatty (one line per package); keep the phase lines only.
  case "$line" in
    I:\ Retrieving*|I:\ Validating*|I:\ Extracting*|I:\ Unpacking\ *|I:\ Configuring\ *) ;;
    *) echo "debootstrap: $line" ;;
  esac
done
if [[ ! -x "$root/usr/bin/python3" ]]; then
  echo "debootstrap did not produce /usr/bin/python3" >&2
  exit 1
fi

echo "purging build-time dependencies no container needs"
installed="$(chroot "$root" dpkg-query -W -f='${Package}\n' | LC_ALL=C sort)"
wanted="$(grep -v '^#' "$here/purge.txt" | grep -v '^[[:space:]]*$' | LC_ALL=C sort)"
purge="$(LC_ALL=C comm -12 <(echo "$installed") <(echo "$wanted") | paste -sd' ' -)"
if [[ -n "$purge" ]]; then
  # shellcheck disable=SC2086 # a word list on purpose
  chroot "$root" dpkg --purge --force-depends $purge >/dev/null 2>&1
fi

# The SDK's launchers (the repack step, the @step job driver) call `python`; the SageMaker training
# toolkit pip-installs a source directory's requirements.txt into the image's own Python, as the
# cloud images do, so Debian's PEP 668 marker that forbids that is removed.
rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED

echo "trimming apt caches, docs, locales and unused AWS service models"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/var/log/*.log "$root"/var/cache/debconf/*-old "$root"/tmp/*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} + 2>/dev/null || true
# botocore ships the models of every AWS service (about 70 MB); containers talk to S3 and little else.
models="$root/usr/lib/python3/dist-packages/botocore/data"
if [[ -d "$models" ]]; then
  find "$models" -mindepth 1 -maxdepth 1 -type d \
    ! -name s3 ! -name sts ! -name sso ! -name sso-oidc ! -name sagemaker ! -name sagemaker-runtime \
    ! -name logs ! -name cloudwatch ! -name secretsmanager ! -name ssm \
    -exec rm -rf {} +
fi
# Test suites shipped inside the scientific packages are never run in a container.
find "$root/usr/lib/python3/dist-packages/sklearn" -type d -name tests -prune -exec rm -rf {} + 2>/dev/null || true
# Device nodes are provided by the container runtime.
rm -rf "${root:?}"/dev/*

echo "packing root filesystem"
tar -C "$root" --numeric-owner -cf "$out.partial" .
mv "$out.partial" "$out"
echo "root filesystem written to $out ($(du -h "$out" | cut -f1))"
