"""The staff upload page: upload → review the changes → confirm (suggestions/import_views.py)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from imports import importer
from imports.views import SESSION_KEY
from suggestions import workflow
from suggestions.models import Event, Suggestion
from tests.imports.conftest import SOURCE_TEXT, docx_bytes, line_of

pytestmark = pytest.mark.django_db

UPLOAD, REVIEW, CONFIRM = reverse("import_upload"), reverse("import_review"), reverse("import_confirm")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def txt(text: str = SOURCE_TEXT, name: str = "summary.txt", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/plain")


def upload(client: Client, file: SimpleUploadedFile):
    return client.post(UPLOAD, {"file": file})


def digest(client: Client) -> str:
    return client.session[SESSION_KEY]["digest"]


@pytest.fixture
def staff_client(staff) -> Client:
    return client_for(staff)


def test_anonymous_users_are_sent_to_log_in():
    for url in (UPLOAD, REVIEW):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"]
    assert Client().post(CONFIRM).status_code == 302


def test_other_roles_are_forbidden(lead_handler, dashboard, lead_delegate_user, staff_client):
    staff_client.get(UPLOAD)  # staff may
    for user in (lead_handler, dashboard, lead_delegate_user):
        client = client_for(user)
        assert client.get(UPLOAD).status_code == 403
        assert upload(client, txt()).status_code == 403
        assert client.get(REVIEW).status_code == 403
        assert client.post(CONFIRM, {"digest": "x"}).status_code == 403
    assert Suggestion.objects.count() == 1  # the conftest's suggestion only


def test_upload_review_confirm(staff_client, staff):
    page = staff_client.get(UPLOAD)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()

    response = upload(staff_client, txt(encoding="gb18030"))
    assert response.status_code == 302 and response["Location"] == REVIEW
    assert not Suggestion.objects.exists()

    review = staff_client.get(REVIEW)
    html = review.content.decode()
    # the review counts each kind with its measure word (templates/imports/includes/summary.html)
    for label, count, unit in [
        ("会议", 1, "个"),
        ("主题", 7, "个"),
        ("代表", 107, "名"),
        ("建议", 30, "条"),
        ("审议发言", 57, "条"),
    ]:
        assert re.search(rf"<li>新建{label} <strong>{count}</strong> {unit}\s*</li>", html), label
    assert "第1号（一-1）聚焦项目引建" in html and "汪香元、杨锐" in html
    assert "傅玖（列席代表）" in html
    assert f'name="digest" value="{digest(staff_client)}"' in html
    assert not Suggestion.objects.exists()  # reviewing writes nothing

    done = staff_client.post(CONFIRM, {"digest": digest(staff_client)}, follow=True)
    assert done.redirect_chain == [(UPLOAD, 302)]
    assert "已导入《summary.txt》：新建会议1" in done.content.decode()
    assert Suggestion.objects.count() == 30
    assert Event.objects.filter(actor=staff, kind="register").count() == 30
    assert SESSION_KEY not in staff_client.session


def test_a_second_confirmation_does_not_import_twice(staff_client):
    upload(staff_client, txt())
    key = digest(staff_client)
    staff_client.post(CONFIRM, {"digest": key})
    again = staff_client.post(CONFIRM, {"digest": key}, follow=True)
    assert "没有待确认的导入" in again.content.decode()
    assert Suggestion.objects.count() == 30 and Event.objects.count() == 30


def test_a_tampered_confirmation_imports_nothing(staff_client):
    upload(staff_client, txt())
    response = staff_client.post(CONFIRM, {"digest": "0" * 64}, follow=True)
    assert "没有待确认的导入" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_confirming_applies_the_document_reviewed_not_a_later_upload(staff_client):
    upload(staff_client, txt())
    first = digest(staff_client)
    upload(staff_client, txt(SOURCE_TEXT.replace("聚焦项目引建", "聚焦项目引进")))
    staff_client.post(CONFIRM, {"digest": first})
    assert not Suggestion.objects.exists()  # the reviewed document was replaced: nothing imported


def test_a_docx_upload(staff_client):
    file = SimpleUploadedFile("汇总.docx", docx_bytes(SOURCE_TEXT))
    assert upload(staff_client, file).status_code == 302
    staff_client.post(CONFIRM, {"digest": digest(staff_client)})
    assert Suggestion.objects.count() == 30


def test_a_broken_document_is_shown_with_its_problems(staff_client):
    text = SOURCE_TEXT.replace(
        "五是关于增强绿色低碳示范力方面（3条）", "五是关于增强绿色低碳示范力方面（2条）"
    )
    response = upload(staff_client, txt(text))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"第{line_of(text, '五是关于增强绿色低碳示范力方面')}行" in html
    assert "第五主题声明2条，实际找到3条" in html
    assert "<q>五是关于增强绿色低碳示范力方面（2条）</q>" in html
    assert SESSION_KEY not in staff_client.session
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("file", "error"),
    [
        (SimpleUploadedFile("summary.pdf", b"%PDF-1.4"), "只能上传 .txt 或 .docx 文件。"),
        (SimpleUploadedFile("big.txt", b"x" * (5 * 1024 * 1024 + 1)), "文件不能超过 5 MB。"),
        (SimpleUploadedFile("bad.docx", b"PK\x03\x04 broken"), "无法读取.docx文件"),
        (SimpleUploadedFile("bytes.txt", b"\xff\xfe\x00\xd8"), "审议情况汇总"),
    ],
    ids=["extension", "size", "broken docx", "not text"],
)
def test_bad_files_are_form_errors(staff_client, file, error):
    response = upload(staff_client, file)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Suggestion.objects.exists()


def test_no_file_is_a_form_error(staff_client):
    response = staff_client.post(UPLOAD, {})
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()


def test_review_without_an_upload_goes_back_to_the_upload_page(staff_client):
    assert staff_client.get(REVIEW)["Location"] == UPLOAD


def test_review_of_a_correction_shows_old_and_new_text(staff_client, staff):
    importer.import_text(SOURCE_TEXT)
    upload(staff_client, txt(SOURCE_TEXT.replace("加快推进综合交通", "加快推进综合交通、水利")))
    html = staff_client.get(REVIEW).content.decode()
    assert re.search(r"<li>更新建议 <strong>1</strong> 条\s*</li>", html)
    assert "加快推进综合交通<ins>、水利</ins>、地下空间" in html
    assert "第16号（四-1）推进规划建设" not in html  # not a create; the label is "第12号"
    assert "第12号（四-1）推进规划建设" in html
    assert "确认导入" in html


def test_review_of_an_unchanged_document_offers_no_confirmation(staff_client):
    importer.import_text(SOURCE_TEXT)
    upload(staff_client, txt())
    html = staff_client.get(REVIEW).content.decode()
    assert "与数据库一致，没有需要导入的变化。" in html
    assert "确认导入" not in html


def test_review_shows_problems_against_the_database_and_offers_no_confirmation(
    staff_client, staff, lead_department
):
    importer.import_text(SOURCE_TEXT)
    workflow.assign(suggestion=Suggestion.objects.get(number=5), lead=lead_department, by=staff)
    text = SOURCE_TEXT.replace("汪香元、戚振宇代表建议加快港口型", "戚振宇代表建议加快港口型")
    upload(staff_client, txt(text))
    html = staff_client.get(REVIEW).content.decode()
    assert f"第{line_of(text, '1.推进以港强市')}行" in html
    assert "第5号建议的状态为“已交办”，不能通过导入更改提出代表" in html
    assert "确认导入" not in html
    # a confirmation posted anyway is refused, and nothing is written
    response = staff_client.post(CONFIRM, {"digest": digest(staff_client)}, follow=True)
    assert "数据库已有变化，导入未进行" in response.content.decode()
    assert Suggestion.objects.get(number=5).proposers.count() == 2


def test_review_query_count_does_not_grow_with_the_document(staff_client, django_assert_max_num_queries):
    importer.import_text(SOURCE_TEXT)
    upload(staff_client, txt(SOURCE_TEXT.replace("加快推进综合交通", "加快推进综合交通、水利")))
    with django_assert_max_num_queries(15):
        assert staff_client.get(REVIEW).status_code == 200
