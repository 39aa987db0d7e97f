#!/usr/bin/env bash
# Provides a Docker-compatible container engine for the testcontainers-based tests on a machine that has no
# Docker engine and no reachable image registry (the CI machines): rootful podman (runc, cgroupfs) serving
# the Docker API on a Unix socket, and a PostgreSQL 15 image built locally from Debian packages.
#
#   container_env=$(bash scripts/containers/setup.sh) && eval "$container_env"
#
# Prints only `export` lines on stdout (DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED,
# TESTCONTAINERS_HOST_OVERRIDE, CNS_CDS_POSTGRES_IMAGE); progress and timings go to stderr. Exits non-zero
# when it cannot provide an engine.
#
# Idempotent, run it as often as you like: it installs podman, runc and debootstrap only when missing,
# rewrites its podman configuration only when it changed, reuses the API service while it answers, and
# builds the image only when missing or outdated (first time: a debootstrap of about a minute, cached as a
# tarball under ~/.cache/cns-cds-containers; later runs take a second or two). The API service runs in the
# background in its own session and outlives this script (pid and socket: /run/cns-cds-containers/
# podman-service.env); scripts/containers/stop.sh stops it.
#
# On a machine where a Docker engine already answers (DOCKER_HOST or /var/run/docker.sock), it does nothing
# and prints nothing: the tests then use that engine with the official postgres:15 image.
# Set CNS_CDS_FORCE_PODMAN=1 to set up podman anyway, CNS_CDS_STORAGE_DRIVER=overlay|vfs to choose the
# storage driver (default: overlay when the kernel can mount it here, else vfs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"

setup_start=$(date +%s)
# runc, debootstrap, mount and friends live in sbin directories, which a non-login PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH" ;; esac

print_exports() {
  printf 'export DOCKER_HOST=%q\n' "unix://$CNS_CDS_PODMAN_SOCKET"
  echo 'export TESTCONTAINERS_RYUK_DISABLED=true'
  # testcontainers would otherwise (seeing /.dockerenv) reach the containers through the podman bridge's
  # gateway address; the published ports are on the loopback interface.
  echo 'export TESTCONTAINERS_HOST_OVERRIDE=localhost'
  printf 'export CNS_CDS_POSTGRES_IMAGE=%q\n' "$CNS_CDS_POSTGRES_LOCAL_IMAGE"
}

# A Docker engine that already answers (a developer's machine) is used as it is.
other_engine_socket() {
  local sock=""
  [ "${CNS_CDS_FORCE_PODMAN:-}" = 1 ] && return 1
  command -v curl >/dev/null 2>&1 || return 1
  case "${DOCKER_HOST:-}" in
    "unix://$CNS_CDS_PODMAN_SOCKET") ;;
    unix://*) sock="${DOCKER_HOST#unix://}" ;;
    "") sock=/var/run/docker.sock ;;
  esac
  [ -n "$sock" ] && [ -S "$sock" ] &&
    [ "$(curl -sf --max-time 5 --unix-socket "$sock" http://d/_ping 2>/dev/null)" = OK ] && echo "$sock"
}
if sock=$(other_engine_socket); then
  cds_log "a Docker engine answers at $sock: nothing to set up (tests use it with the official postgres:15 image; CNS_CDS_FORCE_PODMAN=1 sets up podman anyway)"
  exit 0
fi

[ "$(uname -s)" = Linux ] || cds_die "podman setup is for Linux machines; elsewhere start Docker (Docker Desktop) for the container tests"
[ "$(id -u)" = 0 ] || cds_die "run as root (rootful podman), or start a Docker engine: the container tests use it directly"

mkdir -p "$CNS_CDS_CONTAINERS_HOME" "$CNS_CDS_CONTAINERS_RUN" "$CNS_CDS_CONTAINERS_STATE" "$(dirname "$CNS_CDS_SERVICE_LOG")"
# One setup at a time (fd 9 is closed for the background service, so it does not keep the lock).
exec 9>"$CNS_CDS_CONTAINERS_RUN/setup.lock"
flock -w 1800 9 || cds_die "another setup.sh holds $CNS_CDS_CONTAINERS_RUN/setup.lock"

# --- 1. packages ---------------------------------------------------------------------------------------
install_packages() {
  local missing=() log="$CNS_CDS_CONTAINERS_HOME/logs/apt.log"
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if [ "${#missing[@]}" = 0 ]; then
    cds_log "packages: podman, runc and debootstrap are installed"
    return
  fi
  command -v apt-get >/dev/null 2>&1 || cds_die "missing ${missing[*]} and no apt-get to install them"
  cds_log "packages: installing ${missing[*]} with apt-get (log: $log)"
  export DEBIAN_FRONTEND=noninteractive
  { timeout 900 apt-get -o DPkg::Lock::Timeout=300 update &&
    timeout 1200 apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"; } \
    >"$log" 2>&1 || { tail -n 30 "$log" >&2; cds_die "apt-get could not install ${missing[*]}"; }
}
cds_timed "packages" install_packages

# --- 2. podman configuration ---------------------------------------------------------------------------
# write_if_changed FILE: replaces FILE with stdin when different; status 0 when it changed.
write_if_changed() {
  local new
  new=$(cat)
  if [ -f "$1" ] && [ "$(cat "$1")" = "$new" ]; then return 1; fi
  printf '%s\n' "$new" > "$1.tmp" && mv "$1.tmp" "$1"
}

# overlay_works: the kernel can mount an overlay file system on the storage's file system.
overlay_works() {
  local d ok=1
  d=$(mktemp -d "$CNS_CDS_CONTAINERS_STATE/overlay-probe.XXXXXX")
  mkdir "$d/lower" "$d/upper" "$d/work" "$d/merged"
  echo probe > "$d/lower/file"
  if mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/merged" 2>/dev/null; then
    [ "$(cat "$d/merged/file" 2>/dev/null)" = probe ] && echo changed > "$d/merged/file" && ok=0
    umount "$d/merged" || ok=1
  fi
  rm -rf "$d"
  return "$ok"
}

config_changed=0
write_config() {
  local driver="${CNS_CDS_STORAGE_DRIVER:-}"
  if write_if_changed "$CONTAINERS_CONF" <<EOF; then config_changed=1; fi
# Written by scripts/containers/setup.sh (used through CONTAINERS_CONF): what works on the CI machines.
[containers]
default_ulimits = []
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$CNS_CDS_CONTAINERS_RUN/libpod"
EOF
  if [ -z "$driver" ] && [ -f "$CONTAINERS_STORAGE_CONF" ]; then
    driver=$(sed -n 's/^driver = "\(.*\)"$/\1/p' "$CONTAINERS_STORAGE_CONF")
  fi
  if [ -z "$driver" ]; then
    if overlay_works; then driver=overlay; else driver=vfs; fi
    cds_log "storage driver: $driver (overlay mount probe)"
  fi
  set_storage "$driver"
}

# set_storage DRIVER: writes storage.conf; a change of driver starts from empty storage (podman cannot
# switch drivers on existing storage; it only holds our own images and containers).
set_storage() {
  local old=""
  [ -f "$CONTAINERS_STORAGE_CONF" ] && old=$(sed -n 's/^driver = "\(.*\)"$/\1/p' "$CONTAINERS_STORAGE_CONF")
  if [ -n "$old" ] && [ "$old" != "$1" ]; then
    cds_log "storage driver changes from $old to $1: removing the old storage"
    stop_service
    reset_storage
  fi
  if write_if_changed "$CONTAINERS_STORAGE_CONF" <<EOF; then config_changed=1; fi
# Written by scripts/containers/setup.sh (used through CONTAINERS_STORAGE_CONF): project-only storage.
[storage]
driver = "$1"
runroot = "$CNS_CDS_CONTAINERS_RUN/storage"
graphroot = "$CNS_CDS_CONTAINERS_STATE/storage"
EOF
}

reset_storage() {
  local m
  # overlay mounts of stopped-but-mounted containers would keep rm from working
  awk -v d="$CNS_CDS_CONTAINERS_STATE/storage" 'index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$CNS_CDS_CONTAINERS_STATE/storage" "$CNS_CDS_CONTAINERS_RUN/storage" "$CNS_CDS_CONTAINERS_RUN/libpod"
}

# --- 3. the Docker-compatible API service --------------------------------------------------------------
stop_service() {
  local pid
  if pid=$(cds_service_pid); then
    cds_log "stopping the podman API service (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
    if [ -d "/proc/$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$CNS_CDS_SERVICE_PID" "$CNS_CDS_SERVICE_ENV"
}

start_service() {
  local pid
  rm -f "$CNS_CDS_PODMAN_SOCKET"
  # Own session, no terminal, stdout/stderr to a log file (so $(setup.sh) does not wait for it), without
  # fd 9 (the setup lock), and started in / : conmon, which starts each container, inherits the service's
  # working directory and fails ("Failed to get working directory", a 500 "broken pipe" to testcontainers)
  # once that directory is deleted, as a CI checkout is.
  pid=$(cd / && { setsid podman system service --time=0 "unix://$CNS_CDS_PODMAN_SOCKET" \
    >>"$CNS_CDS_SERVICE_LOG" 2>&1 </dev/null 9>&- & echo $!; })
  echo "$pid" > "$CNS_CDS_SERVICE_PID"
  for _ in $(seq 150); do
    cds_ping && break
    [ -d "/proc/$pid" ] || { tail -n 20 "$CNS_CDS_SERVICE_LOG" >&2; cds_die "podman system service exited (log: $CNS_CDS_SERVICE_LOG)"; }
    sleep 0.2
  done
  cds_ping || { tail -n 20 "$CNS_CDS_SERVICE_LOG" >&2; cds_die "podman API socket does not answer after 30 s (log: $CNS_CDS_SERVICE_LOG)"; }
  printf 'PODMAN_SERVICE_PID=%s\nPODMAN_SERVICE_SOCKET=%q\nDOCKER_HOST=%q\nCONTAINERS_CONF=%q\nCONTAINERS_STORAGE_CONF=%q\n' \
    "$pid" "$CNS_CDS_PODMAN_SOCKET" "unix://$CNS_CDS_PODMAN_SOCKET" "$CONTAINERS_CONF" "$CONTAINERS_STORAGE_CONF" \
    > "$CNS_CDS_SERVICE_ENV"
  cds_log "podman API service started (pid $pid, socket $CNS_CDS_PODMAN_SOCKET, log $CNS_CDS_SERVICE_LOG)"
  # Containers a crashed earlier test run left behind (Ryuk, the reaper, is off): remove the stopped ones.
  podman ps -aq --filter label=org.testcontainers=true --filter status=exited --filter status=created |
    xargs -r podman rm -f >/dev/null 2>&1 || true
}

ensure_service() {
  local pid cwd
  if pid=$(cds_service_pid) && [ "$config_changed" = 0 ] && cds_ping; then
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || echo '(unknown)')
    if [[ "$cwd" != *" (deleted)" && "$cwd" != "(unknown)" ]]; then
      cds_log "podman API service is running (pid $pid): reused"
      return
    fi
    # Started by an older setup from a folder since deleted: containers would fail to start.
    cds_log "podman API service (pid $pid) runs in a deleted folder ($cwd): restarting it"
  fi
  [ "$config_changed" = 1 ] && cds_log "podman configuration changed"
  stop_service
  start_service
}

# podman works with this storage (else, when overlay was chosen automatically, fall back to vfs)
check_podman() {
  local out
  if out=$(podman info --format '{{.Store.GraphDriverName}} {{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}' 2>&1); then
    cds_log "podman $(podman version --format '{{.Client.Version}}'): storage, runtime, cgroups: $out"
    return
  fi
  echo "$out" >&2
  if [ -z "${CNS_CDS_STORAGE_DRIVER:-}" ] && grep -q '^driver = "overlay"' "$CONTAINERS_STORAGE_CONF"; then
    cds_log "podman fails with the overlay driver: falling back to vfs"
    set_storage vfs
    podman info >/dev/null || cds_die "podman does not work here (see above)"
  else
    cds_die "podman does not work here (see above)"
  fi
}

cds_timed "podman configuration" write_config
cds_timed "podman check" check_podman
cds_timed "API service" ensure_service

# --- 4. the PostgreSQL image ---------------------------------------------------------------------------
cds_timed "PostgreSQL image" bash "$here/build-postgres-image.sh"
run_check() {
  local version
  version=$(podman run --rm --network none --entrypoint postgres "$CNS_CDS_POSTGRES_LOCAL_IMAGE" --version) ||
    cds_die "podman cannot run a container from $CNS_CDS_POSTGRES_LOCAL_IMAGE"
  cds_log "container check: $version"
}
cds_timed "container check" run_check

cds_log "setup done in $(($(date +%s) - setup_start)) s"
print_exports
