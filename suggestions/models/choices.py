"""The choices every model and door shares: statuses, roles, categories, verdicts, event kinds."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_ordinal(n: int) -> str:
    if 1 <= n <= 10:
        return CHINESE_NUMERALS[n - 1]
    if n < 20:
        return "十" + CHINESE_NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return CHINESE_NUMERALS[tens - 1] + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")


# ---------------------------------------------------------------------------
# Choices
# ---------------------------------------------------------------------------


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    REPLIED = "replied", _("已答复")
    REVIEW = "review", _("不满意待复核")
    CLOSED = "closed", pgettext_lazy("status", "办结")  # the state ("Closed"), not the step ("Close")
    WITHDRAWN = "withdrawn", _("已撤回")
    NOT_ACCEPTED = "not_accepted", _("不予受理")


OPEN_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)  # a reply is due
FINAL_STATUSES = (Status.CLOSED, Status.WITHDRAWN, Status.NOT_ACCEPTED)


class HandlerRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办")


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("待签收")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    REASSIGN_REQUESTED = "reassign_requested", _("申请调整")
    REPLACED = "replaced", _("已调整")


class ContactMethod(models.TextChoices):
    MEET = "meet", _("面商")
    VISIT = "visit", _("走访")
    FORUM = "forum", _("座谈")
    PHONE = "phone", _("电话")
    WRITTEN = "written", _("书面")


FACE_TO_FACE_METHODS = (ContactMethod.MEET, ContactMethod.VISIT, ContactMethod.FORUM)


class ProgressKind(models.TextChoices):
    PROGRESS = "progress", _("办理进度")
    FOLLOW_UP = "follow_up", _("跟踪落实")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("未同意")


class Category(models.TextChoices):
    A = "A", _("A类：所提问题已经解决或者基本解决")
    B = "B", _("B类：所提问题正在解决或者列入规划逐步解决")
    C = "C", _("C类：所提问题因目前条件限制或者其他原因需待以后解决")
    D = "D", _("D类：所提问题留作参考")


PROMISE_CATEGORIES = (Category.B, Category.C)


class Publication(models.TextChoices):
    UNPUBLISHED = "unpublished", _("未公开")
    FULL = "full", _("全文公开")
    TITLE_ONLY = "title_only", _("仅公开标题")


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class EventKind(models.TextChoices):
    REGISTER = "register", _("登记")
    ASSIGN = "assign", _("交办")
    ACKNOWLEDGE = "acknowledge", _("签收")
    REQUEST_REASSIGNMENT = "request_reassignment", _("申请调整")
    APPROVE_REASSIGNMENT = "approve_reassignment", _("同意调整")
    REJECT_REASSIGNMENT = "reject_reassignment", _("不同意调整")
    CONTACT = "contact", _("沟通联系")
    PROGRESS = "progress", _("办理进度")
    CO_OPINION = "co_opinion", _("协办意见")
    WAIVE_CO_OPINION = "waive_co_opinion", _("准予先行答复")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("同意延期")
    REJECT_EXTENSION = "reject_extension", _("不同意延期")
    REPLY = "reply", _("答复")
    RATE = "rate", _("评价")
    REHANDLE = "rehandle", _("重新办理")
    CLOSE = "close", _("办结")
    WITHDRAW = "withdraw", _("撤回")
    NOT_ACCEPT = "not_accept", _("不予受理")
    PUBLISH = "publish", _("公开答复")
    UNPUBLISH = "unpublish", _("撤销公开")
    FOLLOW_UP = "follow_up", _("跟踪落实")
    SUPERVISION = "supervision", _("重点督办")
    MERGE = "merge", _("并案办理")
    # corrections by staff or an import (suggestions/workflow/corrections.py)
    CORRECT_TEXT = "correct_text", _("更正建议")
    REPLACE_PROPOSERS = "replace_proposers", _("更正提出代表")
    CORRECT_REPLY = "correct_reply", _("更正答复")
    CORRECT_REFERENCE = "correct_reference", _("更正主题或代表")


# Events anyone may see on a suggestion's public timeline (without their private data).
PUBLIC_EVENT_KINDS = (
    EventKind.REGISTER,
    EventKind.ASSIGN,
    EventKind.APPROVE_REASSIGNMENT,
    EventKind.REPLY,
    EventKind.REHANDLE,
    EventKind.CLOSE,
    EventKind.WITHDRAW,
    EventKind.NOT_ACCEPT,
    EventKind.PUBLISH,
    EventKind.SUPERVISION,
)


def _choices_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)
