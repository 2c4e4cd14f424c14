#!/usr/bin/env bash
# Usage: tools/find_browser.sh
#
# Prints the path of a Chromium for the browser tests and the benchmark
# (headless, driven by Playwright), installing one when the machine has none.
# The first that works, in this order:
#
#   1. $CHROMIUM, when it names a program;
#   2. the system's: /usr/bin/chromium, chromium-browser, google-chrome
#      (at those paths or on PATH);
#   3. Playwright's own Chromium: already downloaded, or downloaded now with
#      `.venv/bin/python -m playwright install chromium` when its download
#      server answers;
#   4. Debian's package (apt-get install chromium), when running as root with apt;
#
# and otherwise exits 1 with a message naming the one command to run.
# Only the path goes to stdout; what it does goes to stderr.
#
# For the tests (tests/test_make_browser.py): CHROMIUM_CANDIDATES replaces the
# list of system paths, PYTHON the venv's python; PATH decides which id,
# apt-get, timeout and chromium are found.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
candidates=${CHROMIUM_CANDIDATES-/usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable}
names="chromium chromium-browser google-chrome google-chrome-stable"

note() { echo "find_browser: $*" >&2; }
found() { echo "$1"; exit 0; }

usable() { [ -n "$1" ] && [ -f "$1" ] && [ -x "$1" ]; }

# 1. $CHROMIUM
if [ -n "${CHROMIUM:-}" ]; then
  c=$CHROMIUM
  case "$c" in */*) ;; *) c=$(command -v "$c" 2>/dev/null || echo "$c") ;; esac
  if usable "$c"; then found "$c"; fi
  note "CHROMIUM=$CHROMIUM is not a program; looking for another Chromium"
fi

system_browser() {
  local c
  for c in $candidates; do
    if usable "$c"; then echo "$c"; return 0; fi
  done
  for c in $names; do
    c=$(command -v "$c" 2>/dev/null) && usable "$c" && { echo "$c"; return 0; }
  done
  return 1
}

# 2. The system's.
if c=$(system_browser); then found "$c"; fi

# 3. Playwright's own.
playwright_browser() {
  "$python" -c '
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    print(p.chromium.executable_path)' 2>/dev/null
}
if [ -x "$python" ]; then
  c=$(playwright_browser) && usable "$c" && found "$c"
  host=${PLAYWRIGHT_DOWNLOAD_HOST:-https://cdn.playwright.dev}
  if "$python" -c 'import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=5)
except urllib.error.HTTPError:
    pass  # it answers
' "$host" 2>/dev/null; then
    note "no Chromium on this machine: downloading Playwright's ($python -m playwright install chromium)"
    limit=()
    command -v timeout >/dev/null 2>&1 && limit=(timeout 900)
    if "${limit[@]}" "$python" -m playwright install chromium >&2; then
      c=$(playwright_browser) && usable "$c" && found "$c"
    fi
    note "Playwright's download did not work"
  else
    note "Playwright's download server ($host) does not answer: not downloading its Chromium"
  fi
fi

# 4. Debian's package, as root.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  note "installing Debian's chromium (apt-get install chromium)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq chromium >&2; then
    apt-get update -qq >&2 || true  # a stale package list: refresh it and try again
    apt-get install -y -qq chromium >&2 || note "apt-get install chromium failed"
  fi
  if c=$(system_browser); then found "$c"; fi
fi

# Nothing: say what to run.
if command -v apt-get >/dev/null 2>&1; then
  cmd="sudo apt-get install chromium"
  [ "$(id -u)" = 0 ] && cmd="apt-get install chromium"
else
  cmd="$python -m playwright install chromium"
fi
cat >&2 <<EOF
No Chromium found for the browser tests. Install one with:

    $cmd

then run make again (or set CHROMIUM=/path/to/chrome to use another Chromium).
EOF
exit 1
