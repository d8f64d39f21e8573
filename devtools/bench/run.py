"""`make bench`: queries per request, in-process p50/p95 and gunicorn throughput (wrk) of the hot paths.

Usage: DATABASE_URL=postgres://.../tracker_bench python bench/run.py --sizes 10000 100000
Grows the data with `generate_demo_load` to each size, then prints one table per size. Each row's
ratio compares its p50 with the floor's (a minimal view running one equivalent SQL query).
"""

from __future__ import annotations

import argparse
import os
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

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from departments.models import Department  # noqa: E402
from suggestions.models import Event, Suggestion  # noqa: E402
from suggestions.policy.groups import ensure_role_groups  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8765"))
RUNS = int(os.environ.get("BENCH_RUNS", "40"))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "8"))


def targets() -> list[tuple[str, str, float | None]]:
    """(name, path, p50 target in ms)."""
    department = Department.objects.filter(assignments__role="lead").order_by("pk").first()
    suggestion = Suggestion.objects.filter(status="closed").order_by("pk").first()
    session_id, theme_id = Suggestion.objects.order_by("pk").values_list("session_id", "theme_id").first()
    export_rows = Suggestion.objects.filter(session_id=session_id, theme_id=theme_id).count()
    return [
        ("floor (1 SQL query → JSON)", "/bench/floor/", None),
        ("API suggestions list", "/api/v1/suggestions/", 25),
        (
            "API list dept+status+text",
            f"/api/v1/suggestions/?department={department.pk}&status=in_progress&q=%E8%80%81%E6%97%A7",
            25,
        ),
        ("API suggestion detail", f"/api/v1/suggestions/{suggestion.pk}/", 15),
        ("API stats overview", "/api/v1/stats/overview/", 100),
        ("API stats by department", "/api/v1/stats/by-department/", 100),
        ("HTML suggestion list", "/suggestions/", 40),
        ("HTML dashboard", "/dashboard/", 100),
        (
            f"Excel export (汇总表, one theme: {export_rows:,} rows)",
            f"/reports/suggestions.xlsx?session={session_id}&theme={theme_id}",
            None,
        ),
    ]


def staff_user():
    staff_group, _ = ensure_role_groups()
    user, created = get_user_model().objects.get_or_create(
        username="bench_staff", defaults={"is_staff": True}
    )
    user.groups.add(staff_group)
    return user


def measure_in_process(client: Client, path: str) -> tuple[int, float, float, int]:
    for _ in range(3):
        response = client.get(path)
    executed: list[str] = []
    with connection.execute_wrapper(
        lambda execute, sql, params, many, context: (
            executed.append(sql) or execute(sql, params, many, context)
        )
    ):
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    status = response.status_code
    times = []
    budget = time.perf_counter() + 15  # slow endpoints: at least 5 runs, at most ~15 s
    for _ in range(RUNS):
        if len(times) >= 5 and time.perf_counter() > budget:
            break
        start = time.perf_counter()
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return len(executed), statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], status


def start_gunicorn() -> subprocess.Popen:
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
    for _ in range(100):
        try:
            import urllib.request

            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/floor/", timeout=1)
            return process
        except Exception:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def worker_rss_mb(master: subprocess.Popen) -> float:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    total = 0.0
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total = max(total, int(line.split()[1]) / 1024)
    return total


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


def table(size: int, rows: list[tuple], rss: float | None) -> str:
    lines = [
        f"\n### {Suggestion.objects.count():,} suggestions, {Event.objects.count():,} events "
        f"(PostgreSQL, {os.cpu_count()} cores)\n",
        "| Endpoint | Queries | p50 ms | p95 ms | × floor | Target p50 | req/s (gunicorn, 1 worker) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    floor_p50 = rows[0][2]
    for name, queries, p50, p95, target, rps, status in rows:
        flag = "" if target is None or p50 <= target else " ✗"
        lines.append(
            f"| {name}{'' if status == 200 else f' (HTTP {status})'} | {queries} | {p50:.1f} | {p95:.1f} | "
            f"{p50 / floor_p50:.1f} | {'' if target is None else f'≤ {target}'}{flag} | "
            f"{'' if rps is None else f'{rps:.0f}'} |"
        )
    if rss is not None:
        lines.append(f"\nOne gunicorn worker after the run: {rss:.0f} MB resident.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-wrk", action="store_true")
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
    for size in sorted(args.sizes):
        have = Suggestion.objects.count()
        if have > size:
            print(f"the database already holds {have:,} suggestions: no table for {size:,}", flush=True)
            continue
        if have < size:
            print(f"generating {size - have:,} suggestions …", flush=True)
            call_command("generate_demo_load", suggestions=size - have, seed=size)
            if connection.vendor == "postgresql":
                # What autovacuum does to a loaded table: statistics for the planner and the visibility
                # map that lets index-only scans (list totals) skip the heap.
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM (ANALYZE)")
        server = None if args.no_wrk else start_gunicorn()
        rows = []
        try:
            for name, path, target in targets():
                client = api if path.startswith("/api/") else browser
                queries, p50, p95, status = measure_in_process(client, path)
                rps = None if server is None else throughput(path, token.key)
                rows.append((name, queries, p50, p95, target, rps, status))
                print(
                    f"  {name}: {queries} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms, {rps} req/s",
                    flush=True,
                )
            rss = worker_rss_mb(server) if server else None
        finally:
            if server:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
        output.append(table(size, rows, rss))
    print("\n".join(output))


if __name__ == "__main__":
    main()
