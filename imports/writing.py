"""Writing an import's plan, inside `importer.apply`'s transaction.

New suggestions are registered by `workflow.register_many`; every correction of what a suggestion shows
(its texts and proposers, its theme's title, the session, a delegate) goes through
`suggestions/workflow/corrections.py`, which records the events. Remarks, which no suggestion shows,
follow the document exactly.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from delegates.models import Delegate
from imports.document import DeliberationError, Problem
from imports.planning import (
    CREATE,
    DELEGATE,
    DELETE,
    REMARK,
    SESSION,
    SUGGESTION,
    THEME,
    UPDATE,
    Plan,
    State,
    chunks,
)
from imports.rows import SuggestionRow
from suggestions import workflow
from suggestions.models import CongressSession, Remark, Suggestion, Theme

# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------

IMPORT_REASON = "导入审议情况汇总"


def write(plan: Plan, state: State, by, quote: Callable[[int], str]) -> None:
    rows = plan.rows

    # the session; corrections of what the suggestions show (session, themes, delegates, texts, proposers)
    # go through the workflow, which records them as events on the suggestions concerned
    reason = IMPORT_REASON
    if plan.of(SESSION, CREATE):
        state.session = CongressSession.objects.create(**vars(rows.session))
    for change in plan.of(SESSION, UPDATE):
        workflow.correct_session(
            session=change.target,
            name=rows.session.name,
            start_date=rows.session.start_date,
            end_date=rows.session.end_date,
            reason=reason,
            by=by,
        )
    session = state.session
    assert session is not None

    # themes (a handful: saved one by one, so their signals retire the cached filter choices)
    for change in plan.of(THEME, CREATE):
        state.themes[change.row.ordinal] = Theme.objects.create(
            session=session, ordinal=change.row.ordinal, title=change.row.title
        )
    for change in plan.of(THEME, UPDATE):
        workflow.correct_theme(theme=change.target, title=change.row.title, reason=reason, by=by)

    # delegates
    new_delegates = [Delegate(name=c.row.name, kind=c.row.kind) for c in plan.of(DELEGATE, CREATE)]
    Delegate.objects.bulk_create(new_delegates)
    for change in plan.of(DELEGATE, UPDATE):
        workflow.correct_delegate(delegate=change.target, kind=change.row.kind, reason=reason, by=by)
    if new_delegates:
        for chunk in chunks([d.name for d in new_delegates]):
            state.delegates.update((d.name, d) for d in Delegate.objects.filter(name__in=chunk))

    # suggestions: corrections first, then the new ones, registered (with their events) by the workflow
    for change in plan.of(SUGGESTION, UPDATE):
        suggestion: Suggestion = change.target
        row: SuggestionRow = change.row
        changed = {f.field for f in change.fields}
        if changed & {"title", "text"}:
            workflow.correct_text(
                suggestion=suggestion,
                title=row.title,
                text=row.text,
                reason=f"{reason}：{_('更正文字')}",
                by=by,
            )
        if "proposers" in changed:  # the plan allows it only while the suggestion is still registered
            workflow.replace_proposers(
                suggestion=suggestion,
                delegates=[state.delegates[name] for name in row.proposers],
                reason=f"{reason}：{_('更正提出代表')}",
                by=by,
            )
    new_suggestions = [
        workflow.NewSuggestion(
            theme=state.themes[row.theme],
            number=row.number,
            position=row.position,
            title=row.title,
            text=row.text,
            proposers=[state.delegates[name] for name in row.proposers],
        )
        for row in (c.row for c in plan.of(SUGGESTION, CREATE))
    ]
    if new_suggestions:
        try:
            workflow.register_many(session=session, suggestions=new_suggestions, by=by)
        except ValidationError as error:  # the plan checked all of this; a concurrent change did not
            raise DeliberationError(
                [Problem(0, "", _("建议无法登记：") + message) for message in error.messages]
            ) from None

    # remarks: the document is their only source, so they follow it exactly
    for change in plan.of(REMARK, DELETE):
        change.target.delete()
    for change in plan.of(REMARK, UPDATE):
        remark: Remark = change.target
        row = change.row
        remark.heading, remark.text = row.heading, row.text
        remark.save(update_fields=["heading", "text"])
        remark.delegates.set([state.delegates[name] for name in row.delegates])
    new_remarks = [c.row for c in plan.of(REMARK, CREATE)]
    if new_remarks:
        Remark.objects.bulk_create(
            Remark(
                session=session,
                part=r.part,
                section=r.section,
                position=r.position,
                heading=r.heading,
                text=r.text,
            )
            for r in new_remarks
        )
        ids = {
            (r.part, r.section, r.position): r.pk
            for r in Remark.objects.filter(session=session).only("id", "part", "section", "position")
        }
        through = Remark.delegates.through
        through.objects.bulk_create(
            through(remark_id=ids[r.part, r.section, r.position], delegate_id=state.delegates[name].pk)
            for r in new_remarks
            for name in r.delegates
        )
