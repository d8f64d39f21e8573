"""Which reminders are due today, and to whom (提醒规则). `run()` is the reminder pass: the task worker
runs it hourly (notifications/schedule.py, `run_reminders`) and `send_reminders` on demand.

The rules, with the deadlines of DOMAIN.md (suggestions/calendar.py, settings.TRACKER_DEADLINES):

| kind                           | when                                             | to                            |
|--------------------------------|--------------------------------------------------|-------------------------------|
| reply_due_soon / reply_overdue | a reply is due (已交办/办理中): within 15 days / past | the lead department's handlers; staff too when overdue |
| co_opinion_due_soon / _overdue | a co-handler's opinion is missing: within 15 days / past | that department's handlers |
| rating_request                 | the round's reply is filed (已答复)              | every proposer with an account, with a one-click rating link |
| rating_due_soon / _overdue     | the lead delegate has not rated: within 15 days of the 15-working-day limit / past | the lead delegate (link); staff too when overdue |
| publication_due_soon / _overdue| the round's reply is unpublished: within 15 days of the 20-working-day limit / past | staff |

Each reminder is sent once per deadline: the row's unique key is (kind, suggestion, round, recipient,
deadline), so running twice on a day, every hour, or two passes at once sends nothing twice, and a new
deadline (an approved extension, a reassignment, a re-handling round) gets its own reminder. Closed, withdrawn and not-accepted
suggestions get no handling reminder; the one exception is publication, a staff duty that outlives the
handling: a closed suggestion whose reply is still unpublished reminds staff to publish it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from departments.models import Department
from notifications.email import send_notification_email
from notifications.models import EmailStatus, Kind, Notification
from suggestions import calendar
from suggestions.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
    CoHandlerOpinion,
    HandlerRole,
    Proposer,
    Publication,
    Rating,
    Reply,
    Status,
    Suggestion,
)
from suggestions.policy.permissions import STAFF_GROUP


@dataclass(frozen=True)
class Reminder:
    kind: str
    suggestion_id: int
    round: int
    recipient_id: int
    due: dt.date | None
    key: str
    title: str
    message: str

    @property
    def identity(self) -> tuple:
        return (self.kind, self.suggestion_id, self.round, self.recipient_id, self.key)


@dataclass
class RunResult:
    found: int = 0
    created: int = 0
    queued: int = 0
    requeued: int = 0  # stuck in queued/sending too long, queued again
    by_kind: Counter = field(default_factory=Counter)


def staff_user_ids() -> list[int]:
    users = get_user_model().objects.filter(is_active=True)
    return list(
        users.filter(Q(is_superuser=True) | Q(groups__name=STAFF_GROUP))
        .values_list("pk", flat=True)
        .distinct()
    )


def members(department_ids: Iterable[int]) -> dict[int, list[int]]:
    """The active users of each department, by department id."""
    through = Department.members.through
    rows = through.objects.filter(department_id__in=set(department_ids), user__is_active=True)
    found: dict[int, list[int]] = defaultdict(list)
    for department_id, user_id in rows.values_list("department_id", "user_id").order_by("user_id"):
        found[department_id].append(user_id)
    return found


class _Collector:
    def __init__(self, today: dt.date, suggestion_ids: Iterable[int] | None, kinds: Iterable[str] | None):
        self.today = today
        self.horizon = today + dt.timedelta(days=calendar.rule("reminder_days"))
        self.suggestion_ids = None if suggestion_ids is None else list(suggestion_ids)
        self.kinds = set(kinds) if kinds is not None else set(Kind.values)
        self.found: list[Reminder] = []
        self._staff: list[int] | None = None

    # -- helpers ---------------------------------------------------------------------------------

    @property
    def staff(self) -> list[int]:
        if self._staff is None:
            self._staff = staff_user_ids()
        return self._staff

    def scoped(self, qs, field: str = "suggestion_id"):
        return qs if self.suggestion_ids is None else qs.filter(**{f"{field}__in": self.suggestion_ids})

    def add(
        self, kind: str, row: dict, recipients: Iterable[int], due: dt.date | None, title: str, message: str
    ):
        if kind not in self.kinds:
            return
        key = due.isoformat() if due else "-"
        for user_id in dict.fromkeys(recipients):
            self.found.append(Reminder(kind, row["id"], row["round"], user_id, due, key, title, message))

    def days_left(self, due: dt.date) -> int:
        return (due - self.today).days

    # -- the rules -------------------------------------------------------------------------------

    def replies_due(self) -> None:
        wanted = {Kind.REPLY_DUE_SOON, Kind.REPLY_OVERDUE, Kind.CO_OPINION_DUE_SOON, Kind.CO_OPINION_OVERDUE}
        if not self.kinds & wanted:
            return
        co_due = Assignment.objects.active().filter(
            role=HandlerRole.CO, round=F("suggestion__round"), due_date__lte=self.horizon
        )
        suggestions = {
            row["id"]: row
            for row in self.scoped(
                Suggestion.objects.filter(status__in=OPEN_STATUSES).filter(
                    Q(due_date__lte=self.horizon) | Q(pk__in=co_due.values("suggestion_id"))
                ),
                "pk",
            ).values("id", "number", "title", "round", "due_date")
        }
        if not suggestions:
            return
        assignments = list(
            Assignment.objects.active()
            .filter(suggestion_id__in=suggestions, round=F("suggestion__round"))
            .values("suggestion_id", "role", "department_id", "department__name", "due_date", "status")
            .annotate(has_opinion=Exists(CoHandlerOpinion.objects.filter(assignment=OuterRef("pk"))))
        )
        handlers_of = members(a["department_id"] for a in assignments)
        leads = {a["suggestion_id"]: a for a in assignments if a["role"] == HandlerRole.LEAD}
        for s in suggestions.values():
            if s["due_date"] > self.horizon:
                continue  # here for a co-handler's opinion only
            lead = leads.get(s["id"])
            handlers = handlers_of.get(lead["department_id"], []) if lead else []
            names = {"n": s["number"], "title": s["title"], "due": s["due_date"], "dept": _dept(lead)}
            if s["due_date"] < self.today:
                names["days"] = -self.days_left(s["due_date"])
                self.add(
                    Kind.REPLY_OVERDUE,
                    s,
                    [*handlers, *self.staff],
                    s["due_date"],
                    _("第%(n)s号建议答复已逾期（期限 %(due)s）") % names,
                    _("「%(title)s」由%(dept)s主办，答复期限 %(due)s 已过 %(days)s 天，请尽快答复。") % names,
                )
            else:
                names["days"] = self.days_left(s["due_date"])
                self.add(
                    Kind.REPLY_DUE_SOON,
                    s,
                    handlers,
                    s["due_date"],
                    _("第%(n)s号建议答复期限临近（%(due)s）") % names,
                    _("「%(title)s」由%(dept)s主办，答复期限为 %(due)s，还有 %(days)s 天，请按期答复。")
                    % names,
                )
        for a in assignments:
            if (
                a["role"] != HandlerRole.CO
                or a["has_opinion"]
                or a["status"] == AssignmentStatus.REASSIGN_REQUESTED
                or a["due_date"] > self.horizon
            ):
                continue
            s = suggestions[a["suggestion_id"]]
            names = {
                "n": s["number"],
                "title": s["title"],
                "due": a["due_date"],
                "dept": a["department__name"],
                "lead": _dept(leads.get(s["id"])),
            }
            overdue = a["due_date"] < self.today
            self.add(
                Kind.CO_OPINION_OVERDUE if overdue else Kind.CO_OPINION_DUE_SOON,
                s,
                handlers_of.get(a["department_id"], []),
                a["due_date"],
                (
                    _("第%(n)s号建议协办意见已逾期（期限 %(due)s）")
                    if overdue
                    else _("第%(n)s号建议协办意见期限临近（%(due)s）")
                )
                % names,
                (
                    _(
                        "「%(title)s」由%(dept)s协办，协办意见期限 %(due)s 已过，请尽快向主办单位%(lead)s提交。"
                    )
                    if overdue
                    else _("「%(title)s」由%(dept)s协办，请于 %(due)s 前向主办单位%(lead)s提交协办意见。")
                )
                % names,
            )

    def ratings_due(self) -> None:
        wanted = {Kind.RATING_REQUEST, Kind.RATING_DUE_SOON, Kind.RATING_OVERDUE}
        if not self.kinds & wanted:
            return
        replies = list(
            self.scoped(
                Reply.objects.filter(suggestion__status=Status.REPLIED, round=F("suggestion__round"))
            ).values(
                "suggestion_id",
                "round",
                "replied_on",
                "category",
                "department__name",
                "suggestion__number",
                "suggestion__title",
            )
        )
        if not replies:
            return
        ids = [r["suggestion_id"] for r in replies]
        proposers: dict[int, list[dict]] = defaultdict(list)
        for p in (
            Proposer.objects.filter(suggestion_id__in=ids, delegate__user__is_active=True)
            .values("suggestion_id", "position", "delegate_id", "delegate__user_id")
            .order_by("position")
        ):
            proposers[p["suggestion_id"]].append(p)
        rated = set(
            Rating.objects.filter(suggestion_id__in=ids).values_list("suggestion_id", "round", "delegate_id")
        )
        rating_due = functools.cache(calendar.rating_due)  # working days: one lookup per date per run
        for r in replies:
            row = {"id": r["suggestion_id"], "round": r["round"]}
            due = rating_due(r["replied_on"])
            names = {
                "n": r["suggestion__number"],
                "title": r["suggestion__title"],
                "dept": r["department__name"],
                "replied_on": r["replied_on"],
                "category": r["category"],
                "due": due,
            }
            waiting = [
                p
                for p in proposers[r["suggestion_id"]]
                if (r["suggestion_id"], r["round"], p["delegate_id"]) not in rated
            ]
            self.add(
                Kind.RATING_REQUEST,
                row,
                [p["delegate__user_id"] for p in waiting],
                r["replied_on"],
                _("第%(n)s号建议已答复，请评价") % names,
                _(
                    "「%(title)s」已由%(dept)s于 %(replied_on)s 答复（%(category)s类）。"
                    "请在 %(due)s 前对办理态度和办理结果作出评价。"
                )
                % names,
            )
            lead = [p["delegate__user_id"] for p in waiting if p["position"] == 1]
            if due < self.today:
                self.add(
                    Kind.RATING_OVERDUE,
                    row,
                    [*lead, *self.staff],
                    due,
                    _("第%(n)s号建议的答复尚未评价（期限 %(due)s）") % names,
                    _("「%(title)s」%(replied_on)s 的答复，领衔代表尚未评价，评价期限 %(due)s 已过。")
                    % names,
                )
            elif due <= self.horizon:
                self.add(
                    Kind.RATING_DUE_SOON,
                    row,
                    lead,
                    due,
                    _("第%(n)s号建议的答复请于 %(due)s 前评价") % names,
                    _("「%(title)s」已由%(dept)s于 %(replied_on)s 答复，评价期限为 %(due)s。") % names,
                )

    def publications_due(self) -> None:
        if not self.kinds & {Kind.PUBLICATION_DUE_SOON, Kind.PUBLICATION_OVERDUE}:
            return
        replies = (
            self.scoped(
                Reply.objects.filter(publication=Publication.UNPUBLISHED, round=F("suggestion__round"))
            )
            .exclude(suggestion__status__in=[Status.WITHDRAWN, Status.NOT_ACCEPTED])
            .values("suggestion_id", "round", "replied_on", "suggestion__number", "suggestion__title")
        )
        publication_due = functools.cache(calendar.publication_due)
        for r in replies:
            due = publication_due(r["replied_on"])
            if due > self.horizon:
                continue
            names = {
                "n": r["suggestion__number"],
                "title": r["suggestion__title"],
                "due": due,
                "replied_on": r["replied_on"],
            }
            overdue = due < self.today
            self.add(
                Kind.PUBLICATION_OVERDUE if overdue else Kind.PUBLICATION_DUE_SOON,
                {"id": r["suggestion_id"], "round": r["round"]},
                self.staff,
                due,
                (
                    _("第%(n)s号建议的答复公开已逾期（期限 %(due)s）")
                    if overdue
                    else _("第%(n)s号建议的答复待公开（期限 %(due)s）")
                )
                % names,
                _("「%(title)s」%(replied_on)s 的答复尚未公开，公开期限为 %(due)s。") % names,
            )


def _dept(assignment: dict | None) -> str:
    return assignment["department__name"] if assignment else _("（未定）")


def collect(
    today: dt.date | None = None,
    *,
    suggestion_ids: Iterable[int] | None = None,
    kinds: Iterable[str] | None = None,
) -> list[Reminder]:
    """The reminders due on `today` (all of them, including those already sent)."""
    collector = _Collector(today or timezone.localdate(), suggestion_ids, kinds)
    with translation.override(settings.LANGUAGE_CODE):
        collector.replies_due()
        collector.ratings_due()
        collector.publications_due()
    return collector.found


def create(reminders: list[Reminder]) -> list[Reminder]:
    """Store the reminders not stored yet; return those that are new."""
    if not reminders:
        return []
    existing = set(
        Notification.objects.filter(suggestion_id__in={r.suggestion_id for r in reminders}).values_list(
            "kind", "suggestion_id", "round", "recipient_id", "key"
        )
    )
    new = [r for r in reminders if r.identity not in existing]
    Notification.objects.bulk_create(
        [
            Notification(
                kind=r.kind,
                suggestion_id=r.suggestion_id,
                round=r.round,
                recipient_id=r.recipient_id,
                key=r.key,
                due_date=r.due,
                title=r.title[:200],
                message=r.message,
            )
            for r in new
        ],
        ignore_conflicts=True,  # a concurrent run stored the same reminder: the constraint keeps one
    )
    return new


def queue_emails() -> int:
    """Hand every notification whose e-mail is pending to the background worker, once."""
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_status=EmailStatus.PENDING)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.QUEUED, email_queued_at=timezone.now()
        )
    for pk in ids:
        send_notification_email.enqueue(notification_id=pk)
    return len(ids)


# An e-mail queued or sending for longer than this is taken for lost (the worker died with it).
STUCK_AFTER = dt.timedelta(hours=1)


def stuck_after() -> dt.timedelta:
    seconds = getattr(settings, "TRACKER_EMAIL_STUCK_SECONDS", None)
    return STUCK_AFTER if seconds is None else dt.timedelta(seconds=int(seconds))


def requeue_stuck_emails(*, now: dt.datetime | None = None) -> int:
    """Put back to pending the e-mails stuck in queued or sending for longer than `stuck_after()`.

    The next `queue_emails()` hands them to the worker again. Sent at most once all the same: the task
    claims its row (pending/queued → sending) before sending, so a second task for the same e-mail (the
    dead worker's, retried) finds the row claimed or sent and skips it.
    """
    cutoff = (now or timezone.now()) - stuck_after()
    return Notification.objects.filter(
        email_status__in=[EmailStatus.QUEUED, EmailStatus.SENDING], email_queued_at__lt=cutoff
    ).update(email_status=EmailStatus.PENDING, email_queued_at=None)


def run(
    *,
    today: dt.date | None = None,
    suggestion_ids: Iterable[int] | None = None,
    kinds: Iterable[str] | None = None,
    dry_run: bool = False,
    retry_failed: bool = False,
) -> RunResult:
    """Collect today's reminders, store the new ones (in-app) and queue their e-mails.

    ``retry_failed`` queues again the e-mails whose sending failed (the SMTP server was down); the others
    are sent at most once: an e-mail is queued again only when it has been stuck in queued or sending
    for longer than `stuck_after()` (the worker died), and the task's claim still sends it once.
    """
    requeued = 0 if dry_run else requeue_stuck_emails()
    reminders = collect(today, suggestion_ids=suggestion_ids, kinds=kinds)
    result = RunResult(found=len(reminders), requeued=requeued)
    if dry_run:
        result.by_kind.update(r.kind for r in reminders)
        return result
    if retry_failed:
        Notification.objects.filter(email_status=EmailStatus.FAILED).update(
            email_status=EmailStatus.PENDING, email_error="", email_queued_at=None
        )
    new = create(reminders)
    result.created = len(new)
    result.by_kind.update(r.kind for r in new)
    result.queued = queue_emails()
    return result
