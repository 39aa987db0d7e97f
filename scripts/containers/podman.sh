#!/usr/bin/env bash
# Runs podman with the project's configuration and storage (the ones setup.sh writes), for looking at what
# the tests did: scripts/containers/podman.sh ps -a, ... images, ... logs <id>.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"
exec podman "$@"
