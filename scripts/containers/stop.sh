#!/usr/bin/env bash
# Stops the podman API service that setup.sh started (by the pid it recorded) and removes the test
# containers it still runs. Images, storage and the cached root file system stay for the next setup.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"

if command -v podman >/dev/null 2>&1 && [ -f "$CONTAINERS_STORAGE_CONF" ]; then
  podman ps -aq --filter label=org.testcontainers=true | xargs -r podman rm -f >/dev/null 2>&1 || true
fi
if pid=$(cds_service_pid); then
  kill "$pid"
  for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
  cds_log "stopped the podman API service (pid $pid)"
else
  cds_log "the podman API service is not running"
fi
rm -f "$CNS_CDS_SERVICE_PID" "$CNS_CDS_SERVICE_ENV" "$CNS_CDS_PODMAN_SOCKET"
