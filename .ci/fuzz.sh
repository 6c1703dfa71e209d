#!/usr/bin/env bash
# Property-based fuzzing of the HTTP API against its own OpenAPI document:
# schemathesis generates requests for every operation from the document that
# the server serves at /api/openapi.json, and fails on any answer that the
# document does not describe (a 5xx, an undocumented status, a wrong content
# type, a body that breaks the schema).
#
# Installs schemathesis into target/fuzz-venv when it is missing, builds the
# debug binary, starts it on a fresh SQLite file with the bootstrap owner key,
# and fuzzes as that owner on its own account. Exits non-zero on any failure.
# .ci/fuzz_hooks.py keeps the fuzzer from changing or revoking the key it
# authenticates with, which would leave the rest of the run testing nothing
# but 401s.
#
# Bounded: a fixed number of test cases per operation and phase bounds the
# work (one to two minutes here once schemathesis is installed and the binary
# built); a wall-clock limit on schemathesis, well above that so that a slower
# or busier machine does not fail a correct server, catches a hang.
#
# Environment knobs (all optional):
#   FUZZ_MAX_EXAMPLES  test cases per operation and phase (default 50)
#   FUZZ_TIME_LIMIT    seconds after which schemathesis is stopped and the
#                      run fails (default 400)
#   FUZZ_SEED          a fixed seed, to replay a run (default: a random one)
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5 # speaks OpenAPI 3.1
venv=target/fuzz-venv
max_examples="${FUZZ_MAX_EXAMPLES:-50}"
time_limit="${FUZZ_TIME_LIMIT:-400}"
seed="${FUZZ_SEED:-$RANDOM$RANDOM}"
started=$SECONDS

note() { printf 'fuzz: %s\n' "$*"; }

# ---- schemathesis, once ---------------------------------------------------
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
    note "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian's python3 keeps venv (and its pip) in a package of its own.
        sudo=""
        if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends python3-venv
        rm -rf "$venv"
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# ---- the server ------------------------------------------------------------
cargo build --quiet

# No throttle: the fuzzer sends many bad credentials on purpose, and a 429
# or a tarpit would only slow it down. The account is the owner's, so that
# the native routes are fuzzed where the key may act rather than answering
# 403 to every made-up id.
# shellcheck source=.ci/live_server.sh
. .ci/live_server.sh
start_server fuzz --auth-failure-limit 1000000 --auth-tarpit-ms 0
note "server on port $port, account $account, seed $seed"

# ---- schemathesis ------------------------------------------------------------
# Every check, including positive data acceptance (a request the document
# allows is not refused) and the stateful phase (create, then read, change
# and revoke what was created, following the links schemathesis infers).
# The key travels in the environment and the config file reads it from there,
# so it is on no command line.
# Its cache (failing cases found before, replayed first) lives under target/.
cat >"$work/schemathesis.toml" <<'EOF'
headers = { "x-api-key" = "${KEYWARD_FUZZ_KEY}" }

[cache]
directory = "${KEYWARD_FUZZ_CACHE}"

[parameters]
"path.account_id" = "${KEYWARD_FUZZ_ACCOUNT}"

# A request the document allows may still meet state it cannot describe: a
# key at another version than the If-Match it was sent with (412).
[checks.positive_data_acceptance]
expected-statuses = ["2xx", 401, 403, 404, 409, 412, 429]

EOF

# Every check but one. A revoked key stays readable, as `status: revoked`,
# on purpose: its name stays taken, and its audit trail and last use stay
# visible (docs/api.md, "Revoking keeps the record"). So a GET after DELETE
# answers 200, which use_after_free takes for a deleted resource that is
# still there.
checks=${FUZZ_CHECKS:-all}
exclude_checks=${FUZZ_EXCLUDE_CHECKS:-use_after_free}

# No --max-time: with it, schemathesis repeats its phases until the budget is
# spent. `timeout` is the guard against a hang instead; hitting it fails the
# run.
rm -rf target/fuzz-report
status=0
KEYWARD_FUZZ_KEY="$key" KEYWARD_FUZZ_ACCOUNT="$account" KEYWARD_FUZZ_CACHE="$PWD/target/fuzz-cache" \
    KEYWARD_FUZZ_KEY_NAME="$key_name" KEYWARD_FUZZ_KEY_ID="${key:3:32}" \
    SCHEMATHESIS_HOOKS=.ci/fuzz_hooks.py \
    timeout --signal=INT --kill-after=10 "$time_limit" \
    "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run \
    "$base/api/openapi.json" \
    --checks "$checks" \
    --exclude-checks "$exclude_checks" \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --workers 2 \
    --request-timeout 10 \
    --no-color \
    --report "${FUZZ_REPORTS:-junit}" --report-dir target/fuzz-report \
    >"$work/schemathesis.out" 2>&1 || status=$?

# A pass prints only schemathesis's warnings and summary; a failure prints
# everything, with a curl line to reproduce each failing case (the key shows
# as [Filtered]).
if [ "$status" -eq 0 ]; then
    sed -n '/=== \(WARNINGS\|SUMMARY\) ===/,$p' "$work/schemathesis.out"
else
    cat "$work/schemathesis.out"
fi
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    note "schemathesis did not finish within ${time_limit}s"
fi
server_trouble || status=1

elapsed=$((SECONDS - started))
if [ "$status" -eq 0 ]; then
    note "passed: every answer matched the document (seed $seed, ${elapsed}s)"
else
    note "FAILED with status $status (seed $seed, ${elapsed}s); replay with FUZZ_SEED=$seed bash .ci/fuzz.sh"
fi
exit "$status"
