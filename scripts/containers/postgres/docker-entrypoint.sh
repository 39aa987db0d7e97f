#!/bin/sh
# Entrypoint of the locally built PostgreSQL image (localhost/cns-cds-postgres:15), copied into the image
# by scripts/containers/build-postgres-image.sh. It behaves like the official postgres image's entrypoint
# for the parts the tests use:
#   - POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (default
#     "postgres", becomes the superuser), POSTGRES_DB (default: POSTGRES_USER), POSTGRES_INITDB_ARGS;
#   - on first start (empty PGDATA) it runs initdb as the postgres OS user, then starts a TEMPORARY server
#     listening on the Unix socket only to create the database, stops it, and then execs the real server
#     listening on 0.0.0.0:5432. So, like the official image, a fresh container prints
#     "database system is ready to accept connections" TWICE; wait for the second one.
#   - password (scram-sha-256) authentication for TCP connections, trust for the local Unix socket;
#   - logs go to stderr (no logging collector); "docker-entrypoint.sh postgres -c x=y" passes the
#     options to the server; any other command is exec'd as is.
set -eu

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi

if [ "$1" != postgres ]; then
  exec "$@"
fi
shift

# Re-exec as the postgres OS user once the directories are prepared (we start as root).
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2775 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi

log() { echo "docker-entrypoint: $*" >&2; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  POSTGRES_USER="${POSTGRES_USER:-postgres}"
  POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
  auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    log "error: the database is uninitialized and POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)"
    exit 1
  fi

  log "initializing the database cluster in $PGDATA for superuser \"$POSTGRES_USER\""
  pwfile="$(mktemp)"
  printf '%s\n' "${POSTGRES_PASSWORD:-}" > "$pwfile"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as in the official image
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host="$auth" ${POSTGRES_INITDB_ARGS:-} >&2
  rm -f "$pwfile"
  printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"

  log "starting a temporary server (Unix socket only) for setup"
  pg_ctl -D "$PGDATA" -w -o "$(printf '%s ' "$@") -c listen_addresses='' -p 5432" start >&2

  if [ "$POSTGRES_DB" != postgres ]; then
    log "creating database \"$POSTGRES_DB\""
    echo 'CREATE DATABASE :"db";' | psql -v ON_ERROR_STOP=1 --no-psqlrc -q -h /var/run/postgresql \
      -U "$POSTGRES_USER" -d postgres --set db="$POSTGRES_DB" >&2
  fi

  pg_ctl -D "$PGDATA" -m fast -w stop >&2
  log "initialization complete; starting the server"
fi

exec postgres "$@"
