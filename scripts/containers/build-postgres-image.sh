#!/usr/bin/env bash
# Builds the local PostgreSQL 15 image ($CNS_CDS_POSTGRES_LOCAL_IMAGE, default
# localhost/cns-cds-postgres:15) without any image registry: a minimal Debian bookworm root file system with
# Debian's postgresql-15 package (debootstrap, from the Debian mirror that this machine's apt sources name),
# plus postgres/docker-entrypoint.sh, imported with `podman import`.
#
# Idempotent and cached:
#   - the image is reused while its recipe label matches (the recipe hash covers the package list and the
#     entrypoint script, so editing the entrypoint rebuilds the image in a few seconds);
#   - the debootstrap result is cached as a tarball in $CNS_CDS_CONTAINERS_HOME, so a machine whose podman
#     storage was wiped re-imports it without downloading anything.
# Called by setup.sh (which also writes the podman configuration); progress goes to stderr.
# Env: CNS_CDS_DEBIAN_MIRROR overrides the mirror read from the apt sources.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"

SUITE=bookworm
PACKAGES=postgresql-15
ROOTFS_RECIPE_VERSION=1 # bump when the debootstrap or clean-up steps below change
PG_BIN=/usr/lib/postgresql/15/bin
entrypoint="$here/postgres/docker-entrypoint.sh"

rootfs_key=$(printf '%s\n' "$SUITE" "$PACKAGES" "$ROOTFS_RECIPE_VERSION" | sha256sum | cut -c1-16)
changes=(
  "ENV PATH=$PG_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  "ENV PGDATA=/var/lib/postgresql/data"
  "ENV LANG=C.UTF-8"
  "EXPOSE 5432"
  "STOPSIGNAL SIGINT"
  'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]'
  'CMD ["postgres"]'
)
image_key=$( { echo "$rootfs_key"; printf '%s\n' "${changes[@]}"; cat "$entrypoint"; } | sha256sum | cut -c1-16)
label=org.cns-cds.image-recipe
tarball="$CNS_CDS_CONTAINERS_HOME/postgres15-rootfs-$rootfs_key.tar"

# Reused when built from the same recipe (and not a truncated import: the real one is some 400 MB).
if podman image exists "$CNS_CDS_POSTGRES_LOCAL_IMAGE" &&
  [ "$(podman image inspect --format "{{ index .Labels \"$label\" }} {{ gt .Size 100000000 }}" "$CNS_CDS_POSTGRES_LOCAL_IMAGE")" = "$image_key true" ]; then
  cds_log "image $CNS_CDS_POSTGRES_LOCAL_IMAGE is up to date (recipe $image_key): reused"
  exit 0
fi

# debian_mirror: the URI of the Debian archive in this machine's apt sources (one-line *.list files and
# deb822 *.sources files), preferring an entry for suite $SUITE, else one for the machine's own release.
debian_mirror() {
  local codename files=()
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ "${#files[@]}" -gt 0 ] || return 1
  awk -v want="$SUITE" -v alt="$codename" '
    function consider(types, uris, suites,   n, u, s, i, j) {
      if (types !~ /(^|[ \t])deb([ \t]|$)/) return
      n = split(uris, u, /[ \t]+/); split(suites, s, /[ \t]+/)
      for (j in s) for (i = 1; i <= n; i++) {
        if (u[i] !~ /^(https?|ftp):\/\//) continue
        if (s[j] == want && best == "") best = u[i]
        if (alt != "" && s[j] == alt && second == "") second = u[i]
      }
    }
    function flush() { if (enabled != "no") consider(t, us, ss); t = us = ss = ""; enabled = "" }
    FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
    /^[ \t]*#/ { next }
    deb822 && /^[ \t]*$/ { flush(); next }
    deb822 {
      key = tolower($1); sub(/:$/, "", key); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
      if (key == "types") t = val; else if (key == "uris") us = val
      else if (key == "suites") ss = val; else if (key == "enabled") enabled = tolower(val)
      next
    }
    $1 == "deb" {
      line = $0; sub(/^[ \t]*deb[ \t]+/, "", line); sub(/^\[[^]]*\][ \t]*/, "", line)
      split(line, w, /[ \t]+/); consider("deb", w[1], w[2])
    }
    END { flush(); if (best != "") print best; else if (second != "") print second; else exit 1 }
  ' "${files[@]}"
}

build_rootfs() {
  local mirror work
  mirror="${CNS_CDS_DEBIAN_MIRROR:-$(debian_mirror)}" || cds_die "no Debian mirror found in the apt sources (set CNS_CDS_DEBIAN_MIRROR)"
  command -v debootstrap >/dev/null || cds_die "debootstrap is not installed (setup.sh installs it)"
  # debootstrap downloads with wget, which ignores apt's proxy setting: pass it on if there is one.
  local HTTP_PROXY_APT=""
  eval "$(apt-config shell HTTP_PROXY_APT Acquire::http::Proxy 2>/dev/null)" || true
  if [ -n "$HTTP_PROXY_APT" ] && [ -z "${http_proxy:-}" ]; then export http_proxy="$HTTP_PROXY_APT"; fi

  mkdir -p "$CNS_CDS_CONTAINERS_HOME"
  work=$(mktemp -d "$CNS_CDS_CONTAINERS_HOME/rootfs-build.XXXXXX")
  # shellcheck disable=SC2064 # expand $work now
  trap "cds_unmount_under '$work/root'; rm -rf '$work'" EXIT
  cds_log "debootstrap $SUITE with $PACKAGES from the mirror of the apt sources (log: $work/debootstrap.log)"
  if ! timeout 1800 debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$work/root" "$mirror" \
    >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    cds_die "debootstrap failed"
  fi
  cds_unmount_under "$work/root"
  (
    cd "$work/root"
    # The package's postinst created a cluster "main": the entrypoint makes its own in $PGDATA.
    rm -rf var/lib/postgresql/15 etc/postgresql/15 var/log/postgresql/*
    rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/* var/cache/debconf/*-old \
      usr/share/doc/* usr/share/man/* usr/share/info/* var/log/*.log var/log/apt/* debootstrap
    find usr/share/locale -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
    : > etc/resolv.conf
    echo localhost > etc/hostname
    [ -x ".$PG_BIN/postgres" ] || { echo "postgres binary missing in the root file system" >&2; exit 1; }
  )
  tar -C "$work/root" --numeric-owner -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  # Older recipes' tarballs are of no further use.
  find "$CNS_CDS_CONTAINERS_HOME" -maxdepth 1 -name 'postgres15-rootfs-*.tar' ! -name "$(basename "$tarball")" -delete
  cds_unmount_under "$work/root"
  rm -rf "$work"
  trap - EXIT
  cds_log "cached the root file system: $tarball ($(du -h "$tarball" | cut -f1))"
}

# cds_unmount_under DIR: unmounts whatever debootstrap left mounted below DIR (deepest first).
cds_unmount_under() {
  local m
  awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

import_image() {
  local stage args=()
  stage=$(mktemp -d "$CNS_CDS_CONTAINERS_HOME/image-build.XXXXXX")
  # shellcheck disable=SC2064 # expand $stage now
  trap "rm -rf '$stage'" EXIT
  # The cached root file system plus the entrypoint, as one file: podman import then sees all or nothing.
  cp --reflink=auto "$tarball" "$stage/rootfs.tar"
  install -D -m 0755 -o 0 -g 0 "$entrypoint" "$stage/add/usr/local/bin/docker-entrypoint.sh"
  tar -C "$stage/add" --numeric-owner -rf "$stage/rootfs.tar" ./usr/local/bin/docker-entrypoint.sh
  for c in "${changes[@]}"; do args+=(--change "$c"); done
  args+=(--change "LABEL $label=$image_key")
  cds_log "importing $CNS_CDS_POSTGRES_LOCAL_IMAGE (recipe $image_key)"
  podman import "${args[@]}" --message "cns-cds PostgreSQL 15 ($SUITE, Debian packages)" \
    "$stage/rootfs.tar" "$CNS_CDS_POSTGRES_LOCAL_IMAGE" >/dev/null
  rm -rf "$stage"
  trap - EXIT
  # Earlier builds of the same tag are now dangling.
  podman image prune -f >/dev/null 2>&1 || true
}

if [ -s "$tarball" ]; then
  cds_log "using the cached root file system $tarball"
else
  cds_timed "debootstrap and root file system tarball" build_rootfs
fi
cds_timed "podman import" import_image
cds_log "built $CNS_CDS_POSTGRES_LOCAL_IMAGE"
