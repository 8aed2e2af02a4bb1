"""The HTTP benchmarks' plumbing: a prepared database, a production server (gunicorn) on a free port, sessions
made directly in the session store, and a small multi-process load generator with 16 concurrent clients.

Not a benchmark itself (the runner never lists it). bench/http.py, bench/intake.py and bench/caselist.py use it:

    env = prepare()                        # Django set up against the bench database, emptied and migrated
    ... build data through the services ...
    with Server() as server:               # gunicorn, sync workers, ONEWINDOW_BENCH=1 (baseline URLs on)
        result = server.load("/track/abc/", seconds=5)

Database: PostgreSQL when DATABASE_URL is set (the database is created if missing), else a SQLite file under
var/bench/. Either way it is emptied at the start of each benchmark module, so runs do not depend on each other.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import queue
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
CLIENTS = 16
# Fixed, bench-only secrets: the bench process writes sessions the server must read, so both need the same key.
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789"
CSRF_TOKEN = "benchcsrftoken0123456789abcdefgh"  # 32 characters: Django accepts an unmasked secret


def workers() -> int:
    """gunicorn's own rule of thumb, 2 × cores + 1 sync workers (BENCH_WORKERS overrides)."""
    return int(os.environ.get("BENCH_WORKERS") or 2 * (os.cpu_count() or 1) + 1)


def server_env() -> dict[str, str]:
    """The environment of the server (and of the bench process, so both reach the same database)."""
    env = dict(os.environ)
    env.pop("ONEWINDOW_TESTING", None)  # the server runs in production mode: real hasher, DEBUG off
    env.update({
        "DJANGO_SETTINGS_MODULE": "onewindow.settings",
        "VAR_DIR": str(BENCH_VAR),
        "SECRET_KEY": SECRET_KEY,
        "ONEWINDOW_SEAL_KEY": "bench-only-seal-key",
        # Production mode requires the personal-information keys; the bench process encrypts the applicants it
        # creates and the server decrypts them (and the sessions), so both get the same bench-only keys.
        "ONEWINDOW_PII_KEYS": '{"bench1": "YmVuY2gtb25seS1waWktaw=="}',
        "ONEWINDOW_PII_KEY_ID": "bench1",
        "ONEWINDOW_PII_INDEX_KEY": "bench-only-pii-index-key",
        "ONEWINDOW_BENCH": "1",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SESSION_COOKIE_SECURE": "false",
        # The tracking page's per-IP limit (60/min) would turn the load into 429s from one client address;
        # the check itself still runs on every request.
        "RATE_TRACK_PAGE_IP": "1000000000/60",
    })
    return env


def database_vendor() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgres://", "postgresql://")) else ("sqlite" if not url else url.split(":")[0])


def _ensure_pg_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare() -> None:
    """Set Django up in this process against the bench database, migrate it and empty it."""
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    env = server_env()
    os.environ.update({k: v for k, v in env.items() if k != "ONEWINDOW_BENCH"})
    # The bench process itself builds data: the fast test hasher is fine here (no one logs in by password).
    os.environ["ONEWINDOW_TESTING"] = "1"
    if database_vendor() == "postgresql":
        _ensure_pg_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    from onewindow.testing import ensure_calendar_seeded

    ensure_calendar_seeded()


def session_cookie(user: Any) -> str:
    """A logged-in session for `user`, written straight into the session store (no login form, so a later
    second factor on the form does not change the benchmark). Returns the Cookie header value."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onewindow.core.sessions import SessionStore  # the production engine: encrypted session data

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if user.is_staff or user.is_superuser:
        # The second factor a real login would have recorded: staff pages and the API refuse a session without.
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="bench", confirmed=True)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={CSRF_TOKEN}"


def test_client(cookie: str) -> Any:
    """Django's test client carrying a session_cookie() (for in-process profiling of the same requests)."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for part in cookie.split("; "):
        name, value = part.split("=", 1)
        client.cookies[name] = value
    return client


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,  # noqa: S607
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# ---------------------------------------------------------------------------------------------
# Load generator: CLIENTS concurrent clients, each a thread in one of a few processes (one Python
# process cannot drive 16 clients alone without the GIL becoming the bottleneck being measured).


@dataclass
class Load:
    requests: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    errors: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)


def _client_process(port: int, method: str, path: str, bodies: list[bytes], headers: dict[str, str],
                    threads: int, offset: int, start_at: float, measure_from: float, end_at: float,
                    out: Any, think: float = 0.0) -> None:
    import threading

    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()

    def work(index: int) -> None:
        mine: list[float] = []
        n = offset + index
        while time.time() < start_at:
            time.sleep(0.001)
        while True:
            began = time.time()
            if began >= end_at:
                break
            body = bodies[n % len(bodies)] if bodies else None
            n += CLIENTS
            status = 0
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                conn.close()
            except OSError as exc:
                with lock:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            done = time.time()
            # Counted when it completes inside the window, whenever it began: a throughput over the window
            # that does not penalise slow requests for straddling its start.
            if measure_from <= done <= end_at:
                mine.append((done - began) * 1000)
                if status >= 400 or status < 200:
                    with lock:
                        errors[str(status)] = errors.get(str(status), 0) + 1
            if think:
                time.sleep(think)  # a person reading the page before the next click
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.put((latencies, errors))


class Server:
    """gunicorn serving onewindow.wsgi on a free port with the bench environment; stopped on exit."""

    def __init__(self, n_workers: int | None = None, background_worker: bool = False):
        self.workers = n_workers or workers()
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log = BENCH_VAR / "gunicorn.log"
        # `onewindow worker` beside the server, as in production: what requests leave for it (audit sealing,
        # the statistics fold, the outbox) then costs CPU on the same two cores during the measurement.
        self.background_worker = background_worker
        self.worker_process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        try:
            return self._start()
        except BaseException:
            self.__exit__()  # never leave a server behind
            raise

    def _start(self) -> Server:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen(  # noqa: S603 - our own argv
            [sys.executable, "-m", "gunicorn", "onewindow.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--worker-class", "sync", "--timeout", "60", "--log-level", "warning"],
            cwd=ROOT, env=server_env(), stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )
        if self.background_worker:
            self.worker_process = subprocess.Popen(  # noqa: S603 - our own argv
                [sys.executable, "-m", "onewindow", "worker", "--interval", "0.25"],
                cwd=ROOT, env=server_env(), stdout=(BENCH_VAR / "worker.log").open("ab"), stderr=subprocess.STDOUT,
            )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    # Every worker imports the app lazily on its first request: warm them all up.
                    self.load("/healthz", seconds=0.5, warmup=0.3)
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        for process in (self.process, self.worker_process):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def get(self, path: str, cookie: str = "") -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()

    def load(self, path: str, *, seconds: float, warmup: float = 1.0, method: str = "GET",
             bodies: list[bytes] | None = None, cookie: str = "", json_body: bool = False,
             clients: int = CLIENTS, think: float = 0.0) -> Load:
        """`clients` concurrent clients hammer `path` for warmup + seconds; only the last `seconds` count.
        With `think`, each client pauses that many seconds after each response (people, not a closed loop)."""
        headers = {"Host": "127.0.0.1", "Connection": "close"}
        if cookie:
            headers["Cookie"] = cookie
        if method == "POST":
            headers["X-CSRFToken"] = CSRF_TOKEN
            headers["Content-Type"] = "application/json" if json_body else "application/x-www-form-urlencoded"
        processes = min(4, clients)
        per_process = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
        context = multiprocessing.get_context("spawn")
        out = context.Queue()
        start_at = time.time() + 1.0  # time for the client processes to start
        measure_from = start_at + warmup
        end_at = measure_from + seconds
        procs = []
        offset = 0
        for threads in per_process:
            proc = context.Process(target=_client_process, args=(
                self.port, method, path, bodies or [], headers, threads, offset, start_at, measure_from, end_at, out,
                think))
            proc.start()
            procs.append(proc)
            offset += threads
        latencies: list[float] = []
        errors: dict[str, int] = {}
        deadline = end_at + 120
        for _ in procs:
            while True:
                try:
                    got, errs = out.get(timeout=1.0)
                    break
                except queue.Empty:
                    if time.time() > deadline or not any(p.is_alive() for p in procs):
                        raise RuntimeError("the load generator's client processes died") from None
            latencies.extend(got)
            for key, count in errs.items():
                errors[key] = errors.get(key, 0) + count
        for proc in procs:
            proc.join()
        return Load(requests=len(latencies), seconds=seconds, latencies_ms=latencies, errors=errors)


def check_errors(name: str, load: Load) -> None:
    """A benchmark of error pages measures nothing: more than 0.1 % failed requests stops the module."""
    failed = sum(load.errors.values())
    if failed > max(1, load.requests // 1000):
        raise RuntimeError(f"{name}: {failed} of {load.requests} requests failed: {json.dumps(load.errors)}")


def rounds(targets: dict[str, Any], n: int) -> dict[str, list[Load]]:
    """Run each target n times, interleaved (a, b, a, b …) so that a slow moment of a shared machine hits
    both sides of a ratio rather than one."""
    results: dict[str, list[Load]] = {name: [] for name in targets}
    for _ in range(n):
        for name, run in targets.items():
            load = run()
            check_errors(name, load)
            results[name].append(load)
    return results


def summary(loads: list[Load]) -> tuple[float, float, float]:
    """Median throughput of the rounds, and p50/p99 latency over all their requests pooled."""
    pooled = Load(requests=sum(x.requests for x in loads), seconds=sum(x.seconds for x in loads),
                  latencies_ms=[v for x in loads for v in x.latencies_ms], errors={})
    return statistics.median(x.per_second for x in loads), pooled.p50, pooled.p99


def unique_token() -> str:
    return secrets.token_hex(4)
