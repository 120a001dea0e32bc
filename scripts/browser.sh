#!/usr/bin/env bash
# Provide Debian's chromium for the browser tests (Playwright drives it with
# executable_path=/usr/bin/chromium; Playwright's own browser download cannot work here).
# Installs it with apt-get when /usr/bin/chromium is missing. Prints nothing on stdout on success;
# logs go to stderr. Exits non-zero when chromium cannot be installed or does not start.
set -euo pipefail

log() { echo "browser.sh: $*" >&2; }
die() { log "$*"; exit 1; }

CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
  [ "$(id -u)" -eq 0 ] || die "chromium is not installed and this is not root; run: apt-get install chromium"
  log "installing chromium with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >&2 || die "apt-get install chromium failed"
fi
[ -x "$CHROMIUM" ] || die "$CHROMIUM missing after install"

"$CHROMIUM" --headless --no-sandbox --disable-gpu --version >&2 2>/dev/null || "$CHROMIUM" --version >&2 \
  || die "$CHROMIUM does not run"
