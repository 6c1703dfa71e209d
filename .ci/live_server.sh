# Sourced by .ci/fuzz.sh and .ci/client.sh: the debug binary on a fresh
# SQLite file in a temporary directory, with the bootstrap owner key.
#
#   start_server NAME [serve flags…]   starts it; sets work, server_pid,
#                                      key, key_name, port, base, account
#   server_trouble                     0 if it neither panicked nor died,
#                                      else prints why and returns 1
#
# The key is read from the server's stderr and handed to curl on stdin, so
# it is on no command line. The caller defines `note` and builds the binary.

server_pid=""
work=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$work" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

redacted_log() {
    sed 's/kw_[A-Za-z0-9]*/kw_<key>/g' "$work/server.log" >&2
}

start_server() {
    local name="$1"
    shift
    work="$(mktemp -d "${TMPDIR:-/tmp}/keyward-$name.XXXXXX")"
    target/debug/keyward serve --bind 127.0.0.1:0 --database-url "$work/$name.db" "$@" \
        2>"$work/server.log" &
    server_pid=$!

    key="" key_name="" port=""
    for _ in $(seq 1 100); do
        key="$(sed -n 's/.*shown once.*: \(kw_[A-Za-z0-9]*\).*/\1/p' "$work/server.log" | head -1)"
        key_name="$(sed -n 's/.*account-owner key "\([A-Za-z0-9]*\)".*/\1/p' "$work/server.log" | head -1)"
        port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.log" | head -1)"
        [ -n "$key" ] && [ -n "$key_name" ] && [ -n "$port" ] && break
        if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if [ -z "$key" ] || [ -z "$key_name" ] || [ -z "$port" ]; then
        note "the server did not start; its log:"
        redacted_log
        exit 1
    fi
    base="http://127.0.0.1:$port"

    local ready=""
    for _ in $(seq 1 100); do
        if curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; then ready=1; break; fi
        sleep 0.1
    done
    if [ -z "$ready" ]; then
        note "GET /readyz did not answer 200 within 10s; the server's log:"
        redacted_log
        exit 1
    fi

    # The owner's account id, which the native routes take in their path.
    account="$(printf 'x-api-key: %s\n' "$key" | curl -fsS "$base/api/me" -H @- |
        sed -n 's/.*"accountId": *"\([A-Za-z0-9]*\)".*/\1/p')"
    if [ -z "$account" ]; then
        note "GET /api/me did not give the account id"
        exit 1
    fi
}

server_trouble() {
    local trouble=0
    # A panic in a handler may still have been answered as a documented 500.
    if grep -qE "^thread '.*' panicked" "$work/server.log"; then
        note "the server panicked:"
        grep -EA5 "^thread '.*' panicked" "$work/server.log" | sed 's/kw_[A-Za-z0-9]*/kw_<key>/g' >&2
        trouble=1
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        note "the server is no longer running; the end of its log:"
        tail -20 "$work/server.log" | sed 's/kw_[A-Za-z0-9]*/kw_<key>/g' >&2
        trouble=1
    fi
    return "$trouble"
}
