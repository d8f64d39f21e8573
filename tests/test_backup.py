"""`make backup` / `make restore` round-trip a database full of workflow data, and find it identical.

The scripts run as an operator would run them, in subprocesses against databases of their own: a fresh
database gets the Taicang data and a stretch of handling (every kind of record, a reply letter, an edit
with history, a deleted row leaving a gap in the ids), is backed up, restored into a second fresh
database, and both are dumped canonically (every row of every app, with its id) and compared, together
with the uploaded files. SQLite uses its online backup API (and its tables are compared raw as well:
every value as stored, to the microsecond); PostgreSQL pg_dump / pg_restore. A JSON backup written by an
earlier version (dumpdata) still restores.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import postgres_only

ROOT = Path(__file__).resolve().parent.parent

DRIVE = r"""
import datetime as dt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from delegates.models import Delegate
from departments.models import Department
from suggestions import workflow
from suggestions.models import Suggestion
from suggestions.policy.groups import ensure_role_groups

User = get_user_model()
staff_group, _ = ensure_role_groups()
staff = User.objects.create_user("bk_staff", password="x-Secret-2023", is_staff=True)
staff.groups.add(staff_group)
Token.objects.create(user=staff)
L = Department.objects.get(name="太仓市发展和改革委员会")
C = Department.objects.get(name="太仓市交通运输局")
handler = User.objects.create_user("bk_handler", password="x-Secret-2023")
L.members.add(handler)
co_handler = User.objects.create_user("bk_co", password="x-Secret-2023")
C.members.add(co_handler)
s = {n: Suggestion.objects.get(number=n) for n in range(1, 9)}
lead = {}
for n in (1, 2):
    d = s[n].lead_delegate
    d.user = User.objects.create_user(f"bk_delegate_{n}", password="x-Secret-2023")
    d.phone = f"1390000000{n}"
    d.save()
    lead[n] = d.user
Delegate.objects.filter(proposals__isnull=True, user__isnull=True).order_by("pk").first().delete()  # an id gap
for n in range(1, 7):
    workflow.assign(suggestion=s[n], lead=L, co_handlers=[C], by=staff)
for n in range(1, 6):
    workflow.acknowledge(suggestion=s[n], by=handler)
workflow.log_contact(suggestion=s[1], method="meet", notes="面商记录", by=handler)
workflow.add_progress(suggestion=s[1], text="正在办理", by=handler)
for n in range(1, 4):  # the lead replies once its co-handler's opinion is in
    workflow.give_co_opinion(suggestion=s[n], text="协办意见", by=co_handler)
s[2].refresh_from_db()
workflow.request_extension(
    suggestion=s[2], requested_due=s[2].due_date + dt.timedelta(days=20), reason="协调", by=handler
)
workflow.approve_extension(suggestion=s[2], by=staff)
workflow.request_reassignment(suggestion=s[4], reason="不属于本单位", department=C, by=co_handler)
letter = SimpleUploadedFile("答复函.pdf", b"%PDF-1.4\n% backup test\n%%EOF\n", content_type="application/pdf")
common = dict(
    doc_number="太发改函〔2023〕1号", signer="张三", contact_person="李四", contact_phone="0512-53500000", text="答复"
)
workflow.reply(suggestion=s[1], category="B", pdf=letter, by=handler, **common)
workflow.reply(suggestion=s[2], category="A", by=handler, **common)
workflow.reply(suggestion=s[3], category="C", by=handler, **common)
workflow.rate(suggestion=s[1], attitude="satisfied", result="satisfied", by=lead[1])
workflow.rate(suggestion=s[2], attitude="satisfied", result="unsatisfied", comment="未解决", by=lead[2])
workflow.rehandle(suggestion=s[2], note="重新办理", by=staff)
workflow.publish(suggestion=s[1], mode="full", by=staff)
workflow.follow_up(suggestion=s[1], text="落实中", by=handler)
workflow.withdraw(suggestion=s[6], reason="代表撤回", by=staff)
workflow.not_accept(suggestion=s[7], reason="不属于建议范围", by=staff)
workflow.set_key_supervision(suggestion=s[8], on=True, by=staff)
s[8].refresh_from_db()
s[8].title += "（更正）"
s[8]._history_user = staff
s[8].save()
LogEntry.objects.log_actions(
    user_id=staff.pk, queryset=[s[8]], action_flag=CHANGE, change_message="更正标题", single_object=True
)
print("driven")
"""


def environment(database_url: str, media: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        DJANGO_MEDIA_ROOT=str(media),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        PY=sys.executable,
    )
    return env


def run(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "manage.py", *args] if not args[0].startswith("scripts/") else list(args)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def canonical_dump(env: dict[str, str], out: Path) -> list[dict]:
    """Every row of every app with its id, sorted; content types and permissions are rebuilt by migrate."""
    run(
        env,
        "dumpdata",
        "--natural-foreign",
        "--exclude",
        "contenttypes",
        "--exclude",
        "auth.permission",
        "--exclude",
        "sessions",
        "--output",
        str(out),
    )
    rows = json.loads(out.read_text(encoding="utf-8"))
    return sorted(rows, key=lambda row: (row["model"], str(row["pk"])))


def files(media: Path) -> dict[str, bytes]:
    return {str(p.relative_to(media)): p.read_bytes() for p in sorted(media.rglob("*")) if p.is_file()}


def sqlite_tables(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, as SQLite stores it."""
    with sqlite3.connect(path) as db:
        names = [
            n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        return {n: db.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall() for n in names}


def round_trip(tmp_path: Path, url_a: str, url_b: str, backup: Path) -> list[dict]:
    a = environment(url_a, tmp_path / "media_a")
    b = environment(url_b, tmp_path / "media_b")
    run(a, "migrate", "--noinput", "-v0")
    run(a, "setup_demo", "--no-accounts")
    assert "driven" in run(a, "shell", "-v0", "-c", DRIVE)
    run(a, "check_invariants")

    written = run(a, "scripts/backup", str(backup)).strip().splitlines()
    assert written[-1] == str(backup) and backup.exists()
    assert Path(f"{backup}.media.tar.gz").exists()
    run(b, "scripts/restore", str(backup))

    before = canonical_dump(a, tmp_path / "a.json")
    after = canonical_dump(b, tmp_path / "b.json")
    models = {row["model"] for row in before}
    assert {
        "suggestions.suggestion",
        "suggestions.event",
        "suggestions.reply",
        "suggestions.rating",
        "suggestions.historicalsuggestion",
        "delegates.historicaldelegate",
        "authtoken.token",
        "admin.logentry",
    } <= models
    assert len(after) == len(before) > 400
    for row_before, row_after in zip(before, after, strict=True):
        assert row_after == row_before
    assert files(tmp_path / "media_b") == files(tmp_path / "media_a") != {}
    run(b, "check_invariants")
    return before


def test_sqlite_backup_and_restore_round_trip(tmp_path):
    before = round_trip(
        tmp_path,
        f"sqlite:///{tmp_path / 'a.sqlite3'}",
        f"sqlite:///{tmp_path / 'b.sqlite3'}",
        tmp_path / "backup.sqlite3",
    )
    tables = sqlite_tables(tmp_path / "a.sqlite3")
    assert sum(map(len, tables.values())) > 400
    assert sqlite_tables(tmp_path / "b.sqlite3") == tables

    # A backup written by an earlier version (dumpdata, timestamps to the millisecond) still restores.
    c = environment(f"sqlite:///{tmp_path / 'c.sqlite3'}", tmp_path / "media_c")
    run(c, "scripts/restore", str(tmp_path / "a.json"))
    to_ms = lambda rows: json.loads(re.sub(r"\.000Z", "Z", json.dumps(rows)))  # noqa: E731
    assert to_ms(canonical_dump(c, tmp_path / "c.json")) == to_ms(before)


@postgres_only
def test_postgresql_backup_and_restore_round_trip(tmp_path):
    settings = connection.settings_dict
    server = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    suffix = uuid.uuid4().hex[:8]
    names = [f"tracker_backup_a_{suffix}", f"tracker_backup_b_{suffix}"]

    def psql(sql: str) -> None:
        subprocess.run(
            ["psql", f"{server}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
            check=True,
            capture_output=True,
            env={**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""},
        )

    for name in names:
        psql(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
    try:
        round_trip(tmp_path, f"{server}/{names[0]}", f"{server}/{names[1]}", tmp_path / "backup.dump")
    finally:
        for name in names:
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("script", ["scripts/backup", "scripts/restore"])
def test_the_scripts_are_executable(script):
    assert os.access(ROOT / script, os.X_OK)
