#!/usr/bin/env bash
# Debian packages the browser tests and the deployment check need: Chromium (driven by
# Playwright as it is, never a downloaded browser), a CJK font (without it every Chinese
# character renders as a box) and docker-compose (to validate docker-compose.yml).
# Installs what is missing when we may (root with apt-get); otherwise says what is missing
# and leaves the decision to the tests (they skip locally and fail when CI=true).
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi micro hei" || missing+=(fonts-wqy-microhei)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    exit $?
fi
echo "missing system packages: ${missing[*]} (install them with apt-get as root)" >&2
exit 0
