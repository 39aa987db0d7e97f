#!/usr/bin/env bash
# Installs Debian's Chromium for the rules console's browser tests (tests/admin/console.e2e.test.ts),
# unless it is already there, and prints its version. Idempotent; CI runs it before the tests.
# The tests drive it with playwright-core: no browser is ever downloaded by npm or Playwright.
#
#   bash scripts/browser/setup.sh          # as root, or with sudo available
#   CHROMIUM_PATH=/path/to/chromium ...    # use another Chromium (the tests read the same variable)
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ ! -x "$chromium" ]; then
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    echo "browser setup: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "browser setup: Chromium is missing and apt-get is not available; install Chromium and set CHROMIUM_PATH" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "browser setup: installing Chromium needs root (or sudo)" >&2
      exit 1
    fi
  fi
  echo "browser setup: installing Debian's chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >/dev/null
fi

# Debian's launcher script prints shell noise on some machines; the version line is what counts.
version="$("$chromium" --version 2>/dev/null || true)"
if [ -z "$version" ]; then
  echo "browser setup: $chromium does not start" >&2
  exit 1
fi
echo "$version"
