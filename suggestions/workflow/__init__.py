"""THE write path: one function per workflow step (DOMAIN.md), used by the admin, pages, API, commands and tasks.

Each step is declared once with ``@step`` (``steps.py``): the states it may be taken in, who may take it,
what its records must show first (``ready.py``), and the form and input serializer the doors use. The
decorator owns the transaction, locks the suggestion row and checks the role and the state; the function
writes the change and records one immutable ``Event`` (``base.record``). Only ``ValidationError`` and
``PermissionDenied`` leave a step. Stages, in the order of the workflow:

    registration  登记            assignment  交办 · 签收 · 调整 · 并案办理
    handling      办理 · 延期      reply       答复 · 评价 · 重新办理 · 办结 · 撤回
    publication   公开 · 跟踪落实   corrections 更正 (texts, proposers, replies edited by staff)
"""

# The import order is the order of STEPS, the order in which the doors list the steps.
# isort: off
from suggestions.workflow.base import CONTACT_STATUSES, HANDLING_STATUSES, TRANSITIONS
from suggestions.workflow.registration import (
    NewSuggestion,
    check_registration,
    record_registration,
    register,
    register_many,
)
from suggestions.workflow.assignment import (
    acknowledge,
    approve_reassignment,
    assign,
    not_accept,
    reject_reassignment,
    request_reassignment,
    set_key_supervision,
)
from suggestions.workflow.merging import merge
from suggestions.workflow.handling import (
    add_progress,
    approve_extension,
    give_co_opinion,
    log_contact,
    reject_extension,
    request_extension,
    waive_co_opinion,
)
from suggestions.workflow.reply import close, rate, rehandle, reply, withdraw
from suggestions.workflow.publication import follow_up, publish, unpublish
from suggestions.workflow.corrections import (
    REPLY_TEXTS,
    check_proposers,
    correct_delegate,
    correct_reply,
    correct_session,
    correct_text,
    correct_theme,
    replace_proposers,
)
from suggestions.workflow.steps import STEPS, UNLISTED, Step, available_steps
# isort: on

__all__ = [
    "CONTACT_STATUSES",
    "HANDLING_STATUSES",
    "REPLY_TEXTS",
    "STEPS",
    "TRANSITIONS",
    "UNLISTED",
    "NewSuggestion",
    "Step",
    "acknowledge",
    "add_progress",
    "approve_extension",
    "approve_reassignment",
    "assign",
    "available_steps",
    "check_proposers",
    "check_registration",
    "close",
    "correct_delegate",
    "correct_reply",
    "correct_session",
    "correct_text",
    "correct_theme",
    "follow_up",
    "give_co_opinion",
    "waive_co_opinion",
    "log_contact",
    "merge",
    "not_accept",
    "publish",
    "rate",
    "record_registration",
    "register",
    "register_many",
    "rehandle",
    "replace_proposers",
    "reject_extension",
    "reject_reassignment",
    "reply",
    "request_extension",
    "request_reassignment",
    "set_key_supervision",
    "unpublish",
    "withdraw",
]
