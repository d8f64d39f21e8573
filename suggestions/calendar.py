"""Deadlines on China's official calendar: statutory holidays, 调休 working weekends, staff corrections."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass

import chinese_calendar
from django.conf import settings
from django.utils import timezone


def _corrections(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from suggestions.models import WorkdayCorrection

    return dict(WorkdayCorrection.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


def _official_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not cover yet: plain weekdays
        return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    """工作日: the official calendar, unless staff entered a correction for the day."""
    corrected = _corrections(day, day)
    return corrected.get(day, _official_workday(day))


def add_workdays(start: dt.date, workdays: int) -> dt.date:
    """The date `workdays` working days after `start` (start itself not counted)."""
    if workdays < 0:
        raise ValueError("workdays must not be negative")
    # Long holidays are at most 8 days in a row; 3x plus a margin covers any span.
    corrections = _corrections(start, start + dt.timedelta(days=workdays * 3 + 30))
    day, counted = start, 0
    while counted < workdays:
        day += dt.timedelta(days=1)
        if corrections.get(day, _official_workday(day)):
            counted += 1
    return day


def add_months(start: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's end (Jan 31 + 1 month = Feb 28)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, _calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def rule(name: str) -> int:
    return int(settings.TRACKER_DEADLINES[name])


def reply_due(assigned_on: dt.date) -> dt.date:
    return add_months(assigned_on, rule("reply_months"))


def latest_extension(assigned_on: dt.date) -> dt.date:
    return add_months(assigned_on, rule("extended_reply_max_months"))


def co_opinion_due(assigned_on: dt.date) -> dt.date:
    return add_months(assigned_on, rule("co_opinion_months"))


def acknowledge_due(assigned_on: dt.date) -> dt.date:
    return add_workdays(assigned_on, rule("acknowledge_workdays"))


def rating_due(replied_on: dt.date) -> dt.date:
    return add_workdays(replied_on, rule("rating_workdays"))


def rehandling_due(ordered_on: dt.date) -> dt.date:
    return add_months(ordered_on, rule("rehandling_months"))


def publication_due(replied_on: dt.date) -> dt.date:
    return add_workdays(replied_on, rule("publication_workdays"))


def reminder_days() -> int:
    return rule("reminder_days")


def today() -> dt.date:
    """Today in the app's time zone (``TIME_ZONE``): the date every deadline and every step reads."""
    return timezone.localdate()


@dataclass(frozen=True)
class Countdown:
    """Days until a due date, negative once it has passed (the shape includes/countdown.html reads)."""

    days: int

    @property
    def late(self) -> bool:
        return self.days < 0

    @property
    def abs_days(self) -> int:
        return abs(self.days)

    @property
    def soon(self) -> bool:
        return 0 <= self.days <= reminder_days()


def days_left(due: dt.date | None, on: dt.date) -> Countdown | None:
    """The countdown to ``due`` as seen on ``on`` (None without a due date)."""
    return None if due is None else Countdown((due - on).days)
