"""One small data set with a suggestion in every stage and an account for every role (browser tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User

from delegates.models import Delegate
from notifications.links import rating_path
from suggestions import workflow
from suggestions.models import Publication, Suggestion
from suggestions.policy.groups import ensure_role_groups
from suggestions.queries.queues import QUEUES
from tests import factories


@dataclass
class Scenario:
    staff: User
    handler: User
    co_handler: User
    delegate: User
    dashboard: User
    me: Delegate
    registered: Suggestion
    assigned: Suggestion
    reassign: Suggestion
    in_progress: Suggestion
    replied: Suggestion
    review: Suggestion
    queue_slug: str


def build() -> Scenario:
    ensure_role_groups()
    lead = factories.DepartmentFactory(name="太仓市发展和改革委员会", short_name="发展和改革委员会")
    co = factories.DepartmentFactory(name="太仓市交通运输局", short_name="交通运输局")
    staff = factories.staff_user(username="s_staff", first_name="代表工委")
    handler = factories.handler_user(lead, username="s_fagai", first_name="发改委经办人")
    co_handler = factories.handler_user(co, username="s_jiaotong", first_name="交通局经办人")
    dashboard = factories.dashboard_user(username="s_dashboard", first_name="大屏")
    me = factories.DelegateFactory(name="汪香元")
    other = factories.DelegateFactory(name="杨锐")
    delegate = factories.delegate_user(me, username="s_wang", first_name="汪香元")

    def new(title: str, text: str) -> Suggestion:
        return factories.SuggestionFactory(title=title, text=text, proposers=[me, other])

    registered = new("加强生态保护", "建议加强长江岸线生态保护。")
    assigned = new("建设口袋公园", "建议在老城区利用边角地建设口袋公园。")
    reassign = new("改善公交线网", "建议优化城区公交线网，方便群众出行。")
    in_progress = new("聚焦项目引建", "大抓项目、抓大项目，以项目建设牵引有效投资。")
    replied = new("优化营商环境", "建议进一步优化营商环境，提升政务服务效率。")
    review = new("完善综合交通", "建议加快推进综合交通体系建设。")
    for s in (assigned, reassign, in_progress, replied, review):
        workflow.assign(suggestion=s, lead=lead, co_handlers=[co], by=staff)
    # 签收 and 申请调整 wait on one; on another the co-handler asked to be replaced and the lead for more time.
    workflow.request_reassignment(suggestion=reassign, reason="该事项不属于本单位职责。", by=co_handler)
    workflow.acknowledge(suggestion=reassign, by=handler)
    reassign.refresh_from_db()
    workflow.request_extension(
        suggestion=reassign,
        requested_due=reassign.due_date + dt.timedelta(days=30),
        reason="需协调多个部门，申请延期一个月。",
        by=handler,
    )
    for s in (in_progress, replied, review):
        workflow.acknowledge(suggestion=s, by=handler)
        workflow.acknowledge(suggestion=s, by=co_handler)
    for s in (replied, review):
        factories.reply(s, handler, category="B", text="经研究，该项目正在推进，预计年底前完成前期工作。")
    workflow.publish(suggestion=replied, mode=Publication.FULL, by=staff)
    workflow.rate(
        suggestion=review,
        attitude="basically",
        result="unsatisfied",
        comment="项目推进时间过长，希望明确时间表。",
        by=delegate,
    )
    for s in (registered, assigned, reassign, in_progress, replied, review):
        s.refresh_from_db()
    return Scenario(
        staff=staff,
        handler=handler,
        co_handler=co_handler,
        delegate=delegate,
        dashboard=dashboard,
        me=me,
        registered=registered,
        assigned=assigned,
        reassign=reassign,
        in_progress=in_progress,
        replied=replied,
        review=review,
        queue_slug=next(iter(QUEUES)),
    )


def pages(sc: Scenario) -> dict[str, tuple[User | None, list[str]]]:
    """Each role's main pages, and every step page the scenario offers that role (its form, not a redirect)."""
    d = lambda s: f"/suggestions/{s.pk}/"  # noqa: E731
    # 免登录评价: the signed link of the notification e-mail, opened without a session.
    rating_link = rating_path(
        suggestion_id=sc.replied.pk, round=sc.replied.round, delegate_id=sc.me.pk, user_id=sc.delegate.pk
    )
    return {
        "public": (
            None,
            [
                "/",
                "/suggestions/",
                d(sc.replied),
                d(sc.in_progress),
                "/dashboard/",
                "/delegates/",
                f"/delegates/{sc.me.pk}/",
                "/accounts/login/",
                rating_link,
            ],
        ),
        "staff": (
            sc.staff,
            [
                "/",
                "/assign/",
                "/suggestions/",
                d(sc.registered),
                d(sc.in_progress),
                d(sc.review),
                d(sc.reassign),
                f"{d(sc.registered)}assign/",
                f"{d(sc.reassign)}approve_reassignment/",
                f"{d(sc.reassign)}reject_reassignment/",
                f"{d(sc.reassign)}approve_extension/",
                f"{d(sc.reassign)}reject_extension/",
                f"{d(sc.in_progress)}waive_co_opinion/",
                f"{d(sc.review)}publish/",
                f"{d(sc.review)}rehandle/",
                f"{d(sc.review)}close/",
                f"{d(sc.registered)}not_accept/",
                f"{d(sc.in_progress)}contact/",
                f"/queues/{sc.queue_slug}/",
                "/reports/supervision/",
                "/reports/report/",
                "/dashboard/",
                "/screen/",
                "/import/",
                "/delegates/",
                "/notifications/",
                "/accounts/tokens/",
                "/routing/repeated/",
            ],
        ),
        "handler": (
            sc.handler,
            [
                "/",
                "/inbox/",
                "/suggestions/",
                d(sc.in_progress),
                f"{d(sc.assigned)}acknowledge/",
                f"{d(sc.assigned)}request_reassignment/",
                f"{d(sc.in_progress)}request_extension/",
                f"{d(sc.in_progress)}contact/",
                f"{d(sc.in_progress)}reply/",
                f"{d(sc.in_progress)}progress/",
                "/notifications/",
            ],
        ),
        "co_handler": (
            sc.co_handler,
            [
                "/",
                "/inbox/",
                d(sc.in_progress),
                f"{d(sc.assigned)}acknowledge/",
                f"{d(sc.in_progress)}co_opinion/",
            ],
        ),
        "delegate": (
            sc.delegate,
            [
                "/",
                "/mine/",
                d(sc.replied),
                f"{d(sc.replied)}rate/",
                d(sc.review),
                d(sc.in_progress),
                f"/delegates/{sc.me.pk}/",
                "/notifications/",
            ],
        ),
        "dashboard": (
            sc.dashboard,
            [
                "/",
                "/dashboard/",
                "/screen/",
                "/reports/report/",
                "/reports/supervision/",
                "/suggestions/",
                d(sc.review),
            ],
        ),
    }
