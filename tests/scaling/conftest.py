"""Real servers for the scaling tests: gunicorn processes on the live test database, Redis, a replica.

The servers read what the test has committed (``transactional_db``: the test's writes are not rolled
back inside a transaction of its own, so other processes see them) and stop before the database is
flushed. Redis is the one on 127.0.0.1:6379 when it answers (``.ci/run`` starts it with
scripts/start-redis), otherwise a private redis-server on a free port for this session; every test keys
its cache under a prefix of its own and deletes its keys afterwards, so runs side by side never meet.
The replica is the local cluster's streaming replica, started when absent by scripts/start-replica.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REDIS = ("127.0.0.1", 6379)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_answers(host: str, port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(host=host, port=port, socket_connect_timeout=0.5).ping())
    except redis.exceptions.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """(host, port) of a running Redis: the usual one, or one started for this session."""
    if _redis_answers(*DEFAULT_REDIS):
        yield DEFAULT_REDIS
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail(
            "no Redis on 127.0.0.1:6379 and no redis-server to start one (apt-get install redis-server)"
        )
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not _redis_answers("127.0.0.1", port):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield ("127.0.0.1", port)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class RedisSpace:
    """A Redis URL and a key prefix that belong to one test."""

    url: str
    prefix: str
    client: object

    def keys(self) -> list[bytes]:
        return list(self.client.scan_iter(f"{self.prefix}:*"))


@pytest.fixture
def redis_space(redis_server):
    import redis

    host, port = redis_server
    url = f"redis://{host}:{port}/0"
    space = RedisSpace(url=url, prefix=f"tracker-test-{uuid.uuid4().hex}", client=redis.Redis.from_url(url))
    yield space
    for key in space.keys():
        space.client.delete(key)


def live_database_url() -> str:
    """The test database as a URL another process can use (its rows are committed: transactional_db)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{urllib.parse.quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def server_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GUNICORN_"))
        and k not in {"DATABASE_URL", "REDIS_URL"}
        and k != "DATABASE_REPLICA_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=live_database_url(),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="true",  # plain static storage: no collectstatic manifest needed
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_TASKS_BACKEND="django.tasks.backends.dummy.DummyBackend",
        DJANGO_CONN_MAX_AGE="0",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="2",
    )
    env.update(extra)
    return env


@dataclass
class Server:
    """One gunicorn process (one worker) and an HTTP client with a cookie jar per user name."""

    url: str
    process: subprocess.Popen
    log: Path
    jars: dict[str, http.cookiejar.CookieJar] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        as_: str = "anon",
        token: str | None = None,
        data=None,
        form: dict | None = None,
    ):
        """(status, headers, body text)."""
        jar = self.jars.setdefault(as_, http.cookiejar.CookieJar())
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        headers = {"Accept-Language": "zh-hans"}
        body = None
        if token:
            headers["Authorization"] = f"Token {token}"
        if data is not None:
            body, headers["Content-Type"] = json.dumps(data).encode(), "application/json"
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.url + path
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with opener.open(req, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def get_json(self, path: str, *, token: str):
        status, _, body = self.request("GET", path, token=token)
        assert status == 200, f"{path}: {status} {body[:500]}"
        return json.loads(body)

    def login_admin(self, username: str, password: str) -> None:
        status, _, page = self.request("GET", "/admin/login/", as_=username)
        assert status == 200, page[:500]
        status, headers, page = self.request(
            "POST",
            "/admin/login/",
            as_=username,
            form={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": csrf_token(page),
                "next": "/admin/",
            },
        )
        assert status == 302, f"admin login refused: {status} {page[:1000]}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.fixture
def start_server(tmp_path):
    """start_server(**environment) → a running Server; every one is stopped after the test."""
    servers: list[Server] = []

    def start(**extra: str) -> Server:
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        env = server_environment(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", **extra)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
        servers.append(server)
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{log.read_text()}")
            try:
                status, _, _ = server.request("GET", "/api/v1/", as_="probe")
                if status < 500:
                    return server
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer on port {port}:\n{log.read_text()}")
            time.sleep(0.1)

    yield start
    for server in servers:
        server.process.terminate()
    for server in servers:
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@dataclass
class Replica:
    """The live test database on the local cluster's streaming replica."""

    url: str  # of the live test database on the replica
    primary_dsn: str
    replica_dsn: str

    def query(self, dsn: str, sql: str):
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as db:
            return db.execute(sql).fetchone()[0]

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        target = self.query(self.primary_dsn, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while not self.query(self.replica_dsn, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            if time.monotonic() > deadline:
                pytest.fail(f"the replica did not replay up to {target} within {timeout} s")
            time.sleep(0.05)

    @contextlib.contextmanager
    def exclusive(self):
        """This test alone pauses the replica's replay (an advisory lock on the primary, so that runs
        side by side wait for each other); the replay is resumed whatever happens."""
        import psycopg

        with psycopg.connect(self.primary_dsn, autocommit=True) as lock:
            lock.execute("SELECT pg_advisory_lock(hashtext('tracker-tests-replica-replay'))")
            try:
                yield
            finally:
                self.set_replay(paused=False)
                lock.execute("SELECT pg_advisory_unlock(hashtext('tracker-tests-replica-replay'))")

    def set_replay(self, paused: bool) -> None:
        self.query(self.replica_dsn, f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()::text")
        if paused:
            deadline = time.monotonic() + 10
            while self.query(self.replica_dsn, "SELECT pg_get_wal_replay_pause_state()") != "paused":
                if time.monotonic() > deadline:
                    pytest.fail("the replica's replay did not pause")
                time.sleep(0.05)


@pytest.fixture(scope="session")
def replica_port(django_db_setup, django_db_blocker):
    """The port of the local cluster's streaming replica, started by scripts/start-replica when absent."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "not applicable: a read replica is a PostgreSQL streaming replica, and this run uses SQLite"
        )
    s = connection.settings_dict
    if (s["HOST"] or "127.0.0.1") not in {"127.0.0.1", "localhost"}:
        pytest.skip(f"not applicable: scripts/start-replica replicates the local cluster, not {s['HOST']}")
    port = os.environ.get("TRACKER_TEST_REPLICA_PORT", "5433")
    result = subprocess.run(
        [str(ROOT / "scripts" / "start-replica")],
        cwd=ROOT,
        env={**os.environ, "PRIMARY_PORT": str(s["PORT"] or 5432), "REPLICA_PORT": port},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"scripts/start-replica failed:\n{result.stdout}\n{result.stderr}"
    return int(port)


@pytest.fixture
def replica(replica_port, transactional_db):
    s = connection.settings_dict
    primary = f"host=127.0.0.1 port={s['PORT'] or 5432} user={s['USER']} dbname={s['NAME']}"
    on_replica = f"host=127.0.0.1 port={replica_port} user={s['USER']} dbname={s['NAME']}"
    return Replica(
        url=f"postgres://{s['USER']}@127.0.0.1:{replica_port}/{s['NAME']}",
        primary_dsn=primary,
        replica_dsn=on_replica,
    )
