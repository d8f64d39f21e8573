"""导入审议情况汇总 pages (staff only): upload a .txt/.docx, review what would change, confirm.

The uploaded text stays on the server (in the session) between the review and the confirmation; the
confirm form carries only its digest, so the import applied is exactly the document reviewed, and the
comparison with the database is made again inside the import's transaction (`importer.apply`).
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from imports import importer
from imports.deliberation import DeliberationError, parse, read_document
from imports.docx import DocumentTooLarge
from suggestions.policy import permissions

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SESSION_KEY = "deliberation_import"
EXTENSIONS = (".txt", ".docx")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("审议情况汇总文件"),
        help_text=gettext_lazy(".txt（UTF-8 或 GB18030 编码）或 .docx，不超过 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx,text/plain"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in EXTENSIONS:
            raise forms.ValidationError(_("只能上传 .txt 或 .docx 文件。"), code="extension")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 5 MB。"), code="too_large")
        return upload


def _staff_only(request: HttpRequest) -> None:
    if not permissions.is_staff(request.user):
        raise PermissionDenied


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a deliberation summary; a document the parser rejects is shown with its problems."""
    _staff_only(request)
    problems = []
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            text = read_document(uploaded.read(), uploaded.name)
            parse(text)
        except DocumentTooLarge as error:  # refused before parsing: the file itself is the problem
            form.add_error("file", error.problems[0].message)
        except DeliberationError as error:
            problems = error.problems
        else:
            request.session[SESSION_KEY] = {"text": text, "digest": _digest(text), "filename": uploaded.name}
            return redirect("import_review")
    return render(request, "imports/upload.html", {"form": form, "problems": problems})


@login_required
def review(request: HttpRequest) -> HttpResponse:
    """What the uploaded document would create and change, compared with the database now."""
    _staff_only(request)
    stored = request.session.get(SESSION_KEY)
    if not stored:
        messages.info(request, _("请先上传审议情况汇总文件。"))
        return redirect("import_upload")
    try:
        plan = importer.plan(parse(stored["text"]), source=stored["text"])
    except DeliberationError as error:  # cannot happen: the text was parsed on upload
        return render(request, "imports/upload.html", {"form": UploadForm(), "problems": error.problems})
    return render(
        request,
        "imports/review.html",
        {"plan": plan, "digest": stored["digest"], "filename": stored["filename"]},
    )


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Import the reviewed document (one transaction); a second confirmation finds nothing to do."""
    _staff_only(request)
    stored = request.session.get(SESSION_KEY)
    if not stored or not constant_time_compare(stored["digest"], request.POST.get("digest", "")):
        messages.warning(request, _("没有待确认的导入（可能已经导入，或已上传了另一份文件），请重新上传。"))
        return redirect("import_upload")
    try:
        plan = importer.import_text(stored["text"], by=request.user)
    except DeliberationError:
        messages.error(request, _("数据库已有变化，导入未进行，请查看下面的问题。"))
        return redirect("import_review")
    del request.session[SESSION_KEY]
    messages.success(
        request,
        _("已导入《%(name)s》：%(summary)s") % {"name": stored["filename"], "summary": plan.summary()},
    )
    return redirect("import_upload")
