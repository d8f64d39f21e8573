"""What the suggestion pages say about where a suggestion stands and what comes next.

- ``step_bar``: 交办 → 签收 → 办理 → 答复 → 评价 → 办结, the current stage marked, with its deadline and
  the round; shown on every suggestion page to every role (internal deadlines only to staff, handlers
  and the dashboard).
- ``ordered_actions``: the steps the viewer may take by their declared ``weight`` (one primary, the
  others secondary, the warnings last), and whether staff take them on someone's behalf (代录).
- ``next_message``: the message after a step, saying what comes next and by when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suggestions import calendar
from suggestions.models import Assignment, HandlerRole, Reply, Status, Suggestion
from suggestions.policy import permissions

STAGES: list[tuple[str, object]] = [
    ("assign", gettext_lazy("交办")),
    ("acknowledge", gettext_lazy("签收")),
    ("handle", gettext_lazy("办理")),
    ("reply", gettext_lazy("答复")),
    ("rate", gettext_lazy("评价")),
    ("close", gettext_lazy("办结")),
]
# The stage a status is at (the stages before it are done); closed: every stage done.
CURRENT_STAGE = {
    Status.REGISTERED: 0,
    Status.ASSIGNED: 1,
    Status.IN_PROGRESS: 2,
    Status.REPLIED: 4,
    Status.REVIEW: 5,
    Status.CLOSED: len(STAGES),
}


@dataclass
class Stage:
    key: str
    label: str
    state: str  # "done", "current" or "todo"
    on: dt.date | None = None  # when a done stage happened


@dataclass
class StepBar:
    stages: list[Stage] = field(default_factory=list)
    stopped: str = ""  # withdrawn / not accepted: the bar is replaced by this line
    round: int = 1
    current_label: str = ""
    deadline_label: str = ""
    deadline: dt.date | None = None
    countdown: calendar.Countdown | None = None
    note: str = ""


def sees_internal_deadlines(user, suggestion: Suggestion) -> bool:
    """Staff, the suggestion's departments and the dashboard see the internal deadlines (签收, 公开)."""
    r = permissions.roles(user)
    return permissions.is_staff(user) or "dashboard" in r.names or permissions.is_handler(user, suggestion)


def step_bar(
    suggestion: Suggestion,
    *,
    today: dt.date,
    internal: bool,
    current_reply: Reply | None = None,
) -> StepBar:
    s = suggestion
    bar = StepBar(round=s.round)
    if s.status in (Status.WITHDRAWN, Status.NOT_ACCEPTED):
        bar.stopped = s.get_status_display()
        return bar
    current = CURRENT_STAGE.get(s.status, 0)
    lead = s.lead_assignment if s.status != Status.REGISTERED else None
    dates = {
        "assign": lead.assigned_on if lead else None,
        "acknowledge": lead.acknowledged_on if lead else None,
        "reply": current_reply.replied_on if current_reply else None,
    }
    for i, (key, label) in enumerate(STAGES):
        state = "done" if i < current else "current" if i == current else "todo"
        bar.stages.append(
            Stage(key=key, label=str(label), state=state, on=dates.get(key) if state == "done" else None)
        )
    if current < len(STAGES):
        bar.current_label = str(STAGES[current][1])
    if s.status == Status.ASSIGNED and lead and internal:
        bar.deadline_label, bar.deadline = _("签收期限"), lead.acknowledge_due
    elif s.status == Status.IN_PROGRESS:
        bar.deadline_label, bar.deadline = _("答复期限"), s.due_date
    elif s.status == Status.REPLIED and current_reply is not None:
        bar.deadline_label, bar.deadline = _("评价期限"), calendar.rating_due(current_reply.replied_on)
    elif s.status == Status.REVIEW:
        bar.note = _("领衔代表评价不满意，代表工委复核：重新办理或说明理由后办结。")
    elif s.status == Status.REGISTERED:
        bar.note = _("等待代表工委交办。")
    elif s.status == Status.CLOSED:
        bar.note = _("已办结。")
    if bar.deadline:
        bar.countdown = calendar.days_left(bar.deadline, today)
    return bar


# -- actions --------------------------------------------------------------------------------------------

# The steps a department or a delegate takes themselves; staff taking them act on their behalf (代录).
OWN: dict[str, Callable[[object, Suggestion], bool]] = {
    "acknowledge": permissions.is_handler,
    "request_reassignment": permissions.is_handler,
    "contact": permissions.is_handler,
    "progress": permissions.is_handler,
    "co_opinion": permissions.is_handler,
    "request_extension": permissions.is_lead_handler,
    "reply": permissions.is_lead_handler,
    "follow_up": permissions.is_lead_handler_any_round,
    "rate": permissions.is_proposer,
    "withdraw": permissions.is_lead_delegate,
}
WEIGHT_ORDER = {"primary": 0, "secondary": 1, "warning": 2}


@dataclass
class Action:
    step: object
    style: str  # "primary", "secondary" or "warning"
    on_behalf: bool


def on_behalf(user, step_name: str, suggestion: Suggestion) -> bool:
    own = OWN.get(step_name)
    return own is not None and permissions.is_staff(user) and not own(user, suggestion)


def ordered_actions(user, suggestion: Suggestion, steps) -> list[Action]:
    """The steps by weight: the first primary stays primary, the other primaries become secondary."""
    actions = []
    primary_taken = False
    for step in sorted(steps, key=lambda st: WEIGHT_ORDER.get(st.weight, 1)):
        style = step.weight if step.weight in WEIGHT_ORDER else "secondary"
        if style == "primary":
            style = "secondary" if primary_taken else "primary"
            primary_taken = True
        actions.append(Action(step=step, style=style, on_behalf=on_behalf(user, step.name, suggestion)))
    return actions


# -- what comes next ------------------------------------------------------------------------------------


def _lead_delegate_name(s: Suggestion) -> str:
    lead = s.lead_delegate
    return lead.name if lead else ""


def _lead_department(s: Suggestion) -> str:
    a = s.lead_assignment
    return a.department.name if a else ""


def next_message(step_name: str, label: str, s: Suggestion, result: object) -> str:
    """After a step: what was done, then what comes next and by when (the suggestion is reloaded)."""
    d = lambda day: day.strftime("%Y-%m-%d") if day else ""  # noqa: E731
    lead_delegate = _lead_delegate_name(s)
    if step_name == "assign":
        a = s.lead_assignment
        co = [x.department.name for x in s.current_assignments() if x.role == HandlerRole.CO]
        text = _("已交办%(dept)s主办。") % {"dept": _lead_department(s)}
        if co:
            text += _("协办：%(co)s。") % {"co": "、".join(co)}
        if a:
            text += _("请主办单位在 %(ack)s 前签收，%(due)s 前答复。") % {
                "ack": d(a.acknowledge_due),
                "due": d(s.due_date),
            }
        return text
    if step_name == "acknowledge":
        if isinstance(result, Assignment) and result.role == HandlerRole.CO:
            # The co-handler's opinion: due a month after assignment (no later than the lead's reply due).
            return _("已签收。请在 %(due)s 前提出协办意见（主办单位答复前）。") % {"due": d(result.due_date)}
        if s.status == Status.IN_PROGRESS and s.due_date:
            return _("已签收。请在 %(due)s 前答复；建议先与领衔代表%(name)s面商。") % {
                "due": d(s.due_date),
                "name": lead_delegate,
            }
        return _("已签收。请在主办单位答复前提出协办意见。")
    if step_name == "reply" and isinstance(result, Reply):
        return _("已答复。领衔代表%(name)s将在 %(due)s 前评价；答复须在 %(pub)s 前公开。") % {
            "name": lead_delegate,
            "due": d(calendar.rating_due(result.replied_on)),
            "pub": d(calendar.publication_due(result.replied_on)),
        }
    if step_name == "rate":
        if s.status == Status.REVIEW:
            return _("已评价为不满意。代表工委将复核，决定重新办理或说明理由后办结。")
        if s.status == Status.CLOSED:
            return _("感谢评价。建议已办结。")
        return _("感谢评价。")
    if step_name == "rehandle":
        return _("已转入第%(n)s轮办理。请%(dept)s在 %(due)s 前重新答复。") % {
            "n": s.round,
            "dept": _lead_department(s),
            "due": d(s.due_date),
        }
    if step_name == "contact":
        return _("已记录沟通。")
    if step_name == "close":
        return _("已办结。答复尚未公开的，请公开答复。")
    if step_name in ("not_accept", "withdraw"):
        return _("已完成「%(step)s」。此建议不再办理。") % {"step": label}
    return _("已完成「%(step)s」。") % {"step": label}
