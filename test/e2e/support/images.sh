#!/usr/bin/env bash
# Tags stand-ins for every image the docker stack pins, built from the cached Debian root filesystem
# (rootfs.sh): no image can be pulled on these machines. Each stand-in is the base plus the metadata the
# official image has (its command), so the stack's own references resolve. Idempotent and fast when warm.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
TARBALL="$("$HERE/rootfs.sh")"
BASE="mlops-e2e/debian:$(basename "$TARBALL" .tar)"
export DOCKER_BUILDKIT=0
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  echo "importing $TARBALL as $BASE" >&2
  docker import "$TARBALL" "$BASE" >/dev/null
fi
# stand_in IMAGE DOCKERFILE-LINES...: builds IMAGE from the base unless it already comes from this base.
stand_in() {
  local image="$1"; shift
  if [ "$(docker image inspect -f '{{index .Config.Labels "mlops.e2e.base"}}' "$image" 2>/dev/null)" = "$BASE" ]; then
    return
  fi
  local dir; dir="$(mktemp -d)"
  { echo "FROM $BASE"; echo "LABEL mlops.e2e.base=$BASE"; printf '%s\n' "$@"; } > "$dir/Dockerfile"
  [ -f "${EXTRA_FILE:-}" ] && cp "$EXTRA_FILE" "$dir/"
  docker build -q -t "$image" "$dir" >/dev/null
  rm -rf "$dir"
  echo "built $image" >&2
}
# The pins, read from the stack's own facts so a changed pin is followed here.
pin() { grep -o "$1 = '[^']*'" "$HERE/../../../lib/$2" | sed "s/.*= '\(.*\)'/\1/"; }
stand_in "$(pin GATEWAY_IMAGE model-endpoint/docker-facts.ts)" 'CMD ["nginx", "-g", "daemon off;"]'
stand_in "$(pin REGISTRY_IMAGE ml-pipeline/docker-facts.ts)" 'EXPOSE 5000' \
  'CMD ["/usr/bin/docker-registry", "serve", "/etc/docker/registry/config.yml"]'
stand_in "$(pin GATE_IMAGE ml-pipeline/docker-facts.ts)" 'CMD ["python3"]'
# The templates' base (FROM python:3.12-slim).
stand_in python:3.12-slim 'CMD ["python3"]'
# The runner needs the docker CLI: the host's client (a static binary, or Debian's, linked against the same
# glibc as the base).
EXTRA_FILE="$(readlink -f "$(command -v docker)")" stand_in "$(pin RUNNER_IMAGE ml-pipeline/docker-facts.ts)" \
  "COPY $(basename "$(readlink -f "$(command -v docker)")") /usr/local/bin/docker" 'CMD ["sh"]'
# Prometheus and Alertmanager (MonitoringStack): Debian's binaries, the host's (.ci/run installs them), in the base,
# with the official images' entrypoint, user and writable data directory.
EXTRA_FILE="$(command -v prometheus)" stand_in "$(pin PROMETHEUS_IMAGE monitoring-stack/docker-facts.ts)" \
  'COPY prometheus /bin/prometheus' 'RUN mkdir -p /etc/prometheus /prometheus && chown nobody:nogroup /prometheus' \
  'USER nobody' 'ENTRYPOINT ["/bin/prometheus"]'
# Debian's Alertmanager reads its notification templates from /usr/share/prometheus/alertmanager: both go in one
# tarball (ADD unpacks it).
BUNDLE="$(mktemp -d)/alertmanager-bundle.tar"
tar -C / -cf "$BUNDLE" usr/bin/prometheus-alertmanager usr/share/prometheus/alertmanager/default.tmpl \
  usr/share/prometheus/alertmanager/email.tmpl
EXTRA_FILE="$BUNDLE" stand_in "$(pin ALERTMANAGER_IMAGE monitoring-stack/docker-facts.ts)" \
  'ADD alertmanager-bundle.tar /' 'RUN ln -s /usr/bin/prometheus-alertmanager /bin/alertmanager' \
  'RUN mkdir -p /etc/alertmanager /alertmanager && chown nobody:nogroup /alertmanager' \
  'USER nobody' 'ENTRYPOINT ["/bin/alertmanager"]'
rm -rf "$(dirname "$BUNDLE")"
