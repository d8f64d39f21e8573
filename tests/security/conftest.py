"""A world with one user per role and secrets planted in every kind of record, built once per module.

Every secret is an ASCII marker (so it survives HTML escaping, JSON and CSV alike) planted in one place;
`MARKERS` says which roles may ever read it. The permission matrix reads every page, endpoint and export
as every role and fails on any marker outside the role's set.

    S1  "TITLE-S1": proposed by D1 (lead, user lead_delegate) and D2 (co-proposer, user co_proposer);
        lead department L (lead_handler), co-handler C (co_handler); acknowledged, a contact, a progress
        report, a co-handler's opinion, an approved extension, an UNPUBLISHED reply with a PDF letter and
        a co-proposer's rating, each carrying a SECRET-…-S1 marker.
    S2  "TITLE-S2": proposed by D4 and D5 (no accounts), handled by department O (other_handler) only;
        its reply is published in full ("PUBLIC-REPLY-S2"), its contact and progress are not.
    S3  "TITLE-S3": registered, no department yet.
    S4  "TITLE-S4": proposed and handled as S1 (the same followers); its reply of category B is
        UNPUBLISHED and the lead delegate rated it 不满意 (issue 16.6's case: now 不满意待复核).
    S5  "TITLE-S5": proposed and handled as S1; its reply of category B is published by TITLE ONLY (no
        category, no text, no on-time for the public) and the lead delegate rated it 基本满意 (closed).
    D3  the other delegate (user other_delegate): proposes nothing here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from suggestions import workflow
from suggestions.models import Event, EventKind, Suggestion
from suggestions.policy import permissions
from suggestions.policy.groups import ensure_role_groups
from tests import factories

# The roles, in the column order of every table in this folder.
ROLES = ("anon", "lead", "co", "oth", "LH", "CH", "OH", "staff", "dash")
ROLE_NAMES = {
    "anon": "anonymous (the public)",
    "lead": "lead delegate of S1 (领衔代表)",
    "co": "co-proposer of S1 (联名代表)",
    "oth": "another delegate",
    "LH": "handler of S1's lead department (主办)",
    "CH": "handler of S1's co-handling department (协办)",
    "OH": "handler of an unrelated department (handles S2)",
    "staff": "committee staff (代表工委)",
    "dash": "dashboard account (大屏), by token",
}
EVERYONE = frozenset(ROLES)
S1_FOLLOWERS = frozenset({"lead", "co", "LH", "CH", "staff", "dash"})
S2_FOLLOWERS = frozenset({"OH", "staff", "dash"})

# marker -> the roles that may read it
MARKERS: dict[str, frozenset[str]] = {
    # the public part of every suggestion: every role sees at least what the public sees (issue 15.9)
    "TITLE-S1": EVERYONE,
    "TITLE-S2": EVERYONE,
    "TITLE-S3": EVERYONE,
    "PUBLIC-REPLY-S2": EVERYONE,
    "TITLE-S4": EVERYONE,
    "TITLE-S5": EVERYONE,
    # the handling record of S1 (and its unpublished reply) for those who follow it
    "SECRET-CONTACT-S1": S1_FOLLOWERS,
    "SECRET-PROGRESS-S1": S1_FOLLOWERS,
    "SECRET-OPINION-S1": S1_FOLLOWERS,
    "SECRET-EXTENSION-S1": S1_FOLLOWERS,
    "SECRET-REPLY-S1": S1_FOLLOWERS,
    "SECRET-LETTER-S1": S1_FOLLOWERS,
    "SECRET-RATING-S1": S1_FOLLOWERS,
    "SECRET-REPLY-S4": S1_FOLLOWERS,
    "SECRET-RATING-S4": S1_FOLLOWERS,
    "SECRET-REPLY-S5": S1_FOLLOWERS,  # a title-only publication shows no text
    "SECRET-RATING-S5": S1_FOLLOWERS,
    "SECRET-CONTACT-S2": S2_FOLLOWERS,
    "SECRET-PROGRESS-S2": S2_FOLLOWERS,
    # delegates' contact data: staff and the delegate themself
    "13900000001": frozenset({"lead", "staff"}),
    "d1.secret@example.org": frozenset({"lead", "staff"}),
    "SECRET-ADDRESS-D1": frozenset({"lead", "staff"}),
    "13900000002": frozenset({"co", "staff"}),
    "13900000003": frozenset({"oth", "staff"}),
    "13900000004": frozenset({"staff"}),
    "SECRET-ADDRESS-D4": frozenset({"staff"}),
}

LETTER = (
    b"%PDF-1.4\n% SECRET-LETTER-S1\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


@dataclass
class World:
    users: dict[str, object]  # role -> user (no entry for anon)
    tokens: dict[str, str]
    sessions: dict[str, str] = field(default_factory=dict)  # role -> session key
    ids: dict[str, int] = field(default_factory=dict)  # names used in the URL templates

    def api(self, role: str) -> APIClient:
        client = APIClient()
        if role != "anon":
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[role]}")
        return client

    def page(self, role: str) -> Client:
        """A browser logged in as the role (its session was opened when the world was built)."""
        client = Client()
        if role != "anon":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def reply_data(**overrides) -> dict:
    data = dict(
        category="B",
        doc_number="太发改函〔2023〕12号",
        signer="张三",
        contact_person="李四",
        contact_phone="0512-53500000",
        text="经研究，答复如下：……",
    )
    data.update(overrides)
    return data


def build_world() -> World:
    staff_group, dashboard_group = ensure_role_groups()
    L = factories.DepartmentFactory(name="太仓市发展和改革委员会", short_name="发改委")
    C = factories.DepartmentFactory(name="太仓市交通运输局", short_name="交通运输局")
    other = factories.DepartmentFactory(name="太仓市教育局", short_name="教育局")
    d1 = factories.DelegateFactory(
        name="汪香元", phone="13900000001", email="d1.secret@example.org", address="SECRET-ADDRESS-D1"
    )
    d2 = factories.DelegateFactory(name="杨锐", phone="13900000002")
    d3 = factories.DelegateFactory(name="王晓红", phone="13900000003")
    d4 = factories.DelegateFactory(name="郑丙华", phone="13900000004", address="SECRET-ADDRESS-D4")
    d5 = factories.DelegateFactory(name="陈颖", phone="13900000005")
    users = {
        "lead": factories.delegate_user(d1, username="lead_delegate"),
        "co": factories.delegate_user(d2, username="co_proposer"),
        "oth": factories.delegate_user(d3, username="other_delegate"),
        "LH": factories.handler_user(L, username="lead_handler"),
        "CH": factories.handler_user(C, username="co_handler"),
        "OH": factories.handler_user(other, username="other_handler"),
        "staff": factories.staff_user(username="staff"),
        "dash": factories.dashboard_user(username="dashboard"),
    }
    staff = users["staff"]
    today = timezone.localdate()

    s1 = factories.SuggestionFactory(title="TITLE-S1", proposers=[d1, d2])
    workflow.assign(suggestion=s1, lead=L, co_handlers=[C], by=staff)
    workflow.acknowledge(suggestion=s1, by=users["LH"])
    workflow.acknowledge(suggestion=s1, by=users["CH"])
    contact = workflow.log_contact(
        suggestion=s1, method="meet", contacted_on=today, notes="SECRET-CONTACT-S1", by=users["LH"]
    )
    progress = workflow.add_progress(suggestion=s1, text="SECRET-PROGRESS-S1", by=users["LH"])
    opinion = workflow.give_co_opinion(suggestion=s1, text="SECRET-OPINION-S1", by=users["CH"])
    s1.refresh_from_db()
    extension = workflow.request_extension(
        suggestion=s1,
        requested_due=s1.due_date + dt.timedelta(days=20),
        reason="SECRET-EXTENSION-S1",
        by=users["LH"],
    )
    workflow.approve_extension(suggestion=s1, by=staff)
    letter = SimpleUploadedFile("letter.pdf", LETTER, content_type="application/pdf")
    reply1 = workflow.reply(suggestion=s1, by=users["LH"], pdf=letter, **reply_data(text="SECRET-REPLY-S1"))
    rating = workflow.rate(
        suggestion=s1,
        attitude="satisfied",
        result="unsatisfied",
        comment="SECRET-RATING-S1",
        by=users["co"],
    )

    s2 = factories.SuggestionFactory(title="TITLE-S2", proposers=[d4, d5])
    workflow.assign(suggestion=s2, lead=other, by=staff)
    workflow.acknowledge(suggestion=s2, by=users["OH"])
    workflow.log_contact(suggestion=s2, method="phone", notes="SECRET-CONTACT-S2", by=users["OH"])
    workflow.add_progress(suggestion=s2, text="SECRET-PROGRESS-S2", by=users["OH"])
    reply2 = workflow.reply(suggestion=s2, by=users["OH"], **reply_data(category="A", text="PUBLIC-REPLY-S2"))
    workflow.publish(suggestion=s2, mode="full", by=staff)

    s3 = factories.SuggestionFactory(title="TITLE-S3", proposers=[d4])

    def replied_as_s1(title: str, reply_text: str):
        s = factories.SuggestionFactory(title=title, proposers=[d1, d2])
        workflow.assign(suggestion=s, lead=L, co_handlers=[C], by=staff)
        workflow.acknowledge(suggestion=s, by=users["LH"])
        workflow.acknowledge(suggestion=s, by=users["CH"])
        workflow.give_co_opinion(suggestion=s, text="协办意见", by=users["CH"])
        workflow.reply(suggestion=s, by=users["LH"], **reply_data(category="B", text=reply_text))
        return s

    s4 = replied_as_s1("TITLE-S4", "SECRET-REPLY-S4")
    workflow.rate(
        suggestion=s4,
        attitude="unsatisfied",
        result="unsatisfied",
        comment="SECRET-RATING-S4",
        by=users["lead"],
    )
    s5 = replied_as_s1("TITLE-S5", "SECRET-REPLY-S5")
    workflow.publish(suggestion=s5, mode="title_only", by=staff)
    workflow.rate(
        suggestion=s5, attitude="satisfied", result="basically", comment="SECRET-RATING-S5", by=users["lead"]
    )

    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    sessions = {}
    for role, user in users.items():
        browser = Client()
        browser.force_login(user)
        sessions[role] = browser.cookies[settings.SESSION_COOKIE_NAME].value
    for user in users.values():
        permissions.forget_roles(user)
    s1_events = Event.objects.filter(suggestion=s1)
    assignment = s1.assignments.get(department=L)
    return World(
        users=users,
        tokens=tokens,
        sessions=sessions,
        ids={
            "s1": s1.pk,
            "s2": s2.pk,
            "s3": s3.pk,
            "s4": s4.pk,
            "s5": s5.pk,
            "d1": d1.pk,
            "d4": d4.pk,
            "L": L.pk,
            "C": C.pk,
            "O": other.pk,
            "r1": reply1.pk,
            "r2": reply2.pk,
            "a1": assignment.pk,
            "contact1": contact.pk,
            "progress1": progress.pk,
            "opinion1": opinion.pk,
            "extension1": extension.pk,
            "rating1": rating.pk,
            "ev_register1": s1_events.get(kind=EventKind.REGISTER).pk,
            "ev_contact1": s1_events.get(kind=EventKind.CONTACT).pk,
            "session": s1.session_id,
            "theme": s1.theme_id,
            "staff_user": staff.pk,
        },
    )


@pytest.fixture(scope="module")
def world_media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, world_media):
    """Overrides the project's per-test media folder: the world's reply letter lives for the module."""
    settings.MEDIA_ROOT = world_media


@pytest.fixture(scope="module")
def world(module_db, world_media) -> World:
    with module_db(), override_settings(MEDIA_ROOT=world_media):
        return build_world()


def body_text(response) -> str:
    """Everything a response shows, as text: HTML, JSON, CSV, the cells of an .xlsx, a PDF's bytes."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    if response.get("Content-Type", "").startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
    return raw.decode("utf-8", errors="replace")


def leaked(role: str, text: str) -> list[str]:
    """The markers in `text` that `role` may not read."""
    return sorted(marker for marker, allowed in MARKERS.items() if marker in text and role not in allowed)


def suggestion_state(pk: int) -> tuple:
    s = Suggestion.objects.get(pk=pk)
    return s.status, s.round, Event.objects.filter(suggestion_id=pk).count()
