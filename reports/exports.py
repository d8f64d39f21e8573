"""Exports: the 汇总表 (one row per suggestion) as Excel or CSV, and the delegates' list as CSV.

Every export reads `Suggestion.objects.visible_to(user).for_list()` narrowed by the list page's own scope
and the shared `SuggestionFilter`, so a file never holds a row its viewer could not open. Inside a row, the
viewer's role decides the columns' content: the handling record (unpublished replies, the delegates'
ratings) only for those who may follow the suggestion in detail (staff, the dashboard, its departments,
its proposers); everyone else gets the published replies only. Delegates' contact data is exported to
staff only (the delegates' list), never in the 汇总表.

The rows are read with `.iterator(chunk_size=...)`: a constant number of queries per chunk (the suggestions,
their proposers, assignments, replies and lead ratings), whatever the number of rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from delegates.models import Delegate
from suggestions import permissions
from suggestions.models import Publication, Rating, Reply, Status, Suggestion, Verdict

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
        Column(_("办理态度评价"), 10),
        Column(_("办理结果评价"), 10),
        Column(_("状态"), 10),
        Column(_("办理轮次"), 8, "int"),
        Column(_("重点督办"), 8),
    ]


def export_queryset(qs: QuerySet) -> QuerySet:
    """The `for_list()` shape plus the replies and lead ratings a row shows; the long text left out."""
    return (
        qs.for_list()
        .defer("text")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.only(
                    "id", "suggestion_id", "round", "category", "replied_on", "publication"
                ).order_by("round"),
                to_attr="export_replies",
            ),
            Prefetch(
                "ratings",
                queryset=Rating.objects.filter(is_lead=True)
                .only("id", "suggestion_id", "round", "attitude", "result")
                .order_by("round"),
                to_attr="export_lead_ratings",
            ),
        )
    )


def _reply_shown(s: Suggestion, details: bool) -> Reply | None:
    replies = s.export_replies if details else [r for r in s.export_replies if r.is_published]
    return replies[-1] if replies else None


def summary_rows(user, qs: QuerySet) -> Iterator[list]:
    """One list of cell values per suggestion (dates as dates, numbers as numbers)."""
    verdicts = dict(Verdict.choices)
    statuses = dict(Status.choices)
    yes, no = _("是"), _("否")
    for s in export_queryset(qs).iterator(chunk_size=CHUNK_SIZE):
        details = permissions.can_view_details(user, s)
        proposers = s.ordered_proposers()
        current = s.current_assignments()
        lead = next((a.department for a in current if a.is_lead), None)
        co = [a.department for a in current if not a.is_lead]
        reply = _reply_shown(s, details)
        rating = None
        if details and reply is not None:
            rating = next((r for r in s.export_lead_ratings if r.round == reply.round), None)
        show_category = reply is not None and (details or reply.publication == Publication.FULL)
        yield [
            s.number,
            str(s.theme),
            s.place,
            s.title,
            proposers[0].delegate.name if proposers else "",
            "、".join(p.delegate.name for p in proposers[1:]),
            lead.name if lead else "",
            "、".join(d.name for d in co),
            s.due_date,
            reply.replied_on if reply else None,
            reply.category if show_category else "",
            verdicts.get(rating.attitude, "") if rating else "",
            verdicts.get(rating.result, "") if rating else "",
            str(statuses.get(s.status, s.status)),
            s.round,
            yes if s.key_supervision else no,
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


def xlsx_bytes(title: str, columns: list[Column], rows: Iterable[list]) -> bytes:
    """A one-sheet workbook written row by row (openpyxl write-only): bold frozen header, set widths."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    centered = Alignment(horizontal="center", vertical="center", wrap_text=True)
    headers = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill, cell.alignment = header_font, header_fill, centered
        headers.append(cell)
    ws.append(headers)
    for row in rows:
        cells = []
        for column, value in zip(columns, row, strict=True):
            cell = WriteOnlyCell(ws, value=value)
            if column.kind == "date" and value is not None:
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        ws.append(cells)
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
