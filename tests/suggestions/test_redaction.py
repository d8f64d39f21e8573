"""One rule for what a viewer reads of a reply (suggestions/policy/redaction.py), kept by every door.

For every role and a reply unpublished, published in full and published by title only, the API (the
suggestion's detail and the replies list), the suggestion page and the CSV and Excel 汇总表 show the
same reply fields: the ones ``redaction.reply_fields`` names. The public never reads the contact phone,
nor the category of a title-only reply.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from suggestions.models import Publication, Reply
from suggestions.policy import permissions, redaction

pytestmark = pytest.mark.django_db

# The reply tests/factories.py writes (category B, the `replied` fixture).
PHONE = "0512-53500000"
CONTACT = "李四"
SIGNER = "张三"
TEXT = "经研究，答复如下：……"
DOC = "太发改函〔2023〕12号"
CATEGORY = "B"
CATEGORY_LABEL = "B类：所提问题正在解决或者列入规划逐步解决"

ROLES = {
    "staff": "staff",
    "lead_handler": "lead_handler",
    "co_handler": "co_handler",
    "other_handler": "other_handler",
    "lead_delegate": "lead_delegate_user",
    "co_proposer": "co_proposer_user",
    "other_delegate": "other_delegate_user",
    "dashboard": "dashboard",
    "anonymous": None,
}
DETAILS = {"staff", "lead_handler", "co_handler", "lead_delegate", "co_proposer", "dashboard"}
PUBLICATIONS = (Publication.UNPUBLISHED, Publication.FULL, Publication.TITLE_ONLY)

# What the tests compare: a reply field, and how each door shows it.
API_VALUES = {
    "category": CATEGORY,
    "doc_number": DOC,
    "text": TEXT,
    "signer": SIGNER,
    "contact_person": CONTACT,
    "contact_phone": PHONE,
}
PAGE_STRINGS = {
    "category": CATEGORY_LABEL,
    "doc_number": DOC,
    "text": TEXT,
    "signer": SIGNER,
    "contact_person": CONTACT,
    "contact_phone": PHONE,
}


def _user(request, role):
    fixture = ROLES[role]
    user = request.getfixturevalue(fixture) if fixture else None
    if user is not None:
        permissions.forget_roles(user)
    return user


def _publish(suggestion, publication) -> Reply:
    reply = Reply.objects.get(suggestion=suggestion)
    if publication != Publication.UNPUBLISHED:
        reply.publication = publication
        reply.published_at = timezone.now()
        reply.save(update_fields=["publication", "published_at"])
    return reply


def _api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _web(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _api_fields(reply_json: dict) -> set[str]:
    return {name for name, value in API_VALUES.items() if reply_json[name] == value}


def _replies_section(html: str) -> str:
    start = html.index('id="replies-heading"')
    return html[start : html.index("</section>", start)]


def _page_fields(section: str) -> set[str]:
    return {name for name, text in PAGE_STRINGS.items() if text in section}


def _csv_rows(client) -> list[dict]:
    response = client.get(reverse("reports:suggestions_csv"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(body)))


def _xlsx_rows(client) -> list[dict]:
    response = client.get(reverse("reports:suggestions_xlsx"))
    assert response.status_code == 200
    _title, header, *rows = load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize("publication", PUBLICATIONS)
@pytest.mark.parametrize("role", list(ROLES))
def test_every_door_shows_the_same_reply_fields(request, role, publication, replied):
    user = _user(request, role)
    reply = _publish(replied, publication)
    rule = redaction.reply_fields(user, reply, replied)
    listed = bool(rule)  # the viewer may know the reply exists
    expected = {name for name in API_VALUES if name in rule}

    # The rule itself, as the roles read it.
    if role == "other_handler":  # signed in, another department reads what the public reads
        assert permissions.can_view(user, replied) and not permissions.can_view_details(user, replied)
    if role in DETAILS:
        assert rule == redaction.ALL_FIELDS
    elif publication == Publication.FULL:
        assert expected == {"category", "doc_number", "text", "signer"}
    elif publication == Publication.TITLE_ONLY:
        assert expected == {"doc_number"} and "replied_on" in rule and "department" in rule
    else:
        assert not listed

    # API: the suggestion's detail and the replies list.
    detail = _api(user).get(f"/api/v1/suggestions/{replied.pk}/")
    replies_list = _api(user).get("/api/v1/replies/").json()["results"]
    # The web page.
    page = _web(user).get(reverse("suggestion_detail", args=[replied.pk]))
    # The exports.
    csv_rows = [row for row in _csv_rows(_web(user)) if row["标题"] == replied.title]
    xlsx_rows = [row for row in _xlsx_rows(_web(user)) if row["标题"] == replied.title]

    assert detail.status_code == 200 and page.status_code == 200
    api_replies = detail.json()["replies"]
    own = [row for row in replies_list if row["suggestion"] == replied.pk]
    section = _replies_section(page.content.decode())
    (csv_row,) = csv_rows
    (xlsx_row,) = xlsx_rows

    if not listed:
        assert api_replies == [] and own == []
        assert "暂无公开的答复" in section and DOC not in section
        for column in ("答复日期", "答复分类", "文号", "签发人", "答复摘要"):
            assert csv_row[column] == "" and xlsx_row[column] is None, column
        return

    (api_reply,) = api_replies
    (list_reply,) = own
    assert api_reply == list_reply
    for name in redaction.ALL_FIELDS - rule:
        assert api_reply[name] is None, name
    assert _api_fields(api_reply) == expected
    assert _page_fields(section) == expected
    assert api_reply["pdf"] is None and "letter.pdf" not in section  # no letter was filed
    # The 汇总表's reply columns: the date, the category, 文号, 签发人 and 答复摘要 (the text's beginning).
    assert "replied_on" in rule and api_reply["replied_on"] is not None
    assert csv_row["答复日期"] == api_reply["replied_on"]
    assert xlsx_row["答复日期"].date().isoformat() == api_reply["replied_on"]
    for column, name, value in (
        ("答复分类", "category", CATEGORY),
        ("文号", "doc_number", DOC),
        ("签发人", "signer", SIGNER),
        ("答复摘要", "text", TEXT),
    ):
        assert csv_row[column] == (value if name in expected else ""), column
        assert xlsx_row[column] == (value if name in expected else None), column


@pytest.mark.parametrize("publication", [Publication.FULL, Publication.TITLE_ONLY])
def test_the_public_never_reads_the_contact_phone_nor_a_title_only_category(client, publication, replied):
    reply = _publish(replied, publication)
    api_detail = _api(None).get(f"/api/v1/suggestions/{replied.pk}/").json()
    (api_reply,) = api_detail["replies"]
    (list_reply,) = _api(None).get("/api/v1/replies/").json()["results"]
    page = client.get(reverse("suggestion_detail", args=[replied.pk])).content.decode()
    export = b"".join(client.get(reverse("reports:suggestions_csv")).streaming_content).decode()
    workbook = load_workbook(io.BytesIO(client.get(reverse("reports:suggestions_xlsx")).content)).active
    cells = [cell for row in workbook.iter_rows(values_only=True) for cell in row]

    for shown in (api_reply, list_reply):
        assert shown["contact_phone"] is None and shown["contact_person"] is None
    assert PHONE not in page and CONTACT not in page and PHONE not in export and PHONE not in cells
    assert "contact_phone" not in redaction.reply_fields(None, reply, replied)
    if publication == Publication.TITLE_ONLY:
        for shown in (api_reply, list_reply):
            assert shown["category"] is None and shown["text"] is None and shown["pdf"] is None
        assert CATEGORY_LABEL not in page and TEXT not in page
        (row,) = csv.DictReader(io.StringIO(export.removeprefix("\ufeff")))
        assert row["答复分类"] == ""
        assert CATEGORY not in cells
        assert "category" not in redaction.reply_fields(None, reply, replied)
    else:
        assert api_reply["category"] == CATEGORY and api_reply["text"] == TEXT
        assert CATEGORY_LABEL in page and TEXT in page


def test_a_title_only_letter_is_not_served_to_the_public(client, replied, lead_handler):
    from django.core.files.uploadedfile import SimpleUploadedFile

    reply = _publish(replied, Publication.TITLE_ONLY)
    reply.pdf = SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    reply.save(update_fields=["pdf"])
    url = reverse("reply_pdf", args=[reply.pk])
    assert client.get(url).status_code == 404
    (api_reply,) = _api(None).get(f"/api/v1/suggestions/{replied.pk}/").json()["replies"]
    assert api_reply["pdf"] is None
    assert url not in client.get(reverse("suggestion_detail", args=[replied.pk])).content.decode()
    staff_client = _web(lead_handler)
    assert staff_client.get(url).status_code == 200
    assert url in staff_client.get(reverse("suggestion_detail", args=[replied.pk])).content.decode()
