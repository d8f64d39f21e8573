"""导入审议情况汇总: the database side of the deliberation importer.

`imports.deliberation` turns the document into a `Document` (pure Python); `imports.rows` maps it onto
model field values (`document_rows`, shared with `imports.fixture` so the Taicang fixture and an import
can never disagree); `imports.planning` compares those rows with the database (`plan`: no writes) and
`imports.writing` writes the difference, in one transaction (`apply`). This module is the entry point:
`plan`, `apply`, `import_text`, `describe`, and the types the doors use.

Rules of an import:
- objects are matched by their natural keys: the session by (term, meeting), a theme by its ordinal, a
  suggestion by its number, a delegate by name, a remark by (part, section, position);
- new suggestions are registered through `workflow.register_many`, so each has its 登记 event;
- an existing suggestion may have its title and text corrected (any status) and, while still registered,
  its proposers replaced; a theme's title, the session's name and dates and a delegate's kind may be
  corrected. Every correction goes through `suggestions/workflow/corrections.py`, which records an event
  (with before and after) on each suggestion concerned; status, assignments, replies and ratings are
  never touched;
- anything the import cannot do cleanly is a `Problem` with its line; one problem and nothing is written.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from imports.deliberation import DeliberationError, Document, Problem, parse
from imports.planning import (
    CREATE,
    DELETE,
    KINDS,
    UPDATE,
    Change,
    FieldChange,
    Group,
    Plan,
    Planner,
    load_state,
)
from imports.rows import Rows, document_rows
from imports.writing import IMPORT_REASON, write

__all__ = [
    "IMPORT_REASON",
    "KINDS",
    "Change",
    "FieldChange",
    "Group",
    "Plan",
    "Rows",
    "apply",
    "describe",
    "document_rows",
    "import_text",
    "plan",
]

# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def plan(document: Document | Rows, *, source: str | None = None) -> Plan:
    """What importing the document would create, change or delete; writes nothing.

    ``source`` (the document's text) lets problems quote their line.  Problems found against the database
    are in ``plan.problems``; `apply` refuses a plan with problems.
    """
    rows = document if isinstance(document, Rows) else document_rows(document)
    return Planner(rows, load_state(rows), source).run()


def apply(document: Plan | Document | Rows, *, by=None, source: str | None = None) -> Plan:
    """Import the document in one transaction; return the plan that was carried out.

    A `Plan` given here is only a carrier of its rows: the comparison is made again inside the transaction
    with the rows locked, so what is written matches the database at that moment (a second import of the
    same document changes nothing).  Raises `DeliberationError` (nothing written) when there is a problem,
    `PermissionDenied` when ``by`` may not register suggestions.
    """
    if isinstance(document, Plan):
        rows, source = document.rows, source or document.source
    else:
        rows = document if isinstance(document, Rows) else document_rows(document)
    try:
        with transaction.atomic():
            planner = Planner(rows, load_state(rows, lock=True), source)
            result = planner.run()
            if result.problems:
                raise DeliberationError(result.problems)
            write(result, planner.state, by, planner.quote)
    except ValidationError as error:  # a workflow check the plan did not foresee (a concurrent change)
        raise DeliberationError(
            [Problem(0, "", _("无法写入：") + message) for message in error.messages]
        ) from None
    except IntegrityError:
        raise DeliberationError(
            [Problem(0, "", _("写入时与其他修改冲突（可能有另一次导入同时进行），未写入任何数据，请重试。"))]
        ) from None
    return result


def import_text(text: str, *, by=None, dry_run: bool = False) -> Plan:
    """Parse a document's text and import it (or, with ``dry_run``, only plan it).

    Raises `DeliberationError` for any problem of the document or against the database (nothing written).
    """
    document = parse(text)
    if dry_run:
        result = plan(document, source=text)
        if result.problems:
            raise DeliberationError(result.problems)
        return result
    return apply(document, by=by, source=text)


def describe(plan: Plan, *, verbose: bool = True) -> list[str]:
    """The plan as text lines (the management command's output)."""
    lines = [f"{plan.session_name}：{plan.summary()}"]
    for group in plan.groups:
        counts = [
            (_("新建"), len(group.created)),
            (_("更新"), len(group.updated)),
            (_("删除"), len(group.deleted)),
            (_("未变"), group.unchanged),
        ]
        lines.append(f"  {group.label}：" + "，".join(f"{verb}{n}" for verb, n in counts if n))
    if verbose:
        marks = {CREATE: "+", UPDATE: "~", DELETE: "-"}
        for change in plan.changes:
            where = _("（第%(n)s行）") % {"n": change.line} if change.line else ""
            lines.append(f"{marks[change.action]} {change.kind_label} {change.label}{where}")
            if change.action == CREATE:
                continue
            for f in change.fields:
                if change.action == DELETE:
                    lines.append(f"    {f.label}：«{f.old}»")
                elif f.long:
                    lines.append(f"    {f.label}：{f.inline()}")
                else:
                    lines.append(f"    {f.label}：«{f.old}» → «{f.new}»")
    lines.extend(f"* {note}" for note in plan.notes)
    return lines
