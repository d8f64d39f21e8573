"""Reply letters are stored under a generated name ending in .pdf, whatever the upload was called."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from suggestions.models import Reply
from suggestions.models.reply import reply_letter_path
from tests import factories

pytestmark = pytest.mark.django_db

# Starts with %PDF- (passes the content check) and is a web page too: the classic polyglot.
POLYGLOT = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n%%EOF\n"


@pytest.mark.parametrize("name", ["x.html", "x.svg", "x.pdf.html", "x", "../../x.js", "答复函.PDF"])
def test_a_letter_is_stored_as_pdf_whatever_its_name(in_progress, lead_handler, name):
    upload = SimpleUploadedFile(name, POLYGLOT, content_type="text/html")
    factories.reply(in_progress, lead_handler, category="B", pdf=upload)

    stored = Reply.objects.get(suggestion=in_progress).pdf.name
    assert stored.endswith(".pdf") and stored.startswith("replies/")
    assert Path(stored).stem not in {"x", "x.pdf", "答复函"} and ".." not in stored and "html" not in stored
    path = Path(settings.MEDIA_ROOT) / stored
    assert path.read_bytes() == POLYGLOT


def test_two_letters_never_share_a_name():
    assert reply_letter_path(None, "a.pdf") != reply_letter_path(None, "a.pdf")
