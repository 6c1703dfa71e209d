#!/usr/bin/env bash
# The benchmark: builds release, installs wrk if missing and the Python
# package argon2-cffi in target/bench-venv if missing, then measures Keyward
# on SQLite and PostgreSQL (see docs/performance.md).
#   bash bench/run.sh                      full run (10 s per figure, 1,000 and 1,000,000 keys,
#                                          a long tail of 1,000,000 keys with 100,000 real ones)
#   bash bench/run.sh --short              a few seconds per figure, as CI runs it
#   bash bench/run.sh --backend sqlite     one backend only (sqlite or postgres)
#   bash bench/run.sh --only long-tail     only the long tail (or --only existing)
#   bash bench/run.sh --only pages,tree    paging a long key list; keys deep in the accounts tree
#   bash bench/run.sh --only limits        verify on keys with a rate limit and credits
#   bash bench/run.sh --only usage         /api/me with usage analytics on and off
#   bash bench/run.sh --only allowlist     authentication with keys that carry an allowlist and meta
# Any other flag goes to bench/bench.py: see `python3 bench/bench.py --help`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
    echo "installing wrk"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq wrk >/dev/null
fi

# The long tail hashes its keys' secrets as the server does: argon2id, from
# argon2-cffi, in a virtual environment of its own.
venv=target/bench-venv
if ! "$venv/bin/python" -c 'import argon2.low_level' 2>/dev/null; then
    echo "installing argon2-cffi in $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check argon2-cffi
fi

cargo build --release --quiet
exec "$venv/bin/python" bench/bench.py "$@"
