#!/usr/bin/env bash
# npm run e2e:docker: the docker target end to end on a real Docker engine. Uses the engine that answers on
# the default socket; if none does, starts dockerd (vfs storage, as root) and stops it at the end. Fails with
# the reason when no engine can be had: it never passes without running.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${MLOPS_E2E_CACHE:-${XDG_CACHE_HOME:-/var/cache}/mlops-e2e}"
mkdir -p "$CACHE"
STARTED=""
stop_engine() {
  if [ -n "$STARTED" ]; then
    kill "$STARTED" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$STARTED" 2>/dev/null || break; sleep 1; done
  fi
}
trap stop_engine EXIT
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || {
    echo "e2e:docker: no Docker engine answers and dockerd is not installed (apt-get install docker.io)" >&2
    exit 1
  }
  [ "$(id -u)" = 0 ] || { echo "e2e:docker: no Docker engine answers, and starting dockerd needs root" >&2; exit 1; }
  DOCKERD="$(command -v dockerd || echo /usr/sbin/dockerd)"
  "$DOCKERD" --storage-driver=vfs >"$CACHE/dockerd.log" 2>&1 &
  STARTED=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; kill -0 "$STARTED" 2>/dev/null || break; sleep 1; done
  docker info >/dev/null 2>&1 || {
    echo "e2e:docker: dockerd did not start; its log ($CACHE/dockerd.log) ends with:" >&2
    tail -n 20 "$CACHE/dockerd.log" >&2
    exit 1
  }
fi
API="$(docker version -f '{{.Server.APIVersion}}')"
case "$API" in
  1.4[5-9] | 1.[5-9]*) ;;
  *) echo "e2e:docker: the engine speaks API $API; the stack needs Docker Engine 26+ (API 1.45: volume sub-paths)" >&2; exit 1 ;;
esac
test/e2e/support/images.sh
npx jest --runInBand --testMatch '**/test/e2e/*.e2e.ts' --testTimeout 900000 "$@"
