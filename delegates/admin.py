"""代表 in the admin. A new delegate is saved as entered; a change of a delegate's name or kind is a
correction (``workflow.correct_delegate``: a reason, and an event on each suggestion the delegate
proposed), so the suggestions' history shows it. The contact data and the login account are the
delegate's own, not a suggestion's record: they are saved directly (simple-history keeps their versions)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from delegates.models import Delegate
from suggestions import workflow
from suggestions.forms import CorrectionForm


class DelegateForm(CorrectionForm):
    corrected = ("name", "kind")

    class Meta:
        model = Delegate
        fields = ["name", "kind", "user", "phone", "email", "address", "organization"]


@admin.register(Delegate)
class DelegateAdmin(SimpleHistoryAdmin):
    form = DelegateForm
    list_display = ["name", "kind", "user", "organization"]
    list_filter = ["kind"]
    search_fields = ["name", "organization"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)  # a new delegate has proposed nothing yet
            return
        corrected = {f: form.cleaned_data[f] for f in DelegateForm.corrected if f in form.changed_data}
        own = [f for f in form.changed_data if f not in DelegateForm.corrected and f != "reason"]
        if own:
            before = Delegate.objects.get(pk=obj.pk)
            for f in own:
                setattr(before, f, getattr(obj, f))
            before.save(update_fields=own)
        if corrected:
            workflow.correct_delegate(
                delegate=Delegate.objects.get(pk=obj.pk),
                reason=form.cleaned_data.get("reason", ""),
                by=request.user,
                **corrected,
            )
        obj.refresh_from_db()
