"""A bounded load run on loopback: gunicorn + PostgreSQL, N clients mixing reads and workflow writes.

Usage:  .venv/bin/python devtools/loadrun.py [--seconds 60] [--clients 20] [--suggestions 300]
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_load (the default; recreated each run)

1. Recreates the database, migrates, loads the Taicang data (setup_demo --no-accounts), adds accounts for
   every role with API tokens and browser sessions, registers N more suggestions and assigns most of them
   (all through suggestions/workflow.py).
2. Starts gunicorn (gunicorn.conf.py, DEBUG off) on 127.0.0.1.
3. Runs the clients for the given time. Each has a role (staff, department handler, delegate, dashboard,
   public) and loops: mostly reads (API lists, details, events, statistics, HTML pages), and the role's
   workflow writes through the API (assign, acknowledge, contact, progress, reply, extension, rate,
   publish, re-handling, close) on suggestions it finds in the right state. Two clients often pick the same
   suggestion: the loser of such a race gets a 400, counted apart as "refused", not as an error.
4. Stops gunicorn, checks the invariants (suggestions/invariants.py) and prints the table. Exit status 1
   on any error (a 5xx, a connection failure or a timeout) or any broken invariant.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_load"
HOST = "127.0.0.1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--suggestions", type=int, default=300, help="extra suggestions besides the 30")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOADRUN_PORT", "8799")))
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: its config)")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    return parser.parse_args()


ARGS = parse_args()
DATABASE_URL = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    sys.exit("the load run needs PostgreSQL (DATABASE_URL=postgres://...)")
# The same production-like settings for the setup (this process) and the server (gunicorn).
SERVER_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_LOG_LEVEL": "ERROR",
    # every client comes from 127.0.0.1: the per-address API limit would throttle the run, not test it
    "DJANGO_API_ANON_RATE": "",
    "DJANGO_API_USER_RATE": "",
}
os.environ.update(SERVER_ENV)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------------------------------------------------
# 1. The data
# ---------------------------------------------------------------------------------------------------------


def recreate_database(*, create: bool = True) -> None:
    import psycopg

    url = urllib.parse.urlsplit(DATABASE_URL)
    name = url.path.lstrip("/")
    maintenance = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


@dataclass
class Cast:
    tokens: dict[str, str] = field(default_factory=dict)  # username -> API token
    sessions: dict[str, str] = field(default_factory=dict)  # username -> session cookie
    staff: list[str] = field(default_factory=list)
    dashboard: list[str] = field(default_factory=list)
    handlers: list[tuple[str, int]] = field(default_factory=list)  # (username, department id)
    delegates: list[tuple[str, int]] = field(default_factory=list)  # (username, delegate id)
    suggestion_ids: list[int] = field(default_factory=list)


def static_files_current() -> bool:
    """Whether `collectstatic` ran after the last change of any static file (the server needs its manifest)."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    collected = manifest.stat().st_mtime
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            if Path(storage.path(path)).stat().st_mtime > collected:
                return False
    return True


def build_data(extra: int, rng: random.Random) -> Cast:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from delegates.models import Delegate
    from departments.models import Department
    from suggestions import workflow
    from suggestions.models import CongressSession, Suggestion, Theme
    from suggestions.policy.groups import ensure_role_groups

    call_command("migrate", verbosity=0, interactive=False)
    call_command("setup_demo", no_accounts=True, verbosity=0)
    if not static_files_current():
        print("  collecting the static files (once; compressing them takes a while)…")
        call_command("collectstatic", verbosity=0, interactive=False)
    staff_group, dashboard_group = ensure_role_groups()
    User = get_user_model()
    cast = Cast()

    def account(username: str) -> object:
        user = User.objects.create_user(username)  # no password: tokens and sessions only
        cast.tokens[username] = Token.objects.create(user=user).key
        browser = Client()
        browser.force_login(user)
        cast.sessions[username] = browser.cookies[settings.SESSION_COOKIE_NAME].value
        return user

    staff_users = []
    for i in range(3):
        user = account(f"load_staff{i}")
        user.groups.add(staff_group)
        staff_users.append(user)
        cast.staff.append(user.username)
    for i in range(2):
        account(f"load_dashboard{i}").groups.add(dashboard_group)
        cast.dashboard.append(f"load_dashboard{i}")
    departments = list(Department.objects.filter(active=True).order_by("pk")[:6])
    for i, department in enumerate(departments):
        user = account(f"load_handler{i}")
        department.members.add(user)
        cast.handlers.append((user.username, department.pk))
    delegates = list(Delegate.objects.filter(user__isnull=True).order_by("pk")[:12])
    for i, delegate in enumerate(delegates):
        user = account(f"load_delegate{i}")
        delegate.user = user
        delegate.save(update_fields=["user"])
        cast.delegates.append((user.username, delegate.pk))

    session = CongressSession.objects.get(term=17, meeting=2)
    themes = list(Theme.objects.filter(session=session).order_by("ordinal"))
    staff = staff_users[0]
    for i in range(extra):
        proposers = rng.sample(delegates, rng.randint(1, 3))
        s = workflow.register(
            session=session,
            theme=themes[i % len(themes)],
            number=100 + i,
            position=100 + i,
            title=f"负载测试建议 {i}",
            text="建议加快推进老旧小区改造，完善基础设施。" * 3,
            proposers=proposers,
            by=staff,
        )
        if rng.random() < 0.75:
            lead, *co = rng.sample(departments, rng.randint(1, 3))
            workflow.assign(suggestion=s, lead=lead, co_handlers=co, by=staff)
    cast.suggestion_ids = list(Suggestion.objects.values_list("pk", flat=True))
    from django.db import connections

    connections.close_all()
    return cast


# ---------------------------------------------------------------------------------------------------------
# 2. The server
# ---------------------------------------------------------------------------------------------------------


def start_server(port: int, workers: int | None) -> subprocess.Popen:
    env = {**os.environ, **SERVER_ENV, "GUNICORN_BIND": f"{HOST}:{port}"}
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "gunicorn.conf.py",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited:\n{server.stderr.read()}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/v1/sessions/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    sys.exit("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> str:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return server.stderr.read() if server.stderr else ""


# ---------------------------------------------------------------------------------------------------------
# 3. The clients
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    by_kind: Counter = field(default_factory=Counter)  # "read" / "write" per outcome
    statuses: Counter = field(default_factory=Counter)
    writes_done: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    per_operation: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


class Client:
    """One simulated user: a keep-alive connection, credentials, and the role's habits."""

    REPLY = {
        "doc_number": "太发改函〔2023〕88号",
        "signer": "张三",
        "contact_person": "李四",
        "contact_phone": "0512-53500000",
        "text": "经研究，答复如下：……",
    }

    def __init__(
        self, role: str, username: str | None, extra: int | None, cast: Cast, stats: Stats, seed: int
    ):
        self.role, self.username, self.extra = role, username, extra
        self.cast, self.stats = cast, stats
        self.rng = random.Random(seed)
        self.conn: http.client.HTTPConnection | None = None
        self.headers = {"Accept": "application/json"}
        if username:
            self.headers["Authorization"] = f"Token {cast.tokens[username]}"
            self.cookie = f"sessionid={cast.sessions[username]}"
        else:
            self.cookie = ""

    # -- HTTP ----------------------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: dict | None = None, *, kind: str, name: str):
        headers = dict(self.headers)
        if path.startswith("/api/"):
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        else:
            data = None
            headers = {"Cookie": self.cookie} if self.cookie else {}
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, ARGS.port, timeout=30)
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            self.conn = None
            self.record(kind, name, None, time.perf_counter() - started, f"{method} {path}: {error!r}")
            return None, None
        elapsed = time.perf_counter() - started
        self.record(kind, name, status, elapsed, f"{method} {path} → {status} {payload[:200]!r}")
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        if payload and response.getheader("Content-Type", "").startswith("application/json"):
            return status, json.loads(payload)
        return status, None

    def record(self, kind: str, name: str, status: int | None, elapsed: float, detail: str) -> None:
        if status is None or status >= 500:
            outcome = "error"
        elif status in (400, 409):
            outcome = "refused"
        elif status >= 400:
            outcome = "denied"
        else:
            outcome = "ok"
        with self.stats.lock:
            self.stats.latencies.append(elapsed)
            self.stats.per_operation[name].append(elapsed)
            self.stats.by_kind[kind, outcome] += 1
            self.stats.statuses[status or 0] += 1
            if outcome == "error":
                self.stats.errors.append(detail)
            elif kind == "write" and outcome == "ok":
                self.stats.writes_done[name] += 1

    def get(self, path: str, name: str):
        return self.request("GET", path, kind="read", name=name)

    def find(self, query: str) -> dict | None:
        """A random suggestion of the list (scoped to the user) matching `query`."""
        _status, data = self.get(f"/api/v1/suggestions/?{query}&page_size=50", "API list (filtered)")
        rows = (data or {}).get("results") or []
        return self.rng.choice(rows) if rows else None

    def step(self, suggestion: dict | None, step: str, body: dict) -> None:
        if suggestion is not None:
            self.request(
                "POST",
                f"/api/v1/suggestions/{suggestion['id']}/{step}/",
                body,
                kind="write",
                name=f"POST {step}",
            )

    # -- habits --------------------------------------------------------------------------------------------

    def read(self) -> None:
        pk = self.rng.choice(self.cast.suggestion_ids)
        choice = self.rng.random()
        if choice < 0.25:
            self.get(f"/api/v1/suggestions/?page={self.rng.randint(1, 5)}", "API suggestion list")
        elif choice < 0.45:
            self.get(f"/api/v1/suggestions/{pk}/", "API suggestion detail")
        elif choice < 0.55:
            self.get(f"/api/v1/events/?suggestion={pk}", "API events")
        elif choice < 0.65:
            self.get("/api/v1/stats/overview/", "API stats overview")
        elif choice < 0.70:
            self.get("/api/v1/stats/by-department/", "API stats by department")
        elif choice < 0.78:
            self.get("/suggestions/", "HTML suggestion list")
        elif choice < 0.88:
            self.get(f"/suggestions/{pk}/", "HTML suggestion page")
        elif choice < 0.93:
            self.get("/dashboard/", "HTML statistics")
        else:
            self.get("/", "HTML home")

    def write(self) -> None:
        rng = self.rng
        if self.role == "staff":
            choice = rng.random()
            if choice < 0.35:
                department = rng.choice(self.cast.handlers)[1]
                self.step(self.find("status=registered"), "assign", {"lead": department})
            elif choice < 0.55:
                self.step(self.find("status=replied&status=closed"), "publish", {"mode": "full"})
            elif choice < 0.75:
                self.step(self.find("status=review"), "rehandle", {"note": "请重新办理"})
            elif choice < 0.85:
                self.step(self.find("status=replied"), "close", {"reason": "代表逾期未评价"})
            else:
                _status, data = self.get(
                    "/api/v1/extension-requests/?status=pending", "API extension requests"
                )
                rows = (data or {}).get("results") or []
                if rows:
                    self.step({"id": rng.choice(rows)["suggestion"]}, "approve_extension", {})
        elif self.role == "handler":
            department = self.extra
            choice = rng.random()
            if choice < 0.35:
                self.step(
                    self.find(f"status=assigned&department={department}"),
                    "acknowledge",
                    {"department": department},
                )
            elif choice < 0.55:
                self.step(
                    self.find(f"status=in_progress&department={department}"),
                    "contact",
                    {
                        "method": rng.choice(["meet", "phone", "visit"]),
                        "notes": "沟通",
                        "department": department,
                    },
                )
            elif choice < 0.65:
                self.step(
                    self.find(f"status=in_progress&department={department}"),
                    "progress",
                    {"text": "正在办理", "department": department},
                )
            elif choice < 0.70:
                target = self.find(f"status=in_progress&department={department}&role=lead")
                if target and target.get("due_date"):
                    due = time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400 * 120))
                    self.step(target, "request_extension", {"requested_due": due, "reason": "需要协调"})
            else:
                category = rng.choice("ABBCD")
                self.step(
                    self.find(f"status=in_progress&department={department}&role=lead"),
                    "reply",
                    {"category": category, **self.REPLY},
                )
        elif self.role == "delegate":
            verdict = rng.choice(["satisfied", "satisfied", "basically", "unsatisfied"])
            self.step(
                self.find(f"status=replied&lead_delegate={self.extra}"),
                "rate",
                {"attitude": "satisfied", "result": verdict, "comment": "意见"},
            )

    def run(self, until: float) -> None:
        write_share = {"staff": 0.5, "handler": 0.5, "delegate": 0.3}.get(self.role, 0.0)
        while time.monotonic() < until:
            if self.rng.random() < write_share:
                self.write()
            else:
                self.read()
        if self.conn is not None:
            self.conn.close()


def clients(cast: Cast, count: int, stats: Stats, seed: int) -> list[Client]:
    """A mix: 15% staff, 35% handlers, 30% delegates, 10% dashboard, 10% public (at least one each)."""
    plan = []
    shares = [("staff", 0.15), ("handler", 0.35), ("delegate", 0.30), ("dashboard", 0.10), ("public", 0.10)]
    for role, share in shares:
        plan += [role] * max(1, round(count * share))
    plan = (plan * 2)[:count]
    made = []
    for i, role in enumerate(plan):
        username = extra = None
        if role == "staff":
            username = cast.staff[i % len(cast.staff)]
        elif role == "dashboard":
            username = cast.dashboard[i % len(cast.dashboard)]
        elif role == "handler":
            username, extra = cast.handlers[i % len(cast.handlers)]
        elif role == "delegate":
            username, extra = cast.delegates[i % len(cast.delegates)]
        made.append(Client(role, username, extra, cast, stats, seed + i))
    return made


# ---------------------------------------------------------------------------------------------------------
# 4. The report
# ---------------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    rng = random.Random(ARGS.seed)
    print(f"database {DATABASE_URL}: recreating, migrating, loading ({ARGS.suggestions} extra suggestions)…")
    started = time.monotonic()
    recreate_database()
    cast = build_data(ARGS.suggestions, rng)
    print(f"  ready in {time.monotonic() - started:.0f} s: {len(cast.suggestion_ids)} suggestions")
    server = start_server(ARGS.port, ARGS.workers)
    stats = Stats()
    population = clients(cast, ARGS.clients, stats, ARGS.seed)
    roles = Counter(c.role for c in population)
    print(f"gunicorn on {HOST}:{ARGS.port}; {ARGS.clients} clients {dict(roles)} for {ARGS.seconds:.0f} s…")
    begin = time.monotonic()
    until = begin + ARGS.seconds
    threads = [threading.Thread(target=c.run, args=(until,)) for c in population]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        elapsed = time.monotonic() - begin
        server_log = stop_server(server)

    from suggestions.models import Event, Suggestion
    from suggestions.workflow.invariants import violations

    broken = violations()
    total = len(stats.latencies)
    reads = {o: n for (k, o), n in stats.by_kind.items() if k == "read"}
    writes = {o: n for (k, o), n in stats.by_kind.items() if k == "write"}
    errors = stats.by_kind["read", "error"] + stats.by_kind["write", "error"]
    rows = [
        ("duration", f"{elapsed:.1f} s"),
        ("clients", f"{ARGS.clients} ({', '.join(f'{n} {r}' for r, n in sorted(roles.items()))})"),
        ("requests", f"{total:,}"),
        ("throughput", f"{total / elapsed:,.1f} req/s"),
        (
            "latency p50 / p95 / p99",
            " / ".join(f"{percentile(stats.latencies, q) * 1000:.0f} ms" for q in (0.5, 0.95, 0.99)),
        ),
        ("reads", ", ".join(f"{n:,} {o}" for o, n in sorted(reads.items()))),
        ("writes tried", ", ".join(f"{n:,} {o}" for o, n in sorted(writes.items()))),
        (
            "writes done",
            ", ".join(f"{n} {name.removeprefix('POST ')}" for name, n in stats.writes_done.most_common()),
        ),
        ("status codes", ", ".join(f"{code or 'none'}: {n:,}" for code, n in sorted(stats.statuses.items()))),
        ("errors (5xx, connection)", f"{errors}"),
        ("suggestions / events after", f"{Suggestion.objects.count():,} / {Event.objects.count():,}"),
        ("invariants", "hold" if not broken else f"{len(broken)} BROKEN"),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print("\n  p50 / p95 by operation:")
    for name, values in sorted(stats.per_operation.items(), key=lambda kv: -len(kv[1])):
        p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
        print(f"    {name:<32} {len(values):>6}  {p50:>6.0f} ms  {p95:>6.0f} ms")
    for line in stats.errors[:10]:
        print("  error:", line)
    for violation in broken[:20]:
        print("  broken:", violation)
    if errors and server_log.strip():
        print("\n  gunicorn's log (tail):\n" + "\n".join(server_log.strip().splitlines()[-30:]))
    if ARGS.drop:
        from django.db import connections

        connections.close_all()
        recreate_database(create=False)
    return 1 if errors or broken else 0


if __name__ == "__main__":
    sys.exit(main())
