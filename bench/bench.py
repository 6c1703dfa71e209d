#!/usr/bin/env python3
"""Measures Keyward under load with wrk; run through bench/run.sh.

For each backend and key count: a fresh database, one account with 10 keys,
the rest of the keys bulk-inserted into another account, the release server
started on it, then each figure driven by wrk for a fixed time at fixed
concurrency. Every figure is also given as a ratio to GET /healthz of the same
server. Prints a Markdown table and writes it to bench/results/.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "keyward"
WRK_DIR = ROOT / "bench" / "wrk"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
# Any PHC string will do for seeded keys: nobody authenticates with them.
SEED_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2VlZGVkc2VlZGVk$" + "A" * 43
# Named, so that columns added later (all nullable) need no change here.
SEED_COLUMNS = ("id, account_id, name, role, enabled, secret_hash, secret_hint, "
                "created_at, created_by, modified_at, modified_by, version")


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- credentials -------------------------------------------------------------

def checksum(body):
    n = int.from_bytes(hashlib.sha256(body.encode()).digest()[:4], "big")
    out = []
    for _ in range(6):
        out.append(BASE62[n % 62])
        n //= 62
    return "".join(reversed(out))


def wrong_secret_for(key_id):
    """A well-formed key (right prefix, id, checksum) with a wrong secret."""
    body = "kw_" + uuid.UUID(key_id).hex + "".join(random.choice(BASE62) for _ in range(24))
    return body + checksum(body)


# --- databases ---------------------------------------------------------------

class BenchDatabase:
    def __init__(self, backend, postgres_url, workdir):
        self.backend = backend
        self.postgres_url = postgres_url
        if backend == "sqlite":
            self.url = str(Path(workdir) / f"bench-{secrets.token_hex(4)}.db")
        else:
            self.name = f"keyward_bench_{secrets.token_hex(6)}"
            psql(postgres_url, f'CREATE DATABASE "{self.name}"')
            base, _, query = postgres_url.partition("?")
            scheme, _, rest = base.partition("://")
            host = rest.split("/", 1)[0]
            self.url = f"{scheme}://{host}/{self.name}" + (f"?{query}" if query else "")

    def seed(self, count):
        """Bulk-inserts `count` keys into an account of their own."""
        if count <= 0:
            return
        account = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(22))
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        crn = f"crn:{account}:cli:keyward"
        if self.backend == "sqlite":
            con = sqlite3.connect(self.url)
            con.execute("INSERT INTO accounts (id, name, created_at) VALUES (?, 'Seed', ?)", (account, now))
            batch = 100_000
            for start in range(0, count, batch):
                rows = [
                    (str(uuid.uuid4()), account, f"seed{i}", "merchant-terminal", 1,
                     SEED_HASH, "...AAAAAA", now, crn, now, crn, 1)
                    for i in range(start, min(count, start + batch))
                ]
                con.executemany(f"INSERT INTO api_keys ({SEED_COLUMNS}) "
                                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            con.commit()
            con.execute("ANALYZE")
            con.close()
        else:
            psql(self.url, f"""
                INSERT INTO accounts (id, name, created_at) VALUES ('{account}', 'Seed', '{now}');
                INSERT INTO api_keys ({SEED_COLUMNS})
                SELECT gen_random_uuid()::text, '{account}', 'seed' || i, 'merchant-terminal', true,
                       '{SEED_HASH}', '...AAAAAA', '{now}', '{crn}', '{now}', '{crn}', 1
                FROM generate_series(1, {count}) AS i;
                ANALYZE;
            """)

    def drop(self):
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(self.url + suffix).unlink(missing_ok=True)
        else:
            psql(self.postgres_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                   check=True, capture_output=True, text=True)


# --- the server --------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url, workdir):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(workdir) / f"server-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [str(BIN), "serve", "--bind", f"127.0.0.1:{self.port}", "--no-bootstrap",
             "--database-url", database_url],
            stdout=self.log, stderr=self.log,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"server exited with {self.process.returncode}")
                time.sleep(0.1)
        raise SystemExit("server did not start")

    def rss_mib(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def peak_rss_mib(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def call(self, method, path, key=None, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if key:
            request.add_header("x-api-key", key)
        if data is not None:
            request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else None


# --- wrk -----------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * UNITS_MS[match.group(2)] if match else float("nan")


def wrk(url, seconds, connections, headers=(), script=None, env=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(WRK_DIR / script)]
    command.append(url)
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            env={**os.environ, **(env or {})}).stdout
    result = {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "non2xx": 0, "statuses": {}}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(line.split()[1])
        elif line.startswith("50%"):
            result["p50"] = to_ms(line.split()[1])
        elif line.startswith("99%"):
            result["p99"] = to_ms(line.split()[1])
        elif line.startswith("Non-2xx or 3xx responses:"):
            result["non2xx"] = int(line.split()[-1])
        elif line.startswith("status "):
            _, code, count = line.split()
            result["statuses"][int(code)] = int(count)
    return result


# --- one run -----------------------------------------------------------------

def measure(backend, key_count, args, workdir):
    database = BenchDatabase(backend, args.postgres_url, workdir)
    rows = []
    try:
        subprocess.run([str(BIN), "migrate", "--database-url", database.url],
                       check=True, capture_output=True)
        created = json.loads(subprocess.run(
            [str(BIN), "accounts", "create", "--name", "Bench", "--database-url", database.url],
            check=True, capture_output=True, text=True).stdout)
        account = created["accountId"]
        owner = created["apiKey"]["secret"]
        log(f"{backend}: seeding {key_count - 10:,} keys")
        started = time.time()
        database.seed(key_count - 10)
        log(f"{backend}: seeded in {time.time() - started:.1f} s")
        server = Server(database.url, workdir)
        try:
            keys = [server.call("POST", f"/api/accounts/{account}/api-keys", owner,
                                {"name": f"bench{i}", "role": "merchant-terminal"})
                    for i in range(1, 10)]
            server.call("GET", "/api/me", owner)
            seconds, conns = args.seconds, args.connections
            auth = [f"x-api-key: {owner}"]
            figures = [
                ("GET /healthz", "/healthz", [], None, None),
                ("GET /api/me", "/api/me", auth, None, None),
                ("POST /api/verify", "/api/verify", [], "post.lua",
                 {"BODY": json.dumps({"key": owner})}),
                ("GET one key", f"/api/accounts/{account}/api-keys/bench1", auth, None, None),
                ("GET list of 10 keys", f"/api/accounts/{account}/api-keys", auth, None, None),
                ("POST create key", f"/api/accounts/{account}/api-keys", auth, "create.lua", None),
            ]
            baseline = None
            for name, path, headers, script, env in figures:
                result = wrk(server.base + path, seconds, conns, headers, script, env)
                baseline = baseline or result["rps"]
                rows.append(dict(backend=backend, keys=key_count, figure=name, **result,
                                 ratio=result["rps"] / baseline if baseline else float("nan")))
                log(f"{backend} {key_count:,} {name}: {result['rps']:.0f} req/s, "
                    f"RSS now {server.rss_mib():.0f} MiB")

            # Good key under a flood of well-formed keys with wrong secrets.
            flood_file = Path(workdir) / "flood-keys.txt"
            targets = [k["id"] for k in keys] + [created["apiKey"]["id"]]
            flood_file.write_text("\n".join(wrong_secret_for(random.choice(targets))
                                            for _ in range(1000)) + "\n")
            flood = subprocess.Popen(
                ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s",
                 "-s", str(WRK_DIR / "flood.lua"), server.base + "/api/me"],
                stdout=subprocess.PIPE, text=True, env={**os.environ, "KEYS": str(flood_file)})
            good = wrk(server.base + "/api/me", seconds, conns, auth)
            flood_out, _ = flood.communicate(timeout=seconds + 60)
            statuses = {}
            for line in flood_out.splitlines():
                if line.startswith("status "):
                    _, code, count = line.split()
                    statuses[int(code)] = int(count)
            me = next(r for r in rows if r["figure"] == "GET /api/me" and r["keys"] == key_count)
            rows.append(dict(backend=backend, keys=key_count, figure="GET /api/me under flood",
                             **{**good, "statuses": statuses},
                             ratio=good["rps"] / baseline if baseline else float("nan"),
                             vs_unflooded=good["rps"] / me["rps"] if me["rps"] else float("nan")))
            log(f"{backend} {key_count:,} flood: good {good['rps']:.0f} req/s, flood statuses {statuses}")
            rss = server.peak_rss_mib()
            for row in rows:
                row["rss"] = rss
        finally:
            server.stop()
    finally:
        database.drop()
    return rows


def render(rows, args, elapsed):
    lines = [
        f"Keyward benchmark, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{'short' if args.short else 'full'} mode: `bash bench/run.sh{' --short' if args.short else ''}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"wrk -t2 -c{args.connections} -d{args.seconds}s, on the same machine over loopback; "
        f"server defaults (argon2id m=19456 t=2, access log on). Run took {elapsed:.0f} s.",
        "",
        "| backend | keys | figure | req/s | × /healthz | p50 ms | p99 ms | non-2xx | peak RSS MiB |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        non2xx = r["non2xx"]
        if r["figure"].endswith("under flood"):
            non2xx = f"{non2xx} (flood: {', '.join(f'{c}×{n}' for c, n in sorted(r['statuses'].items()))})"
        lines.append(
            f"| {r['backend']} | {r['keys']:,} | {r['figure']} | {r['rps']:,.0f} | {r['ratio']:.2f} | "
            f"{r['p50']:.2f} | {r['p99']:.2f} | {non2xx} | {r['rss']:.0f} |")
    lines += ["", "Derived figures (targets in docs/performance.md):", ""]
    for backend in args.backends:
        small, large = min(args.scales), max(args.scales)
        def rps(keys, figure):
            return next((r["rps"] for r in rows if r["backend"] == backend and r["keys"] == keys
                         and r["figure"] == figure), float("nan"))
        for figure in ("GET /api/me", "POST /api/verify"):
            healthz = rps(small, "GET /healthz")
            lines.append(f"- {backend}: {figure} = {rps(small, figure) / healthz:.2f}× /healthz "
                         f"({small:,} keys); {large:,} keys / {small:,} keys = "
                         f"{rps(large, figure) / rps(small, figure):.2f}")
        flood = [r for r in rows if r["backend"] == backend and r["figure"].endswith("under flood")]
        for r in flood:
            bad = {c: n for c, n in r["statuses"].items() if c not in (401, 429)}
            lines.append(f"- {backend}: {r['keys']:,} keys, good key under flood = "
                         f"{r['vs_unflooded']:.2f}× unflooded; flood answers other than 401/429: {bad or 'none'}")
        peak = max((r["rss"] for r in rows if r["backend"] == backend), default=float("nan"))
        lines.append(f"- {backend}: peak RSS {peak:.0f} MiB")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true",
                        help="2 s per figure, 1,000 and 10,000 keys (what CI runs)")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "KEYWARD_BENCH_POSTGRES_URL",
        os.environ.get("KEYWARD_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")))
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--scales", help="comma-separated key counts")
    parser.add_argument("--out", help="where to write the table")
    args = parser.parse_args()
    args.backends = [b for b in args.backends.split(",") if b]
    args.seconds = args.seconds or (2 if args.short else 10)
    args.scales = [int(s) for s in (args.scales or ("1000,10000" if args.short else "1000,1000000")).split(",")]
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / ("short.md" if args.short else "latest.md")
    started = time.time()
    rows = []
    with tempfile.TemporaryDirectory(prefix="keyward-bench-") as workdir:
        for backend in args.backends:
            for scale in args.scales:
                rows += measure(backend, scale, args, workdir)
    table = render(rows, args, time.time() - started)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)
    print(table)
    log(f"written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
