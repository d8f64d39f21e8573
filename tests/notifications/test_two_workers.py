"""Two real `manage.py db_worker` processes on PostgreSQL: one reminder chain, nothing sent twice.

The test's data is committed (transactional_db) so the workers, started as an operator would start
them, see it: six suggestions overdue today, the e-mails of their 交办 notifications queued (each queued
twice, as a stuck e-mail queued again would be) and two extra `run_reminders` tasks besides the chain.
Every task is held back (run_after tomorrow) until both workers have started and each has made sure of
the chain; then all are released at once and the two workers race for them. E-mails go to files in one
directory (tests/notifications/worker_settings.py), so the messages of both processes are counted.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications import reminders, schedule
from notifications.email import send_notification_email
from notifications.models import EmailStatus, Kind, Notification, ReminderSchedule
from suggestions import workflow
from tests import factories
from tests.conftest import postgres_only

ROOT = Path(__file__).resolve().parents[2]
CHAIN = "notifications.schedule.run_reminders"
SEND = "notifications.email.send_notification_email"
SEPARATOR = "\n" + "-" * 79 + "\n"

pytestmark = [postgres_only, pytest.mark.postgres]


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"]) + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(worker_id: str, mail_dir: Path, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
        DATABASE_URL=database_url(),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="false",
        DJANGO_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        DJANGO_CONN_MAX_AGE="0",
        TRACKER_TEST_MAIL_DIR=str(mail_dir),
    )
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    command += ["--interval", "0.1", "--worker-id", worker_id]
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(condition, workers: dict[str, tuple[subprocess.Popen, Path]], what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not condition():
        for name, (process, log) in workers.items():
            assert process.poll() is None, f"worker {name} exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n" + "\n".join(
            f"--- {name}\n{log.read_text()}" for name, (_, log) in workers.items()
        )
        time.sleep(0.2)


def stop(workers: dict[str, tuple[subprocess.Popen, Path]]) -> None:
    for process, _ in workers.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # graceful: the task at hand is finished first
    for process, _ in workers.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def messages(mail_dir: Path) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_text(encoding="utf-8").split(SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_string(chunk, policy=email.policy.default))
    return found


@pytest.fixture
def live(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # as production


@pytest.fixture
def overdue(live, staff, lead_department, co_department, lead_handler, co_handler, with_emails):
    """Six suggestions assigned 200 days ago and acknowledged: today every reply and co-opinion is overdue."""
    for _ in range(6):
        s = factories.SuggestionFactory()
        on = timezone.localdate() - dt.timedelta(days=200)
        workflow.assign(suggestion=s, lead=lead_department, co_handlers=[co_department], on=on, by=staff)
        workflow.acknowledge(suggestion=s, by=lead_handler)
    due = reminders.collect()
    assert Counter(r.kind for r in due) == {Kind.REPLY_OVERDUE: 12, Kind.CO_OPINION_OVERDUE: 6}
    return due


@pytest.fixture
def workers(live, tmp_path):
    started: dict[str, tuple[subprocess.Popen, Path]] = {}
    yield started, tmp_path / "mail"
    stop(started)  # before the test database is flushed


def test_two_workers_run_one_chain_and_send_each_email_once(overdue, workers):
    started, mail_dir = workers
    assigned = list(Notification.objects.filter(kind=Kind.ASSIGNED).values_list("pk", flat=True))
    assert len(assigned) == 12  # lead and co-handler of six suggestions, their e-mails queued by the steps
    for pk in assigned:  # each queued a second time: the claim must still send it once
        send_notification_email.enqueue(notification_id=pk)
    extras = {str(schedule.run_reminders.enqueue().id) for _ in range(2)}
    tomorrow = timezone.now() + dt.timedelta(days=1)
    ReminderSchedule.objects.create(next_run_at=tomorrow)  # the chain's first pass, once made, waits too
    DBTaskResult.objects.update(run_after=tomorrow)

    for name in ("w1", "w2"):
        started[name] = (
            start_worker(name, mail_dir, mail_dir.parent / f"{name}.log"),
            mail_dir.parent / f"{name}.log",
        )
    wait_for(
        lambda: all("reminder pass scheduled" in log.read_text() for _, log in started.values()),
        started,
        "both workers to start",
    )
    chain = DBTaskResult.objects.filter(task_path=CHAIN).exclude(pk__in=extras)
    assert chain.count() == 1  # two workers made sure of the chain: one task
    assert ReminderSchedule.objects.get().task_id == str(chain.get().pk)

    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())  # release everything

    def done() -> bool:
        row = ReminderSchedule.objects.get()
        busy = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"], run_after__lte=timezone.now())
        unsent = Notification.objects.filter(
            email_status__in=[EmailStatus.PENDING, EmailStatus.QUEUED, EmailStatus.SENDING]
        )
        return row.last_finished_at is not None and not busy.exists() and not unsent.exists()

    wait_for(done, started, "the pass and every e-mail")
    stop(started)

    # One pass ran; the two extra enqueues did nothing; one successor waits an hour.
    results = {str(t.pk): t for t in DBTaskResult.objects.filter(task_path=CHAIN)}
    ran = [t for t in results.values() if t.status == "SUCCESSFUL" and "skipped" not in t.return_value]
    assert len(ran) == 1 and ran[0].return_value["created"] == len(overdue)
    assert all(results[pk].return_value == {"skipped": "not the scheduled pass"} for pk in extras)
    (successor,) = [t for t in results.values() if t.status == "READY"]
    assert ReminderSchedule.objects.get().task_id == str(successor.pk)
    assert successor.run_after > timezone.now() + dt.timedelta(minutes=50)
    assert not DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "READY"]).exists()

    # Each reminder stored once.
    stored = Notification.objects.exclude(kind=Kind.ASSIGNED)
    assert sorted(stored.values_list("kind", "suggestion_id", "round", "recipient_id", "key")) == sorted(
        r.identity for r in overdue
    )

    # Each e-mail sent once: one message per notification, every duplicate task skipped by the claim.
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
    expected = Counter(
        (n.recipient.email, f"[代表建议办理] {n.title}")
        for n in Notification.objects.select_related("recipient")
    )
    got = Counter((m["To"], m["Subject"]) for m in messages(mail_dir))
    assert got == expected and sum(got.values()) == 12 + len(overdue)
    sends = DBTaskResult.objects.filter(task_path=SEND)
    outcomes = Counter((t.args_kwargs["kwargs"]["notification_id"], t.return_value) for t in sends)
    for pk in assigned:
        assert outcomes[(pk, EmailStatus.SENT)] == 1 and outcomes[(pk, "skipped")] == 1

    # Both workers took part.
    assert {w for t in DBTaskResult.objects.all() for w in t.worker_ids} == {"w1", "w2"}
