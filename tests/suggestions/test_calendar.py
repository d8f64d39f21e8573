"""suggestions/calendar.py: working days on China's official calendar, staff corrections, the deadline rules.

The expected dates were counted by hand from the State Council's 2023 holiday notices (国办发明电
〔2022〕16号): Spring Festival 1/21–1/27 with 1/28 (Sat) and 1/29 (Sun) worked; Mid-Autumn and
National Day 9/29–10/6 with 10/7 (Sat) and 10/8 (Sun) worked.
"""

from __future__ import annotations

import datetime as dt

import pytest

from suggestions import calendar
from suggestions.models import WorkdayCorrection

D = dt.date


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (D(2023, 1, 20), True),  # Friday before the Spring Festival
        (D(2023, 1, 21), False),  # 除夕 (Saturday)
        (D(2023, 1, 23), False),  # Monday, holiday
        (D(2023, 1, 27), False),  # Friday, holiday
        (D(2023, 1, 28), True),  # Saturday, 调休 working day
        (D(2023, 1, 29), True),  # Sunday, 调休 working day
        (D(2023, 2, 4), False),  # an ordinary Saturday
        (D(2023, 9, 29), False),  # 中秋节 (Friday)
        (D(2023, 10, 2), False),  # Monday, National Day holiday
        (D(2023, 10, 6), False),  # Friday, holiday
        (D(2023, 10, 7), True),  # Saturday, 调休
        (D(2023, 10, 8), True),  # Sunday, 调休
        (D(2023, 10, 9), True),
    ],
)
def test_is_workday_follows_the_official_calendar(db, day, workday):
    assert calendar.is_workday(day) is workday


def test_seven_working_days_across_the_2023_spring_festival(db):
    # assigned Wed 1/18: 1/19 (1), 1/20 (2), 1/21–1/27 holiday, 1/28 Sat (3), 1/29 Sun (4), 1/30 (5), 1/31 (6), 2/1 (7)
    assert calendar.add_workdays(D(2023, 1, 18), 7) == D(2023, 2, 1)
    assert calendar.acknowledge_due(D(2023, 1, 18)) == D(2023, 2, 1)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2023, 1, 18), 2, D(2023, 1, 20)),
        (D(2023, 1, 18), 3, D(2023, 1, 28)),  # the first 调休 Saturday is the next working day
        (D(2023, 1, 20), 1, D(2023, 1, 28)),
        (D(2023, 1, 21), 1, D(2023, 1, 28)),  # counting from inside the holiday
        (D(2023, 1, 27), 2, D(2023, 1, 29)),
        (D(2023, 1, 29), 1, D(2023, 1, 30)),
        (D(2023, 1, 18), 0, D(2023, 1, 18)),
    ],
)
def test_add_workdays_around_the_spring_festival(db, start, days, expected):
    assert calendar.add_workdays(start, days) == expected


def test_seven_working_days_across_national_day_2023(db):
    # assigned Wed 9/27: 9/28 (1), 9/29–10/6 holiday, 10/7 Sat (2), 10/8 Sun (3), 10/9 … 10/12 (7)
    assert calendar.acknowledge_due(D(2023, 9, 27)) == D(2023, 10, 12)
    assert calendar.add_workdays(D(2023, 9, 28), 1) == D(2023, 10, 7)


def test_rating_due_is_15_working_days(db):
    # replied 9/20: 9/21, 9/22, 9/25, 9/26, 9/27, 9/28 (6), 10/7, 10/8 (8), 10/9–10/13 (13), 10/16, 10/17 (15)
    assert calendar.rating_due(D(2023, 9, 20)) == D(2023, 10, 17)


def test_publication_due_is_20_working_days(db):
    # replied 1/10: 1/11–1/13 (3), 1/16–1/20 (8), 1/28, 1/29 (10), 1/30–2/3 (15), 2/6–2/10 (20)
    assert calendar.publication_due(D(2023, 1, 10)) == D(2023, 2, 10)


def test_a_staff_correction_turns_a_working_day_into_a_holiday(db):
    WorkdayCorrection.objects.create(date=D(2023, 1, 19), is_workday=False, note="台风停工")
    assert calendar.is_workday(D(2023, 1, 19)) is False
    assert calendar.acknowledge_due(D(2023, 1, 18)) == D(2023, 2, 2)


def test_a_staff_correction_turns_a_weekend_into_a_working_day(db):
    WorkdayCorrection.objects.create(date=D(2023, 1, 21), is_workday=True, note="补班")
    assert calendar.is_workday(D(2023, 1, 21)) is True
    # 1/19, 1/20, 1/21 (corrected), 1/28, 1/29, 1/30, 1/31
    assert calendar.acknowledge_due(D(2023, 1, 18)) == D(2023, 1, 31)


def test_a_correction_far_into_a_long_count_is_seen(db):
    assert calendar.publication_due(D(2023, 1, 10)) == D(2023, 2, 10)
    WorkdayCorrection.objects.create(date=D(2023, 2, 6), is_workday=False)
    assert calendar.publication_due(D(2023, 1, 10)) == D(2023, 2, 13)


def test_corrections_outside_the_count_do_not_matter(db):
    WorkdayCorrection.objects.create(date=D(2023, 1, 18), is_workday=False)  # the start is not counted
    WorkdayCorrection.objects.create(date=D(2023, 3, 1), is_workday=False)
    assert calendar.acknowledge_due(D(2023, 1, 18)) == D(2023, 2, 1)


def test_years_the_package_does_not_cover_count_plain_weekdays(db):
    start = D(2099, 3, 2)  # a Monday
    assert start.weekday() == 0
    assert calendar.add_workdays(start, 5) == D(2099, 3, 9)
    assert calendar.is_workday(D(2099, 3, 7)) is False  # Saturday


def test_negative_working_days_are_refused(db):
    with pytest.raises(ValueError):
        calendar.add_workdays(D(2023, 1, 18), -1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2023, 1, 31), 1, D(2023, 2, 28)),  # clamped
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2023, 1, 18), 3, D(2023, 4, 18)),
        (D(2023, 8, 31), 3, D(2023, 11, 30)),
        (D(2023, 11, 30), 3, D(2024, 2, 29)),  # across the year end, clamped to the leap day
        (D(2023, 12, 15), 1, D(2024, 1, 15)),
        (D(2023, 3, 31), 6, D(2023, 9, 30)),
        (D(2023, 7, 31), 6, D(2024, 1, 31)),
        (D(2023, 5, 10), 0, D(2023, 5, 10)),
        (D(2023, 5, 10), 12, D(2024, 5, 10)),
    ],
)
def test_add_months(start, months, expected):
    assert calendar.add_months(start, months) == expected


def test_the_month_rules():
    assert calendar.reply_due(D(2023, 1, 18)) == D(2023, 4, 18)  # 3 months
    assert calendar.latest_extension(D(2023, 1, 18)) == D(2023, 7, 18)  # 6 months at most
    assert calendar.co_opinion_due(D(2023, 1, 31)) == D(2023, 2, 28)  # 1 month, clamped
    assert calendar.rehandling_due(D(2023, 5, 31)) == D(2023, 6, 30)  # 1 month, clamped


def test_the_rules_come_from_settings(db, settings):
    settings.TRACKER_DEADLINES = {
        **settings.TRACKER_DEADLINES,
        "reply_months": 2,
        "extended_reply_max_months": 4,
        "acknowledge_workdays": 5,
        "rating_workdays": 10,
    }
    assert calendar.reply_due(D(2023, 1, 18)) == D(2023, 3, 18)
    assert calendar.latest_extension(D(2023, 1, 18)) == D(2023, 5, 18)
    assert calendar.acknowledge_due(D(2023, 1, 18)) == D(2023, 1, 30)
    assert calendar.rating_due(D(2023, 9, 20)) == D(2023, 10, 10)


def test_the_default_rules_are_those_of_the_domain(settings):
    assert settings.TRACKER_DEADLINES == {
        "reply_months": 3,
        "extended_reply_max_months": 6,
        "co_opinion_months": 1,
        "acknowledge_workdays": 7,
        "rating_workdays": 15,
        "rehandling_months": 1,
        "publication_workdays": 20,
        "reminder_days": 15,
    }
