"""The one declaration of each workflow step: from which states, who may, what the doors need.

A step is a workflow function decorated with ``@step(...)``. The decorator owns the transaction, locks
the suggestion row, checks who may act, from which state and what the records must show (``ready``,
raising its reason), then runs the function; it also registers the step in ``STEPS``, which every door
reads: the pages and the admin (``form``), the API (``input``),
the suggestion page's list of actions (``available``). Changing a rule is one edit, here or in the
function's decorator.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from suggestions.models import Status, Suggestion
from suggestions.policy import permissions
from suggestions.workflow.base import _check, _lock, _require_status


def _always(user, suggestion: Suggestion) -> bool:
    return True


def _why_not(check: Callable, answer) -> tuple[str, str]:
    """The reason and code of a ``ready`` check's "no": its own (``ready.No``) or its ``@why``'s."""
    return (
        str(getattr(answer, "why", "") or getattr(check, "why", "")),
        getattr(answer, "code", "") or getattr(check, "code", "not_ready"),
    )


@dataclass(frozen=True)
class Step:
    """One workflow step as every door sees it."""

    name: str  # the URL slug (/suggestions/N/<name>/) and the API action
    label: str  # what the button says (交办, 签收 …)
    run: Callable  # the workflow function: run(suggestion=…, by=…, **validated input)
    states: tuple[str, ...] | None  # the statuses it may be taken in (None: any)
    may: Callable[[object, Suggestion], bool]  # who may ever take it (policy.permissions.can_*)
    ready: Callable[[object, Suggestion], bool] = _always  # what the records must show first
    form: str = ""  # the pages' and admin's form (a dotted path: the workflow imports no door)
    input: str = ""  # the API's input serializer (a dotted path)
    shows_reply: bool = False  # the step's page shows the latest reply beside the form
    weight: str = "secondary"  # "primary", "secondary" or "warning" (a confirmation first)

    def allowed_now(self, suggestion: Suggestion) -> bool:
        return self.states is None or suggestion.status in self.states

    def available(self, user, suggestion: Suggestion) -> bool:
        """Offered to ``user`` now: the state fits, the role may, and the records are ready."""
        return self.allowed_now(suggestion) and self.may(user, suggestion) and self.ready(user, suggestion)

    def refusal(self, user, suggestion: Suggestion) -> str:
        """Why the step is not offered to ``user`` now, in a sentence (every refusal says why)."""
        if not self.allowed_now(suggestion):
            return _("建议当前状态为「%(status)s」，不能进行「%(step)s」。") % {
                "status": suggestion.get_status_display(),
                "step": self.label,
            }
        if not self.may(user, suggestion):
            return _("您不能进行「%(step)s」：这一步由其他角色或单位办理。") % {"step": self.label}
        reason = _why_not(self.ready, self.ready(user, suggestion))[0]
        return _("当前不能进行「%(step)s」：%(why)s") % {"step": self.label, "why": reason} if reason else ""

    def form_class(self):
        return import_string(self.form)

    def input_class(self):
        return import_string(self.input)


STEPS: dict[str, Step] = {}
# Steps no door lists as an action: corrections, taken from the admin's change forms and the importer
# (suggestions/workflow/corrections.py). Same declaration, same lock and checks; not in STEPS.
UNLISTED: dict[str, Step] = {}


def step(
    name: str,
    label: str,
    *,
    may: Callable[[object, Suggestion], bool],
    states: Sequence[str] | None,
    verb: str | None = None,
    ready: Callable[[object, Suggestion], bool] = _always,
    form: str = "",
    input: str = "",
    shows_reply: bool = False,
    weight: str = "secondary",
    listed: bool = True,
    also_locks: Callable[[int, dict], Sequence[int]] | None = None,
) -> Callable[[Callable], Callable]:
    """Declare a workflow step; ``verb`` words the refusal in a wrong state (default: the label).

    ``also_locks(suggestion_pk, kwargs)`` names the other suggestions a step writes to (并案办理): all the
    rows are then locked in id order, so two steps over the same pair cannot deadlock.

    A listed step is offered by every door and needs its ``form`` and ``input``; ``listed=False`` declares
    a step only the admin's change forms and the importer call (a correction): it goes to ``UNLISTED``.
    """
    allowed = tuple(states) if states is not None else None
    if listed and not (form and input):
        raise RuntimeError(f"workflow step {name!r}: a listed step names its form and input")
    registry = STEPS if listed else UNLISTED

    def declare(function: Callable) -> Callable:
        @functools.wraps(function)
        @transaction.atomic
        def run(*, suggestion: Suggestion | int, by, **kwargs):
            pk = suggestion.pk if isinstance(suggestion, Suggestion) else suggestion
            others = set(also_locks(pk, kwargs)) - {pk} if also_locks else set()
            locked = None
            for row in sorted({pk, *others}):
                if row == pk:
                    locked = _lock(suggestion)
                else:
                    list(Suggestion.objects.select_for_update().filter(pk=row).values_list("pk"))
            _check(may(by, locked))
            if allowed is not None:
                _require_status(locked, allowed, verb or label)
            answer = ready(by, locked)
            if not answer:
                reason, code = _why_not(ready, answer)
                field = getattr(ready, "field", "")
                raise ValidationError({field: reason} if field else reason, code=code)
            return function(suggestion=locked, by=by, **kwargs)

        if name in STEPS or name in UNLISTED:
            raise RuntimeError(f"workflow step {name!r} declared twice")
        registry[name] = Step(
            name=name,
            label=label,
            run=run,
            states=allowed,
            may=may,
            ready=ready,
            form=form,
            input=input,
            shows_reply=shows_reply,
            weight=weight,
        )
        return run

    return declare


def available_steps(user, suggestion: Suggestion) -> list[Step]:
    """The steps ``user`` may take on ``suggestion`` now, in the workflow's order."""
    r = permissions.roles(user)
    if not r.authenticated or r.names == ["dashboard"]:
        return []
    return [s for s in STEPS.values() if s.available(user, suggestion)]


ANY_BUT_WITHDRAWN = tuple(s for s in Status.values if s != Status.WITHDRAWN)
LIVE = tuple(s for s in Status.values if s not in (Status.WITHDRAWN, Status.NOT_ACCEPTED))
