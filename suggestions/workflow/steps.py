"""The one declaration of each workflow step: from which states, who may, what the doors need.

A step is a workflow function decorated with ``@step(...)``. The decorator owns the transaction, locks
the suggestion row, checks who may act and from which state, then runs the function; it also registers
the step in ``STEPS``, which every door reads: the pages and the admin (``form``), the API (``input``),
the suggestion page's list of actions (``available``). Changing a rule is one edit, here or in the
function's decorator.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.module_loading import import_string

from suggestions.models import Status, Suggestion
from suggestions.policy import permissions
from suggestions.workflow.base import _check, _lock, _require_status


def _always(user, suggestion: Suggestion) -> bool:
    return True


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

    def form_class(self):
        return import_string(self.form)

    def input_class(self):
        return import_string(self.input)


STEPS: dict[str, Step] = {}


def step(
    name: str,
    label: str,
    *,
    may: Callable[[object, Suggestion], bool],
    states: Sequence[str] | None,
    verb: str | None = None,
    ready: Callable[[object, Suggestion], bool] = _always,
    form: str,
    input: str,
    shows_reply: bool = False,
    weight: str = "secondary",
) -> Callable[[Callable], Callable]:
    """Declare a workflow step; ``verb`` words the refusal in a wrong state (default: the label)."""
    allowed = tuple(states) if states is not None else None

    def declare(function: Callable) -> Callable:
        @functools.wraps(function)
        @transaction.atomic
        def run(*, suggestion: Suggestion | int, by, **kwargs):
            locked = _lock(suggestion)
            _check(may(by, locked))
            if allowed is not None:
                _require_status(locked, allowed, verb or label)
            return function(suggestion=locked, by=by, **kwargs)

        if name in STEPS:
            raise RuntimeError(f"workflow step {name!r} declared twice")
        STEPS[name] = Step(
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
