from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Reminders are written by `send_reminders` only: read here, never added or edited."""

    list_display = [
        "title",
        "kind",
        "recipient",
        "round",
        "due_date",
        "created_at",
        "read_at",
        "email_status",
    ]
    list_filter = ["kind", "email_status", ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient", "suggestion"]
    search_fields = ["title", "recipient__username", "suggestion__title"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
