"""The importer (imports.importer): plan, apply, idempotence, corrections, validation, atomicity."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction

from delegates.models import Delegate, DelegateKind
from departments.models import Department
from imports import fixture, importer
from imports.deliberation import DeliberationError, parse, read_document
from suggestions import workflow
from suggestions.models import (
    Assignment,
    CongressSession,
    Event,
    EventKind,
    Rating,
    Remark,
    Reply,
    Status,
    Suggestion,
    Theme,
)
from suggestions.queries import remarks
from tests import factories
from tests.imports.conftest import (
    SOURCE_TEXT,
    docx_bytes,
    hard_wrap,
    ideographic_numbering,
    line_of,
    snapshot,
    suggestions_snapshot,
)

pytestmark = pytest.mark.django_db

ITEM_3 = "3.支持民企发展。王莉萍、宣秋兴代表建议研究制定民营企业家相关年度培训计划，依托协会等载体交流学习，促进本土中小企业发展。"


def import_source(text: str = SOURCE_TEXT, **kwargs) -> importer.Plan:
    return importer.import_text(text, **kwargs)


def nothing_written() -> bool:
    return not any(
        model.objects.exists() for model in (CongressSession, Theme, Delegate, Suggestion, Remark, Event)
    )


# ---------------------------------------------------------------------------
# One parsing path: the fixture is what the importer writes
# ---------------------------------------------------------------------------


def test_the_source_document_imports_to_exactly_the_fixture_data():
    with transaction.atomic():
        call_command("loaddata", "taicang_2023", verbosity=0)
        loaded = snapshot()
        transaction.set_rollback(True)
    assert nothing_written()

    plan = import_source()

    assert snapshot() == loaded
    assert plan.counts()["suggestion"]["create"] == 30
    assert (
        len(loaded["suggestions"]) == 30 and len(loaded["delegates"]) == 107 and len(loaded["remarks"]) == 57
    )


def test_the_fixture_and_the_importer_share_one_mapping():
    rows = importer.document_rows(fixture.load_source())
    built = fixture.build(fixture.load_source())
    suggestions = [o["fields"] for o in built if o["model"] == "suggestions.suggestion"]
    assert [(s["number"], s["title"], s["text"]) for s in suggestions] == [
        (r.number, r.title, r.text) for r in rows.suggestions
    ]
    remark_objects = [o for o in built if o["model"] == "suggestions.remark"]
    assert [o["pk"] for o in remark_objects] == list(range(1, len(rows.remarks) + 1))
    assert [[n for (n,) in o["fields"]["delegates"]] for o in remark_objects] == [
        list(r.delegates) for r in rows.remarks
    ]


def test_every_imported_suggestion_has_its_register_event():
    import_source()
    for s in Suggestion.objects.prefetch_related("events"):
        (event,) = s.events.all()
        assert (event.kind, event.from_status, event.to_status) == (
            EventKind.REGISTER,
            "registered",
            "registered",
        )


def test_remarks_are_imported_with_their_delegates():
    import_source()
    remark = Remark.objects.get(part=1, section=2, position=4)
    assert remark.heading == "坚定不移稳存量、拓增量，转型升级势头更足"
    assert remark.text.startswith("施敬代表、傅玖列席代表认为，今年引进注册资金2000万元以上产业项目246个")
    assert sorted(d.name for d in remark.delegates.all()) == ["傅玖", "施敬"]
    assert Delegate.objects.get(name="傅玖").kind == DelegateKind.ATTENDEE
    assert Remark.objects.filter(part=2).values("section").distinct().count() == 8


# ---------------------------------------------------------------------------
# Real-world copies import to the same data
# ---------------------------------------------------------------------------

WRAPPED_IN_NAMES = SOURCE_TEXT.replace("汪香元、杨锐代表建议", "汪香\n元、杨锐代\n表建议").replace(
    "吴敬宇代表、傅玖列席代表建议", "吴敬宇代表、傅\n玖列席\n代表建议"
)
VARIANTS = {
    "hard-wrapped at 13": (hard_wrap(SOURCE_TEXT, 13).encode("utf-8"), "summary.txt"),
    "wrapped inside names": (WRAPPED_IN_NAMES.encode("utf-8"), "summary.txt"),
    "gb18030": (SOURCE_TEXT.encode("gb18030"), "summary.txt"),
    "crlf with bom": (b"\xef\xbb\xbf" + SOURCE_TEXT.replace("\n", "\r\n").encode("utf-8"), "summary.txt"),
    "1、 numbering": (ideographic_numbering(SOURCE_TEXT).encode("utf-8"), "summary.txt"),
    "no blank lines": ("\n".join(x for x in SOURCE_TEXT.split("\n") if x.strip()).encode("utf-8"), "a.txt"),
    "docx": (docx_bytes(SOURCE_TEXT), "summary.docx"),
    "hard-wrapped docx": (docx_bytes(hard_wrap(SOURCE_TEXT, 21)), "summary.docx"),
}


@pytest.fixture(scope="module")
def reference() -> dict:
    rows = importer.document_rows(parse(SOURCE_TEXT))
    return {
        "suggestions": [
            (r.number, r.theme, r.position, r.title, r.text, r.proposers) for r in rows.suggestions
        ],
        "delegates": sorted((d.name, str(d.kind)) for d in rows.delegates),
    }


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_variants_import_to_the_same_suggestions_and_proposers(variant, reference):
    data, filename = VARIANTS[variant]
    import_source(read_document(data, filename))
    assert suggestions_snapshot() == reference["suggestions"]
    assert sorted(Delegate.objects.values_list("name", "kind")) == reference["delegates"]
    assert Remark.objects.count() == 57


def test_a_variant_after_the_source_changes_nothing():
    import_source()
    before = snapshot()
    plan = import_source(read_document(docx_bytes(hard_wrap(SOURCE_TEXT, 17)), "copy.docx"))
    assert not plan.has_changes
    assert snapshot() == before


# ---------------------------------------------------------------------------
# Idempotence and corrections
# ---------------------------------------------------------------------------


def test_importing_the_same_document_twice_changes_nothing():
    import_source()
    before = snapshot()
    history = Suggestion.history.count()
    updated = list(Suggestion.objects.order_by("number").values_list("updated_at", flat=True))

    plan = import_source()

    assert not plan.has_changes
    assert plan.unchanged == {"session": 1, "theme": 7, "delegate": 107, "suggestion": 30, "remark": 57}
    assert "没有需要导入的变化" in plan.summary()
    assert snapshot() == before
    assert Suggestion.history.count() == history
    assert list(Suggestion.objects.order_by("number").values_list("updated_at", flat=True)) == updated
    assert Event.objects.count() == 30


def _handled_suggestion_3(staff):
    """Take suggestion 3 through assignment, reply and rating, so that it has handling records."""
    lead = factories.DepartmentFactory(name="太仓市工业和信息化局")
    handler = factories.handler_user(lead, username="gxj")
    s3 = Suggestion.objects.get(number=3)
    workflow.assign(suggestion=s3, lead=lead, by=staff)
    workflow.acknowledge(suggestion=s3, by=handler)
    factories.reply(s3, handler, category="B")
    workflow.rate(
        suggestion=s3, attitude="satisfied", result="basically", delegate=s3.lead_delegate, by=staff
    )
    s3.refresh_from_db()
    return s3


def _handling_records(suggestion: Suggestion) -> dict:
    return {
        "suggestion": Suggestion.objects.filter(pk=suggestion.pk)
        .values("status", "round", "due_date", "key_supervision", "disclosure_consent")
        .get(),
        "assignments": list(Assignment.objects.filter(suggestion=suggestion).values()),
        "replies": list(Reply.objects.filter(suggestion=suggestion).values()),
        "ratings": list(Rating.objects.filter(suggestion=suggestion).values()),
        "events": list(Event.objects.filter(suggestion=suggestion).order_by("id").values()),
    }


def test_a_corrected_document_updates_only_the_changed_texts(staff):
    import_source()
    s3 = _handled_suggestion_3(staff)
    assert s3.status == Status.CLOSED
    records = _handling_records(s3)
    events = Event.objects.count()
    corrected = SOURCE_TEXT.replace("依托协会等载体交流学习", "依托行业协会等载体交流学习").replace(
        "2.推广拆迁经验。", "2.推广拆迁好经验。"
    )

    plan = import_source(corrected, by=staff)

    assert [(c.kind, c.action, c.row.number) for c in plan.changes] == [
        ("suggestion", "update", 3),
        ("suggestion", "update", 13),
    ]
    assert [f.field for f in plan.changes[0].fields] == ["text"]
    assert [(f.old, f.new) for f in plan.changes[1].fields] == [("推广拆迁经验", "推广拆迁好经验")]
    s3.refresh_from_db()
    assert s3.text == "研究制定民营企业家相关年度培训计划，依托行业协会等载体交流学习，促进本土中小企业发展。"
    assert Suggestion.objects.get(number=13).title == "推广拆迁好经验"
    after = _handling_records(s3)
    correction = after["events"].pop()
    assert after == records  # status, assignments, replies, ratings and earlier events untouched
    assert Event.objects.count() == events + 2  # one correction event per corrected suggestion
    assert (correction["kind"], correction["actor_id"], correction["note"]) == (
        EventKind.CORRECT_TEXT,
        staff.pk,
        "导入审议情况汇总：更正文字",
    )
    assert (correction["from_status"], correction["to_status"]) == (Status.CLOSED, Status.CLOSED)
    assert correction["data"]["changes"]["text"]["after"] == s3.text
    assert "依托协会等载体" in correction["data"]["changes"]["text"]["before"]
    assert set(correction["data"]["changes"]) == {"text"}
    latest = s3.history.first()
    assert latest.history_user == staff
    assert latest.history_change_reason == "导入审议情况汇总：更正文字"
    assert latest.text == s3.text

    again = import_source(corrected, by=staff)
    assert not again.has_changes


def test_changed_proposers_of_a_registered_suggestion_are_replaced():
    import_source()
    text = SOURCE_TEXT.replace("郑丙华代表建议加快老旧小区改造", "郑丙华、新代表甲代表建议加快老旧小区改造")
    history = Suggestion.history.count()

    plan = import_source(text)

    assert [(c.kind, c.action, c.label) for c in plan.changes] == [
        ("delegate", "create", "新代表甲"),
        ("suggestion", "update", "第14号（四-3）提质老旧小区"),
    ]
    s14 = Suggestion.objects.get(number=14)
    assert [p.delegate.name for p in s14.ordered_proposers()] == ["郑丙华", "新代表甲"]
    assert s14.history.first().history_change_reason == "导入审议情况汇总：更正提出代表"
    assert Suggestion.history.count() == history + 1
    registered, corrected = s14.events.order_by("id")
    assert registered.kind == EventKind.REGISTER
    assert corrected.kind == EventKind.REPLACE_PROPOSERS
    assert corrected.data["changes"]["proposers"] == {"before": ["郑丙华"], "after": ["郑丙华", "新代表甲"]}


def test_changed_proposers_of_an_assigned_suggestion_are_a_problem_and_nothing_is_written(
    staff, lead_department
):
    import_source()
    s3 = Suggestion.objects.get(number=3)
    workflow.assign(suggestion=s3, lead=lead_department, by=staff)
    before = snapshot()
    text = SOURCE_TEXT.replace(
        "聚焦项目引建。汪香元、杨锐代表建议大抓项目", "聚焦项目引建。汪香元、杨锐代表建议狠抓项目"
    )
    text = text.replace("王莉萍、宣秋兴代表建议研究制定", "王莉萍代表建议研究制定")

    with pytest.raises(DeliberationError) as error:
        import_source(text, by=staff)

    (problem,) = error.value.problems
    assert problem.line == line_of(text, "3.支持民企发展")
    assert problem.text.startswith("3.支持民企发展。王莉萍代表建议")
    assert "第3号建议的状态为“已交办”，不能通过导入更改提出代表（王莉萍、宣秋兴 → 王莉萍）" in problem.message
    assert snapshot() == before  # not even suggestion 1's correction


def test_a_suggestion_added_at_the_end_is_registered():
    import_source()
    text = SOURCE_TEXT.replace(
        "七是关于增强社会风险防范力方面（5条）", "七是关于增强社会风险防范力方面（6条）"
    ).replace(
        "并及时清理整顿。\n",
        "并及时清理整顿。\n6.新增建议标题。新代表乙、傅玖列席代表建议这是新增的一条建议的内容。\n",
    )

    plan = import_source(text)

    assert [(c.kind, c.action) for c in plan.changes] == [("delegate", "create"), ("suggestion", "create")]
    s31 = Suggestion.objects.get(number=31)
    assert (s31.place, s31.title, s31.status) == ("七-6", "新增建议标题", Status.REGISTERED)
    assert [p.delegate.name for p in s31.ordered_proposers()] == ["新代表乙", "傅玖"]
    assert s31.events.get().kind == EventKind.REGISTER


def test_a_suggestion_inserted_in_the_middle_is_a_problem():
    import_source()
    before = snapshot()
    text = SOURCE_TEXT.replace(
        "一是关于增强产业发展硬实力方面（4条）", "一是关于增强产业发展硬实力方面（5条）"
    ).replace(
        "形成本土独特运营管理模式。\n二是",
        "形成本土独特运营管理模式。\n5.插入的建议。张三代表建议插入的内容。\n二是",
    )
    with pytest.raises(DeliberationError) as error:
        import_source(text)
    first = error.value.problems[0]
    assert first.line == line_of(text, "5.插入的建议")
    assert "第5号建议在数据库中位于“二-1”，文档中位于“一-5”" in first.message
    assert snapshot() == before


def test_theme_title_session_dates_and_delegate_kind_are_updated():
    import_source()
    text = (
        SOURCE_TEXT.replace("二是关于增强对外合作影响力方面", "二是关于增强对外开放合作影响力方面")
        .replace("2023年1月3日至5日", "2023年1月3日至6日")
        .replace("傅玖列席代表", "傅玖代表")
    )
    plan = import_source(text)
    assert sorted((c.kind, c.action, c.label) for c in plan.changes) == [
        ("delegate", "update", "傅玖"),
        ("remark", "update", "一、（二）坚定不移稳存量、拓增量，转型升级势头更足 第4段"),
        ("remark", "update", "二、（七）突出安全提标，增强社会风险防范力 第1段"),
        ("session", "update", "市十七届人大二次会议"),
        ("theme", "update", "二、关于增强对外开放合作影响力方面"),
    ]
    session_change = next(c for c in plan.changes if c.kind == "session")
    assert [(f.field, f.old, f.new) for f in session_change.fields] == [
        ("end_date", "2023-01-05", "2023-01-06")
    ]
    assert Theme.objects.get(ordinal=2).title == "关于增强对外开放合作影响力方面"
    assert str(CongressSession.objects.get().end_date) == "2023-01-06"
    assert Delegate.objects.get(name="傅玖").kind == DelegateKind.DELEGATE
    # each correction is an event on every suggestion it shows on (the history, the data version)
    corrections = Event.objects.filter(kind=EventKind.CORRECT_REFERENCE)
    session_events = corrections.filter(data__what="session")
    assert session_events.count() == Suggestion.objects.count() == 30
    assert session_events.first().data["changes"] == {
        "end_date": {"before": "2023-01-05", "after": "2023-01-06"}
    }
    theme_events = corrections.filter(data__what="theme:2")
    assert sorted(e.suggestion.number for e in theme_events) == sorted(
        Suggestion.objects.filter(theme__ordinal=2).values_list("number", flat=True)
    )
    assert theme_events.first().data["changes"]["title"]["after"] == "关于增强对外开放合作影响力方面"
    fu_jiu = Delegate.objects.get(name="傅玖")
    delegate_events = corrections.filter(data__what="delegate:傅玖")
    assert {e.suggestion_id for e in delegate_events} == set(
        Suggestion.objects.filter(proposers__delegate=fu_jiu).values_list("pk", flat=True)
    )
    assert delegate_events.exists()
    assert {e.note for e in corrections} == {"导入审议情况汇总"}


def test_remarks_follow_the_document():
    import_source()
    text = SOURCE_TEXT.replace("杨庆、张杰代表表示，要锲而不舍", "杨庆代表表示，要锲而不舍").replace(
        "肖婷婷代表认为，要着力提供更多公共活动场地、文化类活动，如加大送戏下乡频次，满足百姓精神方面需求。",
        "",
    )
    plan = import_source(text)
    assert sorted((c.kind, c.action, c.label) for c in plan.changes) == [
        ("remark", "delete", "二、（六）突出幸福提升，增强民生服务保障力 第5段"),
        ("remark", "update", "二、（八）突出作风提效，增强干事创业凝聚力 第3段"),
    ]
    remark = Remark.objects.get(part=2, section=8, position=3)
    assert [d.name for d in remark.delegates.all()] == ["杨庆"]
    assert not Remark.objects.filter(part=2, section=6, position=5).exists()
    assert Delegate.objects.filter(name="张杰").exists()  # people are never deleted


# ---------------------------------------------------------------------------
# Validation: problems with their line, nothing written
# ---------------------------------------------------------------------------

BROKEN = {
    "wrong declared count": (
        SOURCE_TEXT.replace("三是关于增强转型升级驱动力方面（3条）", "三是关于增强转型升级驱动力方面（4条）"),
        "三是关于增强转型升级驱动力方面",
        "第三主题声明4条，实际找到3条",
    ),
    "numbering gap": (
        SOURCE_TEXT.replace("4.维护市容市貌", "5.维护市容市貌"),
        "5.维护市容市貌",
        "第四主题编号不连续：缺少第4条，直接出现第5条",
    ),
    "missing proposers": (
        SOURCE_TEXT.replace("2.鼓励企业创新。毛雅萍、李琳代表建议加大", "2.鼓励企业创新。加大"),
        "2.鼓励企业创新。加大",
        "第三主题第2条缺少提议代表",
    ),
    "not a name": (
        SOURCE_TEXT.replace("严海月、朱弇菁代表建议", "严海月，朱弇菁代表建议"),
        "4.推动文旅发展",
        "第一主题第4条缺少提议代表",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_documents_fail_with_the_right_line_and_write_nothing(case):
    text, needle, message = BROKEN[case]
    with pytest.raises(DeliberationError) as error:
        import_source(text)
    problem = next(p for p in error.value.problems if message in p.message)
    assert problem.line == line_of(text, needle)
    assert needle in problem.text
    assert nothing_written()


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_corrections_leave_an_imported_database_unchanged(case):
    import_source()
    before = snapshot()
    with pytest.raises(DeliberationError):
        import_source(BROKEN[case][0])
    assert snapshot() == before


def test_a_name_that_is_not_a_name_is_reported():
    text = SOURCE_TEXT.replace("查焱、胡静艺代表建议", "查焱、胡静艺ABC代表建议")
    with pytest.raises(DeliberationError) as error:
        import_source(text)
    (problem,) = error.value.problems
    assert problem.line == line_of(text, "4.打造文化品牌")
    assert "“胡静艺ABC”不像人名" in problem.message


def test_a_repeated_proposer_is_a_problem():
    text = SOURCE_TEXT.replace("汪香元、杨锐代表建议大抓项目", "汪香元、汪香元代表建议大抓项目")
    with pytest.raises(DeliberationError) as error:
        import_source(text)
    (problem,) = error.value.problems
    assert (problem.line, problem.message) == (
        line_of(text, "1.聚焦项目引建"),
        "第1号建议的提出代表重复：汪香元",
    )
    assert nothing_written()


def test_an_over_long_title_is_a_problem():
    long_title = "很长的标题" * 41
    text = SOURCE_TEXT.replace("1.聚焦项目引建。", f"1.{long_title}。")
    with pytest.raises(DeliberationError) as error:
        import_source(text)
    assert error.value.problems[0].line == line_of(text, long_title)
    assert "超过200个字" in error.value.problems[0].message
    assert nothing_written()


def test_plan_writes_nothing_and_reports_problems_without_raising(staff, lead_department):
    import_source()
    workflow.assign(suggestion=Suggestion.objects.get(number=1), lead=lead_department, by=staff)
    text = SOURCE_TEXT.replace("汪香元、杨锐代表建议大抓项目", "杨锐、汪香元代表建议大抓项目")
    plan = importer.plan(parse(text), source=text)
    assert [p.line for p in plan.problems] == [line_of(text, "1.聚焦项目引建")]
    assert [c.row.number for c in plan.changes] == [1]
    assert [p.delegate.name for p in Suggestion.objects.get(number=1).ordered_proposers()] == [
        "汪香元",
        "杨锐",
    ]


# ---------------------------------------------------------------------------
# apply() re-plans inside its transaction; permissions
# ---------------------------------------------------------------------------


def test_applying_a_stale_plan_does_not_import_twice():
    document = parse(SOURCE_TEXT)
    stale = importer.plan(document, source=SOURCE_TEXT)
    importer.apply(document)
    applied = importer.apply(stale)
    assert not applied.has_changes
    assert Suggestion.objects.count() == 30 and Event.objects.count() == 30


def test_only_staff_may_import(lead_handler):
    with pytest.raises(PermissionDenied):
        import_source(by=lead_handler)
    assert nothing_written()


def test_dry_run_writes_nothing():
    plan = import_source(dry_run=True)
    assert plan.counts()["suggestion"] == {"create": 30, "update": 0, "delete": 0, "unchanged": 0}
    assert nothing_written()


def test_describe_shows_the_old_and_new_text_of_a_change():
    import_source()
    text = SOURCE_TEXT.replace("强化金融稳定保障体系", "强化地方金融稳定保障体系")
    lines = importer.describe(importer.plan(parse(text), source=text))
    assert lines[0] == "市十七届人大二次会议：更新建议1。"
    assert f"~ 建议 第26号（七-1）加强风险防范（第{line_of(text, '1.加强风险防范')}行）" in lines
    assert (
        "    建议内容：«加强和完善现代金融监管，强化金融稳定保障体系。健全事故灾害防范应对体系，提高应对突发公共事件的能力。» → «加强和完善现代金融监管，强化地方金融稳定保障体系。健全事故灾害防范应对体系，提高应对突发公共事件的能力。»"
        in lines
    )


def test_a_long_text_change_is_shown_as_the_changed_fragment():
    old = "甲" * 50 + "强化金融稳定保障体系" + "乙" * 50
    change = importer.FieldChange("text", "建议内容", old, old.replace("强化金融", "强化地方金融"))
    assert change.long
    assert (
        change.inline() == "…甲甲甲甲甲甲甲甲甲甲强化{+地方+}金融稳定保障体系乙乙乙乙…"
    )  # 12 characters of context
    assert change.old_fragments == [("", old[:52]), ("", old[52:])]
    assert [op for op, _text in change.new_fragments] == ["", "ins", ""]


# ---------------------------------------------------------------------------
# Remarks: on the delegate's page and searchable (suggestions/remarks.py)
# ---------------------------------------------------------------------------


def test_remarks_for_a_delegate_and_remark_search():
    import_source()
    wang = Delegate.objects.get(name="汪香元")
    mine = list(remarks.remarks_for(wang))
    assert [(r.part, r.section) for r in mine] == [(1, 1), (2, 1), (2, 2), (2, 8)]
    assert mine[0].text.startswith("汪香元、王晓红代表认为")

    found = list(remarks.search_remarks("金融监管"))
    assert [(r.part, r.section, r.position) for r in found] == [(2, 7, 1)]
    assert [d.name for d in found[0].delegates.all()] == ["傅玖", "吴敬宇"]
    assert {r.pk for r in remarks.search_remarks("傅玖")} == {
        r.pk for r in remarks.remarks_for(Delegate.objects.get(name="傅玖"))
    }
    by_heading = remarks.search_remarks("增强产业发展硬实力")
    assert {(r.part, r.section) for r in by_heading} == {(2, 1)} and by_heading.count() == 4
    assert remarks.search_remarks("  ").count() == 0
    assert Department.objects.count() == 0  # the import creates no departments


# ---------------------------------------------------------------------------
# The benchmark's generated document (bench/import_bench.py) stays importable
# ---------------------------------------------------------------------------


def test_the_benchmark_document_imports():
    import importlib.util

    from django.conf import settings

    spec = importlib.util.spec_from_file_location(
        "import_bench", settings.BASE_DIR / "devtools" / "bench" / "import_bench.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    text = bench.generate(60, themes=7, people=50)

    plan = import_source(read_document(text.encode("gb18030"), "bench.txt"))

    assert plan.counts()["suggestion"]["create"] == 60
    assert [t.suggestions.count() for t in Theme.objects.order_by("ordinal")] == [9, 9, 9, 9, 8, 8, 8]
    assert Delegate.objects.filter(kind=DelegateKind.ATTENDEE).exists()
    assert not import_source(text).has_changes
