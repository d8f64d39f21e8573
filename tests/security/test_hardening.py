"""Security settings and hardening: `check --deploy` with production settings from the environment, the
Content Security Policy, cookies, login lockout, password validators, PDF-only uploads and escaping."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches
from django.utils import timezone

from accounts.models import LoginFailure
from suggestions import workflow
from suggestions.models import Reply, Suggestion
from suggestions.policy import permissions
from tests import factories
from tests.security.conftest import LETTER, ROLES, body_text, reply_data

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


# ---------------------------------------------------------------------------------------------------------
# Production settings come from the environment
# ---------------------------------------------------------------------------------------------------------


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    env.update(extra)  # may replace the defaults above (the key, DEBUG)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in [
    "DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "ALLOWED_HOSTS"]}))
"""


def test_production_settings_are_secure():
    result = run(["-c", SHOW_SETTINGS], production_env())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "ALLOWED_HOSTS": ["example.org"],
    }


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


# ---------------------------------------------------------------------------------------------------------
# Content Security Policy: only the app's own assets
# ---------------------------------------------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


class Assets(HTMLParser):
    """Every script, style, stylesheet, image and frame of a page, and any inline handler or style."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "style", "img", "iframe", "object", "embed") or (
            tag == "link" and "stylesheet" in a.get("rel", "")
        ):
            self.found.append((tag, a))
        self.inline += [f"{tag} {k}" for k in a if k.startswith("on") or k == "style"]


PAGES = [
    # (role, address)
    ("anon", "/"),
    ("anon", "/suggestions/"),
    ("anon", "/accounts/login/"),
    ("anon", "/admin/login/"),
    ("anon", "/api/docs/"),
    ("lead", "/"),
    ("lead", "/mine/"),
    ("LH", "/inbox/"),
    ("staff", "/"),
    ("staff", "/suggestions/{s1}/"),
    ("staff", "/suggestions/{s1}/publish/"),
    ("staff", "/dashboard/"),
    ("staff", "/delegates/{d1}/"),
    ("staff", "/assign/"),
    ("staff", "/import/"),
    ("staff", "/notifications/"),
    ("staff", "/reports/supervision/"),
    ("staff", "/reports/report/"),
    ("staff", "/admin/"),
    ("staff", "/admin/suggestions/suggestion/"),
    ("staff", "/admin/suggestions/suggestion/{s1}/change/"),
    ("staff", "/admin/suggestions/suggestion/{s1}/history/"),
]


@pytest.mark.parametrize(("role", "address"), PAGES)
def test_pages_load_only_their_own_assets(world, role, address):
    response = world.page(role).get(address.format(**world.ids))
    assert response.status_code == 200
    policy = csp_directives(response["Content-Security-Policy"])
    nonces = {s.removeprefix("'nonce-").removesuffix("'") for s in policy["script-src"] if "nonce-" in s}

    for name, sources in policy.items():
        for source in sources:
            assert source in ("'self'", "'none'") or source.startswith("'nonce-") or source == "data:", (
                name,
                source,
            )
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "data:" not in policy["script-src"] + policy["style-src"]

    page = Assets()
    page.feed(response.content.decode())
    # Inline handlers would be a hole (or blocked); style attributes are blocked by the policy, harmless but
    # a sign of a broken layout: none in the app's pages (django-simple-history's admin template has one).
    allowed = {"p style"} if address.endswith("/history/") else set()
    assert set(page.inline) <= allowed
    for tag, attrs in page.found:
        url = attrs.get("src") or attrs.get("href")
        if url:
            assert url.startswith("/") and not url.startswith("//") or url.startswith("data:image/"), url
        else:
            assert attrs.get("nonce") in nonces, (tag, attrs)  # inline code only with this response's nonce
        assert tag not in ("iframe", "object", "embed")


def test_api_responses_are_json_and_not_sniffed(world):
    response = world.api("anon").get("/api/v1/suggestions/")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_session_and_csrf_cookies(world):
    client = Client(enforce_csrf_checks=True)
    form = client.get("/accounts/login/")
    csrf = form.cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf["samesite"] == "Lax"
    response = client.post(
        "/accounts/login/",
        {"username": "staff", "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
    )
    assert response.status_code == 302
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["samesite"] == "Lax"
    without_token = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "staff", "password": PASSWORD}
    )
    assert without_token.status_code == 403


# ---------------------------------------------------------------------------------------------------------
# Login throttling and lockout; password validators
# ---------------------------------------------------------------------------------------------------------

MAX_FAILURES = django_settings.LOGIN_LOCKOUT["max_failures"]


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_repeated_failures_lock_the_account_then_the_lock_expires(world, login_url):
    client = Client()
    for _ in range(MAX_FAILURES):
        response = client.post(login_url, {"username": "staff", "password": "wrong"})
        assert response.status_code == 200 and not logged_in(client)

    locked = client.post(login_url, {"username": "staff", "password": PASSWORD})
    assert not logged_in(client)
    assert "已暂时锁定" in locked.content.decode()
    other_form = "/admin/login/" if login_url == "/accounts/login/" else "/accounts/login/"
    client.post(other_form, {"username": "STAFF", "password": PASSWORD})  # same account, other door
    assert not logged_in(client)

    window = dt.timedelta(seconds=django_settings.LOGIN_LOCKOUT["window_seconds"] + 1)
    LoginFailure.objects.update(at=timezone.now() - window)
    client.post(login_url, {"username": "staff", "password": PASSWORD})
    assert logged_in(client)
    assert not LoginFailure.objects.filter(username__iexact="staff").exists()


def test_the_lockout_does_not_tell_which_accounts_exist(world):
    for username in ("staff", "no-such-user"):
        for _ in range(MAX_FAILURES):
            Client().post("/accounts/login/", {"username": username, "password": "wrong"})
    messages = {
        username: Client().post("/accounts/login/", {"username": username, "password": "x"}).content.decode()
        for username in ("staff", "no-such-user")
    }
    assert all("已暂时锁定" in html for html in messages.values())


def test_guessing_across_accounts_locks_out_the_address_not_other_addresses(world, settings):
    """Many usernames, few tries each (under the per-account limit): the address is refused."""
    settings.LOGIN_LOCKOUT = {**settings.LOGIN_LOCKOUT, "max_failures_per_address": 6}
    guesser = Client(REMOTE_ADDR="10.0.0.66")
    for n in range(6):
        guesser.post("/accounts/login/", {"username": f"user{n}", "password": "wrong"})
    refused = guesser.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert not logged_in(guesser)
    assert "来自本机地址的登录失败次数过多" in refused.content.decode()
    assert LoginFailure.objects.filter(username__iexact="staff").count() == 0  # the account is not locked

    colleague = Client(REMOTE_ADDR="10.0.0.7")
    colleague.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert logged_in(colleague)

    window = dt.timedelta(seconds=settings.LOGIN_LOCKOUT["window_seconds"] + 1)
    LoginFailure.objects.update(at=timezone.now() - window)
    guesser.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert logged_in(guesser)


def test_a_locked_out_user_cannot_use_the_api_session_either(world):
    for _ in range(MAX_FAILURES + 1):
        Client().post("/accounts/login/", {"username": "lead_handler", "password": "wrong"})
    client = Client()
    client.post("/accounts/login/", {"username": "lead_handler", "password": PASSWORD})
    assert client.get("/api/v1/assignments/").json()["count"] == 0  # anonymous: nothing to follow


@pytest.mark.parametrize(
    "password",
    ["short", "12345678", "password123", "staff123", "taicang"],
)
def test_weak_passwords_are_refused(world, password):
    user = world.users["staff"]
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, user)


def test_a_strong_password_is_accepted(world):
    password_validation.validate_password("Jiangnan-港口-2023-河道", world.users["staff"])


def test_the_admin_refuses_a_weak_password_for_a_new_account(world):
    response = world.page("staff").post(
        "/admin/auth/user/add/",
        {
            "username": "newhandler",
            "usable_password": "true",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    assert response.status_code == 200
    assert not factories.UserFactory._meta.model.objects.filter(username="newhandler").exists()


# ---------------------------------------------------------------------------------------------------------
# Uploads: reply letters are PDFs (by content) within the size limit, served only to those who may read them
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def handling(world) -> Suggestion:
    """A fresh suggestion of S1's departments, in progress."""
    from departments.models import Department

    s = factories.SuggestionFactory(title="UPLOAD")
    workflow.assign(
        suggestion=s, lead=Department.objects.get(name="太仓市发展和改革委员会"), by=world.users["staff"]
    )
    workflow.acknowledge(suggestion=s, by=world.users["LH"])
    return s


FAKE_PDFS = {
    "html named .pdf": ("letter.pdf", b"<html><script>alert(1)</script></html>"),
    "exe named .pdf": ("letter.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),
    "empty": ("letter.pdf", b""),
}


@pytest.mark.parametrize("fake", FAKE_PDFS)
def test_the_api_accepts_only_pdf_content(world, handling, fake):
    name, content = FAKE_PDFS[fake]
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    response = world.api("LH").post(
        f"/api/v1/suggestions/{handling.pk}/reply/", {**reply_data(), "pdf": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert "pdf" in response.json()["error"]["fields"]
    assert not Reply.objects.filter(suggestion=handling).exists()


def test_an_oversized_pdf_is_refused(world, handling, settings):
    settings.REPLY_PDF_MAX_BYTES = 1024
    upload = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n" + b"0" * 2048, content_type="application/pdf")

    api = world.api("LH").post(
        f"/api/v1/suggestions/{handling.pk}/reply/", {**reply_data(), "pdf": upload}, format="multipart"
    )
    upload.seek(0)
    page = world.page("LH").post(f"/suggestions/{handling.pk}/reply/", {**reply_data(), "pdf": upload})

    assert api.status_code == 400 and "pdf" in api.json()["error"]["fields"]
    assert page.status_code == 200 and "pdf" in page.context["form"].errors
    assert not Reply.objects.filter(suggestion=handling).exists()


def test_the_reply_form_refuses_a_disguised_file(world, handling):
    upload = SimpleUploadedFile("letter.pdf", FAKE_PDFS["html named .pdf"][1], content_type="application/pdf")
    page = world.page("LH").post(f"/suggestions/{handling.pk}/reply/", {**reply_data(), "pdf": upload})
    assert page.status_code == 200 and "pdf" in page.context["form"].errors
    assert not Reply.objects.filter(suggestion=handling).exists()


def test_a_real_pdf_is_stored_safely_and_served_through_the_permission_check(world, handling):
    upload = SimpleUploadedFile("../../etc/答复函.pdf", LETTER, content_type="application/pdf")

    response = world.api("LH").post(
        f"/api/v1/suggestions/{handling.pk}/reply/", {**reply_data(), "pdf": upload}, format="multipart"
    )

    assert response.status_code == 200, response.content
    reply = Reply.objects.get(suggestion=handling)
    assert reply.pdf.name.startswith("replies/") and ".." not in reply.pdf.name
    assert Path(reply.pdf.path).resolve().is_relative_to(Path(django_settings.MEDIA_ROOT).resolve())
    (shown,) = response.json()["replies"]
    assert shown["pdf"] == f"http://testserver/replies/{reply.pk}/letter.pdf"  # not the storage path
    letter = world.page("LH").get(f"/replies/{reply.pk}/letter.pdf")
    assert letter["Content-Type"] == "application/pdf" and letter["X-Content-Type-Options"] == "nosniff"
    assert body_text(letter).startswith("%PDF-")
    assert world.page("anon").get(f"/replies/{reply.pk}/letter.pdf").status_code == 404


def test_letters_are_never_served_from_their_storage_path_even_in_development(world, settings):
    """`make run` (DEBUG) once served /media/ to anyone: an unpublished reply's letter by its file name."""
    import config.urls

    name = Reply.objects.get(pk=world.ids["r1"]).pdf.name
    settings.DEBUG = True
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        codes = {role: world.page(role).get(f"/media/{name}").status_code for role in ("anon", "oth", "OH")}
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()
    assert codes == {"anon": 404, "oth": 404, "OH": 404}


# ---------------------------------------------------------------------------------------------------------
# User text is never rendered unescaped (nor run as a spreadsheet formula)
# ---------------------------------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile(world) -> Suggestion:
    """Hostile text in every field people type: titles, texts, names, notes, replies, comments."""
    from departments.models import Department

    lead = factories.DepartmentFactory(name="太仓市" + HOSTILE[:40], short_name=HOSTILE[:30])
    lead.members.add(world.users["LH"])
    delegate = factories.DelegateFactory(name="代表" + HOSTILE[:25])
    rater = factories.delegate_user(delegate, username="hostile_delegate")
    s = factories.SuggestionFactory(title='=HYPERLINK("http://x")' + HOSTILE[:100], proposers=[delegate])
    Suggestion.objects.filter(pk=s.pk).update(text=HOSTILE)
    staff, handler = world.users["staff"], world.users["LH"]
    permissions.forget_roles(handler)  # a member of one more department now
    workflow.assign(
        suggestion=s,
        lead=lead,
        co_handlers=[Department.objects.get(name="太仓市交通运输局")],
        by=staff,
    )
    workflow.acknowledge(suggestion=s, department=lead, by=handler)
    workflow.log_contact(suggestion=s, method="meet", notes=HOSTILE, department=lead, by=handler)
    workflow.add_progress(suggestion=s, text=HOSTILE, department=lead, by=handler)
    factories.co_opinions(s, text=HOSTILE)  # the reply waits for the co-handler's opinion
    workflow.reply(suggestion=s, by=staff, **reply_data(text=HOSTILE, signer=HOSTILE[:32]))
    workflow.publish(suggestion=s, mode="full", by=staff)
    workflow.rate(
        suggestion=s,
        attitude="unsatisfied",
        result="unsatisfied",
        comment=HOSTILE,
        by=rater,
    )
    workflow.rehandle(suggestion=s, note=HOSTILE, by=staff)
    return s


@pytest.mark.parametrize("role", ["anon", "oth", "LH", "staff"])
def test_user_text_is_escaped_on_every_page(world, hostile, role):
    addresses = [
        "/",
        "/suggestions/",
        f"/suggestions/{hostile.pk}/",
        "/dashboard/",
        "/delegates/",
        f"/delegates/{hostile.proposers.get().delegate_id}/",
        "/mine/",
        "/inbox/",
        "/reports/supervision/",
        "/reports/report/",
        "/admin/suggestions/suggestion/",
        f"/admin/suggestions/suggestion/{hostile.pk}/change/",
        "/admin/suggestions/event/",
    ]
    shown = 0
    for address in addresses:
        response = world.page(role).get(address)
        if response.status_code != 200:
            continue
        html = response.content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, address
        shown += "&lt;script&gt;alert(" in html
    assert shown >= 3  # the hostile text was there, escaped


def test_exports_do_not_let_a_spreadsheet_run_user_text(world, hostile):
    import io

    from openpyxl import load_workbook

    csv = body_text(world.page("staff").get("/reports/suggestions.csv"))
    row = next(line for line in csv.splitlines() if "HYPERLINK" in line)
    assert "'=HYPERLINK" in row
    workbook = world.page("staff").get("/reports/suggestions.xlsx").content
    sheet = load_workbook(io.BytesIO(workbook)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if "HYPERLINK" in str(cell.value)]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_api_returns_user_text_as_json_data(world, hostile):
    response = world.api("staff").get(f"/api/v1/suggestions/{hostile.pk}/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["text"] == HOSTILE


@pytest.mark.parametrize("role", ROLES)
def test_error_pages_do_not_echo_the_address(world, role):
    response = world.page(role).get("/suggestions/999999/%3Cscript%3Ealert(1)%3C%2Fscript%3E/")
    assert response.status_code in (302, 404)
    assert "<script>alert(1)" not in response.content.decode()


# ---------------------------------------------------------------------------------------------------------
# Bytes PostgreSQL cannot store: refused as input, never a 500
# ---------------------------------------------------------------------------------------------------------


def test_nul_characters_are_a_400_not_a_crash(world, handling):
    api = world.api("LH")
    step = api.post(
        f"/api/v1/suggestions/{handling.pk}/contact/", {"method": "meet", "notes": "面商\x00"}, format="json"
    )
    search = api.get("/api/v1/suggestions/?q=%00")
    delegates = api.get("/api/v1/delegates/?q=a%00b")
    page = world.page("LH").get("/suggestions/?q=%00")
    login = Client().post("/accounts/login/", {"username": "staff\x00", "password": "x"})
    form = world.page("LH").post(f"/suggestions/{handling.pk}/progress/", {"text": "进度\x00"})

    assert (step.status_code, search.status_code, delegates.status_code) == (400, 400, 400)
    assert "notes" in step.json()["error"]["fields"]
    assert page.status_code == 200 and login.status_code == 200 and form.status_code == 200
