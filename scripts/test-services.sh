#!/usr/bin/env bash
# Install what the test suite needs beyond Python packages (system packages for the
# real-server and real-browser tests). Each step is skipped when already present, and
# a failed install is reported, not fatal: those tests then skip and say why.
set -u
# --- Debian's Chromium for tests/test_browser.py (Playwright drives it; no browser
# download). Installed under an apt lock shared with other scripts that may run apt at the same time.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    flock /tmp/apt.lock apt-get install -y -qq chromium >/dev/null 2>&1 \
        || { flock /tmp/apt.lock apt-get update -qq >/dev/null 2>&1; \
             flock /tmp/apt.lock apt-get install -y -qq chromium >/dev/null 2>&1; } \
        || echo "warning: could not install chromium: the browser tests will skip"
fi

# --- Virtuoso for the dual-backend tests (kg serve, the remote store) ------------------------
# tests/virtuoso.py starts its own private server on loopback; the tests skip with the reason
# when virtuoso-t is missing.
if ! command -v virtuoso-t >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        flock /tmp/apt.lock apt-get install -y -qq virtuoso-opensource >/dev/null 2>&1 \
            || { flock /tmp/apt.lock apt-get update -qq >/dev/null 2>&1; \
                 flock /tmp/apt.lock apt-get install -y -qq virtuoso-opensource >/dev/null 2>&1; } \
            || echo "warning: could not install virtuoso-opensource: the Virtuoso tests will skip"
    else
        echo "note: virtuoso-opensource not installed (needs root and apt): the Virtuoso tests will skip"
    fi
fi
exit 0
