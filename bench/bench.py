#!/usr/bin/env python3
"""Measures Keyward under load with wrk; run through bench/run.sh.

For each backend and key count: a fresh database, one account with 10 keys,
the rest of the keys bulk-inserted into another account, the release server
started on it, then each figure driven by wrk for a fixed time at fixed
concurrency. Every figure is also given as a ratio to GET /healthz of the same
server. Prints a Markdown table and writes it to bench/results/.

Then, per backend, the long tail: many keys with real secrets used at random
from one address (see measure_long_tail). Hashing those secrets needs the
argon2-cffi package, which bench/run.sh installs in a virtual environment
under target/.

Then, per backend, two parts of their own (--only pages,tree): a page of 100
keys from an account with 1,000,000 keys, first and after key 900,000
(measure_pages), and authentication with keys of accounts three levels deep
against root accounts' keys (measure_tree). Their figures take turns under
wrk (interleaved), so that the noise of a shared host cancels in the ratios.

Then, per backend, the limits (--only limits): POST /api/verify on a key with
a rate limit and credits, on 1,000 such keys at random and on a key without
limits, taking turns with /healthz; the balances are checked afterwards to
have gone down by exactly the valid answers wrk saw; and a key limited to 100
uses per 10 s is hammered, no window admitting more than 100
(measure_limits). Verify without limits is compared with its figure in
bench/results/latest.md.

Then, per backend, usage analytics (--only usage): GET /api/me with many
distinct keys at random on two servers over one database that differ only in
--usage-analytics (on, the default, and off), taking turns under wrk; the
counting server's counts are checked afterwards against the answers wrk saw,
through the usage route and in the table its clean stop wrote
(measure_usage).
Then, per backend, the allowlist (--only allowlist): GET /api/me with keys
that carry an allowlist of 16 networks (the client's the last one), an
externalId and 1 KiB of meta, against plain keys, one key and 1,000 at
random on each side, taking turns (measure_allowlist).

A run of some parts only (--only) writes bench/results/latest-<parts>.md
(short-<parts>.md), so that latest.md stays the last full run.
"""

import argparse
import csv
import datetime
import hashlib
import http.client
import importlib.util
import io
import json
import math
import multiprocessing
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
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
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
# The accounts columns a row needs since the accounts tree (migration
# 000007): PostgreSQL has no default for the bookkeeping ones.
ACCOUNT_COLUMNS = "id, name, created_at, created_by, modified_at, modified_by"
PHC = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")
# wrk threads, for every figure.
THREADS = 2


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class HarnessError(Exception):
    """The harness cannot go on: reported as such, never as a slow figure."""


# --- credentials -------------------------------------------------------------

def checksum(body):
    n = int.from_bytes(hashlib.sha256(body.encode()).digest()[:4], "big")
    out = []
    for _ in range(6):
        out.append(BASE62[n % 62])
        n //= 62
    return "".join(reversed(out))


def key_for(key_id, rng=random):
    """A well-formed key for the id: prefix, id, 24 random base62, checksum."""
    body = "kw_" + uuid.UUID(str(key_id)).hex + "".join(rng.choices(BASE62, k=24))
    return body + checksum(body)


def wrong_secret_for(key_id):
    """A well-formed key (right prefix, id, checksum) with a wrong secret."""
    return key_for(key_id)


def argon2_params(phc):
    """(m, t, p) recorded in an argon2id PHC string."""
    match = PHC.match(phc or "")
    if not match:
        raise HarnessError(f"not an argon2id PHC string: {phc!r}")
    return tuple(int(g) for g in match.groups())


_HASH_PARAMS = None


def _hash_init(params):
    global _HASH_PARAMS
    _HASH_PARAMS = params


def _hash_one(secret):
    from argon2.low_level import Type, hash_secret
    m, t, p = _HASH_PARAMS
    return hash_secret(secret.encode(), os.urandom(16), time_cost=t, memory_cost=m,
                       parallelism=p, hash_len=32, type=Type.ID).decode()


def hash_all(secrets_, params):
    """argon2id PHC strings of the secrets, with these exact parameters and a
    fresh 16-byte salt each, as the server would store them. One process per core."""
    if importlib.util.find_spec("argon2") is None:
        raise HarnessError("the long tail needs the Python package argon2-cffi: run the "
                           "benchmark through bench/run.sh, which installs it in target/bench-venv")
    processes = max(1, os.cpu_count() or 1)
    with multiprocessing.Pool(processes, initializer=_hash_init, initargs=(params,)) as pool:
        return pool.map(_hash_one, secrets_, chunksize=max(1, min(2000, len(secrets_) // (processes * 8) or 1)))


# --- databases ---------------------------------------------------------------

def random_account_id():
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(22))


def db_time(moment):
    """A UTC time as the server writes it into SQLite's text columns:
    milliseconds, trailing zeros dropped, no fraction on a whole second.
    SQLite compares these as text, so a list's order and a page key's
    position are only right if every row is written the same way."""
    text = moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3].rstrip("0")
    return text.rstrip(".")


def now_text():
    return db_time(datetime.datetime.now(datetime.timezone.utc))


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

    def migrate(self):
        subprocess.run([str(BIN), "migrate", "--database-url", self.url],
                       check=True, capture_output=True)

    def create_account(self, name):
        """`keyward accounts create`: {"accountId", "apiKey": {..., "secret"}}."""
        return json.loads(subprocess.run(
            [str(BIN), "accounts", "create", "--name", name, "--database-url", self.url],
            check=True, capture_output=True, text=True).stdout)

    def seed(self, count):
        """Bulk-inserts `count` keys into an account of their own."""
        if count <= 0:
            return
        account = random_account_id()
        self.insert_accounts([(account, "Seed")])
        self.fill(account, count)

    def insert_accounts(self, accounts, parent=None):
        """Inserts root accounts (or children of `parent`) as (id, name) rows,
        with the bookkeeping `keyward accounts create` writes."""
        now = now_text()
        rows = [(account, name, now, f"crn:{account}:cli:keyward", now, f"crn:{account}:cli:keyward",
                 parent) for account, name in accounts]
        sql = (f"INSERT INTO accounts ({ACCOUNT_COLUMNS}, parent_account_id) "
               "VALUES (?,?,?,?,?,?,?)")
        if self.backend == "sqlite":
            con = sqlite3.connect(self.url)
            con.executemany(sql, rows)
            con.commit()
            con.close()
        else:
            data = io.StringIO()
            csv.writer(data).writerows(rows)
            subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", self.url, "-c",
                            f"COPY accounts ({ACCOUNT_COLUMNS}, parent_account_id) "
                            "FROM STDIN WITH (FORMAT csv)"],
                           input=data.getvalue(), check=True, capture_output=True, text=True)

    def fill(self, account, count, spread_ms=0):
        """Bulk-inserts `count` filler keys (names seed0...) into `account`.
        With `spread_ms`, key i is created i × spread_ms milliseconds after
        the first, the last one just before now, as keys created over time
        are; without, all at once."""
        if count <= 0:
            return
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as the server keeps it
        first = now - datetime.timedelta(milliseconds=spread_ms * count)
        stamp = db_time(now)
        crn = f"crn:{account}:cli:keyward"
        if self.backend == "sqlite":
            con = sqlite3.connect(self.url)
            batch = 100_000
            step = datetime.timedelta(milliseconds=spread_ms)
            for start in range(0, count, batch):
                rows = []
                for i in range(start, min(count, start + batch)):
                    at = db_time(first + step * i) if spread_ms else stamp
                    rows.append((str(uuid.uuid4()), account, f"seed{i}", "merchant-terminal", 1,
                                 SEED_HASH, "...AAAAAA", at, crn, at, crn, 1))
                con.executemany(f"INSERT INTO api_keys ({SEED_COLUMNS}) "
                                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            con.commit()
            con.execute("ANALYZE")
            con.close()
        else:
            first_text = first.strftime("%Y-%m-%d %H:%M:%S.%f")
            at = (f"TIMESTAMP '{first_text}' + i * INTERVAL '{spread_ms} milliseconds'"
                  if spread_ms else f"TIMESTAMP '{stamp}'")
            psql(self.url, f"""
                INSERT INTO api_keys ({SEED_COLUMNS})
                SELECT gen_random_uuid()::text, '{account}', 'seed' || i, 'merchant-terminal', true,
                       '{SEED_HASH}', '...AAAAAA', {at}, '{crn}', {at}, '{crn}', 1
                FROM generate_series(0, {count - 1}) AS i;
            """)
            self.settle()

    def prepare(self, name):
        """Migrates the fresh database and creates an account with
        `keyward accounts create`; its id and its owner key (id, secret...)."""
        self.migrate()
        created = self.create_account(name)
        return created["accountId"], created["apiKey"]

    def insert_keys(self, account, keys):
        """Bulk-inserts (id, name, secret_hash, secret_hint) rows into `account`,
        with the named columns, then refreshes the planner's statistics."""
        self.insert_key_rows([(key_id, account, name, phc, hint) for key_id, name, phc, hint in keys])

    def insert_key_rows(self, keys):
        """Bulk-inserts (id, account, name, secret_hash, secret_hint) rows,
        with the named columns, then refreshes the planner's statistics."""
        now = now_text()
        rows = [(key_id, account, name, "merchant-terminal", True, phc, hint, now,
                 f"crn:{account}:cli:keyward", now, f"crn:{account}:cli:keyward", 1)
                for key_id, account, name, phc, hint in keys]
        if self.backend == "sqlite":
            con = sqlite3.connect(self.url)
            con.executemany(f"INSERT INTO api_keys ({SEED_COLUMNS}) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            con.commit()
            con.execute("ANALYZE")
            con.close()
        else:
            data = io.StringIO()
            csv.writer(data).writerows(rows)
            subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", self.url, "-c",
                            f"COPY api_keys ({SEED_COLUMNS}) FROM STDIN WITH (FORMAT csv)"],
                           input=data.getvalue(), check=True, capture_output=True, text=True)
            psql(self.url, "ANALYZE")

    def mark_used(self, account, prefix):
        """Gives the keys of `account` whose names start with `prefix` a
        lastUsedAt (their creation time), as keys in service have."""
        sql = (f"INSERT INTO api_key_last_used (api_key_id, last_used_at) "
               f"SELECT id, created_at FROM api_keys "
               f"WHERE account_id = '{account}' AND name LIKE '{prefix}%'")
        if self.backend == "sqlite":
            con = sqlite3.connect(self.url)
            con.execute(sql)
            con.commit()
            con.close()
        else:
            psql(self.url, sql)
            self.settle()

    def settle(self):
        """PostgreSQL only: vacuums, analyzes and checkpoints after a bulk
        load, as a database in service has long since done, so that neither
        the insert-triggered autovacuum of a million fresh rows nor the
        checkpoint of their pages lands inside a measured window."""
        psql(self.url, "VACUUM ANALYZE")
        psql(self.url, "CHECKPOINT")

    def secret_hash(self, key_id):
        if self.backend == "sqlite":
            con = sqlite3.connect(self.url)
            try:
                row = con.execute("SELECT secret_hash FROM api_keys WHERE id = ?", (key_id,)).fetchone()
            finally:
                con.close()
            return row[0] if row else None
        out = subprocess.run(["psql", "-At", "-v", "ON_ERROR_STOP=1", self.url, "-c",
                              f"SELECT secret_hash FROM api_keys WHERE id = '{key_id}'"],
                             check=True, capture_output=True, text=True).stdout.strip()
        return out or None

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


def serve_flags():
    """The flags `keyward serve --help` lists."""
    text = subprocess.run([str(BIN), "serve", "--help"], capture_output=True, text=True).stdout
    return set(re.findall(r"--[a-z0-9-]+", text))


class ServerError(HarnessError):
    pass


class Server:
    def __init__(self, database_url, workdir, extra_args=()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(workdir) / f"server-{self.port}.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [str(BIN), "serve", "--bind", f"127.0.0.1:{self.port}", "--no-bootstrap",
             "--database-url", database_url, *extra_args],
            stdout=self.log, stderr=self.log,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    self.log.close()
                    raise ServerError(f"server exited with {self.process.returncode}: "
                                      f"{self.log_tail()}")
                time.sleep(0.05)
        self.stop()
        raise ServerError(f"server did not answer /healthz within 60 s: {self.log_tail()}")

    def log_tail(self):
        """The server's error line, else its last lines."""
        lines = [line.strip() for line in self.log_path.read_text(errors="replace").splitlines()
                 if line.strip()]
        errors = [line for line in lines if line.startswith("Error")]
        return errors[0] if errors else " / ".join(lines[-5:]) or "(no output)"

    def _status_kib(self, field):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return float("nan")

    def rss_mib(self):
        return self._status_kib("VmRSS") / 1024

    def cpu_seconds(self):
        """User and system CPU time the server has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # utime and stime are fields 14 and 15 of the line; 3 is the first after the name.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self):
        return self._status_kib("VmHWM") / 1024

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
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


def wrk_command(url, seconds, connections, headers=(), script=None, threads=THREADS):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(WRK_DIR / script)]
    command.append(url)
    return command


def parse_wrk(output):
    result = {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "non2xx": 0,
              "statuses": {}, "socket_errors": 0}
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
        elif line.startswith("Socket errors:"):
            result["socket_errors"] = sum(int(n) for n in re.findall(r"\d+", line))
        elif line.startswith("status "):
            _, code, count = line.split()
            result["statuses"][int(code)] = int(count)
        elif line.startswith("invalid "):
            result["invalid"] = int(line.split()[1])
        elif line.startswith("pass "):
            _, answers, seconds, keys = line.split()
            result["pass"] = {"answers": int(answers), "seconds": float(seconds), "keys": int(keys)}
        elif line.startswith("counted "):
            _, sent, answered, valid, seconds, first, last = line.split()
            result["counted"] = {"sent": int(sent), "answered": int(answered), "valid": int(valid),
                                 "seconds": float(seconds), "first": float(first),
                                 "last": float(last)}
        elif line.startswith("code "):
            _, code, count = line.split()
            result.setdefault("codes", {})[code] = int(count)
        elif line.startswith("window "):
            _, reset, count = line.split()
            result.setdefault("windows", {})[reset] = int(count)
    return result


def wrk(url, seconds, connections, headers=(), script=None, env=None):
    output = subprocess.run(wrk_command(url, seconds, connections, headers, script),
                            check=True, capture_output=True, text=True,
                            env={**os.environ, **(env or {})}).stdout
    return parse_wrk(output)


def first_pass(url, keys_file, connections, limit_seconds, workdir):
    """Every key in keys_file once (bench/wrk/first-pass.lua); req/s over the pass.
    wrk is stopped as soon as all its threads have used up their share."""
    done = Path(workdir) / "first-pass-done"
    done.write_text("")
    process = subprocess.Popen(
        wrk_command(url, limit_seconds, connections, script="first-pass.lua"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "KEYS": str(keys_file), "THREADS": str(THREADS), "DONE": str(done)})
    while process.poll() is None:
        if len(done.read_text().split()) >= THREADS:
            # Wakes wrk from its -d sleep; again if it came too early to count.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
            break
        time.sleep(0.01)
    output, errors = process.communicate(timeout=60)
    if process.returncode != 0:
        raise HarnessError(f"wrk first pass failed ({process.returncode}): {errors.strip()}")
    result = parse_wrk(output)
    passed = result.get("pass")
    if not passed:
        raise HarnessError(f"wrk first pass printed no pass line: {output.strip()}")
    result["rps"] = passed["answers"] / passed["seconds"] if passed["seconds"] > 0 else 0.0
    return result


class Writer:
    """PUTs a new description on keys in turn, `rate` a second on schedule,
    over a few keep-alive connections so that a slow answer does not lower
    the rate; counts answers by status."""

    def __init__(self, port, account, owner, names, rate, connections=8):
        self.port, self.account, self.owner, self.names, self.rate = port, account, owner, names, rate
        self.statuses = {}
        self.latencies = []
        self.sent = 0
        self.seconds = 0.0
        self.late = 0  # PUTs that found every connection busy when due
        self.halt = threading.Event()
        self.jobs = []
        self.lock = threading.Condition()
        self.scheduler = threading.Thread(target=self.schedule, daemon=True)
        self.workers = [threading.Thread(target=self.work, daemon=True) for _ in range(connections)]
        self.idle = connections

    def start(self):
        for worker in self.workers:
            worker.start()
        self.scheduler.start()

    def stop(self):
        self.halt.set()
        with self.lock:
            self.lock.notify_all()
        self.scheduler.join(timeout=60)
        for worker in self.workers:
            worker.join(timeout=60)

    def schedule(self):
        started = time.monotonic()
        n = 0
        while not self.halt.wait(max(0.0, started + n / self.rate - time.monotonic())):
            with self.lock:
                if self.idle == 0:
                    self.late += 1
                self.jobs.append(n)
                self.lock.notify()
            n += 1
        self.sent = n
        self.seconds = time.monotonic() - started

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def put(self, connection, n):
        name = self.names[n % len(self.names)]
        connection.request("PUT", f"/api/accounts/{self.account}/api-keys/{name}",
                           json.dumps({"description": f"bench {n}"}),
                           {"x-api-key": self.owner, "content-type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status

    def work(self):
        connection = self.connect()
        while True:
            with self.lock:
                while not self.jobs and not self.halt.is_set():
                    self.lock.wait()
                if not self.jobs:
                    break
                n = self.jobs.pop(0)
                self.idle -= 1
            started = time.monotonic()
            try:
                status = self.put(connection, n)
            except (OSError, http.client.HTTPException):
                # The server may close a keep-alive connection: one retry on a new one.
                connection.close()
                connection = self.connect()
                try:
                    status = self.put(connection, n)
                except (OSError, http.client.HTTPException) as error:
                    status = type(error).__name__
                    connection.close()
                    connection = self.connect()
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                self.latencies.append((time.monotonic() - started) * 1000)
                self.idle += 1
        connection.close()


# --- the existing figures ----------------------------------------------------

def measure(backend, key_count, args, workdir):
    database = BenchDatabase(backend, args.postgres_url, workdir)
    rows = []
    try:
        account, owner_key = database.prepare("Bench")
        owner = owner_key["secret"]
        log(f"{backend}: seeding {key_count - 10:,} keys")
        started = time.time()
        database.seed(key_count - 10)
        log(f"{backend}: seeded in {time.time() - started:.1f} s")
        server = Server(database.url, workdir)
        try:
            keys = [server.call("POST", f"/api/accounts/{account}/api-keys", owner,
                                {"name": f"bench{i}", "role": "merchant-terminal"})
                    for i in range(1, 10)]
            params = argon2_params(database.secret_hash(keys[0]["id"]))
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
            targets = [k["id"] for k in keys] + [owner_key["id"]]
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
                row["argon2"] = params
        finally:
            server.stop()
    finally:
        database.drop()
    return rows


# --- the long tail -------------------------------------------------------------

class LongTailKeys:
    """The keys with real secrets, the same on every backend of a run, and
    their hashes by argon2 parameters, so that each is computed once."""

    def __init__(self, count):
        rng = random.Random(secrets.randbits(64))
        self.ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]
        self.secrets = [key_for(key_id, rng) for key_id in self.ids]
        self.hashes = {}
        self.hash_seconds = {}

    def hashed(self, params):
        if params not in self.hashes:
            m, t, p = params
            log(f"hashing {len(self.secrets):,} secrets with argon2id m={m} t={t} p={p} "
                f"on {os.cpu_count()} processes")
            started = time.time()
            self.hashes[params] = hash_all(self.secrets, params)
            self.hash_seconds[params] = time.time() - started
            log(f"hashed in {self.hash_seconds[params]:.1f} s")
        return self.hashes[params]


def figure_row(backend, keys, run, figure, result, baseline, rss=None, note=""):
    return dict(backend=backend, keys=keys, run=run, figure=figure, **result,
                ratio=result["rps"] / baseline if baseline else float("nan"),
                rss=rss, note=note)


def measure_long_tail(backend, args, workdir, material):
    """The long tail on one backend.

    args.long_tail_keys keys in all, args.long_tail_real of them with real
    secrets in one account (created with `keyward accounts create`), the rest
    filler in another, plus a few keys of the first account that only the
    writer of (c) touches. Three server runs on the same database:

    0. learns the argon2 parameters from a key the server creates through the
       API, so that the harness hashes the real secrets exactly as the server
       would; the real keys are inserted while it is stopped;
    1. (a) each real key once, in random order, starting as soon as the fresh
       process answers /healthz; then /healthz through the same script (the
       baseline); a control (GET /api/me with one key, same script); a warm-up; (b) random real keys;
       (c) the same while 20 PUTs a second change other keys; key creation
       with 8 connections;
    2. with --cache-capacity below the working set: /healthz, a warm-up,
       (d) random real keys.
    """
    total, real = args.long_tail_keys, args.long_tail_real
    others = max(100, real // 100)
    capacity = real // 2 if args.cache_capacity is None else args.cache_capacity
    filler = total - real - others - 2  # less the owner and the probe key
    if filler < 0:
        raise HarnessError(f"--long-tail-keys {total:,} is fewer than the {real + others + 2:,} "
                           "keys the long tail needs")
    seconds, conns = args.seconds, args.connections
    info = dict(backend=backend, keys=total, real=real, others=others, capacity=capacity)
    rows = []
    database = BenchDatabase(backend, args.postgres_url, workdir)
    try:
        account, owner_key = database.prepare("Long tail")
        owner = owner_key["secret"]
        log(f"{backend} long tail: seeding {filler + others:,} keys")
        started = time.time()
        database.seed(filler)
        other_names = [f"other{i}" for i in range(others)]
        database.insert_keys(account, [(str(uuid.uuid4()), name, SEED_HASH, "...AAAAAA")
                                       for name in other_names])
        info["seed_seconds"] = time.time() - started

        # Run 0: what the server hashes new secrets with.
        server = Server(database.url, workdir)
        try:
            probe = server.call("POST", f"/api/accounts/{account}/api-keys", owner,
                                {"name": "probe", "role": "merchant-terminal"})
        finally:
            server.stop()
        params = argon2_params(database.secret_hash(probe["id"]))
        info["argon2"] = params
        hashes = material.hashed(params)
        info["hash_seconds"] = material.hash_seconds[params]
        started = time.time()
        database.insert_keys(account, [
            (key_id, f"lt{i}", phc, "..." + secret[-6:])
            for i, (key_id, secret, phc) in enumerate(zip(material.ids, material.secrets, hashes))])
        # The real keys stand for keys in service before a restart: they have
        # a lastUsedAt, so the restarted server can warm its cache from them.
        database.mark_used(account, "lt")
        info["seed_seconds"] += time.time() - started
        log(f"{backend} long tail: {total:,} keys in the database, seeded in "
            f"{info['seed_seconds']:.1f} s (hashing not included)")
        keys_file = Path(workdir) / f"long-tail-{backend}.txt"
        shuffled = list(material.secrets)
        random.shuffle(shuffled)
        keys_file.write_text("\n".join(shuffled) + "\n")
        owner_file = Path(workdir) / f"long-tail-{backend}-owner.txt"
        owner_file.write_text(owner + "\n")
        random_keys = {"KEYS": str(keys_file)}

        # Run 1.
        server = Server(database.url, workdir)
        try:
            run = 1
            a = first_pass(server.base + "/api/me", keys_file, conns, args.first_pass_limit, workdir)
            passed = a["pass"]
            # The baseline is driven by the same script as the figures, so
            # the client's own cost per request is the same on both sides.
            healthz = wrk(server.base + "/healthz", seconds, conns, script="random-key.lua",
                          env=random_keys)
            base = healthz["rps"]
            rows.append(figure_row(backend, total, run, "GET /healthz, same script", healthz,
                                   base))
            cut = "" if passed["answers"] >= passed["keys"] else \
                f", cut short by the {args.first_pass_limit} s limit"
            rows.append(figure_row(
                backend, total, run, "(a) first pass after a restart", a, base,
                note=f"{passed['answers']:,} of {passed['keys']:,} keys answered, each once, "
                     f"in {passed['seconds']:.1f} s{cut}"))
            log(f"{backend} long tail (a): {a['rps']:.0f} req/s, {passed['answers']:,} keys "
                f"in {passed['seconds']:.1f} s, statuses {a['statuses']}")
            control = wrk(server.base + "/api/me", seconds, conns, script="random-key.lua",
                          env={"KEYS": str(owner_file)})
            rows.append(figure_row(backend, total, run, "GET /api/me, 1 key, same script",
                                   control, base))
            wrk(server.base + "/api/me", args.warmup, conns, script="random-key.lua", env=random_keys)
            b = wrk(server.base + "/api/me", seconds, conns, script="random-key.lua", env=random_keys)
            rows.append(figure_row(backend, total, run, "(b) steady state", b, base))
            log(f"{backend} long tail (b): {b['rps']:.0f} req/s, statuses {b['statuses']}")

            writer = Writer(server.port, account, owner, other_names, args.put_rate)
            writer.start()
            try:
                c = wrk(server.base + "/api/me", seconds, conns, script="random-key.lua",
                        env=random_keys)
            finally:
                writer.stop()
            puts = ", ".join(f"{code}×{n}" for code, n in sorted(writer.statuses.items(), key=str))
            put_ms = sorted(writer.latencies) or [float("nan")]
            late = f", {writer.late} due while all 8 connections were busy" if writer.late else ""
            rows.append(figure_row(
                backend, total, run, f"(c) steady state, {args.put_rate:g} PUT/s", c, base,
                note=f"PUTs: {writer.sent} sent in {writer.seconds:.1f} s "
                     f"({writer.sent / writer.seconds if writer.seconds else 0:.1f}/s{late}), "
                     f"answers {puts or 'none'}, p50 {put_ms[len(put_ms) // 2]:.0f} ms, "
                     f"max {put_ms[-1]:.0f} ms"))
            info["puts"] = dict(writer.statuses)
            log(f"{backend} long tail (c): {c['rps']:.0f} req/s, statuses {c['statuses']}, PUTs {puts}")

            create = wrk(server.base + f"/api/accounts/{account}/api-keys", seconds, 8,
                         [f"x-api-key: {owner}"], "create.lua")
            rows.append(figure_row(backend, total, run, "POST create key, 8 connections",
                                   create, base))
            log(f"{backend} long tail create: {create['rps']:.1f} req/s, non-2xx {create['non2xx']}")
            rss = server.peak_rss_mib()
            for row in rows:
                row["rss"] = rss
        finally:
            server.stop()

        # Run 2: the cache smaller than the working set.
        run = 2
        label = f"(d) steady state, --cache-capacity {capacity:,}"
        if "--cache-capacity" not in serve_flags():
            rows.append(dict(backend=backend, keys=total, run=run, figure=label, missing=
                             "not measured: this keyward serve has no --cache-capacity"))
            log(f"{backend} long tail (d): not measured, keyward serve has no --cache-capacity")
        else:
            try:
                server = Server(database.url, workdir, ["--cache-capacity", str(capacity)])
            except ServerError as error:
                rows.append(dict(backend=backend, keys=total, run=run, figure=label,
                                 missing=f"not measured: {error}"))
                log(f"{backend} long tail (d): not measured: {error}")
            else:
                try:
                    healthz = wrk(server.base + "/healthz", seconds, conns,
                                  script="random-key.lua", env=random_keys)
                    base = healthz["rps"]
                    wrk(server.base + "/api/me", args.warmup, conns, script="random-key.lua",
                        env=random_keys)
                    d = wrk(server.base + "/api/me", seconds, conns, script="random-key.lua",
                            env=random_keys)
                    rss = server.peak_rss_mib()
                    rows.append(figure_row(backend, total, run, "GET /healthz, same script", healthz, base, rss))
                    rows.append(figure_row(backend, total, run, label, d, base, rss))
                    log(f"{backend} long tail (d): {d['rps']:.0f} req/s, statuses {d['statuses']}")
                finally:
                    server.stop()
    finally:
        database.drop()
    return rows, info


# --- pages and the accounts tree ---------------------------------------------------

def postgres_cpu_seconds():
    """User and system CPU time used so far by the processes of a PostgreSQL
    server on this machine (all of them: backends and background workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended while we looked
        name, rest = text.split("(", 1)[1].rsplit(")", 1)
        if name == "postgres":
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def interleaved(base, figures, rounds, seconds, connections, server=None, database=False):
    """Each figure (name, path, headers, script, env) for `rounds` wrk runs
    of `seconds`, taking turns so that drift of the host lands on all of them
    alike: in order in even rounds, in reverse in odd ones (A B, B A, ...).
    Per figure: the mean over the rounds of req/s, p50 and p99, summed
    non-2xx answers, statuses and socket errors, and `rounds_rps`; with the
    `server`, also `cpu_us`, the server's CPU time per request over all its
    rounds (less swayed than req/s by other work on the host); with
    `database`, also `db_cpu_us`, the PostgreSQL server's CPU time per
    request, for a database on this machine."""
    runs = {name: [] for name, *_ in figures}
    for r in range(rounds):
        for name, path, headers, script, env in (figures if r % 2 == 0 else figures[::-1]):
            before = server.cpu_seconds() if server else 0.0
            db_before = postgres_cpu_seconds() if database else 0.0
            result = wrk(base + path, seconds, connections, headers, script, env)
            result["cpu"] = server.cpu_seconds() - before if server else float("nan")
            result["db_cpu"] = postgres_cpu_seconds() - db_before if database else float("nan")
            runs[name].append(result)
    combined = {}
    for name, results in runs.items():
        statuses = {}
        for result in results:
            for code, n in result["statuses"].items():
                statuses[code] = statuses.get(code, 0) + n
        mean = lambda field: sum(r[field] for r in results) / len(results)
        combined[name] = dict(rps=mean("rps"), p50=mean("p50"), p99=mean("p99"),
                              non2xx=sum(r["non2xx"] for r in results),
                              socket_errors=sum(r["socket_errors"] for r in results),
                              statuses=statuses, rounds_rps=[r["rps"] for r in results],
                              invalid=sum(r.get("invalid", 0) for r in results))
        answered = sum(r["rps"] * seconds for r in results)
        for field in ("cpu", "db_cpu"):
            combined[name][field + "_us"] = (sum(r[field] for r in results) / answered * 1e6
                                             if answered else float("nan"))
    return combined


def get_json(connection, path, key):
    """GET on a keep-alive connection: the parsed body; HarnessError unless 200."""
    connection.request("GET", path, headers={"x-api-key": key})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise HarnessError(f"GET {path} answered {response.status}: {body[:300]!r}")
    return json.loads(body)


def walk_pages(server, account, owner, upto, limit):
    """Walks the account's key list `limit` at a time from the start until
    `upto` keys have been listed (a multiple of `limit`): the nextPageKey of
    the last page read, and the ids listed, each checked to come once."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    seen, page_key, pages = set(), None, 0
    try:
        while len(seen) < upto:
            path = f"/api/accounts/{account}/api-keys?limit={limit}"
            if page_key:
                path += "&pageKey=" + urllib.parse.quote(page_key, safe="")
            page = get_json(connection, path, owner)
            pages += 1
            items = page.get("items", []) if isinstance(page, dict) else []
            if len(items) != limit or not page.get("nextPageKey"):
                raise HarnessError(f"page {pages} of the walk: {len(items)} items, nextPageKey "
                                   f"{page.get('nextPageKey') if isinstance(page, dict) else None!r}; "
                                   f"expected {limit} and a next page")
            for item in items:
                if item["id"] in seen:
                    raise HarnessError(f"page {pages} of the walk lists key {item['id']} again")
                seen.add(item["id"])
            page_key = page["nextPageKey"]
    finally:
        connection.close()
    return page_key, seen, pages


def measure_pages(backend, args, workdir):
    """Listing a page of 100 keys from an account with args.page_keys keys:
    the first page, and the page after the first args.page_deep keys.

    The keys are bulk-inserted into the account of `keyward accounts
    create`, created 1 ms apart (so the list's (createdAt, id) order is
    their insertion order); their hashes belong to no secret, as nothing
    authenticates with them. The server walks to the deep page itself
    (limit=1000 per request), so the page key is one it gave; then /healthz,
    the first page and the deep page take turns under wrk."""
    total, deep = args.page_keys, args.page_deep
    walk_limit = min(1000, deep)
    if deep <= 0 or deep % walk_limit or deep + 100 >= total:
        raise HarnessError(f"--page-deep {deep:,} must be a positive multiple of 1,000 "
                           f"(or below it) with a full page after it in --page-keys {total:,}")
    seconds, conns, rounds = args.round_seconds, args.connections, args.rounds
    deep_label = f"GET page of 100 after key {deep:,}"
    labels = ("GET /healthz", "GET first page of 100", deep_label)
    info = dict(backend=backend, keys=total, deep=deep)
    rows = []
    database = BenchDatabase(backend, args.postgres_url, workdir)
    try:
        account, owner_key = database.prepare("Pages")
        owner = owner_key["secret"]
        keys_path = f"/api/accounts/{account}/api-keys"

        # Does this server page key lists at all? Asked on the one key the
        # account has, before spending the time to seed a million.
        server = Server(database.url, workdir)
        try:
            probe = server.call("GET", keys_path + "?limit=1", owner)
        finally:
            server.stop()
        if not (isinstance(probe, dict) and isinstance(probe.get("items"), list)):
            missing = (f"not measured: this keyward does not page key lists "
                       f"(GET …/api-keys?limit=1 answered a bare {type(probe).__name__})")
            log(f"{backend} pages: {missing}")
            return [dict(backend=backend, keys=total, figure=label, missing=missing)
                    for label in labels[1:]], info

        log(f"{backend} pages: seeding {total - 1:,} keys into the owner's account")
        started = time.time()
        database.fill(account, total - 1, spread_ms=1)
        info["seed_seconds"] = time.time() - started
        log(f"{backend} pages: seeded in {info['seed_seconds']:.1f} s")

        server = Server(database.url, workdir)
        try:
            server.call("GET", "/api/me", owner)
            started = time.time()
            page_key, seen, pages = walk_pages(server, account, owner, deep, walk_limit)
            info["walk"] = dict(pages=pages, limit=walk_limit, seconds=time.time() - started)
            log(f"{backend} pages: walked {len(seen):,} keys in {pages} requests of "
                f"{walk_limit} in {info['walk']['seconds']:.1f} s")
            # Both pages, once, checked for what they must hold.
            first = server.call("GET", keys_path + "?limit=100", owner)
            deep_path = keys_path + "?limit=100&pageKey=" + urllib.parse.quote(page_key, safe="")
            after = server.call("GET", deep_path, owner)
            for name, page in (("first", first), ("deep", after)):
                if len(page.get("items", [])) != 100 or not page.get("nextPageKey"):
                    raise HarnessError(f"the {name} page has {len(page.get('items', []))} items "
                                       f"and nextPageKey {page.get('nextPageKey')!r}")
            if any(item["id"] in seen for item in after["items"]):
                raise HarnessError("the deep page repeats a key listed before it")
            if any(item["id"] not in seen for item in first["items"]):
                raise HarnessError("the first page lists a key the walk did not start with")
            del seen

            auth = [f"x-api-key: {owner}"]
            found = interleaved(server.base, [
                (labels[0], "/healthz", [], None, None),
                (labels[1], keys_path + "?limit=100", auth, None, None),
                (labels[2], deep_path, auth, None, None),
            ], rounds, seconds, conns, server=server, database=backend == "postgres")
            rss = server.peak_rss_mib()
        finally:
            server.stop()
        base = found[labels[0]]["rps"]
        for label in labels:
            result = found[label]
            rows.append(dict(backend=backend, keys=total, figure=label, **result, rss=rss,
                             ratio=result["rps"] / base if base else float("nan")))
            log(f"{backend} pages {label}: {result['rps']:.0f} req/s "
                f"(rounds {', '.join(f'{x:.0f}' for x in result['rounds_rps'])})")
    finally:
        database.drop()
    return rows, info


def measure_tree(backend, args, workdir, material):
    """Authentication with a key of an account three levels deep (platform,
    merchant, store) against a root account's key, on one server run.

    One key each: the platform's owner key and the store's, both created
    through the API (POST /api/accounts, POST /api/accounts/{id}/accounts).
    Many keys: args.tree_keys keys with real secrets, spread over
    args.tree_accounts stores (under 10 merchants, all created through the
    API by the platform's key), against as many keys spread over as many
    root accounts (inserted with SQL, as `keyward accounts create` writes
    them); each request with a key picked at random. Each pair of figures
    takes turns under wrk (see interleaved)."""
    seconds, conns, rounds = args.round_seconds, args.connections, args.rounds
    stores = args.tree_accounts
    merchants = min(10, stores)
    per_account = max(1, args.tree_keys // stores)
    info = dict(backend=backend, stores=stores, merchants=merchants, keys=per_account * stores)
    rows = []
    database = BenchDatabase(backend, args.postgres_url, workdir)
    try:
        platform_id, platform_key = database.prepare("Platform")
        root = platform_key["secret"]
        server = Server(database.url, workdir)
        try:
            started = time.time()
            made = server.call("POST", "/api/accounts", root, {"name": "Merchant"})
            merchant_id = made["account"]["id"]
            params = argon2_params(database.secret_hash(made["apiKey"]["id"]))
            info["argon2"] = params
            made = server.call("POST", f"/api/accounts/{merchant_id}/accounts", root, {"name": "Store"})
            store_id, store = made["account"]["id"], made["apiKey"]["secret"]
            # The many-key side: stores under merchants under the platform.
            merchant_ids = [merchant_id] + [
                server.call("POST", "/api/accounts", root, {"name": f"Merchant {m}"})["account"]["id"]
                for m in range(1, merchants)]
            store_ids = [server.call("POST", f"/api/accounts/{merchant_ids[s % merchants]}/accounts",
                                     root, {"name": f"Store {s}"})["account"]["id"]
                         for s in range(stores)]
            info["accounts_seconds"] = time.time() - started
        finally:
            server.stop()
        root_ids = [random_account_id() for _ in range(stores)]
        database.insert_accounts([(a, f"Root {i}") for i, a in enumerate(root_ids)])

        hashes = material.hashed(params)
        half = per_account * stores
        rows_in = []
        for side, accounts, offset in (("store", store_ids, 0), ("root", root_ids, half)):
            for i in range(half):
                key_id, secret, phc = (material.ids[offset + i], material.secrets[offset + i],
                                       hashes[offset + i])
                rows_in.append((key_id, accounts[i % stores], f"t{i // stores}", phc,
                                "..." + secret[-6:]))
        database.insert_key_rows(rows_in)
        if backend == "postgres":
            database.settle()
        files = {}
        for side, offset in (("store", 0), ("root", half)):
            chosen = list(material.secrets[offset:offset + half])
            random.shuffle(chosen)
            files[side] = Path(workdir) / f"tree-{backend}-{side}.txt"
            files[side].write_text("\n".join(chosen) + "\n")

        server = Server(database.url, workdir)
        try:
            # What each side is: a root key, and a key three levels down.
            me_root, me_store = server.call("GET", "/api/me", root), server.call("GET", "/api/me", store)
            if me_root.get("parentAccountId") is not None or me_store.get("parentAccountId") != merchant_id:
                raise HarnessError(f"GET /api/me: root {me_root}, store {me_store}: "
                                   "not a root key and a key of the merchant's child")
            for side, secret in (("root", root), ("store", store),
                                 ("root", material.secrets[half]), ("store", material.secrets[0])):
                verified = server.call("POST", "/api/verify", None, {"key": secret})
                if not verified.get("valid"):
                    raise HarnessError(f"POST /api/verify with a {side} key: {verified}")
            for side in ("root", "store"):
                warm = wrk(server.base + "/api/me", args.warmup, conns, script="random-key.lua",
                           env={"KEYS": str(files[side])})
                if set(warm["statuses"]) != {200}:
                    raise HarnessError(f"warm-up with the {side} side's keys: {warm['statuses']}")

            def pair(label, path, one_root, one_store, script=None, env_key=None):
                if script:
                    sides = [(side, path, [], script, {env_key: value})
                             for side, value in (("root", one_root), ("store", one_store))]
                else:
                    sides = [(side, path, [f"x-api-key: {value}"], None, None)
                             for side, value in (("root", one_root), ("store", one_store))]
                return label, sides

            pairs = [
                pair("GET /api/me, 1 key", "/api/me", root, store),
                pair("POST /api/verify, 1 key", "/api/verify", json.dumps({"key": root}),
                     json.dumps({"key": store}), "post.lua", "BODY"),
                pair(f"GET /api/me, {half:,} keys at random", "/api/me",
                     str(files["root"]), str(files["store"]), "random-key.lua", "KEYS"),
                pair(f"POST /api/verify, {half:,} keys at random", "/api/verify",
                     str(files["root"]), str(files["store"]), "verify-count.lua", "KEYS"),
            ]
            if args.short:
                pairs = [pairs[0], pairs[3]]
            for label, sides in pairs:
                found = interleaved(server.base, sides, rounds, seconds, conns)
                a, b = found["root"], found["store"]
                invalid = {side: found[side]["invalid"] for side in found}
                rows.append(dict(backend=backend, figure=label, root=a, store=b,
                                 ratio=b["rps"] / a["rps"] if a["rps"] else float("nan"),
                                 rounds=[y / x if x else float("nan")
                                         for x, y in zip(a["rounds_rps"], b["rounds_rps"])],
                                 invalid=invalid))
                log(f"{backend} tree {label}: root {a['rps']:.0f}, 3 levels deep {b['rps']:.0f} req/s, "
                    f"ratio {rows[-1]['ratio']:.2f} (rounds {', '.join(f'{x:.2f}' for x in rows[-1]['rounds'])})")
            info["rss"] = server.peak_rss_mib()
        finally:
            server.stop()
    finally:
        database.drop()
    return rows, info


# --- allowlist: keys that carry allowed networks and meta ------------------------

# 15 networks that do not hold the harness's address, then one that does:
# every request from 127.0.0.1 is checked against all 16.
ALLOWED_CIDRS = ([f"10.{i}.0.0/16" for i in range(10)] +
                 [f"2001:db8:{i}::/48" for i in range(5)] + ["127.0.0.0/8"])
ALLOWLIST_TARGET = 0.9  # an allowlisted key with meta ≥ 0.9× a plain key


def allowlist_meta(i):
    """About 1 KiB of meta, nested, with some unicode."""
    return {"customer": {"id": f"cus_{i}", "name": f"Kundin Nr. {i} – Café ☕",
                         "tags": [f"tag{t}" for t in range(20)]},
            "plan": "gold", "limits": {"seats": 25, "regions": ["eu-west", "us-east", "ap-south"]},
            "notes": "x" * 600}


def measure_allowlist(backend, args, workdir):
    """Authentication (GET /api/me) with keys that carry an allowlist of 16
    networks (the harness's address in the last one, so that every request
    walks all of them), an externalId and about 1 KiB of meta, against plain
    keys, on one server run. One key of each; then args.allowlist_keys keys
    of each, all made through the API, each request with one at random. The
    two sides take turns under wrk (see interleaved)."""
    seconds, conns, rounds = args.round_seconds, args.connections, args.rounds
    count = args.allowlist_keys
    info = dict(backend=backend, keys=count, cidrs=len(ALLOWED_CIDRS),
                meta_bytes=len(json.dumps(allowlist_meta(0), ensure_ascii=False,
                                          separators=(",", ":")).encode()))
    rows = []
    database = BenchDatabase(backend, args.postgres_url, workdir)
    try:
        account, owner_key = database.prepare("Allowlist")
        owner = owner_key["secret"]
        info["argon2"] = argon2_params(database.secret_hash(owner_key["id"]))
        server = Server(database.url, workdir)
        try:
            started = time.time()
            path = f"/api/accounts/{account}/api-keys"

            def create(spec):
                side, i = spec
                body = {"name": f"{side}{i}", "role": "merchant-terminal"}
                if side == "listed":
                    body.update(allowedCidrs=ALLOWED_CIDRS, externalId=f"cus_{i}",
                                meta=allowlist_meta(i))
                return server.call("POST", path, owner, body)["secret"]

            secrets_of = {side: in_parallel(create, [(side, i) for i in range(count)])
                          for side in ("plain", "listed")}
            info["create_seconds"] = time.time() - started

            # The allowlist is applied: a key allowed only elsewhere is
            # refused here, and verify with an address inside hands over
            # the meta.
            elsewhere = server.call("POST", path, owner, {"name": "elsewhere", "role": "merchant-terminal",
                                                          "allowedCidrs": ["10.0.0.0/8"]})["secret"]
            try:
                server.call("GET", "/api/me", elsewhere)
                raise HarnessError("a key allowed only from 10.0.0.0/8 was served from 127.0.0.1")
            except urllib.error.HTTPError as error:
                if error.code != 403:
                    raise HarnessError(f"a key allowed only elsewhere got {error.code}, not 403")
            listed = secrets_of["listed"][0]
            verdict = server.call("POST", "/api/verify", None, {"key": listed, "ip": "127.0.0.1"})
            if not verdict.get("valid") or verdict.get("meta") != allowlist_meta(0):
                raise HarnessError(f"verify of an allowlisted key with meta: {verdict}")

            files = {}
            for side in ("plain", "listed"):
                files[side] = Path(workdir) / f"allowlist-{backend}-{side}.txt"
                files[side].write_text("\n".join(secrets_of[side]) + "\n")
                warm = wrk(server.base + "/api/me", args.warmup, conns, script="random-key.lua",
                           env={"KEYS": str(files[side])})
                if set(warm["statuses"]) != {200}:
                    raise HarnessError(f"warm-up with the {side} keys: {warm['statuses']}")

            pairs = [
                ("GET /api/me, 1 key", [
                    (side, "/api/me", [f"x-api-key: {secrets_of[side][0]}"], None, None)
                    for side in ("plain", "listed")]),
                (f"GET /api/me, {count:,} keys at random", [
                    (side, "/api/me", [], "random-key.lua", {"KEYS": str(files[side])})
                    for side in ("plain", "listed")]),
            ]
            for label, sides in pairs:
                found = interleaved(server.base, sides, rounds, seconds, conns, server)
                a, b = found["plain"], found["listed"]
                rows.append(dict(backend=backend, figure=label, plain=a, listed=b,
                                 ratio=b["rps"] / a["rps"] if a["rps"] else float("nan"),
                                 cpu_ratio=a["cpu_us"] / b["cpu_us"] if b["cpu_us"] else float("nan"),
                                 rounds=[y / x if x else float("nan")
                                         for x, y in zip(a["rounds_rps"], b["rounds_rps"])]))
                log(f"{backend} allowlist {label}: plain {a['rps']:.0f}, allowlisted with meta "
                    f"{b['rps']:.0f} req/s, ratio {rows[-1]['ratio']:.2f} "
                    f"(rounds {', '.join(f'{x:.2f}' for x in rows[-1]['rounds'])}); server CPU "
                    f"{a['cpu_us']:.1f} / {b['cpu_us']:.1f} µs a request, ratio {rows[-1]['cpu_ratio']:.2f}")
            info["rss"] = server.peak_rss_mib()
        finally:
            server.stop()
    finally:
        database.drop()
    return rows, info


# --- limits: rate limits and credits ----------------------------------------------

# A key that spends credits and has a rate limit, both too big to run out
# during a run: every use is counted in the database, none is refused.
BIG_RATE = {"limit": 1_000_000_000, "windowSeconds": 60}
BIG_CREDITS = {"remaining": 1_000_000_000_000, "refill": None}
# The key hammered past its rate limit.
HAMMER_RATE = {"limit": 100, "windowSeconds": 10}
LIMITS_TARGET = {"sqlite": 0.3, "postgres": 0.1}  # verify with limits, × /healthz
NO_LIMITS_TARGET = 0.95  # verify without limits, against its figure in latest.md
GRACE = 1  # seconds wrk runs on after verify-count.lua stops sending


def read_baseline(path):
    """The existing part's GET /healthz and POST /api/verify at its smallest
    key count, by backend, from a results file: {backend: {figure: (rps,
    ratio), "keys": n}}, and the file's first line. Empty when the file or
    the table is missing."""
    try:
        text = path.read_text()
    except OSError:
        return {}, None
    lines = text.splitlines()
    header = "| backend | keys | figure | req/s | × /healthz | p50 ms | p99 ms | non-2xx | peak RSS MiB |"
    found = {}
    if header in lines:
        for line in lines[lines.index(header) + 2:]:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip("|").split("|")]
            try:
                backend, keys, figure = cells[0], int(cells[1].replace(",", "")), cells[2]
                rps, ratio = float(cells[3].replace(",", "")), float(cells[4])
            except (IndexError, ValueError):
                continue
            if figure not in ("GET /healthz", "POST /api/verify"):
                continue
            mine = found.setdefault(backend, {})
            if mine.get("keys", keys) != keys:
                if keys > mine["keys"]:
                    continue
                mine.clear()
            mine["keys"] = keys
            mine[figure] = (rps, ratio)
    when = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC, \w+ mode", lines[0]) if lines else None
    return found, (when.group(0) if when else None)


def in_parallel(function, items, workers=8):
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))


def peek(server, key):
    """POST /api/verify with cost 0: the key's credits left (None without
    credits); HarnessError unless the answer is valid."""
    answer = server.call("POST", "/api/verify", None, {"key": key, "cost": 0})
    if not answer.get("valid"):
        raise HarnessError(f"a peek at a key with limits answered {answer}")
    return (answer.get("credits") or {}).get("remaining")


def counted_wrk(base, path, seconds, connections, keys_file, windows=False):
    """wrk with bench/wrk/verify-count.lua for `seconds`, then GRACE more
    for the answers in flight; req/s is answers over the time from the first
    request to the last answer."""
    env = {"KEYS": str(keys_file), "STOP_AFTER": str(seconds)}
    if windows:
        env["WINDOWS"] = "1"
    result = wrk(base + path, seconds + GRACE, connections, script="verify-count.lua", env=env)
    counted = result.get("counted")
    if not counted:
        raise HarnessError("wrk with verify-count.lua printed no counted line")
    result["rps"] = counted["answered"] / counted["seconds"] if counted["seconds"] > 0 else 0.0
    return result


def measure_limits(backend, args, workdir, baseline, baseline_when=None):
    """POST /api/verify on keys with a rate limit and credits, on one server
    run of a fresh database.

    Three figures take turns with GET /healthz (see interleaved): verify with
    the account owner's key, which has no limits (post.lua, as the existing
    part measures it); the same through verify-count.lua (full mode only, to
    show what the script alone costs); verify with one key that has a rate
    limit and credits too big to run out (each use is a counted spend in the
    database); and verify with one of args.limit_keys such keys at random.
    verify-count.lua stops sending before wrk stops, so that it sees every
    answer: the harness peeks (cost 0) at the balances before and after, and
    they must have gone down by exactly the valid answers it counted. Then a
    key with a rate limit of 100 per 10 s is hammered for args.hammer_seconds:
    no window may admit more than 100."""
    seconds, conns, rounds = args.round_seconds, args.connections, args.rounds
    info = dict(backend=backend, many=args.limit_keys, baseline=baseline.get(backend),
                baseline_when=baseline_when)
    rows = []
    labels = {
        "healthz": "GET /healthz",
        "plain": "POST /api/verify, key without limits",
        "plain_counted": "POST /api/verify, key without limits, counting script",
        "one": "POST /api/verify, key with rate limit and credits",
        "many": f"POST /api/verify, {args.limit_keys:,} keys with rate limit and credits, at random",
    }
    database = BenchDatabase(backend, args.postgres_url, workdir)
    try:
        account, owner_key = database.prepare("Limits")
        owner = owner_key["secret"]
        keys_path = f"/api/accounts/{account}/api-keys"
        server = Server(database.url, workdir)
        try:
            limited_body = {"role": "merchant-terminal", "rateLimit": BIG_RATE, "credits": BIG_CREDITS}
            try:
                made = server.call("POST", keys_path, owner, {"name": "limited", **limited_body})
            except urllib.error.HTTPError as error:
                made = {"refused": f"{error.code} {error.read()[:200]!r}"}
            if not (made.get("rateLimit") and made.get("credits")):
                missing = ("not measured: this keyward does not take limits on a key "
                           f"(create answered {made.get('refused') or 'a key without rateLimit and credits'})")
                log(f"{backend} limits: {missing}")
                return [dict(backend=backend, figure=labels["one"], missing=missing)], info
            one = made["secret"]
            hammered = server.call("POST", keys_path, owner, {
                "name": "hammered", "role": "merchant-terminal", "rateLimit": HAMMER_RATE})["secret"]
            started = time.time()
            many = [k["secret"] for k in in_parallel(
                lambda i: server.call("POST", keys_path, owner, {"name": f"many{i}", **limited_body}),
                range(args.limit_keys))]
            info["create_seconds"] = time.time() - started
            files = {}
            for name, keys in (("owner", [owner]), ("one", [one]), ("many", many),
                               ("hammered", [hammered])):
                files[name] = Path(workdir) / f"limits-{backend}-{name}.txt"
                files[name].write_text("\n".join(keys) + "\n")
            # Warm: each key checked once (argon2, cache), nothing counted.
            server.call("POST", "/api/verify", None, {"key": owner})
            peek(server, hammered)
            many_before = sum(in_parallel(lambda k: peek(server, k), many))

            figures = [
                ("healthz", lambda: wrk(server.base + "/healthz", seconds, conns)),
                ("plain", lambda: wrk(server.base + "/api/verify", seconds, conns, script="post.lua",
                                      env={"BODY": json.dumps({"key": owner})})),
                ("plain_counted", lambda: counted_wrk(server.base, "/api/verify", seconds, conns,
                                                      files["owner"])),
                ("one", lambda: counted_wrk(server.base, "/api/verify", seconds, conns, files["one"])),
                ("many", lambda: counted_wrk(server.base, "/api/verify", seconds, conns, files["many"])),
            ]
            if args.short:
                figures = [f for f in figures if f[0] != "plain_counted"]
            runs = {name: [] for name, _ in figures}
            spends = []  # the single key, by round: (balance went down by, valid answers seen)
            for r in range(rounds):
                for name, run in (figures if r % 2 == 0 else figures[::-1]):
                    before = peek(server, one) if name == "one" else None
                    result = run()
                    if name == "one":
                        spends.append((before - peek(server, one), result["counted"]["valid"]))
                    runs[name].append(result)
                    log(f"{backend} limits {labels[name]}: {result['rps']:.0f} req/s"
                        + (f", {result['counted']['valid']:,} valid" if "counted" in result else ""))
            many_after = sum(in_parallel(lambda k: peek(server, k), many))
            info["spends"] = spends
            info["many_spent"] = (many_before - many_after,
                                  sum(r["counted"]["valid"] for r in runs["many"]))

            # The hammer: a rate limit of 100 per 10 s.
            offset = time.time() - time.monotonic()  # wall clock of a CLOCK_MONOTONIC instant
            hammer = counted_wrk(server.base, "/api/verify", args.hammer_seconds, conns,
                                 files["hammered"], windows=True)
            counted = hammer["counted"]
            window = HAMMER_RATE["windowSeconds"]
            first, last = counted["first"] + offset, counted["last"] + offset
            info["hammer"] = dict(
                result=hammer, seconds=args.hammer_seconds,
                touched=int(last // window) - int(first // window) + 1,
                # Windows wholly between the first request and the last answer.
                whole=max(0, int(last // window) - math.ceil(first / window)),
                first=first, last=last)
            log(f"{backend} limits hammer: {counted['answered']:,} answers, {counted['valid']} valid, "
                f"by window {hammer.get('windows')}, codes {hammer.get('codes')}")
            rss = server.peak_rss_mib()
        finally:
            server.stop()
    finally:
        database.drop()
    base = None
    for name, _ in figures:
        results = runs[name]
        mean = lambda field: sum(r[field] for r in results) / len(results)
        combined = dict(rps=mean("rps"), p50=mean("p50"), p99=mean("p99"),
                        non2xx=sum(r["non2xx"] for r in results),
                        socket_errors=sum(r["socket_errors"] for r in results),
                        rounds_rps=[r["rps"] for r in results], rss=rss)
        if name == "healthz":
            base = combined["rps"]
        if results and "counted" in results[0]:
            codes_ = {}
            for r in results:
                for code, n in r.get("codes", {}).items():
                    codes_[code] = codes_.get(code, 0) + n
            combined.update(
                valid=sum(r["counted"]["valid"] for r in results),
                answered=sum(r["counted"]["answered"] for r in results),
                unseen=sum(r["counted"]["sent"] - r["counted"]["answered"] for r in results),
                codes=codes_)
        rows.append(dict(backend=backend, key=name, figure=labels[name], **combined,
                         ratio=combined["rps"] / base if base else float("nan")))
    return rows, info


# --- usage analytics ---------------------------------------------------------------

USAGE_TARGET = 0.95  # GET /api/me with usage analytics on, × off


def scalar(database, sql):
    """The one value `sql` selects from the bench database, as text."""
    if database.backend == "sqlite":
        con = sqlite3.connect(database.url)
        try:
            row = con.execute(sql).fetchone()
        finally:
            con.close()
        return str(row[0]) if row else ""
    return subprocess.run(["psql", "-At", "-v", "ON_ERROR_STOP=1", database.url, "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def measure_usage(backend, args, workdir):
    """GET /api/me with one of args.usage_keys keys at random (random-key.lua),
    on two servers over one database, started alike but for
    --usage-analytics: on (the default) and off.

    The keys are created through the API (the owner's creates count as its
    uses, not theirs). Both servers are warmed with every key, then /healthz
    and /api/me of the counting server, and /api/me of the other, take turns
    under wrk (see interleaved). Afterwards each key's usage is read from the
    counting server (which adds what it has not written yet): their sum must
    be the 200s wrk saw from it, plus at most the requests in flight when
    each of its wrk runs stopped. Once both servers stopped cleanly, the
    table must hold exactly the uses the route showed. Each server's CPU
    time is read around its /api/me runs (CPU per answer, both ways), and
    bench/usage_cost.rs gives what one count costs on its own."""
    seconds, conns, rounds = args.round_seconds, args.connections, args.rounds
    count = args.usage_keys
    info = dict(backend=backend, keys=count)
    labels = {"healthz": "GET /healthz (counting)",
              "on": f"GET /api/me, {count:,} keys at random, counting",
              "off": f"GET /api/me, {count:,} keys at random, --usage-analytics off"}
    rows = []
    database = BenchDatabase(backend, args.postgres_url, workdir)
    try:
        account, owner_key = database.prepare("Usage")
        owner = owner_key["secret"]
        keys_path = f"/api/accounts/{account}/api-keys"
        if "--usage-analytics" not in serve_flags():
            missing = "not measured: this keyward has no --usage-analytics"
            log(f"{backend} usage: {missing}")
            return [dict(backend=backend, key=key, figure=labels[key], missing=missing)
                    for key in ("on", "off")], info
        on = Server(database.url, workdir)
        off = None
        try:
            started = time.time()
            made = in_parallel(
                lambda i: server_call(on, "POST", keys_path, owner,
                                      {"name": f"bench{i}", "role": "merchant-terminal"}),
                range(count))
            info["create_seconds"] = time.time() - started
            names = {k["secret"]: k["name"] for k in made}
            keys_file = Path(workdir) / f"usage-{backend}.txt"
            keys_file.write_text("\n".join(names) + "\n")
            off = Server(database.url, workdir, ["--usage-analytics", "off"])
            env = {"KEYS": str(keys_file)}
            seen = 0  # 200s the counting server gave wrk
            runs = 0  # wrk runs against it, each may leave requests in flight
            for name, server in (("on", on), ("off", off)):
                warm = wrk(server.base + "/api/me", args.warmup, conns, script="random-key.lua", env=env)
                if set(warm["statuses"]) != {200}:
                    raise HarnessError(f"warm-up of the {name} server: {warm['statuses']}")
                if name == "on":
                    seen += warm["statuses"].get(200, 0)
                    runs += 1
            # Taking turns as interleaved() does, with each server's CPU time
            # read around each of its /api/me runs.
            figures = [("healthz", on, "/healthz", None), ("on", on, "/api/me", "random-key.lua"),
                       ("off", off, "/api/me", "random-key.lua")]
            results = {name: [] for name, *_ in figures}
            cpu = {"on": [0.0, 0], "off": [0.0, 0]}  # CPU seconds, answers
            for r in range(rounds):
                for name, server, path, script in (figures if r % 2 == 0 else figures[::-1]):
                    before = server.cpu_seconds()
                    result = wrk(server.base + path, seconds, conns, script=script,
                                 env=env if script else None)
                    if name in cpu:
                        cpu[name][0] += server.cpu_seconds() - before
                        cpu[name][1] += sum(result["statuses"].values())
                    results[name].append(result)
            found = {}
            for name, runs_ in results.items():
                mean = lambda field: sum(x[field] for x in runs_) / len(runs_)
                statuses = {}
                for x in runs_:
                    for code, n in x["statuses"].items():
                        statuses[code] = statuses.get(code, 0) + n
                found[name] = dict(rps=mean("rps"), p50=mean("p50"), p99=mean("p99"),
                                   non2xx=sum(x["non2xx"] for x in runs_),
                                   socket_errors=sum(x["socket_errors"] for x in runs_),
                                   statuses=statuses, rounds_rps=[x["rps"] for x in runs_])
            info["cpu_us"] = {name: (spent * 1e6 / answers if answers else float("nan"))
                              for name, (spent, answers) in cpu.items()}
            seen += found["on"]["statuses"].get(200, 0)
            runs += rounds
            # Every key's usage, as the counting server shows it: the last
            # 24 hours, which hold the whole run.
            series = in_parallel(
                lambda name: server_call(on, "GET", f"{keys_path}/{name}/usage", owner),
                sorted(names.values()))
            counted = sum(s["total"] for s in series)
            outcomes = {}
            for s in series:
                for code, n in s["outcomes"].items():
                    outcomes[code] = outcomes.get(code, 0) + n
            info["check"] = dict(counted=counted, seen=seen, runs=runs, outcomes=outcomes)
            info["rss"] = {"on": on.peak_rss_mib(), "off": off.peak_rss_mib()}
        finally:
            on.stop()
            if off:
                off.stop()
        # The counting server wrote its counts on its way out.
        info["check"]["stored"] = int(scalar(database, (
            "SELECT COALESCE(SUM(u.uses), 0) FROM api_key_usage u "
            "JOIN api_keys k ON k.id = u.api_key_id WHERE k.name LIKE 'bench%'")) or 0)
        info["check"]["rows"] = int(scalar(database, "SELECT COUNT(*) FROM api_key_usage") or 0)
        info["record"] = record_cost()
    finally:
        database.drop()
    base = found["healthz"]["rps"]
    for key in ("healthz", "on", "off"):
        result = found[key]
        rows.append(dict(backend=backend, key=key, figure=labels[key], **result,
                         ratio=result["rps"] / base if base else float("nan")))
        log(f"{backend} usage {labels[key]}: {result['rps']:.0f} req/s "
            f"(rounds {', '.join(f'{x:.0f}' for x in result['rounds_rps'])})")
    return rows, info


def record_cost():
    """What counting one use costs in CPU, from bench/usage_cost.rs:
    {"one_thread_ns", "two_threads_ns"}, or None if it cannot run."""
    built = subprocess.run(["cargo", "run", "--release", "--quiet", "--example", "usage_cost"],
                           cwd=ROOT, capture_output=True, text=True)
    try:
        return json.loads(built.stdout)
    except ValueError:
        log(f"usage_cost did not run: {built.stderr[-300:]}")
        return None


def server_call(server, method, path, key, body=None):
    """Server.call, with an HTTP error turned into a HarnessError."""
    try:
        return server.call(method, path, key, body)
    except urllib.error.HTTPError as error:
        raise HarnessError(f"{method} {path} answered {error.code}: {error.read()[:300]!r}")


# --- the report ------------------------------------------------------------------

def ratio_text(x):
    """Two decimals, or two significant digits below 0.1 (so 0.0016, not 0.00)."""
    if x != x:
        return "–"
    if x <= 0 or x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.{1 - math.floor(math.log10(x))}f}"


def codes(statuses):
    return ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items()))


def render(rows, long_rows, infos, args, elapsed, pages=((), ()), tree=((), ()), limits=((), ()),
           usage=((), ()), allowlist=((), ())):
    page_rows, page_infos = pages
    tree_rows, tree_infos = tree
    limit_rows, limit_infos = limits
    allow_rows, allow_infos = allowlist
    params = sorted({r["argon2"] for r in rows if r.get("argon2")} |
                    {i["argon2"] for i in [*infos, *tree_infos, *allow_infos] if i.get("argon2")})
    argon2 = "; ".join(f"argon2id m={m} t={t} p={p}" for m, t, p in params) or "argon2id"
    command = "bash bench/run.sh" + "".join(f" {a}" for a in args.command_line)
    lines = [
        f"Keyward benchmark, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{'short' if args.short else 'full'} mode: `{command}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"wrk -t{THREADS} -c{args.connections} -d{args.seconds}s, on the same machine over loopback; "
        f"server defaults ({argon2}, as read back from a key it created; access log on). "
        f"Run took {elapsed:.0f} s.",
    ]
    if rows:
        lines += [
            "",
            "| backend | keys | figure | req/s | × /healthz | p50 ms | p99 ms | non-2xx | peak RSS MiB |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            non2xx = r["non2xx"]
            if r["figure"].endswith("under flood"):
                non2xx = f"{non2xx} (flood: {codes(r['statuses'])})"
            lines.append(
                f"| {r['backend']} | {r['keys']:,} | {r['figure']} | {r['rps']:,.0f} | {ratio_text(r['ratio'])} | "
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
    if long_rows:
        info = infos[0]
        lines += [
            "",
            f"Long tail: {info['keys']:,} keys, {info['real']:,} of them with real secrets used "
            f"uniformly at random (wrk -t{THREADS} -c{args.connections}, one address, GET /api/me). "
            f"Run 1 is a restart on the seeded database; run 2 a restart with --cache-capacity "
            f"{info['capacity']:,}. × /healthz is against /healthz of the same run, driven "
            f"by the same wrk script, so the client's own cost is the same on both sides.",
            "",
            "| backend | keys | run | figure | req/s | × /healthz | p50 ms | p99 ms | non-2xx | peak RSS MiB | notes |",
            "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in long_rows:
            if r.get("missing"):
                lines.append(f"| {r['backend']} | {r['keys']:,} | {r['run']} | {r['figure']} | – | – | – | – | – | – | "
                             f"{r['missing'].replace('|', '/')} |")
                continue
            notes = [r["note"]] if r.get("note") else []
            if r["non2xx"] and r["statuses"]:
                notes.append(f"answers: {codes(r['statuses'])}")
            if r["socket_errors"]:
                notes.append(f"{r['socket_errors']} socket errors")
            rate = f"{r['rps']:,.0f}" if r["rps"] >= 100 else f"{r['rps']:,.1f}"
            lines.append(
                f"| {r['backend']} | {r['keys']:,} | {r['run']} | {r['figure']} | {rate} | {ratio_text(r['ratio'])} | "
                f"{r['p50']:.2f} | {r['p99']:.2f} | {r['non2xx']} | {r['rss']:.0f} | {'; '.join(notes)} |")
        lines += ["", "Long tail, derived:", ""]
        for info in infos:
            backend = info["backend"]
            mine = [r for r in long_rows if r["backend"] == backend]

            def find(prefix):
                return next((r for r in mine if r["figure"].startswith(prefix) and not r.get("missing")), None)
            b = find("(b)")
            parts = []
            for prefix in ("(a)", "(b)", "(c)", "(d)"):
                r = find(prefix)
                if r is None:
                    parts.append(f"{prefix} not measured")
                    continue
                text = f"{prefix} {ratio_text(r['ratio'])}× /healthz"
                if prefix != "(b)" and b and b["ratio"]:
                    text += f" ({ratio_text(r['ratio'] / b['ratio'])}× (b))"
                parts.append(text)
            lines.append(f"- {backend}: " + "; ".join(parts))
            bad = sum(r["non2xx"] + r["socket_errors"] for r in mine
                      if not r.get("missing") and r["figure"][:3] in ("(a)", "(b)", "(c)", "(d)"))
            lines.append(f"- {backend}: non-2xx answers and socket errors in (a) to (d): {bad}")
            create = find("POST create key")
            if create:
                lines.append(f"- {backend}: key creation through the API, 8 connections: "
                             f"{create['rps']:.1f} req/s, non-2xx {create['non2xx']}")
            peaks = ", ".join(f"run {run} {max(r['rss'] for r in mine if r['run'] == run and not r.get('missing')):.0f} MiB"
                              for run in sorted({r["run"] for r in mine if not r.get("missing")}))
            m, t, p = info["argon2"]
            lines.append(f"- {backend}: peak RSS {peaks}; seeding took {info['seed_seconds']:.0f} s; "
                         f"the harness hashed the {info['real']:,} secrets with argon2id m={m} t={t} p={p} "
                         f"in {info['hash_seconds']:.0f} s (once per run)")
    if page_rows:
        lines += render_pages(page_rows, page_infos, args)
    if tree_rows:
        lines += render_tree(tree_rows, tree_infos, args)
    if limit_infos:
        lines += render_limits(limit_rows, limit_infos, args)
    usage_rows, usage_infos = usage
    if usage_infos:
        lines += render_usage(usage_rows, usage_infos, args)
    if allow_rows:
        lines += render_allowlist(allow_rows, allow_infos, args)
    return "\n".join(lines) + "\n"


def met(ok):
    return "met" if ok else "**missed**"


def rounds_text(values, digits=0):
    return ", ".join(f"{v:,.{digits}f}" for v in values)


PAGE_TARGET = 0.05   # each page ≥ 0.05× /healthz
DEEP_TARGET = 0.67   # the deep page within 1.5× of the first
TREE_TARGET = 0.9    # a key 3 levels deep ≥ 0.9× a root account's key


def cpu_text(us):
    """CPU µs a request, or a dash when not measured."""
    return "–" if us is None or math.isnan(us) else f"{us:,.0f}"


def render_pages(page_rows, page_infos, args):
    info = page_infos[0]
    walk = next((i["walk"] for i in page_infos if i.get("walk")), None)
    lines = [
        "",
        f"Pages: a page of 100 keys (`GET /api/accounts/{{id}}/api-keys?limit=100`) from an account "
        f"with {info['keys']:,} keys, created 1 ms apart: the first page, and the page after key "
        f"{info['deep']:,}, whose `pageKey` the harness got from the server by walking the list "
        f"{walk['limit']:,} keys a request" + (f" ({walk['pages']:,} requests)" if walk else "") +
        f". /healthz, the first page and the deep page take turns under wrk -t{THREADS} "
        f"-c{args.connections}: {args.rounds} round(s) of {args.round_seconds} s each, in turn "
        f"forwards and backwards; req/s, p50 and p99 are means over the rounds. Server and "
        f"database CPU are the user and system time of the server's process and of the "
        f"PostgreSQL server's processes (on this machine, sharing its cores) over all rounds "
        f"of a figure, per request answered.",
        "",
        "| backend | keys | figure | req/s | × /healthz | target | p50 ms | p99 ms | non-2xx | peak RSS MiB | server CPU µs | database CPU µs | req/s by round |",
        "|---|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in page_rows:
        if r.get("missing"):
            lines.append(f"| {r['backend']} | {r['keys']:,} | {r['figure']} | – | – | – | – | – | – | – | – | – | "
                         f"{r['missing'].replace('|', '/')} |")
            continue
        target = "" if r["figure"] == "GET /healthz" else f"≥ {PAGE_TARGET}× /healthz"
        if r["figure"].startswith("GET page of 100 after"):
            target += f", ≥ {DEEP_TARGET}× first page"
        lines.append(
            f"| {r['backend']} | {r['keys']:,} | {r['figure']} | {r['rps']:,.0f} | {ratio_text(r['ratio'])} | "
            f"{target} | {r['p50']:.2f} | {r['p99']:.2f} | {r['non2xx'] + r['socket_errors']} | {r['rss']:.0f} | "
            f"{cpu_text(r.get('cpu_us'))} | {cpu_text(r.get('db_cpu_us'))} | "
            f"{rounds_text(r['rounds_rps'])} |")
    lines += ["", "Pages, derived:", ""]
    for info in page_infos:
        backend = info["backend"]
        mine = [r for r in page_rows if r["backend"] == backend and not r.get("missing")]
        first = next((r for r in mine if r["figure"] == "GET first page of 100"), None)
        deep = next((r for r in mine if r["figure"].startswith("GET page of 100 after")), None)
        if not (first and deep):
            lines.append(f"- {backend}: not measured")
            continue
        ratio = deep["rps"] / first["rps"] if first["rps"] else float("nan")
        per_round = [d / f if f else float("nan") for f, d in zip(first["rounds_rps"], deep["rounds_rps"])]
        bad = sum(r["non2xx"] + r["socket_errors"] for r in mine)
        lines.append(
            f"- {backend}: first page {ratio_text(first['ratio'])}× /healthz "
            f"(target ≥ {PAGE_TARGET}: {met(first['ratio'] >= PAGE_TARGET)}); page after key "
            f"{info['deep']:,} {ratio_text(deep['ratio'])}× /healthz ({met(deep['ratio'] >= PAGE_TARGET)}); "
            f"deep / first = {ratio:.2f} (target ≥ {DEEP_TARGET}, within 1.5×: {met(ratio >= DEEP_TARGET)}; "
            f"by round {rounds_text(per_round, 2)})")
        base = next((r for r in mine if r["figure"] == "GET /healthz"), None)
        if base and not math.isnan(first.get("db_cpu_us", float("nan"))):
            # What the target leaves a page: every core's time, shared by the
            # server, the database and wrk, at 0.05 × /healthz's rate.
            budget = os.cpu_count() * 1e6 / (PAGE_TARGET * base["rps"]) if base["rps"] else float("nan")
            lines.append(
                f"- {backend}: a first page cost {first['cpu_us']:,.0f} µs of the server's CPU and "
                f"{first['db_cpu_us']:,.0f} µs of PostgreSQL's; at the target rate "
                f"({PAGE_TARGET} × {base['rps']:,.0f} = {PAGE_TARGET * base['rps']:,.0f} pages/s) the "
                f"{os.cpu_count()} cores have {budget:,.0f} µs a page for the server, the database and wrk together")
        lines.append(
            f"- {backend}: non-2xx answers and socket errors: {bad}; seeding took "
            f"{info['seed_seconds']:.0f} s; the walk to key {info['deep']:,} took "
            f"{info['walk']['pages']:,} requests in {info['walk']['seconds']:.1f} s")
    return lines


def render_tree(tree_rows, tree_infos, args):
    info = tree_infos[0]
    lines = [
        "",
        f"Accounts tree: authentication with a key of an account 3 levels deep (platform, merchant, "
        f"store, made through the API) against a root account's key, on one server run. One key: "
        f"the platform's owner key against the store's. Many keys: {info['keys']:,} keys with real "
        f"secrets over {info['stores']:,} stores under {info['merchants']:,} merchants, against "
        f"{info['keys']:,} keys over {info['stores']:,} root accounts, each request with a key at "
        f"random. The two sides take turns under wrk -t{THREADS} -c{args.connections}: "
        f"{args.rounds} round(s) of {args.round_seconds} s each, root first in even rounds and "
        f"store first in odd ones; req/s, p50 and p99 are means over the rounds.",
        "",
        "| backend | figure | root key req/s | 3 levels deep req/s | deep / root | target | deep / root by round | p50 ms root / deep | p99 ms root / deep | non-2xx | refused |",
        "|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for r in tree_rows:
        a, b = r["root"], r["store"]
        lines.append(
            f"| {r['backend']} | {r['figure']} | {a['rps']:,.0f} | {b['rps']:,.0f} | {r['ratio']:.2f} | "
            f"≥ {TREE_TARGET}: {met(r['ratio'] >= TREE_TARGET)} | {rounds_text(r['rounds'], 2)} | "
            f"{a['p50']:.2f} / {b['p50']:.2f} | {a['p99']:.2f} / {b['p99']:.2f} | "
            f"{a['non2xx'] + a['socket_errors'] + b['non2xx'] + b['socket_errors']} | "
            f"{r['invalid']['root'] + r['invalid']['store']} |")
    lines += ["", "Accounts tree, derived:", ""]
    for info in tree_infos:
        mine = [r for r in tree_rows if r["backend"] == info["backend"]]
        if not mine:
            continue
        low = min(mine, key=lambda r: r["ratio"])
        ratios = ", ".join(f"{r['ratio']:.2f}" for r in mine)
        lines.append(f"- {info['backend']}: deep / root {ratios}; "
                     f"lowest {low['ratio']:.2f} ({low['figure']}): {met(low['ratio'] >= TREE_TARGET)}; "
                     f"{info['stores'] + info['merchants'] + 1:,} accounts made through the API in "
                     f"{info['accounts_seconds']:.1f} s; peak RSS {info['rss']:.0f} MiB")
    return lines


def median(values):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def render_allowlist(allow_rows, allow_infos, args):
    info = allow_infos[0]
    lines = [
        "",
        f"Allowlist: `GET /api/me` with a key that carries `allowedCidrs` ({info['cidrs']} networks, "
        f"the harness's address in the last one, so that every request is checked against all of "
        f"them), an `externalId` and {info['meta_bytes']:,} bytes of `meta`, against a plain key, on "
        f"one server run. One key of each; then {info['keys']:,} keys of each, made through the API, "
        f"each request with one at random. The two sides take turns under wrk -t{THREADS} "
        f"-c{args.connections}: {args.rounds} round(s) of {args.round_seconds} s each, plain first in "
        f"even rounds and allowlisted first in odd ones; req/s, p50 and p99 are means over the rounds.",
        "",
        "| backend | figure | plain req/s | allowlisted with meta req/s | allowlisted / plain | target | by round | median of rounds | server CPU µs a request, plain / allowlisted | plain / allowlisted CPU | p50 ms plain / allowlisted | p99 ms plain / allowlisted | non-2xx |",
        "|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in allow_rows:
        a, b = r["plain"], r["listed"]
        lines.append(
            f"| {r['backend']} | {r['figure']} | {a['rps']:,.0f} | {b['rps']:,.0f} | {r['ratio']:.2f} | "
            f"≥ {ALLOWLIST_TARGET}: {met(r['ratio'] >= ALLOWLIST_TARGET)} | {rounds_text(r['rounds'], 2)} | "
            f"{median(r['rounds']):.2f} | {a['cpu_us']:.1f} / {b['cpu_us']:.1f} | {r['cpu_ratio']:.2f} | "
            f"{a['p50']:.2f} / {b['p50']:.2f} | {a['p99']:.2f} / {b['p99']:.2f} | "
            f"{a['non2xx'] + a['socket_errors'] + b['non2xx'] + b['socket_errors']} |")
    lines += ["", "A ratio is of the means over the rounds; the median of the rounds' own ratios "
              "shows how far a round on a busy host can stray. Server CPU is the user and system "
              "time of the server's process over all rounds of a side, per request answered: what "
              "a request costs, less swayed than req/s by other work on the host (plain / "
              "allowlisted CPU ≥ 0.9 is the target's meaning in cost).", "", "Allowlist, derived:", ""]
    for info in allow_infos:
        mine = [r for r in allow_rows if r["backend"] == info["backend"]]
        if not mine:
            continue
        low = min(mine, key=lambda r: r["ratio"])
        ratios = ", ".join(f"{r['ratio']:.2f}" for r in mine)
        cpu = ", ".join(f"{r['cpu_ratio']:.2f}" for r in mine)
        lines.append(f"- {info['backend']}: allowlisted / plain {ratios}; lowest {low['ratio']:.2f} "
                     f"({low['figure']}): {met(low['ratio'] >= ALLOWLIST_TARGET)}; by server CPU a "
                     f"request {cpu}: {met(all(r['cpu_ratio'] >= ALLOWLIST_TARGET for r in mine))}; "
                     f"{2 * info['keys']:,} keys made through the API in {info['create_seconds']:.1f} s; "
                     f"peak RSS {info['rss']:.0f} MiB")
    return lines


def render_limits(limit_rows, limit_infos, args):
    seconds = args.round_seconds
    lines = [
        "",
        f"Limits: `POST /api/verify` with `{{\"key\": K}}` (cost 1) on one server run of a fresh "
        f"database. With a rate limit and credits: a key with a rate limit of "
        f"{BIG_RATE['limit']:,} per {BIG_RATE['windowSeconds']} s and {BIG_CREDITS['remaining']:,} "
        f"credits without refill, so that every use is a spend counted in the database and none "
        f"is refused; at random: one of {args.limit_keys:,} such keys for each request. Without "
        f"limits: the account owner's key, driven as the existing part drives it (post.lua). The "
        f"figures take turns under wrk -t{THREADS} -c{args.connections}: {args.rounds} round(s) "
        f"of {seconds} s, in turn forwards and backwards; req/s, p50 and p99 are means over the "
        f"rounds. The figures with a count of valid answers are driven by "
        f"bench/wrk/verify-count.lua, which stops sending after {seconds} s (wrk runs {GRACE} s "
        f"more for the answers in flight) and counts every answer; their req/s is answers over "
        f"the time from the first request to the last answer, and the script's own cost per "
        f"request is on their side of the ratio only.",
        "",
        "| backend | figure | req/s | × /healthz | target | p50 ms | p99 ms | non-2xx | valid answers | req/s by round |",
        "|---|---|---:|---:|---|---:|---:|---:|---|---|",
    ]
    infos = {i["backend"]: i for i in limit_infos}
    for r in limit_rows:
        if r.get("missing"):
            lines.append(f"| {r['backend']} | {r['figure']} | – | – | – | – | – | – | – | "
                         f"{r['missing'].replace('|', '/')} |")
            continue
        target = ""
        if r["key"] == "one":
            goal = LIMITS_TARGET[r["backend"]]
            target = f"≥ {goal}× /healthz: {met(r['ratio'] >= goal)}"
        elif r["key"] == "plain":
            compared = no_limits_against(r, infos[r["backend"]], limit_rows)
            if compared:
                target = (f"≥ {NO_LIMITS_TARGET}× its ratio in latest.md: "
                          f"{met(compared['ratio_of_ratios'] >= NO_LIMITS_TARGET)} "
                          f"({compared['ratio_of_ratios']:.2f})")
            else:
                target = f"≥ {NO_LIMITS_TARGET}× latest.md: no figure there"
        counted = ""
        if "valid" in r:
            counted = f"{r['valid']:,} of {r['answered']:,}"
        lines.append(
            f"| {r['backend']} | {r['figure']} | {r['rps']:,.0f} | {ratio_text(r['ratio'])} | {target} | "
            f"{r['p50']:.2f} | {r['p99']:.2f} | {r['non2xx'] + r['socket_errors']} | {counted} | "
            f"{rounds_text(r['rounds_rps'])} |")
    lines += ["", "Limits, derived:", ""]
    for info in limit_infos:
        backend = info["backend"]
        mine = {r["key"]: r for r in limit_rows if r["backend"] == backend and not r.get("missing")}
        if "one" not in mine:
            lines.append(f"- {backend}: not measured")
            continue
        one, goal = mine["one"], LIMITS_TARGET[backend]
        text = (f"- {backend}: verify with a rate limit and credits {ratio_text(one['ratio'])}× "
                f"/healthz (target ≥ {goal}: {met(one['ratio'] >= goal)})")
        if "plain_counted" in mine and mine["plain_counted"]["rps"]:
            same = mine["plain_counted"]
            by_round = [a / b if b else float("nan") for a, b in zip(one["rounds_rps"], same["rounds_rps"])]
            text += (f"; {one['rps'] / same['rps']:.2f}× verify without limits through the same "
                     f"script (by round {rounds_text(by_round, 2)})")
        lines.append(text + f"; p99 {one['p99']:.2f} ms")
        spends = info["spends"]
        off = [(d, v) for d, v in spends if d != v]
        lines.append(
            f"- {backend}: exact under load: the balance went down by {sum(d for d, _ in spends):,} and "
            f"wrk saw {sum(v for _, v in spends):,} valid answers over {len(spends)} round(s): "
            + ("the same in every round" if not off else
               "**differs** in round(s) " + ", ".join(f"{d:,} spent / {v:,} valid" for d, v in off)
               + " (see LIMITS_UNAVAILABLE below: a refused use must take nothing)")
            + f"; answers other than valid: {codes(one['codes']) or 'none'}; "
              f"requests sent but not answered: {one['unseen']}")
        many = mine.get("many")
        if many:
            spent, valid = info["many_spent"]
            lines.append(
                f"- {backend}: {info['many']:,} keys at random: {ratio_text(many['ratio'])}× /healthz, "
                f"{many['rps'] / one['rps']:.2f}× one key; their balances went down by {spent:,} in all "
                f"and wrk saw {valid:,} valid answers ("
                + ("the same" if spent == valid else f"**differs by {spent - valid:+,}**"
                   + (", as many as the LIMITS_UNAVAILABLE answers: those uses were spent, not "
                      "given back" if spent - valid == many["codes"].get("LIMITS_UNAVAILABLE") else ""))
                + f"); answers other than valid: {codes(many['codes']) or 'none'}; requests sent but "
                  f"not answered: {many['unseen']}; the keys were created through the API in "
                  f"{info['create_seconds']:.1f} s")
        plain = mine.get("plain")
        compared = plain and no_limits_against(plain, info, limit_rows)
        if compared:
            lines.append(
                f"- {backend}: verify without limits {ratio_text(plain['ratio'])}× /healthz now, "
                f"{compared['then_ratio']:.2f}× in bench/results/latest.md ({compared['keys']:,} keys"
                f"{', ' + compared['when'] if compared['when'] else ''}): "
                f"{compared['ratio_of_ratios']:.2f} of it (target ≥ {NO_LIMITS_TARGET}: "
                f"{met(compared['ratio_of_ratios'] >= NO_LIMITS_TARGET)}); in req/s "
                f"{plain['rps']:,.0f} now against {compared['then_rps']:,.0f} then "
                f"({plain['rps'] / compared['then_rps']:.2f}×; /healthz {compared['healthz_now']:,.0f} "
                f"against {compared['healthz_then']:,.0f})")
        elif plain:
            lines.append(f"- {backend}: verify without limits {ratio_text(plain['ratio'])}× /healthz; "
                         f"bench/results/latest.md has no figure to compare it with")
        hammer = info.get("hammer")
        if hammer:
            result, counted = hammer["result"], hammer["result"]["counted"]
            windows = result.get("windows", {})
            limit = HAMMER_RATE["limit"]
            allowed = limit * hammer["touched"]
            over = {w: n for w, n in windows.items() if n > limit}
            by_window = ", ".join(f"{w[11:19]} {n}" for w, n in sorted(windows.items()))
            whole = sorted(windows.items())[1:1 + hammer["whole"]] if hammer["whole"] else []
            lines.append(
                f"- {backend}: a rate limit of {limit} per {HAMMER_RATE['windowSeconds']} s, "
                f"hammered for {hammer['seconds']} s (wrk -c{args.connections}): "
                f"{counted['answered']:,} answers ({result['rps']:,.0f} a second), "
                f"{counted['valid']:,} valid over {hammer['touched']} window(s) touched "
                f"(at most {allowed:,}: {met(counted['valid'] <= allowed)}); valid by window "
                f"(its end, UTC): {by_window or 'none'} (none over {limit}: {met(not over)}); "
                f"windows wholly inside the run: {hammer['whole']}"
                + (f", admitting {', '.join(str(n) for _, n in whole)}" if whole else "")
                + f"; other answers: {codes(result.get('codes', {})) or 'none'}; non-2xx "
                  f"{result['non2xx'] + result['socket_errors']}; requests sent but not answered: "
                  f"{counted['sent'] - counted['answered']}")
    return lines


def no_limits_against(plain, info, limit_rows):
    """Verify without limits now against the existing part's figure in
    latest.md: both ratios to /healthz and their ratio; None without one."""
    then = info.get("baseline") or {}
    if "POST /api/verify" not in then or "GET /healthz" not in then:
        return None
    healthz = next(r for r in limit_rows if r["backend"] == plain["backend"] and r["key"] == "healthz")
    then_rps, then_ratio = then["POST /api/verify"]
    return dict(then_rps=then_rps, then_ratio=then_ratio, keys=then["keys"],
                ratio_of_ratios=plain["ratio"] / then_ratio if then_ratio else float("nan"),
                healthz_now=healthz["rps"], healthz_then=then["GET /healthz"][0],
                when=info.get("baseline_when"))


def render_usage(usage_rows, usage_infos, args):
    lines = [
        "",
        f"Usage analytics: `GET /api/me` with one of {usage_infos[0]['keys']:,} keys (created "
        f"through the API) at random for each request (bench/wrk/random-key.lua), on two servers "
        f"over one database, started alike but for `--usage-analytics`: on (the default: every "
        f"use counted per key, hour and outcome, written every --last-used-flush seconds) and "
        f"off. /healthz and /api/me of the counting server and /api/me of the other take turns "
        f"under wrk -t{THREADS} -c{args.connections}: {args.rounds} round(s) of "
        f"{args.round_seconds} s each, in turn forwards and backwards, after a warm-up of "
        f"{args.warmup} s on each server with the same keys; req/s, p50 and p99 are means over "
        f"the rounds. The servers' CPU time is read from /proc around each of their /api/me runs; "
        f"what one count costs on its own comes from bench/usage_cost.rs (`Usage::record` for "
        f"1,000 keys at random, CPU time per use, median of 5 rounds).",
        "",
        "| backend | figure | req/s | × /healthz | target | p50 ms | p99 ms | non-2xx | req/s by round |",
        "|---|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for r in usage_rows:
        if r.get("missing"):
            lines.append(f"| {r['backend']} | {r['figure']} | – | – | – | – | – | – | "
                         f"{r['missing'].replace('|', '/')} |")
            continue
        target = ""
        if r["key"] == "on":
            off = next((o for o in usage_rows if o["backend"] == r["backend"] and o["key"] == "off"), None)
            ratio = r["rps"] / off["rps"] if off and off.get("rps") else float("nan")
            target = f"≥ {USAGE_TARGET}× off: {met(ratio >= USAGE_TARGET)} ({ratio:.2f})"
        lines.append(
            f"| {r['backend']} | {r['figure']} | {r['rps']:,.0f} | {ratio_text(r['ratio'])} | {target} | "
            f"{r['p50']:.2f} | {r['p99']:.2f} | {r['non2xx'] + r['socket_errors']} | "
            f"{rounds_text(r['rounds_rps'])} |")
    lines += ["", "Usage analytics, derived:", ""]
    for info in usage_infos:
        backend = info["backend"]
        mine = {r["key"]: r for r in usage_rows if r["backend"] == backend and not r.get("missing")}
        if "on" not in mine or "off" not in mine:
            lines.append(f"- {backend}: not measured")
            continue
        on, off = mine["on"], mine["off"]
        ratio = on["rps"] / off["rps"] if off["rps"] else float("nan")
        per_round = [a / b if b else float("nan") for a, b in zip(on["rounds_rps"], off["rounds_rps"])]
        lines.append(
            f"- {backend}: /api/me counting / not counting = {ratio:.2f} (target ≥ {USAGE_TARGET}, "
            f"the counters cost at most 5 %: {met(ratio >= USAGE_TARGET)}; by round "
            f"{rounds_text(per_round, 2)}); peak RSS {info['rss']['on']:.0f} MiB counting, "
            f"{info['rss']['off']:.0f} MiB not")
        cpu = info.get("cpu_us", {})
        record = info.get("record")
        cost = ""
        if record and math.isfinite(cpu.get("off", float("nan"))) and cpu["off"] > 0:
            cost = (f"; one count on its own costs {record['one_thread_ns']:.0f} ns of CPU "
                    f"({record['two_threads_ns']:.0f} ns with two threads counting at once), "
                    f"{record['two_threads_ns'] / (cpu['off'] * 1000) * 100:.2f} % of a request "
                    f"without counting")
        lines.append(
            f"- {backend}: server CPU per /api/me answered: {cpu.get('on', float('nan')):.1f} µs "
            f"counting, {cpu.get('off', float('nan')):.1f} µs not "
            f"({cpu.get('on', float('nan')) / cpu.get('off', float('nan')):.3f}×){cost}")
        check = info["check"]
        extra = check["counted"] - check["seen"]
        bound = check["runs"] * args.connections
        exact = 0 <= extra <= bound and check["stored"] == check["counted"]
        codes_ = ", ".join(f"{code} {n:,}" for code, n in sorted(check["outcomes"].items())) or "none"
        lines.append(
            f"- {backend}: the counting server's usage route showed {check['counted']:,} uses of the "
            f"{info['keys']:,} keys ({codes_}); wrk saw {check['seen']:,} answers 200 from it in "
            f"{check['runs']} runs, warm-up included: {extra:,} more counted than seen (requests "
            f"in flight when a run stopped, at most {bound:,}); after its clean stop the table "
            f"held {check['stored']:,} ({check['rows']:,} rows in all): {met(exact)}; the keys were "
            f"created in {info['create_seconds']:.1f} s")
    return lines


PARTS = ("existing", "long-tail", "pages", "tree", "limits", "usage", "allowlist")


def parts(text):
    """--only: comma-separated parts, `all` for every one."""
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in (*PARTS, "all")]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown part {', '.join(unknown) or text!r}: {', '.join(PARTS)} or all")
    return set(PARTS) if "all" in chosen else set(chosen)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true",
                        help="2 s per figure, 1,000 and 10,000 keys, a long tail of 20,000 keys "
                             "with 5,000 real ones (what CI runs)")
    parser.add_argument("--backend", "--backends", dest="backends", default="sqlite,postgres",
                        help="sqlite, postgres or both, comma-separated [default: both]")
    parser.add_argument("--only", default="all", type=parts,
                        help="the parts to run, comma-separated: existing, long-tail, pages (a "
                             "page of 100 keys from a long list), tree (authentication 3 accounts "
                             "deep), limits (verify on keys with a rate limit and credits), usage "
                             "(/api/me with usage analytics on and off), allowlist (authentication "
                             "with keys that carry an allowlist and meta) or all "
                             "[default: all]. A run of some parts only writes its table to "
                             "bench/results/latest-<parts>.md (short-<parts>.md), so that latest.md "
                             "stays the last full run")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "KEYWARD_BENCH_POSTGRES_URL",
        os.environ.get("KEYWARD_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")))
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, help="per figure [default: 10, 2 in short mode]")
    parser.add_argument("--scales", help="comma-separated key counts for the existing figures")
    parser.add_argument("--long-tail-keys", type=int,
                        help="keys in the long tail's database [default: 1,000,000; 20,000 short]")
    parser.add_argument("--long-tail-real", type=int,
                        help="of which with real secrets [default: 100,000; 5,000 short]")
    parser.add_argument("--cache-capacity", type=int,
                        help="for (d) [default: half the real keys]")
    parser.add_argument("--first-pass-limit", type=int,
                        help="longest the first pass may take, in seconds [default: 300; 15 short]")
    parser.add_argument("--put-rate", type=float, default=20.0, help="PUTs a second during (c)")
    parser.add_argument("--page-keys", type=int,
                        help="keys in the account whose list pages are read "
                             "[default: 1,000,000; 20,000 short]")
    parser.add_argument("--page-deep", type=int,
                        help="the deep page starts after this many keys, a multiple of 1,000 "
                             "[default: 90%% of --page-keys]")
    parser.add_argument("--tree-keys", type=int, default=1000,
                        help="keys on each side of the tree's many-key figures [default: 1,000]")
    parser.add_argument("--tree-accounts", type=int, default=100,
                        help="accounts those keys are spread over on each side [default: 100]")
    parser.add_argument("--rounds", type=int,
                        help="turns each figure of pages, tree, limits, usage and allowlist "
                             "takes [default: 4; 1 short]")
    parser.add_argument("--round-seconds", type=int,
                        help="seconds of one turn [default: half of --seconds; 2 short]")
    parser.add_argument("--limit-keys", type=int,
                        help="keys with a rate limit and credits used at random by the limits "
                             "part [default: 1,000; 100 short]")
    parser.add_argument("--hammer-seconds", type=int,
                        help="how long the limits part hammers a key limited to 100 uses per "
                             "10 s [default: 25; 3 short]")
    parser.add_argument("--usage-keys", type=int,
                        help="distinct keys the usage part uses at random [default: 1,000; 100 short]")
    parser.add_argument("--allowlist-keys", type=int,
                        help="keys on each side of the allowlist part's many-key figure "
                             "[default: 1,000; 100 short]")
    parser.add_argument("--out", help="where to write the table")
    args = parser.parse_args()
    args.command_line = []
    skip = False
    for arg in sys.argv[1:]:  # as given, less where the table goes
        if skip or arg.startswith("--out="):
            skip = False
            continue
        if arg == "--out":
            skip = True
            continue
        args.command_line.append(arg)
    args.backends = [b for b in args.backends.split(",") if b]
    for backend in args.backends:
        if backend not in ("sqlite", "postgres"):
            parser.error(f"unknown backend {backend!r}: sqlite or postgres")
    args.seconds = args.seconds or (2 if args.short else 10)
    args.warmup = 1 if args.short else 5
    args.scales = [int(s) for s in (args.scales or ("1000,10000" if args.short else "1000,1000000")).split(",")]
    args.long_tail_keys = args.long_tail_keys or (20_000 if args.short else 1_000_000)
    args.long_tail_real = args.long_tail_real or (5_000 if args.short else 100_000)
    args.first_pass_limit = args.first_pass_limit or (15 if args.short else 300)
    args.page_keys = args.page_keys or (20_000 if args.short else 1_000_000)
    args.page_deep = args.page_deep or max(1000, args.page_keys * 9 // 10 // 1000 * 1000)
    args.rounds = args.rounds or (1 if args.short else 4)
    args.round_seconds = args.round_seconds or (2 if args.short else max(1, args.seconds // 2))
    args.limit_keys = args.limit_keys or (100 if args.short else 1000)
    args.hammer_seconds = args.hammer_seconds or (3 if args.short else 25)
    args.usage_keys = args.usage_keys or (100 if args.short else 1000)
    if args.usage_keys < 1:
        parser.error("--usage-keys must be at least 1")
    args.allowlist_keys = args.allowlist_keys or (100 if args.short else 1000)
    if args.tree_accounts < 1 or args.tree_keys < args.tree_accounts:
        parser.error("--tree-keys must be at least --tree-accounts, which must be at least 1")
    if args.long_tail_real < THREADS:
        parser.error(f"--long-tail-real must be at least {THREADS}")
    results = ROOT / "bench" / "results"
    stem = "short" if args.short else "latest"
    if args.only != set(PARTS):  # latest.md stays the last full run
        stem += "-" + "-".join(part for part in PARTS if part in args.only)
    out = Path(args.out) if args.out else results / f"{stem}.md"
    # Verify without limits is compared with the last full run's figure.
    baseline, baseline_when = read_baseline(results / "latest.md")
    started = time.time()
    rows, long_rows, infos = [], [], []
    page_rows, page_infos, tree_rows, tree_infos = [], [], [], []
    limit_rows, limit_infos = [], []
    usage_rows, usage_infos = [], []
    allow_rows, allow_infos = [], []
    try:
        material = LongTailKeys(args.long_tail_real) if "long-tail" in args.only else None
        # The tree's keys with real secrets: both sides, hashed once per run.
        tree_material = LongTailKeys(2 * args.tree_keys // args.tree_accounts * args.tree_accounts) \
            if "tree" in args.only else None
        with tempfile.TemporaryDirectory(prefix="keyward-bench-") as workdir:
            for backend in args.backends:
                if "existing" in args.only:
                    for scale in args.scales:
                        rows += measure(backend, scale, args, workdir)
                if "long-tail" in args.only:
                    part_started = time.time()
                    found, info = measure_long_tail(backend, args, workdir, material)
                    long_rows += found
                    infos.append(info)
                    log(f"{backend} long tail took {time.time() - part_started:.0f} s")
                if "pages" in args.only:
                    part_started = time.time()
                    found, info = measure_pages(backend, args, workdir)
                    page_rows += found
                    page_infos.append(info)
                    log(f"{backend} pages took {time.time() - part_started:.0f} s")
                if "tree" in args.only:
                    part_started = time.time()
                    found, info = measure_tree(backend, args, workdir, tree_material)
                    tree_rows += found
                    tree_infos.append(info)
                    log(f"{backend} tree took {time.time() - part_started:.0f} s")
                if "limits" in args.only:
                    part_started = time.time()
                    found, info = measure_limits(backend, args, workdir, baseline, baseline_when)
                    limit_rows += found
                    limit_infos.append(info)
                    log(f"{backend} limits took {time.time() - part_started:.0f} s")
                if "usage" in args.only:
                    part_started = time.time()
                    found, info = measure_usage(backend, args, workdir)
                    usage_rows += found
                    usage_infos.append(info)
                    log(f"{backend} usage took {time.time() - part_started:.0f} s")
                if "allowlist" in args.only:
                    part_started = time.time()
                    found, info = measure_allowlist(backend, args, workdir)
                    allow_rows += found
                    allow_infos.append(info)
                    log(f"{backend} allowlist took {time.time() - part_started:.0f} s")
    except HarnessError as error:
        log(f"failed: {error}")
        sys.exit(1)
    table = render(rows, long_rows, infos, args, time.time() - started,
                   (page_rows, page_infos), (tree_rows, tree_infos), (limit_rows, limit_infos),
                   (usage_rows, usage_infos), (allow_rows, allow_infos))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)
    print(table)
    log(f"written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
