#!/usr/bin/env bash
# Builds (once, then cached) the Debian root filesystem every e2e stand-in image is made from, and prints its
# tarball path. No image can be pulled on these machines, so the images the stack pins are built from
# Debian's packages: python3 (gate, training and serving bases), nginx (gateway), docker-registry (local
# registry), wget and curl (health checks). The tarball is cached outside the repository:
# $MLOPS_E2E_CACHE, else $XDG_CACHE_HOME/mlops-e2e, else /var/cache/mlops-e2e.
set -euo pipefail
CACHE="${MLOPS_E2E_CACHE:-${XDG_CACHE_HOME:-/var/cache}/mlops-e2e}"
PACKAGES="python3,python-is-python3,python3-pip,nginx,docker-registry,wget,curl,passwd,ca-certificates"
SUITE=bookworm
KEY="$(printf '%s %s v1' "$SUITE" "$PACKAGES" | sha256sum | cut -c1-12)"
TARBALL="$CACHE/rootfs-$SUITE-$KEY.tar"
if [ -s "$TARBALL" ]; then
  echo "$TARBALL"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$WORK/root" http://deb.debian.org/debian >&2
R="$WORK/root"
# What the official images have and Debian's packages lack or place elsewhere.
# python images: pip installs into the image's own python (no PEP 668 marker there).
rm -f "$R"/usr/lib/python3*/EXTERNALLY-MANAGED
# registry:2 reads /etc/docker/registry/config.yml and stores under /var/lib/registry.
mkdir -p "$R/etc/docker/registry" "$R/var/lib/registry"
cat > "$R/etc/docker/registry/config.yml" <<'YML'
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: false
http:
  addr: :5000
YML
# nginx images log to stdout and keep their pid file in /var/run.
ln -sf /dev/stdout "$R/var/log/nginx/access.log"
ln -sf /dev/stderr "$R/var/log/nginx/error.log"
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/*
tar -C "$R" -cf "$WORK/rootfs.tar" .
mv "$WORK/rootfs.tar" "$TARBALL"
echo "$TARBALL"
