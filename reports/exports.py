"""Exports: the 汇总表 (one row per suggestion) as Excel or CSV, and the delegates' list as CSV.

Every export reads `visible(Suggestion, user).for_list()` narrowed by the list page's own scope
and the shared `SuggestionFilter`, so a file never holds a row its viewer could not open. Inside a row, the
viewer's role decides the columns' content: the handling record (unpublished replies, the delegates'
ratings) only for those who may follow the suggestion in detail (staff, the dashboard, its departments,
its proposers); everyone else gets the published replies only, and of a reply the fields
`suggestions/policy/redaction.py` allows (no category for a title-only publication). Delegates' contact data is exported to
staff only (the delegates' list), never in the 汇总表.

The rows are streamed: the suggestions through one `.iterator()` query, and per chunk of 500 rows five value
queries (proposers, assignments, replies, lead ratings, which rows the viewer follows in detail), whatever the
number of rows; no model instances are built, so 10,000 rows take seconds and little memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from delegates.models import Delegate
from suggestions.models import (
    FACE_TO_FACE_METHODS,
    Assignment,
    CongressSession,
    ContactMethod,
    ContactRecord,
    HandlerRole,
    Proposer,
    Rating,
    Reply,
    Status,
    Verdict,
    chinese_ordinal,
)
from suggestions.policy import permissions, redaction, scoping

CHUNK_SIZE = 500


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    kind: str = "text"  # text | int | date


def summary_columns() -> list[Column]:
    """汇总表 columns, in the order the committee's office lays them out."""
    return [
        Column(_("编号"), 6, "int"),
        Column(_("主题"), 28),
        Column(_("序号"), 6),
        Column(_("标题"), 30),
        Column(_("领衔代表"), 10),
        Column(_("联名代表"), 24),
        Column(_("主办单位"), 22),
        Column(_("协办单位"), 28),
        Column(_("答复期限"), 12, "date"),
        Column(_("答复日期"), 12, "date"),
        Column(_("答复分类"), 8),
        Column(_("文号"), 22),
        Column(_("签发人"), 10),
        Column(_("答复摘要"), 40),
        Column(_("见面方式"), 12),
        Column(_("办理态度评价"), 10),
        Column(_("办理结果评价"), 10),
        Column(_("代表意见"), 30),
        Column(_("状态"), 10),
        Column(_("办理轮次"), 8, "int"),
        Column(_("重点督办"), 8),
    ]


SUMMARY_LENGTH = 80  # 答复摘要: the reply's first characters


def summary_heading(qs: QuerySet) -> str:
    """The 汇总表's title row: the sessions it covers and the day it was cut off."""
    names = list(
        CongressSession.objects.filter(pk__in=qs.order_by().values("session_id"))
        .order_by("term", "meeting")
        .values_list("name", flat=True)
    )
    return _("%(sessions)s代表建议办理情况汇总表（截至 %(day)s）") % {
        "sessions": "、".join(names),
        "day": timezone.localdate().isoformat(),
    }


SUGGESTION_FIELDS = (
    "pk",
    "number",
    "position",
    "theme__ordinal",
    "theme__title",
    "title",
    "status",
    "round",
    "due_date",
    "key_supervision",
)


@dataclass
class _Related:
    """What a chunk of rows shows besides the suggestions' own columns, read with plain value queries."""

    proposers: dict[int, list[str]]
    assignments: dict[int, list[tuple[int, str, str]]]  # (round, role, department name)
    # (round, category, replied_on, publication, doc_number, signer, the text's first characters)
    replies: dict[int, list[tuple[int, str, dt.date, str, str, str, str]]]
    lead_ratings: dict[int, dict[int, tuple[str, str, str]]]  # round -> (attitude, result, comment)
    meetings: dict[int, list[str]]  # the face-to-face contact methods used (见面方式)
    details: frozenset[int] | None  # the suggestions whose handling record the viewer may read; None = all


def _group(rows, key=lambda row: row[0]) -> dict:
    grouped: dict = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row[1:])
    return grouped


def _related(ids: list[int], detail_q) -> _Related:
    """Six queries for a chunk, whatever its size: proposers, assignments, replies, lead ratings,
    face-to-face contacts, details."""
    proposers = _group(
        Proposer.objects.filter(suggestion_id__in=ids)
        .order_by("suggestion_id", "position")
        .values_list("suggestion_id", "delegate__name")
    )
    assignments = _group(
        Assignment.objects.active()
        .filter(suggestion_id__in=ids)
        .order_by("suggestion_id", "role", "id")
        .values_list("suggestion_id", "round", "role", "department__name")
    )
    replies = _group(
        Reply.objects.filter(suggestion_id__in=ids)
        .order_by("suggestion_id", "round")
        .annotate(summary=Substr("text", 1, SUMMARY_LENGTH + 1))
        .values_list(
            "suggestion_id",
            "round",
            "category",
            "replied_on",
            "publication",
            "doc_number",
            "signer",
            "summary",
        )
    )
    lead_ratings: dict[int, dict[int, tuple[str, str, str]]] = defaultdict(dict)
    ratings = Rating.objects.filter(suggestion_id__in=ids, is_lead=True)
    for suggestion_id, round_, attitude, result, comment in ratings.values_list(
        "suggestion_id", "round", "attitude", "result", "comment"
    ):
        lead_ratings[suggestion_id][round_] = (attitude, result, comment)
    meetings = _group(
        ContactRecord.objects.filter(suggestion_id__in=ids, method__in=FACE_TO_FACE_METHODS)
        .order_by("suggestion_id", "method")
        .values_list("suggestion_id", "method")
        .distinct()
    )
    details = None
    if detail_q is not None:
        # permissions.detail_filter is the rule of can_view_details; every suggestion has proposers,
        # so its proposer rows carry every suggestion id the rule admits.
        details = frozenset(
            Proposer.objects.filter(detail_q, suggestion_id__in=ids).values_list("suggestion_id", flat=True)
        )
    return _Related(
        proposers={k: [name for (name,) in v] for k, v in proposers.items()},
        assignments=assignments,
        replies=replies,
        lead_ratings=lead_ratings,
        meetings={k: [method for (method,) in v] for k, v in meetings.items()},
        details=details,
    )


def _chunks(qs: QuerySet) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in qs.values_list(*SUGGESTION_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        chunk.append(row)
        if len(chunk) == CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def summary_rows(user, qs: QuerySet) -> Iterator[list]:
    """One list of cell values per suggestion (dates as dates, numbers as numbers), streamed.

    The for_list() data (session and theme, proposers, the current round's departments) plus the reply and
    the lead delegate's rating, read as plain values a chunk at a time: a constant number of queries per
    chunk and no model instances, so 10,000 rows stay fast and small.
    """
    verdicts = {k: str(v) for k, v in Verdict.choices}
    statuses = {k: str(v) for k, v in Status.choices}
    methods = {k: str(v) for k, v in ContactMethod.choices}
    yes, no = _("是"), _("否")
    detail_q = scoping.detail_filter(user)
    for chunk in _chunks(qs):
        related = _related([row[0] for row in chunk], detail_q)
        for pk, number, position, theme_ordinal, theme_title, title, status, round_, due, key in chunk:
            details = related.details is None or pk in related.details
            names = related.proposers.get(pk, [])
            current = [(role, name) for r, role, name in related.assignments.get(pk, []) if r == round_]
            # The latest reply the viewer may read, and of it what suggestions/policy/redaction.py allows.
            reply, readable = None, redaction.NOTHING
            for candidate in reversed(related.replies.get(pk, [])):
                readable = redaction.fields_for(details=details, publication=candidate[3])
                if readable:
                    reply = candidate
                    break
            rating = related.lead_ratings.get(pk, {}).get(reply[0]) if details and reply else None
            summary = reply[6] if "text" in readable else ""
            if len(summary) > SUMMARY_LENGTH:
                summary = summary[:SUMMARY_LENGTH] + "…"
            meetings = "、".join(methods[m] for m in related.meetings.get(pk, [])) if details else ""
            ordinal = chinese_ordinal(theme_ordinal)
            yield [
                number,
                f"{ordinal}、{theme_title}",
                f"{ordinal}-{position}",
                title,
                names[0] if names else "",
                "、".join(names[1:]),
                next((name for role, name in current if role == HandlerRole.LEAD), ""),
                "、".join(name for role, name in current if role == HandlerRole.CO),
                due,
                reply[2] if "replied_on" in readable else None,
                reply[1] if "category" in readable else "",
                reply[4] if "doc_number" in readable else "",
                reply[5] if "signer" in readable else "",
                summary,
                meetings,
                verdicts.get(rating[0], "") if rating else "",
                verdicts.get(rating[1], "") if rating else "",
                rating[2] if rating else "",
                statuses.get(status, status),
                round_,
                yes if key else no,
            ]


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value  # a spreadsheet must not run a cell as a formula (CSV injection)
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV lines for a StreamingHttpResponse; a BOM first so that Excel reads the Chinese as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers)
    for row in rows:
        yield writer.writerow([_csv_cell(v) for v in row])


def _text_cell(ws, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def xlsx_bytes(title: str, columns: list[Column], rows: Iterable[list], *, heading: str = "") -> bytes:
    """A one-sheet workbook written row by row (openpyxl write-only): an optional title row (`heading`),
    a bold frozen header with an autofilter, set widths, and a landscape print setup one page wide
    that repeats the header on every page."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    header_row = 2 if heading else 1
    ws.freeze_panes = f"A{header_row + 1}"  # write-only: the sheet's settings before its first row
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    if heading:
        cell = WriteOnlyCell(ws, value=heading)
        cell.font = Font(bold=True, size=14)
        ws.append([cell])
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    centered = Alignment(horizontal="center", vertical="center", wrap_text=True)
    headers = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill, cell.alignment = header_font, header_fill, centered
        headers.append(cell)
    ws.append(headers)
    last = header_row
    for row in rows:
        # Plain values are written as they are (a date gets openpyxl's yyyy-mm-dd format); only text that
        # looks like a formula is wrapped, so that Excel shows it and never runs it.
        ws.append([_text_cell(ws, v) if isinstance(v, str) and v.startswith("=") else v for v in row])
        last += 1
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{last}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# The delegates' list (代表名录)
# ---------------------------------------------------------------------------


def delegate_columns(with_contact: bool) -> list[Column]:
    columns = [
        Column(_("姓名"), 10),
        Column(_("身份"), 10),
        Column(_("领衔建议数"), 10, "int"),
        Column(_("联名建议数"), 10, "int"),
    ]
    if with_contact:
        columns += [
            Column(_("联系电话"), 16),
            Column(_("电子邮箱"), 24),
            Column(_("通讯地址"), 30),
            Column(_("工作单位及职务"), 30),
        ]
    return columns


def delegate_rows(user, q: str = "") -> tuple[list[Column], Iterator[list]]:
    """The delegates' list as the page shows it; contact data only for staff."""
    with_contact = permissions.roles(user).staff
    qs = Delegate.objects.annotate(
        led=Count("proposals", filter=Q(proposals__position=1)),
        joined=Count("proposals", filter=Q(proposals__position__gt=1)),
    ).order_by("name")
    if q:
        qs = qs.filter(name__icontains=q)

    def rows() -> Iterator[list]:
        for d in qs.iterator(chunk_size=CHUNK_SIZE):
            row = [d.name, str(d.get_kind_display()), d.led, d.joined]
            if with_contact:
                row += [d.phone, d.email, d.address, d.organization]
            yield row

    return delegate_columns(with_contact), rows()


def stamp() -> str:
    return timezone.localdate().isoformat()
