"""Exports: the 汇总表 in Excel, the CSV of the list pages, each as its viewer may see it."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from suggestions import workflow
from suggestions.models import Publication
from tests import factories
from tests.reports.conftest import ago

pytestmark = pytest.mark.django_db

HEADERS = [
    "编号",
    "主题",
    "序号",
    "标题",
    "领衔代表",
    "联名代表",
    "主办单位",
    "协办单位",
    "答复期限",
    "答复日期",
    "答复分类",
    "文号",
    "签发人",
    "答复摘要",
    "见面方式",
    "办理态度评价",
    "办理结果评价",
    "代表意见",
    "状态",
    "办理轮次",
    "重点督办",
]


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def by_title(rows: list[dict]) -> dict[str, dict]:
    return {row["标题"]: row for row in rows}


def get_csv(client, query: str = "") -> list[dict]:
    response = client.get(reverse("reports:suggestions_csv") + query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return read_csv(response)


# ---------------------------------------------------------------------------
# The Excel 汇总表
# ---------------------------------------------------------------------------


def test_the_excel_summary_holds_the_known_data(client, report_case, staff):
    c = report_case
    client.force_login(staff)
    response = client.get(reverse("reports:suggestions_xlsx") + f"?session={c.s1.session_id}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    title, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]

    assert sheet.title == "汇总表"
    assert title[0] == f"{c.s1.session.name}代表建议办理情况汇总表（截至 {c.today.isoformat()}）"
    assert sheet["A1"].font.b and sheet["A1"].font.sz == 14
    assert rows[0] == HEADERS
    assert sheet.freeze_panes == "A3" and sheet["A2"].font.b
    assert sheet.auto_filter.ref == f"A2:{chr(ord('A') + len(HEADERS) - 1)}{len(rows) + 1}"
    assert sheet.print_title_rows == "$2:$2"  # the header repeats on every printed page
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.column_dimensions["D"].width == 30 and sheet.column_dimensions["A"].width == 6
    assert [r[0] for r in rows[1:]] == sorted(s.number for s in (c.s1, c.s2, c.s3, c.s4, c.s5, c.s6))

    table = {r[3]: r for r in rows[1:]}
    s1 = table["聚焦项目引建"]
    assert s1 == [
        c.s1.number,
        "一、关于增强产业发展硬实力方面",
        "一-1",
        "聚焦项目引建",
        c.s1.lead_delegate.name,
        c.s1.co_proposers[0].name,
        "太仓市发展和改革委员会",
        "太仓市交通运输局",
        s1[8],
        s1[9],
        "A",
        "太发改函〔2023〕12号",
        "张三",
        "经研究，答复如下：……",
        "面商",
        "满意",
        "满意",
        None,  # no comment
        "办结",
        1,
        "否",
    ]
    assert s1[8].date() == c.s1.due_date and s1[9].date() == ago(50)
    assert sheet.cell(row=rows.index(s1) + 2, column=9).number_format == "yyyy-mm-dd"

    s2 = table["推进以港强市"]  # re-handled: round 2 due date, round 1's reply and its 不满意 rating
    assert s2[8].date() == c.s2.due_date and s2[9].date() == ago(10)
    assert s2[10:] == [
        "B",
        "太发改函〔2023〕20号",
        "张三",
        "经研究，答复如下：……",
        None,  # by phone: no face-to-face meeting
        "基本满意",
        "不满意",
        "问题没有解决",
        "办理中",
        2,
        "否",
    ]

    s3 = table["完善交通路网"]
    assert s3[6:8] == ["太仓市交通运输局", None] and s3[9:] == [None] * 9 + ["办理中", 1, "是"]
    assert table["加强河道治理"][6:] == [None] * 12 + ["已登记", 1, "否"]
    assert table["优化营商环境"][18] == "已撤回"


def test_a_formula_like_title_stays_text(client, staff):
    factories.SuggestionFactory(title='=HYPERLINK("http://x")')
    client.force_login(staff)
    response = client.get(reverse("reports:suggestions_xlsx"))
    cell = load_workbook(io.BytesIO(response.content)).active["D3"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    [row] = get_csv(client)
    assert row["标题"].startswith("'=")


# ---------------------------------------------------------------------------
# CSV with the list's filters, by role
# ---------------------------------------------------------------------------


def test_the_csv_applies_the_list_filters(client, report_case, staff):
    client.force_login(staff)
    closed = get_csv(client, "?status=closed")
    assert sorted(r["标题"] for r in closed) == ["提升公共服务", "聚焦项目引建"]
    overdue = get_csv(client, "?overdue=true&page=3")  # the page number of the list is ignored
    assert [r["标题"] for r in overdue] == ["完善交通路网"]
    assert [r["标题"] for r in get_csv(client, "?q=河道")] == ["加强河道治理"]
    assert [r["标题"] for r in get_csv(client, "?key_supervision=true")] == ["完善交通路网"]
    assert list(closed[0].keys()) == HEADERS


def test_bad_filters_are_a_400_naming_the_field(client, report_case, staff):
    client.force_login(staff)
    response = client.get(reverse("reports:suggestions_csv") + "?status=nonsense")
    assert response.status_code == 400 and "status" in response.text
    response = client.get(reverse("reports:suggestions_xlsx") + "?due_before=2023-02-30")
    assert response.status_code == 400 and "due_before" in response.text
    assert client.get(reverse("reports:suggestions_csv") + "?scope=everything").status_code == 400


def test_the_public_export_holds_no_unpublished_reply_and_no_rating(client, report_case, staff):
    c = report_case
    public = by_title(get_csv(client))
    assert len(public) == 6
    for row in public.values():
        assert row["答复日期"] == row["答复分类"] == row["办理态度评价"] == row["办理结果评价"] == ""
    assert "13900" not in str(public)  # no contact data

    workflow.publish(suggestion=c.s1, mode=Publication.FULL, by=staff)
    workflow.publish(suggestion=c.s5, mode=Publication.TITLE_ONLY, by=staff)
    public = by_title(get_csv(client))
    assert (
        public["聚焦项目引建"]["答复日期"] == ago(50).isoformat()
        and public["聚焦项目引建"]["答复分类"] == "A"
    )
    assert public["聚焦项目引建"]["办理结果评价"] == ""  # ratings stay with those who follow the case
    assert (
        public["提升公共服务"]["答复日期"] == ago(5).isoformat() and public["提升公共服务"]["答复分类"] == ""
    )


def test_a_handler_exports_every_suggestion_and_the_handling_of_their_own(client, report_case, co_handler):
    client.force_login(co_handler)
    rows = by_title(get_csv(client))
    # Signed in, a handler sees at least what the public sees: every suggestion's row ...
    assert set(rows) == {
        "聚焦项目引建",
        "推进以港强市",
        "完善交通路网",
        "加强河道治理",
        "提升公共服务",
        "优化营商环境",
    }
    # ... and the handling record (the unpublished reply, the rating) of what its department handles:
    # 交通运输局 leads s3 and s5 and co-handles s1, not s2.
    assert rows["提升公共服务"]["答复分类"] == "C" and rows["提升公共服务"]["办理结果评价"] == "基本满意"
    assert rows["推进以港强市"]["答复分类"] == "" and rows["推进以港强市"]["代表意见"] == ""


def test_a_delegate_sees_their_own_details_and_the_public_part_of_others(client, report_case):
    c = report_case
    user = factories.delegate_user(c.s1.lead_delegate, username="s1_lead")
    client.force_login(user)
    rows = by_title(get_csv(client))
    assert len(rows) == 6
    assert rows["聚焦项目引建"]["答复分类"] == "A" and rows["聚焦项目引建"]["办理结果评价"] == "满意"
    assert rows["提升公共服务"]["答复分类"] == rows["提升公共服务"]["办理结果评价"] == ""


def test_the_dashboard_account_sees_everything(client, report_case, dashboard):
    client.force_login(dashboard)
    rows = by_title(get_csv(client))
    assert rows["推进以港强市"]["办理结果评价"] == "不满意"


# ---------------------------------------------------------------------------
# The scopes of the other list pages
# ---------------------------------------------------------------------------


def test_my_suggestions_export(client, report_case):
    user = factories.delegate_user(report_case.s3.lead_delegate, username="s3_lead")
    client.force_login(user)
    assert [r["标题"] for r in get_csv(client, "?scope=mine")] == ["完善交通路网"]


def test_my_suggestions_export_needs_a_delegate(client, report_case, lead_handler):
    client.force_login(lead_handler)
    assert client.get(reverse("reports:suggestions_csv") + "?scope=mine").status_code == 403


def test_the_inbox_export(client, report_case, lead_handler):
    client.force_login(lead_handler)
    assert [r["标题"] for r in get_csv(client, "?scope=inbox")] == ["推进以港强市"]  # open ones
    assert {r["标题"] for r in get_csv(client, "?scope=inbox&show=all")} == {
        "聚焦项目引建",
        "推进以港强市",
        "优化营商环境",
    }


def test_a_staff_queue_export(client, report_case, staff, lead_handler):
    client.force_login(staff)
    assert [r["标题"] for r in get_csv(client, "?scope=queue&queue=overdue")] == ["完善交通路网"]
    assert client.get(reverse("reports:suggestions_csv") + "?scope=queue&queue=nope").status_code == 404
    client.force_login(lead_handler)
    assert client.get(reverse("reports:suggestions_csv") + "?scope=queue&queue=overdue").status_code == 403


def test_the_delegates_list_has_contact_data_for_staff_only(client, report_case, staff):
    delegate = report_case.s1.lead_delegate
    rows = read_csv(client.get(reverse("reports:delegates_csv") + f"?q={delegate.name}"))
    assert [r["姓名"] for r in rows] == [delegate.name] and "联系电话" not in rows[0]
    assert rows[0]["领衔建议数"] == "1"
    client.force_login(staff)
    rows = read_csv(client.get(reverse("reports:delegates_csv") + f"?q={delegate.name}"))
    assert rows[0]["联系电话"] == delegate.phone


# ---------------------------------------------------------------------------
# The links on the list pages; the query count
# ---------------------------------------------------------------------------


def test_the_list_page_links_its_exports_with_its_query_string(client, report_case, staff):
    client.force_login(staff)
    page = client.get(reverse("suggestion_list") + "?status=closed&page=1").text
    assert 'href="/reports/suggestions.csv?status=closed"' in page
    assert 'href="/reports/suggestions.xlsx?status=closed"' in page
    queue = client.get(reverse("queue", args=["overdue"])).text
    assert "/reports/suggestions.csv?queue=overdue&amp;scope=queue" in queue
    detail = client.get(reverse("suggestion_detail", args=[report_case.s1.pk])).text
    assert "/reports/suggestions.csv" not in detail


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_takes_a_constant_number_of_queries(
    client, staff, lead_department, co_department, fmt, django_assert_max_num_queries
):
    for n in range(60):
        s = factories.SuggestionFactory(proposers__count=3)
        if n % 2:
            workflow.assign(suggestion=s, lead=lead_department, co_handlers=[co_department], by=staff)
    client.force_login(staff)
    with django_assert_max_num_queries(14):  # session, user, filters, 1 + 6 per chunk, the title row
        response = client.get(reverse(f"reports:suggestions_{fmt}"))
        body = b"".join(response.streaming_content) if fmt == "csv" else response.content
    # the xlsx: a title row, the header and 60 rows
    assert body.count(b"\n") > 60 if fmt == "csv" else len(load_workbook(io.BytesIO(body)).active["A"]) == 62
