#!/usr/bin/env bash
# Browser test of the admin dashboard (tests/e2e): installs what it needs on a
# fresh machine (Debian's Chromium and the test's one npm package), then runs
# it with node's test runner. The test builds the debug binary itself.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # fonts-liberation is only a recommendation of chromium, but without a font
  # the screenshot shows boxes instead of text.
  $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-liberation
fi

cd tests/e2e
npm ci --no-audit --no-fund --loglevel=error
node --test dashboard.test.mjs
