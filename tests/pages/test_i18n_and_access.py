"""Language (Simplified Chinese by default, English on request) and the accessibility basics of the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.pages.conftest import login

pytestmark = pytest.mark.django_db

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_pages_are_in_simplified_chinese_by_default(client, suggestion):
    html = client.get(reverse("suggestion_list")).content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "建议列表" in html


def test_language_switch_to_english_and_back(client, suggestion):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("suggestion_list")})
    assert response.status_code == 302
    html = client.get(reverse("suggestion_list")).content.decode()
    assert '<html lang="en">' in html
    assert "Filter suggestions" in html and "建议列表" not in html
    assert "Registered" in html  # model choices are translated too
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "建议列表" in client.get(reverse("suggestion_list")).content.decode()


def test_chinese_by_default_even_when_the_browser_asks_for_english(client, suggestion):
    html = client.get(reverse("home"), headers={"accept-language": "en"}).content.decode()
    assert '<html lang="zh-Hans">' in html and "Skip to content" not in html


def _po_entries() -> dict[str, tuple[list[str], bool]]:
    """msgid -> (source references, translated?) from the English catalogue."""
    entries = {}
    for block in PO_FILE.read_text(encoding="utf-8").split("\n\n"):
        refs = [ref for line in block.splitlines() if line.startswith("#:") for ref in line[2:].split()]
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if not msgid or not msgstr:
            continue
        text = "".join(re.findall(r'"(.*)"', msgid.group(1)))
        entries[text] = (refs, bool("".join(re.findall(r'"(.*)"', msgstr.group(1)))))
    return entries


OTHER_TEMPLATES = ("templates/admin/", "templates/notifications/", "templates/reports/", "templates/imports/")


def _is_page_file(ref: str) -> bool:
    """The pages' own sources: suggestions/web/, delegates/views.py and the templates other apps do not own."""
    return ref.startswith(("suggestions/web/", "delegates/views.py")) or (
        ref.startswith("templates/") and not ref.startswith(OTHER_TEMPLATES)
    )


def test_every_chinese_string_of_the_pages_has_an_english_translation():
    missing = [
        msgid
        for msgid, (refs, translated) in _po_entries().items()
        if CHINESE.search(msgid) and not translated and any(_is_page_file(ref) for ref in refs)
    ]
    assert missing == []


def test_compiled_catalogue_matches_the_po_file():
    """locale/en/LC_MESSAGES/django.mo is compiled from the current django.po (run compilemessages)."""
    import gettext

    with PO_FILE.with_suffix(".mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    singles = [
        pair
        for block in PO_FILE.read_text(encoding="utf-8").split("\n\n")
        if "#, fuzzy" not in block and "msgctxt" not in block
        for pair in re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', block, re.M)
    ]
    assert len(singles) > 100
    stale = [msgid for msgid, msgstr in singles if catalogue.gettext(msgid) != msgstr.replace('\\"', '"')]
    assert stale == []


# -- accessibility basics ------------------------------------------------------------------------------


def test_landmarks_skip_link_and_labels(client, suggestion):
    html = client.get(reverse("suggestion_list")).content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html and "<nav" in html and "<header" in html and "<footer" in html
    for field_id in ("id_q", "id_theme", "id_department"):
        assert f'for="{field_id}"' in html


def test_errors_are_tied_to_their_fields(in_progress, lead_handler):
    url = reverse("suggestion_step", args=[in_progress.pk, "progress"])
    html = login(lead_handler).post(url, {"text": ""}).content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_text_error"' in html


def test_assets_come_from_this_site_only(client, suggestion):
    for name in ("home", "suggestion_list", "dashboard"):
        html = client.get(reverse(name)).content.decode()
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), name


def test_the_closed_state_and_the_close_step_are_told_apart_in_english():
    """办结 is both a state (已办结: "Closed") and a step (办结: "Close"): two translations by context."""
    from django.utils import translation

    from suggestions.models import EventKind, Status

    with translation.override("en"):
        assert (str(Status.CLOSED.label), str(EventKind.CLOSE.label)) == ("Closed", "Close")
    with translation.override("zh-hans"):
        assert str(Status.CLOSED.label) == str(EventKind.CLOSE.label) == "办结"
