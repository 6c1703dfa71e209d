#!/usr/bin/env bash
# A generated client against the live server: openapi-python-client turns the
# OpenAPI document that the server serves at /api/openapi.json into a Python
# package, and .ci/client_check.py drives the server through that package
# alone (create a key, list it, disable it, verify it and the owner key, mint
# a session token), asserting statuses and fields. A document that the
# generator cannot turn into working code fails here.
#
# Installs openapi-python-client into target/client-venv when it is missing,
# builds the debug binary, starts it on a fresh SQLite file with the
# bootstrap owner key, generates the client into a temporary directory with
# --fail-on-warning, installs it into the venv and runs the check. Exits
# non-zero on any failure. The key travels in the environment only and is
# never printed.
#
# Environment knobs (all optional):
#   CLIENT_TIME_LIMIT  seconds after which the check is stopped and the run
#                      fails (default 120)
set -euo pipefail
cd "$(dirname "$0")/.."

GENERATOR_VERSION=0.29.1 # openapi-python-client; reads OpenAPI 3.1
SETUPTOOLS_VERSION=84.2.1 # builds the generated package (setup.py) offline
venv=target/client-venv
time_limit="${CLIENT_TIME_LIMIT:-120}"
started=$SECONDS

note() { printf 'client: %s\n' "$*"; }

# ---- openapi-python-client, once ---------------------------------------------
installed() {
    [ "$("$venv/bin/openapi-python-client" --version 2>/dev/null)" = "openapi-python-client version: $GENERATOR_VERSION" ] &&
        [ "$("$venv/bin/python" -c 'import setuptools; print(setuptools.__version__)' 2>/dev/null)" = "$SETUPTOOLS_VERSION" ]
}
if ! installed; then
    note "installing openapi-python-client $GENERATOR_VERSION into $venv"
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
    "$venv/bin/pip" install -q --disable-pip-version-check \
        "openapi-python-client==$GENERATOR_VERSION" "setuptools==$SETUPTOOLS_VERSION"
fi

# ---- the server ------------------------------------------------------------
cargo build --quiet

# shellcheck source=.ci/live_server.sh
. .ci/live_server.sh
start_server client
note "server on port $port, account $account"

# ---- generate and install the client ----------------------------------------
curl -fsS "$base/api/openapi.json" -o "$work/openapi.json"

# Fixed names, so that a change to info.title cannot rename the package that
# the check imports. The generator has no support for image/svg+xml (the
# dashboard's icon) and warns; read it as text, so that --fail-on-warning
# stops on any other warning. Nothing here is about authentication: the
# generator ignores securitySchemes, and the check sets the x-api-key header
# on AuthenticatedClient instead (see docs/clients.md).
cat >"$work/generator.yaml" <<'EOF'
project_name_override: keyward-client
package_name_override: keyward_client
content_type_overrides:
  image/svg+xml: text/plain
EOF

# The generator formats its output with ruff, which it installed beside
# itself in the venv; it looks for ruff on PATH.
status=0
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate \
    --path "$work/openapi.json" \
    --config "$work/generator.yaml" \
    --meta setup \
    --output-path "$work/client" \
    --fail-on-warning \
    >"$work/generate.out" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    cat "$work/generate.out" >&2
    note "openapi-python-client could not generate a client from /api/openapi.json (status $status)"
    exit 1
fi
note "generated $(find "$work/client/keyward_client/api" -name '*.py' ! -name '__init__.py' | wc -l) operations and $(find "$work/client/keyward_client/models" -name '*.py' ! -name '__init__.py' | wc -l) models with openapi-python-client $GENERATOR_VERSION"

"$venv/bin/pip" uninstall -q -y --disable-pip-version-check keyward-client >/dev/null 2>&1 || true
"$venv/bin/pip" install -q --disable-pip-version-check --no-build-isolation "$work/client"

# ---- the check -------------------------------------------------------------
# From the temporary directory, so that `import keyward_client` can only find
# the installed package.
status=0
root="$PWD"
(cd "$work" && KEYWARD_CHECK_URL="$base" KEYWARD_CHECK_KEY="$key" KEYWARD_CHECK_ACCOUNT="$account" \
    timeout --kill-after=10 "$time_limit" "$root/$venv/bin/python" "$root/.ci/client_check.py") || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    note "the check did not finish within ${time_limit}s"
fi
server_trouble || status=1

elapsed=$((SECONDS - started))
if [ "$status" -eq 0 ]; then
    note "passed: the generated client worked as generated (${elapsed}s)"
else
    note "FAILED with status $status (${elapsed}s)"
fi
exit "$status"
