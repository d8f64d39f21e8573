"""A small session whose statistics are worked out by hand (see `report_case`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from suggestions import workflow
from suggestions.models import Suggestion
from tests import factories


@dataclass
class Case:
    s1: Suggestion  # theme 1, lead A (co B): replied A on time, met face to face, rated 满意 → closed
    s2: Suggestion  # theme 1, lead A: replied B late, rated 不满意 → re-handled, round 2 in progress
    s3: Suggestion  # theme 2, lead B, 重点督办: acknowledged, never replied → overdue
    s4: Suggestion  # theme 2: registered only
    s5: Suggestion  # theme 2, lead B: replied C on time, rated 基本满意 → closed
    s6: Suggestion  # theme 1, lead A: withdrawn after assignment
    today: dt.date


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


@pytest.fixture
def report_case(staff, lead_department, co_department, lead_handler, co_handler) -> Case:
    session = factories.SessionFactory()
    theme1 = factories.ThemeFactory(session=session, ordinal=1, title="关于增强产业发展硬实力方面")
    theme2 = factories.ThemeFactory(session=session, ordinal=2, title="关于提升城市功能品质方面")
    A, B = lead_department, co_department

    def new(theme, position, title):
        return factories.SuggestionFactory(session=session, theme=theme, position=position, title=title)

    s1 = new(theme1, 1, "聚焦项目引建")
    s2 = new(theme1, 2, "推进以港强市")
    s6 = new(theme1, 3, "优化营商环境")
    s3 = new(theme2, 1, "完善交通路网")
    s4 = new(theme2, 2, "加强河道治理")
    s5 = new(theme2, 3, "提升公共服务")

    workflow.assign(suggestion=s1, lead=A, co_handlers=[B], on=ago(100), by=staff)
    workflow.acknowledge(suggestion=s1, by=lead_handler)
    workflow.log_contact(suggestion=s1, method="meet", contacted_on=ago(60), by=lead_handler)
    factories.reply(s1, lead_handler, category="A", replied_on=ago(50))
    workflow.rate(suggestion=s1, attitude="satisfied", result="satisfied", by=staff)  # 代录 for the lead

    workflow.assign(suggestion=s2, lead=A, on=ago(120), by=staff)
    workflow.acknowledge(suggestion=s2, by=lead_handler)
    workflow.log_contact(suggestion=s2, method="phone", contacted_on=ago(90), by=lead_handler)
    factories.reply(s2, lead_handler, category="B", replied_on=ago(10), doc_number="太发改函〔2023〕20号")
    workflow.rate(suggestion=s2, attitude="basically", result="unsatisfied", comment="问题没有解决", by=staff)
    workflow.rehandle(suggestion=s2, note="请重新办理", by=staff)

    workflow.assign(suggestion=s3, lead=B, on=ago(120), key_supervision=True, by=staff)
    workflow.acknowledge(suggestion=s3, by=co_handler)

    workflow.assign(suggestion=s5, lead=B, on=ago(10), by=staff)
    workflow.acknowledge(suggestion=s5, by=co_handler)
    factories.reply(s5, co_handler, category="C", replied_on=ago(5), doc_number="太交函〔2023〕5号")
    workflow.rate(suggestion=s5, attitude="basically", result="basically", by=staff)

    workflow.assign(suggestion=s6, lead=A, on=ago(30), by=staff)
    workflow.withdraw(suggestion=s6, reason="代表撤回", by=staff)

    for s in (s1, s2, s3, s4, s5, s6):
        s.refresh_from_db()
    return Case(s1, s2, s3, s4, s5, s6, timezone.localdate())
