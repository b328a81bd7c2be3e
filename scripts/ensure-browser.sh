#!/usr/bin/env bash
# Installs what the browser tests need from Debian's packages: Chromium, and a CJK font so that Chinese pages
# render in screenshots. Quick and silent when both are already there. Never calls `playwright install`, which
# downloads a browser of its own and fails on machines without general network access.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

updated=0
apt_install() {
    if [ "$updated" -eq 0 ]; then
        $SUDO apt-get update -qq
        updated=1
    fi
    $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

if [ ! -x /usr/bin/chromium ]; then
    echo "ensure-browser: installing chromium"
    apt_install chromium
fi

if ! command -v fc-list >/dev/null 2>&1 || ! fc-list | grep -qiE 'wqy|noto.*cjk'; then
    echo "ensure-browser: installing a CJK font (fonts-wqy-microhei)"
    apt_install fontconfig fonts-wqy-microhei
fi

/usr/bin/chromium --version 2>/dev/null
