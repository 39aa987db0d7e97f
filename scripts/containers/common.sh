# shellcheck shell=bash disable=SC2034 # sourced; the variables are used by the scripts that source it
# Shared settings of scripts/containers/*.sh (sourced by bash, not run). Everything lives in
# project-specific places so that nothing global is overwritten and no other podman user is disturbed:
#   - podman configuration: $CNS_CDS_CONTAINERS_HOME/{containers,storage}.conf, used through the
#     CONTAINERS_CONF / CONTAINERS_STORAGE_CONF variables (honoured by every podman command, including
#     `podman system service`);
#   - image and container storage: /var/lib/cns-cds-containers/storage (run root under /run);
#   - API socket, service pid and env file: /run/cns-cds-containers/ (gone after a reboot, like the service);
#   - cached PostgreSQL root file system tarball and logs: $CNS_CDS_CONTAINERS_HOME.
# Every path can be overridden through the variables below.

CNS_CDS_CONTAINERS_HOME="${CNS_CDS_CONTAINERS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/cns-cds-containers}"
CNS_CDS_CONTAINERS_STATE="${CNS_CDS_CONTAINERS_STATE:-/var/lib/cns-cds-containers}"
CNS_CDS_CONTAINERS_RUN="${CNS_CDS_CONTAINERS_RUN:-/run/cns-cds-containers}"
CNS_CDS_PODMAN_SOCKET="${CNS_CDS_PODMAN_SOCKET:-$CNS_CDS_CONTAINERS_RUN/podman.sock}"
CNS_CDS_POSTGRES_LOCAL_IMAGE="${CNS_CDS_POSTGRES_LOCAL_IMAGE:-localhost/cns-cds-postgres:15}"

CONTAINERS_CONF="$CNS_CDS_CONTAINERS_HOME/containers.conf"
CONTAINERS_STORAGE_CONF="$CNS_CDS_CONTAINERS_HOME/storage.conf"
export CONTAINERS_CONF CONTAINERS_STORAGE_CONF

# Pid and socket path of the running API service, as shell assignments (see setup.sh).
CNS_CDS_SERVICE_ENV="$CNS_CDS_CONTAINERS_RUN/podman-service.env"
CNS_CDS_SERVICE_PID="$CNS_CDS_CONTAINERS_RUN/podman-service.pid"
CNS_CDS_SERVICE_LOG="$CNS_CDS_CONTAINERS_HOME/logs/podman-service.log"

cds_log() { printf '[containers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
cds_die() { cds_log "ERROR: $*"; exit 1; }

# cds_timed LABEL CMD...: runs CMD, then logs how long it took. Under `set -e` a failing CMD ends the
# script (CMD is not run in a conditional context, so errexit stays in force inside it).
cds_timed() {
  local cds_timed_what="$1" cds_timed_start
  shift
  cds_timed_start=$(date +%s)
  "$@"
  cds_log "$cds_timed_what: $(($(date +%s) - cds_timed_start)) s"
}

# cds_ping: 0 when the API socket answers.
cds_ping() {
  [ -S "$CNS_CDS_PODMAN_SOCKET" ] || return 1
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -sf --max-time 5 --unix-socket "$CNS_CDS_PODMAN_SOCKET" http://d/_ping 2>/dev/null)" = OK ]
  else
    timeout 10 podman --remote --url "unix://$CNS_CDS_PODMAN_SOCKET" version >/dev/null 2>&1
  fi
}

# cds_service_pid: prints the pid of the API service we started, if it is still that process.
cds_service_pid() {
  local pid
  [ -s "$CNS_CDS_SERVICE_PID" ] || return 1
  pid=$(cat "$CNS_CDS_SERVICE_PID")
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "system service.*unix://$CNS_CDS_PODMAN_SOCKET" || return 1
  echo "$pid"
}
