"""The admin, in Chinese, for committee staff: data editing plus every workflow step through `workflow.STEPS`.

Status and deadlines are read-only here; each state change goes through a step form that calls
`suggestions/workflow/`, and workflow errors come back as form errors or admin messages. The data forms
write through the workflow too: the add form registers (`workflow.register`), the change forms correct
(`workflow.correct_text`, `replace_proposers`, `correct_reply`) with a reason, so each edit is an event.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from departments.models import Department
from suggestions import workflow
from suggestions.forms import CorrectionForm, take_step
from suggestions.models import (
    Assignment,
    Category,
    CoHandlerOpinion,
    CongressSession,
    ContactRecord,
    Event,
    ExtensionRequest,
    ProgressUpdate,
    Proposer,
    Publication,
    Rating,
    Remark,
    Reply,
    Suggestion,
    Theme,
    WorkdayCorrection,
)
from suggestions.workflow import STEPS, available_steps

admin.site.site_header = _("代表建议办理系统")
admin.site.site_title = _("代表建议办理")
admin.site.index_title = _("管理")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SuggestionForm(CorrectionForm):
    corrected = ("title", "text", "theme", "position", "disclosure_consent")

    def clean(self):
        cleaned = super().clean()
        theme = cleaned.get("theme")
        if self.instance.pk and theme is not None and theme.session_id != self.instance.session_id:
            self.add_error("theme", _("主题不属于该会议。"))  # what correct_text refuses, asked first
        return cleaned


def proposers_of(formset) -> list:
    """The delegates a proposer formset ends with, by position (deleted rows left out)."""
    rows = [
        f.cleaned_data
        for f in formset.forms
        if getattr(f, "cleaned_data", None)
        and f.cleaned_data.get("delegate")
        and not (formset.can_delete and f.cleaned_data.get("DELETE"))
    ]
    return [row["delegate"] for row in sorted(rows, key=lambda row: row.get("position") or 0)]


def registration_of(suggestion: Suggestion, proposers: list) -> dict:
    """What `register` (and its checks) take, from the add form's unsaved suggestion."""
    fields = ("session", "theme", "number", "position", "title", "text")
    return {**{f: getattr(suggestion, f) for f in fields}, "proposers": proposers}


def _saved_nothing(formset) -> None:
    """The workflow wrote the rows, not the formset: nothing for the admin's change message to list."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class ProposerFormSet(BaseInlineFormSet):
    """Asks the workflow's checks before anything is saved: `register`'s on the add form, the proposer
    rules (and a reason) on a correction."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        suggestion = self.instance
        delegates = proposers_of(self)
        try:
            if suggestion.pk is None:
                if suggestion.session_id is None or suggestion.theme_id is None:
                    return  # the suggestion's own form has the errors
                workflow.check_registration(**registration_of(suggestion, delegates))
            elif self.has_changed():
                workflow.check_proposers(delegates)
                if not (self.data.get("reason") or "").strip():
                    raise ValidationError(_("更正提出代表时请填写更正理由。"))
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class ProposerInline(admin.TabularInline):
    model = Proposer
    formset = ProposerFormSet
    extra = 0
    autocomplete_fields = ["delegate"]
    fields = ["position", "delegate"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or obj.status == "registered"

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = [
        "round",
        "department",
        "role",
        "status",
        "assigned_on",
        "acknowledge_due",
        "acknowledged_on",
        "due_date",
        "reassignment_reason",
    ]
    readonly_fields = fields


class ReplyInline(ReadOnlyInline):
    model = Reply
    fields = [
        "round",
        "department",
        "category",
        "doc_number",
        "signer",
        "replied_on",
        "due_date",
        "publication",
    ]
    readonly_fields = fields
    show_change_link = True


class RatingInline(ReadOnlyInline):
    model = Rating
    fields = ["round", "delegate", "is_lead", "attitude", "result", "comment", "rated_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = Event
    fields = ["at", "kind", "actor_name", "department", "round", "from_status", "to_status", "note", "data"]
    readonly_fields = fields


class OverdueFilter(admin.SimpleListFilter):
    title = _("期限")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", _("已逾期")), ("due_soon", _("15天内到期"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value() == "due_soon":
            return queryset.due_soon()
        return queryset


class DepartmentFilter(admin.SimpleListFilter):
    title = _("承办单位")
    parameter_name = "department"

    def lookups(self, request, model_admin):
        return [(str(d.pk), d.name) for d in Department.objects.filter(assignments__isnull=False).distinct()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(
                    Assignment.objects.active().filter(suggestion=OuterRef("pk"), department_id=self.value())
                )
            )
        return queryset


class CategoryFilter(admin.SimpleListFilter):
    title = _("答复分类")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [(c.value, c.value) for c in Category]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(Reply.objects.filter(suggestion=OuterRef("pk"), category=self.value()))
            )
        return queryset


@admin.register(Suggestion)
class SuggestionAdmin(SimpleHistoryAdmin):
    list_display = [
        "number",
        "place_display",
        "title",
        "proposer_names",
        "status",
        "key_supervision",
        "round",
        "due_date",
        "overdue",
    ]
    list_display_links = ["number", "title"]
    list_filter = [
        "session",
        "theme",
        "status",
        DepartmentFilter,
        CategoryFilter,
        OverdueFilter,
        "key_supervision",
        "round",
    ]
    search_fields = ["=number", "title", "text", "proposers__delegate__name"]
    list_select_related = ["session", "theme"]
    list_per_page = 50
    readonly_fields = ["status", "round", "due_date", "created_at", "updated_at", "workflow_actions"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "workflow_actions",
                    "session",
                    "theme",
                    "number",
                    "position",
                    "title",
                    "text",
                    "disclosure_consent",
                ]
            },
        ),
        (
            _("办理"),
            {"fields": ["status", "key_supervision", "round", "due_date", "created_at", "updated_at"]},
        ),
    ]
    form = SuggestionForm
    inlines = [ProposerInline, AssignmentInline, ReplyInline, RatingInline, EventInline]
    actions = ["mark_key_supervision", "publish_full", "publish_title_only"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("proposers__delegate")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its events protect it: a suggestion is withdrawn or not accepted, never deleted

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["session", "number", "key_supervision"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append((_("更正"), {"fields": ["reason"]}))
        return fieldsets

    @admin.display(description=_("位置"))
    def place_display(self, obj: Suggestion) -> str:
        return obj.place

    @admin.display(description=_("提出代表"))
    def proposer_names(self, obj: Suggestion) -> str:
        return "、".join(p.delegate.name for p in obj.ordered_proposers())

    @admin.display(description=_("逾期"), boolean=True)
    def overdue(self, obj: Suggestion) -> bool:
        return obj.is_overdue

    @admin.display(description=_("办理操作"))
    def workflow_actions(self, obj: Suggestion) -> str:
        user = getattr(obj, "_admin_user", None)
        steps = available_steps(user, obj) if user is not None and obj.pk else []
        if not steps:
            return "—"
        return format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            ((reverse("admin:suggestions_suggestion_step", args=[obj.pk, s.name]), s.label) for s in steps),
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._admin_user = request.user  # this request's user, for the step buttons
        return obj

    # The writes: the add form registers, the change form corrects (suggestions/workflow/).

    def save_model(self, request, obj, form, change):
        """A change is a correction; a new suggestion is registered with its proposers in save_related."""
        if not change:
            return
        fields = {f: form.cleaned_data[f] for f in SuggestionForm.corrected if f in form.changed_data}
        if fields:
            workflow.correct_text(
                suggestion=obj.pk, reason=form.cleaned_data.get("reason", ""), by=request.user, **fields
            )

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
            return
        for formset in formsets:
            _saved_nothing(formset)
        new = form.instance
        proposers = next((proposers_of(f) for f in formsets if f.model is Proposer), [])
        created = workflow.register(
            **registration_of(new, proposers), disclosure_consent=new.disclosure_consent, by=request.user
        )
        new.pk = created.pk  # the admin logs and redirects to the registered suggestion
        new._state.adding = False
        new.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        _saved_nothing(formset)
        if formset.model is not Proposer:
            return  # the other inlines are read-only
        if change and formset.has_changed():
            workflow.replace_proposers(
                suggestion=form.instance.pk,
                delegates=proposers_of(formset),
                reason=form.cleaned_data.get("reason", ""),
                by=request.user,
            )

    def get_urls(self):
        return [
            path(
                "<int:pk>/step/<str:step>/",
                self.admin_site.admin_view(self.step_view),
                name="suggestions_suggestion_step",
            ),
            *super().get_urls(),
        ]

    def step_view(self, request: HttpRequest, pk: int, step: str):
        """One workflow step on one suggestion, through the same form the pages use."""
        suggestion = get_object_or_404(Suggestion, pk=pk)
        if step not in STEPS:
            raise PermissionDenied
        chosen = STEPS[step]
        if not chosen.available(request.user, suggestion):
            messages.error(request, _("当前不能进行「%(step)s」。") % {"step": chosen.label})
            return HttpResponseRedirect(reverse("admin:suggestions_suggestion_change", args=[pk]))
        try:
            form, done = take_step(request, chosen, suggestion)
        except PermissionDenied:
            messages.error(request, _("您无权进行此操作。"))
            return HttpResponseRedirect(reverse("admin:suggestions_suggestion_change", args=[pk]))
        if done is not None:
            messages.success(request, _("已完成「%(step)s」。") % {"step": chosen.label})
            return HttpResponseRedirect(reverse("admin:suggestions_suggestion_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": suggestion,
            "title": f"{chosen.label}：{suggestion}",
            "form": form,
            "step": chosen,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/suggestions/step_form.html", context)

    # The bulk actions: one workflow step on each selected suggestion, each refusal reported.

    def _bulk(self, request, queryset, step: str, label: str, **kwargs):
        run = STEPS[step].run
        done = failed = 0
        for suggestion in queryset:
            try:
                run(suggestion=suggestion, by=request.user, **kwargs)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                failed += 1
                text = "；".join(getattr(error, "messages", [str(error)]))
                messages.warning(request, f"{suggestion}：{text}")
        messages.info(
            request,
            _("%(label)s：成功 %(done)s 条，未执行 %(failed)s 条。")
            % {"label": label, "done": done, "failed": failed},
        )

    @admin.action(description=_("设为重点督办"))
    def mark_key_supervision(self, request, queryset):
        self._bulk(request, queryset, "supervision", _("重点督办"), on=True)

    @admin.action(description=_("全文公开最新答复"))
    def publish_full(self, request, queryset):
        self._bulk(request, queryset, "publish", _("全文公开"), mode=Publication.FULL)

    @admin.action(description=_("仅公开最新答复的标题"))
    def publish_title_only(self, request, queryset):
        self._bulk(request, queryset, "publish", _("仅公开标题"), mode=Publication.TITLE_ONLY)


class ThemeInline(admin.TabularInline):
    """A session's themes: new ones are added here; an existing theme's title is corrected on its own
    change form (``ThemeAdmin``), with a reason, as an event on each of its suggestions."""

    model = Theme
    fields = ["ordinal", "title"]
    extra = 0
    show_change_link = True

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # existing rows are shown read-only; only new rows are saved

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SessionForm(CorrectionForm):
    corrected = ("name", "start_date", "end_date")

    class Meta:
        model = CongressSession
        fields = ["name", "term", "meeting", "start_date", "end_date"]


@admin.register(CongressSession)
class CongressSessionAdmin(admin.ModelAdmin):
    """A new session is saved as entered; a change of its name or dates is a correction
    (``workflow.correct_session``: a reason, and an event on each of its suggestions)."""

    form = SessionForm
    list_display = ["name", "term", "meeting", "start_date", "end_date"]
    inlines = [ThemeInline]

    def get_readonly_fields(self, request, obj=None):
        return ["term", "meeting"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)  # a new session: no suggestion shows it yet
        elif set(form.changed_data) & set(SessionForm.corrected):
            workflow.correct_session(
                session=CongressSession.objects.get(pk=obj.pk),
                name=form.cleaned_data["name"],
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data.get("reason", ""),
                by=request.user,
            )


class ThemeForm(CorrectionForm):
    corrected = ("title",)

    class Meta:
        model = Theme
        fields = ["session", "ordinal", "title"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    """A new theme is saved as entered; a change of its title is a correction (``workflow.correct_theme``:
    a reason, and an event on each of its suggestions). Its session and ordinal are fixed once saved."""

    form = ThemeForm
    list_display = ["__str__", "session", "ordinal"]
    list_filter = ["session"]
    list_select_related = ["session"]
    search_fields = ["title"]

    def get_readonly_fields(self, request, obj=None):
        return ["session", "ordinal"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)  # a new theme: no suggestion shows it yet
        elif "title" in form.changed_data:
            workflow.correct_theme(
                theme=Theme.objects.get(pk=obj.pk),
                title=form.cleaned_data["title"],
                reason=form.cleaned_data.get("reason", ""),
                by=request.user,
            )


class HandlingRecordAdmin(admin.ModelAdmin):
    """Handling records are written by the workflow only; the admin reads them."""

    list_select_related = ["suggestion"]
    search_fields = ["=suggestion__number", "suggestion__title"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(HandlingRecordAdmin):
    list_display = [
        "suggestion",
        "department",
        "role",
        "round",
        "status",
        "assigned_on",
        "acknowledged_on",
        "due_date",
    ]
    list_filter = ["role", "status", "round", "department"]
    list_select_related = ["suggestion", "department"]


@admin.register(ContactRecord)
class ContactRecordAdmin(HandlingRecordAdmin):
    list_display = ["suggestion", "department", "method", "contacted_on", "round"]
    list_filter = ["method"]
    list_select_related = ["suggestion", "department"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(HandlingRecordAdmin):
    list_display = ["suggestion", "department", "kind", "reported_on", "fulfilled"]
    list_filter = ["kind", "fulfilled"]
    list_select_related = ["suggestion", "department"]


@admin.register(CoHandlerOpinion)
class CoHandlerOpinionAdmin(HandlingRecordAdmin):
    list_display = ["suggestion", "assignment", "submitted_on"]
    list_select_related = ["suggestion", "assignment__department"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(HandlingRecordAdmin):
    list_display = ["suggestion", "current_due", "requested_due", "status", "decided_at"]
    list_filter = ["status"]


class ReplyForm(CorrectionForm):
    corrected = workflow.REPLY_TEXTS


@admin.register(Reply)
class ReplyAdmin(SimpleHistoryAdmin):
    """Staff may correct a reply's texts (`workflow.correct_reply`: an event and its history record, with the
    reason); its facts stay as the workflow wrote them."""

    form = ReplyForm

    list_display = [
        "suggestion",
        "round",
        "department",
        "category",
        "doc_number",
        "replied_on",
        "on_time_display",
        "publication",
    ]
    list_filter = ["category", "publication", "round", "department"]
    list_select_related = ["suggestion", "department"]
    search_fields = ["doc_number", "=suggestion__number", "suggestion__title", "text"]
    readonly_fields = [
        "suggestion",
        "department",
        "round",
        "category",
        "replied_on",
        "due_date",
        "publication",
        "published_at",
        "created_by",
        "letter",
    ]
    exclude = ["pdf"]

    @admin.display(description=_("答复函 PDF"))
    def letter(self, obj: Reply) -> str:
        if not obj.pdf:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("reply_pdf", args=[obj.pk]), obj.pdf.name)

    @admin.display(description=_("按期"), boolean=True)
    def on_time_display(self, obj: Reply) -> bool:
        return obj.on_time

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        texts = {f: form.cleaned_data[f] for f in ReplyForm.corrected if f in form.changed_data}
        if texts:
            workflow.correct_reply(
                suggestion=obj.suggestion_id,
                reply=obj.pk,
                reason=form.cleaned_data.get("reason", ""),
                by=request.user,
                **texts,
            )


@admin.register(Rating)
class RatingAdmin(HandlingRecordAdmin):
    list_display = ["suggestion", "round", "delegate", "is_lead", "attitude", "result", "rated_at"]
    list_filter = ["is_lead", "attitude", "result", "round"]
    list_select_related = ["suggestion", "delegate"]


@admin.register(Event)
class EventAdmin(HandlingRecordAdmin):
    list_display = ["at", "suggestion", "kind", "actor_name", "department", "from_status", "to_status"]
    list_filter = ["kind"]
    list_select_related = ["suggestion", "department"]
    date_hierarchy = "at"

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff


@admin.register(WorkdayCorrection)
class WorkdayCorrectionAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]
    date_hierarchy = "date"


@admin.register(Remark)
class RemarkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "session", "part", "section", "position"]
    list_filter = ["session", "part"]
    search_fields = ["text", "heading", "delegates__name"]
    autocomplete_fields = ["delegates"]
    list_select_related = ["session"]
