#!/usr/bin/env bash
# The benchmark: builds release, installs wrk if missing, then measures
# Keyward on SQLite and PostgreSQL (see docs/performance.md).
#   bash bench/run.sh            full run (10 s per figure, 1,000 and 1,000,000 keys)
#   bash bench/run.sh --short    a few seconds per figure, as CI runs it
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
    echo "installing wrk"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq wrk >/dev/null
fi

cargo build --release --quiet
exec python3 bench/bench.py "$@"
