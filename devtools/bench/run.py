"""`make bench`: queries per request, in-process p50/p95 and gunicorn throughput (wrk) of the hot paths.

Usage: DATABASE_URL=postgres://.../tracker_bench python devtools/bench/run.py --sizes 10000 100000 [1000000]
Grows the data with `generate_demo_load` to each size (printing its time and the database's size), then
prints per size:

- the hot paths: queries, p50/p95, the ratio to the floor (a minimal view running one equivalent SQL
  query) and one gunicorn worker's requests per second under wrk;
- the statistics right after a write: one workflow step (a progress report, ``workflow.add_progress``)
  before each request, so each request finds whatever the code keeps after a change (caches keyed on the
  data version are cold, counters are current);
- with ``DATABASES["replica"]`` (``DATABASE_REPLICA_URL``): the API list as the replica serves it, with the
  queries each database ran;
- routing: the index's build (``build_routing_index``) and the p50/p95 of a recommendation
  (``routing.recommend.recommend``) and of a similar-suggestions search (``routing.similar.similar``);
- the gunicorn worker's resident memory after the run, then after one routing request (its index);
- every target with ✓ or ✗.

The machine may be shared: the floor, measured in the same run, is the yardstick.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "devtools.bench.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from departments.models import Department  # noqa: E402
from suggestions import workflow  # noqa: E402
from suggestions.models import Event, Suggestion  # noqa: E402
from suggestions.policy.groups import ensure_role_groups  # noqa: E402


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# BENCH_PORT chooses; by default a free one (another run, or another engineer's server, may hold any port).
PORT = int(os.environ.get("BENCH_PORT") or _free_port())
RUNS = int(os.environ.get("BENCH_RUNS", "40"))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "8"))
AFTER_WRITE_RUNS = int(os.environ.get("BENCH_AFTER_WRITE_RUNS", "9"))
START_SECONDS = int(os.environ.get("BENCH_START_SECONDS", "900"))
ROUTING_RUNS = int(os.environ.get("BENCH_ROUTING_RUNS", "60"))

# The targets (issue 13): p50 in ms, queries per list, the worker's memory.
LIST_FLOOR_RATIO = 2.0
STATS_AFTER_WRITE_MS = 50
ROUTING_MS = 50
WORKER_MB = 200
LIST_QUERIES = 6
STATISTICS = [
    ("API stats overview", "/api/v1/stats/overview/"),
    ("API stats by theme", "/api/v1/stats/by-theme/"),
    ("API stats by department", "/api/v1/stats/by-department/"),
    ("API stats by round", "/api/v1/stats/by-round/"),
    ("API stats by month", "/api/v1/stats/by-month/"),
    ("HTML dashboard", "/dashboard/"),
    ("HTML 大屏", "/screen/"),
]


def targets() -> list[tuple[str, str, float | None, int | None]]:
    """(name, path, p50 target in ms, most queries)."""
    department = Department.objects.filter(assignments__role="lead").order_by("pk").first()
    suggestion = Suggestion.objects.filter(status="closed").order_by("pk").first()
    session_id, theme_id = Suggestion.objects.order_by("pk").values_list("session_id", "theme_id").first()
    export_rows = Suggestion.objects.filter(session_id=session_id, theme_id=theme_id).count()
    return [
        ("floor (1 SQL query → JSON)", "/bench/floor/", None, None),
        ("API suggestions list", LIST_PATH, 25, LIST_QUERIES),
        (
            "API list dept+status+text",
            f"/api/v1/suggestions/?department={department.pk}&status=in_progress&q=%E8%80%81%E6%97%A7",
            25,
            LIST_QUERIES,
        ),
        ("API suggestion detail", f"/api/v1/suggestions/{suggestion.pk}/", 15, None),
        ("API stats overview (warm)", "/api/v1/stats/overview/", 100, None),
        ("API stats by department (warm)", "/api/v1/stats/by-department/", 100, None),
        ("HTML suggestion list", "/suggestions/", 40, LIST_QUERIES),
        ("HTML dashboard (warm)", "/dashboard/", 100, None),
        (
            f"Excel export (汇总表, one theme: {export_rows:,} rows)",
            f"/reports/suggestions.xlsx?session={session_id}&theme={theme_id}",
            None,
            None,
        ),
    ]


LIST_PATH = "/api/v1/suggestions/"


def staff_user():
    staff_group, _ = ensure_role_groups()
    user, created = get_user_model().objects.get_or_create(
        username="bench_staff", defaults={"is_staff": True}
    )
    user.groups.add(staff_group)
    return user


@contextlib.contextmanager
def counting_queries():
    """Counts the queries of every database alias (``counts[alias]``) while the block runs."""
    counts: dict[str, int] = {alias: 0 for alias in connections}

    def wrapper(alias):
        def count(execute, sql, params, many, context):
            counts[alias] += 1
            return execute(sql, params, many, context)

        return count

    with contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(wrapper(alias)))
        yield counts


def get(client: Client, path: str):
    response = client.get(path)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return response


def measure_in_process(
    client: Client, path: str, by_alias: dict | None = None
) -> tuple[int, float, float, int]:
    for _ in range(3):
        response = client.get(path)
    with counting_queries() as counts:
        response = get(client, path)
    if by_alias is not None:
        by_alias.update(counts)
    queries = sum(counts.values())
    status = response.status_code
    times = []
    budget = time.perf_counter() + 15  # slow endpoints: at least 5 runs, at most ~15 s
    for _ in range(RUNS):
        if len(times) >= 5 and time.perf_counter() > budget:
            break
        start = time.perf_counter()
        get(client, path)
        times.append((time.perf_counter() - start) * 1000)
    return queries, *percentiles(times), status


def start_gunicorn() -> subprocess.Popen:
    started = time.perf_counter()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "devtools.bench.settings"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            "1",
            "--threads",
            "1",
            "--bind",
            f"127.0.0.1:{PORT}",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The master builds the routing index before the first worker forks (gunicorn.conf.py): up to
    # minutes at 1,000,000 suggestions.
    deadline = time.perf_counter() + START_SECONDS
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}): is port {PORT} taken? (BENCH_PORT)")
        try:
            import urllib.request

            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/floor/", timeout=1)
            print(f"  gunicorn answering after {time.perf_counter() - started:.1f} s", flush=True)
            return process
        except Exception:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not start")


def worker_memory(master: subprocess.Popen) -> dict[str, float]:
    """The largest worker's resident set (RSS), proportional set (PSS: shared pages divided among the
    processes sharing them) and private memory (USS), in MB. The master builds the routing index before
    it forks (gunicorn.conf.py), so a worker's RSS counts the index's pages it shares with the master."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    best: dict[str, float] = {}
    for pid in children:
        fields = {}
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            key, value = line.split(":", 1)
            fields[key] = int(value.split()[0]) / 1024
        memory = {
            "rss": fields.get("Rss", 0.0),
            "pss": fields.get("Pss", 0.0),
            "uss": fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0),
        }
        if memory["rss"] > best.get("rss", -1):
            best = memory
    return best


def throughput(path: str, token: str) -> float | None:
    if not shutil.which("wrk"):
        return None
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c8",
            f"-d{WRK_SECONDS}s",
            "-H",
            f"Authorization: Token {token}",
            f"http://127.0.0.1:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(match.group(1)) if match else None


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def table(rows: list[tuple], extra: dict) -> tuple[str, list[tuple[str, bool]]]:
    """The size's tables and its list of (target, met)."""
    checks: list[tuple[str, bool]] = []
    lines = [
        f"\n### {Suggestion.objects.count():,} suggestions, {Event.objects.count():,} events "
        f"(PostgreSQL, {os.cpu_count()} cores{extra.get('database', '')})\n",
        "| Endpoint | Queries | p50 ms | p95 ms | × floor | Target p50 | req/s (gunicorn, 1 worker) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    floor_p50 = rows[0][2]
    for name, queries, p50, p95, target, most, rps, status in rows:
        flag = ""
        if target is not None:
            flag = f"≤ {target} {mark(p50 <= target)}"
            checks.append((f"{name}: p50 {p50:.1f} ms ≤ {target}", p50 <= target))
        if most is not None:
            checks.append((f"{name}: {queries} queries ≤ {most}", queries <= most))
        if name == "API suggestions list":
            ratio = p50 / floor_p50
            checks.append(
                (f"{name}: {ratio:.1f} × floor ≤ {LIST_FLOOR_RATIO:.0f}", ratio <= LIST_FLOOR_RATIO)
            )
        lines.append(
            f"| {name}{'' if status == 200 else f' (HTTP {status})'} | {queries} | {p50:.1f} | {p95:.1f} | "
            f"{p50 / floor_p50:.1f} | {flag} | {'' if rps is None else f'{rps:.0f}'} |"
        )
        if status != 200:
            checks.append((f"{name}: HTTP {status}", False))
    if extra.get("after_write"):
        lines += [
            "",
            "Right after a write (one `workflow.add_progress` before each request; "
            f"{AFTER_WRITE_RUNS} requests each):",
            "",
            "| Statistic, right after a write | Queries | p50 ms | p95 ms | × floor | Target p50 |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, queries, p50, p95, status in extra["after_write"]:
            ok = p50 <= STATS_AFTER_WRITE_MS and status == 200
            checks.append((f"{name} after a write: p50 {p50:.1f} ms ≤ {STATS_AFTER_WRITE_MS}", ok))
            lines.append(
                f"| {name}{'' if status == 200 else f' (HTTP {status})'} | {queries} | {p50:.1f} | {p95:.1f} | "
                f"{p50 / floor_p50:.1f} | ≤ {STATS_AFTER_WRITE_MS} {mark(ok)} |"
            )
    if extra.get("replica"):
        name, counts, p50, p95, status = extra["replica"]
        on = ", ".join(f"{alias} {n}" for alias, n in counts.items() if n)
        lines += [
            "",
            "| Replica (`DATABASES['replica']`) | Queries by database | p50 ms | p95 ms | × floor |",
            "|---|---|---:|---:|---:|",
            f"| {name}{'' if status == 200 else f' (HTTP {status})'} | {on} | {p50:.1f} | {p95:.1f} | "
            f"{p50 / floor_p50:.1f} |",
        ]
        checks.append((f"{name}: read on the replica ({on})", counts.get("replica", 0) > 0))
    if extra.get("routing"):
        routing = extra["routing"]
        lines += [
            "",
            f"Routing: `build_routing_index` {routing['build']:.1f} s ({routing['indexed']:,} suggestions); "
            f"{routing['runs']} queries of random suggestions, as committee staff:",
            "",
            "| Routing query | p50 ms | p95 ms | Target p50 |",
            "|---|---:|---:|---:|",
        ]
        for name, (p50, p95) in routing["queries"].items():
            ok = p50 < ROUTING_MS
            checks.append((f"{name}: p50 {p50:.1f} ms < {ROUTING_MS}", ok))
            lines.append(f"| {name} | {p50:.1f} | {p95:.1f} | < {ROUTING_MS} {mark(ok)} |")
    if extra.get("memory"):
        memory = extra["memory"]
        ok = memory["rss"] < WORKER_MB
        checks.append((f"gunicorn worker after the run: {memory['rss']:.0f} MB resident < {WORKER_MB}", ok))
        line = (
            f"\nOne gunicorn worker after the run: {memory['rss']:.0f} MB resident (< {WORKER_MB} {mark(ok)}); "
            f"proportional {memory['pss']:.0f} MB, private {memory['uss']:.0f} MB (the rest is shared with "
            "the master, which built the routing index before forking)"
        )
        if extra.get("memory_routing"):
            after = extra["memory_routing"]
            line += (
                f"; after one routing request: {after['rss']:.0f} MB resident, {after['uss']:.0f} MB private"
            )
        lines.append(line + ".")
    lines += ["", "Targets:", ""]
    lines += [f"- {mark(ok)} {what}" for what, ok in checks]
    return "\n".join(lines), checks


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def stats_after_write(api: Client, browser: Client, user) -> list[tuple]:
    """Each statistic requested right after a workflow step, as a committee member would see it."""
    suggestion = (
        Suggestion.objects.filter(status="in_progress", assignments__role="lead").order_by("pk").first()
    )
    rows = []
    for name, path in STATISTICS:
        client = api if path.startswith("/api/") else browser
        get(client, path)  # the code paths' first use (imports, templates) is not the point here
        times, queries, status = [], 0, 200
        for i in range(AFTER_WRITE_RUNS):
            workflow.add_progress(suggestion=suggestion, text=f"基准测试：办理进度 {i + 1}", by=user)
            with counting_queries() as counts:
                start = time.perf_counter()
                response = get(client, path)
                times.append((time.perf_counter() - start) * 1000)
            queries, status = sum(counts.values()), response.status_code
        p50, p95 = percentiles(times)
        rows.append((name, queries, p50, p95, status))
        print(
            f"  {name}, right after a write: {queries} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms",
            flush=True,
        )
    return rows


def replica_row(api: Client) -> tuple | None:
    """The API list with the replica's reads on (the app routes them; config/db_router.py)."""
    if "replica" not in settings.DATABASES:
        return None
    counts: dict[str, int] = {}
    queries, p50, p95, status = measure_in_process(api, LIST_PATH, by_alias=counts)
    name = "API suggestions list, served by the replica"
    print(f"  {name}: {counts}, p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
    return (name, counts, p50, p95, status)


def routing_figures(user) -> dict:
    from routing.recommend import recommend
    from routing.similar import similar

    out = io.StringIO()
    start = time.perf_counter()
    call_command("build_routing_index", stdout=out)
    build = time.perf_counter() - start
    ids = list(Suggestion.objects.order_by("pk").values_list("pk", flat=True))
    picked = Suggestion.objects.select_related("session").in_bulk(
        random.Random(12).sample(ids, min(ROUTING_RUNS, len(ids)))
    )
    recommended, similar_times = [], []
    for suggestion in picked.values():
        start = time.perf_counter()
        recommend(suggestion)
        recommended.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        similar(suggestion, user)
        similar_times.append((time.perf_counter() - start) * 1000)
    figures = {
        "build": build,
        "indexed": len(ids),
        "runs": len(picked),
        "queries": {
            "recommended departments (routing.recommend)": percentiles(recommended),
            "similar suggestions (routing.similar)": percentiles(similar_times),
        },
    }
    print(f"  routing: {out.getvalue().strip()}; {figures['queries']}", flush=True)
    return figures


def routing_request_memory(server: subprocess.Popen, token: str, suggestion_id: int) -> dict | None:
    """The worker's memory once one routing request has loaded its index."""
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/api/v1/suggestions/{suggestion_id}/similar/",
        headers={"Authorization": f"Token {token}"},
    )
    try:
        urllib.request.urlopen(request, timeout=900).read()
    except Exception as error:  # the figure is then missing, not the table
        print(f"  routing request through gunicorn failed: {error}", flush=True)
        return None
    return worker_memory(server)


def generate(size: int, have: int) -> str:
    print(f"generating {size - have:,} suggestions …", flush=True)
    out = io.StringIO()
    start = time.perf_counter()
    call_command("generate_demo_load", suggestions=size - have, seed=size, stdout=out)
    elapsed = time.perf_counter() - start
    lines = out.getvalue().replace("\r", "\n").splitlines()
    print(
        "\n".join(line for line in lines if line and not re.match(r"\d+/\d+ suggestions$", line)), flush=True
    )
    # What autovacuum does to a loaded table: statistics for the planner and the visibility map that
    # lets index-only scans (list totals) skip the heap.
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("SELECT pg_database_size(current_database())")
        size_bytes = cursor.fetchone()[0]
    vacuum = time.perf_counter() - start
    return (
        f"; generated {size - have:,} in {elapsed:.0f} s, VACUUM (ANALYZE) {vacuum:.0f} s, "
        f"database {size_bytes / 2**30:.2f} GiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument(
        "--only",
        metavar="TEXT",
        help="measure the floor and the rows whose name contains TEXT (e.g. API) only: a rerun on a busy machine",
    )
    parser.add_argument("--no-routing", action="store_true", help="skip the routing rows")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("note: not PostgreSQL; figures are for", connection.vendor)
    call_command("migrate", verbosity=0)
    user = staff_user()
    token, _ = Token.objects.get_or_create(user=user)
    # Pages with the browser's session; the API with a token, as dashboards and other machine clients
    # call it (and as wrk does below).
    browser = Client()
    browser.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    output = []
    failed = 0
    for size in sorted(args.sizes):
        have = Suggestion.objects.count()
        if have > size:
            print(f"the database already holds {have:,} suggestions: no table for {size:,}", flush=True)
            continue
        extra: dict = {}
        if have < size:
            extra["database"] = generate(size, have)
        server = None if args.no_wrk else start_gunicorn()
        rows = []
        try:
            for name, path, target, most in targets():
                if args.only and path != "/bench/floor/" and args.only not in name:
                    continue
                client = api if path.startswith("/api/") else browser
                queries, p50, p95, status = measure_in_process(client, path)
                rps = None if server is None else throughput(path, token.key)
                rows.append((name, queries, p50, p95, target, most, rps, status))
                print(
                    f"  {name}: {queries} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms, {rps} req/s",
                    flush=True,
                )
            if not args.only:
                extra["after_write"] = stats_after_write(api, browser, user)
                extra["replica"] = replica_row(api)
                if not args.no_routing:
                    extra["routing"] = routing_figures(user)
            if server:
                extra["memory"] = worker_memory(server)
                if not args.only and not args.no_routing:
                    first = Suggestion.objects.order_by("pk").values_list("pk", flat=True).first()
                    extra["memory_routing"] = routing_request_memory(server, token.key, first)
        finally:
            if server:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
        text, checks = table(rows, extra)
        failed += sum(not ok for _, ok in checks)
        output.append(text)
    print("\n".join(output))
    print(f"\n{failed} target(s) missed" if failed else "\nevery target met")


if __name__ == "__main__":
    main()
